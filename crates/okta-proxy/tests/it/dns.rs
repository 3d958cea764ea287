//! Without development mode: names are resolved through the (injected) lookup, and names that
//! resolve to forbidden addresses are refused before any connection. The table only maps to
//! loopback here, so even a failing guard could not send traffic off this machine; the
//! resolver's own unit tests cover 10.0.0.5 and the metadata addresses.

use crate::common::*;
use okta_proxy::resolve::StaticLookup;
use std::net::IpAddr;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[tokio::test]
async fn names_resolving_to_forbidden_addresses_are_refused() {
    let lookup = StaticLookup::new()
        .with("rebind.example", &[ip("127.0.0.1")])
        .with("loopback-org.okta.com", &[ip("127.0.0.1"), ip("::1")])
        .with("v6.example", &[ip("::1")]);
    let (p, log) = harness_dns(lookup).await;
    for (target, code, status) in [
        (
            "/okta/loopback-org.okta.com/api/v1/users/me",
            "target_forbidden_address",
            403,
        ),
        (
            "/okta/rebind.example/.well-known/okta-organization",
            "target_forbidden_address",
            403,
        ),
        (
            "/okta/v6.example/.well-known/okta-organization",
            "target_forbidden_address",
            403,
        ),
        (
            "/okta/nowhere.example/.well-known/okta-organization",
            "name_not_found",
            502,
        ),
        ("/okta/acme.okta.com/api/v1/users/me", "name_not_found", 502),
    ] {
        let r = get(p.addr, target, &[("Authorization", &auth())]).await;
        assert_eq!(r.status, status, "{target}: {}", r.text());
        assert_eq!(r.proxy_error().as_deref(), Some(code), "{target}");
        assert!(r.header("x-okta-link-dev-upstream").is_none());
    }
    let log = log.contents();
    assert!(!log.contains(TOKEN));
    assert!(log.contains("error=target_forbidden_address"));
}
