//! A serde `Deserializer` over the value the browser's own `JSON.parse` returns.
//!
//! The core only needs to know *that* a document has the wrong shape, never why (it maps every
//! failure to [`JsonError::Shape`](crate::core::json::JsonError)), so errors carry no message:
//! nothing here formats text, which keeps serde's error formatting (and Rust's float
//! formatting with it) out of the page's WebAssembly.

use std::fmt;

use js_sys::{Array, Object, Reflect};
use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use wasm_bindgen::{JsCast, JsValue};

use crate::core::json::MAX_NESTING;

/// Why a value could not be read as the requested type (deliberately without details).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShapeError {
    /// Not the shape asked for.
    Shape,
    /// A number JSON cannot hold (`JSON.parse` turns `1e400` into `Infinity`; a strict JSON
    /// parser refuses the document): reported as a syntax error, as serde_json does.
    Syntax,
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unexpected JSON shape")
    }
}

impl std::error::Error for ShapeError {}

impl de::Error for ShapeError {
    fn custom<T: fmt::Display>(_: T) -> Self {
        ShapeError::Shape
    }
}

/// The largest integer a JavaScript number holds exactly.
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

/// Deserialize from a parsed JSON value (or a `postMessage` payload, which may be nested
/// without bound or even cyclic): nesting deeper than [`MAX_NESTING`] is a shape error, so no
/// value can make the reader recurse without end.
pub struct JsDeserializer {
    value: JsValue,
    depth: usize,
}

impl JsDeserializer {
    pub fn new(value: JsValue) -> Self {
        JsDeserializer { value, depth: 0 }
    }
}

/// A reader for a value one level below `depth`, unless that is too deep.
fn nested(depth: usize, value: JsValue) -> Result<JsDeserializer, ShapeError> {
    if depth >= MAX_NESTING {
        return Err(ShapeError::Shape);
    }
    Ok(JsDeserializer {
        value,
        depth: depth + 1,
    })
}

impl<'de> de::Deserializer<'de> for JsDeserializer {
    type Error = ShapeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        let depth = self.depth;
        let v = self.value;
        if v.is_null() || v.is_undefined() {
            return visitor.visit_unit();
        }
        if let Some(b) = v.as_bool() {
            return visitor.visit_bool(b);
        }
        if let Some(n) = v.as_f64() {
            if !n.is_finite() {
                return Err(ShapeError::Syntax);
            }
            if n.fract() == 0.0 && n.abs() <= MAX_SAFE {
                return if n >= 0.0 {
                    visitor.visit_u64(n as u64)
                } else {
                    visitor.visit_i64(n as i64)
                };
            }
            return visitor.visit_f64(n);
        }
        if let Some(s) = v.as_string() {
            return visitor.visit_string(s);
        }
        if Array::is_array(&v) {
            let items: Array = v.unchecked_into();
            return visitor.visit_seq(Items {
                len: items.length(),
                items,
                at: 0,
                depth,
            });
        }
        if v.is_object() {
            let object: Object = v.unchecked_into();
            let keys = Object::keys(&object);
            return visitor.visit_map(Members {
                len: keys.length(),
                keys,
                object,
                at: 0,
                value: None,
                depth,
            });
        }
        Err(ShapeError::Shape)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        if self.value.is_null() || self.value.is_undefined() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        // Only unit variants named by a string.
        match self.value.as_string() {
            Some(s) => visitor.visit_enum(s.into_deserializer()),
            None => Err(ShapeError::Shape),
        }
    }

    /// A struct only from an object: an array is never read as positional fields (a host's
    /// `["okta-link-host", 1, "session", …]` is not a message).
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        if Array::is_array(&self.value) {
            return Err(ShapeError::Shape);
        }
        self.deserialize_any(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

struct Items {
    items: Array,
    len: u32,
    at: u32,
    depth: usize,
}

impl<'de> SeqAccess<'de> for Items {
    type Error = ShapeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ShapeError> {
        if self.at >= self.len {
            return Ok(None);
        }
        let item = self.items.get(self.at);
        self.at += 1;
        seed.deserialize(nested(self.depth, item)?).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some((self.len - self.at) as usize)
    }
}

struct Members {
    object: Object,
    keys: Array,
    len: u32,
    at: u32,
    value: Option<JsValue>,
    depth: usize,
}

impl<'de> MapAccess<'de> for Members {
    type Error = ShapeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ShapeError> {
        if self.at >= self.len {
            return Ok(None);
        }
        let key = self.keys.get(self.at);
        self.at += 1;
        self.value = Some(Reflect::get(&self.object, &key).map_err(|_| ShapeError::Shape)?);
        seed.deserialize(nested(self.depth, key)?).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, ShapeError> {
        let value = self.value.take().ok_or(ShapeError::Shape)?;
        seed.deserialize(nested(self.depth, value)?)
    }

    fn size_hint(&self) -> Option<usize> {
        Some((self.len - self.at) as usize)
    }
}
