//! The deployment's runtime configuration: `config.json` beside `index.html`, read at start-up.
//!
//! [`Config::from_json`] reads the text with the shell's [`JsonParser`] (the browser's
//! `JSON.parse` and `serde_wasm_bindgen` in the page, `serde_json` natively) into a derived
//! `RawConfig`: every key optional and read whatever its JSON type (`Field`); a second read of
//! the same text finds every key of each object (`Keys`). `check_shape` then refuses unknown
//! keys and wrong types, and `validate` checks each value and applies the defaults. Every error
//! names the key (a dotted path such as `delivery.submit_url`, with `[i]` for list items) and a
//! typed [`ConfigProblem`], so the integrator-facing error page can say exactly what to fix.
//!
//! A key given twice keeps its last value: the browser's `JSON.parse` keeps it in the page, and
//! the native engine reads the text into a `serde_json::Value` first, which keeps it too. An
//! engine that hands serde both values (such as `serde_json::from_str` straight into the struct,
//! which is outside the [`JsonParser`] contract) gets the file refused with
//! [`ConfigProblem::DuplicateKey`].
//!
//! Only this file decides where a secret may go (the proxy, the submit URL, the redirect URL,
//! the allowed origins): nothing in the page's URL can change these.

use std::fmt;

use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::access::DataKind;
use crate::credential::CredentialKind;
use crate::decode::{nesting_depth, JsonError, JsonParser, MAX_NESTING};
use crate::hosts::is_dns_name;
use crate::lang::Lang;
use crate::origin::{is_loopback_host, normalize_origin};

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
    /// A key this page does not know (a typo?); `known` lists the keys of its object.
    UnknownKey { known: &'static [&'static str] },
    /// The same key twice in one object (the key names the object; empty for the top level).
    /// Only an engine that hands serde both values reports it: the browser's `JSON.parse` and
    /// the native reader through `serde_json::Value` keep the last value.
    DuplicateKey,
    /// A required key is absent.
    Missing,
    /// A key needed by the chosen `delivery.mode` is absent.
    RequiredByMode { mode: DeliveryMode },
    /// A key needed by a credential type listed in `credentials` is absent (`check_url` for
    /// `service_app` and `client_secret`, `service_app.jwks_url` for `service_app`).
    RequiredByCredential { credential: CredentialKind },
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
    /// Not `https://` (plain `http://` is allowed only for 127.0.0.1, localhost and `[::1]`),
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
            ConfigProblem::UnknownKey { .. } => "unknown_key",
            ConfigProblem::DuplicateKey => "duplicate_key",
            ConfigProblem::Missing => "missing",
            ConfigProblem::RequiredByMode { .. } => "required_by_mode",
            ConfigProblem::RequiredByCredential { .. } => "required_by_credential",
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
            ConfigProblem::UnknownKey { known } => format!(
                "is not a known key (check its spelling; the keys here are: {})",
                known.join(", ")
            ),
            ConfigProblem::DuplicateKey if self.key.is_empty() => {
                "config.json has the same key twice; keep one".to_string()
            }
            ConfigProblem::DuplicateKey => "has the same key twice; keep one".to_string(),
            ConfigProblem::Missing => "is required".to_string(),
            ConfigProblem::RequiredByMode { mode } => {
                format!("is required when delivery.mode is \"{}\"", mode.code())
            }
            ConfigProblem::RequiredByCredential { credential } => format!(
                "is required when credentials lists \"{}\"",
                credential.code()
            ),
            ConfigProblem::WrongType { expected } => {
                format!("must be {}", expected.with_article())
            }
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
/// administrator's token would do. A plain text key read like `theme`: `"advise"`
/// or `"off"`, absent means `advise`.
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
    /// Normalized IP addresses (as `url` serializes them, IPv6 without brackets).
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
    /// The credential types offered, in the order shown (the first preselected). Never empty,
    /// no duplicates; default `["api_token"]`.
    pub credentials: Vec<CredentialKind>,
    /// The platform's check server (`check_url`), which checks OAuth 2.0 credentials: set
    /// whenever `credentials` lists `service_app` or `client_secret`.
    pub check_url: Option<String>,
    /// `service_app.jwks_url`: the platform's public keys, for the customer to add to the app;
    /// set whenever `credentials` lists `service_app`.
    pub jwks_url: Option<String>,
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
        normalize_origin(origin).is_ok_and(|o| self.allowed_origins.contains(&o))
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

/// The JSON type a key must have, for "must be a string" errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    Bool,
    Integer,
    String,
    Array,
    Object,
}

impl JsonKind {
    /// Stable id: `boolean`, `integer`, `string`, `array`, `object`.
    pub fn code(&self) -> &'static str {
        match self {
            JsonKind::Bool => "boolean",
            JsonKind::Integer => "integer",
            JsonKind::String => "string",
            JsonKind::Array => "array",
            JsonKind::Object => "object",
        }
    }

    /// The type with its article, for the English messages: `an integer`, `a string`.
    fn with_article(&self) -> &'static str {
        match self {
            JsonKind::Bool => "a boolean (true or false)",
            JsonKind::Integer => "an integer",
            JsonKind::String => "a string",
            JsonKind::Array => "an array",
            JsonKind::Object => "an object",
        }
    }
}

/// The keys `config.json` knows at its top level, in `delivery` and in `partner` (the
/// `RawConfig`, `RawDelivery` and `RawPartner` fields, named in the unknown-key error).
pub const TOP_KEYS: &[&str] = &[
    "proxy",
    "required",
    "proxy_egress_ips",
    "timeout_ms",
    "delivery",
    "allowed_origins",
    "partner",
    "theme",
    "least_privilege",
    "languages",
    "default_language",
    "credentials",
    "check_url",
    "service_app",
];
pub const DELIVERY_KEYS: &[&str] = &["mode", "submit_url", "redirect_url", "session_from_link"];
pub const PARTNER_KEYS: &[&str] = &["name", "logo", "brand_color"];
pub const SERVICE_APP_KEYS: &[&str] = &["jwks_url"];

/// One key of `config.json` as serde read it: absent (or `null`), a value of the expected
/// type, or a value of another JSON type. Reading never fails on a type, so the error can name
/// the key: the key is the field, the expected type its Rust type.
///
/// Read as `Option<T>`, a deserialization error taken for a value of another JSON type. That
/// is sound because the shell's engine hands every value as a whole ([`JsonParser`]): the
/// field's error does not end the document. No `untagged` enum, so serde never buffers a
/// value into its private `Content` to try each variant.
#[derive(Debug, Default)]
enum Field<T> {
    #[default]
    Absent,
    Value(T),
    /// Another JSON type.
    WrongType,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Field<T>, D::Error> {
        Ok(match Option::<T>::deserialize(d) {
            Ok(Some(v)) => Field::Value(v),
            Ok(None) => Field::Absent,
            Err(_) => Field::WrongType,
        })
    }
}

impl<T> Field<T> {
    /// The value; `None` when absent (or, before [`check_shape`], of a wrong type).
    fn get(&self) -> Option<&T> {
        match self {
            Field::Value(v) => Some(v),
            _ => None,
        }
    }

    /// Refuse a value of another JSON type, naming `key` and `expected`.
    fn check(&self, key: &str, expected: JsonKind) -> Result<Option<&T>, ConfigError> {
        match self {
            Field::Absent => Ok(None),
            Field::Value(v) => Ok(Some(v)),
            Field::WrongType => Err(ConfigError::new(key, ConfigProblem::WrongType { expected })),
        }
    }
}

/// One item of a list of strings: the string, or `None` for another JSON type (`null` too),
/// named with its index. Read as [`Field`] is.
struct Item(Option<String>);

impl<'de> Deserialize<'de> for Item {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Item, D::Error> {
        Ok(Item(String::deserialize(d).ok()))
    }
}

/// The keys of `config.json`, from a second read of the same text: serde's `deserialize_any`
/// visits an object as a map (every key, with either engine), where a derived struct reads
/// only its own fields in the page (`serde_wasm_bindgen` looks up each field by name). Absent
/// or `null`, an object with its keys (and each value's own keys, for `delivery` and
/// `partner`), or another JSON type: an array too, which the derived `RawDelivery` would read
/// as positional fields.
#[derive(Debug, Default)]
enum Keys {
    #[default]
    Absent,
    Object(Vec<(String, Keys)>),
    Other,
}

impl<'de> Deserialize<'de> for Keys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Keys, D::Error> {
        struct Visit;
        impl<'de> Visitor<'de> for Visit {
            type Value = Keys;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_unit<E>(self) -> Result<Keys, E> {
                Ok(Keys::Absent)
            }
            fn visit_none<E>(self) -> Result<Keys, E> {
                Ok(Keys::Absent)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                let mut keys = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    keys.push((key, map.next_value()?));
                }
                Ok(Keys::Object(keys))
            }
        }
        // Any other type is refused by the visitor: as for `Field`, the engine hands the value
        // as a whole, so the error ends only this value.
        Ok(d.deserialize_any(Visit).unwrap_or(Keys::Other))
    }
}

impl Keys {
    /// The value of `key` in an object (the last one, as `JSON.parse` keeps it).
    fn of(&self, key: &str) -> &Keys {
        match self {
            Keys::Object(keys) => keys.iter().rev().find(|(k, _)| k == key),
            _ => None,
        }
        .map_or(&Keys::Absent, |(_, v)| v)
    }

    /// Refuse the first unknown key of an object (in key order), naming it and the known ones.
    fn no_unknown(&self, prefix: &str, known: &'static [&'static str]) -> Result<(), ConfigError> {
        let Keys::Object(keys) = self else {
            return Ok(());
        };
        let unknown = keys
            .iter()
            .map(|(k, _)| k)
            .filter(|k| !known.contains(&k.as_str()))
            .min();
        match unknown {
            None => Ok(()),
            Some(k) => Err(ConfigError::new(
                &join(prefix, k),
                ConfigProblem::UnknownKey { known },
            )),
        }
    }

    /// A key holding an object (`delivery`, `partner`): its shape by this read, its values by
    /// `field`. Refuse another JSON type, and an object whose values did not read (a key given
    /// twice, from an engine that hands both: neither the page's nor the native one does).
    fn object<'a, T>(
        &self,
        key: &str,
        field: &'a Field<T>,
        known: &'static [&'static str],
    ) -> Result<Option<&'a T>, ConfigError> {
        let problem = match (self.of(key), field) {
            (Keys::Absent, _) => return Ok(None),
            (Keys::Object(_), Field::Value(v)) => {
                self.of(key).no_unknown(key, known)?;
                return Ok(Some(v));
            }
            (Keys::Object(_), _) => ConfigProblem::DuplicateKey,
            (Keys::Other, _) => ConfigProblem::WrongType {
                expected: JsonKind::Object,
            },
        };
        Err(ConfigError::new(key, problem))
    }
}

/// `config.json` as serde reads it, every key optional and of any JSON type ([`Field`]);
/// [`check_shape`] refuses unknown keys (found by [`Keys`]) and wrong types, [`validate`]
/// checks the values.
#[derive(Deserialize)]
struct RawConfig {
    #[serde(default)]
    proxy: Field<String>,
    #[serde(default)]
    required: Field<Vec<Item>>,
    #[serde(default)]
    proxy_egress_ips: Field<Vec<Item>>,
    /// Read as any JSON number: `2500.5` is out of range, not of the wrong type.
    #[serde(default)]
    timeout_ms: Field<f64>,
    #[serde(default)]
    delivery: Field<RawDelivery>,
    #[serde(default)]
    allowed_origins: Field<Vec<Item>>,
    #[serde(default)]
    partner: Field<RawPartner>,
    #[serde(default)]
    theme: Field<String>,
    #[serde(default)]
    least_privilege: Field<String>,
    #[serde(default)]
    languages: Field<Vec<Item>>,
    #[serde(default)]
    default_language: Field<String>,
    #[serde(default)]
    credentials: Field<Vec<Item>>,
    #[serde(default)]
    check_url: Field<String>,
    #[serde(default)]
    service_app: Field<RawServiceApp>,
}

/// `service_app`, as [`RawConfig`].
#[derive(Deserialize)]
struct RawServiceApp {
    #[serde(default)]
    jwks_url: Field<String>,
}

/// `delivery`, as [`RawConfig`].
#[derive(Deserialize)]
struct RawDelivery {
    #[serde(default)]
    mode: Field<String>,
    #[serde(default)]
    submit_url: Field<String>,
    #[serde(default)]
    redirect_url: Field<String>,
    #[serde(default)]
    session_from_link: Field<bool>,
}

/// `partner`, as [`RawConfig`].
#[derive(Deserialize)]
struct RawPartner {
    #[serde(default)]
    name: Field<String>,
    #[serde(default)]
    logo: Field<String>,
    #[serde(default)]
    brand_color: Field<String>,
}

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

/// A list of strings: an array, each item a string (the item named by its index).
fn check_texts(field: &Field<Vec<Item>>, key: &str) -> Result<(), ConfigError> {
    let Some(items) = field.check(key, JsonKind::Array)? else {
        return Ok(());
    };
    match items.iter().position(|x| x.0.is_none()) {
        None => Ok(()),
        Some(i) => Err(ConfigError::new(
            &format!("{key}[{i}]"),
            ConfigProblem::WrongType {
                expected: JsonKind::String,
            },
        )),
    }
}

/// Refuse unknown keys and values of the wrong JSON type, naming the key: the top level's
/// unknown keys, then `delivery` and `partner`, then each other key in turn.
fn check_shape(raw: &RawConfig, keys: &Keys) -> Result<(), ConfigError> {
    use JsonKind as K;
    keys.no_unknown("", TOP_KEYS)?;
    if let Some(d) = keys.object("delivery", &raw.delivery, DELIVERY_KEYS)? {
        d.mode.check("delivery.mode", K::String)?;
        d.submit_url.check("delivery.submit_url", K::String)?;
        d.redirect_url.check("delivery.redirect_url", K::String)?;
        d.session_from_link
            .check("delivery.session_from_link", K::Bool)?;
    }
    if let Some(p) = keys.object("partner", &raw.partner, PARTNER_KEYS)? {
        p.name.check("partner.name", K::String)?;
        p.logo.check("partner.logo", K::String)?;
        p.brand_color.check("partner.brand_color", K::String)?;
    }
    raw.timeout_ms.check("timeout_ms", K::Integer)?;
    raw.proxy.check("proxy", K::String)?;
    check_texts(&raw.required, "required")?;
    check_texts(&raw.proxy_egress_ips, "proxy_egress_ips")?;
    check_texts(&raw.allowed_origins, "allowed_origins")?;
    raw.theme.check("theme", K::String)?;
    raw.least_privilege.check("least_privilege", K::String)?;
    check_texts(&raw.languages, "languages")?;
    raw.default_language.check("default_language", K::String)?;
    check_texts(&raw.credentials, "credentials")?;
    raw.check_url.check("check_url", K::String)?;
    if let Some(a) = keys.object("service_app", &raw.service_app, SERVICE_APP_KEYS)? {
        a.jwks_url.check("service_app.jwks_url", K::String)?;
    }
    Ok(())
}

/// A string key's value. The shape was checked.
fn text(field: &Field<String>) -> Option<&str> {
    field.get().map(String::as_str)
}

/// A list of strings. The shape was checked.
fn texts(field: &Field<Vec<Item>>) -> Option<Vec<&str>> {
    field
        .get()
        .map(|items| items.iter().filter_map(|x| x.0.as_deref()).collect())
}

/// Parse `config.json` and validate it: JSON, an object, read into a [`RawConfig`] by the
/// shell's engine and again for its [`Keys`]; known keys, each of the right type
/// ([`check_shape`]); then each value ([`validate`]).
fn parse_config<P: JsonParser>(text: &str, parser: &P) -> Result<Config, ConfigError> {
    let text = text.trim_start_matches('\u{feff}');
    if nesting_depth(text) > MAX_NESTING {
        return Err(ConfigError::new("", ConfigProblem::NotJson));
    }
    if !text.trim_start().starts_with('{') {
        // Tell a text that is not JSON from JSON of another kind.
        let problem = match parser.parse::<IgnoredAny>(text) {
            Ok(_) => ConfigProblem::NotAnObject,
            Err(_) => ConfigProblem::NotJson,
        };
        return Err(ConfigError::new("", problem));
    }
    let read = |e| {
        let problem = match e {
            JsonError::Syntax => ConfigProblem::NotJson,
            // Every key is read whatever its type, so an object that does not read is one
            // with a key given twice at the top, from an engine that hands both (see
            // `ConfigProblem::DuplicateKey`).
            JsonError::Shape => ConfigProblem::DuplicateKey,
        };
        ConfigError::new("", problem)
    };
    let raw: RawConfig = parser.parse(text).map_err(read)?;
    let keys: Keys = parser.parse(text).map_err(read)?;
    check_shape(&raw, &keys)?;
    Ok(validate(&raw)?)
}

/// Check every value and apply the defaults.
fn validate(raw: &RawConfig) -> Result<Config, Bad> {
    let proxy = match text(&raw.proxy) {
        None => return Err(Bad("proxy", None, ConfigProblem::Missing)),
        Some(p) => validate_proxy(p).map_err(|p| Bad("proxy", None, p))?,
    };

    let required = match texts(&raw.required) {
        None => vec![DataKind::Users],
        Some(list) => {
            let allowed: &'static [&'static str] = &["users", "groups", "roles", "logs"];
            let parse = |s: &str| DataKind::parse(s).ok_or(ConfigProblem::UnknownValue { allowed });
            unique_values(&list, "required", parse)?
        }
    };

    let ips = texts(&raw.proxy_egress_ips).unwrap_or_default();
    let proxy_egress_ips = unique_values(&ips, "proxy_egress_ips", parse_ip)?;

    let timeout_ms = match raw.timeout_ms.get() {
        Some(&n) => {
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

    let origins = texts(&raw.allowed_origins);
    let allowed_origins = unique_values(
        origins.as_deref().unwrap_or_default(),
        "allowed_origins",
        validate_origin,
    )?;

    let delivery = validate_delivery(raw.delivery.get(), origins.is_some(), &allowed_origins)?;

    let partner = validate_partner(raw.partner.get())?;

    let theme = match text(&raw.theme) {
        None => Theme::System,
        Some(t) => Theme::parse(t).ok_or(Bad(
            "theme",
            None,
            ConfigProblem::UnknownValue {
                allowed: Theme::NAMES,
            },
        ))?,
    };

    let least_privilege = match text(&raw.least_privilege) {
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
    let languages = match texts(&raw.languages) {
        None => Lang::ALL.to_vec(),
        Some(list) => {
            let parse = |s: &str| lang_code(s).ok_or_else(unknown_lang);
            unique_values(&list, "languages", parse)?
        }
    };
    let default_language = match text(&raw.default_language) {
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

    let credentials = match texts(&raw.credentials) {
        None => vec![CredentialKind::ApiToken],
        Some(list) => {
            let allowed = CredentialKind::NAMES;
            let parse =
                |s: &str| CredentialKind::parse(s).ok_or(ConfigProblem::UnknownValue { allowed });
            unique_values(&list, "credentials", parse)?
        }
    };
    if credentials.is_empty() {
        return Err(Bad("credentials", None, ConfigProblem::Empty));
    }
    const CHECK_URL: &str = "check_url";
    const JWKS_URL: &str = "service_app.jwks_url";
    let check_url = match text(&raw.check_url) {
        None => None,
        Some(u) => Some(validate_endpoint_or_path(u).map_err(|p| Bad(CHECK_URL, None, p))?),
    };
    let jwks_url = match raw.service_app.get().and_then(|a| text(&a.jwks_url)) {
        None => None,
        Some(u) => Some(validate_endpoint_or_path(u).map_err(|p| Bad(JWKS_URL, None, p))?),
    };
    let needed = |key: &'static str, credential| {
        Bad(
            key,
            None,
            ConfigProblem::RequiredByCredential { credential },
        )
    };
    if let Some(&k) = credentials.iter().find(|k| k.checked_on_server()) {
        if check_url.is_none() {
            return Err(needed(CHECK_URL, k));
        }
    }
    if credentials.contains(&CredentialKind::ServiceApp) && jwks_url.is_none() {
        return Err(needed(JWKS_URL, CredentialKind::ServiceApp));
    }

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
        credentials,
        check_url,
        jwks_url,
    })
}

/// `delivery`: the mode and what it needs. `origins_given` tells an empty `allowed_origins`
/// from an absent one.
fn validate_delivery(
    d: Option<&RawDelivery>,
    origins_given: bool,
    allowed_origins: &[String],
) -> Result<Delivery, Bad> {
    let field = |f: fn(&RawDelivery) -> &Field<String>| d.and_then(|d| text(f(d)));
    let mode = match field(|d| &d.mode) {
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
    let submit = match field(|d| &d.submit_url) {
        None => None,
        Some(u) => Some(validate_endpoint(u).map_err(|p| Bad(SUBMIT, None, p))?.0),
    };
    let redirect = match field(|d| &d.redirect_url) {
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
            session_from_link: d.and_then(|d| d.session_from_link.get()) == Some(&true),
        },
        DeliveryMode::Redirect => Delivery::Redirect {
            url: redirect.ok_or_else(|| needed(REDIRECT))?,
        },
    })
}

/// An IP address of `proxy_egress_ips`, read by `url::Host::parse` (an IPv6 address in
/// brackets for the parse) and written as `url` serializes it, without brackets: IPv6 in
/// lowercase with the longest run of zeros shortened. An IPv4 address must be written in the
/// dotted-quad form `url` writes back: `url` reads `10.1`, `0x0a.0.0.1` and `010.0.0.1` (octal,
/// 8.0.0.1) as a browser would, which is not what a zone list means. What `url` reads as a
/// domain is not an IP address.
fn parse_ip(ip: &str) -> Result<String, ConfigProblem> {
    let ip = ip.trim();
    let host = if ip.contains(':') {
        url::Host::parse(&format!("[{ip}]"))
    } else {
        url::Host::parse(ip)
    };
    match host {
        Ok(h @ url::Host::Ipv6(_)) => Ok(h.to_string().trim_matches(['[', ']']).to_string()),
        Ok(h @ url::Host::Ipv4(_)) if h.to_string() == ip => Ok(ip.to_string()),
        _ => Err(ConfigProblem::InvalidIp),
    }
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

fn validate_partner(p: Option<&RawPartner>) -> Result<Partner, Bad> {
    let field = |f: fn(&RawPartner) -> &Field<String>| p.and_then(|p| text(f(p)));
    let name = match field(|p| &p.name) {
        None => None,
        Some(n) => {
            let n = n.trim();
            if n.chars().count() > MAX_PARTNER_NAME {
                let max = MAX_PARTNER_NAME;
                return Err(Bad("partner.name", None, ConfigProblem::TooLong { max }));
            }
            // Control characters, and the invisible and direction-changing ones (which could
            // make the name read as another): the recipient's account name is held to the same.
            if n.chars()
                .any(|c| c.is_control() || crate::org_url::is_invisible(c))
            {
                let problem = ConfigProblem::UnknownValue { allowed: &[] };
                return Err(Bad("partner.name", None, problem));
            }
            (!n.is_empty()).then(|| n.to_string())
        }
    };
    let logo = match field(|p| &p.logo) {
        None => None,
        Some(l) => Some(validate_logo(l).map_err(|e| Bad("partner.logo", None, e))?),
    };
    let brand_color = match field(|p| &p.brand_color) {
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
    // `..` in any spelling a URL parser takes for it (`%2e%2e`, `.%2e`, `%2E.`).
    let dot_dot = |s: &str| s.to_ascii_lowercase().replace("%2e", ".") == "..";
    if l.starts_with("//") || l.split(['/', '?', '#']).any(dot_dot) {
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
        Some(url::Host::Domain(d)) if is_dns_name(d) => d.to_string(),
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

/// An endpoint as [`validate_endpoint`], or a path on the page's own origin (`/check`): one
/// `/` first (`//host` would name another host), no `\\`, no fragment.
fn validate_endpoint_or_path(u: &str) -> Result<String, ConfigProblem> {
    if !u.starts_with('/') {
        return validate_endpoint(u).map(|(url, _)| url);
    }
    if u.len() > MAX_URL_LEN {
        return Err(ConfigProblem::TooLong { max: MAX_URL_LEN });
    }
    if u.starts_with("//") || u.contains('\\') || has_bad_chars(u) || u.contains(' ') {
        return Err(ConfigProblem::InvalidUrl);
    }
    if u.contains('#') {
        return Err(ConfigProblem::HasFragment);
    }
    Ok(u.to_string())
}

fn validate_origin(o: &str) -> Result<String, ConfigProblem> {
    use crate::origin::OriginError;
    crate::origin::normalize_origin(o).map_err(|e| match e {
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
