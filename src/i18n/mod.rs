//! Message catalogues: every word the page shows comes from `i18n/<lang>.json`.
//!
//! A catalogue is a flat JSON object from a stable key (the core's `code()` ids, prefixed by
//! area) to a message with `{name}` placeholders. English is compiled in and is the fallback; the
//! others are fetched from the page's origin only when chosen, so an English first load carries
//! one catalogue. Choosing the language is pure: [`negotiate`].

pub mod bidi;
pub mod describe;
pub mod intl;

use std::sync::Arc;

use crate::core::decode::{self, Document, JsonError, JsonParser};

/// The English catalogue, compiled in.
pub const EN_JSON: &str = include_str!("../../i18n/en.json");

/// Languages the page speaks (the core's, since the configuration and the link name them).
pub use crate::core::lang::Lang;

/// The fragment's `lang`, else the first of the browser's languages we speak, else the
/// deployment's default (English unless configured), else the first allowed. Always one of
/// `allowed` when `allowed` is not empty.
pub fn negotiate(
    requested: Option<&str>,
    browser: &[String],
    allowed: &[Lang],
    default: Lang,
) -> Lang {
    let ok = |l: &Lang| allowed.is_empty() || allowed.contains(l);
    requested
        .and_then(Lang::from_tag)
        .filter(ok)
        .or_else(|| browser.iter().filter_map(|t| Lang::from_tag(t)).find(ok))
        .or_else(|| Some(default).filter(ok))
        .or_else(|| allowed.first().copied())
        .unwrap_or(Lang::En)
}

/// One loaded catalogue: its entries sorted by key, each key once. Shared, so copies of the
/// page's texts cost a reference count, not the catalogue.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    entries: Arc<[(String, String)]>,
}

/// A catalogue file: an object of strings (a later duplicate key wins, as `JSON.parse` has it
/// and as serde fills a map).
#[derive(serde::Deserialize)]
#[serde(transparent)]
struct CatalogFile(std::collections::BTreeMap<String, String>);

impl Document for CatalogFile {}

impl Catalog {
    pub fn parse<P: JsonParser>(json: &str, parser: &P) -> Result<Catalog, JsonError> {
        let CatalogFile(map) = decode::read(json, parser)?;
        Ok(Catalog {
            entries: map.into_iter().collect(),
        })
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| self.entries[i].1.as_str())
    }

    /// The keys, each once, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_str())
    }
}

/// The catalogue in use, with English behind it.
#[derive(Debug, Clone, Default)]
pub struct Texts {
    pub lang: Option<Lang>,
    chosen: Catalog,
    english: Catalog,
}

impl Texts {
    pub fn new(lang: Lang, chosen: Catalog, english: Catalog) -> Texts {
        Texts {
            lang: Some(lang),
            chosen,
            english,
        }
    }

    pub fn lang(&self) -> Lang {
        self.lang.unwrap_or(Lang::En)
    }

    /// The message for `key`; a missing key shows the key itself (a test keeps that from
    /// happening in a shipped catalogue).
    pub fn t(&self, key: &str) -> String {
        self.chosen
            .get(key)
            .or_else(|| self.english.get(key))
            .unwrap_or(key)
            .to_string()
    }

    /// The message for `key` with `{name}` placeholders filled from `args`. Values are inserted
    /// as plain text; the view sets text content, never HTML.
    pub fn f(&self, key: &str, args: &[(&str, &str)]) -> String {
        fill(&self.t(key), args)
    }

    /// A message that names the partner when the deployment has one: `key_partner` with
    /// `{partner}`, else `key_plain`.
    pub fn with_partner(
        &self,
        partner: Option<&str>,
        key_partner: &str,
        key_plain: &str,
    ) -> String {
        match partner {
            Some(p) => self.f(key_partner, &[("partner", p)]),
            None => self.t(key_plain),
        }
    }

    /// A message that counts `n` things: the form `key#<category>` for `n`'s plural category
    /// in this language (`Intl.PluralRules`), with `{name}` filled with `n` as the language
    /// writes numbers (`Intl.NumberFormat`) and `args` as in [`Texts::f`]. Falls back to the
    /// language's `#other`, then English's form, then `key` itself for a message that does not
    /// count.
    pub fn count_with(&self, key: &str, name: &str, n: u64, args: &[(&str, &str)]) -> String {
        let lang = self.lang();
        let form = |cat: &str| format!("{key}{PLURAL_SEPARATOR}{cat}");
        let chosen = form(&intl::plural_category(lang, n));
        let english = form(&intl::plural_category(Lang::En, n));
        let template = self
            .chosen
            .get(&chosen)
            .or_else(|| self.chosen.get(&form("other")))
            .or_else(|| self.english.get(&english))
            .or_else(|| self.english.get(&form("other")))
            .or_else(|| self.chosen.get(key))
            .or_else(|| self.english.get(key))
            .unwrap_or(key);
        let number = self.number(n);
        let mut all: Vec<(&str, &str)> = vec![(name, number.as_str())];
        all.extend(args.iter().filter(|(k, _)| *k != name));
        fill(template, &all)
    }

    /// A message that counts: `{name}` is `n` (see [`Texts::count_with`]).
    pub fn count(&self, key: &str, name: &str, n: u64) -> String {
        self.count_with(key, name, n, &[])
    }

    /// `n` as this language writes counts (`Intl.NumberFormat`).
    pub fn number(&self, n: u64) -> String {
        intl::number(self.lang(), n)
    }

    /// A time of day in the reader's time zone, named (`Intl.DateTimeFormat`).
    pub fn time(&self, epoch_s: u64) -> String {
        intl::time(self.lang(), epoch_s, None)
    }

    /// Whether a key exists (in the chosen catalogue or English), as a message or as a
    /// message with plural forms (`key#other`).
    pub fn has(&self, key: &str) -> bool {
        let other = format!("{key}{PLURAL_SEPARATOR}other");
        [key, other.as_str()]
            .iter()
            .any(|k| self.chosen.get(k).is_some() || self.english.get(k).is_some())
    }
}

/// Between a message's key and a plural category in the catalogues: `token.state.length#one`.
pub const PLURAL_SEPARATOR: char = '#';

/// The plural categories of CLDR, in CLDR's order.
pub const PLURAL_CATEGORIES: [&str; 6] = ["zero", "one", "two", "few", "many", "other"];

/// U+2068 FIRST STRONG ISOLATE: opens a value whose direction is its own.
pub const FSI: char = '\u{2068}';
/// U+2069 POP DIRECTIONAL ISOLATE: closes it.
pub const PDI: char = '\u{2069}';

/// Replace `{name}` with its value, isolated (FSI … PDI) so that a host, path or number keeps
/// its own order inside a right-to-left sentence and cannot reorder the words around it; the
/// marks are invisible. Unknown placeholders stay as they are.
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match args.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => {
                        out.push(FSI);
                        out.push_str(v);
                        out.push(PDI);
                    }
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `{placeholders}` a message uses, sorted, for catalogue consistency checks.
pub fn placeholders(message: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = message;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                names.push(after[..close].to_string());
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_known_and_keeps_unknown() {
        assert_eq!(
            fill("a {x} b {y}", &[("x", "1")]),
            "a \u{2068}1\u{2069} b {y}"
        );
        assert_eq!(
            fill("{x}{x}", &[("x", "<b>")]),
            "\u{2068}<b>\u{2069}\u{2068}<b>\u{2069}"
        );
        assert_eq!(fill("open { brace", &[]), "open { brace");
    }

    #[test]
    fn negotiation_order() {
        let browser = vec!["fr-CA".to_string(), "en".to_string()];
        let en = Lang::En;
        assert_eq!(negotiate(Some("de"), &browser, &[], en), Lang::De);
        assert_eq!(negotiate(Some("xx"), &browser, &[], en), Lang::Fr);
        assert_eq!(negotiate(None, &[], &[], en), Lang::En);
        assert_eq!(negotiate(None, &[], &[], Lang::Es), Lang::Es);
        assert_eq!(
            negotiate(Some("de"), &browser, &[Lang::En, Lang::Ja], en),
            Lang::En
        );
        assert_eq!(negotiate(None, &browser, &[Lang::Ja], en), Lang::Ja);
        assert_eq!(negotiate(Some("AR"), &[], &[], en), Lang::Ar);
    }

    #[test]
    fn placeholders_are_found() {
        assert_eq!(placeholders("{b} and {a} and {b}"), vec!["a", "b"]);
    }
}
