//! Reading JSON from outside with serde. The JSON engine is the shell's: the browser's
//! `JSON.parse` read by `serde_wasm_bindgen::from_value` in the page, a `serde_json::Value` read
//! by `serde_json::from_str` natively (tests, a platform's backend). The core's types derive
//! `Deserialize`; the helpers below are their `deserialize_with` rules for answers that must be
//! read tolerantly (Okta's): bounded and cleaned strings, nested objects that fall back to their
//! default when they have another type, bounded lists, and a top-level document of the expected
//! kind. A text nested deeper than [`MAX_NESTING`] never reaches a parser.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{DeserializeOwned, IgnoredAny, MapAccess, SeqAccess, Visitor};
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

/// A value read only from a JSON object: `None` for any other JSON type (an array is never read
/// as a struct's positional fields, nor, in the page, as an object with no known keys) and for
/// an object that does not read as `T`. `deserialize_any` tells the kinds apart and the object's
/// own entries are handed to `T`; an error is taken for "not a `T`", which is sound because the
/// engine hands every value as a whole ([`JsonParser`]). No `untagged` enum, so serde never
/// buffers the value into its private `Content` to try each variant.
fn from_object<'de, D, T>(d: D) -> Option<T>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Visit<T>(PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for Visit<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::deserialize(MapAccessDeserializer::new(map))
        }
    }
    d.deserialize_any(Visit(PhantomData)).ok()
}

/// `deserialize_with` for a string field: bounded to [`MAX_TEXT_CHARS`] and cleaned; a blank
/// string or a value of any other JSON type (number, object, null…) reads as `None`. A value
/// that does not read as a string is of another type ([`JsonParser`]'s contract).
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(String::deserialize(d).ok().and_then(|s| {
        let s = bounded(&s, MAX_TEXT_CHARS);
        (!s.trim().is_empty()).then_some(s)
    }))
}

/// `deserialize_with` for a nested object: `T::default()` when it has another JSON type (an
/// array too) or does not read as `T`.
pub fn object_or_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(from_object(d).unwrap_or_default())
}

/// `deserialize_with` for a nested object that must be there to count: `None` when it has
/// another JSON type (an array too) or does not read as `T`.
pub fn object<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(from_object(d))
}

/// An array of objects, each read as [`object_or_default`] does, at most `max` kept (the rest
/// skipped); anything that is not an array reads as empty. Wrapped per field
/// (`deserialize_with` takes no bound).
pub fn objects<'de, D, T>(d: D, max: usize) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    /// One item, as [`object_or_default`] reads it.
    struct Item<T>(T);
    impl<'de, T: Deserialize<'de> + Default> Deserialize<'de> for Item<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Item<T>, D::Error> {
            Ok(Item(from_object(d).unwrap_or_default()))
        }
    }
    struct Visit<T>(usize, PhantomData<T>);
    impl<'de, T: Deserialize<'de> + Default> Visitor<'de> for Visit<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an array")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::new();
            while out.len() < self.0 {
                match seq.next_element::<Item<T>>()? {
                    Some(Item(v)) => out.push(v),
                    None => return Ok(out),
                }
            }
            // The rest of the array is read, not kept (an engine may check it was read).
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(out)
        }
    }
    Ok(d.deserialize_any(Visit(max, PhantomData))
        .unwrap_or_default())
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
