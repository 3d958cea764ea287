//! `okta-sim --listen 127.0.0.1:0 [--latency-ms N] [--quiet] [--allow-public]`
//!
//! Prints `okta-sim listening on http://ADDR` once bound, then serves until SIGINT/SIGTERM.

use okta_sim::{LogSink, Sim, SimConfig};
use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "\
usage: okta-sim [--listen ADDR] [--latency-ms N] [--quiet] [--allow-public]

  --listen ADDR     address to bind (default 127.0.0.1:0; port 0 picks a free port)
  --latency-ms N    add N ms before every answer to an org host
  --quiet           no per-request log on stderr
  --allow-public    allow a non-loopback listen address (the simulator has no authentication)

Serves the fake Okta orgs of crates/okta-sim/fixtures.json by Host header.
Control endpoints: GET /__sim/requests, /__sim/reset, /__sim/fixtures.";

struct Args {
    listen: SocketAddr,
    latency_ms: u64,
    quiet: bool,
    allow_public: bool,
}

fn parse_addr(s: &str) -> Result<SocketAddr, String> {
    let s = s.trim();
    let s = s.strip_prefix("http://").unwrap_or(s);
    if let Some(port) = s.strip_prefix("localhost:") {
        let port: u16 = port
            .parse()
            .map_err(|_| format!("invalid port in --listen {s:?}"))?;
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    s.parse()
        .map_err(|_| format!("--listen wants IP:PORT (e.g. 127.0.0.1:0), got {s:?}"))
}

fn parse_args(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut a = Args {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        latency_ms: 0,
        quiet: false,
        allow_public: false,
    };
    while let Some(arg) = it.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |n: &str| {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{n} needs a value"))
        };
        match name.as_str() {
            "--listen" => a.listen = parse_addr(&value("--listen")?)?,
            "--latency-ms" => {
                let v = value("--latency-ms")?;
                a.latency_ms = v.parse().map_err(|_| {
                    format!("--latency-ms wants a number of milliseconds, got {v:?}")
                })?;
            }
            "--quiet" | "-q" => a.quiet = true,
            "--allow-public" => a.allow_public = true,
            "--help" | "-h" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if !a.listen.ip().is_loopback() && !a.allow_public {
        return Err(format!(
            "refusing to listen on {} (not loopback): the simulator hands out fake admin data to \
             anyone; pass --allow-public if you really mean it",
            a.listen
        ));
    }
    Ok(a)
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("okta-sim: {e}\n\n{USAGE}");
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
            _ = shutdown_signal() => {
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
        parse_args(v.iter().map(|s| s.to_string()))
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
    fn refuses_public_addresses_unless_allowed() {
        let e = args(&["--listen", "0.0.0.0:8080"]).err().unwrap();
        assert!(e.contains("--allow-public"), "{e}");
        assert!(args(&["--listen", "0.0.0.0:8080", "--allow-public"]).is_ok());
        assert!(args(&["--listen", "192.168.1.5:1"]).is_err());
    }
}
