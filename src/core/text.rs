//! Small text helpers shared by the core and the views.

/// `parts` with `sep` between them: what `[S]::join` gives, in a few lines the page compiles
/// once per element type instead of std's length-precomputing copy routines.
pub fn join<S: AsRef<str>>(parts: &[S], sep: &str) -> String {
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(part.as_ref());
    }
    out
}

/// Where `needle` first occurs in `hay`, by a plain byte search. The page's needles are a few
/// bytes long (`"://"`, `"xn--"`), and std's two-way searcher costs about 2 kB of the module.
/// A match of valid UTF-8 in valid UTF-8 always starts and ends on character boundaries.
pub fn find(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.len() > h.len() {
        return None;
    }
    (0..=h.len() - n.len()).find(|&i| h[i..].starts_with(n))
}

/// Whether `needle` occurs in `hay` (see [`find`]).
pub fn contains(hay: &str, needle: &str) -> bool {
    find(hay, needle).is_some()
}

/// `hay` split around the first `sep` (see [`find`]).
pub fn split_once<'a>(hay: &'a str, sep: &str) -> Option<(&'a str, &'a str)> {
    let i = find(hay, sep)?;
    Some((&hay[..i], &hay[i + sep.len()..]))
}

#[cfg(test)]
mod tests {
    use super::{contains, find, join, split_once};

    /// Every string of up to four characters from a small alphabet with a multi-byte letter,
    /// against every needle of up to two: the same answers as `str`.
    #[test]
    fn searches_like_std() {
        let alphabet = ["a", "b", "é", ":"];
        let mut strings = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = strings
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            strings.extend(longer);
            strings.sort();
            strings.dedup();
        }
        let needles: Vec<&String> = strings.iter().filter(|s| s.chars().count() <= 2).collect();
        for hay in &strings {
            for needle in &needles {
                assert_eq!(
                    find(hay, needle),
                    hay.find(needle.as_str()),
                    "{hay:?} {needle:?}"
                );
                assert_eq!(contains(hay, needle), hay.contains(needle.as_str()));
                assert_eq!(split_once(hay, needle), hay.split_once(needle.as_str()));
            }
        }
    }

    #[test]
    fn joins_like_std() {
        let none: [&str; 0] = [];
        assert_eq!(join(&none, ", "), "");
        assert_eq!(join(&["a"], ", "), "a");
        assert_eq!(join(&["a", "", "c"], "."), "a..c");
        let owned = vec!["x".to_string(), "y".to_string()];
        assert_eq!(join(&owned, " / "), owned.join(" / "));
    }
}
