//! Update mode: the platform opens the page for an existing connection whose token
//! stopped working (unused for 30 days, revoked, or its creator deactivated or suspended). The
//! org is fixed (shown, not editable), the copy says why a new token is needed, a rejected
//! token is explained against the fixed org, a different owner than before is a notice (not a
//! failure), and the delivered result says `update: true`.
//!
//! Set by the fragment (`#mode=update&org=…&owner=…`) or by the host's `session` message
//! (`"mode":"update","org":…,"owner":…`).

use crate::diagnosis::Verified;
use crate::fragment::Fragment;
use crate::okta::UserId;
use crate::org_url;

/// The connection being renewed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateTarget {
    /// The fixed org host (normalized).
    pub org_host: String,
    /// The previous token owner's Okta user id, when the platform passed it.
    pub owner: Option<UserId>,
}

impl UpdateTarget {
    /// `org` must be an org address (it is normalized as typed input is); an owner that is not
    /// a user id is dropped.
    pub fn new(org: &str, owner: Option<&str>) -> Option<UpdateTarget> {
        let org = org_url::normalize(org).ok()?;
        Some(UpdateTarget {
            org_host: org.host().to_string(),
            owner: owner.and_then(UserId::parse),
        })
    }

    /// From `#mode=update&org=…[&owner=…]`: `None` unless both the mode and a valid org are there.
    pub fn from_fragment(f: &Fragment) -> Option<UpdateTarget> {
        if !f.update {
            return None;
        }
        UpdateTarget::new(f.org.as_deref()?, f.owner.as_deref())
    }

    /// Whether the new token belongs to someone other than the previous owner (a notice).
    /// An app has no owner: never.
    pub fn owner_changed(&self, v: &Verified) -> bool {
        match (&self.owner, &v.admin) {
            (Some(o), Some(admin)) => *o != admin.id,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fragment::parse_with;

    #[test]
    fn the_fragment_needs_the_mode_and_a_valid_org() {
        let f = parse_with(
            "#mode=update&org=https%3A%2F%2FAcme.okta.com%2F&owner=00u1abc",
            &[],
        );
        assert_eq!(
            UpdateTarget::from_fragment(&f),
            Some(UpdateTarget {
                org_host: "acme.okta.com".into(),
                owner: UserId::parse("00u1abc"),
            })
        );
        assert!(f.ignored.is_empty(), "{:?}", f.ignored);
        assert_eq!(
            UpdateTarget::from_fragment(&parse_with("#mode=update", &[])),
            None
        );
        assert_eq!(
            UpdateTarget::from_fragment(&parse_with("#org=acme.okta.com", &[])),
            None
        );
        let bad = parse_with("#mode=update&org=not%20a%20host", &[]);
        assert_eq!(UpdateTarget::from_fragment(&bad), None);
    }

    #[test]
    fn any_other_mode_is_still_refused_and_a_bad_owner_dropped() {
        let f = parse_with("#mode=redirect&org=acme.okta.com&owner=00u/../x", &[]);
        assert!(!f.update);
        assert_eq!(f.ignored, vec!["mode".to_string()]);
        assert_eq!(f.owner, None);
        assert_eq!(f.rejected.len(), 1);
    }
}
