//! The check of an OAuth 2.0 app: the org's well-known document (the custom-domain rules of
//! the token check), a token from `https://{org}/oauth2/v1/token` (client credentials, every
//! scope the check could use; a service app signs a client assertion with the platform's key,
//! an OIN integration authenticates with `client_secret_basic`; a DPoP proof with the
//! process's key, Okta's nonce round answered once with a new assertion), then one parallel
//! round of probes with the token. The core's [`diagnose_app`] turns what was seen into the
//! report.
//!
//! The access token, the client secret, assertions and proofs live only in this function's
//! buffers (overwritten when dropped) and in the requests' sensitive headers; none is logged
//! or put in an error.

use std::time::Instant;

use axum::http::{HeaderMap, HeaderValue};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use okta_link_core::access::{DataKind, ProbeKind};
use okta_link_core::app_check::{
    classify_token_answer, diagnose_app, parse_www_authenticate, probes_to_send, reads_label,
    token_url, AppEvidence, AppRecord, Grant, Probe, TokenType, TokenVerdict,
    CLIENT_ASSERTION_TYPE, GRANT_TYPE, TOKEN_PATH,
};
use okta_link_core::decode::Document;
use okta_link_core::diagnosis::{locate, Evidence, Failure, Report};
use okta_link_core::oauth::{CheckCredential, CHECK_SCOPES};
use okta_link_core::okta::{Listing, RoleList, WellKnown};
use okta_link_core::outcome::{classify, Answer, MAX_BODY_BYTES};
use zeroize::Zeroizing;

use super::{now_s, proxy_error, upstream, Driver, Options, SerdeJson};
use crate::forward::{Call, UpstreamResponse};

/// Answer headers an OAuth 2.0 check reads besides the passed ones.
const KEEP: &[&str] = &["dpop-nonce", "www-authenticate"];

/// Largest token answer read.
const MAX_TOKEN_ANSWER: usize = 64 * 1024;

fn sensitive(s: &str) -> Option<HeaderValue> {
    let mut v = HeaderValue::from_str(s).ok()?;
    v.set_sensitive(true);
    Some(v)
}

fn fault(error: &str) -> Failure {
    Failure::PlatformOAuthFault {
        error: error.to_string(),
        request_id: None,
    }
}

/// `Authorization: Basic` for an OIN integration (RFC 6749 2.3.1: each part form-encoded).
fn basic(client_id: &str, secret: &str) -> Option<HeaderValue> {
    let id: Zeroizing<String> =
        Zeroizing::new(url::form_urlencoded::byte_serialize(client_id.as_bytes()).collect());
    let pw: Zeroizing<String> =
        Zeroizing::new(url::form_urlencoded::byte_serialize(secret.as_bytes()).collect());
    let pair = Zeroizing::new(format!("{}:{}", id.as_str(), pw.as_str()));
    let value = Zeroizing::new(format!("Basic {}", STANDARD.encode(pair.as_bytes())));
    sensitive(&value)
}

/// `application/x-www-form-urlencoded` of `pairs`.
fn form_body(pairs: &[(&str, Zeroizing<String>)]) -> Zeroizing<Vec<u8>> {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        form.append_pair(k, v);
    }
    Zeroizing::new(form.finish().into_bytes())
}

/// The token answer, as the core reads it, with the `DPoP-Nonce` it carried.
struct TokenAnswer {
    answer: Answer,
    nonce: Option<String>,
}

fn read_token_answer(got: Result<UpstreamResponse, crate::error::ProxyError>) -> TokenAnswer {
    match got {
        Ok(up) => TokenAnswer {
            nonce: up
                .headers
                .get("dpop-nonce")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            answer: upstream(&up),
        },
        Err(e) => TokenAnswer {
            answer: proxy_error(e),
            nonce: None,
        },
    }
}

/// Ask for a token: at most one nonce round, and one round without DPoP when Okta refuses a
/// proof the app does not want.
async fn token(
    driver: &Driver,
    host: &str,
    cred: &CheckCredential,
    required: &[DataKind],
    deadline: Instant,
) -> Result<okta_link_core::app_check::GrantedToken, Failure> {
    let oauth = driver.oauth();
    let url = token_url(host);
    let client_id = cred.client_id().unwrap_or_default();
    let mut nonce = oauth.nonces.get(host, Instant::now());
    let mut nonce_round = false;
    let mut use_dpop = true;
    let mut dropped_dpop = false;
    for _ in 0..4 {
        let now = now_s();
        let mut pairs: Vec<(&str, Zeroizing<String>)> = vec![
            ("grant_type", Zeroizing::new(GRANT_TYPE.to_string())),
            ("scope", Zeroizing::new(CHECK_SCOPES.join(" "))),
        ];
        let mut headers = HeaderMap::new();
        match cred {
            CheckCredential::ServiceApp { client_id } => {
                let keys = oauth.keys.as_ref().ok_or_else(|| fault("no_key"))?;
                let assertion = Zeroizing::new(
                    crate::oauth::jose::client_assertion(keys.signer(), client_id, &url, now)
                        .map_err(|_| fault("assertion_not_signed"))?,
                );
                pairs.push((
                    "client_assertion_type",
                    Zeroizing::new(CLIENT_ASSERTION_TYPE.to_string()),
                ));
                pairs.push(("client_assertion", assertion));
            }
            CheckCredential::ClientSecret {
                client_id,
                client_secret,
            } => {
                let auth = basic(client_id, client_secret).ok_or(Failure::ClientRejected {
                    reason: okta_link_core::diagnosis::ClientRejection::WrongSecret,
                    request_id: None,
                })?;
                headers.insert("authorization", auth);
            }
            CheckCredential::ApiToken { .. } => return Err(fault("not_an_app")),
        }
        if use_dpop {
            let proof = oauth
                .dpop
                .proof("POST", &url, now, nonce.as_deref(), None)
                .map_err(|_| fault("proof_not_signed"))?;
            headers.insert("dpop", sensitive(&proof).ok_or_else(|| fault("proof"))?);
        }
        let body = form_body(&pairs);
        drop(pairs);
        let got = driver
            .upstream
            .call(
                &Call {
                    method: axum::http::Method::POST,
                    host,
                    path_and_query: TOKEN_PATH,
                    headers,
                    body: Some(body),
                    keep: KEEP,
                    fresh_proof: None,
                },
                deadline,
                MAX_TOKEN_ANSWER,
            )
            .await;
        let TokenAnswer {
            answer,
            nonce: given,
        } = read_token_answer(got);
        let verdict = classify_token_answer(&answer.raw(), &SerdeJson, host, required, nonce_round);
        // Okta's request id for a fault found here, so the remedy's "request ID below" exists.
        let okta_fault = |error: &str| Failure::PlatformOAuthFault {
            error: error.to_string(),
            request_id: answer.request_id.clone(),
        };
        match verdict {
            TokenVerdict::Granted(t) => {
                if let Some(n) = given.as_deref() {
                    oauth.nonces.put(host, n, Instant::now());
                }
                let _ = client_id;
                return Ok(t);
            }
            TokenVerdict::UseDpopNonce => {
                let Some(n) = given.filter(|n| !n.is_empty()) else {
                    return Err(okta_fault("use_dpop_nonce"));
                };
                oauth.nonces.put(host, &n, Instant::now());
                nonce = Some(n);
                nonce_round = true;
            }
            TokenVerdict::Failed(Failure::PlatformOAuthFault { error, request_id })
                if error == "invalid_dpop_proof" && use_dpop && !dropped_dpop && !nonce_round =>
            {
                // An app that does not take DPoP may refuse a proof: ask once without one (a
                // missing proof for an app that needs it is refused again, and reported).
                let _ = request_id;
                use_dpop = false;
                dropped_dpop = true;
                nonce = None;
            }
            TokenVerdict::Failed(f) => return Err(f),
        }
    }
    Err(fault("use_dpop_nonce"))
}

/// One probe with the access token.
async fn probe(
    driver: &Driver,
    host: &str,
    path_and_query: &str,
    access_token: &str,
    token_type: TokenType,
    deadline: Instant,
) -> (Answer, Option<okta_link_core::app_check::Challenge>) {
    let mut headers = HeaderMap::new();
    let auth = Zeroizing::new(format!("{} {access_token}", token_type.as_str()));
    let Some(auth) = sensitive(&auth) else {
        return (
            proxy_error(bad("the access token cannot be sent in a header")),
            None,
        );
    };
    headers.insert("authorization", auth);
    let url = format!("https://{host}{path_and_query}");
    // A proof for this call, with its own `jti` each time it is made.
    let make_proof = || {
        driver
            .oauth()
            .dpop
            .proof("GET", &url, now_s(), None, Some(access_token))
            .ok()
            .and_then(|p| sensitive(&p))
    };
    let dpop = token_type == TokenType::DPoP;
    if dpop {
        match make_proof() {
            Some(v) => {
                headers.insert("dpop", v);
            }
            None => return (proxy_error(bad("a DPoP proof could not be made")), None),
        }
    }
    let got = driver
        .upstream
        .call(
            &Call {
                method: axum::http::Method::GET,
                host,
                path_and_query,
                headers,
                body: None,
                keep: KEEP,
                fresh_proof: if dpop { Some(&make_proof) } else { None },
            },
            deadline,
            MAX_BODY_BYTES,
        )
        .await;
    match got {
        Ok(up) => {
            let challenge = up
                .headers
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok())
                .and_then(parse_www_authenticate);
            (upstream(&up), challenge)
        }
        Err(e) => (proxy_error(e), None),
    }
}

fn bad(message: &'static str) -> crate::error::ProxyError {
    crate::error::ProxyError::new(crate::error::Code::BadRequest, message)
}

fn read<T: Document>(
    got: Option<(Answer, Option<okta_link_core::app_check::Challenge>)>,
) -> Option<Probe<T>> {
    got.map(|(a, c)| Probe::new(classify::<T, _>(&a.raw(), &SerdeJson), c))
}

/// Whether `client_id` may go into a path: Okta's IDs are letters and digits (cleaned IDs
/// may also hold `-`, `_`, `.`, never only those: no dot segments).
fn path_safe(client_id: &str) -> bool {
    client_id.bytes().any(|b| b.is_ascii_alphanumeric())
        && client_id.len() <= 128
        && client_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The whole app check of `org` (normalized) with `cred`.
pub(crate) async fn check_app(
    driver: &Driver,
    org: &str,
    cred: &CheckCredential,
    options: &Options,
) -> Report {
    let started = Instant::now();
    let end = started + options.budget;
    let deadline = || (Instant::now() + driver.timeout).min(end);
    let client_id = cred.client_id().unwrap_or_default();
    let mut e = AppEvidence::new(org, options.required.clone(), cred.kind(), client_id);
    if !path_safe(client_id) {
        return Report::Failed(Failure::ClientRejected {
            reason: okta_link_core::diagnosis::ClientRejection::UnknownClient,
            request_id: None,
        });
    }

    // The org: its well-known document, as for a token.
    let wk = driver
        .fetch_rest(
            &format!("/{org}{}", crate::target::WELL_KNOWN_PATH),
            None,
            deadline(),
        )
        .await;
    let wk = classify::<WellKnown, _>(&wk.raw(), &SerdeJson);
    let mut located = Evidence::new(org, options.required.clone());
    located.well_known = Some(wk.clone());
    let host = match locate(&located) {
        Ok(o) => o.canonical_host,
        Err(f) => return Report::Failed(f),
    };
    e.well_known = Some(wk);

    // The token.
    let granted = match token(driver, &host, cred, &options.required, deadline()).await {
        Ok(t) => t,
        Err(f) => {
            e.token = Some(Err(f));
            return diagnose_app(&e);
        }
    };
    let grant: Grant = granted.grant.clone();
    e.token = Some(Ok(grant.clone()));
    let access_token = granted.access_token.as_str();
    let token_type = grant.token_type;

    // One parallel round of probes: only those whose scope was granted.
    let probes = probes_to_send(&grant);
    let wants = |p: ProbeKind| probes.contains(&p);
    let roles_path = format!("/oauth2/v1/clients/{client_id}/roles");
    let app_path = format!("/api/v1/apps/{client_id}");
    let go = |want: bool, path: &'_ str| {
        let path = path.to_string();
        let host = host.clone();
        async move {
            if want {
                Some(probe(driver, &host, &path, access_token, token_type, deadline()).await)
            } else {
                None
            }
        }
    };
    let (users, groups, logs, roles, app) = tokio::join!(
        go(wants(ProbeKind::Users), "/api/v1/users?limit=1"),
        go(wants(ProbeKind::Groups), "/api/v1/groups?limit=1"),
        go(wants(ProbeKind::Logs), "/api/v1/logs?limit=1"),
        go(wants(ProbeKind::Roles), &roles_path),
        go(reads_label(&grant), &app_path),
    );
    e.users = read::<Listing>(users);
    e.groups = read::<Listing>(groups);
    e.logs = read::<Listing>(logs);
    e.roles = read::<RoleList>(roles);
    e.app = read::<AppRecord>(app);
    drop(granted);
    diagnose_app(&e)
}
