//! `okta-sim`: the simulator's binary. It reads its command line with clap, binds, prints the
//! one address line the test harnesses wait for, and serves until SIGINT or SIGTERM.
//!
//! It must never listen beyond loopback without `--allow-public` (it hands out fake admin data to
//! anyone), and never print a flag's value in an error: a token pasted into the wrong place must
//! not reach a terminal or CI log, so errors name the flag and what it accepts.

use clap::{CommandFactory, Parser};
use okta_sim::{LogSink, Sim, SimConfig};
use std::ffi::OsString;
use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

const AFTER_HELP: &str = "\
Serves the fake Okta orgs of crates/okta-sim/fixtures.json by Host header.
Control endpoints: GET /__sim/requests (the most recent), /__sim/reset, /__sim/fixtures.

Once bound it prints one line to stdout: `okta-sim listening on http://ADDR:PORT`.
SIGINT and SIGTERM end it at once with exit 0.";

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "okta-sim",
    about = "okta-sim: a local Okta for okta-link (fake orgs, tokens and faults; see its README)",
    after_help = AFTER_HELP,
    // A flag given twice takes its last value, as scripts that append an override expect.
    args_override_self = true,
    max_term_width = 100
)]
struct Args {
    /// Address to bind (loopback only unless --allow-public); port 0 picks a free one
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0", value_parser = parse_listen)]
    listen: SocketAddr,
    /// Add N ms before every answer to an org host (not to /__sim/)
    #[arg(long, value_name = "N", default_value = "0", allow_negative_numbers = true,
          value_parser = parse_latency)]
    latency_ms: u64,
    /// No per-request log on stderr
    #[arg(short, long)]
    quiet: bool,
    /// Allow a non-loopback listen address (the simulator has no authentication)
    #[arg(long)]
    allow_public: bool,
}

#[derive(Debug)]
enum Command {
    Serve(Args),
    Help,
}

/// `--listen`: `IP:PORT` or `localhost:PORT`, optionally after `http://`.
fn parse_listen(v: &str) -> Result<SocketAddr, String> {
    let v = v.trim();
    let v = v.strip_prefix("http://").unwrap_or(v);
    if let Some(port) = v.strip_prefix("localhost:") {
        let port: u16 = port
            .parse()
            .map_err(|_| "--listen: the port after localhost: is not a number from 0 to 65535")?;
        return Ok(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
    }
    v.parse()
        .map_err(|_| "--listen: not an address like 127.0.0.1:0 (IP:PORT or localhost:PORT)".into())
}

fn parse_latency(v: &str) -> Result<u64, String> {
    v.parse()
        .map_err(|_| "--latency-ms: not a whole number of milliseconds".into())
}

/// clap's error as one line naming the flag; clap's own texts quote values, so they are not used.
fn cli_error(e: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let flag = match e.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(s)) => s
            .split([' ', '=', '<'])
            .next()
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    };
    match e.kind() {
        // The reasons of parse_listen and parse_latency: the flag and what it accepts.
        ErrorKind::ValueValidation => match std::error::Error::source(e) {
            Some(reason) => reason.to_string(),
            None => format!("{flag}: not an accepted value (not shown)"),
        },
        ErrorKind::InvalidValue if !flag.is_empty() => format!("{flag} needs a value"),
        ErrorKind::TooManyValues if !flag.is_empty() => format!("{flag} takes no value"),
        ErrorKind::UnknownArgument => "an argument is not a flag okta-sim knows (it is not shown, \
                                       in case it is a secret)"
            .to_string(),
        _ if !flag.is_empty() => format!("{flag}: not accepted as given (not shown)"),
        _ => "the command line cannot be read (it is not shown, in case it holds a secret)"
            .to_string(),
    }
}

/// The arguments (without the program name), with the check that involves two flags.
fn parse_args<I, T>(args: I) -> Result<Command, String>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    use clap::error::ErrorKind;
    let argv = std::iter::once(OsString::from("okta-sim")).chain(args.into_iter().map(Into::into));
    let a = match Args::try_parse_from(argv) {
        Ok(a) => a,
        Err(e) if e.kind() == ErrorKind::DisplayHelp => return Ok(Command::Help),
        Err(e) => return Err(cli_error(&e)),
    };
    if !a.listen.ip().is_loopback() && !a.allow_public {
        return Err(
            "--listen: refusing a non-loopback address without --allow-public (the simulator \
             hands out fake admin data to anyone)"
                .into(),
        );
    }
    Ok(Command::Serve(a))
}

/// The `--help` text.
fn usage() -> String {
    Args::command().render_long_help().to_string()
}

/// SIGINT or SIGTERM. The handlers are installed when this is called (inside the runtime),
/// not when the future is first polled: a signal sent right after the address line is printed
/// must already be caught.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let term = signal(SignalKind::terminate());
        let int = signal(SignalKind::interrupt());
        async move {
            match (term, int) {
                (Ok(mut term), Ok(mut int)) => {
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = int.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args_os().skip(1)) {
        Ok(Command::Serve(a)) => a,
        Ok(Command::Help) => {
            let _ = write!(std::io::stdout(), "{}", usage());
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("okta-sim: {e}\n(okta-sim --help lists every flag)");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("okta-sim: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(async move {
        let cfg = SimConfig {
            latency: Duration::from_millis(args.latency_ms),
            log: if args.quiet {
                LogSink::Off
            } else {
                LogSink::Stderr
            },
            ..SimConfig::default()
        };
        let sim = Sim::new(cfg);
        let listener = match tokio::net::TcpListener::bind(args.listen).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("okta-sim: cannot listen on {}: {e}", args.listen);
                return ExitCode::FAILURE;
            }
        };
        let addr = match listener.local_addr() {
            Ok(a) => a,
            Err(e) => {
                eprintln!("okta-sim: {e}");
                return ExitCode::FAILURE;
            }
        };
        let stop = shutdown_signal();
        {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "okta-sim listening on http://{addr}");
            let _ = out.flush();
        }
        if !addr.ip().is_loopback() {
            eprintln!("okta-sim: WARNING: listening on a public address ({addr})");
        }
        tokio::select! {
            r = okta_sim::serve(listener, sim) => match r {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("okta-sim: server error: {e}");
                    ExitCode::FAILURE
                }
            },
            _ = stop => {
                eprintln!("okta-sim: stopping");
                ExitCode::SUCCESS
            }
        }
    });
    // Open connections (a dripping or stalled fault) must not hold the exit.
    runtime.shutdown_timeout(Duration::from_millis(200));
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Result<Args, String> {
        match parse_args(v)? {
            Command::Serve(a) => Ok(a),
            Command::Help => panic!("{v:?} asks for help"),
        }
    }

    #[test]
    fn parses_the_documented_flags() {
        let a = args(&["--listen", "127.0.0.1:0", "--latency-ms", "100", "--quiet"]).unwrap();
        assert_eq!(a.listen, "127.0.0.1:0".parse().unwrap());
        assert_eq!(a.latency_ms, 100);
        assert!(a.quiet);
        let a = args(&["--listen=[::1]:8080"]).unwrap();
        assert_eq!(a.listen.port(), 8080);
        assert!(args(&[]).unwrap().listen.ip().is_loopback());
        assert!(args(&["--bogus"]).is_err());
        assert!(args(&["--latency-ms", "x"]).is_err());
    }

    #[test]
    fn defaults_spellings_and_repeats() {
        let a = args(&[]).unwrap();
        assert_eq!(a.listen, "127.0.0.1:0".parse().unwrap());
        assert_eq!((a.latency_ms, a.quiet, a.allow_public), (0, false, false));
        assert_eq!(
            args(&["--listen", "localhost:8788"]).unwrap().listen.port(),
            8788
        );
        assert_eq!(
            args(&["--listen", " http://127.0.0.1:9 "])
                .unwrap()
                .listen
                .port(),
            9
        );
        assert!(args(&["-q"]).unwrap().quiet);
        let a = args(&["--latency-ms", "5", "--quiet", "--latency-ms=7", "--quiet"]).unwrap();
        assert_eq!(a.latency_ms, 7);
        for bad in [
            &["--latency-ms"][..],
            &["--latency-ms", "-5"],
            &["--listen", "localhost:http"],
            &["--listen", "acme.okta.com:80"],
            &["stray"],
        ] {
            assert!(args(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn refuses_public_addresses_unless_allowed() {
        let e = args(&["--listen", "0.0.0.0:8080"]).err().unwrap();
        assert!(e.contains("--allow-public"), "{e}");
        assert!(args(&["--listen", "0.0.0.0:8080", "--allow-public"]).is_ok());
        assert!(args(&["--listen", "192.168.1.5:1"]).is_err());
    }

    #[test]
    fn help_lists_every_flag() {
        assert!(matches!(parse_args(["--help"]), Ok(Command::Help)));
        assert!(matches!(parse_args(["-h"]), Ok(Command::Help)));
        let help = usage();
        for flag in [
            "--listen",
            "--latency-ms",
            "--quiet",
            "--allow-public",
            "127.0.0.1:0",
        ] {
            assert!(help.contains(flag), "{flag} missing from\n{help}");
        }
    }

    #[test]
    fn no_flag_echoes_its_value() {
        let secrets = [
            "00SECRETpastedTOKENvalue0123456789abcdefgh",
            "SSWS 00SECRETpastedTOKENvalue0123456789abcd",
            "https://SECRET.example/x?token=SECRET",
            "-00SECRET",
            "127.0.0.1:SECRET",
            "localhost:SECRET",
            "SECRET",
        ];
        let mut checked = 0;
        for a in Args::command().get_arguments() {
            let Some(long) = a.get_long() else { continue };
            let flag = format!("--{long}");
            for secret in secrets {
                let mut forms = vec![vec![format!("{flag}={secret}")]];
                if a.get_action().takes_values() {
                    forms.push(vec![flag.clone(), secret.to_string()]);
                }
                for form in forms {
                    let e = match parse_args(&form) {
                        Ok(_) => continue,
                        Err(e) => e,
                    };
                    checked += 1;
                    assert!(!e.contains("SECRET"), "{form:?} is echoed: {e}");
                    // (`--flag -VALUE` reads as an unknown flag, refused without naming one.)
                    assert!(
                        (form.len() == 2 && secret.starts_with('-')) || e.contains(&flag),
                        "{form:?}: the error does not name {flag}: {e}"
                    );
                }
            }
        }
        assert!(checked >= 20, "only {checked} refusals checked");
        for stray in ["00SECRETpastedTOKEN", "--00SECRET", "-SECRET"] {
            let e = parse_args([stray]).unwrap_err();
            assert!(!e.contains("SECRET"), "a stray argument is echoed: {e}");
        }
    }
}
