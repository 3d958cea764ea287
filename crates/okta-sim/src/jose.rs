//! JOSE for the OAuth 2.0 side: the public JWKs the demo apps register (with RFC 7638
//! thumbprints as `kid`), and real verification of `private_key_jwt` client assertions and DPoP
//! proofs (RFC 9449), signatures included, with the `jsonwebtoken` library.
//!
//! Pure functions of their inputs and the time given: no state, no I/O. It must never log or
//! return a JWT or a key; errors are fixed descriptions, never echoing what was sent.

use crate::fixtures::{KeyName, DEMO_PLATFORM_KEY_PEM, OTHER_KEY_PEM};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::{Jwk, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Validation};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::sync::OnceLock;

/// The algorithms accepted for client assertions and DPoP proofs (Okta's list, less ES512,
/// which the JOSE library does not implement).
pub const ALGS: &str = "RS256 RS384 RS512 ES256 ES384";

/// How long after its `iat` a DPoP proof is accepted (and how far ahead of our clock its `iat`
/// may lie).
pub const PROOF_MAX_AGE_S: i64 = 300;
const CLOCK_SKEW_S: i64 = 60;
/// A client assertion may not live longer than this (`exp` - `iat`, and `exp` - now).
pub const ASSERTION_MAX_LIFETIME_S: i64 = 3600;

/// A key an app registers: its public JWK (with `kid`) and the key to verify with.
pub(crate) struct Registered {
    pub kid: String,
    pub jwk: Jwk,
    key: DecodingKey,
    /// The algorithms the key verifies.
    algs: &'static [Algorithm],
}

fn build(name: KeyName) -> Registered {
    let (enc, alg, algs): (EncodingKey, Algorithm, &'static [Algorithm]) = match name {
        KeyName::Platform => (
            EncodingKey::from_rsa_pem(DEMO_PLATFORM_KEY_PEM.as_bytes()).expect("demo key"),
            Algorithm::RS256,
            &[Algorithm::RS256, Algorithm::RS384, Algorithm::RS512],
        ),
        KeyName::Other => (
            EncodingKey::from_ec_pem(OTHER_KEY_PEM.as_bytes()).expect("other key"),
            Algorithm::ES256,
            &[Algorithm::ES256],
        ),
    };
    let mut jwk = Jwk::from_encoding_key(&enc, alg).expect("public jwk");
    let kid = jwk.thumbprint(ThumbprintHash::SHA256).expect("thumbprint");
    jwk.common.key_id = Some(kid.clone());
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    let key = DecodingKey::from_jwk(&jwk).expect("decoding key");
    Registered {
        kid,
        jwk,
        key,
        algs,
    }
}

/// The registered form of a fixture key (computed once).
pub(crate) fn registered(name: KeyName) -> &'static Registered {
    static PLATFORM: OnceLock<Registered> = OnceLock::new();
    static OTHER: OnceLock<Registered> = OnceLock::new();
    match name {
        KeyName::Platform => PLATFORM.get_or_init(|| build(name)),
        KeyName::Other => OTHER.get_or_init(|| build(name)),
    }
}

/// base64url (no padding) of SHA-256: `ath` of an access token.
pub fn sha256_b64url(s: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(s.as_bytes()))
}

/// Why a client assertion is refused (all `401 invalid_client`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssertionError {
    Malformed,
    NoKid,
    UnknownKid,
    Algorithm,
    Signature,
    IssuerSubject,
    Audience,
    Expired,
    TooLong,
    NoJti,
}

impl AssertionError {
    pub fn description(self) -> &'static str {
        match self {
            AssertionError::Malformed => "The client_assertion token is not a valid JWT.",
            AssertionError::NoKid => "The client_assertion token has no kid header.",
            AssertionError::UnknownKid => "The client_assertion token has an invalid kid.",
            AssertionError::Algorithm => {
                "The client_assertion token is signed with an algorithm its key does not allow."
            }
            AssertionError::Signature => "The client_assertion signature is invalid.",
            AssertionError::IssuerSubject => {
                "The 'iss' and 'sub' claims of the client_assertion must both be the client_id."
            }
            AssertionError::Audience => {
                "The audience claim for client_assertion must be the endpoint invoked for the request."
            }
            AssertionError::Expired => "The client_assertion token is expired.",
            AssertionError::TooLong => {
                "The client_assertion token has an expiration too far into the future."
            }
            AssertionError::NoJti => "The client_assertion token must have a 'jti' claim.",
        }
    }
}

/// A verified client assertion: what the replay check needs.
#[derive(Debug)]
pub(crate) struct Assertion {
    pub jti: String,
    /// Epoch seconds.
    pub exp: i64,
}

/// `iss` (else `sub`) of an assertion, unverified: only to learn which client it claims to be.
pub(crate) fn claimed_client(assertion: &str) -> Option<String> {
    let claims: Value = jsonwebtoken::dangerous::insecure_decode_claims(assertion).ok()?;
    claims["iss"]
        .as_str()
        .or_else(|| claims["sub"].as_str())
        .map(str::to_string)
}

/// Signature checked with the key, no claim checked (the callers check claims themselves, to
/// say which one failed). `None` when the signature (or the token) is bad.
fn verified_claims(
    token: &str,
    key: &DecodingKey,
    alg: Algorithm,
) -> Result<Value, jsonwebtoken::errors::Error> {
    let mut v = Validation::new(alg);
    v.required_spec_claims = HashSet::new();
    v.validate_exp = false;
    v.validate_nbf = false;
    v.validate_aud = false;
    v.leeway = 0;
    jsonwebtoken::decode::<Value>(token, key, &v).map(|d| d.claims)
}

/// Verify a `private_key_jwt` client assertion of `client_id` against the keys it registered,
/// for the token endpoint at `audience`, at `now` (epoch seconds).
pub(crate) fn verify_assertion(
    assertion: &str,
    keys: &[KeyName],
    client_id: &str,
    audience: &str,
    now: i64,
) -> Result<Assertion, AssertionError> {
    let header = jsonwebtoken::decode_header(assertion).map_err(|_| AssertionError::Malformed)?;
    let kid = header.kid.as_deref().ok_or(AssertionError::NoKid)?;
    let reg = keys
        .iter()
        .map(|k| registered(*k))
        .find(|r| r.kid == kid)
        .ok_or(AssertionError::UnknownKid)?;
    if !reg.algs.contains(&header.alg) {
        return Err(AssertionError::Algorithm);
    }
    let claims = verified_claims(assertion, &reg.key, header.alg).map_err(|e| match e.kind() {
        ErrorKind::InvalidSignature => AssertionError::Signature,
        _ => AssertionError::Malformed,
    })?;
    if claims["iss"].as_str() != Some(client_id) || claims["sub"].as_str() != Some(client_id) {
        return Err(AssertionError::IssuerSubject);
    }
    let aud_ok = match &claims["aud"] {
        Value::String(a) => a == audience,
        Value::Array(list) => list.len() == 1 && list[0].as_str() == Some(audience),
        _ => false,
    };
    if !aud_ok {
        return Err(AssertionError::Audience);
    }
    let exp = claims["exp"].as_i64().ok_or(AssertionError::Expired)?;
    if exp <= now {
        return Err(AssertionError::Expired);
    }
    let too_long_from = |t: i64| exp - t > ASSERTION_MAX_LIFETIME_S;
    let iat = claims["iat"].as_i64();
    if too_long_from(now + CLOCK_SKEW_S) || iat.is_some_and(too_long_from) {
        return Err(AssertionError::TooLong);
    }
    match claims["jti"].as_str() {
        Some(jti) if !jti.is_empty() && jti.len() <= 256 => Ok(Assertion {
            jti: jti.to_string(),
            exp,
        }),
        _ => Err(AssertionError::NoJti),
    }
}

/// Why a DPoP proof is refused (`invalid_dpop_proof`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofError {
    Malformed,
    Type,
    Algorithm,
    NoJwk,
    PrivateJwk,
    Signature,
    Method,
    Url,
    IssuedAt,
    NoJti,
    AccessTokenHash,
}

impl ProofError {
    pub fn description(self) -> &'static str {
        match self {
            ProofError::Malformed => "The DPoP proof JWT is malformed.",
            ProofError::Type => "The DPoP proof JWT header 'typ' must be 'dpop+jwt'.",
            ProofError::Algorithm => "The DPoP proof JWT is signed with an unsupported algorithm.",
            ProofError::NoJwk => "The DPoP proof JWT header must carry its public key as 'jwk'.",
            ProofError::PrivateJwk => {
                "The DPoP proof JWT header 'jwk' must not hold a private key."
            }
            ProofError::Signature => "The DPoP proof JWT signature is invalid.",
            ProofError::Method => "'htm' claim in the DPoP proof JWT is invalid.",
            ProofError::Url => "'htu' claim in the DPoP proof JWT is invalid.",
            ProofError::IssuedAt => {
                "'iat' claim in the DPoP proof JWT is too old or in the future."
            }
            ProofError::NoJti => "'jti' claim in the DPoP proof JWT is missing.",
            ProofError::AccessTokenHash => "'ath' claim in the DPoP proof JWT is invalid.",
        }
    }
}

/// A verified DPoP proof.
#[derive(Debug)]
pub(crate) struct Proof {
    /// RFC 7638 SHA-256 thumbprint of the proof's key (`cnf.jkt`).
    pub jkt: String,
    pub jti: String,
    pub nonce: Option<String>,
}

/// Private members of a JWK (RFC 7518 section 6): a proof's key must have none.
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// Verify a DPoP proof for `method` on `url` (scheme, host and path; no query), at `now`; with
/// `ath` for a resource request (the hash of the access token it must name).
pub(crate) fn verify_proof(
    proof: &str,
    method: &str,
    url: &str,
    ath: Option<&str>,
    now: i64,
) -> Result<Proof, ProofError> {
    let head = proof.split('.').next().unwrap_or_default();
    let head: Value = URL_SAFE_NO_PAD
        .decode(head)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(ProofError::Malformed)?;
    if proof.split('.').count() != 3 {
        return Err(ProofError::Malformed);
    }
    if head["typ"].as_str() != Some("dpop+jwt") {
        return Err(ProofError::Type);
    }
    let alg = match head["alg"].as_str() {
        Some("RS256") => Algorithm::RS256,
        Some("RS384") => Algorithm::RS384,
        Some("RS512") => Algorithm::RS512,
        Some("ES256") => Algorithm::ES256,
        Some("ES384") => Algorithm::ES384,
        _ => return Err(ProofError::Algorithm),
    };
    let raw_jwk = head
        .get("jwk")
        .and_then(Value::as_object)
        .ok_or(ProofError::NoJwk)?;
    if PRIVATE_MEMBERS.iter().any(|m| raw_jwk.contains_key(*m)) {
        return Err(ProofError::PrivateJwk);
    }
    let fits = match (raw_jwk.get("kty").and_then(Value::as_str), alg) {
        (Some("RSA"), Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512) => true,
        (Some("EC"), Algorithm::ES256) => raw_jwk.get("crv") == Some(&Value::from("P-256")),
        (Some("EC"), Algorithm::ES384) => raw_jwk.get("crv") == Some(&Value::from("P-384")),
        (Some("RSA" | "EC"), _) => false,
        _ => return Err(ProofError::NoJwk),
    };
    if !fits {
        return Err(ProofError::Algorithm);
    }
    let jwk: Jwk =
        serde_json::from_value(Value::Object(raw_jwk.clone())).map_err(|_| ProofError::NoJwk)?;
    let key = DecodingKey::from_jwk(&jwk).map_err(|_| ProofError::NoJwk)?;
    let jkt = jwk
        .thumbprint(ThumbprintHash::SHA256)
        .map_err(|_| ProofError::NoJwk)?;
    let claims = verified_claims(proof, &key, alg).map_err(|e| match e.kind() {
        ErrorKind::InvalidSignature => ProofError::Signature,
        _ => ProofError::Malformed,
    })?;
    if claims["htm"].as_str() != Some(method) {
        return Err(ProofError::Method);
    }
    let htu = claims["htu"].as_str().unwrap_or_default();
    let htu = htu.split(['?', '#']).next().unwrap_or_default();
    if htu != url {
        return Err(ProofError::Url);
    }
    let iat = claims["iat"].as_i64().ok_or(ProofError::IssuedAt)?;
    if iat > now + CLOCK_SKEW_S || now - iat > PROOF_MAX_AGE_S {
        return Err(ProofError::IssuedAt);
    }
    let jti = match claims["jti"].as_str() {
        Some(j) if !j.is_empty() && j.len() <= 256 => j.to_string(),
        _ => return Err(ProofError::NoJti),
    };
    if let Some(expected) = ath {
        if claims["ath"].as_str() != Some(expected) {
            return Err(ProofError::AccessTokenHash);
        }
    }
    Ok(Proof {
        jkt,
        jti,
        nonce: claims["nonce"].as_str().map(str::to_string),
    })
}

/// The keys' public halves, as registered (here rather than in `fixtures`, which only names
/// the keys: the JOSE work is this module's).
impl KeyName {
    /// The public JWK an app registers for this key: `kty`, the public members, `alg`, `use`
    /// and `kid`.
    pub fn public_jwk(self) -> Value {
        serde_json::to_value(&registered(self).jwk).expect("jwk json")
    }

    /// The key's `kid`: its RFC 7638 SHA-256 thumbprint, base64url.
    pub fn kid(self) -> String {
        registered(self).kid.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixture_keys_register_with_their_thumbprint_as_kid() {
        let p = registered(KeyName::Platform);
        let o = registered(KeyName::Other);
        assert_eq!(p.kid.len(), 43);
        assert_ne!(p.kid, o.kid);
        assert_eq!(p.jwk.thumbprint(ThumbprintHash::SHA256).unwrap(), p.kid);
        let v = serde_json::to_value(&p.jwk).unwrap();
        assert_eq!(v["kty"], "RSA");
        assert_eq!(v["kid"], p.kid.as_str());
        assert!(v.get("d").is_none(), "public only");
        let v = serde_json::to_value(&o.jwk).unwrap();
        assert_eq!(v["kty"], "EC");
        assert_eq!(v["crv"], "P-256");
    }

    #[test]
    fn ath_is_base64url_sha256() {
        // RFC 9449 section 7.1's example token and hash.
        assert_eq!(
            sha256_b64url("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
            "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
        );
    }

    #[test]
    fn the_demo_platform_key_registers_only_its_public_half() {
        let jwk = KeyName::Platform.public_jwk();
        assert_eq!(jwk["kid"], KeyName::Platform.kid().as_str());
        assert_eq!(jwk["alg"], "RS256");
        assert!(jwk.get("d").is_none());
    }
}
