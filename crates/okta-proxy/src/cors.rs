//! CORS for the configured page origins.
//!
//! An `Origin` in the allow-list gets `Access-Control-Allow-Origin: <that origin>`; an `Origin`
//! that is present but not allowed is refused outright (`origin_not_allowed`), so a page on
//! another origin cannot even make the proxy send a request. No `Origin` (same-origin GET, or a
//! non-browser client) is allowed: browsers always send `Origin` on cross-origin requests.
//!
//! Why this is not tower-http's `CorsLayer` (0.6): the contract of docs/proxy-contract.md is not
//! what `CorsLayer` does, and the tests hold it.
//! * A disallowed origin is refused with the proxy's JSON error (403 `origin_not_allowed`),
//!   preflight or not, after the length checks and the rate limit; `CorsLayer` only leaves its
//!   headers off and answers (preflight) or forwards (other requests) anyway.
//! * `CorsLayer` answers every `OPTIONS` itself, with an empty 200; the proxy answers a preflight
//!   204, and an `OPTIONS` without `Origin` 405 `method_not_allowed`.
//! * `CorsLayer` renders header lists from `HeaderName`s (lowercase, joined by `,`); the page and
//!   the tests read `Access-Control-Allow-Headers: authorization, accept` and the
//!   `Access-Control-Expose-Headers` names as written in [`EXPOSE_HEADERS`].
//! * Two `Origin` headers are refused; `CorsLayer`'s predicate sees only the first.
//! * `--dev-fault no-cors` leaves the headers off one answer on purpose.
//!
//! With all of that kept by hand, a `CorsLayer` would only echo the origin: it would add a
//! second place that decides CORS, not remove one.

use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ORIGIN,
};
use axum::http::{HeaderMap, HeaderValue};

/// Headers the page must be able to read.
pub const EXPOSE_HEADERS: &str = "X-Rate-Limit-Limit, X-Rate-Limit-Remaining, X-Rate-Limit-Reset, X-Okta-Request-Id, X-Okta-Link-Proxy-Error, X-Okta-Link-Upstream-Content-Type";
pub const ALLOW_METHODS: &str = "GET";
pub const ALLOW_HEADERS: &str = "authorization, accept";
pub const MAX_AGE: &str = "600";

/// What the request's `Origin` header means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginCheck {
    /// No `Origin` header.
    Absent,
    /// An allowed origin (the header value, to echo back).
    Allowed(HeaderValue),
    /// Present but not on the list (or malformed, or repeated).
    Refused,
}

/// The allow-list of page origins.
#[derive(Debug, Clone, Default)]
pub struct Cors {
    allowed: Vec<String>,
}

impl Cors {
    /// `origins` must already be normalized with [`okta_link_core::origin::normalize_origin`].
    pub fn new(origins: Vec<String>) -> Self {
        Cors { allowed: origins }
    }

    pub fn origins(&self) -> &[String] {
        &self.allowed
    }

    pub fn check(&self, headers: &HeaderMap) -> OriginCheck {
        let mut values = headers.get_all(ORIGIN).iter();
        let Some(first) = values.next() else {
            return OriginCheck::Absent;
        };
        if values.next().is_some() {
            return OriginCheck::Refused;
        }
        match first.to_str() {
            Ok(o) if self.allowed.iter().any(|a| a == o) => OriginCheck::Allowed(first.clone()),
            _ => OriginCheck::Refused,
        }
    }

    /// Headers for an actual (non-preflight) response to an allowed origin.
    pub fn apply(headers: &mut HeaderMap, origin: &HeaderValue) {
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        headers.insert(
            ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSE_HEADERS),
        );
    }

    /// Headers for a preflight answer to an allowed origin.
    pub fn apply_preflight(headers: &mut HeaderMap, origin: &HeaderValue) {
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        headers.insert(
            ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(ALLOW_METHODS),
        );
        headers.insert(
            ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(ALLOW_HEADERS),
        );
        headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(MAX_AGE));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use okta_link_core::origin::normalize_origin;

    #[test]
    fn normalizes_origins() {
        assert_eq!(
            normalize_origin("http://127.0.0.1:1234").unwrap(),
            "http://127.0.0.1:1234"
        );
        assert_eq!(
            normalize_origin("HTTPS://Portal.Example.COM:443").unwrap(),
            "https://portal.example.com"
        );
        for bad in [
            "portal.example.com",
            "ftp://x.example",
            "https://x.example/path",
            "https://x.example/?q",
            "https://u:p@x.example",
            "null",
            "*",
            // The page's rule: http only on loopback, nothing after the authority.
            "http://portal.example.com",
            "http://127.0.0.1:1234/",
        ] {
            assert!(normalize_origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn checks_origin_header() {
        let cors = Cors::new(vec!["http://127.0.0.1:1234".into()]);
        let mut h = HeaderMap::new();
        assert_eq!(cors.check(&h), OriginCheck::Absent);
        h.insert("origin", HeaderValue::from_static("http://127.0.0.1:1234"));
        assert!(matches!(cors.check(&h), OriginCheck::Allowed(_)));
        h.insert("origin", HeaderValue::from_static("http://127.0.0.1:1235"));
        assert_eq!(cors.check(&h), OriginCheck::Refused);
        h.insert("origin", HeaderValue::from_static("null"));
        assert_eq!(cors.check(&h), OriginCheck::Refused);
        h.insert("origin", HeaderValue::from_static("http://127.0.0.1:1234"));
        h.append("origin", HeaderValue::from_static("http://127.0.0.1:1234"));
        assert_eq!(cors.check(&h), OriginCheck::Refused);
    }
}
