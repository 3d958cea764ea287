//! `okta-link-check --org acme.okta.com`: the page's connection check from a server, printing
//! the versioned result (schema/okta-link-result.v1.json) as one line of JSON.
//!
//! The API token is read from the environment variable `OKTA_API_TOKEN` or, when that is unset,
//! from standard input; never from an argument (arguments show in process lists and shell
//! history). An argument that is not one of the options is refused without being echoed.
//!
//! Exit codes: 0 verified; 1 the check failed (the result's `diagnosis` says why); 2 usage
//! error (bad or unknown arguments, no token, an org address that is not one); 3 internal error
//! (the HTTP client could not be made).

use std::io::Read;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use okta_link::core::plan::DataKind;
use okta_link::core::{org_url, token};
use okta_link_check::Options;

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

#[derive(Parser, Debug)]
#[command(
    name = "okta-link-check",
    version,
    about = "Check an Okta org and API token as the okta-link page does; print the versioned \
             result (schema/okta-link-result.v1.json) as JSON",
    after_help = "The API token is read from OKTA_API_TOKEN or, when unset, from standard input; \
                  never from an argument.\n\nExit codes: 0 verified; 1 the check failed (see \
                  `diagnosis`); 2 usage error; 3 internal error."
)]
struct Args {
    /// The Okta org: `acme.okta.com`, `https://acme.okta.com`, `acme-admin.okta.com`, or a
    /// custom domain (checked on the Okta host its well-known document names)
    #[arg(long, value_name = "ORG")]
    org: String,
    /// What the platform needs to read: users, groups, roles, logs (repeatable; default users)
    #[arg(long = "require", value_name = "KIND", value_parser = parse_kind)]
    required: Vec<DataKind>,
    /// The whole check's time budget in milliseconds
    #[arg(long, value_name = "MS", default_value_t = 20_000)]
    timeout_ms: u64,
    /// One upstream call's limit in milliseconds
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    upstream_timeout_ms: u64,
    /// This server's egress address, named in the network-zone remedy (repeatable)
    #[arg(long = "egress-ip", value_name = "IP")]
    egress_ips: Vec<String>,
    /// The check renews an existing connection (`update: true` in the result)
    #[arg(long)]
    update: bool,
    /// Pretty-print the JSON
    #[arg(long)]
    pretty: bool,
    /// DEVELOPMENT ONLY: send every call to this plain-HTTP loopback URL (the okta-sim
    /// simulator) instead of Okta, with the Host header set to the org; DNS checks skipped
    #[arg(long, value_name = "URL", value_parser = okta_proxy::config::parse_dev_upstream)]
    dev_upstream: Option<String>,
}

fn parse_kind(s: &str) -> Result<DataKind, String> {
    DataKind::parse(s).ok_or_else(|| format!("{s:?} is not one of users, groups, roles, logs"))
}

/// Options taking a value, and flags: anything else is refused before clap sees it, so that a
/// token given as an argument is never echoed in an error message.
const WITH_VALUE: &[&str] = &[
    "--org",
    "--require",
    "--timeout-ms",
    "--upstream-timeout-ms",
    "--egress-ip",
    "--dev-upstream",
];
const FLAGS: &[&str] = &["--update", "--pretty", "--help", "-h", "--version", "-V"];

/// `Err(n)`: the n-th argument (from 1) is not an option or an option's value.
fn vet_arguments(args: &[String]) -> Result<(), usize> {
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let name = a.split_once('=').map_or(a, |(n, _)| n);
        if WITH_VALUE.contains(&name) {
            i += if a.contains('=') { 1 } else { 2 };
        } else if FLAGS.contains(&a) {
            i += 1;
        } else {
            return Err(i + 1);
        }
    }
    Ok(())
}

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
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if let Err(n) = vet_arguments(&argv) {
        return usage(&format!(
            "argument {n} is not an option (not shown: it may be a secret). The API token is \
             read only from OKTA_API_TOKEN or standard input, never from an argument. See --help."
        ));
    }
    let args = match Args::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let code = if e.use_stderr() { USAGE } else { VERIFIED };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let org = match org_url::normalize(&args.org) {
        Ok(o) => o,
        Err(e) => return usage(&format!("--org: not an Okta org address ({})", e.code())),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn v(args: &[&str]) -> Result<(), usize> {
        vet_arguments(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn only_options_and_their_values_pass() {
        assert_eq!(v(&["--org", "acme.okta.com", "--pretty"]), Ok(()));
        assert_eq!(
            v(&["--org=acme.okta.com", "--require", "logs", "--update"]),
            Ok(())
        );
        assert_eq!(v(&["--org", "acme.okta.com", "00abc"]), Err(3));
        assert_eq!(v(&["--token", "00abc", "--org", "acme.okta.com"]), Err(1));
        assert_eq!(v(&["--token=00abc"]), Err(1));
        assert_eq!(v(&["-t", "00abc"]), Err(1));
    }
}
