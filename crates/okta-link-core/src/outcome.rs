//! The typed outcome of one request through the proxy, built by a pure function ([`classify`])
//! from the raw parts of the answer that the network shell hands over ([`RawResponse`]), or from
//! the shell's own failure ([`Transport`]).
//!
//! Every byte here comes from outside (Okta, the proxy, or whatever answers at the proxy's
//! address) and is treated as hostile: nothing panics, every string kept is bounded.

use serde::{Deserialize, Serialize};

use crate::decode::{
    self, bounded, looks_truncated, nesting_depth, Document, JsonError, JsonParser, MAX_NESTING,
};
use crate::okta::{ErrorCause, OktaError, RateLimit};

/// Bodies longer than this (in bytes) are not parsed.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Where a proxy that makes upstream answers inert (its own `Content-Type` is only JSON or plain
/// text) passes the upstream's original `Content-Type`; when present, the page judges the answer
/// by it instead of `Content-Type` (docs/proxy-contract.md).
pub const UPSTREAM_CONTENT_TYPE_HEADER: &str = "x-okta-link-upstream-content-type";

/// One HTTP answer, owned, as a shell read it (the page from the proxy, the native check from
/// the proxy's own rules); [`Answer::raw`] lends it to [`classify`].
#[derive(Debug, Clone, Default)]
pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    pub request_id: Option<String>,
    pub rate_limit_limit: Option<String>,
    pub rate_limit_remaining: Option<String>,
    pub rate_limit_reset: Option<String>,
    pub proxy_error: Option<String>,
    pub body: String,
}

impl Answer {
    pub fn raw(&self) -> RawResponse<'_> {
        RawResponse {
            status: self.status,
            content_type: self.content_type.as_deref(),
            request_id: self.request_id.as_deref(),
            rate_limit_limit: self.rate_limit_limit.as_deref(),
            rate_limit_remaining: self.rate_limit_remaining.as_deref(),
            rate_limit_reset: self.rate_limit_reset.as_deref(),
            proxy_error_header: self.proxy_error.as_deref(),
            body: &self.body,
        }
    }
}

/// The raw parts of one HTTP answer, as the shell read them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RawResponse<'a> {
    pub status: u16,
    /// `Content-Type`.
    pub content_type: Option<&'a str>,
    /// `X-Okta-Request-Id`.
    pub request_id: Option<&'a str>,
    /// `X-Rate-Limit-Limit`.
    pub rate_limit_limit: Option<&'a str>,
    /// `X-Rate-Limit-Remaining`.
    pub rate_limit_remaining: Option<&'a str>,
    /// `X-Rate-Limit-Reset`.
    pub rate_limit_reset: Option<&'a str>,
    /// `X-Okta-Link-Proxy-Error`.
    pub proxy_error_header: Option<&'a str>,
    pub body: &'a str,
}

/// Why the shell got no answer at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    /// Network error or CORS refusal: the proxy could not be reached (or refused the page).
    Unreachable,
    /// The request's time bound fired.
    TimedOut,
    /// The answer was larger than the shell reads.
    TooLarge,
}

impl Transport {
    /// Stable id: `unreachable`, `timed_out`, `too_large`.
    pub fn code(&self) -> &'static str {
        match self {
            Transport::Unreachable => "unreachable",
            Transport::TimedOut => "timed_out",
            Transport::TooLarge => "too_large",
        }
    }
}

/// Okta's answer: the expected body on 2xx, the error body (when there is one) otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OktaBody<T> {
    Ok(T),
    Err(Option<OktaError>),
}

/// The proxy's own error codes (docs/proxy-contract.md), plus `Unknown` for a code this page
/// does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProxyErrorCode {
    TargetRefused,
    TargetForbiddenAddress,
    NameNotFound,
    UpstreamUnreachable,
    UpstreamTimeout,
    UpstreamTooLarge,
    UpstreamRedirect,
    MethodNotAllowed,
    PathNotAllowed,
    OriginNotAllowed,
    BadRequest,
    RateLimited,
    Unknown,
}

impl ProxyErrorCode {
    pub const ALL: [ProxyErrorCode; 13] = [
        ProxyErrorCode::TargetRefused,
        ProxyErrorCode::TargetForbiddenAddress,
        ProxyErrorCode::NameNotFound,
        ProxyErrorCode::UpstreamUnreachable,
        ProxyErrorCode::UpstreamTimeout,
        ProxyErrorCode::UpstreamTooLarge,
        ProxyErrorCode::UpstreamRedirect,
        ProxyErrorCode::MethodNotAllowed,
        ProxyErrorCode::PathNotAllowed,
        ProxyErrorCode::OriginNotAllowed,
        ProxyErrorCode::BadRequest,
        ProxyErrorCode::RateLimited,
        ProxyErrorCode::Unknown,
    ];

    /// The contract's code string (`target_refused`, …), `unknown` for [`ProxyErrorCode::Unknown`].
    pub fn code(&self) -> &'static str {
        match self {
            ProxyErrorCode::TargetRefused => "target_refused",
            ProxyErrorCode::TargetForbiddenAddress => "target_forbidden_address",
            ProxyErrorCode::NameNotFound => "name_not_found",
            ProxyErrorCode::UpstreamUnreachable => "upstream_unreachable",
            ProxyErrorCode::UpstreamTimeout => "upstream_timeout",
            ProxyErrorCode::UpstreamTooLarge => "upstream_too_large",
            ProxyErrorCode::UpstreamRedirect => "upstream_redirect",
            ProxyErrorCode::MethodNotAllowed => "method_not_allowed",
            ProxyErrorCode::PathNotAllowed => "path_not_allowed",
            ProxyErrorCode::OriginNotAllowed => "origin_not_allowed",
            ProxyErrorCode::BadRequest => "bad_request",
            ProxyErrorCode::RateLimited => "rate_limited",
            ProxyErrorCode::Unknown => "unknown",
        }
    }

    /// From the header or body value (case-insensitive, surrounding spaces ignored).
    pub fn parse(s: &str) -> ProxyErrorCode {
        let s = s.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|c| *c != ProxyErrorCode::Unknown && c.code().eq_ignore_ascii_case(s))
            .unwrap_or(ProxyErrorCode::Unknown)
    }
}

/// The proxy answered with its own error instead of forwarding Okta's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProxyFailure {
    pub code: ProxyErrorCode,
    pub status: u16,
    /// The host the proxy was asked to reach, as it reported it (bounded).
    pub target: Option<String>,
}

/// Why an answer could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnreadableKind {
    /// An HTML page (an error page, a sign-in page, a website's catch-all).
    Html,
    /// A body that is not JSON.
    NotJson,
    /// JSON that stops in the middle.
    Truncated,
    /// A successful answer whose content type is not JSON.
    WrongContentType,
    /// Larger than the page reads.
    TooLarge,
    /// No body where one was expected.
    Empty,
    /// Valid JSON, but not the shape Okta sends for this call.
    UnexpectedShape,
    /// A redirect (the proxy's `upstream_redirect`): never followed, so never read.
    Redirect,
}

impl UnreadableKind {
    /// Stable id: `html`, `not_json`, `truncated`, `wrong_content_type`, `too_large`, `empty`,
    /// `unexpected_shape`, `redirect`.
    pub fn code(&self) -> &'static str {
        match self {
            UnreadableKind::Html => "html",
            UnreadableKind::NotJson => "not_json",
            UnreadableKind::Truncated => "truncated",
            UnreadableKind::WrongContentType => "wrong_content_type",
            UnreadableKind::TooLarge => "too_large",
            UnreadableKind::Empty => "empty",
            UnreadableKind::UnexpectedShape => "unexpected_shape",
            UnreadableKind::Redirect => "redirect",
        }
    }
}

/// The typed outcome of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<T> {
    /// Okta answered (through the proxy): status, body, rate-limit headers, request id.
    /// A non-2xx answer whose body is not an HTML page lands here too, with `Err(None)` when
    /// the body is not Okta's error JSON.
    Okta {
        status: u16,
        body: OktaBody<T>,
        rate_limit: RateLimit,
        request_id: Option<String>,
    },
    /// The proxy answered with its own error.
    Proxy(ProxyFailure),
    /// The proxy could not be reached (network error, CORS refusal).
    Unreachable,
    /// No answer in time.
    TimedOut,
    /// An answer that cannot be read. `status` is kept: an HTML 5xx page is Okta's (or its
    /// edge's) server error, an HTML 404 on the well-known document means no Okta org there.
    /// `status` is 0 when the shell refused the answer before reading it.
    Unreadable {
        status: u16,
        kind: UnreadableKind,
        request_id: Option<String>,
    },
}

impl<T> Outcome<T> {
    /// The shell's failure as an outcome.
    pub fn from_transport(t: Transport) -> Outcome<T> {
        match t {
            Transport::Unreachable => Outcome::Unreachable,
            Transport::TimedOut => Outcome::TimedOut,
            Transport::TooLarge => Outcome::Unreadable {
                status: 0,
                kind: UnreadableKind::TooLarge,
                request_id: None,
            },
        }
    }

    /// The HTTP status, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Outcome::Okta { status, .. } => Some(*status),
            Outcome::Proxy(p) => Some(p.status),
            Outcome::Unreadable { status, .. } if *status != 0 => Some(*status),
            _ => None,
        }
    }

    /// Okta's request id of this answer.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Outcome::Okta { request_id, .. } | Outcome::Unreadable { request_id, .. } => {
                request_id.as_deref()
            }
            _ => None,
        }
    }

    /// The successful body.
    pub fn ok(&self) -> Option<&T> {
        match self {
            Outcome::Okta {
                body: OktaBody::Ok(t),
                ..
            } => Some(t),
            _ => None,
        }
    }

    /// Okta's error body, if Okta answered with one.
    pub fn okta_error(&self) -> Option<&OktaError> {
        match self {
            Outcome::Okta {
                body: OktaBody::Err(Some(e)),
                ..
            } => Some(e),
            _ => None,
        }
    }

    /// Whether Okta answered with this `errorCode`.
    pub fn has_error_code(&self, code: &str) -> bool {
        self.okta_error().is_some_and(|e| e.is(code))
    }

    /// The rate-limit headers, when Okta answered.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        match self {
            Outcome::Okta { rate_limit, .. } => Some(*rate_limit),
            _ => None,
        }
    }

    /// Okta refused for its rate limit (HTTP 429 not from the proxy).
    pub fn is_rate_limited(&self) -> bool {
        matches!(
            self,
            Outcome::Okta { status: 429, .. } | Outcome::Unreadable { status: 429, .. }
        )
    }

    /// A 5xx answer from upstream (JSON or an HTML error page), not the proxy's own error.
    pub fn is_server_error(&self) -> bool {
        matches!(
            self,
            Outcome::Okta {
                status: 500..=599,
                ..
            } | Outcome::Unreadable {
                status: 500..=599,
                ..
            }
        )
    }

    /// The same outcome with the body replaced by `()` (for judging it without its type).
    pub fn erase(&self) -> Outcome<()> {
        match self {
            Outcome::Okta {
                status,
                body,
                rate_limit,
                request_id,
            } => Outcome::Okta {
                status: *status,
                body: match body {
                    OktaBody::Ok(_) => OktaBody::Ok(()),
                    OktaBody::Err(e) => OktaBody::Err(e.clone()),
                },
                rate_limit: *rate_limit,
                request_id: request_id.clone(),
            },
            Outcome::Proxy(p) => Outcome::Proxy(p.clone()),
            Outcome::Unreachable => Outcome::Unreachable,
            Outcome::TimedOut => Outcome::TimedOut,
            Outcome::Unreadable {
                status,
                kind,
                request_id,
            } => Outcome::Unreadable {
                status: *status,
                kind: *kind,
                request_id: request_id.clone(),
            },
        }
    }
}

/// What a JSON content type is: `application/json` (any parameters), `application/…+json`.
pub fn is_json_content_type(ct: &str) -> bool {
    let essence = media_type(ct);
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|sub| sub.len() > 5 && sub.ends_with("+json"))
}

/// A content type's media type, lowercase, without parameters.
fn media_type(ct: &str) -> String {
    ct.split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn is_html_content_type(ct: &str) -> bool {
    let essence = media_type(ct);
    essence == "text/html" || essence == "application/xhtml+xml"
}

fn looks_like_html(body: &str) -> bool {
    let head: String = body
        .trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .chars()
        .take(16)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype")
        || head.starts_with("<html")
        || head.starts_with("<head")
        || head.starts_with("<body")
        || head.starts_with("<!--")
        || head.starts_with("<?xml")
        || head.starts_with("<title")
        || head.starts_with("<meta")
        || head.starts_with("<h1")
        || head.starts_with("<p>")
}

/// Okta request ids are short tokens; keep at most 128 characters of `[A-Za-z0-9._:@-]`. A
/// duplicated header, joined by a comma (`"abc, abc"`), gives its first value: the parts
/// joined together would be an id Okta never issued.
pub fn clean_request_id(s: Option<&str>) -> Option<String> {
    let id: String = s?
        .split(',')
        .next()?
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '@' | '-'))
        .take(128)
        .collect();
    (!id.is_empty()).then_some(id)
}

/// Everything a non-2xx JSON body may hold: Okta's error or the proxy's.
/// The fields of an error body: Okta's and the proxy's.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorFields {
    #[serde(default, deserialize_with = "decode::text")]
    error_code: Option<String>,
    #[serde(default, deserialize_with = "decode::text")]
    error_summary: Option<String>,
    #[serde(default, deserialize_with = "decode::text")]
    error_link: Option<String>,
    #[serde(default, deserialize_with = "decode::text")]
    error_id: Option<String>,
    #[serde(default, deserialize_with = "crate::okta::error_causes")]
    error_causes: Vec<ErrorCause>,
    #[serde(default, deserialize_with = "decode::text")]
    proxy_error: Option<String>,
    #[serde(default, deserialize_with = "decode::text")]
    target: Option<String>,
}

impl Document for ErrorFields {}

fn parse_error_fields<P: JsonParser>(body: &str, parser: &P) -> Option<ErrorFields> {
    let t = body.trim_start_matches('\u{feff}').trim();
    if !t.starts_with('{') || t.len() > MAX_BODY_BYTES || nesting_depth(t) > MAX_NESTING {
        return None;
    }
    decode::read::<ErrorFields, P>(t, parser).ok()
}

/// cors-anywhere (and proxies built like it) answer a failed upstream connection with a 404 and
/// a text body `Not found because of proxy error: Error: getaddrinfo ENOTFOUND host`.
fn cors_anywhere_error(raw: &RawResponse) -> Option<ProxyErrorCode> {
    let body = raw.body.trim_start();
    let head = body.get(..body.len().min(512)).unwrap_or("");
    if !head.starts_with("Not found because of proxy error") {
        return None;
    }
    Some(
        if head.contains("ENOTFOUND") || head.contains("EAI_AGAIN") {
            ProxyErrorCode::NameNotFound
        } else if head.contains("ETIMEDOUT") || head.contains("ESOCKETTIMEDOUT") {
            ProxyErrorCode::UpstreamTimeout
        } else {
            ProxyErrorCode::UpstreamUnreachable
        },
    )
}

/// Interpret one answer for a call whose successful body is a `T`.
///
/// * The proxy's own error (header `X-Okta-Link-Proxy-Error`, or a non-2xx JSON body with
///   `proxyError` and no `errorCode`) → [`Outcome::Proxy`].
/// * 2xx: empty → `Empty`; an HTML page → `Html`; a content type that is present and not JSON
///   → `WrongContentType`; JSON that does not parse → `Truncated` or `NotJson`; JSON of another
///   shape → `UnexpectedShape`; else `Okta { body: Ok(T) }`.
/// * non-2xx: an HTML page → `Unreadable { status, Html }` (the status tells a 5xx error page
///   from a 404); otherwise `Okta { body: Err(Okta's error body if it is one) }`.
pub fn classify<T: Document, P: JsonParser>(raw: &RawResponse, parser: &P) -> Outcome<T> {
    // Everything but reading the body as a `T` is the same for every `T`, so it is compiled once.
    let (text, status, rate_limit, request_id) = match triage(raw, parser) {
        Triage::Settled(outcome) => return outcome.never_a_body(),
        Triage::Read {
            text,
            status,
            rate_limit,
            request_id,
        } => (text, status, rate_limit, request_id),
    };
    match decode::read::<T, P>(text, parser) {
        Ok(value) => Outcome::Okta {
            status,
            body: OktaBody::Ok(value),
            rate_limit,
            request_id,
        },
        Err(e) => unparsed(text, e, status, request_id, parser).never_a_body(),
    }
}

/// An outcome that holds no body (the type has no values).
#[derive(Debug)]
enum NoBody {}

impl Outcome<NoBody> {
    fn never_a_body<T>(self) -> Outcome<T> {
        match self {
            Outcome::Okta {
                status,
                body,
                rate_limit,
                request_id,
            } => Outcome::Okta {
                status,
                body: match body {
                    OktaBody::Ok(never) => match never {},
                    OktaBody::Err(e) => OktaBody::Err(e),
                },
                rate_limit,
                request_id,
            },
            Outcome::Proxy(p) => Outcome::Proxy(p),
            Outcome::Unreachable => Outcome::Unreachable,
            Outcome::TimedOut => Outcome::TimedOut,
            Outcome::Unreadable {
                status,
                kind,
                request_id,
            } => Outcome::Unreadable {
                status,
                kind,
                request_id,
            },
        }
    }
}

/// Where [`classify`] stands before the body is read as a `T`.
enum Triage<'a> {
    /// The outcome does not depend on the body's type.
    Settled(Outcome<NoBody>),
    /// A 2xx JSON answer, to be read.
    Read {
        text: &'a str,
        status: u16,
        rate_limit: RateLimit,
        request_id: Option<String>,
    },
}

fn triage<'a, P: JsonParser>(raw: &RawResponse<'a>, parser: &P) -> Triage<'a> {
    let status = raw.status;
    let request_id = clean_request_id(raw.request_id);
    let ok_status = (200..300).contains(&status);
    let body = raw.body;

    // The proxy's own errors.
    let header_code = raw
        .proxy_error_header
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(ProxyErrorCode::parse);
    let fields = if ok_status {
        None
    } else {
        parse_error_fields(body, parser)
    };
    let body_code = fields
        .as_ref()
        .filter(|f| f.error_code.is_none())
        .and_then(|f| f.proxy_error.as_deref())
        .map(ProxyErrorCode::parse);
    if let Some(code) = header_code.or(body_code) {
        let target = fields
            .as_ref()
            .and_then(|f| f.target.as_deref())
            .map(|t| bounded(t, 256));
        return Triage::Settled(Outcome::Proxy(ProxyFailure {
            code,
            status,
            target,
        }));
    }
    if !ok_status {
        if let Some(code) = cors_anywhere_error(raw) {
            return Triage::Settled(Outcome::Proxy(ProxyFailure {
                code,
                status,
                target: None,
            }));
        }
    }

    let unreadable = |kind| {
        Triage::Settled(Outcome::Unreadable {
            status,
            kind,
            request_id: request_id.clone(),
        })
    };
    if body.len() > MAX_BODY_BYTES {
        return unreadable(UnreadableKind::TooLarge);
    }
    let html = raw.content_type.is_some_and(is_html_content_type) || looks_like_html(body);
    if html {
        return unreadable(UnreadableKind::Html);
    }
    let rate_limit = RateLimit::from_headers(
        raw.rate_limit_limit,
        raw.rate_limit_remaining,
        raw.rate_limit_reset,
    );

    if !ok_status {
        let error = fields
            .filter(|f| f.error_code.is_some())
            .map(|f| OktaError {
                error_code: f.error_code,
                error_summary: f.error_summary,
                error_link: f.error_link,
                error_id: f.error_id,
                error_causes: f.error_causes,
            });
        return Triage::Settled(Outcome::Okta {
            status,
            body: OktaBody::Err(error),
            rate_limit,
            request_id,
        });
    }

    let text = body.trim_start_matches('\u{feff}').trim();
    if text.is_empty() {
        return unreadable(UnreadableKind::Empty);
    }
    if raw
        .content_type
        .is_some_and(|ct| !ct.trim().is_empty() && !is_json_content_type(ct))
    {
        return unreadable(UnreadableKind::WrongContentType);
    }
    if nesting_depth(text) > MAX_NESTING {
        return unreadable(UnreadableKind::UnexpectedShape);
    }
    Triage::Read {
        text,
        status,
        rate_limit,
        request_id,
    }
}

/// Why a 2xx JSON text did not read as the expected type.
fn unparsed<P: JsonParser>(
    text: &str,
    error: JsonError,
    status: u16,
    request_id: Option<String>,
    parser: &P,
) -> Outcome<NoBody> {
    let kind = match error {
        // Parsers stop at different points (a shape error may come before the cut), so a
        // text that stops inside a string, array or object is truncated, whatever the error.
        _ if looks_truncated(text) => UnreadableKind::Truncated,
        JsonError::Syntax => UnreadableKind::NotJson,
        // A parser may report the shape before it reaches bad syntax; ask once more whether
        // the text is JSON at all (only on this error path).
        JsonError::Shape => match parser.parse::<serde::de::IgnoredAny>(text) {
            Ok(_) => UnreadableKind::UnexpectedShape,
            Err(_) => UnreadableKind::NotJson,
        },
    };
    Outcome::Unreadable {
        status,
        kind,
        request_id,
    }
}
