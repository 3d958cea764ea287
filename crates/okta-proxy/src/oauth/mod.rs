//! OAuth 2.0 for the check server: the platform's service app keys ([`keys`]), client
//! assertions, DPoP proofs and nonces ([`jose`]). The checks themselves are in
//! [`crate::check`].

pub mod jose;
pub mod keys;

use jose::{DpopKey, JoseError, Nonces};
use keys::ServiceAppKeys;

/// What the process holds for OAuth 2.0 checks: the service app keys (if configured), its own
/// DPoP key, and the DPoP nonces Okta gave per org.
#[derive(Debug)]
pub struct OAuth {
    pub keys: Option<ServiceAppKeys>,
    pub dpop: DpopKey,
    pub nonces: Nonces,
}

impl OAuth {
    /// With `keys` (or none: then only OIN integrations and API tokens are checked) and a new
    /// DPoP key.
    pub fn new(keys: Option<ServiceAppKeys>) -> Result<OAuth, JoseError> {
        Ok(OAuth {
            keys,
            dpop: DpopKey::generate()?,
            nonces: Nonces::default(),
        })
    }
}
