//! index.html's static form (the shell, typed into before the WebAssembly arrives) says what the
//! page says in English, and cannot submit anything.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeMap;

const INDEX: &str = include_str!("../index.html");
const EN: &str = include_str!("../i18n/en.json");

fn shell() -> &'static str {
    let start = INDEX.find("data-shell").expect("index.html has the shell");
    let end = INDEX[start..].find("</main>").expect("the shell ends") + start;
    &INDEX[start..end]
}

#[test]
fn the_shell_says_what_the_english_page_says() {
    let en: BTreeMap<String, String> = serde_json::from_str(EN).unwrap();
    let shell = shell();
    for key in [
        "app.title",
        "app.lede",
        "org.label",
        "org.placeholder",
        "org.hint",
        "token.label",
        "token.hint",
        "token.show",
        "check.button",
        "app.footer_plain",
    ] {
        let text = en.get(key).unwrap_or_else(|| panic!("en.json has {key}"));
        assert!(
            shell.contains(text.as_str()),
            "index.html's shell does not say {key} = {text:?}"
        );
    }
}

#[test]
fn the_shell_cannot_submit_or_name_a_field() {
    let shell = shell();
    assert!(!shell.contains("<form"), "no form in the shell");
    assert!(!shell.contains(" name="), "no named field in the shell");
    // Both of its buttons wait for the page.
    assert_eq!(shell.matches("<button").count(), 2);
    assert_eq!(shell.matches(" disabled>").count(), 2);
    for id in ["id=\"org\"", "id=\"token\"", "type=\"password\""] {
        assert!(shell.contains(id), "{id}");
    }
}
