//! okta-link-check: the page's connection check on a server.
//!
//! A platform must not trust a browser's word: it re-checks what the page hands it, on submit
//! and later on a schedule. The check is the reference proxy's check server
//! ([`okta_proxy::check`]): for an API token, the very check the page runs (the core's pure
//! plan, its classification and diagnosis); for an OAuth 2.0 service app or OIN integration,
//! the token request and the probes the proxy's `POST /check` makes. Both return the same
//! report and the versioned [`LinkResult`](okta_link_core::result::LinkResult)
//! (`schema/okta-link-result.v2.json`).
//!
//! It goes to Okta directly (a server needs no proxy), through the proxy's own guarded client
//! and rules, so every request is answered exactly as the proxy would answer the page. As with
//! the page, credentials go only to Okta-owned hosts: a custom domain is asked only for its
//! well-known document.

pub mod cli;

use std::sync::Arc;

use okta_link_core::oauth::CheckRequest;
pub use okta_proxy::check::{check, CheckError, Checked, Driver, Options};
use okta_proxy::oauth::keys::ServiceAppKeys;
use okta_proxy::oauth::OAuth;

/// Check `request` (org normalized, credential cleaned) with the service app `keys` (needed
/// for a service app only).
pub async fn check_request(
    request: &CheckRequest,
    keys: Option<ServiceAppKeys>,
    options: &Options,
) -> Result<Checked, CheckError> {
    let oauth = OAuth::new(keys).map_err(|e| CheckError::Client(e.to_string()))?;
    let driver = Arc::new(Driver::from_options(options, Arc::new(oauth))?);
    driver.check(request, options).await
}
