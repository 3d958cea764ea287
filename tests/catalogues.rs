//! Every shipped message catalogue (`i18n/<lang>.json`) matches the English source: the same
//! keys, no more and no fewer; the same `{placeholders}` in every message; no empty messages;
//! and no key written twice (a JSON object with a repeated key parses, silently keeping one).
//!
//! Each test checks all languages and lists every problem it finds before failing.
//!
//! A message that counts has one entry per plural form, `key#<category>`, and every language
//! has exactly the categories its plural rules use (what the browser's `Intl.PluralRules`
//! reports; a browser test checks that the two agree). The typography a machine can check is
//! checked too: filled values are isolated, French has its non-breaking spaces, no Latin run
//! in Arabic can be reordered, and role names carry their English gloss in one style.

use std::collections::BTreeSet;
use std::fmt;

use okta_link::i18n::bidi::latin_runs;
use okta_link::i18n::{fill, placeholders, FSI, PDI, PLURAL_SEPARATOR};
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

/// A key without its plural category: `token.state.length#one` → `token.state.length`.
fn base(key: &str) -> &str {
    key.split(PLURAL_SEPARATOR).next().unwrap_or(key)
}

fn category(key: &str) -> Option<&str> {
    key.split_once(PLURAL_SEPARATOR).map(|(_, c)| c)
}

fn keys(entries: &[(String, String)]) -> BTreeSet<&str> {
    entries.iter().map(|(k, _)| base(k)).collect()
}

/// The plural categories each language's rules use (CLDR 42+, as Chromium's
/// `Intl.PluralRules(lang).resolvedOptions().pluralCategories` reports them).
pub const PLURAL_FORMS: [(&str, &[&str]); 6] = [
    ("en", &["one", "other"]),
    ("de", &["one", "other"]),
    ("fr", &["one", "many", "other"]),
    ("es", &["one", "many", "other"]),
    ("ja", &["other"]),
    ("ar", &["zero", "one", "two", "few", "many", "other"]),
];

/// The placeholder that holds the count of a message with plural forms.
const COUNTS: [&str; 2] = ["len", "seconds"];

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
fn plural_messages_have_the_forms_each_language_needs() {
    let en = entries("en", EN);
    let plural_bases: BTreeSet<&str> = en
        .iter()
        .filter(|(k, _)| category(k).is_some())
        .map(|(k, _)| base(k))
        .collect();
    assert!(plural_bases.contains("token.state.length"));
    let mut problems = Vec::new();
    for (lang, json) in CATALOGUES {
        let needed: BTreeSet<&str> = PLURAL_FORMS
            .iter()
            .find(|(l, _)| *l == lang)
            .map(|(_, c)| c.iter().copied().collect())
            .expect("every language has its plural categories listed");
        let entries = entries(lang, json);
        for b in &plural_bases {
            let found: BTreeSet<&str> = entries
                .iter()
                .filter(|(k, _)| base(k) == *b)
                .filter_map(|(k, _)| category(k))
                .collect();
            if found != needed {
                problems.push(format!(
                    "{lang}: {b:?} has the forms {found:?}, the language needs {needed:?}"
                ));
            }
            if entries.iter().any(|(k, _)| k == b) {
                problems.push(format!(
                    "{lang}: {b:?} is also written without a plural form"
                ));
            }
        }
        for (k, _) in &entries {
            if category(k).is_some() && !plural_bases.contains(base(k)) {
                problems.push(format!(
                    "{lang}: {k:?} has a plural form that English does not"
                ));
            }
        }
    }
    fail_if_any("plural form problems", &problems);
}

#[test]
fn placeholders_match_english() {
    let en = entries("en", EN);
    let mut problems = Vec::new();
    for (lang, json) in CATALOGUES {
        for (key, message) in entries(lang, json) {
            let english = en.iter().find(|(k, _)| *k == key).or_else(|| {
                // A plural form English does not have: compare with English's `other`.
                let other = format!("{}{PLURAL_SEPARATOR}other", base(&key));
                en.iter().find(|(k, _)| *k == other)
            });
            let Some((_, english)) = english else {
                continue; // reported by catalogues_have_exactly_the_english_keys
            };
            let expected = placeholders(english);
            let mut found = placeholders(&message);
            // Where a form stands for exactly one number (Arabic's "حرفان", two characters),
            // the count may be written in words instead of digits.
            if matches!(category(&key), Some("zero" | "one" | "two")) && lang != "en" {
                for count in COUNTS {
                    if expected.iter().any(|p| p == count) && !found.iter().any(|p| p == count) {
                        found.push(count.to_string());
                        found.sort();
                    }
                }
            }
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

#[test]
fn filled_values_are_isolated_in_every_message() {
    // Every `{placeholder}` of every message, filled, sits between FSI and PDI, so that a host
    // or a number keeps its order in a right-to-left sentence and cannot reorder it. And no
    // message isolates a placeholder itself (it would be isolated twice).
    let mut problems = Vec::new();
    for (lang, json) in CATALOGUES {
        for (key, message) in entries(lang, json) {
            let names = placeholders(&message);
            let values: Vec<(String, String)> = names
                .iter()
                .map(|n| (n.clone(), format!("<{n}>")))
                .collect();
            let args: Vec<(&str, &str)> = values
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let filled = fill(&message, &args);
            for (name, value) in &values {
                let isolated = format!("{FSI}{value}{PDI}");
                if filled.matches(value.as_str()).count() != filled.matches(&isolated).count() {
                    problems.push(format!("{lang}: {key:?}: {{{name}}} is not isolated"));
                }
                if message.contains(&format!("{FSI}{{{name}}}{PDI}")) {
                    problems.push(format!("{lang}: {key:?}: {{{name}}} is isolated twice"));
                }
            }
        }
    }
    fail_if_any("placeholders not isolated", &problems);
}

/// The isolate marks and the Arabic text of a message stay out of the Latin-only languages.
#[test]
fn isolate_marks_are_balanced() {
    let mut problems = Vec::new();
    for (lang, json) in CATALOGUES {
        for (key, message) in entries(lang, json) {
            let mut depth = 0i32;
            for c in message.chars() {
                depth += i32::from(c == FSI) - i32::from(c == PDI);
                if depth < 0 {
                    break;
                }
            }
            if depth != 0 {
                problems.push(format!("{lang}: {key:?} has unbalanced FSI/PDI"));
            }
        }
    }
    fail_if_any("unbalanced isolates", &problems);
}

#[test]
fn arabic_has_no_latin_run_that_could_be_reordered() {
    // A Latin run with punctuation at its edge or inside (https://, -admin, xn--, :8443,
    // Security > API > Tokens), at the edge of the message, or in quotes or brackets is
    // isolated in the catalogue (FSI … PDI).
    let (_, ar) = CATALOGUES.iter().find(|(l, _)| *l == "ar").unwrap();
    let mut problems = Vec::new();
    for (key, message) in entries("ar", ar) {
        for run in latin_runs(&message)
            .into_iter()
            .filter(|r| r.needs_isolation)
        {
            problems.push(format!(
                "ar: {key:?}: \"{}\" needs FSI … PDI around it",
                &message[run.start..run.end]
            ));
        }
    }
    fail_if_any("bare Latin runs in Arabic", &problems);
}

#[test]
fn french_has_its_non_breaking_spaces() {
    // Before : ; ? ! (used as punctuation, that is followed by a space or the end), inside « »,
    // and between a number and its unit: a no-break space (U+00A0) or a narrow one (U+202F).
    let (_, fr) = CATALOGUES.iter().find(|(l, _)| *l == "fr").unwrap();
    let nbsp = |c: Option<char>| matches!(c, Some('\u{a0}' | '\u{202f}'));
    let units = [
        "caractère",
        "caractères",
        "jours",
        "seconde",
        "secondes",
        "de caractères",
    ];
    let mut problems = Vec::new();
    for (key, message) in entries("fr", fr) {
        let chars: Vec<char> = message.chars().collect();
        for (i, &c) in chars.iter().enumerate() {
            let before = i.checked_sub(1).map(|j| chars[j]);
            let after = chars.get(i + 1).copied();
            let punctuation =
                ":;?!".contains(c) && matches!(after, None | Some(' ' | '\u{a0}' | '»'));
            // Inside an isolate (a URL, a path) there is no French typography.
            let isolated = chars[..i].iter().filter(|&&x| x == FSI).count()
                > chars[..i].iter().filter(|&&x| x == PDI).count();
            // Inside « », a colon right after a letter is part of a quoted literal
            // (« {scheme}: », « Authorization: SSWS »), not French punctuation.
            let quoted = chars[..i].iter().filter(|&&x| x == '«').count()
                > chars[..i].iter().filter(|&&x| x == '»').count();
            let literal = quoted && before.is_some_and(|b| b.is_ascii_alphanumeric() || b == '}');
            if punctuation
                && !isolated
                && !literal
                && before.is_some()
                && !nbsp(before)
                && before != Some('…')
            {
                problems.push(format!(
                    "fr: {key:?}: no no-break space before {c:?} at {i}"
                ));
            }
            if c == '«' && !nbsp(after) {
                problems.push(format!("fr: {key:?}: no no-break space after «"));
            }
            if c == '»' && !nbsp(before) {
                problems.push(format!("fr: {key:?}: no no-break space before »"));
            }
        }
        for unit in units {
            for (at, _) in message.match_indices(unit) {
                let head = &message[..at];
                if head.ends_with(' ')
                    && head
                        .trim_end()
                        .ends_with(|c: char| c.is_ascii_digit() || c == '}')
                {
                    problems.push(format!(
                        "fr: {key:?}: a plain space before the unit {unit:?}"
                    ));
                }
            }
        }
    }
    fail_if_any("French spacing problems", &problems);
}

#[test]
fn role_names_carry_their_english_gloss_in_one_style() {
    // Okta's Admin Console names roles in English (its Japanese console shows both), so every
    // language writes a role as "<its name> (<Okta's English name>)": (…) in Latin scripts,
    // （…） in Japanese, and in Arabic with the gloss isolated, (FSI … PDI). Inside a parenthesis
    // the gloss takes square brackets ([…], ［…］). Every message that names a role in its own
    // language carries the gloss; an English role name appears only as a gloss.
    let en = entries("en", EN);
    let roles: Vec<(&str, &str)> = en
        .iter()
        .filter(|(k, _)| k.starts_with("role.") && k != "role.custom" && k != "role.other")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut problems = Vec::new();
    for (lang, json) in CATALOGUES {
        if lang == "en" {
            continue;
        }
        let entries = entries(lang, json);
        let (open, close, iso_open, iso_close) = match lang {
            "ja" => ("（", "）", "", ""),
            "ar" => (" (", ")", "\u{2068}", "\u{2069}"),
            _ => (" (", ")", "", ""),
        };
        let glosses = |english: &str| {
            let alt = if lang == "ja" {
                ("［", "］")
            } else {
                ("[", "]")
            };
            vec![
                format!("{}{iso_open}{english}{iso_close}{close}", open.trim_start()),
                format!("{}{iso_open}{english}{iso_close}{}", alt.0, alt.1),
            ]
        };
        let mut local_names = Vec::new();
        for (key, english) in &roles {
            let Some((_, message)) = entries.iter().find(|(k, _)| k == key) else {
                continue;
            };
            let suffix = format!("{open}{iso_open}{english}{iso_close}{close}");
            match message.strip_suffix(&suffix) {
                Some(local) if !local.is_empty() => local_names.push((local.to_string(), *english)),
                _ => problems.push(format!(
                    "{lang}: {key:?} is {message:?}, not \"<name>{suffix}\""
                )),
            }
        }
        for (key, message) in &entries {
            if key.starts_with("role.") {
                continue;
            }
            let lower = message.to_lowercase();
            for (local, english) in &local_names {
                if lower.contains(&local.to_lowercase())
                    && !glosses(english).iter().any(|g| message.contains(g))
                {
                    problems.push(format!("{lang}: {key:?} names {local:?} without its gloss"));
                }
            }
            for (_, english) in &roles {
                for (at, _) in message.match_indices(english) {
                    let head = message[..at].trim_end_matches(['\u{2068}']);
                    if !head.ends_with(['(', '[', '（', '［']) {
                        problems.push(format!("{lang}: {key:?} has {english:?} outside a gloss"));
                    }
                }
            }
        }
    }
    fail_if_any("role gloss problems", &problems);
}
