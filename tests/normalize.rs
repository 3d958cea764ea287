//! The data-driven tables in `tests/cases/*.json`, run natively (`cargo test`) and in wasm
//! (`wasm-pack test` / `cargo test --target wasm32-unknown-unknown`). Every failing case is
//! reported at once.

use std::collections::BTreeSet;

use okta_link::org_url::{self, Correction, OrgUrlError};
use okta_link::token::{self, TokenCorrection, TokenError, TokenWarning};
use serde_json::Value;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const ORG_CASES: &str = include_str!("cases/org_url.json");
const TOKEN_CASES: &str = include_str!("cases/token.json");

/// Every `OrgUrlError::code()`; the table must exercise each one.
const ORG_ERROR_CODES: &[&str] = &[
    "empty",
    "placeholder",
    "unsupported_scheme",
    "port",
    "user_info",
    "ip_address",
    "local_name",
    "single_label_host",
    "invalid_character",
    "empty_label",
    "label_too_long",
    "host_too_long",
    "hyphen_at_label_edge",
    "numeric_tld",
    "bad_punycode",
    "multiple_urls",
    "inner_whitespace",
    "email_address",
    "looks_like_token",
    "looks_like_client_id",
    "okta_site",
    "auth0_tenant",
    "bare_okta_suffix",
    "cname_target",
    "nested_okta_host",
    "doubled_suffix",
    "near_miss_suffix",
    "non_ascii_host",
    "lookalike_host",
];

/// Every `TokenError::code()`.
const TOKEN_ERROR_CODES: &[&str] = &[
    "empty",
    "too_long",
    "placeholder",
    "masked",
    "bearer_or_jwt",
    "inner_whitespace",
    "non_ascii",
    "looks_like_url",
    "email_address",
];

fn cases(src: &str) -> Vec<Value> {
    let doc: Value = serde_json::from_str(src).expect("case file is valid JSON");
    doc["cases"].as_array().expect("a `cases` array").clone()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|s| s.as_str().expect("codes are strings").to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn report(what: &str, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} failing {what} case(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[wasm_bindgen_test::wasm_bindgen_test(unsupported = test)]
fn org_url_table() {
    let cases = cases(ORG_CASES);
    let mut failures = Vec::new();
    let mut seen_inputs = BTreeSet::new();
    let mut seen_codes = BTreeSet::new();
    for case in &cases {
        let input = case["input"].as_str().expect("input is a string");
        if !seen_inputs.insert(input.to_string()) {
            failures.push(format!("{input:?}: listed twice"));
        }
        let got = org_url::normalize(input);
        if let Some(ok) = case.get("ok") {
            let want_host = ok["host"].as_str().unwrap_or_default();
            let want_corr = strings(&ok["corrections"]);
            match &got {
                Ok(o) => {
                    let corr: Vec<String> = o
                        .corrections()
                        .iter()
                        .map(|c| c.code().to_string())
                        .collect();
                    if o.host() != want_host || corr != want_corr {
                        failures.push(format!(
                            "{input:?}: want {want_host} {want_corr:?}, got {} {corr:?}",
                            o.host()
                        ));
                    }
                    let want_warn = strings(&ok["warnings"]);
                    let warn: Vec<String> =
                        o.warnings().iter().map(|w| w.code().to_string()).collect();
                    if warn != want_warn {
                        failures.push(format!("{input:?}: warnings {warn:?}, want {want_warn:?}"));
                    }
                    if let Some(sub) = ok.get("subdomain") {
                        if o.subdomain() != sub.as_str() {
                            failures.push(format!(
                                "{input:?}: subdomain {:?}, want {sub}",
                                o.subdomain()
                            ));
                        }
                    }
                    if let Some(custom) = ok.get("custom").and_then(Value::as_bool) {
                        if o.is_custom_domain() != custom {
                            failures.push(format!("{input:?}: custom domain should be {custom}"));
                        }
                    }
                    if o.origin() != format!("https://{}", o.host()) {
                        failures.push(format!("{input:?}: origin {}", o.origin()));
                    }
                    match org_url::normalize(&o.origin()) {
                        Ok(again) if again.host() == o.host() && again.corrections().is_empty() => {
                        }
                        other => failures
                            .push(format!("{input:?}: not idempotent, origin gives {other:?}")),
                    }
                }
                Err(e) => failures.push(format!(
                    "{input:?}: want {want_host} {want_corr:?}, got error {} ({e})",
                    e.code()
                )),
            }
        } else {
            let want = case["err"].as_str().expect("a case has `ok` or `err`");
            let want_sugg = case.get("suggestion").and_then(Value::as_str);
            seen_codes.insert(want.to_string());
            match &got {
                Ok(o) => failures.push(format!(
                    "{input:?}: want error {want}, got {} {:?}",
                    o.host(),
                    o.corrections()
                )),
                Err(e) => {
                    let sugg = e.suggestion();
                    if e.code() != want || sugg.as_deref() != want_sugg {
                        failures.push(format!(
                            "{input:?}: want {want} {want_sugg:?}, got {} {sugg:?} ({e})",
                            e.code()
                        ));
                    }
                    if let Some(s) = &sugg {
                        match org_url::normalize(s) {
                            Ok(o) if o.host() == s => {}
                            other => failures.push(format!(
                                "{input:?}: suggestion {s} is not accepted as is: {other:?}"
                            )),
                        }
                    }
                    let text = e.to_string();
                    if text.len() < 20 || !text.ends_with(['.', '?']) {
                        failures.push(format!("{input:?}: poor message {text:?}"));
                    }
                }
            }
        }
    }
    for code in ORG_ERROR_CODES {
        if !seen_codes.contains(*code) && *code != "too_long" {
            failures.push(format!("no case for error {code}"));
        }
    }
    report("org URL", &failures);
    assert!(cases.len() >= 100, "only {} org URL cases", cases.len());
}

#[wasm_bindgen_test::wasm_bindgen_test(unsupported = test)]
fn token_table() {
    let cases = cases(TOKEN_CASES);
    let mut failures = Vec::new();
    let mut seen_codes = BTreeSet::new();
    for case in &cases {
        let input = case["input"].as_str().expect("input is a string");
        let got = token::clean(input);
        if let Some(ok) = case.get("ok") {
            let want_len = ok["len"].as_u64().unwrap_or_default() as usize;
            let want_corr = strings(&ok["corrections"]);
            let want_warn = strings(&ok["warnings"]);
            match &got {
                Ok(t) => {
                    let corr: Vec<String> = t
                        .corrections()
                        .iter()
                        .map(|c| c.code().to_string())
                        .collect();
                    let warn: Vec<String> =
                        t.warnings().iter().map(|w| w.code().to_string()).collect();
                    if t.len() != want_len || corr != want_corr || warn != want_warn {
                        failures.push(format!(
                            "{input:?}: want {want_len} {want_corr:?} {want_warn:?}, got {} \
                             {corr:?} {warn:?}",
                            t.len()
                        ));
                    }
                    if let Some(secret) = ok.get("secret").and_then(Value::as_str) {
                        if t.secret() != secret {
                            failures.push(format!("{input:?}: wrong secret"));
                        }
                    }
                    let shown = format!("{t:?} {t}");
                    if shown.contains(t.secret()) {
                        failures.push(format!("{input:?}: Debug/Display show the secret"));
                    }
                }
                Err(e) => {
                    failures.push(format!("{input:?}: want ok, got error {} ({e})", e.code()))
                }
            }
        } else {
            let want = case["err"].as_str().expect("a case has `ok` or `err`");
            seen_codes.insert(want.to_string());
            match &got {
                Ok(t) => failures.push(format!(
                    "{input:?}: want error {want}, got {t:?} {:?} {:?}",
                    t.corrections(),
                    t.warnings()
                )),
                Err(e) if e.code() != want => {
                    failures.push(format!("{input:?}: want {want}, got {} ({e})", e.code()))
                }
                Err(e) => {
                    let text = e.to_string();
                    if text.len() < 20 || !text.ends_with('.') {
                        failures.push(format!("{input:?}: poor message {text:?}"));
                    }
                }
            }
        }
    }
    for code in TOKEN_ERROR_CODES {
        if !seen_codes.contains(*code) {
            failures.push(format!("no case for error {code}"));
        }
    }
    report("token", &failures);
    assert!(cases.len() >= 40, "only {} token cases", cases.len());
}

#[wasm_bindgen_test::wasm_bindgen_test(unsupported = test)]
fn org_url_too_long() {
    let input = format!(
        "https://acme.okta.com/{}",
        "a".repeat(org_url::MAX_INPUT_CHARS)
    );
    let e = org_url::normalize(&input).unwrap_err();
    assert_eq!(e.code(), "too_long");
    assert_eq!(
        e,
        OrgUrlError::TooLong {
            len: input.chars().count()
        }
    );
    // Exactly at the limit is still read.
    let at_limit = format!(
        "https://acme.okta.com/{}",
        "a".repeat(org_url::MAX_INPUT_CHARS - 22)
    );
    assert_eq!(at_limit.chars().count(), org_url::MAX_INPUT_CHARS);
    assert_eq!(
        org_url::normalize(&at_limit).unwrap().host(),
        "acme.okta.com"
    );
}

#[wasm_bindgen_test::wasm_bindgen_test(unsupported = test)]
fn api_token_never_shows_its_secret() {
    let secret = format!("00{}", "a".repeat(40));
    let t = token::clean(&format!("Authorization: SSWS {secret}\n")).unwrap();
    assert_eq!(t.secret(), secret);
    assert_eq!(t.len(), 42);
    assert_eq!(format!("{t:?}"), "ApiToken(42 chars)");
    assert_eq!(format!("{t}"), "ApiToken(42 chars)");
    assert_eq!(format!("{t:#?}"), "ApiToken(42 chars)");
    let wrapped = format!("{:?}", (Some(&t), vec![t.clone()]));
    assert!(!wrapped.contains(&secret));
    let short = token::clean("00abcdef").unwrap();
    assert_eq!(short.warnings(), &[TokenWarning::UnusualFormat { len: 8 }]);
    assert!(!short.to_string().contains("abcdef"));
    // Errors never carry the input.
    let e = token::clean(&format!("{secret} {secret}")).unwrap_err();
    assert_eq!(e, TokenError::InnerWhitespace);
    assert!(!format!("{e:?} {e}").contains("aaaa"));
}

#[wasm_bindgen_test::wasm_bindgen_test(unsupported = test)]
fn codes_are_unique_snake_case() {
    let snake = |c: &str| {
        !c.is_empty()
            && c.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            && c.starts_with(|l: char| l.is_ascii_lowercase())
            && !c.ends_with('_')
    };
    let org: Vec<&str> = Correction::ALL.iter().map(Correction::code).collect();
    let tok: Vec<&str> = TokenCorrection::ALL
        .iter()
        .map(TokenCorrection::code)
        .collect();
    for list in [
        &org,
        &tok,
        &ORG_ERROR_CODES.to_vec(),
        &TOKEN_ERROR_CODES.to_vec(),
    ] {
        let set: BTreeSet<_> = list.iter().collect();
        assert_eq!(set.len(), list.len(), "duplicate code in {list:?}");
        assert!(list.iter().all(|c| snake(c)), "not snake_case: {list:?}");
    }
    for c in Correction::ALL {
        assert!(c.to_string().ends_with('.'), "{c:?}");
    }
    for c in TokenCorrection::ALL {
        assert!(c.to_string().ends_with('.'), "{c:?}");
    }
}

#[wasm_bindgen_test::wasm_bindgen_test(unsupported = test)]
fn error_params_name_what_the_message_needs() {
    let e = org_url::normalize("https://acme.okta.com:8443").unwrap_err();
    assert_eq!(
        e.params(),
        vec![
            ("port", "8443".to_string()),
            ("suggestion", "acme.okta.com".to_string())
        ]
    );
    let e = org_url::normalize("acme.otka.com").unwrap_err();
    assert_eq!(
        e.params(),
        vec![
            ("host", "acme.otka.com".to_string()),
            ("suffix", "okta.com".to_string()),
            ("suggestion", "acme.okta.com".to_string())
        ]
    );
    let o = org_url::normalize("acme").unwrap();
    assert_eq!(
        o.corrections(),
        &[
            Correction::AddedScheme,
            Correction::AddedOktaSuffix { suffix: "okta.com" }
        ]
    );
    assert!(o.corrections()[1].to_string().contains("oktapreview.com"));
}
