//! okta-link-check: the page's connection check on a server.
//!
//! A platform must not trust a browser's word: it re-checks what the page hands it, on submit
//! and later on a schedule. [`check`] runs the very check the page runs (the core's pure
//! [`Check`] plan, its classification and diagnosis) and returns the same report and the
//! versioned [`LinkResult`] (`schema/okta-link-result.v1.json`).
//!
//! It goes to Okta directly (a server needs no proxy), through the reference proxy's own
//! guarded client ([`okta_proxy::forward::Upstream`]: the SSRF-safe resolver, the peer check on
//! every connection, checked URLs, no redirects, identity encoding, the body limit) and its
//! rules ([`okta_proxy::target::parse`]: the host rules and the path allow-list;
//! [`okta_proxy::forward::verify_custom_domain`]). Each request is answered exactly as the proxy
//! would answer the page (an Okta answer, or the proxy's own error with its code), so the core
//! reaches the same diagnosis. As with the page, the token goes only to Okta-owned hosts: a
//! custom domain is asked only for its well-known document, without the token.

pub mod cli;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use okta_link_core::decode::{JsonError, JsonParser};
use okta_link_core::diagnosis::Report;
use okta_link_core::outcome::{Answer, Transport, MAX_BODY_BYTES};
use okta_link_core::plan::{Check, DataKind, Request, RequestId, Step, DEFAULT_BUDGET_MS};
use okta_link_core::result::LinkResult;
use okta_proxy::error::ProxyError;
use okta_proxy::forward::{
    upstream_type_value, verify_custom_domain, DomainCache, Upstream, UpstreamResponse,
};
use okta_proxy::resolve::{Lookup, SystemLookup};
use okta_proxy::target::{self, Endpoint, HostVerdict};
use tokio::task::JoinSet;

/// How a check runs.
#[derive(Clone)]
pub struct Options {
    /// What the platform needs (`config.json` `required` of the page). Default: users.
    pub required: Vec<DataKind>,
    /// The whole check's time budget (the page's `timeout_ms`). Default 20 s.
    pub budget: Duration,
    /// One upstream call's limit (the proxy's `--timeout`). Default 10 s.
    pub upstream_timeout: Duration,
    /// This server's egress addresses, named in the network-zone remedy.
    pub egress_ips: Vec<String>,
    /// Whether this check renews an existing connection (`update` of the result).
    pub update: bool,
    /// DEVELOPMENT ONLY: every call goes to this plain-HTTP loopback URL (the simulator) with
    /// `Host` set to the org, DNS checks skipped, as the proxy's `--dev-upstream`.
    pub dev_upstream: Option<String>,
    /// Name resolution behind the guarded resolver (tests give a fixed table).
    pub lookup: Arc<dyn Lookup>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            required: vec![DataKind::Users],
            budget: Duration::from_millis(DEFAULT_BUDGET_MS),
            upstream_timeout: Duration::from_secs(10),
            egress_ips: Vec::new(),
            update: false,
            dev_upstream: None,
            lookup: Arc::new(SystemLookup),
        }
    }
}

/// What a check found.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The page's detailed report.
    pub report: Arc<Report>,
    /// The versioned result (what the command prints).
    pub result: LinkResult,
}

impl Checked {
    pub fn is_verified(&self) -> bool {
        matches!(self.report.as_ref(), Report::Verified(_))
    }
}

/// JSON for the core, by serde_json (the page uses the browser's `JSON.parse`): the text read
/// into a `serde_json::Value` first, so every value is handed as a whole (the [`JsonParser`]
/// contract) and a key given twice keeps its last value, as in the page.
struct SerdeJson;

impl JsonParser for SerdeJson {
    fn parse<T: serde::de::DeserializeOwned>(&self, text: &str) -> Result<T, JsonError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|_| JsonError::Syntax)?;
        T::deserialize(value).map_err(|_| JsonError::Shape)
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The proxy's own error, as its `IntoResponse` writes it: the answer the page would read.
fn proxy_error(e: ProxyError) -> Answer {
    Answer {
        status: e.status().as_u16(),
        content_type: Some("application/json; charset=utf-8".into()),
        request_id: None,
        rate_limit_limit: None,
        rate_limit_remaining: None,
        rate_limit_reset: None,
        proxy_error: Some(e.code.code().to_string()),
        body: e.body(),
    }
}

/// Okta's answer: the upstream's own content type (as the proxy's
/// `X-Okta-Link-Upstream-Content-Type`), the passed headers, the body as text (invalid UTF-8
/// replaced, as the browser's decoder does). Header values are cut at 256 characters, as the
/// page reads them.
fn upstream(up: UpstreamResponse) -> Answer {
    let header = |name: &str| {
        up.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(256).collect())
    };
    let content_type = upstream_type_value(up.headers.get("content-type"));
    Answer {
        status: up.status.as_u16(),
        content_type: content_type.to_str().ok().map(str::to_string),
        request_id: header("x-okta-request-id"),
        rate_limit_limit: header("x-rate-limit-limit"),
        rate_limit_remaining: header("x-rate-limit-remaining"),
        rate_limit_reset: header("x-rate-limit-reset"),
        proxy_error: None,
        body: String::from_utf8_lossy(&up.body).into_owned(),
    }
}

struct Client {
    upstream: Upstream,
    domains: DomainCache,
    timeout: Duration,
}

impl Client {
    /// One request of the plan, through the proxy's rules and client, as the proxy answers it.
    async fn fetch(&self, req: &Request, token: &str) -> Answer {
        let rest = format!("/{}{}", req.host, req.path());
        let target = match target::parse(&rest) {
            Ok(t) => t,
            Err(e) => return proxy_error(e),
        };
        // The token only to Okta org hosts (the plan never asks otherwise; checked again here,
        // and once more inside `Upstream::get`).
        let auth = if req.needs_token() && target.verdict == HostVerdict::OktaOrg {
            match okta_proxy::forward::authorization_value(token) {
                Some(v) => Some(v),
                None => {
                    return proxy_error(ProxyError::new(
                        okta_proxy::error::Code::BadRequest,
                        "the token cannot be sent in a header",
                    ))
                }
            }
        } else {
            None
        };
        let deadline = Instant::now() + self.timeout;
        let mut prefetched = None;
        if target.verdict == HostVerdict::CustomDomain {
            match verify_custom_domain(&self.upstream, &self.domains, &target.host, deadline).await
            {
                Ok(p) => prefetched = Some(p),
                Err(e) => return proxy_error(e),
            }
        }
        let got = match (target.endpoint, prefetched) {
            (Endpoint::WellKnown, Some(r)) => Ok(r),
            _ => {
                self.upstream
                    .get(
                        &target.host,
                        &target.path_and_query(),
                        auth.as_ref(),
                        deadline,
                        MAX_BODY_BYTES,
                    )
                    .await
            }
        };
        match got {
            Ok(up) => upstream(up),
            Err(e) => proxy_error(e),
        }
    }
}

/// Check `org_host` (normalized, as `okta_link_core::org_url::normalize` gives it) with
/// `token` (cleaned, as `okta_link_core::token::clean` gives it). `Err` only when the HTTP
/// client cannot be made (a bad `dev_upstream`); every problem of the org or the token is a
/// failed report.
pub async fn check(org_host: &str, token: &str, options: &Options) -> Result<Checked, String> {
    let dev = match &options.dev_upstream {
        Some(u) => Some(okta_proxy::config::parse_dev_upstream(u)?),
        None => None,
    };
    let client = Arc::new(Client {
        upstream: Upstream::new(dev, options.upstream_timeout, options.lookup.clone())?,
        domains: DomainCache::default(),
        timeout: options.upstream_timeout,
    });
    let token: Arc<str> = Arc::from(token);
    let started = now_ms();
    let mut check = Check::new(org_host.to_string(), options.required.clone(), started)
        .with_budget_ms(started, options.budget.as_millis() as u64)
        .with_egress_ips(options.egress_ips.clone());
    let mut in_flight: JoinSet<(RequestId, Option<Answer>)> = JoinSet::new();
    let report = loop {
        match check.poll(now_ms()) {
            Step::Done(report) => break report,
            Step::Send(requests) => {
                for r in requests {
                    let client = client.clone();
                    let token = token.clone();
                    // Aborted at the request's deadline, as the page aborts its fetch.
                    let left = Duration::from_millis(r.deadline_ms.saturating_sub(now_ms()));
                    in_flight.spawn(async move {
                        let answer = tokio::time::timeout(left, client.fetch(&r, &token)).await;
                        (r.id, answer.ok())
                    });
                }
            }
            Step::Wait { until_ms, .. } | Step::Pending { until_ms } => {
                let sleep =
                    tokio::time::sleep(Duration::from_millis(until_ms.saturating_sub(now_ms())));
                tokio::select! {
                    done = in_flight.join_next(), if !in_flight.is_empty() => {
                        if let Some(Ok((id, answer))) = done {
                            match answer {
                                Some(a) => check.record_response(id, &a.raw(), &SerdeJson),
                                None => check.record_transport(id, Transport::TimedOut),
                            };
                        }
                    }
                    _ = sleep => {}
                }
            }
        }
    };
    in_flight.abort_all();
    let result = LinkResult::new(
        &report,
        org_host,
        &options.required,
        humantime::format_rfc3339_millis(SystemTime::now()).to_string(),
        options.update,
    );
    Ok(Checked { report, result })
}
