//! The deployment's runtime configuration: `config.json` beside `index.html`, read at start-up.
//!
//! [`Config::from_json`] parses the text with the shell's [`JsonParser`] into a [`RawConfig`]
//! (typed, every key optional, unknown keys refused) and validates it into a [`Config`]
//! ([`RawConfig::validate`]). Every error names the key (a dotted path such as
//! `delivery.submit_url`, with `[i]` for list items) and a typed [`ConfigProblem`], so the
//! integrator-facing error page can say exactly what to fix.
//!
//! Only this file decides where a secret may go (the proxy, the submit URL, the redirect URL,
//! the allowed origins): nothing in the page's URL can change these.

use std::fmt;

use crate::core::decode::{nesting_depth, JsonParser, MAX_NESTING};
use crate::core::json::{JsonKind, JsonValue};
use crate::core::plan::DataKind;
use crate::i18n::Lang;

/// Default and bounds of `timeout_ms`.
pub const DEFAULT_TIMEOUT_MS: u32 = 20_000;
pub const MIN_TIMEOUT_MS: u32 = 2_000;
pub const MAX_TIMEOUT_MS: u32 = 60_000;
/// Longest partner name, in characters.
pub const MAX_PARTNER_NAME: usize = 80;
/// Longest URL or template accepted, in bytes.
pub const MAX_URL_LEN: usize = 2048;
/// Most entries in a list (origins, IPs).
pub const MAX_LIST: usize = 64;

/// What is wrong with one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigProblem {
    /// The file is not JSON (key is empty).
    NotJson,
    /// The file (or a nested key) is JSON but not an object.
    NotAnObject,
    /// A key this page does not know (a typo?).
    UnknownKey,
    /// The same key twice in one object.
    DuplicateKey,
    /// A required key is absent.
    Missing,
    /// A key needed by the chosen `delivery.mode` is absent.
    RequiredByMode { mode: DeliveryMode },
    /// A value of the wrong JSON type.
    WrongType { expected: JsonKind },
    /// A number outside its range.
    OutOfRange { min: u64, max: u64 },
    /// A text longer than allowed.
    TooLong { max: usize },
    /// An empty list or text where one is needed.
    Empty,
    /// A value listed twice.
    DuplicateValue,
    /// A value outside the allowed set.
    UnknownValue { allowed: &'static [&'static str] },
    /// The proxy template lacks `{host}` and `{path}` (or `{url}`), or has them more than once.
    MissingPlaceholder,
    /// The proxy template has a `{…}` other than `{host}`, `{path}`, `{url}`, or mixes `{url}`
    /// with the others.
    UnknownPlaceholder,
    /// A placeholder in the proxy template's scheme or host: the proxy's origin must be fixed.
    PlaceholderInOrigin,
    /// Not `https://` (plain `http://` is allowed only for 127.0.0.1, localhost and [::1]),
    /// or, where allowed, not a path starting with `/`.
    SchemeNotAllowed,
    /// A URL with a fragment (`#…`).
    HasFragment,
    /// A URL that cannot be read (no host, spaces, user info, bad port…).
    InvalidUrl,
    /// An origin with a path, query, wildcard or other extra.
    InvalidOrigin,
    /// `redirect_url`'s origin is not in `allowed_origins`.
    OriginNotAllowed,
    /// Not an IPv4 or IPv6 address.
    InvalidIp,
    /// Not `#rrggbb`.
    InvalidColor,
    /// `default_language` is not one of `languages`.
    NotInLanguages,
}

impl ConfigProblem {
    /// Stable id: `not_json`, `not_an_object`, `unknown_key`, `duplicate_key`, `missing`,
    /// `required_by_mode`, `wrong_type`, `out_of_range`, `too_long`, `empty`,
    /// `duplicate_value`, `unknown_value`, `missing_placeholder`, `unknown_placeholder`,
    /// `placeholder_in_origin`, `scheme_not_allowed`, `has_fragment`, `invalid_url`,
    /// `invalid_origin`, `origin_not_allowed`, `invalid_ip`, `invalid_color`,
    /// `not_in_languages`.
    pub fn code(&self) -> &'static str {
        match self {
            ConfigProblem::NotJson => "not_json",
            ConfigProblem::NotAnObject => "not_an_object",
            ConfigProblem::UnknownKey => "unknown_key",
            ConfigProblem::DuplicateKey => "duplicate_key",
            ConfigProblem::Missing => "missing",
            ConfigProblem::RequiredByMode { .. } => "required_by_mode",
            ConfigProblem::WrongType { .. } => "wrong_type",
            ConfigProblem::OutOfRange { .. } => "out_of_range",
            ConfigProblem::TooLong { .. } => "too_long",
            ConfigProblem::Empty => "empty",
            ConfigProblem::DuplicateValue => "duplicate_value",
            ConfigProblem::UnknownValue { .. } => "unknown_value",
            ConfigProblem::MissingPlaceholder => "missing_placeholder",
            ConfigProblem::UnknownPlaceholder => "unknown_placeholder",
            ConfigProblem::PlaceholderInOrigin => "placeholder_in_origin",
            ConfigProblem::SchemeNotAllowed => "scheme_not_allowed",
            ConfigProblem::HasFragment => "has_fragment",
            ConfigProblem::InvalidUrl => "invalid_url",
            ConfigProblem::InvalidOrigin => "invalid_origin",
            ConfigProblem::OriginNotAllowed => "origin_not_allowed",
            ConfigProblem::InvalidIp => "invalid_ip",
            ConfigProblem::InvalidColor => "invalid_color",
            ConfigProblem::NotInLanguages => "not_in_languages",
        }
    }
}

/// A bad `config.json`: which key, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Dotted path of the key (`proxy`, `delivery.submit_url`, `allowed_origins[1]`); empty
    /// for the whole file.
    pub key: String,
    pub problem: ConfigProblem,
}

impl ConfigError {
    /// The key is cut to 128 bytes (at a character boundary): it may be anything the file
    /// holds.
    fn new(key: &str, problem: ConfigProblem) -> ConfigError {
        let mut cut = key.len().min(128);
        while !key.is_char_boundary(cut) {
            cut -= 1;
        }
        ConfigError {
            key: key[..cut].to_string(),
            problem,
        }
    }
}

/// English, for logs and the integrator page's fallback.
impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match &self.problem {
            ConfigProblem::NotJson => "config.json is not valid JSON".to_string(),
            ConfigProblem::NotAnObject => "must be a JSON object".to_string(),
            ConfigProblem::UnknownKey => "is not a known key".to_string(),
            ConfigProblem::DuplicateKey => "appears more than once".to_string(),
            ConfigProblem::Missing => "is required".to_string(),
            ConfigProblem::RequiredByMode { mode } => {
                format!("is required when delivery.mode is \"{}\"", mode.code())
            }
            ConfigProblem::WrongType { expected } => format!("must be a {}", expected.code()),
            ConfigProblem::OutOfRange { min, max } => {
                // As u32, the integer type the page formats anyway.
                let (min, max) = (*min as u32, (*max).min(u32::MAX.into()) as u32);
                format!("must be a whole number from {min} to {max}")
            }
            ConfigProblem::TooLong { max } => format!("must be at most {max} characters"),
            ConfigProblem::Empty => "must not be empty".to_string(),
            ConfigProblem::DuplicateValue => "lists the same value twice".to_string(),
            ConfigProblem::UnknownValue { allowed } => {
                format!("must be one of: {}", allowed.join(", "))
            }
            ConfigProblem::MissingPlaceholder => {
                "must contain {host} and {path} once each, or {url} once".to_string()
            }
            ConfigProblem::UnknownPlaceholder => {
                "may only use the placeholders {host} and {path}, or {url} alone".to_string()
            }
            ConfigProblem::PlaceholderInOrigin => {
                "must not have a placeholder in its scheme or host".to_string()
            }
            ConfigProblem::SchemeNotAllowed => {
                "must use https:// (http:// only for 127.0.0.1, localhost or [::1])".to_string()
            }
            ConfigProblem::HasFragment => "must not contain a fragment (#)".to_string(),
            ConfigProblem::InvalidUrl => "is not a valid URL".to_string(),
            ConfigProblem::InvalidOrigin => {
                "must be an origin: scheme://host[:port], with no path and no wildcard".to_string()
            }
            ConfigProblem::OriginNotAllowed => {
                "has an origin that is not listed in allowed_origins".to_string()
            }
            ConfigProblem::InvalidIp => "is not an IP address".to_string(),
            ConfigProblem::InvalidColor => "must be a color like #1a2b3c".to_string(),
            ConfigProblem::NotInLanguages => "must be one of \"languages\"".to_string(),
        };
        if self.key.is_empty() {
            f.write_str(&what)
        } else {
            write!(f, "\"{}\" {}", self.key, what)
        }
    }
}

impl std::error::Error for ConfigError {}

/// How the verified connection is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DeliveryMode {
    #[default]
    None,
    Submit,
    PostMessage,
    Redirect,
}

impl DeliveryMode {
    pub const ALL: [DeliveryMode; 4] = [
        DeliveryMode::None,
        DeliveryMode::Submit,
        DeliveryMode::PostMessage,
        DeliveryMode::Redirect,
    ];
    const NAMES: &'static [&'static str] = &["none", "submit", "post_message", "redirect"];

    /// Stable id and `config.json` value: `none`, `submit`, `post_message`, `redirect`.
    pub fn code(&self) -> &'static str {
        match self {
            DeliveryMode::None => "none",
            DeliveryMode::Submit => "submit",
            DeliveryMode::PostMessage => "post_message",
            DeliveryMode::Redirect => "redirect",
        }
    }
}

/// Delivery, validated: each mode with what it needs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Delivery {
    /// The page only shows the result.
    #[default]
    None,
    /// POST the connection as JSON to `url`, with the platform's session as the bearer.
    Submit {
        url: String,
        /// `delivery.session_from_link`: whether a `#session=` in the page's URL is honoured
        /// (default `false`: the session comes only from the embedding host's `session`
        /// message, from an allowed origin). A session from the link decides whose platform
        /// account receives the token, so the page then first asks the platform which account
        /// that is (`GET url` with the session) and shows it before Connect.
        session_from_link: bool,
    },
    /// `postMessage` to the parent or opener, with a target origin from `allowed_origins`.
    PostMessage,
    /// Navigate to `url` (its origin is in `allowed_origins`) with a non-secret status.
    Redirect { url: String },
}

impl Delivery {
    pub fn mode(&self) -> DeliveryMode {
        match self {
            Delivery::None => DeliveryMode::None,
            Delivery::Submit { .. } => DeliveryMode::Submit,
            Delivery::PostMessage => DeliveryMode::PostMessage,
            Delivery::Redirect { .. } => DeliveryMode::Redirect,
        }
    }
}

/// The page's colour scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Theme {
    Light,
    Dark,
    #[default]
    System,
}

impl Theme {
    const NAMES: &'static [&'static str] = &["light", "dark", "system"];

    /// Stable id and value: `light`, `dark`, `system`.
    pub fn code(&self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
            Theme::System => "system",
        }
    }

    pub fn parse(s: &str) -> Option<Theme> {
        match s {
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            "system" => Some(Theme::System),
            _ => None,
        }
    }
}

/// `least_privilege`: whether a verified token of a Super or Org Administrator, when the
/// deployment's `required` does not need that role, gets the calm notice that a read-only
/// administrator's token would do (issue 17). Added by branch `keep`: a plain text key read like
/// `theme` (one value of [`LeastPrivilege::NAMES`], absent means `advise`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LeastPrivilege {
    #[default]
    Advise,
    Off,
}

impl LeastPrivilege {
    const NAMES: &'static [&'static str] = &["advise", "off"];

    /// Stable id and value: `advise`, `off`.
    pub fn code(&self) -> &'static str {
        match self {
            LeastPrivilege::Advise => "advise",
            LeastPrivilege::Off => "off",
        }
    }

    pub fn parse(s: &str) -> Option<LeastPrivilege> {
        match s {
            "advise" => Some(LeastPrivilege::Advise),
            "off" => Some(LeastPrivilege::Off),
            _ => None,
        }
    }
}

/// The partner's branding.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Partner {
    pub name: Option<String>,
    /// A path relative to the page, or an `https://` URL.
    pub logo: Option<String>,
    /// `#rrggbb`, lowercase.
    pub brand_color: Option<String>,
}

/// The proxy URL template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyTemplate {
    template: String,
    full_url: bool,
}

impl ProxyTemplate {
    pub fn as_str(&self) -> &str {
        &self.template
    }

    /// Whether the template uses `{url}` (cors-anywhere style) rather than `{host}{path}`.
    pub fn uses_full_url(&self) -> bool {
        self.full_url
    }

    /// Fill the template. `host` is a validated lowercase DNS name, `path` one of the plan's
    /// paths; `{url}` gets `https://{host}{path}` verbatim.
    pub fn fill(&self, host: &str, path: &str) -> String {
        if self.full_url {
            let url = format!("https://{host}{path}");
            match self.template.split_once("{url}") {
                Some((before, after)) => [before, &url, after].concat(),
                None => self.template.clone(),
            }
        } else {
            // Replace in one pass so a value can never be taken for a placeholder.
            let mut out = String::with_capacity(self.template.len() + host.len() + path.len());
            let mut rest = self.template.as_str();
            while let Some(i) = rest.find('{') {
                out.push_str(&rest[..i]);
                let tail = &rest[i..];
                if let Some(t) = tail.strip_prefix("{host}") {
                    out.push_str(host);
                    rest = t;
                } else if let Some(t) = tail.strip_prefix("{path}") {
                    out.push_str(path);
                    rest = t;
                } else {
                    out.push('{');
                    rest = &tail[1..];
                }
            }
            out.push_str(rest);
            out
        }
    }
}

/// The validated configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub proxy: ProxyTemplate,
    /// Never empty, no duplicates.
    pub required: Vec<DataKind>,
    /// Normalized IP addresses (as `std::net::IpAddr` displays them; see [`crate::core::ip`]).
    pub proxy_egress_ips: Vec<String>,
    pub timeout_ms: u32,
    pub delivery: Delivery,
    /// Normalized origins (`scheme://host[:port]`, lowercase, default port dropped).
    pub allowed_origins: Vec<String>,
    pub partner: Partner,
    pub theme: Theme,
    /// `least_privilege` (default `advise`).
    pub least_privilege: LeastPrivilege,
    /// Never empty, no duplicates.
    pub languages: Vec<Lang>,
    /// One of `languages`.
    pub default_language: Lang,
}

impl Config {
    /// Parse and validate `config.json`.
    pub fn from_json<P: JsonParser>(text: &str, parser: &P) -> Result<Config, ConfigError> {
        parse_config(text, parser)
    }

    /// The proxy URL for `path` on `host`.
    pub fn proxy_url(&self, host: &str, path: &str) -> String {
        self.proxy.fill(host, path)
    }

    /// Whether a message or embedder origin is in `allowed_origins` (compared after the same
    /// normalization; `null`, `*` and anything not an origin are never allowed).
    pub fn origin_allowed(&self, origin: &str) -> bool {
        normalize_origin(origin).is_some_and(|o| self.allowed_origins.contains(&o))
    }

    /// Whether a `#session=` in the page's URL is honoured (`submit` delivery with
    /// `delivery.session_from_link: true`); otherwise only the embedding host's `session`
    /// message sets the session.
    pub fn session_from_link(&self) -> bool {
        matches!(
            self.delivery,
            Delivery::Submit {
                session_from_link: true,
                ..
            }
        )
    }

    /// Whether the page speaks `lang` in this deployment.
    pub fn language_allowed(&self, lang: Lang) -> bool {
        self.languages.contains(&lang)
    }
}

/// The JSON type each key must have; objects list their own keys. The table's order is the
/// order in which wrong types are reported.
#[derive(Clone, Copy)]
enum Shape {
    Text,
    Texts,
    Number,
    Bool,
    Object(&'static [(&'static str, Shape)]),
}

const SHAPE: &[(&str, Shape)] = &[
    (
        "delivery",
        Shape::Object(&[
            ("mode", Shape::Text),
            ("submit_url", Shape::Text),
            ("redirect_url", Shape::Text),
            ("session_from_link", Shape::Bool),
        ]),
    ),
    (
        "partner",
        Shape::Object(&[
            ("name", Shape::Text),
            ("logo", Shape::Text),
            ("brand_color", Shape::Text),
        ]),
    ),
    ("timeout_ms", Shape::Number),
    ("proxy", Shape::Text),
    ("required", Shape::Texts),
    ("proxy_egress_ips", Shape::Texts),
    ("allowed_origins", Shape::Texts),
    ("theme", Shape::Text),
    ("least_privilege", Shape::Text),
    ("languages", Shape::Texts),
    ("default_language", Shape::Text),
];

type Members<'a> = &'a [(String, JsonValue)];

/// A problem found after the shape was checked: the key (`delivery.submit_url`), the list item
/// when there is one, and what is wrong. The key's text is built only for the error shown.
struct Bad(&'static str, Option<usize>, ConfigProblem);

impl From<Bad> for ConfigError {
    fn from(Bad(key, item, problem): Bad) -> ConfigError {
        let key = match item {
            Some(i) => format!("{key}[{i}]"),
            None => key.to_string(),
        };
        ConfigError { key, problem }
    }
}

/// `prefix.key`, with the key cut to 64 characters (it may be anything the file holds).
fn join(prefix: &str, key: &str) -> String {
    let mut path = String::from(prefix);
    if !prefix.is_empty() {
        path.push('.');
    }
    path.extend(key.chars().take(64));
    path
}

/// Refuse what is not an object, unknown and duplicated keys, and values of the wrong JSON
/// type, naming the key.
fn check_shape(
    value: &JsonValue,
    fields: &[(&str, Shape)],
    prefix: &str,
) -> Result<(), ConfigError> {
    let JsonValue::Object(members) = value else {
        let problem = if prefix.is_empty() {
            ConfigProblem::NotAnObject
        } else {
            ConfigProblem::WrongType {
                expected: JsonKind::Object,
            }
        };
        return Err(ConfigError::new(prefix, problem));
    };
    for (i, (k, _)) in members.iter().enumerate() {
        let problem = if !fields.iter().any(|(name, _)| name == k) {
            ConfigProblem::UnknownKey
        } else if members[..i].iter().any(|(p, _)| p == k) {
            ConfigProblem::DuplicateKey
        } else {
            continue;
        };
        return Err(ConfigError::new(&join(prefix, k), problem));
    }
    for (name, shape) in fields {
        let Some(v) = member(members, name) else {
            continue;
        };
        let path = join(prefix, name);
        let expected = match (shape, v) {
            (Shape::Text, JsonValue::String(_))
            | (Shape::Number, JsonValue::Number(_))
            | (Shape::Bool, JsonValue::Bool(_)) => continue,
            (Shape::Object(inner), _) => {
                check_shape(v, inner, &path)?;
                continue;
            }
            (Shape::Texts, JsonValue::Array(items)) => {
                match items
                    .iter()
                    .position(|x| !matches!(x, JsonValue::String(_)))
                {
                    None => continue,
                    Some(i) => {
                        return Err(ConfigError::new(
                            &format!("{path}[{i}]"),
                            ConfigProblem::WrongType {
                                expected: JsonKind::String,
                            },
                        ))
                    }
                }
            }
            (Shape::Text, _) => JsonKind::String,
            (Shape::Texts, _) => JsonKind::Array,
            (Shape::Number, _) => JsonKind::Integer,
            (Shape::Bool, _) => JsonKind::Bool,
        };
        return Err(ConfigError::new(
            &path,
            ConfigProblem::WrongType { expected },
        ));
    }
    Ok(())
}

/// A key's value; `null` counts as absent.
fn member<'a>(members: Members<'a>, key: &str) -> Option<&'a JsonValue> {
    members
        .iter()
        .find(|(k, v)| k == key && *v != JsonValue::Null)
        .map(|(_, v)| v)
}

/// The members of a nested object (none when absent). The shape was checked.
fn object<'a>(members: Members<'a>, key: &str) -> Members<'a> {
    match member(members, key) {
        Some(JsonValue::Object(m)) => m,
        _ => &[],
    }
}

/// A text value. The shape was checked.
fn text<'a>(members: Members<'a>, key: &str) -> Option<&'a str> {
    match member(members, key) {
        Some(JsonValue::String(s)) => Some(s),
        _ => None,
    }
}

/// A list of texts. The shape was checked.
fn texts<'a>(members: Members<'a>, key: &str) -> Option<Vec<&'a str>> {
    match member(members, key) {
        Some(JsonValue::Array(items)) => Some(
            items
                .iter()
                .filter_map(|v| match v {
                    JsonValue::String(s) => Some(s.as_str()),
                    _ => None,
                })
                .collect(),
        ),
        _ => None,
    }
}

/// Parse `config.json` and validate it: JSON, an object of known keys, each of the right type
/// ([`check_shape`]), then each value ([`validate`]).
fn parse_config<P: JsonParser>(text: &str, parser: &P) -> Result<Config, ConfigError> {
    let text = text.trim_start_matches('\u{feff}');
    if nesting_depth(text) > MAX_NESTING {
        return Err(ConfigError::new("", ConfigProblem::NotJson));
    }
    let value: JsonValue = parser
        .parse::<JsonValue>(text)
        .map_err(|_| ConfigError::new("", ConfigProblem::NotJson))?;
    check_shape(&value, SHAPE, "")?;
    let JsonValue::Object(top) = &value else {
        return Err(ConfigError::new("", ConfigProblem::NotAnObject));
    };
    Ok(validate(top)?)
}

/// Check every value and apply the defaults.
fn validate(top: Members) -> Result<Config, Bad> {
    let proxy = match text(top, "proxy") {
        None => return Err(Bad("proxy", None, ConfigProblem::Missing)),
        Some(p) => validate_proxy(p).map_err(|p| Bad("proxy", None, p))?,
    };

    let required = match texts(top, "required") {
        None => vec![DataKind::Users],
        Some(list) => {
            let allowed: &'static [&'static str] = &["users", "groups", "roles", "logs"];
            let parse = |s: &str| DataKind::parse(s).ok_or(ConfigProblem::UnknownValue { allowed });
            unique_values(&list, "required", parse)?
        }
    };

    let ips = texts(top, "proxy_egress_ips").unwrap_or_default();
    let proxy_egress_ips = unique_values(&ips, "proxy_egress_ips", |ip: &str| {
        ip.trim()
            .parse::<std::net::IpAddr>()
            .map(|a| a.to_string())
            .map_err(|_| ConfigProblem::InvalidIp)
    })?;

    let timeout_ms = match member(top, "timeout_ms") {
        Some(JsonValue::Number(n)) => {
            let n = *n;
            if n.fract() != 0.0
                || !(f64::from(MIN_TIMEOUT_MS)..=f64::from(MAX_TIMEOUT_MS)).contains(&n)
            {
                let range = ConfigProblem::OutOfRange {
                    min: u64::from(MIN_TIMEOUT_MS),
                    max: u64::from(MAX_TIMEOUT_MS),
                };
                return Err(Bad("timeout_ms", None, range));
            }
            n as u32
        }
        _ => DEFAULT_TIMEOUT_MS,
    };

    let origins = texts(top, "allowed_origins");
    let allowed_origins = unique_values(
        origins.as_deref().unwrap_or_default(),
        "allowed_origins",
        validate_origin,
    )?;

    let delivery = validate_delivery(object(top, "delivery"), origins.is_some(), &allowed_origins)?;

    let partner = validate_partner(object(top, "partner"))?;

    let theme = match text(top, "theme") {
        None => Theme::System,
        Some(t) => Theme::parse(t).ok_or(Bad(
            "theme",
            None,
            ConfigProblem::UnknownValue {
                allowed: Theme::NAMES,
            },
        ))?,
    };

    let least_privilege = match text(top, "least_privilege") {
        None => LeastPrivilege::Advise,
        Some(t) => LeastPrivilege::parse(t).ok_or(Bad(
            "least_privilege",
            None,
            ConfigProblem::UnknownValue {
                allowed: LeastPrivilege::NAMES,
            },
        ))?,
    };

    const LANGS: &[&str] = &["en", "de", "fr", "es", "ja", "ar"];
    let unknown_lang = || ConfigProblem::UnknownValue { allowed: LANGS };
    let languages = match texts(top, "languages") {
        None => Lang::ALL.to_vec(),
        Some(list) => {
            let parse = |s: &str| lang_code(s).ok_or_else(unknown_lang);
            unique_values(&list, "languages", parse)?
        }
    };
    let default_language = match text(top, "default_language") {
        None if languages.contains(&Lang::En) => Lang::En,
        None => languages[0],
        Some(code) => {
            let lang =
                lang_code(code).ok_or_else(|| Bad("default_language", None, unknown_lang()))?;
            if !languages.contains(&lang) {
                return Err(Bad("default_language", None, ConfigProblem::NotInLanguages));
            }
            lang
        }
    };

    Ok(Config {
        proxy,
        required,
        proxy_egress_ips,
        timeout_ms,
        delivery,
        allowed_origins,
        partner,
        theme,
        least_privilege,
        languages,
        default_language,
    })
}

/// `delivery`: the mode and what it needs. `origins_given` tells an empty `allowed_origins`
/// from an absent one.
fn validate_delivery(
    d: Members,
    origins_given: bool,
    allowed_origins: &[String],
) -> Result<Delivery, Bad> {
    let mode = match text(d, "mode") {
        None => DeliveryMode::None,
        Some(m) => DeliveryMode::ALL
            .into_iter()
            .find(|d| d.code() == m)
            .ok_or(Bad(
                "delivery.mode",
                None,
                ConfigProblem::UnknownValue {
                    allowed: DeliveryMode::NAMES,
                },
            ))?,
    };
    let needs_origins = matches!(mode, DeliveryMode::PostMessage | DeliveryMode::Redirect);
    if needs_origins && allowed_origins.is_empty() {
        let problem = if origins_given {
            ConfigProblem::Empty
        } else {
            ConfigProblem::RequiredByMode { mode }
        };
        return Err(Bad("allowed_origins", None, problem));
    }
    // URLs are checked whenever present, needed or not.
    const SUBMIT: &str = "delivery.submit_url";
    const REDIRECT: &str = "delivery.redirect_url";
    let submit = match text(d, "submit_url") {
        None => None,
        Some(u) => Some(validate_endpoint(u).map_err(|p| Bad(SUBMIT, None, p))?.0),
    };
    let redirect = match text(d, "redirect_url") {
        None => None,
        Some(u) => {
            let (url, origin) = validate_endpoint(u).map_err(|p| Bad(REDIRECT, None, p))?;
            if mode == DeliveryMode::Redirect && !allowed_origins.contains(&origin) {
                return Err(Bad(REDIRECT, None, ConfigProblem::OriginNotAllowed));
            }
            Some(url)
        }
    };
    let needed = |key: &'static str| Bad(key, None, ConfigProblem::RequiredByMode { mode });
    Ok(match mode {
        DeliveryMode::None => Delivery::None,
        DeliveryMode::PostMessage => Delivery::PostMessage,
        DeliveryMode::Submit => Delivery::Submit {
            url: submit.ok_or_else(|| needed(SUBMIT))?,
            // Read for every mode (the shape is checked), used only by `submit`.
            session_from_link: matches!(
                member(d, "session_from_link"),
                Some(JsonValue::Bool(true))
            ),
        },
        DeliveryMode::Redirect => Delivery::Redirect {
            url: redirect.ok_or_else(|| needed(REDIRECT))?,
        },
    })
}

fn lang_code(s: &str) -> Option<Lang> {
    Lang::ALL.into_iter().find(|l| l.code() == s)
}

/// Read each item of a list (at most [`MAX_LIST`]), refusing one listed twice. `required` and
/// `languages` must not be empty when given.
fn unique_values<T: PartialEq>(
    list: &[&str],
    key: &'static str,
    parse: impl Fn(&str) -> Result<T, ConfigProblem>,
) -> Result<Vec<T>, Bad> {
    if list.len() > MAX_LIST {
        return Err(Bad(key, None, ConfigProblem::TooLong { max: MAX_LIST }));
    }
    if list.is_empty() && (key == "required" || key == "languages") {
        return Err(Bad(key, None, ConfigProblem::Empty));
    }
    let mut out = Vec::new();
    for (i, s) in list.iter().enumerate() {
        let v = parse(s).map_err(|p| Bad(key, Some(i), p))?;
        if out.contains(&v) {
            return Err(Bad(key, Some(i), ConfigProblem::DuplicateValue));
        }
        out.push(v);
    }
    Ok(out)
}

fn validate_partner(p: Members) -> Result<Partner, Bad> {
    let name = match text(p, "name") {
        None => None,
        Some(n) => {
            let n = n.trim();
            if n.chars().count() > MAX_PARTNER_NAME {
                let max = MAX_PARTNER_NAME;
                return Err(Bad("partner.name", None, ConfigProblem::TooLong { max }));
            }
            if n.chars().any(char::is_control) {
                let problem = ConfigProblem::UnknownValue { allowed: &[] };
                return Err(Bad("partner.name", None, problem));
            }
            (!n.is_empty()).then(|| n.to_string())
        }
    };
    let logo = match text(p, "logo") {
        None => None,
        Some(l) => Some(validate_logo(l).map_err(|e| Bad("partner.logo", None, e))?),
    };
    let brand_color = match text(p, "brand_color") {
        None => None,
        Some(c) => {
            let ok =
                c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit());
            if !ok {
                return Err(Bad(
                    "partner.brand_color",
                    None,
                    ConfigProblem::InvalidColor,
                ));
            }
            Some(c.to_ascii_lowercase())
        }
    };
    Ok(Partner {
        name,
        logo,
        brand_color,
    })
}
/// A logo: an `https://` URL, or a relative path (`logo.svg`, `/assets/logo.svg`,
/// `./logo.png`) with no scheme, no `//`, no `..`, no backslash.
fn validate_logo(l: &str) -> Result<String, ConfigProblem> {
    if l.is_empty() {
        return Err(ConfigProblem::Empty);
    }
    if l.len() > MAX_URL_LEN {
        return Err(ConfigProblem::TooLong { max: MAX_URL_LEN });
    }
    if has_bad_chars(l) {
        return Err(ConfigProblem::InvalidUrl);
    }
    if starts_with_ci(l, "https://") {
        parse_absolute(l, false)?;
        return Ok(l.to_string());
    }
    let first_segment = l.split(['/', '?', '#']).next().unwrap_or("");
    if first_segment.contains(':') {
        return Err(ConfigProblem::SchemeNotAllowed);
    }
    if l.starts_with("//") || l.split(['/', '?', '#']).any(|s| s == "..") {
        return Err(ConfigProblem::InvalidUrl);
    }
    if l.contains('#') {
        return Err(ConfigProblem::HasFragment);
    }
    Ok(l.to_string())
}

fn has_bad_chars(s: &str) -> bool {
    s.chars().any(|c| {
        c.is_control() || c.is_whitespace() || c == '\\' || c == '"' || c == '<' || c == '>'
    })
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

/// The parts of an absolute http(s) URL.
struct Absolute {
    https: bool,
    /// Lowercase host (IPv6 in brackets).
    host: String,
    port: Option<u16>,
}

fn is_loopback_host(host: &str) -> bool {
    host == "localhost" || host == "127.0.0.1" || host == "[::1]"
}

/// Parse `scheme://host[:port][rest]` with `url::Url`: https, or http for loopback when
/// `allow_http_loopback`. The scheme is named first (`ftp://…` is a scheme problem, not an
/// invalid URL), and the `//host` form is required (`url` would read `https:///host` as a host).
fn parse_absolute(url: &str, allow_http_loopback: bool) -> Result<Absolute, ConfigProblem> {
    let https = if starts_with_ci(url, "https://") {
        true
    } else if starts_with_ci(url, "http://") {
        false
    } else {
        return Err(ConfigProblem::SchemeNotAllowed);
    };
    let after = &url[if https { 8 } else { 7 }..];
    if after.is_empty() || after.starts_with(['/', '?', '#']) {
        return Err(ConfigProblem::InvalidUrl);
    }
    let parsed = url::Url::parse(url).map_err(|_| ConfigProblem::InvalidUrl)?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(ConfigProblem::InvalidUrl);
    }
    let host = match parsed.host() {
        Some(url::Host::Domain(d)) if valid_host(d) => d.to_string(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => format!("[{ip}]"),
        _ => return Err(ConfigProblem::InvalidUrl),
    };
    // `port()` is `None` for the scheme's default port.
    let port = parsed.port();
    if port == Some(0) {
        return Err(ConfigProblem::InvalidUrl);
    }
    if !(https || allow_http_loopback && is_loopback_host(&host)) {
        return Err(ConfigProblem::SchemeNotAllowed);
    }
    Ok(Absolute { https, host, port })
}

/// A host in a configured URL: a DNS name (one label allowed, e.g. `localhost`), an IPv4
/// address, or a bracketed IPv6 address.
fn valid_host(host: &str) -> bool {
    if host.starts_with('[') {
        return true; // checked by the caller
    }
    if host.is_empty() || host.len() > 253 {
        return false;
    }
    host.split('.').all(|l| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    })
}

fn origin_of(a: &Absolute) -> String {
    let scheme = if a.https { "https" } else { "http" };
    let default_port = if a.https { 443 } else { 80 };
    match a.port {
        Some(p) if p != default_port => format!("{scheme}://{}:{}", a.host, u32::from(p)),
        _ => format!("{scheme}://{}", a.host),
    }
}

/// A submit or redirect endpoint: absolute https (http for loopback), no fragment; with its
/// origin.
fn validate_endpoint(u: &str) -> Result<(String, String), ConfigProblem> {
    if u.is_empty() {
        return Err(ConfigProblem::Empty);
    }
    if u.len() > MAX_URL_LEN {
        return Err(ConfigProblem::TooLong { max: MAX_URL_LEN });
    }
    if has_bad_chars(u) {
        return Err(ConfigProblem::InvalidUrl);
    }
    if u.contains('#') {
        return Err(ConfigProblem::HasFragment);
    }
    let a = parse_absolute(u, true)?;
    Ok((u.to_string(), origin_of(&a)))
}

/// Normalize an origin with the one origin rule ([`crate::core::origin`]): `scheme://host[:port]`,
/// lowercase, default port dropped; `https`, or `http` for loopback hosts.
pub fn normalize_origin(o: &str) -> Option<String> {
    crate::core::origin::normalize_origin(o).ok()
}

fn validate_origin(o: &str) -> Result<String, ConfigProblem> {
    use crate::core::origin::OriginError;
    crate::core::origin::normalize_origin(o).map_err(|e| match e {
        OriginError::Empty => ConfigProblem::Empty,
        OriginError::SchemeNotAllowed => ConfigProblem::SchemeNotAllowed,
        _ => ConfigProblem::InvalidOrigin,
    })
}

/// The proxy template: `{host}` and `{path}` once each, or `{url}` once; no other `{…}`; an
/// absolute `https://` URL (or `http://` on 127.0.0.1, localhost, [::1]) whose scheme and host
/// hold no placeholder, or a path starting with a single `/`; no fragment.
fn validate_proxy(p: &str) -> Result<ProxyTemplate, ConfigProblem> {
    if p.is_empty() {
        return Err(ConfigProblem::Empty);
    }
    if p.len() > MAX_URL_LEN {
        return Err(ConfigProblem::TooLong { max: MAX_URL_LEN });
    }
    if has_bad_chars(p) {
        return Err(ConfigProblem::InvalidUrl);
    }
    // Placeholders.
    let (mut hosts, mut paths, mut urls) = (0, 0, 0);
    let mut rest = p;
    while let Some(i) = rest.find(['{', '}']) {
        let tail = &rest[i..];
        if let Some(t) = tail.strip_prefix("{host}") {
            hosts += 1;
            rest = t;
        } else if let Some(t) = tail.strip_prefix("{path}") {
            paths += 1;
            rest = t;
        } else if let Some(t) = tail.strip_prefix("{url}") {
            urls += 1;
            rest = t;
        } else {
            return Err(ConfigProblem::UnknownPlaceholder);
        }
    }
    let full_url = match (hosts, paths, urls) {
        (1, 1, 0) => false,
        (0, 0, 1) => true,
        (_, _, u) if u > 0 && hosts + paths > 0 => return Err(ConfigProblem::UnknownPlaceholder),
        _ => return Err(ConfigProblem::MissingPlaceholder),
    };
    if p.contains('#') {
        return Err(ConfigProblem::HasFragment);
    }
    if p.starts_with('/') {
        if p.starts_with("//") {
            return Err(ConfigProblem::InvalidUrl);
        }
    } else {
        let scheme_end = p.find("://").ok_or(ConfigProblem::SchemeNotAllowed)?;
        let after = &p[scheme_end + 3..];
        let authority_end = after.find(['/', '?']).unwrap_or(after.len());
        if p[..scheme_end].contains('{') || after[..authority_end].contains('{') {
            return Err(ConfigProblem::PlaceholderInOrigin);
        }
        parse_absolute(p, true)?;
    }
    Ok(ProxyTemplate {
        template: p.to_string(),
        full_url,
    })
}
