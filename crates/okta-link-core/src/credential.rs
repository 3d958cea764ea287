//! The ways a platform may be let into an Okta org, and what people paste for the OAuth 2.0
//! ones: a client ID (an API Services app's, or an OIN integration's) and an OIN integration's
//! client secret.
//!
//! [`clean_client_id`] forgives what rides along with a copied ID (spaces, invisible
//! characters, quotes, a `client_id=` assignment) and takes the ID out of the app's own Admin
//! Console address (`https://acme-admin.okta.com/admin/app/oidc_client/instance/0oa…/#tab-general`),
//! together with the org that address names. An ID unlike Okta's (`0oa` and 17 letters or
//! digits) is a warning, never a refusal: Okta is the judge.
//!
//! [`ClientSecret`] is handled like the API token: never shown by `Debug` or `Display`, not
//! `Serialize`, its bytes overwritten when dropped.

use core::fmt;

use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use crate::org_url::{self, is_invisible, is_quote};

/// How the platform is let in. `config.json` `credentials` lists the ones a deployment offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    /// An SSWS API token (Security > API > Tokens), checked by the page through the proxy.
    ApiToken,
    /// An API Services app holding the platform's public key (`private_key_jwt`, DPoP): the
    /// customer gives its client ID; the platform's server checks it.
    ServiceApp,
    /// An OIN API service integration: client ID and client secret (`client_secret_basic`),
    /// checked by the platform's server.
    ClientSecret,
}

impl CredentialKind {
    pub const ALL: [CredentialKind; 3] = [
        CredentialKind::ApiToken,
        CredentialKind::ServiceApp,
        CredentialKind::ClientSecret,
    ];

    /// The `config.json` values, in [`CredentialKind::ALL`] order.
    pub const NAMES: &'static [&'static str] = &["api_token", "service_app", "client_secret"];

    /// Stable id and `config.json` value: `api_token`, `service_app`, `client_secret`.
    pub fn code(&self) -> &'static str {
        Self::NAMES[*self as usize]
    }

    pub fn parse(s: &str) -> Option<CredentialKind> {
        CredentialKind::ALL.into_iter().find(|k| k.code() == s)
    }

    /// Whether the platform's server must run the check (OAuth token requests are refused
    /// from browsers, and a service app's private key never leaves the platform).
    pub fn checked_on_server(&self) -> bool {
        !matches!(self, CredentialKind::ApiToken)
    }
}

/// Longest client ID or secret input looked at, in characters.
pub const MAX_INPUT_CHARS: usize = 1024;
/// Longest client ID accepted after cleaning, in characters.
pub const MAX_CLIENT_ID: usize = 128;

/// A cleaned client ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientId {
    id: String,
    /// The org host named by a pasted Admin Console address (normalized, the `-admin` part
    /// dropped), for the organization field when it is empty.
    org_host: Option<String>,
    corrections: Vec<ClientIdCorrection>,
    warnings: Vec<ClientIdWarning>,
}

impl ClientId {
    pub fn as_str(&self) -> &str {
        &self.id
    }

    pub fn org_host(&self) -> Option<&str> {
        self.org_host.as_deref()
    }

    pub fn corrections(&self) -> &[ClientIdCorrection] {
        &self.corrections
    }

    pub fn warnings(&self) -> &[ClientIdWarning] {
        &self.warnings
    }
}

/// What was done to the pasted text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientIdCorrection {
    /// Spaces, line breaks or invisible characters around it.
    TrimmedSpaces,
    /// Quotes around it.
    RemovedQuotes,
    /// A `client_id=` (or `client_id:`) before it.
    RemovedLabel,
    /// The app's Admin Console address: the ID was taken from it.
    TakenFromAdminUrl,
}

impl ClientIdCorrection {
    /// Stable id: `trimmed_spaces`, `removed_quotes`, `removed_label`, `taken_from_admin_url`.
    pub fn code(&self) -> &'static str {
        match self {
            ClientIdCorrection::TrimmedSpaces => "trimmed_spaces",
            ClientIdCorrection::RemovedQuotes => "removed_quotes",
            ClientIdCorrection::RemovedLabel => "removed_label",
            ClientIdCorrection::TakenFromAdminUrl => "taken_from_admin_url",
        }
    }
}

/// Doubts about a client ID. Never a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientIdWarning {
    /// Not `0oa` and 17 letters or digits, the shape of Okta's app IDs.
    UnusualFormat,
}

impl ClientIdWarning {
    /// Stable id: `unusual_format`.
    pub fn code(&self) -> &'static str {
        match self {
            ClientIdWarning::UnusualFormat => "unusual_format",
        }
    }
}

/// Why a client ID (or secret) input was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientIdError {
    Empty,
    /// More than [`MAX_CLIENT_ID`] (or, for the raw input, [`MAX_INPUT_CHARS`]) characters.
    TooLong {
        max: usize,
    },
    /// Spaces inside: two things pasted together.
    HasSpaces,
    /// A web address that is not an app's page in the Admin Console.
    NotAnAppAddress,
    /// A character Okta never puts in a client ID (`/`, `?`, `#`, `@`, …).
    BadCharacter,
    /// An API token (`00` and 40 characters) pasted as the client ID: it would be sent to Okta
    /// as the app's name and land in the result.
    LooksLikeApiToken,
}

impl ClientIdError {
    /// Stable id: `empty`, `too_long`, `has_spaces`, `not_an_app_address`, `bad_character`,
    /// `looks_like_api_token`.
    pub fn code(&self) -> &'static str {
        match self {
            ClientIdError::Empty => "empty",
            ClientIdError::TooLong { .. } => "too_long",
            ClientIdError::HasSpaces => "has_spaces",
            ClientIdError::NotAnAppAddress => "not_an_app_address",
            ClientIdError::BadCharacter => "bad_character",
            ClientIdError::LooksLikeApiToken => "looks_like_api_token",
        }
    }
}

pub use crate::okta::is_okta_client_id_shape;

/// Trim invisible characters, white space and matching quotes around `s`, noting what went.
fn trim_around<'a>(mut s: &'a str, note: &mut impl FnMut(ClientIdCorrection)) -> &'a str {
    loop {
        let t = s.trim_matches(|c: char| c.is_whitespace() || is_invisible(c));
        if t.len() != s.len() {
            note(ClientIdCorrection::TrimmedSpaces);
        }
        let q = t.trim_matches(is_quote);
        if q.len() != t.len() {
            note(ClientIdCorrection::RemovedQuotes);
        }
        if q.len() == s.len() {
            return q;
        }
        s = q;
    }
}

/// The value after a label: `client_id=…`, `Client ID: …`, `"client_id": "…",` (a JSON
/// member), `export OKTA_CLIENT_ID=…`, or the label and the value apart by white space only
/// (`Client ID⇥0oa…`, as copied from the Admin Console). The `,` or `;` ending a line of
/// code goes with the label. `None` when `s` starts with no label, or nothing follows it.
fn after_label(s: &str) -> Option<&str> {
    use crate::token::strip_ci as strip;
    let mut t = s;
    if let Some(rest) = strip(t, "export ") {
        t = rest.trim_start();
    }
    if let Some(rest) = strip(t, "okta") {
        t = rest.strip_prefix(['_', '-', '.', ' ']).unwrap_or(rest);
    }
    ["client_id", "client-id", "clientid", "client id"]
        .iter()
        .find_map(|label| {
            let after = strip(t, label)?;
            let rest = after.trim_start_matches(is_quote).trim_start();
            let value = match rest.strip_prefix(['=', ':']) {
                Some(value) => value,
                // Apart by white space only: one word must follow.
                None if after.starts_with(char::is_whitespace)
                    && !rest.contains(char::is_whitespace) =>
                {
                    rest
                }
                None => return None,
            };
            let value = value.trim().trim_end_matches([',', ';']);
            (!value.trim().is_empty()).then_some(value)
        })
}

/// Take the client ID and the org out of an Admin Console address of an app
/// (`…/admin/app/<app name>/instance/<id>/…`); `None` when the path names no app instance.
fn from_admin_url(s: &str) -> Option<(String, Option<String>)> {
    let url = url::Url::parse(s).ok()?;
    let mut segments = url.path_segments()?;
    let mut id = None;
    while let Some(seg) = segments.next() {
        if seg == "instance" {
            id = segments.next().filter(|s| !s.is_empty());
            break;
        }
    }
    let id = id?;
    let org = url
        .host_str()
        .and_then(|h| org_url::normalize(h).ok())
        .map(|o| o.host().to_string());
    Some((id.to_string(), org))
}

/// Clean a pasted client ID (see the module's documentation).
pub fn clean_client_id(input: &str) -> Result<ClientId, ClientIdError> {
    if input.chars().count() > MAX_INPUT_CHARS {
        return Err(ClientIdError::TooLong { max: MAX_CLIENT_ID });
    }
    let mut corrections = Vec::new();
    let mut note = |c: ClientIdCorrection| {
        if !corrections.contains(&c) {
            corrections.push(c);
        }
    };
    let mut s = trim_around(input, &mut note);
    let mut org_host = None;
    let owned;
    if s.contains("://") {
        let (id, org) = from_admin_url(s).ok_or(ClientIdError::NotAnAppAddress)?;
        note(ClientIdCorrection::TakenFromAdminUrl);
        owned = id;
        s = &owned;
        org_host = org;
    } else if let Some(rest) = after_label(s) {
        note(ClientIdCorrection::RemovedLabel);
        s = trim_around(rest, &mut note);
    }
    if s.is_empty() {
        return Err(ClientIdError::Empty);
    }
    if s.chars().any(|c| c.is_whitespace() || is_invisible(c)) {
        return Err(ClientIdError::HasSpaces);
    }
    if s.chars().count() > MAX_CLIENT_ID {
        return Err(ClientIdError::TooLong { max: MAX_CLIENT_ID });
    }
    // At least one letter or digit: `.` and `..` would be dot segments in the paths the ID goes
    // into (`/oauth2/v1/clients/{id}/roles`).
    if !s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        || !s.bytes().any(|b| b.is_ascii_alphanumeric())
    {
        return Err(ClientIdError::BadCharacter);
    }
    if crate::okta::has_api_token_shape(s) {
        return Err(ClientIdError::LooksLikeApiToken);
    }
    let warnings = if is_okta_client_id_shape(s) {
        Vec::new()
    } else {
        vec![ClientIdWarning::UnusualFormat]
    };
    Ok(ClientId {
        id: s.to_string(),
        org_host,
        corrections,
        warnings,
    })
}

/// A cleaned OIN client secret. `Debug` and `Display` never show it; zeroed when dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientSecret {
    secret: String,
}

impl ClientSecret {
    /// The secret, for the `client_secret_basic` header only.
    pub fn secret(&self) -> &str {
        &self.secret
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientSecret({} chars)", self.secret.len())
    }
}

impl fmt::Display for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl Drop for ClientSecret {
    fn drop(&mut self) {
        self.secret.zeroize();
    }
}

/// Clean a pasted client secret: spaces, invisible characters and quotes around it go; it
/// must be one printable ASCII word (Okta's secrets are letters, digits, `-` and `_`). The
/// errors are [`ClientIdError`]'s (`empty`, `too_long`, `has_spaces`, `bad_character`).
pub fn clean_client_secret(input: &str) -> Result<ClientSecret, ClientIdError> {
    if input.chars().count() > MAX_INPUT_CHARS {
        return Err(ClientIdError::TooLong {
            max: MAX_INPUT_CHARS,
        });
    }
    let s = trim_around(input, &mut |_| {});
    if s.is_empty() {
        return Err(ClientIdError::Empty);
    }
    if s.chars().any(|c| c.is_whitespace() || is_invisible(c)) {
        return Err(ClientIdError::HasSpaces);
    }
    if !s.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ClientIdError::BadCharacter);
    }
    Ok(ClientSecret {
        secret: s.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in CredentialKind::ALL {
            assert_eq!(CredentialKind::parse(k.code()), Some(k));
        }
        assert_eq!(CredentialKind::parse("API_TOKEN"), None);
        assert!(!CredentialKind::ApiToken.checked_on_server());
        assert!(CredentialKind::ServiceApp.checked_on_server());
    }

    #[test]
    fn forgives_what_rides_along() {
        let c = clean_client_id("  \"0oa1dpopreadonly0001\" \n").unwrap();
        assert_eq!(c.as_str(), "0oa1dpopreadonly0001");
        assert_eq!(
            c.corrections(),
            [
                ClientIdCorrection::TrimmedSpaces,
                ClientIdCorrection::RemovedQuotes
            ]
        );
        assert!(c.warnings().is_empty());
        let c = clean_client_id("client_id=0oa1dpopreadonly0001").unwrap();
        assert_eq!(c.as_str(), "0oa1dpopreadonly0001");
        assert_eq!(c.corrections(), [ClientIdCorrection::RemovedLabel]);
        // A label in the forms code, configuration and the Admin Console give it.
        for pasted in [
            r#""client_id": "0oa1dpopreadonly0001""#,
            r#""client_id": "0oa1dpopreadonly0001","#,
            r#"client_id="0oa1dpopreadonly0001","#,
            "clientId: '0oa1dpopreadonly0001';",
            "OKTA_CLIENT_ID=0oa1dpopreadonly0001",
            "export OKTA_CLIENT_ID=\"0oa1dpopreadonly0001\"",
            "okta.client-id: 0oa1dpopreadonly0001",
            "Client ID\t0oa1dpopreadonly0001",
            "Client ID\n0oa1dpopreadonly0001\n",
            "CLIENT ID : 0oa1dpopreadonly0001",
        ] {
            let c = clean_client_id(pasted).unwrap_or_else(|e| panic!("{pasted}: {e:?}"));
            assert_eq!(c.as_str(), "0oa1dpopreadonly0001", "{pasted}");
            assert!(
                c.corrections().contains(&ClientIdCorrection::RemovedLabel),
                "{pasted}"
            );
        }
        // Not a label: a word after it, or nothing.
        assert_eq!(
            clean_client_id("client id is 0oa1dpopreadonly0001"),
            Err(ClientIdError::HasSpaces)
        );
        assert_eq!(
            clean_client_id("client_id:"),
            Err(ClientIdError::BadCharacter)
        );
        assert_eq!(
            clean_client_id("clientid0oa1").map(|c| c.as_str().to_string()),
            Ok("clientid0oa1".to_string())
        );
    }

    #[test]
    fn takes_id_and_org_from_the_admin_console_address() {
        let c = clean_client_id(
            "https://acme-admin.okta.com/admin/app/oidc_client/instance/0oa1dpopreadonly0001/#tab-general",
        )
        .unwrap();
        assert_eq!(c.as_str(), "0oa1dpopreadonly0001");
        assert_eq!(c.org_host(), Some("acme.okta.com"));
        assert_eq!(c.corrections(), [ClientIdCorrection::TakenFromAdminUrl]);
        let c = clean_client_id(
            "https://globex-admin.oktapreview.com/admin/app/acme_platform/instance/0oa10inintegration10",
        )
        .unwrap();
        assert_eq!(c.as_str(), "0oa10inintegration10");
        assert_eq!(c.org_host(), Some("globex.oktapreview.com"));
        assert_eq!(
            clean_client_id("https://acme-admin.okta.com/admin/apps/active"),
            Err(ClientIdError::NotAnAppAddress)
        );
    }

    #[test]
    fn unusual_shapes_are_warnings_and_junk_is_refused() {
        let c = clean_client_id("my-app-client").unwrap();
        assert_eq!(c.warnings(), [ClientIdWarning::UnusualFormat]);
        assert_eq!(clean_client_id("  "), Err(ClientIdError::Empty));
        assert_eq!(clean_client_id("0oa1 0oa2"), Err(ClientIdError::HasSpaces));
        assert_eq!(clean_client_id("0oa1/x"), Err(ClientIdError::BadCharacter));
        // Dot segments in the paths the ID goes into.
        for dots in [".", "..", "...", "-", "_."] {
            assert_eq!(
                clean_client_id(dots),
                Err(ClientIdError::BadCharacter),
                "{dots}"
            );
        }
        assert!(clean_client_id("0oa.x").is_ok());
        // An API token is not sent to Okta as an app's name, nor kept in the result.
        let token = format!("00{}", "a".repeat(40));
        assert_eq!(
            clean_client_id(&token),
            Err(ClientIdError::LooksLikeApiToken)
        );
        assert_eq!(
            clean_client_id(&format!("client_id: \"{token}\"")),
            Err(ClientIdError::LooksLikeApiToken)
        );
        // A label's length may fall inside a character (a property test found it).
        assert_eq!(clean_client_id("𞟭𖫈Ѩ֍x"), Err(ClientIdError::BadCharacter));
        assert!(matches!(
            clean_client_id(&"a".repeat(200)),
            Err(ClientIdError::TooLong { .. })
        ));
    }

    #[test]
    fn the_secret_never_shows() {
        let s = clean_client_secret(" 'abcDEF-123_xyz' ").unwrap();
        assert_eq!(s.secret(), "abcDEF-123_xyz");
        assert_eq!(
            format!("{s:?} {s}"),
            "ClientSecret(14 chars) ClientSecret(14 chars)"
        );
        assert_eq!(clean_client_secret("a b"), Err(ClientIdError::HasSpaces));
        assert_eq!(clean_client_secret(""), Err(ClientIdError::Empty));
    }
}
