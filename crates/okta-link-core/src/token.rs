//! Understand what people paste into the "API token" field.
//!
//! [`clean`] trims what rides along with a copied token (spaces, line breaks, invisible
//! characters, quotes, an `SSWS ` prefix, a whole `Authorization: SSWS …` header, a
//! `OKTA_API_TOKEN=` assignment), refuses what cannot be an API token, and warns (never
//! refuses) when the result does not have the usual shape: Okta's format is undocumented, and
//! Okta is the judge.
//!
//! [`ApiToken`] never shows the secret in `Debug` or `Display`, is not `Serialize`, and
//! overwrites its bytes when dropped.

use core::fmt;

use zeroize::{Zeroize, Zeroizing};

use crate::okta::has_api_token_shape;
use crate::org_url::{self, is_invisible, is_quote};

/// Longest input looked at, in characters.
pub const MAX_INPUT_CHARS: usize = 1024;

/// Length of the usual token: `00` and 40 of `[A-Za-z0-9_-]`.
pub const USUAL_LEN: usize = crate::okta::API_TOKEN_LEN;

/// A cleaned API token. `Debug` and `Display` print `ApiToken(42 chars)`, never the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiToken {
    secret: String,
    corrections: Vec<TokenCorrection>,
    warnings: Vec<TokenWarning>,
}

impl ApiToken {
    /// The token to send as `Authorization: SSWS <secret>`.
    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// Length of the secret in characters (all ASCII).
    pub fn len(&self) -> usize {
        self.secret.len()
    }

    /// Always false: an empty token is refused.
    pub fn is_empty(&self) -> bool {
        self.secret.is_empty()
    }

    /// What was removed around the token, in the order it was done.
    pub fn corrections(&self) -> &[TokenCorrection] {
        &self.corrections
    }

    /// Format doubts. Never a refusal: Okta decides.
    pub fn warnings(&self) -> &[TokenWarning] {
        &self.warnings
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiToken({} chars)", self.secret.len())
    }
}

impl fmt::Display for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiToken({} chars)", self.secret.len())
    }
}

/// This value's own buffer is zeroed when it is dropped (`zeroize`). That clears this copy
/// only: the text it was cleaned from, the field's value in the browser (a JavaScript string,
/// which no Rust code can overwrite) and any copy made to send it are not this buffer. See
/// SECURITY.md for what the page can and cannot clear.
impl Drop for ApiToken {
    fn drop(&mut self) {
        self.secret.zeroize();
    }
}

/// A working copy whose buffer is zeroed when it is dropped.
type Scratch = Zeroizing<String>;

/// Something removed around the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenCorrection {
    /// Zero-width or other invisible characters were removed.
    RemovedInvisibleCharacters,
    /// Spaces or line breaks before or after the token were removed.
    TrimmedWhitespace,
    /// Surrounding quotes were removed.
    RemovedQuotes,
    /// A leading `SSWS ` (the header's scheme word) was removed.
    RemovedSswsPrefix,
    /// A leading `Authorization: SSWS ` header (or `-H "Authorization: …"`) was removed.
    RemovedAuthorizationHeader,
    /// A leading variable name (`OKTA_API_TOKEN=`, `token: `, `export X=`) was removed.
    RemovedVariableName,
    /// A leading `Bearer ` before a value of an API token's usual shape was removed: the
    /// token is sent with `SSWS`.
    RemovedBearerPrefix,
    /// A full stop, comma or semicolon after a value of the usual shape (the end of a
    /// sentence) was removed: tokens have none.
    RemovedTrailingPunctuation,
    /// The token was taken from the one `Authorization: SSWS …` header of a longer paste (a
    /// whole curl command, a request copied from a browser's developer tools).
    TookFromRequest,
    /// The token was taken from the one line of several (an `.env` file, `okta.yaml`, a
    /// Terraform block) that holds a token of the usual shape.
    TookFromText,
}

impl TokenCorrection {
    /// Stable snake_case id, for message catalogues.
    pub fn code(&self) -> &'static str {
        match self {
            TokenCorrection::RemovedInvisibleCharacters => "removed_invisible_characters",
            TokenCorrection::TrimmedWhitespace => "trimmed_whitespace",
            TokenCorrection::RemovedQuotes => "removed_quotes",
            TokenCorrection::RemovedSswsPrefix => "removed_ssws_prefix",
            TokenCorrection::RemovedAuthorizationHeader => "removed_authorization_header",
            TokenCorrection::RemovedVariableName => "removed_variable_name",
            TokenCorrection::RemovedBearerPrefix => "removed_bearer_prefix",
            TokenCorrection::RemovedTrailingPunctuation => "removed_trailing_punctuation",
            TokenCorrection::TookFromRequest => "took_from_request",
            TokenCorrection::TookFromText => "took_from_text",
        }
    }

    pub const ALL: [TokenCorrection; 10] = [
        TokenCorrection::RemovedInvisibleCharacters,
        TokenCorrection::TrimmedWhitespace,
        TokenCorrection::RemovedQuotes,
        TokenCorrection::RemovedSswsPrefix,
        TokenCorrection::RemovedAuthorizationHeader,
        TokenCorrection::RemovedVariableName,
        TokenCorrection::RemovedBearerPrefix,
        TokenCorrection::RemovedTrailingPunctuation,
        TokenCorrection::TookFromRequest,
        TokenCorrection::TookFromText,
    ];
}

impl fmt::Display for TokenCorrection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TokenCorrection::RemovedInvisibleCharacters => {
                "Removed invisible characters that came with the paste."
            }
            TokenCorrection::TrimmedWhitespace => {
                "Removed spaces and line breaks around the token."
            }
            TokenCorrection::RemovedQuotes => "Removed the quotes around the token.",
            TokenCorrection::RemovedSswsPrefix => {
                "Removed \"SSWS\" in front of the token: it is added when the token is sent."
            }
            TokenCorrection::RemovedAuthorizationHeader => {
                "Removed the \"Authorization: SSWS\" header name in front of the token."
            }
            TokenCorrection::RemovedVariableName => {
                "Removed the variable name in front of the token."
            }
            TokenCorrection::RemovedBearerPrefix => {
                "Removed \"Bearer\" in front of the token: an API token is sent with \"SSWS\", \
                 which is added for you."
            }
            TokenCorrection::RemovedTrailingPunctuation => {
                "Removed the punctuation after the token: an API token has none."
            }
            TokenCorrection::TookFromRequest => {
                "Took the token from the \"Authorization: SSWS\" header in what you pasted."
            }
            TokenCorrection::TookFromText => "Took the token out of the lines around it.",
        })
    }
}

/// A doubt about the token's format. Shown, never blocking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenWarning {
    /// Not the usual 42 characters of `00` + `[A-Za-z0-9_-]`: it may have been cut short or
    /// picked up extra characters when copied.
    UnusualFormat { len: usize },
    /// 20 characters starting with `0`: the shape of an Okta object id (a client id `0oa…`, a
    /// user id `00u…`), not of an API token.
    LooksLikeOktaId { len: usize },
}

impl TokenWarning {
    /// Stable snake_case id, for message catalogues (placeholder `{len}`).
    pub fn code(&self) -> &'static str {
        match self {
            TokenWarning::UnusualFormat { .. } => "unusual_format",
            TokenWarning::LooksLikeOktaId { .. } => "looks_like_okta_id",
        }
    }

    /// The token's length, for the message's `{len}`.
    pub fn token_len(&self) -> usize {
        match self {
            TokenWarning::UnusualFormat { len } | TokenWarning::LooksLikeOktaId { len } => *len,
        }
    }
}

impl fmt::Display for TokenWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenWarning::UnusualFormat { len } => write!(
                f,
                "This token is {len} characters long and does not look like the usual Okta API \
                 token (42 characters starting with 00). It may have been cut short when copied. \
                 Okta will confirm whether it is valid when you check the connection."
            ),
            TokenWarning::LooksLikeOktaId { len } => write!(
                f,
                "This is {len} characters long, like an Okta ID (such as an app's client ID), not \
                 an API token. API tokens are created under Security > API > Tokens."
            ),
        }
    }
}

/// Why an input is not accepted as an API token. Never carries the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenError {
    /// Nothing (or only spaces, quotes, or `SSWS`) was entered.
    Empty,
    /// Longer than [`MAX_INPUT_CHARS`].
    TooLong { len: usize },
    /// A placeholder (`{apiToken}`, `YOUR_API_KEY_HERE`, `<YOUR-API-TOKEN>`, `$OKTA_API_TOKEN`).
    Placeholder,
    /// A masked or shortened value (`00ab…xyz`, `••••`, `****`).
    Masked,
    /// A Bearer value or a JWT: an OAuth access token, not an API token.
    BearerOrJwt,
    /// Spaces or line breaks inside the token.
    InnerWhitespace,
    /// Characters outside ASCII.
    NonAscii,
    /// An org URL pasted into the token field.
    LooksLikeUrl,
    /// An e-mail address pasted into the token field.
    EmailAddress,
}

impl TokenError {
    /// Stable snake_case id, for message catalogues.
    pub fn code(&self) -> &'static str {
        match self {
            TokenError::Empty => "empty",
            TokenError::TooLong { .. } => "too_long",
            TokenError::Placeholder => "placeholder",
            TokenError::Masked => "masked",
            TokenError::BearerOrJwt => "bearer_or_jwt",
            TokenError::InnerWhitespace => "inner_whitespace",
            TokenError::NonAscii => "non_ascii",
            TokenError::LooksLikeUrl => "looks_like_url",
            TokenError::EmailAddress => "email_address",
        }
    }

    /// Named values for message placeholders: `len`, `max` (for `too_long`).
    pub fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            TokenError::TooLong { len } => vec![
                ("len", len.to_string()),
                ("max", MAX_INPUT_CHARS.to_string()),
            ],
            _ => Vec::new(),
        }
    }
}

const WHERE_TO_CREATE: &str = "Create one in the Okta Admin Console under Security > API > \
                               Tokens, and copy its value right away: it is shown only once.";

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::Empty => write!(f, "Paste your Okta API token. {WHERE_TO_CREATE}"),
            TokenError::TooLong { len } => write!(
                f,
                "That is {len} characters long, far more than an API token. Paste only the \
                 token's value."
            ),
            TokenError::Placeholder => write!(
                f,
                "That is a placeholder from documentation or a template, not a token. Paste \
                 your real API token. {WHERE_TO_CREATE}"
            ),
            TokenError::Masked => write!(
                f,
                "That is a shortened or masked token. Okta shows a token's full value only once, \
                 when it is created; if you no longer have it, create a new token. \
                 {WHERE_TO_CREATE}"
            ),
            TokenError::BearerOrJwt => write!(
                f,
                "That is an OAuth access token, not an API token. This connection needs an \
                 API token (used as \"SSWS\"). {WHERE_TO_CREATE}"
            ),
            TokenError::InnerWhitespace => f.write_str(
                "The token contains spaces or line breaks. Copy it again in one piece, without \
                 spaces.",
            ),
            TokenError::NonAscii => f.write_str(
                "The token contains characters that API tokens never have (such as accented \
                 letters, symbols or typographic quotes). Copy it again from where you saved it.",
            ),
            TokenError::LooksLikeUrl => f.write_str(
                "That looks like your org's address. Enter it in the organization URL field, \
                 and paste the API token here.",
            ),
            TokenError::EmailAddress => write!(
                f,
                "That is an e-mail address, not an API token. {WHERE_TO_CREATE}"
            ),
        }
    }
}

impl std::error::Error for TokenError {}

/// Clean what was pasted into the token field. See the module documentation.
pub fn clean(input: &str) -> Result<ApiToken, TokenError> {
    if input.len() > MAX_INPUT_CHARS {
        let len = input.chars().count();
        if len > MAX_INPUT_CHARS {
            return Err(TokenError::TooLong { len });
        }
    }
    let mut corrections = Vec::new();
    let mut note = |c: TokenCorrection| {
        if !corrections.contains(&c) {
            corrections.push(c);
        }
    };
    let scratch;
    let mut s = input;
    if s.chars().any(is_invisible) {
        scratch = Scratch::new(s.chars().filter(|c| !is_invisible(*c)).collect());
        s = scratch.as_str();
        note(TokenCorrection::RemovedInvisibleCharacters);
    }
    // A whole request around the header (`curl … -H "Authorization: SSWS 00…" https://…`):
    // the header's value.
    if let Some(value) = header_in_request(s) {
        note(TokenCorrection::TookFromRequest);
        s = value;
    }
    // Several lines (an `.env` file, `okta.yaml`, a Terraform block) of which one holds a
    // token of the usual shape: that one.
    if let Some(line) = token_line(s) {
        note(TokenCorrection::TookFromText);
        s = line;
    }
    s = trim(s, &mut note);
    let request = s.contains("://") || s.contains('\n');
    if request {
        // A request sending an OAuth 2.0 access token: that token is the problem.
        let lower = s.to_ascii_lowercase();
        if lower.contains("authorization") && (lower.contains("bearer ") || lower.contains("dpop "))
        {
            return Err(TokenError::BearerOrJwt);
        }
    }
    if s.contains("://") {
        return Err(TokenError::LooksLikeUrl);
    }
    // A whole answer of an OAuth 2.0 token request: its access token is not an API token.
    if s.starts_with('{') && s.contains("\"access_token\"") {
        return Err(TokenError::BearerOrJwt);
    }
    // Prefixes: `-H "Authorization: SSWS …"`, `OKTA_API_TOKEN=…`, `SSWS …`, `Bearer …`.
    let mut header = false;
    loop {
        if let Some(rest) = strip_word(s, &["-h", "--header"]).filter(|r| {
            let r = r.trim_start_matches(is_quote);
            strip_ci(r, "authorization").is_some()
        }) {
            s = trim(rest.trim_start(), &mut note);
            continue;
        }
        if let Some(after) = strip_ci(s, "authorization") {
            let rest = after.trim_start_matches(is_quote).trim_start();
            // `Authorization: …`, or the header's name and value from two cells of a table
            // (Postman's: a tab between them, no colon) before a scheme word.
            let value = rest.strip_prefix([':', '=']).or_else(|| {
                (after.starts_with(char::is_whitespace)
                    && strip_word(rest, &["ssws", "bearer", "dpop"]).is_some())
                .then_some(rest)
            });
            if let Some(rest) = value {
                note(TokenCorrection::RemovedAuthorizationHeader);
                header = true;
                s = trim(rest.trim_start(), &mut note);
                continue;
            }
        }
        // A JSON object around a named value (`{"token": "00…"}`).
        if let Some(inner) = s
            .strip_prefix('{')
            .and_then(|r| r.strip_suffix('}'))
            .map(str::trim)
            .filter(|i| strip_variable_name(i).is_some() || strip_label(i).is_some())
        {
            s = inner;
            continue;
        }
        if let Some(rest) = strip_variable_name(s).or_else(|| strip_label(s)) {
            note(TokenCorrection::RemovedVariableName);
            s = trim(rest.trim_start(), &mut note);
            continue;
        }
        if let Some(rest) = strip_ci(s, "ssws") {
            let spaced = rest.starts_with(char::is_whitespace) || rest.starts_with(':');
            if spaced || rest.is_empty() || rest.starts_with("00") {
                if !header {
                    note(TokenCorrection::RemovedSswsPrefix);
                }
                s = trim(rest.trim_start_matches(':').trim_start(), &mut note);
                continue;
            }
        }
        // `Bearer` before what is plainly an API token (an OAuth access token is refused
        // below): the scheme word was the wrong one.
        if let Some(rest) = strip_ci(s, "bearer")
            .filter(|r| r.starts_with(char::is_whitespace))
            .map(str::trim)
            .filter(|r| has_api_token_shape(r))
        {
            note(TokenCorrection::RemovedBearerPrefix);
            s = rest;
            continue;
        }
        break;
    }
    if s.is_empty() {
        return Err(TokenError::Empty);
    }
    // The end of a sentence after the token ("API token: 00….").
    if let Some(t) = s
        .strip_suffix(['.', ',', ';'])
        .filter(|t| has_api_token_shape(t))
    {
        note(TokenCorrection::RemovedTrailingPunctuation);
        s = t;
    }
    if ["bearer", "dpop"]
        .iter()
        .any(|w| strip_ci(s, w).is_some_and(|r| r.is_empty() || r.starts_with(char::is_whitespace)))
        || (s.starts_with("eyJ") && s.contains('.'))
    {
        return Err(TokenError::BearerOrJwt);
    }
    if is_placeholder(s) {
        return Err(TokenError::Placeholder);
    }
    if is_masked(s) {
        return Err(TokenError::Masked);
    }
    if s.contains('.') && !s.contains(char::is_whitespace) && org_url::normalize(s).is_ok() {
        return Err(TokenError::LooksLikeUrl);
    }
    if s.contains('@') && s.contains('.') && !s.contains(char::is_whitespace) {
        return Err(TokenError::EmailAddress);
    }
    if s.contains(char::is_whitespace) {
        return Err(TokenError::InnerWhitespace);
    }
    if !s.is_ascii() {
        return Err(TokenError::NonAscii);
    }
    let len = s.len();
    let mut warnings = Vec::new();
    if !has_api_token_shape(s) {
        let okta_id =
            len == 20 && s.starts_with('0') && s.bytes().all(|b| b.is_ascii_alphanumeric());
        warnings.push(if okta_id {
            TokenWarning::LooksLikeOktaId { len }
        } else {
            TokenWarning::UnusualFormat { len }
        });
    }
    Ok(ApiToken {
        secret: s.to_string(),
        corrections,
        warnings,
    })
}

/// Trim whitespace and quotes from both ends, repeatedly.
fn trim<'a>(mut s: &'a str, note: &mut impl FnMut(TokenCorrection)) -> &'a str {
    loop {
        let t = s.trim_matches(char::is_whitespace);
        if t.len() != s.len() {
            note(TokenCorrection::TrimmedWhitespace);
            s = t;
        }
        let t = s.trim_start_matches(is_quote).trim_end_matches(is_quote);
        if t.len() != s.len() {
            note(TokenCorrection::RemovedQuotes);
            s = t;
            continue;
        }
        // A trailing comma, semicolon or full stop after a quoted value (`"00…",`, `"00…".`).
        if let Some(t) = s
            .strip_suffix([',', ';', '.'])
            .filter(|t| t.ends_with(is_quote))
        {
            s = t;
            continue;
        }
        // A shell's line continuation after a copied line of a command (`… \`).
        if let Some(t) = s
            .strip_suffix('\\')
            .filter(|t| t.ends_with(char::is_whitespace) || t.ends_with(is_quote))
        {
            note(TokenCorrection::TrimmedWhitespace);
            s = t;
            continue;
        }
        return s;
    }
}

/// The value of the `Authorization: SSWS …` header in a paste that holds more than that
/// header: a whole curl command (also Chrome's "Copy as cURL (cmd)" with `^"`, or inside a
/// JSON string with `\"`), a request copied from a browser's developer tools, a headers object,
/// PowerShell's `-Headers @{Authorization = "SSWS …"}`. `None` for the header alone (with `-H`,
/// quotes, a trailing comma or line continuation), which the prefix rules take; for headers
/// with different values; and where the value goes on after a space on its line or on the next
/// line (a token broken in two, or prose), which the rules after it refuse.
fn header_in_request(s: &str) -> Option<&str> {
    const NAME: &str = "authorization";
    let lower = s.to_ascii_lowercase();
    let mut found: Option<(usize, &str, &str)> = None;
    for (at, _) in lower.match_indices(NAME) {
        // What follows the scheme word: a suffix of `s`, the value and all after it.
        // `Authorization: …`, `Authorization = …`, `Add("Authorization", "SSWS …")`,
        // `request["Authorization"] = …`.
        let Some(rest) = s[at + NAME.len()..]
            .trim_start_matches(|c| is_quote(c) || c == ']')
            .trim_start()
            .strip_prefix([':', '=', ','])
            .map(|v| v.trim_start().trim_start_matches(is_quote))
            .and_then(|v| strip_word(v, &["ssws"]))
        else {
            continue;
        };
        let (value, after) = header_value(rest)?;
        match found {
            Some((_, seen, _)) if seen != value => return None,
            Some(_) => {}
            None => found = Some((at, value, after)),
        }
    }
    let (at, value, after) = found?;
    let before = s[..at].trim().trim_matches(is_quote).trim();
    let alone_before = before.is_empty()
        || before.eq_ignore_ascii_case("-h")
        || before.eq_ignore_ascii_case("--header");
    let alone_after = after
        .trim_start_matches(is_quote)
        .trim()
        .trim_end_matches(['\\', ',', ';'])
        .trim()
        .is_empty();
    let header_alone = alone_before && alone_after;
    (!value.is_empty() && !header_alone).then_some(value)
}

/// The token in the one line of several that holds a token of the usual shape, alone or after
/// a name (`OKTA_API_TOKEN=…`, `token: …`, `api_token = "…"`).
fn token_line(s: &str) -> Option<&str> {
    let meaningful = s
        .lines()
        .filter(|l| !l.trim().trim_matches(is_quote).is_empty());
    if meaningful.count() < 2 {
        return None;
    }
    let mut found = None;
    for line in s.lines() {
        let line = line.trim().trim_end_matches([',', ';']);
        let value = strip_variable_name(line).unwrap_or(line);
        let value = value.trim_matches(is_quote);
        if has_api_token_shape(value) && found.replace(value).is_some_and(|seen| seen != value) {
            return None;
        }
    }
    found
}

/// The header value at the start of `rest` and what follows it, or `None` where the value
/// does not plainly end there.
fn header_value(rest: &str) -> Option<(&str, &str)> {
    let end = rest
        .find(|c: char| c.is_whitespace() || is_quote(c))
        .unwrap_or(rest.len());
    let (word, after) = rest.split_at(end);
    // Template syntax (`${api_token}`, `{{apiKey}}`, `<token>`, `%TOKEN%`) is taken whole, to
    // be refused as a placeholder. A bracket after a token closes it (`{… SSWS 00…}`).
    if word.starts_with(['{', '<', '$', '[', '%']) {
        return Some((word, after));
    }
    let token_end = word
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(word.len());
    let (value, escape) = word.split_at(token_end);
    // What may close a value: a quote escaped for cmd.exe (`^"`) or JSON (`\"`), a bracket, a
    // separator.
    if !(escape.is_empty()
        || ((escape == "^" || escape == "\\") && after.starts_with(is_quote))
        || escape.starts_with([')', '}', ']', '<', ',', ';']))
    {
        return None;
    }
    if !escape.is_empty() || after.is_empty() || after.starts_with(is_quote) {
        return Some((value, after));
    }
    // Unquoted: the line must end with the value, and the next line must not go on with it.
    let line_rest = after.trim_start_matches([' ', '\t']);
    let next = match line_rest
        .strip_prefix("\r\n")
        .or_else(|| line_rest.strip_prefix('\n'))
    {
        Some(next) => next,
        None if line_rest.is_empty() => "",
        None => return None,
    };
    // The next line's first word: a header's name ends with `:`; a token's second half is
    // all token characters.
    let first = next
        .trim_start()
        .split(|c: char| c.is_whitespace() || is_quote(c))
        .next()
        .unwrap_or("");
    let goes_on = !first.is_empty()
        && first
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    (!goes_on).then_some((value, after))
}

/// `s` without a case-insensitive ASCII `prefix`.
pub(crate) fn strip_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// `s` without one of `words` followed by whitespace.
fn strip_word<'a>(s: &'a str, words: &[&str]) -> Option<&'a str> {
    words.iter().find_map(|w| {
        strip_ci(s, w)
            .filter(|r| r.starts_with(char::is_whitespace))
            .map(str::trim_start)
    })
}

/// `OKTA_API_TOKEN=…`, `export OKTA_API_TOKEN=…`, `token: …`, `okta.client.token: …`,
/// `"apiToken": "…"`. Tokens never contain `=` or `:`, so the split is unambiguous.
fn strip_variable_name(s: &str) -> Option<&str> {
    let s2 = strip_word(s, &["export", "set"]).unwrap_or(s);
    // PowerShell's `$env:OKTA_API_TOKEN = "…"`.
    let s2 = strip_ci(s2, "$env:").unwrap_or(s2);
    let s2 = s2.trim_start_matches(is_quote);
    let name_len = s2
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
        .unwrap_or(s2.len());
    let name = &s2[..name_len];
    if !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    let variable_like = name.contains(['_', '.', '-'])
        || ["token", "key", "secret", "okta"]
            .iter()
            .any(|w| lower.contains(w));
    if !variable_like || lower == "ssws" || lower == "bearer" {
        return None;
    }
    let rest = &s2[name_len..].trim_start_matches(is_quote).trim_start();
    let rest = rest.strip_prefix(['=', ':'])?.trim_start();
    (!rest.is_empty() && !rest.starts_with(['=', ':'])).then_some(rest)
}

/// A label of a few words before a colon, naming a token, key or secret (`API token: …`,
/// `Okta API Token: …`, from a password manager's note).
fn strip_label(s: &str) -> Option<&str> {
    // Or the label on its own line, as copied from Okta's "Token created" dialog.
    let (label, rest) = s.split_once(':').or_else(|| s.split_once('\n'))?;
    let lower = label.trim().to_ascii_lowercase();
    let words = label.len() <= 40
        && label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '_' | '-'));
    let names_it = ["token", "key", "secret"].iter().any(|w| lower.contains(w));
    let rest = rest.trim_start();
    (words && names_it && !rest.is_empty()).then_some(rest)
}

/// Placeholder words and template syntax.
fn is_placeholder(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    if s.contains(['{', '}', '<', '>', '$', '[', ']']) || lower.contains("%7b") {
        return true;
    }
    // `%OKTA_API_TOKEN%` (a Windows variable), `process.env.OKTA_API_TOKEN`, and a name with
    // nothing after its `=` or `:` (tokens have neither).
    if (s.len() > 2 && s.starts_with('%') && s.ends_with('%'))
        || ["process.env.", "os.environ", "env.", "var.", "local."]
            .iter()
            .any(|p| lower.starts_with(p))
        || (s.ends_with(['=', ':']) && s.trim_end_matches(['=', ':']).contains(['_', '.']))
    {
        return true;
    }
    let compact: String = s
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | '.' | ' '))
        .collect::<String>()
        .to_ascii_lowercase();
    const WORDS: &[&str] = &[
        "apitoken",
        "apikey",
        "token",
        "oktatoken",
        "oktaapitoken",
        "oktaapikey",
        "oktaclienttoken",
        "ssws",
        "secret",
        "password",
        "changeme",
        "redacted",
        "placeholder",
        "yourtoken",
        "todo",
        "tbd",
        "null",
        "undefined",
        "none",
    ];
    if WORDS.contains(&compact.as_str()) {
        return true;
    }
    if let Some(rest) = compact
        .strip_prefix("your")
        .or_else(|| compact.strip_prefix("my"))
    {
        if ["token", "key", "api", "secret", "okta"]
            .iter()
            .any(|k| rest.contains(k))
        {
            return true;
        }
    }
    // An instruction in place of the value (`REPLACE_WITH_YOUR_API_TOKEN`, `insert key here`):
    // never a real token's shape, which could hold such letters by chance.
    if !has_api_token_shape(s)
        && ["insert", "replace", "your", "paste", "enter"]
            .iter()
            .any(|w| compact.contains(w))
        && ["token", "key", "secret"]
            .iter()
            .any(|w| compact.contains(w))
    {
        return true;
    }
    // `xxxx…` or `00xxxx…`.
    let body = compact.strip_prefix("00").unwrap_or(&compact);
    body.len() >= 4 && body.bytes().all(|b| b == b'x')
}

/// A masked or shortened display of a token.
fn is_masked(s: &str) -> bool {
    s.contains("...") || s.contains(['…', '•', '●', '∙', '·', '*'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_secret() {
        let secret = format!("00{}", "a".repeat(40));
        let t = clean(&format!("SSWS {secret}\n")).unwrap();
        assert_eq!(t.secret(), secret);
        assert_eq!(format!("{t:?}"), "ApiToken(42 chars)");
        assert_eq!(format!("{t}"), "ApiToken(42 chars)");
        assert!(!format!("{:?}", Some(&t)).contains(&secret));
        assert!(t.warnings().is_empty());
        assert_eq!(
            t.corrections(),
            &[
                TokenCorrection::TrimmedWhitespace,
                TokenCorrection::RemovedSswsPrefix
            ]
        );
    }
}
