//! Shared by the test binaries: the core's JSON seam filled with serde_json, as a platform's
//! backend would fill it natively (the page fills it with the browser's `JSON.parse` and
//! serde_wasm_bindgen).

use okta_link::core::decode::{JsonError, JsonParser};

pub struct SerdeJson;

impl JsonParser for SerdeJson {
    fn parse<T: serde::de::DeserializeOwned>(&self, text: &str) -> Result<T, JsonError> {
        serde_json::from_str(text).map_err(|e| match e.classify() {
            serde_json::error::Category::Data => JsonError::Shape,
            _ => JsonError::Syntax,
        })
    }
}
