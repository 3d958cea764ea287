//! What the proxy takes from upstream (the second security review, SECURITY.md): every custom-domain well-known answer is
//! checked again, an Okta org's well-known is read up to 64 KiB only, long upstream header
//! values are dropped, and 1xx or unregistered statuses are never passed on as the proxy's own.

use crate::common::*;
use okta_proxy::forward::{
    JSON_CONTENT_TYPE, MAX_PASSED_HEADER_BYTES, PASSED_HEADERS, TEXT_CONTENT_TYPE,
};
use okta_proxy::log::{Logger, MemoryLog};
use okta_proxy::resolve::StaticLookup;
use okta_proxy::server::{start, Deps, Running};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn well_known_of(host: &str) -> String {
    format!("/okta/{host}/.well-known/okta-organization")
}

/// The first answer of every `*.second.example` domain: the valid document, relayed.
fn assert_valid_document(r: &Resp, host: &str) {
    assert_eq!(r.status, 200, "{host}: {}", r.text());
    assert_eq!(
        r.json()["_links"]["organization"]["href"],
        "https://acme.okta.com",
        "{host}"
    );
    assert_eq!(r.header("x-okta-link-proxy-error"), None, "{host}");
}

/// A refusal by the proxy itself: not 200, the proxy's JSON error, and nothing of the hostile
/// answer in it.
fn assert_refused_not_relayed(r: &Resp, host: &str) -> String {
    assert_ne!(r.status, 200, "{host}: relayed {}", r.text());
    let code = r
        .proxy_error()
        .unwrap_or_else(|| panic!("{host}: not the proxy's own answer: {}", r.text()));
    let text = r.text();
    assert!(!text.contains(HOSTILE), "{host}: {text}");
    assert!(!text.contains("<html"), "{host}: {text}");
    assert!(r.body.len() < 4096, "{host}: {} bytes", r.body.len());
    code
}

/// The second security review (SECURITY.md), finding 4, the review's case: a custom domain whose first well-known answer was
/// valid and whose next one is 200 KB of HTML with status 200. The second request used to be
/// relayed unchecked (the domain was in the verified cache); now it is fetched, checked and
/// refused.
#[tokio::test]
async fn a_verified_custom_domain_is_checked_again_on_every_well_known_request() {
    let h = harness(|_| {}).await;
    let host = "html-big.second.example";
    let r = get(h.addr(), &well_known_of(host), &[]).await;
    assert_valid_document(&r, host);

    for _ in 0..2 {
        let r = get(h.addr(), &well_known_of(host), &[]).await;
        assert_eq!(
            assert_refused_not_relayed(&r, host),
            "target_refused",
            "{}",
            r.text()
        );
        assert_eq!(r.status, 403);
    }
    // The second answer was fetched (and the refusal remembered: no third fetch).
    let seen = h.upstream.for_host(host);
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen
        .iter()
        .all(|s| s.target == "/.well-known/okta-organization"));
}

/// The class: whatever a custom domain answers after a valid first answer — HTML, JSON naming
/// something other than an Okta org, a valid document above 64 KiB (announced or chunked), a
/// redirect, an error status, an encoded or unregistered-status answer — the proxy never
/// relays it; only a document that passes the check (the 64 KiB control) is.
#[tokio::test]
async fn no_hostile_second_well_known_answer_is_relayed() {
    let h = harness(|_| {}).await;
    for case in HOSTILE_SECOND_ANSWERS {
        let host = format!("{case}{SECOND_ANSWER_ZONE}");
        let r = get(h.addr(), &well_known_of(&host), &[]).await;
        assert_valid_document(&r, &host);
        for attempt in 0..2 {
            let r = get(h.addr(), &well_known_of(&host), &[]).await;
            let code = assert_refused_not_relayed(&r, &host);
            assert!(
                ["target_refused", "upstream_unreachable"].contains(&code.as_str()),
                "{host} (attempt {attempt}): {code}"
            );
        }
        let asked = h.upstream.for_host(&host).len();
        assert!((2..=3).contains(&asked), "{host}: asked {asked} times");
    }

    // The control: later answers that pass the check (exactly 64 KiB) are relayed each time.
    let host = format!("valid-64k{SECOND_ANSWER_ZONE}");
    let r = get(h.addr(), &well_known_of(&host), &[]).await;
    assert_valid_document(&r, &host);
    for _ in 0..2 {
        let r = get(h.addr(), &well_known_of(&host), &[]).await;
        assert_valid_document(&r, &host);
        assert_eq!(r.body.len(), okta_proxy::forward::WELL_KNOWN_MAX_BYTES);
    }
    assert_eq!(h.upstream.for_host(&host).len(), 3);
}

/// An Okta org host's well-known document is read with the same 64 KiB limit as a custom
/// domain's (not the 1 MiB body limit): above it, announced or chunked, is `upstream_too_large`;
/// exactly 64 KiB passes.
#[tokio::test]
async fn an_okta_org_well_known_above_64_kib_is_too_large() {
    let h = harness(|_| {}).await;
    for host in ["bigwk.okta.com", "bigwkchunked.okta.com"] {
        let r = get(h.addr(), &well_known_of(host), &[]).await;
        assert_eq!(r.status, 502, "{host}");
        assert_eq!(
            r.proxy_error().as_deref(),
            Some("upstream_too_large"),
            "{host}"
        );
        assert!(!r.text().contains("\"pad\""), "{host}");
    }
    let r = get(h.addr(), &well_known_of("wk64k.okta.com"), &[]).await;
    assert_eq!(r.status, 200, "{}", r.proxy_error().unwrap_or_default());
    assert_eq!(r.body.len(), okta_proxy::forward::WELL_KNOWN_MAX_BYTES);
    assert_eq!(
        r.json()["_links"]["organization"]["href"],
        "https://wk64k.okta.com"
    );
}

/// The review's case: a 200 KB `X-Okta-Request-Id` and a 300-byte `X-Rate-Limit-Remaining`
/// are dropped; the short headers beside them and the body are passed.
#[tokio::test]
async fn long_upstream_header_values_are_dropped() {
    let h = harness(|_| {}).await;
    let r = get(
        h.addr(),
        "/okta/longheaders.okta.com/api/v1/users/me",
        &[("Authorization", &auth()), ("Origin", ALLOWED)],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["id"], "00u1");
    assert_eq!(r.header("x-okta-request-id"), None);
    assert_eq!(r.header("x-rate-limit-remaining"), None);
    assert_eq!(r.header("x-rate-limit-limit"), Some("40"));
    assert_eq!(r.header("x-rate-limit-reset"), Some("1700000000"));
    assert_eq!(r.header("content-type"), Some(JSON_CONTENT_TYPE));
    let head_bytes: usize = r.headers.iter().map(|(k, v)| k.len() + v.len()).sum();
    assert!(head_bytes < 8 * 1024, "{head_bytes} bytes of headers");
}

/// The class: every header the proxy passes on, at and around the cap. A value of exactly
/// [`MAX_PASSED_HEADER_BYTES`] is passed, one byte more is dropped (not cut).
#[tokio::test]
async fn every_passed_header_is_capped_at_256_bytes() {
    assert_eq!(MAX_PASSED_HEADER_BYTES, 256);
    let h = harness(|_| {}).await;
    for name in PASSED_HEADERS.iter().map(|n| n.as_str()) {
        for len in [20, 255, 256, 257, 1024, 16 * 1024] {
            let host = format!("hdr-{name}-{len}.okta.com");
            let r = get(h.addr(), &format!("/okta/{host}/api/v1/users/me"), &[]).await;
            assert_eq!(r.status, 200, "{host}: {}", r.text());
            let value = header_value_of_len(name, len);
            let passed = len <= MAX_PASSED_HEADER_BYTES;
            if name == "content-type" {
                // Never passed as is: JSON or plain text, with the original (cut to 128) aside.
                let upstream_type = r.header("x-okta-link-upstream-content-type");
                if passed {
                    assert_eq!(r.header("content-type"), Some(JSON_CONTENT_TYPE), "{host}");
                    assert!(
                        value.starts_with(upstream_type.unwrap()),
                        "{host}: {upstream_type:?}"
                    );
                } else {
                    assert_eq!(r.header("content-type"), Some(TEXT_CONTENT_TYPE), "{host}");
                    assert_eq!(upstream_type, Some(""), "{host}");
                }
            } else if passed {
                assert_eq!(r.header(name), Some(value.as_str()), "{host}");
                assert_eq!(r.header_count(name), 1, "{host}");
            } else {
                assert_eq!(r.header(name), None, "{host}");
            }
        }
    }
}

/// A raw HTTP/1.1 upstream on loopback: for each connection, reads one request head, writes
/// `answer(host)` (the request's `Host`) and closes.
async fn raw_upstream(answer: fn(&str) -> String) -> SocketAddr {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&head).to_ascii_lowercase();
                let host = text
                    .lines()
                    .find_map(|l| l.strip_prefix("host:"))
                    .unwrap_or("")
                    .trim()
                    .to_string();
                let _ = s.write_all(answer(&host).as_bytes()).await;
                let _ = s.shutdown().await;
            });
        }
    });
    addr
}

/// The proxy in development mode in front of `upstream`.
async fn proxy_in_front_of(upstream: SocketAddr) -> (Running, MemoryLog) {
    let mut cfg = base_config();
    cfg.dev_upstream = Some(format!("http://{upstream}"));
    let (logger, log) = Logger::memory();
    let proxy = start(
        cfg,
        Deps {
            lookup: Arc::new(StaticLookup::new()),
            logger,
        },
    )
    .await
    .unwrap();
    (proxy, log)
}

/// `s{status}.okta.com` answers that status line with a small JSON body and an upstream
/// header; `w{status}.okta.com` answers the status with a valid well-known document.
fn status_answer(host: &str) -> String {
    let label = host.split('.').next().unwrap_or("");
    let status = &label[1..];
    let body = if label.starts_with('w') {
        r#"{"_links":{"organization":{"href":"https://acme.okta.com"}}}"#
    } else {
        r#"{"odd":true}"#
    };
    format!(
        "HTTP/1.1 {status} Odd\r\ncontent-type: application/json\r\nx-okta-request-id: \
         upstream-{status}\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// The second security review (SECURITY.md): an upstream 1xx or a status number with no registered meaning (299, 499, 600,
/// 999 …) is not passed on as the proxy's own status: the proxy answers its own 502
/// `upstream_unreachable`, with nothing of the upstream's answer. Registered statuses are
/// still relayed, and registered redirects refused as `upstream_redirect`.
#[tokio::test]
async fn unregistered_and_informational_upstream_statuses_are_not_relayed() {
    let up = raw_upstream(status_answer).await;
    let (proxy, log) = proxy_in_front_of(up).await;
    for status in [
        100, 101, 102, 103, 199, 209, 218, 299, 309, 420, 430, 499, 509, 599, 600, 700, 999,
    ] {
        for path in ["/api/v1/users/me", "/.well-known/okta-organization"] {
            let prefix = if path.starts_with("/api") { 's' } else { 'w' };
            let target = format!("/okta/{prefix}{status}.okta.com{path}");
            let r = get(proxy.addr, &target, &[("Authorization", &auth())]).await;
            assert_eq!(r.status, 502, "{target}: {}", r.text());
            assert_eq!(
                r.proxy_error().as_deref(),
                Some("upstream_unreachable"),
                "{target}"
            );
            assert_eq!(r.header("x-okta-request-id"), None, "{target}");
            assert!(!r.text().contains("odd"), "{target}");
        }
    }
    // Controls: registered statuses are the upstream's, registered redirects are refused.
    for (status, want) in [(200, 200), (203, 203), (404, 404), (429, 429), (503, 503)] {
        let r = get(
            proxy.addr,
            &format!("/okta/s{status}.okta.com/api/v1/users/me"),
            &[],
        )
        .await;
        assert_eq!(r.status, want, "{status}");
        assert_eq!(r.header("x-okta-link-proxy-error"), None, "{status}");
        assert_eq!(r.json()["odd"], true);
    }
    for status in [300, 301, 302, 303, 304, 307, 308] {
        let r = get(
            proxy.addr,
            &format!("/okta/s{status}.okta.com/api/v1/users/me"),
            &[],
        )
        .await;
        assert_eq!(r.status, 502, "{status}");
        assert_eq!(
            r.proxy_error().as_deref(),
            Some("upstream_redirect"),
            "{status}"
        );
    }
    assert!(!log.contents().contains(&TOKEN[..12]));
}
