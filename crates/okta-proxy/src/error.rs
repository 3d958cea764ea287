//! The proxy's own errors: the codes and statuses of docs/proxy-contract.md, rendered as the
//! JSON body `{"proxyError": …, "message": …, "target": …}` with `X-Okta-Link-Proxy-Error`.

use axum::http::header::{
    CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Headers on every answer under the proxy's prefix (proxied, error, preflight): whatever the
/// body, a browser that opens the URL as a document on the proxy's origin (the page's own
/// origin with `--serve-dist`) never renders it, never sniffs a type, never runs script, and
/// downloads it instead.
pub const INERT_HEADERS: [(HeaderName, &str); 4] = [
    (
        CONTENT_SECURITY_POLICY,
        "default-src 'none'; sandbox; frame-ancestors 'none'",
    ),
    (X_FRAME_OPTIONS, "DENY"),
    (X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (CONTENT_DISPOSITION, "attachment"),
];

/// Set [`INERT_HEADERS`], replacing any value already there.
pub fn make_inert(h: &mut HeaderMap) {
    for (name, value) in INERT_HEADERS {
        h.insert(name, HeaderValue::from_static(value));
    }
}

/// Every error code of the contract: the page's own enum, so page and proxy cannot drift
/// apart (`Unknown` is what the page calls a code it does not know; the proxy never sends it).
pub use okta_link_core::outcome::ProxyErrorCode as Code;

/// The HTTP status the contract gives each code (its wire name is `code()`).
pub trait Contract {
    fn status(self) -> StatusCode;
}

impl Contract for Code {
    fn status(self) -> StatusCode {
        match self {
            Code::TargetRefused
            | Code::TargetForbiddenAddress
            | Code::PathNotAllowed
            | Code::OriginNotAllowed => StatusCode::FORBIDDEN,
            Code::NameNotFound
            | Code::UpstreamUnreachable
            | Code::UpstreamTooLarge
            | Code::UpstreamRedirect
            | Code::Unknown => StatusCode::BAD_GATEWAY,
            Code::UpstreamTimeout => StatusCode::GATEWAY_TIMEOUT,
            Code::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Code::BadRequest => StatusCode::BAD_REQUEST,
            Code::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        }
    }
}

/// One of the proxy's own failures, ready to be rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyError {
    pub code: Code,
    /// Human text for the integrator. Never contains header values.
    pub message: String,
    /// The target host as the request named it (lowercased), if it got that far.
    pub target: Option<String>,
    /// Overrides the contract's status (431 for oversized headers, 414 is not used).
    pub status: Option<StatusCode>,
    /// Seconds for `Retry-After` (rate limiting).
    pub retry_after: Option<u64>,
    /// What the operator needs to know and the client must not (an address a name resolved
    /// to, why it is forbidden): written to the request log only, never into the answer.
    pub detail: Option<String>,
}

/// The one answer to every destination the proxy does not connect to, whatever the reason:
/// an IP address in any spelling, a private or special-use name (`.internal`, `.local`, a
/// single label), a name that does not resolve, or one that resolves (or connected) to a
/// loopback, private, link-local or metadata address. Identical for all of them, so the proxy
/// cannot be used to map the platform's internal DNS; the reason goes to the log only.
pub const DESTINATION_REFUSED: &str = "the proxy does not connect to this destination: \
it is not a public address of an Okta organization or of a custom domain";

/// Server-side detail of an answer, carried to the request log in the response's extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogDetail(pub String);

impl ProxyError {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        ProxyError {
            code,
            message: message.into(),
            target: None,
            status: None,
            retry_after: None,
            detail: None,
        }
    }

    /// [`DESTINATION_REFUSED`] for `host`, with the real reason kept for the log.
    pub fn destination_refused(host: &str, detail: impl Into<String>) -> Self {
        ProxyError::new(Code::TargetForbiddenAddress, DESTINATION_REFUSED)
            .with_target(Some(host))
            .with_detail(detail)
    }

    /// Add the log-only detail.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn with_target(mut self, target: Option<&str>) -> Self {
        self.target = target.map(|t| truncate(t, 255).to_string());
        self
    }

    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = Some(status);
        self
    }

    pub fn status(&self) -> StatusCode {
        self.status.unwrap_or_else(|| self.code.status())
    }

    /// The JSON body of the contract.
    pub fn body(&self) -> String {
        serde_json::json!({
            "proxyError": self.code.code(),
            "message": self.message,
            "target": self.target,
        })
        .to_string()
    }
}

fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

impl IntoResponse for ProxyError {
    fn into_response(self) -> Response {
        let mut res = (self.status(), self.body()).into_response();
        let h = res.headers_mut();
        h.insert(
            "content-type",
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        h.insert(
            "x-okta-link-proxy-error",
            HeaderValue::from_static(self.code.code()),
        );
        h.insert("cache-control", HeaderValue::from_static("no-store"));
        make_inert(h);
        if let Some(secs) = self.retry_after {
            h.insert("retry-after", HeaderValue::from(secs));
        }
        if self.code == Code::MethodNotAllowed {
            h.insert("allow", HeaderValue::from_static("GET, OPTIONS"));
        }
        res.extensions_mut().insert(self.code);
        if let Some(detail) = self.detail {
            res.extensions_mut().insert(LogDetail(detail));
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_contract() {
        let expect = [
            ("target_refused", 403),
            ("target_forbidden_address", 403),
            ("name_not_found", 502),
            ("upstream_unreachable", 502),
            ("upstream_timeout", 504),
            ("upstream_too_large", 502),
            ("upstream_redirect", 502),
            ("method_not_allowed", 405),
            ("path_not_allowed", 403),
            ("origin_not_allowed", 403),
            ("bad_request", 400),
            ("rate_limited", 429),
        ];
        for (code, (name, status)) in Code::ALL.iter().zip(expect) {
            assert_eq!(code.code(), name);
            assert_eq!(code.status().as_u16(), status);
        }
    }

    #[test]
    fn body_shape() {
        let e = ProxyError::new(Code::TargetRefused, "no \"quotes\" break it")
            .with_target(Some("evil.example"));
        let v: serde_json::Value = serde_json::from_str(&e.body()).unwrap();
        assert_eq!(v["proxyError"], "target_refused");
        assert_eq!(v["target"], "evil.example");
        assert_eq!(v["message"], "no \"quotes\" break it");
        assert!(v.get("errorCode").is_none());
        let r = e.clone().into_response();
        assert_eq!(
            r.headers()["content-type"],
            "application/json; charset=utf-8"
        );
        for (name, value) in INERT_HEADERS {
            assert_eq!(r.headers()[&name], value, "{name}");
        }
        let none = ProxyError::new(Code::BadRequest, "x");
        let v: serde_json::Value = serde_json::from_str(&none.body()).unwrap();
        assert!(v["target"].is_null());
    }
}
