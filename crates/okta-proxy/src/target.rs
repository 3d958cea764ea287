//! Parsing the request target `/{host}{path}` (after the proxy's prefix) and deciding whether it
//! may be forwarded. Pure: no I/O, so every rule is unit-tested and fuzzable.
//!
//! The checks run on the raw request target, before any decoding: a `%` anywhere is refused
//! (so `%2e%2e`, `%2f` and encoded hosts never get a chance to be decoded into something else),
//! as are `//`, dot segments, backslashes, control and non-ASCII characters.

use crate::error::{Code, ProxyError};
use crate::ip::{forbidden_reason, read_host, HostReading};
use okta_link_core::hosts::{
    classify, has_embedded_ipv4, is_dns_host, is_local_name, is_okta_org_host, HostKind,
};

/// Longest request target accepted (bytes).
pub const MAX_TARGET_LEN: usize = 4096;
/// The unauthenticated discovery document.
pub const WELL_KNOWN_PATH: &str = "/.well-known/okta-organization";

/// Why an API path on a host that is not Okta's is refused (the token goes only to Okta).
pub const CUSTOM_DOMAIN_ONLY_WELL_KNOWN: &str =
    "this host is not an Okta org host: custom domains \
are answered only for /.well-known/okta-organization (without a token); the page must call the \
Okta org host that document names";

/// The read-only Okta endpoints the page calls: the only ones forwarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    WellKnown,
    UsersMe,
    UserRoles,
    Users,
    Groups,
    Logs,
}

/// How the host may be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostVerdict {
    /// An Okta-owned org host: forward directly.
    OktaOrg,
    /// Possibly a custom URL domain: only its well-known document is fetched (without a token),
    /// and answered only if it names an Okta org. The token never goes there.
    CustomDomain,
}

/// A request target that passed every pure check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Lowercase host.
    pub host: String,
    /// Path, starting with `/`, without the query.
    pub path: String,
    /// Query without `?`, if any (only `limit=N` ever gets here).
    pub query: Option<String>,
    pub endpoint: Endpoint,
    pub verdict: HostVerdict,
}

impl Target {
    /// Path and query as sent upstream.
    pub fn path_and_query(&self) -> String {
        match &self.query {
            Some(q) => format!("{}?{}", self.path, q),
            None => self.path.clone(),
        }
    }
}

fn bad(msg: &str) -> ProxyError {
    ProxyError::new(Code::BadRequest, msg)
}
fn path_refused(msg: &str) -> ProxyError {
    ProxyError::new(Code::PathNotAllowed, msg)
}

/// Checks that apply to the whole raw request target (prefix included).
pub fn check_raw(raw: &str) -> Result<(), ProxyError> {
    if raw.len() > MAX_TARGET_LEN {
        return Err(bad("request target too long"));
    }
    for b in raw.bytes() {
        match b {
            0..=0x1f | 0x7f => return Err(bad("control characters in the request target")),
            0x80..=0xff => return Err(bad("non-ASCII characters in the request target")),
            b'\\' => return Err(bad("backslash in the request target")),
            b'#' => return Err(bad("fragment in the request target")),
            b' ' => return Err(bad("space in the request target")),
            b'%' => {
                return Err(path_refused(
                    "percent-encoding is not accepted in the request target",
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

/// Parse `/{host}{path}[?query]` (what follows the prefix), or the cors-anywhere style
/// `/https://{host}{path}`, and apply the host rules and the path allow-list.
pub fn parse(rest: &str) -> Result<Target, ProxyError> {
    check_raw(rest)?;
    let (path_part, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let path_part = if let Some(after) = path_part.strip_prefix("/https://") {
        after
    } else if path_part.starts_with("/http://") || path_part.starts_with("/http:") {
        return Err(ProxyError::new(
            Code::TargetRefused,
            "only https targets are forwarded",
        ));
    } else if let Some(after) = path_part.strip_prefix('/') {
        after
    } else {
        return Err(bad("the request target must start with /"));
    };
    if path_part.contains("//") {
        return Err(path_refused("empty path segments (//) are not accepted"));
    }
    if path_part.split('/').any(|s| s == "." || s == "..") {
        return Err(path_refused("dot segments are not accepted"));
    }
    let (host_raw, path) = match path_part.find('/') {
        Some(i) => (&path_part[..i], &path_part[i..]),
        None => (path_part, ""),
    };
    if host_raw.is_empty() {
        return Err(bad("no target host: expected /{host}{path}"));
    }
    let host = host_raw.to_ascii_lowercase();
    let verdict = classify_host(&host).map_err(|e| e.with_target(Some(&host)))?;
    let endpoint = check_path(path, query).map_err(|e| e.with_target(Some(&host)))?;
    if verdict == HostVerdict::CustomDomain && endpoint != Endpoint::WellKnown {
        return Err(
            ProxyError::new(Code::TargetRefused, CUSTOM_DOMAIN_ONLY_WELL_KNOWN)
                .with_target(Some(&host)),
        );
    }
    Ok(Target {
        host,
        path: path.to_string(),
        query: query.map(str::to_string),
        endpoint,
        verdict,
    })
}

/// Decide what a (lowercased) host is: an Okta org, a custom-domain candidate, or refused.
pub fn classify_host(host: &str) -> Result<HostVerdict, ProxyError> {
    let refused = |why: &str| ProxyError::new(Code::TargetRefused, why).with_target(Some(host));
    if host.is_empty() {
        return Err(bad("empty target host"));
    }
    // First: whatever the WHATWG URL parser (browsers', and the one the upstream URL is checked with) reads
    // as an IP address is one, in any spelling and of any length, non-ASCII digits and a
    // trailing dot included. Every refused destination gets the same answer
    // ([`ProxyError::destination_refused`]); how the host was read goes to the log only.
    match read_host(host) {
        HostReading::Ip(ip) => {
            let why = forbidden_reason(ip).unwrap_or("a public address, but still an address");
            return Err(ProxyError::destination_refused(
                host,
                format!("an IP address literal, read as {ip} ({why})"),
            ));
        }
        HostReading::InvalidIp => {
            return Err(ProxyError::destination_refused(
                host,
                "a host ending in a number is read as an IP address",
            ))
        }
        HostReading::NotIp => {}
    }
    if host.contains(['[', ']', ':']) {
        return Err(ProxyError::destination_refused(
            host,
            "an IP address literal or a port",
        ));
    }
    if !host.is_ascii() {
        return Err(refused(
            "the target host must be ASCII (IDN hosts are refused)",
        ));
    }
    if host.ends_with('.') {
        return Err(refused("the target host must not end with a dot"));
    }
    if !host
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        return Err(refused("the target is not a DNS host name"));
    }
    if let Some(why) = never_public(host) {
        return Err(ProxyError::destination_refused(host, why));
    }
    let verdict = if is_okta_org_host(host) {
        HostVerdict::OktaOrg
    } else {
        not_okta_but_maybe_custom(host, refused)?
    };
    // The URL the client will build must name exactly this domain.
    match url::Url::parse(&format!("https://{host}/")) {
        Ok(u) if matches!(u.host(), Some(url::Host::Domain(d)) if d == host) => Ok(verdict),
        _ => Err(refused(
            "the target does not read as this host name in a URL",
        )),
    }
}

/// Top-level labels reserved so that they never resolve in public DNS (RFC 6761 `.invalid`,
/// RFC 9476 `.alt`), beside the core's private ones ([`is_local_name`]).
const SPECIAL_USE_TLDS: [&str; 2] = ["invalid", "alt"];

/// Why `host` can never be a public Okta org or custom domain, decided from the name alone so
/// that no lookup is made for it: a single label, a private or special-use zone (`.internal`,
/// `.local`, `.localhost`, `.home.arpa`, `.invalid`, `.test`, …) or a public zone that resolves
/// names to loopback or to the address written in them (`nip.io`, `lvh.me`, …).
pub fn never_public(host: &str) -> Option<&'static str> {
    if !host.contains('.') {
        Some("a single-label name (never a public DNS name)")
    } else if is_local_name(host)
        || SPECIAL_USE_TLDS.contains(&host.rsplit('.').next().unwrap_or(host))
    {
        Some("a private or special-use name (never a public DNS name)")
    } else if has_embedded_ipv4(host) {
        Some("a name spelling an IPv4 address (resolved to that address by wildcard zones)")
    } else {
        None
    }
}

fn not_okta_but_maybe_custom(
    host: &str,
    refused: impl Fn(&str) -> ProxyError,
) -> Result<HostVerdict, ProxyError> {
    match classify(host) {
        HostKind::OktaOrg { label, .. } if label.ends_with("-admin") => {
            return Err(refused(
                "this is an Admin Console host; use the org host without -admin",
            ))
        }
        HostKind::Other => {}
        _ => {
            return Err(refused(
                "this name under an Okta domain is not an Okta org host",
            ))
        }
    }
    if is_dns_host(host) {
        return Ok(HostVerdict::CustomDomain);
    }
    Err(refused("the target is not an Okta org host"))
}

fn is_user_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn limit_ok(query: &str) -> bool {
    let Some(n) = query.strip_prefix("limit=") else {
        return false;
    };
    !n.is_empty()
        && n.len() <= 3
        && n.bytes().all(|b| b.is_ascii_digit())
        && !n.starts_with('0')
        && n.parse::<u32>().is_ok_and(|v| (1..=200).contains(&v))
}

/// The path allow-list of docs/proxy-contract.md.
pub fn check_path(path: &str, query: Option<&str>) -> Result<Endpoint, ProxyError> {
    if path.is_empty() || path == "/" {
        return Err(path_refused("no Okta API path after the host"));
    }
    if path.contains("//") {
        return Err(path_refused("empty path segments (//) are not accepted"));
    }
    if path.split('/').any(|s| s == "." || s == "..") {
        return Err(path_refused("dot segments are not accepted"));
    }
    let lower = path.to_ascii_lowercase();
    if lower.starts_with("/api/v1/api-tokens") {
        return Err(path_refused(
            "API token management is never forwarded (it could revoke the token)",
        ));
    }
    let endpoint = match path {
        WELL_KNOWN_PATH => Endpoint::WellKnown,
        "/api/v1/users/me" => Endpoint::UsersMe,
        "/api/v1/users" => Endpoint::Users,
        "/api/v1/groups" => Endpoint::Groups,
        "/api/v1/logs" => Endpoint::Logs,
        p if p
            .strip_prefix("/api/v1/users/")
            .and_then(|r| r.strip_suffix("/roles"))
            .is_some_and(is_user_id) =>
        {
            Endpoint::UserRoles
        }
        _ => {
            return Err(path_refused(
                "this path is not one of the read-only Okta calls the proxy forwards",
            ))
        }
    };
    match (endpoint, query) {
        (_, None) => Ok(endpoint),
        (Endpoint::Users | Endpoint::Groups | Endpoint::Logs, Some(q)) if limit_ok(q) => {
            Ok(endpoint)
        }
        _ => Err(path_refused(
            "only the query limit=1..200 on users, groups and logs is forwarded",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Result<Target, ProxyError>) -> &'static str {
        match r {
            Ok(_) => "ok",
            Err(e) => e.code.code(),
        }
    }

    #[test]
    fn allowed_targets() {
        let t = parse("/acme.okta.com/api/v1/users/me").unwrap();
        assert_eq!(t.host, "acme.okta.com");
        assert_eq!(t.endpoint, Endpoint::UsersMe);
        assert_eq!(t.verdict, HostVerdict::OktaOrg);
        assert_eq!(t.path_and_query(), "/api/v1/users/me");
        let t = parse("/ACME.Okta.COM/api/v1/users?limit=1").unwrap();
        assert_eq!(t.host, "acme.okta.com");
        assert_eq!(t.path_and_query(), "/api/v1/users?limit=1");
        for p in [
            "/acme.oktapreview.com/.well-known/okta-organization",
            "/acme.okta-emea.com/api/v1/groups?limit=200",
            "/acme.okta.com/api/v1/logs?limit=1",
            "/acme.okta.com/api/v1/logs",
            "/acme.okta.com/api/v1/users/00u1a2b3c4D5e6F7g8h9/roles",
            "/https://acme.okta.com/api/v1/users/me",
        ] {
            assert_eq!(code(parse(p)), "ok", "{p}");
        }
        let t = parse("/login.acme.com/.well-known/okta-organization").unwrap();
        assert_eq!(t.verdict, HostVerdict::CustomDomain);
        assert_eq!(t.endpoint, Endpoint::WellKnown);
    }

    #[test]
    fn ip_literals_in_every_form_are_forbidden_addresses() {
        let zeros = "0".repeat(40);
        let padded = [
            format!("0x7f.0x{zeros}1"),
            format!("0x7f.0x{}1", "0".repeat(2000)),
            format!("0{zeros}177.0.0.1"),
            format!("0x{zeros}7f000001"),
            "127.0.0.1.".to_string(),
            "0x7f.1.".to_string(),
            "8.8.8.8".to_string(),
            "1.1".to_string(),
        ];
        for h in padded.iter().map(String::as_str).chain([
            "127.0.0.1",
            "2130706433",
            "0177.0.0.1",
            "0x7f.1",
            "0x7f000001",
            "127.1",
            "10.0.0.5",
            "169.254.169.254",
            "0xa9.0xfe.0xa9.0xfe",
            "0",
            "1.2.3.4.5",
            "foo.0x1",
            "foo.123",
            "[::1]",
            "[::ffff:127.0.0.1]",
            "[fd00:ec2::254]",
            "::1",
            "acme.okta.com:443",
            "acme.okta.com:8443",
            "127.0.0.1:80",
        ]) {
            let p = format!("/{h}/api/v1/users/me");
            let e = parse(&p).unwrap_err();
            assert_eq!(e.code, Code::TargetForbiddenAddress, "{h}: {}", e.message);
            let lower = h.to_ascii_lowercase();
            assert_eq!(e.target.as_deref(), Some(&lower[..lower.len().min(255)]));
        }
    }

    /// Names that can never be a public org or custom domain are refused from the name alone
    /// (so no lookup is made), with the one answer every refused destination gets.
    #[test]
    fn private_and_special_use_names_are_refused_before_any_lookup() {
        let ip_answer = classify_host("10.0.0.1").unwrap_err();
        for h in [
            "ten",
            "intranet",
            "localhost",
            "metadata",
            "db.internal",
            "metadata.google.internal",
            "printer.local",
            "x.localhost",
            "localhost.acme.com",
            "router.home.arpa",
            "acme.invalid",
            "login.acme.test",
            "svc.cluster.local",
            "acme.corp",
            "acme.lan",
            "nas.home",
            "acme.localdomain",
            "x.onion",
            "x.alt",
            "10.0.0.1.nip.io",
            "acme.lvh.me",
            "okta.localtest.me",
        ] {
            let e = classify_host(h).unwrap_err();
            assert_eq!(e.code, Code::TargetForbiddenAddress, "{h}");
            assert_eq!(e.message, crate::error::DESTINATION_REFUSED, "{h}");
            assert_eq!(e.status(), ip_answer.status(), "{h}");
            assert_eq!(e.target.as_deref(), Some(h));
            assert!(e.detail.is_some(), "{h}: the log says why");
            assert!(never_public(h).is_some(), "{h}");
        }
        // Public names in ordinary zones are not refused by name.
        for h in [
            "login.acme.com",
            "acme.okta.com",
            "sso.example.co.uk",
            "local.acme.com",
        ] {
            assert_eq!(never_public(h), None, "{h}");
        }
    }

    #[test]
    fn custom_domains_are_answered_only_for_the_well_known_path() {
        let t = parse("/login.acme.com/.well-known/okta-organization").unwrap();
        assert_eq!(t.verdict, HostVerdict::CustomDomain);
        for p in [
            "/login.acme.com/api/v1/users/me",
            "/login.acme.com/api/v1/users?limit=1",
            "/login.acme.com/api/v1/groups",
            "/login.acme.com/api/v1/logs?limit=1",
            "/login.acme.com/api/v1/users/00u1/roles",
            "/https://login.acme.com/api/v1/users/me",
        ] {
            let e = parse(p).unwrap_err();
            assert_eq!(e.code, Code::TargetRefused, "{p}");
            assert_eq!(e.message, CUSTOM_DOMAIN_ONLY_WELL_KNOWN);
            assert_eq!(e.target.as_deref(), Some("login.acme.com"));
        }
        // Okta org hosts keep every allowed path.
        assert!(parse("/acme.okta.com/api/v1/users/me").is_ok());
    }

    #[test]
    fn look_alike_hosts_are_refused_or_only_custom_domain_candidates() {
        for h in [
            "acme.okta.com.",
            "okta.com",
            "www.okta.com",
            "login.okta.com",
            "acme-admin.okta.com",
            "a.b.okta.com",
            "x.customdomains.okta.com",
            "localhost",
            "localhost.",
            "evil_host.example",
            "user@acme.okta.com",
            "acme.okta.com@evil.example",
            "оkta.com",
            "acme.оkta.com",
            "-evil.example",
        ] {
            let e = classify_host(h).unwrap_err();
            assert!(
                matches!(
                    e.code,
                    Code::TargetRefused | Code::BadRequest | Code::TargetForbiddenAddress
                ),
                "{h}: {:?}",
                e.code
            );
        }
        // These pass the pure rules only as custom-domain candidates: they are forwarded
        // only if their own well-known document names an Okta org (checked over the network).
        for h in [
            "okta.com.evil.example",
            "evilokta.com",
            "xn--kta-ioa.com",
            "acme.xn--kta-ioa.com",
            "acme.okta.co",
        ] {
            assert_eq!(classify_host(h).unwrap(), HostVerdict::CustomDomain, "{h}");
        }
    }

    #[test]
    fn non_ascii_and_encoded_hosts() {
        assert_eq!(code(parse("/оkta.com/api/v1/users/me")), "bad_request");
        assert_eq!(
            code(parse("/%D0%BEkta.com/api/v1/users/me")),
            "path_not_allowed"
        );
        assert_eq!(
            code(parse("/acme%2eokta.com/api/v1/users/me")),
            "path_not_allowed"
        );
        assert_eq!(
            code(parse("/127%2e0%2e0%2e1/api/v1/users/me")),
            "path_not_allowed"
        );
    }

    #[test]
    fn paths_outside_the_allow_list() {
        for p in [
            "/api/v1/api-tokens/current",
            "/api/v1/api-tokens",
            "/API/V1/API-TOKENS/CURRENT",
            "/api/v1/users/me/",
            "/api/v1/users/me/../../api-tokens/current",
            "/api/v1/users/./me",
            "/api/v1//users/me",
            "/api/v1/users/me/lifecycle/deactivate",
            "/api/v1/users/00u1/roles/x",
            "/api/v1/users//roles",
            "/api/v1/users/a-b/roles",
            "/api/v1/users/0123456789012345678901234567890123456789012345678901234567890123456789/roles",
            "/api/v1/apps",
            "/oauth2/v1/token",
            "/",
            "",
            "/.well-known/openid-configuration",
        ] {
            let e = check_path(p, None).unwrap_err();
            assert_eq!(e.code, Code::PathNotAllowed, "{p}");
        }
    }

    #[test]
    fn query_rules() {
        for (p, q) in [
            ("/api/v1/users", "limit=0"),
            ("/api/v1/users", "limit=201"),
            ("/api/v1/users", "limit=01"),
            ("/api/v1/users", "limit="),
            ("/api/v1/users", ""),
            ("/api/v1/users", "limit=1&limit=2"),
            ("/api/v1/users", "limit=1&search=x"),
            ("/api/v1/users", "filter=x"),
            ("/api/v1/users", "limit=99999999999999999999"),
            ("/api/v1/users/me", "limit=1"),
            ("/.well-known/okta-organization", "x=1"),
        ] {
            let e = check_path(p, Some(q)).unwrap_err();
            assert_eq!(e.code, Code::PathNotAllowed, "{p}?{q}");
        }
        for n in [1, 2, 99, 200] {
            assert!(check_path("/api/v1/groups", Some(&format!("limit={n}"))).is_ok());
        }
    }

    #[test]
    fn raw_target_attacks() {
        let cases = [
            (
                "/acme.okta.com/api/v1/%2e%2e/api-tokens/current",
                "path_not_allowed",
            ),
            (
                "/acme.okta.com/api/v1/users/%2e%2e/%2e%2e/x",
                "path_not_allowed",
            ),
            ("/acme.okta.com/api/v1/users%2fme", "path_not_allowed"),
            ("/acme.okta.com//api/v1/users/me", "path_not_allowed"),
            ("//acme.okta.com/api/v1/users/me", "bad_request"),
            (
                "/acme.okta.com/api/v1/users/../../../etc/passwd",
                "path_not_allowed",
            ),
            ("/acme.okta.com/./api/v1/users/me", "path_not_allowed"),
            ("/acme.okta.com/api\\v1/users/me", "bad_request"),
            ("/acme.okta.com/api/v1/users/me\r\nX-Evil: 1", "bad_request"),
            ("/acme.okta.com/api/v1/users/me\nHost: evil", "bad_request"),
            ("/acme.okta.com/api/v1/users/me\0", "bad_request"),
            ("/acme.okta.com/api/v1/users/me#x", "bad_request"),
            ("/acme.okta.com/api/v1/users/me x", "bad_request"),
            ("/../acme.okta.com/api/v1/users/me", "path_not_allowed"),
            ("/http://acme.okta.com/api/v1/users/me", "target_refused"),
            ("/acme.okta.com", "path_not_allowed"),
            ("/", "bad_request"),
            ("", "bad_request"),
            ("acme.okta.com/api/v1/users/me", "bad_request"),
        ];
        for (t, want) in cases {
            assert_eq!(code(parse(t)), want, "{t:?}");
        }
        let long = format!(
            "/acme.okta.com/api/v1/users/me?{}",
            "a".repeat(MAX_TARGET_LEN)
        );
        assert_eq!(code(parse(&long)), "bad_request");
    }

    #[test]
    fn dot_host_segments() {
        assert_eq!(code(parse("/./api/v1/users/me")), "path_not_allowed");
        assert_eq!(code(parse("/../api/v1/users/me")), "path_not_allowed");
        assert_eq!(code(parse("/.../api/v1/users/me")), "target_refused");
    }

    mod prop {
        use super::super::*;
        use okta_link_core::hosts::{is_dns_host, is_okta_org_host};
        use proptest::prelude::*;

        fn target_strategy() -> impl Strategy<Value = String> {
            prop_oneof![
                "[ -~]{0,120}",
                "/[a-zA-Z0-9.:%@\\[\\]-]{0,40}(/[a-z0-9.%?=&/-]{0,40}){0,4}",
                "/(acme|ACME|x)\\.(okta|oktapreview|okta-emea)\\.com(\\.)?/api/v1/(users|groups|logs|users/me|api-tokens/current)(\\?limit=[0-9]{0,4})?",
                "/[0-9x.]{1,20}/api/v1/users/me",
            ]
        }

        proptest! {
            /// Fuzzing the request-target parser: never panics, and whatever it accepts is
            /// an allowed host with an allow-listed path and a clean target.
            #[test]
            fn prop_parse_upholds_invariants(raw in target_strategy()) {
                if let Ok(t) = parse(&raw) {
                    prop_assert!(is_okta_org_host(&t.host) || is_dns_host(&t.host));
                    prop_assert_eq!(t.host.to_ascii_lowercase(), t.host.clone());
                    prop_assert_eq!(crate::ip::read_host(&t.host), crate::ip::HostReading::NotIp);
                    if t.verdict == HostVerdict::CustomDomain {
                        prop_assert_eq!(t.endpoint, Endpoint::WellKnown);
                    }
                    prop_assert!(check_path(&t.path, t.query.as_deref()).is_ok());
                    let pq = t.path_and_query();
                    prop_assert!(!pq.contains("//") && !pq.contains("..") && !pq.contains('%'));
                    prop_assert!(pq.bytes().all(|b| b.is_ascii_graphic()));
                    prop_assert!(!pq.to_ascii_lowercase().contains("api-tokens"));
                }
            }
        }
    }
}
