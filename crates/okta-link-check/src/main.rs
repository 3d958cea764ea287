//! `okta-link-check --org acme.okta.com`: the page's connection check from a server, printing
//! the versioned result (schema/okta-link-result.v1.json) as one line of JSON.
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
    if let Some(v) = std::env::var_os("OKTA_API_TOKEN") {
        return v
            .into_string()
            .map_err(|_| "OKTA_API_TOKEN is not valid text".to_string());
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
    let options = Options {
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
    };
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
    let checked =
        match runtime.block_on(okta_link_check::check(org.host(), token.secret(), &options)) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("okta-link-check: {e}");
                return ExitCode::from(INTERNAL);
            }
        };
    drop(token);
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
