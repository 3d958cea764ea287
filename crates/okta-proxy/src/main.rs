//! `okta-proxy`: see `okta-proxy --help` and the library docs.

use okta_proxy::config::LogFormat;
use okta_proxy::config::{headers_usage, parse_args, usage, Command};
use okta_proxy::log::Logger;
use okta_proxy::server::{start, Deps};
use std::io::Write;
use std::process::ExitCode;

/// mimalloc for the binary (not the library: embedders choose their own allocator).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cfg = match parse_args(&args) {
        Err(e) => {
            eprintln!("okta-proxy: {e}\n(okta-proxy --help lists every flag)");
            return ExitCode::from(2);
        }
        Ok(Command::Help) => {
            let _ = write!(std::io::stdout(), "{}", usage());
            return ExitCode::SUCCESS;
        }
        Ok(Command::HeadersHelp) => {
            let _ = write!(std::io::stdout(), "{}", headers_usage());
            return ExitCode::SUCCESS;
        }
        Ok(Command::Version) => {
            println!("okta-proxy {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Ok(Command::PrintConfig(cfg)) => {
            let _ = writeln!(std::io::stdout(), "{:#}", cfg.to_json());
            return ExitCode::SUCCESS;
        }
        Ok(Command::Headers(h)) => {
            return match okta_proxy::render_headers(&h) {
                Ok(out) => {
                    print!("{out}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("okta-proxy headers: {e}");
                    ExitCode::FAILURE
                }
            };
        }
        Ok(Command::Serve(cfg)) => cfg,
    };
    // Start-up warnings: banners on stderr, or JSON events with --log-format json (every
    // stderr line is then JSON), even with --quiet.
    let warn = |msg: &str| match cfg.log_format {
        LogFormat::Text => eprintln!("{msg}"),
        LogFormat::Json => Logger::stderr_as(LogFormat::Json).warn(msg),
    };
    if let Some(up) = &cfg.dev_upstream {
        warn(&okta_proxy::dev_warning(up));
    }
    if let Some(f) = cfg.dev_fault {
        warn(&format!(
            "!! WARNING: --dev-fault {}: every proxied answer is broken on purpose (tests only).",
            f.code()
        ));
    }
    // With --workers above 1 the connections are served on the workers' own threads
    // (src/listener.rs); this runtime only accepts, and runs the background tasks.
    let mut builder = if cfg.workers > 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    let rt = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("okta-proxy: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = rt.block_on(async move {
        let quiet = cfg.quiet;
        let format = cfg.log_format;
        let drain = cfg.drain_timeout;
        // Before the listening line: a signal from then on drains instead of killing.
        let mut signals = match Signals::new() {
            Ok(s) => s,
            Err(e) => {
                eprintln!("okta-proxy: cannot watch SIGTERM/SIGINT: {e}");
                return ExitCode::FAILURE;
            }
        };
        match start(cfg, Deps::system_as(quiet, format)).await {
            Ok(running) => {
                let mut out = std::io::stdout();
                let _ = writeln!(out, "okta-proxy listening on {}", running.url);
                let _ = out.flush();
                let notes = Logger::stderr_as(format);
                if let Some(m) = running.metrics_addr {
                    notes.note(&format!("okta-proxy metrics on http://{m}/metrics"));
                }
                let name = signals.next().await;
                notes.note(&format!(
                    "okta-proxy: {name}: no new connections; draining requests in flight (up to \
                     {} ms)",
                    drain.as_millis()
                ));
                let started = std::time::Instant::now();
                running.shutdown(drain).await;
                notes.note(&format!(
                    "okta-proxy: stopped after draining for {} ms",
                    started.elapsed().as_millis()
                ));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("okta-proxy: {e}");
                ExitCode::FAILURE
            }
        }
    });
    // Lookups still running on the blocking pool do not hold the exit.
    rt.shutdown_timeout(std::time::Duration::from_millis(500));
    code
}

/// SIGTERM (an orchestrator replacing the process) and SIGINT (Ctrl-C).
#[cfg(unix)]
struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn new() -> std::io::Result<Self> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    /// Wait for the first of them; its name.
    async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.term.recv() => "SIGTERM",
            _ = self.int.recv() => "SIGINT",
        }
    }
}

/// Elsewhere: Ctrl-C.
#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn new() -> std::io::Result<Self> {
        Ok(Signals)
    }

    async fn next(&mut self) -> &'static str {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}
