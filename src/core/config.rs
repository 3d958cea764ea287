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

use crate::core::json::{nesting_depth, JsonKind, JsonParser, JsonValue, MAX_NESTING};
use crate::core::plan::DataKind;
use crate::i18n::Lang;

/// Top-level keys of `config.json`.
pub const KEYS: [&str; 10] = [
    "proxy",
    "required",
    "proxy_egress_ips",
    "timeout_ms",
    "delivery",
    "allowed_origins",
    "partner",
    "theme",
    "languages",
    "default_language",
];

const DELIVERY_KEYS: [&str; 3] = ["mode", "submit_url", "redirect_url"];
const PARTNER_KEYS: [&str; 3] = ["name", "logo", "brand_color"];

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
    fn new(key: impl Into<String>, problem: ConfigProblem) -> ConfigError {
        let mut key: String = key.into();
        if key.len() > 128 {
            let mut cut = 128;
            while !key.is_char_boundary(cut) {
                cut -= 1;
            }
            key.truncate(cut);
        }
        ConfigError { key, problem }
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
    /// POST the connection as JSON to `url`.
    Submit { url: String },
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
            self.template.replacen("{url}", &url, 1)
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
    /// Never empty, no duplicates.
    pub languages: Vec<Lang>,
    /// One of `languages`.
    pub default_language: Lang,
}

impl Config {
    /// Parse and validate `config.json`.
    pub fn from_json<P: JsonParser>(text: &str, parser: &P) -> Result<Config, ConfigError> {
        RawConfig::parse(text, parser)?.validate()
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

    /// Whether the page speaks `lang` in this deployment.
    pub fn language_allowed(&self, lang: Lang) -> bool {
        self.languages.contains(&lang)
    }
}

/// `config.json` as typed values, every key optional, before validation. Unknown keys and
/// values of the wrong JSON type are refused while reading (naming the key).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RawConfig {
    pub proxy: Option<String>,
    pub required: Option<Vec<String>>,
    pub proxy_egress_ips: Option<Vec<String>>,
    pub timeout_ms: Option<f64>,
    pub delivery: Option<RawDelivery>,
    pub allowed_origins: Option<Vec<String>>,
    pub partner: Option<RawPartner>,
    pub theme: Option<String>,
    pub languages: Option<Vec<String>>,
    pub default_language: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawDelivery {
    pub mode: Option<String>,
    pub submit_url: Option<String>,
    pub redirect_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawPartner {
    pub name: Option<String>,
    pub logo: Option<String>,
    pub brand_color: Option<String>,
}

type Members<'a> = &'a [(String, JsonValue)];

fn object<'a>(v: &'a JsonValue, key: &str) -> Result<Members<'a>, ConfigError> {
    match v {
        JsonValue::Object(m) => Ok(m),
        _ if key.is_empty() => Err(ConfigError::new(key, ConfigProblem::NotAnObject)),
        _ => Err(ConfigError::new(
            key,
            ConfigProblem::WrongType {
                expected: JsonKind::Object,
            },
        )),
    }
}

/// Refuse unknown and duplicated keys of an object.
fn check_keys(members: Members, known: &[&str], prefix: &str) -> Result<(), ConfigError> {
    for (i, (k, _)) in members.iter().enumerate() {
        let path = join(prefix, k);
        if !known.contains(&k.as_str()) {
            return Err(ConfigError::new(path, ConfigProblem::UnknownKey));
        }
        if members[..i].iter().any(|(p, _)| p == k) {
            return Err(ConfigError::new(path, ConfigProblem::DuplicateKey));
        }
    }
    Ok(())
}

fn join(prefix: &str, key: &str) -> String {
    let key: String = key.chars().take(64).collect();
    if prefix.is_empty() {
        key
    } else {
        format!("{prefix}.{key}")
    }
}

fn member<'a>(members: Members<'a>, key: &str) -> Option<&'a JsonValue> {
    members
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
        .filter(|v| **v != JsonValue::Null)
}

fn string(members: Members, key: &str, path: &str) -> Result<Option<String>, ConfigError> {
    match member(members, key) {
        None => Ok(None),
        Some(JsonValue::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ConfigError::new(
            path,
            ConfigProblem::WrongType {
                expected: JsonKind::String,
            },
        )),
    }
}

fn strings(members: Members, key: &str, path: &str) -> Result<Option<Vec<String>>, ConfigError> {
    match member(members, key) {
        None => Ok(None),
        Some(JsonValue::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                JsonValue::String(s) => Ok(s.clone()),
                _ => Err(ConfigError::new(
                    format!("{path}[{i}]"),
                    ConfigProblem::WrongType {
                        expected: JsonKind::String,
                    },
                )),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(ConfigError::new(
            path,
            ConfigProblem::WrongType {
                expected: JsonKind::Array,
            },
        )),
    }
}

impl RawConfig {
    /// Parse `config.json`: JSON, an object, known keys only, each of the right JSON type.
    pub fn parse<P: JsonParser>(text: &str, parser: &P) -> Result<RawConfig, ConfigError> {
        let text = text.trim_start_matches('\u{feff}');
        if nesting_depth(text) > MAX_NESTING {
            return Err(ConfigError::new("", ConfigProblem::NotJson));
        }
        let value: JsonValue = parser
            .parse_value(text)
            .map_err(|_| ConfigError::new("", ConfigProblem::NotJson))?;
        RawConfig::from_value(&value)
    }

    /// From an already parsed document.
    pub fn from_value(value: &JsonValue) -> Result<RawConfig, ConfigError> {
        let top = object(value, "")?;
        check_keys(top, &KEYS, "")?;
        let delivery = match member(top, "delivery") {
            None => None,
            Some(v) => {
                let m = object(v, "delivery")?;
                check_keys(m, &DELIVERY_KEYS, "delivery")?;
                Some(RawDelivery {
                    mode: string(m, "mode", "delivery.mode")?,
                    submit_url: string(m, "submit_url", "delivery.submit_url")?,
                    redirect_url: string(m, "redirect_url", "delivery.redirect_url")?,
                })
            }
        };
        let partner = match member(top, "partner") {
            None => None,
            Some(v) => {
                let m = object(v, "partner")?;
                check_keys(m, &PARTNER_KEYS, "partner")?;
                Some(RawPartner {
                    name: string(m, "name", "partner.name")?,
                    logo: string(m, "logo", "partner.logo")?,
                    brand_color: string(m, "brand_color", "partner.brand_color")?,
                })
            }
        };
        let timeout_ms = match member(top, "timeout_ms") {
            None => None,
            Some(JsonValue::Number(n)) => Some(*n),
            Some(_) => {
                return Err(ConfigError::new(
                    "timeout_ms",
                    ConfigProblem::WrongType {
                        expected: JsonKind::Integer,
                    },
                ))
            }
        };
        Ok(RawConfig {
            proxy: string(top, "proxy", "proxy")?,
            required: strings(top, "required", "required")?,
            proxy_egress_ips: strings(top, "proxy_egress_ips", "proxy_egress_ips")?,
            timeout_ms,
            delivery,
            allowed_origins: strings(top, "allowed_origins", "allowed_origins")?,
            partner,
            theme: string(top, "theme", "theme")?,
            languages: strings(top, "languages", "languages")?,
            default_language: string(top, "default_language", "default_language")?,
        })
    }

    /// Check every value and apply the defaults.
    pub fn validate(&self) -> Result<Config, ConfigError> {
        let proxy = match &self.proxy {
            None => return Err(ConfigError::new("proxy", ConfigProblem::Missing)),
            Some(p) => validate_proxy(p).map_err(|p| ConfigError::new("proxy", p))?,
        };

        let required = match &self.required {
            None => vec![DataKind::Users],
            Some(list) => {
                let allowed: &'static [&'static str] = &["users", "groups", "roles", "logs"];
                let kinds = unique_values(list, "required", DataKind::parse, allowed)?;
                if kinds.is_empty() {
                    return Err(ConfigError::new("required", ConfigProblem::Empty));
                }
                kinds
            }
        };

        let mut proxy_egress_ips = Vec::new();
        for (i, ip) in self.proxy_egress_ips.iter().flatten().enumerate() {
            let key = format!("proxy_egress_ips[{i}]");
            if i >= MAX_LIST {
                return Err(ConfigError::new(
                    "proxy_egress_ips",
                    ConfigProblem::TooLong { max: MAX_LIST },
                ));
            }
            let shown = crate::core::ip::normalize(ip.trim())
                .ok_or_else(|| ConfigError::new(key.clone(), ConfigProblem::InvalidIp))?;
            if proxy_egress_ips.contains(&shown) {
                return Err(ConfigError::new(key, ConfigProblem::DuplicateValue));
            }
            proxy_egress_ips.push(shown);
        }

        let timeout_ms = match self.timeout_ms {
            None => DEFAULT_TIMEOUT_MS,
            Some(n) => {
                let range = ConfigProblem::OutOfRange {
                    min: u64::from(MIN_TIMEOUT_MS),
                    max: u64::from(MAX_TIMEOUT_MS),
                };
                if n.fract() != 0.0
                    || !(f64::from(MIN_TIMEOUT_MS)..=f64::from(MAX_TIMEOUT_MS)).contains(&n)
                {
                    return Err(ConfigError::new("timeout_ms", range));
                }
                n as u32
            }
        };

        let mut allowed_origins: Vec<String> = Vec::new();
        for (i, o) in self.allowed_origins.iter().flatten().enumerate() {
            let key = format!("allowed_origins[{i}]");
            if i >= MAX_LIST {
                return Err(ConfigError::new(
                    "allowed_origins",
                    ConfigProblem::TooLong { max: MAX_LIST },
                ));
            }
            let origin = validate_origin(o).map_err(|p| ConfigError::new(key.clone(), p))?;
            if allowed_origins.contains(&origin) {
                return Err(ConfigError::new(key, ConfigProblem::DuplicateValue));
            }
            allowed_origins.push(origin);
        }

        let delivery = self.validate_delivery(&allowed_origins)?;

        let partner = match &self.partner {
            None => Partner::default(),
            Some(p) => validate_partner(p)?,
        };

        let theme = match &self.theme {
            None => Theme::System,
            Some(t) => Theme::parse(t).ok_or_else(|| {
                ConfigError::new(
                    "theme",
                    ConfigProblem::UnknownValue {
                        allowed: Theme::NAMES,
                    },
                )
            })?,
        };

        let languages = match &self.languages {
            None => Lang::ALL.to_vec(),
            Some(list) => {
                let allowed: &'static [&'static str] = &["en", "de", "fr", "es", "ja", "ar"];
                let langs = unique_values(list, "languages", lang_code, allowed)?;
                if langs.is_empty() {
                    return Err(ConfigError::new("languages", ConfigProblem::Empty));
                }
                langs
            }
        };
        let default_language = match &self.default_language {
            None if languages.contains(&Lang::En) => Lang::En,
            None => languages[0],
            Some(code) => {
                let lang = lang_code(code).ok_or_else(|| {
                    ConfigError::new(
                        "default_language",
                        ConfigProblem::UnknownValue {
                            allowed: &["en", "de", "fr", "es", "ja", "ar"],
                        },
                    )
                })?;
                if !languages.contains(&lang) {
                    return Err(ConfigError::new(
                        "default_language",
                        ConfigProblem::NotInLanguages,
                    ));
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
            languages,
            default_language,
        })
    }

    fn validate_delivery(&self, allowed_origins: &[String]) -> Result<Delivery, ConfigError> {
        let raw = self.delivery.clone().unwrap_or_default();
        let mode = match raw.mode.as_deref() {
            None => DeliveryMode::None,
            Some(m) => DeliveryMode::ALL
                .into_iter()
                .find(|d| d.code() == m)
                .ok_or_else(|| {
                    ConfigError::new(
                        "delivery.mode",
                        ConfigProblem::UnknownValue {
                            allowed: DeliveryMode::NAMES,
                        },
                    )
                })?,
        };
        let needs_origins = matches!(mode, DeliveryMode::PostMessage | DeliveryMode::Redirect);
        if needs_origins && allowed_origins.is_empty() {
            let problem = if self.allowed_origins.is_some() {
                ConfigProblem::Empty
            } else {
                ConfigProblem::RequiredByMode { mode }
            };
            return Err(ConfigError::new("allowed_origins", problem));
        }
        // URLs are checked whenever present, needed or not.
        let submit = match &raw.submit_url {
            None => None,
            Some(u) => {
                Some(validate_endpoint(u).map_err(|p| ConfigError::new("delivery.submit_url", p))?)
            }
        };
        let redirect = match &raw.redirect_url {
            None => None,
            Some(u) => {
                let (url, origin) = validate_endpoint_with_origin(u)
                    .map_err(|p| ConfigError::new("delivery.redirect_url", p))?;
                if mode == DeliveryMode::Redirect && !allowed_origins.contains(&origin) {
                    return Err(ConfigError::new(
                        "delivery.redirect_url",
                        ConfigProblem::OriginNotAllowed,
                    ));
                }
                Some(url)
            }
        };
        Ok(match mode {
            DeliveryMode::None => Delivery::None,
            DeliveryMode::PostMessage => Delivery::PostMessage,
            DeliveryMode::Submit => Delivery::Submit {
                url: submit.ok_or_else(|| {
                    ConfigError::new(
                        "delivery.submit_url",
                        ConfigProblem::RequiredByMode { mode },
                    )
                })?,
            },
            DeliveryMode::Redirect => Delivery::Redirect {
                url: redirect.ok_or_else(|| {
                    ConfigError::new(
                        "delivery.redirect_url",
                        ConfigProblem::RequiredByMode { mode },
                    )
                })?,
            },
        })
    }
}

fn lang_code(s: &str) -> Option<Lang> {
    Lang::ALL.into_iter().find(|l| l.code() == s)
}

fn unique_values<T: PartialEq>(
    list: &[String],
    key: &str,
    parse: impl Fn(&str) -> Option<T>,
    allowed: &'static [&'static str],
) -> Result<Vec<T>, ConfigError> {
    let mut out = Vec::new();
    for (i, s) in list.iter().enumerate() {
        let path = format!("{key}[{i}]");
        let v = parse(s).ok_or_else(|| {
            ConfigError::new(path.clone(), ConfigProblem::UnknownValue { allowed })
        })?;
        if out.contains(&v) {
            return Err(ConfigError::new(path, ConfigProblem::DuplicateValue));
        }
        out.push(v);
    }
    Ok(out)
}

fn validate_partner(p: &RawPartner) -> Result<Partner, ConfigError> {
    let name = match &p.name {
        None => None,
        Some(n) => {
            let n = n.trim();
            if n.chars().count() > MAX_PARTNER_NAME {
                return Err(ConfigError::new(
                    "partner.name",
                    ConfigProblem::TooLong {
                        max: MAX_PARTNER_NAME,
                    },
                ));
            }
            if n.chars().any(char::is_control) {
                return Err(ConfigError::new(
                    "partner.name",
                    ConfigProblem::UnknownValue { allowed: &[] },
                ));
            }
            (!n.is_empty()).then(|| n.to_string())
        }
    };
    let logo = match &p.logo {
        None => None,
        Some(l) => Some(validate_logo(l).map_err(|e| ConfigError::new("partner.logo", e))?),
    };
    let brand_color = match &p.brand_color {
        None => None,
        Some(c) => {
            let ok =
                c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit());
            if !ok {
                return Err(ConfigError::new(
                    "partner.brand_color",
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
struct Absolute<'a> {
    https: bool,
    /// Lowercase host (IPv6 in brackets).
    host: String,
    port: Option<u16>,
    /// Path, query (and fragment) after the authority.
    rest: &'a str,
}

fn is_loopback_host(host: &str) -> bool {
    host == "localhost" || host == "127.0.0.1" || host == "[::1]"
}

/// Parse `scheme://host[:port][rest]`: https, or http for loopback when `allow_http_loopback`.
fn parse_absolute(url: &str, allow_http_loopback: bool) -> Result<Absolute<'_>, ConfigProblem> {
    let (https, after) = if starts_with_ci(url, "https://") {
        (true, &url[8..])
    } else if starts_with_ci(url, "http://") {
        (false, &url[7..])
    } else {
        return Err(ConfigProblem::SchemeNotAllowed);
    };
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(end);
    if authority.is_empty() || authority.contains('@') {
        return Err(ConfigProblem::InvalidUrl);
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let close = v6.find(']').ok_or(ConfigProblem::InvalidUrl)?;
        let inner = &v6[..close];
        if crate::core::ip::parse_v6(inner).is_none() {
            return Err(ConfigProblem::InvalidUrl);
        }
        let port = match &v6[close + 1..] {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or(ConfigProblem::InvalidUrl)?),
        };
        (format!("[{}]", inner.to_ascii_lowercase()), port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_ascii_lowercase(), Some(p)),
            None => (authority.to_ascii_lowercase(), None),
        }
    };
    let port = match port {
        None => None,
        Some(p) => {
            if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ConfigProblem::InvalidUrl);
            }
            Some(p.parse::<u16>().map_err(|_| ConfigProblem::InvalidUrl)?)
        }
    };
    if port == Some(0) || !valid_host(&host) {
        return Err(ConfigProblem::InvalidUrl);
    }
    if !(https || allow_http_loopback && is_loopback_host(&host)) {
        return Err(ConfigProblem::SchemeNotAllowed);
    }
    Ok(Absolute {
        https,
        host,
        port,
        rest,
    })
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
    match a.port {
        Some(443) if a.https => format!("{scheme}://{}", a.host),
        Some(80) if !a.https => format!("{scheme}://{}", a.host),
        Some(p) => format!("{scheme}://{}:{p}", a.host),
        None => format!("{scheme}://{}", a.host),
    }
}

/// A submit or redirect endpoint: absolute https (http for loopback), no fragment.
fn validate_endpoint(u: &str) -> Result<String, ConfigProblem> {
    validate_endpoint_with_origin(u).map(|(u, _)| u)
}

fn validate_endpoint_with_origin(u: &str) -> Result<(String, String), ConfigProblem> {
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

/// Normalize an origin: `scheme://host[:port]`, lowercase, default port dropped. `https`, or
/// `http` for loopback hosts; no path (not even `/`), query, fragment, user info or wildcard.
pub fn normalize_origin(o: &str) -> Option<String> {
    validate_origin(o).ok()
}

fn validate_origin(o: &str) -> Result<String, ConfigProblem> {
    if o.is_empty() {
        return Err(ConfigProblem::Empty);
    }
    if o.len() > 512 || o.contains('*') || has_bad_chars(o) {
        return Err(ConfigProblem::InvalidOrigin);
    }
    let a = parse_absolute(o, true).map_err(|p| match p {
        ConfigProblem::SchemeNotAllowed => p,
        _ => ConfigProblem::InvalidOrigin,
    })?;
    if !a.rest.is_empty() {
        return Err(ConfigProblem::InvalidOrigin);
    }
    Ok(origin_of(&a))
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
