//! The security headers of the page: a Content-Security-Policy computed from the built
//! `index.html` (hashes of its inline `<script>` and `<style>` bodies, e.g. Trunk's module
//! loader), plus the hygiene headers. The proxy sends them when it serves the page, and
//! `okta-proxy headers` renders the same set as a Netlify/Cloudflare `_headers` file or an
//! nginx snippet, so static hosts serve the page exactly as the proxy does.

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// Header name and value pairs, in order.
pub type HeaderSet = Vec<(&'static str, String)>;

/// Inputs of the header set.
#[derive(Debug, Clone, Default)]
pub struct PageHeaderInputs<'a> {
    /// The built `index.html`.
    pub index_html: &'a str,
    /// Origins allowed to frame the page (besides `'self'`): the proxy's `--allow-origin`s.
    pub frame_ancestors: &'a [String],
    /// Extra origins the page may `fetch` (besides `'self'`).
    pub connect_src: &'a [String],
    /// Extra origins images may come from (besides `'self'` and `data:`).
    pub img_src: &'a [String],
}

/// `sha256-<base64>` of each inline `<tag>` body (elements with a `src` attribute skipped).
pub fn inline_hashes(html: &str, tag: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let open = format!("<{tag}");
    let close = format!("</{tag}");
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(i) = lower[pos..].find(&open) {
        let start = pos + i;
        let after_name = start + open.len();
        // `<scripts>` or `<script-x>` are other elements.
        match lower.as_bytes().get(after_name) {
            Some(b) if b.is_ascii_whitespace() || *b == b'>' || *b == b'/' => {}
            _ => {
                pos = after_name;
                continue;
            }
        }
        let Some(tag_end) = find_tag_end(&lower, after_name) else {
            break;
        };
        let attrs = &lower[after_name..tag_end];
        let body_start = tag_end + 1;
        let Some(j) = lower[body_start..].find(&close) else {
            break;
        };
        let body_end = body_start + j;
        if !has_attr(attrs, "src") {
            let digest = Sha256::digest(&html.as_bytes()[body_start..body_end]);
            out.push(format!(
                "sha256-{}",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        pos = body_end + close.len();
    }
    out.dedup();
    out
}

/// Index of the `>` closing a start tag whose attributes begin at `from`, honouring quotes.
fn find_tag_end(s: &str, from: usize) -> Option<usize> {
    let mut quote: Option<u8> = None;
    for (i, b) in s.bytes().enumerate().skip(from) {
        match (quote, b) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// Whether the (lowercased) attribute text of a start tag has attribute `name`.
fn has_attr(attrs: &str, name: &str) -> bool {
    let b = attrs.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'=' && b[i] != b'/' {
            i += 1;
        }
        if &attrs[start..i] == name {
            return true;
        }
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i < b.len() && b[i] == b'=' {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let q = b[i];
                i += 1;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
                i += 1;
            } else {
                while i < b.len() && !b[i].is_ascii_whitespace() {
                    i += 1;
                }
            }
        }
        if i == start {
            i += 1;
        }
    }
    false
}

fn quoted(hashes: &[String]) -> String {
    hashes.iter().map(|h| format!(" '{h}'")).collect()
}

fn listed(origins: &[String]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for o in origins {
        // Header injection guard: origins come from flags or config, but never trust them.
        if !o.is_empty()
            && o.bytes()
                .all(|b| b.is_ascii_graphic() && b != b';' && b != b',')
            && !seen.contains(&o.as_str())
        {
            seen.push(o);
        }
    }
    seen.iter().map(|o| format!(" {o}")).collect()
}

/// The Content-Security-Policy for the page.
pub fn content_security_policy(inp: &PageHeaderInputs<'_>) -> String {
    let scripts = inline_hashes(inp.index_html, "script");
    let styles = inline_hashes(inp.index_html, "style");
    format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'{}; style-src 'self'{}; \
         img-src 'self' data:{}; connect-src 'self'{}; base-uri 'none'; form-action 'none'; \
         frame-ancestors 'self'{}",
        quoted(&scripts),
        quoted(&styles),
        listed(inp.img_src),
        listed(inp.connect_src),
        listed(inp.frame_ancestors),
    )
}

/// Every security header of a page response, in order.
pub fn page_headers(inp: &PageHeaderInputs<'_>) -> HeaderSet {
    vec![
        ("Content-Security-Policy", content_security_policy(inp)),
        // For browsers without CSP's frame-ancestors (which, where supported, overrides this):
        // they cannot check the partner list, so they get the strict answer, this origin only.
        ("X-Frame-Options", "SAMEORIGIN".into()),
        ("Referrer-Policy", "no-referrer".into()),
        ("X-Content-Type-Options", "nosniff".into()),
        (
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=()".into(),
        ),
        // Deliberately not `same-origin`: the page may run in a popup that must reach
        // window.opener to hand back the connection.
        ("Cross-Origin-Opener-Policy", "unsafe-none".into()),
    ]
}

/// A Netlify / Cloudflare Pages `_headers` file.
pub fn render_headers_file(headers: &[(&'static str, String)]) -> String {
    let mut out = String::from(
        "# Generated by `okta-proxy headers`; security headers for the okta-link page.\n/*\n",
    );
    for (k, v) in headers {
        out.push_str(&format!("  {k}: {v}\n"));
    }
    out.push_str("/*.wasm\n  Content-Type: application/wasm\n");
    out
}

/// An nginx snippet to `include` in the `server`/`location` block that serves `dist/`.
pub fn render_nginx(headers: &[(&'static str, String)]) -> String {
    let mut out = String::from(
        "# Generated by `okta-proxy headers`; include in the server or location block serving dist/.\n\
         # Note: add_header in a nested block replaces the outer ones, so include this where files are served.\n",
    );
    for (k, v) in headers {
        out.push_str(&format!(
            "add_header {k} \"{}\" always;\n",
            v.replace('"', "")
        ));
    }
    out.push_str(
        "# Serve the precompressed .gz files beside each asset (and .br with ngx_brotli's brotli_static).\n\
         gzip_static on;\n\
         types { application/wasm wasm; }\n",
    );
    out
}

/// Origins the page's `config.json` will talk to: of every absolute http(s) URL in it (the
/// `proxy` template, a submit URL), except those under a key naming an image, which are
/// returned second (for `img-src`).
pub fn origins_from_config(config_json: &str) -> (Vec<String>, Vec<String>) {
    let mut connect = Vec::new();
    let mut img = Vec::new();
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(config_json) {
        walk(&v, false, &mut connect, &mut img);
    }
    (connect, img)
}

fn walk(v: &serde_json::Value, is_img: bool, connect: &mut Vec<String>, img: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => {
            if let Some(o) = origin_of(s) {
                let list = if is_img { img } else { connect };
                if !list.contains(&o) {
                    list.push(o);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, is_img, connect, img)),
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                let k = k.to_ascii_lowercase();
                let img_key = is_img
                    || ["logo", "icon", "image", "img"]
                        .iter()
                        .any(|w| k.contains(w));
                // Allowed parent origins are for postMessage, not fetch.
                if k.contains("origin") {
                    continue;
                }
                walk(x, img_key, connect, img);
            }
        }
        _ => {}
    }
}

/// `https://proxy.example.com:8443/okta/{host}{path}` → `https://proxy.example.com:8443`: the
/// origin a browser fetches from, as the WHATWG URL parser gives it (the page's config takes
/// the scheme in any case, `HTTPS://`, and an explicit default port, `:443`).
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.is_empty()
        || authority.contains(['{', '}', '@', ' ', '"', '\'', ';', ','])
        || !authority.is_ascii()
    {
        return None;
    }
    let origin = url::Url::parse(&format!("{scheme}://{authority}/"))
        .ok()?
        .origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRUNK_INDEX: &str = r#"<!doctype html><html><head>
<link rel="modulepreload" href="/okta-link-1a2b.js" crossorigin="anonymous">
<script type="module">
import init, * as bindings from '/okta-link-1a2b.js';
const wasm = await init({ module_or_path: '/okta-link-1a2b_bg.wasm' });
window.wasmBindings = bindings;
</script>
<script src="/x.js"></script>
<script data-src="y" >alert(1)</script>
<STYLE>body{color:red}</STYLE>
</head><body></body></html>"#;

    fn b64sha(s: &str) -> String {
        format!(
            "sha256-{}",
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(s.as_bytes()))
        )
    }

    #[test]
    fn hashes_inline_scripts_and_styles() {
        let s = inline_hashes(TRUNK_INDEX, "script");
        let loader = "\nimport init, * as bindings from '/okta-link-1a2b.js';\nconst wasm = await init({ module_or_path: '/okta-link-1a2b_bg.wasm' });\nwindow.wasmBindings = bindings;\n";
        assert_eq!(s, vec![b64sha(loader), b64sha("alert(1)")]);
        assert_eq!(
            inline_hashes(TRUNK_INDEX, "style"),
            vec![b64sha("body{color:red}")]
        );
        assert!(inline_hashes("<p>no scripts</p>", "script").is_empty());
        assert!(inline_hashes("<script>unterminated", "script").is_empty());
        assert!(inline_hashes("<scripts>x</scripts>", "script").is_empty());
    }

    #[test]
    fn known_hash() {
        // echo -n "alert(1)" | openssl dgst -sha256 -binary | base64
        assert_eq!(
            inline_hashes("<script>alert(1)</script>", "script"),
            vec!["sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI=".to_string()]
        );
    }

    #[test]
    fn csp_shape() {
        let fa = vec!["http://127.0.0.1:1234".to_string()];
        let cs = vec!["https://proxy.example.com".to_string()];
        let csp = content_security_policy(&PageHeaderInputs {
            index_html: "<script>alert(1)</script>",
            frame_ancestors: &fa,
            connect_src: &cs,
            img_src: &[],
        });
        assert_eq!(
            csp,
            "default-src 'none'; script-src 'self' 'wasm-unsafe-eval' \
             'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='; style-src 'self'; \
             img-src 'self' data:; connect-src 'self' https://proxy.example.com; base-uri 'none'; \
             form-action 'none'; frame-ancestors 'self' http://127.0.0.1:1234"
        );
        assert!(!csp.contains("'unsafe-inline'") && !csp.contains("'unsafe-eval'"));
        let evil = vec!["https://a.example; script-src *".to_string()];
        let csp = content_security_policy(&PageHeaderInputs {
            index_html: "",
            frame_ancestors: &evil,
            connect_src: &[],
            img_src: &[],
        });
        assert!(!csp.contains("script-src *"));
    }

    #[test]
    fn renders_headers_file_and_nginx() {
        let h = page_headers(&PageHeaderInputs::default());
        let f = render_headers_file(&h);
        assert!(f.starts_with("# Generated"));
        assert!(f.contains("/*\n  Content-Security-Policy: default-src 'none';"));
        assert!(f.contains("  Referrer-Policy: no-referrer\n"));
        assert!(f.contains("  X-Content-Type-Options: nosniff\n"));
        let n = render_nginx(&h);
        assert!(n.contains("add_header Content-Security-Policy \"default-src 'none';"));
        assert!(n.contains("add_header Referrer-Policy \"no-referrer\" always;"));
        assert!(!h.iter().any(|(_, v)| v == "same-origin"));
    }

    #[test]
    fn config_origins() {
        let (c, i) = origins_from_config(
            r#"{"proxy":"https://Proxy.Example.com/okta/{host}{path}",
                "delivery":{"mode":"submit","url":"https://api.example.com/okta/connect"},
                "partner":{"name":"X","logo":"https://cdn.example.com/logo.svg"},
                "allowed_origins":["https://portal.example.com"],
                "other":"not a url"}"#,
        );
        let mut c = c;
        c.sort();
        assert_eq!(
            c,
            vec!["https://api.example.com", "https://proxy.example.com"]
        );
        assert_eq!(i, vec!["https://cdn.example.com"]);
        let (c, _) = origins_from_config(r#"{"proxy":"/okta/{host}{path}"}"#);
        assert!(c.is_empty());
        assert_eq!(origin_of("https://{host}/x"), None);
        assert_eq!(origin_of("javascript:alert(1)"), None);
        // Spellings the page's config takes, as the browser reads them.
        assert_eq!(
            origin_of("HTTPS://Check.Example.com:443/check").as_deref(),
            Some("https://check.example.com")
        );
        assert_eq!(
            origin_of("Http://127.0.0.1:8080/check").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(
            origin_of("https://[::1]:8443/x").as_deref(),
            Some("https://[::1]:8443")
        );
        assert_eq!(origin_of("ftp://files.example.com/"), None);
        assert_eq!(origin_of("https://a b/"), None);
    }
}
