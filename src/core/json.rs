//! The JSON engine is the shell's choice: the browser's `JSON.parse` in the page (no serde_json
//! and no serde deserializer in the bundle), serde_json in native tests and backends. Either
//! turns a text into a [`JsonValue`]; the core reads every type from that document with
//! [`FromJson`], so both engines read every answer the same way by construction.
//!
//! The helpers below read hostile JSON tolerantly: strings that are bounded and cleaned while
//! they are read, nested objects that fall back to their default when they have the wrong type,
//! bounded arrays, and top-level documents that must be objects.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

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

/// Parses JSON text into a document; [`JsonParser::parse`] reads it as a type.
pub trait JsonParser {
    /// The document: [`JsonError::Syntax`] when the text is not JSON (or holds a number JSON
    /// cannot, such as `1e400`), [`JsonError::Shape`] when it is nested too deeply.
    fn parse_value(&self, text: &str) -> Result<JsonValue, JsonError>;

    /// The text read as `T`: a syntax error as above, [`JsonError::Shape`] for JSON of
    /// another shape.
    fn parse<T: FromJson>(&self, text: &str) -> Result<T, JsonError> {
        T::from_json(&self.parse_value(text)?)
    }
}

/// A type read from a JSON document.
pub trait FromJson: Sized {
    fn from_json(value: &JsonValue) -> Result<Self, JsonError>;
}

/// The members of a JSON object at the top of a document: any other value is a shape error
/// (an array is never read as positional fields).
pub fn object_only(value: &JsonValue) -> Result<&[(String, JsonValue)], JsonError> {
    match value {
        JsonValue::Object(members) => Ok(members),
        _ => Err(JsonError::Shape),
    }
}

/// A known field of an object: `None` when absent; a field given twice is a shape error, as a
/// strict reader of a fixed set of fields has it.
pub fn field<'a>(
    members: &'a [(String, JsonValue)],
    key: &str,
) -> Result<Option<&'a JsonValue>, JsonError> {
    let mut found = members.iter().filter(|(k, _)| k == key).map(|(_, v)| v);
    let first = found.next();
    if found.next().is_some() {
        return Err(JsonError::Shape);
    }
    Ok(first)
}

/// A string field, bounded to [`MAX_TEXT_CHARS`] and cleaned; a blank string or a value of any
/// other JSON type (number, object, null…) reads as `None` instead of failing the document.
pub fn lenient(members: &[(String, JsonValue)], key: &str) -> Result<Option<String>, JsonError> {
    Ok(match field(members, key)? {
        Some(JsonValue::String(v)) => {
            let s = bounded(v, MAX_TEXT_CHARS);
            (!s.trim().is_empty()).then_some(s)
        }
        _ => None,
    })
}

/// A nested object field read as `T`; `T::default()` when absent or of another JSON type.
pub fn object_or_default<T: FromJson + Default>(
    members: &[(String, JsonValue)],
    key: &str,
) -> Result<T, JsonError> {
    element(field(members, key)?)
}

/// The members of a nested object field; none when absent or of another JSON type.
pub fn nested<'a>(
    members: &'a [(String, JsonValue)],
    key: &str,
) -> Result<&'a [(String, JsonValue)], JsonError> {
    Ok(match field(members, key)? {
        Some(JsonValue::Object(m)) => m,
        _ => &[],
    })
}

/// A value read as `T` when it is an object, `T::default()` otherwise.
fn element<T: FromJson + Default>(value: Option<&JsonValue>) -> Result<T, JsonError> {
    match value {
        Some(v @ JsonValue::Object(_)) => T::from_json(v),
        _ => Ok(T::default()),
    }
}

/// An array of objects: at most `max` elements kept, each read as [`object_or_default`] does;
/// anything that is not an array reads as empty.
pub fn bounded_objects<T: FromJson + Default>(
    value: Option<&JsonValue>,
    max: usize,
) -> Result<Vec<T>, JsonError> {
    match value {
        Some(JsonValue::Array(items)) => {
            let mut out = Vec::new();
            for item in items.iter().take(max) {
                out.push(element(Some(item))?);
            }
            Ok(out)
        }
        _ => Ok(Vec::new()),
    }
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

/// Any JSON document. Object members keep their order and duplicates (a native parser reports
/// them; the browser's `JSON.parse` keeps the last).
#[derive(Debug, Clone, PartialEq)]
pub enum JsonValue {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<JsonValue>),
    Object(Vec<(String, JsonValue)>),
}

/// The type of a JSON value, for "expected a string" style errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    Null,
    Bool,
    Number,
    Integer,
    String,
    Array,
    Object,
}

impl JsonKind {
    /// Stable id.
    pub fn code(&self) -> &'static str {
        match self {
            JsonKind::Null => "null",
            JsonKind::Bool => "boolean",
            JsonKind::Number => "number",
            JsonKind::Integer => "integer",
            JsonKind::String => "string",
            JsonKind::Array => "array",
            JsonKind::Object => "object",
        }
    }
}

impl JsonValue {
    pub fn kind(&self) -> JsonKind {
        match self {
            JsonValue::Null => JsonKind::Null,
            JsonValue::Bool(_) => JsonKind::Bool,
            JsonValue::Number(_) => JsonKind::Number,
            JsonValue::String(_) => JsonKind::String,
            JsonValue::Array(_) => JsonKind::Array,
            JsonValue::Object(_) => JsonKind::Object,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            JsonValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// The first member named `key` of an object.
    pub fn get(&self, key: &str) -> Option<&JsonValue> {
        match self {
            JsonValue::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Documents nested deeper than this are refused (a shape error), whatever the parser allows.
const MAX_DEPTH: usize = 64;

/// How a serde parser (serde_json natively) builds a [`JsonValue`]; the page builds it from the
/// browser's `JSON.parse` instead and does not compile this.
impl<'de> Deserialize<'de> for JsonValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor { depth: 0 })
    }
}

struct ValueVisitor {
    depth: usize,
}

struct Nested {
    depth: usize,
}

impl<'de> de::DeserializeSeed<'de> for Nested {
    type Value = JsonValue;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<JsonValue, D::Error> {
        if self.depth > MAX_DEPTH {
            return Err(de::Error::custom("nested too deeply"));
        }
        d.deserialize_any(ValueVisitor { depth: self.depth })
    }
}

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = JsonValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<JsonValue, E> {
        Ok(JsonValue::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<JsonValue, E> {
        Ok(JsonValue::Number(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<JsonValue, E> {
        Ok(JsonValue::Number(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<JsonValue, E> {
        Ok(JsonValue::Number(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<JsonValue, E> {
        Ok(JsonValue::String(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<JsonValue, E> {
        Ok(JsonValue::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<JsonValue, E> {
        Ok(JsonValue::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<JsonValue, E> {
        Ok(JsonValue::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<JsonValue, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<JsonValue, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(Nested {
            depth: self.depth + 1,
        })? {
            out.push(v);
        }
        Ok(JsonValue::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonValue, A::Error> {
        let mut out = Vec::new();
        while let Some(k) = map.next_key::<String>()? {
            let v = map.next_value_seed(Nested {
                depth: self.depth + 1,
            })?;
            out.push((k, v));
        }
        Ok(JsonValue::Object(out))
    }
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
