//! Runtime configuration (`config.json`) and per-session values from the URL fragment.

mod support;
use support::SerdeJson;

use okta_link::core::config::{
    Config, ConfigError, ConfigProblem, Delivery, DeliveryMode, JsonKind, Theme, DELIVERY_KEYS,
    PARTNER_KEYS, TOP_KEYS,
};

/// The one origin rule ([`okta_link::core::origin::normalize_origin`]), as an `Option`.
fn normalize_origin(o: &str) -> Option<String> {
    okta_link::core::origin::normalize_origin(o).ok()
}
use okta_link::core::fragment::{self, FragmentKey, RejectReason, Rejected};
use okta_link::core::plan::DataKind;
use okta_link::core::recipient::{self, RecipientProblem, MAX_ACCOUNT_NAME_CHARS};
use okta_link::i18n::Lang;
use wasm_bindgen_test::wasm_bindgen_test;

fn config(text: &str) -> Result<Config, ConfigError> {
    Config::from_json(text, &SerdeJson)
}

fn ok(text: &str) -> Config {
    config(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn err(text: &str) -> (String, ConfigProblem) {
    match config(text) {
        Ok(c) => panic!("accepted {text}: {c:?}"),
        Err(e) => (e.key, e.problem),
    }
}

/// A config with `proxy` and the given extra members.
fn with(extra: &str) -> String {
    if extra.is_empty() {
        r#"{"proxy":"https://proxy.example.com/okta/{host}{path}"}"#.to_string()
    } else {
        format!(r#"{{"proxy":"https://proxy.example.com/okta/{{host}}{{path}}",{extra}}}"#)
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn minimal_config_gets_the_defaults() {
    let c = ok(&with(""));
    assert_eq!(c.required, vec![DataKind::Users]);
    assert_eq!(c.timeout_ms, 20_000);
    assert_eq!(c.delivery, Delivery::None);
    assert_eq!(c.theme, Theme::System);
    assert_eq!(c.languages, Lang::ALL.to_vec());
    assert_eq!(c.default_language, Lang::En);
    assert!(c.allowed_origins.is_empty());
    assert!(c.proxy_egress_ips.is_empty());
    assert_eq!(c.partner.name, None);
    assert_eq!(
        c.proxy_url("acme.okta.com", "/api/v1/users/me"),
        "https://proxy.example.com/okta/acme.okta.com/api/v1/users/me"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn full_config() {
    let c = ok(r##"{
        "proxy": "/okta/{host}{path}",
        "required": ["users", "logs", "groups"],
        "proxy_egress_ips": ["203.0.113.10", " 2001:DB8::10 "],
        "timeout_ms": 15000,
        "delivery": { "mode": "redirect", "redirect_url": "https://portal.example.com:443/okta/done?x=1" },
        "allowed_origins": ["https://Portal.Example.com", "http://localhost:8080", "http://127.0.0.1:80"],
        "partner": { "name": "  Acme Security  ", "logo": "assets/logo.svg", "brand_color": "#1A2B3C" },
        "theme": "dark",
        "languages": ["de", "en", "ja"],
        "default_language": "de"
    }"##);
    assert_eq!(
        c.required,
        vec![DataKind::Users, DataKind::Logs, DataKind::Groups]
    );
    assert_eq!(c.proxy_egress_ips, vec!["203.0.113.10", "2001:db8::10"]);
    assert_eq!(c.timeout_ms, 15_000);
    assert_eq!(
        c.delivery,
        Delivery::Redirect {
            url: "https://portal.example.com:443/okta/done?x=1".into()
        }
    );
    assert_eq!(c.delivery.mode(), DeliveryMode::Redirect);
    assert_eq!(
        c.allowed_origins,
        vec![
            "https://portal.example.com",
            "http://localhost:8080",
            "http://127.0.0.1"
        ]
    );
    assert_eq!(c.partner.name.as_deref(), Some("Acme Security"));
    assert_eq!(c.partner.logo.as_deref(), Some("assets/logo.svg"));
    assert_eq!(c.partner.brand_color.as_deref(), Some("#1a2b3c"));
    assert_eq!(c.theme, Theme::Dark);
    assert_eq!(c.languages, vec![Lang::De, Lang::En, Lang::Ja]);
    assert_eq!(c.default_language, Lang::De);
    assert_eq!(
        c.proxy_url("acme.okta.com", "/api/v1/users?limit=1"),
        "/okta/acme.okta.com/api/v1/users?limit=1"
    );
    assert!(c.origin_allowed("https://portal.example.com"));
    assert!(c.origin_allowed("https://PORTAL.example.com:443"));
    assert!(c.origin_allowed("http://localhost:8080"));
    assert!(!c.origin_allowed("http://localhost:8081"));
    assert!(!c.origin_allowed("https://portal.example.com.evil.example"));
    assert!(!c.origin_allowed("null"));
    assert!(!c.origin_allowed("*"));
    assert!(!c.origin_allowed(""));
    assert!(!c.origin_allowed("https://portal.example.com/"));
}

#[wasm_bindgen_test(unsupported = test)]
fn delivery_modes() {
    let c = ok(&with(
        r#""delivery":{"mode":"submit","submit_url":"https://api.partner.example/okta/connections"}"#,
    ));
    assert_eq!(
        c.delivery,
        Delivery::Submit {
            url: "https://api.partner.example/okta/connections".into(),
            session_from_link: false,
        }
    );
    let c = ok(&with(
        r#""delivery":{"mode":"submit","submit_url":"http://127.0.0.1:9000/submit"}"#,
    ));
    assert_eq!(c.delivery.mode(), DeliveryMode::Submit);
    let c = ok(&with(
        r#""delivery":{"mode":"post_message"},"allowed_origins":["https://portal.example.com"]"#,
    ));
    assert_eq!(c.delivery, Delivery::PostMessage);
    assert_eq!(ok(&with(r#""delivery":{}"#)).delivery, Delivery::None);
    assert_eq!(
        ok(&with(r#""delivery":{"mode":"none"}"#)).delivery,
        Delivery::None
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn proxy_templates() {
    let good = [
        (
            "https://proxy.example.com/okta/{host}{path}",
            "https://proxy.example.com/okta/acme.okta.com/api/v1/users/me",
        ),
        (
            "https://proxy.example.com/?host={host}&path={path}",
            "https://proxy.example.com/?host=acme.okta.com&path=/api/v1/users/me",
        ),
        (
            "http://127.0.0.1:8080/{url}",
            "http://127.0.0.1:8080/https://acme.okta.com/api/v1/users/me",
        ),
        (
            "http://localhost:3000/proxy/{host}{path}",
            "http://localhost:3000/proxy/acme.okta.com/api/v1/users/me",
        ),
        (
            "http://[::1]:8080/{url}",
            "http://[::1]:8080/https://acme.okta.com/api/v1/users/me",
        ),
        ("/okta/{url}", "/okta/https://acme.okta.com/api/v1/users/me"),
    ];
    for (template, url) in good {
        let c = ok(&format!(r#"{{"proxy":"{template}"}}"#));
        assert_eq!(c.proxy_url("acme.okta.com", "/api/v1/users/me"), url);
        assert_eq!(c.proxy.as_str(), template);
    }
    let bad = [
        ("", ConfigProblem::Empty),
        (
            "https://proxy.example.com/okta/{host}",
            ConfigProblem::MissingPlaceholder,
        ),
        (
            "https://proxy.example.com/okta/",
            ConfigProblem::MissingPlaceholder,
        ),
        (
            "https://proxy.example.com/{host}{path}{host}",
            ConfigProblem::MissingPlaceholder,
        ),
        (
            "https://proxy.example.com/{url}{path}",
            ConfigProblem::UnknownPlaceholder,
        ),
        (
            "https://proxy.example.com/{host}{path}?k={token}",
            ConfigProblem::UnknownPlaceholder,
        ),
        (
            "https://proxy.example.com/{host}{path}}",
            ConfigProblem::UnknownPlaceholder,
        ),
        ("https://{host}{path}", ConfigProblem::PlaceholderInOrigin),
        (
            "https://{host}.proxy.example.com{path}",
            ConfigProblem::PlaceholderInOrigin,
        ),
        (
            "http://proxy.example.com/{host}{path}",
            ConfigProblem::SchemeNotAllowed,
        ),
        (
            "ftp://proxy.example.com/{url}",
            ConfigProblem::SchemeNotAllowed,
        ),
        ("proxy.example.com/{url}", ConfigProblem::SchemeNotAllowed),
        ("javascript:{url}", ConfigProblem::SchemeNotAllowed),
        ("//proxy.example.com/{url}", ConfigProblem::InvalidUrl),
        (
            "https://proxy.example.com/{host}{path}#x",
            ConfigProblem::HasFragment,
        ),
        (
            "https://user@proxy.example.com/{url}",
            ConfigProblem::InvalidUrl,
        ),
        (
            "https://proxy.example.com:99999/{url}",
            ConfigProblem::InvalidUrl,
        ),
        (
            "https:// proxy.example.com/{url}",
            ConfigProblem::InvalidUrl,
        ),
    ];
    for (template, problem) in bad {
        let (key, p) = err(&format!(r#"{{"proxy":"{template}"}}"#));
        assert_eq!((key.as_str(), p), ("proxy", problem), "{template}");
    }
    assert_eq!(err("{}"), ("proxy".into(), ConfigProblem::Missing));
    assert_eq!(
        err(r#"{"proxy":null}"#),
        ("proxy".into(), ConfigProblem::Missing)
    );
    assert_eq!(
        err(r#"{"proxy":42}"#),
        (
            "proxy".into(),
            ConfigProblem::WrongType {
                expected: JsonKind::String
            }
        )
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn each_invalid_key_is_named() {
    use ConfigProblem as P;
    let cases: Vec<(String, &str, ConfigProblem)> = vec![
        ("not json".into(), "", P::NotJson),
        ("[1,2]".into(), "", P::NotAnObject),
        (
            with(r#""proxi":"x""#),
            "proxi",
            P::UnknownKey { known: TOP_KEYS },
        ),
        // A key given twice keeps its last value (see `duplicate_keys`).
        (
            r#"{"proxy":"/{url}","proxy":"x"}"#.into(),
            "proxy",
            P::MissingPlaceholder,
        ),
        (with(r#""required":[]"#), "required", P::Empty),
        (
            with(r#""required":["users","secrets"]"#),
            "required[1]",
            P::UnknownValue {
                allowed: &["users", "groups", "roles", "logs"],
            },
        ),
        (
            with(r#""required":["logs","logs"]"#),
            "required[1]",
            P::DuplicateValue,
        ),
        (
            with(r#""required":"users""#),
            "required",
            P::WrongType {
                expected: JsonKind::Array,
            },
        ),
        (
            with(r#""required":[1]"#),
            "required[0]",
            P::WrongType {
                expected: JsonKind::String,
            },
        ),
        (
            with(r#""proxy_egress_ips":["203.0.113.300"]"#),
            "proxy_egress_ips[0]",
            P::InvalidIp,
        ),
        (
            with(r#""proxy_egress_ips":["10.0.0.1","10.0.0.1"]"#),
            "proxy_egress_ips[1]",
            P::DuplicateValue,
        ),
        (
            with(r#""timeout_ms":1000"#),
            "timeout_ms",
            P::OutOfRange {
                min: 2000,
                max: 60000,
            },
        ),
        (
            with(r#""timeout_ms":60001"#),
            "timeout_ms",
            P::OutOfRange {
                min: 2000,
                max: 60000,
            },
        ),
        (
            with(r#""timeout_ms":2500.5"#),
            "timeout_ms",
            P::OutOfRange {
                min: 2000,
                max: 60000,
            },
        ),
        (
            with(r#""timeout_ms":"20000""#),
            "timeout_ms",
            P::WrongType {
                expected: JsonKind::Integer,
            },
        ),
        (
            with(r#""delivery":"submit""#),
            "delivery",
            P::WrongType {
                expected: JsonKind::Object,
            },
        ),
        (
            with(r#""delivery":{"mode":"email"}"#),
            "delivery.mode",
            P::UnknownValue {
                allowed: &["none", "submit", "post_message", "redirect"],
            },
        ),
        (
            with(r#""delivery":{"mode":"submit","submitUrl":"https://a.example"}"#),
            "delivery.submitUrl",
            P::UnknownKey {
                known: DELIVERY_KEYS,
            },
        ),
        (
            with(r#""delivery":{"mode":"submit"}"#),
            "delivery.submit_url",
            P::RequiredByMode {
                mode: DeliveryMode::Submit,
            },
        ),
        (
            with(r#""delivery":{"mode":"submit","submit_url":"http://api.partner.example/x"}"#),
            "delivery.submit_url",
            P::SchemeNotAllowed,
        ),
        (
            with(r#""delivery":{"mode":"submit","submit_url":"/relative"}"#),
            "delivery.submit_url",
            P::SchemeNotAllowed,
        ),
        (
            with(r#""delivery":{"mode":"submit","submit_url":"https://a.example/x#y"}"#),
            "delivery.submit_url",
            P::HasFragment,
        ),
        (
            with(
                r#""delivery":{"mode":"redirect","redirect_url":"https://portal.example.com/done"}"#,
            ),
            "allowed_origins",
            P::RequiredByMode {
                mode: DeliveryMode::Redirect,
            },
        ),
        (
            with(
                r#""delivery":{"mode":"redirect","redirect_url":"https://evil.example/done"},"allowed_origins":["https://portal.example.com"]"#,
            ),
            "delivery.redirect_url",
            P::OriginNotAllowed,
        ),
        (
            with(
                r#""delivery":{"mode":"redirect"},"allowed_origins":["https://portal.example.com"]"#,
            ),
            "delivery.redirect_url",
            P::RequiredByMode {
                mode: DeliveryMode::Redirect,
            },
        ),
        (
            with(r#""delivery":{"mode":"post_message"}"#),
            "allowed_origins",
            P::RequiredByMode {
                mode: DeliveryMode::PostMessage,
            },
        ),
        (
            with(r#""delivery":{"mode":"post_message"},"allowed_origins":[]"#),
            "allowed_origins",
            P::Empty,
        ),
        (
            with(r#""allowed_origins":["*"]"#),
            "allowed_origins[0]",
            P::InvalidOrigin,
        ),
        (
            with(r#""allowed_origins":["https://portal.example.com/"]"#),
            "allowed_origins[0]",
            P::InvalidOrigin,
        ),
        (
            with(
                r#""allowed_origins":["https://portal.example.com","https://portal.example.com/app"]"#,
            ),
            "allowed_origins[1]",
            P::InvalidOrigin,
        ),
        (
            with(r#""allowed_origins":["https://*.example.com"]"#),
            "allowed_origins[0]",
            P::InvalidOrigin,
        ),
        (
            with(r#""allowed_origins":["http://portal.example.com"]"#),
            "allowed_origins[0]",
            P::SchemeNotAllowed,
        ),
        (
            with(r#""allowed_origins":["https://a.example","https://A.example:443"]"#),
            "allowed_origins[1]",
            P::DuplicateValue,
        ),
        (
            with(&format!(r#""partner":{{"name":"{}"}}"#, "n".repeat(81))),
            "partner.name",
            P::TooLong { max: 80 },
        ),
        (
            with(r#""partner":{"logo":"javascript:alert(1)"}"#),
            "partner.logo",
            P::SchemeNotAllowed,
        ),
        (
            with(r#""partner":{"logo":"data:image/png;base64,AAAA"}"#),
            "partner.logo",
            P::SchemeNotAllowed,
        ),
        (
            with(r#""partner":{"logo":"http://cdn.example/logo.png"}"#),
            "partner.logo",
            P::SchemeNotAllowed,
        ),
        (
            with(r#""partner":{"logo":"//cdn.example/logo.png"}"#),
            "partner.logo",
            P::InvalidUrl,
        ),
        (
            with(r#""partner":{"logo":"../secret/logo.png"}"#),
            "partner.logo",
            P::InvalidUrl,
        ),
        // `..` as a URL parser also reads it.
        (
            with(r#""partner":{"logo":"%2e%2e/secret/logo.png"}"#),
            "partner.logo",
            P::InvalidUrl,
        ),
        (
            with(r#""partner":{"logo":"assets/.%2E/logo.png"}"#),
            "partner.logo",
            P::InvalidUrl,
        ),
        // A name that could read as another: direction overrides and invisible characters.
        (
            with(r#""partner":{"name":"Acme \u202eytiruceS"}"#),
            "partner.name",
            P::UnknownValue { allowed: &[] },
        ),
        (
            with(r#""partner":{"name":"Ac\u200bme"}"#),
            "partner.name",
            P::UnknownValue { allowed: &[] },
        ),
        (
            with(r##""partner":{"brand_color":"#12345"}"##),
            "partner.brand_color",
            P::InvalidColor,
        ),
        (
            with(r#""partner":{"brand_color":"red"}"#),
            "partner.brand_color",
            P::InvalidColor,
        ),
        (
            with(r#""partner":{"colour":"red"}"#),
            "partner.colour",
            P::UnknownKey {
                known: PARTNER_KEYS,
            },
        ),
        (
            with(r#""theme":"blue""#),
            "theme",
            P::UnknownValue {
                allowed: &["light", "dark", "system"],
            },
        ),
        (
            with(r#""languages":["en","xx"]"#),
            "languages[1]",
            P::UnknownValue {
                allowed: &["en", "de", "fr", "es", "ja", "ar"],
            },
        ),
        (with(r#""languages":[]"#), "languages", P::Empty),
        (
            with(r#""languages":["de"],"default_language":"en""#),
            "default_language",
            P::NotInLanguages,
        ),
        (
            with(r#""default_language":"pt""#),
            "default_language",
            P::UnknownValue {
                allowed: &["en", "de", "fr", "es", "ja", "ar"],
            },
        ),
    ];
    for (text, key, problem) in cases {
        let (k, p) = err(&text);
        assert_eq!((k.as_str(), &p), (key, &problem), "{text}");
        // Every problem has a stable id and an English description naming the key.
        assert!(!p.code().is_empty());
        let shown = ConfigError {
            key: k.clone(),
            problem: p,
        }
        .to_string();
        assert!(shown.contains(&k), "{shown}");
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn languages_default_to_the_first_when_english_is_absent() {
    let c = ok(&with(r#""languages":["ja","ar"]"#));
    assert_eq!(c.default_language, Lang::Ja);
}

#[wasm_bindgen_test(unsupported = test)]
fn origins_are_normalized() {
    assert_eq!(
        normalize_origin("HTTPS://Portal.Example.COM:443").as_deref(),
        Some("https://portal.example.com")
    );
    assert_eq!(
        normalize_origin("https://portal.example.com:8443").as_deref(),
        Some("https://portal.example.com:8443")
    );
    assert_eq!(
        normalize_origin("http://[::1]:3000").as_deref(),
        Some("http://[::1]:3000")
    );
    for bad in [
        "null",
        "file://",
        "https://",
        "https://a.example?x",
        "https://a.example#x",
        "https://u:p@a.example",
        "https://a.example:0",
        "https://a.example:",
        "http://a.example",
        "https://a_b.example",
    ] {
        assert_eq!(normalize_origin(bad), None, "{bad}");
    }
}

// ---------------------------------------------------------------------------------------------
// The URL fragment

/// A `submit` deployment that takes the session from the link (so the fragment's `session`
/// is read; [`a_session_in_the_link_is_ignored_unless_the_deployment_takes_it`] covers the
/// others).
fn deployment() -> Config {
    ok(&with(
        r#""languages":["en","de","ar"],"delivery":{"mode":"submit","submit_url":"https://p.example/c","session_from_link":true}"#,
    ))
}

#[wasm_bindgen_test(unsupported = test)]
fn session_from_link_is_a_boolean_and_off_by_default() {
    let submit = |extra: &str| {
        with(&format!(
            r#""delivery":{{"mode":"submit","submit_url":"https://p.example/c"{extra}}}"#
        ))
    };
    let c = ok(&submit(""));
    assert!(!c.session_from_link());
    assert_eq!(
        c.delivery,
        Delivery::Submit {
            url: "https://p.example/c".into(),
            session_from_link: false
        }
    );
    assert!(!ok(&submit(r#","session_from_link":false"#)).session_from_link());
    assert!(!ok(&submit(r#","session_from_link":null"#)).session_from_link());
    assert!(ok(&submit(r#","session_from_link":true"#)).session_from_link());
    for bad in [r#""true""#, "1", "[]", "{}"] {
        assert_eq!(
            err(&submit(&format!(r#","session_from_link":{bad}"#))),
            (
                "delivery.session_from_link".to_string(),
                ConfigProblem::WrongType {
                    expected: JsonKind::Bool
                }
            ),
            "{bad}"
        );
    }
    assert_eq!(
        err(&submit(r#","sessionFromLink":true"#)).0,
        "delivery.sessionFromLink"
    );
    // Only `submit` uses a session: elsewhere the key is accepted and means nothing.
    let c = ok(&with(
        r#""delivery":{"mode":"post_message","session_from_link":true},"allowed_origins":["https://portal.example.com"]"#,
    ));
    assert_eq!(c.delivery, Delivery::PostMessage);
    assert!(!c.session_from_link());
}

/// The first security review (SECURITY.md), finding 5: a link must not choose whose platform account receives the token. By
/// default a `#session=` is dropped (and listed as ignored); only a deployment that sets
/// `delivery.session_from_link` reads it (and then confirms the account before Connect).
#[wasm_bindgen_test(unsupported = test)]
fn a_session_in_the_link_is_ignored_unless_the_deployment_takes_it() {
    let link = "#session=attacker-session&org=acme.okta.com&lang=de";
    let deployments = [
        r#""delivery":{"mode":"submit","submit_url":"https://p.example/c"}"#,
        r#""delivery":{"mode":"submit","submit_url":"https://p.example/c","session_from_link":false}"#,
        r#""delivery":{"mode":"post_message"},"allowed_origins":["https://portal.example.com"]"#,
        r#""delivery":{"mode":"post_message","session_from_link":true},"allowed_origins":["https://portal.example.com"]"#,
        "",
    ];
    for d in deployments {
        let f = fragment::parse(link, &ok(&with(d)));
        assert_eq!(f.session, None, "{d}");
        assert_eq!(f.ignored, vec!["session".to_string()], "{d}");
        // The rest of the link still counts.
        assert_eq!(f.org.as_deref(), Some("acme.okta.com"));
        assert_eq!(f.lang, Some(Lang::De));
    }
    let f = fragment::parse(link, &deployment());
    assert_eq!(f.session.as_deref(), Some("attacker-session"));
    assert!(f.ignored.is_empty());
    // Without a session in the link nothing is listed.
    let f = fragment::parse("#org=acme.okta.com", &ok(&with("")));
    assert!(f.ignored.is_empty());
}

// ---------------------------------------------------------------------------------------------
// The platform's answer naming the account a `submit` session belongs to

fn account(status: u16, ct: Option<&str>, body: &str) -> Result<String, RecipientProblem> {
    recipient::account_name(status, ct, body, &SerdeJson)
}

const JSON: Option<&str> = Some("application/json; charset=utf-8");

#[wasm_bindgen_test(unsupported = test)]
fn the_recipient_account_is_read_from_the_platforms_answer() {
    let named = |name: &str| {
        account(
            200,
            JSON,
            &serde_json::json!({ "account": { "name": name } }).to_string(),
        )
    };
    assert_eq!(
        named("Example Corp (workspace 42)"),
        Ok("Example Corp (workspace 42)".into())
    );
    // Other members are ignored; vendor JSON types count as JSON.
    assert_eq!(
        account(
            200,
            Some("application/vnd.platform+json"),
            r#"{"account":{"id":42,"name":"Acme","plan":"pro"},"user":{"name":"x"}}"#
        ),
        Ok("Acme".into())
    );
    // Hostile names: markup stays text (the page shows it as a text node); controls,
    // bidirectional overrides and invisible characters go; white space is collapsed.
    assert_eq!(
        named("<img src=x onerror=alert(1)>"),
        Ok("<img src=x onerror=alert(1)>".into())
    );
    assert_eq!(
        named("Acme\u{202e}moc.live\u{202c}"),
        Ok("Acmemoc.live".into())
    );
    assert_eq!(
        named("  Ac\u{200b}me\u{feff}\n\t  Corp\u{0007}  "),
        Ok("Acme Corp".into())
    );
    assert_eq!(named("Ünïcödé 会社 شركة"), Ok("Ünïcödé 会社 شركة".into()));
    // Too long is refused, not cut (a cut could hide what tells accounts apart).
    let long = "a".repeat(MAX_ACCOUNT_NAME_CHARS);
    assert_eq!(named(&long), Ok(long.clone()));
    assert_eq!(
        named(&format!("{long}b")),
        Err(RecipientProblem::Unreadable)
    );
    assert_eq!(
        named(&format!("Acme{}(attacker)", " ".repeat(500))),
        Ok("Acme (attacker)".into())
    );
    // Nothing left is nothing.
    for empty in ["", "   ", "\u{200b}\u{202e}", "\n\u{0000}"] {
        assert_eq!(named(empty), Err(RecipientProblem::Unreadable), "{empty:?}");
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn anything_but_a_named_account_keeps_connect_disabled() {
    use RecipientProblem::*;
    let cases: Vec<(u16, Option<&str>, String, RecipientProblem)> = vec![
        (
            401,
            JSON,
            r#"{"error":"invalid session"}"#.into(),
            Status(401),
        ),
        (
            403,
            JSON,
            r#"{"account":{"name":"Acme"}}"#.into(),
            Status(403),
        ),
        (500, Some("text/html"), "<h1>oops</h1>".into(), Status(500)),
        (204, None, String::new(), Status(204)),
        (
            201,
            JSON,
            r#"{"account":{"name":"Acme"}}"#.into(),
            Status(201),
        ),
        (302, None, String::new(), Status(302)),
        (0, None, String::new(), Status(0)),
        (
            200,
            Some("text/html"),
            r#"{"account":{"name":"Acme"}}"#.into(),
            Unreadable,
        ),
        (
            200,
            None,
            r#"{"account":{"name":"Acme"}}"#.into(),
            Unreadable,
        ),
        (200, JSON, "<html>".into(), Unreadable),
        (200, JSON, String::new(), Unreadable),
        (
            200,
            JSON,
            r#"{"account":{"name":"Acme"}"#.into(),
            Unreadable,
        ),
        (200, JSON, r#"{"name":"Acme"}"#.into(), Unreadable),
        (200, JSON, r#"{"account":"Acme"}"#.into(), Unreadable),
        (200, JSON, r#"{"account":{"name":42}}"#.into(), Unreadable),
        (200, JSON, r#"{"account":{"name":null}}"#.into(), Unreadable),
        (
            200,
            JSON,
            r#"{"account":{"name":["Acme"]}}"#.into(),
            Unreadable,
        ),
        (
            200,
            JSON,
            r#"{"account":{"name":{"text":"Acme"}}}"#.into(),
            Unreadable,
        ),
        (
            200,
            JSON,
            r#"[{"account":{"name":"Acme"}}]"#.into(),
            Unreadable,
        ),
        (200, JSON, r#""Acme""#.into(), Unreadable),
        // An array is never an account's positional fields.
        (200, JSON, r#"{"account":["Acme"]}"#.into(), Unreadable),
        // Two accounts, the last without a name: none (a key given twice keeps its last value,
        // natively as in the page: see below).
        (
            200,
            JSON,
            r#"{"account":{"name":"Acme"},"account":{"id":1}}"#.into(),
            Unreadable,
        ),
        // Too big, too deep.
        (
            200,
            JSON,
            format!(
                r#"{{"account":{{"name":"Acme"}},"pad":"{}"}}"#,
                "x".repeat(17_000)
            ),
            Unreadable,
        ),
        (
            200,
            JSON,
            format!(
                r#"{{"account":{{"name":"Acme"}},"deep":{}{}}}"#,
                "[".repeat(200),
                "]".repeat(200)
            ),
            Unreadable,
        ),
    ];
    for (status, ct, body, want) in cases {
        assert_eq!(
            account(status, ct, &body),
            Err(want),
            "{status} {ct:?} {}",
            body.chars().take(80).collect::<String>()
        );
    }
    assert_eq!(Status(401).code(), "status");
    assert_eq!(Unreachable.code(), "unreachable");
    assert_eq!(Unreadable.code(), "unreadable");
    // Two accounts, or two names: the last, as the page's `JSON.parse` keeps it (the native
    // engine reads a `serde_json::Value` first, which keeps the last too).
    for body in [
        r#"{"account":{"name":"Acme"},"account":{"name":"Evil"}}"#,
        r#"{"account":{"name":"Acme","name":"Evil"}}"#,
    ] {
        assert_eq!(account(200, JSON, body), Ok("Evil".into()), "{body}");
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn fragment_values() {
    let f = fragment::parse(
        "#session=eyJhbGciOi.J9%2B%2Fx&org=https%3A%2F%2Facme.okta.com&lang=de-AT&theme=Dark&state=a+b%20c",
        &deployment(),
    );
    assert_eq!(f.session.as_deref(), Some("eyJhbGciOi.J9+/x"));
    assert_eq!(f.org.as_deref(), Some("https://acme.okta.com"));
    assert_eq!(f.lang, Some(Lang::De));
    assert_eq!(f.theme, Some(Theme::Dark));
    assert_eq!(f.state.as_deref(), Some("a b c"));
    assert!(f.ignored.is_empty());
    assert!(f.unknown.is_empty());
    assert!(f.rejected.is_empty());
    // Without the leading '#', and empty.
    assert_eq!(
        fragment::parse("org=acme", &deployment()).org.as_deref(),
        Some("acme")
    );
    assert_eq!(fragment::parse("", &deployment()), Default::default());
    assert_eq!(fragment::parse("#", &deployment()), Default::default());
}

#[wasm_bindgen_test(unsupported = test)]
fn fragment_never_sets_where_secrets_go() {
    let f = fragment::parse(
        "#proxy=https%3A%2F%2Fevil.example%2F%7Burl%7D&submit_url=https://evil.example&redirect_url=x&allowed_origins=*&target_origin=*&Token=00abc&org=acme.okta.com&callback_url=x&frame-origin=y",
        &deployment(),
    );
    assert_eq!(f.org.as_deref(), Some("acme.okta.com"));
    assert_eq!(
        f.ignored,
        vec![
            "proxy",
            "submit_url",
            "redirect_url",
            "allowed_origins",
            "target_origin",
            "Token",
            "callback_url",
            "frame-origin"
        ]
    );
    assert!(f.has_ignored());
    assert!(f.unknown.is_empty());
    // The deployment's proxy is untouched by construction: the fragment has no such field.
    let c = deployment();
    assert_eq!(
        c.proxy_url("acme.okta.com", "/x"),
        "https://proxy.example.com/okta/acme.okta.com/x"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn fragment_unknown_duplicate_and_invalid_values() {
    let long_state = "s".repeat(513);
    let text = format!(
        "#utm_source=x&org=first&org=second&lang=ja&theme=neon&session=%FF%FE&state={long_state}&%E2%9C%93=1&=&&foo"
    );
    let f = fragment::parse(&text, &deployment());
    assert_eq!(f.org.as_deref(), Some("first"));
    assert_eq!(f.lang, None);
    assert_eq!(f.theme, None);
    assert_eq!(f.session, None);
    assert_eq!(f.state, None);
    assert_eq!(f.unknown, vec!["utm_source", "✓", "", "foo"]);
    assert_eq!(
        f.rejected,
        vec![
            Rejected {
                key: FragmentKey::Org,
                reason: RejectReason::Duplicate
            },
            Rejected {
                key: FragmentKey::Lang,
                reason: RejectReason::NotAllowed
            },
            Rejected {
                key: FragmentKey::Theme,
                reason: RejectReason::NotAllowed
            },
            Rejected {
                key: FragmentKey::Session,
                reason: RejectReason::InvalidEncoding
            },
            Rejected {
                key: FragmentKey::State,
                reason: RejectReason::TooLong
            },
        ]
    );
    // Control characters are refused; malformed escapes stay literal.
    let f = fragment::parse("#org=a%0Ab&state=100%&session=%zz", &deployment());
    assert_eq!(f.org, None);
    assert_eq!(
        f.rejected,
        vec![Rejected {
            key: FragmentKey::Org,
            reason: RejectReason::ControlCharacters
        }]
    );
    assert_eq!(f.state.as_deref(), Some("100%"));
    assert_eq!(f.session.as_deref(), Some("%zz"));
    // Bounds: 4 KB of session is fine, more is not.
    let f = fragment::parse(&format!("#session={}", "a".repeat(4096)), &deployment());
    assert_eq!(f.session.map(|s| s.len()), Some(4096));
    let f = fragment::parse(&format!("#session={}", "a".repeat(4097)), &deployment());
    assert_eq!(f.session, None);
    // A session is printable ASCII, as the host's `session` message must be: it goes into an
    // `Authorization` header.
    for link in ["#session=caf%C3%A9", "#session=a%20b"] {
        let f = fragment::parse(link, &deployment());
        assert_eq!(f.session, None, "{link}");
        assert_eq!(
            f.rejected,
            vec![Rejected {
                key: FragmentKey::Session,
                reason: RejectReason::NotAllowed
            }],
            "{link}"
        );
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn fragment_debug_hides_the_session() {
    let f = fragment::parse("#session=s3cr3t-session-token", &deployment());
    let shown = format!("{f:?}");
    assert!(!shown.contains("s3cr3t"), "{shown}");
    assert!(shown.contains("redacted"));
}

#[wasm_bindgen_test(unsupported = test)]
fn percent_decoding() {
    use okta_link::core::fragment::percent_decode;
    assert_eq!(percent_decode("a%20b+c").as_deref(), Some("a b c"));
    assert_eq!(percent_decode("%C3%A9").as_deref(), Some("é"));
    assert_eq!(percent_decode("%c3%a9").as_deref(), Some("é"));
    assert_eq!(percent_decode("%").as_deref(), Some("%"));
    assert_eq!(percent_decode("%4").as_deref(), Some("%4"));
    assert_eq!(percent_decode("%C3").as_deref(), None);
    assert_eq!(percent_decode("é").as_deref(), Some("é"));
}

// ---------------------------------------------------------------------------------------------
// Properties (native only)

#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            any::<i64>().prop_map(|n| serde_json::json!(n)),
            (-1e9f64..1e9).prop_map(|n| serde_json::json!(n)),
            prop_oneof![
                ".{0,20}",
                Just("https://proxy.example.com/{host}{path}".to_string()),
                Just("users".to_string()),
                Just("submit".to_string()),
                Just("https://a.example".to_string()),
                Just("#aabbcc".to_string()),
            ]
            .prop_map(serde_json::Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
                prop::collection::vec(
                    (
                        prop_oneof![
                            Just("proxy".to_string()),
                            Just("required".to_string()),
                            Just("delivery".to_string()),
                            Just("mode".to_string()),
                            Just("submit_url".to_string()),
                            Just("redirect_url".to_string()),
                            Just("allowed_origins".to_string()),
                            Just("partner".to_string()),
                            Just("timeout_ms".to_string()),
                            Just("languages".to_string()),
                            "[a-z_]{0,10}",
                        ],
                        inner
                    ),
                    0..6
                )
                .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    /// Not a control, bidirectional, zero-width or white-space character other than a space.
    fn shown_plainly(c: char) -> bool {
        let hidden = matches!(
            c,
            '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}'
        );
        !c.is_control() && !hidden && (c == ' ' || !c.is_whitespace())
    }

    proptest! {
        #[test]
        fn config_never_panics_on_text(text in ".{0,300}") {
            let _ = config(&text);
        }

        #[test]
        fn config_never_panics_on_json(v in json_value()) {
            if let Err(e) = config(&v.to_string()) {
                let _ = (e.to_string(), e.problem.code());
                prop_assert!(e.key.len() <= 128);
            }
        }

        /// Whatever the platform answers, a name shown is bounded plain text.
        #[test]
        fn a_recipient_name_is_bounded_plain_text(
            status in prop_oneof![Just(200u16), any::<u16>()],
            ct in prop::option::of(prop_oneof![Just("application/json".to_string()), ".{0,30}"]),
            name in prop_oneof![".{0,200}", "[ a-zA-Z\u{200b}-\u{200f}\u{202a}-\u{202e}\u{2066}-\u{2069}\t\n]{0,160}"],
            shape in 0u8..4,
            text in ".{0,200}",
        ) {
            let body = match shape {
                0 => serde_json::json!({ "account": { "name": name } }).to_string(),
                1 => serde_json::json!({ "account": { "name": name, "id": 1 }, "x": [name] }).to_string(),
                2 => serde_json::json!({ "account": name }).to_string(),
                _ => text,
            };
            if let Ok(n) = recipient::account_name(status, ct.as_deref(), &body, &SerdeJson) {
                prop_assert_eq!(status, 200);
                prop_assert!(!n.is_empty());
                prop_assert!(n.chars().count() <= MAX_ACCOUNT_NAME_CHARS);
                prop_assert_eq!(n.trim(), n.as_str());
                prop_assert!(!n.contains("  "));
                let plain = n.chars().all(shown_plainly);
                prop_assert!(plain, "{:?}", n);
            }
        }

        #[test]
        fn origin_checks_never_panic(o in ".{0,80}") {
            let c = deployment();
            let _ = c.origin_allowed(&o);
            if let Some(n) = normalize_origin(&o) {
                // Normalizing is idempotent.
                prop_assert_eq!(normalize_origin(&n), Some(n.clone()));
            }
        }

        #[test]
        fn fragment_never_panics(text in "[#a-z=&%0-9A-F+._~ -]{0,300}|.{0,300}") {
            let f = fragment::parse(&text, &deployment());
            prop_assert!(f.session.as_ref().is_none_or(|s| s.len() <= 4096));
            prop_assert!(f.org.as_ref().is_none_or(|s| s.len() <= 2048));
            prop_assert!(f.state.as_ref().is_none_or(|s| s.len() <= 512));
            prop_assert!(f.unknown.len() <= 16 && f.ignored.len() <= 16 && f.rejected.len() <= 16);
            prop_assert!(f.lang.is_none_or(|l| deployment().languages.contains(&l)));
        }
    }
}

/// `least_privilege`: `advise` by default, `off` turns the notice off, anything
/// else names the key and its values.
#[wasm_bindgen_test(unsupported = test)]
fn least_privilege_is_advise_by_default_and_off_on_request() {
    use okta_link::core::config::LeastPrivilege;
    assert_eq!(ok(&with("")).least_privilege, LeastPrivilege::Advise);
    assert_eq!(
        ok(&with(r#""least_privilege":"advise""#)).least_privilege,
        LeastPrivilege::Advise
    );
    assert_eq!(
        ok(&with(r#""least_privilege":"off""#)).least_privilege,
        LeastPrivilege::Off
    );
    assert_eq!(
        err(&with(r#""least_privilege":"never""#)),
        (
            "least_privilege".to_string(),
            ConfigProblem::UnknownValue {
                allowed: &["advise", "off"]
            }
        )
    );
    let (key, _) = err(&with(r#""least_privilege":false"#));
    assert_eq!(key, "least_privilege");
}

// ---------------------------------------------------------------------------------------------
// The shape of config.json, as serde reads it

/// Unknown keys are refused at every level, named by their path, with the keys of their object.
#[wasm_bindgen_test(unsupported = test)]
fn unknown_keys_are_refused_with_their_path() {
    let cases: [(String, &str, &[&str]); 8] = [
        (with(r#""timeout":20000"#), "timeout", TOP_KEYS),
        (with(r#""Proxy":"x""#), "Proxy", TOP_KEYS),
        (with(r#""":1"#), "", TOP_KEYS),
        (
            with(r#""delivery":{"foo":1}"#),
            "delivery.foo",
            DELIVERY_KEYS,
        ),
        (
            with(r#""delivery":{"mode":"none","url":"https://a.example"}"#),
            "delivery.url",
            DELIVERY_KEYS,
        ),
        (
            with(r##""partner":{"name":"A","color":"#000000"}"##),
            "partner.color",
            PARTNER_KEYS,
        ),
        // A nested key only where it belongs.
        (with(r#""mode":"submit""#), "mode", TOP_KEYS),
        (
            with(r#""partner":{"mode":"submit"}"#),
            "partner.mode",
            PARTNER_KEYS,
        ),
    ];
    for (text, key, known) in cases {
        assert_eq!(
            err(&text),
            (key.to_string(), ConfigProblem::UnknownKey { known }),
            "{text}"
        );
    }
    // Of two unknown keys, the first in key order; an unknown key before a wrong type.
    assert_eq!(err(&with(r#""zz":1,"aa":2"#)).0, "aa");
    assert_eq!(err(&with(r#""timeout_ms":"x","zz":1"#)).0, "zz");
    // A very long key is cut in the error (the file may hold anything).
    let long = "k".repeat(500);
    let (key, problem) = err(&with(&format!(r#""delivery":{{"{long}":1}}"#)));
    assert_eq!(key, format!("delivery.{}", "k".repeat(64)));
    assert_eq!(
        problem,
        ConfigProblem::UnknownKey {
            known: DELIVERY_KEYS
        }
    );
    // The message says what to do and which keys there are.
    let shown = ConfigError {
        key: "delivery.foo".into(),
        problem: ConfigProblem::UnknownKey {
            known: DELIVERY_KEYS,
        },
    }
    .to_string();
    assert_eq!(
        shown,
        "\"delivery.foo\" is not a known key (check its spelling; the keys here are: mode, \
         submit_url, redirect_url, session_from_link)"
    );
    // Every key the error lists is one the file may hold.
    for key in TOP_KEYS {
        let value = match *key {
            "proxy" => continue,
            "required" | "proxy_egress_ips" | "allowed_origins" | "languages" => "null",
            "delivery" | "partner" => "{}",
            _ => "null",
        };
        ok(&with(&format!(r#""{key}":{value}"#)));
    }
    for key in DELIVERY_KEYS {
        ok(&with(&format!(r#""delivery":{{"{key}":null}}"#)));
    }
    for key in PARTNER_KEYS {
        ok(&with(&format!(r#""partner":{{"{key}":null}}"#)));
    }
}

/// Each key with a value of another JSON type is refused, naming the key and the type it needs.
#[wasm_bindgen_test(unsupported = test)]
fn each_key_of_the_wrong_type_is_named_with_the_type_it_needs() {
    use JsonKind as K;
    let keys: [(&str, K); 17] = [
        ("proxy", K::String),
        ("required", K::Array),
        ("proxy_egress_ips", K::Array),
        ("timeout_ms", K::Integer),
        ("delivery", K::Object),
        ("allowed_origins", K::Array),
        ("partner", K::Object),
        ("theme", K::String),
        ("least_privilege", K::String),
        ("languages", K::Array),
        ("default_language", K::String),
        ("delivery.mode", K::String),
        ("delivery.submit_url", K::String),
        ("delivery.redirect_url", K::String),
        ("delivery.session_from_link", K::Bool),
        ("partner.name", K::String),
        ("partner.logo", K::String),
    ];
    let wrong = |kind: K| -> Vec<&'static str> {
        let all = [
            ("\"text\"", K::String),
            ("12", K::Integer),
            ("true", K::Bool),
            ("[\"a\"]", K::Array),
            ("{}", K::Object),
        ];
        let mut out: Vec<&str> = all
            .iter()
            .filter(|(_, k)| *k != kind)
            .map(|(v, _)| *v)
            .collect();
        if kind == K::Integer {
            out.retain(|v| *v != "12");
        } else {
            out.push("2.5");
        }
        out
    };
    for (path, kind) in keys.iter().chain(&[("partner.brand_color", K::String)]) {
        for value in wrong(*kind) {
            let member = match path.split_once('.') {
                None => format!(r#""{path}":{value}"#),
                Some((object, key)) => format!(r#""{object}":{{"{key}":{value}}}"#),
            };
            let text = if *path == "proxy" {
                format!(r#"{{"proxy":{value}}}"#)
            } else {
                with(&member)
            };
            assert_eq!(
                err(&text),
                (
                    path.to_string(),
                    ConfigProblem::WrongType { expected: *kind }
                ),
                "{text}"
            );
        }
    }
    // A list item of another type is named with its index.
    for list in [
        "required",
        "proxy_egress_ips",
        "allowed_origins",
        "languages",
    ] {
        for item in ["1", "null", "true", "[]", "{}"] {
            let text = with(&format!(r#""{list}":["x",{item}]"#));
            let (key, problem) = err(&text);
            assert_eq!(key, format!("{list}[1]"), "{text}");
            assert_eq!(
                problem,
                ConfigProblem::WrongType {
                    expected: K::String
                },
                "{text}"
            );
        }
    }
    // A number where an integer is needed is a range problem, not a type problem.
    for n in ["2500.5", "1e3", "-1", "1e300"] {
        assert!(
            matches!(
                err(&with(&format!(r#""timeout_ms":{n}"#))),
                (k, ConfigProblem::OutOfRange { .. }) if k == "timeout_ms"
            ),
            "{n}"
        );
    }
    assert_eq!(ok(&with(r#""timeout_ms":2.5e4"#)).timeout_ms, 25_000);
    assert_eq!(ok(&with(r#""timeout_ms":3000.0"#)).timeout_ms, 3_000);
    // The English messages.
    let shown = |key: &str, expected| {
        ConfigError {
            key: key.into(),
            problem: ConfigProblem::WrongType { expected },
        }
        .to_string()
    };
    assert_eq!(
        shown("timeout_ms", K::Integer),
        "\"timeout_ms\" must be an integer"
    );
    assert_eq!(shown("required", K::Array), "\"required\" must be an array");
    assert_eq!(
        shown("delivery", K::Object),
        "\"delivery\" must be an object"
    );
    assert_eq!(shown("proxy", K::String), "\"proxy\" must be a string");
    assert_eq!(
        shown("delivery.session_from_link", K::Bool),
        "\"delivery.session_from_link\" must be a boolean (true or false)"
    );
}

/// A key given twice keeps its last value, natively as in the page: the page reads config.json
/// with the browser's `JSON.parse` (`tests/browser_json.rs`), the native engine reads a
/// `serde_json::Value` first (the `JsonParser` contract), and both keep the last. An unknown key
/// given twice is an unknown key. An engine that hands serde both values (serde_json's streaming
/// reader straight into the struct, outside the contract) gets the file refused at the top
/// level with `DuplicateKey`.
#[wasm_bindgen_test(unsupported = test)]
fn duplicate_keys() {
    let c = ok(r#"{"proxy":"/{url}","proxy":"/x/{url}"}"#);
    assert_eq!(c.proxy.as_str(), "/x/{url}");
    assert_eq!(
        ok(&with(r#""theme":"dark","theme":"light""#)).theme,
        Theme::Light
    );
    assert_eq!(
        ok(&with(r#""delivery":{"mode":"submit","mode":"none"}"#)).delivery,
        Delivery::None
    );
    assert_eq!(
        err(&with(r#""delivery":{"mode":"none","mode":"submit"}"#)),
        (
            "delivery.submit_url".into(),
            ConfigProblem::RequiredByMode {
                mode: DeliveryMode::Submit
            }
        )
    );
    assert_eq!(
        ok(&with(r#""partner":{"name":"A","name":"B"}"#))
            .partner
            .name,
        Some("B".into())
    );
    assert_eq!(
        ok(&with(r#""delivery":{"mode":"submit"},"delivery":{}"#)).delivery,
        Delivery::None
    );
    // The last value's type and keys are the ones checked.
    assert_eq!(
        err(&with(r#""delivery":{},"delivery":[]"#)),
        (
            "delivery".into(),
            ConfigProblem::WrongType {
                expected: JsonKind::Object
            }
        )
    );
    assert_eq!(
        err(&with(r#""partner":{"x":1},"partner":{"y":1}"#)),
        (
            "partner.y".into(),
            ConfigProblem::UnknownKey {
                known: PARTNER_KEYS
            }
        )
    );
    assert_eq!(
        err(&with(r#""zz":1,"zz":2"#)),
        ("zz".into(), ConfigProblem::UnknownKey { known: TOP_KEYS })
    );
    // An engine that hands serde both values.
    struct Streaming;
    impl okta_link::core::decode::JsonParser for Streaming {
        fn parse<T: serde::de::DeserializeOwned>(
            &self,
            text: &str,
        ) -> Result<T, okta_link::core::decode::JsonError> {
            use okta_link::core::decode::JsonError;
            serde_json::from_str(text).map_err(|e| match e.classify() {
                serde_json::error::Category::Data => JsonError::Shape,
                _ => JsonError::Syntax,
            })
        }
    }
    for text in [
        r#"{"proxy":"/{url}","proxy":"/x/{url}"}"#.to_string(),
        with(r#""theme":"dark","theme":"light""#),
        with(r#""delivery":{},"delivery":{}"#),
    ] {
        let e = Config::from_json(&text, &Streaming).unwrap_err();
        assert_eq!(
            (e.key.as_str(), e.problem),
            ("", ConfigProblem::DuplicateKey),
            "{text}"
        );
    }
    let shown = |key: &str| {
        ConfigError {
            key: key.into(),
            problem: ConfigProblem::DuplicateKey,
        }
        .to_string()
    };
    assert_eq!(shown(""), "config.json has the same key twice; keep one");
    assert_eq!(
        shown("delivery"),
        "\"delivery\" has the same key twice; keep one"
    );
}

/// Every key but `proxy` may be left out (or `null`): the documented defaults apply.
#[wasm_bindgen_test(unsupported = test)]
fn defaults_apply_to_absent_and_null_keys() {
    use okta_link::core::config::{LeastPrivilege, DEFAULT_TIMEOUT_MS};
    let nulls: String = TOP_KEYS
        .iter()
        .filter(|k| **k != "proxy")
        .map(|k| format!(r#""{k}":null"#))
        .collect::<Vec<_>>()
        .join(",");
    let nested_nulls = format!(
        r#""delivery":{{{}}},"partner":{{{}}}"#,
        DELIVERY_KEYS
            .iter()
            .map(|k| format!(r#""{k}":null"#))
            .collect::<Vec<_>>()
            .join(","),
        PARTNER_KEYS
            .iter()
            .map(|k| format!(r#""{k}":null"#))
            .collect::<Vec<_>>()
            .join(",")
    );
    for text in [
        with(""),
        with(&nulls),
        with(&nested_nulls),
        with(r#""delivery":{},"partner":{}"#),
    ] {
        let c = ok(&text);
        assert_eq!(c.required, vec![DataKind::Users], "{text}");
        assert!(c.proxy_egress_ips.is_empty());
        assert_eq!(c.timeout_ms, DEFAULT_TIMEOUT_MS);
        assert_eq!(c.delivery, Delivery::None);
        assert!(!c.session_from_link());
        assert!(c.allowed_origins.is_empty());
        assert_eq!(c.partner, Default::default());
        assert_eq!(c.theme, Theme::System);
        assert_eq!(c.least_privilege, LeastPrivilege::Advise);
        assert_eq!(c.languages, Lang::ALL.to_vec());
        assert_eq!(c.default_language, Lang::En);
    }
    // `submit` without `session_from_link` takes the session only from the host's message.
    let c = ok(&with(
        r#""delivery":{"mode":"submit","submit_url":"https://p.example/c"}"#,
    ));
    assert!(!c.session_from_link());
}

/// The proxy's egress IPs are read by `url` and written back as it serializes them.
#[wasm_bindgen_test(unsupported = test)]
fn egress_ips_are_read_by_url() {
    let ips = |list: &str| ok(&with(&format!(r#""proxy_egress_ips":{list}"#))).proxy_egress_ips;
    assert_eq!(
        ips(r#"["203.0.113.7", " 198.51.100.1 ", "2001:DB8:0:0:0:0:0:1", "::1", "FE80::0:1"]"#),
        vec![
            "203.0.113.7",
            "198.51.100.1",
            "2001:db8::1",
            "::1",
            "fe80::1"
        ]
    );
    assert_eq!(ips(r#"["::ffff:192.0.2.1"]"#), vec!["::ffff:c000:201"]);
    assert_eq!(ips("[]"), Vec::<String>::new());
    // The same address written twice (after normalization).
    assert_eq!(
        err(&with(
            r#""proxy_egress_ips":["2001:db8::1","2001:DB8:0::1"]"#
        )),
        ("proxy_egress_ips[1]".into(), ConfigProblem::DuplicateValue)
    );
    for bad in [
        "",
        "   ",
        "example.com",
        "localhost",
        "203.0.113.300",
        "203.0.113",
        "10.1",
        "010.0.0.1",
        "0x0a.0.0.1",
        "1.2.3.4.",
        "%31.2.3.4",
        "1.2.3.4/32",
        "1.2.3.4:80",
        "[::1]",
        "fe80::1%eth0",
        "2001:db8::1::2",
        "2001:db8:::1",
        "::g",
        "1.2.3.4 5",
    ] {
        assert_eq!(
            err(&with(&format!(r#""proxy_egress_ips":["{bad}"]"#))),
            ("proxy_egress_ips[0]".into(), ConfigProblem::InvalidIp),
            "{bad:?}"
        );
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn credentials_default_to_the_api_token_and_apps_need_the_check_server() {
    use okta_link::core::credential::CredentialKind as K;
    let c = ok(&with(""));
    assert_eq!(c.credentials, vec![K::ApiToken]);
    assert_eq!((c.check_url, c.jwks_url), (None, None));

    let c = ok(&with(
        r#""credentials":["service_app","api_token","client_secret"],"check_url":"https://platform.example.com/okta/check","service_app":{"jwks_url":"/.well-known/jwks.json"}"#,
    ));
    assert_eq!(
        c.credentials,
        vec![K::ServiceApp, K::ApiToken, K::ClientSecret]
    );
    assert_eq!(
        c.check_url.as_deref(),
        Some("https://platform.example.com/okta/check")
    );
    assert_eq!(c.jwks_url.as_deref(), Some("/.well-known/jwks.json"));
    // A same-origin path is a check URL too.
    let c = ok(&with(
        r#""credentials":["client_secret"],"check_url":"/check""#,
    ));
    assert_eq!(c.check_url.as_deref(), Some("/check"));

    let needs = |credential| ConfigProblem::RequiredByCredential { credential };
    assert_eq!(
        err(&with(r#""credentials":["api_token","client_secret"]"#)),
        ("check_url".into(), needs(K::ClientSecret))
    );
    assert_eq!(
        err(&with(
            r#""credentials":["service_app"],"check_url":"/check""#
        )),
        ("service_app.jwks_url".into(), needs(K::ServiceApp))
    );
    assert_eq!(
        err(&with(r#""credentials":[]"#)),
        ("credentials".into(), ConfigProblem::Empty)
    );
    assert!(matches!(
        err(&with(r#""credentials":["password"]"#)),
        (k, ConfigProblem::UnknownValue { .. }) if k == "credentials[0]"
    ));
    assert_eq!(
        err(&with(r#""credentials":["api_token","api_token"]"#)),
        ("credentials[1]".into(), ConfigProblem::DuplicateValue)
    );
    for bad in [
        "//evil.example/check",
        "http://platform.example.com/check",
        "/check#x",
    ] {
        let text = with(&format!(
            r#""credentials":["client_secret"],"check_url":"{bad}""#
        ));
        assert_eq!(err(&text).0, "check_url", "{bad}");
    }
    assert!(matches!(
        err(&with(r#""service_app":{"jwks":"/k"}"#)),
        (k, ConfigProblem::UnknownKey { .. }) if k == "service_app.jwks"
    ));
}

#[wasm_bindgen_test(unsupported = test)]
fn the_fragment_preselects_an_offered_credential_only() {
    use okta_link::core::credential::CredentialKind as K;
    let c = ok(&with(
        r#""credentials":["api_token","service_app"],"check_url":"/check","service_app":{"jwks_url":"/jwks"}"#,
    ));
    assert_eq!(
        fragment::parse("#credential=service_app", &c).credential,
        Some(K::ServiceApp)
    );
    let f = fragment::parse("#credential=client_secret", &c);
    assert_eq!(f.credential, None);
    assert!(f.rejected.contains(&Rejected {
        key: FragmentKey::Credential,
        reason: RejectReason::NotAllowed
    }));
}
