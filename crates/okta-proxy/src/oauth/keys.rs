//! The platform's service app keys (`--service-app-key FILE`): PKCS#8 PEM private keys, RSA of
//! at least 2048 bits (RS256) or EC P-256 (ES256). Every key is published in the JWKS (public
//! members only, `kid` = the RFC 7638 SHA-256 thumbprint); the first one signs client
//! assertions.
//!
//! The PEM text is read into a buffer that is overwritten when dropped; errors name the file
//! and what is wrong with it, never its content.

use std::fmt;
use std::path::{Path, PathBuf};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{Algorithm, EncodingKey};
use zeroize::Zeroizing;

/// Smallest RSA modulus accepted, in bits (Okta's rule).
pub const MIN_RSA_BITS: usize = 2048;
/// Largest key file read.
pub const MAX_KEY_FILE_BYTES: u64 = 64 * 1024;

/// Why a key file was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// The file could not be read (or is larger than [`MAX_KEY_FILE_BYTES`]).
    Unreadable { file: PathBuf },
    /// Not a PEM file.
    NotPem { file: PathBuf },
    /// A public key or certificate: the platform must hold the private key.
    PublicKey { file: PathBuf },
    /// A password-protected key.
    Encrypted { file: PathBuf },
    /// A private key in a form other than PKCS#8 (`BEGIN RSA PRIVATE KEY`, `BEGIN EC PRIVATE
    /// KEY`): convert it with `openssl pkcs8 -topk8 -nocrypt`.
    NotPkcs8 { file: PathBuf },
    /// RSA smaller than [`MIN_RSA_BITS`].
    RsaTooSmall { file: PathBuf, bits: usize },
    /// An EC key on another curve than P-256.
    WrongCurve { file: PathBuf },
    /// Another kind of key (Ed25519, DSA, …) or a broken one.
    Unsupported { file: PathBuf },
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = |p: &PathBuf| p.display().to_string();
        match self {
            KeyError::Unreadable { file } => write!(
                f,
                "--service-app-key {}: cannot be read (or is larger than {MAX_KEY_FILE_BYTES} bytes)",
                name(file)
            ),
            KeyError::NotPem { file } => {
                write!(f, "--service-app-key {}: not a PEM file", name(file))
            }
            KeyError::PublicKey { file } => write!(
                f,
                "--service-app-key {}: a public key or certificate; give the private key (PKCS#8 PEM)",
                name(file)
            ),
            KeyError::Encrypted { file } => write!(
                f,
                "--service-app-key {}: an encrypted private key; give it unencrypted (PKCS#8 PEM), with file permissions guarding it",
                name(file)
            ),
            KeyError::NotPkcs8 { file } => write!(
                f,
                "--service-app-key {}: not PKCS#8 (BEGIN PRIVATE KEY); convert it with `openssl pkcs8 -topk8 -nocrypt`",
                name(file)
            ),
            KeyError::RsaTooSmall { file, bits } => write!(
                f,
                "--service-app-key {}: an RSA key of {bits} bits; Okta needs at least {MIN_RSA_BITS}",
                name(file)
            ),
            KeyError::WrongCurve { file } => write!(
                f,
                "--service-app-key {}: an EC key on another curve than P-256",
                name(file)
            ),
            KeyError::Unsupported { file } => write!(
                f,
                "--service-app-key {}: not an RSA (2048 bits or more) or EC P-256 private key",
                name(file)
            ),
        }
    }
}

impl KeyError {
    /// What is wrong, without the file's name (for a command that never echoes an option's
    /// value).
    pub fn what(&self) -> &'static str {
        match self {
            KeyError::Unreadable { .. } => "the file cannot be read",
            KeyError::NotPem { .. } => "not a PEM file",
            KeyError::PublicKey { .. } => "a public key or certificate, not the private key",
            KeyError::Encrypted { .. } => "an encrypted private key",
            KeyError::NotPkcs8 { .. } => "not PKCS#8 (BEGIN PRIVATE KEY)",
            KeyError::RsaTooSmall { .. } => "an RSA key smaller than 2048 bits",
            KeyError::WrongCurve { .. } => "an EC key on another curve than P-256",
            KeyError::Unsupported { .. } => "not an RSA or EC P-256 private key",
        }
    }
}

impl std::error::Error for KeyError {}

/// One signing key: its public JWK (with `kid`, `use`, `alg`) and the key itself.
pub struct SigningKey {
    kid: String,
    alg: Algorithm,
    key: EncodingKey,
    jwk: Jwk,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// The RFC 7638 SHA-256 thumbprint of the public key (the JWK's `kid`).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// RS256 or ES256.
    pub fn alg(&self) -> Algorithm {
        self.alg
    }

    pub(crate) fn encoding_key(&self) -> &EncodingKey {
        &self.key
    }

    /// The public JWK.
    pub fn jwk(&self) -> &Jwk {
        &self.jwk
    }

    /// A key from PEM text; `file` only names it in errors.
    pub fn from_pem(file: &Path, pem: &[u8]) -> Result<SigningKey, KeyError> {
        let file = file.to_path_buf();
        let label = pem_label(pem).ok_or_else(|| KeyError::NotPem { file: file.clone() })?;
        match label.as_str() {
            "PRIVATE KEY" => {}
            "ENCRYPTED PRIVATE KEY" => return Err(KeyError::Encrypted { file }),
            "RSA PRIVATE KEY" | "EC PRIVATE KEY" | "DSA PRIVATE KEY" | "OPENSSH PRIVATE KEY" => {
                return Err(KeyError::NotPkcs8 { file })
            }
            l if l.contains("PUBLIC KEY") || l.contains("CERTIFICATE") => {
                return Err(KeyError::PublicKey { file })
            }
            _ => return Err(KeyError::NotPem { file }),
        }
        let (key, alg) = if let Ok(k) = EncodingKey::from_rsa_pem(pem) {
            (k, Algorithm::RS256)
        } else if let Ok(k) = EncodingKey::from_ec_pem(pem) {
            (k, Algorithm::ES256)
        } else {
            return Err(KeyError::Unsupported { file });
        };
        let mut jwk = match Jwk::from_encoding_key(&key, alg) {
            Ok(j) => j,
            Err(_) if alg == Algorithm::ES256 => return Err(KeyError::WrongCurve { file }),
            Err(_) => return Err(KeyError::Unsupported { file }),
        };
        match &jwk.algorithm {
            AlgorithmParameters::RSA(rsa) => {
                use base64::Engine;
                let n = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(rsa.n.as_bytes())
                    .map_err(|_| KeyError::Unsupported { file: file.clone() })?;
                let bits = modulus_bits(&n);
                if bits < MIN_RSA_BITS {
                    return Err(KeyError::RsaTooSmall { file, bits });
                }
            }
            AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => {}
            AlgorithmParameters::EllipticCurve(_) => return Err(KeyError::WrongCurve { file }),
            _ => return Err(KeyError::Unsupported { file }),
        }
        let kid = jwk
            .thumbprint(ThumbprintHash::SHA256)
            .map_err(|_| KeyError::Unsupported { file: file.clone() })?;
        jwk.common.key_id = Some(kid.clone());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        Ok(SigningKey { kid, alg, key, jwk })
    }

    /// A key from a file.
    pub fn load(file: &Path) -> Result<SigningKey, KeyError> {
        use std::io::Read;
        let unreadable = || KeyError::Unreadable {
            file: file.to_path_buf(),
        };
        let f = std::fs::File::open(file).map_err(|_| unreadable())?;
        let mut pem = Zeroizing::new(Vec::new());
        f.take(MAX_KEY_FILE_BYTES + 1)
            .read_to_end(&mut pem)
            .map_err(|_| unreadable())?;
        if pem.len() as u64 > MAX_KEY_FILE_BYTES {
            return Err(unreadable());
        }
        SigningKey::from_pem(file, &pem)
    }
}

/// Bits of a big-endian modulus.
fn modulus_bits(n: &[u8]) -> usize {
    let n = match n.iter().position(|b| *b != 0) {
        Some(i) => &n[i..],
        None => return 0,
    };
    n.len() * 8 - n[0].leading_zeros() as usize
}

/// The label of the first PEM block (`PRIVATE KEY`, `PUBLIC KEY`, …), `EC PARAMETERS` blocks
/// skipped: `openssl ecparam -genkey` writes one before the `EC PRIVATE KEY` itself.
fn pem_label(pem: &[u8]) -> Option<String> {
    const BEGIN: &[u8] = b"-----BEGIN ";
    let mut pem = pem;
    loop {
        let start = pem.windows(BEGIN.len()).position(|w| w == BEGIN)? + BEGIN.len();
        let rest = &pem[start..];
        let end = rest.windows(5).position(|w| w == b"-----")?;
        let label = std::str::from_utf8(&rest[..end.min(64)]).ok()?;
        if !label
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b == b' ' || b.is_ascii_digit())
        {
            return None;
        }
        if label != "EC PARAMETERS" {
            return Some(label.to_string());
        }
        pem = &rest[end..];
    }
}

/// The platform's keys: every one published, the first signs.
#[derive(Debug)]
pub struct ServiceAppKeys {
    keys: Vec<SigningKey>,
}

impl ServiceAppKeys {
    /// Every file, in order; `None` when there is none.
    pub fn load(files: &[PathBuf]) -> Result<Option<ServiceAppKeys>, KeyError> {
        if files.is_empty() {
            return Ok(None);
        }
        let keys = files
            .iter()
            .map(|f| SigningKey::load(f))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(ServiceAppKeys { keys }))
    }

    /// From keys already read (tests).
    pub fn from_keys(keys: Vec<SigningKey>) -> Option<ServiceAppKeys> {
        (!keys.is_empty()).then_some(ServiceAppKeys { keys })
    }

    /// The key that signs client assertions.
    pub fn signer(&self) -> &SigningKey {
        &self.keys[0]
    }

    pub fn keys(&self) -> &[SigningKey] {
        &self.keys
    }

    /// `{"keys": [...]}`: the public JWKs, for `GET /.well-known/jwks.json`.
    pub fn jwks_json(&self) -> String {
        let keys: Vec<&Jwk> = self.keys.iter().map(|k| &k.jwk).collect();
        serde_json::json!({ "keys": keys }).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_bits() {
        assert_eq!(
            pem_label(b"x\n-----BEGIN PRIVATE KEY-----\nAAA\n").as_deref(),
            Some("PRIVATE KEY")
        );
        assert_eq!(pem_label(b"no pem"), None);
        assert_eq!(
            pem_label(
                b"-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n\
                  -----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY-----\n"
            )
            .as_deref(),
            Some("EC PRIVATE KEY")
        );
        assert_eq!(
            pem_label(
                b"-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
            ),
            None
        );
        assert_eq!(modulus_bits(&[0, 0x80, 0]), 16);
        assert_eq!(modulus_bits(&[0x01, 0]), 9);
    }

    #[test]
    fn refusals_name_the_file_never_the_content() {
        let f = Path::new("/keys/k.pem");
        let secret =
            b"-----BEGIN RSA PRIVATE KEY-----\nMIIsecretsecret\n-----END RSA PRIVATE KEY-----\n";
        let e = SigningKey::from_pem(f, secret).unwrap_err();
        assert_eq!(e, KeyError::NotPkcs8 { file: f.into() });
        let shown = e.to_string();
        assert!(
            shown.contains("/keys/k.pem") && !shown.contains("secret"),
            "{shown}"
        );
        let e = SigningKey::from_pem(
            f,
            b"-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n",
        )
        .unwrap_err();
        assert_eq!(e, KeyError::PublicKey { file: f.into() });
        let e = SigningKey::from_pem(
            f,
            b"-----BEGIN PRIVATE KEY-----\nnotbase64\n-----END PRIVATE KEY-----\n",
        )
        .unwrap_err();
        assert_eq!(e, KeyError::Unsupported { file: f.into() });
        assert_eq!(
            SigningKey::from_pem(f, b"hello").unwrap_err(),
            KeyError::NotPem { file: f.into() }
        );
    }
}
