//! Serving the built page: files, precompressed variants, config override, security headers.

use crate::common::*;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::path::Path;

const LOADER: &str = "\nimport init from '/okta-link-0123456789abcdef.js';\nawait init({ module_or_path: '/okta-link-0123456789abcdef_bg.wasm' });\n";

fn make_dist() -> std::path::PathBuf {
    let d = temp_dir("dist");
    let index = format!(
        "<!doctype html><html><head><link rel=\"stylesheet\" href=\"/main-0123456789abcdef.css\">\
         <script type=\"module\">{LOADER}</script></head><body></body></html>"
    );
    std::fs::write(d.join("index.html"), index).unwrap();
    std::fs::write(d.join("okta-link-0123456789abcdef.js"), "export default 1;").unwrap();
    std::fs::write(d.join("okta-link-0123456789abcdef.js.br"), "BROTLI-BYTES").unwrap();
    std::fs::write(d.join("okta-link-0123456789abcdef.js.gz"), "GZIP-BYTES").unwrap();
    std::fs::write(
        d.join("okta-link-0123456789abcdef_bg.wasm"),
        b"\0asm\x01\0\0\0",
    )
    .unwrap();
    std::fs::write(d.join("okta-link-0123456789abcdef_bg.wasm.gz"), "GZ-WASM").unwrap();
    std::fs::write(d.join("main-0123456789abcdef.css"), "body{}").unwrap();
    std::fs::write(
        d.join("config.json"),
        r#"{"proxy":"https://proxy.example.com/okta/{host}{path}"}"#,
    )
    .unwrap();
    std::fs::write(d.join(".secret"), "no").unwrap();
    d
}

fn sha(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(s.as_bytes()))
}

fn check_security_headers(r: &Resp) {
    let csp = r.header("content-security-policy").expect("CSP");
    assert!(csp.starts_with("default-src 'none'; script-src 'self' 'wasm-unsafe-eval' 'sha256-"));
    assert!(csp.contains(&format!("'sha256-{}'", sha(LOADER))), "{csp}");
    assert!(csp.contains("style-src 'self';"));
    assert!(csp.contains("img-src 'self' data:;"));
    assert!(
        csp.contains("connect-src 'self' https://proxy.example.com;"),
        "{csp}"
    );
    assert!(csp.contains("base-uri 'none'; form-action 'none';"));
    assert!(
        csp.ends_with(&format!("frame-ancestors 'self' {ALLOWED}")),
        "{csp}"
    );
    assert!(!csp.contains("'unsafe-inline'") && !csp.contains("'unsafe-eval'"));
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(
        r.header("permissions-policy"),
        Some("camera=(), microphone=(), geolocation=()")
    );
    assert_ne!(r.header("cross-origin-opener-policy"), Some("same-origin"));
}

#[tokio::test]
async fn serves_the_page_with_precompressed_assets_and_security_headers() {
    let dist = make_dist();
    let h = harness(|c| c.serve_dist = Some(dist.clone())).await;
    let a = h.addr();

    let r = get(a, "/", &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(r.text().contains("<script type=\"module\">"));
    assert_eq!(r.header("cache-control"), Some("no-cache"));
    check_security_headers(&r);

    let js = "/okta-link-0123456789abcdef.js";
    let r = get(a, js, &[("Accept-Encoding", "gzip, deflate, br, zstd")]).await;
    assert_eq!(r.header("content-encoding"), Some("br"));
    assert_eq!(r.text(), "BROTLI-BYTES");
    assert_eq!(
        r.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(r.header("vary"), Some("Accept-Encoding"));
    assert_eq!(
        r.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    check_security_headers(&r);
    let r = get(a, js, &[("Accept-Encoding", "gzip")]).await;
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert_eq!(r.text(), "GZIP-BYTES");
    let r = get(a, js, &[("Accept-Encoding", "br;q=0, gzip;q=0")]).await;
    assert_eq!(r.header("content-encoding"), None);
    assert_eq!(r.text(), "export default 1;");
    let r = get(a, js, &[]).await;
    assert_eq!(r.header("content-encoding"), None);
    assert_eq!(r.header("vary"), Some("Accept-Encoding"));

    let wasm = "/okta-link-0123456789abcdef_bg.wasm";
    let r = get(a, wasm, &[("Accept-Encoding", "br, gzip")]).await;
    assert_eq!(r.header("content-type"), Some("application/wasm"));
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    let r = get(a, wasm, &[]).await;
    assert_eq!(r.body, b"\0asm\x01\0\0\0");

    let r = get(a, "/config.json", &[]).await;
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(r.text().contains("proxy.example.com"));

    for bad in [
        "/.secret",
        "/../Cargo.toml",
        "/%2e%2e/Cargo.toml",
        "/nope.js",
        "/a//b",
    ] {
        let r = get(a, bad, &[]).await;
        assert_eq!(r.status, 404, "{bad}");
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    }
    let r = send(a, "POST", "/", &[("Content-Length", "0")]).await;
    assert_eq!(r.status, 405);
    let r = send(a, "HEAD", "/", &[]).await;
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());

    // The proxy still answers under its prefix, with API headers rather than page headers.
    let r = get(a, "/okta/acme.okta.com/api/v1/users/me", &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    std::fs::remove_dir_all(&dist).ok();
}

#[tokio::test]
async fn page_config_overrides_dist_config_and_csp_follows_index_changes() {
    let dist = make_dist();
    let cfg = dist.join("..").join(format!(
        "{}-override.json",
        dist.file_name().unwrap().to_str().unwrap()
    ));
    std::fs::write(
        &cfg,
        r#"{"proxy":"/okta/{host}{path}","delivery":{"mode":"submit","url":"https://api.partner.example/connect"}}"#,
    )
    .unwrap();
    let h = harness(|c| {
        c.serve_dist = Some(dist.clone());
        c.page_config = Some(cfg.clone());
        c.connect_src = vec!["https://extra.example".into()];
    })
    .await;
    let r = get(h.addr(), "/config.json", &[("Accept-Encoding", "br")]).await;
    assert!(r.text().contains("api.partner.example"));
    assert_eq!(r.header("content-encoding"), None);
    let csp = r.header("content-security-policy").unwrap().to_string();
    assert!(
        csp.contains("connect-src 'self' https://extra.example https://api.partner.example;"),
        "{csp}"
    );
    assert!(!csp.contains("proxy.example.com"));

    // A rebuilt index.html (new loader) gets a new hash without a restart.
    std::fs::write(dist.join("index.html"), "<script>console.log(2)</script>").unwrap();
    let r = get(h.addr(), "/", &[]).await;
    let csp = r.header("content-security-policy").unwrap();
    assert!(
        csp.contains(&format!("'sha256-{}'", sha("console.log(2)"))),
        "{csp}"
    );
    std::fs::remove_dir_all(&dist).ok();
    std::fs::remove_file(&cfg).ok();
}

#[test]
fn headers_files_for_static_hosts() {
    let dist = make_dist();
    let args = |format| okta_proxy::config::HeadersArgs {
        dist: dist.clone(),
        allow_origins: vec![ALLOWED.to_string()],
        connect_src: vec![],
        page_config: None,
        format,
    };
    let f = okta_proxy::render_headers(&args(okta_proxy::config::HeadersFormat::Headers)).unwrap();
    assert!(f.contains("/*\n  Content-Security-Policy: default-src 'none';"));
    assert!(f.contains(&sha(LOADER)));
    assert!(f.contains(&format!("frame-ancestors 'self' {ALLOWED}")));
    let n = okta_proxy::render_headers(&args(okta_proxy::config::HeadersFormat::Nginx)).unwrap();
    assert!(n.contains("add_header Content-Security-Policy \"default-src 'none';"));
    assert!(n.contains("add_header X-Content-Type-Options \"nosniff\" always;"));
    let missing = okta_proxy::config::HeadersArgs {
        dist: Path::new("/nonexistent-dist").into(),
        ..args(okta_proxy::config::HeadersFormat::Headers)
    };
    assert!(okta_proxy::render_headers(&missing).is_err());
    std::fs::remove_dir_all(&dist).ok();
}

/// Files come through tower-http's `ServeDir`: `Last-Modified` makes `no-cache` revalidation
/// cheap (304, same cache and security headers), and ranges are answered, typed by our table.
#[tokio::test]
async fn revalidation_and_ranges_keep_the_page_headers() {
    let dist = make_dist();
    let h = harness(|c| c.serve_dist = Some(dist.clone())).await;
    let r = get(h.addr(), "/", &[]).await;
    let modified = r
        .header("last-modified")
        .expect("Last-Modified")
        .to_string();
    let r = get(h.addr(), "/", &[("If-Modified-Since", &modified)]).await;
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());
    assert_eq!(r.header("cache-control"), Some("no-cache"));
    check_security_headers(&r);

    let js = "/okta-link-0123456789abcdef.js";
    let r = get(h.addr(), js, &[("Range", "bytes=0-5")]).await;
    assert_eq!(r.status, 206);
    assert_eq!(r.text(), "export");
    assert_eq!(
        r.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(
        r.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    // A directory is not a file: 404, not a redirect.
    std::fs::create_dir_all(dist.join("img")).unwrap();
    let r = get(h.addr(), "/img", &[]).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    std::fs::remove_dir_all(&dist).ok();
}

/// The `connect-src` directive of a CSP, its sources in order.
fn connect_src(csp: &str) -> Vec<String> {
    let d = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("connect-src "))
        .unwrap_or_else(|| panic!("no connect-src in {csp}"));
    d.split_whitespace().skip(1).map(str::to_string).collect()
}

#[tokio::test]
async fn csp_connect_src_takes_the_check_server_and_the_key_document() {
    let dist = make_dist();
    let other = temp_dir("cfg-check");
    let absolute = other.join("absolute.json");
    std::fs::write(
        &absolute,
        r#"{"proxy":"/okta/{host}{path}","credentials":["api_token","service_app","client_secret"],
            "check_url":"https://check.platform.example:8443/v1/check",
            "service_app":{"jwks_url":"https://keys.platform.example/.well-known/jwks.json"}}"#,
    )
    .unwrap();
    let relative = other.join("relative.json");
    std::fs::write(
        &relative,
        r#"{"proxy":"/okta/{host}{path}","credentials":["service_app"],
            "check_url":"/check","service_app":{"jwks_url":"/.well-known/jwks.json"}}"#,
    )
    .unwrap();

    let h = harness(|c| {
        c.serve_dist = Some(dist.clone());
        c.page_config = Some(absolute.clone());
    })
    .await;
    let r = get(h.addr(), "/", &[]).await;
    assert_eq!(r.status, 200);
    let csp = r.header("content-security-policy").unwrap();
    assert_eq!(
        connect_src(csp),
        [
            "'self'",
            "https://check.platform.example:8443",
            "https://keys.platform.example"
        ],
        "{csp}"
    );
    assert!(
        !csp.contains("/v1/check") && !csp.contains("jwks.json"),
        "{csp}"
    );

    let h = harness(|c| {
        c.serve_dist = Some(dist.clone());
        c.page_config = Some(relative.clone());
    })
    .await;
    let r = get(h.addr(), "/", &[]).await;
    let csp = r.header("content-security-policy").unwrap();
    assert_eq!(connect_src(csp), ["'self'"], "{csp}");

    // URLs the page's config accepts in other spellings: the origin the browser will fetch
    // from (scheme and host lowercased, the default port left out).
    let spelled = other.join("spelled.json");
    std::fs::write(
        &spelled,
        r#"{"proxy":"/okta/{host}{path}","credentials":["service_app"],
            "check_url":"HTTPS://Check.Platform.example:443/v1/check",
            "service_app":{"jwks_url":"Https://KEYS.platform.example/.well-known/jwks.json"}}"#,
    )
    .unwrap();
    let page_config = okta_link_core::config::Config::from_json(
        &std::fs::read_to_string(&spelled).unwrap(),
        &crate::check_server::Json,
    );
    assert!(
        page_config.is_ok(),
        "the page takes it: {:?}",
        page_config.err()
    );
    let h = harness(|c| {
        c.serve_dist = Some(dist.clone());
        c.page_config = Some(spelled.clone());
    })
    .await;
    let r = get(h.addr(), "/", &[]).await;
    let csp = r.header("content-security-policy").unwrap();
    assert_eq!(
        connect_src(csp),
        [
            "'self'",
            "https://check.platform.example",
            "https://keys.platform.example"
        ],
        "{csp}"
    );

    // The headers a static host is given say the same.
    let args = okta_proxy::config::HeadersArgs {
        dist: dist.clone(),
        page_config: Some(absolute.clone()),
        allow_origins: vec![],
        connect_src: vec![],
        format: okta_proxy::config::HeadersFormat::Headers,
    };
    let file = okta_proxy::render_headers(&args).unwrap();
    let csp = file
        .lines()
        .find_map(|l| l.trim().strip_prefix("Content-Security-Policy: "))
        .unwrap();
    assert_eq!(
        connect_src(csp),
        [
            "'self'",
            "https://check.platform.example:8443",
            "https://keys.platform.example"
        ]
    );
    std::fs::remove_dir_all(&dist).ok();
    std::fs::remove_dir_all(&other).ok();
}
