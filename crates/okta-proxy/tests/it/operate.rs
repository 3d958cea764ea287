//! Operating the binary : configuration through the environment, `--help`, the
//! request log's formats, health and readiness, graceful shutdown and metrics.

use crate::common::*;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_okta-proxy");

/// The binary, with no `OKTA_PROXY_*` variable inherited from the test's environment.
fn bin() -> Command {
    let mut c = Command::new(BIN);
    for (k, _) in std::env::vars() {
        if k.starts_with("OKTA_PROXY_") {
            c.env_remove(k);
        }
    }
    c
}

/// A running proxy binary: its address, and its stderr collected in the background.
struct Proc {
    child: Child,
    addr: SocketAddr,
    stderr: Arc<Mutex<String>>,
}

impl Proc {
    fn start(mut cmd: Command) -> Proc {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut err = child.stderr.take().unwrap();
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let addr = line
            .strip_prefix("okta-proxy listening on http://")
            .and_then(|p| p.strip_suffix('\n'))
            .unwrap_or_else(|| {
                panic!(
                    "unexpected first line {line:?}; stderr: {}",
                    stderr.lock().unwrap()
                )
            })
            .parse()
            .unwrap();
        Proc {
            child,
            addr,
            stderr,
        }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// The `--metrics-listen` address, as logged at start.
    async fn metrics_addr(&self) -> SocketAddr {
        let wait = Instant::now();
        loop {
            let err = self.stderr();
            if let Some(rest) = err.split("okta-proxy metrics on http://").nth(1) {
                return rest.split("/metrics").next().unwrap().parse().unwrap();
            }
            assert!(
                wait.elapsed() < Duration::from_secs(5),
                "metrics address: {err}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Wait for the process to exit, at most `limit`.
    fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let until = Instant::now() + limit;
        while Instant::now() < until {
            if let Some(s) = self.child.try_wait().unwrap() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Send a signal by the process id (this test started it).
    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill {sig}");
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every environment variable with a value different from its default, and what
/// `--print-config` shows for it.
fn env_table() -> Vec<(&'static str, &'static str, &'static str, serde_json::Value)> {
    use serde_json::json;
    vec![
        (
            "OKTA_PROXY_LISTEN",
            "127.0.0.1:0",
            "listen",
            json!("127.0.0.1:0"),
        ),
        (
            "OKTA_PROXY_ALLOW_PUBLIC",
            "true",
            "allow_public",
            json!(true),
        ),
        (
            "OKTA_PROXY_ALLOW_ORIGIN",
            "http://127.0.0.1:1234,https://portal.example.com",
            "allow_origin",
            json!(["http://127.0.0.1:1234", "https://portal.example.com"]),
        ),
        (
            "OKTA_PROXY_PREFIX",
            "/api/okta/",
            "prefix",
            json!("/api/okta"),
        ),
        (
            "OKTA_PROXY_SERVE_DIST",
            "/srv/page",
            "serve_dist",
            json!("/srv/page"),
        ),
        (
            "OKTA_PROXY_PAGE_CONFIG",
            "/etc/page.json",
            "page_config",
            json!("/etc/page.json"),
        ),
        (
            "OKTA_PROXY_CONNECT_SRC",
            "https://api.example.com,https://b.example.com",
            "connect_src",
            json!(["https://api.example.com", "https://b.example.com"]),
        ),
        (
            "OKTA_PROXY_DEV_UPSTREAM",
            "http://127.0.0.1:9/",
            "dev_upstream",
            json!("http://127.0.0.1:9"),
        ),
        ("OKTA_PROXY_DEV_FAULT", "stall", "dev_fault", json!("stall")),
        ("OKTA_PROXY_TIMEOUT_MS", "2500", "timeout_ms", json!(2500)),
        (
            "OKTA_PROXY_MAX_BODY_BYTES",
            "2048",
            "max_body_bytes",
            json!(2048),
        ),
        (
            "OKTA_PROXY_RATE_LIMIT_PER_MINUTE",
            "7",
            "rate_limit_per_minute",
            json!(7),
        ),
        (
            "OKTA_PROXY_MAX_CONCURRENT_UPSTREAM",
            "9",
            "max_concurrent_upstream",
            json!(9),
        ),
        (
            "OKTA_PROXY_HEADER_READ_TIMEOUT_MS",
            "1500",
            "header_read_timeout_ms",
            json!(1500),
        ),
        (
            "OKTA_PROXY_IDLE_TIMEOUT_MS",
            "2600",
            "idle_timeout_ms",
            json!(2600),
        ),
        (
            "OKTA_PROXY_MAX_CONNECTIONS_PER_CLIENT",
            "3",
            "max_connections_per_client",
            json!(3),
        ),
        (
            "OKTA_PROXY_MAX_CONNECTIONS",
            "11",
            "max_connections",
            json!(11),
        ),
        ("OKTA_PROXY_QUIET", "1", "quiet", json!(true)),
        ("OKTA_PROXY_LOG_FORMAT", "json", "log_format", json!("json")),
        (
            "OKTA_PROXY_DRAIN_TIMEOUT",
            "3s",
            "drain_timeout_ms",
            json!(3000),
        ),
        (
            "OKTA_PROXY_METRICS_LISTEN",
            "127.0.0.1:9464",
            "metrics_listen",
            json!("127.0.0.1:9464"),
        ),
        (
            "OKTA_PROXY_RATE_LIMIT_REDIS",
            "redis://:hunter2@127.0.0.1:6390/0",
            "rate_limit_redis",
            json!("redis://:***@127.0.0.1:6390/0"),
        ),
        (
            "OKTA_PROXY_SERVICE_APP_KEY",
            "/keys/new.pem,/keys/old.pem",
            "service_app_key",
            json!(["/keys/new.pem", "/keys/old.pem"]),
        ),
        (
            "OKTA_PROXY_CHECK_RATE_LIMIT_PER_MINUTE",
            "5",
            "check_rate_limit_per_minute",
            json!(5),
        ),
        // Not the default on any machine the tests run on (one per CPU core).
        ("OKTA_PROXY_WORKERS", "37", "workers", json!(37)),
    ]
}

#[test]
fn every_flag_can_be_set_through_its_environment_variable() {
    let table = env_table();
    // The table covers every variable --help names, and nothing else.
    let help = String::from_utf8(bin().arg("--help").output().unwrap().stdout).unwrap();
    let in_help: BTreeSet<String> = help
        .split("[env: ")
        .skip(1)
        .map(|s| s.split(['=', ']']).next().unwrap().to_string())
        .collect();
    let in_table: BTreeSet<String> = table.iter().map(|t| t.0.to_string()).collect();
    assert_eq!(in_help, in_table);

    let defaults: serde_json::Value =
        serde_json::from_slice(&bin().arg("--print-config").output().unwrap().stdout).unwrap();
    let mut cmd = bin();
    cmd.arg("--print-config");
    for (var, value, key, _) in &table {
        assert_ne!(
            defaults[key],
            table.iter().find(|t| t.2 == *key).unwrap().3,
            "{var}: pick a non-default value"
        );
        cmd.env(var, value);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for (var, _, key, want) in &table {
        assert_eq!(&got[key], want, "{var} sets {key}");
    }
    // A flag on the command line wins over its variable.
    let out = bin()
        .env("OKTA_PROXY_RATE_LIMIT_PER_MINUTE", "7")
        .args(["--print-config", "--rate-limit-per-minute", "8"])
        .output()
        .unwrap();
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got["rate_limit_per_minute"], 8);
    // A bad value in a variable is refused naming the flag.
    for (var, bad, flag) in [
        ("OKTA_PROXY_MAX_CONNECTIONS", "0", "--max-connections"),
        ("OKTA_PROXY_LOG_FORMAT", "xml", "--log-format"),
        ("OKTA_PROXY_ALLOW_ORIGIN", "*", "--allow-origin"),
        ("OKTA_PROXY_LISTEN", "0.0.0.0:0", "--allow-public"),
        ("OKTA_PROXY_DRAIN_TIMEOUT", "soon", "--drain-timeout"),
    ] {
        let out = bin().env(var, bad).arg("--print-config").output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{var}={bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(flag), "{var}={bad}: {err}");
        assert!(out.stdout.is_empty());
    }
}

#[tokio::test]
async fn the_server_takes_its_configuration_from_the_environment() {
    let (up, rec) = fake_upstream().await;
    let mut cmd = bin();
    cmd.env("OKTA_PROXY_LISTEN", "127.0.0.1:0")
        .env("OKTA_PROXY_DEV_UPSTREAM", format!("http://{up}"))
        .env(
            "OKTA_PROXY_ALLOW_ORIGIN",
            format!("https://other.example,{ALLOWED}"),
        )
        .env("OKTA_PROXY_PREFIX", "/api/okta")
        .env("OKTA_PROXY_RATE_LIMIT_PER_MINUTE", "2")
        .env("OKTA_PROXY_QUIET", "true");
    let p = Proc::start(cmd);
    let path = "/api/okta/acme.okta.com/api/v1/users/me";
    let r = get(
        p.addr,
        path,
        &[("Authorization", &auth()), ("Origin", ALLOWED)],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), Some(ALLOWED));
    let r = get(p.addr, path, &[("Origin", "https://other.example")]).await;
    assert_eq!(
        r.status, 200,
        "the second origin of the list is allowed too"
    );
    let r = get(p.addr, path, &[]).await;
    assert_eq!(r.proxy_error().as_deref(), Some("rate_limited"));
    assert_eq!(rec.count(), 2);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!p.stderr().contains("status="), "quiet: {}", p.stderr());
}

#[test]
fn help_lists_every_flag_with_its_variable() {
    let out = bin().arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--listen",
        "--allow-public",
        "--allow-origin",
        "--prefix",
        "--serve-dist",
        "--page-config",
        "--connect-src",
        "--dev-upstream",
        "--dev-fault",
        "--timeout-ms",
        "--max-body-bytes",
        "--rate-limit-per-minute",
        "--max-concurrent-upstream",
        "--header-read-timeout-ms",
        "--idle-timeout-ms",
        "--max-connections-per-client",
        "--max-connections",
        "--quiet",
        "--log-format",
        "--drain-timeout",
        "--metrics-listen",
        "--rate-limit-redis",
        "--print-config",
        "--help",
        "--version",
    ] {
        assert!(
            help.contains(&format!("{flag} ")) || help.contains(&format!("{flag}\n")),
            "{flag} in --help:\n{help}"
        );
    }
    for (flag, var) in okta_proxy::config::env_vars() {
        // Each flag's block names its variable before the next flag starts.
        let at = help
            .find(&format!("{flag} "))
            .or_else(|| help.find(&format!("{flag}\n")))
            .unwrap();
        let block = &help[at..];
        let end = block[2..]
            .find("\n      --")
            .map(|i| i + 2)
            .unwrap_or(block.len());
        assert!(
            block[..end].contains(&format!("[env: {var}")),
            "{flag} names {var}"
        );
    }
    assert!(help.contains("okta-proxy headers"));
    assert!(help.contains("/healthz") && help.contains("/readyz") && help.contains("SIGTERM"));
    let out = bin().args(["headers", "--help"]).output().unwrap();
    let h = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--dist",
        "--allow-origin",
        "--connect-src",
        "--page-config",
        "--format",
    ] {
        assert!(h.contains(flag), "{flag} in headers --help");
    }
}

#[tokio::test]
async fn json_log_lines_parse_and_hold_no_token() {
    let (up, _rec) = fake_upstream().await;
    let mut cmd = bin();
    cmd.args(["--listen", "127.0.0.1:0", "--log-format", "json"])
        .args(["--dev-upstream", &format!("http://{up}")])
        .args(["--max-body-bytes", "65536", "--allow-origin", ALLOWED]);
    let p = Proc::start(cmd);
    let with = [("Authorization", auth()), ("Origin", ALLOWED.to_string())];
    let with: Vec<(&str, &str)> = with.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // A success, a refusal, an upstream error.
    let r = get(p.addr, "/okta/acme.okta.com/api/v1/users/me", &with).await;
    assert_eq!(r.status, 200);
    let r = get(p.addr, "/okta/evil.example/api/v1/users/me", &with).await;
    assert_eq!(r.proxy_error().as_deref(), Some("target_refused"));
    let r = get(p.addr, "/okta/huge.okta.com/api/v1/users/me", &with).await;
    assert_eq!(r.proxy_error().as_deref(), Some("upstream_too_large"));
    let wait = Instant::now();
    while p.stderr().matches("\"request\"").count() < 3 && wait.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let err = p.stderr();
    assert!(
        !err.contains(TOKEN) && !err.contains("SSWS"),
        "token in log:\n{err}"
    );
    let lines: Vec<serde_json::Value> = err
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l:?}")))
        .collect();
    // The development-mode warning is a JSON event too.
    assert!(lines.iter().any(
        |v| v["level"] == "WARN" && v["message"].as_str().unwrap().contains("DEVELOPMENT MODE")
    ));
    let requests: Vec<&serde_json::Value> =
        lines.iter().filter(|v| v["message"] == "request").collect();
    assert_eq!(requests.len(), 3, "{err}");
    let ok = requests[0];
    assert_eq!(ok["host"], "acme.okta.com");
    assert_eq!(ok["path"], "/api/v1/users/me");
    assert_eq!(ok["method"], "GET");
    assert_eq!(ok["status"], 200);
    assert_eq!(ok["error"], "-");
    assert_eq!(ok["request_id"], "req-1");
    assert_eq!(ok["client"], "127.0.0.1");
    assert!(ok["ms"].is_u64() && ok["timestamp"].is_string());
    assert_eq!(requests[1]["error"], "target_refused");
    assert_eq!(requests[1]["status"], 403);
    assert_eq!(requests[2]["error"], "upstream_too_large");
    assert_eq!(requests[2]["host"], "huge.okta.com");
    // No field holds a header value: the keys are the fixed set.
    let keys: BTreeSet<&str> = [
        "timestamp",
        "level",
        "message",
        "target",
        "client",
        "method",
        "host",
        "path",
        "status",
        "ms",
        "error",
        "request_id",
    ]
    .into();
    for v in &requests {
        for k in v.as_object().unwrap().keys() {
            assert!(keys.contains(k.as_str()), "unexpected field {k}");
        }
    }
}

#[test]
fn unknown_log_format_is_refused_naming_the_flag() {
    let out = bin().args(["--log-format", "xml"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    // The flag and what it takes, never the value given (it could be a pasted secret).
    assert!(
        err.contains("--log-format") && err.contains("text, json"),
        "{err}"
    );
    assert!(!err.contains("xml"), "{err}");
    assert!(out.stdout.is_empty());
}

#[tokio::test]
async fn healthz_and_readyz_answer_without_cors_and_unlogged() {
    let h = harness(|_| {}).await;
    let origin = [("Origin", ALLOWED)];
    for path in ["/healthz", "/readyz"] {
        let r = get(h.addr(), path, &origin).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.json()["status"], "ok");
        assert!(r
            .header("content-type")
            .unwrap()
            .starts_with("application/json"));
        assert_eq!(r.header("cache-control"), Some("no-store"));
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert!(
            r.header("access-control-allow-origin").is_none(),
            "{path}: no CORS"
        );
        let r = send(h.addr(), "HEAD", path, &[]).await;
        assert_eq!(r.status, 200);
        let r = send(h.addr(), "POST", path, &[]).await;
        assert_eq!(r.status, 405);
        // Only the exact paths: under the prefix they are proxy targets.
        let r = get(h.addr(), &format!("/okta{path}"), &[]).await;
        assert!(r.proxy_error().is_some());
    }
    assert_eq!(h.upstream.count(), 0);
    let log = h.log.contents();
    assert!(
        !log.contains("path=/healthz") && !log.contains("path=/readyz"),
        "{log}"
    );
    assert_eq!(log.lines().count(), 2, "only the two proxy requests: {log}");
}

#[tokio::test]
async fn readyz_fails_when_the_dev_upstream_is_down() {
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let h = harness(|c| c.dev_upstream = Some(format!("http://{closed}"))).await;
    let r = get(h.addr(), "/readyz", &[]).await;
    assert_eq!(r.status, 503);
    assert_eq!(r.json()["status"], "unavailable");
    assert!(r.json()["reason"].as_str().unwrap().contains("unreachable"));
    assert_eq!(get(h.addr(), "/healthz", &[]).await.status, 200);
}

#[tokio::test]
async fn readyz_follows_the_guarded_resolver() {
    use okta_proxy::resolve::StaticLookup;
    use okta_proxy::server::READINESS_NAME;
    let public: std::net::IpAddr = "52.1.2.3".parse().unwrap();
    let loopback: std::net::IpAddr = "127.0.0.1".parse().unwrap();
    for (lookup, want) in [
        (StaticLookup::new().with(READINESS_NAME, &[public]), 200),
        (StaticLookup::new(), 503),
        // A resolver answering a forbidden address is not a working upstream resolver.
        (StaticLookup::new().with(READINESS_NAME, &[loopback]), 503),
    ] {
        let (proxy, log) = harness_dns(lookup).await;
        let r = get(proxy.addr, "/readyz", &[]).await;
        assert_eq!(r.status, want, "{}", r.text());
        assert_eq!(get(proxy.addr, "/healthz", &[]).await.status, 200);
        assert_eq!(log.contents(), "");
    }
}

/// An upstream that answers every request after `delay`, counting the requests it got.
async fn slow_upstream(delay: Duration) -> (SocketAddr, Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let seen = Arc::new(AtomicUsize::new(0));
    let s = seen.clone();
    let app = axum::Router::new().fallback(move || {
        let s = s.clone();
        async move {
            s.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(delay).await;
            (
                [("content-type", "application/json")],
                format!("{{\"id\":\"00u1\",\"pad\":\"{}\"}}", "x".repeat(20_000)),
            )
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, seen)
}

fn proxy_with(up: SocketAddr, drain: &str) -> Proc {
    let mut cmd = bin();
    cmd.args([
        "--listen",
        "127.0.0.1:0",
        "--quiet",
        "--drain-timeout",
        drain,
    ])
    .args(["--dev-upstream", &format!("http://{up}")]);
    Proc::start(cmd)
}

#[tokio::test]
async fn sigterm_drains_requests_in_flight_refuses_new_connections_and_exits_0() {
    use std::sync::atomic::Ordering;
    let (up, seen) = slow_upstream(Duration::from_millis(2500)).await;
    let mut p = proxy_with(up, "10s");
    let addr = p.addr;
    let slow = tokio::spawn(async move {
        get(
            addr,
            "/okta/slow.okta.com/api/v1/users/me",
            &[("Authorization", &auth())],
        )
        .await
    });
    let wait = Instant::now();
    while seen.load(Ordering::SeqCst) == 0 {
        assert!(
            wait.elapsed() < Duration::from_secs(5),
            "the request reached upstream"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let signalled = Instant::now();
    p.signal("-TERM");
    // New connections are refused while the slow answer is still on its way.
    let mut refused = false;
    while signalled.elapsed() < Duration::from_millis(1500) {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused, "a new connection is refused after SIGTERM");
    assert!(
        !slow.is_finished(),
        "still in flight when new connections are refused"
    );
    // The answer in flight reaches the client complete.
    let r = slow.await.unwrap();
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["id"], "00u1");
    assert_eq!(v["pad"].as_str().unwrap().len(), 20_000);
    // And the process exits 0 within the drain time.
    let status = p
        .wait_exit(Duration::from_secs(10).saturating_sub(signalled.elapsed()))
        .expect("exited within --drain-timeout");
    assert_eq!(status.code(), Some(0));
    assert!(signalled.elapsed() < Duration::from_secs(10));
    assert!(p.stderr().contains("SIGTERM"), "{}", p.stderr());
}

#[tokio::test]
async fn sigint_when_idle_exits_0_at_once_and_the_drain_time_bounds_a_stuck_request() {
    let (up, _) = slow_upstream(Duration::from_secs(30)).await;
    // Idle: SIGINT ends it at once.
    let mut p = proxy_with(up, "15s");
    assert_eq!(get(p.addr, "/healthz", &[]).await.status, 200);
    let t = Instant::now();
    p.signal("-INT");
    let status = p.wait_exit(Duration::from_secs(5)).expect("exits");
    assert_eq!(status.code(), Some(0));
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    // A request that outlives --drain-timeout is cut when it ends; the exit is still 0.
    let mut p = proxy_with(up, "1s");
    let addr = p.addr;
    let stuck = tokio::spawn(async move {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        s.write_all(b"GET /okta/acme.okta.com/api/v1/users/me HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = Vec::new();
        let _ = s.read_to_end(&mut buf).await;
        buf
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let t = Instant::now();
    p.signal("-TERM");
    let status = p.wait_exit(Duration::from_secs(5)).expect("exits");
    assert_eq!(status.code(), Some(0));
    let took = t.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "{took:?}"
    );
    assert!(
        stuck.await.unwrap().is_empty(),
        "no answer for the cut request"
    );
}

/// The value of the metric line starting with `prefix` (name and labels), 0 if absent.
fn metric(text: &str, prefix: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(prefix) && l[prefix.len()..].starts_with(' '))
        .map(|l| l.rsplit(' ').next().unwrap().parse().unwrap())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn metrics_count_forwarded_refused_and_rate_limited_requests() {
    let (up, _rec) = fake_upstream().await;
    let mut cmd = bin();
    cmd.args(["--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"])
        .args(["--dev-upstream", &format!("http://{up}")])
        .args(["--rate-limit-per-minute", "3", "--quiet"]);
    let p = Proc::start(cmd);
    let wait = Instant::now();
    let maddr: SocketAddr = loop {
        let err = p.stderr();
        if let Some(rest) = err.split("okta-proxy metrics on http://").nth(1) {
            break rest.split("/metrics").next().unwrap().parse().unwrap();
        }
        assert!(
            wait.elapsed() < Duration::from_secs(5),
            "metrics address: {err}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let scrape = || async move {
        let r = get(maddr, "/metrics", &[]).await;
        assert_eq!(r.status, 200);
        assert!(r.header("content-type").unwrap().starts_with("text/plain"));
        r.text()
    };
    let before = scrape().await;
    let fwd = r#"okta_proxy_requests_total{outcome="forwarded",code="none"}"#;
    let refused = r#"okta_proxy_requests_total{outcome="refused",code="target_refused"}"#;
    let limited = r#"okta_proxy_requests_total{outcome="rate_limited",code="rate_limited"}"#;
    assert_eq!(metric(&before, fwd), 0.0);
    assert_eq!(metric(&before, "okta_proxy_rate_limited_total"), 0.0);
    assert_eq!(metric(&before, "okta_proxy_requests_in_flight"), 0.0);

    let r = get(
        p.addr,
        "/okta/acme.okta.com/api/v1/users/me",
        &[("Authorization", &auth())],
    )
    .await;
    assert_eq!(r.status, 200);
    let m = scrape().await;
    assert_eq!(metric(&m, fwd), 1.0, "{m}");
    assert_eq!(
        metric(&m, r#"okta_proxy_upstream_responses_total{class="2xx"}"#),
        1.0
    );
    assert_eq!(
        metric(
            &m,
            r#"okta_proxy_upstream_duration_seconds_count{result="answer"}"#
        ),
        1.0
    );

    let r = get(p.addr, "/okta/evil.example/api/v1/users/me", &[]).await;
    assert_eq!(r.proxy_error().as_deref(), Some("target_refused"));
    let m = scrape().await;
    assert_eq!(metric(&m, refused), 1.0, "{m}");
    assert_eq!(metric(&m, fwd), 1.0);

    let r = get(p.addr, "/okta/acme.okta.com/api/v1/users/me", &[]).await;
    assert_eq!(r.status, 200);
    let r = get(p.addr, "/okta/acme.okta.com/api/v1/users/me", &[]).await;
    assert_eq!(r.proxy_error().as_deref(), Some("rate_limited"));
    let m = scrape().await;
    assert_eq!(metric(&m, limited), 1.0, "{m}");
    assert_eq!(metric(&m, "okta_proxy_rate_limited_total"), 1.0);
    assert_eq!(metric(&m, fwd), 2.0);
    assert_eq!(metric(&m, "okta_proxy_requests_in_flight"), 0.0);
    // Probes are rate limited like the rest (this client is out of tokens) and not counted
    // as requests; the proxy's port does not serve /metrics.
    let r = get(p.addr, "/healthz", &[]).await;
    assert_eq!(r.status, 429);
    assert!(r.header("retry-after").is_some());
    assert_ne!(get(p.addr, "/metrics", &[]).await.text(), scrape().await);
    let m = scrape().await;
    assert_eq!(
        metric(
            &m,
            r#"okta_proxy_requests_total{outcome="page",code="none"}"#
        ),
        1.0,
        "{m}"
    );
    assert!(
        !m.contains("acme.okta.com") && !m.contains("evil.example"),
        "no hosts in labels"
    );
    assert!(!m.contains(TOKEN));
}

#[tokio::test]
async fn metrics_count_upstream_errors_and_well_known_cache_hits() {
    let h = harness(|c| c.metrics_listen = Some("127.0.0.1:0".parse().unwrap())).await;
    let maddr = h.proxy.metrics_addr.expect("metrics listener");
    let wk = "/okta/login.acme-corp.example/.well-known/okta-organization";
    assert_eq!(get(h.addr(), wk, &[]).await.status, 200);
    assert_eq!(get(h.addr(), wk, &[]).await.status, 200);
    let r = get(h.addr(), "/okta/huge.okta.com/api/v1/users/me", &[]).await;
    assert_eq!(r.proxy_error().as_deref(), Some("upstream_too_large"));
    let r = get(h.addr(), "/okta/revoked.okta.com/api/v1/users/me", &[]).await;
    assert_eq!(r.status, 401);
    let m = get(maddr, "/metrics", &[]).await.text();
    assert_eq!(
        metric(&m, r#"okta_proxy_well_known_cache_total{result="miss"}"#),
        1.0,
        "{m}"
    );
    assert_eq!(
        metric(&m, r#"okta_proxy_well_known_cache_total{result="hit"}"#),
        1.0
    );
    assert_eq!(
        metric(
            &m,
            r#"okta_proxy_requests_total{outcome="upstream_error",code="upstream_too_large"}"#
        ),
        1.0
    );
    assert_eq!(
        metric(&m, r#"okta_proxy_upstream_responses_total{class="4xx"}"#),
        1.0
    );
    assert_eq!(
        metric(
            &m,
            r#"okta_proxy_upstream_duration_seconds_count{result="error"}"#
        ),
        1.0
    );
    assert_eq!(get(maddr, "/other", &[]).await.status, 404);
    // Without --metrics-listen there is no metrics listener.
    let plain = harness(|_| {}).await;
    assert!(plain.proxy.metrics_addr.is_none());
}

#[test]
fn metrics_listen_on_a_public_address_needs_allow_public() {
    for (args, ok) in [
        (vec!["--metrics-listen", "0.0.0.0:9464"], false),
        (vec!["--metrics-listen", "[::]:9464"], false),
        (vec!["--metrics-listen", "10.0.0.5:9464"], false),
        (vec!["--metrics-listen", "not-an-address"], false),
        (vec!["--metrics-listen", "127.0.0.1:8787"], false),
        (
            vec!["--metrics-listen", "0.0.0.0:9464", "--allow-public"],
            true,
        ),
        (vec!["--metrics-listen", "127.0.0.1:9464"], true),
    ] {
        let out = bin().args(&args).arg("--print-config").output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        if ok {
            assert!(out.status.success(), "{args:?}: {err}");
        } else {
            assert_eq!(out.status.code(), Some(2), "{args:?}");
            assert!(err.contains("--metrics-listen"), "{args:?}: {err}");
        }
    }
    let out = bin()
        .args(["--metrics-listen", "0.0.0.0:9464"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-public"));
}

/// A `redis-server` on loopback, started for one test and stopped when dropped.
struct RedisServer {
    child: Option<Child>,
    port: u16,
}

impl RedisServer {
    /// `None` (with a message) when Debian's redis-server is not installed; in CI (`CI` set, as
    /// `.ci/run` runs after `cargo xtask setup` installed it) that is a failure, not a skip.
    fn start() -> Option<RedisServer> {
        let bin = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists());
        let Some(bin) = bin else {
            assert!(
                std::env::var_os("CI").is_none(),
                "redis-server is not installed: `cargo xtask setup` installs Debian's redis-server"
            );
            eprintln!(
                "SKIPPED: redis-server is not installed (`cargo xtask setup` installs Debian's \
                 redis-server); the shared rate-limit test did not run"
            );
            return None;
        };
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let child = Command::new(bin)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let r = RedisServer {
            child: Some(child),
            port,
        };
        let wait = Instant::now();
        loop {
            if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
                use std::io::Write;
                s.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
                let _ = s.write_all(b"PING\r\n");
                let mut buf = [0u8; 16];
                if let Ok(n) = s.read(&mut buf) {
                    if buf[..n].starts_with(b"+PONG") {
                        return Some(r);
                    }
                }
            }
            assert!(
                wait.elapsed() < Duration::from_secs(10),
                "redis-server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn replica(up: SocketAddr, redis: &str) -> Proc {
    let mut cmd = bin();
    cmd.args(["--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"])
        .args(["--dev-upstream", &format!("http://{up}")])
        .args(["--rate-limit-per-minute", "4", "--rate-limit-redis", redis]);
    Proc::start(cmd)
}

#[tokio::test]
async fn two_replicas_sharing_redis_enforce_one_limit_and_survive_its_outage() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let (up, rec) = fake_upstream().await;
    let a = replica(up, &redis.url());
    let b = replica(up, &redis.url());
    let path = "/okta/acme.okta.com/api/v1/users/me";
    // One client, alternating between the replicas: 4 in all, not 4 each.
    let mut statuses = Vec::new();
    for i in 0..8 {
        let p = if i % 2 == 0 { &a } else { &b };
        statuses.push(get(p.addr, path, &[]).await.status);
    }
    assert_eq!(statuses, [200, 200, 200, 200, 429, 429, 429, 429]);
    assert_eq!(rec.count(), 4);
    let ma = a.metrics_addr().await;
    let m = get(ma, "/metrics", &[]).await.text();
    assert_eq!(metric(&m, "okta_proxy_rate_limit_shared"), 1.0, "{m}");
    assert_eq!(metric(&m, "okta_proxy_rate_limit_fallback_total"), 0.0);

    // Redis stops: the replica keeps serving, with its own limit, and says so.
    redis.stop();
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(get(a.addr, path, &[]).await.status);
    }
    assert_eq!(
        statuses,
        [200, 200, 200, 200, 429, 429],
        "a per-replica limit"
    );
    let err = a.stderr();
    assert!(
        err.contains("falling back to a per-replica limit"),
        "the outage is logged: {err}"
    );
    assert_eq!(err.matches("falling back").count(), 1, "logged once: {err}");
    let m = get(ma, "/metrics", &[]).await.text();
    assert_eq!(metric(&m, "okta_proxy_rate_limit_shared"), 0.0, "{m}");
    assert_eq!(
        metric(&m, "okta_proxy_rate_limit_fallback_total"),
        6.0,
        "{m}"
    );
    assert_eq!(get(b.addr, "/healthz", &[]).await.status, 200);
}

#[test]
fn an_unreachable_or_bad_redis_url_is_refused_at_start_naming_the_flag() {
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    for (url, code) in [
        (format!("redis://:hunter2@{closed}"), 1),
        (format!("redis://{closed}/0"), 1),
        ("http://127.0.0.1:6379".to_string(), 2),
        ("not a url hunter2".to_string(), 2),
    ] {
        let t = Instant::now();
        let out = bin()
            .args(["--listen", "127.0.0.1:0", "--rate-limit-redis", &url])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{url}: {err}");
        assert!(err.contains("--rate-limit-redis"), "{url}: {err}");
        assert!(!err.contains("hunter2"), "no password: {err}");
        assert!(out.stdout.is_empty(), "never listening");
        assert!(t.elapsed() < Duration::from_secs(8));
    }
}

/// A lookup that counts its calls and answers after `delay` (or never).
#[derive(Clone)]
struct CountingLookup {
    calls: Arc<std::sync::atomic::AtomicUsize>,
    answer: Option<std::net::IpAddr>,
}

impl okta_proxy::resolve::Lookup for CountingLookup {
    fn lookup(&self, _host: &str) -> okta_proxy::resolve::LookupFuture {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let answer = self.answer;
        Box::pin(async move {
            match answer {
                Some(ip) => Ok(vec![ip]),
                // A resolver that drops every query.
                None => std::future::pending().await,
            }
        })
    }
}

/// The second review's `/readyz` flood: with a resolver that never answers, every probe used to
/// start a lookup of its own. Now probes read one verdict kept fresh by one task: 400
/// concurrent probes (answering or not) cause at most one lookup per refresh, the answers come
/// within the first-verdict wait, and the proxy's other answers are not held up.
#[tokio::test]
async fn a_readyz_flood_causes_at_most_one_lookup_per_refresh() {
    use std::sync::atomic::Ordering;
    for (answer, want) in [(Some("52.1.2.3".parse().unwrap()), 200), (None, 503)] {
        let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let lookup = CountingLookup {
            calls: calls.clone(),
            answer,
        };
        let (logger, _log) = okta_proxy::log::Logger::memory();
        let mut cfg = base_config();
        cfg.max_connections_per_client = 1024;
        cfg.max_connections = 1024;
        let p = okta_proxy::server::start(
            cfg,
            okta_proxy::server::Deps {
                lookup: Arc::new(lookup),
                logger,
            },
        )
        .await
        .unwrap();
        let start = std::time::Instant::now();
        let probes: Vec<_> = (0..400)
            .map(|_| tokio::spawn(get(p.addr, "/readyz", &[])))
            .collect();
        for probe in probes {
            assert_eq!(probe.await.unwrap().status, want);
        }
        assert!(
            start.elapsed() < okta_proxy::readiness::FIRST_WAIT + Duration::from_secs(3),
            "{:?}",
            start.elapsed()
        );
        assert_eq!(get(p.addr, "/healthz", &[]).await.status, 200);
        let r = get(
            p.addr,
            "/okta/nothing.example/.well-known/okta-organization",
            &[],
        )
        .await;
        assert!(r.proxy_error().is_some());
        let elapsed = start.elapsed();
        let refreshes = 1 + elapsed.as_secs() / okta_proxy::readiness::REFRESH_EVERY.as_secs();
        let n = calls.load(Ordering::SeqCst) as u64;
        // The request for nothing.example makes one lookup of its own.
        assert!(n <= refreshes + 1, "{n} lookups in {elapsed:?}");
    }
}
