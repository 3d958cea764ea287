//! The one module that talks to the network.
//!
//! Every request the page makes is a `gloo_net::http::Request` built by [`request`], which holds
//! the page's fixed rules: no referrer, redirects never followed, CORS; no credentials and no
//! cache for other origins (the proxy, the delivery endpoint), the same-origin credentials and a
//! revalidated cache for the page's own files (matching `index.html`'s `<link rel="preload"
//! href="config.json" as="fetch" crossorigin="anonymous">`). Bodies are read as a bounded stream
//! ([`read_bounded`]: gloo-net has no bounded read). What comes back is handed to the pure core
//! as plain data ([`Fetched`]); the core decides what it means.

use gloo_net::http::{Method, Request, RequestBuilder, Response};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, ReferrerPolicy, RequestCache};
use web_sys::{RequestCredentials, RequestMode, RequestRedirect};

use crate::core::decode::{self, nesting_depth, Document, JsonError, JsonParser, MAX_NESTING};

/// Bodies larger than this are not read (the reference proxy also bounds them).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `JSON.parse(text, reviver)`.
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn json_parse_with(text: &str, reviver: &js_sys::Function) -> Result<JsValue, JsValue>;
}

/// The browser's own `JSON.parse`, its value read by `serde_wasm_bindgen::from_value` (no
/// serde_json in the bundle).
#[derive(Clone, Copy, Default)]
pub struct BrowserJson;

impl JsonParser for BrowserJson {
    fn parse<T: serde::de::DeserializeOwned>(&self, text: &str) -> Result<T, JsonError> {
        // `JSON.parse` turns a number JSON cannot hold (`1e400`) into `Infinity`; serde_json
        // refuses the text, and so does the page: the reviver sees every value once.
        let non_finite = std::rc::Rc::new(std::cell::Cell::new(false));
        let seen = non_finite.clone();
        let reviver = wasm_bindgen::closure::Closure::<dyn FnMut(JsValue, JsValue) -> JsValue>::new(
            move |_key: JsValue, value: JsValue| {
                if value.as_f64().is_some_and(|n| !n.is_finite()) {
                    seen.set(true);
                }
                value
            },
        );
        let value = json_parse_with(text, reviver.as_ref().unchecked_ref())
            .map_err(|_| JsonError::Syntax)?;
        if non_finite.get() {
            return Err(JsonError::Syntax);
        }
        serde_wasm_bindgen::from_value(value).map_err(|_| JsonError::Shape)
    }
}

/// Read a value the browser already holds (a `postMessage` payload) as `T`; `Err` for any other
/// shape. A structured clone may be nested without bound or even cyclic: the browser's
/// `JSON.stringify` refuses a cycle (and a depth its stack cannot take), and the text goes the
/// way of every JSON text the core reads (its nesting bound, then `T`).
pub fn from_js<T: Document>(value: JsValue) -> Result<T, JsonError> {
    let text = js_sys::JSON::stringify(&value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or(JsonError::Shape)?;
    if text.len() > MAX_BODY_BYTES || nesting_depth(&text) > MAX_NESTING {
        return Err(JsonError::Shape);
    }
    decode::read(&text, &BrowserJson)
}

/// A Rust value as a plain JavaScript value (objects, not `Map`s; `None` as `null`).
pub fn to_js<T: serde::Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(JsValue::from)
}

/// `value` as JSON text (serde through `to_js`, then the browser's `JSON.stringify`), indented
/// by `indent` spaces when it is not 0: a request body, a delivery, a key shown to people.
pub fn to_json<T: serde::Serialize + ?Sized>(value: &T, indent: u32) -> Option<String> {
    let v = to_js(value).ok()?;
    let text = if indent == 0 {
        js_sys::JSON::stringify(&v)
    } else {
        js_sys::JSON::stringify_with_replacer_and_space(&v, &JsValue::NULL, &indent.into())
    };
    text.ok()?.as_string()
}

/// An HTTP answer as the page read it (the core's owned [`crate::core::outcome::Answer`]).
pub use crate::core::outcome::Answer as Fetched;

/// Why no answer came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchFailure {
    /// Network error, CORS refusal, DNS failure of the proxy, a redirect (never followed).
    Unreachable,
    /// The per-request time bound fired.
    TimedOut,
    /// The check was cancelled (inputs changed, a newer check started).
    Cancelled,
    /// The answer was larger than [`MAX_BODY_BYTES`].
    TooLarge,
}

/// A cancellable scope for the requests of one check.
pub struct Cancel {
    controller: Option<AbortController>,
}

impl Cancel {
    pub fn new() -> Self {
        Cancel {
            controller: AbortController::new().ok(),
        }
    }
    pub fn cancel(&self) {
        if let Some(c) = &self.controller {
            c.abort();
        }
    }
    pub fn is_cancelled(&self) -> bool {
        self.controller
            .as_ref()
            .is_some_and(|c| c.signal().aborted())
    }
    fn signal(&self) -> Option<AbortSignal> {
        self.controller.as_ref().map(|c| c.signal())
    }
}

impl Default for Cancel {
    fn default() -> Self {
        Self::new()
    }
}

/// Where a request goes.
#[derive(Clone, Copy, PartialEq)]
enum Target {
    /// The proxy or a delivery endpoint, on another origin.
    Remote,
    /// A file of the page's own origin.
    Own,
}

/// A request with the page's fixed rules (see the module's documentation).
fn request(method: Method, url: &str, target: Target) -> RequestBuilder {
    // gloo-net appends its own query parameters after `&` to the URL's query (leaving a stray
    // `&` when it has none), so the URL's query is handed over as its parameters instead.
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let builder = RequestBuilder::new(path)
        .query(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .method(method)
        .referrer_policy(ReferrerPolicy::NoReferrer)
        .redirect(RequestRedirect::Error)
        .mode(RequestMode::Cors);
    match target {
        Target::Own => builder
            .credentials(RequestCredentials::SameOrigin)
            .cache(RequestCache::NoCache),
        Target::Remote => builder
            .credentials(RequestCredentials::Omit)
            .cache(RequestCache::NoStore),
    }
}

/// A request's time limit joined with the check's cancellation, and what an abort meant.
struct Deadline {
    timeout: AbortSignal,
    signal: AbortSignal,
}

impl Deadline {
    fn new(timeout_ms: u32, cancel: &Cancel) -> Deadline {
        let timeout = AbortSignal::timeout_with_u32(timeout_ms.max(1));
        let signals = js_sys::Array::new();
        signals.push(&timeout);
        if let Some(s) = cancel.signal() {
            signals.push(&s);
        }
        let signal = AbortSignal::any(&signals);
        Deadline { timeout, signal }
    }

    fn failure(&self, cancel: &Cancel) -> FetchFailure {
        if cancel.is_cancelled() {
            FetchFailure::Cancelled
        } else if self.timeout.aborted() {
            FetchFailure::TimedOut
        } else {
            FetchFailure::Unreachable
        }
    }
}

/// GET `url` through the proxy. `token` goes only into the `Authorization` header.
pub async fn proxy_get(
    url: &str,
    token: Option<&str>,
    timeout_ms: u32,
    cancel: &Cancel,
) -> Result<Fetched, FetchFailure> {
    let deadline = Deadline::new(timeout_ms, cancel);
    let signal = &deadline.signal;
    let failure = || deadline.failure(cancel);
    let mut builder = request(Method::GET, url, Target::Remote)
        .header("Accept", "application/json")
        .abort_signal(Some(signal));
    if let Some(t) = token {
        builder = builder.header("Authorization", &format!("SSWS {t}"));
    }
    let response = builder
        .build()
        .map_err(|_| FetchFailure::Unreachable)?
        .send()
        .await
        .map_err(|_| failure())?;
    read(response).await.map_err(|f| match f {
        FetchFailure::Unreachable => failure(),
        other => other,
    })
}

async fn read(response: Response) -> Result<Fetched, FetchFailure> {
    let headers = response.headers();
    let header = |name: &str| headers.get(name).map(|v| v.chars().take(256).collect());
    if let Some(len) = header("content-length") {
        let len: String = len;
        if len
            .trim()
            .parse::<usize>()
            .is_ok_and(|n| n > MAX_BODY_BYTES)
        {
            return Err(FetchFailure::TooLarge);
        }
    }
    let mut fetched = Fetched {
        status: response.status(),
        // The upstream's own type when the proxy replaced it (the reference proxy does, to keep
        // the answer inert); any other proxy passes it as Content-Type.
        content_type: header(crate::core::outcome::UPSTREAM_CONTENT_TYPE_HEADER)
            .or_else(|| header("content-type")),
        request_id: header("x-okta-request-id"),
        rate_limit_limit: header("x-rate-limit-limit"),
        rate_limit_remaining: header("x-rate-limit-remaining"),
        rate_limit_reset: header("x-rate-limit-reset"),
        proxy_error: header("x-okta-link-proxy-error"),
        body: String::new(),
    };
    fetched.body = read_bounded(&response, MAX_BODY_BYTES).await?;
    Ok(fetched)
}

/// Read a body as a stream, giving up (and cancelling the stream) as soon as it passes `max`
/// bytes: a proxy that does not bound bodies (a chunked answer without `Content-Length`) cannot
/// make the page hold more than `max`. Invalid UTF-8 is replaced, as `Response.text()` does.
async fn read_bounded(response: &Response, max: usize) -> Result<String, FetchFailure> {
    let Some(stream) = response.body() else {
        return Ok(String::new());
    };
    let reader: web_sys::ReadableStreamDefaultReader = stream
        .get_reader()
        .dyn_into()
        .map_err(|_| FetchFailure::Unreachable)?;
    let mut bytes: Vec<u8> = Vec::new();
    loop {
        let chunk = JsFuture::from(reader.read())
            .await
            .map_err(|_| FetchFailure::Unreachable)?;
        let chunk: web_sys::ReadableStreamReadResult = chunk.unchecked_into();
        if chunk.get_done().unwrap_or(true) {
            break;
        }
        let value = chunk.get_value();
        let Some(part) = value.dyn_ref::<js_sys::Uint8Array>() else {
            return Err(FetchFailure::Unreachable);
        };
        let len = part.length() as usize;
        if bytes.len() + len > max {
            let _ = reader.cancel();
            return Err(FetchFailure::TooLarge);
        }
        let at = bytes.len();
        bytes.resize(at + len, 0);
        part.copy_to(&mut bytes[at..]);
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// GET a file from the page's own origin (config.json, catalogues): its status and text, read
/// as a bounded stream like every answer.
pub async fn get_own(path: &str) -> Result<(u16, String), FetchFailure> {
    let response = request(Method::GET, path, Target::Own)
        .send()
        .await
        .map_err(|_| FetchFailure::Unreachable)?;
    let text = read_bounded(&response, MAX_BODY_BYTES).await?;
    Ok((response.status(), text))
}

/// POST a JSON body (already serialized) with a bearer credential, for `submit` delivery: the
/// answer's status (its body says nothing the page shows).
pub async fn post_json(
    url: &str,
    bearer: Option<&str>,
    body: &str,
    timeout_ms: u32,
) -> Result<u16, FetchFailure> {
    let timeout = AbortSignal::timeout_with_u32(timeout_ms.max(1));
    let mut builder = request(Method::POST, url, Target::Remote)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .abort_signal(Some(&timeout));
    if let Some(b) = bearer {
        builder = builder.header("Authorization", &format!("Bearer {b}"));
    }
    let request: Request = builder.body(body).map_err(|_| FetchFailure::Unreachable)?;
    let response = request.send().await.map_err(|_| {
        if timeout.aborted() {
            FetchFailure::TimedOut
        } else {
            FetchFailure::Unreachable
        }
    })?;
    Ok(response.status())
}

/// GET `url` (with a bearer credential when given): the platform's answer naming the account a
/// `submit` session belongs to, or its public keys. Its status, content type and body (read
/// bounded to `max` bytes).
pub async fn get_with_bearer(
    url: &str,
    bearer: Option<&str>,
    timeout_ms: u32,
    max: usize,
) -> Result<(u16, Option<String>, String), FetchFailure> {
    let timeout = AbortSignal::timeout_with_u32(timeout_ms.max(1));
    let failure = || {
        if timeout.aborted() {
            FetchFailure::TimedOut
        } else {
            FetchFailure::Unreachable
        }
    };
    let mut builder = request(Method::GET, url, Target::Remote)
        .header("Accept", "application/json")
        .abort_signal(Some(&timeout));
    if let Some(b) = bearer {
        builder = builder.header("Authorization", &format!("Bearer {b}"));
    }
    let response = builder.send().await.map_err(|_| failure())?;
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.chars().take(256).collect());
    let body = read_bounded(&response, max).await?;
    Ok((response.status(), content_type, body))
}

/// POST a check request (already serialized JSON, holding the credential) to the platform's
/// check server: its status, content type and body (read bounded to `max` bytes). The secret
/// goes only in the body.
pub async fn post_check(
    url: &str,
    body: &str,
    timeout_ms: u32,
    max: usize,
    cancel: &Cancel,
) -> Result<(u16, Option<String>, String), FetchFailure> {
    let deadline = Deadline::new(timeout_ms, cancel);
    let signal = &deadline.signal;
    let failure = || deadline.failure(cancel);
    let request: Request = request(Method::POST, url, Target::Remote)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .abort_signal(Some(signal))
        .body(body)
        .map_err(|_| FetchFailure::Unreachable)?;
    let response = request.send().await.map_err(|_| failure())?;
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.chars().take(256).collect());
    let body = read_bounded(&response, max).await.map_err(|f| match f {
        FetchFailure::Unreachable => failure(),
        other => other,
    })?;
    Ok((response.status(), content_type, body))
}

/// Milliseconds since the epoch, from the browser clock.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}
