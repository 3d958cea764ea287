//! The check server's HTTP side: `POST /check` (the page's [`CheckRequest`], answered with the
//! check's [`Report`](okta_link_core::diagnosis::Report) as JSON) and `GET
//! /.well-known/jwks.json` (the platform's public keys).
//!
//! `/check` runs the forwarding's checks in the same spirit: the CORS allow-list (with
//! preflight), its own per-client rate limit, a JSON body of at most
//! [`MAX_CHECK_REQUEST_BYTES`] with `Content-Type: application/json`, the org host through
//! the same host and SSRF rules. Its body holds a secret (an API token or a client secret):
//! it is never logged, and is overwritten when dropped.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use okta_link_core::oauth::{CheckCredential, CheckRequest, MAX_CHECK_REQUEST_BYTES};
use okta_link_core::outcome::is_json_content_type;
use zeroize::Zeroizing;

use super::CheckError;
use crate::cors::{Cors, OriginCheck};
use crate::error::{make_inert, Code, ProxyError};
use crate::log::Answered;
use crate::state::App;

/// The path of the check endpoint.
pub const CHECK_PATH: &str = "/check";
/// The path of the platform's JWKS.
pub const JWKS_PATH: &str = "/.well-known/jwks.json";
/// The error code of a service app check without a key.
pub const SERVICE_APP_NOT_CONFIGURED: &str = "service_app_not_configured";

/// An error of `/check` in the proxy's error shape (`{"proxyError", "message", "target"}`,
/// `X-Okta-Link-Proxy-Error`), for a code of its own.
fn own_error(status: StatusCode, code: &'static str, message: &str) -> Response {
    let body = serde_json::json!({ "proxyError": code, "message": message, "target": null });
    let mut res = (status, body.to_string()).into_response();
    let h = res.headers_mut();
    h.insert(
        "content-type",
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    h.insert("x-okta-link-proxy-error", HeaderValue::from_static(code));
    res
}

fn bad(status: StatusCode, message: &str) -> Response {
    ProxyError::new(Code::BadRequest, message)
        .with_status(status)
        .into_response()
}

/// `POST /check` (and its preflight).
pub async fn check(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    let origin = app.relay.cors.check(req.headers());
    let mut res = answer(&app, peer, &origin, req).await;
    let h = res.headers_mut();
    if let OriginCheck::Allowed(o) = &origin {
        Cors::apply(h, o);
    }
    h.insert("vary", HeaderValue::from_static("Origin"));
    h.insert("cache-control", HeaderValue::from_static("no-store"));
    make_inert(h);
    res.extensions_mut().insert(Answered::Proxy {
        host: None,
        path: Some(CHECK_PATH.to_string()),
    });
    res
}

async fn answer(app: &App, peer: SocketAddr, origin: &OriginCheck, req: Request) -> Response {
    let checks = &app.checks;
    if let Err(secs) = checks.limiter.check(peer.ip()) {
        return crate::relay::rate_limited(secs).into_response();
    }
    if *origin == OriginCheck::Refused {
        return ProxyError::new(
            Code::OriginNotAllowed,
            "this page's origin is not allowed to use the check server (see --allow-origin)",
        )
        .into_response();
    }
    if req.method() == Method::OPTIONS {
        let OriginCheck::Allowed(o) = origin else {
            return ProxyError::new(
                Code::MethodNotAllowed,
                "OPTIONS is only answered as a CORS preflight (with an Origin)",
            )
            .into_response();
        };
        let mut res = StatusCode::NO_CONTENT.into_response();
        let h = res.headers_mut();
        h.insert("access-control-allow-origin", o.clone());
        h.insert(
            "access-control-allow-methods",
            HeaderValue::from_static("POST"),
        );
        h.insert(
            "access-control-allow-headers",
            HeaderValue::from_static("content-type"),
        );
        h.insert(
            "access-control-max-age",
            HeaderValue::from_static(crate::cors::MAX_AGE),
        );
        return res;
    }
    if req.method() != Method::POST {
        let mut res = ProxyError::new(
            Code::MethodNotAllowed,
            "the check server takes POST (and CORS preflights)",
        )
        .into_response();
        res.headers_mut()
            .insert("allow", HeaderValue::from_static("POST, OPTIONS"));
        return res;
    }
    if !json_request(req.headers()) {
        return bad(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the check request must be sent with Content-Type: application/json",
        );
    }
    let declared = req
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_CHECK_REQUEST_BYTES as u64) {
        return too_large();
    }
    // A body that does not arrive in time would hold the connection (and its place under the
    // per-client cap) for as long as the client likes.
    let read = tokio::time::timeout(
        checks.body_timeout,
        http_body_util::Limited::new(req.into_body(), MAX_CHECK_REQUEST_BYTES).collect(),
    )
    .await;
    let Ok(read) = read else {
        return bad(
            StatusCode::REQUEST_TIMEOUT,
            &format!(
                "the check request's body did not arrive within {} ms",
                checks.body_timeout.as_millis()
            ),
        );
    };
    let body = match read {
        Ok(b) => Zeroizing::new(b.to_bytes().to_vec()),
        Err(e)
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            return too_large()
        }
        Err(_) => {
            return bad(
                StatusCode::BAD_REQUEST,
                "the request body could not be read",
            )
        }
    };
    let Ok(text) = std::str::from_utf8(&body) else {
        return bad(
            StatusCode::BAD_REQUEST,
            "the check request is not UTF-8 text",
        );
    };
    // Read with serde_json's own error texts dropped: they may quote the body.
    let request: CheckRequest = match serde_json::from_str(text) {
        Ok(r) => r,
        Err(_) => {
            return bad(
                StatusCode::BAD_REQUEST,
                "the check request is not {\"org\", \"credential\", \"required\"} JSON of the \
                 contract (docs/proxy-contract.md)",
            )
        }
    };
    let request = match clean(request) {
        Ok(r) => r,
        Err(m) => return bad(StatusCode::BAD_REQUEST, m),
    };
    let Ok(_slot) = checks.slots.try_acquire() else {
        return crate::relay::rate_limited(1).into_response();
    };
    match checks.driver.check(&request, &checks.options).await {
        Ok(c) => {
            let body = serde_json::to_string(c.report.as_ref()).unwrap_or_default();
            let mut res = (StatusCode::OK, body).into_response();
            res.headers_mut().insert(
                "content-type",
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            res
        }
        Err(CheckError::ServiceAppNotConfigured) => own_error(
            StatusCode::NOT_IMPLEMENTED,
            SERVICE_APP_NOT_CONFIGURED,
            "service apps are checked with the platform's key, and none is configured \
             (--service-app-key)",
        ),
        Err(CheckError::Client(_)) => ProxyError::new(
            Code::UpstreamUnreachable,
            "the check server cannot make its HTTP client",
        )
        .into_response(),
    }
}

fn too_large() -> Response {
    bad(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!("the check request is larger than {MAX_CHECK_REQUEST_BYTES} bytes"),
    )
}

fn json_request(h: &HeaderMap) -> bool {
    let mut all = h.get_all("content-type").iter();
    let (Some(v), None) = (all.next(), all.next()) else {
        return false;
    };
    v.to_str().is_ok_and(|ct| {
        let essence = ct.split(';').next().unwrap_or("").trim();
        essence.eq_ignore_ascii_case("application/json") && is_json_content_type(ct)
    })
}

/// The request with its org normalized and its credential cleaned as the page cleans them;
/// `Err` names what is wrong, never a value.
fn clean(r: CheckRequest) -> Result<CheckRequest, &'static str> {
    use okta_link_core::credential::{clean_client_id, clean_client_secret};
    let org = okta_link_core::org_url::normalize(&r.org)
        .map_err(|_| "`org` is not an Okta org address")?;
    if r.required.is_empty() || r.required.len() > 4 {
        return Err("`required` must list one to four of users, groups, roles, logs");
    }
    let credential = match &r.credential {
        CheckCredential::ApiToken { token } => CheckCredential::ApiToken {
            token: okta_link_core::token::clean(token)
                .map_err(|_| "`credential.token` is not an API token")?
                .secret()
                .to_string(),
        },
        CheckCredential::ServiceApp { client_id } => CheckCredential::ServiceApp {
            client_id: clean_client_id(client_id)
                .map_err(|_| "`credential.client_id` is not a client ID")?
                .as_str()
                .to_string(),
        },
        CheckCredential::ClientSecret {
            client_id,
            client_secret,
        } => CheckCredential::ClientSecret {
            client_id: clean_client_id(client_id)
                .map_err(|_| "`credential.client_id` is not a client ID")?
                .as_str()
                .to_string(),
            client_secret: clean_client_secret(client_secret)
                .map_err(|_| "`credential.client_secret` is not a client secret")?
                .secret()
                .to_string(),
        },
    };
    let mut required = r.required.clone();
    required.sort();
    required.dedup();
    Ok(CheckRequest {
        org: org.host().to_string(),
        credential,
        required,
    })
}

/// `GET /.well-known/jwks.json`: the platform's public keys (404 without any).
pub async fn jwks(State(app): State<Arc<App>>, method: Method) -> Response {
    let mut res = match (&app.checks.jwks, method.clone()) {
        (_, m) if m != Method::GET && m != Method::HEAD => {
            let mut r = crate::page::plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
            r.headers_mut()
                .insert("allow", HeaderValue::from_static("GET, HEAD"));
            r
        }
        (Some(jwks), _) => {
            let mut r = (StatusCode::OK, Body::from(jwks.clone())).into_response();
            let h = r.headers_mut();
            h.insert(
                "content-type",
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            h.insert(
                "cache-control",
                HeaderValue::from_static("public, max-age=300"),
            );
            h.insert("access-control-allow-origin", HeaderValue::from_static("*"));
            r
        }
        (None, _) => crate::page::plain(StatusCode::NOT_FOUND, "not found\n"),
    };
    make_inert(res.headers_mut());
    res.extensions_mut().insert(Answered::Proxy {
        host: None,
        path: Some(JWKS_PATH.to_string()),
    });
    res
}
