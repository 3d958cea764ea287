//! Per-session values from the URL fragment: `#session=…&org=…&lang=…&theme=…&state=…`, and
//! update mode: `#mode=update&org=…&owner=…` (`mode` is honoured only with the value
//! `update`, which changes no destination; any other `mode` is refused as before).
//!
//! The fragment is never sent to servers, so it may carry a session token. It is read like
//! `URLSearchParams` (`&`-separated `key=value`, `+` is a space, `%XX` escapes), by hand,
//! tolerantly: a malformed escape stays literal, a value that is not UTF-8 after decoding, holds
//! control characters, or is longer than its bound is dropped (and listed in `rejected`); the
//! first of duplicated keys wins; unknown keys are listed.
//!
//! Keys that would change where a secret is sent (`proxy`, `submit_url`, `redirect_url`,
//! `allowed_origins`, `target_origin`, …) or that would put a secret in the URL (`token`) are
//! never honoured: they are listed in `ignored` so the page can warn. So is `session`, unless
//! the deployment sets `delivery.session_from_link` (a session decides whose platform account
//! receives the token; by default only the embedding host's `session` message sets it).

use std::fmt;

use crate::config::{Config, Theme};
use crate::credential::CredentialKind;
use crate::lang::Lang;

/// Bounds of the decoded values, in bytes.
pub const MAX_SESSION: usize = 4096;
pub const MAX_ORG: usize = 2048;
pub const MAX_STATE: usize = 512;
const MAX_SHORT: usize = 35;
/// Only this much of a fragment is read.
pub const MAX_FRAGMENT: usize = 16 * 1024;
/// Most unknown or ignored keys listed.
const MAX_LISTED: usize = 16;
/// Listed key names are cut to this many characters.
const MAX_KEY_CHARS: usize = 64;

/// Keys whose values are never taken from the URL.
pub const REFUSED_KEYS: &[&str] = &[
    "proxy",
    "proxy_url",
    "submit_url",
    "redirect_url",
    "redirect_uri",
    "return_url",
    "return_to",
    "allowed_origins",
    "allowed_origin",
    "target_origin",
    "origin",
    "delivery",
    "mode",
    "callback",
    "endpoint",
    "webhook",
    "config",
    "config_url",
    "token",
    "api_token",
    "okta_token",
    "ssws",
];

/// The keys the page reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FragmentKey {
    Session,
    Org,
    Lang,
    Theme,
    State,
    /// Update mode's previous token owner (an Okta user id).
    Owner,
    /// The credential type to preselect (one of the deployment's `credentials`).
    Credential,
}

impl FragmentKey {
    /// Stable id and key name: `session`, `org`, `lang`, `theme`, `state`, `owner`,
    /// `credential`.
    pub fn code(&self) -> &'static str {
        match self {
            FragmentKey::Session => "session",
            FragmentKey::Org => "org",
            FragmentKey::Lang => "lang",
            FragmentKey::Theme => "theme",
            FragmentKey::State => "state",
            FragmentKey::Owner => "owner",
            FragmentKey::Credential => "credential",
        }
    }

    fn parse(key: &str) -> Option<FragmentKey> {
        match key {
            "session" => Some(FragmentKey::Session),
            "org" => Some(FragmentKey::Org),
            "lang" => Some(FragmentKey::Lang),
            "theme" => Some(FragmentKey::Theme),
            "state" => Some(FragmentKey::State),
            "owner" => Some(FragmentKey::Owner),
            "credential" => Some(FragmentKey::Credential),
            _ => None,
        }
    }

    fn max_len(&self) -> usize {
        match self {
            FragmentKey::Session => MAX_SESSION,
            FragmentKey::Org => MAX_ORG,
            FragmentKey::State => MAX_STATE,
            FragmentKey::Lang | FragmentKey::Theme | FragmentKey::Credential => MAX_SHORT,
            FragmentKey::Owner => 64,
        }
    }
}

/// Why a known key's value was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RejectReason {
    TooLong,
    /// Not UTF-8 after percent-decoding.
    InvalidEncoding,
    ControlCharacters,
    /// A language the deployment does not offer, or an unknown theme.
    NotAllowed,
    /// The key appeared again; the first value was kept.
    Duplicate,
}

impl RejectReason {
    /// Stable id: `too_long`, `invalid_encoding`, `control_characters`, `not_allowed`,
    /// `duplicate`.
    pub fn code(&self) -> &'static str {
        match self {
            RejectReason::TooLong => "too_long",
            RejectReason::InvalidEncoding => "invalid_encoding",
            RejectReason::ControlCharacters => "control_characters",
            RejectReason::NotAllowed => "not_allowed",
            RejectReason::Duplicate => "duplicate",
        }
    }
}

/// A dropped value of a known key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejected {
    pub key: FragmentKey,
    pub reason: RejectReason,
}

/// What the fragment says. `Debug` never shows the session token.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Fragment {
    /// The session token for `submit` delivery (a secret: never logged).
    pub session: Option<String>,
    /// A prefilled org URL, as given (the page normalizes it like typed input).
    pub org: Option<String>,
    /// One of the deployment's languages.
    pub lang: Option<Lang>,
    pub theme: Option<Theme>,
    /// Opaque state to return on `redirect`.
    pub state: Option<String>,
    /// `mode=update`: the page renews an existing connection (the org is fixed to `org`).
    pub update: bool,
    /// The previous token owner's Okta user id (update mode; a different owner is a notice).
    pub owner: Option<String>,
    /// The credential type to preselect.
    pub credential: Option<CredentialKind>,
    /// Refused keys that were present (decoded, bounded names): the page warns about them.
    pub ignored: Vec<String>,
    /// Keys the page does not know (decoded, bounded names).
    pub unknown: Vec<String>,
    /// Values of known keys that were dropped, and why.
    pub rejected: Vec<Rejected>,
}

impl fmt::Debug for Fragment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fragment")
            .field("session", &self.session.as_ref().map(|_| "<redacted>"))
            .field("org", &self.org)
            .field("lang", &self.lang)
            .field("theme", &self.theme)
            .field("state", &self.state)
            .field("update", &self.update)
            .field("owner", &self.owner)
            .field("credential", &self.credential)
            .field("ignored", &self.ignored)
            .field("unknown", &self.unknown)
            .field("rejected", &self.rejected)
            .finish()
    }
}

impl Fragment {
    /// Whether the fragment tried to set something the URL may not set.
    pub fn has_ignored(&self) -> bool {
        !self.ignored.is_empty()
    }
}

/// Whether a key is refused: listed in [`REFUSED_KEYS`], or names a URL or an origin
/// (`…_url`, `…_uri`, `…origin`, `…origins`), compared case-insensitively.
pub fn is_refused_key(key: &str) -> bool {
    let k = key.trim().to_ascii_lowercase().replace('-', "_");
    REFUSED_KEYS.contains(&k.as_str())
        || k.ends_with("_url")
        || k.ends_with("_uri")
        || k.ends_with("origin")
        || k.ends_with("origins")
}

/// One `application/x-www-form-urlencoded` component decoded by `url::form_urlencoded` (`+` is
/// a space; a `%` not followed by two hex digits stays literal). `None` when the bytes are not
/// UTF-8: form_urlencoded decodes lossily, so a U+FFFD that the text did not hold literally
/// means a bad byte (an encoded U+FFFD, `%EF%BF%BD`, is refused the same way: no link needs it).
pub fn percent_decode(s: &str) -> Option<String> {
    // As the value of a pair with an empty name, so that a `=` in `s` stays part of it.
    let text = format!("={}", s.replace('&', "%26"));
    let (_, value) = url::form_urlencoded::parse(text.as_bytes()).next()?;
    (!value.contains('\u{FFFD}') || s.contains('\u{FFFD}')).then(|| value.into_owned())
}

fn list_key(list: &mut Vec<String>, key: &str) {
    let name: String = key
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_KEY_CHARS)
        .collect();
    if list.len() < MAX_LISTED && !list.contains(&name) {
        list.push(name);
    }
}

/// Read the fragment (with or without its leading `#`) against the deployment's config. A
/// `session` is kept only when the deployment takes it from the link
/// ([`Config::session_from_link`]); otherwise it is dropped and listed in `ignored`: a link
/// must not choose whose platform account receives the token.
pub fn parse(fragment: &str, config: &Config) -> Fragment {
    let mut out = parse_with(fragment, &config.languages);
    if !config.session_from_link() && out.session.take().is_some() {
        list_key(&mut out.ignored, FragmentKey::Session.code());
    }
    if out
        .credential
        .take_if(|c| !config.credentials.contains(c))
        .is_some()
    {
        out.rejected.push(Rejected {
            key: FragmentKey::Credential,
            reason: RejectReason::NotAllowed,
        });
    }
    out
}

/// Read the fragment, allowing the languages `languages` (all when empty). Keeps a `session`
/// whatever the deployment says ([`parse`] applies that).
pub fn parse_with(fragment: &str, languages: &[Lang]) -> Fragment {
    let mut s = fragment.strip_prefix('#').unwrap_or(fragment);
    if s.len() > MAX_FRAGMENT {
        let mut cut = MAX_FRAGMENT;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s = &s[..cut];
    }
    let mut out = Fragment::default();
    let mut seen: Vec<FragmentKey> = Vec::new();
    for pair in s.split('&') {
        if pair.is_empty() {
            continue;
        }
        let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_decode(raw_key).unwrap_or_else(|| raw_key.to_string());
        // `mode=update` is the one `mode` honoured (it changes no destination); any other
        // value is refused like the key always was.
        if key == "mode" {
            match percent_decode(raw_value) {
                Some(v) if v.trim().eq_ignore_ascii_case("update") && !out.update => {
                    out.update = true;
                }
                _ => list_key(&mut out.ignored, &key),
            }
            continue;
        }
        let Some(known) = FragmentKey::parse(&key) else {
            if is_refused_key(&key) {
                list_key(&mut out.ignored, &key);
            } else {
                list_key(&mut out.unknown, &key);
            }
            continue;
        };
        let reject = |out: &mut Fragment, reason| {
            let r = Rejected { key: known, reason };
            if out.rejected.len() < MAX_LISTED && !out.rejected.contains(&r) {
                out.rejected.push(r);
            }
        };
        if seen.contains(&known) {
            reject(&mut out, RejectReason::Duplicate);
            continue;
        }
        seen.push(known);
        // Bound before decoding too: decoding only shrinks.
        if raw_value.len() > known.max_len() * 3 {
            reject(&mut out, RejectReason::TooLong);
            continue;
        }
        let Some(value) = percent_decode(raw_value) else {
            reject(&mut out, RejectReason::InvalidEncoding);
            continue;
        };
        if value.len() > known.max_len() {
            reject(&mut out, RejectReason::TooLong);
            continue;
        }
        if value.chars().any(char::is_control) {
            reject(&mut out, RejectReason::ControlCharacters);
            continue;
        }
        let value = match known {
            FragmentKey::Session | FragmentKey::Org | FragmentKey::State | FragmentKey::Owner => {
                value.trim().to_string()
            }
            _ => value.trim().to_ascii_lowercase(),
        };
        if value.is_empty() {
            continue;
        }
        match known {
            // The same rule as the host's `session` message: printable ASCII only (a bearer
            // credential goes into an `Authorization` header).
            FragmentKey::Session if value.bytes().all(|b| b.is_ascii_graphic()) => {
                out.session = Some(value)
            }
            FragmentKey::Session => reject(&mut out, RejectReason::NotAllowed),
            FragmentKey::Org => out.org = Some(value),
            FragmentKey::State => out.state = Some(value),
            FragmentKey::Owner => match crate::okta::UserId::parse(&value) {
                Some(_) => out.owner = Some(value),
                None => reject(&mut out, RejectReason::NotAllowed),
            },
            FragmentKey::Lang => match Lang::from_tag(&value)
                .filter(|l| languages.is_empty() || languages.contains(l))
            {
                Some(l) => out.lang = Some(l),
                None => reject(&mut out, RejectReason::NotAllowed),
            },
            FragmentKey::Theme => match Theme::parse(&value) {
                Some(t) => out.theme = Some(t),
                None => reject(&mut out, RejectReason::NotAllowed),
            },
            FragmentKey::Credential => match CredentialKind::parse(&value) {
                Some(c) => out.credential = Some(c),
                None => reject(&mut out, RejectReason::NotAllowed),
            },
        }
    }
    out
}
