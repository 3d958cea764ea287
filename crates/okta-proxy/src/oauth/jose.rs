//! Client assertions (`private_key_jwt`) and DPoP proofs (RFC 9449), signed by the JOSE library;
//! the DPoP key of the process; the per-org DPoP nonces Okta hands out.
//!
//! Nothing here logs or returns a key, a proof or an assertion in an error.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::pkcs8::EncodePrivateKey;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::keys::SigningKey;

/// How long a client assertion lives (Okta accepts up to an hour; a check needs seconds).
pub const ASSERTION_LIFETIME_S: u64 = 300;

/// Why a JWT could not be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoseError {
    /// The system's random source failed.
    Random,
    /// The JOSE library refused to sign.
    Sign,
}

impl std::fmt::Display for JoseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            JoseError::Random => "the system's random source failed",
            JoseError::Sign => "a JWT could not be signed",
        })
    }
}

impl std::error::Error for JoseError {}

/// 128 random bits, base64url: a `jti`.
pub fn random_id() -> Result<String, JoseError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|_| JoseError::Random)?;
    Ok(URL_SAFE_NO_PAD.encode(b))
}

/// `ath`: base64url(SHA-256(access token)).
pub fn ath(access_token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(access_token.as_bytes()))
}

/// A URL without its query and fragment: a proof's `htu`.
pub fn htu(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    &url[..end]
}

#[derive(Serialize)]
struct AssertionClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
    jti: String,
}

/// A client assertion for `client_id` at the token URL `aud`, issued at `now` (epoch seconds),
/// signed by `key` with its `kid` in the header.
pub fn client_assertion(
    key: &SigningKey,
    client_id: &str,
    aud: &str,
    now: u64,
) -> Result<String, JoseError> {
    let mut header = Header::new(key.alg());
    header.typ = Some("JWT".into());
    header.kid = Some(key.kid().to_string());
    let claims = AssertionClaims {
        iss: client_id,
        sub: client_id,
        aud,
        iat: now,
        exp: now + ASSERTION_LIFETIME_S,
        jti: random_id()?,
    };
    jsonwebtoken::encode(&header, &claims, key.encoding_key()).map_err(|_| JoseError::Sign)
}

#[derive(Serialize)]
struct ProofClaims<'a> {
    htm: &'a str,
    htu: &'a str,
    iat: u64,
    jti: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ath: Option<String>,
}

/// The process's own DPoP key (ES256), made at start; it never leaves the process, and only
/// its public JWK goes into proofs.
pub struct DpopKey {
    key: EncodingKey,
    jwk: Jwk,
}

impl std::fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DpopKey(..)")
    }
}

impl DpopKey {
    /// A new P-256 key from the system's random source.
    pub fn generate() -> Result<DpopKey, JoseError> {
        let secret = loop {
            let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
            getrandom::fill(bytes.as_mut()).map_err(|_| JoseError::Random)?;
            // Out of range (zero or past the group order) is astronomically rare: draw again.
            if let Ok(k) = p256::SecretKey::from_slice(bytes.as_ref()) {
                break k;
            }
        };
        let der = secret.to_pkcs8_der().map_err(|_| JoseError::Sign)?;
        let key = EncodingKey::from_ec_der(der.as_bytes());
        let jwk = Jwk::from_encoding_key(&key, Algorithm::ES256).map_err(|_| JoseError::Sign)?;
        Ok(DpopKey { key, jwk })
    }

    /// The public JWK put in every proof.
    pub fn jwk(&self) -> &Jwk {
        &self.jwk
    }

    /// A proof for `htm` `url` (its query and fragment left out), issued at `now`, with Okta's
    /// `nonce` when given and `ath` when it goes with an access token.
    pub fn proof(
        &self,
        htm: &str,
        url: &str,
        now: u64,
        nonce: Option<&str>,
        access_token: Option<&str>,
    ) -> Result<String, JoseError> {
        let mut header = Header::new(Algorithm::ES256);
        header.typ = Some("dpop+jwt".into());
        header.jwk = Some(self.jwk.clone());
        let claims = ProofClaims {
            htm,
            htu: htu(url),
            iat: now,
            jti: random_id()?,
            nonce,
            ath: access_token.map(ath),
        };
        jsonwebtoken::encode(&header, &claims, &self.key).map_err(|_| JoseError::Sign)
    }
}

/// How long a nonce is reused: Okta changes it every 24 hours (and accepts an old one for
/// three days); a `use_dpop_nonce` answer replaces it sooner.
pub const NONCE_TTL: Duration = Duration::from_secs(24 * 3600);
/// Most org hosts whose nonce is kept.
pub const MAX_NONCES: usize = 4096;
/// Longest nonce kept.
pub const MAX_NONCE_BYTES: usize = 256;

/// The DPoP nonce Okta last gave per org host, with when it was got.
#[derive(Debug, Default)]
pub struct Nonces {
    table: Mutex<HashMap<String, (String, Instant)>>,
}

impl Nonces {
    /// The nonce for `host` while it is young enough.
    pub fn get(&self, host: &str, now: Instant) -> Option<String> {
        let t = self.table.lock().unwrap_or_else(|e| e.into_inner());
        t.get(host)
            .filter(|(_, at)| now.saturating_duration_since(*at) < NONCE_TTL)
            .map(|(n, _)| n.clone())
    }

    /// Keep `nonce` for `host` (a value that cannot be a header, or too long, is not kept).
    pub fn put(&self, host: &str, nonce: &str, now: Instant) {
        if nonce.is_empty()
            || nonce.len() > MAX_NONCE_BYTES
            || !nonce.bytes().all(|b| b.is_ascii_graphic())
        {
            return;
        }
        let mut t = self.table.lock().unwrap_or_else(|e| e.into_inner());
        if t.len() >= MAX_NONCES && !t.contains_key(host) {
            t.retain(|_, (_, at)| now.saturating_duration_since(*at) < NONCE_TTL);
            if t.len() >= MAX_NONCES {
                if let Some(oldest) = t
                    .iter()
                    .min_by_key(|(_, (_, at))| *at)
                    .map(|(k, _)| k.clone())
                {
                    t.remove(&oldest);
                }
            }
        }
        t.insert(host.to_string(), (nonce.to_string(), now));
    }

    /// Forget the nonce of `host`.
    pub fn forget(&self, host: &str) {
        self.table
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(host);
    }

    pub fn len(&self) -> usize {
        self.table.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation};

    #[test]
    fn proofs_carry_the_claims_and_verify_with_their_jwk() {
        let k = DpopKey::generate().unwrap();
        let p = k
            .proof(
                "GET",
                "https://acme.okta.com/api/v1/users?limit=1#x",
                1_900_000_000,
                Some("n1"),
                Some("tok"),
            )
            .unwrap();
        let h = jsonwebtoken::decode_header(&p).unwrap();
        assert_eq!(h.typ.as_deref(), Some("dpop+jwt"));
        assert_eq!(h.alg, Algorithm::ES256);
        let jwk = h.jwk.unwrap();
        let mut v = Validation::new(Algorithm::ES256);
        v.validate_exp = false;
        v.required_spec_claims.clear();
        let c = jsonwebtoken::decode::<serde_json::Value>(
            &p,
            &DecodingKey::from_jwk(&jwk).unwrap(),
            &v,
        )
        .unwrap()
        .claims;
        assert_eq!(c["htu"], "https://acme.okta.com/api/v1/users");
        assert_eq!(c["htm"], "GET");
        assert_eq!(c["nonce"], "n1");
        assert_eq!(c["ath"], ath("tok"));
        // No private member in the header's key.
        let shown = serde_json::to_value(&jwk).unwrap();
        assert!(shown.get("d").is_none());
        let q = k.proof("POST", "https://a/b", 1, None, None).unwrap();
        let c: serde_json::Value = jsonwebtoken::dangerous::insecure_decode_claims(&q).unwrap();
        assert!(c.get("nonce").is_none() && c.get("ath").is_none());
        assert_ne!(c["jti"], serde_json::Value::Null);
    }

    #[test]
    fn ids_are_unique_and_ath_is_rfc_9449s() {
        let a = random_id().unwrap();
        assert_ne!(a, random_id().unwrap());
        assert_eq!(a.len(), 22);
        // RFC 9449 section 7.1's example.
        assert_eq!(
            ath("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
            "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
        );
    }

    #[test]
    fn nonces_are_kept_per_host_bounded() {
        let n = Nonces::default();
        let t = Instant::now();
        n.put("a.okta.com", "n1", t);
        assert_eq!(n.get("a.okta.com", t).as_deref(), Some("n1"));
        assert_eq!(n.get("a.okta.com", t + NONCE_TTL), None);
        n.put("a.okta.com", "bad value\n", t);
        assert_eq!(n.get("a.okta.com", t).as_deref(), Some("n1"));
        for i in 0..MAX_NONCES + 10 {
            n.put(&format!("h{i}.okta.com"), "x", t);
        }
        assert!(n.len() <= MAX_NONCES);
    }
}
