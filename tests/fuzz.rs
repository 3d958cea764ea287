//! Property-based fuzzing of the parsers that the other suites do not cover, each on hostile
//! input with the invariant it must keep (native only: proptest is a native dev-dependency).
//!
//! * inbound `postMessage` payloads: accepted only in exactly the host's shape;
//! * the URL fragment: never sets where secrets go, keeps its values bounded;
//! * message catalogues (`i18n/*.json` as fetched): never a panic; a placeholder fill never
//!   invents text;
//! * the JSON structure scan run before any parser: total, bounded, and right about valid JSON;
//! * the redirect target: `state` can only ever be one encoded query value;
//! * brand colours: only `#rrggbb`, and the shaded colour always keeps 4.5:1.
//!
//! `cargo xtask fuzz` runs these (and the other property suites) with many more cases.
#![cfg(not(target_arch = "wasm32"))]

mod support;
use support::SerdeJson;

use okta_link::core::color::{self, Rgb};
use okta_link::core::config::Theme;
use okta_link::core::decode::{self as json, read};
use okta_link::core::fragment;
use okta_link::core::protocol::{self, Inbound, RawInbound};
use okta_link::i18n::{self, Catalog, Lang};
use proptest::prelude::*;

/// Any JSON value, nested a little, with strings that sometimes are the protocol's own words.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let word = prop_oneof![
        Just("okta-link-host".to_string()),
        Just("okta-link".to_string()),
        Just("session".to_string()),
        Just("theme".to_string()),
        Just("hello".to_string()),
        Just("dark".to_string()),
        Just("light".to_string()),
        Just("proxy".to_string()),
        "\\PC{0,12}",
        "[ -~]{0,5000}",
    ];
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| n.into()),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null)),
        Just(serde_json::Value::from(1)),
        word.prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("source".to_string()),
                    Just("v".to_string()),
                    Just("type".to_string()),
                    Just("session".to_string()),
                    Just("theme".to_string()),
                    "[a-z_]{0,8}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A host message that is almost right: the right shape with one field perturbed.
fn near_miss() -> impl Strategy<Value = serde_json::Value> {
    (
        prop_oneof![Just("okta-link-host"), Just("okta-link"), Just("OKTA-LINK-HOST"), Just("")],
        prop_oneof![Just(serde_json::json!(1)), Just(serde_json::json!(2)), Just(serde_json::json!("1")), Just(serde_json::json!(1.5))],
        prop_oneof![Just("session"), Just("theme"), Just("hello"), Just("connected"), Just("Session")],
        "[ -~]{0,40}|\\PC{0,10}",
        prop_oneof![Just("dark"), Just("light"), Just("system"), Just("Dark"), Just("neon")],
        // Update mode on the session message.
        prop_oneof![Just(serde_json::Value::Null), Just(serde_json::json!("update")), Just(serde_json::json!("Update")), Just(serde_json::json!("redirect")), Just(serde_json::json!(1))],
        prop_oneof![Just(serde_json::Value::Null), Just(serde_json::json!("acme.okta.com")), Just(serde_json::json!("https://evil.example/x")), Just(serde_json::json!("not a host"))],
    )
        .prop_map(|(source, v, kind, session, theme, mode, org)| {
            serde_json::json!({"source": source, "v": v, "type": kind, "session": session, "theme": theme, "mode": mode, "org": org})
        })
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    /// An inbound message is obeyed only in exactly the host's shape.
    #[test]
    fn prop_inbound_messages_only_in_shape(v in prop_oneof![json_value(), near_miss()]) {
        // Messages are read only from objects: an array is never positional fields.
        let raw: Result<RawInbound, _> = read::<RawInbound, _>(&v.to_string(), &SerdeJson);
        if !v.is_object() {
            prop_assert!(raw.is_err(), "read from a non-object: {}", v);
        }
        let Ok(raw) = raw else { return Ok(()) };
        match Inbound::from_raw(&raw) {
            None => {}
            Some(msg) => {
                prop_assert_eq!(v["source"].as_str(), Some(protocol::HOST_SOURCE));
                prop_assert_eq!(v["v"].as_u64(), Some(u64::from(protocol::VERSION)));
                match msg {
                    Inbound::Session(s, update, _) => {
                        prop_assert_eq!(v["type"].as_str(), Some("session"));
                        prop_assert_eq!(v["session"].as_str(), Some(s.as_str()));
                        prop_assert!(!s.is_empty() && s.len() <= protocol::MAX_SESSION_LEN);
                        prop_assert!(s.bytes().all(|b| b.is_ascii_graphic()));
                        // Update mode only when asked for, with an org address.
                        match update {
                            Some(u) => {
                                prop_assert_eq!(v["mode"].as_str(), Some("update"));
                                prop_assert!(okta_link::core::org_url::normalize(v["org"].as_str().unwrap_or("")).is_ok());
                                prop_assert!(!u.org_host.is_empty());
                            }
                            None => prop_assert!(v["mode"].is_null()),
                        }
                    }
                    Inbound::Theme(t) => {
                        prop_assert_eq!(v["type"].as_str(), Some("theme"));
                        prop_assert_eq!(Theme::parse(v["theme"].as_str().unwrap_or("")), Some(t));
                    }
                    Inbound::Hello => prop_assert_eq!(v["type"].as_str(), Some("hello")),
                }
            }
        }
    }

    /// A message text of any bytes: never a panic in the raw shape's parser.
    #[test]
    fn prop_inbound_text_never_panics(text in "\\PC{0,200}") {
        if let Ok(raw) = read::<RawInbound, _>(&text, &SerdeJson) {
            let _ = Inbound::from_raw(&raw);
        }
    }

    /// The fragment: never a panic; values bounded; nothing it holds names where a secret goes.
    #[test]
    fn prop_fragment_is_bounded(
        pairs in prop::collection::vec(
            (
                prop_oneof![
                    Just("org"), Just("lang"), Just("theme"), Just("state"), Just("session"),
                    Just("proxy"), Just("submit_url"), Just("redirect_url"), Just("target_origin"),
                    Just("%6F%72%67"), Just("x")
                ],
                "[ -~]{0,300}|\\PC{0,40}"
            ),
            0..8
        ),
        hash in any::<bool>(),
    ) {
        let mut text = if hash { "#".to_string() } else { String::new() };
        for (i, (k, v)) in pairs.iter().enumerate() {
            if i > 0 {
                text.push('&');
            }
            text.push_str(k);
            text.push('=');
            text.push_str(v);
        }
        let f = fragment::parse_with(&text, &Lang::ALL);
        // Debug never depends on the session's value (it may coincide with another value).
        if f.session.is_some() {
            let other = fragment::Fragment { session: Some("other-session".into()), ..f.clone() };
            prop_assert_eq!(format!("{f:?}"), format!("{other:?}"), "Debug shows the session");
        }
        prop_assert!(f.org.as_ref().is_none_or(|v| v.len() <= fragment::MAX_ORG));
        prop_assert!(f.state.as_ref().is_none_or(|v| v.len() <= fragment::MAX_STATE));
        prop_assert!(f.session.as_ref().is_none_or(|v| v.len() <= fragment::MAX_SESSION));
        prop_assert!(f.ignored.len() <= 16 && f.unknown.len() <= 16);
        for name in f.ignored.iter().chain(&f.unknown) {
            prop_assert!(name.chars().count() <= 64, "unbounded key name {name:?}");
            prop_assert!(!name.chars().any(char::is_control));
        }
    }

    /// A catalogue of any text: never a panic; what parses has string values only.
    #[test]
    fn prop_catalogue_text_never_panics(text in "\\PC{0,300}|[{}\\[\\]\":, a-z0-9\\\\]{0,200}") {
        if let Ok(cat) = Catalog::parse(&text, &SerdeJson) {
            for k in cat.keys() {
                prop_assert!(cat.get(k).is_some());
            }
        }
    }

    /// A catalogue of any JSON value: an object of strings parses, anything else is refused.
    #[test]
    fn prop_catalogue_shapes(v in json_value()) {
        let text = v.to_string();
        let parsed = Catalog::parse(&text, &SerdeJson);
        let all_strings = v.as_object().is_some_and(|m| m.values().all(|x| x.is_string()));
        if parsed.is_ok() {
            prop_assert!(all_strings, "a non-catalogue parsed: {}", text);
        }
    }

    /// Filling placeholders never invents text: with no braces the template is returned as is,
    /// and every value inserted is one that was given.
    #[test]
    fn prop_fill_never_invents(template in "[ -~]{0,80}", value in "[ -~]{0,20}") {
        let out = i18n::fill(&template, &[("x", &value)]);
        if !template.contains('{') {
            prop_assert_eq!(&out, &template);
        }
        if !template.contains("{x}") {
            prop_assert_eq!(&out, &template);
        }
        let cleaned = i18n::fill(&template, &[]);
        prop_assert_eq!(cleaned, template);
    }

    /// The structure scan is total and bounded, and right about valid JSON.
    #[test]
    fn prop_structure_scan_on_valid_json(v in json_value()) {
        let text = v.to_string();
        prop_assert!(!json::looks_truncated(&text), "valid JSON called truncated: {}", text);
        let depth = json::nesting_depth(&text);
        prop_assert!(depth <= 8, "depth {} for a value nested at most 4 deep", depth);
        // Cutting a nested document inside its structure is seen as truncation.
        if (text.starts_with('{') || text.starts_with('[')) && text.len() > 2 {
            let cut = &text[..text.len() - 1];
            prop_assert!(json::looks_truncated(cut), "cut JSON not seen as truncated: {}", cut);
        }
    }

    /// The scan never panics on any text and its depth never exceeds the brackets present.
    #[test]
    fn prop_structure_scan_total(text in "\\PC{0,400}|[\\[\\]{}\"\\\\ ,:a]{0,400}") {
        let depth = json::nesting_depth(&text);
        let opens = text.bytes().filter(|b| *b == b'[' || *b == b'{').count();
        prop_assert!(depth <= opens);
        let _ = json::looks_truncated(&text);
    }

    /// Deep nesting is refused before any parser recurses.
    #[test]
    fn prop_deep_nesting_is_seen(n in 33usize..5000, open in prop_oneof![Just('['), Just('{')]) {
        let text: String = std::iter::repeat_n(open, n).collect();
        prop_assert!(json::nesting_depth(&text) > json::MAX_NESTING);
    }

    /// Whatever `state` holds, the redirect target gets exactly one more query pair for it and
    /// the URL's own parts are kept.
    #[test]
    fn prop_redirect_state_is_one_encoded_value(state in "\\PC{0,60}|[&#=?% +/]{0,20}") {
        let base = "https://portal.example.com/done";
        let report = okta_link::core::diagnosis::Report::Failed(
            okta_link::core::diagnosis::Failure::ProxyDown,
        );
        let result =
            okta_link::core::result::LinkResult::new(&report, "acme.okta.com", &[], "2026-12-03T14:05:00.000Z".to_string(), false);
        let target = protocol::redirect_target(base, &state, &result).unwrap();
        let rest = target.strip_prefix("https://portal.example.com/done?status=connected&state=");
        prop_assert!(rest.is_some(), "{}", target);
        let encoded = rest
            .unwrap()
            .strip_suffix("&version=2&org_host=acme.okta.com&update=false&credential=api_token");
        prop_assert!(encoded.is_some(), "{}", target);
        let encoded = encoded.unwrap();
        // One form-urlencoded value (a space is `+`, a `+` is `%2B`), read back exactly.
        prop_assert!(!encoded.contains(['&', '#', '?', '=', ' ']), "{}", encoded);
        prop_assert!(encoded.is_ascii());
        let read = url::Url::parse(&target).unwrap();
        let pairs: Vec<(String, String)> = read.query_pairs().into_owned().collect();
        let expected: Vec<(String, String)> = vec![
            ("status".into(), "connected".into()),
            ("state".into(), state.clone()),
            ("version".into(), "2".into()),
            ("org_host".into(), "acme.okta.com".into()),
            ("update".into(), "false".into()),
            ("credential".into(), "api_token".into()),
        ];
        prop_assert_eq!(pairs, expected);
    }

    /// Brand colours: only `#rrggbb` parses, and the shaded colour always reaches 4.5:1.
    #[test]
    fn prop_brand_colour(s in "#?[0-9a-fA-FxX ]{0,8}|\\PC{0,8}", r in any::<u8>(), g in any::<u8>(), b in any::<u8>()) {
        if let Some(c) = Rgb::parse(&s) {
            prop_assert_eq!(s.len(), 7);
            prop_assert_eq!(c.hex(), s.to_ascii_lowercase());
        }
        let (button, text) = color::readable(Rgb(r, g, b));
        prop_assert!(color::contrast(button, text) >= color::MIN_CONTRAST);
    }

    /// A pasted client ID never panics the cleaner; what it accepts is one word Okta could
    /// issue (letters, digits, `-`, `_`, `.`; at most 128), and an org it takes from an address is
    /// a normalized org host.
    #[test]
    fn prop_client_id(text in "\\PC{0,200}|[ \"'0-9a-zA-Z_=:/.#-]{0,60}|https://[a-z-]{1,20}\\.okta\\.com/admin/app/[a-z_]{1,12}/instance/[0-9a-zA-Z]{0,24}/?#?[a-z-]{0,12}") {
        use okta_link::core::credential::{clean_client_id, clean_client_secret, MAX_CLIENT_ID};
        if let Ok(id) = clean_client_id(&text) {
            let s = id.as_str();
            prop_assert!(!s.is_empty() && s.chars().count() <= MAX_CLIENT_ID);
            prop_assert!(s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')), "{}", s);
            if let Some(host) = id.org_host() {
                let again = okta_link::org_url::normalize(host);
                prop_assert!(again.is_ok(), "{}", host);
                let again = again.unwrap();
                prop_assert_eq!(again.host(), host);
            }
        }
        if let Ok(secret) = clean_client_secret(&text) {
            prop_assert!(secret.secret().bytes().all(|b| b.is_ascii_graphic()));
            let shown = format!("{:?}", secret);
            prop_assert_eq!(shown, format!("ClientSecret({} chars)", secret.secret().len()));
        }
    }

    /// Whatever a check server answers, the page gets a report or "the check is not working",
    /// never a panic; and a key document with private members is never shown.
    #[test]
    fn prop_check_server_answers(v in json_value(), status in prop_oneof![Just(200u16), Just(429u16), 100u16..600]) {
        use okta_link::core::server_check::{read_answer, read_jwks, JwksProblem};
        let text = v.to_string();
        let _ = read_answer(status, Some("application/json"), &text, &SerdeJson);
        if let Ok(keys) = read_jwks(status, &text, &SerdeJson) {
            prop_assert!(!keys.is_empty());
        }
        let with_private = serde_json::json!({"keys": [{"kty": "RSA", "kid": "k", "n": "x", "e": "y", "d": v}]});
        prop_assert_eq!(read_jwks(200, &with_private.to_string(), &SerdeJson), Err(JwksProblem::NotPublic));
    }
}
