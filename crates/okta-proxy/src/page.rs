//! Serving the page (`--serve-dist`): the files of `dist/` through tower-http's `ServeDir`, with
//! the page's security headers computed from the built `index.html`. Never serves a file whose
//! real path leaves `dist/` (symlinks included), and never anything under the proxy's prefix.

use crate::headers::{HeaderSet, PageHeaderInputs};
use crate::static_files;
use axum::body::Body;
use axum::extract::Request;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_layer::Layer;
use tower_service::Service;

pub struct PageState {
    dist: PathBuf,
    /// `dist/` through tower-http, with its `.br` and `.gz` variants (see [`serve_dist`]).
    files: ServeDir,
    page_config: Option<PathBuf>,
    frame_ancestors: Vec<String>,
    connect_src: Vec<String>,
    img_src: Vec<String>,
    /// (index.html the headers were computed from, the headers)
    headers: RwLock<(String, Arc<HeaderSet>)>,
}

impl PageState {
    /// The page of `dist` (its `index.html` read now), with `page_config` as `/config.json`;
    /// `frame_ancestors` may embed it, and its CSP lets it reach `connect_src` besides itself.
    pub fn new(
        dist: &Path,
        page_config: Option<&Path>,
        frame_ancestors: &[String],
        connect_src: &[String],
    ) -> Result<PageState, String> {
        let (index, connect_src, img_src) = crate::page_inputs(dist, page_config, connect_src)?;
        let mut state = PageState {
            dist: dist.to_path_buf(),
            files: ServeDir::new(dist)
                .precompressed_br()
                .precompressed_gzip()
                .append_index_html_on_directories(false),
            page_config: page_config.map(Path::to_path_buf),
            frame_ancestors: frame_ancestors.to_vec(),
            connect_src,
            img_src,
            headers: RwLock::new((String::new(), Arc::new(Vec::new()))),
        };
        let h = state.compute(&index);
        state.headers = RwLock::new((index, h));
        Ok(state)
    }

    fn compute(&self, index_html: &str) -> Arc<HeaderSet> {
        Arc::new(crate::headers::page_headers(&PageHeaderInputs {
            index_html,
            frame_ancestors: &self.frame_ancestors,
            connect_src: &self.connect_src,
            img_src: &self.img_src,
        }))
    }

    /// The security headers; recomputed if index.html changed since (a rebuilt dist/).
    async fn security_headers(&self, reread_index: bool) -> Arc<HeaderSet> {
        if reread_index {
            if let Ok(src) = tokio::fs::read_to_string(self.dist.join("index.html")).await {
                let stale = self.headers.read().map(|g| g.0 != src).unwrap_or(true);
                if stale {
                    let h = self.compute(&src);
                    if let Ok(mut g) = self.headers.write() {
                        *g = (src, h.clone());
                    }
                    return h;
                }
            }
        }
        self.headers
            .read()
            .map(|g| g.1.clone())
            .unwrap_or_else(|p| p.into_inner().1.clone())
    }
}

/// The answer to a request for the page's files: `dist/` (and `--page-config` as
/// `/config.json`) with the page's security headers; 404 when the proxy serves no page.
pub async fn answer(page: Option<&PageState>, parts: &Parts) -> Response {
    let Some(page) = page else {
        return plain(StatusCode::NOT_FOUND, "not found\n");
    };
    let path = parts.uri.path();
    let rel = static_files::relative_path(path);
    let is_index = rel.as_deref() == Some(Path::new("index.html"));
    let headers = page.security_headers(is_index).await;
    let mut res = if parts.method != Method::GET && parts.method != Method::HEAD {
        let mut r = plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
        r.headers_mut()
            .insert("allow", HeaderValue::from_static("GET, HEAD"));
        r
    } else if path == "/config.json" && page.page_config.is_some() {
        // The operator's own file, named on the command line: links are followed, no variants.
        let file = page.page_config.as_deref().unwrap_or(Path::new(""));
        if is_file(file).await {
            let ct = static_files::content_type(file);
            serve(ServeFile::new(file), parts, "/", None, ct, "no-cache").await
        } else {
            plain(StatusCode::NOT_FOUND, "not found\n")
        }
    } else {
        match rel {
            Some(rel) => serve_dist(page, parts, &rel).await,
            None => plain(StatusCode::NOT_FOUND, "not found\n"),
        }
    };
    let h = res.headers_mut();
    for (k, v) in headers.iter() {
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(*k, v);
        }
    }
    res
}

async fn is_file(p: &Path) -> bool {
    tokio::fs::metadata(p).await.is_ok_and(|m| m.is_file())
}

/// Whether `p` is a regular file whose real path (every symlink resolved) is inside `root`.
async fn servable(root: &Path, p: &Path) -> bool {
    match static_files::real_path_within(root, p).await {
        Some(real) => is_file(&real).await,
        None => false,
    }
}

/// `dist/<rel>` through [`PageState::files`] (tower-http's `ServeDir`). `ServeDir` follows
/// symlinks, so our rule runs first: the file, and any precompressed variant served in its
/// place, must be a regular file whose real path stays inside `dist/`; otherwise 404 (or the
/// plain file). The variant is chosen here by today's rule
/// ([`static_files::encodings_to_try`]) and handed to `ServeDir` as the request's only
/// `Accept-Encoding`, so `ServeDir` never opens a variant that was not checked.
async fn serve_dist(page: &PageState, parts: &Parts, rel: &Path) -> Response {
    let file = page.dist.join(rel);
    if !servable(&page.dist, &file).await {
        return plain(StatusCode::NOT_FOUND, "not found\n");
    }
    let accept_encoding = parts
        .headers
        .get("accept-encoding")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut coding = "identity";
    for (c, suffix) in static_files::encodings_to_try(accept_encoding) {
        let mut variant = file.clone().into_os_string();
        variant.push(suffix);
        if servable(&page.dist, Path::new(&variant)).await {
            coding = c;
            break;
        }
    }
    // `rel` is made of `[A-Za-z0-9._-]` segments (static_files::relative_path): a plain URI path.
    let uri_path = format!("/{}", rel.to_string_lossy());
    serve(
        page.files.clone(),
        parts,
        &uri_path,
        Some(coding),
        static_files::content_type(rel),
        static_files::cache_control(rel),
    )
    .await
}

/// Call a tower-http file service (`ServeDir`/`ServeFile`) for `uri_path` with the request's
/// headers (conditional and range requests are its business), under our header policy: the
/// content type by our table, `Cache-Control`, and `Vary: Accept-Encoding`, set by
/// `SetResponseHeaderLayer`s. A file that vanished or cannot be read answers our plain 404.
async fn serve<S, B>(
    files: S,
    parts: &Parts,
    uri_path: &str,
    accept_encoding: Option<&'static str>,
    content_type: &'static str,
    cache_control: &'static str,
) -> Response
where
    S: Service<Request<Body>, Response = Response<B>, Error = Infallible>,
    B: http_body::Body<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    let ct = HeaderValue::from_static(content_type);
    // Only on answers that carry a file (ServeDir types those by extension, we by our table).
    let typed = move |r: &Response<B>| {
        r.headers()
            .contains_key(header::CONTENT_TYPE)
            .then(|| ct.clone())
    };
    let mut svc = SetResponseHeaderLayer::overriding(header::CONTENT_TYPE, typed).layer(
        SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static(cache_control),
        )
        .layer(
            SetResponseHeaderLayer::overriding(
                header::VARY,
                HeaderValue::from_static("Accept-Encoding"),
            )
            .layer(files),
        ),
    );
    let mut req = Request::new(Body::empty());
    *req.method_mut() = parts.method.clone();
    *req.uri_mut() = match uri_path.parse() {
        Ok(u) => u,
        Err(_) => return plain(StatusCode::NOT_FOUND, "not found\n"),
    };
    *req.headers_mut() = parts.headers.clone();
    if let Some(coding) = accept_encoding {
        req.headers_mut()
            .insert(header::ACCEPT_ENCODING, HeaderValue::from_static(coding));
    }
    let res = match std::future::poll_fn(|cx| svc.poll_ready(cx)).await {
        Ok(()) => svc.call(req).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(r) if r.status() != StatusCode::NOT_FOUND && !r.status().is_server_error() => {
            r.map(Body::new)
        }
        _ => plain(StatusCode::NOT_FOUND, "not found\n"),
    }
}

/// A short plain-text answer.
pub fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut r = (status, text).into_response();
    r.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}
