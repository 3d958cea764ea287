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

/// `&s[from..to]`. The page's offsets all come from its own searches and lengths, so they fall
/// on character boundaries; std's slicing would still bring its panic path, which formats the
/// offending character with `Debug` and with it core's printable-character tables (a few kB of
/// the module). An offset off a boundary is a bug: it fails the debug assertion (every native
/// test) and gives "" in the page.
pub fn mid(s: &str, from: usize, to: usize) -> &str {
    let part = s.get(from..to);
    debug_assert!(
        part.is_some(),
        "{from}..{to} is not a slice of a {}-byte str",
        s.len()
    );
    part.unwrap_or_default()
}

/// `&s[..to]` (see [`mid`]).
pub fn head(s: &str, to: usize) -> &str {
    mid(s, 0, to)
}

/// `&s[from..]` (see [`mid`]).
pub fn tail(s: &str, from: usize) -> &str {
    mid(s, from, s.len())
}

/// `s.split_at(at)` (see [`mid`]).
pub fn split_at(s: &str, at: usize) -> (&str, &str) {
    (head(s, at), tail(s, at))
}

/// `n` in hexadecimal with at least `width` digits, as `{n:0width$x}` (or `X` with `upper`)
/// writes it, without std's formatting machinery.
pub fn push_hex(out: &mut String, n: u32, width: u32, upper: bool) {
    let digits: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut shift = 28;
    while shift >= 4 && n >> shift == 0 && shift >= 4 * width {
        shift -= 4;
    }
    loop {
        out.push(digits[((n >> shift) & 15) as usize] as char);
        if shift == 0 {
            return;
        }
        shift -= 4;
    }
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
    Some((head(hay, i), tail(hay, i + sep.len())))
}

/// `hay` split around the last `sep`, an ASCII byte (a byte scan, not std's searcher).
pub fn rsplit_once(hay: &str, sep: u8) -> Option<(&str, &str)> {
    let i = hay.bytes().rposition(|b| b == sep)?;
    Some((head(hay, i), tail(hay, i + 1)))
}

/// The part of `hay` after its last `sep` (an ASCII byte), or all of it.
pub fn last_part(hay: &str, sep: u8) -> &str {
    rsplit_once(hay, sep).map_or(hay, |(_, last)| last)
}

/// How many characters `s` has: its bytes that do not continue a character.
pub fn char_count(s: &str) -> usize {
    s.bytes().filter(|b| b & 0xC0 != 0x80).count()
}

/// Bytes as text, each invalid sequence replaced by U+FFFD as `String::from_utf8_lossy` (and
/// a browser's `Response.text()`) does; valid text is not copied.
pub fn utf8_lossy(bytes: Vec<u8>) -> String {
    let bytes = match String::from_utf8(bytes) {
        Ok(text) => return text,
        Err(e) => e.into_bytes(),
    };
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes.as_slice();
    loop {
        match core::str::from_utf8(rest) {
            Ok(valid) => {
                out.push_str(valid);
                return out;
            }
            Err(e) => {
                let (valid, bad) = rest.split_at(e.valid_up_to());
                out.push_str(core::str::from_utf8(valid).unwrap_or_default());
                out.push('\u{FFFD}');
                rest = &bad[e.error_len().map_or(bad.len(), usize::from)..];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{
        char_count, contains, find, head, join, last_part, mid, push_hex, rsplit_once, split_at,
        split_once, tail, utf8_lossy,
    };

    /// Every sequence of up to four bytes from a set that makes valid, truncated, overlong and
    /// surrogate sequences: the same text as std.
    #[test]
    fn lossy_decoding_like_std() {
        let set = [
            0x41u8, 0x80, 0xA0, 0xBF, 0xC0, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xED, 0xF0, 0x9F, 0xF4,
            0xFF,
        ];
        let mut seqs: Vec<Vec<u8>> = vec![vec![]];
        for _ in 0..4 {
            let longer: Vec<Vec<u8>> = seqs
                .iter()
                .filter(|s| s.len() == seqs.last().map_or(0, Vec::len))
                .flat_map(|s| set.iter().map(move |b| [s.as_slice(), &[*b]].concat()))
                .collect();
            seqs.extend(longer);
        }
        for s in &seqs {
            assert_eq!(
                utf8_lossy(s.clone()),
                String::from_utf8_lossy(s),
                "{s:02x?}"
            );
        }
    }

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
            assert_eq!(char_count(hay), hay.chars().count());
            assert_eq!(rsplit_once(hay, b':'), hay.rsplit_once(':'));
            assert_eq!(last_part(hay, b':'), hay.rsplit(':').next().unwrap());
        }
    }

    /// Every pair of character boundaries of strings with one-, two-, three- and four-byte
    /// characters: the same slices as std's indexing.
    #[test]
    fn slices_like_std() {
        for s in ["", "a", "é", "a€b", "x😀y€é", "::"] {
            let bounds: Vec<usize> = (0..=s.len()).filter(|&i| s.is_char_boundary(i)).collect();
            for &a in &bounds {
                assert_eq!(head(s, a), &s[..a]);
                assert_eq!(tail(s, a), &s[a..]);
                assert_eq!(split_at(s, a), s.split_at(a));
                for &b in bounds.iter().filter(|&&b| b >= a) {
                    assert_eq!(mid(s, a, b), &s[a..b]);
                }
            }
        }
    }

    /// An offset inside a character is a bug in the caller: the debug assertion says so.
    #[test]
    #[should_panic(expected = "is not a slice")]
    fn slicing_off_a_boundary_is_caught_in_tests() {
        mid("é", 0, 1);
    }

    /// Every `u16` and a spread of `u32`, at widths 1 to 4, both cases: what `format!` writes.
    #[test]
    fn hex_like_std() {
        let wide = (0..=32).map(|k| (1u64 << k).saturating_sub(1) as u32);
        for n in (0..=u32::from(u16::MAX))
            .chain(wide)
            .chain([0xdead_beef, u32::MAX])
        {
            for width in 1..=4u32 {
                let w = width as usize;
                let (mut lower, mut upper) = (String::new(), String::new());
                push_hex(&mut lower, n, width, false);
                push_hex(&mut upper, n, width, true);
                assert_eq!(lower, format!("{n:0w$x}"));
                assert_eq!(upper, format!("{n:0w$X}"));
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
