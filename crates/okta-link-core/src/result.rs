//! The versioned result of a check: what a platform stores and re-checks later. The page
//! delivers it (as `result` in the `submit` body and in the `connected` message; its non-secret
//! summary as redirect parameters) and `okta-link-check` prints it. Its shape is published as a
//! JSON Schema, `schema/okta-link-result.v1.json`; tests validate every delivery against it.
//!
//! It never holds the token. A new field is a new minor shape within version 1 only when the
//! schema allows it; anything a platform could misread raises [`RESULT_VERSION`].

use serde::Serialize;

use crate::diagnosis::{Access, AdminRoles, Failure, Report, Verified};
use crate::plan::DataKind;

/// `version` of every result (and the `.v1` of the schema file).
pub const RESULT_VERSION: u32 = 1;

/// Verified or failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultOutcome {
    Verified,
    Failed,
}

/// The token's owner (`users/me`): what a platform re-checks later (same owner?).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Owner {
    pub id: String,
    pub login: Option<String>,
}

/// The owner's admin roles as far as the token could list them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Roles {
    /// `listed` (then `types` holds them), `not_super_admin` (the token could not list roles,
    /// which only super admins may do), `unknown` (the listing failed).
    pub status: &'static str,
    /// Okta's role types, e.g. `SUPER_ADMIN`, `READ_ONLY_ADMIN` (empty unless `listed`).
    pub types: Vec<String>,
}

/// The result. Field order is the JSON order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkResult {
    /// [`RESULT_VERSION`].
    pub version: u32,
    pub outcome: ResultOutcome,
    /// `verified`, or the failure's stable code (`token_rejected`, …): [`Report::code`].
    pub diagnosis: &'static str,
    /// The host the customer entered (or the host fixed by the platform).
    pub org_host: String,
    /// The Okta-owned host the token was checked on, when the org was found.
    pub okta_host: Option<String>,
    /// Okta's org id (`00o…`), when the well-known document named it.
    pub org_id: Option<String>,
    /// Known once `users/me` answered.
    pub owner: Option<Owner>,
    pub roles: Roles,
    /// What the token can read, in checklist order.
    pub readable: Vec<DataKind>,
    /// What the deployment requires (`config.json` `required`).
    pub required: Vec<DataKind>,
    /// When the result was produced (the page: on delivery, seconds after the check; the
    /// native check: when it ended), RFC 3339 in UTC with milliseconds
    /// (`2026-12-03T10:21:02.123Z`), as the shell's clock writes it: `Date.toISOString` in the
    /// page, `humantime::format_rfc3339_millis` natively.
    pub checked_at: String,
    /// Whether this check renewed an existing connection (update mode).
    pub update: bool,
}

impl LinkResult {
    /// The result of `report` for a check of `org_host` requiring `required`, ended at
    /// `checked_at` (see [`LinkResult::checked_at`]).
    pub fn new(
        report: &Report,
        org_host: &str,
        required: &[DataKind],
        checked_at: String,
        update: bool,
    ) -> LinkResult {
        let verified: Option<&Verified> = match report {
            Report::Verified(v) => Some(v),
            Report::Failed(Failure::MissingAccess { verified, .. }) => Some(verified),
            Report::Failed(_) => None,
        };
        LinkResult {
            version: RESULT_VERSION,
            outcome: match report {
                Report::Verified(_) => ResultOutcome::Verified,
                Report::Failed(_) => ResultOutcome::Failed,
            },
            diagnosis: report.code(),
            org_host: org_host.to_string(),
            okta_host: verified.map(|v| v.org.canonical_host.clone()),
            org_id: verified.and_then(|v| v.org.org_id.clone()),
            owner: verified.map(|v| Owner {
                id: v.admin.id.as_str().to_string(),
                login: v.admin.login.clone(),
            }),
            roles: match verified.map(|v| &v.roles) {
                Some(AdminRoles::Listed(list)) => Roles {
                    status: "listed",
                    types: list.iter().filter_map(|r| r.role_type.clone()).collect(),
                },
                Some(r) => Roles {
                    status: r.code(),
                    types: Vec::new(),
                },
                None => Roles {
                    status: "unknown",
                    types: Vec::new(),
                },
            },
            readable: verified
                .map(|v| {
                    v.checklist
                        .iter()
                        .filter(|i| i.access == Access::Readable)
                        .map(|i| i.data)
                        .collect()
                })
                .unwrap_or_default(),
            required: required.to_vec(),
            checked_at,
            update,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_before_users_me_has_no_owner() {
        let r = LinkResult::new(
            &Report::Failed(Failure::TokenRejected { request_id: None }),
            "acme.okta.com",
            &[DataKind::Users],
            "2026-12-03T14:05:00.000Z".to_string(),
            true,
        );
        assert_eq!(r.outcome, ResultOutcome::Failed);
        assert_eq!(r.diagnosis, "token_rejected");
        assert_eq!(r.owner, None);
        assert_eq!(r.roles.status, "unknown");
        assert!(r.readable.is_empty());
        assert!(r.update);
    }
}
