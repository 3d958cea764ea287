//! The page's side of a check run by the platform's check server (`config.json` `check_url`):
//! reading its answer, and the platform's public keys (`service_app.jwks_url`) that the
//! customer adds to the service app. Both are hostile input, read as plain data.

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use crate::decode::{self, nesting_depth, Document, JsonParser, MAX_NESTING};
use crate::diagnosis::{Failure, RateLimitSource, Report};
use crate::outcome::is_json_content_type;

/// The longest answer read, in bytes.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

impl Document for Report {}

/// The report in the check server's answer: `200` with the report's JSON. The server's own
/// rate limit (`429`) is a rate limit; anything else (another status, not JSON, not a report)
/// is [`Failure::CheckServerFailed`], for the integrator.
pub fn read_answer<P: JsonParser>(
    status: u16,
    content_type: Option<&str>,
    body: &str,
    parser: &P,
) -> Report {
    if status == 429 {
        return Report::Failed(Failure::RateLimited {
            source: RateLimitSource::Proxy,
            retry_at_epoch_s: None,
            request_id: None,
        });
    }
    let failed = Report::Failed(Failure::CheckServerFailed { status });
    if status != 200
        || !content_type.is_some_and(is_json_content_type)
        || body.len() > MAX_ANSWER_BYTES
        || nesting_depth(body) > MAX_NESTING
    {
        return failed;
    }
    decode::read::<Report, P>(body, parser).unwrap_or(failed)
}

/// One public key of a JWKS, as shown to the customer (members in RFC 7517/7518 order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicJwk {
    pub kty: String,
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "use")]
    pub use_: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
}

/// A key as read: the public members, and whether a private or symmetric member is there
/// (read field by field, without serde's buffering `flatten`).
#[derive(Deserialize)]
struct RawJwk {
    kty: String,
    #[serde(default, rename = "use")]
    use_: Option<String>,
    #[serde(default)]
    alg: Option<String>,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    crv: Option<String>,
    #[serde(default)]
    x: Option<String>,
    #[serde(default)]
    y: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
    #[serde(default, deserialize_with = "present")]
    d: Option<()>,
    #[serde(default, deserialize_with = "present")]
    p: Option<()>,
    #[serde(default, deserialize_with = "present")]
    q: Option<()>,
    #[serde(default, deserialize_with = "present")]
    dp: Option<()>,
    #[serde(default, deserialize_with = "present")]
    dq: Option<()>,
    #[serde(default, deserialize_with = "present")]
    qi: Option<()>,
    #[serde(default, deserialize_with = "present")]
    oth: Option<()>,
    #[serde(default, deserialize_with = "present")]
    k: Option<()>,
}

/// A member that is there, whatever its value (`null` included).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<()>, D::Error> {
    IgnoredAny::deserialize(d).map(|_| Some(()))
}

#[derive(Deserialize)]
struct RawJwks {
    keys: Vec<RawJwk>,
}

impl Document for RawJwks {}

/// Why the platform's key document cannot be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JwksProblem {
    /// Not reachable, or not a `200`.
    Unreachable,
    /// Not a JWKS (`{"keys": [...]}` of RSA or EC keys with a `kid`), or empty.
    NotAJwks,
    /// A key holds private or symmetric members: never shown, never to be published.
    NotPublic,
}

impl JwksProblem {
    /// Stable id: `unreachable`, `not_a_jwks`, `not_public`.
    pub fn code(&self) -> &'static str {
        match self {
            JwksProblem::Unreachable => "unreachable",
            JwksProblem::NotAJwks => "not_a_jwks",
            JwksProblem::NotPublic => "not_public",
        }
    }
}

/// The public keys of the platform's JWKS answer, or why it is refused.
pub fn read_jwks<P: JsonParser>(
    status: u16,
    body: &str,
    parser: &P,
) -> Result<Vec<PublicJwk>, JwksProblem> {
    if status != 200 {
        return Err(JwksProblem::Unreachable);
    }
    if body.len() > MAX_ANSWER_BYTES || nesting_depth(body) > MAX_NESTING {
        return Err(JwksProblem::NotAJwks);
    }
    let raw: RawJwks = decode::read(body, parser).map_err(|_| JwksProblem::NotAJwks)?;
    if raw.keys.is_empty() {
        return Err(JwksProblem::NotAJwks);
    }
    let mut keys = Vec::new();
    for k in raw.keys {
        let private = [&k.d, &k.p, &k.q, &k.dp, &k.dq, &k.qi, &k.oth, &k.k]
            .iter()
            .any(|m| m.is_some());
        if private {
            return Err(JwksProblem::NotPublic);
        }
        let j = PublicJwk {
            kty: k.kty,
            use_: k.use_,
            alg: k.alg,
            kid: k.kid,
            crv: k.crv,
            x: k.x,
            y: k.y,
            n: k.n,
            e: k.e,
        };
        let shaped = match j.kty.as_str() {
            "RSA" => j.n.is_some() && j.e.is_some(),
            "EC" => j.crv.is_some() && j.x.is_some() && j.y.is_some(),
            _ => false,
        };
        if !shaped || j.kid.as_deref().is_none_or(str::is_empty) {
            return Err(JwksProblem::NotAJwks);
        }
        keys.push(j);
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::JsonError;

    struct Serde;
    impl JsonParser for Serde {
        fn parse<T: serde::de::DeserializeOwned>(&self, text: &str) -> Result<T, JsonError> {
            let v: serde_json::Value = serde_json::from_str(text).map_err(|_| JsonError::Syntax)?;
            serde_json::from_value(v).map_err(|_| JsonError::Shape)
        }
    }

    const JSON: Option<&str> = Some("application/json");

    #[test]
    fn a_report_reads_back_as_it_was_written() {
        for r in [
            Report::Failed(Failure::ProxyDown),
            Report::Failed(Failure::NoScopeGranted {
                scopes: vec!["okta.users.read".into()],
                request_id: Some("req1".into()),
            }),
        ] {
            let text = serde_json::to_string(&r).unwrap();
            assert_eq!(read_answer(200, JSON, &text, &Serde), r);
        }
    }

    #[test]
    fn anything_else_is_the_check_server_failing() {
        let failed = |status| Report::Failed(Failure::CheckServerFailed { status });
        assert_eq!(read_answer(500, JSON, "{}", &Serde), failed(500));
        assert_eq!(
            read_answer(200, Some("text/html"), "<p>", &Serde),
            failed(200)
        );
        assert_eq!(
            read_answer(200, JSON, r#"{"verified":1}"#, &Serde),
            failed(200)
        );
        assert_eq!(read_answer(200, JSON, "[]", &Serde), failed(200));
        assert!(matches!(
            read_answer(429, JSON, "", &Serde),
            Report::Failed(Failure::RateLimited { .. })
        ));
    }

    #[test]
    fn only_public_keys_are_shown() {
        let rsa = r#"{"keys":[{"kty":"RSA","kid":"k1","use":"sig","alg":"RS256","n":"AQAB0","e":"AQAB"}]}"#;
        let keys = read_jwks(200, rsa, &Serde).unwrap();
        assert_eq!(keys[0].kid.as_deref(), Some("k1"));
        let private = r#"{"keys":[{"kty":"RSA","kid":"k1","n":"AQAB0","e":"AQAB","d":"secret"}]}"#;
        assert_eq!(read_jwks(200, private, &Serde), Err(JwksProblem::NotPublic));
        // A private member is refused whatever its value, `null` too.
        let null = r#"{"keys":[{"kty":"RSA","kid":"k1","n":"AQAB0","e":"AQAB","d":null}]}"#;
        assert_eq!(read_jwks(200, null, &Serde), Err(JwksProblem::NotPublic));
        let oct = r#"{"keys":[{"kty":"oct","kid":"k1","k":"c2VjcmV0"}]}"#;
        assert_eq!(read_jwks(200, oct, &Serde), Err(JwksProblem::NotPublic));
        for bad in [
            r#"{"keys":[]}"#,
            r#"{"kty":"RSA"}"#,
            "[]",
            r#"{"keys":[{"kty":"RSA","n":"x","e":"y"}]}"#,
        ] {
            assert_eq!(
                read_jwks(200, bad, &Serde),
                Err(JwksProblem::NotAJwks),
                "{bad}"
            );
        }
        assert_eq!(read_jwks(404, rsa, &Serde), Err(JwksProblem::Unreachable));
    }
}
