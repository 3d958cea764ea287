//! The connection check on the platform's server, for all three ways in: an API token (the
//! page's own plan and diagnosis, [`check`]), an OAuth 2.0 service app or an OIN integration
//! ([`app`]). Used by `okta-link-check` and by the proxy's `POST /check`.
//!
//! Every request goes through the proxy's guarded client ([`Upstream`]: the SSRF-safe
//! resolver, the peer check on every connection, checked URLs, no redirects, identity encoding,
//! the body limit) and its rules ([`target::parse`]: the host rules and the path allow-list;
//! [`verify_custom_domain`]). Each answer is read exactly as the page reads the proxy's, so the
//! core reaches the same diagnosis. Credentials go only to Okta-owned hosts: a custom domain is
//! asked only for its well-known document.

pub mod app;
pub mod endpoint;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use okta_link_core::decode::{JsonError, JsonParser};
use okta_link_core::diagnosis::Report;
use okta_link_core::oauth::{CheckCredential, CheckRequest};
use okta_link_core::outcome::{Answer, Transport, MAX_BODY_BYTES};
use okta_link_core::plan::{Check, DataKind, Request, RequestId, Step, DEFAULT_BUDGET_MS};
use okta_link_core::result::LinkResult;
use tokio::task::JoinSet;

use crate::error::ProxyError;
use crate::forward::{
    upstream_type_value, verify_custom_domain, DomainCache, Upstream, UpstreamResponse,
};
use crate::oauth::OAuth;
use crate::resolve::{Lookup, SystemLookup};
use crate::target::{self, Endpoint, HostVerdict};

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
    /// `Host` set to the org, DNS checks skipped, as the proxy's `--dev-upstream`. Client
    /// assertions and DPoP proofs still name the org's real `https://{org}/…` URLs.
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
    /// The versioned result (what `okta-link-check` prints).
    pub result: LinkResult,
}

impl Checked {
    pub fn is_verified(&self) -> bool {
        matches!(self.report.as_ref(), Report::Verified(_))
    }
}

/// Why a check could not be run at all (every problem of the org or the credential is a
/// failed report instead).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckError {
    /// The HTTP client could not be made (a bad `dev_upstream`).
    Client(String),
    /// A service app check without a service app key configured.
    ServiceAppNotConfigured,
}

impl std::fmt::Display for CheckError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckError::Client(m) => f.write_str(m),
            CheckError::ServiceAppNotConfigured => f.write_str(
                "a service app is checked with the platform's key: none is configured \
                 (--service-app-key)",
            ),
        }
    }
}

impl std::error::Error for CheckError {}

/// JSON for the core, by serde_json (the page uses the browser's `JSON.parse`): the text read
/// into a `serde_json::Value` first, so every value is handed as a whole (the [`JsonParser`]
/// contract) and a key given twice keeps its last value, as in the page.
pub(crate) struct SerdeJson;

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

pub(crate) fn now_s() -> u64 {
    now_ms() / 1000
}

/// The proxy's own error, as its `IntoResponse` writes it: the answer the page would read.
pub(crate) fn proxy_error(e: ProxyError) -> Answer {
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
pub(crate) fn upstream(up: &UpstreamResponse) -> Answer {
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

/// The guarded client and the proxy's rules, shared by every check of a process.
pub struct Driver {
    pub(crate) upstream: Upstream,
    pub(crate) domains: DomainCache,
    pub(crate) timeout: Duration,
    pub(crate) oauth: Arc<OAuth>,
}

impl Driver {
    /// Checks through `upstream` (its timeout per call), with `oauth`'s keys.
    pub fn new(upstream: Upstream, oauth: Arc<OAuth>) -> Driver {
        Driver {
            timeout: upstream.timeout(),
            upstream,
            domains: DomainCache::default(),
            oauth,
        }
    }

    /// A driver with its own client, as `options` say.
    pub fn from_options(options: &Options, oauth: Arc<OAuth>) -> Result<Driver, CheckError> {
        let dev = match &options.dev_upstream {
            Some(u) => Some(crate::config::parse_dev_upstream(u).map_err(CheckError::Client)?),
            None => None,
        };
        let upstream = Upstream::new(dev, options.upstream_timeout, options.lookup.clone(), 1)
            .map_err(CheckError::Client)?;
        Ok(Driver::new(upstream, oauth))
    }

    pub fn oauth(&self) -> &OAuth {
        &self.oauth
    }

    /// `rest` (`/{host}{path}`) through the proxy's rules and client, as the proxy answers it;
    /// `auth` goes only to an Okta org host.
    pub(crate) async fn fetch_rest(
        &self,
        rest: &str,
        auth: Option<&axum::http::HeaderValue>,
        deadline: Instant,
    ) -> Answer {
        let target = match target::parse(rest) {
            Ok(t) => t,
            Err(e) => return proxy_error(e),
        };
        let auth = auth.filter(|_| target.verdict == HostVerdict::OktaOrg);
        let mut prefetched = None;
        if target.verdict == HostVerdict::CustomDomain {
            match verify_custom_domain(&self.upstream, &self.domains, &target.host, deadline).await
            {
                Ok(p) => prefetched = Some(p),
                Err(e) => return proxy_error(e),
            }
        }
        // The limits the relay applies to the page's requests.
        let max_body = match target.endpoint {
            Endpoint::WellKnown => crate::forward::WELL_KNOWN_MAX_BYTES,
            _ => MAX_BODY_BYTES,
        };
        let got = match (target.endpoint, prefetched) {
            (Endpoint::WellKnown, Some(r)) => Ok(r),
            _ => {
                self.upstream
                    .get(
                        &target.host,
                        &target.path_and_query(),
                        auth,
                        deadline,
                        max_body,
                    )
                    .await
            }
        };
        match got {
            Ok(up) => upstream(&up),
            Err(e) => proxy_error(e),
        }
    }

    /// One request of the token check's plan.
    async fn fetch(&self, req: &Request, token: &str) -> Answer {
        let auth = if req.needs_token() {
            match crate::forward::authorization_value(token) {
                Some(v) => Some(v),
                None => {
                    return proxy_error(ProxyError::new(
                        crate::error::Code::BadRequest,
                        "the token cannot be sent in a header",
                    ))
                }
            }
        } else {
            None
        };
        let rest = format!("/{}{}", req.host, req.path());
        self.fetch_rest(&rest, auth.as_ref(), Instant::now() + self.timeout)
            .await
    }

    /// Check `request` (its org normalized, as `okta_link_core::org_url::normalize` gives it).
    pub async fn check(
        self: &Arc<Self>,
        request: &CheckRequest,
        options: &Options,
    ) -> Result<Checked, CheckError> {
        let org = request.org.as_str();
        let options = Options {
            required: request.required.clone(),
            ..options.clone()
        };
        match &request.credential {
            CheckCredential::ApiToken { token } => Ok(self.check_token(org, token, &options).await),
            cred => {
                let kind = cred.kind();
                let client_id = cred.client_id().unwrap_or_default();
                if matches!(cred, CheckCredential::ServiceApp { .. }) && self.oauth.keys.is_none() {
                    return Err(CheckError::ServiceAppNotConfigured);
                }
                let report = app::check_app(self, org, cred, &options).await;
                let result = LinkResult::new(
                    &report,
                    org,
                    &options.required,
                    checked_at(),
                    options.update,
                )
                .for_app(kind, client_id, &report);
                Ok(Checked {
                    report: Arc::new(report),
                    result,
                })
            }
        }
    }

    /// Check `org_host` (normalized) with the API `token` (cleaned, as
    /// `okta_link_core::token::clean` gives it): the page's plan, driven here.
    pub async fn check_token(
        self: &Arc<Self>,
        org_host: &str,
        token: &str,
        options: &Options,
    ) -> Checked {
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
                        let driver = self.clone();
                        let token = token.clone();
                        // Aborted at the request's deadline, as the page aborts its fetch.
                        let left = Duration::from_millis(r.deadline_ms.saturating_sub(now_ms()));
                        in_flight.spawn(async move {
                            let answer = tokio::time::timeout(left, driver.fetch(&r, &token)).await;
                            (r.id, answer.ok())
                        });
                    }
                }
                Step::Wait { until_ms, .. } | Step::Pending { until_ms } => {
                    let sleep = tokio::time::sleep(Duration::from_millis(
                        until_ms.saturating_sub(now_ms()),
                    ));
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
            checked_at(),
            options.update,
        );
        Checked { report, result }
    }
}

fn checked_at() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}

/// Check `org_host` with the API `token`, with a client of its own (`okta-link-check`).
pub async fn check(org_host: &str, token: &str, options: &Options) -> Result<Checked, String> {
    let oauth = OAuth::new(None).map_err(|e| e.to_string())?;
    let driver =
        Arc::new(Driver::from_options(options, Arc::new(oauth)).map_err(|e| e.to_string())?);
    Ok(driver.check_token(org_host, token, options).await)
}
