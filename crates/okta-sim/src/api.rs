//! The Okta Management API endpoints the link page calls, under `/api/v1`: the [`Api`]
//! extractor, which checks the token and `limit` the way Okta does before any endpoint looks at
//! the path, and one handler per endpoint.
//!
//! It only ever reads the fixtures. A token is looked up, never logged, echoed or kept.

use crate::answer::{set, Answer, RL_REMAINING, RL_RESET};
use crate::fixtures::{Access, Behavior, Org, User};
use crate::okta::{self, OktaError};
use crate::site::Site;
use crate::{redact, time, Inner};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// An API call that passed Okta's checks: a token of the org, allowed to call, and a valid
/// `limit`. Rejected with Okta's 401, 403, 429 or 400 otherwise.
pub(crate) struct Api {
    /// The org answering.
    org: usize,
    /// The request's host, named by links in the answer.
    host: String,
    /// What the token may read.
    access: Vec<Access>,
    /// The token's admin (index in the org's users).
    me: Option<usize>,
    /// The org's headers (request id, rate-limit counters, no caching), counted once per call.
    headers: HeaderMap,
    limit: Option<usize>,
    /// Pagination cursor, as sent.
    after: Option<String>,
}

impl FromRequestParts<Arc<Inner>> for Api {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, sim: &Arc<Inner>) -> Result<Api, Response> {
        let site = Site::from_request_parts(parts, sim)
            .await
            .map_err(IntoResponse::into_response)?;
        let org = sim.org(site.org);
        let mut headers = sim.base_headers(&org.host, parts.uri.path());
        let Some(token) = token_of(&parts.headers)
            .and_then(|t| sim.resolve_token(site.org, &t, site.policy))
            .map(|i| &org.tokens[i])
        else {
            return Err(sim
                .okta_error(headers, OktaError::InvalidToken, None)
                .into_response());
        };
        let refused = match token.behavior {
            Behavior::Ok => None,
            Behavior::Revoked => Some(OktaError::InvalidToken),
            Behavior::NetworkZone => Some(OktaError::NoPermission),
            Behavior::RateLimited => sim.rate_limited(&token.token).map(|reset| {
                set(&mut headers, HeaderName::from_static(RL_REMAINING), "0");
                set(
                    &mut headers,
                    HeaderName::from_static(RL_RESET),
                    &reset.to_string(),
                );
                OktaError::RateLimited
            }),
        };
        if let Some(err) = refused {
            return Err(sim.okta_error(headers, err, None).into_response());
        }
        let query = parts.uri.query();
        let Ok(limit) = parse_limit(query) else {
            return Err(sim
                .okta_error(headers, OktaError::ApiValidation, None)
                .into_response());
        };
        Ok(Api {
            org: site.org,
            host: site.host,
            access: token.access.clone(),
            me: token
                .user
                .as_deref()
                .and_then(|id| org.users.iter().position(|u| u.id == id)),
            headers,
            limit,
            after: query_param(query, "after").map(str::to_string),
        })
    }
}

impl Api {
    fn can(&self, a: Access) -> bool {
        self.access.contains(&a)
    }

    fn me<'a>(&self, org: &'a Org) -> Option<&'a User> {
        self.me.map(|i| &org.users[i])
    }

    fn json(self, v: &Value) -> Answer {
        Answer::json(StatusCode::OK, self.headers, v)
    }

    fn error(self, sim: &Inner, err: OktaError) -> Answer {
        sim.okta_error(self.headers, err, None)
    }

    /// 404 E0000007 `Not found: Resource not found: {what} ({kind})`.
    fn not_found(self, sim: &Inner, what: &str, kind: &str) -> Answer {
        let detail = format!("{what} ({kind})");
        sim.okta_error(self.headers, OktaError::NotFound, Some(&detail))
    }
}

/// The slow org (`api_delay_ms`, or `slow_delay` in tests) answers `/api/v1` calls late.
pub(crate) async fn slow_org(
    State(sim): State<Arc<Inner>>,
    site: Site,
    req: Request,
    next: Next,
) -> Response {
    let org = sim.org(site.org);
    let delay = sim
        .cfg
        .slow_delay
        .filter(|_| org.api_delay_ms > 0)
        .unwrap_or(Duration::from_millis(org.api_delay_ms));
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    next.run(req).await
}

/// `GET /api/v1/users/me`: the token's admin.
pub(crate) async fn users_me(State(sim): State<Arc<Inner>>, api: Api) -> Answer {
    match api.me(sim.org(api.org)) {
        Some(u) => {
            let v = okta::user(&api.host, u);
            api.json(&v)
        }
        None => api.error(&sim, OktaError::InvalidToken),
    }
}

/// `GET /api/v1/users?limit=N&after=ID`: a page of users, with Okta's `Link` headers.
pub(crate) async fn users(State(sim): State<Arc<Inner>>, mut api: Api) -> Answer {
    if !api.can(Access::Users) {
        return api.error(&sim, OktaError::NoPermission);
    }
    let org = sim.org(api.org);
    let limit = api.limit.unwrap_or(200);
    let (items, next) = page(&org.users, |u| &u.id, limit, api.after.as_deref());
    link_headers(&mut api.headers, &api.host, "users", api.limit, next);
    let v = Value::Array(items.iter().map(|u| okta::user(&api.host, u)).collect());
    api.json(&v)
}

/// `GET /api/v1/users/{id}`: a user by id or login; Users access, or the token's own id.
pub(crate) async fn user(State(sim): State<Arc<Inner>>, uri: Uri, api: Api) -> Answer {
    let id = user_id(uri.path());
    let org = sim.org(api.org);
    if !(api.can(Access::Users) || api.me(org).is_some_and(|m| m.id == id)) {
        return api.error(&sim, OktaError::NoPermission);
    }
    let found = org
        .users
        .iter()
        .find(|u| u.id == id || u.login.eq_ignore_ascii_case(id));
    match found {
        Some(u) => {
            let v = okta::user(&api.host, u);
            api.json(&v)
        }
        None => api.not_found(&sim, id, "User"),
    }
}

/// `GET /api/v1/users/{id}/roles`: a user's role assignments, for super admins only.
pub(crate) async fn user_roles(State(sim): State<Arc<Inner>>, uri: Uri, api: Api) -> Answer {
    if !api.can(Access::Roles) {
        return api.error(&sim, OktaError::NoPermission);
    }
    let id = user_id(uri.path());
    match sim.org(api.org).users.iter().find(|u| u.id == id) {
        Some(u) => {
            let v = okta::roles(&api.host, u);
            api.json(&v)
        }
        None => api.not_found(&sim, id, "User"),
    }
}

/// `GET /api/v1/groups?limit=N&after=ID`.
pub(crate) async fn groups(State(sim): State<Arc<Inner>>, mut api: Api) -> Answer {
    if !api.can(Access::Groups) {
        return api.error(&sim, OktaError::NoPermission);
    }
    let org = sim.org(api.org);
    let limit = api.limit.unwrap_or(10_000);
    let (items, next) = page(&org.groups, |g| &g.id, limit, api.after.as_deref());
    link_headers(&mut api.headers, &api.host, "groups", api.limit, next);
    let v = Value::Array(items.iter().map(|g| okta::group(&api.host, g)).collect());
    api.json(&v)
}

/// `GET /api/v1/logs?limit=N`: System Log events, `published` relative to now.
pub(crate) async fn logs(State(sim): State<Arc<Inner>>, mut api: Api) -> Answer {
    if !api.can(Access::Logs) {
        return api.error(&sim, OktaError::NoPermission);
    }
    let org = sim.org(api.org);
    let now = time::now_epoch_ms();
    let v = Value::Array(
        org.logs
            .iter()
            .enumerate()
            .take(api.limit.unwrap_or(100))
            .map(|(i, e)| okta::log_event(org, i, e, now))
            .collect(),
    );
    link_headers(&mut api.headers, &api.host, "logs", api.limit, None);
    api.json(&v)
}

/// Any other path under `/api/v1`: 404 E0000007 naming the path (redacted).
pub(crate) async fn unknown(State(sim): State<Arc<Inner>>, uri: Uri, api: Api) -> Answer {
    api.not_found(&sim, &redact(uri.path()), "PathSegment")
}

/// The `{id}` of `/api/v1/users/{id}[/roles]` as the client sent it. Not axum's `Path`, which
/// percent-decodes (and answers its own 400 to a bad escape): ids and logins are looked up as
/// spelled.
fn user_id(path: &str) -> &str {
    let rest = path.strip_prefix("/api/v1/users/").unwrap_or_default();
    rest.split('/').next().unwrap_or_default()
}

/// The token from `Authorization: SSWS <token>` (scheme case-insensitive).
fn token_of(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, rest) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("SSWS") {
        return None;
    }
    let t = rest.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn query_param<'a>(query: Option<&'a str>, name: &str) -> Option<&'a str> {
    query?
        .split('&')
        .filter_map(|kv| kv.split_once('=').or(Some((kv, ""))))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// `limit`: absent → `None`; a number → clamped to 1..=200 (Okta's page size cap for users);
/// anything else → validation error.
fn parse_limit(query: Option<&str>) -> Result<Option<usize>, ()> {
    match query_param(query, "limit") {
        None => Ok(None),
        Some(v) => v
            .parse::<i64>()
            .map(|n| Some(n.clamp(1, 200) as usize))
            .map_err(|_| ()),
    }
}

/// A page of `items` after the cursor `after`; also the id of the last item if more follow.
fn page<'a, T>(
    items: &'a [T],
    id: impl Fn(&T) -> &String,
    limit: usize,
    after: Option<&str>,
) -> (Vec<&'a T>, Option<String>) {
    let start = after
        .and_then(|a| items.iter().position(|t| id(t) == a).map(|p| p + 1))
        .unwrap_or(0);
    let rest = &items[start.min(items.len())..];
    let taken: Vec<&T> = rest.iter().take(limit).collect();
    let next = (rest.len() > limit).then(|| id(taken[taken.len() - 1]).clone());
    (taken, next)
}

/// Okta's pagination `Link` headers.
fn link_headers(
    h: &mut HeaderMap,
    host: &str,
    what: &str,
    limit: Option<usize>,
    next: Option<String>,
) {
    let lim = limit.map(|l| format!("limit={l}")).unwrap_or_default();
    let self_link = if lim.is_empty() {
        format!("<https://{host}/api/v1/{what}>; rel=\"self\"")
    } else {
        format!("<https://{host}/api/v1/{what}?{lim}>; rel=\"self\"")
    };
    if let Ok(v) = HeaderValue::from_str(&self_link) {
        h.append(header::LINK, v);
    }
    if let Some(after) = next {
        let sep = if lim.is_empty() { "" } else { "&" };
        let link = format!("<https://{host}/api/v1/{what}?after={after}{sep}{lim}>; rel=\"next\"");
        if let Ok(v) = HeaderValue::from_str(&link) {
            h.append(header::LINK, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssws_token_is_extracted() {
        let mut h = HeaderMap::new();
        assert_eq!(token_of(&h), None);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("SSWS 00abc"),
        );
        assert_eq!(token_of(&h).as_deref(), Some("00abc"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer 00abc"),
        );
        assert_eq!(token_of(&h), None);
    }

    #[test]
    fn user_ids_are_taken_as_sent() {
        assert_eq!(user_id("/api/v1/users/00u1"), "00u1");
        assert_eq!(user_id("/api/v1/users/00u1/roles"), "00u1");
        assert_eq!(user_id("/api/v1/users/a%40b.example"), "a%40b.example");
        assert_eq!(user_id("/api/v1/users/"), "");
        assert_eq!(user_id("/api/v1/users//roles"), "");
    }

    #[test]
    fn limits_and_pages() {
        assert_eq!(parse_limit(Some("limit=1")), Ok(Some(1)));
        assert_eq!(parse_limit(Some("limit=5000")), Ok(Some(200)));
        assert_eq!(parse_limit(None), Ok(None));
        assert_eq!(parse_limit(Some("limit=abc")), Err(()));
        let items = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        let (p, next) = page(&items, |s| s, 2, None);
        assert_eq!(p.len(), 2);
        assert_eq!(next.as_deref(), Some("b"));
        let (p, next) = page(&items, |s| s, 2, Some("b"));
        assert_eq!(p, vec![&"c".to_string()]);
        assert_eq!(next, None);
    }
}
