//! okta-link: the "Link Account" page for Okta.
//!
//! * [`core`] is the pure part, the `okta-link-core` crate (crates/okta-link-core): org URL and
//!   token normalization, runtime configuration, the check plan, the interpretation of responses
//!   and the diagnosis. No browser, no async runtime; it is tested natively and compiled to wasm,
//!   and the proxy, okta-link-check and a platform's backend use it without the page.
//! * [`i18n`] turns the core's typed values into words through message catalogues.
//! * `net` (wasm only) is the one module that talks to the network.
//! * `ui` (wasm only) holds the Leptos components, which render state and dispatch.

pub use okta_link_core as core;
pub mod i18n;

#[cfg(target_arch = "wasm32")]
pub mod net;
#[cfg(target_arch = "wasm32")]
pub mod ui;

pub use crate::core::{org_url, token};
