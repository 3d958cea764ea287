//! `okta-link-check --org acme.okta.com`: the page's connection check from a server, printing
//! the versioned result (schema/okta-link-result.v2.json) as one line of JSON.
//!
//! `--credential service-app --client-id 0oa… --service-app-key key.pem` checks an OAuth 2.0
//! service app with the platform's key; `--credential client-secret --client-id 0oa…` an OIN
//! integration, its secret read from `OKTA_CLIENT_SECRET` or standard input.
//!
//! The API token is read from the environment variable `OKTA_API_TOKEN` or, when that is unset,
//! from standard input; never from an argument (arguments show in process lists and shell
//! history). An argument that is not one of the options is refused without being echoed, and
//! so is a refused option value: the error names the option and what it takes (see [`cli`]).
//!
//! Exit codes: 0 verified; 1 the check failed (the result's `diagnosis` says why); 2 usage
//! error (bad or unknown arguments, no token, an org address that is not one); 3 internal error
//! (the HTTP client could not be made).

use std::io::Read;
use std::process::ExitCode;
use std::time::Duration;

use okta_link_check::cli::{self, Parsed};
use okta_link_check::Options;
use okta_link_core::credential::CredentialKind;
use okta_link_core::plan::DataKind;
use okta_link_core::{org_url, token};

/// Exit code: the token is verified.
const VERIFIED: u8 = 0;
/// Exit code: the check failed.
const FAILED: u8 = 1;
/// Exit code: usage error.
const USAGE: u8 = 2;
/// Exit code: internal error.
const INTERNAL: u8 = 3;

/// Longest token input read from stdin.
const MAX_STDIN: u64 = 64 * 1024;

fn usage(message: &str) -> ExitCode {
    eprintln!("okta-link-check: {message}");
    ExitCode::from(USAGE)
}

fn read_token() -> Result<String, String> {
    read_secret("OKTA_API_TOKEN")
}

/// A secret from the environment variable `var`, else from standard input.
fn read_secret(var: &str) -> Result<String, String> {
    if let Some(v) = std::env::var_os(var) {
        return v
            .into_string()
            .map_err(|_| format!("{var} is not valid text"));
    }
    let mut input = String::new();
    std::io::stdin()
        .take(MAX_STDIN)
        .read_to_string(&mut input)
        .map_err(|_| "standard input is not valid text".to_string())?;
    Ok(input)
}

fn main() -> ExitCode {
    // Read as OS strings: `std::env::args` would panic with the argument in its message.
    let args = match cli::parse(std::env::args_os().skip(1).collect()) {
        Parsed::Run(a) => a,
        Parsed::Print(text) => {
            print!("{text}");
            return ExitCode::from(VERIFIED);
        }
        Parsed::Usage(message) => return usage(&message),
    };
    let org = match org_url::normalize(&args.org) {
        Ok(o) => o,
        Err(e) => {
            return usage(&format!(
                "--org: not an Okta org address ({}; the value is not shown: it may be a \
                 secret); --org takes {}.",
                e.code(),
                cli::accepts("--org").unwrap_or("an Okta org address")
            ))
        }
    };
    if let Some(kind) = args.credential.filter(|k| k.checked_on_server()) {
        return check_app(&args, org.host(), kind);
    }
    if args.client_id.is_some() {
        return usage(
            "--client-id: only with --credential service-app or client-secret (the value is \
             not shown: it may be a secret)",
        );
    }
    if !args.service_app_keys.is_empty() {
        return usage(
            "--service-app-key: only with --credential service-app (the value is not shown: \
             it may be a secret)",
        );
    }
    let raw = match read_token() {
        Ok(t) => t,
        Err(e) => return usage(&e),
    };
    let token = match token::clean(&raw) {
        Ok(t) => t,
        Err(e) => {
            return usage(&format!(
                "the API token from {} is not usable ({})",
                if std::env::var_os("OKTA_API_TOKEN").is_some() {
                    "OKTA_API_TOKEN"
                } else {
                    "standard input"
                },
                e.code()
            ))
        }
    };
    drop(raw);
    if let Some(u) = &args.dev_upstream {
        eprintln!("{}", okta_proxy::dev_warning(u));
    }
    let options = options(&args);
    let code = run(
        &args,
        okta_link_check::check(org.host(), token.secret(), &options),
    );
    drop(token);
    code
}

fn options(args: &cli::Args) -> Options {
    Options {
        required: if args.required.is_empty() {
            vec![DataKind::Users]
        } else {
            args.required.clone()
        },
        budget: Duration::from_millis(args.timeout_ms),
        upstream_timeout: Duration::from_millis(args.upstream_timeout_ms),
        egress_ips: args.egress_ips.clone(),
        update: args.update,
        dev_upstream: args.dev_upstream.clone(),
        ..Options::default()
    }
}

/// A service app or OIN integration check.
fn check_app(args: &cli::Args, org: &str, kind: CredentialKind) -> ExitCode {
    use okta_link_core::credential::{clean_client_id, clean_client_secret};
    use okta_link_core::oauth::{CheckCredential, CheckRequest};
    let Some(raw_id) = args.client_id.as_deref() else {
        return usage("--client-id: needed with this --credential; it takes an Okta client ID");
    };
    let client_id = match clean_client_id(raw_id) {
        Ok(c) => c.as_str().to_string(),
        Err(e) => {
            return usage(&format!(
                "--client-id: not a client ID ({}; the value is not shown: it may be a secret)",
                e.code()
            ))
        }
    };
    let mut keys = None;
    let credential = match kind {
        CredentialKind::ServiceApp => {
            if args.service_app_keys.is_empty() {
                return usage(
                    "--service-app-key: needed with --credential service-app; it takes a file \
                     holding the platform's private key (PKCS#8 PEM)",
                );
            }
            match okta_proxy::oauth::keys::ServiceAppKeys::load(&args.service_app_keys) {
                Ok(k) => keys = k,
                Err(e) => {
                    return usage(&format!(
                        "--service-app-key: {} (the value is not shown: it may be a secret); \
                         it takes a file holding the platform's private key (PKCS#8 PEM: RSA of \
                         2048 bits or more, or EC P-256)",
                        e.what()
                    ))
                }
            }
            CheckCredential::ServiceApp { client_id }
        }
        _ => {
            if !args.service_app_keys.is_empty() {
                return usage(
                    "--service-app-key: only with --credential service-app (an OIN integration \
                     signs in with its client secret)",
                );
            }
            let raw = match read_secret("OKTA_CLIENT_SECRET") {
                Ok(s) => zeroize::Zeroizing::new(s),
                Err(e) => return usage(&e),
            };
            let secret = match clean_client_secret(&raw) {
                Ok(s) => s,
                Err(e) => {
                    return usage(&format!(
                        "the client secret from {} is not usable ({})",
                        if std::env::var_os("OKTA_CLIENT_SECRET").is_some() {
                            "OKTA_CLIENT_SECRET"
                        } else {
                            "standard input"
                        },
                        e.code()
                    ))
                }
            };
            CheckCredential::ClientSecret {
                client_id,
                client_secret: secret.secret().to_string(),
            }
        }
    };
    let options = options(args);
    let request = CheckRequest {
        org: org.to_string(),
        credential,
        required: options.required.clone(),
    };
    if let Some(u) = &args.dev_upstream {
        eprintln!("{}", okta_proxy::dev_warning(u));
    }
    let code = run(
        args,
        okta_link_check::check_request(&request, keys, &options),
    );
    drop(request);
    code
}

/// Run one check on a fresh runtime and print its result.
fn run<E: std::fmt::Display>(
    args: &cli::Args,
    check: impl std::future::Future<Output = Result<okta_link_check::Checked, E>>,
) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("okta-link-check: cannot start: {e}");
            return ExitCode::from(INTERNAL);
        }
    };
    match runtime.block_on(check) {
        Ok(checked) => print_result(args, &checked),
        Err(e) => {
            eprintln!("okta-link-check: {e}");
            ExitCode::from(INTERNAL)
        }
    }
}

fn print_result(args: &cli::Args, checked: &okta_link_check::Checked) -> ExitCode {
    let text = if args.pretty {
        serde_json::to_string_pretty(&checked.result)
    } else {
        serde_json::to_string(&checked.result)
    };
    match text {
        Ok(t) => println!("{t}"),
        Err(e) => {
            eprintln!("okta-link-check: cannot write the result: {e}");
            return ExitCode::from(INTERNAL);
        }
    }
    ExitCode::from(if checked.is_verified() {
        VERIFIED
    } else {
        FAILED
    })
}
