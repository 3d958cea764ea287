//! The first security review's proxy findings (SECURITY.md), each reproduced on loopback and shown refused, with a table or
//! property test for its class:
//!
//! 1. an IP target spelled so that a hand-made parser misses it (`0x7f.0x<40 zeros>1`);
//! 2. proxied answers that a browser would render as documents on the proxy's (page's) origin;
//! 4. a token sent to a custom domain's API path;
//! 6. encoded upstream answers, and `--serve-dist` following symlinks out of its directory.

use crate::common::*;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use okta_proxy::config::Config;
use okta_proxy::error::INERT_HEADERS;
use okta_proxy::log::Logger;
use okta_proxy::resolve::StaticLookup;
use okta_proxy::server::{start, Deps, Running};
use okta_proxy::target::classify_host;
use proptest::prelude::*;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const JSON: &str = "application/json; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";
const SCRIPT_HTML: &str =
    "<html><body><script>parent.document.title='pwned'</script></body></html>";
const SCRIPT_SVG: &str =
    "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(document.domain)</script></svg>";

// ---------------------------------------------------------------------------------------------
// Finding 1: IP targets in every spelling

fn padded_target() -> String {
    format!(
        "/okta/0x7f.0x{}1/.well-known/okta-organization",
        "0".repeat(40)
    )
}

/// Counts the connections a loopback listener accepts.
async fn counting_listener(addr: &str) -> Option<(SocketAddr, Arc<AtomicUsize>)> {
    let l = tokio::net::TcpListener::bind(addr).await.ok()?;
    let a = l.local_addr().unwrap();
    let n = Arc::new(AtomicUsize::new(0));
    let count = n.clone();
    tokio::spawn(async move {
        while let Ok((_s, _)) = l.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
        }
    });
    Some((a, n))
}

/// The reported request, byte for byte, through the proxy in production mode (names through
/// the injected table, which knows nothing): refused as an address, and nothing connects to
/// 127.0.0.1:443, where the original attack landed (that port is watched when this test may
/// bind it).
#[tokio::test]
async fn the_reported_padded_ipv4_target_is_a_forbidden_address() {
    let watch = counting_listener("127.0.0.1:443").await;
    let (p, log) = harness_dns(StaticLookup::new()).await;
    let r = get(p.addr, &padded_target(), &[("Origin", ALLOWED)]).await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.proxy_error().as_deref(), Some("target_forbidden_address"));
    // The answer is the one every refused destination gets; how the host was read is logged.
    assert_eq!(r.json()["message"], okta_proxy::error::DESTINATION_REFUSED);
    assert!(log.contents().contains("127.0.0.1"), "{}", log.contents());
    let r2 = get(
        p.addr,
        &padded_target().replace(".well-known/okta-organization", "api/v1/users/me"),
        &[("Authorization", &auth())],
    )
    .await;
    assert_eq!(
        r2.proxy_error().as_deref(),
        Some("target_forbidden_address")
    );
    if let Some((_, accepted)) = watch {
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(
            accepted.load(Ordering::SeqCst),
            0,
            "a connection reached :443"
        );
    }
    assert!(log.contents().contains("error=target_forbidden_address"));
    // In development mode too, nothing goes upstream.
    let h = harness(|_| {}).await;
    let r = get(h.addr(), &padded_target(), &[]).await;
    assert_eq!(r.proxy_error().as_deref(), Some("target_forbidden_address"));
    assert_eq!(h.upstream.count(), 0);
}

/// Spellings of IP addresses (padded hexadecimal, octal and decimal parts of any length, one
/// to four parts, a trailing dot, IPv6, IPv4-mapped IPv6), public ones included: all
/// `target_forbidden_address` over real HTTP, none reaching the upstream.
#[tokio::test]
async fn every_ip_spelling_is_a_forbidden_address() {
    let z = |n: usize| "0".repeat(n);
    let hosts = vec![
        "127.0.0.1".to_string(),
        "127.0.0.1.".to_string(),
        format!("0x7f.0x{}1", z(40)),
        format!("0x7f.0x{}1", z(41)),
        format!("0x7f.0x{}1", z(1000)),
        format!("0x{}7f.{}0.{}0.0x{}1", z(60), z(60), z(60), z(60)),
        format!("0{}177.0.0.1", z(50)),
        format!("0{}177.1.", z(45)),
        format!("{}127.1", z(3)),
        format!("0x{}7f000001", z(100)),
        format!("0{}17700000001", z(100)),
        "2130706433".to_string(),
        "2130706433.".to_string(),
        "0x7f000001".to_string(),
        "0x7f.1".to_string(),
        "0x7f.0.1".to_string(),
        "0X7F.0X0.0X0.0X1".to_string(),
        "0xa9.0xfe.0xa9.0xfe".to_string(),
        "0251.0376.0251.0376".to_string(),
        "169.254.43518".to_string(),
        "10.1".to_string(),
        "0".to_string(),
        "0x".to_string(),
        "8.8.8.8".to_string(),
        "0x08.0x08.0x08.0x08".to_string(),
        "1.2.3.4.5".to_string(),
        "foo.0x1".to_string(),
        "acme.okta.com.123".to_string(),
        "[::1]".to_string(),
        "[0:0:0:0:0:0:0:1]".to_string(),
        "[::ffff:127.0.0.1]".to_string(),
        "[::ffff:7f00:1]".to_string(),
        "[::ffff:a9fe:a9fe]".to_string(),
        "[64:ff9b::7f00:1]".to_string(),
        "[fd00:ec2::254]".to_string(),
        "[2606:4700:4700::1111]".to_string(),
    ];
    let h = harness(|c| c.rate_limit_per_minute = 0).await;
    for host in &hosts {
        for path in ["/.well-known/okta-organization", "/api/v1/users/me"] {
            let r = get(h.addr(), &format!("/okta/{host}{path}"), &[]).await;
            assert_eq!(r.status, 403, "{host}: {}", r.text());
            assert_eq!(
                r.proxy_error().as_deref(),
                Some("target_forbidden_address"),
                "{host}"
            );
        }
    }
    assert_eq!(h.upstream.count(), 0, "{:?}", h.upstream.all());
}

/// One part of a dotted-number host: decimal, octal or hexadecimal, with zero padding of any
/// length, or (rarely) a name label.
fn number_part() -> impl Strategy<Value = String> {
    prop_oneof![
        (any::<u32>(), 0usize..3).prop_map(|(n, w)| match w {
            0 => n.to_string(),
            1 => (n % 256).to_string(),
            _ => (n % 65536).to_string(),
        }),
        (any::<u32>(), 0usize..80, any::<bool>()).prop_map(|(n, pad, small)| {
            let n = if small { n % 256 } else { n };
            format!("0{}{n:o}", "0".repeat(pad))
        }),
        (any::<u32>(), 0usize..80, any::<bool>(), any::<bool>()).prop_map(
            |(n, pad, small, upper)| {
                let n = if small { n % 256 } else { n };
                let x = if upper { "0X" } else { "0x" };
                format!("{x}{}{n:x}", "0".repeat(pad))
            }
        ),
        Just("0x".to_string()),
        "[0-9]{1,12}",
        "[a-z][a-z0-9]{0,5}",
    ]
}

fn dotted_host() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(number_part(), 1..=5),
        any::<bool>(),
    )
        .prop_map(|(parts, dot)| {
            let mut h = parts.join(".").to_ascii_lowercase();
            if dot {
                h.push('.');
            }
            h
        })
}

/// What the URL parser of the HTTP client makes of `https://{host}/`.
fn url_host(host: &str) -> Option<url::Host<String>> {
    url::Url::parse(&format!("https://{host}/"))
        .ok()
        .and_then(|u| u.host().map(|h| h.to_owned()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// For random dotted-number hosts (hexadecimal, octal and decimal parts, long zero
    /// padding, 1 to 5 parts, trailing dot): every host the WHATWG host parser reads as an IP
    /// address is refused as `target_forbidden_address`, and every host accepted is, in the
    /// URL the client builds, exactly that domain name.
    #[test]
    fn prop_classify_host_refuses_every_url_ip(host in dotted_host()) {
        let verdict = classify_host(&host);
        let is_ip = matches!(url::Host::parse(&host), Ok(url::Host::Ipv4(_) | url::Host::Ipv6(_)));
        if is_ip {
            let e = verdict.clone().unwrap_err();
            prop_assert_eq!(e.code.code(), "target_forbidden_address", "{}", host);
        }
        if !matches!(url_host(&host), Some(url::Host::Domain(_))) {
            prop_assert!(verdict.is_err(), "{} accepted", host);
        }
        if verdict.is_ok() {
            prop_assert_eq!(url_host(&host), Some(url::Host::Domain(host.clone())));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Finding 2: proxied answers are inert on the proxy's origin

/// What the scripted upstream answers for one host: content type, body, extra headers.
#[derive(Clone)]
struct Answer {
    host: String,
    content_type: Option<Vec<u8>>,
    body: Vec<u8>,
    extra: Vec<(String, String)>,
}

/// A test upstream: each org host answers with the content type and body the test set for it.
#[derive(Clone, Default)]
struct Scripted {
    answers: Arc<Mutex<Vec<Answer>>>,
    seen: Recorder2,
}

#[derive(Clone, Default)]
struct Recorder2(Arc<Mutex<Vec<(String, String, bool)>>>);

impl Recorder2 {
    /// (host, target, had an Authorization header) of every request.
    fn all(&self) -> Vec<(String, String, bool)> {
        self.0.lock().unwrap().clone()
    }
}

impl Scripted {
    fn set(&self, host: &str, content_type: Option<&[u8]>, body: &[u8], extra: &[(&str, &str)]) {
        let mut a = self.answers.lock().unwrap();
        a.retain(|x| x.host != host);
        a.push(Answer {
            host: host.to_string(),
            content_type: content_type.map(<[u8]>::to_vec),
            body: body.to_vec(),
            extra: extra
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        });
    }
}

async fn scripted(State(s): State<Scripted>, req: Request) -> Response {
    let host = req
        .headers()
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
        .to_string();
    let target = req
        .uri()
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    s.seen.0.lock().unwrap().push((
        host.clone(),
        target,
        req.headers().contains_key("authorization"),
    ));
    let found = s
        .answers
        .lock()
        .unwrap()
        .iter()
        .find(|x| x.host == host)
        .cloned();
    let Some(Answer {
        content_type,
        body,
        extra,
        ..
    }) = found
    else {
        return (StatusCode::NOT_FOUND, "{}").into_response();
    };
    let mut r = Response::new(axum::body::Body::from(body));
    if let Some(ct) = content_type {
        r.headers_mut()
            .insert("content-type", HeaderValue::from_bytes(&ct).unwrap());
    }
    for (k, v) in extra {
        r.headers_mut().insert(
            axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(&v).unwrap(),
        );
    }
    r
}

/// The scripted upstream and the proxy in development mode in front of it.
async fn scripted_harness(tweak: impl FnOnce(&mut Config)) -> (Running, Scripted) {
    let s = Scripted::default();
    let app = Router::new().fallback(scripted).with_state(s.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let up = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let mut cfg = base_config();
    cfg.dev_upstream = Some(format!("http://{up}"));
    tweak(&mut cfg);
    let (logger, _log) = Logger::memory();
    let proxy = start(
        cfg,
        Deps {
            lookup: Arc::new(StaticLookup::new()),
            logger,
        },
    )
    .await
    .unwrap();
    (proxy, s)
}

fn assert_inert(r: &Resp, what: &str) {
    for (name, value) in INERT_HEADERS {
        assert_eq!(r.header(name.as_str()), Some(value), "{what}: {name}");
        assert_eq!(r.header_count(name.as_str()), 1, "{what}: {name}");
    }
    assert_eq!(
        r.header("content-security-policy"),
        Some("default-src 'none'; sandbox; frame-ancestors 'none'")
    );
    assert_eq!(r.header("x-frame-options"), Some("DENY"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(r.header("content-disposition"), Some("attachment"));
    if let Some(ct) = r.header("content-type") {
        assert!(ct == JSON || ct == TEXT, "{what}: content-type {ct}");
    }
}

fn page_dist() -> std::path::PathBuf {
    let d = temp_dir("inert-dist");
    std::fs::write(d.join("index.html"), "<!doctype html><title>page</title>").unwrap();
    d
}

/// The proxy serves the page (same origin) and an upstream answers HTML or SVG with a script:
/// the answer comes out as plain text with the four inert headers, its bytes unchanged and
/// its original type passed on for the page's diagnosis.
#[tokio::test]
async fn html_and_svg_answers_come_out_as_inert_plain_text() {
    let dist = page_dist();
    let (p, up) = scripted_harness(|c| c.serve_dist = Some(dist.clone())).await;
    let cases: &[(&str, &[u8], &str)] = &[
        ("html.okta.com", b"text/html", SCRIPT_HTML),
        ("htmlutf.okta.com", b"text/html; charset=utf-8", SCRIPT_HTML),
        ("svg.okta.com", b"image/svg+xml", SCRIPT_SVG),
        ("xhtml.okta.com", b"application/xhtml+xml", SCRIPT_HTML),
        ("xml.okta.com", b"text/xml", SCRIPT_SVG),
        ("js.okta.com", b"text/javascript", "alert(1)"),
        ("pdf.okta.com", b"application/pdf", "%PDF-1.4"),
        (
            "mixed.okta.com",
            b"multipart/x-mixed-replace; boundary=a",
            SCRIPT_HTML,
        ),
        ("jsonish.okta.com", b"text/json", SCRIPT_HTML),
    ];
    for (host, ct, body) in cases {
        up.set(host, Some(ct), body.as_bytes(), &[]);
        let r = get(
            p.addr,
            &format!("/okta/{host}/api/v1/users/me"),
            &[("Origin", ALLOWED), ("Authorization", &auth())],
        )
        .await;
        assert_eq!(r.status, 200, "{host}");
        assert_eq!(r.header("content-type"), Some(TEXT), "{host}");
        assert_eq!(r.body, body.as_bytes(), "{host}: body kept as bytes");
        assert_eq!(
            r.header("x-okta-link-upstream-content-type")
                .map(str::as_bytes),
            Some(*ct),
            "{host}"
        );
        assert_inert(&r, host);
        assert!(r
            .header("access-control-expose-headers")
            .unwrap()
            .contains("X-Okta-Link-Upstream-Content-Type"));
    }
    // No content type at all: plain text, and an empty original.
    up.set("none.okta.com", None, SCRIPT_HTML.as_bytes(), &[]);
    let r = get(p.addr, "/okta/none.okta.com/api/v1/users/me", &[]).await;
    assert_eq!(r.header("content-type"), Some(TEXT));
    assert_eq!(r.header("x-okta-link-upstream-content-type"), Some(""));
    assert_inert(&r, "none");
    // JSON stays JSON.
    for ct in [
        "application/json",
        "application/problem+json; charset=UTF-8",
    ] {
        up.set(
            "json.okta.com",
            Some(ct.as_bytes()),
            b"{\"id\":\"00u1\"}",
            &[],
        );
        let r = get(p.addr, "/okta/json.okta.com/api/v1/users/me", &[]).await;
        assert_eq!(r.header("content-type"), Some(JSON), "{ct}");
        assert_eq!(r.header("x-okta-link-upstream-content-type"), Some(ct));
        assert_inert(&r, ct);
    }
    // The page itself is still a page.
    let r = get(p.addr, "/", &[]).await;
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(r.header("content-disposition"), None);
    std::fs::remove_dir_all(dist).ok();
}

/// The proxy's own errors and its preflight answers are inert too.
#[tokio::test]
async fn proxy_errors_and_preflights_are_inert() {
    let (p, _up) = scripted_harness(|_| {}).await;
    for (method, target, hdrs) in [
        ("GET", "/okta/evil.example/api/v1/users/me", vec![]),
        ("GET", "/okta/127.0.0.1/api/v1/users/me", vec![]),
        ("GET", "/okta/acme.okta.com/api/v1/apps", vec![]),
        ("DELETE", "/okta/acme.okta.com/api/v1/users/me", vec![]),
        (
            "GET",
            "/okta/acme.okta.com/api/v1/users/me",
            vec![("Origin", "https://evil.example")],
        ),
        ("GET", "/okta", vec![]),
        (
            "OPTIONS",
            "/okta/acme.okta.com/api/v1/users/me",
            vec![
                ("Origin", ALLOWED),
                ("Access-Control-Request-Method", "GET"),
            ],
        ),
        ("OPTIONS", "/okta/acme.okta.com/api/v1/users/me", vec![]),
    ] {
        let r = send(p.addr, method, target, &hdrs).await;
        let what = format!("{method} {target}");
        assert_inert(&r, &what);
        if r.status != 204 {
            assert_eq!(r.header("content-type"), Some(JSON), "{what}");
            assert!(r.proxy_error().is_some(), "{what}");
        }
    }
}

/// Visible ASCII, tabs and obs-text: every byte a header value may hold.
fn header_value_bytes() -> impl Strategy<Value = Vec<u8>> {
    let prefix = prop_oneof![
        Just(b"".to_vec()),
        Just(b"text/html".to_vec()),
        Just(b"image/svg+xml".to_vec()),
        Just(b"application/json".to_vec()),
        Just(b"application/ld+json".to_vec()),
        Just(b"text/plain".to_vec()),
    ];
    let tail = proptest::collection::vec(
        prop_oneof![
            Just(b'\t'),
            Just(b';'),
            Just(b'+'),
            0x20u8..0x7f,
            0x80u8..=0xff
        ],
        0..200,
    );
    (prefix, tail).prop_map(|(mut p, t)| {
        p.extend(t);
        p
    })
}

/// Over real HTTP, for random upstream content types: the proxied answer's type is always one
/// of the two inert ones, JSON only when upstream said a JSON type, with the inert headers.
#[test]
fn prop_proxied_content_type_is_always_json_or_plain_text() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (p, up) = rt.block_on(scripted_harness(|_| {}));
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(64));
    runner
        .run(&header_value_bytes(), |ct| {
            let r = rt.block_on(async {
                up.set("any.okta.com", Some(&ct), SCRIPT_HTML.as_bytes(), &[]);
                get(p.addr, "/okta/any.okta.com/api/v1/users/me", &[]).await
            });
            let out = r.header("content-type").unwrap_or("");
            prop_assert!(out == JSON || out == TEXT, "{out}");
            let said_json =
                std::str::from_utf8(&ct).is_ok_and(okta_link_core::outcome::is_json_content_type);
            prop_assert_eq!(out == JSON, said_json);
            prop_assert_eq!(r.body.as_slice(), SCRIPT_HTML.as_bytes());
            for (name, value) in INERT_HEADERS {
                prop_assert_eq!(r.header(name.as_str()), Some(value));
            }
            let orig = r.header("x-okta-link-upstream-content-type").unwrap();
            prop_assert!(orig.len() <= 128);
            Ok(())
        })
        .unwrap();
    drop(p);
}

// ---------------------------------------------------------------------------------------------
// Finding 4: the token goes only to Okta org hosts

/// A link that makes the page use a custom domain the attacker controls (its well-known names
/// an Okta org): the proxy answers that domain only for its well-known document, fetched
/// without the token, and refuses every API path there before any upstream call, so the token
/// sent with it never reaches the domain.
#[tokio::test]
async fn a_token_for_a_custom_domain_api_path_never_reaches_it() {
    let (p, up) = scripted_harness(|_| {}).await;
    let wk = br#"{"id":"00o1","_links":{"organization":{"href":"https://acme.okta.com"}}}"#;
    up.set("login.attacker.example", Some(b"application/json"), wk, &[]);
    let token = auth();
    let with = [("Authorization", token.as_str()), ("Origin", ALLOWED)];
    for path in [
        "/api/v1/users/me",
        "/api/v1/users/00u1/roles",
        "/api/v1/users?limit=1",
        "/api/v1/groups?limit=1",
        "/api/v1/logs?limit=1",
    ] {
        let r = get(
            p.addr,
            &format!("/okta/login.attacker.example{path}"),
            &with,
        )
        .await;
        assert_eq!(r.status, 403, "{path}");
        assert_eq!(r.proxy_error().as_deref(), Some("target_refused"), "{path}");
        assert!(r.json()["message"]
            .as_str()
            .unwrap()
            .contains("only for /.well-known/okta-organization"));
    }
    assert!(up.seen.all().is_empty(), "{:?}", up.seen.all());
    // Its well-known document is answered (the page reads the Okta host from it), fetched
    // without the token even when the page sends one, twice (cached the second time).
    for _ in 0..2 {
        let r = get(
            p.addr,
            "/okta/login.attacker.example/.well-known/okta-organization",
            &with,
        )
        .await;
        assert_eq!(r.status, 200);
    }
    // Verified now, and the API path is still refused.
    let r = get(
        p.addr,
        "/okta/login.attacker.example/api/v1/users/me",
        &with,
    )
    .await;
    assert_eq!(r.proxy_error().as_deref(), Some("target_refused"));
    let seen = up.seen.all();
    assert!(!seen.is_empty());
    for (host, target, had_auth) in &seen {
        assert_eq!(host, "login.attacker.example");
        assert_eq!(target, "/.well-known/okta-organization");
        assert!(!had_auth, "the token reached {host}");
    }
    // The Okta org host the document names gets the token.
    up.set("acme.okta.com", Some(b"application/json"), b"{}", &[]);
    let r = get(p.addr, "/okta/acme.okta.com/api/v1/users/me", &with).await;
    assert_eq!(r.status, 200);
    let last = up.seen.all().pop().unwrap();
    assert_eq!(
        last,
        ("acme.okta.com".into(), "/api/v1/users/me".into(), true)
    );
}

// ---------------------------------------------------------------------------------------------
// Finding 6: encoded answers; symlinks out of dist/

/// Upstream ignores `Accept-Encoding: identity` and compresses: refused, so the size limit
/// always counts the bytes the page gets, and no Content-Encoding reaches the page.
#[tokio::test]
async fn encoded_upstream_answers_are_refused() {
    let (p, up) = scripted_harness(|_| {}).await;
    for coding in [
        "gzip",
        "br",
        "deflate",
        "zstd",
        "identity, gzip",
        "x-custom",
    ] {
        up.set(
            "enc.okta.com",
            Some(b"application/json"),
            b"\x1f\x8b\x08\x00compressed",
            &[("content-encoding", coding)],
        );
        let r = get(p.addr, "/okta/enc.okta.com/api/v1/users/me", &[]).await;
        assert_eq!(r.status, 502, "{coding}");
        assert_eq!(
            r.proxy_error().as_deref(),
            Some("upstream_unreachable"),
            "{coding}"
        );
        assert_eq!(r.header("content-encoding"), None);
        assert!(r.json()["message"]
            .as_str()
            .unwrap()
            .contains("Content-Encoding"));
    }
    up.set(
        "enc.okta.com",
        Some(b"application/json"),
        b"{}",
        &[("content-encoding", "identity")],
    );
    let r = get(p.addr, "/okta/enc.okta.com/api/v1/users/me", &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-encoding"), None);
    assert!(up.seen.all().iter().all(|(h, _, _)| h == "enc.okta.com"));
}

/// `--serve-dist` serves nothing whose real path leaves the directory: a symlinked file, a
/// symlinked directory, or a symlinked precompressed variant pointing outside answer 404 (or
/// the plain file), never the outside file's bytes. Links inside the directory still work.
#[cfg(unix)]
#[tokio::test]
async fn serve_dist_does_not_follow_symlinks_out_of_the_directory() {
    use std::os::unix::fs::symlink;
    let base = temp_dir("symlink");
    let dist = base.join("dist");
    std::fs::create_dir_all(dist.join("img")).unwrap();
    let secret = "OUTSIDE-SECRET-0123456789";
    std::fs::write(base.join("secret.txt"), secret).unwrap();
    std::fs::create_dir_all(base.join("private")).unwrap();
    std::fs::write(base.join("private/key.txt"), secret).unwrap();
    std::fs::write(dist.join("index.html"), "<!doctype html><title>x</title>").unwrap();
    std::fs::write(dist.join("app.js"), "export default 1;").unwrap();
    symlink(base.join("secret.txt"), dist.join("leak.txt")).unwrap();
    symlink(base.join("private"), dist.join("private")).unwrap();
    symlink(base.join("secret.txt"), dist.join("app.js.gz")).unwrap();
    symlink("/etc/passwd", dist.join("passwd.txt")).unwrap();
    symlink(dist.join("app.js"), dist.join("img/alias.js")).unwrap();

    let h = harness(|c| c.serve_dist = Some(dist.clone())).await;
    for path in ["/leak.txt", "/private/key.txt", "/passwd.txt"] {
        let r = get(h.addr(), path, &[]).await;
        assert_eq!(r.status, 404, "{path}");
        assert!(!r.text().contains(secret), "{path}");
        assert!(!r.text().contains("root:"), "{path}");
    }
    let r = get(h.addr(), "/app.js", &[("Accept-Encoding", "gzip")]).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-encoding"),
        None,
        "the linked .gz is not served"
    );
    assert_eq!(r.text(), "export default 1;");
    let r = get(h.addr(), "/img/alias.js", &[]).await;
    assert_eq!(r.status, 200, "a link inside dist/ is fine");
    assert_eq!(r.text(), "export default 1;");
    std::fs::remove_dir_all(base).ok();
}
