//! The real binary: its stdout line, its start-up warning, its stderr log without the token,
//! and the `headers` subcommand.

use crate::common::*;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_okta-proxy");

#[tokio::test]
async fn prints_one_listening_line_warns_in_dev_mode_and_logs_no_token() {
    let (up, rec) = fake_upstream().await;
    let mut child = Command::new(BIN)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--allow-origin",
            ALLOWED,
            "--dev-upstream",
            &format!("http://{up}"),
            "--rate-limit-per-minute",
            "1000",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let url = line
        .strip_prefix("okta-proxy listening on http://127.0.0.1:")
        .and_then(|p| p.strip_suffix('\n'))
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    let port: u16 = url.parse().unwrap();
    let addr = format!("127.0.0.1:{port}").parse().unwrap();

    let r = get(
        addr,
        "/okta/acme.okta.com/api/v1/users/me",
        &[("Authorization", &auth())],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-okta-link-dev-upstream"), Some("1"));
    let r = get(
        addr,
        "/okta/evil.example/.well-known/okta-organization",
        &[("Authorization", &auth())],
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(rec.count(), 2);
    tokio::time::sleep(Duration::from_millis(100)).await;

    child.kill().unwrap();
    child.wait().unwrap();
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "", "exactly one line on stdout");
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(err.contains("WARNING"), "{err}");
    assert!(err.contains("DEVELOPMENT MODE"));
    assert!(
        err.contains("host=acme.okta.com path=/api/v1/users/me status=200"),
        "{err}"
    );
    assert!(err.contains("error=target_refused"));
    assert!(!err.contains(TOKEN), "token on stderr:\n{err}");
    assert!(!err.contains("SSWS"));
}

#[test]
fn refuses_a_public_listen_address_without_allow_public() {
    let out = Command::new(BIN)
        .args(["--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-public"));
}

#[test]
fn headers_subcommand() {
    let d = temp_dir("hdr");
    std::fs::write(d.join("index.html"), "<script>alert(1)</script>").unwrap();
    let out = Command::new(BIN)
        .args(["headers", "--dist"])
        .arg(&d)
        .args(["--allow-origin", ALLOWED, "--format", "nginx"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(
        s.contains("'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"),
        "{s}"
    );
    assert!(s.contains("add_header Referrer-Policy \"no-referrer\" always;"));
    let out = Command::new(BIN)
        .args(["headers", "--dist"])
        .arg(&d)
        .output()
        .unwrap();
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.contains("/*\n  Content-Security-Policy: "));
    std::fs::remove_dir_all(&d).ok();
}
