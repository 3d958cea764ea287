//! The connection check, natively and without a browser: the pure state machine
//! (`plan::Check`) driven over recorded-shape responses (tests/fixtures/*.json), the diagnosis,
//! and the classification of raw answers.
//!
//! Each test also runs in wasm (`wasm_bindgen_test`), where it is cheap; the property tests are
//! native only.

mod support;
use support::SerdeJson;

use std::collections::HashMap;

use okta_link::core::decode::Document;
use okta_link::core::diagnosis::{
    diagnose, locate, Access, AdminRoles, Audience, Evidence, Failure, Field, ProxyIssue,
    RateLimitSource, Report, RoleHint, Verified,
};
use okta_link::core::hosts::is_okta_org_host;
use okta_link::core::okta::{
    Engine, Listing, Profile, RateLimit, Role, RoleList, RoleType, User, UserId, UserStatus,
    WellKnown,
};
use okta_link::core::outcome::{
    classify, OktaBody, Outcome, ProxyErrorCode, RawResponse, Transport, UnreadableKind,
};
use okta_link::core::plan::{
    Check, DataKind, Probe, ProbeKind, ProbeOutcome, Request, Stage, Step, WaitReason,
};
use wasm_bindgen_test::wasm_bindgen_test;

// ---------------------------------------------------------------------------------------------
// Fixtures

macro_rules! fixture {
    ($name:literal) => {
        Answer::Fixture(
            $name,
            include_str!(concat!("fixtures/", $name, ".json")),
            None,
        )
    };
    ($name:literal, reset = $offset:expr) => {
        Answer::Fixture(
            $name,
            include_str!(concat!("fixtures/", $name, ".json")),
            Some($offset),
        )
    };
}

/// What the simulated proxy answers to one request.
#[derive(Clone)]
enum Answer {
    /// A recorded response; the optional number sets `${RESET}` to now + that many seconds.
    Fixture(&'static str, &'static str, Option<i64>),
    /// The shell's failure.
    Transport(Transport),
    /// No answer at all (the request hangs until the check's budget ends).
    Never,
}

/// An owned raw response, made from a fixture.
struct Owned {
    status: u16,
    headers: HashMap<String, String>,
    body: String,
}

impl Owned {
    fn raw(&self) -> RawResponse<'_> {
        let h = |k: &str| self.headers.get(k).map(String::as_str);
        RawResponse {
            status: self.status,
            content_type: h("content-type"),
            request_id: h("x-okta-request-id"),
            rate_limit_limit: h("x-rate-limit-limit"),
            rate_limit_remaining: h("x-rate-limit-remaining"),
            rate_limit_reset: h("x-rate-limit-reset"),
            proxy_error_header: h("x-okta-link-proxy-error"),
            body: &self.body,
        }
    }
}

fn load(name: &str, text: &str, now_ms: u64, reset: Option<i64>) -> Owned {
    let v: serde_json::Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("fixture {name}: {e}"));
    let now_s = (now_ms / 1000) as i64;
    let substitute = |s: &str| -> String {
        if s == "${RESET}" {
            return (now_s + reset.unwrap_or(3)).to_string();
        }
        if let Some(rest) = s.strip_prefix("${NOW+").and_then(|r| r.strip_suffix('}')) {
            return (now_s + rest.parse::<i64>().unwrap()).to_string();
        }
        s.to_string()
    };
    let headers = v["headers"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), substitute(v.as_str().unwrap())))
                .collect()
        })
        .unwrap_or_default();
    let body = match (&v.get("body"), &v.get("body_text")) {
        (Some(b), _) => serde_json::to_string(b).unwrap(),
        (_, Some(t)) => t.as_str().unwrap().to_string(),
        _ => String::new(),
    };
    Owned {
        status: v["status"].as_u64().unwrap() as u16,
        headers,
        body,
    }
}

fn parse_fixture<T: Document>(answer: Answer, now_ms: u64) -> Outcome<T> {
    match answer {
        Answer::Fixture(name, text, reset) => {
            let owned = load(name, text, now_ms, reset);
            classify(&owned.raw(), &SerdeJson)
        }
        Answer::Transport(t) => Outcome::from_transport(t),
        Answer::Never => panic!("no outcome for Never"),
    }
}

// ---------------------------------------------------------------------------------------------
// The simulated shell

const T0: u64 = 1_700_000_000_000;
/// Simulated network latency per batch.
const LATENCY_MS: u64 = 120;

/// Answers by probe, in order of attempts (the last one repeats).
#[derive(Default, Clone)]
struct Script {
    answers: HashMap<ProbeKind, Vec<Answer>>,
}

impl Script {
    fn on(mut self, probe: ProbeKind, answer: Answer) -> Self {
        self.answers.entry(probe).or_default().push(answer);
        self
    }

    /// Round one answered by a well-known document and users/me.
    fn round_one(self, wk: Answer, me: Answer) -> Self {
        self.on(ProbeKind::WellKnown, wk).on(ProbeKind::Me, me)
    }

    /// Round two all readable, with a super admin's roles.
    fn all_readable(self) -> Self {
        self.on(ProbeKind::Roles, fixture!("roles-super-admin"))
            .on(ProbeKind::Users, fixture!("users-list"))
            .on(ProbeKind::Groups, fixture!("groups-list"))
            .on(ProbeKind::Logs, fixture!("logs-list"))
    }

    fn answer(&self, probe: ProbeKind, attempt: usize) -> Answer {
        let list = self
            .answers
            .get(&probe)
            .unwrap_or_else(|| panic!("no answer scripted for {probe:?}"));
        list[attempt.min(list.len() - 1)].clone()
    }
}

/// What the shell saw while driving a check.
#[derive(Debug, Default)]
struct Trace {
    /// Each `Send` step: the probes and hosts of its requests.
    batches: Vec<Vec<(ProbeKind, String)>>,
    /// Each `Wait` step's `until_ms`.
    waits: Vec<u64>,
    /// The clock when the check ended.
    ended_ms: u64,
}

impl Trace {
    fn probes(&self) -> Vec<Vec<ProbeKind>> {
        self.batches
            .iter()
            .map(|b| b.iter().map(|(p, _)| *p).collect())
            .collect()
    }
    fn requests(&self) -> usize {
        self.batches.iter().map(Vec::len).sum()
    }
}

const ROUND_ONE: [ProbeKind; 2] = [ProbeKind::WellKnown, ProbeKind::Me];
const ROUND_TWO: [ProbeKind; 4] = [
    ProbeKind::Roles,
    ProbeKind::Users,
    ProbeKind::Groups,
    ProbeKind::Logs,
];

fn record(check: &mut Check, req: &Request, answer: Answer, now: u64) -> bool {
    match answer {
        Answer::Fixture(name, text, reset) => {
            let owned = load(name, text, now, reset);
            check.record_response(req.id, &owned.raw(), &SerdeJson)
        }
        Answer::Transport(t) => check.record_transport(req.id, t),
        Answer::Never => false,
    }
}

/// Drive a check like the browser shell does, answering from the script.
fn drive(mut check: Check, script: &Script) -> (Report, Trace, Check) {
    let mut now = T0;
    let mut trace = Trace::default();
    let mut attempts: HashMap<ProbeKind, usize> = HashMap::new();
    for _ in 0..100 {
        match check.poll(now) {
            Step::Send(requests) => {
                assert!(!requests.is_empty(), "an empty Send");
                // The first security review (SECURITY.md), finding 4: the token goes only to Okta-owned hosts, in every test.
                for r in &requests {
                    assert!(
                        !r.needs_token() || is_okta_org_host(&r.host),
                        "{:?} with the token to {}",
                        r.probe.kind(),
                        r.host
                    );
                }
                trace.batches.push(
                    requests
                        .iter()
                        .map(|r| (r.probe.kind(), r.host.clone()))
                        .collect(),
                );
                // All requests of a batch leave before any answer is recorded.
                now += LATENCY_MS;
                for req in &requests {
                    assert_eq!(req.deadline_ms, check.deadline_ms());
                    let n = attempts.entry(req.probe.kind()).or_default();
                    let answer = script.answer(req.probe.kind(), *n);
                    *n += 1;
                    if !matches!(answer, Answer::Never) {
                        assert!(record(&mut check, req, answer, now), "answer refused");
                    }
                }
            }
            Step::Wait { until_ms, reason } => {
                assert_eq!(reason, WaitReason::RateLimitRetry);
                assert!(until_ms > now);
                trace.waits.push(until_ms);
                now = until_ms;
            }
            Step::Pending { until_ms } => {
                assert!(until_ms > now);
                now = until_ms;
            }
            Step::Done(report) => {
                trace.ended_ms = now;
                // Polling again gives the same report.
                assert_eq!(check.poll(now + 1), Step::Done(report.clone()));
                return ((*report).clone(), trace, check);
            }
        }
    }
    panic!("the check did not end");
}

fn run(host: &str, required: &[DataKind], script: &Script) -> (Report, Trace) {
    let check = Check::new(host.to_string(), required.to_vec(), T0);
    let (report, trace, _) = drive(check, script);
    (report, trace)
}

fn verified(report: &Report) -> &Verified {
    match report {
        Report::Verified(v) => v,
        other => panic!("expected verified, got {other:#?}"),
    }
}

fn failure(report: &Report) -> &Failure {
    match report {
        Report::Failed(f) => f,
        other => panic!("expected a failure, got {other:#?}"),
    }
}

fn assert_two_rounds(trace: &Trace, host: &str, round_two_host: &str) {
    assert_eq!(trace.probes(), vec![ROUND_ONE.to_vec(), ROUND_TWO.to_vec()]);
    assert!(trace.batches[0].iter().all(|(_, h)| h == host));
    assert!(trace.batches[1].iter().all(|(_, h)| h == round_two_host));
    assert_eq!(trace.requests(), 6);
    assert!(trace.waits.is_empty());
}

fn assert_round_one_only(trace: &Trace) {
    assert_eq!(trace.probes(), vec![ROUND_ONE.to_vec()]);
}

/// A custom domain: its well-known document, then `users/me` on the Okta host it names, then
/// round two there. One more round trip than an Okta-owned host.
fn assert_three_rounds(trace: &Trace, host: &str, okta_host: &str) {
    assert_eq!(
        trace.batches,
        vec![
            vec![(ProbeKind::WellKnown, host.to_string())],
            vec![(ProbeKind::Me, okta_host.to_string())],
            ROUND_TWO
                .iter()
                .map(|p| (*p, okta_host.to_string()))
                .collect(),
        ]
    );
    assert!(trace.waits.is_empty());
}

/// A custom domain whose well-known document did not name an Okta host: nothing else was sent.
fn assert_well_known_only(trace: &Trace, host: &str) {
    assert_eq!(
        trace.batches,
        vec![vec![(ProbeKind::WellKnown, host.to_string())]]
    );
}

/// Whether any request with the token went to `host`.
fn token_sent_to(trace: &Trace, host: &str) -> bool {
    trace
        .batches
        .iter()
        .flatten()
        .any(|(p, h)| *p != ProbeKind::WellKnown && h == host)
}

// ---------------------------------------------------------------------------------------------
// Verified

/// The report of a finished step (a copy), or `None` while the check goes on.
fn done(step: Step) -> Option<Report> {
    match step {
        Step::Done(report) => Some((*report).clone()),
        _ => None,
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn super_admin_is_verified_in_two_rounds() {
    let script = Script::default()
        .round_one(fixture!("wellknown-idx"), fixture!("me-super-admin"))
        .all_readable();
    let (report, trace) = run("acme.okta.com", &[DataKind::Users], &script);
    assert_two_rounds(&trace, "acme.okta.com", "acme.okta.com");
    assert_eq!(trace.ended_ms, T0 + 2 * LATENCY_MS);
    assert_eq!(report.code(), "verified");
    let v = verified(&report);
    assert_eq!(v.org.entered_host, "acme.okta.com");
    assert_eq!(v.org.canonical_host, "acme.okta.com");
    assert_eq!(v.org.custom_domain, None);
    assert_eq!(v.org.engine, Engine::IdentityEngine);
    assert_eq!(v.org.org_id.as_deref(), Some("00o1n8sbwArJ7OQRw406"));
    assert_eq!(
        v.admin.as_ref().unwrap().id.as_str(),
        "00ub0oNGTSWTBKOLGLNR"
    );
    assert_eq!(
        v.admin.as_ref().unwrap().name.as_deref(),
        Some("Isaac Brock")
    );
    assert_eq!(
        v.admin.as_ref().unwrap().login.as_deref(),
        Some("isaac.brock@acme.com")
    );
    assert_eq!(
        v.admin.as_ref().unwrap().email.as_deref(),
        Some("isaac.brock@acme.com")
    );
    assert_eq!(v.admin.as_ref().unwrap().status, UserStatus::Active);
    match &v.roles {
        AdminRoles::Listed(roles) => {
            assert_eq!(roles.len(), 1);
            assert_eq!(roles[0].kind(), RoleType::SuperAdmin);
            assert_eq!(roles[0].label.as_deref(), Some("Super Administrator"));
            assert_eq!(roles[0].assignment_type.as_deref(), Some("USER"));
        }
        other => panic!("roles: {other:?}"),
    }
    let access: Vec<(DataKind, Access, bool)> = v
        .checklist
        .iter()
        .map(|i| (i.data, i.access, i.required))
        .collect();
    assert_eq!(
        access,
        vec![
            (DataKind::Users, Access::Readable, true),
            (DataKind::Groups, Access::Readable, false),
            (DataKind::Roles, Access::Readable, false),
            (DataKind::Logs, Access::Readable, false),
        ]
    );
    assert_eq!(
        v.checklist[0].request_id.as_deref(),
        Some("dXNlcnMtbGlzdC1yZXEAAAAAAAA")
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn read_only_admin_is_verified_without_roles_listing() {
    let script = Script::default()
        .round_one(fixture!("wellknown-idx"), fixture!("me-read-only-admin"))
        .on(ProbeKind::Roles, fixture!("error-e0000006"))
        .on(ProbeKind::Users, fixture!("users-list"))
        .on(ProbeKind::Groups, fixture!("groups-list"))
        .on(ProbeKind::Logs, fixture!("logs-list"));
    let (report, trace) = run(
        "acme.okta.com",
        &[DataKind::Users, DataKind::Groups, DataKind::Logs],
        &script,
    );
    assert_two_rounds(&trace, "acme.okta.com", "acme.okta.com");
    let v = verified(&report);
    assert_eq!(v.roles, AdminRoles::NotSuperAdmin);
    assert_eq!(v.roles.code(), "not_super_admin");
    assert_eq!(v.access(DataKind::Roles), Some(Access::NotPermitted));
    assert_eq!(v.access(DataKind::Users), Some(Access::Readable));
    assert_eq!(v.access(DataKind::Logs), Some(Access::Readable));
    assert_eq!(
        v.admin.as_ref().unwrap().login.as_deref(),
        Some("svc-readonly@acme.com")
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn group_admin_without_logs_misses_required_access() {
    let script = Script::default()
        .round_one(fixture!("wellknown-idx"), fixture!("me-group-admin"))
        .on(ProbeKind::Roles, fixture!("error-e0000006"))
        .on(ProbeKind::Users, fixture!("users-list"))
        .on(ProbeKind::Groups, fixture!("groups-list"))
        .on(ProbeKind::Logs, fixture!("error-e0000006"));
    let (report, trace) = run("acme.okta.com", &[DataKind::Users, DataKind::Logs], &script);
    assert_two_rounds(&trace, "acme.okta.com", "acme.okta.com");
    let f = failure(&report);
    assert_eq!(f.code(), "missing_access");
    assert_eq!(f.field(), Some(Field::Token));
    assert_eq!(f.audience(), Audience::Customer);
    match f {
        Failure::MissingAccess {
            missing,
            grant,
            verified,
            ..
        } => {
            assert_eq!(missing, &vec![DataKind::Logs]);
            assert_eq!(
                grant,
                &vec![
                    RoleHint::ReadOnlyAdministrator,
                    RoleHint::ReportAdministrator
                ]
            );
            assert_eq!(
                verified.admin.as_ref().unwrap().name.as_deref(),
                Some("Gary Groups")
            );
            assert_eq!(verified.access(DataKind::Users), Some(Access::Readable));
            assert_eq!(verified.access(DataKind::Logs), Some(Access::NotPermitted));
            assert_eq!(verified.roles, AdminRoles::NotSuperAdmin);
            assert_eq!(
                verified.checklist[3].request_id.as_deref(),
                Some("bm8tcGVybWlzc2lvbi1yZXEAAAA")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn required_roles_need_a_super_admin() {
    let script = Script::default()
        .round_one(fixture!("wellknown-idx"), fixture!("me-read-only-admin"))
        .on(ProbeKind::Roles, fixture!("error-e0000006"))
        .on(ProbeKind::Users, fixture!("users-list"))
        .on(ProbeKind::Groups, fixture!("error-e0000006"))
        .on(ProbeKind::Logs, fixture!("logs-list"));
    let (report, _) = run(
        "acme.okta.com",
        &[DataKind::Roles, DataKind::Groups],
        &script,
    );
    match failure(&report) {
        Failure::MissingAccess { missing, grant, .. } => {
            assert_eq!(missing, &vec![DataKind::Groups, DataKind::Roles]);
            // "One of these roles": only a Super Administrator reads both (a Read-only
            // Administrator reads groups, not admin roles).
            assert_eq!(grant, &vec![RoleHint::SuperAdministrator]);
        }
        other => panic!("{other:?}"),
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn custom_domain_runs_round_two_on_the_canonical_host() {
    let script = Script::default()
        .round_one(
            fixture!("wellknown-custom-domain"),
            fixture!("me-super-admin"),
        )
        .all_readable();
    let (report, trace) = run("login.acme.com", &[DataKind::Users], &script);
    assert_three_rounds(&trace, "login.acme.com", "acme.okta.com");
    let v = verified(&report);
    assert_eq!(v.org.entered_host, "login.acme.com");
    assert_eq!(v.org.canonical_host, "acme.okta.com");
    assert_eq!(v.org.custom_domain.as_deref(), Some("login.acme.com"));
}

/// The first security review (SECURITY.md), finding 4: a link prefilling `#org=` with a domain the attacker controls, which
/// serves a well-known document naming some Okta org, must not receive the token. Before the
/// fix, round one sent `users/me` with the token to the entered host alongside its well-known
/// document. Now no request with the token goes to a host that is not Okta-owned, in any
/// outcome over the whole check; a custom domain costs one more round trip.
#[wasm_bindgen_test(unsupported = test)]
fn the_token_never_goes_to_a_custom_domain() {
    let cases: Vec<(&str, Script)> = vec![
        // Names an Okta org: verified there.
        (
            "login.attacker.example",
            Script::default()
                .round_one(
                    fixture!("wellknown-custom-domain"),
                    fixture!("me-super-admin"),
                )
                .all_readable(),
        ),
        // Names itself, a web page, a redirect, a refused target, a timeout, a rate limit.
        (
            "login.evil.example",
            Script::default().round_one(fixture!("wellknown-foreign"), fixture!("me-super-admin")),
        ),
        (
            "www.example.com",
            Script::default().round_one(fixture!("wellknown-200-html"), fixture!("me-super-admin")),
        ),
        (
            "www.example.com",
            Script::default().round_one(
                fixture!("proxy-upstream-redirect"),
                fixture!("me-super-admin"),
            ),
        ),
        (
            "evil.example",
            Script::default()
                .round_one(fixture!("proxy-target-refused"), fixture!("me-super-admin")),
        ),
        (
            "login.acme.com",
            Script::default().round_one(Answer::Never, fixture!("me-super-admin")),
        ),
        (
            "login.acme.com",
            Script::default().round_one(
                fixture!("error-e0000047", reset = 2),
                fixture!("me-super-admin"),
            ),
        ),
        // `users/me` on the named Okta host hangs: still nothing to the custom domain.
        (
            "login.acme.com",
            Script::default().round_one(fixture!("wellknown-custom-domain"), Answer::Never),
        ),
    ];
    for (host, script) in cases {
        let (report, trace) = run(host, &[DataKind::Users], &script);
        assert!(!token_sent_to(&trace, host), "{host}: {:?}", trace.batches);
        assert_eq!(
            trace.batches[0],
            vec![(ProbeKind::WellKnown, host.to_string())],
            "{host}: the first round carries no token"
        );
        for (probe, to) in trace.batches.iter().flatten() {
            assert!(
                *probe == ProbeKind::WellKnown || to == "acme.okta.com",
                "{host}: {probe:?} to {to}"
            );
        }
        let _ = report.code();
    }

    // The verified case: the admin was identified on the Okta host the document names.
    let script = Script::default()
        .round_one(
            fixture!("wellknown-custom-domain"),
            fixture!("me-super-admin"),
        )
        .all_readable();
    let (report, trace) = run("login.attacker.example", &[DataKind::Users], &script);
    assert_three_rounds(&trace, "login.attacker.example", "acme.okta.com");
    assert_eq!(verified(&report).org.canonical_host, "acme.okta.com");
}

#[wasm_bindgen_test(unsupported = test)]
fn a_custom_domain_costs_one_more_round_trip_and_still_retries_a_rate_limit() {
    // The well-known document is rate limited: retried once, then users/me on the Okta host.
    let script = Script::default()
        .on(ProbeKind::WellKnown, fixture!("error-e0000047", reset = 2))
        .on(ProbeKind::WellKnown, fixture!("wellknown-custom-domain"))
        .on(ProbeKind::Me, fixture!("error-e0000047", reset = 2))
        .on(ProbeKind::Me, fixture!("me-super-admin"))
        .all_readable();
    let (report, trace) = run("login.acme.com", &[DataKind::Users], &script);
    verified(&report);
    let wk = |h: &str| vec![(ProbeKind::WellKnown, h.to_string())];
    let me = vec![(ProbeKind::Me, "acme.okta.com".to_string())];
    assert_eq!(
        trace.batches[..4],
        [wk("login.acme.com"), wk("login.acme.com"), me.clone(), me]
    );
    assert_eq!(trace.waits.len(), 2);
    assert_eq!(trace.requests(), 8);

    // A timeout while users/me is out on the Okta host reads as one, in the identify stage.
    let script = Script::default().round_one(fixture!("wellknown-custom-domain"), Answer::Never);
    let (report, _) = run("login.acme.com", &[DataKind::Users], &script);
    assert_eq!(
        failure(&report),
        &Failure::TimedOut {
            stage: Stage::Identify
        }
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn okta_host_with_a_custom_domain_shows_it() {
    let script = Script::default()
        .round_one(
            fixture!("wellknown-custom-domain"),
            fixture!("me-super-admin"),
        )
        .all_readable();
    let (report, trace) = run("acme.okta.com", &[DataKind::Users], &script);
    assert_two_rounds(&trace, "acme.okta.com", "acme.okta.com");
    let v = verified(&report);
    assert_eq!(v.org.canonical_host, "acme.okta.com");
    assert_eq!(v.org.custom_domain.as_deref(), Some("login.acme.com"));
}

#[wasm_bindgen_test(unsupported = test)]
fn classic_org_is_verified() {
    let script = Script::default()
        .round_one(fixture!("wellknown-v1"), fixture!("me-super-admin"))
        .all_readable();
    let (report, trace) = run("legacy.okta.com", &[DataKind::Users], &script);
    assert_two_rounds(&trace, "legacy.okta.com", "legacy.okta.com");
    let v = verified(&report);
    assert_eq!(v.org.engine, Engine::Classic);
    assert_eq!(v.org.engine.code(), "classic");
}

// ---------------------------------------------------------------------------------------------
// The token

#[wasm_bindgen_test(unsupported = test)]
fn revoked_token_is_rejected_after_one_round() {
    let script = Script::default().round_one(fixture!("wellknown-idx"), fixture!("error-e0000011"));
    let (report, trace) = run("acme.okta.com", &[DataKind::Users], &script);
    assert_round_one_only(&trace);
    let f = failure(&report);
    assert_eq!(
        f,
        &Failure::TokenRejected {
            request_id: Some("aW52YWxpZC10b2tlbi1yZXEAAAA".into())
        }
    );
    assert_eq!(f.code(), "token_rejected");
    assert_eq!(f.field(), Some(Field::Token));
    assert_eq!(f.audience(), Audience::Customer);
    assert_eq!(f.request_id(), Some("aW52YWxpZC10b2tlbi1yZXEAAAA"));
}

#[wasm_bindgen_test(unsupported = test)]
fn token_of_another_org_is_rejected() {
    // A token created in another org gets the same 401 E0000011 as a revoked one.
    let script = Script::default().round_one(
        fixture!("wellknown-custom-domain"),
        fixture!("error-e0000011"),
    );
    let (report, trace) = run("login.acme.com", &[DataKind::Users], &script);
    assert_eq!(
        trace.batches,
        vec![
            vec![(ProbeKind::WellKnown, "login.acme.com".to_string())],
            vec![(ProbeKind::Me, "acme.okta.com".to_string())],
        ]
    );
    assert_eq!(failure(&report).code(), "token_rejected");
    // The same on the Okta host: one round.
    let (report, trace) = run("acme.okta.com", &[DataKind::Users], &script);
    assert_round_one_only(&trace);
    assert_eq!(failure(&report).code(), "token_rejected");
}

#[wasm_bindgen_test(unsupported = test)]
fn users_me_forbidden_while_org_answers_means_network_zone() {
    let script = Script::default().round_one(fixture!("wellknown-idx"), fixture!("error-e0000006"));
    let check = Check::new("acme.okta.com".into(), vec![DataKind::Users], T0)
        .with_egress_ips(vec!["203.0.113.10".into(), "2001:db8::10".into()]);
    let (report, trace, _) = drive(check, &script);
    assert_round_one_only(&trace);
    let f = failure(&report);
    assert_eq!(
        f,
        &Failure::TokenBlockedFromProxyNetwork {
            egress_ips: vec!["203.0.113.10".into(), "2001:db8::10".into()],
            request_id: Some("bm8tcGVybWlzc2lvbi1yZXEAAAA".into()),
        }
    );
    assert_eq!(f.field(), Some(Field::Token));
}

// ---------------------------------------------------------------------------------------------
// Rate limits

#[wasm_bindgen_test(unsupported = test)]
fn rate_limit_resetting_soon_waits_and_retries_once() {
    let script = Script::default()
        .on(ProbeKind::WellKnown, fixture!("wellknown-idx"))
        .on(ProbeKind::Me, fixture!("error-e0000047", reset = 3))
        .on(ProbeKind::Me, fixture!("me-super-admin"))
        .all_readable();
    let (report, trace) = run("acme.okta.com", &[DataKind::Users], &script);
    assert_eq!(
        trace.probes(),
        vec![ROUND_ONE.to_vec(), vec![ProbeKind::Me], ROUND_TWO.to_vec()]
    );
    assert_eq!(trace.requests(), 7);
    assert_eq!(trace.waits.len(), 1);
    // The reset was 3 s after the answer (whole seconds), plus the margin.
    let answered_s = (T0 + LATENCY_MS) / 1000;
    assert_eq!(trace.waits[0], (answered_s + 3) * 1000 + 500);
    verified(&report);
}

#[wasm_bindgen_test(unsupported = test)]
fn rate_limit_is_retried_only_once() {
    let script = Script::default()
        .on(ProbeKind::WellKnown, fixture!("wellknown-idx"))
        .on(ProbeKind::Me, fixture!("error-e0000047", reset = 2));
    let (report, trace) = run("acme.okta.com", &[DataKind::Users], &script);
    assert_eq!(
        trace.probes(),
        vec![ROUND_ONE.to_vec(), vec![ProbeKind::Me]]
    );
    assert_eq!(trace.waits.len(), 1);
    match failure(&report) {
        Failure::RateLimited {
            source,
            retry_at_epoch_s,
            request_id,
        } => {
            assert_eq!(*source, RateLimitSource::Okta);
            assert!(retry_at_epoch_s.is_some());
            assert_eq!(request_id.as_deref(), Some("cmF0ZS1saW1pdGVkLXJlcQAAAAA"));
        }
        other => panic!("{other:?}"),
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn a_retry_that_never_answers_times_out() {
    let script = Script::default()
        .on(ProbeKind::WellKnown, fixture!("wellknown-idx"))
        .on(ProbeKind::Me, fixture!("error-e0000047", reset = 3))
        .on(ProbeKind::Me, Answer::Never);
    let (report, trace) = run("acme.okta.com", &[DataKind::Users], &script);
    assert_eq!(trace.waits.len(), 1);
    assert_eq!(trace.ended_ms, T0 + 20_000);
    assert_eq!(
        failure(&report),
        &Failure::TimedOut {
            stage: Stage::Identify
        }
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn rate_limit_far_ahead_fails_with_the_reset_time() {
    let script = Script::default()
        .on(ProbeKind::WellKnown, fixture!("wellknown-idx"))
        .on(ProbeKind::Me, fixture!("error-e0000047", reset = 60));
    let (report, trace) = run("acme.okta.com", &[DataKind::Users], &script);
    assert_round_one_only(&trace);
    assert!(trace.waits.is_empty());
    let answered_s = (T0 + LATENCY_MS) / 1000;
    assert_eq!(
        failure(&report),
        &Failure::RateLimited {
            source: RateLimitSource::Okta,
            retry_at_epoch_s: Some(answered_s + 60),
            request_id: Some("cmF0ZS1saW1pdGVkLXJlcQAAAAA".into()),
        }
    );
    assert_eq!(failure(&report).field(), None);
    assert!(failure(&report).is_transient());
}

#[wasm_bindgen_test(unsupported = test)]
fn rate_limit_on_both_round_one_requests_retries_both() {
    let script = Script::default()
        .on(ProbeKind::WellKnown, fixture!("error-e0000047", reset = 1))
        .on(ProbeKind::WellKnown, fixture!("wellknown-idx"))
        .on(ProbeKind::Me, fixture!("error-e0000047", reset = 4))
        .on(ProbeKind::Me, fixture!("me-super-admin"))
        .all_readable();
    let (report, trace) = run("acme.okta.com", &[DataKind::Users], &script);
    assert_eq!(
        trace.probes(),
        vec![ROUND_ONE.to_vec(), ROUND_ONE.to_vec(), ROUND_TWO.to_vec()]
    );
    // One wait, until the later of the two resets.
    let answered_s = (T0 + LATENCY_MS) / 1000;
    assert_eq!(trace.waits, vec![(answered_s + 4) * 1000 + 500]);
    verified(&report);
}

#[wasm_bindgen_test(unsupported = test)]
fn rate_limit_without_reset_header_is_not_retried() {
    // Strip the reset header by recording the outcome directly.
    assert_eq!(round_one_rate_limited(None), None);
}

/// Round one with `users/me` answering Okta's 429 whose `X-Rate-Limit-Reset` is `reset`
/// (recorded directly, so any value can be given), polled once right after: the time the
/// failed report names to try again.
fn round_one_rate_limited(reset: Option<u64>) -> Option<u64> {
    let script = Script::default()
        .on(ProbeKind::WellKnown, fixture!("wellknown-idx"))
        .on(ProbeKind::Me, fixture!("error-e0000047"));
    let mut check = Check::new("acme.okta.com".into(), vec![DataKind::Users], T0);
    let Step::Send(reqs) = check.poll(T0) else {
        panic!()
    };
    let wk = parse_fixture::<WellKnown>(script.answer(ProbeKind::WellKnown, 0), T0);
    let mut me = parse_fixture::<User>(script.answer(ProbeKind::Me, 0), T0);
    if let Outcome::Okta { rate_limit, .. } = &mut me {
        *rate_limit = RateLimit {
            reset_epoch_s: reset,
            ..RateLimit::default()
        };
    }
    assert!(check.record(reqs[0].id, ProbeOutcome::WellKnown(wk)));
    assert!(check.record(reqs[1].id, ProbeOutcome::Me(me)));
    match done(check.poll(T0 + 100)) {
        Some(Report::Failed(Failure::RateLimited {
            retry_at_epoch_s, ..
        })) => retry_at_epoch_s,
        other => panic!("reset {reset:?}: {other:?}"),
    }
}

/// `X-Rate-Limit-Reset` is hostile input: a time already past, more than an hour ahead, or
/// past any date a browser can show is not named in the report (the message then says to
/// wait a minute); a time within the hour is.
#[wasm_bindgen_test(unsupported = test)]
fn an_implausible_reset_time_is_not_named() {
    let now_s = (T0 + 100) / 1000;
    // Far enough ahead not to be retried within the check's budget, or not at all.
    for (reset, named) in [
        (now_s + 30, true),
        (now_s + 3600, true),
        (now_s + 3601, false),
        (9_000_000_000_000, false),
        (u64::MAX, false),
    ] {
        assert_eq!(
            round_one_rate_limited(Some(reset)),
            named.then_some(reset),
            "reset {reset}"
        );
    }
    // A time already past (a round-one answer like that is retried at once instead), and a
    // check server's report, which is settled the same way when it arrives.
    for (at, kept) in [
        (now_s - 1, None),
        (1, None),
        (now_s + 7200, None),
        (now_s, Some(now_s)),
    ] {
        let mut report = Report::Failed(Failure::RateLimited {
            source: RateLimitSource::Proxy,
            retry_at_epoch_s: Some(at),
            request_id: None,
        });
        report.settle_retry_time(now_s);
        match report {
            Report::Failed(Failure::RateLimited {
                retry_at_epoch_s, ..
            }) => assert_eq!(retry_at_epoch_s, kept, "at {at}"),
            other => panic!("{other:?}"),
        }
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn round_two_rate_limit_on_an_optional_item_is_not_checked() {
    let script = Script::default()
        .round_one(fixture!("wellknown-idx"), fixture!("me-super-admin"))
        .on(ProbeKind::Roles, fixture!("roles-super-admin"))
        .on(ProbeKind::Users, fixture!("users-list"))
        .on(ProbeKind::Groups, fixture!("error-e0000047", reset = 2))
        .on(ProbeKind::Logs, fixture!("logs-list"));
    let (report, trace) = run("acme.okta.com", &[DataKind::Users], &script);
    assert_two_rounds(&trace, "acme.okta.com", "acme.okta.com");
    let v = verified(&report);
    assert_eq!(v.access(DataKind::Groups), Some(Access::RateLimited));
    assert_eq!(Access::RateLimited.code(), "rate_limited");

    // The same answer on a required item fails the check.
    let (report, _) = run("acme.okta.com", &[DataKind::Groups], &script);
    match failure(&report) {
        Failure::RateLimited {
            source: RateLimitSource::Okta,
            retry_at_epoch_s: Some(_),
            ..
        } => {}
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Okta's servers

#[wasm_bindgen_test(unsupported = test)]
fn okta_5xx_is_a_server_error() {
    let script = Script::default().round_one(fixture!("wellknown-idx"), fixture!("okta-503-json"));
    let (report, trace) = run("acme.okta.com", &[DataKind::Users], &script);
    assert_round_one_only(&trace);
    assert_eq!(
        failure(&report),
        &Failure::OktaServerError {
            status: 503,
            request_id: Some("c2VydmljZS11bmF2YWlsYWJsZQAA".into())
        }
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn html_500_page_is_a_server_error() {
    let script = Script::default().round_one(fixture!("okta-500-html"), fixture!("okta-500-html"));
    let (report, _) = run("acme.okta.com", &[DataKind::Users], &script);
    let f = failure(&report);
    assert_eq!(
        f,
        &Failure::OktaServerError {
            status: 500,
            request_id: Some("c2VydmVyLWVycm9yLWh0bWwAAAA".into())
        }
    );
    assert_eq!(f.audience(), Audience::Customer);
    assert!(f.is_transient());
}

#[wasm_bindgen_test(unsupported = test)]
fn token_verdict_wins_over_a_well_known_server_error() {
    let script = Script::default().round_one(fixture!("okta-500-html"), fixture!("error-e0000011"));
    let (report, _) = run("acme.okta.com", &[DataKind::Users], &script);
    assert_eq!(failure(&report).code(), "token_rejected");
}

// ---------------------------------------------------------------------------------------------
// Where the org is

#[wasm_bindgen_test(unsupported = test)]
fn no_org_where_the_well_known_document_is_missing() {
    let script =
        Script::default().round_one(fixture!("wellknown-404-html"), fixture!("error-e0000007"));
    let (report, trace) = run("www.example.com", &[DataKind::Users], &script);
    assert_well_known_only(&trace, "www.example.com");
    let f = failure(&report);
    assert_eq!(
        f,
        &Failure::NoOrgAtAddress {
            host: "www.example.com".into()
        }
    );
    assert_eq!(f.field(), Some(Field::OrgUrl));

    // Also when both answers are HTML 404 pages.
    let script = Script::default().round_one(
        fixture!("wellknown-404-html"),
        fixture!("wellknown-404-html"),
    );
    let (report, _) = run("www.example.com", &[DataKind::Users], &script);
    assert_eq!(failure(&report).code(), "no_org_at_address");
}

#[wasm_bindgen_test(unsupported = test)]
fn a_web_page_where_the_document_should_be_depends_on_whose_host_it_is() {
    // A custom domain that serves a website: nothing there is an Okta org.
    let script = Script::default().round_one(
        fixture!("wellknown-200-html"),
        fixture!("wellknown-200-html"),
    );
    let (report, _) = run("www.example.com", &[DataKind::Users], &script);
    assert_eq!(failure(&report).code(), "no_org_at_address");

    // An Okta-owned host always belongs to Okta: a web page there is Okta's answer gone wrong,
    // and "no organization" would send the customer to fix an address that is right.
    let (report, _) = run("acme.okta.com", &[DataKind::Users], &script);
    let f = failure(&report);
    assert!(
        matches!(
            f,
            Failure::UnexpectedResponse {
                probe: ProbeKind::WellKnown | ProbeKind::Me,
                status: 200,
                kind: Some(UnreadableKind::Html),
                ..
            }
        ),
        "{f:?}"
    );
    assert_ne!(f.code(), "no_org_at_address");
}

#[wasm_bindgen_test(unsupported = test)]
fn a_redirect_is_reported_as_one_on_an_okta_host() {
    let script = Script::default().round_one(
        fixture!("proxy-upstream-redirect"),
        fixture!("proxy-upstream-redirect"),
    );
    let (report, _) = run("acme.okta.com", &[DataKind::Users], &script);
    assert!(
        matches!(
            failure(&report),
            Failure::UnexpectedResponse {
                kind: Some(UnreadableKind::Redirect),
                ..
            }
        ),
        "{:?}",
        failure(&report)
    );
    // A custom domain that redirects its well-known document is a website, not an org.
    let (report, _) = run("www.example.com", &[DataKind::Users], &script);
    assert_eq!(failure(&report).code(), "no_org_at_address");
}

#[wasm_bindgen_test(unsupported = test)]
fn name_not_found_is_no_org() {
    let script = Script::default().round_one(
        fixture!("proxy-name-not-found"),
        fixture!("proxy-name-not-found"),
    );
    let (report, trace) = run("nosuchorg.okta.com", &[DataKind::Users], &script);
    assert_round_one_only(&trace);
    assert_eq!(
        failure(&report),
        &Failure::NoOrgAtAddress {
            host: "nosuchorg.okta.com".into()
        }
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn well_known_naming_a_foreign_host_is_refused() {
    let script =
        Script::default().round_one(fixture!("wellknown-foreign"), fixture!("me-super-admin"));
    let (report, trace) = run("login.evil.example", &[DataKind::Users], &script);
    assert_well_known_only(&trace, "login.evil.example");
    let f = failure(&report);
    assert_eq!(
        f,
        &Failure::ForeignOrganization {
            host: "login.evil.example".into(),
            named: "login.evil.example".into()
        }
    );
    assert_eq!(f.field(), Some(Field::OrgUrl));
}

/// An Okta-owned host is its own org's API host: a well-known document naming another Okta
/// org (hostile, or an org renamed) does not send round two and the token there, nor lend
/// that org's custom domain.
#[wasm_bindgen_test(unsupported = test)]
fn an_okta_host_naming_another_okta_org_keeps_the_check_on_itself() {
    let script = Script::default()
        .round_one(
            fixture!("wellknown-custom-domain"),
            fixture!("me-super-admin"),
        )
        .all_readable();
    let (report, trace) = run("globex.okta.com", &[DataKind::Users], &script);
    assert_two_rounds(&trace, "globex.okta.com", "globex.okta.com");
    let v = verified(&report);
    assert_eq!(v.org.canonical_host, "globex.okta.com");
    assert_eq!(v.org.custom_domain, None);
}

/// A well-known `alternate` is hostile input too: only a host the page would take as a
/// custom domain is one (not Okta's own sites, an admin host or a local name).
#[wasm_bindgen_test(unsupported = test)]
fn a_well_known_alternate_must_be_a_custom_domain() {
    for (alternate, kept) in [
        ("https://login.acme.com", true),
        ("https://www.okta.com", false),
        ("https://acme-admin.okta.com", false),
        ("https://x.customdomains.okta.com", false),
        ("https://printer.local", false),
        ("https://LOGIN.ACME.COM", true),
    ] {
        let body = format!(
            r#"{{"id":"00o1","pipeline":"idx","_links":{{"organization":{{"href":"https://acme.okta.com"}},"alternate":{{"href":"{alternate}"}}}}}}"#
        );
        let raw = RawResponse {
            status: 200,
            content_type: Some("application/json"),
            body: &body,
            ..RawResponse::default()
        };
        let mut e = evidence(fixture!("wellknown-idx"), fixture!("me-super-admin"));
        e.well_known = Some(classify(&raw, &SerdeJson));
        let custom = locate(&e)
            .unwrap_or_else(|f| panic!("{alternate}: {f:?}"))
            .custom_domain;
        assert_eq!(
            custom.as_deref(),
            kept.then_some("login.acme.com"),
            "{alternate}"
        );
    }
}

/// `200 []` for groups: every org has the Everyone group (and the token's admin is a user), so
/// an empty list is a role too narrow for them, not "readable".
#[wasm_bindgen_test(unsupported = test)]
fn an_empty_group_list_is_a_role_too_narrow() {
    let script = Script::default()
        .round_one(fixture!("wellknown-idx"), fixture!("me-group-admin"))
        .on(ProbeKind::Roles, fixture!("error-e0000006"))
        .on(ProbeKind::Users, fixture!("users-list"))
        .on(ProbeKind::Groups, fixture!("groups-empty"))
        .on(ProbeKind::Logs, fixture!("logs-list"));
    let (report, _) = run(
        "acme.okta.com",
        &[DataKind::Users, DataKind::Groups],
        &script,
    );
    match failure(&report) {
        Failure::MissingAccess {
            missing,
            grant,
            verified,
            ..
        } => {
            assert_eq!(missing, &[DataKind::Groups]);
            assert_eq!(grant, &[RoleHint::ReadOnlyAdministrator]);
            assert_eq!(
                verified.access(DataKind::Groups),
                Some(Access::NotPermitted)
            );
            assert_eq!(verified.access(DataKind::Users), Some(Access::Readable));
        }
        other => panic!("{other:?}"),
    }
    // Not required: only the checklist says so.
    let (report, _) = run("acme.okta.com", &[DataKind::Users], &script);
    assert_eq!(
        verified(&report).access(DataKind::Groups),
        Some(Access::NotPermitted)
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn unreachable_org() {
    let script = Script::default().round_one(
        fixture!("proxy-upstream-unreachable"),
        fixture!("proxy-upstream-unreachable"),
    );
    let (report, _) = run("acme.okta.com", &[DataKind::Users], &script);
    assert_eq!(
        failure(&report),
        &Failure::OrgUnreachable {
            host: "acme.okta.com".into()
        }
    );
}

// ---------------------------------------------------------------------------------------------
// The proxy

#[wasm_bindgen_test(unsupported = test)]
fn proxy_down_is_for_the_integrator() {
    let down = Answer::Transport(Transport::Unreachable);
    let script = Script::default().round_one(down.clone(), down.clone());
    let (report, trace) = run("acme.okta.com", &[DataKind::Users], &script);
    assert_round_one_only(&trace);
    let f = failure(&report);
    assert_eq!(f, &Failure::ProxyDown);
    assert_eq!(f.audience(), Audience::Integrator);
    assert_eq!(f.field(), None);

    // Proxy down on one request wins over the other's verdict.
    let script = Script::default().round_one(down, fixture!("error-e0000011"));
    let (report, _) = run("acme.okta.com", &[DataKind::Users], &script);
    assert_eq!(failure(&report), &Failure::ProxyDown);
}

#[wasm_bindgen_test(unsupported = test)]
fn proxy_refused_target() {
    let script = Script::default().round_one(
        fixture!("proxy-target-refused"),
        fixture!("proxy-target-refused"),
    );
    let (report, trace) = run("evil.example", &[DataKind::Users], &script);
    assert_well_known_only(&trace, "evil.example");
    let f = failure(&report);
    assert_eq!(
        f,
        &Failure::ProxyRefusedTarget {
            host: "evil.example".into(),
            code: ProxyErrorCode::TargetRefused
        }
    );
    assert_eq!(f.field(), Some(Field::OrgUrl));
    assert_eq!(f.audience(), Audience::Customer);
}

#[wasm_bindgen_test(unsupported = test)]
fn proxy_path_not_allowed_is_misconfiguration() {
    let script = Script::default().round_one(
        fixture!("wellknown-idx"),
        fixture!("proxy-path-not-allowed"),
    );
    let (report, _) = run("acme.okta.com", &[DataKind::Users], &script);
    let f = failure(&report);
    assert_eq!(
        f,
        &Failure::ProxyMisconfigured {
            issue: ProxyIssue::Proxy(ProxyErrorCode::PathNotAllowed),
            status: 403,
            request_id: None
        }
    );
    assert_eq!(f.audience(), Audience::Integrator);
}

#[wasm_bindgen_test(unsupported = test)]
fn bare_404_on_users_me_after_a_good_well_known_is_misconfiguration() {
    let script =
        Script::default().round_one(fixture!("wellknown-idx"), fixture!("wellknown-404-html"));
    let (report, _) = run("acme.okta.com", &[DataKind::Users], &script);
    match failure(&report) {
        Failure::ProxyMisconfigured {
            issue: ProxyIssue::UnexpectedStatus,
            status: 404,
            ..
        } => {}
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Time

#[wasm_bindgen_test(unsupported = test)]
fn a_hanging_org_times_out_within_the_budget() {
    let script = Script::default().round_one(fixture!("wellknown-idx"), Answer::Never);
    let check = Check::new("acme.okta.com".into(), vec![DataKind::Users], T0);
    let (report, trace, _) = drive(check, &script);
    assert_eq!(
        failure(&report),
        &Failure::TimedOut {
            stage: Stage::Identify
        }
    );
    assert_eq!(trace.ended_ms, T0 + 20_000);

    // A configurable budget.
    let check =
        Check::new("acme.okta.com".into(), vec![DataKind::Users], T0).with_budget_ms(T0, 5_000);
    let (report, trace, _) = drive(check, &script);
    assert_eq!(failure(&report).code(), "timed_out");
    assert_eq!(trace.ended_ms, T0 + 5_000);

    // The shell's own per-request timeout.
    let script = Script::default().round_one(
        fixture!("wellknown-idx"),
        Answer::Transport(Transport::TimedOut),
    );
    let (report, _) = run("acme.okta.com", &[DataKind::Users], &script);
    assert_eq!(
        failure(&report),
        &Failure::TimedOut {
            stage: Stage::Identify
        }
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn a_hanging_round_two_item() {
    let script = Script::default()
        .round_one(fixture!("wellknown-idx"), fixture!("me-super-admin"))
        .on(ProbeKind::Roles, fixture!("roles-super-admin"))
        .on(ProbeKind::Users, fixture!("users-list"))
        .on(ProbeKind::Groups, fixture!("groups-list"))
        .on(ProbeKind::Logs, Answer::Never);
    // Optional: verified, the item not checked.
    let (report, trace) = run("acme.okta.com", &[DataKind::Users], &script);
    assert_eq!(trace.ended_ms, T0 + 20_000);
    assert_eq!(
        verified(&report).access(DataKind::Logs),
        Some(Access::TimedOut)
    );
    // Required: timed out while checking permissions.
    let (report, _) = run("acme.okta.com", &[DataKind::Logs], &script);
    assert_eq!(
        failure(&report),
        &Failure::TimedOut {
            stage: Stage::Permissions
        }
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn a_rate_limit_wait_never_outlasts_the_budget() {
    let script = Script::default()
        .on(ProbeKind::WellKnown, fixture!("wellknown-idx"))
        .on(ProbeKind::Me, fixture!("error-e0000047", reset = 5));
    let check =
        Check::new("acme.okta.com".into(), vec![DataKind::Users], T0).with_budget_ms(T0, 3_000);
    let (report, trace, _) = drive(check, &script);
    assert!(trace.waits.is_empty());
    assert_eq!(failure(&report).code(), "rate_limited");
}

// ---------------------------------------------------------------------------------------------
// Unreadable answers

#[wasm_bindgen_test(unsupported = test)]
fn truncated_json() {
    let script = Script::default().round_one(fixture!("wellknown-idx"), fixture!("me-truncated"));
    let (report, trace) = run("acme.okta.com", &[DataKind::Users], &script);
    assert_round_one_only(&trace);
    assert_eq!(
        failure(&report),
        &Failure::UnexpectedResponse {
            probe: ProbeKind::Me,
            status: 200,
            kind: Some(UnreadableKind::Truncated),
            request_id: Some("dHJ1bmNhdGVkLW1lLXJlcQAAAAA".into()),
        }
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn wrong_content_type() {
    let script = Script::default().round_one(fixture!("wellknown-idx"), fixture!("me-text-plain"));
    let (report, _) = run("acme.okta.com", &[DataKind::Users], &script);
    match failure(&report) {
        Failure::UnexpectedResponse {
            probe: ProbeKind::Me,
            kind: Some(UnreadableKind::WrongContentType),
            request_id: Some(_),
            ..
        } => {}
        other => panic!("{other:?}"),
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn too_large_answer() {
    let script = Script::default().round_one(
        fixture!("wellknown-idx"),
        Answer::Transport(Transport::TooLarge),
    );
    let (report, _) = run("acme.okta.com", &[DataKind::Users], &script);
    match failure(&report) {
        Failure::UnexpectedResponse {
            kind: Some(UnreadableKind::TooLarge),
            ..
        } => {}
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The state machine's bookkeeping

#[wasm_bindgen_test(unsupported = test)]
fn stale_and_foreign_answers_are_ignored() {
    let me_answer = fixture!("me-super-admin");
    let Answer::Fixture(name, text, _) = me_answer else {
        unreachable!()
    };
    let me = load(name, text, T0, None);

    let mut old = Check::new("acme.okta.com".into(), vec![DataKind::Users], T0);
    let Step::Send(old_reqs) = old.poll(T0) else {
        panic!()
    };
    let mut check = Check::new("acme.okta.com".into(), vec![DataKind::Users], T0);
    let Step::Send(reqs) = check.poll(T0) else {
        panic!()
    };
    assert_eq!(reqs.len(), 2);
    assert_eq!(check.stage(), Stage::Identify);
    // An answer for the previous check (same probe) is refused.
    assert!(!check.accepts(old_reqs[1].id));
    assert!(!check.record_response(old_reqs[1].id, &me.raw(), &SerdeJson));
    assert!(check.evidence().me.is_none());
    // An outcome of the wrong type for the slot is refused.
    assert!(!check.record(reqs[1].id, ProbeOutcome::Listing(Outcome::Unreachable)));
    // The right answer is taken once.
    assert!(check.record_response(reqs[1].id, &me.raw(), &SerdeJson));
    assert!(!check.record_response(reqs[1].id, &me.raw(), &SerdeJson));
    // Still waiting for the well-known document.
    assert_eq!(
        check.poll(T0 + 10),
        Step::Pending {
            until_ms: T0 + 20_000
        }
    );
    assert!(check.record_transport(reqs[0].id, Transport::Unreachable));
    assert_eq!(
        done(check.poll(T0 + 20)),
        Some(Report::Failed(Failure::ProxyDown))
    );
    // After the end, nothing is recorded.
    assert!(!check.record_transport(reqs[0].id, Transport::TimedOut));
    assert_eq!(check.requests_sent(), 2);
}

#[wasm_bindgen_test(unsupported = test)]
fn an_invalid_host_sends_nothing() {
    let mut check = Check::new("not a host".into(), vec![DataKind::Users], T0);
    match done(check.poll(T0)) {
        Some(Report::Failed(Failure::NoOrgAtAddress { .. })) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(check.requests_sent(), 0);
}

#[wasm_bindgen_test(unsupported = test)]
fn probes_and_paths() {
    let id = UserId::parse("00ub0oNGTSWTBKOLGLNR").unwrap();
    let cases = [
        (Probe::WellKnown, "/.well-known/okta-organization", false),
        (Probe::Me, "/api/v1/users/me", true),
        (
            Probe::Roles { user_id: id },
            "/api/v1/users/00ub0oNGTSWTBKOLGLNR/roles",
            true,
        ),
        (Probe::Users, "/api/v1/users?limit=1", true),
        (Probe::Groups, "/api/v1/groups?limit=1", true),
        (Probe::Logs, "/api/v1/logs?limit=1", true),
    ];
    for (probe, path, token) in cases {
        assert_eq!(probe.path(), path);
        assert_eq!(probe.needs_token(), token);
    }
    for bad in [
        "",
        "../admin",
        "00u%2F",
        "a b",
        "00u/roles",
        &"a".repeat(65),
        "ü",
    ] {
        assert_eq!(UserId::parse(bad), None, "{bad:?}");
    }
    assert!(UserId::parse(&"a".repeat(64)).is_some());
    let codes: Vec<&str> = DataKind::ALL.iter().map(|d| d.code()).collect();
    assert_eq!(codes, ["users", "groups", "roles", "logs"]);
}

#[wasm_bindgen_test(unsupported = test)]
fn a_user_id_that_cannot_go_in_a_path_is_unreadable() {
    let mut check = Check::new("acme.okta.com".into(), vec![DataKind::Users], T0);
    let Step::Send(reqs) = check.poll(T0) else {
        panic!()
    };
    let wk = parse_fixture::<WellKnown>(fixture!("wellknown-idx"), T0);
    let body = r#"{"id":"../../api/v1/users/x","status":"ACTIVE","profile":{}}"#;
    let raw = RawResponse {
        status: 200,
        content_type: Some("application/json"),
        body,
        ..RawResponse::default()
    };
    assert!(check.record(reqs[0].id, ProbeOutcome::WellKnown(wk)));
    assert!(check.record_response(reqs[1].id, &raw, &SerdeJson));
    match done(check.poll(T0 + 1)) {
        Some(Report::Failed(Failure::UnexpectedResponse {
            probe: ProbeKind::Me,
            kind: Some(UnreadableKind::UnexpectedShape),
            ..
        })) => {}
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The diagnosis, directly

fn evidence(wk: Answer, me: Answer) -> Evidence {
    let mut e = Evidence::new("acme.okta.com", vec![DataKind::Users]);
    e.well_known = Some(parse_fixture(wk, T0));
    e.me = Some(parse_fixture(me, T0));
    e
}

#[wasm_bindgen_test(unsupported = test)]
fn diagnosis_priorities_in_round_one() {
    let cases: Vec<(Answer, Answer, &str)> = vec![
        (
            fixture!("wellknown-404-html"),
            fixture!("error-e0000007"),
            "no_org_at_address",
        ),
        (
            fixture!("wellknown-idx"),
            fixture!("error-e0000011"),
            "token_rejected",
        ),
        (
            Answer::Transport(Transport::Unreachable),
            Answer::Transport(Transport::Unreachable),
            "proxy_down",
        ),
        (
            fixture!("wellknown-404-html"),
            fixture!("error-e0000011"),
            "no_org_at_address",
        ),
        (
            fixture!("proxy-target-refused"),
            fixture!("error-e0000011"),
            "proxy_refused_target",
        ),
        (
            fixture!("okta-503-json"),
            fixture!("error-e0000011"),
            "token_rejected",
        ),
        (
            fixture!("okta-503-json"),
            fixture!("me-super-admin"),
            "okta_server_error",
        ),
        (
            fixture!("wellknown-404-html"),
            fixture!("me-super-admin"),
            "no_org_at_address",
        ),
        (
            Answer::Transport(Transport::TimedOut),
            fixture!("error-e0000011"),
            "token_rejected",
        ),
        (
            Answer::Transport(Transport::TimedOut),
            fixture!("me-super-admin"),
            "timed_out",
        ),
        (
            fixture!("proxy-path-not-allowed"),
            fixture!("error-e0000011"),
            "proxy_misconfigured",
        ),
        (
            fixture!("error-e0000047", reset = 60),
            fixture!("error-e0000011"),
            "rate_limited",
        ),
        (
            fixture!("wellknown-idx"),
            fixture!("okta-500-html"),
            "okta_server_error",
        ),
    ];
    for (i, (wk, me, code)) in cases.into_iter().enumerate() {
        let report = diagnose(&evidence(wk, me));
        assert_eq!(report.code(), code, "case {i}: {report:#?}");
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn diagnosis_without_answers_is_a_timeout() {
    let e = Evidence::new("acme.okta.com", vec![DataKind::Users]);
    assert_eq!(
        diagnose(&e),
        Report::Failed(Failure::TimedOut {
            stage: Stage::Identify
        })
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn origin_validation_error_means_the_proxy_forwards_origin() {
    let raw = RawResponse {
        status: 403,
        content_type: Some("application/json"),
        request_id: Some("b3JpZ2luLXZhbGlkYXRpb24"),
        body: r#"{"errorCode":"E0000212","errorSummary":"Origin validation failed.","errorLink":"E0000212","errorId":"oae1","errorCauses":[]}"#,
        ..RawResponse::default()
    };
    let mut e = evidence(fixture!("wellknown-idx"), fixture!("me-super-admin"));
    e.me = Some(classify(&raw, &SerdeJson));
    match diagnose(&e) {
        Report::Failed(Failure::ProxyMisconfigured {
            issue: ProxyIssue::OriginForwarded,
            status: 403,
            request_id: Some(_),
        }) => {}
        other => panic!("{other:?}"),
    }
    // The same answer with a byte-order mark before the JSON, and its request id header
    // duplicated on the way (joined by a comma): still the error code, and Okta's one id.
    let body = format!("\u{feff}{}", raw.body);
    let raw = RawResponse {
        body: &body,
        request_id: Some("b3JpZ2luLXZhbGlkYXRpb24, b3JpZ2luLXZhbGlkYXRpb24"),
        ..raw
    };
    e.me = Some(classify(&raw, &SerdeJson));
    match diagnose(&e) {
        Report::Failed(Failure::ProxyMisconfigured {
            issue: ProxyIssue::OriginForwarded,
            request_id: Some(id),
            ..
        }) => assert_eq!(id, "b3JpZ2luLXZhbGlkYXRpb24"),
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Classification of raw answers

fn raw<'a>(status: u16, ct: Option<&'a str>, body: &'a str) -> RawResponse<'a> {
    RawResponse {
        status,
        content_type: ct,
        body,
        ..RawResponse::default()
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn json_content_types() {
    let body = "[]";
    for ct in [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON;charset=UTF-8",
        "application/vnd.okta.v1+json",
        "application/problem+json",
    ] {
        let o: Outcome<Listing> = classify(&raw(200, Some(ct), body), &SerdeJson);
        assert_eq!(o.ok(), Some(&Listing { items: 0 }), "{ct}");
    }
    for ct in [
        "text/plain",
        "application/octet-stream",
        "text/json-ish",
        "application/+json",
    ] {
        let o: Outcome<Listing> = classify(&raw(200, Some(ct), body), &SerdeJson);
        assert!(
            matches!(
                o,
                Outcome::Unreadable {
                    kind: UnreadableKind::WrongContentType,
                    ..
                }
            ),
            "{ct}: {o:?}"
        );
    }
    // No content type at all: read it.
    let o: Outcome<Listing> = classify(&raw(200, None, "[1,2]"), &SerdeJson);
    assert_eq!(o.ok(), Some(&Listing { items: 2 }));
}

#[wasm_bindgen_test(unsupported = test)]
fn unreadable_kinds() {
    let cases: Vec<(u16, Option<&str>, &str, UnreadableKind)> = vec![
        (200, Some("text/html"), "<p>hi", UnreadableKind::Html),
        (
            200,
            Some("application/json"),
            "<!DOCTYPE html><html>",
            UnreadableKind::Html,
        ),
        (200, Some("application/json"), "", UnreadableKind::Empty),
        (200, Some("application/json"), "  \n", UnreadableKind::Empty),
        (
            200,
            Some("application/json"),
            "[{\"id\":",
            UnreadableKind::Truncated,
        ),
        (
            200,
            Some("application/json"),
            "{\"a\":\"b",
            UnreadableKind::Truncated,
        ),
        (
            200,
            Some("application/json"),
            "hello",
            UnreadableKind::NotJson,
        ),
        (
            200,
            Some("application/json"),
            "{\"a\":}",
            UnreadableKind::NotJson,
        ),
        (
            200,
            Some("application/json"),
            "{\"id\":1}",
            UnreadableKind::UnexpectedShape,
        ),
        (
            502,
            Some("text/html"),
            "<html>Bad gateway</html>",
            UnreadableKind::Html,
        ),
    ];
    for (status, ct, body, kind) in cases {
        let o: Outcome<Listing> = classify(&raw(status, ct, body), &SerdeJson);
        match o {
            Outcome::Unreadable {
                status: s, kind: k, ..
            } => {
                assert_eq!((s, k), (status, kind), "{body:?}");
            }
            other => panic!("{body:?}: {other:?}"),
        }
    }
    // Deeply nested JSON is refused before it reaches the parser.
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let o: Outcome<Listing> = classify(&raw(200, Some("application/json"), &deep), &SerdeJson);
    assert!(matches!(
        o,
        Outcome::Unreadable {
            kind: UnreadableKind::UnexpectedShape,
            ..
        }
    ));
}

#[wasm_bindgen_test(unsupported = test)]
fn non_2xx_answers_keep_status_and_okta_error() {
    let o: Outcome<User> = classify(&raw(401, Some("application/json"), ""), &SerdeJson);
    assert!(matches!(
        o,
        Outcome::Okta {
            status: 401,
            body: OktaBody::Err(None),
            ..
        }
    ));
    let o: Outcome<User> = classify(
        &raw(429, Some("text/plain"), "Too Many Requests"),
        &SerdeJson,
    );
    assert!(o.is_rate_limited());
    let body = r#"{"errorCode":"E0000006","errorSummary":"You do not have permission\u0007 \u202e","errorCauses":[{"errorSummary":"x"},"junk",3]}"#;
    let o: Outcome<User> = classify(&raw(403, Some("application/json"), body), &SerdeJson);
    let e = o.okta_error().expect("okta error");
    assert_eq!(e.error_code.as_deref(), Some("E0000006"));
    // Control and bidi characters are removed.
    assert_eq!(
        e.error_summary.as_deref(),
        Some("You do not have permission ")
    );
    assert_eq!(e.error_causes.len(), 3);
    assert_eq!(e.error_causes[0].error_summary.as_deref(), Some("x"));
}

#[wasm_bindgen_test(unsupported = test)]
fn proxy_errors_by_header_or_body() {
    // Header only (a body that is not JSON).
    let r = RawResponse {
        proxy_error_header: Some("origin_not_allowed"),
        ..raw(403, Some("text/plain"), "nope")
    };
    match classify::<User, _>(&r, &SerdeJson) {
        Outcome::Proxy(p) => {
            assert_eq!(p.code, ProxyErrorCode::OriginNotAllowed);
            assert_eq!(p.status, 403);
        }
        other => panic!("{other:?}"),
    }
    // Body only, with its target.
    let body =
        r#"{"proxyError":"target_forbidden_address","message":"private","target":"10.0.0.1"}"#;
    match classify::<User, _>(&raw(403, Some("application/json"), body), &SerdeJson) {
        Outcome::Proxy(p) => {
            assert_eq!(p.code, ProxyErrorCode::TargetForbiddenAddress);
            assert_eq!(p.target.as_deref(), Some("10.0.0.1"));
        }
        other => panic!("{other:?}"),
    }
    // An unknown code.
    let r = RawResponse {
        proxy_error_header: Some("brand_new_code"),
        ..raw(500, None, "")
    };
    assert!(matches!(
        classify::<User, _>(&r, &SerdeJson),
        Outcome::Proxy(p) if p.code == ProxyErrorCode::Unknown
    ));
    // Okta's error body is never taken for the proxy's.
    let body = r#"{"errorCode":"E0000011","proxyError":"target_refused"}"#;
    assert!(matches!(
        classify::<User, _>(&raw(401, Some("application/json"), body), &SerdeJson),
        Outcome::Okta { status: 401, .. }
    ));
    // cors-anywhere's text errors.
    let body = "Not found because of proxy error: Error: getaddrinfo ENOTFOUND nosuch.okta.com";
    assert!(matches!(
        classify::<User, _>(&raw(404, None, body), &SerdeJson),
        Outcome::Proxy(p) if p.code == ProxyErrorCode::NameNotFound
    ));
    for code in ProxyErrorCode::ALL {
        if code != ProxyErrorCode::Unknown {
            assert_eq!(ProxyErrorCode::parse(code.code()), code);
        }
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn okta_types_are_read_tolerantly_and_bounded() {
    let long = "x".repeat(10_000);
    let body = format!(
        r#"{{"id":"00u1","status":7,"profile":{{"login":"{long}","firstName":null,"lastName":["a"],"email":{{"x":1}}}},"extra":{{"deep":[1,2,3]}}}}"#
    );
    let o: Outcome<User> = classify(&raw(200, Some("application/json"), &body), &SerdeJson);
    let u = o.ok().expect("user");
    assert_eq!(u.id.as_deref(), Some("00u1"));
    assert_eq!(u.status, None);
    assert_eq!(
        u.profile.login.as_ref().map(|l| l.chars().count()),
        Some(256)
    );
    assert_eq!(u.profile.email, None);
    assert_eq!(u.display_name(), None);
    // A profile of the wrong type reads as empty.
    let o: Outcome<User> = classify(
        &raw(
            200,
            Some("application/json"),
            r#"{"id":"00u1","profile":"x"}"#,
        ),
        &SerdeJson,
    );
    assert_eq!(o.ok().map(|u| u.profile.login.clone()), Some(None));
    // A top-level array is not a user.
    let o: Outcome<User> = classify(
        &raw(200, Some("application/json"), r#"["00u1","ACTIVE"]"#),
        &SerdeJson,
    );
    assert!(matches!(
        o,
        Outcome::Unreadable {
            kind: UnreadableKind::UnexpectedShape,
            ..
        }
    ));
    // Roles: elements that are not objects read as empty roles; at most 64 kept.
    let roles = format!("[{}]", vec![r#"{"type":"READ_ONLY_ADMIN"}"#; 100].join(","));
    let o: Outcome<RoleList> = classify(&raw(200, Some("application/json"), &roles), &SerdeJson);
    assert_eq!(o.ok().map(|r| r.0.len()), Some(64));
    assert_eq!(o.ok().unwrap().0[0].kind(), RoleType::ReadOnlyAdmin);
    let o: Outcome<RoleList> = classify(
        &raw(
            200,
            Some("application/json"),
            r#"[1,"a",{"type":"CUSTOM","label":"Auditor"}]"#,
        ),
        &SerdeJson,
    );
    let list = &o.ok().unwrap().0;
    assert_eq!(list.len(), 3);
    assert_eq!(list[2].kind(), RoleType::Custom);
    // The well-known document with odd links.
    let o: Outcome<WellKnown> = classify(
        &raw(
            200,
            Some("application/json"),
            r#"{"id":"00o1","pipeline":"idx","_links":{"organization":"https://acme.okta.com","alternate":{"href":5}}}"#,
        ),
        &SerdeJson,
    );
    let wk = o.ok().unwrap();
    assert_eq!(wk.organization_href, None);
    assert_eq!(wk.alternate_href, None);
    assert_eq!(wk.engine(), Engine::IdentityEngine);
    // Nested arrays are never read as an object's positional fields (serde's derived structs
    // would; the tolerant rules of `core::decode` refuse them first).
    let o: Outcome<User> = classify(
        &raw(
            200,
            Some("application/json"),
            r#"{"id":"00u1","profile":["ada@example.com","ada@example.com","Ada","L"]}"#,
        ),
        &SerdeJson,
    );
    assert_eq!(o.ok().map(|u| u.profile.clone()), Some(Profile::default()));
    let o: Outcome<WellKnown> = classify(
        &raw(
            200,
            Some("application/json"),
            r#"{"id":"00o1","_links":{"organization":["https://acme.okta.com"]}}"#,
        ),
        &SerdeJson,
    );
    assert_eq!(o.ok().unwrap().organization_href, None);
    let o: Outcome<RoleList> = classify(
        &raw(200, Some("application/json"), r#"[["SUPER_ADMIN"]]"#),
        &SerdeJson,
    );
    assert_eq!(o.ok().unwrap().0, vec![Role::default()]);
    // Request ids are cleaned.
    let r = RawResponse {
        request_id: Some("abc<script>\u{202e}-1"),
        ..raw(401, None, "")
    };
    assert_eq!(
        classify::<User, _>(&r, &SerdeJson).request_id(),
        Some("abcscript-1")
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn rate_limit_headers() {
    let r = RateLimit::from_headers(Some("40"), Some("0"), Some("1700000003"));
    assert_eq!(
        r,
        RateLimit {
            limit: Some(40),
            remaining: Some(0),
            reset_epoch_s: Some(1_700_000_003)
        }
    );
    let r = RateLimit::from_headers(Some("5, 5"), Some("3,1"), Some("1700000003, 1700000009"));
    assert_eq!(r.limit, Some(5));
    assert_eq!(r.remaining, Some(1));
    assert_eq!(r.reset_epoch_s, Some(1_700_000_009));
    for bad in [
        "",
        "abc",
        "-1",
        "1.5",
        "99999999999999999999999",
        "1,,2",
        " , ",
    ] {
        assert_eq!(
            RateLimit::from_headers(Some(bad), None, None).limit,
            None,
            "{bad:?}"
        );
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn engines_and_codes_are_stable() {
    assert_eq!(Engine::from_pipeline(Some("idx")), Engine::IdentityEngine);
    assert_eq!(Engine::from_pipeline(Some("v1")), Engine::Classic);
    assert_eq!(Engine::from_pipeline(Some("v2")), Engine::Unknown);
    assert_eq!(Engine::from_pipeline(None), Engine::Unknown);
    let codes: Vec<&str> = ProxyErrorCode::ALL.iter().map(|c| c.code()).collect();
    let mut unique = codes.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), codes.len());
    assert_eq!(ProbeKind::WellKnown.code(), "well_known");
    assert_eq!(Stage::Permissions.code(), "permissions");
    assert_eq!(Access::NotPermitted.code(), "not_permitted");
}

// ---------------------------------------------------------------------------------------------
// Properties (native only)

#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn any_header() -> impl Strategy<Value = Option<String>> {
        prop::option::of(prop_oneof![
            "[0-9, ]{0,24}",
            "(application|text)/[a-z+.-]{0,16}(; ?charset=[a-zA-Z0-9-]{0,8})?",
            ".{0,40}",
        ])
    }

    fn any_body() -> impl Strategy<Value = String> {
        prop_oneof![
            ".{0,200}",
            "[\\[\\]{}\":,0-9a-zA-Z_ ]{0,200}",
            Just(r#"{"errorCode":"E0000011"}"#.to_string()),
            Just(r#"{"proxyError":"x","target":"y"}"#.to_string()),
            Just(r#"[{"type":"SUPER_ADMIN"}]"#.to_string()),
            Just(r#"{"id":"00u1","profile":{"login":"a"}}"#.to_string()),
            Just(
                r#"{"pipeline":"idx","_links":{"organization":{"href":"https://a.okta.com"}}}"#
                    .to_string()
            ),
        ]
    }

    #[derive(Debug, Clone)]
    struct AnyRaw {
        status: u16,
        ct: Option<String>,
        id: Option<String>,
        limit: Option<String>,
        remaining: Option<String>,
        reset: Option<String>,
        proxy: Option<String>,
        body: String,
    }

    impl AnyRaw {
        fn raw(&self) -> RawResponse<'_> {
            RawResponse {
                status: self.status,
                content_type: self.ct.as_deref(),
                request_id: self.id.as_deref(),
                rate_limit_limit: self.limit.as_deref(),
                rate_limit_remaining: self.remaining.as_deref(),
                rate_limit_reset: self.reset.as_deref(),
                proxy_error_header: self.proxy.as_deref(),
                body: &self.body,
            }
        }
    }

    fn any_raw() -> impl Strategy<Value = AnyRaw> {
        (
            prop_oneof![
                Just(200u16),
                Just(401),
                Just(403),
                Just(404),
                Just(429),
                Just(500),
                any::<u16>()
            ],
            any_header(),
            any_header(),
            any_header(),
            any_header(),
            any_header(),
            prop::option::of(prop_oneof![Just("target_refused".to_string()), ".{0,12}"]),
            any_body(),
        )
            .prop_map(
                |(status, ct, id, limit, remaining, reset, proxy, body)| AnyRaw {
                    status,
                    ct,
                    id,
                    limit,
                    remaining,
                    reset,
                    proxy,
                    body,
                },
            )
    }

    /// Either a raw answer or a transport failure.
    fn any_answer() -> impl Strategy<Value = Result<AnyRaw, u8>> {
        prop_oneof![
            4 => any_raw().prop_map(Ok),
            1 => (0u8..4).prop_map(Err),
        ]
    }

    /// Hosts a customer (or a link) may enter: Okta-owned org hosts, custom domains, hosts
    /// that look like Okta's and are not (`-admin` consoles, nested, lookalike suffixes).
    fn any_host() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z][a-z0-9]{0,8}\\.(okta|oktapreview|okta-emea)\\.com",
            "[a-z]{1,8}\\.[a-z]{1,8}\\.(com|net|example)",
            "[a-z]{1,6}-admin\\.okta\\.com",
            "[a-z]{1,4}\\.[a-z]{1,4}\\.okta\\.com",
            "[a-z]{1,6}\\.okta\\.com\\.[a-z]{1,6}\\.net",
            "[a-z]{1,6}\\.(okta|oktapreview)\\.co",
            Just("login.acme-corp.com".to_string()),
            Just("okta.com".to_string()),
        ]
    }

    /// A well-known answer: a document naming an Okta host, a non-Okta host or garbage (as
    /// the organization link or the alternate one), or any answer at all.
    fn any_well_known() -> impl Strategy<Value = Result<AnyRaw, u8>> {
        let href = prop_oneof![
            any_host().prop_map(|h| format!("https://{h}")),
            any_host().prop_map(|h| format!("http://{h}")),
            any_host().prop_map(|h| format!("https://{h}:8443/x")),
            any_host().prop_map(|h| format!("https://acme.okta.com@{h}")),
            any_host().prop_map(|h| format!("https://{h}@acme.okta.com")),
            ".{0,40}",
        ];
        let document = (href, prop::option::of(any_host()), any::<bool>()).prop_map(
            |(href, alternate, with_pipeline)| {
                let mut links = serde_json::json!({ "organization": { "href": href } });
                if let Some(a) = alternate {
                    links["alternate"] = serde_json::json!({ "href": format!("https://{a}") });
                }
                let mut body = serde_json::json!({ "id": "00o1", "_links": links });
                if with_pipeline {
                    body["pipeline"] = "idx".into();
                }
                AnyRaw {
                    status: 200,
                    ct: Some("application/json".into()),
                    id: None,
                    limit: None,
                    remaining: None,
                    reset: None,
                    proxy: None,
                    body: body.to_string(),
                }
            },
        );
        prop_oneof![
            3 => document.prop_map(Ok),
            1 => any_answer(),
        ]
    }

    proptest! {
        /// The first security review (SECURITY.md), finding 4, the class: whatever host is entered and whatever its
        /// well-known document says, every request that carries the token goes to an
        /// Okta-owned host; for any other entered host, the first round carries no token, and
        /// a token request goes only to the host the well-known document named.
        #[test]
        fn the_token_goes_only_to_okta_owned_hosts(
            host in any_host(),
            well_known in prop::collection::vec(any_well_known(), 2),
            answers in prop::collection::vec(any_answer(), 8),
            me_ok in any::<bool>(),
        ) {
            let mut check = Check::new(host.clone(), vec![DataKind::Users], T0);
            let okta_owned = is_okta_org_host(&host);
            let mut now = T0;
            let mut wk = well_known.into_iter().cycle();
            let mut next = answers.into_iter().cycle();
            let me = AnyRaw {
                status: 200,
                ct: Some("application/json".into()),
                id: None,
                limit: None,
                remaining: None,
                reset: None,
                proxy: None,
                body: r#"{"id":"00u1","status":"ACTIVE","profile":{"login":"a"}}"#.into(),
            };
            let mut first = true;
            for _ in 0..50 {
                match check.poll(now) {
                    Step::Send(reqs) => {
                        if first && !okta_owned {
                            prop_assert_eq!(reqs.len(), 1);
                            prop_assert!(!reqs[0].needs_token());
                        }
                        first = false;
                        for req in &reqs {
                            if req.needs_token() {
                                prop_assert!(is_okta_org_host(&req.host), "token to {}", req.host);
                                if !okta_owned {
                                    let named = check
                                        .evidence()
                                        .well_known
                                        .as_ref()
                                        .and_then(|o| o.ok())
                                        .and_then(|d| d.organization_host());
                                    prop_assert_eq!(named.as_deref(), Some(req.host.as_str()));
                                }
                            } else {
                                prop_assert_eq!(&req.host, &host);
                            }
                        }
                        now += 50;
                        for req in reqs {
                            let answer = match req.probe.kind() {
                                ProbeKind::WellKnown => wk.next().unwrap(),
                                ProbeKind::Me if me_ok => Ok(me.clone()),
                                _ => next.next().unwrap(),
                            };
                            match answer {
                                Ok(r) => { check.record_response(req.id, &r.raw(), &SerdeJson); }
                                Err(0) => {}
                                Err(1) => { check.record_transport(req.id, Transport::Unreachable); }
                                Err(2) => { check.record_transport(req.id, Transport::TimedOut); }
                                Err(_) => { check.record_transport(req.id, Transport::TooLarge); }
                            }
                        }
                    }
                    Step::Wait { until_ms, .. } => now = until_ms,
                    Step::Pending { until_ms } => now = until_ms,
                    Step::Done(_) => break,
                }
            }
            prop_assert!(check.is_done());
        }
    }

    proptest! {
        #[test]
        fn classify_never_panics(r in any_raw()) {
            let raw = r.raw();
            let o1: Outcome<User> = classify(&raw, &SerdeJson);
            let _: Outcome<WellKnown> = classify(&raw, &SerdeJson);
            let _: Outcome<RoleList> = classify(&raw, &SerdeJson);
            let _: Outcome<Listing> = classify(&raw, &SerdeJson);
            if let Some(id) = o1.request_id() {
                prop_assert!(id.len() <= 128);
            }
        }

        /// Whatever the answers, a check ends, sends at most two rounds (plus at most one
        /// retry of each round-one request) and never exceeds its budget.
        #[test]
        fn a_check_always_ends(answers in prop::collection::vec(any_answer(), 8), required in prop::sample::subsequence(DataKind::ALL.to_vec(), 1..=4)) {
            let mut check = Check::new("acme.okta.com".into(), required, T0);
            let mut now = T0;
            let mut next = answers.into_iter().cycle();
            let mut sent = 0;
            let mut done = false;
            for _ in 0..50 {
                match check.poll(now) {
                    Step::Send(reqs) => {
                        sent += reqs.len();
                        now += 50;
                        for req in reqs {
                            match next.next().unwrap() {
                                Ok(r) => { check.record_response(req.id, &r.raw(), &SerdeJson); }
                                Err(0) => {}
                                Err(1) => { check.record_transport(req.id, Transport::Unreachable); }
                                Err(2) => { check.record_transport(req.id, Transport::TimedOut); }
                                Err(_) => { check.record_transport(req.id, Transport::TooLarge); }
                            }
                        }
                    }
                    Step::Wait { until_ms, .. } => { prop_assert!(until_ms < check.deadline_ms()); now = until_ms; }
                    Step::Pending { until_ms } => now = until_ms,
                    Step::Done(report) => {
                        let _ = (report.code(), report.failure().map(|f| (f.field(), f.audience())));
                        done = true;
                        break;
                    }
                }
            }
            prop_assert!(done);
            prop_assert!(sent <= 8);
            prop_assert!(now <= check.deadline_ms());
        }
    }
}
