//! Latin runs in right-to-left messages: the rule the catalogue check and the browser's layout
//! test share.
//!
//! In an Arabic sentence, a run of Latin text keeps its order only while it starts and ends
//! with a letter or digit: punctuation at its edge (`https://`, `-admin`, `xn--`, `:8443`,
//! `Security > API > Tokens` inside quotes) takes the sentence's direction and moves to the
//! other side. Such runs are wrapped in U+2068 FIRST STRONG ISOLATE … U+2069 POP DIRECTIONAL
//! ISOLATE in the catalogue, as filled values are by [`super::fill`]. Not used by the page
//! itself (nothing here ships): the tests call it.

use super::{FSI, PDI};

/// A run of Latin text outside any isolate, in byte offsets of the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatinRun {
    pub start: usize,
    pub end: usize,
    /// Whether the run must be isolated to keep its order (and to keep the message's style:
    /// at the message's edge, or quoted or bracketed).
    pub needs_isolation: bool,
}

fn is_run_char(c: char) -> bool {
    ((' '..='~').contains(&c) || c == '…') && !"()[]".contains(c)
}

/// The Latin runs of `msg` that lie outside isolates. A run is a stretch of ASCII (and `…`)
/// without brackets, cut where sentence punctuation is followed by a space, trimmed of spaces,
/// of sentence punctuation at its end and of opening brackets; it holds a letter, a digit or a
/// `{placeholder}` (or is `?…` / `#…`). A run that is a single `{placeholder}` is left out:
/// filling isolates it.
pub fn latin_runs(msg: &str) -> Vec<LatinRun> {
    let chars: Vec<(usize, char)> = msg.char_indices().collect();
    let n = chars.len();
    let at = |i: usize| chars.get(i).map(|&(_, c)| c);
    let byte = |i: usize| chars.get(i).map_or(msg.len(), |&(b, _)| b);
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < n {
        let c = chars[i].1;
        if c == FSI {
            depth += 1;
            i += 1;
            continue;
        }
        if c == PDI {
            depth = depth.saturating_sub(1);
            i += 1;
            continue;
        }
        if depth > 0 || !is_run_char(c) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < n
            && is_run_char(chars[j].1)
            && !(",:;.!?".contains(chars[j].1) && at(j + 1) == Some(' '))
        {
            j += 1;
        }
        if j == i {
            i += 1;
            continue;
        }
        let (mut s, mut e) = (i, j);
        i = j;
        loop {
            match (at(s), e.checked_sub(1).and_then(at)) {
                _ if s >= e => break,
                (Some(' '), _) => s += 1,
                (_, Some(' ' | '.' | ',' | ';' | '!' | '?')) => e -= 1,
                (_, Some(':')) if matches!(at(e), None | Some(' ')) => e -= 1,
                _ => break,
            }
        }
        if s >= e {
            continue;
        }
        let run = &msg[byte(s)..byte(e)];
        let meaningful = run.chars().any(|c| c.is_ascii_alphanumeric() || c == '{')
            || run == "?…"
            || run == "#…";
        let single_placeholder = run.starts_with('{')
            && run.ends_with('}')
            && run[1..run.len() - 1]
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_');
        if !meaningful || single_placeholder {
            continue;
        }
        let before = s.checked_sub(1).and_then(at);
        let after = at(e);
        let edge = msg[..byte(s)].trim().is_empty()
            || msg[byte(e)..]
                .trim_matches(|c: char| " .،؛:؟!".contains(c))
                .is_empty();
        let quoted = (before.is_some_and(|c| "«([［（".contains(c))
            || after.is_some_and(|c| "»)]］）".contains(c)))
            && run.chars().any(|c| c.is_ascii_alphabetic());
        let neutral_inside = run
            .chars()
            .any(|c| !(c.is_ascii_alphanumeric() || c == ' '));
        out.push(LatinRun {
            start: byte(s),
            end: byte(e),
            needs_isolation: neutral_inside || edge || quoted,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needing(msg: &str) -> Vec<&str> {
        latin_runs(msg)
            .into_iter()
            .filter(|r| r.needs_isolation)
            .map(|r| &msg[r.start..r.end])
            .collect()
    }

    #[test]
    fn runs_that_move_in_rtl_need_isolation() {
        assert_eq!(needing("تمت إضافة https://."), vec!["https://"]);
        assert_eq!(needing("احذف «-admin» الآن"), vec!["-admin"]);
        assert_eq!(
            needing("افتح Security > API > Tokens ثم"),
            vec!["Security > API > Tokens"]
        );
        assert_eq!(needing("المنفذ «:{port}»: لا"), vec![":{port}"]);
        assert_eq!(needing("تم تجاهل «?…» هنا"), vec!["?…"]);
        assert_eq!(needing("خطأ (HTTP {status}). ثم"), vec!["HTTP {status}"]);
    }

    #[test]
    fn plain_words_and_isolated_runs_are_fine() {
        assert!(needing("رمز API من Okta هنا").is_empty());
        assert!(needing("على {host} هنا").is_empty());
        assert!(needing("تمت إضافة \u{2068}https://\u{2069}.").is_empty());
        assert!(needing("رفضت {host}: {reason}.").is_empty());
        assert_eq!(needing("تمت Okta"), vec!["Okta"]);
    }
}
