//! The proxy over real HTTP, in development mode in front of a recording fake upstream.

use crate::common::*;
use std::time::{Duration, Instant};

#[tokio::test]
async fn forwards_get_passing_authorization_and_dropping_the_rest() {
    let h = harness(|_| {}).await;
    let token = auth();
    let r = get(
        h.addr(),
        "/okta/acme.okta.com/api/v1/users/me",
        &[
            ("Authorization", &token),
            ("Cookie", "session=browser-cookie"),
            ("Origin", ALLOWED),
            ("Referer", "http://127.0.0.1:1234/secret-page"),
            ("X-Forwarded-For", "10.0.0.1"),
            ("X-Forwarded-Host", "evil.example"),
            ("X-Custom", "1"),
            ("Accept", "text/html"),
            ("User-Agent", "curl/8"),
            ("Accept-Encoding", "gzip, br"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["profile"]["login"], "admin@acme.example");
    // Okta's headers copied (first value only), the upstream's own extras dropped.
    assert_eq!(r.header("x-rate-limit-limit"), Some("40"));
    assert_eq!(r.header_count("x-rate-limit-limit"), 1);
    assert_eq!(r.header("x-rate-limit-remaining"), Some("39"));
    assert_eq!(r.header("x-rate-limit-reset"), Some("1700000000"));
    assert_eq!(r.header("x-okta-request-id"), Some("req-1"));
    assert_eq!(
        r.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(
        r.header("x-okta-link-upstream-content-type"),
        Some("application/json")
    );
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(r.header("set-cookie"), None);
    assert_eq!(r.header("x-upstream-private"), None);
    assert_eq!(r.header("x-okta-link-proxy-error"), None);
    // CORS for the allowed origin (never the upstream's `*`).
    assert_eq!(r.header("access-control-allow-origin"), Some(ALLOWED));
    assert_eq!(r.header_count("access-control-allow-origin"), 1);
    assert_eq!(r.header("vary"), Some("Origin"));
    let expose = r.header("access-control-expose-headers").unwrap();
    for name in [
        "X-Rate-Limit-Limit",
        "X-Rate-Limit-Remaining",
        "X-Rate-Limit-Reset",
        "X-Okta-Request-Id",
        "X-Okta-Link-Proxy-Error",
        "X-Okta-Link-Upstream-Content-Type",
    ] {
        assert!(expose.contains(name), "{name} exposed");
    }
    assert_eq!(r.header("x-okta-link-dev-upstream"), Some("1"));

    let seen = h.upstream.all();
    assert_eq!(seen.len(), 1);
    let s = &seen[0];
    assert_eq!(s.method, "GET");
    assert_eq!(s.host, "acme.okta.com");
    assert_eq!(s.target, "/api/v1/users/me");
    assert_eq!(s.headers.get("authorization").unwrap(), token.as_str());
    assert_eq!(s.headers.get("accept").unwrap(), "application/json");
    assert_eq!(s.headers.get("user-agent").unwrap(), "okta-link-proxy/0.1");
    for dropped in [
        "cookie",
        "origin",
        "referer",
        "x-forwarded-for",
        "x-forwarded-host",
        "x-custom",
    ] {
        assert!(
            s.headers.get(dropped).is_none(),
            "{dropped} must not be forwarded"
        );
    }
    let allowed_names = [
        "host",
        "authorization",
        "accept",
        "accept-encoding",
        "user-agent",
    ];
    for name in s.headers.keys() {
        assert!(
            allowed_names.contains(&name.as_str()),
            "unexpected header {name}"
        );
    }
}

#[tokio::test]
async fn okta_answers_pass_through_unchanged() {
    let h = harness(|_| {}).await;
    let r = get(
        h.addr(),
        "/okta/revoked.okta.com/api/v1/users/me",
        &[("Authorization", &auth()), ("Origin", ALLOWED)],
    )
    .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["errorCode"], "E0000011");
    assert_eq!(r.header("x-okta-link-proxy-error"), None);
    assert_eq!(r.header("x-okta-request-id"), Some("req-err"));
    assert_eq!(r.header("access-control-allow-origin"), Some(ALLOWED));

    let r = get(h.addr(), "/okta/html.okta.com/api/v1/users/me", &[]).await;
    assert_eq!(r.status, 500);
    // The body as Okta sent it, but never as a document: plain text, with the original type
    // passed on for the page's diagnosis.
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(
        r.header("x-okta-link-upstream-content-type"),
        Some("text/html")
    );
    assert_eq!(r.text(), "<html>oops</html>");

    let r = get(h.addr(), "/okta/acme.okta.com/api/v1/users?limit=1", &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        h.upstream.all().last().unwrap().target,
        "/api/v1/users?limit=1"
    );
    // The cors-anywhere style template works too.
    let r = get(
        h.addr(),
        "/okta/https://acme.okta.com/api/v1/logs?limit=1",
        &[],
    )
    .await;
    assert_eq!(r.status, 200);
}

/// The contract's four required refusals, each with the proxy's own JSON error.
#[tokio::test]
async fn refuses_the_four_required_cases_with_its_own_json_error() {
    let h = harness(|_| {}).await;
    let token = auth();
    let hdrs = [("Authorization", token.as_str()), ("Origin", ALLOWED)];

    let r = get(h.addr(), "/okta/evil.example/api/v1/users/me", &hdrs).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.proxy_error().as_deref(), Some("target_refused"));
    assert_eq!(r.json()["target"], "evil.example");
    assert_eq!(r.header("access-control-allow-origin"), Some(ALLOWED));

    let r = get(h.addr(), "/okta/127.0.0.1/api/v1/users/me", &hdrs).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.proxy_error().as_deref(), Some("target_forbidden_address"));
    assert_eq!(r.json()["target"], "127.0.0.1");

    let r = send(
        h.addr(),
        "DELETE",
        "/okta/acme.okta.com/api/v1/api-tokens/current",
        &hdrs,
    )
    .await;
    assert_eq!(r.status, 405);
    assert_eq!(r.proxy_error().as_deref(), Some("method_not_allowed"));
    assert_eq!(r.header("allow"), Some("GET, OPTIONS"));

    let r = get(
        h.addr(),
        "/okta/acme.okta.com/api/v1/api-tokens/current",
        &hdrs,
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.proxy_error().as_deref(), Some("path_not_allowed"));
    assert_eq!(r.json()["target"], "acme.okta.com");

    // Nothing reached the upstream: an API path on a host that is not Okta's is refused
    // before any call (a custom domain is answered only for its well-known document).
    let seen = h.upstream.all();
    assert_eq!(seen.len(), 0, "{seen:?}");
}

#[tokio::test]
async fn every_method_but_get_is_refused() {
    let h = harness(|_| {}).await;
    for m in [
        "POST", "PUT", "PATCH", "DELETE", "HEAD", "TRACE", "CONNECT", "PROPFIND",
    ] {
        let target = if m == "CONNECT" {
            "acme.okta.com:443"
        } else {
            "/okta/acme.okta.com/api/v1/users/me"
        };
        let r = send(
            h.addr(),
            m,
            target,
            &[("Authorization", &auth()), ("Content-Length", "0")],
        )
        .await;
        assert!(
            r.status == 405 || r.status == 400,
            "{m}: {} {}",
            r.status,
            r.text()
        );
    }
    assert_eq!(h.upstream.count(), 0);
}

#[tokio::test]
async fn cors_preflight_and_origins() {
    let h = harness(|_| {}).await;
    let r = send(
        h.addr(),
        "OPTIONS",
        "/okta/acme.okta.com/api/v1/users/me",
        &[
            ("Origin", ALLOWED),
            ("Access-Control-Request-Method", "GET"),
            ("Access-Control-Request-Headers", "authorization, accept"),
        ],
    )
    .await;
    assert_eq!(r.status, 204);
    assert_eq!(r.header("access-control-allow-origin"), Some(ALLOWED));
    assert_eq!(r.header("access-control-allow-methods"), Some("GET"));
    assert_eq!(
        r.header("access-control-allow-headers"),
        Some("authorization, accept")
    );
    assert_eq!(r.header("access-control-max-age"), Some("600"));
    assert_eq!(r.header("vary"), Some("Origin"));

    // A page on another origin cannot use the proxy at all.
    for (m, extra) in [
        ("GET", None),
        ("OPTIONS", Some(("Access-Control-Request-Method", "GET"))),
    ] {
        let mut hdrs = vec![
            ("Origin", "https://evil.example"),
            ("Authorization", "SSWS x"),
        ];
        hdrs.extend(extra);
        let r = send(h.addr(), m, "/okta/acme.okta.com/api/v1/users/me", &hdrs).await;
        assert_eq!(r.status, 403, "{m}");
        assert_eq!(r.proxy_error().as_deref(), Some("origin_not_allowed"));
        assert_eq!(r.header("access-control-allow-origin"), None);
    }
    for o in [
        "null",
        "http://127.0.0.1:12345",
        "http://127.0.0.1:1234.evil.example",
    ] {
        let r = get(
            h.addr(),
            "/okta/acme.okta.com/api/v1/users/me",
            &[("Origin", o)],
        )
        .await;
        assert_eq!(
            r.proxy_error().as_deref(),
            Some("origin_not_allowed"),
            "{o}"
        );
    }
    // An OPTIONS that is not a preflight.
    let r = send(
        h.addr(),
        "OPTIONS",
        "/okta/acme.okta.com/api/v1/users/me",
        &[],
    )
    .await;
    assert_eq!(r.status, 405);
    // No Origin (same-origin GET or a non-browser client) is allowed, without CORS headers.
    let r = get(h.addr(), "/okta/acme.okta.com/api/v1/users/me", &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), None);
    // The proxy's own origin (it serves the page) is allowed.
    let own = format!("http://{}", h.addr());
    let r = get(
        h.addr(),
        "/okta/acme.okta.com/api/v1/users/me",
        &[("Origin", &own)],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(h.upstream.count(), 2);
}

#[tokio::test]
async fn redirects_are_never_followed() {
    let h = harness(|_| {}).await;
    let r = get(
        h.addr(),
        "/okta/redirect.okta.com/api/v1/users/me",
        &[("Authorization", &auth()), ("Origin", ALLOWED)],
    )
    .await;
    assert_eq!(r.status, 502);
    assert_eq!(r.proxy_error().as_deref(), Some("upstream_redirect"));
    assert_eq!(r.header("location"), None);
    assert_eq!(r.header("access-control-allow-origin"), Some(ALLOWED));
    assert_eq!(
        h.upstream.count(),
        1,
        "only the first request, no follow-up"
    );
    // A custom domain whose well-known redirects is refused, not followed.
    let r = get(
        h.addr(),
        "/okta/login.redirect.example/.well-known/okta-organization",
        &[],
    )
    .await;
    assert_eq!(r.proxy_error().as_deref(), Some("target_refused"));
    assert_eq!(h.upstream.count(), 2);
}

/// A custom domain's well-known answered by Okta's rate limit or an outage is passed on (the
/// page then says to wait, or that Okta has a problem); a 503 that is not Okta's (no request
/// id) still means the address is not an Okta org. Neither is remembered.
#[tokio::test]
async fn okta_rate_limits_and_outages_behind_a_custom_domain_are_passed_on() {
    let h = harness(|_| {}).await;
    let wk = |host: &str| format!("/okta/{host}/.well-known/okta-organization");
    for _ in 0..2 {
        let r = get(
            h.addr(),
            &wk("login.busy-corp.example"),
            &[("Origin", ALLOWED)],
        )
        .await;
        assert_eq!(r.status, 429, "{}", r.text());
        assert_eq!(r.proxy_error(), None);
        assert_eq!(r.header("x-rate-limit-reset"), Some("1893456000"));
        assert_eq!(r.header("x-okta-request-id"), Some("req-err"));
        let r = get(
            h.addr(),
            &wk("login.down-corp.example"),
            &[("Origin", ALLOWED)],
        )
        .await;
        assert_eq!(r.status, 503, "{}", r.text());
        assert_eq!(r.proxy_error(), None);
        assert_eq!(r.header("x-okta-request-id"), Some("req-down"));
        let r = get(h.addr(), &wk("login.not-okta-503.example"), &[]).await;
        assert_eq!(r.proxy_error().as_deref(), Some("target_refused"));
    }
    // Asked each time: nothing was cached.
    assert_eq!(h.upstream.for_host("login.busy-corp.example").len(), 2);
    assert_eq!(h.upstream.for_host("login.not-okta-503.example").len(), 2);
}

/// `--max-body-bytes` holds for a custom domain's well-known document too, as that limit's
/// own error (not a verdict on the domain, which is not remembered as refused).
#[tokio::test]
async fn a_custom_domains_well_known_is_held_to_the_body_limit() {
    let h = harness(|c| c.max_body_bytes = 64).await;
    for _ in 0..2 {
        let r = get(
            h.addr(),
            "/okta/login.acme-corp.example/.well-known/okta-organization",
            &[],
        )
        .await;
        assert_eq!(
            r.proxy_error().as_deref(),
            Some("upstream_too_large"),
            "{}",
            r.text()
        );
    }
    assert_eq!(h.upstream.for_host("login.acme-corp.example").len(), 2);
    let h = harness(|_| {}).await;
    let r = get(
        h.addr(),
        "/okta/login.acme-corp.example/.well-known/okta-organization",
        &[],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
}

#[tokio::test]
async fn huge_bodies_are_cut() {
    let h = harness(|c| c.max_body_bytes = 64 * 1024).await;
    let started = Instant::now();
    let r = get(h.addr(), "/okta/huge.okta.com/api/v1/users/me", &[]).await;
    assert_eq!(r.status, 502);
    assert_eq!(r.proxy_error().as_deref(), Some("upstream_too_large"));
    assert!(started.elapsed() < Duration::from_secs(5));
    // Announced by Content-Length: refused without reading.
    let r = get(h.addr(), "/okta/biglength.okta.com/api/v1/users/me", &[]).await;
    assert_eq!(r.proxy_error().as_deref(), Some("upstream_too_large"));
    // Under the limit passes.
    let h = harness(|c| c.max_body_bytes = 400 * 1024).await;
    let r = get(h.addr(), "/okta/biglength.okta.com/api/v1/users/me", &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body.len(), 300 * 1024);
}

#[tokio::test]
async fn a_stalled_upstream_times_out() {
    let h = harness(|c| c.timeout = Duration::from_millis(300)).await;
    let started = Instant::now();
    let r = get(
        h.addr(),
        "/okta/slow.okta.com/api/v1/users/me",
        &[("Origin", ALLOWED)],
    )
    .await;
    assert_eq!(r.status, 504);
    assert_eq!(r.proxy_error().as_deref(), Some("upstream_timeout"));
    assert_eq!(r.header("access-control-allow-origin"), Some(ALLOWED));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn an_unreachable_upstream_is_reported() {
    // Bind and drop a listener: nothing listens on that port any more.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let (logger, _log) = okta_proxy::log::Logger::memory();
    let mut cfg = base_config();
    cfg.dev_upstream = Some(format!("http://127.0.0.1:{port}"));
    let p = okta_proxy::server::start(
        cfg,
        okta_proxy::server::Deps {
            lookup: std::sync::Arc::new(okta_proxy::resolve::StaticLookup::new()),
            logger,
        },
    )
    .await
    .unwrap();
    let r = get(p.addr, "/okta/acme.okta.com/api/v1/users/me", &[]).await;
    assert_eq!(r.status, 502);
    assert_eq!(r.proxy_error().as_deref(), Some("upstream_unreachable"));
}

#[tokio::test]
async fn rate_limiting_per_client() {
    let h = harness(|c| c.rate_limit_per_minute = 3).await;
    for _ in 0..3 {
        let r = get(
            h.addr(),
            "/okta/acme.okta.com/api/v1/users/me",
            &[("Origin", ALLOWED)],
        )
        .await;
        assert_eq!(r.status, 200);
    }
    let r = get(
        h.addr(),
        "/okta/acme.okta.com/api/v1/users/me",
        &[("Origin", ALLOWED)],
    )
    .await;
    assert_eq!(r.status, 429);
    assert_eq!(r.proxy_error().as_deref(), Some("rate_limited"));
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=20).contains(&retry), "{retry}");
    assert_eq!(r.header("access-control-allow-origin"), Some(ALLOWED));
    assert_eq!(h.upstream.count(), 3);
    // Preflights and probes are counted like the rest: a flood of either is cut too.
    let r = send(
        h.addr(),
        "OPTIONS",
        "/okta/acme.okta.com/api/v1/users/me",
        &[
            ("Origin", ALLOWED),
            ("Access-Control-Request-Method", "GET"),
        ],
    )
    .await;
    assert_eq!(r.status, 429);
    assert_eq!(r.proxy_error().as_deref(), Some("rate_limited"));
    for probe in ["/healthz", "/readyz"] {
        let r = get(h.addr(), probe, &[]).await;
        assert_eq!(r.status, 429, "{probe}");
        assert!(r.header("retry-after").is_some(), "{probe}");
    }
    assert_eq!(h.upstream.count(), 3);
}

#[tokio::test]
async fn logs_never_contain_the_token() {
    use okta_proxy::config::LogFormat;
    for format in [LogFormat::Text, LogFormat::Json] {
        logs_never_contain_the_token_as(format).await;
    }
}

async fn logs_never_contain_the_token_as(format: okta_proxy::config::LogFormat) {
    let h = harness_log(format, |c| c.rate_limit_per_minute = 5).await;
    let token = auth();
    let with = [("Authorization", token.as_str()), ("Origin", ALLOWED)];
    for t in [
        "/okta/acme.okta.com/api/v1/users/me",
        "/okta/revoked.okta.com/api/v1/users/me",
        "/okta/evil.example/api/v1/users/me",
        "/okta/127.0.0.1/api/v1/users/me",
        "/okta/acme.okta.com/api/v1/api-tokens/current",
        "/okta/acme.okta.com/api/v1/users/me",
        "/okta/acme.okta.com/api/v1/users/me",
    ] {
        get(h.addr(), t, &with).await;
    }
    send(
        h.addr(),
        "DELETE",
        "/okta/acme.okta.com/api/v1/users/me",
        &with,
    )
    .await;
    get(
        h.addr(),
        "/okta/acme.okta.com/api/v1/users/me",
        &[("Authorization", &format!("SSWS {TOKEN}\u{1}x"))],
    )
    .await;
    let log = h.log.contents();
    assert!(log.lines().count() >= 8, "{log}");
    if format == okta_proxy::config::LogFormat::Text {
        assert!(
            log.contains("host=acme.okta.com path=/api/v1/users/me status=200"),
            "{log}"
        );
        assert!(log.contains("error=target_refused"));
        assert!(log.contains("error=rate_limited"));
        assert!(log.contains("method=DELETE"));
    } else {
        // Every line is one JSON object, with the same fields.
        let lines: Vec<serde_json::Value> = log
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect();
        assert!(lines.iter().any(|v| v["host"] == "acme.okta.com"
            && v["path"] == "/api/v1/users/me"
            && v["status"] == 200
            && v["request_id"] == "req-1"));
        assert!(lines.iter().any(|v| v["error"] == "target_refused"));
        assert!(lines.iter().any(|v| v["error"] == "rate_limited"));
        assert!(lines.iter().any(|v| v["method"] == "DELETE"));
    }
    assert!(!log.contains(TOKEN), "token in log:\n{log}");
    assert!(!log.contains("SSWS"), "Authorization in log:\n{log}");
    assert!(!log.contains(&TOKEN[..12]));
}

/// The first security review (SECURITY.md), finding 4: a custom domain is answered only for its well-known document, fetched
/// without the token, and only when that document names an Okta org; its API paths are refused
/// before any upstream call, so the token never goes to a host that is not Okta's.
#[tokio::test]
async fn custom_domains_only_when_their_well_known_names_an_okta_org() {
    let h = harness(|_| {}).await;
    let token = auth();
    let with = [("Authorization", token.as_str())];
    let r = get(
        h.addr(),
        "/okta/login.acme-corp.example/api/v1/users/me",
        &with,
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.proxy_error().as_deref(), Some("target_refused"));
    let message = r.json()["message"].as_str().unwrap().to_string();
    assert!(
        message.contains("only for /.well-known/okta-organization"),
        "{message}"
    );
    assert!(h.upstream.for_host("login.acme-corp.example").is_empty());

    // Its well-known document is answered (the page then calls the Okta host it names), and
    // even if the page sent the token, it is not passed on.
    for _ in 0..2 {
        let r = get(
            h.addr(),
            "/okta/login.acme-corp.example/.well-known/okta-organization",
            &with,
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(
            r.json()["_links"]["organization"]["href"],
            "https://acme.okta.com"
        );
    }
    let seen = h.upstream.for_host("login.acme-corp.example");
    assert!(!seen.is_empty());
    for s in &seen {
        assert_eq!(s.target, "/.well-known/okta-organization");
        assert!(s.headers.get("authorization").is_none(), "no token there");
    }
    // Verified and cached: still no API path there.
    let r = get(
        h.addr(),
        "/okta/login.acme-corp.example/api/v1/users/me",
        &with,
    )
    .await;
    assert_eq!(r.proxy_error().as_deref(), Some("target_refused"));

    // Look-alikes whose well-known names themselves (or a non-org) are refused, and never see
    // the token.
    for host in [
        "okta.com.evil.example",
        "evilokta.com",
        "xn--kta-ioa.com",
        "nested.evil.example",
    ] {
        let wk = format!("/okta/{host}/.well-known/okta-organization");
        let r = get(h.addr(), &wk, &with).await;
        assert_eq!(r.status, 403, "{host}");
        assert_eq!(r.proxy_error().as_deref(), Some("target_refused"), "{host}");
        let seen = h.upstream.for_host(host);
        assert_eq!(seen.len(), 1, "{host}: only the well-known check");
        assert!(seen[0].headers.get("authorization").is_none());
        // Negative answers are cached too.
        get(h.addr(), &wk, &with).await;
        assert_eq!(h.upstream.for_host(host).len(), 1, "{host}: cached refusal");
        let r = get(h.addr(), &format!("/okta/{host}/api/v1/users/me"), &with).await;
        assert_eq!(r.proxy_error().as_deref(), Some("target_refused"), "{host}");
        assert_eq!(h.upstream.for_host(host).len(), 1, "{host}");
    }
}

#[tokio::test]
async fn a_custom_domain_well_known_is_fetched_once() {
    let h = harness(|_| {}).await;
    let r = get(
        h.addr(),
        "/okta/login.acme-corp.example/.well-known/okta-organization",
        &[],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json()["_links"]["organization"]["href"],
        "https://acme.okta.com"
    );
    assert_eq!(h.upstream.count(), 1);
}

#[tokio::test]
async fn attacks_on_the_request_target_never_reach_upstream() {
    let h = harness(|_| {}).await;
    let a = h.addr();
    let token = auth();
    let with = [("Authorization", token.as_str())];
    let cases: &[(&str, u16, &str)] = &[
        (
            "/okta/acme.okta.com/api/v1/%2e%2e/api-tokens/current",
            403,
            "path_not_allowed",
        ),
        (
            "/okta/acme.okta.com/api/v1/users/%2e%2e/%2e%2e/api-tokens/current",
            403,
            "path_not_allowed",
        ),
        (
            "/okta/acme.okta.com/api/v1/users%2fme",
            403,
            "path_not_allowed",
        ),
        (
            "/okta/acme.okta.com//api/v1/users/me",
            403,
            "path_not_allowed",
        ),
        (
            "/okta/acme.okta.com/api/v1/users/me/../../api-tokens/current",
            403,
            "path_not_allowed",
        ),
        (
            "/okta/acme.okta.com/./api/v1/users/me",
            403,
            "path_not_allowed",
        ),
        ("/okta/acme.okta.com/api/v1/apps", 403, "path_not_allowed"),
        (
            "/okta/acme.okta.com/api/v1/users?limit=1&filter=x",
            403,
            "path_not_allowed",
        ),
        (
            "/okta/acme.okta.com/api/v1/users?limit=1000",
            403,
            "path_not_allowed",
        ),
        (
            "/okta/acme%2eokta.com/api/v1/users/me",
            403,
            "path_not_allowed",
        ),
        (
            "/okta/2130706433/api/v1/users/me",
            403,
            "target_forbidden_address",
        ),
        (
            "/okta/0177.0.0.1/api/v1/users/me",
            403,
            "target_forbidden_address",
        ),
        (
            "/okta/0x7f.1/api/v1/users/me",
            403,
            "target_forbidden_address",
        ),
        (
            "/okta/127.1/api/v1/users/me",
            403,
            "target_forbidden_address",
        ),
        (
            "/okta/169.254.169.254/api/v1/users/me",
            403,
            "target_forbidden_address",
        ),
        (
            "/okta/10.0.0.5/api/v1/users/me",
            403,
            "target_forbidden_address",
        ),
        (
            "/okta/[::1]/api/v1/users/me",
            403,
            "target_forbidden_address",
        ),
        (
            "/okta/[::ffff:127.0.0.1]/api/v1/users/me",
            403,
            "target_forbidden_address",
        ),
        (
            "/okta/[fd00:ec2::254]/api/v1/users/me",
            403,
            "target_forbidden_address",
        ),
        (
            "/okta/acme.okta.com:8443/api/v1/users/me",
            403,
            "target_forbidden_address",
        ),
        (
            "/okta/acme.okta.com./api/v1/users/me",
            403,
            "target_refused",
        ),
        (
            "/okta/acme-admin.okta.com/api/v1/users/me",
            403,
            "target_refused",
        ),
        (
            "/okta/localhost/api/v1/users/me",
            403,
            "target_forbidden_address",
        ),
        (
            "/okta/user@acme.okta.com/api/v1/users/me",
            403,
            "target_refused",
        ),
        (
            "/okta/http://acme.okta.com/api/v1/users/me",
            403,
            "target_refused",
        ),
        ("/okta/acme.okta.com", 403, "path_not_allowed"),
        ("/okta", 400, "bad_request"),
        ("/okta/", 400, "bad_request"),
    ];
    for (target, status, code) in cases {
        let r = get(a, target, &with).await;
        assert_eq!(r.status, *status, "{target}: {}", r.text());
        assert_eq!(r.proxy_error().as_deref(), Some(*code), "{target}");
    }
    assert_eq!(h.upstream.count(), 0, "{:?}", h.upstream.all());
}

#[tokio::test]
async fn malformed_and_oversized_requests() {
    let h = harness(|_| {}).await;
    let a = h.addr();
    // CRLF in the request target: the HTTP parser or the proxy refuses it.
    let r = raw(
        a,
        b"GET /okta/acme.okta.com/api/v1/users/me\r\nX-Injected: 1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(r.status, 400);
    // Non-ASCII (Cyrillic o) sent raw.
    let r = raw(
        a,
        "GET /okta/\u{43e}kta.com/api/v1/users/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            .as_bytes(),
    )
    .await;
    assert!(r.status == 400 || r.status == 403, "{}", r.status);
    // Header injection attempt: the extra line is just another header, never forwarded.
    let r = raw(
        a,
        format!(
            "GET /okta/acme.okta.com/api/v1/users/me HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nX-Injected: evil\r\nConnection: close\r\n\r\n",
            auth()
        )
        .as_bytes(),
    )
    .await;
    assert_eq!(r.status, 200);
    let last = h.upstream.all().pop().unwrap();
    assert!(last.headers.get("x-injected").is_none());
    let before = h.upstream.count();
    // An absolute-form target (open-proxy probing).
    let r = raw(
        a,
        b"GET http://acme.okta.com/api/v1/users/me HTTP/1.1\r\nHost: acme.okta.com\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.proxy_error().as_deref(), Some("bad_request"));
    // Oversized target.
    let long = format!(
        "/okta/acme.okta.com/api/v1/users/me?limit=1{}",
        "&x=1".repeat(1200)
    );
    let r = get(a, &long, &[]).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.proxy_error().as_deref(), Some("bad_request"));
    // Oversized headers.
    let big = "a".repeat(17 * 1024);
    let r = get(a, "/okta/acme.okta.com/api/v1/users/me", &[("X-Big", &big)]).await;
    assert_eq!(r.status, 431);
    assert_eq!(r.proxy_error().as_deref(), Some("bad_request"));
    // Oversized or repeated or control-character Authorization.
    let long_auth = format!("SSWS {}", "a".repeat(3000));
    let r = get(
        a,
        "/okta/acme.okta.com/api/v1/users/me",
        &[("Authorization", &long_auth)],
    )
    .await;
    assert_eq!(r.proxy_error().as_deref(), Some("bad_request"));
    let r = get(
        a,
        "/okta/acme.okta.com/api/v1/users/me",
        &[("Authorization", "SSWS a"), ("Authorization", "SSWS b")],
    )
    .await;
    assert_eq!(r.proxy_error().as_deref(), Some("bad_request"));
    let r = get(
        a,
        "/okta/acme.okta.com/api/v1/users/me",
        &[("Authorization", "SSWS a\u{1}b")],
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(h.upstream.count(), before);
}

#[tokio::test]
async fn unrelated_paths_are_not_proxied() {
    let h = harness(|_| {}).await;
    let r = get(h.addr(), "/acme.okta.com/api/v1/users/me", &[]).await;
    assert_eq!(r.status, 404);
    let r = get(h.addr(), "/oktafoo/acme.okta.com/api/v1/users/me", &[]).await;
    assert_eq!(r.status, 404);
    assert_eq!(h.upstream.count(), 0);
}

/// The prefix belongs to the relay: the prefix itself, with a query, and everything under it
/// (the probes' names included) are proxy requests, logged and answered by the relay; with no
/// prefix every path but the operation endpoints is, and those stay probes.
#[tokio::test]
async fn the_relay_owns_its_prefix_and_without_one_every_other_path() {
    let h = harness(|_| {}).await;
    let hdrs = [("Authorization", auth()), ("Origin", ALLOWED.to_string())];
    let hdrs: Vec<(&str, &str)> = hdrs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for path in [
        "/okta",
        "/okta/",
        "/okta?x=1",
        "/okta/healthz",
        "/okta/check",
    ] {
        let r = get(h.addr(), path, &hdrs).await;
        assert!(r.proxy_error().is_some(), "{path}: {r:?}");
        assert_eq!(
            r.header("access-control-allow-origin"),
            Some(ALLOWED),
            "{path}"
        );
    }
    let r = get(h.addr(), "/okta/acme.okta.com/api/v1/users/me", &hdrs).await;
    assert_eq!(r.status, 200);
    assert_eq!(h.upstream.count(), 1);
    // Refused before the target is read (an origin not allowed): the line still names the path.
    let r = get(
        h.addr(),
        "/okta/acme.okta.com/api/v1/groups",
        &[("Origin", "https://elsewhere.example")],
    )
    .await;
    assert_eq!(r.proxy_error().as_deref(), Some("origin_not_allowed"));
    let log = h.log.contents();
    assert_eq!(
        log.lines().count(),
        7,
        "one line per relayed request: {log}"
    );
    assert!(log.contains("host=acme.okta.com"), "{log}");
    assert!(log.contains("/okta/acme.okta.com/api/v1/groups"), "{log}");

    let h = harness(|c| c.prefix = String::new()).await;
    let r = get(h.addr(), "/acme.okta.com/api/v1/users/me", &hdrs).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(h.upstream.count(), 1);
    let r = get(h.addr(), "/healthz", &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "ok");
    let r = get(h.addr(), "/evil.example/api/v1/users/me", &hdrs).await;
    assert_eq!(r.proxy_error().as_deref(), Some("target_refused"));
    let log = h.log.contents();
    assert_eq!(log.lines().count(), 2, "the probe is not logged: {log}");
}

/// With `slots` upstream slots, a call to the stalled org is in flight; 100 ms later a call to
/// acme arrives. Returns the stalled call's status, the second call's status and how long it
/// took.
async fn second_call_with_slots(slots: usize) -> (u16, u16, Duration) {
    let h = harness(|c| {
        c.timeout = Duration::from_millis(1500);
        c.max_concurrent_upstream = slots;
    })
    .await;
    let addr = h.addr();
    let stalled = tokio::spawn(async move {
        get(
            addr,
            "/okta/slow.okta.com/api/v1/users/me",
            &[("Origin", ALLOWED)],
        )
        .await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    let second = get(
        addr,
        "/okta/acme.okta.com/api/v1/users/me",
        &[("Origin", ALLOWED), ("Authorization", &auth())],
    )
    .await;
    let took = started.elapsed();
    (stalled.await.unwrap().status, second.status, took)
}

#[tokio::test]
async fn upstream_calls_wait_for_a_free_slot() {
    // One slot: the stalled call holds it until its time limit; the second call waits for the
    // slot (it is not refused), then is answered.
    let (stalled, second, took) = second_call_with_slots(1).await;
    assert_eq!(stalled, 504);
    assert_eq!(second, 200);
    assert!(
        took >= Duration::from_millis(1000),
        "answered after {took:?}: it did not wait for the slot"
    );
    // Two slots: the same call is answered at once.
    let (stalled, second, took) = second_call_with_slots(2).await;
    assert_eq!(stalled, 504);
    assert_eq!(second, 200);
    assert!(took < Duration::from_millis(1000), "{took:?}");
}

#[tokio::test]
async fn development_faults_break_proxied_answers_on_purpose() {
    use okta_proxy::fault::Fault;
    let target = "/okta/acme.okta.com/api/v1/users/me";
    let token = auth();
    let with_token = [("Origin", ALLOWED), ("Authorization", token.as_str())];

    // no-cors: the answer comes, without CORS headers, so a browser refuses it.
    let h = harness(|c| c.dev_fault = Some(Fault::NoCors)).await;
    let r = get(h.addr(), target, &with_token).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), None);

    // reset: the full Content-Length is announced, half the body arrives, the connection drops.
    let h = harness(|c| c.dev_fault = Some(Fault::Reset)).await;
    let r = get(h.addr(), target, &with_token).await;
    assert_eq!(r.status, 200);
    let announced: usize = r.header("content-length").unwrap().parse().unwrap();
    assert!(announced > 0);
    assert_eq!(
        r.body.len(),
        announced / 2,
        "half the body, then the connection drops"
    );

    // stall: nothing comes back.
    let h = harness(|c| c.dev_fault = Some(Fault::Stall)).await;
    let addr = h.addr();
    let waited = tokio::time::timeout(Duration::from_millis(1500), async move {
        get(addr, target, &[("Origin", ALLOWED)]).await
    })
    .await;
    assert!(waited.is_err(), "a stalled proxy answered");

    // No fault without the development upstream.
    let args: Vec<String> = ["--dev-fault", "reset"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let err = okta_proxy::config::parse_args(&args).unwrap_err();
    assert!(
        matches!(err, okta_proxy::config::ConfigError::Conflict(_)),
        "{err:?}"
    );
    assert!(err.to_string().contains("--dev-upstream"), "{err}");
}
