//! The OAuth 2.0 side of the simulator: every demo app's token answer, client assertions and
//! DPoP proofs verified for real (tampered, replayed, wrong key, wrong audience, expired), the
//! nonce round, and the Management API with Bearer and DPoP tokens. The JWTs are built with the
//! JOSE library from the fixture keys, in process (tower `oneshot`) and over a real socket.

use axum::body::{to_bytes, Body};
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use okta_sim::fixtures::{App, Fixtures, KeyName};
use okta_sim::{LogSink, Sim, SimConfig};
use proptest::prelude::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

const ACME: &str = "acme.okta.com";
const TOKEN: &str = "/oauth2/v1/token";
const ALL_SCOPES: &str =
    "okta.users.read okta.groups.read okta.logs.read okta.roles.read okta.apps.read okta.apiTokens.read";
const READ5: [&str; 5] = [
    "okta.users.read",
    "okta.groups.read",
    "okta.logs.read",
    "okta.roles.read",
    "okta.apps.read",
];

const DIRECTORY_SYNC: &str = "0oa1dpopreadonly0001";
const AUDIT_EXPORT: &str = "0oa2nodpopreadonly02";
const EVERYTHING: &str = "0oa3superadmin000003";
const NO_SCOPES: &str = "0oa4noscopes00000004";
const NO_ROLES: &str = "0oa5noroles000000005";
const NO_LOGS: &str = "0oa6nologs0000000006";
const OTHER_KEY: &str = "0oa7otherkey00000007";
const WEB_APP: &str = "0oa8webapp0000000008";
const NO_KEY: &str = "0oa9nokey00000000009";
const OIN: &str = "0oa10inintegration10";

fn quiet() -> SimConfig {
    SimConfig {
        log: LogSink::Off,
        ..SimConfig::default()
    }
}

fn app(client_id: &str) -> App {
    Fixtures::embedded()
        .orgs
        .iter()
        .flat_map(|o| o.apps.iter())
        .find(|a| a.client_id == client_id)
        .unwrap_or_else(|| panic!("no app {client_id}"))
        .clone()
}

fn oin_secret() -> String {
    app(OIN).client_secret.unwrap()
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A unique `jti`.
fn jti() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    format!("jti-{}-{}", now(), N.fetch_add(1, Ordering::Relaxed))
}

fn signing_key(key: KeyName) -> (EncodingKey, Algorithm) {
    match key {
        KeyName::Platform => (
            EncodingKey::from_rsa_pem(key.pem().as_bytes()).unwrap(),
            Algorithm::RS256,
        ),
        KeyName::Other => (
            EncodingKey::from_ec_pem(key.pem().as_bytes()).unwrap(),
            Algorithm::ES256,
        ),
    }
}

fn sign(header: &Header, claims: &Value, key: KeyName) -> String {
    encode(header, claims, &signing_key(key).0).unwrap()
}

fn aud(host: &str) -> String {
    format!("https://{host}{TOKEN}")
}

fn assertion_claims(client_id: &str, host: &str) -> Value {
    json!({
        "iss": client_id,
        "sub": client_id,
        "aud": aud(host),
        "iat": now(),
        "exp": now() + 300,
        "jti": jti(),
    })
}

/// A client assertion signed with `key`, with the registered kid of `key`.
fn assertion_with(claims: &Value, key: KeyName) -> String {
    let (_, alg) = signing_key(key);
    let mut h = Header::new(alg);
    h.kid = Some(key.kid());
    sign(&h, claims, key)
}

/// A good assertion of the platform key for `client_id` at acme.
fn assertion(client_id: &str) -> String {
    assertion_with(&assertion_claims(client_id, ACME), KeyName::Platform)
}

fn public_jwk(key: KeyName) -> Jwk {
    serde_json::from_value(key.public_jwk()).unwrap()
}

fn proof_claims(htm: &str, htu: &str, nonce: Option<&str>, ath: Option<&str>) -> Value {
    let mut c = json!({ "htm": htm, "htu": htu, "iat": now(), "jti": jti() });
    if let Some(n) = nonce {
        c["nonce"] = json!(n);
    }
    if let Some(a) = ath {
        c["ath"] = json!(a);
    }
    c
}

/// A DPoP proof signed with `key`, naming `jwk_of`'s public key in its header.
fn proof_signed(claims: &Value, key: KeyName, jwk_of: KeyName) -> String {
    let (_, alg) = signing_key(key);
    let mut h = Header::new(alg);
    h.typ = Some("dpop+jwt".into());
    h.jwk = Some(public_jwk(jwk_of));
    sign(&h, claims, key)
}

/// The usual proof: the EC fixture key as the client's DPoP key.
fn proof(htm: &str, htu: &str, nonce: Option<&str>, ath: Option<&str>) -> String {
    proof_signed(
        &proof_claims(htm, htu, nonce, ath),
        KeyName::Other,
        KeyName::Other,
    )
}

/// `jwt` with the signature of `other` (a JWT of the same key over other claims).
fn swap_signature(jwt: &str, other: &str) -> String {
    let (signed, _) = jwt.rsplit_once('.').unwrap();
    let (_, signature) = other.rsplit_once('.').unwrap();
    format!("{signed}.{signature}")
}

fn ath(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
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
    /// `(error, error_description)` of an OAuth error answer.
    fn oauth_error(&self) -> (String, String) {
        let v = self.json();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["error", "error_description"], "{v}");
        (
            v["error"].as_str().unwrap().to_string(),
            v["error_description"].as_str().unwrap().to_string(),
        )
    }
    fn www(&self) -> &str {
        self.header("www-authenticate")
    }
}

/// A token request: form fields, optional Basic credentials, DPoP proof and extra headers.
struct TokenRequest<'a> {
    host: &'a str,
    form: Vec<(&'a str, String)>,
    basic: Option<(String, String)>,
    dpop: Option<String>,
    origin: bool,
}

impl<'a> TokenRequest<'a> {
    fn new(form: Vec<(&'a str, String)>) -> TokenRequest<'a> {
        TokenRequest {
            host: ACME,
            form,
            basic: None,
            dpop: None,
            origin: false,
        }
    }

    /// client_credentials with an assertion, the scopes given.
    fn assertion(client_id: &str, assertion: String, scope: &str) -> TokenRequest<'a> {
        TokenRequest::new(vec![
            ("grant_type", "client_credentials".into()),
            ("scope", scope.into()),
            ("client_id", client_id.into()),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into(),
            ),
            ("client_assertion", assertion),
        ])
    }

    fn with_dpop(mut self, p: String) -> Self {
        self.dpop = Some(p);
        self
    }

    fn body(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.form {
            s.append_pair(k, v);
        }
        s.finish()
    }
}

async fn oneshot(app: &Router, req: Request<Body>) -> Resp {
    let resp = app.clone().oneshot(req).await.unwrap();
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
    }
}

async fn post_token(app: &Router, t: &TokenRequest<'_>) -> Resp {
    let mut b = Request::builder()
        .method("POST")
        .uri(TOKEN)
        .header("host", t.host)
        .header("content-type", "application/x-www-form-urlencoded");
    if let Some((id, secret)) = &t.basic {
        let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let v = STANDARD.encode(format!("{}:{}", enc(id), enc(secret)));
        b = b.header("authorization", format!("Basic {v}"));
    }
    if let Some(p) = &t.dpop {
        b = b.header("dpop", p);
    }
    if t.origin {
        b = b.header("origin", "https://page.example");
    }
    oneshot(app, b.body(Body::from(t.body())).unwrap()).await
}

/// A GET to the Management API with `Authorization: {scheme} {token}` and an optional proof.
async fn api_get(
    app: &Router,
    path: &str,
    scheme: &str,
    token: &str,
    dpop: Option<String>,
) -> Resp {
    let mut b = Request::builder()
        .method("GET")
        .uri(path)
        .header("host", ACME)
        .header("authorization", format!("{scheme} {token}"));
    if let Some(p) = dpop {
        b = b.header("dpop", p);
    }
    oneshot(app, b.body(Body::empty()).unwrap()).await
}

/// `https://acme.okta.com{path without query}`.
fn htu(path: &str) -> String {
    format!("https://{ACME}{}", path.split('?').next().unwrap())
}

/// A GET with a DPoP token and a fresh, correct proof.
async fn dpop_get(app: &Router, path: &str, token: &str) -> Resp {
    let p = proof("GET", &htu(path), None, Some(&ath(token)));
    api_get(app, path, "DPoP", token, Some(p)).await
}

/// The nonce round: a proof without nonce gets `use_dpop_nonce` and the nonce.
async fn nonce(app: &Router, client_id: &str) -> String {
    let r = post_token(
        app,
        &TokenRequest::assertion(client_id, assertion(client_id), ALL_SCOPES).with_dpop(proof(
            "POST",
            &aud(ACME),
            None,
            None,
        )),
    )
    .await;
    assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(
        r.oauth_error(),
        (
            "use_dpop_nonce".into(),
            "Authorization server requires nonce in DPoP proof.".into()
        )
    );
    r.header("dpop-nonce").to_string()
}

/// A DPoP token request for `client_id` after the nonce round.
async fn dpop_token_request(app: &Router, client_id: &str, scope: &str) -> Resp {
    let n = nonce(app, client_id).await;
    post_token(
        app,
        &TokenRequest::assertion(client_id, assertion(client_id), scope).with_dpop(proof(
            "POST",
            &aud(ACME),
            Some(&n),
            None,
        )),
    )
    .await
}

/// A minted token: (access token, token_type, scope).
async fn mint(app: &Router, client_id: &str) -> (String, String, String) {
    let r = if app_requires_dpop(client_id) {
        dpop_token_request(app, client_id, ALL_SCOPES).await
    } else if client_id == OIN {
        let mut t = TokenRequest::new(vec![
            ("grant_type", "client_credentials".into()),
            ("scope", ALL_SCOPES.into()),
        ]);
        t.basic = Some((OIN.into(), oin_secret()));
        post_token(app, &t).await
    } else {
        post_token(
            app,
            &TokenRequest::assertion(client_id, assertion(client_id), ALL_SCOPES),
        )
        .await
    };
    assert_eq!(
        r.status,
        200,
        "{client_id}: {}",
        String::from_utf8_lossy(&r.body)
    );
    let v = r.json();
    (
        v["access_token"].as_str().unwrap().to_string(),
        v["token_type"].as_str().unwrap().to_string(),
        v["scope"].as_str().unwrap().to_string(),
    )
}

fn app_requires_dpop(client_id: &str) -> bool {
    app(client_id).dpop_required
}

fn assert_token_headers(r: &Resp) {
    assert!(r.header("x-okta-request-id").starts_with("Xsim"));
    for h in [
        "x-rate-limit-limit",
        "x-rate-limit-remaining",
        "x-rate-limit-reset",
    ] {
        r.header(h).parse::<u64>().unwrap();
    }
    assert_eq!(r.header("cache-control"), "no-store");
    assert_eq!(r.header("pragma"), "no-cache");
    assert_eq!(r.header("content-type"), "application/json");
}

// ---------------------------------------------------------------------------------------------
// The token endpoint

#[tokio::test]
async fn every_demo_app_gets_its_token_answer() {
    let app = Sim::new(quiet()).router();

    for (client_id, token_type, scope) in [
        (DIRECTORY_SYNC, "DPoP", READ5.join(" ")),
        (AUDIT_EXPORT, "Bearer", READ5.join(" ")),
        (EVERYTHING, "DPoP", ALL_SCOPES.to_string()),
        (NO_ROLES, "DPoP", READ5.join(" ")),
        (
            NO_LOGS,
            "DPoP",
            "okta.users.read okta.groups.read okta.roles.read okta.apps.read".to_string(),
        ),
        (
            OIN,
            "Bearer",
            "okta.users.read okta.groups.read okta.logs.read".to_string(),
        ),
    ] {
        let (token, tt, granted) = mint(&app, client_id).await;
        assert_eq!(tt, token_type, "{client_id}");
        assert_eq!(granted, scope, "{client_id}");
        assert!(token.len() >= 40, "{client_id}");
    }

    // The full answer's shape and headers.
    let r = post_token(
        &app,
        &TokenRequest::assertion(AUDIT_EXPORT, assertion(AUDIT_EXPORT), "okta.users.read"),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_token_headers(&r);
    let v = r.json();
    let mut keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["access_token", "expires_in", "scope", "token_type"]);
    assert_eq!(v["expires_in"], 3600);
    assert_eq!(v["scope"], "okta.users.read");

    // No scope granted: consent_required, after the nonce round (the app requires DPoP).
    let r = dpop_token_request(&app, NO_SCOPES, ALL_SCOPES).await;
    assert_eq!(r.status, 400);
    assert_token_headers(&r);
    assert_eq!(
        r.oauth_error(),
        (
            "consent_required".into(),
            "You are not allowed any of the requested scopes.".into()
        )
    );

    // The other key's app: the platform key's kid is not registered there.
    let r = post_token(
        &app,
        &TokenRequest::assertion(OTHER_KEY, assertion(OTHER_KEY), ALL_SCOPES),
    )
    .await;
    assert_eq!(r.status, 401);
    assert_token_headers(&r);
    assert_eq!(
        r.oauth_error(),
        (
            "invalid_client".into(),
            "The client_assertion token has an invalid kid.".into()
        )
    );

    // A web app may not use client credentials.
    let r = post_token(
        &app,
        &TokenRequest::assertion(WEB_APP, assertion(WEB_APP), ALL_SCOPES),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.oauth_error(),
        (
            "unauthorized_client".into(),
            "The client is not authorized to use the provided grant type. Configured grant types: [authorization_code].".into()
        )
    );

    // No key registered.
    let r = post_token(
        &app,
        &TokenRequest::assertion(NO_KEY, assertion(NO_KEY), ALL_SCOPES),
    )
    .await;
    assert_eq!(r.status, 401);
    let (error, description) = r.oauth_error();
    assert_eq!(error, "invalid_client");
    assert!(description.contains("jwks_not_configured"), "{description}");
}

#[tokio::test]
async fn the_other_keys_app_accepts_its_own_key() {
    // The `other` key pair signs ES256; its app then only wants a DPoP proof.
    let app = Sim::new(quiet()).router();
    let a = assertion_with(&assertion_claims(OTHER_KEY, ACME), KeyName::Other);
    let r = post_token(
        &app,
        &TokenRequest::assertion(OTHER_KEY, a, ALL_SCOPES).with_dpop(proof(
            "POST",
            &aud(ACME),
            None,
            None,
        )),
    )
    .await;
    assert_eq!(r.oauth_error().0, "use_dpop_nonce");
}

#[tokio::test]
async fn client_authentication_failures() {
    let app = Sim::new(quiet()).router();
    let invalid_client = |r: &Resp| {
        assert_eq!(r.status, 401, "{}", String::from_utf8_lossy(&r.body));
        assert_token_headers(r);
        let (e, d) = r.oauth_error();
        assert_eq!(e, "invalid_client");
        d
    };

    // Unknown client id (in the form, or only in the assertion).
    let unknown = "0oa0unknown000000000";
    let r = post_token(
        &app,
        &TokenRequest::assertion(unknown, assertion(unknown), ALL_SCOPES),
    )
    .await;
    assert_eq!(
        invalid_client(&r),
        "Invalid value for 'client_id' parameter."
    );
    let mut t = TokenRequest::assertion(unknown, assertion(unknown), ALL_SCOPES);
    t.form.retain(|(k, _)| *k != "client_id");
    assert_eq!(
        invalid_client(&post_token(&app, &t).await),
        "Invalid value for 'client_id' parameter."
    );
    // A client of another org.
    let mut t = TokenRequest::assertion(
        "0oa11globexreadonly1",
        assertion("0oa11globexreadonly1"),
        ALL_SCOPES,
    );
    t.host = ACME;
    assert_eq!(
        invalid_client(&post_token(&app, &t).await),
        "Invalid value for 'client_id' parameter."
    );

    // A client secret for a service app.
    let mut t = TokenRequest::new(vec![
        ("grant_type", "client_credentials".into()),
        ("scope", ALL_SCOPES.into()),
    ]);
    t.basic = Some((DIRECTORY_SYNC.into(), "whatever".into()));
    assert_eq!(
        invalid_client(&post_token(&app, &t).await),
        "Client Credentials requests to the Org Authorization Server must use the private_key_jwt token_endpoint_auth_method."
    );

    // A wrong OIN secret (one byte off, and shorter).
    let mut wrong = oin_secret();
    wrong.pop();
    for secret in [format!("{wrong}x"), wrong] {
        let mut t = TokenRequest::new(vec![
            ("grant_type", "client_credentials".into()),
            ("scope", ALL_SCOPES.into()),
        ]);
        t.basic = Some((OIN.into(), secret));
        assert_eq!(
            invalid_client(&post_token(&app, &t).await),
            "The client secret supplied for a confidential client is invalid."
        );
    }

    // The OIN secret in the form (client_secret_post) is refused, right or not.
    let t = TokenRequest::new(vec![
        ("grant_type", "client_credentials".into()),
        ("scope", ALL_SCOPES.into()),
        ("client_id", OIN.into()),
        ("client_secret", oin_secret()),
    ]);
    assert!(invalid_client(&post_token(&app, &t).await).contains("client_secret_post"));

    // A service app with no credentials at all.
    let t = TokenRequest::new(vec![
        ("grant_type", "client_credentials".into()),
        ("scope", ALL_SCOPES.into()),
        ("client_id", DIRECTORY_SYNC.into()),
    ]);
    invalid_client(&post_token(&app, &t).await);

    // The wrong assertion type.
    let mut t = TokenRequest::assertion(AUDIT_EXPORT, assertion(AUDIT_EXPORT), ALL_SCOPES);
    t.form[3].1 = "urn:ietf:params:oauth:client-assertion-type:saml2-bearer".into();
    invalid_client(&post_token(&app, &t).await);

    // A browser's Origin.
    let mut t = TokenRequest::assertion(AUDIT_EXPORT, assertion(AUDIT_EXPORT), ALL_SCOPES);
    t.origin = true;
    assert_eq!(
        invalid_client(&post_token(&app, &t).await),
        "Browser requests to the token endpoint must use Proof Key for Code Exchange."
    );
}

#[tokio::test]
async fn grant_type_scope_and_form_errors() {
    let app = Sim::new(quiet()).router();
    let check = |r: Resp, error: &str| {
        assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(&r.body));
        assert_token_headers(&r);
        let (e, d) = r.oauth_error();
        assert_eq!(e, error, "{d}");
        d
    };

    let mut t = TokenRequest::assertion(AUDIT_EXPORT, assertion(AUDIT_EXPORT), ALL_SCOPES);
    t.form[0].1 = "password".into();
    check(post_token(&app, &t).await, "unsupported_grant_type");
    let mut t = TokenRequest::assertion(AUDIT_EXPORT, assertion(AUDIT_EXPORT), ALL_SCOPES);
    t.form.remove(0);
    check(post_token(&app, &t).await, "invalid_request");

    // Scope missing or empty, unknown or custom.
    let mut t = TokenRequest::assertion(AUDIT_EXPORT, assertion(AUDIT_EXPORT), "");
    t.form.remove(1);
    assert!(check(post_token(&app, &t).await, "invalid_scope").contains("'scope' must be provided"));
    let t = TokenRequest::assertion(AUDIT_EXPORT, assertion(AUDIT_EXPORT), "   ");
    check(post_token(&app, &t).await, "invalid_scope");
    for scope in ["okta.users.read openid", "okta.users.write", "custom.scope"] {
        let t = TokenRequest::assertion(AUDIT_EXPORT, assertion(AUDIT_EXPORT), scope);
        check(post_token(&app, &t).await, "invalid_scope");
    }
    // A known scope the app was not granted, alone: consent_required; beside a granted one:
    // the granted subset.
    let t = TokenRequest::assertion(AUDIT_EXPORT, assertion(AUDIT_EXPORT), "okta.users.manage");
    check(post_token(&app, &t).await, "consent_required");
    let t = TokenRequest::assertion(
        AUDIT_EXPORT,
        assertion(AUDIT_EXPORT),
        "okta.users.manage okta.groups.read",
    );
    let r = post_token(&app, &t).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["scope"], "okta.groups.read");

    // A parameter twice.
    let mut t = TokenRequest::assertion(AUDIT_EXPORT, assertion(AUDIT_EXPORT), ALL_SCOPES);
    t.form.push(("scope", "okta.users.read".into()));
    check(post_token(&app, &t).await, "invalid_request");

    // Not a form, and a body too large.
    let req = Request::builder()
        .method("POST")
        .uri(TOKEN)
        .header("host", ACME)
        .header("content-type", "application/json")
        .body(Body::from("{}"))
        .unwrap();
    check(oneshot(&app, req).await, "invalid_request");
    let req = Request::builder()
        .method("POST")
        .uri(TOKEN)
        .header("host", ACME)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(format!("scope={}", "a".repeat(20_000))))
        .unwrap();
    check(oneshot(&app, req).await, "invalid_request");

    // Other methods: 405 with Allow: POST; other hosts: no org there.
    let req = Request::builder()
        .method("GET")
        .uri(TOKEN)
        .header("host", ACME)
        .body(Body::empty())
        .unwrap();
    let r = oneshot(&app, req).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), "POST");
    assert_eq!(r.json()["errorCode"], "E0000022");
    let mut t = TokenRequest::assertion(AUDIT_EXPORT, assertion(AUDIT_EXPORT), ALL_SCOPES);
    t.host = "nobody.okta.com";
    let r = post_token(&app, &t).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.header("content-type"), "text/html");
}

#[tokio::test]
async fn an_assertion_is_used_once_even_when_the_nonce_round_refuses_it() {
    let app = Sim::new(quiet()).router();
    let a = assertion(AUDIT_EXPORT);
    let first = post_token(
        &app,
        &TokenRequest::assertion(AUDIT_EXPORT, a.clone(), ALL_SCOPES),
    )
    .await;
    assert_eq!(first.status, 200);
    let again = post_token(&app, &TokenRequest::assertion(AUDIT_EXPORT, a, ALL_SCOPES)).await;
    assert_eq!(again.status, 401);
    let (e, d) = again.oauth_error();
    assert_eq!(e, "invalid_client");
    assert!(d.contains("already been used"), "{d}");

    // The nonce round consumes the assertion: the retry with the same one is refused.
    let a = assertion(DIRECTORY_SYNC);
    let r = post_token(
        &app,
        &TokenRequest::assertion(DIRECTORY_SYNC, a.clone(), ALL_SCOPES).with_dpop(proof(
            "POST",
            &aud(ACME),
            None,
            None,
        )),
    )
    .await;
    assert_eq!(r.oauth_error().0, "use_dpop_nonce");
    let n = r.header("dpop-nonce").to_string();
    assert!(n.len() >= 16);
    let r = post_token(
        &app,
        &TokenRequest::assertion(DIRECTORY_SYNC, a, ALL_SCOPES).with_dpop(proof(
            "POST",
            &aud(ACME),
            Some(&n),
            None,
        )),
    )
    .await;
    assert_eq!(r.status, 401);
    assert!(r.oauth_error().1.contains("already been used"));
    // With a new assertion the nonce is accepted; the same nonce serves the next request too.
    for _ in 0..2 {
        let r = post_token(
            &app,
            &TokenRequest::assertion(DIRECTORY_SYNC, assertion(DIRECTORY_SYNC), ALL_SCOPES)
                .with_dpop(proof("POST", &aud(ACME), Some(&n), None)),
        )
        .await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        assert_eq!(r.json()["token_type"], "DPoP");
    }
    // A wrong nonce is another challenge.
    let r = post_token(
        &app,
        &TokenRequest::assertion(DIRECTORY_SYNC, assertion(DIRECTORY_SYNC), ALL_SCOPES)
            .with_dpop(proof("POST", &aud(ACME), Some("not-our-nonce"), None)),
    )
    .await;
    assert_eq!(r.oauth_error().0, "use_dpop_nonce");
    assert_eq!(r.header("dpop-nonce"), n);
}

#[tokio::test]
async fn tampered_and_wrong_assertions_are_refused() {
    let app = Sim::new(quiet()).router();
    let refused = |r: Resp| -> String {
        assert_eq!(r.status, 401, "{}", String::from_utf8_lossy(&r.body));
        let (e, d) = r.oauth_error();
        assert_eq!(e, "invalid_client");
        d
    };
    let send = |a: String| {
        let app = app.clone();
        async move { post_token(&app, &TokenRequest::assertion(AUDIT_EXPORT, a, ALL_SCOPES)).await }
    };

    // A claim changed after signing: the signature no longer holds.
    let good = assertion(AUDIT_EXPORT);
    let parts: Vec<&str> = good.split('.').collect();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["exp"] = json!(now() + 1800);
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap()),
        parts[2]
    );
    assert_eq!(
        refused(send(forged).await),
        "The client_assertion signature is invalid."
    );

    // Signed by another key under the platform key's kid.
    let mut h = Header::new(Algorithm::ES256);
    h.kid = Some(KeyName::Platform.kid());
    let other = sign(&h, &assertion_claims(AUDIT_EXPORT, ACME), KeyName::Other);
    refused(send(other).await);
    // No kid; an unknown kid.
    let no_kid = sign(
        &Header::new(Algorithm::RS256),
        &assertion_claims(AUDIT_EXPORT, ACME),
        KeyName::Platform,
    );
    refused(send(no_kid).await);
    let mut h = Header::new(Algorithm::RS256);
    h.kid = Some("some-other-kid".into());
    assert_eq!(
        refused(
            send(sign(
                &h,
                &assertion_claims(AUDIT_EXPORT, ACME),
                KeyName::Platform
            ))
            .await
        ),
        "The client_assertion token has an invalid kid."
    );
    // An HMAC "signature" with the public key as secret.
    let mut h = Header::new(Algorithm::HS256);
    h.kid = Some(KeyName::Platform.kid());
    let hs = encode(
        &h,
        &assertion_claims(AUDIT_EXPORT, ACME),
        &EncodingKey::from_secret(
            KeyName::Platform.public_jwk()["n"]
                .as_str()
                .unwrap()
                .as_bytes(),
        )
        .unwrap(),
    )
    .unwrap();
    refused(send(hs).await);

    let with = |f: &dyn Fn(&mut Value)| {
        let mut c = assertion_claims(AUDIT_EXPORT, ACME);
        f(&mut c);
        assertion_with(&c, KeyName::Platform)
    };
    // Audience: the simulator's own address, another org, http, a path more.
    for a in [
        "https://127.0.0.1:8788/oauth2/v1/token",
        "https://globex.oktapreview.com/oauth2/v1/token",
        "http://acme.okta.com/oauth2/v1/token",
        "https://acme.okta.com/oauth2/default/v1/token",
        "https://acme.okta.com",
    ] {
        assert_eq!(
            refused(send(with(&|c| c["aud"] = json!(a))).await),
            "The audience claim for client_assertion must be the endpoint invoked for the request.",
            "{a}"
        );
    }
    // An array holding the right audience is fine.
    let r = send(with(&|c| c["aud"] = json!([aud(ACME)]))).await;
    assert_eq!(r.status, 200);
    // Expired; too long-lived; iss or sub not the client; no jti.
    assert_eq!(
        refused(send(with(&|c| c["exp"] = json!(now() - 5))).await),
        "The client_assertion token is expired."
    );
    assert!(refused(send(with(&|c| c["exp"] = json!(now() + 7200))).await).contains("too far"));
    assert!(refused(
        send(with(&|c| {
            c["iat"] = json!(now() - 3000);
            c["exp"] = json!(now() + 1000);
        }))
        .await
    )
    .contains("too far"));
    refused(send(with(&|c| c["iss"] = json!(DIRECTORY_SYNC))).await);
    refused(send(with(&|c| c["sub"] = json!(DIRECTORY_SYNC))).await);
    refused(
        send(with(&|c| {
            c.as_object_mut().unwrap().remove("jti");
        }))
        .await,
    );
    refused(send("not.a.jwt".into()).await);
}

#[tokio::test]
async fn a_custom_domain_has_its_own_token_url() {
    let app = Sim::new(quiet()).router();
    let host = "login.acme-corp.com";
    let mut t = TokenRequest::assertion(
        AUDIT_EXPORT,
        assertion_with(&assertion_claims(AUDIT_EXPORT, host), KeyName::Platform),
        ALL_SCOPES,
    );
    t.host = host;
    assert_eq!(post_token(&app, &t).await.status, 200);
    // The Okta-owned host's URL is not the endpoint invoked.
    let mut t = TokenRequest::assertion(AUDIT_EXPORT, assertion(AUDIT_EXPORT), ALL_SCOPES);
    t.host = host;
    assert_eq!(post_token(&app, &t).await.status, 401);
}

#[tokio::test]
async fn dpop_proofs_at_the_token_endpoint() {
    let app = Sim::new(quiet()).router();
    let n = nonce(&app, DIRECTORY_SYNC).await;
    let send = |p: String| {
        let app = app.clone();
        async move {
            post_token(
                &app,
                &TokenRequest::assertion(DIRECTORY_SYNC, assertion(DIRECTORY_SYNC), ALL_SCOPES)
                    .with_dpop(p),
            )
            .await
        }
    };
    let invalid = |r: Resp| -> String {
        assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(&r.body));
        assert_token_headers(&r);
        let (e, d) = r.oauth_error();
        assert_eq!(e, "invalid_dpop_proof", "{d}");
        d
    };

    // Required but missing.
    let r = post_token(
        &app,
        &TokenRequest::assertion(DIRECTORY_SYNC, assertion(DIRECTORY_SYNC), ALL_SCOPES),
    )
    .await;
    assert_eq!(invalid(r), "The DPoP proof JWT header is missing.");

    let url = aud(ACME);
    // Wrong htu (the simulator's address; a query is ignored, another path is not), wrong htm.
    assert!(invalid(
        send(proof(
            "POST",
            "https://127.0.0.1:8788/oauth2/v1/token",
            Some(&n),
            None
        ))
        .await
    )
    .contains("htu"));
    assert!(invalid(
        send(proof(
            "POST",
            "https://acme.okta.com/oauth2/v1/authorize",
            Some(&n),
            None
        ))
        .await
    )
    .contains("htu"));
    assert_eq!(
        send(proof("POST", &format!("{url}?x=1"), Some(&n), None))
            .await
            .status,
        200
    );
    assert!(invalid(send(proof("GET", &url, Some(&n), None)).await).contains("htm"));
    // Signed by a key of another type than the one in its header; a signature of other claims.
    let bad_alg = proof_signed(
        &proof_claims("POST", &url, Some(&n), None),
        KeyName::Platform,
        KeyName::Other,
    );
    assert!(invalid(send(bad_alg).await).contains("algorithm"));
    let bad_sig = swap_signature(
        &proof("POST", &url, Some(&n), None),
        &proof("POST", &url, Some(&n), None),
    );
    assert!(invalid(send(bad_sig).await).contains("signature"));
    // An RSA proof is fine too.
    let rsa = proof_signed(
        &proof_claims("POST", &url, Some(&n), None),
        KeyName::Platform,
        KeyName::Platform,
    );
    assert_eq!(send(rsa).await.status, 200);
    // Old or future iat, no jti, a reused jti.
    let mut c = proof_claims("POST", &url, Some(&n), None);
    c["iat"] = json!(now() - 600);
    assert!(invalid(send(proof_signed(&c, KeyName::Other, KeyName::Other)).await).contains("iat"));
    c["iat"] = json!(now() + 600);
    assert!(invalid(send(proof_signed(&c, KeyName::Other, KeyName::Other)).await).contains("iat"));
    let mut c = proof_claims("POST", &url, Some(&n), None);
    c.as_object_mut().unwrap().remove("jti");
    assert!(invalid(send(proof_signed(&c, KeyName::Other, KeyName::Other)).await).contains("jti"));
    let p = proof("POST", &url, Some(&n), None);
    assert_eq!(send(p.clone()).await.status, 200);
    assert!(invalid(send(p).await).contains("already been used"));
    // typ must be dpop+jwt; a jwk must be there.
    let (_, alg) = signing_key(KeyName::Other);
    let mut h = Header::new(alg);
    h.jwk = Some(public_jwk(KeyName::Other));
    assert!(invalid(
        send(sign(
            &h,
            &proof_claims("POST", &url, Some(&n), None),
            KeyName::Other
        ))
        .await
    )
    .contains("typ"));
    let mut h = Header::new(alg);
    h.typ = Some("dpop+jwt".into());
    assert!(invalid(
        send(sign(
            &h,
            &proof_claims("POST", &url, Some(&n), None),
            KeyName::Other
        ))
        .await
    )
    .contains("jwk"));
    // A symmetric key (a private member, `k`) in the header.
    let mut h = Header::new(Algorithm::HS256);
    h.typ = Some("dpop+jwt".into());
    let secret = EncodingKey::from_secret(b"a shared secret, not a public key").unwrap();
    h.jwk = Some(Jwk::from_encoding_key(&secret, Algorithm::HS256).unwrap());
    let hs = encode(&h, &proof_claims("POST", &url, Some(&n), None), &secret).unwrap();
    invalid(send(hs).await);
    // Two DPoP headers.
    let req = Request::builder()
        .method("POST")
        .uri(TOKEN)
        .header("host", ACME)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("dpop", proof("POST", &url, Some(&n), None))
        .header("dpop", proof("POST", &url, Some(&n), None))
        .body(Body::from(
            TokenRequest::assertion(DIRECTORY_SYNC, assertion(DIRECTORY_SYNC), ALL_SCOPES).body(),
        ))
        .unwrap();
    invalid(oneshot(&app, req).await);
}

#[tokio::test]
async fn the_oin_integration_gets_bearer_tokens_whatever_it_sends() {
    let app = Sim::new(quiet()).router();
    for p in [
        proof("POST", &aud(ACME), None, None),
        "not even a JWT".to_string(),
    ] {
        let mut t = TokenRequest::new(vec![
            ("grant_type", "client_credentials".into()),
            ("scope", "okta.users.read".into()),
        ])
        .with_dpop(p);
        t.basic = Some((OIN.into(), oin_secret()));
        let r = post_token(&app, &t).await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        assert_eq!(r.json()["token_type"], "Bearer");
    }
}

#[tokio::test]
async fn a_proof_binds_the_token_even_where_dpop_is_not_required() {
    let app = Sim::new(quiet()).router();
    let n = nonce(&app, AUDIT_EXPORT).await;
    let r = post_token(
        &app,
        &TokenRequest::assertion(AUDIT_EXPORT, assertion(AUDIT_EXPORT), ALL_SCOPES)
            .with_dpop(proof("POST", &aud(ACME), Some(&n), None)),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["token_type"], "DPoP");
    let token = r.json()["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        dpop_get(&app, "/api/v1/users?limit=1", &token).await.status,
        200
    );
}

// ---------------------------------------------------------------------------------------------
// The Management API with access tokens

fn assert_challenge_only(r: &Resp, status: u16, www: &str) {
    assert_eq!(r.status, status, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.www(), www);
    assert!(r.body.is_empty(), "no body");
    assert!(r.headers.get("content-type").is_none());
    assert!(r.header("x-okta-request-id").starts_with("Xsim"));
}

const ALGS: &str = "RS256 RS384 RS512 ES256 ES384";

/// Okta's DPoP challenge on acme.
fn dpop_www(scope: &str, error: &str, description: &str, resource: &str) -> String {
    format!(
        "DPoP algs=\"{ALGS}\", authorization_uri=\"http://acme.okta.com/oauth2/v1/authorize\", realm=\"http://acme.okta.com\", scope=\"{scope}\", error=\"{error}\", error_description=\"{description}\", resource=\"{resource}\""
    )
}

#[tokio::test]
async fn dpop_tokens_on_the_management_api() {
    let app = Sim::new(quiet()).router();
    let (token, tt, _) = mint(&app, DIRECTORY_SYNC).await;
    assert_eq!(tt, "DPoP");
    let path = "/api/v1/users?limit=1";

    // Right: the users, groups, logs.
    for p in [path, "/api/v1/groups?limit=1", "/api/v1/logs?limit=1"] {
        let r = dpop_get(&app, p, &token).await;
        assert_eq!(r.status, 200, "{p}");
        assert_eq!(r.json().as_array().unwrap().len(), 1, "{p}");
        assert!(r.header("x-rate-limit-limit").parse::<u64>().is_ok());
    }

    // As Bearer; as DPoP without a proof.
    assert_challenge_only(
        &api_get(&app, path, "Bearer", &token, None).await,
        400,
        &dpop_www(
            "okta.users.read",
            "invalid_request",
            "The resource request must use the DPoP authentication scheme when using a DPoP bound token.",
            "/api/v1/users",
        ),
    );
    assert_challenge_only(
        &api_get(&app, path, "DPoP", &token, None).await,
        400,
        &dpop_www(
            "okta.users.read",
            "invalid_request",
            "The resource request requires a DPoP proof.",
            "/api/v1/users",
        ),
    );

    // Bad proofs: htu, htm, ath, signature, another key than the bound one, reused.
    let a = ath(&token);
    let bad = |p: String| {
        let app = app.clone();
        let token = token.clone();
        async move { api_get(&app, path, "DPoP", &token, Some(p)).await }
    };
    let is_invalid_proof = |r: &Resp, what: &str| {
        assert_eq!(r.status, 400, "{what}");
        assert!(r.body.is_empty(), "{what}");
        let www = r.www();
        assert!(
            www.starts_with(&format!("DPoP algs=\"{ALGS}\", authorization_uri=\"http://acme.okta.com/oauth2/v1/authorize\", realm=\"http://acme.okta.com\", scope=\"okta.users.read\", error=\"invalid_dpop_proof\", error_description=\""))
                && www.ends_with("\", resource=\"/api/v1/users\""),
            "{what}: {www}"
        );
        assert!(www.contains(what), "{what}: {www}");
    };
    is_invalid_proof(
        &bad(proof("GET", &htu("/api/v1/groups"), None, Some(&a))).await,
        "htu",
    );
    is_invalid_proof(
        &bad(proof(
            "GET",
            "https://127.0.0.1:8788/api/v1/users",
            None,
            Some(&a),
        ))
        .await,
        "htu",
    );
    is_invalid_proof(&bad(proof("POST", &htu(path), None, Some(&a))).await, "htm");
    is_invalid_proof(
        &bad(proof("GET", &htu(path), None, Some(&ath("another token")))).await,
        "ath",
    );
    is_invalid_proof(&bad(proof("GET", &htu(path), None, None)).await, "ath");
    let wrong_sig = swap_signature(
        &proof("GET", &htu(path), None, Some(&a)),
        &proof("GET", &htu(path), None, Some(&a)),
    );
    is_invalid_proof(&bad(wrong_sig).await, "signature");
    let other_key = proof_signed(
        &proof_claims("GET", &htu(path), None, Some(&a)),
        KeyName::Platform,
        KeyName::Platform,
    );
    is_invalid_proof(&bad(other_key).await, "bound");
    let p = proof("GET", &htu(path), None, Some(&a));
    assert_eq!(bad(p.clone()).await.status, 200);
    is_invalid_proof(&bad(p).await, "already been used");
    // A nonce is not needed, and one is not in the way.
    let p = proof("GET", &htu(path), Some("anything"), Some(&a));
    assert_eq!(bad(p).await.status, 200);
}

#[tokio::test]
async fn bearer_tokens_and_unknown_tokens() {
    let app = Sim::new(quiet()).router();
    let (token, tt, _) = mint(&app, AUDIT_EXPORT).await;
    assert_eq!(tt, "Bearer");
    let r = api_get(&app, "/api/v1/users?limit=1", "Bearer", &token, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json().as_array().unwrap().len(), 1);
    // A Bearer token as DPoP.
    let p = proof("GET", &htu("/api/v1/users"), None, Some(&ath(&token)));
    assert_challenge_only(
        &api_get(&app, "/api/v1/users?limit=1", "DPoP", &token, Some(p)).await,
        401,
        &dpop_www(
            "okta.users.read",
            "invalid_token",
            "The presented access_token is not DPoP bound.",
            "/api/v1/users",
        ),
    );
    // Unknown tokens: 401 E0000011 with the scheme's challenge.
    let r = api_get(
        &app,
        "/api/v1/users?limit=1",
        "Bearer",
        "not-a-token-of-ours",
        None,
    )
    .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["errorCode"], "E0000011");
    assert_eq!(
        r.www(),
        "Bearer authorization_uri=\"http://acme.okta.com/oauth2/v1/authorize\", realm=\"http://acme.okta.com\", scope=\"okta.users.read\", error=\"invalid_token\", error_description=\"The access token is invalid.\", resource=\"/api/v1/users\""
    );
    let r = api_get(&app, "/api/v1/users", "DPoP", "not-a-token-of-ours", None).await;
    assert_eq!(r.status, 401);
    assert!(r.www().starts_with("DPoP algs="));
    // A token of acme is nothing at globex.
    let req = Request::builder()
        .uri("/api/v1/users")
        .header("host", "globex.oktapreview.com")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(oneshot(&app, req).await.status, 401);
    // SSWS still works beside.
    let ssws = &Fixtures::embedded().orgs[0].tokens[0].token;
    let r = api_get(&app, "/api/v1/users/me", "SSWS", ssws, None).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn expired_tokens_are_refused() {
    let app = Sim::new(SimConfig {
        token_lifetime: Duration::from_millis(300),
        ..quiet()
    })
    .router();
    let (token, _, _) = mint(&app, AUDIT_EXPORT).await;
    let r = api_get(&app, "/api/v1/groups", "Bearer", &token, None).await;
    assert_eq!(r.status, 200);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let r = api_get(&app, "/api/v1/groups", "Bearer", &token, None).await;
    assert_eq!(r.status, 401);
    assert!(r.www().contains("error=\"invalid_token\""));
}

#[tokio::test]
async fn a_missing_scope_is_insufficient_scope() {
    let app = Sim::new(quiet()).router();
    let (token, _, scope) = mint(&app, NO_LOGS).await;
    assert!(!scope.contains("okta.logs.read"));
    assert_eq!(
        dpop_get(&app, "/api/v1/users?limit=1", &token).await.status,
        200
    );
    assert_challenge_only(
        &dpop_get(&app, "/api/v1/logs?limit=1", &token).await,
        403,
        "Bearer authorization_uri=\"http://acme.okta.com/oauth2/v1/authorize\", realm=\"http://acme.okta.com\", scope=\"okta.logs.read\", error=\"insufficient_scope\", error_description=\"The access token provided does not contain the required scopes.\", resource=\"/api/v1/logs\"",
    );
    // The OIN integration has no okta.roles.read nor okta.apps.read.
    let (token, _, _) = mint(&app, OIN).await;
    let path = format!("/oauth2/v1/clients/{OIN}/roles");
    let r = api_get(&app, &path, "Bearer", &token, None).await;
    assert_eq!(r.status, 403);
    assert!(r.www().contains("scope=\"okta.roles.read\""));
    assert!(r.www().contains(&format!("resource=\"{path}\"")));
    let r = api_get(&app, &format!("/api/v1/apps/{OIN}"), "Bearer", &token, None).await;
    assert!(r.www().contains("scope=\"okta.apps.read\""));
    // A token with only some scopes asked for.
    let r = post_token(
        &app,
        &TokenRequest::assertion(AUDIT_EXPORT, assertion(AUDIT_EXPORT), "okta.users.read"),
    )
    .await;
    let token = r.json()["access_token"].as_str().unwrap().to_string();
    let r = api_get(&app, "/api/v1/groups?limit=1", "Bearer", &token, None).await;
    assert_eq!(r.status, 403);
    assert!(r.www().contains("scope=\"okta.groups.read\""));
    assert!(r.www().contains("resource=\"/api/v1/groups\""));
}

#[tokio::test]
async fn an_app_without_a_role_gets_e0000006_everywhere() {
    let app = Sim::new(quiet()).router();
    let (token, _, _) = mint(&app, NO_ROLES).await;
    for p in [
        "/api/v1/users?limit=1",
        "/api/v1/groups?limit=1",
        "/api/v1/logs?limit=1",
        "/api/v1/users/me",
        &format!("/oauth2/v1/clients/{NO_ROLES}/roles"),
        &format!("/api/v1/apps/{NO_ROLES}"),
    ] {
        let r = dpop_get(&app, p, &token).await;
        assert_eq!(r.status, 403, "{p}");
        let v = r.json();
        assert_eq!(v["errorCode"], "E0000006", "{p}");
        assert_eq!(
            v["errorSummary"],
            "You do not have permission to perform the requested action"
        );
        assert!(v["errorId"].as_str().unwrap().starts_with("oae"));
    }
}

#[tokio::test]
async fn roles_apps_and_users_me_for_apps() {
    let app = Sim::new(quiet()).router();
    let (ro, _, _) = mint(&app, DIRECTORY_SYNC).await;
    let (sa, _, _) = mint(&app, EVERYTHING).await;

    // Its own roles, in the shape of a user's.
    let r = dpop_get(
        &app,
        &format!("/oauth2/v1/clients/{DIRECTORY_SYNC}/roles"),
        &ro,
    )
    .await;
    assert_eq!(r.status, 200);
    let v = r.json();
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["type"], "READ_ONLY_ADMIN");
    assert_eq!(list[0]["label"], "Read Only Administrator");
    assert_eq!(list[0]["status"], "ACTIVE");
    assert_eq!(list[0]["assignmentType"], "CLIENT");
    assert!(list[0]["id"].as_str().unwrap().starts_with("ra1"));
    // Another app's: super admins only.
    let r = dpop_get(&app, &format!("/oauth2/v1/clients/{EVERYTHING}/roles"), &ro).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["errorCode"], "E0000006");
    let r = dpop_get(&app, &format!("/oauth2/v1/clients/{EVERYTHING}/roles"), &sa).await;
    assert_eq!(r.json()[0]["type"], "SUPER_ADMIN");
    let r = dpop_get(&app, "/oauth2/v1/clients/0oa0unknown000000000/roles", &sa).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["errorCode"], "E0000007");
    // An API token of a super admin may list them too; a read-only admin's may not.
    let f = Fixtures::embedded();
    let tok = |kind: &str| {
        f.orgs[0]
            .tokens
            .iter()
            .find(|t| t.kind == kind)
            .unwrap()
            .token
            .clone()
    };
    let path = format!("/oauth2/v1/clients/{DIRECTORY_SYNC}/roles");
    assert_eq!(
        api_get(&app, &path, "SSWS", &tok("super_admin"), None)
            .await
            .status,
        200
    );
    assert_eq!(
        api_get(&app, &path, "SSWS", &tok("read_only_admin"), None)
            .await
            .status,
        403
    );

    // The app itself.
    let r = dpop_get(&app, &format!("/api/v1/apps/{DIRECTORY_SYNC}"), &ro).await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["id"], DIRECTORY_SYNC);
    assert_eq!(v["label"], "Acme Directory Sync");
    assert_eq!(v["name"], "oidc_client");
    assert_eq!(v["status"], "ACTIVE");
    assert_eq!(
        v["settings"]["oauthClient"]["dpop_bound_access_tokens"],
        true
    );
    assert_eq!(
        v["settings"]["oauthClient"]["grant_types"],
        json!(["client_credentials"])
    );
    assert_eq!(
        v["settings"]["oauthClient"]["token_endpoint_auth_method"],
        "private_key_jwt"
    );
    let text = String::from_utf8_lossy(&r.body).to_string();
    assert!(!text.contains("secret") && !text.contains("BEGIN"));
    let r = dpop_get(&app, "/api/v1/apps/0oa0unknown000000000", &ro).await;
    assert_eq!(r.status, 404);
    // The OIN app's JSON never shows its secret.
    let r = dpop_get(&app, &format!("/api/v1/apps/{OIN}"), &sa).await;
    assert_eq!(r.status, 200);
    assert!(!String::from_utf8_lossy(&r.body).contains(&oin_secret()));

    // users/me means nothing for an app: 404 E0000007.
    let r = dpop_get(&app, "/api/v1/users/me", &ro).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["errorCode"], "E0000007");
    assert_eq!(
        r.json()["errorSummary"],
        "Not found: Resource not found: me (User)"
    );
    // A user's roles: super admins only, as for API tokens.
    let alice = &f.orgs[0].users[0].id;
    let p = format!("/api/v1/users/{alice}/roles");
    assert_eq!(dpop_get(&app, &p, &ro).await.status, 403);
    assert_eq!(dpop_get(&app, &p, &sa).await.status, 200);
}

#[tokio::test]
async fn fixtures_endpoint_lists_the_apps() {
    let app = Sim::new(quiet()).router();
    let req = Request::builder()
        .uri("/__sim/fixtures")
        .body(Body::empty())
        .unwrap();
    let v = oneshot(&app, req).await.json();
    let acme = v["orgs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["host"] == ACME)
        .unwrap();
    let ids: Vec<&str> = acme["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["client_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            DIRECTORY_SYNC,
            AUDIT_EXPORT,
            EVERYTHING,
            NO_SCOPES,
            NO_ROLES,
            NO_LOGS,
            OTHER_KEY,
            WEB_APP,
            NO_KEY,
            OIN
        ]
    );
}

#[tokio::test]
async fn no_secret_assertion_proof_or_token_is_logged() {
    let (sink, lines) = LogSink::memory();
    let sim = Sim::new(SimConfig {
        log: sink,
        ..SimConfig::default()
    });
    let app = sim.router();
    let (dpop_token, _, _) = mint(&app, DIRECTORY_SYNC).await;
    let (oin_token, _, _) = mint(&app, OIN).await;
    dpop_get(&app, "/api/v1/users?limit=1", &dpop_token).await;
    api_get(&app, "/api/v1/users?limit=1", "Bearer", &oin_token, None).await;
    // A token pasted into a query is redacted like an API token.
    api_get(
        &app,
        &format!("/api/v1/users?t={oin_token}"),
        "Bearer",
        &oin_token,
        None,
    )
    .await;
    let log = lines.lock().unwrap().clone();
    assert!(log.len() >= 6, "{log:?}");
    assert!(log
        .iter()
        .any(|l| l.contains("POST acme.okta.com /oauth2/v1/token -> 400")));
    assert!(log
        .iter()
        .any(|l| l.contains("POST acme.okta.com /oauth2/v1/token -> 200")));
    let recorded = serde_json::to_string(&sim.requests()).unwrap();
    for text in log.iter().map(String::as_str).chain([recorded.as_str()]) {
        for secret in [dpop_token.as_str(), oin_token.as_str(), &oin_secret()] {
            assert!(!text.contains(secret), "{text}");
        }
        for word in [
            "Basic",
            "DPoP ",
            "Bearer",
            "eyJ",
            "authorization",
            "Authorization",
        ] {
            assert!(!text.contains(word), "{word} in {text}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Over a real socket

async fn http(addr: std::net::SocketAddr, head: &str, body: &str) -> (u16, String, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8(buf).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head[9..12].parse().unwrap();
    (status, head.to_string(), body.to_string())
}

fn head_value(head: &str, name: &str) -> String {
    head.lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
        .unwrap_or_else(|| panic!("no {name}"))
}

#[tokio::test]
async fn the_dpop_flow_over_a_real_socket() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(okta_sim::serve(listener, Sim::new(quiet())));
    let form = |a: String| {
        TokenRequest::assertion(DIRECTORY_SYNC, a, "okta.users.read okta.logs.read").body()
    };
    let post = |p: String| {
        format!(
            "POST {TOKEN} HTTP/1.1\r\nHost: {ACME}:443\r\nContent-Type: application/x-www-form-urlencoded\r\nDPoP: {p}"
        )
    };
    // The request arrives at 127.0.0.1, but the org played is the Host's: aud and htu name it.
    let (status, head, body) = http(
        addr,
        &post(proof("POST", &aud(ACME), None, None)),
        &form(assertion(DIRECTORY_SYNC)),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let n = head_value(&head, "dpop-nonce");
    let (status, head, body) = http(
        addr,
        &post(proof("POST", &aud(ACME), Some(&n), None)),
        &form(assertion(DIRECTORY_SYNC)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(head_value(&head, "cache-control"), "no-store");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["token_type"], "DPoP");
    assert_eq!(v["scope"], "okta.users.read okta.logs.read");
    let token = v["access_token"].as_str().unwrap();
    let p = proof("GET", &htu("/api/v1/logs"), None, Some(&ath(token)));
    let (status, _, body) = http(
        addr,
        &format!("GET /api/v1/logs?limit=1 HTTP/1.1\r\nHost: {ACME}\r\nAuthorization: DPoP {token}\r\nDPoP: {p}"),
        "",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Properties

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Replace the byte at `at` (of `s`) with another printable ASCII byte.
fn change_one_byte(s: &str, at: usize, to: u8) -> String {
    let mut b = s.as_bytes().to_vec();
    let i = at % b.len();
    let mut c = 0x21 + (to % 94);
    if c == b[i] {
        c = if c == 0x7e { 0x21 } else { c + 1 };
    }
    b[i] = c;
    String::from_utf8(b).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Any single-byte change of a signed client assertion is refused.
    #[test]
    fn any_changed_byte_of_an_assertion_is_refused(at in any::<usize>(), to in any::<u8>()) {
        let rt = runtime();
        let app = Sim::new(quiet()).router();
        let changed = change_one_byte(&assertion(AUDIT_EXPORT), at, to);
        let r = rt.block_on(post_token(
            &app,
            &TokenRequest::assertion(AUDIT_EXPORT, changed, ALL_SCOPES),
        ));
        prop_assert_eq!(r.status.as_u16(), 401);
        prop_assert_eq!(r.oauth_error().0, "invalid_client");
    }

    /// Any single-byte change of a DPoP proof is refused, at the token endpoint and on the API.
    #[test]
    fn any_changed_byte_of_a_proof_is_refused(at in any::<usize>(), to in any::<u8>()) {
        let rt = runtime();
        let app = Sim::new(quiet()).router();
        let changed = change_one_byte(&proof("POST", &aud(ACME), None, None), at, to);
        let r = rt.block_on(post_token(
            &app,
            &TokenRequest::assertion(DIRECTORY_SYNC, assertion(DIRECTORY_SYNC), ALL_SCOPES)
                .with_dpop(changed),
        ));
        prop_assert_eq!(r.status.as_u16(), 400);
        prop_assert_eq!(r.oauth_error().0, "invalid_dpop_proof");

        let (token, _, _) = rt.block_on(mint(&app, DIRECTORY_SYNC));
        let path = "/api/v1/users";
        let good = proof("GET", &htu(path), None, Some(&ath(&token)));
        let r = rt.block_on(api_get(&app, path, "DPoP", &token, Some(change_one_byte(&good, at, to))));
        prop_assert_eq!(r.status.as_u16(), 400);
        prop_assert!(r.www().contains("invalid_dpop_proof"));
    }
}
