//! `--service-app-key` with real keys that must be refused (tests/fixtures, TEST ONLY keys made
//! with openssl): a typed start-up error that names the file and never shows its content, from
//! the library and from the binary.

use crate::common::*;
use okta_proxy::log::Logger;
use okta_proxy::oauth::keys::{KeyError, ServiceAppKeys};
use okta_proxy::resolve::StaticLookup;
use okta_proxy::server::{start, Deps, StartError};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Each refused fixture and the refusal it must get.
fn refused() -> Vec<(PathBuf, KeyError)> {
    let f = fixture;
    vec![
        (
            f("test-only-rsa-1024.pem"),
            KeyError::RsaTooSmall {
                file: f("test-only-rsa-1024.pem"),
                bits: 1024,
            },
        ),
        (
            f("test-only-ec-p384.pem"),
            KeyError::WrongCurve {
                file: f("test-only-ec-p384.pem"),
            },
        ),
        (
            f("test-only-encrypted.pem"),
            KeyError::Encrypted {
                file: f("test-only-encrypted.pem"),
            },
        ),
        (
            f("test-only-public.pem"),
            KeyError::PublicKey {
                file: f("test-only-public.pem"),
            },
        ),
        // PKCS#1, and SEC1 as `openssl ecparam -genkey` writes it (its parameters first): the
        // conversion hint, not "not a PEM file".
        (
            f("test-only-rsa-pkcs1.pem"),
            KeyError::NotPkcs8 {
                file: f("test-only-rsa-pkcs1.pem"),
            },
        ),
        (
            f("test-only-ec-sec1.pem"),
            KeyError::NotPkcs8 {
                file: f("test-only-ec-sec1.pem"),
            },
        ),
    ]
}

/// The base64 lines of a PEM file (its content, which no message may show), and its
/// label lines.
fn content_lines(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let lines: Vec<String> = text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with("-----"))
        .map(str::to_string)
        .collect();
    assert!(!lines.is_empty());
    lines
}

fn assert_names_file_not_content(shown: &str, file: &Path) {
    assert!(shown.contains(&file.display().to_string()), "{shown}");
    assert!(!shown.contains("-----BEGIN"), "{shown}");
    for line in content_lines(file) {
        // Any 16 characters of a content line.
        for start in (0..line.len().saturating_sub(16)).step_by(8) {
            let piece = &line[start..start + 16];
            assert!(!shown.contains(piece), "content {piece:?} in {shown}");
        }
    }
}

#[test]
fn the_fixtures_are_what_they_say() {
    // Guards the fixtures themselves: a fixture that stopped being what its name says would
    // make the refusal tests below meaningless.
    let label = |name: &str| {
        std::fs::read_to_string(fixture(name))
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        label("test-only-rsa-1024.pem"),
        "-----BEGIN PRIVATE KEY-----"
    );
    assert_eq!(
        label("test-only-ec-p384.pem"),
        "-----BEGIN PRIVATE KEY-----"
    );
    assert_eq!(
        label("test-only-encrypted.pem"),
        "-----BEGIN ENCRYPTED PRIVATE KEY-----"
    );
    assert_eq!(label("test-only-public.pem"), "-----BEGIN PUBLIC KEY-----");
    assert_eq!(
        label("test-only-rsa-pkcs1.pem"),
        "-----BEGIN RSA PRIVATE KEY-----"
    );
    assert_eq!(
        label("test-only-ec-sec1.pem"),
        "-----BEGIN EC PARAMETERS-----"
    );
    // The demo key, which is accepted, beside them.
    assert!(
        ServiceAppKeys::load(&[okta_sim::fixtures::demo_platform_key_file()])
            .unwrap()
            .is_some()
    );
}

#[test]
fn each_bad_key_is_refused_with_its_own_error() {
    for (file, want) in refused() {
        let got = ServiceAppKeys::load(std::slice::from_ref(&file)).unwrap_err();
        assert_eq!(got, want, "{}", file.display());
        assert_names_file_not_content(&got.to_string(), &file);
        assert!(!got.what().is_empty());
        // Second in a rotation too: every key is read at start.
        let got =
            ServiceAppKeys::load(&[okta_sim::fixtures::demo_platform_key_file(), file.clone()])
                .unwrap_err();
        assert_eq!(got, want, "{}", file.display());
    }
    // A file that is not there.
    let missing = fixture("test-only-missing.pem");
    assert_eq!(
        ServiceAppKeys::load(std::slice::from_ref(&missing)).unwrap_err(),
        KeyError::Unreadable { file: missing }
    );
}

#[tokio::test]
async fn start_refuses_each_bad_key_with_a_typed_error() {
    for (file, want) in refused() {
        let mut cfg = base_config();
        cfg.service_app_keys = vec![file.clone()];
        let (logger, log) = Logger::memory();
        let got = start(
            cfg,
            Deps {
                lookup: Arc::new(StaticLookup::new()),
                logger,
            },
        )
        .await;
        let err = match got {
            Ok(_) => panic!("{} was accepted", file.display()),
            Err(e) => e,
        };
        match &err {
            StartError::Key(k) => assert_eq!(k, &want),
            other => panic!("{}: not a key error: {other}", file.display()),
        }
        assert_names_file_not_content(&err.to_string(), &file);
        assert_names_file_not_content(&format!("{err:?}"), &file);
        assert_eq!(log.contents(), "");
    }
}

#[test]
fn the_binary_stops_naming_the_file_never_its_content() {
    for (file, want) in refused() {
        let out = Command::new(env!("CARGO_BIN_EXE_okta-proxy"))
            .args(["--listen", "127.0.0.1:0", "--service-app-key"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{} was accepted", file.display());
        assert!(out.stdout.is_empty(), "nothing listens");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&want.to_string()), "{err}");
        assert_names_file_not_content(&err, &file);
    }
    // The same through the environment (comma separated), the good key first.
    let (bad, want) = refused().remove(0);
    let list = format!(
        "{},{}",
        okta_sim::fixtures::demo_platform_key_file().display(),
        bad.display()
    );
    let out = Command::new(env!("CARGO_BIN_EXE_okta-proxy"))
        .args(["--listen", "127.0.0.1:0"])
        .env("OKTA_PROXY_SERVICE_APP_KEY", list)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&want.to_string()), "{err}");
    assert_names_file_not_content(&err, &bad);
}
