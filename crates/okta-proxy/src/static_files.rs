//! Serving the built page (`dist/`) from the proxy's origin, with precompressed `.br`/`.gz`
//! variants chosen by `Accept-Encoding`.
//!
//! The rules are here (path mapping, content types, encoding negotiation, cache policy), with
//! the check that a file's real path stays inside `dist/`; the server applies them around
//! tower-http's `ServeDir`, which opens and streams the files (see `server::serve_dist`).

use std::path::{Path, PathBuf};

/// Map a URL path to a file path relative to `dist/`, or `None` when it is not a plain file
/// name: only `[A-Za-z0-9._-]` segments not starting with `.`, no `%`, no empty segments.
pub fn relative_path(url_path: &str) -> Option<PathBuf> {
    let rest = url_path.strip_prefix('/')?;
    if rest.is_empty() || rest == "index.html" {
        return Some(PathBuf::from("index.html"));
    }
    let mut p = PathBuf::new();
    for seg in rest.split('/') {
        if seg.is_empty()
            || seg.starts_with('.')
            || seg.len() > 255
            || !seg
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        {
            return None;
        }
        p.push(seg);
    }
    Some(p)
}

/// `file` with every symlink resolved, if that real path is inside `root` (also resolved):
/// `--serve-dist` never serves a file outside its directory, whatever links it holds. Links that
/// stay inside (as a mounted volume's `..data/` links do) are fine.
pub async fn real_path_within(root: &Path, file: &Path) -> Option<PathBuf> {
    let root = tokio::fs::canonicalize(root).await.ok()?;
    let real = tokio::fs::canonicalize(file).await.ok()?;
    real.starts_with(&root).then_some(real)
}

/// Content type by extension.
pub fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "txt" | "md" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        _ => "application/octet-stream",
    }
}

/// Whether `Accept-Encoding` accepts `coding` (q > 0, directly or through `*`).
pub fn accepts_encoding(accept_encoding: &str, coding: &str) -> bool {
    let mut star: Option<bool> = None;
    for item in accept_encoding.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim();
        let mut q_positive = true;
        for p in parts {
            if let Some(q) = p
                .trim()
                .strip_prefix("q=")
                .or_else(|| p.trim().strip_prefix("Q="))
            {
                q_positive = q.trim().parse::<f32>().map(|q| q > 0.0).unwrap_or(false);
            }
        }
        if name.eq_ignore_ascii_case(coding) {
            return q_positive;
        }
        if name == "*" {
            star = Some(q_positive);
        }
    }
    star.unwrap_or(false)
}

/// The precompressed variants to try, best first: (`Content-Encoding`, file suffix).
pub fn encodings_to_try(accept_encoding: &str) -> Vec<(&'static str, &'static str)> {
    let mut v = Vec::new();
    if accepts_encoding(accept_encoding, "br") {
        v.push(("br", ".br"));
    }
    if accepts_encoding(accept_encoding, "gzip") {
        v.push(("gzip", ".gz"));
    }
    v
}

/// Trunk's file hashing (`name-<16 hex>.ext`, `name-<16 hex>_bg.wasm`): such files never
/// change and may be cached for good.
pub fn is_hashed_asset(path: &Path) -> bool {
    let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
        return false;
    };
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-')
        .is_some_and(|(_, h)| h.len() >= 16 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `Cache-Control` for a file of the page.
pub fn cache_control(path: &Path) -> &'static str {
    if is_hashed_asset(path) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_paths() {
        assert_eq!(relative_path("/"), Some(PathBuf::from("index.html")));
        assert_eq!(
            relative_path("/index.html"),
            Some(PathBuf::from("index.html"))
        );
        assert_eq!(
            relative_path("/okta-link-abc_bg.wasm"),
            Some(PathBuf::from("okta-link-abc_bg.wasm"))
        );
        assert_eq!(
            relative_path("/img/logo.svg"),
            Some(PathBuf::from("img/logo.svg"))
        );
        for bad in [
            "",
            "x",
            "/../etc/passwd",
            "/a/../b",
            "/.git/config",
            "/.env",
            "//etc/passwd",
            "/a//b",
            "/%2e%2e/x",
            "/a\\b",
            "/a b",
            "/dir/",
            "/é.js",
        ] {
            assert_eq!(relative_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type(Path::new("a_bg.wasm")), "application/wasm");
        assert_eq!(
            content_type(Path::new("index.html")),
            "text/html; charset=utf-8"
        );
        assert_eq!(
            content_type(Path::new("a.js")),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            content_type(Path::new("main.css")),
            "text/css; charset=utf-8"
        );
        assert_eq!(content_type(Path::new("config.json")), "application/json");
        assert_eq!(content_type(Path::new("x.bin")), "application/octet-stream");
    }

    #[test]
    fn negotiates_encodings() {
        assert_eq!(
            encodings_to_try("gzip, deflate, br, zstd"),
            vec![("br", ".br"), ("gzip", ".gz")]
        );
        assert_eq!(encodings_to_try("gzip"), vec![("gzip", ".gz")]);
        assert_eq!(
            encodings_to_try("br;q=0, gzip;q=0.5"),
            vec![("gzip", ".gz")]
        );
        assert_eq!(encodings_to_try("*"), vec![("br", ".br"), ("gzip", ".gz")]);
        assert_eq!(encodings_to_try("*;q=0"), vec![]);
        assert_eq!(encodings_to_try("identity"), vec![]);
        assert_eq!(encodings_to_try(""), vec![]);
        assert_eq!(encodings_to_try("BR"), vec![("br", ".br")]);
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn symlinks_out_of_the_directory_are_not_within() {
        let base = std::env::temp_dir().join(format!(
            "okta-proxy-within-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
        ));
        let dist = base.join("dist");
        std::fs::create_dir_all(dist.join("sub")).unwrap();
        std::fs::write(base.join("secret.txt"), "outside").unwrap();
        std::fs::write(dist.join("a.js"), "inside").unwrap();
        std::os::unix::fs::symlink(base.join("secret.txt"), dist.join("leak.txt")).unwrap();
        std::os::unix::fs::symlink(&base, dist.join("up")).unwrap();
        std::os::unix::fs::symlink(dist.join("a.js"), dist.join("sub/b.js")).unwrap();
        assert!(real_path_within(&dist, &dist.join("a.js")).await.is_some());
        assert!(real_path_within(&dist, &dist.join("sub/b.js"))
            .await
            .is_some());
        assert_eq!(real_path_within(&dist, &dist.join("leak.txt")).await, None);
        assert_eq!(
            real_path_within(&dist, &dist.join("up/secret.txt")).await,
            None
        );
        assert_eq!(real_path_within(&dist, &dist.join("missing")).await, None);
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn hashed_assets() {
        assert!(is_hashed_asset(Path::new(
            "okta-link-3f2a9c0d1e2b3a4c_bg.wasm"
        )));
        assert!(is_hashed_asset(Path::new("okta-link-3f2a9c0d1e2b3a4c.js")));
        assert!(is_hashed_asset(Path::new("main-0123456789abcdef.css")));
        assert!(!is_hashed_asset(Path::new("index.html")));
        assert!(!is_hashed_asset(Path::new("config.json")));
        assert!(!is_hashed_asset(Path::new("okta-link.js")));
        assert_eq!(cache_control(Path::new("index.html")), "no-cache");
    }
}
