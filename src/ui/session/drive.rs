//! The session's network side: driving the core's [`Check`] through the network module, with
//! what each network failure means to it, and asking the platform whose account a session
//! belongs to. Everything it learns goes back as data; it decides nothing the core could.

use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;

use crate::core::config::Config;
use crate::core::diagnosis::{Failure, Report};
use crate::core::outcome::Transport;
use crate::core::plan::Stage;
use crate::core::plan::{Check, Step};
use crate::core::recipient::{self, RecipientProblem};
use crate::core::server_check::{self, JwksProblem, PublicJwk};
use crate::net::{self, BrowserJson, Cancel, FetchFailure};

use super::{Phase, Recipient};

/// Ask the platform which account `session` belongs to.
pub(super) async fn fetch_recipient(url: &str, session: &str, timeout_ms: u32) -> Recipient {
    match net::get_with_bearer(url, Some(session), timeout_ms, recipient::MAX_ANSWER_BYTES).await {
        Ok((status, content_type, body)) => {
            match recipient::account_name(status, content_type.as_deref(), &body, &BrowserJson) {
                Ok(name) => Recipient::Confirmed(name),
                Err(problem) => Recipient::Failed(problem),
            }
        }
        Err(FetchFailure::TooLarge) => Recipient::Failed(RecipientProblem::Unreadable),
        Err(_) => Recipient::Failed(RecipientProblem::Unreachable),
    }
}

/// What a failed request means to the check.
fn transport(failure: FetchFailure) -> Option<Transport> {
    match failure {
        FetchFailure::Cancelled => None,
        FetchFailure::Unreachable => Some(Transport::Unreachable),
        FetchFailure::TimedOut => Some(Transport::TimedOut),
        FetchFailure::TooLarge => Some(Transport::TooLarge),
    }
}

/// Drive one check to its end; `None` when it was cancelled.
pub(super) async fn drive(
    mut check: Check,
    secret: Rc<str>,
    config: &Config,
    cancel: &Cancel,
    phase: RwSignal<Phase>,
) -> Option<Arc<Report>> {
    loop {
        if cancel.is_cancelled() {
            return None;
        }
        let now = net::now_ms();
        match check.poll(now) {
            Step::Send(requests) => {
                phase.set(Phase::Checking {
                    stage: check.stage(),
                    wait_seconds: None,
                });
                let sends = requests.into_iter().map(|r| {
                    let url = r.url(config);
                    let token = r.needs_token().then(|| secret.clone());
                    let timeout = r.deadline_ms.saturating_sub(now).min(u32::MAX as u64) as u32;
                    async move {
                        let res = net::proxy_get(&url, token.as_deref(), timeout, cancel).await;
                        (r.id, res)
                    }
                });
                for (id, res) in futures::future::join_all(sends).await {
                    match res {
                        Ok(fetched) => {
                            check.record_response(id, &fetched.raw(), &BrowserJson);
                        }
                        Err(failure) => match transport(failure) {
                            Some(t) => {
                                check.record_transport(id, t);
                            }
                            None => return None,
                        },
                    }
                }
            }
            Step::Wait { until_ms, .. } => {
                // Once a second, the seconds left: a new value each time, so the countdown moves.
                let left = until_ms.saturating_sub(now);
                phase.set(Phase::Checking {
                    stage: check.stage(),
                    wait_seconds: Some(left.div_ceil(1000)),
                });
                gloo_timers::future::sleep(std::time::Duration::from_millis(left.min(1000))).await;
            }
            Step::Pending { until_ms } => {
                let left = until_ms.saturating_sub(now);
                gloo_timers::future::sleep(std::time::Duration::from_millis(left.clamp(10, 250)))
                    .await;
            }
            Step::Done(report) => return Some(report),
        }
    }
}

/// Have the platform's check server check an app (`body`: the check request's JSON); `None`
/// when it was cancelled.
pub(super) async fn drive_on_server(
    url: &str,
    body: &str,
    timeout_ms: u32,
    cancel: &Cancel,
) -> Option<Arc<Report>> {
    let answer = net::post_check(
        url,
        body,
        timeout_ms,
        server_check::MAX_ANSWER_BYTES,
        cancel,
    )
    .await;
    let mut report = match answer {
        Ok((status, content_type, text)) => {
            server_check::read_answer(status, content_type.as_deref(), &text, &BrowserJson)
        }
        Err(FetchFailure::Cancelled) => return None,
        Err(FetchFailure::TimedOut) => Report::Failed(Failure::TimedOut {
            stage: Stage::Identify,
        }),
        Err(FetchFailure::TooLarge) => Report::Failed(Failure::CheckServerFailed { status: 200 }),
        Err(FetchFailure::Unreachable) => Report::Failed(Failure::CheckServerFailed { status: 0 }),
    };
    report.settle_retry_time(net::now_ms() / 1000);
    Some(Arc::new(report))
}

/// The platform's public keys, for the service app's setup.
pub(crate) async fn fetch_jwks(url: &str, timeout_ms: u32) -> Result<Vec<PublicJwk>, JwksProblem> {
    match net::get_with_bearer(url, None, timeout_ms, server_check::MAX_ANSWER_BYTES).await {
        Ok((status, _, body)) => server_check::read_jwks(status, &body, &BrowserJson),
        Err(FetchFailure::TooLarge) => Err(JwksProblem::NotAJwks),
        Err(_) => Err(JwksProblem::Unreachable),
    }
}
