//! The plan of the connection check, as a pure state machine the browser shell drives.
//!
//! The token goes only to Okta-owned org hosts ([`is_okta_org_host`]); every other host
//! (a custom domain, or anything else entered) gets only the token-less well-known document.
//!
//! * An Okta-owned host was entered: round one, in parallel on it, fetches the well-known org
//!   document and `users/me`; round two, in parallel once both have answered, the roles of the
//!   token's admin and one-item reads of Users, Groups and the System Log, on the canonical
//!   Okta host (the one the well-known document names). Two round trips on the critical path.
//! * Any other host (a custom domain): round one fetches only its well-known document, without
//!   the token. Only when that names an Okta-owned host does `users/me` go, to that host, and
//!   then round two, also to that host: three round trips. When the document fails or names no
//!   Okta-owned host, the check ends with the diagnosis and the token has gone nowhere.
//!
//! One more round trip only when Okta's rate limit resets within 10 s, in which case the
//! limited request (the well-known document or `users/me`) is retried once after a visible
//! countdown.
//!
//! The shell:
//! 1. creates a [`Check`] (`Check::new` or [`Check::from_config`]) with the current time;
//! 2. calls [`Check::poll`] with the current time and acts on the [`Step`]:
//!    * `Send(requests)`: send each request (GET `config.proxy_url(&r.host, &r.path())`, with
//!      `Authorization: SSWS <token>` only when `r.needs_token()`, aborted at `r.deadline_ms`);
//!    * `Wait { until_ms, .. }`: show a countdown to `until_ms`, poll again at `until_ms`;
//!    * `Pending { until_ms }`: poll again when an answer has been recorded, or at `until_ms`;
//!    * `Done(report)`: show the report; the check is over (later polls return it again);
//! 3. records every answer with [`Check::record_response`] (or [`Check::record_transport`] when
//!    no answer came), then polls again. Answers for another check, another attempt, or a
//!    request not in flight are ignored (the call returns `false`).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use serde::Serialize;

pub use crate::access::{DataKind, ProbeKind, Stage};
use crate::config::Config;
use crate::decode::JsonParser;
use crate::diagnosis::{assess, diagnose, identify, locate, Evidence, Failure, Identity, Report};
use crate::hosts::{is_dns_host, is_okta_org_host};
use crate::okta::{Listing, RoleList, User, UserId, WellKnown};
use crate::outcome::{classify, Outcome, RawResponse, Transport};

/// One request of the check.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Probe {
    WellKnown,
    Me,
    Roles { user_id: UserId },
    Users,
    Groups,
    Logs,
}

impl Probe {
    /// The path and query on the org host.
    pub fn path(&self) -> String {
        match self {
            Probe::WellKnown => "/.well-known/okta-organization".to_string(),
            Probe::Me => "/api/v1/users/me".to_string(),
            Probe::Roles { user_id } => format!("/api/v1/users/{}/roles", user_id.as_str()),
            Probe::Users => "/api/v1/users?limit=1".to_string(),
            Probe::Groups => "/api/v1/groups?limit=1".to_string(),
            Probe::Logs => "/api/v1/logs?limit=1".to_string(),
        }
    }

    /// Whether the request carries the token (all but the well-known document).
    pub fn needs_token(&self) -> bool {
        !matches!(self, Probe::WellKnown)
    }

    pub fn kind(&self) -> ProbeKind {
        match self {
            Probe::WellKnown => ProbeKind::WellKnown,
            Probe::Me => ProbeKind::Me,
            Probe::Roles { .. } => ProbeKind::Roles,
            Probe::Users => ProbeKind::Users,
            Probe::Groups => ProbeKind::Groups,
            Probe::Logs => ProbeKind::Logs,
        }
    }
}

/// Identifies one request of one check: answers are matched against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestId {
    check: u32,
    probe: ProbeKind,
    attempt: u8,
}

impl RequestId {
    pub fn probe(&self) -> ProbeKind {
        self.probe
    }
    /// 0 for the first try, 1 for the rate-limit retry.
    pub fn attempt(&self) -> u8 {
        self.attempt
    }
}

/// A request to send now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub id: RequestId,
    pub probe: Probe,
    /// The org host to reach through the proxy. Always Okta-owned when the request carries
    /// the token ([`Request::needs_token`]).
    pub host: String,
    /// Abort the request at this time (epoch ms): the end of the check's budget.
    pub deadline_ms: u64,
}

impl Request {
    pub fn path(&self) -> String {
        self.probe.path()
    }
    pub fn needs_token(&self) -> bool {
        self.probe.needs_token()
    }
    /// The proxy URL for this request.
    pub fn url(&self, config: &Config) -> String {
        config.proxy_url(&self.host, &self.path())
    }
}

/// Why the check waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitReason {
    /// Okta's rate limit resets soon; the limited request is retried once at `until_ms`.
    RateLimitRetry,
}

impl WaitReason {
    /// Stable id: `rate_limit_retry`.
    pub fn code(&self) -> &'static str {
        match self {
            WaitReason::RateLimitRetry => "rate_limit_retry",
        }
    }
}

/// What the shell does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Send these requests now (in parallel).
    Send(Vec<Request>),
    /// Show a countdown; poll again at `until_ms` (epoch ms).
    Wait { until_ms: u64, reason: WaitReason },
    /// Requests are in flight: poll again after recording an answer, or at `until_ms` (the
    /// end of the budget).
    Pending { until_ms: u64 },
    /// The check is over.
    Done(Arc<Report>),
}

/// The answer to one probe, typed by probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeOutcome {
    WellKnown(Outcome<WellKnown>),
    Me(Outcome<User>),
    Roles(Outcome<RoleList>),
    /// Users, Groups or Logs.
    Listing(Outcome<Listing>),
}

impl ProbeOutcome {
    /// Classify a raw answer for `probe`.
    pub fn classify<P: JsonParser>(probe: ProbeKind, raw: &RawResponse, parser: &P) -> Self {
        match probe {
            ProbeKind::WellKnown => ProbeOutcome::WellKnown(classify(raw, parser)),
            ProbeKind::Me => ProbeOutcome::Me(classify(raw, parser)),
            ProbeKind::Roles => ProbeOutcome::Roles(classify(raw, parser)),
            _ => ProbeOutcome::Listing(classify(raw, parser)),
        }
    }

    /// The shell's failure for `probe`.
    pub fn transport(probe: ProbeKind, t: Transport) -> Self {
        match probe {
            ProbeKind::WellKnown => ProbeOutcome::WellKnown(Outcome::from_transport(t)),
            ProbeKind::Me => ProbeOutcome::Me(Outcome::from_transport(t)),
            ProbeKind::Roles => ProbeOutcome::Roles(Outcome::from_transport(t)),
            _ => ProbeOutcome::Listing(Outcome::from_transport(t)),
        }
    }

    fn fits(&self, probe: ProbeKind) -> bool {
        matches!(
            (self, probe),
            (ProbeOutcome::WellKnown(_), ProbeKind::WellKnown)
                | (ProbeOutcome::Me(_), ProbeKind::Me)
                | (ProbeOutcome::Roles(_), ProbeKind::Roles)
                | (
                    ProbeOutcome::Listing(_),
                    ProbeKind::Users | ProbeKind::Groups | ProbeKind::Logs
                )
        )
    }
}

/// The default total budget of a check.
pub const DEFAULT_BUDGET_MS: u64 = 20_000;
/// A rate-limited round-one request is retried only if Okta's reset is at most this far away.
pub const RETRY_WINDOW_MS: u64 = 10_000;
/// Added to Okta's reset time before the retry (clocks differ; the reset is in whole seconds).
pub const RETRY_MARGIN_MS: u64 = 500;

static NEXT_CHECK: AtomicU32 = AtomicU32::new(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Idle,
    InFlight { attempt: u8 },
    Done { attempt: u8 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Start,
    RoundOne,
    RoundTwo,
}

/// One connection check: a pure state machine (see the module documentation for the protocol).
#[derive(Debug, Clone)]
pub struct Check {
    id: u32,
    evidence: Evidence,
    deadline_ms: u64,
    phase: Phase,
    slots: [Slot; 6],
    /// Round-one probes to (re)send when the wait ends.
    retry: Vec<ProbeKind>,
    wait_until: Option<u64>,
    identity: Option<Identity>,
    /// The Okta-owned host every request with the token goes to: the entered host when it is
    /// Okta-owned, else the host the well-known document names, once it has answered.
    token_host: Option<String>,
    report: Option<Arc<Report>>,
    sent: usize,
}

impl Check {
    /// A check of `host` (normalized, lowercase) for a partner needing `required`, started at
    /// `started_ms` (epoch ms), with the default budget.
    pub fn new(host: String, required: Vec<DataKind>, started_ms: u64) -> Check {
        let host = host.trim().to_ascii_lowercase();
        let report = (!is_dns_host(&host)).then(|| {
            Arc::new(Report::Failed(Failure::NoOrgAtAddress {
                host: crate::decode::bounded(&host, 256),
            }))
        });
        let token_host = is_okta_org_host(&host).then(|| host.clone());
        Check {
            id: NEXT_CHECK.fetch_add(1, Ordering::Relaxed),
            token_host,
            evidence: Evidence::new(host, required),
            deadline_ms: started_ms.saturating_add(DEFAULT_BUDGET_MS),
            phase: Phase::Start,
            slots: [Slot::Idle; 6],
            retry: Vec::new(),
            wait_until: None,
            identity: None,
            report,
            sent: 0,
        }
    }

    /// A check with the deployment's `required`, `proxy_egress_ips` and `timeout_ms`.
    pub fn from_config(host: String, config: &Config, started_ms: u64) -> Check {
        Check::new(host, config.required.clone(), started_ms)
            .with_budget_ms(started_ms, u64::from(config.timeout_ms))
            .with_egress_ips(config.proxy_egress_ips.clone())
    }

    /// Set the total budget (from `started_ms`).
    pub fn with_budget_ms(mut self, started_ms: u64, budget_ms: u64) -> Check {
        self.deadline_ms = started_ms.saturating_add(budget_ms);
        self
    }

    /// The proxy's egress addresses, named in the network-zone remedy.
    pub fn with_egress_ips(mut self, ips: Vec<String>) -> Check {
        self.evidence.egress_ips = ips;
        self
    }

    /// The end of the budget (epoch ms).
    pub fn deadline_ms(&self) -> u64 {
        self.deadline_ms
    }

    pub fn stage(&self) -> Stage {
        match self.phase {
            Phase::Start | Phase::RoundOne => Stage::Identify,
            Phase::RoundTwo => Stage::Permissions,
        }
    }

    /// The report, once the check is over.
    pub fn report(&self) -> Option<&Report> {
        self.report.as_deref()
    }

    pub fn is_done(&self) -> bool {
        self.report.is_some()
    }

    /// How many requests the check has asked the shell to send.
    pub fn requests_sent(&self) -> usize {
        self.sent
    }

    /// What the check has seen so far.
    pub fn evidence(&self) -> &Evidence {
        &self.evidence
    }

    /// Advance the check at time `now_ms` (epoch ms).
    pub fn poll(&mut self, now_ms: u64) -> Step {
        if let Some(report) = &self.report {
            return Step::Done(report.clone());
        }
        if now_ms >= self.deadline_ms {
            let report = match (self.phase, &self.identity) {
                (Phase::RoundTwo, Some(identity)) => assess(identity.clone(), &self.evidence),
                _ => self.timed_out_round_one(),
            };
            return self.finish(report, now_ms);
        }
        match self.phase {
            Phase::Start => {
                self.phase = Phase::RoundOne;
                let mut requests = vec![self.launch(Probe::WellKnown)];
                // On a custom domain, `users/me` waits for the well-known document to name
                // the Okta host the token may go to.
                requests.extend(self.launch_with_token(Probe::Me));
                Step::Send(requests)
            }
            Phase::RoundOne => self.poll_round_one(now_ms),
            Phase::RoundTwo => {
                if self.in_flight() {
                    return Step::Pending {
                        until_ms: self.deadline_ms,
                    };
                }
                let Some(identity) = self.identity.clone() else {
                    return self.finish(diagnose(&self.evidence), now_ms);
                };
                let report = assess(identity, &self.evidence);
                self.finish(report, now_ms)
            }
        }
    }

    fn poll_round_one(&mut self, now_ms: u64) -> Step {
        if let Some(until) = self.wait_until {
            if now_ms < until {
                return Step::Wait {
                    until_ms: until,
                    reason: WaitReason::RateLimitRetry,
                };
            }
            self.wait_until = None;
            let retry = std::mem::take(&mut self.retry);
            let mut requests = Vec::new();
            for kind in retry {
                // The retry's answer replaces the rate-limited one; until it comes, there is
                // none (so a budget running out reads as a timeout).
                match kind {
                    ProbeKind::WellKnown => {
                        self.evidence.well_known = None;
                        requests.push(self.launch(Probe::WellKnown));
                    }
                    _ => {
                        self.evidence.me = None;
                        requests.extend(self.launch_with_token(Probe::Me));
                    }
                }
            }
            if requests.is_empty() {
                return self.finish(diagnose(&self.evidence), now_ms);
            }
            return Step::Send(requests);
        }
        if self.in_flight() {
            return Step::Pending {
                until_ms: self.deadline_ms,
            };
        }
        if self.slots[ProbeKind::Me.index()] == Slot::Idle {
            // A custom domain: only its well-known document has answered. The token goes to
            // the Okta-owned host it names, or nowhere.
            return match locate(&self.evidence) {
                Ok(org) if is_okta_org_host(&org.canonical_host) => {
                    self.token_host = Some(org.canonical_host);
                    match self.launch_with_token(Probe::Me) {
                        Some(request) => Step::Send(vec![request]),
                        None => self.finish(diagnose(&self.evidence), now_ms),
                    }
                }
                Ok(_) => self.finish(
                    Report::Failed(Failure::NoOrgAtAddress {
                        host: self.evidence.entered_host.clone(),
                    }),
                    now_ms,
                ),
                Err(failure) => self.fail_or_retry(failure, now_ms),
            };
        }
        match identify(&self.evidence) {
            Ok(identity) => {
                // Round two goes to the canonical host, Okta-owned by construction of the
                // diagnosis; checked again here, where the token is handed out.
                let host = identity.api_host().to_string();
                if !is_okta_org_host(&host) {
                    return self.finish(
                        Report::Failed(Failure::NoOrgAtAddress {
                            host: self.evidence.entered_host.clone(),
                        }),
                        now_ms,
                    );
                }
                self.token_host = Some(host);
                let user_id = identity.admin.id.clone();
                self.identity = Some(identity);
                self.phase = Phase::RoundTwo;
                let probes = [
                    Probe::Roles { user_id },
                    Probe::Users,
                    Probe::Groups,
                    Probe::Logs,
                ];
                let requests: Vec<Request> = probes
                    .into_iter()
                    .filter_map(|p| self.launch_with_token(p))
                    .collect();
                Step::Send(requests)
            }
            Err(failure) => self.fail_or_retry(failure, now_ms),
        }
    }

    /// End with `failure`, unless it is Okta's rate limit resetting soon: then wait and retry.
    fn fail_or_retry(&mut self, failure: Failure, now_ms: u64) -> Step {
        if matches!(
            failure,
            Failure::RateLimited {
                source: crate::diagnosis::RateLimitSource::Okta,
                ..
            }
        ) {
            if let Some((until, retry)) = self.retry_plan(now_ms) {
                self.retry = retry;
                self.wait_until = Some(until);
                return self.poll_round_one(now_ms);
            }
        }
        self.finish(Report::Failed(failure), now_ms)
    }

    /// When every rate-limited round-one answer is a first attempt whose reset is within the
    /// retry window and the retry fits in the budget: when to retry, and what.
    fn retry_plan(&self, now_ms: u64) -> Option<(u64, Vec<ProbeKind>)> {
        let outcomes = [
            (
                ProbeKind::WellKnown,
                self.evidence.well_known.as_ref().map(Outcome::erase),
            ),
            (ProbeKind::Me, self.evidence.me.as_ref().map(Outcome::erase)),
        ];
        let mut until = now_ms.saturating_add(RETRY_MARGIN_MS);
        let mut retry = Vec::new();
        for (kind, outcome) in outcomes {
            let Some(o) = outcome else { continue };
            if !o.is_rate_limited() {
                continue;
            }
            if self.slots[kind.index()] != (Slot::Done { attempt: 0 }) {
                return None;
            }
            let reset_ms = o.rate_limit()?.reset_epoch_s?.checked_mul(1000)?;
            if reset_ms > now_ms.saturating_add(RETRY_WINDOW_MS) {
                return None;
            }
            until = until.max(reset_ms.saturating_add(RETRY_MARGIN_MS));
            retry.push(kind);
        }
        (!retry.is_empty() && until < self.deadline_ms).then_some((until, retry))
    }

    fn timed_out_round_one(&self) -> Report {
        // On a custom domain whose well-known document has not named an Okta host yet, that
        // document's verdict is the whole story (a timeout when it has not answered).
        if self.slots[ProbeKind::Me.index()] == Slot::Idle {
            if let Err(failure) = locate(&self.evidence) {
                return Report::Failed(failure);
            }
        }
        // Answers that have not come back count as timed out; a definitive answer that did
        // come back (no org, token rejected) still wins over the timeout.
        diagnose(&self.evidence)
    }

    fn in_flight(&self) -> bool {
        self.slots
            .iter()
            .any(|s| matches!(s, Slot::InFlight { .. }))
    }

    /// The well-known document, without the token, to the entered host.
    fn launch(&mut self, probe: Probe) -> Request {
        debug_assert!(!probe.needs_token());
        let host = self.evidence.entered_host.clone();
        self.request(probe, host)
    }

    /// A request with the token, to the Okta-owned token host; `None` (nothing is sent) when
    /// there is none yet. The one place a token-carrying request is made.
    fn launch_with_token(&mut self, probe: Probe) -> Option<Request> {
        let host = self.token_host.clone().filter(|h| is_okta_org_host(h))?;
        Some(self.request(probe, host))
    }

    fn request(&mut self, probe: Probe, host: String) -> Request {
        let kind = probe.kind();
        let attempt = match self.slots[kind.index()] {
            Slot::Idle => 0,
            Slot::InFlight { attempt } | Slot::Done { attempt } => attempt.saturating_add(1),
        };
        self.slots[kind.index()] = Slot::InFlight { attempt };
        self.sent += 1;
        Request {
            id: RequestId {
                check: self.id,
                probe: kind,
                attempt,
            },
            probe,
            host,
            deadline_ms: self.deadline_ms,
        }
    }

    fn finish(&mut self, mut report: Report, now_ms: u64) -> Step {
        report.settle_retry_time(now_ms / 1000);
        let report = Arc::new(report);
        self.report = Some(report.clone());
        Step::Done(report)
    }

    /// Record the typed outcome of a request. Returns `false` (and changes nothing) when the
    /// answer is not for a request of this check currently in flight, or does not fit it.
    pub fn record(&mut self, id: RequestId, outcome: ProbeOutcome) -> bool {
        if self.report.is_some()
            || id.check != self.id
            || self.slots[id.probe.index()]
                != (Slot::InFlight {
                    attempt: id.attempt,
                })
            || !outcome.fits(id.probe)
        {
            return false;
        }
        self.slots[id.probe.index()] = Slot::Done {
            attempt: id.attempt,
        };
        let e = &mut self.evidence;
        match (outcome, id.probe) {
            (ProbeOutcome::WellKnown(o), _) => e.well_known = Some(o),
            (ProbeOutcome::Me(o), _) => e.me = Some(o),
            (ProbeOutcome::Roles(o), _) => e.roles = Some(o),
            (ProbeOutcome::Listing(o), ProbeKind::Users) => e.users = Some(o),
            (ProbeOutcome::Listing(o), ProbeKind::Groups) => e.groups = Some(o),
            (ProbeOutcome::Listing(o), _) => e.logs = Some(o),
        }
        true
    }

    /// Record an answer's raw parts (classified here for the request's probe).
    pub fn record_response<P: JsonParser>(
        &mut self,
        id: RequestId,
        raw: &RawResponse,
        parser: &P,
    ) -> bool {
        if !self.accepts(id) {
            return false;
        }
        self.record(id, ProbeOutcome::classify(id.probe, raw, parser))
    }

    /// Record that no answer came (`Unreachable`, `TimedOut`, `TooLarge`). A request the shell
    /// cancelled itself is simply not recorded.
    pub fn record_transport(&mut self, id: RequestId, failure: Transport) -> bool {
        self.record(id, ProbeOutcome::transport(id.probe, failure))
    }

    /// Whether an answer for `id` would be recorded now.
    pub fn accepts(&self, id: RequestId) -> bool {
        self.report.is_none()
            && id.check == self.id
            && self.slots[id.probe.index()]
                == (Slot::InFlight {
                    attempt: id.attempt,
                })
    }
}
