//! Readiness (`/readyz`) as a cached verdict kept fresh by one background task.
//!
//! The check itself (a DNS lookup through the guarded resolver, or a TCP connection to the
//! development upstream) runs in [`Readiness::spawn`]'s task only: every [`REFRESH_EVERY`], and
//! never twice at once. A probe reads the last verdict and never starts a check, so no number of
//! probes changes what the process does: with a resolver that never answers, one lookup is
//! outstanding at a time, whatever the probe rate. Only the very first probes after start wait
//! (at most [`FIRST_WAIT`]) for the first verdict.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How often the verdict is refreshed.
pub const REFRESH_EVERY: Duration = Duration::from_secs(5);
/// How long one check may take before it counts as a failure (it is not started again while it
/// still runs).
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a probe waits for the first verdict after start.
pub const FIRST_WAIT: Duration = Duration::from_secs(3);

/// One readiness check: `Err` says why the upstream cannot be reached.
pub type CheckFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

/// The latest verdict, shared by every probe.
#[derive(Clone)]
pub struct Readiness {
    verdict: watch::Receiver<Option<Result<(), String>>>,
}

impl Readiness {
    /// Start the task that runs `check` now and then every `every`; the handle stops it.
    pub fn spawn<F>(check: F, every: Duration) -> (Readiness, JoinHandle<()>)
    where
        F: Fn() -> CheckFuture + Send + 'static,
    {
        let (tx, rx) = watch::channel(None);
        let task = tokio::spawn(async move {
            // A check that outlived its timeout is awaited again instead of starting a new one.
            let mut running: Option<JoinHandle<Result<(), String>>> = None;
            loop {
                let mut job = running.take().unwrap_or_else(|| tokio::spawn(check()));
                let verdict = match tokio::time::timeout(CHECK_TIMEOUT, &mut job).await {
                    Ok(Ok(v)) => v,
                    Ok(Err(_)) => Err("the upstream check failed".to_string()),
                    Err(_) => {
                        running = Some(job);
                        Err("the upstream check did not finish in time".to_string())
                    }
                };
                tx.send_replace(Some(verdict));
                tokio::time::sleep(every).await;
            }
        });
        (Readiness { verdict: rx }, task)
    }

    /// The latest verdict (waiting at most [`FIRST_WAIT`] for the first one).
    pub async fn get(&self) -> Result<(), String> {
        let mut rx = self.verdict.clone();
        let first = tokio::time::timeout(FIRST_WAIT, rx.wait_for(Option::is_some)).await;
        match first {
            Ok(Ok(v)) => v.clone().unwrap_or_else(|| Err("not checked yet".into())),
            _ => Err("the first upstream check has not finished".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    fn counting(
        calls: &Arc<AtomicUsize>,
        answer: impl Fn(usize) -> Option<Result<(), String>> + Send + Sync + 'static,
    ) -> impl Fn() -> CheckFuture + Send + 'static {
        let calls = calls.clone();
        let answer = Arc::new(answer);
        move || {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            let answer = answer.clone();
            Box::pin(async move {
                match answer(n) {
                    Some(v) => v,
                    // Never answers (a resolver that drops every query).
                    None => std::future::pending().await,
                }
            })
        }
    }

    #[tokio::test(start_paused = true)]
    async fn probes_read_the_verdict_and_never_start_a_check() {
        let calls = Arc::new(AtomicUsize::new(0));
        let (r, task) = Readiness::spawn(counting(&calls, |_| Some(Ok(()))), REFRESH_EVERY);
        assert_eq!(r.get().await, Ok(()));
        let probes: Vec<_> = (0..10_000).map(|_| r.get()).collect();
        for p in futures_join(probes).await {
            assert_eq!(p, Ok(()));
        }
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "one check for 10,001 probes"
        );
        tokio::time::sleep(REFRESH_EVERY * 3 + Duration::from_millis(1)).await;
        assert_eq!(calls.load(Ordering::SeqCst), 4, "one check per refresh");
        task.abort();
    }

    #[tokio::test(start_paused = true)]
    async fn a_check_that_never_answers_is_not_started_again() {
        let calls = Arc::new(AtomicUsize::new(0));
        let (r, task) = Readiness::spawn(counting(&calls, |_| None), REFRESH_EVERY);
        let v = r.get().await;
        assert!(v.unwrap_err().contains("did not finish in time"));
        for _ in 0..20 {
            tokio::time::sleep(REFRESH_EVERY).await;
            assert!(r.get().await.is_err());
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1, "still the one lookup");
        task.abort();
    }

    #[tokio::test(start_paused = true)]
    async fn the_verdict_follows_the_upstream() {
        let calls = Arc::new(AtomicUsize::new(0));
        let check = counting(&calls, |n| {
            Some(if n % 2 == 0 {
                Ok(())
            } else {
                Err("down".into())
            })
        });
        let (r, task) = Readiness::spawn(check, REFRESH_EVERY);
        assert_eq!(r.get().await, Ok(()));
        tokio::time::sleep(REFRESH_EVERY + Duration::from_millis(1)).await;
        assert_eq!(r.get().await, Err("down".into()));
        tokio::time::sleep(REFRESH_EVERY).await;
        assert_eq!(r.get().await, Ok(()));
        task.abort();
    }

    async fn futures_join<T>(fs: Vec<impl Future<Output = T>>) -> Vec<T> {
        let mut out = Vec::with_capacity(fs.len());
        for f in fs {
            out.push(f.await);
        }
        out
    }
}
