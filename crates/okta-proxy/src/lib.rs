//! okta-proxy: the reference proxy of the okta-link page.
//!
//! `GET {prefix}/{host}{path}` is forwarded to `https://{host}{path}` when the host is an Okta
//! org (the rule shared with the page, [`okta_link_core::hosts`]) or a custom domain whose
//! well-known document names one, the path is one of the read-only calls of
//! docs/proxy-contract.md, and every name resolves only to public addresses. Everything else is
//! answered with the proxy's own JSON error. It can also serve the built page with its security
//! headers.
//!
//! * [`target`], [`ip`], [`cors`], [`ratelimit`], [`headers`], [`static_files`]: pure rules.
//! * [`resolve`]: DNS with every answer vetted; [`forward`]: the upstream client.
//! * [`server`]: routing and the order of the checks; [`log`]: one line per request.
//! * [`listener`]: accepting connections, their header-read and idle timeouts and caps.

pub mod check;
pub mod config;
pub mod cors;
pub mod error;
pub mod fault;
pub mod forward;
pub mod headers;
pub mod ip;
pub mod listener;
pub mod log;
pub mod oauth;
pub mod page;
pub mod ratelimit;
pub mod readiness;
pub mod relay;
pub mod resolve;
pub mod server;
pub mod shared_limit;
pub mod state;
pub mod static_files;
pub mod target;
pub mod telemetry;

use std::path::Path;

/// Printed to stderr when `--dev-upstream` is on.
pub fn dev_warning(upstream: &str) -> String {
    let bar = "!".repeat(78);
    format!(
        "{bar}\n\
         !! WARNING: okta-proxy is in DEVELOPMENT MODE (--dev-upstream {upstream}).\n\
         !! ALL upstream traffic, API tokens included, goes to that plain-HTTP address\n\
         !! instead of Okta, with the Host header set to the requested org. DNS checks are\n\
         !! skipped. Never use this flag in production. Responses carry\n\
         !! X-Okta-Link-Dev-Upstream: 1.\n\
         {bar}"
    )
}

/// Read what the page's security headers are computed from: `index.html`, and the origins of
/// the page's config (`page_config` or `dist/config.json`) added to `connect_src`.
/// Returns (index.html, connect-src origins, img-src origins).
pub fn page_inputs(
    dist: &Path,
    page_config: Option<&Path>,
    connect_src: &[String],
) -> Result<(String, Vec<String>, Vec<String>), String> {
    let index_path = dist.join("index.html");
    let index = std::fs::read_to_string(&index_path)
        .map_err(|e| format!("cannot read {}: {e}", index_path.display()))?;
    let config_path = page_config
        .map(Path::to_path_buf)
        .unwrap_or_else(|| dist.join("config.json"));
    let config = std::fs::read_to_string(&config_path).unwrap_or_default();
    let (from_config, img) = headers::origins_from_config(&config);
    let mut connect: Vec<String> = connect_src.to_vec();
    for o in from_config {
        if !connect.contains(&o) {
            connect.push(o);
        }
    }
    Ok((index, connect, img))
}

/// `okta-proxy headers`: the page's security headers as a `_headers` file or nginx snippet.
pub fn render_headers(args: &config::HeadersArgs) -> Result<String, String> {
    let (index, connect, img) =
        page_inputs(&args.dist, args.page_config.as_deref(), &args.connect_src)?;
    let set = headers::page_headers(&headers::PageHeaderInputs {
        index_html: &index,
        frame_ancestors: &args.allow_origins,
        connect_src: &connect,
        img_src: &img,
    });
    Ok(match args.format {
        config::HeadersFormat::Headers => headers::render_headers_file(&set),
        config::HeadersFormat::Nginx => headers::render_nginx(&set),
    })
}
