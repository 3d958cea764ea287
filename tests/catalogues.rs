//! Every shipped message catalogue (`i18n/<lang>.json`) matches the English source: the same
//! keys, no more and no fewer; the same `{placeholders}` in every message; no empty messages;
//! and no key written twice (a JSON object with a repeated key parses, silently keeping one).
//!
//! Each test checks all languages and lists every problem it finds before failing.

use std::collections::BTreeSet;
use std::fmt;

use okta_link::i18n::placeholders;
use serde::de::{Deserializer, MapAccess, Visitor};

const EN: &str = include_str!("../i18n/en.json");

const CATALOGUES: [(&str, &str); 6] = [
    ("en", EN),
    ("de", include_str!("../i18n/de.json")),
    ("fr", include_str!("../i18n/fr.json")),
    ("es", include_str!("../i18n/es.json")),
    ("ja", include_str!("../i18n/ja.json")),
    ("ar", include_str!("../i18n/ar.json")),
];

/// A catalogue's entries in file order, duplicates included.
struct Entries(Vec<(String, String)>);

impl<'de> serde::Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;

        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = Entries;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a flat JSON object from message key to message string")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut entries = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, String>()? {
                    entries.push((key, value));
                }
                Ok(Entries(entries))
            }
        }

        deserializer.deserialize_map(EntriesVisitor)
    }
}

fn entries(lang: &str, json: &str) -> Vec<(String, String)> {
    match serde_json::from_str::<Entries>(json) {
        Ok(Entries(entries)) => entries,
        Err(e) => panic!("i18n/{lang}.json is not a flat object of strings: {e}"),
    }
}

fn keys(entries: &[(String, String)]) -> BTreeSet<&str> {
    entries.iter().map(|(k, _)| k.as_str()).collect()
}

fn fail_if_any(what: &str, problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{} {what}:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

#[test]
fn catalogues_parse_without_repeated_keys() {
    let mut problems = Vec::new();
    for (lang, json) in CATALOGUES {
        let entries = entries(lang, json);
        let mut seen = BTreeSet::new();
        for (key, _) in &entries {
            if !seen.insert(key.as_str()) {
                problems.push(format!("{lang}: key {key:?} appears more than once"));
            }
        }
    }
    fail_if_any("repeated keys", &problems);
}

#[test]
fn catalogues_have_exactly_the_english_keys() {
    let en = entries("en", EN);
    let en_keys = keys(&en);
    let mut problems = Vec::new();
    for (lang, json) in CATALOGUES {
        let entries = entries(lang, json);
        let lang_keys = keys(&entries);
        for missing in en_keys.difference(&lang_keys) {
            problems.push(format!("{lang}: missing key {missing:?}"));
        }
        for extra in lang_keys.difference(&en_keys) {
            problems.push(format!("{lang}: extra key {extra:?} (not in en.json)"));
        }
    }
    fail_if_any("key differences from en.json", &problems);
}

#[test]
fn placeholders_match_english() {
    let en = entries("en", EN);
    let mut problems = Vec::new();
    for (lang, json) in CATALOGUES {
        for (key, message) in entries(lang, json) {
            let Some((_, english)) = en.iter().find(|(k, _)| *k == key) else {
                continue; // reported by catalogues_have_exactly_the_english_keys
            };
            let expected = placeholders(english);
            let found = placeholders(&message);
            if found != expected {
                problems.push(format!(
                    "{lang}: {key:?} has placeholders {found:?}, English has {expected:?}"
                ));
            }
        }
    }
    fail_if_any("placeholder mismatches", &problems);
}

#[test]
fn no_empty_messages() {
    let mut problems = Vec::new();
    for (lang, json) in CATALOGUES {
        for (key, message) in entries(lang, json) {
            if message.trim().is_empty() {
                problems.push(format!("{lang}: {key:?} is empty"));
            }
        }
    }
    fail_if_any("empty messages", &problems);
}
