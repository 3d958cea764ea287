//! Forwarding to Okta: the handler under the proxy's prefix. It runs the contract's checks in
//! order (sizes, rate limit, origin, method, target, Authorization), forwards one GET through
//! [`crate::forward::Upstream`], and answers Okta's status and body with only the allowed
//! headers, or the proxy's own error. It never forwards a token to a host that is not an Okta
//! org host, never follows a redirect, and never logs a header value.

use crate::cors::{Cors, OriginCheck};
use crate::error::{Code, ProxyError};
use crate::fault::Fault;
use crate::forward::{verify_custom_domain, DomainStatus, UpstreamResponse};
use crate::log::Answered;
use crate::state::App;
use crate::target::{self, Endpoint, HostVerdict, Target, MAX_TARGET_LEN};
use axum::body::Body;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, VARY};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

/// Largest total size of request headers (names + values).
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// Longest `Authorization` value forwarded.
pub const MAX_AUTHORIZATION_BYTES: usize = 2048;

/// The forwarding handler: `{prefix}/{host}{path}` to `https://{host}{path}`, after every check
/// of docs/proxy-contract.md, with CORS for allowed origins and the inert headers on whatever
/// it answers. The answer carries [`Answered::Proxy`] with the target, for the request log.
/// Only the request's head is read: the contract forwards GETs, and a body is never relayed.
pub async fn forward(app: &App, peer: SocketAddr, parts: Parts) -> Response {
    let raw = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    // Only the prefix's paths are sent here ([`crate::server::Front`]); the rule is the same one.
    let rest = app.proxy_rest(raw).unwrap_or(raw);
    let relay = &app.relay;
    let origin = relay.cors.check(&parts.headers);
    if relay.fault == Some(Fault::Stall) && parts.method != Method::OPTIONS {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    let mut seen = Answered::Proxy {
        host: None,
        path: None,
    };
    let answer = match admit(app, &parts, peer.ip(), &origin).await {
        Err(e) => Err(e),
        Ok(Some(preflight)) => Ok(preflight),
        Ok(None) => match target::parse(rest) {
            Err(e) => Err(e),
            Ok(target) => {
                let answer = relay_target(app, &parts, &target).await;
                seen = Answered::Proxy {
                    host: Some(target.host),
                    path: Some(target.path),
                };
                answer
            }
        },
    };
    let mut res = match answer {
        Ok(r) => r,
        Err(e) => {
            if let Answered::Proxy {
                host: host @ None, ..
            } = &mut seen
            {
                host.clone_from(&e.target);
            }
            e.into_response()
        }
    };
    res.extensions_mut().insert(seen);
    let h = res.headers_mut();
    if let OriginCheck::Allowed(o) = &origin {
        if relay.fault != Some(Fault::NoCors) {
            Cors::apply(h, o);
        }
    }
    h.insert(VARY, HeaderValue::from_static("Origin"));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Proxied answers, errors and preflights alike: never a document on this origin.
    crate::error::make_inert(h);
    if relay.fault == Some(Fault::Reset) && parts.method != Method::OPTIONS {
        return crate::fault::reset(res).await;
    }
    res
}

/// The checks before the target is read, in the contract's order: sizes, the rate limit, the
/// origin, the method. `Ok(Some(_))` is a preflight's answer; `Ok(None)`: a GET to forward.
async fn admit(
    app: &App,
    parts: &Parts,
    ip: IpAddr,
    origin: &OriginCheck,
) -> Result<Option<Response>, ProxyError> {
    let raw_len = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().len())
        .unwrap_or(0);
    if raw_len > MAX_TARGET_LEN {
        return Err(ProxyError::new(
            Code::BadRequest,
            format!("request target longer than {MAX_TARGET_LEN} bytes"),
        ));
    }
    if header_bytes(&parts.headers) > MAX_HEADER_BYTES {
        return Err(ProxyError::new(
            Code::BadRequest,
            format!("request headers larger than {MAX_HEADER_BYTES} bytes"),
        )
        .with_status(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE));
    }
    let preflight = parts.method == Method::OPTIONS;
    // Preflights count like the requests they announce.
    app.rate_limit(ip).await.map_err(rate_limited)?;
    let allowed_origin = match origin {
        OriginCheck::Refused => {
            return Err(ProxyError::new(
                Code::OriginNotAllowed,
                "this page's origin is not allowed to use the proxy (see --allow-origin)",
            ))
        }
        OriginCheck::Allowed(o) => Some(o),
        OriginCheck::Absent => None,
    };
    if preflight {
        let Some(o) = allowed_origin else {
            return Err(ProxyError::new(
                Code::MethodNotAllowed,
                "OPTIONS is only answered as a CORS preflight (with an Origin)",
            ));
        };
        let mut res = StatusCode::NO_CONTENT.into_response();
        Cors::apply_preflight(res.headers_mut(), o);
        return Ok(Some(res));
    }
    if parts.method != Method::GET {
        return Err(ProxyError::new(
            Code::MethodNotAllowed,
            format!(
                "{} is not forwarded: the proxy forwards only GET",
                crate::log::sanitize(parts.method.as_str(), 16)
            ),
        ));
    }
    Ok(None)
}

/// Forward a GET for `target`, which passed every pure check.
async fn relay_target(app: &App, parts: &Parts, target: &Target) -> Result<Response, ProxyError> {
    let relay = &app.relay;
    let auth =
        check_authorization(&parts.headers).map_err(|e| e.with_target(Some(&target.host)))?;
    // The token goes only to Okta org hosts; a custom domain is asked only for its well-known
    // document, without it (target::parse already refused its API paths).
    let auth = auth.filter(|_| target.verdict == HostVerdict::OktaOrg);
    // One deadline for the slot, the custom-domain check and the call, answered as the
    // contract's 504 `upstream_timeout` naming the target. (Not tower-http's TimeoutLayer: that
    // answers an empty 408, and would also cut preflights, probes and the page.)
    let deadline = Instant::now() + relay.timeout;
    // The upstream client waits for one of its slots (`--max-concurrent-upstream`, shared with
    // the check server) within this deadline too.
    let up = if target.verdict == HostVerdict::CustomDomain {
        // A custom domain is only ever asked for its well-known document (target::parse), and
        // what is relayed is the document that was just checked to name an Okta org.
        let hit = !matches!(
            relay.domains.get(&target.host, Instant::now()),
            DomainStatus::Unknown
        );
        app.ops.telemetry.well_known_cache(hit);
        let t0 = Instant::now();
        let checked =
            verify_custom_domain(&relay.upstream, &relay.domains, &target.host, deadline).await;
        let answered = match &checked {
            Ok(_) => true,
            // Refused after an answer that names no Okta org.
            Err(e) => e.code == Code::TargetRefused,
        };
        app.ops.telemetry.upstream_check(answered, t0.elapsed());
        let r = checked?;
        app.ops.telemetry.upstream_class(r.status.as_u16());
        r
    } else {
        // The well-known document of an Okta host is as small as a custom domain's.
        let max_body = match target.endpoint {
            Endpoint::WellKnown => crate::forward::WELL_KNOWN_MAX_BYTES.min(relay.max_body),
            _ => relay.max_body,
        };
        let t0 = Instant::now();
        let got = relay
            .upstream
            .get(
                &target.host,
                &target.path_and_query(),
                auth,
                deadline,
                max_body,
            )
            .await;
        match &got {
            Ok(r) => app
                .ops
                .telemetry
                .upstream_answer(r.status.as_u16(), t0.elapsed()),
            Err(_) => app.ops.telemetry.upstream_error(t0.elapsed()),
        }
        got?
    };
    Ok(upstream_response(up))
}

/// The upstream's own `Content-Type`, passed on beside the inert one the answer carries.
const UPSTREAM_CONTENT_TYPE: HeaderName =
    HeaderName::from_static(okta_link_core::outcome::UPSTREAM_CONTENT_TYPE_HEADER);

/// Okta's answer as the page gets it: status, body bytes and the passed headers, with an inert
/// content type (JSON or plain text) and the upstream's own type in
/// `X-Okta-Link-Upstream-Content-Type` for the page's diagnosis.
fn upstream_response(up: UpstreamResponse) -> Response {
    let UpstreamResponse {
        status,
        mut headers,
        body,
    } = up;
    let original = headers.remove(CONTENT_TYPE);
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = status;
    let h = res.headers_mut();
    h.extend(headers);
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static(crate::forward::inert_content_type(original.as_ref())),
    );
    h.insert(
        UPSTREAM_CONTENT_TYPE,
        crate::forward::upstream_type_value(original.as_ref()),
    );
    crate::error::make_inert(h);
    res
}

/// The contract's 429 with `Retry-After`.
pub fn rate_limited(secs: u64) -> ProxyError {
    let mut e = ProxyError::new(
        Code::RateLimited,
        format!("too many requests from this client; retry in {secs} s"),
    );
    e.retry_after = Some(secs);
    e
}

fn header_bytes(h: &HeaderMap) -> usize {
    h.iter().map(|(k, v)| k.as_str().len() + v.len() + 4).sum()
}

/// The Authorization header to pass on verbatim, after checking it is sane.
pub fn check_authorization(h: &HeaderMap) -> Result<Option<&HeaderValue>, ProxyError> {
    let mut all = h.get_all("authorization").iter();
    let first = all.next();
    if all.next().is_some() {
        return Err(ProxyError::new(
            Code::BadRequest,
            "more than one Authorization header",
        ));
    }
    if let Some(v) = first {
        if v.len() > MAX_AUTHORIZATION_BYTES {
            return Err(ProxyError::new(
                Code::BadRequest,
                format!("the Authorization header is longer than {MAX_AUTHORIZATION_BYTES} bytes"),
            ));
        }
        if v.as_bytes()
            .iter()
            .any(|&b| (b < 0x20 && b != b'\t') || b >= 0x7f)
        {
            return Err(ProxyError::new(
                Code::BadRequest,
                "the Authorization header contains control or non-ASCII characters",
            ));
        }
    }
    Ok(first)
}
