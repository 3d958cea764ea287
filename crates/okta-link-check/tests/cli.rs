//! The `okta-link-check` command against the simulator: the token only from stdin or
//! OKTA_API_TOKEN (an argument is refused and not echoed), the documented exit codes, the
//! result as JSON valid against the published schema, the development mode loud.

#[path = "../../../tests/support/schema.rs"]
mod schema;

mod common;
use common::simulator;
use std::io::Write;
use std::process::{Command, Output, Stdio};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
const SUPER: &str = "00demo-acme-super-admin-xxxxxxxxxxxxxxxxxx";
const REVOKED: &str = "00demo-acme-revoked-xxxxxxxxxxxxxxxxxxxxxx";

/// Run the command with `args`, `stdin` piped in, and `env_token` as OKTA_API_TOKEN.
fn run(args: &[&str], stdin: &str, env_token: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_okta-link-check"));
    cmd.args(args)
        .env_remove("OKTA_API_TOKEN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(t) = env_token {
        cmd.env("OKTA_API_TOKEN", t);
    }
    let mut child = cmd.spawn().unwrap();
    // The command may exit (a usage error) before it reads: a closed pipe is fine.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn no_token(o: &Output) {
    for t in [SUPER, REVOKED] {
        assert!(!text(&o.stdout).contains(t), "token on stdout");
        assert!(!text(&o.stderr).contains(t), "token on stderr");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verified_from_stdin_and_from_the_environment_prints_a_valid_result() {
    let sim = simulator().await;
    let root = schema::load_from(&format!("{ROOT}/schema/okta-link-result.v2.json"));
    let args = ["--org", "https://acme.okta.com/", "--dev-upstream", &sim];
    for (stdin, env) in [(format!("{SUPER}\n"), None), (String::new(), Some(SUPER))] {
        let o = run(&args, &stdin, env);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        no_token(&o);
        let result: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(schema::validate(&root, "#", &result), Vec::<String>::new());
        assert_eq!(result["diagnosis"], "verified");
        assert_eq!(result["okta_host"], "acme.okta.com");
        assert_eq!(result["owner"]["login"], "alice.nguyen@acme-corp.example");
        assert_eq!(result["roles"]["types"], serde_json::json!(["SUPER_ADMIN"]));
        assert_eq!(result["update"], false);
        assert!(
            text(&o.stderr).contains("DEVELOPMENT MODE"),
            "the dev mode is loud"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_check_exits_1_with_its_diagnosis() {
    let sim = simulator().await;
    let o = run(
        &["--org", "acme.okta.com", "--dev-upstream", &sim, "--update"],
        REVOKED,
        None,
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    no_token(&o);
    let result: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(result["diagnosis"], "token_rejected");
    assert_eq!(result["outcome"], "failed");
    assert_eq!(result["update"], true);
}

#[test]
fn a_token_as_an_argument_is_refused_and_not_echoed() {
    for args in [
        vec!["--org", "acme.okta.com", "--token", SUPER],
        vec!["--org", "acme.okta.com", &format!("--token={SUPER}")],
        vec!["--org", "acme.okta.com", SUPER],
        vec![SUPER, "--org", "acme.okta.com"],
    ] {
        let o = run(&args, SUPER, None);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        no_token(&o);
        assert!(o.stdout.is_empty());
        assert!(
            text(&o.stderr).contains("never from an argument"),
            "{}",
            text(&o.stderr)
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    // No token at all.
    let o = run(&["--org", "acme.okta.com"], "", None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("standard input"),
        "{}",
        text(&o.stderr)
    );
    // Not an org address.
    let o = run(&["--org", "not a host"], SUPER, None);
    assert_eq!(o.status.code(), Some(2));
    no_token(&o);
    // The development upstream only on loopback.
    let o = run(
        &[
            "--org",
            "acme.okta.com",
            "--dev-upstream",
            "http://203.0.113.7:80",
        ],
        SUPER,
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("loopback"), "{}", text(&o.stderr));
    // An unknown data kind.
    let o = run(
        &["--org", "acme.okta.com", "--require", "everything"],
        SUPER,
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    // A platform key for an OIN integration, which signs in with its secret.
    let o = run(
        &[
            "--org",
            "acme.okta.com",
            "--credential",
            "client-secret",
            "--client-id",
            "0oa10inintegration10",
            "--service-app-key",
            "key.pem",
        ],
        "some-secret-value",
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("--service-app-key"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn help_documents_the_token_sources_and_exit_codes() {
    let o = run(&["--help"], "", None);
    assert_eq!(o.status.code(), Some(0));
    // Wrapped to the terminal: compare with the whitespace collapsed.
    let help = text(&o.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(help.contains("OKTA_API_TOKEN"), "{help}");
    assert!(help.contains("never from an argument"), "{help}");
    assert!(help.contains("Exit codes: 0 verified; 1"), "{help}");
}

/// The second security review (SECURITY.md), finding 5, as reported: these options printed the refused value in their error.
#[test]
fn the_reported_options_say_what_they_take_and_not_the_value() {
    for (args, takes) in [
        (
            vec![format!("--require={PASTED}")],
            "--require takes one of users, groups, roles, logs",
        ),
        (
            vec!["--timeout-ms".into(), PASTED.into()],
            "--timeout-ms takes a whole number",
        ),
        (
            vec![format!("--upstream-timeout-ms={PASTED}")],
            "--upstream-timeout-ms takes a whole number",
        ),
        (
            vec!["--dev-upstream".into(), PASTED.into()],
            "--dev-upstream takes a plain http://",
        ),
        (
            vec![format!("--egress-ip={PASTED}")],
            "--egress-ip takes an IP address",
        ),
    ] {
        let mut all = vec!["--org", "acme.okta.com"];
        all.extend(args.iter().map(String::as_str));
        let o = run(&all, SUPER, None);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{takes}");
        assert!(
            !err.contains(CORE) && !text(&o.stdout).contains(CORE),
            "{takes}: echoed"
        );
        assert!(err.contains(takes), "{err}");
        assert!(err.contains("not shown"), "{err}");
    }
}

/// A token-shaped secret (`00` and 40 of `[A-Za-z0-9_-]`), and its distinctive middle: no
/// output may hold the middle, whatever was put around it.
const PASTED: &str = "00secret-c0ffee-Zq7WpL3xK9mN2vB8tR4yU6hJ1d";
const CORE: &str = "c0ffee-Zq7WpL3xK9mN2vB8tR4yU6hJ1d";

/// The secret as it might be pasted into an option: bare, as a header, padded, quoted, after a
/// hyphen (taken as the option's value, not as an option), inside a URL.
fn pasted_variants() -> Vec<String> {
    let s = PASTED;
    vec![
        s.to_string(),
        format!("SSWS {s}"),
        format!(" {s}\n"),
        format!("'{s}'"),
        format!("-{s}"),
        format!("--{s}"),
        format!("{s}={s}"),
        format!("http://127.0.0.1:1/?token={s}"),
        format!("http://{s}@localhost:1"),
        format!("https://{s}:{s}@acme.okta.com"),
        format!("1{s}"),
        format!("{s}\u{200b}"),
    ]
}

/// The second security review (SECURITY.md), finding 5, over its class: for every option that takes a value (read from the
/// command's clap definition, so a new option is covered when it is added), a refused value is
/// never shown, in `--opt=value` and `--opt value` form, and the error names the option. The
/// failure messages here name the option and the variant's number, never the value.
#[test]
fn no_option_echoes_its_value() {
    let options = okta_link_check::cli::options_with_value();
    assert!(options.len() >= 6, "options: {options:?}");
    for option in &options {
        for (n, value) in pasted_variants().iter().enumerate() {
            for joined in [true, false] {
                let mut args: Vec<String> = Vec::new();
                if option != "--org" {
                    args.extend(["--org".to_string(), "acme.okta.com".to_string()]);
                }
                if joined {
                    args.push(format!("{option}={value}"));
                } else {
                    args.extend([option.clone(), value.clone()]);
                }
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let o = run(&args, "", None);
                let (out, err) = (text(&o.stdout), text(&o.stderr));
                let form = if joined { "--opt=value" } else { "--opt value" };
                assert!(
                    !out.contains(CORE) && !err.contains(CORE),
                    "{option} ({form}, variant {n}): the value was echoed"
                );
                assert_eq!(
                    o.status.code(),
                    Some(2),
                    "{option} ({form}, variant {n}): not a usage error"
                );
                assert!(
                    err.contains(option.as_str()),
                    "{option} ({form}, variant {n}): the error does not name the option"
                );
            }
        }
    }
}
