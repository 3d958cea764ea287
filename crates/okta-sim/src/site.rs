//! The org a request to the simulator is answered as: chosen from the `Host` by the routes'
//! org-selection layer and read by the handlers (the API's and the fault hosts') as an extractor.
//! It holds no request data beyond the host name; never a header value.

use crate::TokenPolicy;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;

/// The org a request is answered as, chosen by its `Host` (by `routes::by_host`, which puts it in the request's extensions).
#[derive(Clone)]
pub(crate) struct Site {
    /// Index of the org whose data is served.
    pub org: usize,
    /// The request's host, lowercased, port stripped (links in the answers name it).
    pub host: String,
    pub policy: TokenPolicy,
    /// The well-known document's `organization` href.
    pub organization: String,
    /// The well-known document's `alternate` href.
    pub alternate: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for Site {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Site, StatusCode> {
        parts
            .extensions
            .get::<Site>()
            .cloned()
            .ok_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}
