//! Understand what people paste into the "organization URL" field.
//!
//! [`normalize`] takes whatever was pasted (an address-bar URL, an Admin Console link, an issuer
//! URL, a bare org name, a docs placeholder) and either returns the org's origin together with
//! the [`Correction`]s it made, or an [`OrgUrlError`] that says what is wrong and, where it can,
//! suggests the address that was probably meant.
//!
//! The parser is written by hand (no `url` crate) to keep the wasm bundle small; the property
//! tests cross-check every accepted origin against the `url` crate.
//!
//! # What is accepted
//! * `acme.okta.com`, `https://ACME.okta.com/app/UserHome?x#y`, `http://acme.okta.com:443/`,
//!   an issuer such as `https://acme.okta.com/oauth2/default`: the host, lowercased, on `https`.
//! * A bare org name (`acme`) means `acme.okta.com` (said as a notice: preview and EMEA orgs need
//!   the full domain).
//! * `acme-admin.okta.com` (the Admin Console) means `acme.okta.com`.
//! * Any other valid DNS name with at least two labels, as a custom domain
//!   (`login.acme.com`); whether it really is an Okta org is for the connection check to learn.
//!
//! # Placeholders, refused: what can never be a real org's address
//! * anything with `{…}`, `${…}`, `<…>`, `[…]` (not an IPv6 literal), `*`, or their
//!   percent-encoded forms in the host part;
//! * org labels (under an Okta suffix, or bare) that spell a template's name once hyphens and
//!   underscores are removed: any `your…` label naming an org, domain, company, tenant, site or
//!   URL (`yourOktaDomain`, `your-org`, `your_okta_org`), and configuration keys such as
//!   `OKTA_DOMAIN`, `okta-org-url`, `changeme`;
//! * custom domains under the reserved documentation names `example.com`, `example.net`,
//!   `example.org`, `.example`, `.invalid`, and `yourcompany` / `your-domain` labels anywhere.
//!
//! # Sample names, a warning ([`OrgWarning::LooksLikeSample`]): the check decides
//! * org labels documentation uses as samples that a real org may also have: `example`,
//!   `sample`, `my-org`, `tenant`, `subdomain`, runs of `x`, and the numbered shapes of real
//!   developer and trial orgs when the number looks made up (`dev-123456`, `trial-1234567`,
//!   only zeros or `x`; also `integrator-`, `oie-`, `preview-`).
//!
//! # Limits, by choice
//! * Non-ASCII hosts are refused (paste the `xn--` form); this also stops homographs of Okta's
//!   domains. `xn--` labels are checked for valid Punycode and for characters IDNA plainly
//!   refuses, not against the full UTS 46 tables (Bidi, joiner and NFC rules): a name that slips
//!   through fails at the connection check.
//! * Near-miss detection (one edit from `okta.com`/`okta.mil`, two from the longer suffixes)
//!   can refuse a real custom domain that happens to sit that close (`sso.octa.com`).
//! * Any `localhost` label is refused, also under an Okta suffix: such names commonly point at
//!   127.0.0.1.

use core::fmt;

use crate::hosts::{self, HostKind};

/// Longest input looked at, in characters.
pub const MAX_INPUT_CHARS: usize = 2048;

/// The suffix a bare org name is completed with.
pub const DEFAULT_SUFFIX: &str = "okta.com";

/// An organization's address, normalized: lowercase ASCII host on `https`, default port, no
/// path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgUrl {
    host: String,
    suffix: Option<&'static str>,
    corrections: Vec<Correction>,
    warnings: Vec<OrgWarning>,
}

/// Something about an accepted address worth a second look. Never a refusal: the connection
/// check decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OrgWarning {
    /// The org name is one documentation uses as a sample (`dev-123456`, `trial-1234567`,
    /// `example`, `my-org`, `xxx`), though a real org can have it too: developer and trial orgs
    /// are numbered exactly so.
    LooksLikeSample,
    /// A custom domain of two labels (`acme.com`): a company's whole domain, while Okta's
    /// custom URL domains are always a subdomain of it (`login.acme.com`). Under a two-label
    /// public suffix (`acme.co.uk`) it is not told apart, so this is a warning only.
    RootDomain,
}

impl OrgWarning {
    /// Stable id: `looks_like_sample`, `root_domain`.
    pub fn code(&self) -> &'static str {
        match self {
            OrgWarning::LooksLikeSample => "looks_like_sample",
            OrgWarning::RootDomain => "root_domain",
        }
    }
}

impl OrgUrl {
    /// The host, lowercase ASCII (`acme.okta.com`, `login.acme.com`).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// `https://` + host.
    pub fn origin(&self) -> String {
        format!("https://{}", self.host)
    }

    /// The org label when the host is Okta-owned (`acme` for `acme.okta.com`).
    pub fn subdomain(&self) -> Option<&str> {
        self.suffix
            .map(|s| &self.host[..self.host.len() - s.len() - 1])
    }

    /// The Okta suffix the host is under (`okta.com`, `oktapreview.com`, …), if Okta-owned.
    pub fn okta_suffix(&self) -> Option<&'static str> {
        self.suffix
    }

    /// True for a host not under an Okta suffix (a custom URL domain, or not Okta at all).
    pub fn is_custom_domain(&self) -> bool {
        self.suffix.is_none()
    }

    /// What was changed to get from the input to this address, in the order it was done.
    pub fn corrections(&self) -> &[Correction] {
        &self.corrections
    }

    /// Doubts about the address. Never a refusal: the connection check decides.
    pub fn warnings(&self) -> &[OrgWarning] {
        &self.warnings
    }
}

impl fmt::Display for OrgUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "https://{}", self.host)
    }
}

/// A change made to the input on the way to the org's address. Each is shown as a notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Correction {
    /// Zero-width, bidirectional-control or other invisible characters were removed.
    RemovedInvisibleCharacters,
    /// Leading or trailing spaces, line breaks or non-breaking spaces were removed.
    TrimmedWhitespace,
    /// Surrounding quotes were removed.
    RemovedQuotes,
    /// Surrounding angle brackets, square brackets or parentheses were removed.
    RemovedBrackets,
    /// A bare org name was completed with an Okta suffix (always `okta.com`). Preview and EMEA
    /// orgs need the full domain (`acme.oktapreview.com`, `acme.okta-emea.com`).
    AddedOktaSuffix { suffix: &'static str },
    /// No scheme was given; `https://` is used.
    AddedScheme,
    /// `http://` was upgraded to `https://`.
    UpgradedHttp,
    /// A malformed scheme separator (`https:/`, `https:\\`, `https//`) was repaired.
    FixedSchemeSeparator,
    /// A repeated scheme (`https://https://`) was removed.
    RemovedDuplicateScheme,
    /// The host was lowercased.
    Lowercased,
    /// A trailing dot after the host was removed.
    RemovedTrailingDot,
    /// The default port (`:443`, or `:80` on an upgraded `http://` address) was removed.
    DroppedDefaultPort,
    /// `-admin` was removed: that is the Admin Console address, the org is the name without it.
    RemovedAdminSuffix,
    /// The path after the host was removed.
    DroppedPath,
    /// The query (`?…`) was removed.
    DroppedQuery,
    /// The fragment (`#…`) was removed.
    DroppedFragment,
    /// One whole URL was taken out of words around it (`Okta URL: https://acme.okta.com`).
    TookUrlFromText,
}

impl Correction {
    /// Stable snake_case id, for message catalogues.
    pub fn code(&self) -> &'static str {
        match self {
            Correction::RemovedInvisibleCharacters => "removed_invisible_characters",
            Correction::TrimmedWhitespace => "trimmed_whitespace",
            Correction::RemovedQuotes => "removed_quotes",
            Correction::RemovedBrackets => "removed_brackets",
            Correction::AddedOktaSuffix { .. } => "added_okta_suffix",
            Correction::AddedScheme => "added_scheme",
            Correction::UpgradedHttp => "upgraded_http",
            Correction::FixedSchemeSeparator => "fixed_scheme_separator",
            Correction::RemovedDuplicateScheme => "removed_duplicate_scheme",
            Correction::Lowercased => "lowercased",
            Correction::RemovedTrailingDot => "removed_trailing_dot",
            Correction::DroppedDefaultPort => "dropped_default_port",
            Correction::RemovedAdminSuffix => "removed_admin_suffix",
            Correction::DroppedPath => "dropped_path",
            Correction::DroppedQuery => "dropped_query",
            Correction::DroppedFragment => "dropped_fragment",
            Correction::TookUrlFromText => "took_url_from_text",
        }
    }

    /// Every correction, for catalogue completeness checks.
    pub const ALL: [Correction; 17] = [
        Correction::RemovedInvisibleCharacters,
        Correction::TrimmedWhitespace,
        Correction::RemovedQuotes,
        Correction::RemovedBrackets,
        Correction::AddedOktaSuffix {
            suffix: DEFAULT_SUFFIX,
        },
        Correction::AddedScheme,
        Correction::UpgradedHttp,
        Correction::FixedSchemeSeparator,
        Correction::RemovedDuplicateScheme,
        Correction::Lowercased,
        Correction::RemovedTrailingDot,
        Correction::DroppedDefaultPort,
        Correction::RemovedAdminSuffix,
        Correction::DroppedPath,
        Correction::DroppedQuery,
        Correction::DroppedFragment,
        Correction::TookUrlFromText,
    ];
}

impl fmt::Display for Correction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Correction::RemovedInvisibleCharacters => {
                f.write_str("Removed invisible characters that came with the paste.")
            }
            Correction::TrimmedWhitespace => f.write_str("Removed spaces around the address."),
            Correction::RemovedQuotes => f.write_str("Removed the quotes around the address."),
            Correction::RemovedBrackets => f.write_str("Removed the brackets around the address."),
            Correction::AddedOktaSuffix { suffix } => write!(
                f,
                "Added .{suffix} to the org name. Preview and EMEA orgs need the full domain, \
                 such as acme.oktapreview.com or acme.okta-emea.com."
            ),
            Correction::AddedScheme => f.write_str("Added https://."),
            Correction::UpgradedHttp => {
                f.write_str("Changed http:// to https://: Okta is only reached over HTTPS.")
            }
            Correction::FixedSchemeSeparator => f.write_str("Repaired the https:// prefix."),
            Correction::RemovedDuplicateScheme => {
                f.write_str("Removed a repeated https:// prefix.")
            }
            Correction::Lowercased => f.write_str("Changed the address to lowercase."),
            Correction::RemovedTrailingDot => {
                f.write_str("Removed the dot at the end of the address.")
            }
            Correction::DroppedDefaultPort => {
                f.write_str("Removed the port: the standard HTTPS port is used.")
            }
            Correction::RemovedAdminSuffix => f.write_str(
                "Removed \"-admin\": that is the Admin Console address; your org's address is \
                 the same without it.",
            ),
            Correction::DroppedPath => {
                f.write_str("Removed the page path: only the org's address is needed.")
            }
            Correction::DroppedQuery => f.write_str("Removed the part after \"?\"."),
            Correction::DroppedFragment => f.write_str("Removed the part after \"#\"."),
            Correction::TookUrlFromText => {
                f.write_str("Took the address out of the text around it.")
            }
        }
    }
}

/// What is wrong with a host name's syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HostProblem {
    /// A character other than letters, digits, hyphens and dots.
    InvalidCharacter(char),
    /// Two dots in a row, or a dot at the start.
    EmptyLabel,
    /// A part between dots longer than 63 characters.
    LabelTooLong,
    /// The whole name longer than 253 characters.
    HostTooLong,
    /// A part between dots starting or ending with a hyphen.
    HyphenAtLabelEdge,
    /// The last part is a number (not a top-level domain).
    NumericTld,
    /// An `xn--` part that is not valid Punycode, or decodes to what a name cannot hold.
    BadPunycode,
}

impl HostProblem {
    pub fn code(&self) -> &'static str {
        match self {
            HostProblem::InvalidCharacter(_) => "invalid_character",
            HostProblem::EmptyLabel => "empty_label",
            HostProblem::LabelTooLong => "label_too_long",
            HostProblem::HostTooLong => "host_too_long",
            HostProblem::HyphenAtLabelEdge => "hyphen_at_label_edge",
            HostProblem::NumericTld => "numeric_tld",
            HostProblem::BadPunycode => "bad_punycode",
        }
    }
}

/// Why an input is not accepted as an org URL.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OrgUrlError {
    /// Nothing (or only spaces) was entered.
    Empty,
    /// Longer than [`MAX_INPUT_CHARS`].
    TooLong { len: usize },
    /// A documentation or template placeholder (`{yourOktaDomain}`, `${OKTA_DOMAIN}`,
    /// `<your-org>`, `example.okta.com`, `dev-123456.okta.com`).
    Placeholder,
    /// A scheme other than `https` or `http`.
    UnsupportedScheme { scheme: String },
    /// A port other than 443.
    Port {
        port: String,
        suggestion: Option<String>,
    },
    /// `user@host` in a URL: it can hide the real host.
    UserInfo,
    /// An IP address instead of a name.
    IpAddress { host: String },
    /// `localhost`, `.local`, `.internal`, `.home.arpa` and other names that only work on a
    /// private network.
    LocalName { host: String },
    /// A host of one label given with a scheme, port or path (`https://acme`).
    SingleLabelHost {
        host: String,
        suggestion: Option<String>,
    },
    /// Not a valid DNS host name.
    InvalidHost {
        host: String,
        problem: HostProblem,
        suggestion: Option<String>,
    },
    /// Several URLs pasted at once.
    MultipleUrls,
    /// Spaces inside the address.
    InnerWhitespace { suggestion: Option<String> },
    /// An e-mail address.
    EmailAddress,
    /// An API token (or other credential) pasted into the URL field.
    LooksLikeToken,
    /// An app's client ID (`0oa…`, 20 characters) pasted into the URL field: it would
    /// otherwise be read as an org name.
    LooksLikeClientId,
    /// One of Okta's own sites (`www.okta.com`, `developer.okta.com`, `login.okta.com`).
    OktaSite { host: String },
    /// An Auth0 tenant (`acme.us.auth0.com`): Okta's Customer Identity product, not an Okta
    /// org.
    Auth0Tenant { host: String },
    /// An Okta suffix without the org name (`okta.com`).
    BareOktaSuffix { suffix: &'static str },
    /// A CNAME target of a custom domain (`*.customdomains.okta.com`, `okta-dnssec.com`).
    CnameTarget { host: String },
    /// More than one label in front of an Okta suffix (`www.acme.okta.com`).
    NestedOktaHost {
        host: String,
        suggestion: Option<String>,
    },
    /// A doubled ending (`acme.okta.com.okta.com`, `acme.okta.com.com`).
    DoubledSuffix {
        host: String,
        suggestion: Option<String>,
    },
    /// A misspelling of an Okta suffix (`okta.co`, `otka.com`, `oktapreveiw.com`).
    NearMissSuffix {
        host: String,
        suffix: &'static str,
        suggestion: Option<String>,
    },
    /// A host with non-ASCII characters: the `xn--` form must be pasted.
    NonAsciiHost {
        host: String,
        suggestion: Option<String>,
    },
    /// A host that imitates an Okta suffix with look-alike characters (`acme.оkta.com` with a
    /// Cyrillic `о`, or its `xn--` form).
    LookalikeHost {
        host: String,
        suffix: &'static str,
        suggestion: Option<String>,
    },
}

impl OrgUrlError {
    /// Stable snake_case id, for message catalogues. `InvalidHost` has one id per problem.
    pub fn code(&self) -> &'static str {
        match self {
            OrgUrlError::Empty => "empty",
            OrgUrlError::TooLong { .. } => "too_long",
            OrgUrlError::Placeholder => "placeholder",
            OrgUrlError::UnsupportedScheme { .. } => "unsupported_scheme",
            OrgUrlError::Port { .. } => "port",
            OrgUrlError::UserInfo => "user_info",
            OrgUrlError::IpAddress { .. } => "ip_address",
            OrgUrlError::LocalName { .. } => "local_name",
            OrgUrlError::SingleLabelHost { .. } => "single_label_host",
            OrgUrlError::InvalidHost { problem, .. } => problem.code(),
            OrgUrlError::MultipleUrls => "multiple_urls",
            OrgUrlError::InnerWhitespace { .. } => "inner_whitespace",
            OrgUrlError::EmailAddress => "email_address",
            OrgUrlError::LooksLikeToken => "looks_like_token",
            OrgUrlError::LooksLikeClientId => "looks_like_client_id",
            OrgUrlError::OktaSite { .. } => "okta_site",
            OrgUrlError::Auth0Tenant { .. } => "auth0_tenant",
            OrgUrlError::BareOktaSuffix { .. } => "bare_okta_suffix",
            OrgUrlError::CnameTarget { .. } => "cname_target",
            OrgUrlError::NestedOktaHost { .. } => "nested_okta_host",
            OrgUrlError::DoubledSuffix { .. } => "doubled_suffix",
            OrgUrlError::NearMissSuffix { .. } => "near_miss_suffix",
            OrgUrlError::NonAsciiHost { .. } => "non_ascii_host",
            OrgUrlError::LookalikeHost { .. } => "lookalike_host",
        }
    }

    /// The host that was probably meant ("did you mean acme.okta.com?"). Always a host that
    /// [`normalize`] accepts.
    pub fn suggestion(&self) -> Option<String> {
        match self {
            OrgUrlError::Port { suggestion, .. }
            | OrgUrlError::SingleLabelHost { suggestion, .. }
            | OrgUrlError::InvalidHost { suggestion, .. }
            | OrgUrlError::InnerWhitespace { suggestion }
            | OrgUrlError::NestedOktaHost { suggestion, .. }
            | OrgUrlError::DoubledSuffix { suggestion, .. }
            | OrgUrlError::NearMissSuffix { suggestion, .. }
            | OrgUrlError::NonAsciiHost { suggestion, .. }
            | OrgUrlError::LookalikeHost { suggestion, .. } => suggestion.clone(),
            _ => None,
        }
    }

    /// Named values for message placeholders: `host`, `suggestion`, `scheme`, `port`,
    /// `suffix`, `char`, `len`, `max`.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        let mut p = Vec::new();
        match self {
            OrgUrlError::TooLong { len } => {
                p.push(("len", len.to_string()));
                p.push(("max", MAX_INPUT_CHARS.to_string()));
            }
            OrgUrlError::UnsupportedScheme { scheme } => p.push(("scheme", scheme.clone())),
            OrgUrlError::Port { port, .. } => p.push(("port", port.clone())),
            OrgUrlError::IpAddress { host }
            | OrgUrlError::LocalName { host }
            | OrgUrlError::SingleLabelHost { host, .. }
            | OrgUrlError::OktaSite { host }
            | OrgUrlError::Auth0Tenant { host }
            | OrgUrlError::CnameTarget { host }
            | OrgUrlError::NestedOktaHost { host, .. }
            | OrgUrlError::DoubledSuffix { host, .. }
            | OrgUrlError::NonAsciiHost { host, .. } => p.push(("host", host.clone())),
            OrgUrlError::InvalidHost { host, problem, .. } => {
                p.push(("host", host.clone()));
                if let HostProblem::InvalidCharacter(c) = problem {
                    p.push(("char", String::from(*c)));
                }
            }
            OrgUrlError::BareOktaSuffix { suffix } => p.push(("suffix", suffix.to_string())),
            OrgUrlError::NearMissSuffix { host, suffix, .. }
            | OrgUrlError::LookalikeHost { host, suffix, .. } => {
                p.push(("host", host.clone()));
                p.push(("suffix", suffix.to_string()));
            }
            _ => {}
        }
        if let Some(s) = self.suggestion() {
            p.push(("suggestion", s));
        }
        p
    }
}

const WHERE_TO_FIND: &str = "Your org's address is in your browser's address bar after you sign \
                             in to your Okta dashboard, such as acme.okta.com.";

impl fmt::Display for OrgUrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OrgUrlError::Empty => write!(f, "Enter your Okta org's address. {WHERE_TO_FIND}"),
            OrgUrlError::TooLong { len } => write!(
                f,
                "That is {len} characters long, longer than an address can be \
                 ({MAX_INPUT_CHARS} characters). Paste only your Okta org's address, such as \
                 acme.okta.com."
            ),
            OrgUrlError::Placeholder => write!(
                f,
                "That is a placeholder from documentation or a template, not a real address. \
                 Replace it with your own org's address. {WHERE_TO_FIND}"
            ),
            OrgUrlError::UnsupportedScheme { scheme } => write!(
                f,
                "Addresses starting with \"{scheme}:\" are not supported. Okta orgs are \
                 reached over https://, such as https://acme.okta.com."
            ),
            OrgUrlError::Port { port, .. } => write!(
                f,
                "The port \":{port}\" cannot be used: Okta orgs are only reached on the \
                 standard HTTPS port. Remove \":{port}\" from the address."
            ),
            OrgUrlError::UserInfo => f.write_str(
                "The address contains a name before an \"@\" sign, which can hide the real \
                 address it goes to. Enter only your Okta org's address, such as \
                 acme.okta.com.",
            ),
            OrgUrlError::IpAddress { host } => write!(
                f,
                "\"{host}\" is an IP address. Enter your Okta org's name instead, such as \
                 acme.okta.com."
            ),
            OrgUrlError::LocalName { host } => write!(
                f,
                "\"{host}\" is a local or private network name that Okta cannot be reached \
                 at. Enter your Okta org's address, such as acme.okta.com."
            ),
            OrgUrlError::SingleLabelHost { host, .. } => write!(
                f,
                "\"{host}\" is not a complete address. Enter your Okta org's full address, \
                 such as {host}.okta.com."
            ),
            OrgUrlError::InvalidHost { host, problem, .. } => {
                write!(f, "\"{host}\" is not a valid address: ")?;
                match problem {
                    HostProblem::InvalidCharacter(c) => write!(
                        f,
                        "it contains \"{c}\"; only letters, digits, hyphens and dots are allowed."
                    ),
                    HostProblem::EmptyLabel => {
                        f.write_str("it has two dots in a row or starts with a dot.")
                    }
                    HostProblem::LabelTooLong => {
                        f.write_str("a part between dots is longer than 63 characters.")
                    }
                    HostProblem::HostTooLong => f.write_str("it is longer than 253 characters."),
                    HostProblem::HyphenAtLabelEdge => {
                        f.write_str("a part between dots starts or ends with a hyphen.")
                    }
                    HostProblem::NumericTld => f.write_str("it ends in a number."),
                    HostProblem::BadPunycode => f.write_str(
                        "a part starting with \"xn--\" is not correctly encoded, or stands for \
                             symbols or emoji, which a domain name cannot contain.",
                    ),
                }
            }
            OrgUrlError::MultipleUrls => f.write_str(
                "That looks like more than one address. Paste only your Okta org's address.",
            ),
            OrgUrlError::InnerWhitespace { .. } => f.write_str(
                "The address contains spaces. Paste only your Okta org's address, without \
                 spaces.",
            ),
            OrgUrlError::EmailAddress => write!(
                f,
                "That is an e-mail address, not your Okta org's address. {WHERE_TO_FIND}"
            ),
            OrgUrlError::LooksLikeToken => f.write_str(
                "That looks like an API token. Paste it into the API token field, and enter \
                 your Okta org's address here, such as acme.okta.com.",
            ),
            OrgUrlError::LooksLikeClientId => f.write_str(
                "That looks like an Okta app's client ID, not an address. Enter your Okta \
                 org's address here, such as acme.okta.com.",
            ),
            OrgUrlError::OktaSite { host } => write!(
                f,
                "{host} is one of Okta's own sites, not your organization. {WHERE_TO_FIND}"
            ),
            OrgUrlError::Auth0Tenant { host } => write!(
                f,
                "{host} belongs to Auth0 (Okta's Customer Identity product), not to an Okta \
                 organization: Okta API tokens and apps do not work there. {WHERE_TO_FIND}"
            ),
            OrgUrlError::BareOktaSuffix { suffix } => write!(
                f,
                "{suffix} needs your org's name in front of it, such as acme.{suffix}. Your \
                 org's address is in your browser's address bar after you sign in to your Okta \
                 dashboard."
            ),
            OrgUrlError::CnameTarget { host } => write!(
                f,
                "{host} is the DNS target of a custom domain, not an org address. Enter your \
                 org's Okta address or its custom domain. {WHERE_TO_FIND}"
            ),
            OrgUrlError::NestedOktaHost { host, .. } => write!(
                f,
                "{host} has too many parts: an Okta org's address is one name followed by the \
                 Okta domain, such as acme.okta.com."
            ),
            OrgUrlError::DoubledSuffix { host, .. } => write!(
                f,
                "{host} repeats its ending, which usually happens when a domain is typed after \
                 a pasted address."
            ),
            OrgUrlError::NearMissSuffix { host, suffix, .. } => write!(
                f,
                "{host} looks like a misspelling of Okta's domain {suffix}."
            ),
            OrgUrlError::NonAsciiHost { host, .. } => write!(
                f,
                "\"{host}\" contains characters other than plain letters, digits and hyphens. \
                 If it is an international domain name, paste its \"xn--\" form."
            ),
            OrgUrlError::LookalikeHost { host, suffix, .. } => write!(
                f,
                "\"{host}\" imitates Okta's domain {suffix} with look-alike characters. It is \
                 not an Okta address; check where you got it from."
            ),
        }?;
        if let Some(s) = self.suggestion() {
            write!(f, " Did you mean {s}?")?;
        }
        Ok(())
    }
}

impl std::error::Error for OrgUrlError {}

/// Normalize what was pasted into the org URL field. See the module documentation.
pub fn normalize(input: &str) -> Result<OrgUrl, OrgUrlError> {
    Parser {
        suggest: true,
        corrections: Vec::new(),
        warnings: Vec::new(),
    }
    .run(input)
}

/// The accepted host for a candidate, without computing further suggestions.
fn accepted(candidate: &str) -> Option<String> {
    Parser {
        suggest: false,
        corrections: Vec::new(),
        warnings: Vec::new(),
    }
    .run(candidate)
    .ok()
    .map(|o| o.host)
}

/// Zero-width, bidirectional-control and other invisible format characters that ride along
/// with copy and paste.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
    )
}

/// Quote characters stripped from either end.
pub fn is_quote(c: char) -> bool {
    matches!(
        c,
        '"' | '\''
            | '`'
            | '\u{201C}'
            | '\u{201D}'
            | '\u{201E}'
            | '\u{201F}'
            | '\u{2018}'
            | '\u{2019}'
            | '\u{201A}'
            | '\u{201B}'
            | '\u{00AB}'
            | '\u{00BB}'
            | '\u{2039}'
            | '\u{203A}'
            | '\u{300C}'
            | '\u{300D}'
            | '\u{FF02}'
            | '\u{FF07}'
    )
}

/// An accepted host and the Okta suffix it is under.
type Accepted = (String, Option<&'static str>);

struct Parser {
    suggest: bool,
    corrections: Vec<Correction>,
    warnings: Vec<OrgWarning>,
}

/// A scheme found at the start of the input.
struct Scheme {
    name: String,
    well_formed: bool,
}

impl Parser {
    fn warn(&mut self, w: OrgWarning) {
        if !self.warnings.contains(&w) {
            self.warnings.push(w);
        }
    }

    fn note(&mut self, c: Correction) {
        if !self.corrections.contains(&c) {
            self.corrections.push(c);
        }
    }

    /// `candidate`'s accepted host, only when suggestions are wanted.
    fn suggest(&self, candidate: Option<String>) -> Option<String> {
        if self.suggest {
            candidate.and_then(|c| accepted(&c))
        } else {
            None
        }
    }

    fn run(mut self, input: &str) -> Result<OrgUrl, OrgUrlError> {
        if input.len() > MAX_INPUT_CHARS {
            let len = input.chars().count();
            if len > MAX_INPUT_CHARS {
                return Err(OrgUrlError::TooLong { len });
            }
        }
        let cleaned: String;
        let mut s = input;
        if s.chars().any(is_invisible) {
            cleaned = s.chars().filter(|c| !is_invisible(*c)).collect();
            s = &cleaned;
            self.note(Correction::RemovedInvisibleCharacters);
        }
        s = self.strip_wrappers(s);
        if s.is_empty() {
            return Err(OrgUrlError::Empty);
        }
        // `Jane Doe <jane@acme.com>`: an address from a mail client, brackets and all.
        if let Some(inner) = s
            .rsplit_once('<')
            .and_then(|(_, r)| r.strip_suffix('>'))
            .filter(|i| i.contains('@') && i.contains('.') && !i.contains("://"))
        {
            if !inner.starts_with('@') {
                return Err(OrgUrlError::EmailAddress);
            }
        }
        // `OKTA_ORG_URL=https://acme.okta.com`, `export OKTA_DOMAIN=acme.okta.com`: the value.
        if let Some(value) = assigned_value(s).filter(|v| normalize(v).is_ok()) {
            self.note(Correction::TookUrlFromText);
            return self.run(value);
        }
        // A link rewritten by a mail filter (Outlook's Safe Links, Google's redirect): its
        // target.
        if let Some(target) = redirect_target(s) {
            self.note(Correction::TookUrlFromText);
            return self.run(&target);
        }
        // One whole URL among words (`Okta URL: https://acme.okta.com`, `ours is
        // https://acme.okta.com thanks`, `Okta: **https://acme.okta.com**`): that URL.
        if let Some(url) = url_among_words(s) {
            // A request or a note that also holds the credential: that goes in its own field.
            if words_hold_credential(s) {
                return Err(OrgUrlError::LooksLikeToken);
            }
            self.note(Correction::TookUrlFromText);
            return self.run(url);
        }
        if is_placeholder_text(s) {
            return Err(OrgUrlError::Placeholder);
        }
        if looks_like_token(s) {
            return Err(OrgUrlError::LooksLikeToken);
        }
        if crate::okta::is_okta_client_id_shape(s) {
            return Err(OrgUrlError::LooksLikeClientId);
        }
        let lower = s.to_ascii_lowercase();
        if lower.starts_with("mailto:") {
            return Err(OrgUrlError::EmailAddress);
        }
        if !s.contains("://") {
            if let Some((local, domain)) = s
                .split_once('@')
                .filter(|(l, _)| !l.contains(['/', '?', '#']))
            {
                if local.contains(':') {
                    return Err(OrgUrlError::UserInfo);
                }
                if domain.contains('.') && !local.is_empty() {
                    return Err(OrgUrlError::EmailAddress);
                }
            }
        }
        if s.chars().any(char::is_whitespace) {
            let parts: Vec<&str> = s.split_whitespace().collect();
            let urlish = parts
                .iter()
                .filter(|p| {
                    p.split_once("://").is_some_and(|(_, h)| !h.is_empty())
                        || p.trim_matches('.').contains('.')
                })
                .count();
            if urlish >= 2 {
                return Err(OrgUrlError::MultipleUrls);
            }
            // `acme okta.com`, `acme .okta.com`, `https:// acme.okta.com`.
            let mut joined = String::new();
            for p in &parts {
                if !joined.is_empty() && !joined.ends_with(['.', '/', ':']) && !p.starts_with('.') {
                    joined.push('.');
                }
                joined.push_str(p);
            }
            // Not a sentence joined into a host (`sign.in.at.login.acme.com.please`).
            let suggestion = self
                .suggest(Some(joined))
                .filter(|h| parts.len() <= 3 || hosts::okta_suffix(h).is_some());
            return Err(OrgUrlError::InnerWhitespace { suggestion });
        }
        self.parse_url(s)
    }

    /// Trim whitespace, quotes and brackets from both ends, repeatedly.
    fn strip_wrappers<'a>(&mut self, mut s: &'a str) -> &'a str {
        loop {
            let t = s.trim_matches(char::is_whitespace);
            if t.len() != s.len() {
                self.note(Correction::TrimmedWhitespace);
                s = t;
            }
            let t = s.trim_start_matches(is_quote).trim_end_matches(is_quote);
            if t.len() != s.len() {
                self.note(Correction::RemovedQuotes);
                s = t;
                continue;
            }
            if let Some(inner) = slack_link_target(s)
                .or_else(|| strip_brackets(s))
                .or_else(|| markdown_link_target(s))
            {
                self.note(Correction::RemovedBrackets);
                s = inner;
                continue;
            }
            if let Some(inner) = emphasis_inner(s) {
                self.note(Correction::TookUrlFromText);
                s = inner;
                continue;
            }
            return s;
        }
    }

    fn parse_url(mut self, s: &str) -> Result<OrgUrl, OrgUrlError> {
        let (scheme, mut rest) = split_scheme(s)?;
        let mut bare = false;
        match &scheme {
            None => {
                let t = rest.trim_start_matches(['/', '\\']);
                bare = t.len() == rest.len();
                rest = t;
                self.note(Correction::AddedScheme);
            }
            Some(sch) => {
                self.check_scheme(sch)?;
                loop {
                    // `https://://host`: a repeated separator.
                    if let Some(r) = rest
                        .strip_prefix(':')
                        .filter(|r| r.starts_with(['/', '\\']))
                    {
                        self.note(Correction::FixedSchemeSeparator);
                        rest = r.trim_start_matches(['/', '\\']);
                        continue;
                    }
                    // `https://https://host`: a repeated scheme.
                    match split_scheme(rest) {
                        Ok((Some(again), after)) => {
                            self.check_scheme(&again)?;
                            self.note(Correction::RemovedDuplicateScheme);
                            rest = after;
                        }
                        _ => break,
                    }
                }
            }
        }
        let http = self.corrections.contains(&Correction::UpgradedHttp);
        let end = rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        if authority.is_empty() {
            return Err(OrgUrlError::Empty);
        }
        let lower_auth = authority.to_ascii_lowercase();
        if lower_auth.contains("http:") || lower_auth.contains("https:") {
            return Err(OrgUrlError::MultipleUrls);
        }
        if authority.contains('@') {
            return Err(OrgUrlError::UserInfo);
        }
        if authority.contains([',', ';', '|']) {
            let dotted = authority
                .split([',', ';', '|'])
                .filter(|p| p.contains('.'))
                .count();
            if dotted >= 2 {
                return Err(OrgUrlError::MultipleUrls);
            }
        }
        // IP literals in brackets, and bare IPv6.
        if authority.starts_with('[') || authority.matches(':').count() >= 2 {
            let inner = authority
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("");
            if inner.contains(':') || is_ipv4(inner) {
                return Err(OrgUrlError::IpAddress {
                    host: inner.to_string(),
                });
            }
            return Err(OrgUrlError::InvalidHost {
                host: authority.to_string(),
                problem: HostProblem::InvalidCharacter(if authority.starts_with('[') {
                    '['
                } else {
                    ':'
                }),
                suggestion: None,
            });
        }
        let (host_raw, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        };
        // Port: judged after the host, so that `localhost:8080` is about the name.
        let mut port_error = None;
        if let Some(p) = port {
            let digits = p.trim_start_matches('0');
            if p.is_empty() || digits == "443" || (http && digits == "80") {
                self.note(Correction::DroppedDefaultPort);
            } else {
                port_error = Some(p.to_string());
            }
        }
        if host_raw.is_empty() {
            return Err(OrgUrlError::Empty);
        }
        // Path, query, fragment.
        let (before_frag, fragment) = match tail.split_once('#') {
            Some((a, b)) => (a, Some(b)),
            None => (tail, None),
        };
        let (path, query) = match before_frag.split_once('?') {
            Some((a, b)) => (a, Some(b)),
            None => (before_frag, None),
        };
        let (host, suffix) = self.check_host(host_raw, bare && port.is_none())?;
        if let Some(port) = port_error {
            let suggestion = self.suggest(Some(host));
            return Err(OrgUrlError::Port { port, suggestion });
        }
        if path.chars().any(|c| c != '/' && c != '\\') {
            self.note(Correction::DroppedPath);
        }
        if query.is_some_and(|q| !q.is_empty()) {
            self.note(Correction::DroppedQuery);
        }
        if fragment.is_some_and(|f| !f.is_empty()) {
            self.note(Correction::DroppedFragment);
        }
        Ok(OrgUrl {
            host,
            suffix,
            corrections: self.corrections,
            warnings: self.warnings,
        })
    }

    fn check_scheme(&mut self, scheme: &Scheme) -> Result<(), OrgUrlError> {
        match scheme.name.as_str() {
            "https" => {}
            "http" => self.note(Correction::UpgradedHttp),
            "mailto" => return Err(OrgUrlError::EmailAddress),
            other => {
                return Err(OrgUrlError::UnsupportedScheme {
                    scheme: other.to_string(),
                })
            }
        }
        if !scheme.well_formed {
            self.note(Correction::FixedSchemeSeparator);
        }
        Ok(())
    }

    /// Validate and classify the host. `bare`: no scheme, port or leading slashes were given,
    /// so a single label is an org name.
    fn check_host(&mut self, raw: &str, bare: bool) -> Result<Accepted, OrgUrlError> {
        let mut host = raw;
        if let Some(h) = host.strip_suffix('.') {
            if !h.ends_with('.') && !h.is_empty() {
                self.note(Correction::RemovedTrailingDot);
                host = h;
            }
        }
        if !host.is_ascii() {
            return Err(self.non_ascii(host));
        }
        if host.bytes().any(|b| b.is_ascii_uppercase()) {
            self.note(Correction::Lowercased);
        }
        let host = host.to_ascii_lowercase();
        let labels: Vec<&str> = host.split('.').collect();
        if is_ipv4(&host) || hosts::has_embedded_ipv4(&host) {
            return Err(OrgUrlError::IpAddress { host });
        }
        if labels.len() == 1 {
            let label = labels[0];
            if BARE_LOCAL_NAMES.contains(&label) {
                return Err(OrgUrlError::LocalName { host });
            }
            if is_placeholder_org_label(label) {
                return Err(OrgUrlError::Placeholder);
            }
            // `okta`, `oktapreview`, … alone (with a scheme or port too): Okta's domain, not
            // an org's name.
            if let Some(suffix) = hosts::OKTA_SUFFIXES
                .iter()
                .find(|s| s.split('.').next() == Some(label))
            {
                return Err(OrgUrlError::BareOktaSuffix { suffix });
            }
            if !bare {
                let candidate = (hosts::is_ldh_label(label)).then(|| format!("{label}.okta.com"));
                let suggestion = self.suggest(candidate);
                return Err(OrgUrlError::SingleLabelHost { host, suggestion });
            }
            self.check_labels(&host)?;
            self.note(Correction::AddedOktaSuffix {
                suffix: DEFAULT_SUFFIX,
            });
            let full = format!("{host}.{DEFAULT_SUFFIX}");
            return self.classify(full);
        }
        self.classify(host)
    }

    fn check_labels(&self, host: &str) -> Result<(), OrgUrlError> {
        let err = |problem| OrgUrlError::InvalidHost {
            host: host.to_string(),
            problem,
            suggestion: None,
        };
        for label in host.split('.') {
            if label.is_empty() {
                return Err(err(HostProblem::EmptyLabel));
            }
            if let Some(c) = label
                .chars()
                .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
            {
                let fixed = match c {
                    ',' | ';' => Some(host.replace([',', ';'], ".")),
                    '_' => Some(host.replace('_', "-")),
                    _ => None,
                };
                let suggestion = self.suggest(fixed);
                return Err(OrgUrlError::InvalidHost {
                    host: host.to_string(),
                    problem: HostProblem::InvalidCharacter(c),
                    suggestion,
                });
            }
            if label.len() > 63 {
                return Err(err(HostProblem::LabelTooLong));
            }
            if label.starts_with('-') || label.ends_with('-') {
                return Err(err(HostProblem::HyphenAtLabelEdge));
            }
            if let Some(body) = label.strip_prefix("xn--") {
                if !valid_punycode_label(body) {
                    return Err(err(HostProblem::BadPunycode));
                }
            }
        }
        if host.len() > 253 {
            return Err(err(HostProblem::HostTooLong));
        }
        Ok(())
    }

    /// Lowercase ASCII host of at least two labels.
    fn classify(&mut self, host: String) -> Result<Accepted, OrgUrlError> {
        // Placeholders first: `your_org.okta.com` is a placeholder before it is a bad label.
        let labels: Vec<&str> = host.split('.').collect();
        let n = labels.len();
        if let Some(suffix) = hosts::okta_suffix(&host) {
            if host.len() > suffix.len() {
                let prefix = &host[..host.len() - suffix.len() - 1];
                if !prefix.contains('.') && is_placeholder_org_label(prefix) {
                    return Err(OrgUrlError::Placeholder);
                }
                if !prefix.contains('.') && is_sample_org_label(prefix) {
                    self.warn(OrgWarning::LooksLikeSample);
                }
            }
        }
        if is_sample_custom_host(&labels) {
            return Err(OrgUrlError::Placeholder);
        }
        self.check_labels(&host)?;
        let tld = labels[n - 1];
        if !tld.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Err(OrgUrlError::InvalidHost {
                host,
                problem: HostProblem::NumericTld,
                suggestion: None,
            });
        }
        if hosts::is_local_name(&host) {
            return Err(OrgUrlError::LocalName { host });
        }
        if let Some(err) = self.lookalike_punycode(&host) {
            return Err(err);
        }
        match hosts::classify(&host) {
            HostKind::CnameTarget => Err(OrgUrlError::CnameTarget { host }),
            HostKind::BareSuffix { suffix } => Err(OrgUrlError::BareOktaSuffix { suffix }),
            HostKind::OktaSite { .. } => Err(OrgUrlError::OktaSite { host }),
            HostKind::NestedUnderSuffix { suffix } => {
                let prefix = &host[..host.len() - suffix.len() - 1];
                if hosts::okta_suffix(prefix).is_some() {
                    let suggestion = self.suggest(Some(prefix.to_string()));
                    return Err(OrgUrlError::DoubledSuffix {
                        host: host.clone(),
                        suggestion,
                    });
                }
                // `acme.workflows.okta.com` is the org's Okta Workflows console,
                // `acme.kerberos.okta.com` its Agentless Desktop SSO endpoint.
                let candidates: Vec<&str> = prefix
                    .split('.')
                    .filter(|l| {
                        !l.is_empty()
                            && !hosts::OKTA_SITE_LABELS.contains(l)
                            && !COMMON_TLDS.contains(l)
                            && *l != "workflows"
                            && *l != "kerberos"
                    })
                    .collect();
                let candidate = match candidates.as_slice() {
                    [one] => Some(format!("{one}.{suffix}")),
                    _ => None,
                };
                let suggestion = self.suggest(candidate);
                Err(OrgUrlError::NestedOktaHost { host, suggestion })
            }
            HostKind::OktaOrg { label, suffix } => {
                let mut org = label;
                while let Some(stripped) = org.strip_suffix("-admin") {
                    if stripped.is_empty() {
                        break;
                    }
                    org = stripped;
                }
                if org.len() != label.len() {
                    self.note(Correction::RemovedAdminSuffix);
                    let new_host = format!("{org}.{suffix}");
                    if is_placeholder_org_label(org) {
                        return Err(OrgUrlError::Placeholder);
                    }
                    if is_sample_org_label(org) {
                        self.warn(OrgWarning::LooksLikeSample);
                    }
                    self.check_labels(&new_host).map_err(|e| match e {
                        OrgUrlError::InvalidHost {
                            problem,
                            suggestion,
                            ..
                        } => OrgUrlError::InvalidHost {
                            host: host.clone(),
                            problem,
                            suggestion,
                        },
                        e => e,
                    })?;
                    if hosts::OKTA_SITE_LABELS.contains(&org) {
                        return Err(OrgUrlError::OktaSite { host: new_host });
                    }
                    return Ok((new_host, Some(suffix)));
                }
                Ok((host.clone(), Some(suffix)))
            }
            HostKind::Other => {
                if hosts::in_zone(&host, hosts::AUTH0_ZONE) {
                    return Err(OrgUrlError::Auth0Tenant { host });
                }
                if hosts::undoubled(&host).is_some() {
                    let suggestion = self.suggest(hosts::undoubled(&host).map(str::to_string));
                    return Err(OrgUrlError::DoubledSuffix { host, suggestion });
                }
                if let Some(nm) = hosts::near_miss_suffix(&host) {
                    let suggestion = self.suggest(nm.suggestion());
                    return Err(OrgUrlError::NearMissSuffix {
                        host,
                        suffix: nm.suffix,
                        suggestion,
                    });
                }
                if host.split('.').count() == 2 {
                    self.warn(OrgWarning::RootDomain);
                }
                Ok((host, None))
            }
        }
    }

    /// A non-ASCII host: a look-alike of an Okta domain, or an IDN to paste as `xn--`.
    fn non_ascii(&self, host: &str) -> OrgUrlError {
        let display = host.to_string();
        // Full-width letters and ideographic full stops, as typed with an East Asian input
        // method: browsers read them as ASCII. Refused all the same, with the ASCII suggested.
        let folded: String = host
            .chars()
            .map(|c| match c {
                '\u{3002}' | '\u{FF0E}' | '\u{FF61}' => '.',
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                _ => c,
            })
            .collect();
        if folded.is_ascii() {
            return OrgUrlError::NonAsciiHost {
                host: display,
                suggestion: self.suggest(Some(folded)),
            };
        }
        // Per character, as the skeleton compares characters (İ stays one character).
        let lower: String = folded
            .chars()
            .map(|c| c.to_lowercase().next().unwrap_or(c))
            .collect();
        let sk = hosts::skeleton(&lower);
        let sk = sk.trim_end_matches('.');
        // A real Okta suffix with a non-ASCII org label: suggest the plain spelling.
        if hosts::okta_suffix(&lower).is_some() {
            let suggestion = self.suggest(sk.is_ascii().then(|| sk.to_string()));
            return OrgUrlError::NonAsciiHost {
                host: display,
                suggestion,
            };
        }
        if sk.is_ascii() {
            if let Some(suffix) = okta_resemblance(sk) {
                let suggestion = self.suggest(Some(sk.to_string()));
                return OrgUrlError::LookalikeHost {
                    host: display,
                    suffix,
                    suggestion,
                };
            }
        }
        OrgUrlError::NonAsciiHost {
            host: display,
            suggestion: None,
        }
    }

    /// An ASCII host whose `xn--` labels decode to a look-alike of an Okta domain.
    fn lookalike_punycode(&self, host: &str) -> Option<OrgUrlError> {
        // Under a real Okta suffix the name is Okta's, whatever the org label spells.
        if !host.contains("xn--") || hosts::okta_suffix(host).is_some() {
            return None;
        }
        let decoded: Vec<String> = host
            .split('.')
            .map(|l| match l.strip_prefix("xn--") {
                Some(body) => {
                    idna::punycode::decode_to_string(body).unwrap_or_else(|| l.to_string())
                }
                None => l.to_string(),
            })
            .collect();
        let sk = hosts::skeleton(&decoded.join("."));
        if !sk.is_ascii() {
            return None;
        }
        let suffix = okta_resemblance(&sk)?;
        Some(OrgUrlError::LookalikeHost {
            host: host.to_string(),
            suffix,
            suggestion: self.suggest(Some(sk)),
        })
    }
}

/// The Okta suffix an ASCII skeleton is, contains, or nearly is.
fn okta_resemblance(sk: &str) -> Option<&'static str> {
    hosts::okta_suffix(sk)
        .or_else(|| hosts::near_miss_suffix(sk).map(|n| n.suffix))
        .or_else(|| {
            hosts::CNAME_TARGET_ZONES
                .iter()
                .any(|z| sk == *z || sk.ends_with(&format!(".{z}")))
                .then_some(DEFAULT_SUFFIX)
        })
}

/// Single labels refused as local names (`localhost`, `intranet`); other single labels given
/// alone are org names.
const BARE_LOCAL_NAMES: &[&str] = &[
    "localhost",
    "localdomain",
    "local",
    "internal",
    "intranet",
    "lan",
];

/// Common top-level labels, not org names (used to pick the org label in `a.b.okta.com`).
const COMMON_TLDS: &[&str] = &[
    "com", "net", "org", "io", "co", "us", "uk", "de", "fr", "eu", "au", "ca", "jp", "in", "edu",
    "gov", "mil", "info", "biz", "app", "dev", "cloud",
];

/// Find a scheme at the start. `Err` for a scheme-shaped prefix that is not a URL scheme we
/// can use and not a host with a port (`javascript:…`, `ftp:…`).
fn split_scheme(s: &str) -> Result<(Option<Scheme>, &str), OrgUrlError> {
    let lower_head: String = s.chars().take(8).collect::<String>().to_ascii_lowercase();
    // `https//host`: the colon is missing.
    for name in ["https", "http"] {
        if lower_head.starts_with(name) {
            let after = &s[name.len()..];
            // A semicolon (the colon's key without shift) or a full-width colon (an East Asian
            // input method) in its place: `https;//`, `https：//`.
            let after = after
                .strip_prefix([';', '\u{FF1A}'])
                .filter(|a| a.starts_with(['/', '\\']))
                .unwrap_or(after);
            let sep = after.len() - after.trim_start_matches(['/', '\\']).len();
            if sep >= 2 && !after.starts_with(':') {
                return Ok((
                    Some(Scheme {
                        name: name.to_string(),
                        well_formed: false,
                    }),
                    &after[sep..],
                ));
            }
        }
    }
    let Some(colon) = s.find(':') else {
        return Ok((None, s));
    };
    let head = &s[..colon];
    let scheme_shaped = head.starts_with(|c: char| c.is_ascii_alphabetic())
        && head
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_shaped {
        return Ok((None, s));
    }
    let after = &s[colon + 1..];
    let name = head.to_ascii_lowercase();
    let sep_len = after.len() - after.trim_start_matches(['/', '\\']).len();
    if sep_len > 0 {
        if name.contains('.') {
            // `acme.okta.comhttps://…`: two URLs run together.
            if name.ends_with("http") || name.ends_with("https") {
                return Err(OrgUrlError::MultipleUrls);
            }
            return Ok((None, s));
        }
        let sep = &after[..sep_len];
        return Ok((
            Some(Scheme {
                name,
                well_formed: sep == "//",
            }),
            &after[sep_len..],
        ));
    }
    let http = name == "http" || name == "https";
    // `host:port` is not a scheme.
    if !http && (after.is_empty() || after.starts_with(|c: char| c.is_ascii_digit())) {
        return Ok((None, s));
    }
    if http {
        // `https:host` or a lone `https:`.
        return Ok((
            Some(Scheme {
                name,
                well_formed: false,
            }),
            after,
        ));
    }
    if name.contains('.') {
        // `acme.okta.com:abc`: a host with a bad port; the port check will say so.
        return Ok((None, s));
    }
    if name == "mailto" {
        return Err(OrgUrlError::EmailAddress);
    }
    Err(OrgUrlError::UnsupportedScheme { scheme: name })
}

/// Strip one pair of surrounding brackets when the inside is an address (not a placeholder
/// such as `<your-org>`, not an IPv6 literal such as `[::1]`).
fn strip_brackets(s: &str) -> Option<&str> {
    let first = s.chars().next()?;
    let close = match first {
        '<' => '>',
        '[' => ']',
        '(' => ')',
        _ => return None,
    };
    let inner = s.strip_prefix(first)?.strip_suffix(close)?;
    if inner.is_empty() || inner.contains([first, close]) {
        return None;
    }
    let addressy = inner.contains("://") || (inner.contains('.') && !inner.contains(':'));
    let ok = match first {
        '<' => addressy && !inner.chars().any(char::is_whitespace),
        '[' => addressy,
        _ => true,
    };
    ok.then_some(inner)
}

/// The target of a Markdown link `[text](https://acme.okta.com)`.
fn markdown_link_target(s: &str) -> Option<&str> {
    let (_, target) = s.strip_prefix('[')?.strip_suffix(')')?.split_once("](")?;
    (!target.is_empty() && !target.contains(['(', ')'])).then_some(target)
}

/// The one whole URL among words, when the words do not continue it (`https://acme.okta.` +
/// `com`, `https://login.acme` + `.com`, a path on the next line) and it is an org's address.
fn url_among_words(s: &str) -> Option<&str> {
    if !s.contains(char::is_whitespace) {
        return None;
    }
    let mut parts: Vec<&str> = s.split_whitespace().collect();
    // The same address twice in a row (pasted twice, or a link's text and its target).
    parts.dedup();
    let has_host = |p: &str| p.split_once("://").is_some_and(|(_, h)| !h.is_empty());
    let dotted = |p: &str| p.trim_matches('.').contains('.');
    let urlish = parts.iter().filter(|p| has_host(p) || dotted(p)).count();
    let mut whole = parts.iter().filter(|p| has_host(p));
    let (url, bare) = match (whole.next(), whole.next()) {
        (Some(url), None) => (*url, false),
        // A host without a scheme (`Okta URL: acme.okta.com`), when nothing else there is
        // part of an address.
        (None, _) if !s.contains("//") => (*parts.iter().find(|p| dotted(p))?, true),
        _ => return None,
    };
    let mut url = url.trim_end_matches([',', ';', ')']);
    // The sentence's full stop after its last word (`Our org is https://acme.okta.com.`).
    if parts.last().is_some_and(|l| l.starts_with(url)) {
        url = url.trim_end_matches('.');
    }
    let accepted = normalize(url).is_ok_and(|o| !bare || o.okta_suffix().is_some());
    (urlish == 1
        && !url.ends_with(['.', '/', '-'])
        && !parts.iter().any(|p| p.starts_with(['.', '/']))
        && accepted)
        .then_some(url)
}

/// The value of a variable assignment (`OKTA_ORG_URL=…`, `export OKTA_DOMAIN=…`).
fn assigned_value(s: &str) -> Option<&str> {
    let (name, value) = s.split_once('=')?;
    let name = name.trim();
    let name = name.strip_prefix("export ").unwrap_or(name).trim();
    let identifier = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.');
    identifier.then(|| value.trim().trim_matches(is_quote))
}

/// The target of a link rewritten by a mail filter: Outlook's Safe Links
/// (`https://nam02.safelinks.protection.outlook.com/?url=https%3A%2F%2Facme.okta.com%2F&…`),
/// Google's redirect (`https://www.google.com/url?q=https://acme.okta.com&…`).
fn redirect_target(s: &str) -> Option<String> {
    let link = url::Url::parse(s).ok()?;
    let host = link.host_str()?;
    let param = if host.ends_with(".safelinks.protection.outlook.com") {
        "url"
    } else if matches!(host, "www.google.com" | "google.com") && link.path() == "/url" {
        "q"
    } else {
        return None;
    };
    let (_, target) = link.query_pairs().find(|(k, _)| k == param)?;
    target.contains("://").then(|| target.into_owned())
}

/// A word that is (or announces) a credential: an API token of the usual shape, `SSWS`,
/// `Bearer`, `Authorization`.
fn words_hold_credential(s: &str) -> bool {
    s.split_whitespace().any(|p| {
        let word = p.rsplit(['=', ':']).next().unwrap_or(p);
        let word = word.trim_matches(|c: char| is_quote(c) || ",;:{}()[]".contains(c));
        ["ssws", "bearer", "authorization"]
            .iter()
            .any(|w| word.eq_ignore_ascii_case(w))
            || crate::okta::has_api_token_shape(word)
    })
}

/// The address inside Markdown emphasis: `**https://acme.okta.com**`, `_acme.okta.com_`.
fn emphasis_inner(s: &str) -> Option<&str> {
    ["**", "__", "*", "_"].iter().find_map(|m| {
        let inner = s.strip_prefix(m)?.strip_suffix(m)?;
        let word = !inner.starts_with(char::is_whitespace)
            && !inner.ends_with(char::is_whitespace)
            && inner.contains('.');
        word.then_some(inner)
    })
}

/// The target of a Slack link `<https://acme.okta.com|acme.okta.com>`.
fn slack_link_target(s: &str) -> Option<&str> {
    let (target, _) = s.strip_prefix('<')?.strip_suffix('>')?.split_once('|')?;
    (target.contains("://") && !target.contains(['<', '>'])).then_some(target)
}

/// Template syntax in the host part: `{…}`, `${…}`, `<…>`, `[name]`, `*`, and their
/// percent-encoded forms.
fn is_placeholder_text(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    // The host part, leniently: after a scheme, up to the path.
    let start = lower.find("://").map(|i| i + 3).unwrap_or(0);
    let rest = &lower[start..];
    let end = rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len());
    let auth = &rest[..end];
    if auth.contains(['{', '}', '<', '>', '$', '*'])
        || ["%7b", "%7d", "%3c", "%3e", "%24", "%2a"]
            .iter()
            .any(|p| auth.contains(p))
    {
        return true;
    }
    if let Some(b) = auth.find('[') {
        let inner = &auth[b + 1..].split(']').next().unwrap_or("");
        if !inner.contains(':') && !is_ipv4(inner) {
            return true;
        }
    }
    // A whole input wrapped in template brackets, e.g. `{your Okta domain}`, or a Windows
    // variable (`%OKTA_DOMAIN%`).
    (lower.starts_with('{') && lower.ends_with('}'))
        || (lower.starts_with('<') && lower.ends_with('>'))
        || (lower.len() > 2 && lower.starts_with('%') && lower.ends_with('%'))
}

/// An API token, a JWT or an `Authorization` header pasted into the URL field.
fn looks_like_token(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    if [
        "ssws ",
        "ssws\t",
        "bearer ",
        "bearer\t",
        "authorization:",
        "authorization ",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
        || lower == "ssws"
    {
        return true;
    }
    if s.starts_with("eyJ") && s.matches('.').count() == 2 && !s.contains('/') {
        return true;
    }
    let token_chars = s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !token_chars || s.len() < 40 {
        return false;
    }
    let has = |f: fn(&u8) -> bool| s.as_bytes().iter().any(f);
    s.starts_with("00")
        || (has(u8::is_ascii_uppercase) && has(u8::is_ascii_lowercase) && has(u8::is_ascii_digit))
}

/// Whether the WHATWG URL host parser (the `url` crate, as browsers and the proxy read hosts)
/// reads `host` as an IPv4 address, in any of its spellings (`127.1`, `0x7f.0.0.1`, `2130706433`,
/// with or without a trailing dot). Asked in lowercase, as the URL parser itself lowercases a
/// host before reading it as an address (url's ASCII-only IDNA backend expects that); a host with
/// `%` is never an address here: the host rules refuse the character before any connection.
fn is_ipv4(host: &str) -> bool {
    !host.contains('%')
        && matches!(
            url::Host::parse(&host.to_ascii_lowercase()),
            Ok(url::Host::Ipv4(_))
        )
}

/// Validate the body of an `xn--` label: valid Punycode that decodes to something not purely
/// ASCII, made of lowercase letters, digits and combining marks that IDNA keeps as they are.
/// This approximates UTS 46 without its tables (which would weigh on the wasm bundle; even
/// std's letter-and-digit tables behind `char::is_alphanumeric` are 1.8 kB of it): symbols,
/// punctuation, emoji, private use, case-mapped and compatibility characters are refused, but
/// unassigned code points and the Bidi, joiner and NFC rules are not checked. A name that slips
/// through fails at the connection check.
fn valid_punycode_label(body: &str) -> bool {
    let Some(decoded) = idna::punycode::decode_to_string(body) else {
        return false;
    };
    !decoded.is_empty()
        && !decoded.is_ascii()
        && !decoded.starts_with(is_combining_mark)
        && decoded.chars().all(|c| {
            if c.is_ascii() {
                c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
            } else {
                !is_symbol_or_punctuation(c)
                    && !c.is_whitespace()
                    && !c.is_control()
                    && c.to_lowercase().next() == Some(c)
                    && !is_compatibility_form(c)
                    && !is_invisible(c)
            }
        })
}

/// Blocks and code points of symbols, punctuation, emoji and private use, none of them a
/// letter or digit (a test checks that against std for every character): what an `xn--` label must not decode to, as far as a short table can say.
fn is_symbol_or_punctuation(c: char) -> bool {
    matches!(c as u32,
        0x00A0..=0x00A9
            | 0x00AB..=0x00B1
            | 0x00B4
            | 0x00B6..=0x00B8
            | 0x00BB
            | 0x00BF
            | 0x00D7
            | 0x00F7
            | 0x02C2..=0x02C5
            | 0x02D2..=0x02DF
            | 0x037E
            | 0x0387
            | 0x055A..=0x055F
            | 0x0589..=0x058A
            | 0x05BE
            | 0x05C0
            | 0x05C3
            | 0x05C6
            | 0x05F3..=0x05F4
            | 0x0600..=0x060F
            | 0x061B..=0x061F
            | 0x066A..=0x066D
            | 0x06D4
            | 0x06DD..=0x06DE
            | 0x06E9
            | 0x06FD..=0x06FE
            | 0x0964..=0x0965
            | 0x0970
            | 0x0E3F
            | 0x0E4F
            | 0x0E5A..=0x0E5B
            | 0x10FB
            | 0x16EB..=0x16ED
            | 0x2000..=0x206F
            | 0x20A0..=0x20CF
            | 0x2190..=0x245F
            | 0x2500..=0x2775
            | 0x2794..=0x2BFF
            | 0x2E00..=0x2E2E
            | 0x2E30..=0x2E7F
            | 0x2FF0..=0x2FFF
            | 0x3000..=0x3004
            | 0x3008..=0x3020
            | 0x3030
            | 0x303D..=0x303F
            | 0x30A0
            | 0x30FB
            | 0x4DC0..=0x4DFF
            | 0xA490..=0xA4CF
            | 0xA700..=0xA716
            | 0xA720..=0xA721
            | 0xE000..=0xF8FF
            | 0xFD3E..=0xFD3F
            | 0xFE10..=0xFE1F
            | 0xFE30..=0xFE6F
            | 0xFFF0..=0xFFFF
            | 0x1D000..=0x1D24F
            | 0x1F000..=0x1F0FF
            | 0x1F300..=0x1FBEF
            | 0xE0000..=0xE007F
            | 0xF0000..=0x10FFFF)
}

/// Common combining-mark blocks (Latin, Cyrillic, Hebrew, Arabic, Indic, Thai, Lao, Tibetan,
/// Myanmar, Kana voicing marks).
fn is_combining_mark(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F
            | 0x0483..=0x0487
            | 0x0591..=0x05C7
            | 0x0610..=0x061A
            | 0x064B..=0x065F
            | 0x0670
            | 0x06D6..=0x06ED
            | 0x0900..=0x0DFF
            | 0x0E31..=0x0E4E
            | 0x0EB1..=0x0ECD
            | 0x0F18..=0x0FC6
            | 0x102B..=0x109D
            | 0x1AB0..=0x1AFF
            | 0x1DC0..=0x1DFF
            | 0x20D0..=0x20F0
            | 0x3099..=0x309A)
        && !c.is_whitespace()
        && !c.is_control()
}

/// Letters and digits that IDNA maps to something else (superscripts, number forms, enclosed,
/// letter-like, full-width and presentation forms, mathematical alphanumerics, compatibility
/// ideographs and jamo).
fn is_compatibility_form(c: char) -> bool {
    matches!(c as u32,
        0x00AA | 0x00B2 | 0x00B3 | 0x00B5 | 0x00B9 | 0x00BA | 0x00BC..=0x00BE
            | 0x017F
            | 0x2070..=0x209F
            | 0x2100..=0x218F
            | 0x2460..=0x24FF
            | 0x2C7C..=0x2C7D
            | 0x2E80..=0x2FDF
            | 0x3130..=0x318F
            | 0x3200..=0x33FF
            | 0xF900..=0xFAFF
            | 0xFB00..=0xFDFF
            | 0xFE70..=0xFEFF
            | 0xFF00..=0xFFEF
            | 0x1D400..=0x1D7FF
            | 0x1F100..=0x1F1FF
            | 0x2F800..=0x2FA1F)
}

/// Org names that only documentation and templates use, which no one would name an org
/// (compared with `-` and `_` removed, lowercase); with [`is_your_label`], refused.
const PLACEHOLDER_ORG_LABELS: &[&str] = &[
    "oktadomain",
    "oktaorgurl",
    "oktaurl",
    "oktabaseurl",
    "oktaclientorgurl",
    "oktasubdomain",
    "oktaissuer",
    "placeholder",
    "changeme",
];

/// Org names documentation uses as samples that a real org may also have (compared with `-`
/// and `_` removed, lowercase): a warning, not a refusal.
const SAMPLE_ORG_LABELS: &[&str] = &[
    "youroktadomain",
    "youroktaorg",
    "youroktaorgurl",
    "youroktaurl",
    "youroktasubdomain",
    "youroktatenant",
    "youroktaorgname",
    "youroktainstance",
    "yourorg",
    "yourorgname",
    "yourorgurl",
    "yourorganization",
    "yourorganizationname",
    "yourdomain",
    "yourdomainname",
    "yoursubdomain",
    "yourcompany",
    "yourcompanyname",
    "yourtenant",
    "yourtenantname",
    "yourinstance",
    "myorg",
    "myorgname",
    "myoktaorg",
    "myoktadomain",
    "myokta",
    "orgname",
    "organizationname",
    "oktaorg",
    "oktaorgname",
    "oktatenant",
    "subdomain",
    "tenant",
    "tenantname",
    "companyname",
    "domain",
    "domainname",
    "example",
    "sample",
];

/// An org label without `-` and `_`, lowercase.
fn compact_label(label: &str) -> String {
    label
        .chars()
        .filter(|c| *c != '-' && *c != '_')
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Is this org label (lowercase, possibly not LDH) one that can never be a real org's: a
/// template's `your…` name or a configuration key's?
fn is_placeholder_org_label(label: &str) -> bool {
    let compact = compact_label(label);
    !compact.is_empty()
        && (PLACEHOLDER_ORG_LABELS.contains(&compact.as_str()) || is_your_label(&compact))
}

/// Is this org label (lowercase, possibly not LDH) one documentation uses as a sample, which a
/// real org may also have (developer and trial orgs are numbered: `dev-12345678`)?
fn is_sample_org_label(label: &str) -> bool {
    let compact = compact_label(label);
    if compact.is_empty() {
        return false;
    }
    if SAMPLE_ORG_LABELS.contains(&compact.as_str()) {
        return true;
    }
    if compact.len() >= 3 && compact.bytes().all(|b| b == b'x') {
        return true;
    }
    // Sequential sample org numbers: dev-123456, trial-1234567, integrator-12345678.
    let lower = label.to_ascii_lowercase();
    for prefix in ["dev", "trial", "integrator", "oie", "preview"] {
        if let Some(num) = lower
            .strip_prefix(prefix)
            .and_then(|r| r.strip_prefix(['-', '_']))
        {
            let seq = num.len() >= 5 && "1234567890".starts_with(num);
            let zeros = num.len() >= 5 && num.bytes().all(|b| b == b'0');
            let xs = !num.is_empty() && num.bytes().all(|b| b == b'x');
            if seq || zeros || xs {
                return true;
            }
        }
    }
    false
}

/// `your…` followed only by template words (`yourOktaDomain`, `your-org-name`,
/// `yourcompany`): whole words, so a real name that starts so (`yourorganics`, `yourforge`)
/// is not one.
fn is_your_label(compact: &str) -> bool {
    const WORDS: [&str; 15] = [
        "okta",
        "org",
        "organization",
        "organisation",
        "domain",
        "company",
        "tenant",
        "subdomain",
        "site",
        "url",
        "instance",
        "name",
        "here",
        "own",
        "s",
    ];
    /// Whether `rest` is one or more of `WORDS`, end to end.
    fn words(rest: &str) -> bool {
        WORDS.iter().any(|w| {
            rest.strip_prefix(w)
                .is_some_and(|r| r.is_empty() || words(r))
        })
    }
    compact
        .strip_prefix("your")
        .is_some_and(|rest| !rest.is_empty() && words(rest))
}

/// Custom-domain sample names: RFC 2606 example domains, `.invalid`, `your-company` labels.
fn is_sample_custom_host(labels: &[&str]) -> bool {
    let n = labels.len();
    if n < 2 {
        return false;
    }
    let tld = labels[n - 1];
    if tld == "example" || tld == "invalid" {
        return true;
    }
    if labels[n - 2] == "example" && matches!(tld, "com" | "net" | "org") {
        return true;
    }
    labels[..n - 1].iter().any(|l| {
        let compact: String = l.chars().filter(|c| *c != '-' && *c != '_').collect();
        is_your_label(&compact) || matches!(compact.as_str(), "placeholder" | "changeme")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The symbol table refuses no letter or digit: over every character, nothing it lists is
    /// alphanumeric to std; and the usual symbols are in it.
    #[test]
    fn symbols_are_never_letters_or_digits() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            if is_symbol_or_punctuation(c) {
                assert!(
                    !c.is_alphanumeric(),
                    "U+{:04X} is a letter or digit",
                    c as u32
                );
            }
        }
        for c in "😀→∑•€©♥✓。「」・‰⌘☃✈⬛".chars() {
            assert!(is_symbol_or_punctuation(c), "U+{:04X}", c as u32);
        }
        for c in "éüжßあ中한٣ไअ".chars() {
            assert!(!is_symbol_or_punctuation(c), "U+{:04X}", c as u32);
        }
    }

    /// `xn--` labels that decode to symbols or emoji are refused; real letters are kept.
    #[test]
    fn punycode_labels_of_symbols_are_refused() {
        for (body, ok) in [
            ("mnchen-3ya", true), // münchen
            ("80ak6aa92e", true), // пример (Cyrillic)
            ("wgv71a", true),     // 日本
            ("ls8h", false),      // 💩
            ("i-7iq", false),     // i❤
            ("n3h", false),       // ☃
        ] {
            assert_eq!(valid_punycode_label(body), ok, "{body}");
        }
    }

    #[test]
    fn basics() {
        let o = normalize("https://ACME-admin.okta.com/admin/dashboard").unwrap();
        assert_eq!(o.host(), "acme.okta.com");
        assert_eq!(o.subdomain(), Some("acme"));
        assert_eq!(o.origin(), "https://acme.okta.com");
        assert!(!o.is_custom_domain());
        let again = normalize(&o.origin()).unwrap();
        assert_eq!(again.host(), o.host());
        assert!(again.corrections().is_empty());
    }

    #[test]
    fn every_error_has_a_message() {
        for input in [
            "",
            "{yourOktaDomain}",
            "ftp://a.b",
            "okta.com",
            "acme.otka.com",
        ] {
            let e = normalize(input).unwrap_err();
            assert!(!e.to_string().is_empty());
            assert!(!e.code().is_empty());
        }
    }

    #[test]
    fn address_spellings_are_read_as_the_url_parser_reads_them() {
        for ip in [
            "127.1",
            "0x7F.0.0.1",
            "2130706433",
            "10.0.0.1.",
            "0177.0.0.1",
        ] {
            assert!(is_ipv4(ip), "{ip}");
        }
        for not_ip in [
            "acme.okta.com",
            "1.2.3.4.5",
            "A%A0",
            "%31.2.3.4",
            "",
            "okta.123x",
        ] {
            assert!(!is_ipv4(not_ip), "{not_ip}");
        }
        // Found by the host-alphabet property: an uppercase bracketed host once reached url's
        // IDNA backend unlowered (a debug assertion there).
        assert!(normalize("A%A0]::").is_err());
        assert!(normalize("[A%A0]::").is_err());
    }
}
