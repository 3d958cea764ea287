//! Without development mode: names are resolved through the (injected) lookup, and names that
//! resolve to forbidden addresses are refused before any connection.
//!
//! What the client learns is the same for every refused destination, so that the proxy cannot
//! be used to map the platform's internal DNS: a name that does not exist, one that resolves to
//! a private network, loopback or a metadata service, a special-use name and an IP literal all
//! get one status, one code and one message. The reason is in the operator's log only.

use crate::common::*;
use okta_proxy::resolve::{Lookup, LookupFuture, StaticLookup};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// A table lookup that records every name it is asked.
#[derive(Clone)]
struct Recording {
    table: Arc<StaticLookup>,
    asked: Arc<Mutex<Vec<String>>>,
}

impl Lookup for Recording {
    fn lookup(&self, host: &str) -> LookupFuture {
        self.asked.lock().unwrap().push(host.to_string());
        self.table.lookup(host)
    }
}

/// Names resolving to every kind of forbidden address (never to anything reachable from here:
/// the guard is what is under test, and a failing one would at worst try a private address).
fn forbidden_table() -> StaticLookup {
    StaticLookup::new()
        .with("ten.example", &[ip("10.0.0.1")])
        .with("metadata.example", &[ip("169.254.169.254")])
        .with("v6meta.example", &[ip("fd00:ec2::254")])
        .with("loop.example", &[ip("127.0.0.1"), ip("::1")])
        .with("cgnat.example", &[ip("100.64.0.1")])
        .with("home.example", &[ip("192.168.1.1")])
        .with("mapped.example", &[ip("::ffff:10.0.0.1")])
        .with("zero.example", &[ip("0.0.0.0")])
        .with("internal-org.okta.com", &[ip("10.1.2.3")])
        .with("loopback-org.okta.com", &[ip("127.0.0.1"), ip("::1")])
}

/// Every refused destination, by how it is refused: names that resolve to a forbidden address,
/// names that do not resolve, special-use names (refused before any lookup) and IP literals.
const RESOLVING_FORBIDDEN: &[&str] = &[
    "ten.example",
    "metadata.example",
    "v6meta.example",
    "loop.example",
    "cgnat.example",
    "home.example",
    "mapped.example",
    "zero.example",
    "internal-org.okta.com",
    "loopback-org.okta.com",
];
const NOT_RESOLVING: &[&str] = &["nowhere.example", "acme.okta.com", "gone.acme-corp.com"];
const SPECIAL_USE: &[&str] = &[
    "db.internal",
    "metadata.google.internal",
    "printer.local",
    "x.localhost",
    "localhost",
    "router.home.arpa",
    "acme.invalid",
    "login.acme.test",
    "intranet",
    "ten",
    "10.0.0.1.nip.io",
];
const LITERALS: &[&str] = &[
    "10.0.0.1",
    "169.254.169.254",
    "[::1]",
    "2130706433",
    "0x7f.1",
];

#[tokio::test]
async fn every_refused_destination_answers_identically() {
    let rec = Recording {
        table: Arc::new(forbidden_table()),
        asked: Arc::default(),
    };
    let (logger, log) = okta_proxy::log::Logger::memory();
    let p = okta_proxy::server::start(
        base_config(),
        okta_proxy::server::Deps {
            lookup: Arc::new(rec.clone()),
            logger,
        },
    )
    .await
    .unwrap();
    let mut answers = Vec::new();
    let all = RESOLVING_FORBIDDEN
        .iter()
        .chain(NOT_RESOLVING)
        .chain(SPECIAL_USE)
        .chain(LITERALS);
    for host in all {
        let okta = host.ends_with(".okta.com");
        let path = if okta {
            "api/v1/users/me"
        } else {
            ".well-known/okta-organization"
        };
        // Asked twice: a remembered verdict must not answer differently either.
        for round in 0..2 {
            let r = get(
                p.addr,
                &format!("/okta/{host}/{path}"),
                &[("Authorization", &auth()), ("Origin", ALLOWED)],
            )
            .await;
            let body = r.json();
            let text = r.text();
            for addr in ["10.", "169.254", "127.0.0.1", "fd00", "192.168"] {
                if !host.contains(addr) {
                    assert!(!text.contains(addr), "{host}: the answer names {addr}");
                }
            }
            let message = body["message"].as_str().unwrap_or("");
            for word in [
                "resolve",
                "private",
                "metadata",
                "loopback",
                "does not exist",
            ] {
                assert!(!message.contains(word), "{host} (round {round}): {text}");
            }
            assert_eq!(body["target"], host.to_ascii_lowercase(), "{host}");
            answers.push((
                host.to_string(),
                r.status,
                body["proxyError"].clone(),
                body["message"].clone(),
            ));
        }
    }
    let first = &answers[0];
    for a in &answers {
        assert_eq!(
            (a.1, &a.2, &a.3),
            (first.1, &first.2, &first.3),
            "{} vs {}",
            a.0,
            first.0
        );
    }
    assert_eq!(first.1, 403);
    assert_eq!(first.2, "target_forbidden_address");
    // Special-use names and literals never reached the resolver.
    let asked = rec.asked.lock().unwrap().clone();
    for host in SPECIAL_USE.iter().chain(LITERALS) {
        assert!(!asked.iter().any(|a| a == host), "{host} was looked up");
    }
    // The operator's log has the reason (and never the token).
    let log = log.contents();
    assert!(!log.contains(TOKEN));
    assert!(log.contains("10.0.0.1"), "{log}");
    assert!(
        log.contains("metadata service") || log.contains("link-local"),
        "{log}"
    );
    assert!(log.contains("does not resolve"), "{log}");
    assert!(
        log.contains("special-use") || log.contains("single-label"),
        "{log}"
    );
}

#[tokio::test]
async fn names_resolving_to_forbidden_addresses_are_refused_and_logged() {
    let lookup = StaticLookup::new()
        .with("rebind.example", &[ip("127.0.0.1")])
        .with("loopback-org.okta.com", &[ip("127.0.0.1"), ip("::1")])
        .with("v6.example", &[ip("::1")]);
    let (p, log) = harness_dns(lookup).await;
    for target in [
        "/okta/loopback-org.okta.com/api/v1/users/me",
        "/okta/rebind.example/.well-known/okta-organization",
        "/okta/v6.example/.well-known/okta-organization",
        "/okta/nowhere.example/.well-known/okta-organization",
        "/okta/acme.okta.com/api/v1/users/me",
    ] {
        let r = get(p.addr, target, &[("Authorization", &auth())]).await;
        assert_eq!(r.status, 403, "{target}: {}", r.text());
        assert_eq!(
            r.proxy_error().as_deref(),
            Some("target_forbidden_address"),
            "{target}"
        );
        assert!(r.header("x-okta-link-dev-upstream").is_none());
    }
    let log = log.contents();
    assert!(!log.contains(TOKEN));
    assert!(log.contains("error=target_forbidden_address"));
    assert!(
        log.contains("rebind.example resolves to 127.0.0.1"),
        "{log}"
    );
    assert!(log.contains("nowhere.example does not resolve"), "{log}");
}
