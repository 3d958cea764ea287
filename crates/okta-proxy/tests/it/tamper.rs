//! The JWTs our code makes (`okta_proxy::oauth::jose`: client assertions signed with the
//! platform key, DPoP proofs with the process's key) verify under the simulator's own,
//! independent verification, and any single changed byte, in the header, the payload, the
//! signature or a separator, is refused by it. The simulator's router is called in process
//! (tower `oneshot`), through its token endpoint and its Management API, as Okta is called.

use axum::body::{to_bytes, Body};
use axum::http::{HeaderValue, Request};
use axum::Router;
use okta_proxy::oauth::jose::{client_assertion, DpopKey};
use okta_proxy::oauth::keys::ServiceAppKeys;
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestRunner};
use serde_json::Value;
use std::time::{SystemTime, UNIX_EPOCH};
use tower::ServiceExt;

const ACME: &str = "acme.okta.com";
const TOKEN_URL: &str = "https://acme.okta.com/oauth2/v1/token";
const SCOPES: &str =
    "okta.users.read okta.groups.read okta.roles.read okta.logs.read okta.apps.read";
/// Registered with the demo platform key; DPoP not required.
const NO_DPOP_APP: &str = "0oa2nodpopreadonly02";
/// Registered with the other fixture key (EC P-256, so its assertions are ES256); DPoP
/// required.
const EC_APP: &str = "0oa7otherkey00000007";
const PROBE: &str = "/api/v1/users?limit=1";
/// Cases per property: enough to hit every part of a JWT many times, in about a second.
const CASES: u32 = 64;

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The demo platform key (RSA 2048, RS256 assertions).
fn rsa_keys() -> ServiceAppKeys {
    ServiceAppKeys::load(&[okta_sim::fixtures::demo_platform_key_file()])
        .unwrap()
        .unwrap()
}

/// The simulator's other fixture key (EC P-256, ES256 assertions).
fn ec_keys() -> ServiceAppKeys {
    let file = okta_sim::fixtures::demo_platform_key_file().with_file_name("other-key.pem");
    ServiceAppKeys::load(&[file]).unwrap().unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn simulator() -> Router {
    okta_sim::Sim::new(okta_sim::SimConfig {
        log: okta_sim::LogSink::Off,
        ..okta_sim::SimConfig::default()
    })
    .router()
}

struct Answer {
    status: u16,
    nonce: Option<String>,
    www: String,
    body: Value,
}

async fn call(app: &Router, req: Request<Body>) -> Answer {
    let res = app.clone().oneshot(req).await.unwrap();
    let header = |n: &str| {
        res.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let nonce = header("dpop-nonce");
    let www = header("www-authenticate").unwrap_or_default();
    let status = res.status().as_u16();
    let bytes = to_bytes(res.into_body(), 1 << 20).await.unwrap();
    Answer {
        status,
        nonce,
        www,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

/// `POST /oauth2/v1/token` as the check driver sends it: client credentials, the scopes, the
/// client assertion (raw bytes, form-encoded) and an optional DPoP header value.
async fn token_request(app: &Router, assertion: &[u8], dpop: Option<HeaderValue>) -> Answer {
    let mut body = String::from("grant_type=client_credentials&scope=");
    body.extend(url::form_urlencoded::byte_serialize(SCOPES.as_bytes()));
    body.push_str("&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=");
    body.extend(url::form_urlencoded::byte_serialize(assertion));
    let mut req = Request::builder()
        .method("POST")
        .uri("/oauth2/v1/token")
        .header("host", ACME)
        .header("content-type", "application/x-www-form-urlencoded");
    if let Some(p) = dpop {
        req = req.header("dpop", p);
    }
    call(app, req.body(Body::from(body)).unwrap()).await
}

/// `GET /api/v1/users?limit=1` with a DPoP-bound token and a proof.
async fn probe(app: &Router, token: &str, proof: HeaderValue) -> Answer {
    let req = Request::builder()
        .method("GET")
        .uri(PROBE)
        .header("host", ACME)
        .header("authorization", format!("DPoP {token}"))
        .header("dpop", proof)
        .body(Body::empty())
        .unwrap();
    call(app, req).await
}

fn oauth_error(a: &Answer) -> &str {
    a.body["error"].as_str().unwrap_or("")
}

/// Where a change goes: 0 the header, 1 the payload, 2 the signature (an offset in that
/// part), 3 anywhere (the dots included).
fn position(jwt: &[u8], part: usize, at: usize) -> usize {
    let dots: Vec<usize> = jwt
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'.')
        .map(|(i, _)| i)
        .collect();
    assert_eq!(dots.len(), 2, "a JWS in compact form");
    let (start, end) = match part {
        0 => (0, dots[0]),
        1 => (dots[0] + 1, dots[1]),
        2 => (dots[1] + 1, jwt.len()),
        _ => (0, jwt.len()),
    };
    start + at % (end - start)
}

/// `jwt` with the byte at `i` replaced by `to` (or, when `to` is that byte, the next one).
fn changed(jwt: &str, i: usize, to: u8) -> Vec<u8> {
    let mut b = jwt.as_bytes().to_vec();
    b[i] = if to == b[i] { to.wrapping_add(1) } else { to };
    assert_ne!(b.as_slice(), jwt.as_bytes());
    b
}

/// The changed proof as a header value. A byte a header cannot hold (a control character)
/// is replaced by a printable one, still different from the original.
fn as_header(jwt: &str, i: usize, to: u8) -> HeaderValue {
    let b = changed(jwt, i, to);
    HeaderValue::from_bytes(&b).unwrap_or_else(|_| {
        let printable = 0x21 + (to % 94);
        HeaderValue::from_bytes(&changed(jwt, i, printable)).unwrap()
    })
}

fn header(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap()
}

fn strategy() -> impl Strategy<Value = (usize, usize, u8)> {
    (0usize..4, any::<usize>(), any::<u8>())
}

fn runner() -> TestRunner {
    TestRunner::new(ProptestConfig {
        cases: CASES,
        failure_persistence: None,
        ..ProptestConfig::default()
    })
}

#[test]
fn our_client_assertions_verify_and_any_changed_byte_is_refused() {
    let rt = runtime();
    let app = simulator();
    let (rsa, ec) = (rsa_keys(), ec_keys());
    let rs256 = || client_assertion(rsa.signer(), NO_DPOP_APP, TOKEN_URL, now()).unwrap();
    let es256 = || client_assertion(ec.signer(), EC_APP, TOKEN_URL, now()).unwrap();

    let ok = rt.block_on(token_request(&app, rs256().as_bytes(), None));
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["token_type"], "Bearer");
    // The EC app requires DPoP: its assertion verified, the missing proof is what is refused.
    let ok = rt.block_on(token_request(&app, es256().as_bytes(), None));
    assert_eq!((ok.status, oauth_error(&ok)), (400, "invalid_dpop_proof"));

    // A refused assertion is not used up, so one RS256 assertion (slow to sign in a debug
    // build) serves every case; the ES256 ones are made fresh.
    let rs = rs256();
    runner()
        .run(&(any::<bool>(), strategy()), |(use_rsa, (part, at, to))| {
            let a = if use_rsa { rs.clone() } else { es256() };
            let i = position(a.as_bytes(), part, at);
            let r = rt.block_on(token_request(&app, &changed(&a, i, to), None));
            prop_assert_eq!(r.status, 401, "byte {} of {}: {}", i, a, r.body);
            prop_assert_eq!(oauth_error(&r), "invalid_client");
            Ok(())
        })
        .unwrap();
}

#[test]
fn our_dpop_proofs_verify_and_any_changed_byte_is_refused() {
    let rt = runtime();
    let app = simulator();
    let keys = ec_keys();
    let dpop = DpopKey::generate().unwrap();
    let assertion = || client_assertion(keys.signer(), EC_APP, TOKEN_URL, now()).unwrap();
    let proof = |nonce: Option<&str>| dpop.proof("POST", TOKEN_URL, now(), nonce, None).unwrap();

    // Our proof verifies: the simulator asks for its nonce, then issues a DPoP-bound token.
    let r = rt.block_on(token_request(
        &app,
        assertion().as_bytes(),
        Some(header(&proof(None))),
    ));
    assert_eq!((r.status, oauth_error(&r)), (400, "use_dpop_nonce"));
    let nonce = r.nonce.expect("a DPoP-Nonce");
    let r = rt.block_on(token_request(
        &app,
        assertion().as_bytes(),
        Some(header(&proof(Some(&nonce)))),
    ));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["token_type"], "DPoP");
    let token = r.body["access_token"].as_str().unwrap().to_string();
    let resource_proof = || {
        dpop.proof(
            "GET",
            &format!("https://{ACME}{PROBE}"),
            now(),
            None,
            Some(&token),
        )
        .unwrap()
    };
    let r = rt.block_on(probe(&app, &token, header(&resource_proof())));
    assert_eq!(r.status, 200, "{}", r.body);

    runner()
        .run(&strategy(), |(part, at, to)| {
            // At the token endpoint (the assertion good, the proof changed).
            let p = proof(Some(&nonce));
            let i = position(p.as_bytes(), part, at);
            let r = rt.block_on(token_request(
                &app,
                assertion().as_bytes(),
                Some(as_header(&p, i, to)),
            ));
            prop_assert_eq!(r.status, 400, "byte {} of {}: {}", i, p, r.body);
            prop_assert_eq!(oauth_error(&r), "invalid_dpop_proof");

            // On the Management API, with the bound token.
            let p = resource_proof();
            let i = position(p.as_bytes(), part, at);
            let r = rt.block_on(probe(&app, &token, as_header(&p, i, to)));
            prop_assert_eq!(r.status, 400, "byte {} of {}: {}", i, p, r.www);
            prop_assert!(r.www.contains("invalid_dpop_proof"), "{}", r.www);
            Ok(())
        })
        .unwrap();
}

/// The last character of a base64url signature carries bits the signature does not use: a
/// lenient decoder would read a changed one as the same signature. Every other character
/// there is refused, for each kind of JWT.
#[test]
fn every_other_last_signature_character_is_refused() {
    const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let rt = runtime();
    let app = simulator();
    let (rsa, ec) = (rsa_keys(), ec_keys());
    let dpop = DpopKey::generate().unwrap();
    let last = |jwt: &str| jwt.len() - 1;

    let rs = client_assertion(rsa.signer(), NO_DPOP_APP, TOKEN_URL, now()).unwrap();
    for &c in B64URL {
        let es = client_assertion(ec.signer(), EC_APP, TOKEN_URL, now()).unwrap();
        for a in [rs.clone(), es] {
            if c == *a.as_bytes().last().unwrap() {
                continue;
            }
            let r = rt.block_on(token_request(&app, &changed(&a, last(&a), c), None));
            assert_eq!(r.status, 401, "{}: {}", c as char, r.body);
        }
    }

    let assertion = || client_assertion(ec.signer(), EC_APP, TOKEN_URL, now()).unwrap();
    let r = rt.block_on(token_request(
        &app,
        assertion().as_bytes(),
        Some(header(
            &dpop.proof("POST", TOKEN_URL, now(), None, None).unwrap(),
        )),
    ));
    let nonce = r.nonce.expect("a DPoP-Nonce");
    for &c in B64URL {
        let p = dpop
            .proof("POST", TOKEN_URL, now(), Some(&nonce), None)
            .unwrap();
        if c == *p.as_bytes().last().unwrap() {
            continue;
        }
        let r = rt.block_on(token_request(
            &app,
            assertion().as_bytes(),
            Some(as_header(&p, last(&p), c)),
        ));
        assert_eq!(
            (r.status, oauth_error(&r)),
            (400, "invalid_dpop_proof"),
            "{}: {}",
            c as char,
            r.body
        );
    }
}

/// What the simulator checks, seen from outside: the assertion names the key by the `kid` the
/// JWKS publishes (and the app registered), its claims are the contract's.
#[test]
fn our_assertions_name_the_published_kid() {
    for (keys, name, alg) in [
        (rsa_keys(), okta_sim::fixtures::KeyName::Platform, "RS256"),
        (ec_keys(), okta_sim::fixtures::KeyName::Other, "ES256"),
    ] {
        let jwks: Value = serde_json::from_str(&keys.jwks_json()).unwrap();
        let published = jwks["keys"][0]["kid"].as_str().unwrap().to_string();
        assert_eq!(published, name.kid());
        let t0 = now();
        let a = client_assertion(keys.signer(), NO_DPOP_APP, TOKEN_URL, t0).unwrap();
        let part = |i: usize| -> Value {
            use base64::Engine as _;
            let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(a.split('.').nth(i).unwrap())
                .unwrap();
            serde_json::from_slice(&raw).unwrap()
        };
        let (h, c) = (part(0), part(1));
        assert_eq!(h["kid"], published.as_str());
        assert_eq!(h["alg"], alg);
        assert_eq!(h["typ"], "JWT");
        assert!(h.get("jwk").is_none() && h.get("x5c").is_none(), "{h}");
        assert_eq!(c["iss"], NO_DPOP_APP);
        assert_eq!(c["sub"], NO_DPOP_APP);
        assert_eq!(c["aud"], TOKEN_URL);
        assert_eq!(c["iat"], t0);
        assert_eq!(c["exp"], t0 + 300);
        assert_eq!(c["jti"].as_str().unwrap().len(), 22);
        let b = client_assertion(keys.signer(), NO_DPOP_APP, TOKEN_URL, t0).unwrap();
        assert_ne!(a, b, "a fresh jti each time");
    }
}
