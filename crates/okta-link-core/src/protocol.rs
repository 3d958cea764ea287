//! The embedding protocol: typed messages between the page and the platform's window that
//! opened or framed it, and what the page sends on delivery. Pure: shapes and validation only;
//! the shell posts them with an explicit, allow-listed target origin, never `'*'`.
//!
//! Outbound (page → host), each `{"source":"okta-link","v":1,"type":…}`:
//! `ready`, `resize {height}`, `verified {report}` (no secret), `connected {connection}` (the
//! token: only on delivery), `error {kind}` (a failure code), `close`.
//!
//! Inbound (host → page), accepted only from allow-listed origins and only in this shape:
//! `{"source":"okta-link-host","v":1,"type":"session","session":"…"}` (a session token handed
//! over after `ready`; with `"mode":"update","org":"…"` and optionally `"owner":"00u…"` it
//! also opens update mode, see [`crate::update`]),
//! `{"source":"okta-link-host","v":1,"type":"theme","theme":"dark"}`, or
//! `{"source":"okta-link-host","v":1,"type":"hello"}` (nothing but the answer to `ready`).
//!
//! The host's first valid message binds the page to the origin it came from. Where a message
//! goes is [`recipients`]: `connected` (the token) only to that bound origin, and not at all
//! before the host has spoken; the others, before binding, to each allow-listed origin (the
//! browser delivers them only where the host's origin matches).

use serde::{Deserialize, Serialize};

use crate::config::Theme;
use crate::credential::CredentialKind;
use crate::decode::Document;
use crate::diagnosis::Verified;
use crate::result::LinkResult;
use crate::update::UpdateTarget;

/// Protocol version carried by every message.
pub const VERSION: u32 = 1;
/// `source` of the page's messages.
pub const SOURCE: &str = "okta-link";
/// `source` the host's messages must carry.
pub const HOST_SOURCE: &str = "okta-link-host";
/// Longest session token accepted from the host.
pub const MAX_SESSION_LEN: usize = 4096;

/// A message from the page.
#[derive(Debug, Clone, Serialize)]
pub struct Message<'a> {
    pub source: &'static str,
    pub v: u32,
    #[serde(flatten)]
    pub body: Body<'a>,
}

impl<'a> Message<'a> {
    pub fn new(body: Body<'a>) -> Message<'a> {
        Message {
            source: SOURCE,
            v: VERSION,
            body,
        }
    }

    /// Whether the message carries the token, and so goes only to the bound origin
    /// ([`recipients`]).
    pub fn is_secret(&self) -> bool {
        matches!(self.body, Body::Connected { .. })
    }
}

/// The origins `message` may be posted to, each as the explicit target origin (never `'*'`):
/// the origin the host bound by its first valid message, if it is allow-listed; before the host
/// has spoken, each allow-listed origin for a message without a secret, and none for a secret
/// one ([`Message::is_secret`]: `connected`, the token), which then cannot be delivered.
pub fn recipients<'a>(
    message: &Message,
    bound: Option<&'a str>,
    allowed: &'a [String],
) -> Vec<&'a str> {
    match bound {
        Some(origin) => allowed
            .iter()
            .filter(|a| a.as_str() == origin)
            .map(String::as_str)
            .take(1)
            .collect(),
        None if message.is_secret() => Vec::new(),
        None => allowed.iter().map(String::as_str).collect(),
    }
}

/// The message kinds, tagged by `type`.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Body<'a> {
    Ready,
    Resize { height: u32 },
    Verified { report: &'a Verified },
    Connected { connection: &'a Connection<'a> },
    Error { kind: &'static str },
    Close,
}

/// The verified connection handed to the platform: the only value that carries the token (or
/// an OIN integration's client secret).
#[derive(Debug, Clone, Serialize)]
pub struct Connection<'a> {
    pub org_url: String,
    pub canonical_host: &'a str,
    /// `api_token`, `service_app`, `client_secret`.
    pub credential: CredentialKind,
    /// The API token (only for `api_token`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<&'a str>,
    /// The app's client ID (the two app kinds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<&'a str>,
    /// The OIN integration's client secret (only for `client_secret`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<&'a str>,
    pub report: &'a Verified,
    /// The versioned result (schema/okta-link-result.v2.json) a platform stores.
    pub result: &'a LinkResult,
}

/// The secret part of a connection, by credential type.
#[derive(Debug, Clone, Copy)]
pub enum Secret<'a> {
    ApiToken(&'a str),
    ServiceApp { client_id: &'a str },
    ClientSecret { client_id: &'a str, secret: &'a str },
}

impl<'a> Connection<'a> {
    pub fn new(secret: Secret<'a>, report: &'a Verified, result: &'a LinkResult) -> Connection<'a> {
        let (credential, token, client_id, client_secret) = match secret {
            Secret::ApiToken(t) => (CredentialKind::ApiToken, Some(t), None, None),
            Secret::ServiceApp { client_id } => {
                (CredentialKind::ServiceApp, None, Some(client_id), None)
            }
            Secret::ClientSecret { client_id, secret } => (
                CredentialKind::ClientSecret,
                None,
                Some(client_id),
                Some(secret),
            ),
        };
        Connection {
            org_url: format!("https://{}", report.org.entered_host),
            canonical_host: &report.org.canonical_host,
            credential,
            token,
            client_id,
            client_secret,
            report,
            result,
        }
    }
}

/// Where `redirect` delivery sends the browser: the configured URL with a non-secret status, the
/// `state` from the fragment, and the result's version, org host and update flag
/// (`redirect_parameters` in schema/okta-link-result.v2.json), appended as query pairs
/// (`application/x-www-form-urlencoded`, as `URLSearchParams` reads them back). Nothing else, the
/// token least of all: the platform fetches the connection itself. `url` is the config's
/// validated `redirect_url`; should it not parse, the answer is `None` and the page does not
/// navigate.
pub fn redirect_target(url: &str, state: &str, result: &LinkResult) -> Option<String> {
    let mut target = url::Url::parse(url).ok()?;
    target
        .query_pairs_mut()
        .append_pair("status", "connected")
        .append_pair("state", state)
        .append_pair("version", &result.version.to_string())
        .append_pair("org_host", &result.org_host)
        .append_pair("update", if result.update { "true" } else { "false" })
        .append_pair("credential", result.credential.kind.code());
    if let Some(id) = &result.credential.client_id {
        target.query_pairs_mut().append_pair("client_id", id);
    }
    Some(target.into())
}

/// An inbound message as it arrives (every field optional; validated by [`Inbound::from_raw`]).
/// Read strictly: an object whose known fields are strings (`v` a whole number), each at most
/// once, or null; anything else refuses the whole message. Other fields are ignored (the
/// browser's structured clone may carry anything; serde_wasm_bindgen reads only these names).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RawInbound {
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub v: Option<u32>,
    /// `type`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub session: Option<String>,
    #[serde(default)]
    pub theme: Option<String>,
    /// Update mode: `mode` (`"update"`), the fixed `org`, the previous `owner`.
    #[serde(default)]
    pub mode: Option<String>,
    #[serde(default)]
    pub org: Option<String>,
    #[serde(default)]
    pub owner: Option<String>,
    /// The credential type to preselect (`api_token`, `service_app`, `client_secret`).
    #[serde(default)]
    pub credential: Option<String>,
}

impl Document for RawInbound {}

/// A valid message from the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// The session, and update mode when the message asked for it (`mode: "update"` with an
    /// org address; a `mode` of any other value, or without a valid org, refuses the message),
    /// and the credential type to preselect (an unknown one refuses the message; one the
    /// deployment does not offer is the page's to ignore).
    Session(String, Option<UpdateTarget>, Option<CredentialKind>),
    Theme(Theme),
    /// The host's answer to `ready` when it has nothing else to say: it binds the page to the
    /// host's origin, so that `connected` can be delivered.
    Hello,
}

impl Inbound {
    /// The message if it has exactly the expected shape; `None` for anything else.
    pub fn from_raw(raw: &RawInbound) -> Option<Inbound> {
        if raw.source.as_deref() != Some(HOST_SOURCE) || raw.v != Some(VERSION) {
            return None;
        }
        match raw.kind.as_deref()? {
            "session" => {
                let s = raw.session.as_deref()?;
                let ok = !s.is_empty()
                    && s.len() <= MAX_SESSION_LEN
                    && s.bytes().all(|b| b.is_ascii_graphic());
                let update = match raw.mode.as_deref() {
                    None => None,
                    Some("update") => Some(UpdateTarget::new(
                        raw.org.as_deref()?,
                        raw.owner.as_deref(),
                    )?),
                    Some(_) => return None,
                };
                let credential = match raw.credential.as_deref() {
                    None => None,
                    Some(c) => Some(CredentialKind::parse(c)?),
                };
                ok.then(|| Inbound::Session(s.to_string(), update, credential))
            }
            "theme" => Theme::parse(raw.theme.as_deref()?).map(Inbound::Theme),
            "hello" => Some(Inbound::Hello),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(source: &str, v: u32, kind: &str) -> RawInbound {
        RawInbound {
            source: Some(source.into()),
            v: Some(v),
            kind: Some(kind.into()),
            ..RawInbound::default()
        }
    }

    #[test]
    fn session_is_accepted_only_in_shape() {
        let mut m = raw(HOST_SOURCE, 1, "session");
        m.session = Some("sess_123".into());
        assert_eq!(
            Inbound::from_raw(&m),
            Some(Inbound::Session("sess_123".into(), None, None))
        );
        // Update mode rides on the session message: with an org address only.
        m.mode = Some("update".into());
        m.org = Some("https://acme.okta.com".into());
        m.owner = Some("00u1abc".into());
        assert_eq!(
            Inbound::from_raw(&m),
            Some(Inbound::Session(
                "sess_123".into(),
                UpdateTarget::new("acme.okta.com", Some("00u1abc")),
                None
            ))
        );
        m.org = Some("not a host".into());
        assert_eq!(Inbound::from_raw(&m), None);
        m.org = Some("acme.okta.com".into());
        m.mode = Some("redirect".into());
        assert_eq!(Inbound::from_raw(&m), None);
        m.mode = None;
        m.session = Some("has space".into());
        assert_eq!(Inbound::from_raw(&m), None);
        m.session = Some("x".repeat(MAX_SESSION_LEN + 1));
        assert_eq!(Inbound::from_raw(&m), None);
        m.session = None;
        assert_eq!(Inbound::from_raw(&m), None);
    }

    #[test]
    fn redirect_target_carries_only_status_state_and_the_result_summary() {
        use crate::diagnosis::{Failure, Report};
        let report = Report::Failed(Failure::ProxyDown);
        let mut result = LinkResult::new(
            &report,
            "acme.okta.com",
            &[],
            "2026-12-03T14:05:00.000Z".to_string(),
            false,
        );
        assert_eq!(
            redirect_target("https://p.example/done", "a b&c=d", &result).as_deref(),
            Some(
                "https://p.example/done?status=connected&state=a+b%26c%3Dd\
                 &version=2&org_host=acme.okta.com&update=false&credential=api_token"
            )
        );
        result.update = true;
        assert_eq!(
            redirect_target("https://p.example/done?x=1#top", "", &result).as_deref(),
            Some(
                "https://p.example/done?x=1&status=connected&state=\
                 &version=2&org_host=acme.okta.com&update=true&credential=api_token#top"
            )
        );
        assert_eq!(redirect_target("not a url", "s", &result), None);
    }

    #[test]
    fn hello_is_accepted_in_shape() {
        assert_eq!(
            Inbound::from_raw(&raw(HOST_SOURCE, 1, "hello")),
            Some(Inbound::Hello)
        );
        assert_eq!(Inbound::from_raw(&raw(HOST_SOURCE, 2, "hello")), None);
        assert_eq!(Inbound::from_raw(&raw("okta-link", 1, "hello")), None);
        assert_eq!(Inbound::from_raw(&raw(HOST_SOURCE, 1, "Hello")), None);
    }

    fn verified() -> Verified {
        use crate::diagnosis::{Admin, AdminRoles, Org};
        use crate::okta::{Engine, UserId, UserStatus};
        Verified {
            org: Org {
                entered_host: "acme.okta.com".into(),
                canonical_host: "acme.okta.com".into(),
                custom_domain: None,
                engine: Engine::IdentityEngine,
                org_id: None,
            },
            admin: Some(Admin {
                id: UserId::parse("00u1").unwrap(),
                name: None,
                login: None,
                email: None,
                status: UserStatus::Active,
            }),
            app: None,
            roles: AdminRoles::Unknown,
            checklist: Vec::new(),
        }
    }

    /// The second security review (SECURITY.md): `connected` (the token) goes only to the origin the host bound, never to each
    /// allow-listed origin; the other messages, before binding, to each of them. Every message
    /// kind × no binding, a binding to an allowed origin, a binding to any other.
    #[test]
    fn only_the_bound_origin_gets_the_token() {
        use crate::diagnosis::{Failure, Report};
        let v = verified();
        let report = Report::Verified(Box::new(v.clone()));
        let result = LinkResult::new(&report, "acme.okta.com", &[], "t".into(), false);
        let connection = Connection::new(Secret::ApiToken("00secret"), &v, &result);
        let allowed: Vec<String> = vec![
            "https://portal.example.com".into(),
            "https://partner.example.net".into(),
        ];
        let every = ["https://portal.example.com", "https://partner.example.net"];
        let bodies = [
            (Body::Ready, false),
            (Body::Resize { height: 480 }, false),
            (Body::Verified { report: &v }, false),
            (
                Body::Error {
                    kind: Failure::ProxyDown.code(),
                },
                false,
            ),
            (Body::Close, false),
            (
                Body::Connected {
                    connection: &connection,
                },
                true,
            ),
        ];
        for (body, secret) in bodies {
            let message = Message::new(body);
            assert_eq!(message.is_secret(), secret, "{message:?}");
            // Not bound: a secret goes nowhere, anything else to each allowed origin.
            let unbound: &[&str] = if secret { &[] } else { &every };
            assert_eq!(recipients(&message, None, &allowed), unbound);
            // Bound: to that origin only, whatever the message.
            assert_eq!(
                recipients(&message, Some("https://partner.example.net"), &allowed),
                ["https://partner.example.net"]
            );
            // Bound to an origin not (or no longer) allowed: nowhere.
            for stranger in [
                "https://evil.example",
                "https://portal.example.com/",
                "*",
                "",
            ] {
                assert!(recipients(&message, Some(stranger), &allowed).is_empty());
            }
            // Nothing allowed: nowhere.
            assert!(recipients(&message, None, &[]).is_empty());
        }
    }

    #[test]
    fn wrong_source_version_or_type_is_ignored() {
        let mut m = raw("someone-else", 1, "theme");
        m.theme = Some("dark".into());
        assert_eq!(Inbound::from_raw(&m), None);
        let mut m = raw(HOST_SOURCE, 2, "theme");
        m.theme = Some("dark".into());
        assert_eq!(Inbound::from_raw(&m), None);
        let mut m = raw(HOST_SOURCE, 1, "proxy");
        m.theme = Some("dark".into());
        assert_eq!(Inbound::from_raw(&m), None);
        let mut m = raw(HOST_SOURCE, 1, "theme");
        m.theme = Some("dark".into());
        assert_eq!(Inbound::from_raw(&m), Some(Inbound::Theme(Theme::Dark)));
        m.theme = Some("neon".into());
        assert_eq!(Inbound::from_raw(&m), None);
    }
}
