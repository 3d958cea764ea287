//! Talking to Okta: one GET with only the headers the contract allows, no redirects, bounded
//! in time and size, and the custom-domain check through the well-known document.

use crate::error::{Code, ProxyError};
use crate::resolve::{find_resolve_error, GuardedResolver, Lookup, ResolveError};
use crate::target::WELL_KNOWN_PATH;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use okta_link::core::hosts::is_okta_org_host;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const USER_AGENT: &str = "okta-link-proxy/0.1";

/// Upstream response headers passed to the page (first value only).
pub const PASSED_HEADERS: [&str; 6] = [
    "content-type",
    "content-encoding",
    "x-rate-limit-limit",
    "x-rate-limit-remaining",
    "x-rate-limit-reset",
    "x-okta-request-id",
];

/// Largest well-known document read for the custom-domain check.
pub const WELL_KNOWN_MAX_BYTES: usize = 64 * 1024;

/// What came back from Okta.
#[derive(Debug, Clone)]
pub struct UpstreamResponse {
    pub status: StatusCode,
    /// Only [`PASSED_HEADERS`], each once.
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// The HTTP client towards Okta (or the development upstream).
#[derive(Clone)]
pub struct Upstream {
    client: reqwest::Client,
    /// `http://127.0.0.1:PORT` in development mode: every request goes there with `Host` set.
    dev_base: Option<String>,
    timeout: Duration,
}

impl Upstream {
    /// `lookup` is used (through [`GuardedResolver`]) unless `dev_base` is set.
    pub fn new(
        dev_base: Option<String>,
        timeout: Duration,
        lookup: Arc<dyn Lookup>,
    ) -> Result<Self, String> {
        let mut b = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .referer(false)
            .connect_timeout(timeout)
            .timeout(timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(16)
            .tcp_nodelay(true);
        if dev_base.is_none() {
            b = b
                .https_only(true)
                .dns_resolver(Arc::new(GuardedResolver::new(lookup)));
        }
        let client = b
            .build()
            .map_err(|e| format!("cannot build HTTP client: {e}"))?;
        Ok(Upstream {
            client,
            dev_base: dev_base.map(|d| d.trim_end_matches('/').to_string()),
            timeout,
        })
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// GET `https://{host}{path_and_query}`, passing `authorization` verbatim, never following
    /// redirects, giving up at `deadline` and past `max_body` bytes.
    pub async fn get(
        &self,
        host: &str,
        path_and_query: &str,
        authorization: Option<&HeaderValue>,
        deadline: Instant,
        max_body: usize,
    ) -> Result<UpstreamResponse, ProxyError> {
        let fut = self.get_inner(host, path_and_query, authorization, max_body);
        match tokio::time::timeout_at(deadline.into(), fut).await {
            Ok(r) => r,
            Err(_) => Err(timeout_error(host)),
        }
    }

    async fn get_inner(
        &self,
        host: &str,
        path_and_query: &str,
        authorization: Option<&HeaderValue>,
        max_body: usize,
    ) -> Result<UpstreamResponse, ProxyError> {
        let url = match &self.dev_base {
            Some(base) => format!("{base}{path_and_query}"),
            None => format!("https://{host}{path_and_query}"),
        };
        let mut req = self
            .client
            .get(&url)
            .header("accept", "application/json")
            .header("accept-encoding", "identity")
            .header("user-agent", USER_AGENT);
        if self.dev_base.is_some() {
            req = req.header("host", host);
        }
        if let Some(auth) = authorization {
            let mut auth = auth.clone();
            auth.set_sensitive(true);
            req = req.header("authorization", auth);
        }
        let mut resp = req.send().await.map_err(|e| classify(&e, host))?;
        let status = resp.status();
        if status.is_redirection() {
            return Err(ProxyError::new(
                Code::UpstreamRedirect,
                format!(
                    "{host} answered {} (a redirect); the proxy never follows redirects",
                    status.as_u16()
                ),
            )
            .with_target(Some(host)));
        }
        let too_large = || {
            ProxyError::new(
                Code::UpstreamTooLarge,
                format!("{host} answered more than {max_body} bytes"),
            )
            .with_target(Some(host))
        };
        if resp.content_length().is_some_and(|n| n > max_body as u64) {
            return Err(too_large());
        }
        let mut headers = HeaderMap::new();
        for name in PASSED_HEADERS {
            if let Some(v) = resp.headers().get(name) {
                headers.insert(HeaderName::from_static(name), v.clone());
            }
        }
        let mut body = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > max_body {
                        return Err(too_large());
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Err(classify(&e, host)),
            }
        }
        Ok(UpstreamResponse {
            status,
            headers,
            body: Bytes::from(body),
        })
    }
}

fn timeout_error(host: &str) -> ProxyError {
    ProxyError::new(
        Code::UpstreamTimeout,
        format!("{host} did not answer in time"),
    )
    .with_target(Some(host))
}

/// Turn a client error into the contract's codes.
pub fn classify(e: &reqwest::Error, host: &str) -> ProxyError {
    if let Some(r) = find_resolve_error(e) {
        return match r {
            ResolveError::NotFound { .. } => ProxyError::new(
                Code::NameNotFound,
                format!("{host} does not resolve (no such name in DNS)"),
            ),
            ResolveError::Forbidden { addr, reason, .. } => ProxyError::new(
                Code::TargetForbiddenAddress,
                format!("{host} resolves to {addr} ({reason}); the proxy does not connect there"),
            ),
        }
        .with_target(Some(host));
    }
    if e.is_timeout() {
        return timeout_error(host);
    }
    let mut cause = String::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        cause = err.to_string();
        cur = err.source();
    }
    let what = if e.is_body() || e.is_decode() {
        "the connection failed while reading the answer"
    } else {
        "could not connect"
    };
    ProxyError::new(
        Code::UpstreamUnreachable,
        format!("{host}: {what} ({})", plain_text(&cause, 200)),
    )
    .with_target(Some(host))
}

/// Error text for a message: control characters dropped, at most `max` characters.
fn plain_text(s: &str, max: usize) -> String {
    s.chars().filter(|c| !c.is_control()).take(max).collect()
}

/// The Okta org host named by a well-known document's `_links.organization.href`, if it is one.
pub fn org_from_well_known(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let href = v
        .get("_links")?
        .get("organization")?
        .get("href")?
        .as_str()?;
    let rest = href.strip_prefix("https://")?;
    let host = rest.strip_suffix('/').unwrap_or(rest);
    let host = host.to_ascii_lowercase();
    is_okta_org_host(&host).then_some(host)
}

#[derive(Debug, Clone)]
struct DomainEntry {
    org: Option<String>,
    expires: Instant,
}

/// What the cache knows about a custom domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainStatus {
    /// Its well-known names this Okta org.
    Verified(String),
    /// Recently found not to be an Okta org.
    Refused,
    /// Not known (or expired).
    Unknown,
}

/// Results of custom-domain checks: positive for `positive_ttl`, negative for
/// `negative_ttl`, at most `capacity` entries.
#[derive(Debug)]
pub struct DomainCache {
    entries: Mutex<HashMap<String, DomainEntry>>,
    capacity: usize,
    positive_ttl: Duration,
    negative_ttl: Duration,
}

impl Default for DomainCache {
    fn default() -> Self {
        DomainCache::new(1024, Duration::from_secs(600), Duration::from_secs(60))
    }
}

impl DomainCache {
    pub fn new(capacity: usize, positive_ttl: Duration, negative_ttl: Duration) -> Self {
        DomainCache {
            entries: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
            positive_ttl,
            negative_ttl,
        }
    }

    pub fn get(&self, host: &str, now: Instant) -> DomainStatus {
        let map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(host) {
            Some(e) if e.expires > now => match &e.org {
                Some(o) => DomainStatus::Verified(o.clone()),
                None => DomainStatus::Refused,
            },
            _ => DomainStatus::Unknown,
        }
    }

    pub fn put(&self, host: &str, org: Option<String>, now: Instant) {
        let ttl = if org.is_some() {
            self.positive_ttl
        } else {
            self.negative_ttl
        };
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if !map.contains_key(host) && map.len() >= self.capacity {
            map.retain(|_, e| e.expires > now);
            while map.len() >= self.capacity {
                let Some(k) = map
                    .iter()
                    .min_by_key(|(_, e)| e.expires)
                    .map(|(k, _)| k.clone())
                else {
                    break;
                };
                map.remove(&k);
            }
        }
        map.insert(
            host.to_string(),
            DomainEntry {
                org,
                expires: now + ttl,
            },
        );
    }

    pub fn len(&self) -> usize {
        self.entries.lock().map(|m| m.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Verify that `host` is a custom domain of an Okta org: its own
/// `/.well-known/okta-organization` (fetched without credentials) must name an Okta org host.
/// Returns the fetched well-known response when it was fetched now (so a request for that very
/// document need not fetch it twice).
pub async fn verify_custom_domain(
    upstream: &Upstream,
    cache: &DomainCache,
    host: &str,
    deadline: Instant,
) -> Result<Option<UpstreamResponse>, ProxyError> {
    let refused = |why: String| ProxyError::new(Code::TargetRefused, why).with_target(Some(host));
    match cache.get(host, Instant::now()) {
        DomainStatus::Verified(_) => return Ok(None),
        DomainStatus::Refused => {
            return Err(refused(format!(
                "{host} is not an Okta org host and its {WELL_KNOWN_PATH} does not name one"
            )))
        }
        DomainStatus::Unknown => {}
    }
    let resp = match upstream
        .get(host, WELL_KNOWN_PATH, None, deadline, WELL_KNOWN_MAX_BYTES)
        .await
    {
        Ok(r) => r,
        Err(e) => {
            return Err(match e.code {
                Code::TargetForbiddenAddress => {
                    cache.put(host, None, Instant::now());
                    e
                }
                Code::UpstreamRedirect | Code::UpstreamTooLarge => {
                    cache.put(host, None, Instant::now());
                    refused(format!(
                        "{host} is not an Okta org host and its {WELL_KNOWN_PATH} is not an Okta document ({})",
                        e.code.code()
                    ))
                }
                // Name not found, unreachable, timeout: say so, and do not remember it.
                _ => e,
            });
        }
    };
    if resp.status == StatusCode::OK {
        if let Some(org) = org_from_well_known(&resp.body) {
            cache.put(host, Some(org), Instant::now());
            return Ok(Some(resp));
        }
    }
    let transient = resp.status == StatusCode::TOO_MANY_REQUESTS || resp.status.is_server_error();
    if !transient {
        cache.put(host, None, Instant::now());
    }
    Err(refused(if resp.status == StatusCode::OK {
        format!(
            "{host} is not an Okta org host and its {WELL_KNOWN_PATH} does not name an Okta org"
        )
    } else {
        format!(
            "{host} is not an Okta org host and has no Okta {WELL_KNOWN_PATH} (it answered {})",
            resp.status.as_u16()
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_org() {
        let ok = br#"{"id":"00o1","_links":{"organization":{"href":"https://acme.okta.com"},"alternate":{"href":"https://login.acme.com"}}}"#;
        assert_eq!(org_from_well_known(ok).as_deref(), Some("acme.okta.com"));
        let slash = br#"{"_links":{"organization":{"href":"https://Acme.OktaPreview.com/"}}}"#;
        assert_eq!(
            org_from_well_known(slash).as_deref(),
            Some("acme.oktapreview.com")
        );
        for bad in [
            &br#"{"_links":{"organization":{"href":"https://evil.example"}}}"#[..],
            br#"{"_links":{"organization":{"href":"http://acme.okta.com"}}}"#,
            br#"{"_links":{"organization":{"href":"https://acme.okta.com/x"}}}"#,
            br#"{"_links":{"organization":{"href":"https://acme.okta.com:8443"}}}"#,
            br#"{"_links":{"organization":{"href":"https://u@acme.okta.com"}}}"#,
            br#"{"_links":{"organization":{"href":"https://acme.okta.com.evil.example"}}}"#,
            br#"{"_links":{"organization":{"href":"https://www.okta.com"}}}"#,
            br#"{"_links":{"organization":{}}}"#,
            br#"{"_links":{"organization":{"href":1}}}"#,
            br#"[]"#,
            b"<html>",
            b"",
        ] {
            assert_eq!(
                org_from_well_known(bad),
                None,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn cache_ttls_and_bound() {
        let c = DomainCache::new(3, Duration::from_secs(600), Duration::from_secs(60));
        let t0 = Instant::now();
        c.put("login.acme.com", Some("acme.okta.com".into()), t0);
        c.put("evil.example", None, t0);
        assert_eq!(
            c.get("login.acme.com", t0),
            DomainStatus::Verified("acme.okta.com".into())
        );
        assert_eq!(c.get("evil.example", t0), DomainStatus::Refused);
        assert_eq!(c.get("other.example", t0), DomainStatus::Unknown);
        let t1 = t0 + Duration::from_secs(61);
        assert_eq!(c.get("evil.example", t1), DomainStatus::Unknown);
        assert!(matches!(
            c.get("login.acme.com", t1),
            DomainStatus::Verified(_)
        ));
        let t2 = t0 + Duration::from_secs(601);
        assert_eq!(c.get("login.acme.com", t2), DomainStatus::Unknown);
        for i in 0..20 {
            c.put(&format!("h{i}.example"), None, t0);
            assert!(c.len() <= 3);
        }
    }
}
