//! The command line of `okta-link-check`, read so that no value given on it is ever echoed.
//!
//! A token pasted into the wrong place (as an argument, or as an option's value) must not land
//! in a terminal, a CI log or a shell history tool. So:
//! * an argument that is neither an option nor an option's value is refused by its position
//!   ([`vet_arguments`]), before clap sees it;
//! * an option's value that is refused (by clap or by one of the parsers here) is reported by
//!   the option's name and what it accepts ([`usage_error`], from [`WITH_VALUE`]), never by
//!   the value: clap's own error text, and a parser's, may quote it, so neither is printed.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, Parser};
use okta_link_core::credential::CredentialKind;
use okta_link_core::plan::DataKind;
use std::net::IpAddr;

#[derive(Parser, Debug)]
#[command(
    name = "okta-link-check",
    version,
    about = "Check an Okta org and API token as the okta-link page does; print the versioned \
             result (schema/okta-link-result.v2.json) as JSON",
    after_help = "The API token is read from OKTA_API_TOKEN or, when unset, from standard input; \
                  never from an argument.\n\nExit codes: 0 verified; 1 the check failed (see \
                  `diagnosis`); 2 usage error; 3 internal error."
)]
pub struct Args {
    /// The Okta org: `acme.okta.com`, `https://acme.okta.com`, `acme-admin.okta.com`, or a
    /// custom domain (checked on the Okta host its well-known document names)
    #[arg(long, value_name = "ORG", allow_hyphen_values = true)]
    pub org: String,
    /// What the platform needs to read: users, groups, roles, logs (repeatable; default users)
    #[arg(long = "require", value_name = "KIND", allow_hyphen_values = true,
          value_parser = parse_kind)]
    pub required: Vec<DataKind>,
    /// The whole check's time budget in milliseconds
    #[arg(
        long,
        value_name = "MS",
        default_value_t = 20_000,
        allow_hyphen_values = true
    )]
    pub timeout_ms: u64,
    /// One upstream call's limit in milliseconds
    #[arg(
        long,
        value_name = "MS",
        default_value_t = 10_000,
        allow_hyphen_values = true
    )]
    pub upstream_timeout_ms: u64,
    /// This server's egress address (IPv4 `203.0.113.7` or IPv6), named in the network-zone
    /// remedy (repeatable)
    #[arg(long = "egress-ip", value_name = "IP", allow_hyphen_values = true,
          value_parser = parse_ip)]
    pub egress_ips: Vec<String>,
    /// The check renews an existing connection (`update: true` in the result)
    #[arg(long)]
    pub update: bool,
    /// Pretty-print the JSON
    #[arg(long)]
    pub pretty: bool,
    /// DEVELOPMENT ONLY: send every call to this plain-HTTP loopback URL (the okta-sim
    /// simulator) instead of Okta, with the Host header set to the org; DNS checks skipped
    #[arg(long, value_name = "URL", allow_hyphen_values = true,
          value_parser = parse_dev_upstream)]
    pub dev_upstream: Option<String>,
    /// How the platform is let in: api-token (default; the token from OKTA_API_TOKEN or
    /// stdin), service-app (with --client-id and --service-app-key), client-secret (an OIN
    /// integration: --client-id, the secret from OKTA_CLIENT_SECRET or stdin)
    #[arg(long, value_name = "TYPE", allow_hyphen_values = true, value_parser = parse_credential)]
    pub credential: Option<CredentialKind>,
    /// The app's client ID (service-app, client-secret)
    #[arg(long, value_name = "ID", allow_hyphen_values = true)]
    pub client_id: Option<String>,
    /// The platform's service app private key, PKCS#8 PEM (service-app; repeatable: the first
    /// signs)
    #[arg(
        long = "service-app-key",
        value_name = "FILE",
        allow_hyphen_values = true
    )]
    pub service_app_keys: Vec<std::path::PathBuf>,
}

/// Every option that takes a value, and what it accepts: said in an error instead of the value.
/// The same options as [`Args`] (a unit test compares them). Each takes the next argument as its
/// value, whatever it starts with (`allow_hyphen_values`), as [`vet_arguments`] reads them.
pub const WITH_VALUE: &[(&str, &str)] = &[
    (
        "--org",
        "an Okta org address: acme.okta.com, https://acme.okta.com or a custom domain",
    ),
    ("--require", "one of users, groups, roles, logs"),
    ("--timeout-ms", "a whole number of milliseconds"),
    ("--upstream-timeout-ms", "a whole number of milliseconds"),
    (
        "--egress-ip",
        "an IP address: IPv4 as four decimal numbers (203.0.113.7), or IPv6",
    ),
    (
        "--credential",
        "one of api-token, service-app, client-secret",
    ),
    (
        "--client-id",
        "an Okta client ID such as 0oa1dpopreadonly0001",
    ),
    (
        "--service-app-key",
        "a file holding the platform's private key (PKCS#8 PEM)",
    ),
    (
        "--dev-upstream",
        "a plain http:// URL of a loopback address without user, path or query, such as \
         http://127.0.0.1:8081 (the local simulator)",
    ),
];

/// The options without a value.
pub const FLAGS: &[&str] = &["--update", "--pretty", "--help", "-h", "--version", "-V"];

/// Said after a refused value.
const NOT_SHOWN: &str = "(the value is not shown: it may be a secret)";

fn parse_credential(s: &str) -> Result<CredentialKind, &'static str> {
    CredentialKind::parse(&s.replace('-', "_")).ok_or("not a credential type")
}

fn parse_kind(s: &str) -> Result<DataKind, &'static str> {
    DataKind::parse(s).ok_or("not a data kind")
}

/// An IP address, written back in its usual form (IPv6 shortened and in lowercase). Only the
/// forms `std` reads: no octal or hexadecimal IPv4 parts, no zone.
fn parse_ip(s: &str) -> Result<String, &'static str> {
    s.trim()
        .parse::<IpAddr>()
        .map(|ip| ip.to_string())
        .map_err(|_| "not an IP address")
}

/// The proxy's rule for `--dev-upstream` (a plain http:// loopback origin), and no user
/// information: it would be dropped without a word (and may be a secret).
fn parse_dev_upstream(s: &str) -> Result<String, &'static str> {
    let authority = s.split_once("://").map_or("", |(_, rest)| {
        rest.split(['/', '?', '#']).next().unwrap_or("")
    });
    if authority.contains('@') {
        return Err("no user information");
    }
    okta_proxy::config::parse_dev_upstream(s).map_err(|_| "not a loopback http:// origin")
}

/// What `option` accepts, if it takes a value.
pub fn accepts(option: &str) -> Option<&'static str> {
    WITH_VALUE
        .iter()
        .find(|(name, _)| *name == option)
        .map(|(_, what)| *what)
}

/// `Err(n)`: the n-th argument (from 1) is not an option or an option's value.
pub fn vet_arguments(args: &[String]) -> Result<(), usize> {
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let name = a.split_once('=').map_or(a, |(n, _)| n);
        if accepts(name).is_some() {
            i += if a.contains('=') { 1 } else { 2 };
        } else if FLAGS.contains(&a) {
            i += 1;
        } else {
            return Err(i + 1);
        }
    }
    Ok(())
}

/// The options clap's error is about, when they are ours: the name before the value's
/// placeholder (`--require <KIND>` → `--require`). A name that is not one of ours is not
/// returned (it would be the user's text).
fn options_in(e: &clap::Error) -> Vec<&'static str> {
    let named: Vec<&str> = match e.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(s)) => vec![s.as_str()],
        Some(ContextValue::Strings(v)) => v.iter().map(String::as_str).collect(),
        _ => Vec::new(),
    };
    named
        .into_iter()
        .filter_map(|s| {
            let name = s.split([' ', '=', '<']).next().unwrap_or_default();
            WITH_VALUE
                .iter()
                .map(|(n, _)| *n)
                .chain(FLAGS.iter().copied())
                .find(|n| *n == name)
        })
        .collect()
}

/// Whether clap's error is about a missing value (`--org` last, `--org=`).
fn no_value(e: &clap::Error) -> bool {
    match e.get(ContextKind::InvalidValue) {
        None => true,
        Some(ContextValue::String(v)) => v.is_empty(),
        Some(_) => false,
    }
}

/// The message for a usage error of clap (not `--help` or `--version`), built only from the
/// options' names and what they accept: never clap's text, which may quote a value.
pub fn usage_error(e: &clap::Error) -> String {
    let options = options_in(e);
    let Some(&option) = options.first() else {
        return "the arguments are not valid (not shown: they may hold a secret). See --help."
            .to_string();
    };
    let takes = accepts(option)
        .map(|what| format!("; {option} takes {what}"))
        .unwrap_or_default();
    match e.kind() {
        ErrorKind::MissingRequiredArgument => {
            let all = options.join(", ");
            format!("{all} is required{takes}. See --help.")
        }
        ErrorKind::ArgumentConflict => {
            format!("{option} is given more than once, or with an option it excludes. See --help.")
        }
        // Asked only whether a value was given: it is not shown.
        ErrorKind::InvalidValue if no_value(e) => {
            format!("{option} needs a value{takes}.")
        }
        ErrorKind::InvalidValue
        | ErrorKind::ValueValidation
        | ErrorKind::NoEquals
        | ErrorKind::TooManyValues
        | ErrorKind::TooFewValues
        | ErrorKind::WrongNumberOfValues
        | ErrorKind::InvalidUtf8 => format!("{option}: not accepted {NOT_SHOWN}{takes}."),
        _ => format!("{option}: not accepted {NOT_SHOWN}{takes}. See --help."),
    }
}

/// What the command does with its arguments (without the program's name).
#[derive(Debug)]
pub enum Parsed {
    /// Run the check.
    Run(Box<Args>),
    /// `--help` or `--version`: print this on stdout, exit 0.
    Print(String),
    /// A usage error (exit 2), said without any value given.
    Usage(String),
}

/// Read the arguments. No value given in them is ever part of a [`Parsed::Usage`] message.
pub fn parse(args: Vec<std::ffi::OsString>) -> Parsed {
    let mut text = Vec::with_capacity(args.len());
    for (i, a) in args.into_iter().enumerate() {
        match a.into_string() {
            Ok(s) => text.push(s),
            Err(_) => {
                return Parsed::Usage(format!(
                    "argument {} is not valid text (not shown: it may be a secret). See --help.",
                    i + 1
                ))
            }
        }
    }
    if let Err(n) = vet_arguments(&text) {
        return Parsed::Usage(format!(
            "argument {n} is not an option (not shown: it may be a secret). The API token is \
             read only from OKTA_API_TOKEN or standard input, never from an argument. See --help."
        ));
    }
    let argv = std::iter::once("okta-link-check".to_string()).chain(text);
    match Args::try_parse_from(argv) {
        Ok(a) => Parsed::Run(Box::new(a)),
        Err(e) => match e.kind() {
            // Our own texts: no value in them.
            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                Parsed::Print(e.render().to_string())
            }
            _ => Parsed::Usage(usage_error(&e)),
        },
    }
}

/// The options of [`Args`] that take a value, as `--name` (from clap's definition).
pub fn options_with_value() -> Vec<String> {
    Args::command()
        .get_arguments()
        .filter(|a| a.get_action().takes_values())
        .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(args: &[&str]) -> Result<(), usize> {
        vet_arguments(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    fn p(args: &[&str]) -> Parsed {
        parse(args.iter().map(Into::into).collect())
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
        assert_eq!(v(&["--pretty=00abc"]), Err(1));
    }

    /// The table the vetting and the messages use is clap's definition: an option added to
    /// [`Args`] without a line in [`WITH_VALUE`] or [`FLAGS`] fails here.
    #[test]
    fn the_tables_are_the_options_of_args() {
        let mut with_value = options_with_value();
        with_value.sort();
        let mut table: Vec<String> = WITH_VALUE.iter().map(|(n, _)| n.to_string()).collect();
        table.sort();
        assert_eq!(with_value, table);
        let mut cmd = Args::command();
        cmd.build();
        for a in cmd.get_arguments() {
            let long = a.get_long().map(|l| format!("--{l}"));
            if !a.get_action().takes_values() {
                let long = long.expect("a flag with a long name");
                assert!(FLAGS.contains(&long.as_str()), "{long} not in FLAGS");
                if let Some(s) = a.get_short() {
                    assert!(
                        FLAGS.contains(&format!("-{s}").as_str()),
                        "-{s} not in FLAGS"
                    );
                }
            } else {
                assert!(
                    a.get_short().is_none(),
                    "a short option with a value is not vetted"
                );
                assert!(
                    a.is_allow_hyphen_values_set(),
                    "{long:?} must take -x as its value"
                );
            }
        }
    }

    #[test]
    fn refused_values_are_named_by_their_option_and_not_shown() {
        let secret = "00hunter2-secret-value-xxxxxxxxxxxxxxxxxxx";
        for (option, _) in WITH_VALUE {
            for args in [
                vec![format!("{option}={secret}")],
                vec![option.to_string(), secret.to_string()],
            ] {
                let mut all = vec!["--org".to_string(), "acme.okta.com".to_string()];
                if *option == "--org" {
                    all.clear();
                }
                all.extend(args);
                let all: Vec<&str> = all.iter().map(String::as_str).collect();
                match p(&all) {
                    Parsed::Usage(m) => {
                        assert!(!m.contains(secret), "the value of {option} is shown");
                        assert!(m.contains(option), "{option} not named: {m}");
                    }
                    // These take any text here: they are checked later (main.rs).
                    Parsed::Run(_)
                        if ["--org", "--client-id", "--service-app-key"].contains(option) => {}
                    other => panic!("{option}: {}", matches!(other, Parsed::Run(_))),
                }
            }
        }
    }

    #[test]
    fn clap_errors_become_our_messages() {
        let usage = |args: &[&str]| match p(args) {
            Parsed::Usage(m) => m,
            _ => panic!("not a usage error"),
        };
        assert_eq!(
            usage(&["--pretty"]),
            "--org is required; --org takes an Okta org address: acme.okta.com, \
             https://acme.okta.com or a custom domain. See --help."
        );
        assert_eq!(
            usage(&["--org", "a.okta.com", "--org", "b.okta.com"]),
            "--org is given more than once, or with an option it excludes. See --help."
        );
        assert_eq!(
            usage(&["--org", "a.okta.com", "--timeout-ms", "-5"]),
            "--timeout-ms: not accepted (the value is not shown: it may be a secret); \
             --timeout-ms takes a whole number of milliseconds."
        );
        assert!(usage(&["--org", "a.okta.com", "--require="]).starts_with("--require"));
        assert!(usage(&["--org"]).starts_with("--org needs a value; --org takes an Okta"));
        assert!(matches!(p(&["--help"]), Parsed::Print(h) if h.contains("OKTA_API_TOKEN")));
        assert!(matches!(p(&["--version"]), Parsed::Print(_)));
    }

    #[test]
    fn egress_ips_are_addresses_written_as_usual() {
        assert_eq!(parse_ip("203.0.113.7"), Ok("203.0.113.7".into()));
        assert_eq!(parse_ip("2001:DB8:0:0::1"), Ok("2001:db8::1".into()));
        for bad in [
            "010.0.0.1",
            "10.1",
            "0x0a.0.0.1",
            "fe80::1%eth0",
            "host",
            "",
        ] {
            assert!(parse_ip(bad).is_err(), "{bad}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn an_argument_that_is_not_text_is_refused_by_its_position() {
        use std::os::unix::ffi::OsStringExt;
        let bad = std::ffi::OsString::from_vec(b"00secret\xff".to_vec());
        match parse(vec!["--org".into(), bad]) {
            Parsed::Usage(m) => {
                assert!(m.starts_with("argument 2 is not valid text"), "{m}");
                assert!(!m.contains("00secret"));
            }
            _ => panic!("accepted"),
        }
    }
}
