//! In headless Chromium (wasm-bindgen-test): every Arabic message, filled with representative
//! values, is laid out right to left, and every Latin run in it (a host, a URL, a path, a port,
//! a menu path, a role's English gloss) shows its first character to the left of its last, as
//! a Latin reader expects: nothing is reordered. A new message with a bare `https://` or
//! `-admin` fails here. And times, counts and plural forms come from the browser's `Intl` in
//! all six languages.
#![cfg(target_arch = "wasm32")]

use okta_link::i18n::bidi::latin_runs;
use okta_link::i18n::{fill, intl, placeholders, Catalog, Lang, Texts, EN_JSON, FSI, PDI};
use okta_link::net::BrowserJson;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const AR_JSON: &str = include_str!("../i18n/ar.json");

/// 2026-12-03 14:05:00 UTC.
const FIXED: u64 = 1_796_306_700;

fn arabic() -> Vec<(String, String)> {
    let parsed = js_sys::JSON::parse(AR_JSON).expect("ar.json parses");
    js_sys::Object::entries(parsed.unchecked_ref())
        .iter()
        .map(|pair| {
            let pair: js_sys::Array = pair.unchecked_into();
            (
                pair.get(0).as_string().unwrap(),
                pair.get(1).as_string().unwrap(),
            )
        })
        .collect()
}

/// What the page would put in `{name}`, in Arabic where the value is itself a message.
fn value(name: &str, ar: &[(String, String)]) -> String {
    let t = |key: &str| {
        ar.iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("ar.json has {key}"))
    };
    match name {
        "host" => "acme-admin.okta.com".into(),
        "named" => "login.example.com".into(),
        "ips" => "203.0.113.7, 198.51.100.2".into(),
        "status" => "503".into(),
        "time" => intl::time(Lang::Ar, FIXED, Some("UTC")),
        "issue" => t("proxy_issue.origin_forwarded"),
        "reason" => t("proxy_issue.target_refused"),
        "stage" => t("stage.identify"),
        "call" => "/api/v1/users/me".into(),
        "kind" => t("unreadable.not_json"),
        "missing" => format!("{}، {}", t("data.logs"), t("data.users")),
        "roles" => format!("{}، {}", t("role.read_only_admin"), t("role.super_admin")),
        "partner" => "Example Security".into(),
        "account" => "Example Corp (workspace 42)".into(),
        "len" => intl::number(Lang::Ar, 42),
        "max" => intl::number(Lang::Ar, 253),
        "seconds" => intl::number(Lang::Ar, 5),
        "suffix" => "okta.com".into(),
        "scheme" => "ftp".into(),
        "port" => "8443".into(),
        "char" => "_".into(),
        "suggestion" => "acme.okta.com".into(),
        "role" => t("role.super_admin"),
        "org" => "acme.okta.com".into(),
        "name" => "Alice Nguyen".into(),
        "id" => "0oa1dpopreadonly0001".into(),
        "scopes" => "okta.users.read, okta.logs.read".into(),
        "error" => "invalid_dpop_proof".into(),
        other => panic!("no representative value for {{{other}}}: add one"),
    }
}

fn is_latin(c: char) -> bool {
    (' '..='~').contains(&c) || c == '…'
}

/// Byte ranges of Latin text whose order must hold: each bare run, and the content of each
/// isolate that holds Latin text only (a filled host, a catalogue's `https://`, a gloss).
fn spans(msg: &str) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = latin_runs(msg).iter().map(|r| (r.start, r.end)).collect();
    let mut open = Vec::new();
    for (i, c) in msg.char_indices() {
        if c == FSI {
            open.push(i + c.len_utf8());
        } else if c == PDI {
            if let Some(start) = open.pop() {
                let inner = &msg[start..i];
                if inner.chars().all(|c| is_latin(c) || c == FSI || c == PDI)
                    && inner.chars().any(|c| c.is_ascii_alphanumeric())
                {
                    out.push((start, i));
                }
            }
        }
    }
    out
}

fn utf16_offset(s: &str, byte: usize) -> u32 {
    s[..byte].encode_utf16().count() as u32
}

/// The horizontal centre of the character at `byte` once laid out.
fn centre(text: &web_sys::Text, msg: &str, byte: usize) -> f64 {
    let c = msg[byte..].chars().next().unwrap();
    let from = utf16_offset(msg, byte);
    let range = web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .create_range()
        .unwrap();
    range.set_start(text, from).unwrap();
    range.set_end(text, from + c.len_utf16() as u32).unwrap();
    let rect = range.get_bounding_client_rect();
    rect.left() + rect.width() / 2.0
}

/// For each span of `msg` laid out right to left: (the span, its first char's centre, its last's).
fn layout(msg: &str) -> Vec<(String, f64, f64)> {
    let document = web_sys::window().unwrap().document().unwrap();
    let holder = document.create_element("p").unwrap();
    holder.set_attribute("dir", "rtl").unwrap();
    holder.set_attribute("lang", "ar").unwrap();
    holder
        .set_attribute(
            "style",
            "white-space: nowrap; position: absolute; font: 16px sans-serif",
        )
        .unwrap();
    let text = document.create_text_node(msg);
    holder.append_child(&text).unwrap();
    document.body().unwrap().append_child(&holder).unwrap();
    let mut out = Vec::new();
    for (start, end) in spans(msg) {
        let visible: Vec<(usize, char)> = msg[start..end]
            .char_indices()
            .filter(|&(_, c)| c != FSI && c != PDI && c != ' ')
            .map(|(i, c)| (start + i, c))
            .collect();
        if visible.len() < 2 {
            continue;
        }
        let first = centre(&text, msg, visible[0].0);
        let last = centre(&text, msg, visible[visible.len() - 1].0);
        out.push((msg[start..end].to_string(), first, last));
    }
    holder.remove();
    out
}

#[wasm_bindgen_test]
fn the_measure_sees_a_bare_run_reordered() {
    // Without isolation Chromium shows `https://.` as `.//:https` in Arabic: the test's own
    // measure must see that, or it would pass anything.
    let runs = layout("تمت إضافة https://.");
    let (run, first, last) = &runs[0];
    assert_eq!(run, "https://");
    assert!(
        first > last,
        "a bare https:// was not reordered: {first} {last}"
    );
    let runs = layout("احذف «-admin» من العنوان.");
    assert!(runs[0].1 > runs[0].2, "a bare -admin was not reordered");
}

#[wasm_bindgen_test]
fn every_latin_run_in_every_arabic_message_keeps_its_order() {
    let ar = arabic();
    let mut problems = Vec::new();
    let mut measured = 0;
    for (key, message) in &ar {
        let names = placeholders(message);
        let values: Vec<(String, String)> =
            names.iter().map(|n| (n.clone(), value(n, &ar))).collect();
        let args: Vec<(&str, &str)> = values
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let filled = fill(message, &args);
        for (run, first, last) in layout(&filled) {
            measured += 1;
            if first >= last {
                problems.push(format!(
                    "{key}: \"{run}\" is reordered ({first:.1} ≥ {last:.1})"
                ));
            }
        }
    }
    assert!(measured > 100, "only {measured} runs measured");
    assert!(
        problems.is_empty(),
        "{} runs reordered:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

#[wasm_bindgen_test]
fn the_reset_time_is_written_as_each_language_writes_it() {
    // A fixed time, in UTC and in Paris (the reader's zone is named either way).
    let expected = [
        (Lang::En, "2:05 PM UTC", "3:05 PM GMT+1"),
        (Lang::De, "14:05 UTC", "15:05 MEZ"),
        (Lang::Fr, "14\u{a0}h\u{a0}05 UTC", "15\u{a0}h\u{a0}05 UTC+1"),
        (Lang::Es, "14:05 UTC", "15:05 CET"),
        (Lang::Ja, "14:05 UTC", "15:05 GMT+1"),
        (Lang::Ar, "2:05 م UTC", "3:05 م غرينتش+1"),
    ];
    let mut problems = Vec::new();
    for (lang, utc, paris) in expected {
        for (zone, want) in [("UTC", utc), ("Europe/Paris", paris)] {
            let got = intl::time(lang, FIXED, Some(zone));
            if got != want {
                problems.push(format!(
                    "{}/{zone}: {got:?}, expected {want:?}",
                    lang.code()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[wasm_bindgen_test]
fn counts_are_written_as_each_language_writes_them() {
    let expected = [
        (Lang::En, "1,234,567"),
        (Lang::De, "1.234.567"),
        (Lang::Fr, "1\u{202f}234\u{202f}567"),
        (Lang::Es, "1.234.567"),
        (Lang::Ja, "1,234,567"),
        (Lang::Ar, "1,234,567"),
    ];
    let mut problems = Vec::new();
    for (lang, want) in expected {
        let got = intl::number(lang, 1_234_567);
        if got != want {
            problems.push(format!("{}: {got:?}, expected {want:?}", lang.code()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[wasm_bindgen_test]
fn the_browsers_plural_categories_are_the_ones_the_catalogues_have() {
    // The same table as tests/catalogues.rs checks the catalogues against.
    let expected: [(Lang, &[&str]); 6] = [
        (Lang::En, &["one", "other"]),
        (Lang::De, &["one", "other"]),
        (Lang::Fr, &["one", "many", "other"]),
        (Lang::Es, &["one", "many", "other"]),
        (Lang::Ja, &["other"]),
        (Lang::Ar, &["zero", "one", "two", "few", "many", "other"]),
    ];
    for (lang, categories) in expected {
        let rules = js_sys::Intl::PluralRules::new(
            &js_sys::Array::of1(&lang.code().into()),
            &js_sys::Object::new(),
        );
        let options = rules.resolved_options();
        let got: Vec<String> = js_sys::Reflect::get(&options, &"pluralCategories".into())
            .map(|v| {
                js_sys::Array::from(&v)
                    .iter()
                    .filter_map(|c| c.as_string())
                    .collect()
            })
            .unwrap_or_default();
        let mut got_sorted = got.clone();
        got_sorted.sort();
        let mut want: Vec<String> = categories.iter().map(|c| c.to_string()).collect();
        want.sort();
        assert_eq!(got_sorted, want, "{}: Chromium has {got:?}", lang.code());
    }
    let picks = [
        (Lang::Ar, 0, "zero"),
        (Lang::Ar, 1, "one"),
        (Lang::Ar, 2, "two"),
        (Lang::Ar, 3, "few"),
        (Lang::Ar, 11, "many"),
        (Lang::Ar, 100, "other"),
        (Lang::Fr, 0, "one"),
        (Lang::Fr, 1_000_000, "many"),
        (Lang::En, 1, "one"),
        (Lang::En, 0, "other"),
        (Lang::Ja, 1, "other"),
    ];
    for (lang, n, want) in picks {
        assert_eq!(intl::plural_category(lang, n), want, "{} {n}", lang.code());
    }
}

#[wasm_bindgen_test]
fn a_count_picks_its_form_and_writes_its_number() {
    let en = Catalog::parse(EN_JSON, &BrowserJson).unwrap();
    let ar = Catalog::parse(AR_JSON, &BrowserJson).unwrap();
    let fr = Catalog::parse(include_str!("../i18n/fr.json"), &BrowserJson).unwrap();
    let t = Texts::new(Lang::En, Catalog::default(), en.clone());
    assert_eq!(
        t.count("token.state.length", "len", 1),
        "\u{2068}1\u{2069} character."
    );
    assert_eq!(
        t.count("token.state.length", "len", 42),
        "\u{2068}42\u{2069} characters."
    );
    assert_eq!(
        t.count("token.state.length", "len", 1234),
        "\u{2068}1,234\u{2069} characters."
    );
    let t = Texts::new(Lang::Ar, ar, en.clone());
    assert_eq!(t.count("token.state.length", "len", 2), "حرفان.");
    assert_eq!(
        t.count("token.state.length", "len", 5),
        "\u{2068}5\u{2069} أحرف."
    );
    assert_eq!(
        t.count("token.state.length", "len", 42),
        "\u{2068}42\u{2069} حرفًا."
    );
    assert_eq!(
        t.count("token.state.length", "len", 300),
        "\u{2068}300\u{2069} حرف."
    );
    let t = Texts::new(Lang::Fr, fr, en);
    assert_eq!(
        t.count("token.state.length", "len", 1),
        "\u{2068}1\u{2069}\u{a0}caractère."
    );
    assert_eq!(
        t.count("token.state.length", "len", 1_000_000),
        "\u{2068}1\u{202f}000\u{202f}000\u{2069}\u{a0}de caractères."
    );
}
