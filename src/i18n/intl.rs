//! Numbers, times and plural forms in each language's own form, from the browser's `Intl`
//! (through js-sys). Nothing of this ships as tables in the wasm: the browser already knows
//! that French groups digits with a narrow no-break space, that Arabic has six plural forms and
//! how the reader's clock is written.
//!
//! Native builds (the core's tests, which have no browser) get a plain stand-in: digits as Rust
//! writes them, `HH:MM UTC`, and "one" for exactly 1. The browser tests check the real thing.

use super::Lang;

/// The plural category (`zero`, `one`, `two`, `few`, `many` or `other`) of `n` in `lang`.
#[cfg(target_arch = "wasm32")]
pub fn plural_category(lang: Lang, n: u64) -> String {
    let rules = js_sys::Intl::PluralRules::new(&locales(lang), &js_sys::Object::new());
    String::from(rules.select(n as f64))
}

/// `n` written as `lang` writes counts (grouping, digits).
#[cfg(target_arch = "wasm32")]
pub fn number(lang: Lang, n: u64) -> String {
    let format = js_sys::Intl::NumberFormat::new(&locales(lang), &js_sys::Object::new());
    call_format(&format.format(), &wasm_bindgen::JsValue::from_f64(n as f64))
}

/// ECMAScript's last representable date, in epoch seconds (8.64e15 ms).
#[cfg(target_arch = "wasm32")]
const MAX_DATE_S: u64 = 8_640_000_000_000;

/// The hour and minute of `epoch_s` as `lang` writes them, in `time_zone` (the reader's own
/// when `None`), with the zone named ("14:05 UTC", "15:05 MEZ", "2:05 PM GMT+1"), since a time
/// without its zone is wrong for someone somewhere.
#[cfg(target_arch = "wasm32")]
pub fn time(lang: Lang, epoch_s: u64, time_zone: Option<&str>) -> String {
    use js_sys::Intl::{DateTimeFormat, DateTimeFormatOptions, NumericFormat, TimeZoneNameFormat};
    let options = DateTimeFormatOptions::new();
    options.set_hour(NumericFormat::Numeric);
    options.set_minute(NumericFormat::TwoDigit);
    options.set_time_zone_name(TimeZoneNameFormat::Short);
    if let Some(zone) = time_zone {
        options.set_time_zone(zone);
    }
    // Past ECMAScript's last date, `Date` is invalid and `formatToParts` throws.
    if epoch_s > MAX_DATE_S {
        return String::new();
    }
    let format = DateTimeFormat::new(&locales(lang), &options);
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(epoch_s as f64 * 1000.0));
    match hour_separator(lang) {
        None => call_format(&format.format(), &date),
        // The browser's own parts (digits, zone name), joined the language's way.
        Some(separator) => {
            #[derive(serde::Deserialize)]
            struct Part {
                #[serde(rename = "type")]
                kind: String,
                value: String,
            }
            let parts: Vec<Part> =
                serde_wasm_bindgen::from_value(format.format_to_parts(&date).into())
                    .unwrap_or_default();
            let mut out = String::new();
            for (i, part) in parts.iter().enumerate() {
                let between = |a: usize, b: usize| {
                    parts.get(a).is_some_and(|p| p.kind == "hour")
                        && parts.get(b).is_some_and(|p| p.kind == "minute")
                };
                if part.kind == "literal" && i > 0 && between(i - 1, i + 1) {
                    out.push_str(separator);
                } else {
                    out.push_str(&part.value);
                }
            }
            out
        }
    }
}

/// Where a language writes hours and minutes with other than the colon `Intl` gives: French
/// writes "14 h 05" (with no-break spaces), as the Imprimerie nationale's rules and Canadian
/// French's `Intl` data do, while `Intl`'s data for France keeps "14:05".
#[cfg(target_arch = "wasm32")]
fn hour_separator(lang: Lang) -> Option<&'static str> {
    match lang {
        Lang::Fr => Some("\u{a0}h\u{a0}"),
        _ => None,
    }
}

#[cfg(target_arch = "wasm32")]
fn locales(lang: Lang) -> js_sys::Array {
    js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(lang.code()))
}

#[cfg(target_arch = "wasm32")]
fn call_format(format: &js_sys::Function, value: &wasm_bindgen::JsValue) -> String {
    format
        .call1(&wasm_bindgen::JsValue::UNDEFINED, value)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

/// Native stand-in (tests only): "one" for exactly 1 where the language has it, else "other".
#[cfg(not(target_arch = "wasm32"))]
pub fn plural_category(lang: Lang, n: u64) -> String {
    match (lang, n) {
        (Lang::Ja, _) => "other",
        (_, 1) => "one",
        _ => "other",
    }
    .to_string()
}

/// Native stand-in (tests only): plain digits.
#[cfg(not(target_arch = "wasm32"))]
pub fn number(_lang: Lang, n: u64) -> String {
    n.to_string()
}

/// Native stand-in (tests only): `HH:MM UTC` whatever the zone asked for.
#[cfg(not(target_arch = "wasm32"))]
pub fn time(_lang: Lang, epoch_s: u64, _time_zone: Option<&str>) -> String {
    let day = epoch_s % 86_400;
    format!("{:02}:{:02} UTC", day / 3600, (day % 3600) / 60)
}
