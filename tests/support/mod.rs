//! Shared by the test binaries: the core's JSON seam filled with serde_json, as a platform's
//! backend would fill it natively (the page fills it with the browser's `JSON.parse`).

use okta_link::core::json::{JsonError, JsonParser, JsonValue};

pub struct SerdeJson;

impl JsonParser for SerdeJson {
    fn parse_value(&self, text: &str) -> Result<JsonValue, JsonError> {
        serde_json::from_str(text).map_err(|e| match e.classify() {
            serde_json::error::Category::Data => JsonError::Shape,
            _ => JsonError::Syntax,
        })
    }
}
