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

/// How a language glosses a name with Okta's English one: "<name> (<English>)" in Latin
/// scripts, "<name>（<English>）" in Japanese, and in Arabic with the gloss isolated,
/// "<name> (FSI <English> PDI)". Inside a parenthesis the gloss takes square brackets.
struct GlossStyle {
    open: &'static str,
    close: &'static str,
    iso_open: &'static str,
    iso_close: &'static str,
    alt_open: &'static str,
    alt_close: &'static str,
}

impl GlossStyle {
    fn of(lang: &str) -> GlossStyle {
        let (open, close, iso_open, iso_close) = match lang {
            "ja" => ("（", "）", "", ""),
            "ar" => (" (", ")", "\u{2068}", "\u{2069}"),
            _ => (" (", ")", "", ""),
        };
        let (alt_open, alt_close) = if lang == "ja" {
            ("［", "］")
        } else {
            ("[", "]")
        };
        GlossStyle {
            open,
            close,
            iso_open,
            iso_close,
            alt_open,
            alt_close,
        }
    }

    /// The gloss as it follows a name: "(System Log)", or "[System Log]" inside a parenthesis.
    fn forms(&self, english: &str) -> [String; 2] {
        let GlossStyle {
            open,
            close,
            iso_open,
            iso_close,
            alt_open,
            alt_close,
        } = self;
        [
            format!("{}{iso_open}{english}{iso_close}{close}", open.trim_start()),
            format!("{alt_open}{iso_open}{english}{iso_close}{alt_close}"),
        ]
    }

    /// `head` (the text before an English name) without the gloss's opening bracket it ends
    /// with: the text the gloss follows. `None` if the name is not in a gloss.
    fn opener<'a>(&self, head: &'a str) -> Option<&'a str> {
        let head = head.strip_suffix(self.iso_open).unwrap_or(head);
        [self.open.trim_start(), self.alt_open]
            .into_iter()
            .find_map(|o| head.strip_suffix(o))
    }
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
        let style = GlossStyle::of(lang);
        let (open, close) = (style.open, style.close);
        let (iso_open, iso_close) = (style.iso_open, style.iso_close);
        let glosses = |english: &str| style.forms(english);
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

/// Where a placeholder's values come from, when they come from the catalogue itself: `{role}` is
/// a role's name, `{issue}` one of the proxy's reasons. Any other placeholder holds a value from
/// outside (a host, a partner's name, a number, a time) that can start with any letter or digit.
const FILLED_FROM: [(&str, &str); 7] = [
    ("role", "role."),
    ("roles", "role."),
    ("kind", "unreadable."),
    ("stage", "stage."),
    ("issue", "proxy_issue."),
    ("reason", "proxy_issue."),
    ("missing", "data."),
];

/// Whether English says `word` with a vowel sound first, so that it takes "an": "an Okta",
/// "an API", "an e-mail", "an unknown"; but "a user", "a URL", "a one-time", "a Super".
/// Initialisms are spelled out letter by letter ("an HTTP", "an SSWS", "a DNS"). `None` where
/// the word has no letter or digit to go by ("an \"@\"").
fn starts_with_vowel_sound(word: &str) -> Option<bool> {
    let word: String = word
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '-')
        .collect();
    let first = word.chars().next()?;
    let lower = word.to_lowercase();
    if first.is_ascii_digit() {
        // "an 8", "an 11", "an 18", "an 80"; "a 1", "a 42", "a 503".
        let number: String = word.chars().take_while(char::is_ascii_digit).collect();
        return Some(number.starts_with('8') || number == "11" || number == "18");
    }
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    if letters >= 2
        && word
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return Some("AEFHILMNORSX".contains(first));
    }
    // "a unique", "a user", "a usual", "a one-time", "a European"; "an hour".
    const CONSONANT_SOUND: [&str; 7] = ["uni", "usa", "use", "usu", "uti", "ure", "eu"];
    const SILENT_H: [&str; 4] = ["hour", "honest", "honor", "heir"];
    let one = lower == "one" || lower == "once" || lower.starts_with("one-");
    if one || CONSONANT_SOUND.iter().any(|p| lower.starts_with(p)) {
        return Some(false);
    }
    if SILENT_H.iter().any(|p| lower.starts_with(p)) {
        return Some(true);
    }
    Some("aeiou".contains(first.to_ascii_lowercase()))
}

#[test]
fn english_articles_agree_with_the_word_that_follows() {
    // "a" before a consonant sound, "an" before a vowel sound. Before a placeholder the article
    // must suit every value the placeholder can take: "belongs to a {role}" read "a
    // Organization Administrator". A value from outside the catalogue can start with anything,
    // so no article can stand right before it.
    let en = entries("en", EN);
    let mut problems = Vec::new();
    for (key, message) in &en {
        let words: Vec<&str> = message.split(' ').collect();
        for pair in words.windows(2) {
            // The article, after an opening quote or bracket: "(a", "\"an".
            let article = pair[0]
                .trim_start_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase();
            if article != "a" && article != "an" {
                continue;
            }
            let wants_an = article == "an";
            let next = pair[1];
            let quoted = next.trim_start_matches(|c: char| !c.is_alphanumeric() && c != '{');
            if let Some(rest) = quoted.strip_prefix('{') {
                let name = rest.split('}').next().unwrap_or_default();
                let Some((_, prefix)) = FILLED_FROM.iter().find(|(n, _)| *n == name) else {
                    problems.push(format!(
                        "en: {key:?}: \"{article} {{{name}}}\": {{{name}}} can start with any sound"
                    ));
                    continue;
                };
                for (k, value) in en.iter().filter(|(k, _)| k.starts_with(prefix)) {
                    if starts_with_vowel_sound(value) == Some(!wants_an) {
                        problems.push(format!(
                            "en: {key:?}: \"{article} {{{name}}}\" reads \"{article} {value}\" ({k})"
                        ));
                    }
                }
            } else if starts_with_vowel_sound(next) == Some(!wants_an) {
                problems.push(format!("en: {key:?}: \"{article} {next}\""));
            }
        }
    }
    fail_if_any("English article problems", &problems);
}

#[test]
fn japanese_puts_no_space_between_japanese_and_latin_text() {
    // Japanese runs Latin words and digits into the sentence without a space: "Okta組織",
    // "30日間", "{org}で作成". A filled value counts as Latin text. A space between two Latin
    // words ("Okta API", "HTTP {status}") stays.
    let (_, ja) = CATALOGUES.iter().find(|(l, _)| *l == "ja").unwrap();
    let japanese = |c: char| {
        matches!(c,
            '\u{3000}'..='\u{30ff}' // CJK punctuation, hiragana, katakana
            | '\u{3400}'..='\u{4dbf}'
            | '\u{4e00}'..='\u{9fff}'
            | '\u{ff01}'..='\u{ff60}') // full-width forms: （）：
    };
    let mut problems = Vec::new();
    for (key, message) in entries("ja", ja) {
        let chars: Vec<char> = message.chars().collect();
        for (i, pair) in chars.windows(3).enumerate() {
            let [before, space, after] = [pair[0], pair[1], pair[2]];
            if space != ' ' {
                continue;
            }
            let latin_before = before.is_ascii_alphanumeric() || before == '}';
            let latin_after = after.is_ascii_alphanumeric() || after == '{';
            if japanese(before) && latin_after || latin_before && japanese(after) {
                problems.push(format!(
                    "ja: {key:?}: a space in \"{before} {after}\" at {}",
                    i + 1
                ));
            }
        }
    }
    fail_if_any("spaces between Japanese and Latin text", &problems);
}

#[test]
fn spanish_keeps_one_register() {
    // The Spanish catalogue is written for Latin America, formal ("usted": "Ingrese", "Pegue"),
    // as most keys are. No word that only Spain uses, no "tú" or "vosotros". And the
    // corrections say what the page did in one tense, the preterite ("Se eliminaron…"), not
    // the present perfect ("Se han eliminado…") that Spain prefers.
    let (_, es) = CATALOGUES.iter().find(|(l, _)| *l == "es").unwrap();
    // Words Latin America says otherwise: "error tipográfico", "computadora", "archivo",
    // "tomar", "presione" or "haga clic".
    const SPAIN: [&str; 12] = [
        "errata",
        "erratas",
        "ordenador",
        "ordenadores",
        "fichero",
        "ficheros",
        "coger",
        "coja",
        "pulse",
        "pulsar",
        "pinche",
        "pinchar",
    ];
    // "Introduzca", "Introdúzcala": Latin America says "Ingrese", "Ingrésela".
    const SPAIN_PREFIXES: [&str; 3] = ["introduzc", "introdúzc", "introducir"];
    const INFORMAL: [&str; 12] = [
        "tú", "tu", "tus", "te", "ti", "contigo", "vosotros", "vosotras", "vuestro", "vuestra",
        "vuestros", "os",
    ];
    let participle = |w: &str| {
        ["ado", "ada", "ados", "adas", "ido", "ida", "idos", "idas"]
            .iter()
            .any(|e| w.ends_with(e))
    };
    let mut problems = Vec::new();
    for (key, message) in entries("es", es) {
        let lower = message.to_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        for (i, w) in words.iter().enumerate() {
            if SPAIN.contains(w) || SPAIN_PREFIXES.iter().any(|p| w.starts_with(p)) {
                problems.push(format!("es: {key:?}: {w:?} is used in Spain only"));
            }
            if INFORMAL.contains(w) {
                problems.push(format!("es: {key:?}: {w:?} is not the \"usted\" register"));
            }
            // Vosotros verb forms: "podéis", "tenéis", "pegáis" (but "dieciséis").
            if (w.ends_with("áis") || w.ends_with("éis")) && *w != "dieciséis" {
                problems.push(format!("es: {key:?}: {w:?} is a \"vosotros\" form"));
            }
            let perfect =
                matches!(*w, "ha" | "han") && words.get(i + 1).is_some_and(|next| participle(next));
            if key.contains(".correction.") && perfect {
                problems.push(format!(
                    "es: {key:?}: \"{w} {}\": the corrections use the preterite",
                    words[i + 1]
                ));
            }
        }
    }
    fail_if_any("Spanish register problems", &problems);
}

#[test]
fn german_capitalises_a_sentence_after_a_colon() {
    // The proxy's reasons (`proxy_issue.*`) are whole sentences that follow a colon ("…hat sie
    // abgelehnt: {issue} (HTTP {status})."), and in German a whole sentence after a colon
    // starts with a capital letter. So each starts with one, and every German message puts
    // them right after ": ", where a capital is right.
    let (_, de) = CATALOGUES.iter().find(|(l, _)| *l == "de").unwrap();
    let entries = entries("de", de);
    let mut problems = Vec::new();
    for (key, message) in &entries {
        if key.starts_with("proxy_issue.") && !message.starts_with(char::is_uppercase) {
            problems.push(format!(
                "de: {key:?} follows a colon as a whole sentence, so it starts with a capital: {message:?}"
            ));
        }
        for name in ["issue", "reason"] {
            let placeholder = format!("{{{name}}}");
            for (at, _) in message.match_indices(&placeholder) {
                if !message[..at].ends_with(": ") {
                    problems.push(format!(
                        "de: {key:?}: {placeholder} (a whole sentence) does not follow \": \""
                    ));
                }
            }
        }
    }
    fail_if_any("German capitalisation problems", &problems);
}

/// Okta's product and console names that a language may write in its own words with Okta's
/// English name as a gloss, as it does roles: "Systemprotokoll (System Log)". Each with the key
/// that holds the language's own name, where there is one.
const GLOSSED_NAMES: [(&str, Option<&str>); 2] =
    [("System Log", Some("data.logs")), ("Admin Console", None)];

#[test]
fn okta_product_names_carry_their_gloss_in_one_style() {
    // A name a language glosses once, it glosses everywhere, in the style of role names: no
    // bare "System Log" next to "Systemprotokoll (System Log)" elsewhere. Where the language's
    // own name is in the catalogue (`data.logs`), every gloss follows that name, every mention
    // of that name carries the gloss, and every message whose English names the product glosses
    // it too.
    let en = entries("en", EN);
    let mut problems = Vec::new();
    for (lang, json) in CATALOGUES {
        if lang == "en" {
            continue;
        }
        let entries = entries(lang, json);
        let style = GlossStyle::of(lang);
        for (english, name_key) in GLOSSED_NAMES {
            let local = name_key.and_then(|name_key| {
                let (_, message) = entries.iter().find(|(k, _)| k == name_key)?;
                let suffix = format!(
                    "{}{}{english}{}{}",
                    style.open, style.iso_open, style.iso_close, style.close
                );
                match message.strip_suffix(&suffix) {
                    Some(local) if !local.is_empty() => Some(local.to_lowercase()),
                    _ => {
                        problems.push(format!(
                            "{lang}: {name_key:?} is {message:?}, not \"<name>{suffix}\""
                        ));
                        None
                    }
                }
            });
            // Every place the English name appears: glossed or not, and after what.
            let mut mentions = Vec::new();
            for (key, message) in &entries {
                for (at, _) in message.match_indices(english) {
                    mentions.push((key, style.opener(&message[..at])));
                }
            }
            let glossed_somewhere = local.is_some() || mentions.iter().any(|m| m.1.is_some());
            if !glossed_somewhere {
                continue;
            }
            for (key, gloss_head) in &mentions {
                match gloss_head {
                    None => problems.push(format!(
                        "{lang}: {key:?} has {english:?} bare, but {lang} glosses it elsewhere"
                    )),
                    Some(head) => {
                        if let Some(local) = &local {
                            if !head.trim_end().to_lowercase().ends_with(local.as_str()) {
                                problems.push(format!(
                                    "{lang}: {key:?} glosses {english:?} after another name than {local:?}"
                                ));
                            }
                        }
                    }
                }
            }
            let Some(local) = &local else {
                continue;
            };
            for (key, message) in &entries {
                let named = message.to_lowercase().matches(local.as_str()).count();
                let glossed = style
                    .forms(english)
                    .iter()
                    .map(|g| message.matches(g.as_str()).count())
                    .sum::<usize>();
                if named > glossed {
                    problems.push(format!("{lang}: {key:?} names {local:?} without its gloss"));
                }
                let english_names_it = en
                    .iter()
                    .find(|(k, _)| k == key)
                    .is_some_and(|(_, m)| m.contains(english));
                if english_names_it && glossed == 0 {
                    problems.push(format!(
                        "{lang}: {key:?} does not name {english:?} (\"{local}\" with its gloss) as English does"
                    ));
                }
            }
        }
    }
    fail_if_any("product name gloss problems", &problems);
}
