//! The real binary never prints a Redis password (the second security review, SECURITY.md, finding 6): not in
//! `--print-config`, not in a start-up error, not in an argument error, whatever form of URL
//! holds it (user information, `?pass=`, `?password=`) and whether it comes from the flag or
//! from `OKTA_PROXY_RATE_LIMIT_REDIS`.

use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_okta-proxy");
const SECRET: &str = "SECRETVALUE-9f3a";

/// Where the password sits, in each form the redis crate reads (and `?password=`, which people
/// write by habit). No socket at that path, no server on port 1.
fn forms() -> Vec<String> {
    vec![
        format!("redis+unix:///nonexistent/okta-proxy.sock?pass={SECRET}"),
        format!("redis+unix:///nonexistent/okta-proxy.sock?password={SECRET}"),
        format!("unix:///nonexistent/okta-proxy.sock?db=1&PASS={SECRET}&user=alice"),
        format!("redis://:{SECRET}@127.0.0.1:1/0"),
        format!("redis://alice:{SECRET}@127.0.0.1:1"),
        format!("redis://127.0.0.1:1/0?password={SECRET}"),
    ]
}

fn run(args: &[&str], env: Option<&str>) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env_remove("OKTA_PROXY_RATE_LIMIT_REDIS");
    if let Some(url) = env {
        cmd.env("OKTA_PROXY_RATE_LIMIT_REDIS", url);
    }
    cmd.output().unwrap()
}

fn shows_secret(o: &Output) -> bool {
    String::from_utf8_lossy(&o.stdout).contains(SECRET)
        || String::from_utf8_lossy(&o.stderr).contains(SECRET)
}

#[test]
fn print_config_hides_the_redis_password_in_every_form() {
    for url in forms() {
        for (args, env) in [
            (
                vec!["--rate-limit-redis", url.as_str(), "--print-config"],
                None,
            ),
            (vec!["--print-config"], Some(url.as_str())),
        ] {
            let o = run(&args, env);
            assert!(o.status.success(), "{url}");
            assert!(!shows_secret(&o), "password shown for {url}");
            let config: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
            let shown = config["rate_limit_redis"].as_str().unwrap();
            assert!(shown.contains("***"), "{shown}");
        }
    }
}

#[test]
fn a_start_up_error_hides_the_redis_password() {
    for url in forms() {
        let o = run(
            &["--listen", "127.0.0.1:0", "--rate-limit-redis", &url],
            None,
        );
        assert!(!o.status.success(), "started with {url}");
        assert!(!shows_secret(&o), "password shown for {url}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("--rate-limit-redis: "), "{err}");
        assert!(err.contains("***"), "{err}");
    }
}

#[test]
fn an_unparsable_or_foreign_url_is_refused_without_its_password() {
    for url in [
        format!("redis://:{SECRET}@[not-a-host"),
        format!("http://:{SECRET}@127.0.0.1:1/?pass={SECRET}"),
        format!("{SECRET} redis://"),
    ] {
        let o = run(
            &["--listen", "127.0.0.1:0", "--rate-limit-redis", &url],
            None,
        );
        assert_eq!(o.status.code(), Some(2), "{url}");
        assert!(!shows_secret(&o), "password shown for {url}");
    }
}
