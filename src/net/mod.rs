//! The one module that talks to the network.
//!
//! Every request the page makes goes through here: GETs to the proxy (always with `no-referrer`,
//! no credentials, no cache, never following redirects, bounded in time by an abort signal), the
//! start-up fetches of `config.json` and message catalogues from the page's own origin, and the
//! `submit` delivery POST. What comes back is handed to the pure core as plain data
//! ([`Fetched`]); the core decides what it means.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use js_sys::{Array, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, Headers, ReferrerPolicy, RequestCache};
use web_sys::{RequestCredentials, RequestInit, RequestMode, RequestRedirect, Response};

use crate::core::json::{FromJson, JsonError, JsonParser, JsonValue, MAX_NESTING};

/// Bodies larger than this are not read (the reference proxy also bounds them).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The browser's own `JSON.parse`, and the value it returns turned into the core's
/// [`JsonValue`] (no serde_json and no serde deserializer in the bundle).
#[derive(Clone, Copy, Default)]
pub struct BrowserJson;

impl JsonParser for BrowserJson {
    fn parse_value(&self, text: &str) -> Result<JsonValue, JsonError> {
        let value = js_sys::JSON::parse(text).map_err(|_| JsonError::Syntax)?;
        value_of(&value, 0)
    }
}

/// Read a value the browser already holds (a `postMessage` payload) as `T`; `Err` for any other
/// shape.
pub fn from_js<T: FromJson>(value: JsValue) -> Result<T, JsonError> {
    T::from_json(&value_of(&value, 0)?)
}

/// A JavaScript value as a JSON document. It may come from `postMessage`, so it may be nested
/// without bound or even cyclic: nesting deeper than [`MAX_NESTING`] is a shape error, so no
/// value makes this recurse without end. `undefined` reads as null; functions, symbols and
/// big integers are shape errors; a number JSON cannot hold (`JSON.parse` turns `1e400` into
/// `Infinity`) is a syntax error, as a strict parser has it.
fn value_of(v: &JsValue, depth: usize) -> Result<JsonValue, JsonError> {
    if v.is_null() || v.is_undefined() {
        return Ok(JsonValue::Null);
    }
    if let Some(b) = v.as_bool() {
        return Ok(JsonValue::Bool(b));
    }
    if let Some(n) = v.as_f64() {
        if !n.is_finite() {
            return Err(JsonError::Syntax);
        }
        return Ok(JsonValue::Number(n));
    }
    if let Some(s) = v.as_string() {
        return Ok(JsonValue::String(s));
    }
    if depth >= MAX_NESTING {
        return Err(JsonError::Shape);
    }
    if Array::is_array(v) {
        let items: &Array = v.unchecked_ref();
        let mut out = Vec::new();
        for item in items.iter() {
            out.push(value_of(&item, depth + 1)?);
        }
        return Ok(JsonValue::Array(out));
    }
    if v.is_object() {
        let object: &Object = v.unchecked_ref();
        let mut members = Vec::new();
        for key in Object::keys(object).iter() {
            let Some(name) = key.as_string() else {
                return Err(JsonError::Shape);
            };
            let value = Reflect::get(object, &key).map_err(|_| JsonError::Shape)?;
            members.push((name, value_of(&value, depth + 1)?));
        }
        return Ok(JsonValue::Object(members));
    }
    Err(JsonError::Shape)
}

/// The raw parts of an HTTP answer, owned; the core's `outcome::classify` interprets them.
#[derive(Debug, Clone, Default)]
pub struct Fetched {
    pub status: u16,
    pub content_type: Option<String>,
    pub request_id: Option<String>,
    pub rate_limit_limit: Option<String>,
    pub rate_limit_remaining: Option<String>,
    pub rate_limit_reset: Option<String>,
    pub proxy_error: Option<String>,
    pub body: String,
}

impl Fetched {
    pub fn raw(&self) -> crate::core::outcome::RawResponse<'_> {
        crate::core::outcome::RawResponse {
            status: self.status,
            content_type: self.content_type.as_deref(),
            request_id: self.request_id.as_deref(),
            rate_limit_limit: self.rate_limit_limit.as_deref(),
            rate_limit_remaining: self.rate_limit_remaining.as_deref(),
            rate_limit_reset: self.rate_limit_reset.as_deref(),
            proxy_error_header: self.proxy_error.as_deref(),
            body: &self.body,
        }
    }
}

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

/// Where a request goes: the proxy (or a delivery endpoint) on another origin, or a file of the
/// page's own origin.
#[derive(Clone, Copy, PartialEq)]
enum Target {
    Remote,
    Own,
}

/// `fetch` with the page's fixed rules: no referrer, no redirects, CORS; no credentials and no
/// cache for other origins, the same-origin credentials and a revalidated cache for its own
/// files (matching `index.html`'s `<link rel="preload" href="config.json" as="fetch"
/// crossorigin="anonymous">`, so the configuration arrives while the WebAssembly loads).
async fn fetch(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
    signal: Option<&AbortSignal>,
    target: Target,
) -> Result<Response, ()> {
    let init = RequestInit::new();
    init.set_method(method);
    init.set_referrer_policy(ReferrerPolicy::NoReferrer);
    init.set_redirect(RequestRedirect::Error);
    init.set_mode(RequestMode::Cors);
    if target == Target::Own {
        init.set_credentials(RequestCredentials::SameOrigin);
        init.set_cache(RequestCache::NoCache);
    } else {
        init.set_credentials(RequestCredentials::Omit);
        init.set_cache(RequestCache::NoStore);
    }
    let list = Headers::new().map_err(|_| ())?;
    for (name, value) in headers {
        list.append(name, value).map_err(|_| ())?;
    }
    init.set_headers(&list);
    if let Some(b) = body {
        init.set_body(&JsValue::from_str(b));
    }
    init.set_signal(signal);
    let window = web_sys::window().ok_or(())?;
    let answer = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(|_| ())?;
    answer.dyn_into::<Response>().map_err(|_| ())
}

/// GET `url` through the proxy. `token` goes only into the `Authorization` header.
pub async fn proxy_get(
    url: &str,
    token: Option<&str>,
    timeout_ms: u32,
    cancel: &Cancel,
) -> Result<Fetched, FetchFailure> {
    let timeout = AbortSignal::timeout_with_u32(timeout_ms.max(1));
    let signals = Array::new();
    signals.push(&timeout);
    if let Some(s) = cancel.signal() {
        signals.push(&s);
    }
    let signal = AbortSignal::any(&signals);
    let authorization = token.map(|t| ["SSWS ", t].concat());
    let mut headers = vec![("Accept", "application/json")];
    if let Some(value) = &authorization {
        headers.push(("Authorization", value));
    }
    let failure = || {
        if cancel.is_cancelled() {
            FetchFailure::Cancelled
        } else if timeout.aborted() {
            FetchFailure::TimedOut
        } else {
            FetchFailure::Unreachable
        }
    };
    let response = fetch("GET", url, &headers, None, Some(&signal), Target::Remote)
        .await
        .map_err(|_| failure())?;
    drop(authorization);
    read(response).await.map_err(|f| match f {
        FetchFailure::Unreachable => failure(),
        other => other,
    })
}

async fn read(response: Response) -> Result<Fetched, FetchFailure> {
    let headers = response.headers();
    let header = |name: &str| {
        headers
            .get(name)
            .ok()
            .flatten()
            .map(|v| v.chars().take(256).collect())
    };
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
    fetched.body = match response.body() {
        Some(stream) => read_bounded(&stream, MAX_BODY_BYTES).await?,
        None => String::new(),
    };
    Ok(fetched)
}

/// Read a body stream, giving up (and cancelling the stream) as soon as it passes `max` bytes:
/// a proxy that does not bound bodies (a chunked answer without `Content-Length`) cannot make
/// the page hold more than `max`. Invalid UTF-8 is replaced, as `Response.text()` does.
async fn read_bounded(
    stream: &web_sys::ReadableStream,
    max: usize,
) -> Result<String, FetchFailure> {
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
    Ok(crate::core::text::utf8_lossy(bytes))
}

/// GET a file from the page's own origin (config.json, catalogues): its status and text, read
/// as a bounded stream like every answer.
pub async fn get_own(path: &str) -> Result<(u16, String), FetchFailure> {
    let response = fetch("GET", path, &[], None, None, Target::Own)
        .await
        .map_err(|_| FetchFailure::Unreachable)?;
    let status = response.status();
    let text = match response.body() {
        Some(stream) => read_bounded(&stream, MAX_BODY_BYTES).await?,
        None => String::new(),
    };
    Ok((status, text))
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
    let authorization = bearer.map(|b| ["Bearer ", b].concat());
    let mut headers = vec![
        ("Content-Type", "application/json"),
        ("Accept", "application/json"),
    ];
    if let Some(value) = &authorization {
        headers.push(("Authorization", value));
    }
    let response = fetch(
        "POST",
        url,
        &headers,
        Some(body),
        Some(&timeout),
        Target::Remote,
    )
    .await
    .map_err(|_| {
        if timeout.aborted() {
            FetchFailure::TimedOut
        } else {
            FetchFailure::Unreachable
        }
    })?;
    Ok(response.status())
}

/// GET `url` with a bearer credential, for the platform's answer naming the account a `submit`
/// session belongs to: its status, content type and body (read bounded to `max` bytes).
pub async fn get_with_bearer(
    url: &str,
    bearer: &str,
    timeout_ms: u32,
    max: usize,
) -> Result<(u16, Option<String>, String), FetchFailure> {
    let timeout = AbortSignal::timeout_with_u32(timeout_ms.max(1));
    let authorization = ["Bearer ", bearer].concat();
    let headers = [
        ("Accept", "application/json"),
        ("Authorization", authorization.as_str()),
    ];
    let failure = || {
        if timeout.aborted() {
            FetchFailure::TimedOut
        } else {
            FetchFailure::Unreachable
        }
    };
    let response = fetch("GET", url, &headers, None, Some(&timeout), Target::Remote)
        .await
        .map_err(|_| failure())?;
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .map(|v| v.chars().take(256).collect());
    let body = match response.body() {
        Some(stream) => read_bounded(&stream, max).await?,
        None => String::new(),
    };
    Ok((status, content_type, body))
}

/// Wait `ms` milliseconds (for the rate-limit countdown).
pub async fn sleep(ms: u32) {
    let promise = Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Milliseconds since the epoch, from the browser clock.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// Run `futures` together and wait for all of them: their answers in the same order. The
/// check sends two to four requests at a time, so every pending one is polled on each wake
/// (what `futures::future::join_all` does for small sets, without its queue for large ones).
pub async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut pending: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut answers: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (future, answer) in pending.iter_mut().zip(answers.iter_mut()) {
            if answer.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(v) => *answer = Some(v),
                    Poll::Pending => done = false,
                }
            }
        }
        if done {
            Poll::Ready(answers.drain(..).flatten().collect())
        } else {
            Poll::Pending
        }
    })
    .await
}
