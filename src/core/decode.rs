//! Reading JSON from outside with serde. The JSON engine is the shell's: the browser's
//! `JSON.parse` read by `serde_wasm_bindgen::from_value` in the page, a `serde_json::Value` read
//! by `serde_json::from_str` natively (tests, a platform's backend). The core's types derive `Deserialize`; the helpers
//! below are their `deserialize_with` rules for answers that must be read tolerantly (Okta's):
//! bounded and cleaned strings, nested objects that fall back to their default when they have
//! another type, bounded lists, and a top-level document of the expected kind. A text nested
//! deeper than [`MAX_NESTING`] never reaches a parser.

use std::fmt;

use serde::de::{DeserializeOwned, IgnoredAny};
use serde::{Deserialize, Deserializer};

/// Why a JSON text could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonError {
    /// Not JSON at all (or truncated).
    Syntax,
    /// JSON, but not the expected shape.
    Shape,
}

impl JsonError {
    /// Stable id.
    pub fn code(&self) -> &'static str {
        match self {
            JsonError::Syntax => "syntax",
            JsonError::Shape => "shape",
        }
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JsonError::Syntax => "not valid JSON",
            JsonError::Shape => "JSON of an unexpected shape",
        })
    }
}

impl std::error::Error for JsonError {}

/// The shell's JSON engine: the text read as `T` ([`JsonError::Syntax`] when it is not JSON, or
/// holds a number JSON cannot, such as `1e400`; [`JsonError::Shape`] for JSON of another shape).
///
/// The contract: the engine hands every value as a whole, so a field's deserialization error
/// does not end the document. A `Deserialize` of the core may read a value as `T`, take an error
/// for "another JSON type" and go on with the next key. `serde_wasm_bindgen::from_value` keeps
/// it (each value is its own `JsValue`), and so does a `serde_json::Value` read first and then
/// deserialized (`T::deserialize(value)`); `serde_json::from_str` straight into `T` does not
/// (an error mid-stream leaves the reader inside the value). Parsed as a whole first, a key given
/// twice keeps its last value, as the browser's `JSON.parse` does.
pub trait JsonParser {
    fn parse<T: DeserializeOwned>(&self, text: &str) -> Result<T, JsonError>;
}

/// A document read from outside: an object (the default) or an array at the top. A derived
/// struct would read an array as positional fields; [`read`] refuses the other kind first.
pub trait Document: DeserializeOwned {
    const ARRAY: bool = false;
}

/// `text` read as `T` by `parser`, once its top-level kind is the expected one.
pub fn read<T: Document, P: JsonParser>(text: &str, parser: &P) -> Result<T, JsonError> {
    let t = text.trim_start();
    let open = if T::ARRAY { '[' } else { '{' };
    if !t.starts_with(open) {
        // Tell a text that is not JSON from JSON of another kind.
        return Err(match parser.parse::<IgnoredAny>(t) {
            Ok(_) => JsonError::Shape,
            Err(e) => e,
        });
    }
    parser.parse(t)
}

/// What a tolerant field holds: the expected value, an array (never read as a struct's
/// positional fields), or anything else.
#[derive(Deserialize)]
#[serde(untagged)]
enum Loose<T> {
    List(#[allow(dead_code)] Vec<IgnoredAny>),
    Value(T),
    Other(IgnoredAny),
}

/// `deserialize_with` for a string field: bounded to [`MAX_TEXT_CHARS`] and cleaned; a blank
/// string or a value of any other JSON type (number, object, null…) reads as `None`.
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Loose::<String>::deserialize(d)? {
        Loose::Value(s) => {
            let s = bounded(&s, MAX_TEXT_CHARS);
            (!s.trim().is_empty()).then_some(s)
        }
        _ => None,
    })
}

/// `deserialize_with` for a nested object: `T::default()` when it has another JSON type (or
/// does not read as `T`).
pub fn object_or_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(match Loose::<T>::deserialize(d)? {
        Loose::Value(v) => v,
        _ => T::default(),
    })
}

/// `deserialize_with` for a nested object that must be there to count: `None` when it has
/// another JSON type (an array too) or does not read as `T`.
pub fn object<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(match Loose::<T>::deserialize(d)? {
        Loose::Value(v) => Some(v),
        _ => None,
    })
}

/// An array of objects, each read as [`object_or_default`] does, at most `max` kept; anything
/// that is not an array reads as empty. Wrapped per field (`deserialize_with` takes no bound).
pub fn objects<'de, D, T>(d: D, max: usize) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum List<T> {
        Items(Vec<Loose<T>>),
        Other(IgnoredAny),
    }
    Ok(match List::<T>::deserialize(d)? {
        List::Items(items) => items
            .into_iter()
            .take(max)
            .map(|item| match item {
                Loose::Value(v) => v,
                _ => T::default(),
            })
            .collect(),
        List::Other(_) => Vec::new(),
    })
}

/// The longest string the core keeps from an outside answer, in characters.
pub const MAX_TEXT_CHARS: usize = 256;

/// A string from outside, made safe to keep as plain data: control characters and bidirectional
/// overrides removed (they could disguise what the page shows), at most `max_chars` characters.
pub fn bounded(s: &str, max_chars: usize) -> String {
    s.chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .take(max_chars)
        .collect()
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// How arrays, objects and strings open and close in a JSON-ish text (one pass, outside strings).
struct Structure {
    /// The deepest nesting reached.
    max_depth: usize,
    /// Arrays and objects still open at the end (negative: more closed than opened).
    open: i64,
    /// Whether the text ends inside a string.
    in_string: bool,
}

fn structure(text: &str) -> Structure {
    let mut s = Structure {
        max_depth: 0,
        open: 0,
        in_string: false,
    };
    let mut escaped = false;
    for b in text.bytes() {
        if s.in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                s.in_string = false;
            }
            continue;
        }
        match b {
            b'"' => s.in_string = true,
            b'{' | b'[' => {
                s.open += 1;
                s.max_depth = s.max_depth.max(s.open.max(0) as usize);
            }
            b'}' | b']' => s.open -= 1,
            _ => {}
        }
    }
    s
}

/// The deepest nesting of arrays and objects in a JSON-ish text (outside strings). Checked before
/// a text is handed to a parser, so that no parser recurses without bound on hostile input.
pub fn nesting_depth(text: &str) -> usize {
    structure(text).max_depth
}

/// The deepest nesting the core accepts in any JSON it parses.
pub const MAX_NESTING: usize = 32;

/// Where a text that failed to parse as JSON went wrong: cut short (an unclosed string, array or
/// object: the answer was truncated), or simply not JSON.
pub fn looks_truncated(text: &str) -> bool {
    let t = text.trim_start();
    if !(t.starts_with('{') || t.starts_with('[') || t.starts_with('"')) {
        return false;
    }
    let s = structure(t);
    s.in_string || s.open > 0
}
