//! The simulator's answers for every fixture, in process (tower `oneshot`) and over real
//! sockets where the transport matters (faults, HEAD, the binary itself).

use axum::body::{to_bytes, Body};
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use okta_sim::fixtures::Fixtures;
use okta_sim::{LogSink, Sim, SimConfig};
use serde_json::Value;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

const WK: &str = "/.well-known/okta-organization";

fn fixtures() -> Fixtures {
    Fixtures::embedded()
}

fn token(host: &str, kind: &str) -> String {
    fixtures()
        .orgs
        .iter()
        .find(|o| o.host == host)
        .and_then(|o| o.tokens.iter().find(|t| t.kind == kind))
        .unwrap_or_else(|| panic!("no {kind} token for {host}"))
        .token
        .clone()
}

fn quiet() -> SimConfig {
    SimConfig {
        log: LogSink::Off,
        ..SimConfig::default()
    }
}

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
    elapsed: Duration,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .to_str()
            .unwrap()
    }
    fn content_type(&self) -> &str {
        self.header("content-type")
    }
    fn error_code(&self) -> String {
        let v = self.json();
        for k in [
            "errorCode",
            "errorSummary",
            "errorLink",
            "errorId",
            "errorCauses",
        ] {
            assert!(v.get(k).is_some(), "error body lacks {k}: {v}");
        }
        assert!(v["errorId"].as_str().unwrap().starts_with("oae"));
        assert_eq!(v["errorLink"], v["errorCode"]);
        v["errorCode"].as_str().unwrap().to_string()
    }
}

async fn send(
    app: &Router,
    method: &str,
    host: Option<&str>,
    path: &str,
    tok: Option<&str>,
) -> Resp {
    let mut b = Request::builder().method(method).uri(path);
    if let Some(h) = host {
        b = b.header("host", h);
    }
    if let Some(t) = tok {
        b = b.header("authorization", format!("SSWS {t}"));
    }
    b = b.header("accept", "application/json");
    let start = Instant::now();
    let resp = app
        .clone()
        .oneshot(b.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    Resp {
        status,
        headers,
        body,
        elapsed: start.elapsed(),
    }
}

async fn get(app: &Router, host: &str, path: &str, tok: Option<&str>) -> Resp {
    send(app, "GET", Some(host), path, tok).await
}

fn assert_okta_headers(r: &Resp) {
    assert!(r.header("x-okta-request-id").starts_with("Xsim"));
    let limit: u64 = r.header("x-rate-limit-limit").parse().unwrap();
    let remaining: u64 = r.header("x-rate-limit-remaining").parse().unwrap();
    let reset: u64 = r.header("x-rate-limit-reset").parse().unwrap();
    assert!(remaining <= limit);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(reset >= now && reset <= now + 61, "reset {reset} now {now}");
}

fn assert_json(r: &Resp) {
    assert_eq!(r.content_type(), "application/json");
}

#[tokio::test]
async fn well_known_documents() {
    let app = Sim::new(quiet()).router();
    let r = get(&app, "acme.okta.com", WK, None).await;
    assert_eq!(r.status, 200);
    assert_json(&r);
    assert_okta_headers(&r);
    let v = r.json();
    assert!(v["id"].as_str().unwrap().starts_with("00o"));
    assert_eq!(v["pipeline"], "idx");
    assert!(v["cell"].is_string());
    assert_eq!(v["settings"]["bugReportingEnabled"], true);
    assert_eq!(v["_links"]["organization"]["href"], "https://acme.okta.com");
    assert_eq!(
        v["_links"]["alternate"]["href"],
        "https://login.acme-corp.com"
    );

    // The custom domain names its Okta-owned org; the port of the Host header is ignored.
    let r = get(&app, "LOGIN.acme-corp.com:443", WK, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), v);

    let r = get(&app, "globex.oktapreview.com", WK, None).await;
    let g = r.json();
    assert_eq!(g["pipeline"], "v1");
    assert_eq!(
        g["_links"]["organization"]["href"],
        "https://globex.oktapreview.com"
    );
    assert!(g["_links"].get("alternate").is_none());

    let r = get(&app, "initech.okta-emea.com", WK, None).await;
    assert_eq!(r.json()["pipeline"], "idx");
    assert_eq!(
        r.json()["_links"]["organization"]["href"],
        "https://initech.okta-emea.com"
    );
}

#[tokio::test]
async fn super_admin_reads_everything() {
    let app = Sim::new(quiet()).router();
    let t = token("acme.okta.com", "super_admin");
    let me = get(&app, "acme.okta.com", "/api/v1/users/me", Some(&t)).await;
    assert_eq!(me.status, 200);
    assert_json(&me);
    assert_okta_headers(&me);
    let u = me.json();
    let id = u["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("00u") && id.len() == 20);
    assert_eq!(u["status"], "ACTIVE");
    assert_eq!(u["profile"]["login"], "alice.nguyen@acme-corp.example");
    assert_eq!(u["profile"]["firstName"], "Alice");
    for k in ["created", "lastLogin", "_links"] {
        assert!(u.get(k).is_some(), "{k}");
    }
    assert_eq!(me.header("x-rate-limit-limit"), "40");

    let roles = get(
        &app,
        "acme.okta.com",
        &format!("/api/v1/users/{id}/roles"),
        Some(&t),
    )
    .await;
    assert_eq!(roles.status, 200);
    let roles = roles.json();
    assert_eq!(roles[0]["type"], "SUPER_ADMIN");
    assert_eq!(roles[0]["label"], "Super Administrator");
    assert_eq!(roles[0]["status"], "ACTIVE");
    assert_eq!(roles[0]["assignmentType"], "USER");
    for k in ["id", "created", "lastUpdated", "_links"] {
        assert!(roles[0].get(k).is_some(), "{k}");
    }

    let users = get(&app, "acme.okta.com", "/api/v1/users?limit=1", Some(&t)).await;
    assert_eq!(users.status, 200);
    assert_eq!(users.json().as_array().unwrap().len(), 1);
    let links: Vec<_> = users.headers.get_all("link").iter().collect();
    assert_eq!(links.len(), 2, "self and next");
    let all = get(&app, "acme.okta.com", "/api/v1/users", Some(&t)).await;
    assert!(all.json().as_array().unwrap().len() >= 5);

    let groups = get(&app, "acme.okta.com", "/api/v1/groups?limit=1", Some(&t)).await;
    assert_eq!(groups.status, 200);
    let g = &groups.json()[0];
    assert!(g["id"].as_str().unwrap().starts_with("00g"));
    assert!(g["type"].is_string());
    assert!(g["profile"]["name"].is_string());
    assert!(g["profile"]["description"].is_string());

    let logs = get(&app, "acme.okta.com", "/api/v1/logs?limit=1", Some(&t)).await;
    assert_eq!(logs.status, 200);
    let e = &logs.json()[0];
    for k in [
        "uuid",
        "published",
        "eventType",
        "displayMessage",
        "actor",
        "outcome",
        "severity",
    ] {
        assert!(e.get(k).is_some(), "{k}");
    }
    assert!(e["published"].as_str().unwrap().ends_with('Z'));
    assert_eq!(logs.json().as_array().unwrap().len(), 1);

    // Unknown user, unknown endpoint.
    let r = get(
        &app,
        "acme.okta.com",
        "/api/v1/users/00unosuchuser0000000/roles",
        Some(&t),
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.error_code(), "E0000007");
    let r = get(&app, "acme.okta.com", "/api/v1/apps", Some(&t)).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.error_code(), "E0000007");
    let r = get(&app, "acme.okta.com", "/api/v1/users?limit=lots", Some(&t)).await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn read_only_admin_cannot_list_roles() {
    let app = Sim::new(quiet()).router();
    let t = token("acme.okta.com", "read_only_admin");
    let me = get(&app, "acme.okta.com", "/api/v1/users/me", Some(&t)).await;
    assert_eq!(me.status, 200);
    let id = me.json()["id"].as_str().unwrap().to_string();
    let r = get(
        &app,
        "acme.okta.com",
        &format!("/api/v1/users/{id}/roles"),
        Some(&t),
    )
    .await;
    assert_eq!(r.status, 403);
    assert_json(&r);
    assert_okta_headers(&r);
    assert_eq!(r.error_code(), "E0000006");
    assert_eq!(
        r.json()["errorSummary"],
        "You do not have permission to perform the requested action"
    );
    for p in [
        "/api/v1/users?limit=1",
        "/api/v1/groups?limit=1",
        "/api/v1/logs?limit=1",
    ] {
        assert_eq!(
            get(&app, "acme.okta.com", p, Some(&t)).await.status,
            200,
            "{p}"
        );
    }
}

#[tokio::test]
async fn group_admin_cannot_read_the_system_log() {
    let app = Sim::new(quiet()).router();
    let t = token("acme.okta.com", "group_admin");
    let me = get(&app, "acme.okta.com", "/api/v1/users/me", Some(&t)).await;
    assert_eq!(me.status, 200);
    let id = me.json()["id"].as_str().unwrap().to_string();
    for p in ["/api/v1/users?limit=1", "/api/v1/groups?limit=1"] {
        assert_eq!(
            get(&app, "acme.okta.com", p, Some(&t)).await.status,
            200,
            "{p}"
        );
    }
    let r = get(&app, "acme.okta.com", "/api/v1/logs?limit=1", Some(&t)).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.error_code(), "E0000006");
    let r = get(
        &app,
        "acme.okta.com",
        &format!("/api/v1/users/{id}/roles"),
        Some(&t),
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.error_code(), "E0000006");
}

#[tokio::test]
async fn bad_tokens_get_e0000011() {
    let app = Sim::new(quiet()).router();
    let revoked = token("acme.okta.com", "revoked");
    for p in [
        "/api/v1/users/me",
        "/api/v1/users?limit=1",
        "/api/v1/groups?limit=1",
        "/api/v1/logs?limit=1",
    ] {
        let r = get(&app, "acme.okta.com", p, Some(&revoked)).await;
        assert_eq!(r.status, 401, "{p}");
        assert_json(&r);
        assert_okta_headers(&r);
        assert_eq!(r.error_code(), "E0000011");
        assert_eq!(r.json()["errorSummary"], "Invalid token provided");
    }
    // The well-known document needs no token.
    assert_eq!(
        get(&app, "acme.okta.com", WK, Some(&revoked)).await.status,
        200
    );
    // No token, an unknown token, another scheme.
    for tok in [None, Some("00notafixturetokenxxxxxxxxxxxxxxxxxxxxxxxx")] {
        let r = get(&app, "acme.okta.com", "/api/v1/users/me", tok).await;
        assert_eq!(r.status, 401);
        assert_eq!(r.error_code(), "E0000011");
    }
    let req = Request::builder()
        .uri("/api/v1/users/me")
        .header("host", "acme.okta.com")
        .header(
            "authorization",
            format!("Bearer {}", token("acme.okta.com", "super_admin")),
        )
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.clone().oneshot(req).await.unwrap().status(), 401);
}

#[tokio::test]
async fn tokens_belong_to_their_org() {
    let app = Sim::new(quiet()).router();
    let acme = token("acme.okta.com", "super_admin");
    let globex = token("globex.oktapreview.com", "super_admin");
    let initech = token("initech.okta-emea.com", "super_admin");
    let r = get(&app, "acme.okta.com", "/api/v1/users/me", Some(&globex)).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.error_code(), "E0000011");
    let r = get(
        &app,
        "globex.oktapreview.com",
        "/api/v1/users/me",
        Some(&acme),
    )
    .await;
    assert_eq!(r.status, 401);
    let r = get(
        &app,
        "globex.oktapreview.com",
        "/api/v1/users/me",
        Some(&globex),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["profile"]["firstName"], "Hank");
    let r = get(
        &app,
        "initech.okta-emea.com",
        "/api/v1/users/me",
        Some(&initech),
    )
    .await;
    assert_eq!(r.status, 200);
    // The custom domain is acme: same tokens, same answers.
    let r = get(&app, "login.acme-corp.com", "/api/v1/users/me", Some(&acme)).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json()["profile"]["login"],
        "alice.nguyen@acme-corp.example"
    );
    let r = get(
        &app,
        "login.acme-corp.com",
        "/api/v1/users/me",
        Some(&globex),
    )
    .await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn network_zone_token_is_refused_with_e0000006() {
    let app = Sim::new(quiet()).router();
    let t = token("acme.okta.com", "network_zone");
    for p in [
        "/api/v1/users/me",
        "/api/v1/users?limit=1",
        "/api/v1/logs?limit=1",
    ] {
        let r = get(&app, "acme.okta.com", p, Some(&t)).await;
        assert_eq!(r.status, 403, "{p}");
        assert_eq!(r.error_code(), "E0000006");
    }
    assert_eq!(get(&app, "acme.okta.com", WK, None).await.status, 200);
}

#[tokio::test]
async fn rate_limited_token_429s_then_succeeds_then_rearms() {
    let cfg = SimConfig {
        rate_limit_reset: Duration::from_millis(300),
        rate_limit_rearm_idle: Duration::from_millis(900),
        ..quiet()
    };
    let app = Sim::new(cfg).router();
    let t = token("acme.okta.com", "rate_limited");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let r = get(&app, "acme.okta.com", "/api/v1/users/me", Some(&t)).await;
    assert_eq!(r.status, 429);
    assert_json(&r);
    assert_eq!(r.error_code(), "E0000047");
    assert_eq!(
        r.json()["errorSummary"],
        "API call exceeded rate limit due to too many requests."
    );
    assert_eq!(r.header("x-rate-limit-remaining"), "0");
    assert!(r.header("x-okta-request-id").starts_with("Xsim"));
    let reset: u64 = r.header("x-rate-limit-reset").parse().unwrap();
    assert!(reset >= now && reset <= now + 2, "reset {reset}, now {now}");
    // Still limited before the reset, on every API call.
    let r = get(&app, "acme.okta.com", "/api/v1/groups?limit=1", Some(&t)).await;
    assert_eq!(r.status, 429);
    tokio::time::sleep(Duration::from_millis(350)).await;
    let r = get(&app, "acme.okta.com", "/api/v1/users/me", Some(&t)).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let id = r.json()["id"].as_str().unwrap().to_string();
    let roles = get(
        &app,
        "acme.okta.com",
        &format!("/api/v1/users/{id}/roles"),
        Some(&t),
    )
    .await;
    assert_eq!(roles.json()[0]["type"], "SUPER_ADMIN");
    assert_eq!(
        get(&app, "acme.okta.com", "/api/v1/logs?limit=1", Some(&t))
            .await
            .status,
        200
    );
    // Idle past the re-arm time: limited again.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let r = get(&app, "acme.okta.com", "/api/v1/users/me", Some(&t)).await;
    assert_eq!(r.status, 429);
}

#[tokio::test]
async fn sim_reset_rearms_the_rate_limited_token() {
    let cfg = SimConfig {
        rate_limit_reset: Duration::from_millis(100),
        ..quiet()
    };
    let sim = Sim::new(cfg);
    let app = sim.router();
    let t = token("acme.okta.com", "rate_limited");
    assert_eq!(
        get(&app, "acme.okta.com", "/api/v1/users/me", Some(&t))
            .await
            .status,
        429
    );
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(
        get(&app, "acme.okta.com", "/api/v1/users/me", Some(&t))
            .await
            .status,
        200
    );
    let r = get(&app, "anything", "/__sim/reset", None).await;
    assert_eq!(r.status, 200);
    assert!(sim.requests().is_empty());
    assert_eq!(
        get(&app, "acme.okta.com", "/api/v1/users/me", Some(&t))
            .await
            .status,
        429
    );
}

#[tokio::test]
async fn only_get_and_head_are_served() {
    let app = Sim::new(quiet()).router();
    let t = token("acme.okta.com", "super_admin");
    for m in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        for (host, path) in [
            ("acme.okta.com", "/api/v1/api-tokens/current"),
            ("acme.okta.com", "/api/v1/users/me"),
            ("acme.okta.com", WK),
            ("nobody.okta.com", "/api/v1/users/me"),
        ] {
            let r = send(&app, m, Some(host), path, Some(&t)).await;
            assert_eq!(r.status, 405, "{m} {host}{path}");
            assert_json(&r);
            assert_eq!(r.error_code(), "E0000022");
            assert_eq!(
                r.json()["errorSummary"],
                "The endpoint does not support the provided HTTP method"
            );
            assert_eq!(r.header("allow"), "GET, HEAD");
            assert!(r.header("x-okta-request-id").starts_with("Xsim"));
        }
    }
    let r = send(
        &app,
        "HEAD",
        Some("acme.okta.com"),
        "/api/v1/users/me",
        Some(&t),
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
    assert_eq!(
        send(&app, "DELETE", None, "/__sim/reset", None)
            .await
            .status,
        405
    );
}

#[tokio::test]
async fn unknown_host_is_an_html_404() {
    let app = Sim::new(quiet()).router();
    let t = token("acme.okta.com", "super_admin");
    for host in [
        Some("nobody.okta.com"),
        Some("acme.okta.com.evil.example"),
        None,
    ] {
        for path in [WK, "/api/v1/users/me"] {
            let r = send(&app, "GET", host, path, Some(&t)).await;
            assert_eq!(r.status, 404, "{host:?}{path}");
            assert_eq!(r.content_type(), "text/html");
            assert!(String::from_utf8_lossy(&r.body).contains("<html"));
            assert!(r.header("x-okta-request-id").starts_with("Xsim"));
        }
    }
}

#[tokio::test]
async fn broken_org_answers_500_html_everywhere() {
    let app = Sim::new(quiet()).router();
    let t = token("broken.okta.com", "super_admin");
    for path in [WK, "/api/v1/users/me", "/api/v1/logs?limit=1", "/"] {
        let r = get(&app, "broken.okta.com", path, Some(&t)).await;
        assert_eq!(r.status, 500, "{path}");
        assert_eq!(r.content_type(), "text/html");
        assert!(String::from_utf8_lossy(&r.body).contains("<html"));
        assert!(r.header("x-okta-request-id").starts_with("Xsim"));
    }
}

#[tokio::test]
async fn slow_org_answers_api_calls_late_and_well_known_at_once() {
    let cfg = SimConfig {
        slow_delay: Some(Duration::from_millis(400)),
        ..quiet()
    };
    let app = Sim::new(cfg).router();
    let t = token("slow.okta.com", "super_admin");
    let r = get(&app, "slow.okta.com", WK, None).await;
    assert_eq!(r.status, 200);
    assert!(r.elapsed < Duration::from_millis(300), "{:?}", r.elapsed);
    let r = get(&app, "slow.okta.com", "/api/v1/users/me", Some(&t)).await;
    assert_eq!(r.status, 200);
    assert!(r.elapsed >= Duration::from_millis(400), "{:?}", r.elapsed);
    assert_eq!(r.json()["profile"]["firstName"], "Tess");
    // Other orgs are not slowed.
    let a = token("acme.okta.com", "super_admin");
    let r = get(&app, "acme.okta.com", "/api/v1/users/me", Some(&a)).await;
    assert!(r.elapsed < Duration::from_millis(300));
    // The default delay comes from the fixture: 30 s.
    assert_eq!(
        fixtures()
            .orgs
            .iter()
            .find(|o| o.host == "slow.okta.com")
            .unwrap()
            .api_delay_ms,
        30_000
    );
}

#[tokio::test]
async fn latency_is_added_to_every_org_answer_but_not_to_control() {
    let cfg = SimConfig {
        latency: Duration::from_millis(150),
        ..quiet()
    };
    let app = Sim::new(cfg).router();
    let r = get(&app, "acme.okta.com", WK, None).await;
    assert!(r.elapsed >= Duration::from_millis(150));
    let r = get(&app, "x", "/__sim/requests", None).await;
    assert!(r.elapsed < Duration::from_millis(150));
}

#[tokio::test]
async fn request_ids_are_unique() {
    let app = Sim::new(quiet()).router();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..20 {
        let r = get(&app, "acme.okta.com", WK, None).await;
        assert!(seen.insert(r.header("x-okta-request-id").to_string()));
    }
}

#[tokio::test]
async fn request_log_and_stderr_log_never_hold_the_token() {
    let (sink, lines) = LogSink::memory();
    let sim = Sim::new(SimConfig {
        log: sink,
        ..SimConfig::default()
    });
    let app = sim.router();
    let t = token("acme.okta.com", "super_admin");
    let revoked = token("acme.okta.com", "revoked");
    get(&app, "acme.okta.com", "/api/v1/users/me", Some(&t)).await;
    get(&app, "acme.okta.com", "/api/v1/users/me", Some(&revoked)).await;
    get(&app, "acme.okta.com", WK, None).await;
    // Even a token pasted into the path (a client bug) is redacted.
    get(
        &app,
        "acme.okta.com",
        &format!("/api/v1/users?q={t}"),
        Some(&t),
    )
    .await;

    let log = lines.lock().unwrap().clone();
    assert_eq!(log.len(), 4, "{log:?}");
    assert!(
        log[0].contains("GET acme.okta.com /api/v1/users/me -> 200"),
        "{}",
        log[0]
    );
    assert!(log[1].contains("-> 401"), "{}", log[1]);
    for line in &log {
        assert!(!line.contains(&t) && !line.contains(&revoked), "{line}");
        assert!(!line.contains("SSWS") && !line.to_lowercase().contains("authorization"));
        assert!(line.contains(" ms)"));
    }

    let r = get(&app, "anything.example", "/__sim/requests", None).await;
    assert_eq!(r.status, 200);
    assert_json(&r);
    let text = String::from_utf8_lossy(&r.body).to_string();
    assert!(!text.contains(&t) && !text.contains(&revoked) && !text.contains("SSWS"));
    let list = r.json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 4);
    let first = list[0].as_object().unwrap();
    let mut keys: Vec<_> = first.keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "finished_ms",
            "host",
            "method",
            "path",
            "started_ms",
            "status"
        ]
    );
    assert_eq!(first["method"], "GET");
    assert_eq!(first["host"], "acme.okta.com");
    assert_eq!(first["path"], "/api/v1/users/me");
    assert_eq!(first["status"], 200);
    assert!(first["finished_ms"].as_u64().unwrap() >= first["started_ms"].as_u64().unwrap());
    assert_eq!(list[3]["path"], "/api/v1/users?q=[redacted]");
    // Control requests are not in the request log.
    assert_eq!(sim.requests().len(), 4);
}

#[tokio::test]
async fn control_endpoints() {
    let app = Sim::new(quiet()).router();
    let r = get(&app, "whatever", "/__sim/fixtures", None).await;
    assert_eq!(r.status, 200);
    assert_json(&r);
    assert_eq!(r.body, okta_sim::fixtures::FIXTURES_JSON.as_bytes());
    let v = r.json();
    assert!(v["orgs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["host"] == "acme.okta.com"));
    let r = send(&app, "GET", None, "/__sim/requests", None).await;
    assert_eq!(r.json(), serde_json::json!([]));
    assert_eq!(get(&app, "x", "/__sim/nope", None).await.status, 404);
}

// ---------------------------------------------------------------------------------------------
// Fault hosts

#[tokio::test]
async fn quick_faults() {
    let app = Sim::new(quiet()).router();
    // Any fixture token counts as the super admin on a fault host.
    let t = token("globex.oktapreview.com", "super_admin");

    let r = get(&app, "fault-notjson.okta.com", "/api/v1/users/me", Some(&t)).await;
    assert_eq!(r.status, 200);
    assert_json(&r);
    assert!(String::from_utf8_lossy(&r.body).starts_with("<!DOCTYPE html>"));
    assert!(serde_json::from_slice::<Value>(&r.body).is_err());

    let r = get(
        &app,
        "fault-contenttype.okta.com",
        "/api/v1/users/me",
        Some(&t),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type(), "text/plain");
    assert_eq!(r.json()["profile"]["firstName"], "Alice");

    let r = get(
        &app,
        "fault-truncated.okta.com",
        "/api/v1/users/me",
        Some(&t),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_json(&r);
    assert!(r.body.len() > 10);
    assert!(serde_json::from_slice::<Value>(&r.body).is_err());
    assert_eq!(r.header("content-length"), r.body.len().to_string());
    let r = get(&app, "fault-truncated.okta.com", WK, None).await;
    assert!(serde_json::from_slice::<Value>(&r.body).is_err());

    let r = get(
        &app,
        "fault-redirect.okta.com",
        "/api/v1/users/me",
        Some(&t),
    )
    .await;
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), "https://evil.example/steal");
    let r = get(&app, "fault-redirect.okta.com", WK, None).await;
    assert_eq!(r.status, 302);

    let r = get(
        &app,
        "fault-ratelimit-headers.okta.com",
        "/api/v1/users/me",
        Some(&t),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["profile"]["firstName"], "Alice");
    let remaining: Vec<_> = r.headers.get_all("x-rate-limit-remaining").iter().collect();
    assert_eq!(remaining.len(), 2);
    assert_ne!(remaining[0], remaining[1]);
    assert_eq!(r.header("x-rate-limit-reset"), "soon");
    let r = get(
        &app,
        "fault-ratelimit-headers.okta.com",
        "/api/v1/users/me",
        Some("00bogus"),
    )
    .await;
    assert_eq!(r.status, 401);

    let r = get(&app, "login.evil-corp.net", WK, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json()["_links"]["organization"]["href"],
        "https://attacker.example"
    );
    assert_eq!(
        r.json()["_links"]["alternate"]["href"],
        "https://login.evil-corp.net"
    );

    // Other fault hosts' well-known documents name themselves.
    let r = get(&app, "fault-contenttype.okta.com", WK, None).await;
    assert_eq!(
        r.json()["_links"]["organization"]["href"],
        "https://fault-contenttype.okta.com"
    );
}

#[tokio::test]
async fn huge_fault_streams_20_mib_of_valid_json() {
    let app = Sim::new(quiet()).router();
    let t = token("acme.okta.com", "super_admin");
    let r = get(
        &app,
        "fault-huge.okta.com",
        "/api/v1/users?limit=1",
        Some(&t),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_json(&r);
    assert!(r.headers.get("content-length").is_none());
    assert_eq!(r.body.len(), 20 * 1024 * 1024);
    let v = r.json();
    assert_eq!(v.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn stall_and_drip_faults() {
    let cfg = SimConfig {
        stall: Duration::from_millis(300),
        drip_interval: Duration::from_millis(1),
        ..quiet()
    };
    let app = Sim::new(cfg).router();
    let t = token("acme.okta.com", "super_admin");
    let r = get(&app, "fault-stall.okta.com", "/api/v1/users/me", Some(&t)).await;
    assert!(r.elapsed >= Duration::from_millis(300));
    assert_eq!(r.status, 200);
    let r = get(&app, "fault-drip.okta.com", "/api/v1/users/me", Some(&t)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["profile"]["firstName"], "Alice");
    assert!(r.elapsed >= Duration::from_millis(r.body.len() as u64));
}

#[tokio::test]
async fn reset_fault_errors_mid_body_in_process() {
    let app = Sim::new(quiet()).router();
    let t = token("acme.okta.com", "super_admin");
    let req = Request::builder()
        .uri("/api/v1/users/me")
        .header("host", "fault-reset.okta.com")
        .header("authorization", format!("SSWS {t}"))
        .body(Body::empty())
        .unwrap();
    let resp = app.oneshot(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(to_bytes(resp.into_body(), usize::MAX).await.is_err());
}

// ---------------------------------------------------------------------------------------------
// Over real sockets

async fn start(cfg: SimConfig) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let sim = Sim::new(cfg);
    tokio::spawn(okta_sim::serve(listener, sim));
    addr
}

/// Send a raw HTTP/1.1 request; read until the server closes (or `limit` elapses). Returns the
/// head, the body bytes read and whether the read ended in an error.
async fn raw(
    addr: std::net::SocketAddr,
    request: &str,
    limit: Duration,
) -> (String, Vec<u8>, bool) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 65536];
    let deadline = Instant::now() + limit;
    let mut errored = false;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, s.read(&mut chunk)).await {
            Ok(Ok(0)) => break,
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
            Ok(Err(_)) => {
                errored = true;
                break;
            }
            Err(_) => break,
        }
    }
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
        .unwrap_or(buf.len());
    let head = String::from_utf8_lossy(&buf[..split]).to_string();
    (head, buf[split..].to_vec(), errored)
}

fn head_value(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
    })
}

#[tokio::test]
async fn reset_fault_drops_the_connection_mid_body() {
    let addr = start(quiet()).await;
    let t = token("acme.okta.com", "super_admin");
    let req = format!(
        "GET /api/v1/users/me HTTP/1.1\r\nHost: fault-reset.okta.com\r\nAuthorization: SSWS {t}\r\n\r\n"
    );
    let (head, body, _) = raw(addr, &req, Duration::from_secs(5)).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let promised: usize = head_value(&head, "content-length")
        .unwrap()
        .parse()
        .unwrap();
    assert!(!body.is_empty(), "part of the body is sent");
    assert!(body.len() < promised, "{} of {promised}", body.len());
}

#[tokio::test]
async fn drip_fault_sends_one_byte_at_a_time() {
    let addr = start(quiet()).await;
    let t = token("acme.okta.com", "super_admin");
    let req = format!(
        "GET /api/v1/users/me HTTP/1.1\r\nHost: fault-drip.okta.com\r\nAuthorization: SSWS {t}\r\n\r\n"
    );
    // Default pace: 500 ms a byte. In 1.6 s at most 3 (4 with timer slack) bytes arrive.
    let (head, body, _) = raw(addr, &req, Duration::from_millis(1600)).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert_eq!(
        head_value(&head, "content-type").as_deref(),
        Some("application/json")
    );
    assert!((1..=4).contains(&body.len()), "{} bytes", body.len());
    assert_eq!(body[0], b'{');
}

#[tokio::test]
async fn stall_fault_sends_no_headers() {
    let addr = start(quiet()).await;
    let req = "GET /.well-known/okta-organization HTTP/1.1\r\nHost: fault-stall.okta.com\r\n\r\n";
    let (head, body, _) = raw(addr, req, Duration::from_millis(800)).await;
    assert!(head.is_empty() && body.is_empty());
}

#[tokio::test]
async fn head_over_the_wire_has_headers_and_no_body() {
    let addr = start(quiet()).await;
    let req = "HEAD /.well-known/okta-organization HTTP/1.1\r\nHost: acme.okta.com\r\nConnection: close\r\n\r\n";
    let (head, body, _) = raw(addr, req, Duration::from_secs(5)).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head_value(&head, "x-okta-request-id").is_some());
    assert!(body.is_empty());
}

#[tokio::test]
async fn the_binary_prints_its_address_and_serves() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_okta-sim"))
        .args(["--listen", "127.0.0.1:0", "--quiet"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("okta-sim listening on http://")
        .unwrap_or_else(|| panic!("{line:?}"))
        .to_string();
    let addr: std::net::SocketAddr = url.parse().unwrap();
    assert!(addr.ip().is_loopback() && addr.port() != 0);
    let req = "GET /.well-known/okta-organization HTTP/1.1\r\nHost: acme.okta.com\r\nConnection: close\r\n\r\n";
    let (head, body, _) = raw(addr, req, Duration::from_secs(5)).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(String::from_utf8_lossy(&body).contains("acme.okta.com"));
    // SIGTERM ends it cleanly.
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("okta-sim did not stop on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_binary_refuses_a_public_address() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_okta-sim"))
        .args(["--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-public"));
}

/// The request log keeps the most recent requests only: a simulator under load stays bounded.
#[tokio::test]
async fn the_request_log_keeps_the_most_recent_requests() {
    let sim = Sim::new(quiet());
    let app = sim.router();
    let extra = 3;
    for i in 0..okta_sim::REQUEST_LOG_LIMIT + extra {
        let r = get(&app, "acme.okta.com", &format!("{WK}?n={i}"), None).await;
        assert_eq!(r.status, 200);
    }
    let log = sim.requests();
    assert_eq!(log.len(), okta_sim::REQUEST_LOG_LIMIT);
    assert_eq!(log[0].path, format!("{WK}?n={extra}"));
    let last = okta_sim::REQUEST_LOG_LIMIT + extra - 1;
    assert_eq!(log[log.len() - 1].path, format!("{WK}?n={last}"));
    assert!(log.iter().all(|r| r.status == Some(200)));
}
