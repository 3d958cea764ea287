//! What is an Okta host. Written once, used by the page's normalizer and by the reference proxy,
//! so that both enforce the same rule.
//!
//! Hosts given to these functions are expected to be lowercase ASCII without a trailing dot;
//! anything else is simply "not an Okta org host".

/// Okta-owned suffixes under which an org lives as exactly one label (`acme.okta.com`).
/// Okta's SDKs disagree between `trex-govcloud.com` and `trex-gov.com`; both are accepted.
pub const OKTA_SUFFIXES: &[&str] = &[
    "okta.com",
    "oktapreview.com",
    "okta-emea.com",
    "okta-gov.com",
    "okta.mil",
    "okta-miltest.com",
    "trex-govcloud.com",
    "trex-gov.com",
];

/// Names under Okta suffixes that are Okta's own sites, not orgs.
pub const OKTA_SITE_LABELS: &[&str] = &[
    "www",
    "developer",
    "help",
    "support",
    "login",
    "status",
    "trust",
    "community",
    "docs",
    "api",
];

/// Zones whose names are CNAME targets for custom domains, never org hosts.
pub const CNAME_TARGET_ZONES: &[&str] = &[
    "customdomains.okta.com",
    "customdomains.oktapreview.com",
    "customdomains.okta-emea.com",
    "okta-dnssec.com",
];

/// Where a host sits relative to Okta's namespaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKind<'a> {
    /// `label.suffix`: an org host (the label may still be an `-admin` console host).
    OktaOrg {
        label: &'a str,
        suffix: &'static str,
    },
    /// The suffix itself (`okta.com`).
    BareSuffix { suffix: &'static str },
    /// One of Okta's own sites (`www.okta.com`, `login.okta.com`).
    OktaSite { suffix: &'static str },
    /// A CNAME target (`x.customdomains.okta.com`, `okta-dnssec.com` names).
    CnameTarget,
    /// More than one label in front of an Okta suffix (`a.b.okta.com`).
    NestedUnderSuffix { suffix: &'static str },
    /// Not under any Okta suffix: possibly a custom domain.
    Other,
}

/// The Okta suffix `host` ends with (as a whole label sequence), if any.
pub fn okta_suffix(host: &str) -> Option<&'static str> {
    OKTA_SUFFIXES
        .iter()
        .copied()
        .find(|s| host == *s || host.strip_suffix(s).is_some_and(|p| p.ends_with('.')))
}

fn in_zone(host: &str, zone: &str) -> bool {
    host == zone || host.strip_suffix(zone).is_some_and(|p| p.ends_with('.'))
}

/// Classify a lowercase host.
pub fn classify(host: &str) -> HostKind<'_> {
    if CNAME_TARGET_ZONES.iter().any(|z| in_zone(host, z)) {
        return HostKind::CnameTarget;
    }
    let Some(suffix) = okta_suffix(host) else {
        return HostKind::Other;
    };
    if host == suffix {
        return HostKind::BareSuffix { suffix };
    }
    let label = &host[..host.len() - suffix.len() - 1];
    if label.is_empty() || label.contains('.') {
        return HostKind::NestedUnderSuffix { suffix };
    }
    if OKTA_SITE_LABELS.contains(&label) {
        return HostKind::OktaSite { suffix };
    }
    HostKind::OktaOrg { label, suffix }
}

/// True for a host an API call may go to directly: one LDH label (not an Okta site, not an
/// `-admin` console host) in front of an Okta suffix.
pub fn is_okta_org_host(host: &str) -> bool {
    match classify(host) {
        HostKind::OktaOrg { label, .. } => is_ldh_label(label) && !label.ends_with("-admin"),
        _ => false,
    }
}

/// A DNS label of letters, digits and inner hyphens, 1 to 63 characters, lowercase.
pub fn is_ldh_label(label: &str) -> bool {
    let b = label.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// A syntactically valid lowercase DNS host name with at least two labels, at most 253
/// characters, whose last label is not all digits (so it cannot be an IPv4 literal).
pub fn is_dns_host(host: &str) -> bool {
    if host.is_empty() || host.len() > 253 {
        return false;
    }
    let labels: Vec<&str> = host.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| is_ldh_label(l))
        && !labels
            .last()
            .is_some_and(|l| l.bytes().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_hosts() {
        assert!(is_okta_org_host("acme.okta.com"));
        assert!(is_okta_org_host("dev-12345678.okta.com"));
        assert!(is_okta_org_host("acme.oktapreview.com"));
        assert!(is_okta_org_host("acme.trex-gov.com"));
        assert!(!is_okta_org_host("acme-admin.okta.com"));
        assert!(!is_okta_org_host("okta.com"));
        assert!(!is_okta_org_host("www.okta.com"));
        assert!(!is_okta_org_host("a.b.okta.com"));
        assert!(!is_okta_org_host("evilokta.com"));
        assert!(!is_okta_org_host("okta.com.evil.example"));
        assert!(!is_okta_org_host("x.customdomains.okta.com"));
        assert!(!is_okta_org_host("acme.okta.com."));
    }

    #[test]
    fn suffix_is_whole_labels() {
        assert_eq!(okta_suffix("evilokta.com"), None);
        assert_eq!(okta_suffix("a.okta.com"), Some("okta.com"));
        assert_eq!(okta_suffix("a.okta-emea.com"), Some("okta-emea.com"));
    }

    #[test]
    fn dns_hosts() {
        assert!(is_dns_host("login.acme.com"));
        assert!(!is_dns_host("localhost"));
        assert!(!is_dns_host("127.0.0.1"));
        assert!(!is_dns_host("-a.com"));
        assert!(!is_dns_host("a..com"));
    }
}
