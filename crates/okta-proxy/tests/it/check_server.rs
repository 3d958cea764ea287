//! The check server over loopback: `GET /.well-known/jwks.json` and `POST /check` through a real
//! proxy in development mode in front of a real simulator (crates/okta-sim), which verifies the
//! client assertions, client secrets and DPoP proofs on its own.

use crate::common::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use okta_link_core::decode::{JsonError, JsonParser};
use okta_link_core::diagnosis::Report;
use okta_proxy::config::Config;
use okta_proxy::log::{Logger, MemoryLog};
use okta_proxy::resolve::StaticLookup;
use okta_proxy::server::{start, Deps, Running};
use okta_sim::fixtures::{Behavior, Fixtures, KeyName};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub const ACME: &str = "acme.okta.com";
/// A service app that requires DPoP, registered with the demo platform key.
pub const DPOP_APP: &str = "0oa1dpopreadonly0001";
/// A service app registered with the other fixture key (EC P-256).
pub const OTHER_KEY_APP: &str = "0oa7otherkey00000007";
/// The OIN integration (client_secret_basic).
pub const OIN: &str = "0oa10inintegration10";

/// The demo platform key (RSA 2048), which the acme service apps registered.
pub fn demo_key() -> PathBuf {
    okta_sim::fixtures::demo_platform_key_file()
}

/// The simulator's second fixture key (EC P-256).
pub fn other_key() -> PathBuf {
    demo_key().with_file_name("other-key.pem")
}

/// The OIN integration's secret, from crates/okta-sim/fixtures.json.
pub fn oin_secret() -> String {
    Fixtures::embedded()
        .orgs
        .iter()
        .flat_map(|o| o.apps.iter())
        .find(|a| a.client_id == OIN)
        .and_then(|a| a.client_secret.clone())
        .expect("the OIN integration's secret")
}

/// acme's super admin API token, from crates/okta-sim/fixtures.json.
pub fn ssws_token() -> String {
    let f = Fixtures::embedded();
    let acme = f.orgs.iter().find(|o| o.host == ACME).unwrap();
    acme.tokens
        .iter()
        .find(|t| t.behavior == Behavior::Ok && t.token.contains("super-admin"))
        .map(|t| t.token.clone())
        .expect("acme's super admin token")
}

/// A simulator on a loopback port, stopped when dropped.
pub struct SimServer {
    pub url: String,
    pub addr: SocketAddr,
    pub sim: okta_sim::Sim,
    /// Its log lines.
    pub log: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl SimServer {
    pub fn requests(&self) -> Vec<okta_sim::RequestRecord> {
        self.sim.requests()
    }
    pub fn log_text(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn simulator() -> SimServer {
    let (sink, log) = okta_sim::LogSink::memory();
    let sim = okta_sim::Sim::new(okta_sim::SimConfig {
        log: sink,
        ..okta_sim::SimConfig::default()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let served = sim.clone();
    let task = tokio::spawn(async move {
        let _ = okta_sim::serve(listener, served).await;
    });
    SimServer {
        url: format!("http://{addr}"),
        addr,
        sim,
        log,
        task,
    }
}

/// The proxy in development mode in front of `upstream`, with the demo platform key, the
/// check rate limit off (unless `tweak` sets it).
pub async fn check_proxy(upstream: &str, tweak: impl FnOnce(&mut Config)) -> (Running, MemoryLog) {
    let mut cfg = base_config();
    cfg.dev_upstream = Some(upstream.to_string());
    cfg.service_app_keys = vec![demo_key()];
    cfg.check_rate_limit_per_minute = 0;
    tweak(&mut cfg);
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

/// A request with a body (`Content-Length` set) and extra header lines.
pub async fn send_body(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    let mut req = format!(
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    )
    .into_bytes();
    for (k, v) in headers {
        req.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    req.extend_from_slice(b"\r\n");
    req.extend_from_slice(body);
    raw(addr, &req).await
}

/// `POST /check` with a JSON body and extra headers.
pub async fn post_check(addr: SocketAddr, body: &Value, headers: &[(&str, &str)]) -> Resp {
    let mut h = vec![("Content-Type", "application/json")];
    h.extend_from_slice(headers);
    send_body(addr, "POST", "/check", &h, body.to_string().as_bytes()).await
}

pub fn service_app(client_id: &str) -> Value {
    json!({"org": ACME, "credential": {"type": "service_app", "client_id": client_id}, "required": ["users"]})
}

pub fn oin(secret: &str) -> Value {
    json!({"org": ACME, "credential": {"type": "client_secret", "client_id": OIN, "client_secret": secret}, "required": ["users"]})
}

pub fn api_token(token: &str) -> Value {
    json!({"org": ACME, "credential": {"type": "api_token", "token": token}, "required": ["users"]})
}

pub struct Json;

impl JsonParser for Json {
    fn parse<T: serde::de::DeserializeOwned>(&self, text: &str) -> Result<T, JsonError> {
        let v: Value = serde_json::from_str(text).map_err(|_| JsonError::Syntax)?;
        T::deserialize(v).map_err(|_| JsonError::Shape)
    }
}

/// The check's report as the page reads it.
pub fn report(r: &Resp) -> Report {
    okta_link_core::server_check::read_answer(r.status, r.header("content-type"), &r.text(), &Json)
}

/// Every answer of `/check` is inert and never cached.
fn assert_check_headers(r: &Resp) {
    assert_eq!(r.header("cache-control"), Some("no-store"), "{r:?}");
    assert_eq!(
        r.header("content-security-policy"),
        Some("default-src 'none'; sandbox; frame-ancestors 'none'")
    );
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(r.header("x-frame-options"), Some("DENY"));
}

/// The proxy's own error: its status and code, with the check server's headers.
fn assert_refused(r: &Resp, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.text());
    assert_eq!(r.proxy_error().as_deref(), Some(code), "{}", r.text());
    // The contract's shape: `{"proxyError", "message", "target": null}`.
    let body = r.json();
    let mut members: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    members.sort();
    assert_eq!(members, ["message", "proxyError", "target"], "{body}");
    assert_eq!(body["target"], Value::Null, "{body}");
    assert_check_headers(r);
}

fn verified(r: &Resp) {
    assert_eq!(r.status, 200, "{}", r.text());
    assert_check_headers(r);
    assert_eq!(
        r.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    let rep = report(r);
    assert_eq!(rep.code(), "verified", "{}", r.text());
}

// ---------------------------------------------------------------------------------------------
// GET /.well-known/jwks.json

/// The RFC 7638 SHA-256 thumbprint of a public JWK, computed here from its required members
/// in lexicographic order (serde_json's map is ordered by key), base64url without padding.
fn thumbprint(jwk: &Value) -> String {
    let required: &[&str] = match jwk["kty"].as_str().unwrap() {
        "RSA" => &["e", "kty", "n"],
        "EC" => &["crv", "kty", "x", "y"],
        other => panic!("unexpected kty {other}"),
    };
    let mut canonical = serde_json::Map::new();
    for m in required {
        canonical.insert(m.to_string(), jwk[*m].clone());
    }
    let text = serde_json::to_string(&Value::Object(canonical)).unwrap();
    assert!(!text.contains(' '), "{text}");
    URL_SAFE_NO_PAD.encode(Sha256::digest(text.as_bytes()))
}

const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

async fn jwks(addr: SocketAddr) -> Vec<Value> {
    let r = get(addr, "/.well-known/jwks.json", &[]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("cache-control"), Some("public, max-age=300"));
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        r.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    let doc = r.json();
    let top: Vec<&String> = doc.as_object().unwrap().keys().collect();
    assert_eq!(top, ["keys"]);
    // What the page reads from it.
    let read = okta_link_core::server_check::read_jwks(r.status, &r.text(), &Json);
    assert!(read.is_ok(), "{:?}", read.err());
    doc["keys"].as_array().unwrap().clone()
}

fn assert_public_only(jwk: &Value) {
    let members: Vec<&str> = jwk
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for m in PRIVATE_MEMBERS {
        assert!(!members.contains(&m), "private member {m} published: {jwk}");
    }
    let allowed: &[&str] = match jwk["kty"].as_str().unwrap() {
        "RSA" => &["kty", "n", "e", "kid", "use", "alg"],
        "EC" => &["kty", "crv", "x", "y", "kid", "use", "alg"],
        other => panic!("unexpected kty {other}"),
    };
    for m in &members {
        assert!(allowed.contains(m), "unexpected member {m}: {jwk}");
    }
    for m in allowed {
        assert!(jwk[*m].is_string(), "member {m} missing: {jwk}");
    }
    assert_eq!(jwk["use"], "sig");
}

#[tokio::test]
async fn jwks_publishes_every_key_public_members_only_with_rfc7638_kids() {
    let sim = simulator().await;
    let (proxy, _log) = check_proxy(&sim.url, |c| {
        c.service_app_keys = vec![demo_key(), other_key()];
    })
    .await;
    let keys = jwks(proxy.addr).await;
    assert_eq!(keys.len(), 2, "{keys:?}");
    let (rsa, ec) = (&keys[0], &keys[1]);
    assert_public_only(rsa);
    assert_public_only(ec);
    assert_eq!(
        (rsa["kty"].as_str(), rsa["alg"].as_str()),
        (Some("RSA"), Some("RS256"))
    );
    assert_eq!(
        (ec["kty"].as_str(), ec["alg"].as_str(), ec["crv"].as_str()),
        (Some("EC"), Some("ES256"), Some("P-256"))
    );
    for k in &keys {
        assert_eq!(k["kid"].as_str().unwrap(), thumbprint(k), "{k}");
        assert_eq!(k["kid"].as_str().unwrap().len(), 43);
    }
    // The same public keys as the ones the simulator's apps registered.
    for (published, name) in [(rsa, KeyName::Platform), (ec, KeyName::Other)] {
        let registered = name.public_jwk();
        for m in ["n", "e", "crv", "x", "y"] {
            assert_eq!(published.get(m), registered.get(m), "{m}");
        }
        assert_eq!(published["kid"].as_str().unwrap(), name.kid());
    }

    // Both published, the first signs: the app registered with the demo key verifies, the one
    // registered with the second key does not.
    verified(&post_check(proxy.addr, &service_app(DPOP_APP), &[]).await);
    let r = post_check(proxy.addr, &service_app(OTHER_KEY_APP), &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(report(&r).code(), "client_rejected", "{}", r.text());
    drop(proxy);

    // Rotated: the second key put first now signs.
    let (proxy, _log) = check_proxy(&sim.url, |c| {
        c.service_app_keys = vec![other_key(), demo_key()];
    })
    .await;
    let keys = jwks(proxy.addr).await;
    assert_eq!(keys[0]["kty"], "EC");
    assert_eq!(keys[1]["kty"], "RSA");
    verified(&post_check(proxy.addr, &service_app(OTHER_KEY_APP), &[]).await);
    let r = post_check(proxy.addr, &service_app(DPOP_APP), &[]).await;
    assert_eq!(report(&r).code(), "client_rejected", "{}", r.text());

    // Only GET (and HEAD).
    let r = send_body(proxy.addr, "POST", "/.well-known/jwks.json", &[], b"{}").await;
    assert_eq!(r.status, 405);
    assert!(r.header("allow").is_some_and(|a| a.contains("GET")));
    proxy.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn jwks_is_404_without_keys() {
    let sim = simulator().await;
    let (proxy, _log) = check_proxy(&sim.url, |c| c.service_app_keys.clear()).await;
    let r = get(proxy.addr, "/.well-known/jwks.json", &[]).await;
    assert_eq!(r.status, 404, "{}", r.text());
    assert!(!r.text().contains("keys"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert!(sim.requests().is_empty());
    proxy.shutdown(Duration::from_secs(1)).await;
}

// ---------------------------------------------------------------------------------------------
// POST /check

#[tokio::test]
async fn every_credential_type_verifies_against_the_simulator() {
    let sim = simulator().await;
    let (proxy, log) = check_proxy(&sim.url, |_| {}).await;
    let a = proxy.addr;

    let r = post_check(a, &service_app(DPOP_APP), &[]).await;
    verified(&r);
    assert_eq!(
        r.json()["verified"]["app"]["token_type"],
        "DPoP",
        "{}",
        r.text()
    );
    assert_eq!(r.json()["verified"]["app"]["credential"], "service_app");
    let r = post_check(a, &oin(&oin_secret()), &[]).await;
    verified(&r);
    assert_eq!(
        r.json()["verified"]["app"]["token_type"],
        "Bearer",
        "{}",
        r.text()
    );
    assert_eq!(r.json()["verified"]["app"]["credential"], "client_secret");
    verified(&post_check(a, &api_token(&ssws_token()), &[]).await);

    // The simulator really was asked: a token for each app, the DPoP nonce round for the
    // service app, and the probes.
    let seen = sim.requests();
    let token_calls: Vec<_> = seen
        .iter()
        .filter(|r| r.path == "/oauth2/v1/token")
        .collect();
    assert!(
        token_calls.iter().any(|r| r.status == Some(400)),
        "the nonce round: {seen:?}"
    );
    assert_eq!(
        token_calls.iter().filter(|r| r.status == Some(200)).count(),
        2,
        "{seen:?}"
    );
    assert!(seen.iter().all(|r| r.host == ACME), "{seen:?}");
    assert!(seen
        .iter()
        .any(|r| r.path.starts_with("/api/v1/users") && r.status == Some(200)));

    // The org's nonce is reused: a second check of the service app needs no nonce round.
    let refused_before = nonce_rounds(&sim);
    verified(&post_check(a, &service_app(DPOP_APP), &[]).await);
    assert_eq!(nonce_rounds(&sim), refused_before);
    // Through the org's custom domain: its well-known document there, the rest at the org.
    sim.sim.reset();
    let mut custom = service_app(DPOP_APP);
    custom["org"] = json!("login.acme-corp.com");
    verified(&post_check(a, &custom, &[]).await);
    let seen = sim.requests();
    assert!(seen
        .iter()
        .any(|r| r.host == "login.acme-corp.com" && r.path == okta_sim::WELL_KNOWN_PATH));
    assert!(seen
        .iter()
        .filter(|r| r.host == "login.acme-corp.com")
        .all(|r| r.path == okta_sim::WELL_KNOWN_PATH));
    // Another org, with its own nonce.
    verified(
        &post_check(
            a,
            &json!({"org": "globex.oktapreview.com", "credential": {"type": "service_app", "client_id": "0oa11globexreadonly1"}}),
            &[],
        )
        .await,
    );

    // The org, client ID and secret as a person pastes them: cleaned as the page cleans them.
    verified(
        &post_check(
            a,
            &json!({"org": "https://ACME-admin.okta.com/admin/dashboard", "credential": {"type": "service_app", "client_id": " \"0oa1dpopreadonly0001\"\n"}}),
            &[],
        )
        .await,
    );
    verified(
        &post_check(
            a,
            &json!({"org": "acme.okta.com", "credential": {"type": "client_secret", "client_id": OIN, "client_secret": format!("  {}\n", oin_secret())}}),
            &[],
        )
        .await,
    );
    verified(&post_check(a, &api_token(&format!("SSWS {}", ssws_token())), &[]).await);

    // A wrong secret and an unknown app are reports, not errors.
    let r = post_check(a, &oin("wrong-secret-wrong-secret-wrong-secret-wrong"), &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(report(&r).code(), "client_rejected", "{}", r.text());
    let r = post_check(a, &service_app("0oa9nokey00000000009"), &[]).await;
    assert_eq!(report(&r).code(), "client_rejected", "{}", r.text());

    // The request line names only /check.
    let text = log.contents();
    assert!(
        text.contains("method=POST host=- path=/check status=200"),
        "{text}"
    );
    proxy.shutdown(Duration::from_secs(1)).await;
}

/// How many token requests the simulator answered `use_dpop_nonce` (400).
fn nonce_rounds(sim: &SimServer) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.path == "/oauth2/v1/token" && r.status == Some(400))
        .count()
}

#[tokio::test]
async fn a_nonce_the_org_no_longer_accepts_is_replaced() {
    // The proxy keeps the org's nonce; behind it the org changes (another simulator, whose
    // nonces are its own): Okta asks again, and the check answers with the new nonce.
    let first = simulator().await;
    let second = simulator().await;
    let tap = tap(first.addr).await;
    let (proxy, _log) = check_proxy(&format!("http://{}", tap.addr), |_| {}).await;
    let a = proxy.addr;
    verified(&post_check(a, &service_app(DPOP_APP), &[]).await);
    assert_eq!(nonce_rounds(&first), 1);
    verified(&post_check(a, &service_app(DPOP_APP), &[]).await);
    assert_eq!(nonce_rounds(&first), 1, "the nonce is reused");

    // The open connections are closed; new ones reach the second simulator.
    tap.upstream.send(second.addr).unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let asked_first = first.requests().len();
    verified(&post_check(a, &service_app(DPOP_APP), &[]).await);
    assert_eq!(first.requests().len(), asked_first);
    assert_eq!(nonce_rounds(&second), 1, "{:?}", second.requests());
    verified(&post_check(a, &service_app(DPOP_APP), &[]).await);
    assert_eq!(nonce_rounds(&second), 1, "the new nonce is reused");
    proxy.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn malformed_requests_are_refused_before_any_upstream_call() {
    let sim = simulator().await;
    let (proxy, _log) = check_proxy(&sim.url, |_| {}).await;
    let a = proxy.addr;
    let good = service_app(DPOP_APP).to_string();

    // Content-Type: JSON only.
    for ct in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("application/jsonx"),
    ] {
        let h: Vec<(&str, &str)> = ct.map(|c| ("Content-Type", c)).into_iter().collect();
        let r = send_body(a, "POST", "/check", &h, good.as_bytes()).await;
        assert_refused(&r, 415, "bad_request");
    }
    // Two Content-Types.
    let r = send_body(
        a,
        "POST",
        "/check",
        &[
            ("Content-Type", "application/json"),
            ("Content-Type", "application/json"),
        ],
        good.as_bytes(),
    )
    .await;
    assert_refused(&r, 415, "bad_request");
    let r = send_body(
        a,
        "POST",
        "/check",
        &[("Content-Type", "application/json; charset=utf-8")],
        good.as_bytes(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    sim.sim.reset();

    // Larger than 8 KiB: announced, or sent chunked.
    let big = json!({"org": ACME, "credential": {"type": "api_token", "token": "x".repeat(9000)}})
        .to_string();
    let r = send_body(
        a,
        "POST",
        "/check",
        &[("Content-Type", "application/json")],
        big.as_bytes(),
    )
    .await;
    assert_refused(&r, 413, "bad_request");
    let mut chunked = format!(
        "POST /check HTTP/1.1\r\nHost: {a}\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .into_bytes();
    for piece in big.as_bytes().chunks(1000) {
        chunked.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        chunked.extend_from_slice(piece);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    assert_refused(&raw(a, &chunked).await, 413, "bad_request");
    // Exactly 8 KiB is read (and checked: Okta refuses the token).
    let limit = okta_link_core::oauth::MAX_CHECK_REQUEST_BYTES;
    let pad =
        limit - r#"{"org":"acme.okta.com","credential":{"type":"api_token","token":""}}"#.len();
    let edge = format!(
        r#"{{"org":"acme.okta.com","credential":{{"type":"api_token","token":"{}"}}}}"#,
        "x".repeat(pad)
    );
    assert_eq!(edge.len(), limit);
    let r = send_body(
        a,
        "POST",
        "/check",
        &[("Content-Type", "application/json")],
        edge.as_bytes(),
    )
    .await;
    assert_refused(&r, 400, "bad_request");

    // Bodies that do not read.
    let secret = oin_secret();
    let bad_bodies: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"{".to_vec(),
        b"null".to_vec(),
        b"[]".to_vec(),
        format!(r#"{{"org":"{ACME}","credential":{{"type":"client_secret","client_id":"{OIN}","client_secret":"{secret}"}},"extra":1}}"#).into_bytes(),
        format!(r#"{{"org":"{ACME}","credential":{{"type":"client_secret","client_id":"{OIN}","client_secret":"{secret}","scope":"x"}}}}"#).into_bytes(),
        format!(r#"{{"org":"{ACME}","credential":{{"type":"password","client_id":"{OIN}"}}}}"#).into_bytes(),
        format!(r#"{{"org":"{ACME}","credential":{{"type":"service_app"}}}}"#).into_bytes(),
        format!(r#"{{"org":"{ACME}","credential":{{"type":"service_app","client_id":"{DPOP_APP}"}},"required":[]}}"#).into_bytes(),
        format!(r#"{{"org":"{ACME}","credential":{{"type":"service_app","client_id":"{DPOP_APP}"}},"required":["passwords"]}}"#).into_bytes(),
        format!(r#"{{"org":"not an org","credential":{{"type":"service_app","client_id":"{DPOP_APP}"}}}}"#).into_bytes(),
        format!(r#"{{"org":"{ACME}","credential":{{"type":"service_app","client_id":"not a client id!"}}}}"#).into_bytes(),
        format!(r#"{{"org":"{ACME}","credential":{{"type":"api_token","token":"https://{ACME}"}}}}"#).into_bytes(),
        format!(r#"{{"org":"{ACME}","credential":{{"type":"api_token","token":""}}}}"#).into_bytes(),
        b"{\"org\":\"acme.okta.com\xff\"}".to_vec(),
    ];
    for body in &bad_bodies {
        let r = send_body(
            a,
            "POST",
            "/check",
            &[("Content-Type", "application/json")],
            body,
        )
        .await;
        assert_refused(&r, 400, "bad_request");
        let text = r.text();
        assert!(!text.contains(&secret), "the body is quoted: {text}");
        assert!(
            !text.contains("extra") && !text.contains("passwords"),
            "{text}"
        );
    }

    // Other methods.
    let r = get(a, "/check", &[]).await;
    assert_refused(&r, 405, "method_not_allowed");
    assert_eq!(r.header("allow"), Some("POST, OPTIONS"));
    for m in ["PUT", "DELETE", "PATCH"] {
        let r = send_body(
            a,
            m,
            "/check",
            &[("Content-Type", "application/json")],
            good.as_bytes(),
        )
        .await;
        assert_refused(&r, 405, "method_not_allowed");
    }
    // OPTIONS without an Origin is not a preflight.
    let r = send(a, "OPTIONS", "/check", &[]).await;
    assert_refused(&r, 405, "method_not_allowed");

    assert!(sim.requests().is_empty(), "{:?}", sim.requests());
    proxy.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn cors_allow_list_and_preflight() {
    let sim = simulator().await;
    let (proxy, _log) = check_proxy(&sim.url, |_| {}).await;
    let a = proxy.addr;
    let evil = "https://evil.example";

    let r = post_check(a, &oin(&oin_secret()), &[("Origin", evil)]).await;
    assert_refused(&r, 403, "origin_not_allowed");
    assert_eq!(r.header("access-control-allow-origin"), None);
    let r = send(
        a,
        "OPTIONS",
        "/check",
        &[
            ("Origin", evil),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type"),
        ],
    )
    .await;
    assert_refused(&r, 403, "origin_not_allowed");
    assert_eq!(r.header("access-control-allow-origin"), None);
    assert!(sim.requests().is_empty());

    let r = send(
        a,
        "OPTIONS",
        "/check",
        &[
            ("Origin", ALLOWED),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type"),
        ],
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(r.header("access-control-allow-origin"), Some(ALLOWED));
    assert_eq!(r.header("access-control-allow-methods"), Some("POST"));
    assert_eq!(
        r.header("access-control-allow-headers"),
        Some("content-type")
    );
    assert!(r.header("access-control-max-age").is_some());
    assert_eq!(r.header("access-control-allow-credentials"), None);
    assert!(r.header("vary").is_some_and(|v| v.contains("Origin")));
    assert!(sim.requests().is_empty());

    let r = post_check(a, &oin(&oin_secret()), &[("Origin", ALLOWED)]).await;
    verified(&r);
    assert_eq!(r.header("access-control-allow-origin"), Some(ALLOWED));
    assert_eq!(r.header("access-control-allow-credentials"), None);
    assert!(r.header("vary").is_some_and(|v| v.contains("Origin")));
    // An error to an allowed origin is readable by it too.
    let r = send_body(a, "POST", "/check", &[("Origin", ALLOWED)], b"{}").await;
    assert_refused(&r, 415, "bad_request");
    assert_eq!(r.header("access-control-allow-origin"), Some(ALLOWED));
    proxy.shutdown(Duration::from_secs(1)).await;
}

/// A check request whose body does not arrive is answered 408 once the header-read clock has
/// run out, instead of holding the connection (and its place under the caps) for as long as
/// the client likes.
#[tokio::test]
async fn a_check_body_that_never_arrives_is_cut_by_the_header_read_clock() {
    let sim = simulator().await;
    let (proxy, _log) = check_proxy(&sim.url, |c| {
        c.header_read_timeout = Duration::from_millis(300);
    })
    .await;
    let started = std::time::Instant::now();
    let r = raw(
        proxy.addr,
        b"POST /check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
    )
    .await;
    assert_eq!(r.status, 408, "{}", r.text());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(sim.requests().is_empty());
}

/// The check server's calls go through the relay's client and its limits: with
/// `--max-body-bytes` below the size of Okta's answers, a check fails as the page would through
/// this proxy instead of reading them whole.
#[tokio::test]
async fn checks_are_held_to_the_relays_body_limit() {
    let sim = simulator().await;
    let (proxy, _log) = check_proxy(&sim.url, |c| c.max_body_bytes = 200).await;
    let r = post_check(proxy.addr, &api_token(&ssws_token()), &[]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let failed = &r.json()["failed"]["unexpected_response"];
    assert_eq!(failed["kind"], "too_large", "{}", r.text());
    assert_eq!(failed["probe"], "well_known", "{}", r.text());
    let (proxy, _log) = check_proxy(&sim.url, |_| {}).await;
    verified(&post_check(proxy.addr, &api_token(&ssws_token()), &[]).await);
}

/// A nonce demanded without a `DPoP-Nonce` header is the platform's fault to report, with
/// Okta's request id (the remedy points at it).
#[tokio::test]
async fn a_nonce_demand_without_a_nonce_keeps_oktas_request_id() {
    let (addr, _seen) = fake_upstream().await;
    let (proxy, _log) = check_proxy(&format!("http://{addr}"), |_| {}).await;
    let mut body = service_app(DPOP_APP);
    body["org"] = json!("nononce.okta.com");
    let r = post_check(proxy.addr, &body, &[]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let fault = &r.json()["failed"]["platform_o_auth_fault"];
    assert_eq!(fault["error"], "use_dpop_nonce", "{}", r.text());
    assert_eq!(fault["request_id"], "req-nononce", "{}", r.text());
}

#[tokio::test]
async fn a_service_app_without_a_key_is_501() {
    let sim = simulator().await;
    let (proxy, _log) = check_proxy(&sim.url, |c| c.service_app_keys.clear()).await;
    let r = post_check(proxy.addr, &service_app(DPOP_APP), &[]).await;
    assert_refused(&r, 501, "service_app_not_configured");
    assert_eq!(r.json()["target"], Value::Null);
    assert!(sim.requests().is_empty(), "{:?}", sim.requests());
    // The other credentials need no key.
    verified(&post_check(proxy.addr, &oin(&oin_secret()), &[]).await);
    proxy.shutdown(Duration::from_secs(1)).await;
}

/// The failure a check reports for `org`.
async fn failure_for(addr: SocketAddr, org: &str, credential: Value) -> (u16, String) {
    let r = post_check(
        addr,
        &json!({"org": org, "credential": credential, "required": ["users"]}),
        &[],
    )
    .await;
    assert_check_headers(&r);
    let code = if r.status == 200 {
        report(&r).code().to_string()
    } else {
        r.proxy_error().unwrap()
    };
    (r.status, code)
}

fn credentials() -> Vec<Value> {
    vec![
        json!({"type": "service_app", "client_id": DPOP_APP}),
        json!({"type": "client_secret", "client_id": OIN, "client_secret": oin_secret()}),
        json!({"type": "api_token", "token": ssws_token()}),
    ]
}

#[tokio::test]
async fn org_hosts_the_proxy_does_not_forward_to_are_refused_the_same_way() {
    let sim = simulator().await;
    let tap = tap(sim.addr).await;
    let (proxy, _log) = check_proxy(&format!("http://{}", tap.addr), |_| {}).await;
    let a = proxy.addr;
    // Hosts refused before any call, in development mode too: IP addresses, names that can
    // never be public. Forwarding refuses them; the check never asks anything of them.
    for org in [
        "127.0.0.1",
        "10.0.0.1",
        "169.254.169.254",
        "[::1]",
        "2130706433",
        "localhost",
        "intranet.internal",
        "acme.okta.com.localhost",
    ] {
        let fwd = get(
            a,
            &format!("/okta/{org}/.well-known/okta-organization"),
            &[],
        )
        .await;
        assert_eq!(fwd.status, 403, "{org}: {}", fwd.text());
        for cred in credentials() {
            let (status, code) = failure_for(a, org, cred).await;
            assert_ne!(code, "verified", "{org}");
            assert!(status == 400 || status == 200, "{org}: {status} {code}");
        }
    }
    assert!(sim.requests().is_empty(), "{:?}", sim.requests());

    // A host that is not Okta's: at most its well-known document is asked for (as
    // forwarding does), and no credential goes there.
    for cred in credentials() {
        let (status, code) = failure_for(a, "login.evil-corp.com", cred).await;
        assert_eq!((status, code.as_str()), (200, "proxy_refused_target"));
    }
    let seen = sim.requests();
    assert!(!seen.is_empty());
    assert!(
        seen.iter()
            .all(|r| r.path == okta_sim::WELL_KNOWN_PATH && r.method == "GET"),
        "{seen:?}"
    );
    // What went out holds no credential at all.
    let asked = String::from_utf8_lossy(&tap.asked.lock().unwrap()).to_ascii_lowercase();
    assert!(asked.contains("host: login.evil-corp.com"), "{asked}");
    for word in [
        "authorization",
        "dpop",
        "client_assertion",
        "eyj",
        "ssws",
        "basic",
    ] {
        assert!(!asked.contains(word), "{word} sent:\n{asked}");
    }
    for s in [oin_secret(), ssws_token()] {
        assert!(!asked.contains(&s.to_ascii_lowercase()));
    }
    proxy.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn org_hosts_resolving_to_private_addresses_are_refused_without_a_connection() {
    // Without development mode: names resolved through a fixed table. The simulator listens
    // on loopback; nothing may reach it (nor any other address).
    let sim = simulator().await;
    let lookup = StaticLookup::new()
        .with(ACME, &[std::net::IpAddr::from([127, 0, 0, 1])])
        .with("private.okta.com", &[std::net::IpAddr::from([10, 1, 2, 3])])
        .with(
            "metadata.okta.com",
            &[std::net::IpAddr::from([169, 254, 169, 254])],
        )
        .with(
            "loopback.okta.com",
            &[
                std::net::IpAddr::from([127, 0, 0, 1]),
                "::1".parse().unwrap(),
            ],
        );
    let mut cfg = base_config();
    cfg.service_app_keys = vec![demo_key()];
    cfg.check_rate_limit_per_minute = 0;
    let (logger, log) = Logger::memory();
    let proxy = start(
        cfg,
        Deps {
            lookup: Arc::new(lookup),
            logger,
        },
    )
    .await
    .unwrap();
    let a = proxy.addr;
    for org in [
        ACME,
        "private.okta.com",
        "metadata.okta.com",
        "loopback.okta.com",
        "nxdomain.okta.com",
    ] {
        let fwd = get(
            a,
            &format!("/okta/{org}/.well-known/okta-organization"),
            &[],
        )
        .await;
        assert_eq!(
            fwd.proxy_error().as_deref(),
            Some("target_forbidden_address"),
            "{org}"
        );
        for cred in credentials() {
            let (status, code) = failure_for(a, org, cred).await;
            assert_eq!(status, 200, "{org}");
            assert_ne!(code, "verified", "{org}");
            assert_eq!(code, "proxy_refused_target", "{org}");
        }
    }
    assert!(sim.requests().is_empty());
    let text = log.contents();
    assert!(!text.contains(&oin_secret()) && !text.contains(&ssws_token()));
    proxy.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn the_check_rate_limit_answers_429_with_retry_after() {
    let sim = simulator().await;
    let (proxy, _log) = check_proxy(&sim.url, |c| {
        c.check_rate_limit_per_minute = 2;
        // The forwarding's own limit does not count checks.
        c.rate_limit_per_minute = 1;
    })
    .await;
    let a = proxy.addr;
    verified(&post_check(a, &oin(&oin_secret()), &[]).await);
    verified(&post_check(a, &oin(&oin_secret()), &[]).await);
    let asked = sim.requests().len();
    let r = post_check(a, &oin(&oin_secret()), &[]).await;
    assert_refused(&r, 429, "rate_limited");
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    // A preflight and a malformed request count too, and nothing reaches Okta.
    let r = send(a, "OPTIONS", "/check", &[("Origin", ALLOWED)]).await;
    assert_eq!(r.status, 429);
    assert_eq!(sim.requests().len(), asked);
    // The page reads it as a rate limit.
    let r = post_check(a, &oin(&oin_secret()), &[]).await;
    assert_eq!(report(&r).code(), "rate_limited");
    proxy.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn at_most_64_checks_are_in_flight() {
    // The slow org answers its API calls late: the checks pile up.
    let (sink, _) = okta_sim::LogSink::memory();
    let sim = okta_sim::Sim::new(okta_sim::SimConfig {
        log: sink,
        slow_delay: Some(Duration::from_millis(1000)),
        ..okta_sim::SimConfig::default()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim_addr = listener.local_addr().unwrap();
    let served = tokio::spawn(okta_sim::serve(listener, sim.clone()));
    let (proxy, _log) = check_proxy(&format!("http://{sim_addr}"), |c| {
        c.max_connections_per_client = 256;
    })
    .await;
    let a = proxy.addr;
    let slow = sim
        .fixtures()
        .orgs
        .iter()
        .find(|o| o.host == "slow.okta.com")
        .unwrap()
        .tokens[0]
        .token
        .clone();
    let body = json!({"org": "slow.okta.com", "credential": {"type": "api_token", "token": slow}});
    let max = okta_proxy::state::MAX_CHECKS_IN_FLIGHT;
    let mut all = tokio::task::JoinSet::new();
    for _ in 0..max + 8 {
        let body = body.clone();
        all.spawn(async move { post_check(a, &body, &[]).await });
    }
    let (mut answered, mut limited) = (0, 0);
    while let Some(r) = all.join_next().await {
        let r = r.unwrap();
        match r.status {
            200 => answered += 1,
            429 => {
                assert_refused(&r, 429, "rate_limited");
                assert_eq!(r.header("retry-after"), Some("1"));
                limited += 1;
            }
            other => panic!("{other}: {}", r.text()),
        }
    }
    assert_eq!(answered + limited, max + 8);
    assert!(limited >= 8, "{limited} refused");
    assert!(answered <= max, "{answered} checked at once");
    // The slots are given back.
    let r = post_check(a, &oin(&oin_secret()), &[]).await;
    verified(&r);
    proxy.shutdown(Duration::from_secs(1)).await;
    served.abort();
}

// ---------------------------------------------------------------------------------------------
// Nothing secret in the logs

/// A loopback relay in front of `upstream` that keeps every byte upstream answered (so the
/// test knows the access tokens the simulator issued). Stopped when dropped.
struct Tap {
    addr: SocketAddr,
    /// What was sent to upstream.
    asked: Arc<Mutex<Vec<u8>>>,
    /// What upstream answered.
    answered: Arc<Mutex<Vec<u8>>>,
    /// Where connections go: a change closes the open ones.
    upstream: tokio::sync::watch::Sender<SocketAddr>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Tap {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn tap(upstream: SocketAddr) -> Tap {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let asked = Arc::new(Mutex::new(Vec::new()));
    let answered = Arc::new(Mutex::new(Vec::new()));
    let (keep_asked, keep_answered) = (asked.clone(), answered.clone());
    let (upstream, target) = tokio::sync::watch::channel(upstream);
    let task = tokio::spawn(async move {
        let mut conns = tokio::task::JoinSet::new();
        while let Ok((client, _)) = listener.accept().await {
            let (keep_asked, keep_answered) = (keep_asked.clone(), keep_answered.clone());
            let mut changed = target.clone();
            let to = *changed.borrow_and_update();
            conns.spawn(async move {
                let Ok(server) = tokio::net::TcpStream::connect(to).await else {
                    return;
                };
                let (cr, cw) = client.into_split();
                let (sr, sw) = server.into_split();
                tokio::select! {
                    _ = async {
                        tokio::join!(pump(cr, sw, keep_asked), pump(sr, cw, keep_answered))
                    } => {}
                    _ = changed.changed() => {}
                }
            });
        }
    });
    Tap {
        addr,
        asked,
        answered,
        upstream,
        task,
    }
}

/// Copy `from` to `to`, keeping a copy of every byte.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    keep: Arc<Mutex<Vec<u8>>>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                keep.lock().unwrap().extend_from_slice(&buf[..n]);
                if to.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown().await;
}

/// Every `"access_token":"…"` value in `bytes`.
fn access_tokens(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    text.split("\"access_token\":\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn no_secret_token_assertion_or_proof_is_logged() {
    secrets_stay_out_of_logs_and_answers("text").await;
}

#[tokio::test]
async fn no_secret_token_assertion_or_proof_is_logged_in_json() {
    secrets_stay_out_of_logs_and_answers("json").await;
}

/// The real binary (its stdout and stderr captured, in log format `format`) in front of the
/// simulator through a tap that sees the access tokens issued.
async fn secrets_stay_out_of_logs_and_answers(format: &str) {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};

    let sim = simulator().await;
    let tap = tap(sim.addr).await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_okta-proxy"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--allow-origin",
            ALLOWED,
            "--dev-upstream",
            &format!("http://{}", tap.addr),
            "--check-rate-limit-per-minute",
            "0",
            "--log-format",
            format,
        ])
        .arg("--service-app-key")
        .arg(demo_key())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let port: u16 = first
        .trim_end()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"));
    let a: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();

    let secret = oin_secret();
    let token = ssws_token();
    let mut answers = Vec::new();
    for r in [
        post_check(a, &service_app(DPOP_APP), &[("Origin", ALLOWED)]).await,
        // Again: the nonce the org gave is reused.
        post_check(a, &service_app(DPOP_APP), &[]).await,
        post_check(a, &oin(&secret), &[]).await,
        post_check(a, &api_token(&token), &[]).await,
        // The token in a header the check server does not read.
        post_check(
            a,
            &api_token(&token),
            &[("Authorization", &format!("SSWS {token}"))],
        )
        .await,
    ] {
        verified(&r);
        answers.push(r);
    }
    let r = post_check(a, &oin(&format!("{secret}x")), &[]).await;
    assert_eq!(report(&r).code(), "client_rejected");
    answers.push(r);
    // Refused requests that carry the secrets.
    let with_extra = format!(
        r#"{{"org":"{ACME}","credential":{{"type":"client_secret","client_id":"{OIN}","client_secret":"{secret}"}},"x":"{token}"}}"#
    );
    for (ct, status) in [("application/json", 400), ("text/plain", 415)] {
        let r = send_body(
            a,
            "POST",
            "/check",
            &[("Content-Type", ct)],
            with_extra.as_bytes(),
        )
        .await;
        assert_eq!(r.status, status);
        answers.push(r);
    }
    let r = post_check(a, &oin(&secret), &[("Origin", "https://evil.example")]).await;
    assert_eq!(r.status, 403);
    answers.push(r);
    tokio::time::sleep(Duration::from_millis(100)).await;

    child.kill().unwrap();
    child.wait().unwrap();
    let mut out = first.clone();
    stdout.read_to_string(&mut out).unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let request_lines = err.lines().filter(|l| l.contains("/check")).count();
    assert!(request_lines >= 9, "{err}");
    if format == "json" {
        for line in err.lines() {
            serde_json::from_str::<Value>(line)
                .unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        }
    } else {
        assert!(err.contains("path=/check status=200"), "{err}");
        assert!(err.contains("path=/check status=400"), "{err}");
    }

    let issued = access_tokens(&tap.answered.lock().unwrap());
    assert!(issued.len() >= 3, "tokens issued: {}", issued.len());
    let sim_log = sim.log_text();
    assert!(sim_log.contains("/oauth2/v1/token"), "{sim_log}");
    let recorded = serde_json::to_string(&sim.requests()).unwrap();
    // The answers too: what the page gets holds no secret, JWT or access token either.
    let answered: String = answers
        .iter()
        .map(|r| format!("{:?}\n{}\n", r.headers, r.text()))
        .collect();
    for (name, text) in [
        ("stdout", &out),
        ("stderr", &err),
        ("simulator log", &sim_log),
        ("simulator requests", &recorded),
    ] {
        for s in [secret.as_str(), token.as_str()]
            .into_iter()
            .chain(issued.iter().map(String::as_str))
        {
            assert!(!text.contains(s), "a secret in the {name}:\n{text}");
        }
        for word in [
            "Authorization",
            "authorization",
            "eyJ",
            "Basic ",
            "DPoP ",
            "Bearer",
            "SSWS",
        ] {
            assert!(!text.contains(word), "{word} in the {name}:\n{text}");
        }
    }
    // The report names the token type (`Bearer`, `DPoP`), never a credential or a JWT.
    for s in [secret.as_str(), token.as_str(), "eyJ"]
        .into_iter()
        .chain(issued.iter().map(String::as_str))
    {
        assert!(!answered.contains(s), "{s} in an answer:\n{answered}");
    }
}
