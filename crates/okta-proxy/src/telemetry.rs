//! Prometheus metrics (`--metrics-listen`): the `metrics` facade recorded into a
//! `metrics-exporter-prometheus` recorder owned by each server (no process-wide recorder, so
//! servers in one process, tests included, count apart), rendered at `/metrics` on a listener
//! of its own.
//!
//! | metric | kind | labels |
//! | --- | --- | --- |
//! | `okta_proxy_requests_total` | counter | `outcome` (forwarded, preflight, refused, rate_limited, upstream_error, page), `code` (the proxy's error code, or `none`) |
//! | `okta_proxy_upstream_responses_total` | counter | `class` (1xx … 5xx) |
//! | `okta_proxy_upstream_duration_seconds` | histogram | `result` (answer, error) |
//! | `okta_proxy_requests_in_flight` | gauge | |
//! | `okta_proxy_rate_limited_total` | counter | |
//! | `okta_proxy_well_known_cache_total` | counter | `result` (hit, miss) |
//! | `okta_proxy_rate_limit_shared` | gauge | (with `--rate-limit-redis`: 1 shared, 0 per replica) |
//! | `okta_proxy_rate_limit_fallback_total` | counter | (checks made per replica during a Redis outage) |
//!
//! Labels never hold a value from a request (no host, no path): their sets are fixed.

use crate::error::Code;
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};
use std::sync::Arc;
use std::time::Duration;

pub const REQUESTS: &str = "okta_proxy_requests_total";
pub const UPSTREAM_RESPONSES: &str = "okta_proxy_upstream_responses_total";
pub const UPSTREAM_SECONDS: &str = "okta_proxy_upstream_duration_seconds";
pub const IN_FLIGHT: &str = "okta_proxy_requests_in_flight";
pub const RATE_LIMITED: &str = "okta_proxy_rate_limited_total";
pub const WELL_KNOWN_CACHE: &str = "okta_proxy_well_known_cache_total";
pub const RATE_LIMIT_SHARED: &str = "okta_proxy_rate_limit_shared";
pub const RATE_LIMIT_FALLBACK: &str = "okta_proxy_rate_limit_fallback_total";

/// Upstream latency buckets, in seconds.
pub const LATENCY_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// What became of one request, as counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Okta's answer passed on (whatever its status).
    Forwarded,
    /// A CORS preflight answered by the proxy.
    Preflight,
    /// Refused by one of the proxy's rules (target, path, method, origin, request shape).
    Refused(Code),
    RateLimited,
    /// The upstream could not give an answer to pass on (timeout, unreachable, too large, …).
    UpstreamError(Code),
    /// A request for the page (`--serve-dist`) or outside the prefix.
    Page,
}

impl Outcome {
    /// A proxy request answered with `code` (or none).
    pub fn of_proxy(code: Option<Code>, preflight: bool) -> Outcome {
        match code {
            None if preflight => Outcome::Preflight,
            None => Outcome::Forwarded,
            Some(Code::RateLimited) => Outcome::RateLimited,
            Some(
                c @ (Code::NameNotFound
                | Code::UpstreamUnreachable
                | Code::UpstreamTimeout
                | Code::UpstreamTooLarge
                | Code::UpstreamRedirect),
            ) => Outcome::UpstreamError(c),
            Some(c) => Outcome::Refused(c),
        }
    }

    pub fn labels(self) -> (&'static str, &'static str) {
        match self {
            Outcome::Forwarded => ("forwarded", "none"),
            Outcome::Preflight => ("preflight", "none"),
            Outcome::Refused(c) => ("refused", c.code()),
            Outcome::RateLimited => ("rate_limited", Code::RateLimited.code()),
            Outcome::UpstreamError(c) => ("upstream_error", c.code()),
            Outcome::Page => ("page", "none"),
        }
    }
}

/// The status class label of an upstream status.
pub fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// A server's metrics; off (and free) without `--metrics-listen`. Cheap to clone.
#[derive(Clone, Default)]
pub struct Telemetry {
    recorder: Option<Arc<PrometheusRecorder>>,
}

impl Telemetry {
    pub fn off() -> Self {
        Telemetry::default()
    }

    pub fn prometheus() -> Self {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(UPSTREAM_SECONDS.into()), &LATENCY_BUCKETS)
            .map(PrometheusBuilder::build_recorder)
            .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
        let t = Telemetry {
            recorder: Some(Arc::new(recorder)),
        };
        t.with(|| {
            metrics::describe_counter!(
                REQUESTS,
                "Requests answered, by outcome and proxy error code"
            );
            metrics::describe_counter!(
                UPSTREAM_RESPONSES,
                "Upstream answers passed on, by status class"
            );
            metrics::describe_histogram!(
                UPSTREAM_SECONDS,
                metrics::Unit::Seconds,
                "Time of upstream calls (answer or error)"
            );
            metrics::describe_gauge!(IN_FLIGHT, "Requests being handled");
            metrics::describe_counter!(
                RATE_LIMITED,
                "Requests refused by the per-client rate limit"
            );
            metrics::describe_counter!(
                WELL_KNOWN_CACHE,
                "Custom-domain checks answered from the well-known cache (hit) or fetched (miss)"
            );
            // Present from the start, at zero.
            metrics::gauge!(IN_FLIGHT).set(0.0);
            metrics::counter!(RATE_LIMITED).absolute(0);
        });
        t
    }

    pub fn enabled(&self) -> bool {
        self.recorder.is_some()
    }

    /// The Prometheus text exposition of every metric so far.
    pub fn render(&self) -> Option<String> {
        self.recorder.as_ref().map(|r| r.handle().render())
    }

    pub fn handle(&self) -> Option<PrometheusHandle> {
        self.recorder.as_ref().map(|r| r.handle())
    }

    fn with(&self, f: impl FnOnce()) {
        if let Some(r) = &self.recorder {
            metrics::with_local_recorder(r.as_ref(), f);
        }
    }

    pub fn request(&self, outcome: Outcome) {
        let (o, c) = outcome.labels();
        self.with(|| {
            metrics::counter!(REQUESTS, "outcome" => o, "code" => c).increment(1);
            if outcome == Outcome::RateLimited {
                metrics::counter!(RATE_LIMITED).increment(1);
            }
        });
    }

    /// An upstream call that gave an answer with `status`.
    pub fn upstream_answer(&self, status: u16, took: Duration) {
        self.with(|| {
            metrics::counter!(UPSTREAM_RESPONSES, "class" => status_class(status)).increment(1);
            metrics::histogram!(UPSTREAM_SECONDS, "result" => "answer").record(took.as_secs_f64());
        });
    }

    /// An upstream answer passed on whose call was timed by [`Telemetry::upstream_check`].
    pub fn upstream_class(&self, status: u16) {
        self.with(|| {
            metrics::counter!(UPSTREAM_RESPONSES, "class" => status_class(status)).increment(1);
        });
    }

    /// An upstream call whose answer is not passed on as such (a custom domain's check).
    pub fn upstream_check(&self, answered: bool, took: Duration) {
        let result = if answered { "answer" } else { "error" };
        self.with(|| {
            metrics::histogram!(UPSTREAM_SECONDS, "result" => result).record(took.as_secs_f64());
        });
    }

    /// An upstream call that failed.
    pub fn upstream_error(&self, took: Duration) {
        self.with(|| {
            metrics::histogram!(UPSTREAM_SECONDS, "result" => "error").record(took.as_secs_f64());
        });
    }

    /// Whether the shared (Redis) buckets are in use (1) or each replica limits alone (0).
    pub fn rate_limit_shared(&self, shared: bool) {
        self.with(|| metrics::gauge!(RATE_LIMIT_SHARED).set(if shared { 1.0 } else { 0.0 }));
    }

    /// One rate-limit check made with the replica's own buckets because Redis failed.
    pub fn rate_limit_fallback(&self) {
        self.with(|| metrics::counter!(RATE_LIMIT_FALLBACK).increment(1));
    }

    pub fn well_known_cache(&self, hit: bool) {
        let result = if hit { "hit" } else { "miss" };
        self.with(|| {
            metrics::counter!(WELL_KNOWN_CACHE, "result" => result).increment(1);
        });
    }

    /// Counts one request in flight until the guard is dropped.
    pub fn in_flight(&self) -> InFlight {
        self.with(|| metrics::gauge!(IN_FLIGHT).increment(1.0));
        InFlight(self.clone())
    }
}

/// See [`Telemetry::in_flight`].
pub struct InFlight(Telemetry);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.with(|| metrics::gauge!(IN_FLIGHT).decrement(1.0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_and_rendering() {
        assert_eq!(Outcome::of_proxy(None, false), Outcome::Forwarded);
        assert_eq!(Outcome::of_proxy(None, true), Outcome::Preflight);
        assert_eq!(
            Outcome::of_proxy(Some(Code::RateLimited), false),
            Outcome::RateLimited
        );
        assert_eq!(
            Outcome::of_proxy(Some(Code::UpstreamTimeout), false),
            Outcome::UpstreamError(Code::UpstreamTimeout)
        );
        assert_eq!(
            Outcome::of_proxy(Some(Code::TargetRefused), false),
            Outcome::Refused(Code::TargetRefused)
        );
        assert_eq!(status_class(204), "2xx");
        assert_eq!(status_class(404), "4xx");
        assert_eq!(status_class(503), "5xx");

        let off = Telemetry::off();
        off.request(Outcome::Forwarded);
        assert!(off.render().is_none());

        let t = Telemetry::prometheus();
        {
            let _g = t.in_flight();
            assert!(t
                .render()
                .unwrap()
                .contains("okta_proxy_requests_in_flight 1"));
        }
        t.request(Outcome::Forwarded);
        t.request(Outcome::RateLimited);
        t.upstream_answer(200, Duration::from_millis(30));
        t.well_known_cache(false);
        let out = t.render().unwrap();
        assert!(out.contains("okta_proxy_requests_in_flight 0"), "{out}");
        assert!(
            out.contains(r#"okta_proxy_requests_total{outcome="forwarded",code="none"} 1"#),
            "{out}"
        );
        assert!(out.contains(
            r#"okta_proxy_requests_total{outcome="rate_limited",code="rate_limited"} 1"#
        ));
        assert!(out.contains("okta_proxy_rate_limited_total 1"));
        assert!(out.contains(r#"okta_proxy_upstream_responses_total{class="2xx"} 1"#));
        assert!(
            out.contains(
                r#"okta_proxy_upstream_duration_seconds_bucket{result="answer",le="0.05"} 1"#
            ),
            "{out}"
        );
        assert!(out.contains(r#"okta_proxy_well_known_cache_total{result="miss"} 1"#));
        // Another server's metrics are its own.
        assert!(!Telemetry::prometheus()
            .render()
            .unwrap()
            .contains("outcome=\"forwarded\""));
    }
}
