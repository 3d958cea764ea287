//! The simulator's HTTP face: an axum `Router` with a route per Okta endpoint it serves, the
//! control endpoints under `/__sim/`, and the layers every request to an org host passes
//! through (request log, latency, methods, org selection by `Host`).
//!
//! It must never log or record a header value (the `Authorization` header least of all) or a
//! request body, and never answer anything but GET and HEAD with data, except POST on the token
//! endpoint: every other method gets Okta's 405.

use crate::answer::{html_page, request_id_only, set, Answer};
use crate::fixtures::FIXTURES_JSON;
use crate::oauth::{self, TOKEN_PATH};
use crate::okta::{self, OktaError, WELL_KNOWN};
use crate::site::Site;
use crate::{api, faults, redact, Inner, Target, TokenPolicy};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::handler::Handler;
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use std::sync::Arc;
use std::time::Instant;
use tower::ServiceBuilder;

type Sim = Arc<Inner>;

/// Every route of the simulator, with its layers.
pub(crate) fn router(sim: Sim) -> Router {
    let api = Router::new()
        .route("/api/v1/users/me", get(api::users_me))
        .route("/api/v1/users", get(api::users))
        .route("/api/v1/users/{id}", get(api::user))
        .route("/api/v1/users/{id}/roles", get(api::user_roles))
        .route("/api/v1/groups", get(api::groups))
        .route("/api/v1/logs", get(api::logs))
        .route("/api/v1/apps/{id}", get(api::app))
        .route("/oauth2/v1/clients/{id}/roles", get(api::client_roles))
        .route(TOKEN_PATH, post(oauth::token))
        // `{id}` does not match an empty last segment; an empty id is still a user lookup.
        .route("/api/v1/users/", get(api::user))
        // Any other path under /api/v1: Okta's 404 E0000007, after the token checks.
        .route("/api/v1", get(api::unknown))
        .route("/api/v1/", get(api::unknown))
        .route("/api/v1/{*rest}", get(api::unknown))
        // The slow org answers every /api/v1 call late.
        .layer(from_fn_with_state(sim.clone(), api::slow_org));

    let orgs = Router::new()
        .route(WELL_KNOWN, get(well_known))
        .merge(api)
        .fallback(page_not_found)
        // Outermost first. The 405 is a layer, not axum's method routing (whose 405 has no
        // body): Okta answers E0000022 on every host and path, before looking at either.
        .layer(
            ServiceBuilder::new()
                .layer(from_fn_with_state(sim.clone(), record))
                .layer(from_fn_with_state(sim.clone(), latency))
                .layer(from_fn_with_state(sim.clone(), get_and_head_only))
                .layer(from_fn_with_state(sim.clone(), by_host)),
        );

    // Answered whatever the Host, without latency, never in the request log.
    let control = Router::new()
        .route("/__sim/requests", control(requests))
        .route("/__sim/reset", control(reset))
        .route("/__sim/fixtures", control(fixtures))
        .route("/__sim", control(unknown_control))
        .route("/__sim/", control(unknown_control))
        .route("/__sim/{*rest}", control(unknown_control));

    orgs.merge(control)
        .layer(from_fn_with_state(sim.clone(), log))
        .with_state(sim)
}

// ---------------------------------------------------------------------------------------------
// What the Host names

/// Lowercased `Host` without the port (IPv6 literals keep their brackets).
fn host_of(headers: &HeaderMap, uri: &Uri) -> String {
    let raw = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| uri.authority().map(|a| a.to_string()))
        .unwrap_or_default();
    let raw = raw.trim();
    let host = if raw.starts_with('[') {
        match raw.find(']') {
            Some(end) => &raw[..=end],
            None => raw,
        }
    } else {
        match raw.rfind(':') {
            Some(i) if raw[i + 1..].bytes().all(|b| b.is_ascii_digit()) => &raw[..i],
            _ => raw,
        }
    };
    host.to_ascii_lowercase()
}

/// Unknown host: Okta's edge HTML 404. Broken org: 500 HTML. Fault host: its org's answer,
/// broken its way. Otherwise the org's answer, with the [`Site`] in the request's extensions.
async fn by_host(State(sim): State<Sim>, mut req: Request, next: Next) -> Response {
    let host = host_of(req.headers(), req.uri());
    match sim.hosts.get(&host).copied() {
        None => Answer::html(
            StatusCode::NOT_FOUND,
            request_id_only(&sim.request_id()),
            html_page(
                "Page not found",
                "There is no Okta organization at this address.",
            ),
        )
        .into_response(),
        Some(Target::Org(i)) => {
            let org = sim.org(i);
            if org.server_error {
                let h = sim.base_headers(&org.host, req.uri().path());
                return Answer::html(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    h,
                    html_page(
                        "Internal Server Error",
                        "Something went wrong. Please try again later.",
                    ),
                )
                .into_response();
            }
            req.extensions_mut().insert(Site {
                org: i,
                host,
                policy: TokenPolicy::Own,
                organization: format!("https://{}", org.host),
                alternate: org.custom_domains.first().map(|d| format!("https://{d}")),
            });
            next.run(req).await
        }
        Some(Target::Fault(i)) => {
            faults::serve(&sim, &sim.fixtures.fault_hosts[i], host, req, next).await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Layers

/// Method, host and path with query as the logs show them: token-shaped runs redacted.
struct Shown {
    method: Method,
    host: String,
    path: String,
}

impl Shown {
    fn of(req: &Request) -> Shown {
        let uri = req.uri();
        let path = match uri.query() {
            Some(q) => format!("{}?{q}", uri.path()),
            None => uri.path().to_string(),
        };
        Shown {
            method: req.method().clone(),
            host: redact(&host_of(req.headers(), uri)),
            path: redact(&path),
        }
    }
}

/// One line on the log sink per request, control endpoints included; HEAD loses the body here.
async fn log(State(sim): State<Sim>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let shown = Shown::of(&req);
    let mut resp = next.run(req).await;
    sim.cfg.log.write(&format!(
        "okta-sim {} {} {} -> {} ({} ms)",
        shown.method,
        if shown.host.is_empty() {
            "-"
        } else {
            &shown.host
        },
        shown.path,
        resp.status().as_u16(),
        started.elapsed().as_millis()
    ));
    if shown.method == Method::HEAD {
        *resp.body_mut() = Body::empty();
    }
    resp
}

/// The request log of `/__sim/requests`: an entry when the request arrives, its status when
/// the response head is ready.
async fn record(State(sim): State<Sim>, req: Request, next: Next) -> Response {
    let shown = Shown::of(&req);
    let seq = sim.record_start(&shown.method, &shown.host, &shown.path);
    let resp = next.run(req).await;
    sim.record_finish(seq, resp.status());
    resp
}

/// `--latency-ms`: before every answer to an org host.
async fn latency(State(sim): State<Sim>, req: Request, next: Next) -> Response {
    if !sim.cfg.latency.is_zero() {
        tokio::time::sleep(sim.cfg.latency).await;
    }
    next.run(req).await
}

/// Okta answers any method but GET and HEAD with 405 E0000022, on every host and path; the
/// token endpoint takes POST only.
async fn get_and_head_only(State(sim): State<Sim>, req: Request, next: Next) -> Response {
    let token = req.uri().path() == TOKEN_PATH;
    let allowed = if token {
        req.method() == Method::POST
    } else {
        req.method() == Method::GET || req.method() == Method::HEAD
    };
    if allowed {
        return next.run(req).await;
    }
    let mut h = request_id_only(&sim.request_id());
    set(
        &mut h,
        header::ALLOW,
        if token { "POST" } else { "GET, HEAD" },
    );
    sim.okta_error(h, OktaError::MethodNotAllowed, None)
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// Org handlers outside /api/v1

/// `GET /.well-known/okta-organization`: no authentication.
async fn well_known(State(sim): State<Sim>, site: Site) -> Answer {
    let org = sim.org(site.org);
    let h = sim.base_headers(&org.host, WELL_KNOWN);
    let doc = okta::well_known(org, &site.organization, site.alternate.as_deref());
    Answer::json(StatusCode::OK, h, &doc)
}

/// Any other path on an org host: an HTML 404.
async fn page_not_found(State(sim): State<Sim>) -> Answer {
    Answer::html(
        StatusCode::NOT_FOUND,
        request_id_only(&sim.request_id()),
        html_page(
            "Page not found",
            "The simulator serves only the well-known document and /api/v1.",
        ),
    )
}

// ---------------------------------------------------------------------------------------------
// Control endpoints

/// GET (and HEAD) only; other methods get [`control_get_only`].
fn control<H, T>(handler: H) -> MethodRouter<Sim>
where
    H: Handler<T, Sim>,
    T: 'static,
{
    get(handler).fallback(control_get_only)
}

fn control_json(status: StatusCode, body: impl Into<Vec<u8>>) -> Answer {
    Answer::json_text(status, HeaderMap::new(), body)
}

async fn requests(State(sim): State<Sim>) -> Answer {
    let list = serde_json::to_vec(&sim.requests()).expect("json");
    control_json(StatusCode::OK, list)
}

async fn reset(State(sim): State<Sim>) -> Answer {
    sim.reset();
    control_json(StatusCode::OK, r#"{"reset":true}"#)
}

async fn fixtures() -> Answer {
    control_json(StatusCode::OK, FIXTURES_JSON)
}

async fn unknown_control() -> Answer {
    control_json(
        StatusCode::NOT_FOUND,
        r#"{"error":"unknown control endpoint","endpoints":["/__sim/requests","/__sim/reset","/__sim/fixtures"]}"#,
    )
}

async fn control_get_only() -> Response {
    let mut resp = control_json(
        StatusCode::METHOD_NOT_ALLOWED,
        r#"{"error":"control endpoints answer GET only"}"#,
    )
    .into_response();
    set(resp.headers_mut(), header::ALLOW, "GET, HEAD");
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn host_header_is_lowercased_and_loses_its_port() {
        let uri: Uri = "/".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("ACME.okta.com:8443"));
        assert_eq!(host_of(&h, &uri), "acme.okta.com");
        h.insert(header::HOST, HeaderValue::from_static("[::1]:80"));
        assert_eq!(host_of(&h, &uri), "[::1]");
        h.insert(
            header::HOST,
            HeaderValue::from_static("globex.oktapreview.com"),
        );
        assert_eq!(host_of(&h, &uri), "globex.oktapreview.com");
    }
}
