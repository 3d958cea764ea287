//! The Okta Management API endpoints the link page calls, under `/api/v1` (and an app's roles
//! under `/oauth2/v1/clients`): the [`Api`] extractor, which checks the token (an API token, or
//! an app's access token with its DPoP proof) and `limit` the way Okta does before any endpoint
//! looks at the path, and one handler per endpoint, which checks scopes and roles.
//!
//! It only ever reads the fixtures. A token is looked up, never logged, echoed or kept.

use crate::answer::{set, Answer, RL_REMAINING, RL_RESET};
use crate::fixtures::{Access, App, Behavior, Org, User};
use crate::oauth::{self, AppCaller, Scheme};
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

/// An API call that passed Okta's checks: a token of the org (an API token, or an access token
/// the org's authorization server issued), allowed to call, and a valid `limit`. Rejected with
/// Okta's 401, 403, 429 or 400 otherwise.
pub(crate) struct Api {
    /// The org answering.
    org: usize,
    /// The request's host, named by links in the answer.
    host: String,
    /// The request's path (named by `insufficient_scope` challenges).
    path: String,
    caller: Caller,
    /// The org's headers (request id, rate-limit counters, no caching), counted once per call.
    headers: HeaderMap,
    limit: Option<usize>,
    /// Pagination cursor, as sent.
    after: Option<String>,
}

/// Who is calling.
enum Caller {
    /// `Authorization: SSWS`: an API token, with its admin's privileges.
    Token {
        /// What the token may read.
        access: Vec<Access>,
        /// The token's admin (index in the org's users).
        me: Option<usize>,
    },
    /// `Authorization: Bearer` or `DPoP`: a service app's access token.
    App(AppCaller),
}

/// What an endpoint reads, for the scope and role checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Need {
    Me,
    Users,
    Groups,
    Logs,
    /// A user's role assignments.
    UserRoles,
    /// A client's role assignments; `own` when the caller asks for itself.
    ClientRoles {
        own: bool,
    },
    Apps,
}

impl Need {
    fn scope(self) -> &'static str {
        match self {
            Need::Me | Need::Users => "okta.users.read",
            Need::Groups => "okta.groups.read",
            Need::Logs => "okta.logs.read",
            Need::UserRoles | Need::ClientRoles { .. } => "okta.roles.read",
            Need::Apps => "okta.apps.read",
        }
    }
}

/// Does an admin role let its holder read `need`? Super admins read everything; listing the
/// role assignments of others is theirs alone; an app may always read its own.
pub(crate) fn role_reads(role: &str, need: Need) -> bool {
    use Need::*;
    match (role, need) {
        ("SUPER_ADMIN", _) | (_, Me | ClientRoles { own: true }) => true,
        (_, UserRoles | ClientRoles { own: false }) => false,
        ("ORG_ADMIN" | "READ_ONLY_ADMIN", _) => true,
        ("REPORT_ADMIN", Logs) => true,
        ("APP_ADMIN", Apps) => true,
        ("USER_ADMIN" | "HELP_DESK_ADMIN" | "GROUP_MEMBERSHIP_ADMIN", Users | Groups) => true,
        _ => false,
    }
}

/// The credentials of an API call.
enum Credentials {
    Ssws(String),
    OAuth(Scheme, String),
}

impl FromRequestParts<Arc<Inner>> for Api {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, sim: &Arc<Inner>) -> Result<Api, Response> {
        let site = Site::from_request_parts(parts, sim)
            .await
            .map_err(IntoResponse::into_response)?;
        let org = sim.org(site.org);
        let mut headers = sim.base_headers(&org.host, parts.uri.path());
        let caller = match credentials_of(&parts.headers) {
            Some(Credentials::OAuth(scheme, token)) => {
                let app = sim
                    .resource_caller(&site, parts, scheme, &token, headers.clone())
                    .map_err(|a| a.into_response())?;
                Caller::App(app)
            }
            ssws => {
                let Some(token) = ssws
                    .and_then(|c| match c {
                        Credentials::Ssws(t) => sim.resolve_token(site.org, &t, site.policy),
                        Credentials::OAuth(..) => None,
                    })
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
                Caller::Token {
                    access: token.access.clone(),
                    me: token
                        .user
                        .as_deref()
                        .and_then(|id| org.users.iter().position(|u| u.id == id)),
                }
            }
        };
        let query = parts.uri.query();
        let Ok(limit) = parse_limit(query) else {
            return Err(sim
                .okta_error(headers, OktaError::ApiValidation, None)
                .into_response());
        };
        Ok(Api {
            org: site.org,
            host: site.host,
            path: parts.uri.path().to_string(),
            caller,
            headers,
            limit,
            after: query_param(query, "after").map(str::to_string),
        })
    }
}

impl Api {
    /// An API token's access (an app's access is checked by [`Api::refusal`]).
    fn can(&self, a: Access) -> bool {
        match &self.caller {
            Caller::Token { access, .. } => access.contains(&a),
            Caller::App(_) => false,
        }
    }

    fn me<'a>(&self, org: &'a Org) -> Option<&'a User> {
        match &self.caller {
            Caller::Token { me, .. } => me.map(|i| &org.users[i]),
            Caller::App(_) => None,
        }
    }

    /// The app calling, if an app is.
    fn app<'a>(&self, org: &'a Org) -> Option<&'a App> {
        match &self.caller {
            Caller::App(a) => Some(&org.apps[a.app]),
            Caller::Token { .. } => None,
        }
    }

    /// Okta's refusal of reading `need`, if any. An API token: its access, as before (what
    /// `access` does not name, such as apps, its admin's roles decide). An app: the scope
    /// first (403 `insufficient_scope`, no body), then its admin roles (403 E0000006).
    fn refusal(&self, sim: &Inner, need: Need) -> Option<Answer> {
        let org = sim.org(self.org);
        let allowed = match &self.caller {
            Caller::Token { .. } => match need {
                Need::Me => true,
                Need::Users => self.can(Access::Users),
                Need::Groups => self.can(Access::Groups),
                Need::Logs => self.can(Access::Logs),
                Need::UserRoles | Need::ClientRoles { .. } => self.can(Access::Roles),
                Need::Apps => self
                    .me(org)
                    .is_some_and(|u| u.roles.iter().any(|r| role_reads(r, need))),
            },
            Caller::App(caller) => {
                let scope = need.scope();
                if !caller.scopes.iter().any(|s| s == scope) {
                    let mut h = self.headers.clone();
                    let www = oauth::bearer_challenge(
                        &self.host,
                        scope,
                        "insufficient_scope",
                        "The access token provided does not contain the required scopes.",
                        &self.path,
                    );
                    set(&mut h, header::WWW_AUTHENTICATE, &www);
                    return Some(Answer::empty(StatusCode::FORBIDDEN, h));
                }
                let app = &org.apps[caller.app];
                app.roles.iter().any(|r| role_reads(r, need))
            }
        };
        (!allowed).then(|| sim.okta_error(self.headers.clone(), OktaError::NoPermission, None))
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

/// `GET /api/v1/users/me`: the token's admin. An app's token has no user: 404 E0000007
/// `me (User)`, once its scope and roles pass.
pub(crate) async fn users_me(State(sim): State<Arc<Inner>>, api: Api) -> Answer {
    if api.app(sim.org(api.org)).is_some() {
        if let Some(refused) = api.refusal(&sim, Need::Me) {
            return refused;
        }
        return api.not_found(&sim, "me", "User");
    }
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
    if let Some(refused) = api.refusal(&sim, Need::Users) {
        return refused;
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
    let own = api.me(org).is_some_and(|m| m.id == id);
    if !own {
        if let Some(refused) = api.refusal(&sim, Need::Users) {
            return refused;
        }
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
    if let Some(refused) = api.refusal(&sim, Need::UserRoles) {
        return refused;
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
    if let Some(refused) = api.refusal(&sim, Need::Groups) {
        return refused;
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
    if let Some(refused) = api.refusal(&sim, Need::Logs) {
        return refused;
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

/// `GET /oauth2/v1/clients/{clientId}/roles`: an app's admin role assignments (the shape of a
/// user's). Needs `okta.roles.read`; an app may list its own, only a super admin another's.
pub(crate) async fn client_roles(State(sim): State<Arc<Inner>>, uri: Uri, api: Api) -> Answer {
    let org = sim.org(api.org);
    let id = segment_after(uri.path(), "/oauth2/v1/clients/");
    let own = api.app(org).is_some_and(|a| a.client_id == id);
    if let Some(refused) = api.refusal(&sim, Need::ClientRoles { own }) {
        return refused;
    }
    match org.apps.iter().find(|a| a.client_id == id) {
        Some(a) => {
            let v = okta::client_roles(&api.host, a);
            api.json(&v)
        }
        None => api.not_found(&sim, &redact(id), "Client"),
    }
}

/// `GET /api/v1/apps/{id}`: an app integration, minimal Okta shape. Needs `okta.apps.read`.
pub(crate) async fn app(State(sim): State<Arc<Inner>>, uri: Uri, api: Api) -> Answer {
    if let Some(refused) = api.refusal(&sim, Need::Apps) {
        return refused;
    }
    let org = sim.org(api.org);
    let id = segment_after(uri.path(), "/api/v1/apps/");
    match org.apps.iter().find(|a| a.client_id == id) {
        Some(a) => {
            let v = okta::app(&api.host, a);
            api.json(&v)
        }
        None => api.not_found(&sim, &redact(id), "AppInstance"),
    }
}

/// Any other path under `/api/v1`: 404 E0000007 naming the path (redacted).
pub(crate) async fn unknown(State(sim): State<Arc<Inner>>, uri: Uri, api: Api) -> Answer {
    api.not_found(&sim, &redact(uri.path()), "PathSegment")
}

/// The `{id}` of `/api/v1/users/{id}[/roles]` as the client sent it. Not axum's `Path`, which
/// percent-decodes (and answers its own 400 to a bad escape): ids and logins are looked up as
/// spelled.
fn user_id(path: &str) -> &str {
    segment_after(path, "/api/v1/users/")
}

/// The path segment right after `prefix`, as sent.
fn segment_after<'a>(path: &'a str, prefix: &str) -> &'a str {
    let rest = path.strip_prefix(prefix).unwrap_or_default();
    rest.split('/').next().unwrap_or_default()
}

/// The credentials of `Authorization: SSWS|Bearer|DPoP <token>` (scheme case-insensitive).
fn credentials_of(headers: &HeaderMap) -> Option<Credentials> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, rest) = v.split_once(' ')?;
    let t = rest.trim();
    if t.is_empty() {
        return None;
    }
    let t = t.to_string();
    if scheme.eq_ignore_ascii_case("SSWS") {
        Some(Credentials::Ssws(t))
    } else if scheme.eq_ignore_ascii_case("Bearer") {
        Some(Credentials::OAuth(Scheme::Bearer, t))
    } else if scheme.eq_ignore_ascii_case("DPoP") {
        Some(Credentials::OAuth(Scheme::Dpop, t))
    } else {
        None
    }
}

/// The token from `Authorization: SSWS <token>`.
#[cfg(test)]
fn token_of(headers: &HeaderMap) -> Option<String> {
    match credentials_of(headers)? {
        Credentials::Ssws(t) => Some(t),
        Credentials::OAuth(..) => None,
    }
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
