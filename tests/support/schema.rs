//! A validator for the subset of JSON Schema (draft 2020-12) that
//! `schema/okta-link-result.v2.json` uses: `type` (a name or a list of names), `const`, `enum`,
//! `required`, `properties`, `additionalProperties: false`, `items`, `$ref` to `#` or
//! `#/$defs/NAME`, `minimum`, and `format: date-time`. Annotations (`title`, `description`,
//! `$id`, `$schema`) are ignored. Any other keyword in the schema is an error of the schema
//! itself ([`check_subset`]), so the file cannot grow past what this (and its twin in
//! tests/e2e/schema.mjs) checks. The `jsonschema` crate is not used: it is not in the offline
//! registry of this build.

use serde_json::Value;

const KEYWORDS: &[&str] = &[
    "$schema",
    "$id",
    "$defs",
    "$ref",
    "title",
    "description",
    "type",
    "const",
    "enum",
    "required",
    "properties",
    "additionalProperties",
    "items",
    "minimum",
    "format",
];

/// The published schema, read from the repository (the root package's tests).
#[allow(dead_code)]
pub fn load() -> Value {
    load_from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schema/okta-link-result.v2.json"
    ))
}

/// The schema at `path`.
pub fn load_from(path: &str) -> Value {
    let text = std::fs::read_to_string(path).expect("the schema file is in the repository");
    serde_json::from_str(&text).expect("the schema is JSON")
}

/// Errors where the schema uses a keyword outside the subset (or `additionalProperties` other
/// than `false`, or a `format` other than `date-time`).
#[allow(dead_code)]
pub fn check_subset(schema: &Value, at: &str, errors: &mut Vec<String>) {
    let Value::Object(m) = schema else {
        errors.push(format!("{at}: a schema must be an object"));
        return;
    };
    for (k, v) in m {
        if !KEYWORDS.contains(&k.as_str()) {
            errors.push(format!("{at}: keyword {k} is outside the supported subset"));
        }
        match k.as_str() {
            "additionalProperties" if v != &Value::Bool(false) => {
                errors.push(format!("{at}: additionalProperties must be false"))
            }
            "format" if v != "date-time" => errors.push(format!("{at}: format {v}")),
            "properties" | "$defs" => {
                for (name, sub) in v.as_object().into_iter().flatten() {
                    check_subset(sub, &format!("{at}/{k}/{name}"), errors);
                }
            }
            "items" => check_subset(v, &format!("{at}/items"), errors),
            _ => {}
        }
    }
}

/// Validate `value` against the sub-schema at `pointer` (`#` or `#/$defs/NAME`) of `root`.
pub fn validate(root: &Value, pointer: &str, value: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    walk(root, resolve(root, pointer), value, "$", &mut errors);
    errors
}

fn resolve<'a>(root: &'a Value, pointer: &str) -> &'a Value {
    match pointer.strip_prefix("#/$defs/") {
        Some(name) => &root["$defs"][name],
        None if pointer == "#" => root,
        None => panic!("unsupported $ref {pointer}"),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn is_date_time(s: &str) -> bool {
    // RFC 3339 as the page and the check write it: YYYY-MM-DDTHH:MM:SS(.fff)Z.
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| r.clone().all(|i| b.get(i).is_some_and(u8::is_ascii_digit));
    b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && s.ends_with('Z')
        && (b.len() == 20 || (b[19] == b'.' && digits(20..b.len() - 1) && b.len() > 21))
}

fn walk(root: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        walk(root, resolve(root, r), value, at, errors);
    }
    if let Some(t) = schema.get("type") {
        let names: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let actual = type_name(value);
        let ok = names
            .iter()
            .any(|n| *n == actual || (*n == "number" && actual == "integer"));
        if !ok {
            errors.push(format!("{at}: expected {names:?}, got {actual}"));
            return;
        }
    }
    if let Some(c) = schema.get("const") {
        if c != value {
            errors.push(format!("{at}: expected {c}, got {value}"));
        }
    }
    if let Some(Value::Array(options)) = schema.get("enum") {
        if !options.contains(value) {
            errors.push(format!("{at}: {value} is not one of {options:?}"));
        }
    }
    if let (Some(min), Some(n)) = (
        schema.get("minimum").and_then(Value::as_f64),
        value.as_f64(),
    ) {
        if n < min {
            errors.push(format!("{at}: {n} < {min}"));
        }
    }
    if schema.get("format").is_some() {
        if let Some(s) = value.as_str() {
            if !is_date_time(s) {
                errors.push(format!("{at}: {s:?} is not an RFC 3339 date-time"));
            }
        }
    }
    if let Value::Object(m) = value {
        for key in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !m.contains_key(key) {
                errors.push(format!("{at}: missing {key}"));
            }
        }
        let props = schema.get("properties").and_then(Value::as_object);
        for (k, v) in m {
            match props.and_then(|p| p.get(k)) {
                Some(sub) => walk(root, sub, v, &format!("{at}.{k}"), errors),
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    errors.push(format!("{at}: unexpected property {k}"))
                }
                None => {}
            }
        }
    }
    if let (Value::Array(items), Some(sub)) = (value, schema.get("items")) {
        for (i, v) in items.iter().enumerate() {
            walk(root, sub, v, &format!("{at}[{i}]"), errors);
        }
    }
}
