//! Shared by the test binaries: the core's JSON seam filled with serde_json, as a platform's
//! backend would fill it natively (the page fills it with the browser's `JSON.parse` and
//! serde_wasm_bindgen).

use okta_link::core::decode::{JsonError, JsonParser};

/// The text is read into a `serde_json::Value` first, then `T` from that value: every value is
/// handed as a whole (the `JsonParser` contract), and a key given twice keeps its last value, as
/// the browser's `JSON.parse` does.
pub struct SerdeJson;

impl JsonParser for SerdeJson {
    fn parse<T: serde::de::DeserializeOwned>(&self, text: &str) -> Result<T, JsonError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|_| JsonError::Syntax)?;
        T::deserialize(value).map_err(|_| JsonError::Shape)
    }
}
