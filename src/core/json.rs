//! The JSON engine is the shell's choice: the browser's `JSON.parse` + serde-wasm-bindgen in the
//! page (no serde_json in the bundle), serde_json in native tests and backends.

/// Why a JSON text could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonError {
    /// Not JSON at all (or truncated).
    Syntax,
    /// JSON, but not the expected shape.
    Shape,
}

/// Parses JSON text into a serde type.
pub trait JsonParser {
    fn parse<T: serde::de::DeserializeOwned>(&self, text: &str) -> Result<T, JsonError>;
}
