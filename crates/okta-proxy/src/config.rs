//! Command-line parsing (hand-rolled: no clap, to keep build times down).

use crate::cors::normalize_origin;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

pub const USAGE: &str = "\
okta-proxy: reference proxy for the okta-link page (forwards read-only Okta API calls)

USAGE:
  okta-proxy [--listen 127.0.0.1:8787] [--allow-origin ORIGIN]... [--prefix /okta]
             [--serve-dist DIR] [--page-config FILE] [--connect-src ORIGIN]...
             [--dev-upstream http://127.0.0.1:PORT] [--timeout-ms 10000]
             [--max-body-bytes 1048576] [--rate-limit-per-minute 120]
             [--max-concurrent-upstream 256] [--header-read-timeout-ms 10000]
             [--idle-timeout-ms 30000] [--max-connections-per-client 64]
             [--max-connections 512] [--quiet] [--allow-public]
  okta-proxy headers --dist DIR [--allow-origin ORIGIN]... [--connect-src ORIGIN]...
             [--page-config FILE] [--format headers|nginx]

Proxy: GET {prefix}/{host}{path} forwards to https://{host}{path} (see docs/proxy-contract.md).

  --listen ADDR               address to bind (loopback only unless --allow-public); port 0 picks one
  --allow-origin ORIGIN       page origin allowed to call the proxy (CORS) and to frame the page;
                              repeatable
  --prefix PATH               path prefix of proxy requests (default /okta)
  --serve-dist DIR            also serve the built page from DIR (index.html at /)
  --page-config FILE          serve FILE as /config.json instead of DIR/config.json
  --connect-src ORIGIN        extra origin for the page's CSP connect-src; repeatable
  --dev-upstream URL          DEVELOPMENT ONLY: send all upstream traffic to this plain-HTTP loopback
                              URL (the Okta simulator) with Host set to the target host
  --dev-fault KIND            DEVELOPMENT ONLY (needs --dev-upstream): break proxied answers for tests:
                              no-cors (no CORS headers), reset (half the body, then the connection
                              drops) or stall (never answer)
  --timeout-ms N              upstream connect + total time limit (default 10000)
  --max-body-bytes N          largest upstream body passed on (default 1048576)
  --rate-limit-per-minute N   requests per minute per client address, 0 = off (default 120)
  --max-concurrent-upstream N upstream calls in flight at once; more wait for a slot within their
                              time limit (default 256; bounds memory: N x --max-body-bytes)
  --header-read-timeout-ms N  a request head must be complete N ms after its first byte, or the
                              connection is closed (default 10000)
  --idle-timeout-ms N         a connection with no request being handled and no byte moving
                              (fresh, keep-alive between requests, an answer not read) is closed
                              after N ms; a request in flight is never cut (default 30000)
  --max-connections-per-client N
                              open connections from one client address (IPv6: one /64); more
                              are closed at once (default 64; behind a reverse proxy every
                              connection has its address: raise it to --max-connections)
  --max-connections N         open connections in all; more are closed at once (default 512;
                              keep N + --max-concurrent-upstream well under `ulimit -n`)
  --quiet                     no per-request log lines
  --allow-public              allow listening on a non-loopback address

On start it prints one line to stdout: `okta-proxy listening on http://ADDR:PORT`.
";

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub allow_public: bool,
    /// Normalized origins (`scheme://host[:port]`).
    pub allow_origins: Vec<String>,
    /// `""` or `/something` without a trailing slash.
    pub prefix: String,
    pub serve_dist: Option<PathBuf>,
    pub page_config: Option<PathBuf>,
    pub connect_src: Vec<String>,
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub dev_upstream: Option<String>,
    /// DEVELOPMENT ONLY, with `dev_upstream`: break proxied answers this way.
    pub dev_fault: Option<crate::fault::Fault>,
    pub timeout: Duration,
    pub max_body_bytes: usize,
    pub rate_limit_per_minute: u32,
    /// Upstream calls in flight at once; more wait (within their time budget) for a slot.
    pub max_concurrent_upstream: usize,
    /// From the first byte of a request to the end of its head.
    pub header_read_timeout: Duration,
    /// A connection with no request being handled and no byte moving is closed after this.
    pub idle_timeout: Duration,
    /// Open connections from one client address (IPv6 by /64).
    pub max_connections_per_client: usize,
    /// Open connections in all.
    pub max_connections: usize,
    pub quiet: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8787),
            allow_public: false,
            allow_origins: Vec::new(),
            prefix: "/okta".into(),
            serve_dist: None,
            page_config: None,
            connect_src: Vec::new(),
            dev_upstream: None,
            dev_fault: None,
            timeout: Duration::from_millis(10_000),
            max_body_bytes: 1 << 20,
            rate_limit_per_minute: 120,
            max_concurrent_upstream: 256,
            header_read_timeout: Duration::from_millis(10_000),
            idle_timeout: Duration::from_millis(30_000),
            max_connections_per_client: 64,
            max_connections: 512,
            quiet: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadersFormat {
    /// Netlify / Cloudflare Pages `_headers`.
    Headers,
    Nginx,
}

/// `okta-proxy headers …`
#[derive(Debug, Clone)]
pub struct HeadersArgs {
    pub dist: PathBuf,
    pub allow_origins: Vec<String>,
    pub connect_src: Vec<String>,
    pub page_config: Option<PathBuf>,
    pub format: HeadersFormat,
}

#[derive(Debug, Clone)]
pub enum Command {
    Serve(Config),
    Headers(HeadersArgs),
    Help,
}

/// Split `--flag=value` / `--flag value` pairs.
struct Args<'a> {
    items: &'a [String],
    i: usize,
}

impl<'a> Args<'a> {
    fn next_flag(&mut self) -> Option<(String, Option<String>)> {
        let a = self.items.get(self.i)?;
        self.i += 1;
        match a.split_once('=') {
            Some((f, v)) if a.starts_with("--") => Some((f.to_string(), Some(v.to_string()))),
            _ => Some((a.clone(), None)),
        }
    }

    fn value(&mut self, flag: &str, inline: Option<String>) -> Result<String, String> {
        if let Some(v) = inline {
            return Ok(v);
        }
        let v = self
            .items
            .get(self.i)
            .ok_or_else(|| format!("{flag} needs a value"))?;
        self.i += 1;
        Ok(v.clone())
    }
}

fn number<T: std::str::FromStr>(flag: &str, v: &str) -> Result<T, String> {
    v.parse()
        .map_err(|_| format!("{flag}: {v:?} is not a valid number"))
}

/// Longest connection timeout accepted (a day, in milliseconds).
pub const MAX_TIMEOUT_MS: u64 = 86_400_000;

/// A connection timeout in milliseconds: 1 to [`MAX_TIMEOUT_MS`].
fn millis(flag: &str, v: &str) -> Result<Duration, String> {
    let ms: u64 = number(flag, v)?;
    if ms == 0 || ms > MAX_TIMEOUT_MS {
        return Err(format!(
            "{flag}: {ms} is out of range (1 to {MAX_TIMEOUT_MS} milliseconds)"
        ));
    }
    Ok(Duration::from_millis(ms))
}

/// A connection count: at least 1.
fn positive(flag: &str, v: &str) -> Result<usize, String> {
    let n: usize = number(flag, v)?;
    if n == 0 {
        return Err(format!("{flag} must be at least 1"));
    }
    Ok(n)
}

/// Parse `--listen`: an IP:port, or `localhost:PORT`.
pub fn parse_listen(v: &str) -> Result<SocketAddr, String> {
    if let Some(port) = v.strip_prefix("localhost:") {
        return Ok(SocketAddr::new(
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            number("--listen", port)?,
        ));
    }
    v.parse()
        .map_err(|_| format!("--listen: {v:?} is not an address like 127.0.0.1:8787"))
}

/// Parse `--prefix`: `/okta` → `/okta`; `/` or empty → no prefix.
pub fn parse_prefix(v: &str) -> Result<String, String> {
    let p = v.trim_end_matches('/');
    if p.is_empty() {
        return Ok(String::new());
    }
    if !p.starts_with('/')
        || p.contains("//")
        || !p
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.'))
        || p.split('/').any(|s| s == "." || s == "..")
    {
        return Err(format!("--prefix: {v:?} must look like /okta"));
    }
    Ok(p.to_string())
}

/// Parse `--dev-upstream`: plain http on a loopback address.
pub fn parse_dev_upstream(v: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(v).map_err(|e| format!("--dev-upstream: {v:?}: {e}"))?;
    if url.scheme() != "http" {
        return Err("--dev-upstream must be a plain http:// URL (the local simulator)".into());
    }
    let host = url.host_str().unwrap_or("");
    let loopback = host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|a| a.is_loopback());
    if !loopback {
        return Err("--dev-upstream must point at a loopback address".into());
    }
    if url.path() != "/" || url.query().is_some() {
        return Err("--dev-upstream takes no path or query".into());
    }
    Ok(url.origin().ascii_serialization())
}

fn origin_list(flag: &str, v: &str) -> Result<String, String> {
    normalize_origin(v).map_err(|e| format!("{flag}: {e}"))
}

pub fn parse_args(args: &[String]) -> Result<Command, String> {
    if args.first().map(String::as_str) == Some("headers") {
        return parse_headers_args(&args[1..]).map(Command::Headers);
    }
    let mut c = Config::default();
    let mut a = Args { items: args, i: 0 };
    while let Some((flag, inline)) = a.next_flag() {
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--listen" => c.listen = parse_listen(&a.value(&flag, inline)?)?,
            "--allow-origin" => {
                let o = origin_list(&flag, &a.value(&flag, inline)?)?;
                if !c.allow_origins.contains(&o) {
                    c.allow_origins.push(o);
                }
            }
            "--connect-src" => {
                let o = origin_list(&flag, &a.value(&flag, inline)?)?;
                c.connect_src.push(o);
            }
            "--prefix" => c.prefix = parse_prefix(&a.value(&flag, inline)?)?,
            "--serve-dist" => c.serve_dist = Some(a.value(&flag, inline)?.into()),
            "--page-config" => c.page_config = Some(a.value(&flag, inline)?.into()),
            "--dev-upstream" => {
                c.dev_upstream = Some(parse_dev_upstream(&a.value(&flag, inline)?)?)
            }
            "--dev-fault" => {
                let v = a.value(&flag, inline)?;
                c.dev_fault =
                    Some(crate::fault::Fault::parse(&v).ok_or_else(|| {
                        format!("--dev-fault: {v:?} is not no-cors, reset or stall")
                    })?);
            }
            "--timeout-ms" => {
                let ms: u64 = number(&flag, &a.value(&flag, inline)?)?;
                if ms == 0 {
                    return Err("--timeout-ms must be positive".into());
                }
                c.timeout = Duration::from_millis(ms);
            }
            "--max-body-bytes" => {
                c.max_body_bytes = number(&flag, &a.value(&flag, inline)?)?;
                if c.max_body_bytes == 0 {
                    return Err("--max-body-bytes must be positive".into());
                }
            }
            "--rate-limit-per-minute" => {
                c.rate_limit_per_minute = number(&flag, &a.value(&flag, inline)?)?
            }
            "--max-concurrent-upstream" => {
                c.max_concurrent_upstream = number(&flag, &a.value(&flag, inline)?)?;
                if c.max_concurrent_upstream == 0 {
                    return Err("--max-concurrent-upstream must be positive".into());
                }
            }
            "--header-read-timeout-ms" => {
                c.header_read_timeout = millis(&flag, &a.value(&flag, inline)?)?
            }
            "--idle-timeout-ms" => c.idle_timeout = millis(&flag, &a.value(&flag, inline)?)?,
            "--max-connections-per-client" => {
                c.max_connections_per_client = positive(&flag, &a.value(&flag, inline)?)?
            }
            "--max-connections" => c.max_connections = positive(&flag, &a.value(&flag, inline)?)?,
            "--quiet" => c.quiet = true,
            "--allow-public" => c.allow_public = true,
            other => return Err(format!("unknown argument {other:?} (see --help)")),
        }
    }
    if !c.listen.ip().is_loopback() && !c.allow_public {
        return Err(format!(
            "refusing to listen on {} (not loopback) without --allow-public",
            c.listen
        ));
    }
    if c.dev_fault.is_some() && c.dev_upstream.is_none() {
        return Err("--dev-fault is for development only and needs --dev-upstream".into());
    }
    if c.serve_dist.is_some() && c.prefix.is_empty() {
        return Err("--serve-dist needs a --prefix for the proxy (e.g. /okta)".into());
    }
    Ok(Command::Serve(c))
}

fn parse_headers_args(args: &[String]) -> Result<HeadersArgs, String> {
    let mut dist = None;
    let mut h = HeadersArgs {
        dist: PathBuf::new(),
        allow_origins: Vec::new(),
        connect_src: Vec::new(),
        page_config: None,
        format: HeadersFormat::Headers,
    };
    let mut a = Args { items: args, i: 0 };
    while let Some((flag, inline)) = a.next_flag() {
        match flag.as_str() {
            "--dist" => dist = Some(PathBuf::from(a.value(&flag, inline)?)),
            "--allow-origin" => h
                .allow_origins
                .push(origin_list(&flag, &a.value(&flag, inline)?)?),
            "--connect-src" => h
                .connect_src
                .push(origin_list(&flag, &a.value(&flag, inline)?)?),
            "--page-config" => h.page_config = Some(a.value(&flag, inline)?.into()),
            "--format" => {
                h.format = match a.value(&flag, inline)?.as_str() {
                    "headers" | "_headers" | "netlify" | "cloudflare" => HeadersFormat::Headers,
                    "nginx" => HeadersFormat::Nginx,
                    f => return Err(format!("--format: {f:?} is not headers or nginx")),
                }
            }
            other => return Err(format!("headers: unknown argument {other:?}")),
        }
    }
    h.dist = dist.ok_or("headers: --dist DIR is required")?;
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    fn serve(s: &str) -> Result<Config, String> {
        match parse_args(&args(s))? {
            Command::Serve(c) => Ok(c),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn full_command_line() {
        let c = serve(
            "--listen 127.0.0.1:0 --allow-origin http://127.0.0.1:1234/ --allow-origin=https://portal.example.com \
             --prefix /okta/ --serve-dist ./dist --page-config cfg.json --dev-upstream http://127.0.0.1:9999 \
             --timeout-ms 250 --max-body-bytes 1000 --rate-limit-per-minute 5 --quiet --connect-src https://api.example.com",
        )
        .unwrap();
        assert_eq!(c.listen.port(), 0);
        assert_eq!(
            c.allow_origins,
            vec!["http://127.0.0.1:1234", "https://portal.example.com"]
        );
        assert_eq!(c.prefix, "/okta");
        assert_eq!(c.dev_upstream.as_deref(), Some("http://127.0.0.1:9999"));
        assert_eq!(c.timeout, Duration::from_millis(250));
        assert_eq!(c.max_body_bytes, 1000);
        assert_eq!(c.rate_limit_per_minute, 5);
        assert!(c.quiet);
        assert_eq!(c.connect_src, vec!["https://api.example.com"]);
    }

    #[test]
    fn defaults() {
        let c = serve("").unwrap();
        assert_eq!(c.prefix, "/okta");
        assert_eq!(c.timeout, Duration::from_secs(10));
        assert_eq!(c.max_body_bytes, 1048576);
        assert_eq!(c.rate_limit_per_minute, 120);
        assert!(c.dev_upstream.is_none());
        assert!(c.listen.ip().is_loopback());
        assert_eq!(c.header_read_timeout, Duration::from_secs(10));
        assert_eq!(c.idle_timeout, Duration::from_secs(30));
        assert_eq!(c.max_connections_per_client, 64);
        assert_eq!(c.max_connections, 512);
    }

    #[test]
    fn connection_limit_flags() {
        let c = serve(
            "--header-read-timeout-ms 1500 --idle-timeout-ms=2500 \
             --max-connections-per-client 3 --max-connections=7",
        )
        .unwrap();
        assert_eq!(c.header_read_timeout, Duration::from_millis(1500));
        assert_eq!(c.idle_timeout, Duration::from_millis(2500));
        assert_eq!(c.max_connections_per_client, 3);
        assert_eq!(c.max_connections, 7);
        let c = serve("--idle-timeout-ms 86400000 --header-read-timeout-ms 1").unwrap();
        assert_eq!(c.idle_timeout, Duration::from_secs(86_400));
        assert_eq!(c.header_read_timeout, Duration::from_millis(1));
        // Every bad value is refused with a message naming its flag.
        for flag in [
            "--header-read-timeout-ms",
            "--idle-timeout-ms",
            "--max-connections-per-client",
            "--max-connections",
        ] {
            let timeout = flag.ends_with("-ms");
            let mut bad = vec!["0", "-1", "x", "1.5", "", "18446744073709551616"];
            if timeout {
                bad.push("86400001");
            }
            for v in bad {
                for line in [
                    vec![flag.to_string(), v.to_string()],
                    vec![format!("{flag}={v}")],
                ] {
                    let e = match parse_args(&line) {
                        Err(e) => e,
                        Ok(c) => panic!("{line:?} accepted: {c:?}"),
                    };
                    assert!(e.starts_with(flag), "{line:?}: {e}");
                }
            }
            let e = parse_args(&[flag.to_string()]).unwrap_err();
            assert_eq!(e, format!("{flag} needs a value"));
            assert!(USAGE.contains(flag), "{flag} in USAGE");
        }
    }

    #[test]
    fn refuses_public_listen_and_bad_values() {
        assert!(serve("--listen 0.0.0.0:8080").is_err());
        assert!(serve("--listen 0.0.0.0:8080 --allow-public").is_ok());
        assert!(serve("--listen [::1]:0").is_ok());
        assert!(serve("--listen localhost:0").is_ok());
        for bad in [
            "--dev-upstream https://127.0.0.1:1",
            "--dev-upstream http://10.0.0.1:1",
            "--dev-upstream http://example.com",
            "--dev-upstream http://127.0.0.1:1/x",
            "--allow-origin *",
            "--allow-origin https://x.example/path",
            "--prefix okta",
            "--prefix /../x",
            "--timeout-ms 0",
            "--timeout-ms x",
            "--max-body-bytes 0",
            "--bogus",
            "--listen",
            "--serve-dist dist --prefix /",
        ] {
            assert!(serve(bad).is_err(), "{bad}");
        }
        assert!(matches!(parse_args(&args("--help")), Ok(Command::Help)));
    }

    #[test]
    fn headers_subcommand() {
        match parse_args(&args(
            "headers --dist dist --allow-origin http://127.0.0.1:1 --format nginx",
        ))
        .unwrap()
        {
            Command::Headers(h) => {
                assert_eq!(h.dist, PathBuf::from("dist"));
                assert_eq!(h.format, HeadersFormat::Nginx);
                assert_eq!(h.allow_origins, vec!["http://127.0.0.1:1"]);
            }
            other => panic!("{other:?}"),
        }
        assert!(parse_args(&args("headers")).is_err());
        assert!(parse_args(&args("headers --dist d --format apache")).is_err());
    }
}
