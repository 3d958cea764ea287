//! Whose platform account receives the connection, for `submit` delivery (the first security review, SECURITY.md, finding 5).
//!
//! The session handed to the page decides whose platform account the POST goes to. When it came
//! from the page's URL (`#session=`, allowed only with `delivery.session_from_link`), anyone
//! could have written that link, so before Connect the page asks the platform which account the
//! session belongs to and shows the answer: `GET submit_url` with `Authorization: Bearer
//! <session>`, answered `200` with JSON `{"account": {"name": "Example Corp (workspace 42)"}}`.
//! The name comes only from that answer, never from the link, and is hostile input: read here
//! as plain data (controls, bidirectional overrides and invisible characters removed, spaces
//! collapsed), refused when empty or longer than [`MAX_ACCOUNT_NAME_CHARS`], and shown only as
//! text. Anything else keeps Connect disabled ([`RecipientProblem`]).

use serde::Deserialize;

use crate::decode::{self, nesting_depth, Document, JsonParser, MAX_NESTING};
use crate::outcome::is_json_content_type;

/// The longest account name shown, in characters; a longer one is refused, not cut (a cut
/// could hide the part that tells two accounts apart).
pub const MAX_ACCOUNT_NAME_CHARS: usize = 120;
/// The longest answer read, in bytes.
pub const MAX_ANSWER_BYTES: usize = 16 * 1024;

/// Why the receiving account could not be confirmed. Connect stays disabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecipientProblem {
    /// No answer: the platform could not be reached, refused the page's origin, or took too long.
    Unreachable,
    /// An answer other than `200` (say, `401`: the session is not valid).
    Status(u16),
    /// A `200` that does not name an account: not JSON, another shape, or a name that is
    /// missing, empty, too long or not text.
    Unreadable,
}

impl RecipientProblem {
    /// Stable id and message key suffix: `unreachable`, `status`, `unreadable`.
    pub fn code(&self) -> &'static str {
        match self {
            RecipientProblem::Unreachable => "unreachable",
            RecipientProblem::Status(_) => "status",
            RecipientProblem::Unreadable => "unreadable",
        }
    }
}

/// The account name in the platform's answer to `GET submit_url`.
pub fn account_name<P: JsonParser>(
    status: u16,
    content_type: Option<&str>,
    body: &str,
    parser: &P,
) -> Result<String, RecipientProblem> {
    if status != 200 {
        return Err(RecipientProblem::Status(status));
    }
    let unreadable = Err(RecipientProblem::Unreadable);
    if !content_type.is_some_and(is_json_content_type)
        || body.len() > MAX_ANSWER_BYTES
        || nesting_depth(body) > MAX_NESTING
    {
        return unreadable;
    }
    // A key given twice keeps its last value: the browser's `JSON.parse` keeps it, and so does
    // a native engine under the `JsonParser` contract (a `serde_json::Value` first).
    let Ok(Answer {
        account: Some(Account { name: Some(raw) }),
    }) = decode::read::<Answer, P>(body, parser)
    else {
        return unreadable;
    };
    match clean_name(&raw) {
        Some(name) => Ok(name),
        None => unreadable,
    }
}

/// `{"account": {"name": "…"}}`; other keys are ignored.
#[derive(Deserialize)]
struct Answer {
    #[serde(default, deserialize_with = "decode::object")]
    account: Option<Account>,
}

impl Document for Answer {}

#[derive(Deserialize)]
struct Account {
    #[serde(default)]
    name: Option<String>,
}

/// An account name as plain data: without control, format (bidirectional, zero-width) and other
/// invisible characters, with every run of white space one space, trimmed; `None` when nothing
/// is left or more than [`MAX_ACCOUNT_NAME_CHARS`] characters are.
pub fn clean_name(raw: &str) -> Option<String> {
    if raw.len() > MAX_ANSWER_BYTES {
        return None;
    }
    let mut out = String::new();
    let mut chars = 0usize;
    let mut space = false;
    for c in raw.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if c.is_control() || is_invisible(c) {
            continue;
        }
        if space {
            out.push(' ');
            chars += 1;
            space = false;
        }
        out.push(c);
        chars += 1;
        if chars > MAX_ACCOUNT_NAME_CHARS {
            return None;
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Characters that show nothing, or change how the text around them shows: bidirectional
/// marks, embeddings, overrides and isolates; zero-width characters; the byte order mark;
/// variation and tag characters; soft hyphen and other invisible formatters.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00ad}'
            | '\u{034f}'
            | '\u{061c}'
            | '\u{115f}'
            | '\u{1160}'
            | '\u{17b4}'
            | '\u{17b5}'
            | '\u{180b}'..='\u{180f}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{3164}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{feff}'
            | '\u{ffa0}'
            | '\u{fff0}'..='\u{fffb}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0000}'..='\u{e0fff}'
    )
}
