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

#[cfg(test)]
mod tests {
    use super::join;

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
