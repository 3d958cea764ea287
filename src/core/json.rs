//! The JSON document `config.json` is still checked on (key by key, naming the key and the
//! JSON type it should have). Everything else the page reads derives `Deserialize`
//! ([`crate::core::decode`]); the config is the one reader not yet moved to serde derives.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

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
