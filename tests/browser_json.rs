//! The page reads JSON with the browser's `JSON.parse` and `serde_wasm_bindgen::from_value` into
//! the core's derived types (`okta_link::net::BrowserJson`); the native tests use
//! `serde_json::from_str`. In headless Chromium, both must classify every recorded Okta and proxy
//! answer, every catalogue and configuration, and hostile shapes exactly alike.
#![cfg(target_arch = "wasm32")]

mod support;
use support::SerdeJson;

use okta_link::core::config::Config;
use okta_link::core::decode::JsonParser;
use okta_link::core::outcome::RawResponse;
use okta_link::core::plan::{ProbeKind, ProbeOutcome};
use okta_link::core::protocol::{Inbound, RawInbound};
use okta_link::i18n::Catalog;
use okta_link::net::{from_js, BrowserJson};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

macro_rules! fixtures {
    ($($name:literal),* $(,)?) => {
        [$(($name, include_str!(concat!("fixtures/", $name, ".json")))),*]
    };
}

const FIXTURES: [(&str, &str); 26] = fixtures![
    "error-e0000006",
    "error-e0000007",
    "error-e0000011",
    "error-e0000047",
    "groups-list",
    "logs-list",
    "me-group-admin",
    "me-read-only-admin",
    "me-super-admin",
    "me-text-plain",
    "me-truncated",
    "okta-500-html",
    "okta-503-json",
    "proxy-name-not-found",
    "proxy-path-not-allowed",
    "proxy-target-refused",
    "proxy-upstream-redirect",
    "proxy-upstream-unreachable",
    "roles-super-admin",
    "users-list",
    "wellknown-200-html",
    "wellknown-404-html",
    "wellknown-custom-domain",
    "wellknown-foreign",
    "wellknown-idx",
    "wellknown-v1",
];

/// Hostile or odd bodies: wrong types everywhere, huge and fractional numbers, deep nesting
/// within bounds, escapes, empty containers.
const HOSTILE: [&str; 24] = [
    r#"{"id": "00u1", "status": ["ACTIVE"], "profile": []}"#,
    r#"{"id": "00u1", "profile": {"login": 5, "email": null, "firstName": {"a": 1}}}"#,
    r#"{"_links": {"organization": {"href": 5}}, "pipeline": true}"#,
    r#"{"_links": {"organization": {"href": "https://acme.okta.com"}}, "id": -12345678901234567890}"#,
    r#"[{"type": "SUPER_ADMIN", "label": 1.5}, 7, "x", null, []]"#,
    r#"[]"#,
    r#"{}"#,
    r#""just a string""#,
    r#"12.5"#,
    r#"-0"#,
    r#"null"#,
    r#"true"#,
    r#"{"errorCode": "E0000011", "errorSummary": "\u003cscript\u003e", "errorCauses": [{"errorSummary": 1}]}"#,
    r#"{"errorCode": ["E0000011"], "errorSummary": {"x": "y"}}"#,
    r#"{"proxyError": "upstream_redirect", "message": 9007199254740993, "target": "acme.okta.com"}"#,
    r#"[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]"#,
    r#"{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{}}}}}}}}}"#,
    "{\"id\": \"00u\\ud83d\\ude00\", \"profile\": {\"login\": \"caf\\u00e9\"}}",
    // Arrays (of pairs too: serde_wasm_bindgen reads an iterable of pairs as a map) where an
    // object belongs are never read as one.
    r#"{"id": "00u1", "profile": [["login", "ada@example.com"], ["email", "ada@example.com"]]}"#,
    r#"{"_links": [], "id": "00o1"}"#,
    r#"{"_links": {"organization": [["href", "https://acme.okta.com"]]}}"#,
    r#"[[["type", "SUPER_ADMIN"]], {"type": "SUPER_ADMIN"}]"#,
    r#"{"errorCode": "E0000011", "errorCauses": {"0": {"errorSummary": "x"}}}"#,
    r#"{"errorCode": "E0000011", "errorCauses": [[["errorSummary", "x"]], {"errorSummary": "y"}]}"#,
];

fn raw(status: u16, content_type: &str, body: &str) -> RawResponse<'static> {
    let body: &'static str = Box::leak(body.to_string().into_boxed_str());
    let content_type: &'static str = Box::leak(content_type.to_string().into_boxed_str());
    RawResponse {
        status,
        content_type: Some(content_type),
        request_id: Some("reqid"),
        rate_limit_limit: None,
        rate_limit_remaining: None,
        rate_limit_reset: None,
        proxy_error_header: None,
        body,
    }
}

fn same_everywhere(status: u16, content_type: &str, body: &str, what: &str) {
    let r = raw(status, content_type, body);
    for probe in ProbeKind::ALL {
        let page = ProbeOutcome::classify(probe, &r, &BrowserJson);
        let native = ProbeOutcome::classify(probe, &r, &SerdeJson);
        assert_eq!(page, native, "{what} as {probe:?}");
    }
    // Whether it is JSON at all.
    assert_eq!(
        BrowserJson.parse::<serde::de::IgnoredAny>(body).is_ok(),
        SerdeJson.parse::<serde::de::IgnoredAny>(body).is_ok(),
        "{what} as JSON"
    );
}

#[wasm_bindgen_test]
fn recorded_answers_classify_alike() {
    for (name, text) in FIXTURES {
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        let status = v["status"].as_u64().unwrap() as u16;
        let ct = v["headers"]["content-type"]
            .as_str()
            .unwrap_or("application/json");
        let body = match (&v.get("body"), &v.get("body_text")) {
            (Some(b), _) => serde_json::to_string(b).unwrap(),
            (_, Some(t)) => t.as_str().unwrap().to_string(),
            _ => String::new(),
        };
        same_everywhere(status, ct, &body, name);
        // The same bodies as if any status had carried them.
        for s in [200, 401, 403, 404, 429, 500] {
            same_everywhere(s, "application/json", &body, name);
        }
    }
}

#[wasm_bindgen_test]
fn hostile_bodies_classify_alike() {
    for body in HOSTILE {
        for s in [200, 403, 502] {
            same_everywhere(s, "application/json", body, body);
        }
    }
}

/// The platform's recipient answer (`{"account": {"name": …}}`) reads alike: an array where the
/// account object belongs is never an account, in the page as natively.
#[wasm_bindgen_test]
fn recipient_answers_read_alike() {
    use okta_link::core::recipient::account_name;
    for body in [
        r#"{"account": {"name": "Acme"}}"#,
        r#"{"account": [["name", "Acme"]]}"#,
        r#"{"account": []}"#,
        r#"{"account": ["Acme"]}"#,
        r#"{"account": {"name": ["Acme"]}}"#,
        r#"{"account": {"name": "Acme"}, "account": {"name": "Evil"}}"#,
        r#"{"account": {"name": "Acme", "id": [1], "x": {}}}"#,
        r#"{"account": null}"#,
    ] {
        let page = account_name(200, Some("application/json"), body, &BrowserJson);
        let native = account_name(200, Some("application/json"), body, &SerdeJson);
        assert_eq!(page, native, "{body}");
    }
}

#[wasm_bindgen_test]
fn numbers_json_cannot_hold_make_the_answer_unreadable() {
    // `JSON.parse` reads 1e400 as Infinity; serde_json refuses the document. The page refuses
    // it too (where in the document it notices may differ, so only the verdict is compared).
    for body in [
        r#"{"id": 1e400}"#,
        r#"[{"type": "SUPER_ADMIN", "x": -1e999}]"#,
    ] {
        let r = raw(200, "application/json", body);
        for probe in ProbeKind::ALL {
            let page = ProbeOutcome::classify(probe, &r, &BrowserJson);
            let text = format!("{page:?}");
            assert!(text.contains("Unreadable"), "{body} as {probe:?}: {text}");
        }
    }
}

#[wasm_bindgen_test]
fn catalogues_and_configuration_read_alike() {
    let en = okta_link::i18n::EN_JSON;
    let page = Catalog::parse(en, &BrowserJson).unwrap();
    let native = Catalog::parse(en, &SerdeJson).unwrap();
    assert_eq!(page.keys().count(), native.keys().count());
    for k in page.keys() {
        assert_eq!(page.get(k), native.get(k), "{k}");
    }
    for text in [
        r#"{"proxy": "/okta/{host}{path}"}"#,
        r#"{"proxy": "/okta/{host}{path}", "timeout_ms": 2500.5}"#,
        r#"{"proxy": "/okta/{host}{path}", "timeout_ms": 1e3}"#,
        r#"{"proxy": "/okta/{host}{path}", "required": ["users", 5]}"#,
        r#"{"proxy": 5}"#,
        r#"["proxy"]"#,
        r#"{"proxy": "/okta/{host}{path}", "partner": {"name": ["x"]}}"#,
        r#"{"proxy": "/okta/{host}{path}", "delivery": {"mode": "submit", "submit_url": "https://p.example.com/x"}}"#,
        // Unknown keys (the page reads every key of an object, not only the known ones),
        // wrong types at every level, null as absent, arrays never read as objects.
        r#"{"proxy": "/okta/{host}{path}", "timeout": 20000}"#,
        r#"{"proxy": "/okta/{host}{path}", "delivery": {"mode": "none", "foo": 1}}"#,
        r##"{"proxy": "/okta/{host}{path}", "partner": {"colour": "#000000"}}"##,
        r#"{"proxy": "/okta/{host}{path}", "delivery": ["submit"]}"#,
        r#"{"proxy": "/okta/{host}{path}", "delivery": []}"#,
        r#"{"proxy": "/okta/{host}{path}", "partner": [["name", "x"]]}"#,
        r#"{"proxy": "/okta/{host}{path}", "partner": [["zz", "x"]]}"#,
        r#"{"proxy": "/okta/{host}{path}", "delivery": "submit"}"#,
        r#"{"proxy": "/okta/{host}{path}", "delivery": {"mode": null, "submit_url": 5}}"#,
        r#"{"proxy": "/okta/{host}{path}", "required": ["users", null]}"#,
        r#"{"proxy": "/okta/{host}{path}", "languages": {"en": 1}}"#,
        r#"{"proxy": "/okta/{host}{path}", "allowed_origins": "https://a.example.com"}"#,
        r#"{"proxy": "/okta/{host}{path}", "timeout_ms": true, "zz": [1]}"#,
        r#"{"proxy": "/okta/{host}{path}", "theme": ["dark"], "partner": {"name": "A", "q": {}}}"#,
        r#"{"proxy": "/okta/{host}{path}", "delivery": {"session_from_link": {}}}"#,
        r#"{"proxy": "/okta/{host}{path}", "timeout_ms": "20000"}"#,
        r#"{"proxy": "/okta/{host}{path}", "languages": null, "partner": null, "theme": null}"#,
        r#"{"proxy": "/okta/{host}{path}", "proxy_egress_ips": ["2001:DB8::1", "010.0.0.1"]}"#,
        r#"[{"proxy": "/okta/{host}{path}"}]"#,
        r#"{"proxy": "/okta/{host}{path}""#,
    ] {
        let page = Config::from_json(text, &BrowserJson).map_err(|e| e.to_string());
        let native = Config::from_json(text, &SerdeJson).map_err(|e| e.to_string());
        assert_eq!(page, native, "{text}");
    }
}

/// A key given twice in config.json: the browser's `JSON.parse` keeps the last value, and so does
/// the native engine, which reads a `serde_json::Value` first (`duplicate_keys` in
/// `tests/config.rs`).
#[wasm_bindgen_test]
fn a_config_key_given_twice_keeps_the_last_in_the_page() {
    let text = r#"{"proxy": "/a/{url}", "proxy": "/b/{url}", "delivery": {"mode": "submit", "mode": "none"}}"#;
    let c = Config::from_json(text, &BrowserJson).unwrap();
    assert_eq!(c.proxy.as_str(), "/b/{url}");
    assert_eq!(c.delivery, okta_link::core::config::Delivery::None);
    assert_eq!(Config::from_json(text, &SerdeJson), Ok(c));
    for text in [
        r#"{"proxy": "/okta/{host}{path}", "delivery": {}, "delivery": []}"#,
        r#"{"proxy": "/okta/{host}{path}", "partner": {"x": 1}, "partner": {"y": 1}}"#,
        r#"{"proxy": "/okta/{host}{path}", "zz": 1, "zz": 2}"#,
    ] {
        let page = Config::from_json(text, &BrowserJson).map_err(|e| e.to_string());
        let native = Config::from_json(text, &SerdeJson).map_err(|e| e.to_string());
        assert_eq!(page, native, "{text}");
        assert!(page.is_err(), "{text}");
    }
}

#[wasm_bindgen_test]
fn inbound_messages_are_read_only_in_shape() {
    let read = |js: &str| -> Option<Inbound> {
        let v = js_sys::JSON::parse(js).unwrap();
        from_js::<RawInbound>(v)
            .ok()
            .and_then(|r| Inbound::from_raw(&r))
    };
    assert!(matches!(
        read(r#"{"source":"okta-link-host","v":1,"type":"session","session":"s_1"}"#),
        Some(Inbound::Session(s, None, None)) if s == "s_1"
    ));
    // Update mode on the session message, read by the browser's JSON.parse.
    assert!(matches!(
        read(r#"{"source":"okta-link-host","v":1,"type":"session","session":"s_1","mode":"update","org":"acme.okta.com","owner":"00u1"}"#),
        Some(Inbound::Session(_, Some(u), _)) if u.org_host == "acme.okta.com" && u.owner.is_some()
    ));
    assert!(read(
        r#"{"source":"okta-link-host","v":1,"type":"session","session":"s","mode":"update","org":7}"#
    )
    .is_none());
    assert!(
        read(r#"{"source":"okta-link-host","v":1.5,"type":"session","session":"s"}"#).is_none()
    );
    assert!(
        read(r#"{"source":"okta-link-host","v":"1","type":"session","session":"s"}"#).is_none()
    );
    assert!(read(r#"{"source":"okta-link-host","v":1,"type":"session","session":7}"#).is_none());
    assert!(read(r#"["okta-link-host",1,"session","s"]"#).is_none());
    assert!(read(r#""okta-link-host""#).is_none());
    // Values that are not a message object (a number, a structured clone of a `Date`, nothing).
    assert!(from_js::<RawInbound>(wasm_bindgen::JsValue::from_f64(3.0)).is_err());
    assert!(from_js::<RawInbound>(js_sys::Date::new_0().into())
        .map_or(true, |r| Inbound::from_raw(&r).is_none()));
    assert!(from_js::<RawInbound>(wasm_bindgen::JsValue::UNDEFINED).is_err());
}

#[wasm_bindgen_test]
fn cyclic_and_deeply_nested_messages_are_refused_without_a_crash() {
    let message = || {
        js_sys::JSON::parse(r#"{"source":"okta-link-host","v":1,"type":"session","session":"s"}"#)
            .unwrap()
    };
    // A structured clone may be cyclic: the message holds itself.
    let m = message();
    js_sys::Reflect::set(&m, &"extra".into(), &m).unwrap();
    assert!(from_js::<RawInbound>(m).is_err());
    // Nested far deeper than any JSON the core reads.
    let mut v = js_sys::Array::new();
    for _ in 0..100_000 {
        let outer = js_sys::Array::new();
        outer.push(&v);
        v = outer;
    }
    let m = message();
    js_sys::Reflect::set(&m, &"extra".into(), &v).unwrap();
    assert!(from_js::<RawInbound>(m).is_err());
    // Within the bound, the same message is read.
    let m = js_sys::JSON::parse(
        r#"{"source":"okta-link-host","v":1,"type":"session","session":"s","extra":[[[[{"a":[1]}]]]]}"#,
    )
    .unwrap();
    assert!(from_js::<RawInbound>(m).is_ok_and(|r| Inbound::from_raw(&r).is_some()));
}
