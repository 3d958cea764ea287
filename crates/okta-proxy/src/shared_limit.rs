//! The rate-limit buckets in Redis (`--rate-limit-redis URL`), so that N replicas behind a load
//! balancer enforce one limit per client. The bucket allows what [`crate::ratelimit`]'s governor
//! quota allows (`per_minute` tokens, refilled `per_minute` per minute, per client key), kept in
//! a Redis hash and updated atomically by a Lua script on Redis's own clock.
//!
//! A rate limiter's outage must not become the page's outage: when Redis does not answer within
//! [`REDIS_TIMEOUT`], the caller falls back to the replica's own buckets, and Redis is tried again
//! after [`RETRY_AFTER`]. The server logs each change and exposes it in its metrics.

use crate::ratelimit::client_key;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Longest wait for one Redis round trip before the replica's own limit is used.
pub const REDIS_TIMEOUT: Duration = Duration::from_millis(300);
/// After a failure, Redis is not asked again for this long.
pub const RETRY_AFTER: Duration = Duration::from_secs(2);
/// Longest wait for the first connection at start.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// KEYS[1] = bucket, ARGV[1] = tokens per minute. Returns {allowed (0/1), seconds to wait}.
const SCRIPT: &str = r"
local cap = tonumber(ARGV[1])
local per_ms = cap / 60000
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1]) or cap
local ts = tonumber(b[2]) or now
if now > ts then
  tokens = math.min(cap, tokens + (now - ts) * per_ms)
end
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.max(1, math.ceil((1 - tokens) / per_ms / 1000))
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(math.max(now, ts)))
redis.call('PEXPIRE', KEYS[1], math.ceil(cap / per_ms) + 1000)
return {allowed, wait}
";

/// The shared buckets.
pub struct SharedLimiter {
    conn: ConnectionManager,
    script: redis::Script,
    per_minute: u32,
    /// Set while Redis is failing: not asked again before this instant.
    down_until: Mutex<Option<Instant>>,
}

/// Whether a query key of a Redis URL names a credential (compared without regard to case).
/// The redis crate reads the password of a `redis+unix://` or `unix://` URL from `pass` (and
/// the user, not a secret, from `user`); `password` and the like are what people write by habit
/// or by mistake, in any form of URL: hidden too, as is any key naming a password, secret,
/// token, key or credential.
fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["pass", "pwd", "secret", "token", "auth", "key", "cred"]
        .iter()
        .any(|word| key.contains(word))
}

/// What stands for a hidden value.
const HIDDEN: &str = "***";

/// A Redis URL for messages and `--print-config`: the password of its user information and the
/// value of every query key naming a credential ([`is_secret_key`]: `pass`, `password`, …)
/// replaced by `***`. A URL that does not parse is `(unparsable URL)`.
pub fn redacted(url: &str) -> String {
    let Ok(mut u) = url::Url::parse(url) else {
        return "(unparsable URL)".into();
    };
    if u.password().is_some() && u.set_password(Some(HIDDEN)).is_err() {
        return "(unparsable URL)".into();
    }
    if u.query().is_some() {
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, v)| {
                let v = if is_secret_key(&k) {
                    HIDDEN.to_string()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    u.to_string()
}

/// Every spelling of every secret in `url`, longest first: the user information's password and
/// each credential's query value ([`is_secret_key`]), as written, as the `url` crate writes
/// them, and decoded (as the redis crate reads them).
fn secrets(url: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut add = |raw: &str| {
        found.push(raw.to_string());
        found.push(percent_decode(raw));
        found.push(percent_decode(&raw.replace('+', " ")));
    };
    // The text as given, and as the `url` crate writes it back.
    let parsed = url::Url::parse(url).ok();
    let mut texts = vec![url.to_string()];
    texts.extend(parsed.as_ref().map(|u| u.to_string()));
    for text in &texts {
        let (head, query) = text.split_once('?').unwrap_or((text, ""));
        let query = query.split('#').next().unwrap_or_default();
        // `scheme://user:password@host…`: the authority ends at the first `/`.
        let authority = head.split_once("://").map_or("", |(_, rest)| {
            rest.split(['/', '#']).next().unwrap_or_default()
        });
        if let Some((userinfo, _)) = authority.rsplit_once('@') {
            if let Some((_, password)) = userinfo.split_once(':') {
                add(password);
            }
        }
        for pair in query.split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            if is_secret_key(key) || is_secret_key(&percent_decode(&key.replace('+', " "))) {
                add(value);
            }
        }
    }
    if let Some(u) = &parsed {
        if let Some(password) = u.password() {
            add(password);
        }
        for (key, value) in u.query_pairs() {
            if is_secret_key(&key) {
                found.push(value.into_owned());
            }
        }
    }
    found.retain(|s| !s.is_empty());
    found.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    found.dedup();
    found
}

/// `%XX` decoded (not `+`), invalid UTF-8 replaced.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
        let high = bytes.get(i + 1).copied().and_then(hex);
        let low = bytes.get(i + 2).copied().and_then(hex);
        match (bytes[i], high, low) {
            (b'%', Some(h), Some(l)) => {
                out.push(h * 16 + l);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `msg` without any secret of `url` ([`secrets`]), each replaced by `***`.
fn hide_password(url: &str, msg: &str) -> String {
    let mut msg = msg.to_string();
    for secret in secrets(url) {
        msg = msg.replace(&secret, HIDDEN);
    }
    msg
}

/// What one check said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shared {
    /// Redis answered: `Ok` or `Err(seconds to wait)`.
    Answer(Result<(), u64>),
    /// Redis did not answer now (the message says why); it was answering before.
    Failed(String),
    /// Redis is known to be down; not asked.
    Skipped,
}

impl SharedLimiter {
    /// Connect (errors name `--rate-limit-redis`).
    pub async fn connect(url: &str, per_minute: u32) -> Result<Self, String> {
        let shown = redacted(url);
        let client = redis::Client::open(url).map_err(|e| {
            format!(
                "--rate-limit-redis: {shown} is not a Redis URL: {}",
                hide_password(url, &e.to_string())
            )
        })?;
        let config = ConnectionManagerConfig::new()
            .set_number_of_retries(1)
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(REDIS_TIMEOUT));
        let conn = tokio::time::timeout(
            CONNECT_TIMEOUT,
            ConnectionManager::new_with_config(client, config),
        )
        .await
        .map_err(|_| format!("--rate-limit-redis: {shown} did not answer in time"))?
        .map_err(|e| {
            format!(
                "--rate-limit-redis: cannot reach {shown}: {}",
                hide_password(url, &e.to_string())
            )
        })?;
        let this = SharedLimiter {
            conn,
            script: redis::Script::new(SCRIPT),
            per_minute,
            down_until: Mutex::new(None),
        };
        let mut c = this.conn.clone();
        let pong: Result<String, _> =
            tokio::time::timeout(CONNECT_TIMEOUT, redis::cmd("PING").query_async(&mut c))
                .await
                .map_err(|_| format!("--rate-limit-redis: {shown} did not answer in time"))?;
        pong.map_err(|e| {
            format!(
                "--rate-limit-redis: {shown} refused PING: {}",
                hide_password(url, &e.to_string())
            )
        })?;
        Ok(this)
    }

    fn key(ip: IpAddr) -> String {
        format!("okta-proxy:rate:{}", client_key(ip))
    }

    /// Take one token for `ip` from the shared bucket.
    pub async fn check(&self, ip: IpAddr) -> Shared {
        if self.per_minute == 0 {
            return Shared::Answer(Ok(()));
        }
        let now = Instant::now();
        {
            let mut down = self.down_until.lock().unwrap_or_else(|p| p.into_inner());
            match *down {
                Some(until) if now < until => return Shared::Skipped,
                _ => {}
            }
            if down.is_some() {
                // Try again, once; others keep skipping meanwhile.
                *down = Some(now + RETRY_AFTER);
            }
        }
        let mut conn = self.conn.clone();
        let mut inv = self.script.key(Self::key(ip));
        inv.arg(self.per_minute);
        let res: Result<Result<(i64, i64), redis::RedisError>, _> =
            tokio::time::timeout(REDIS_TIMEOUT, inv.invoke_async(&mut conn)).await;
        let failure = match res {
            Ok(Ok((allowed, wait))) => {
                *self.down_until.lock().unwrap_or_else(|p| p.into_inner()) = None;
                return Shared::Answer(if allowed == 1 {
                    Ok(())
                } else {
                    Err(wait.max(1) as u64)
                });
            }
            Ok(Err(e)) => format!("Redis error: {}", e.category()),
            Err(_) => format!("no answer within {} ms", REDIS_TIMEOUT.as_millis()),
        };
        *self.down_until.lock().unwrap_or_else(|p| p.into_inner()) =
            Some(Instant::now() + RETRY_AFTER);
        Shared::Failed(failure)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PW: &str = "S3cr3t-pw";

    /// Every form of URL the redis crate reads a password from, and the forms people write by
    /// habit: each with what `--print-config` and the messages show.
    const FORMS: &[(&str, &str)] = &[
        (
            "redis://:S3cr3t-pw@127.0.0.1:6379/0",
            "redis://:***@127.0.0.1:6379/0",
        ),
        (
            "redis://alice:S3cr3t-pw@127.0.0.1:6379",
            "redis://alice:***@127.0.0.1:6379",
        ),
        (
            "rediss://alice:S3cr3t-pw@cache.example:6380/1#insecure",
            "rediss://alice:***@cache.example:6380/1#insecure",
        ),
        (
            "valkey://:S3cr3t-pw@cache.example",
            "valkey://:***@cache.example",
        ),
        (
            "valkeys://u:S3cr3t-pw@cache.example",
            "valkeys://u:***@cache.example",
        ),
        (
            "redis://:S3cr3t-pw%40with%3Aencoded@cache.example",
            "redis://:***@cache.example",
        ),
        (
            "redis+unix:///run/redis.sock?pass=S3cr3t-pw",
            "redis+unix:///run/redis.sock?pass=***",
        ),
        (
            "unix:///run/redis.sock?db=2&pass=S3cr3t-pw&user=alice",
            "unix:///run/redis.sock?db=2&pass=***&user=alice",
        ),
        (
            "valkey+unix:///run/redis.sock?pass=S3cr3t-pw",
            "valkey+unix:///run/redis.sock?pass=***",
        ),
        (
            "redis+unix:///x.sock?password=S3cr3t-pw",
            "redis+unix:///x.sock?password=***",
        ),
        (
            "redis+unix:///x.sock?PASS=S3cr3t-pw&Password=S3cr3t-pw2",
            "redis+unix:///x.sock?PASS=***&Password=***",
        ),
        (
            "redis+unix:///x.sock?pass=first&pass=S3cr3t-pw",
            "redis+unix:///x.sock?pass=***&pass=***",
        ),
        (
            "redis+unix:///x.sock?p%61ss=S3cr3t-pw",
            "redis+unix:///x.sock?pass=***",
        ),
        (
            "redis+unix:///x.sock?pass=S3cr3t-pw+with%26more",
            "redis+unix:///x.sock?pass=***",
        ),
        (
            "redis://127.0.0.1:6379/0?password=S3cr3t-pw&protocol=resp3",
            "redis://127.0.0.1:6379/0?password=***&protocol=resp3",
        ),
        (
            "redis://u:S3cr3t-pw@127.0.0.1/?auth=S3cr3t-pw&requirepass=S3cr3t-pw&token=S3cr3t-pw",
            "redis://u:***@127.0.0.1/?auth=***&requirepass=***&token=***",
        ),
        ("redis://:S3cr3t-pw@[bad", "(unparsable URL)"),
        ("not a url S3cr3t-pw", "(unparsable URL)"),
        ("redis+unix://u:S3cr3t-pw@/x.sock", "(unparsable URL)"),
    ];

    #[test]
    fn every_secret_bearing_form_is_redacted() {
        for (url, shown) in FORMS {
            assert_eq!(redacted(url), *shown, "{url}");
            assert!(!redacted(url).contains(PW), "{url}");
            // A message quoting the URL, and the password as the redis crate reads it.
            let read = redis::IntoConnectionInfo::into_connection_info(*url)
                .ok()
                .and_then(|i| i.redis_settings().password().map(str::to_string));
            let msg = format!("{url} / {}", read.unwrap_or_default());
            // (Text without a URL's shape has no password to find; it is never connected to.)
            if url.contains("://") {
                assert!(!hide_password(url, &msg).contains(PW), "{url}");
            }
        }
        // Not secrets: the user, the database, the protocol, the socket path.
        assert_eq!(redacted("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
        assert_eq!(
            redacted("redis+unix:///run/redis.sock?user=alice&db=3&protocol=resp3"),
            "redis+unix:///run/redis.sock?user=alice&db=3&protocol=resp3"
        );
        assert_eq!(
            hide_password("redis://127.0.0.1:6379", "no password here"),
            "no password here"
        );
    }

    /// The forms above are the ones the redis crate reads a password from.
    #[test]
    fn the_redis_crate_reads_the_password_where_it_is_hidden() {
        use redis::IntoConnectionInfo;
        for url in [
            "redis://:S3cr3t-pw@127.0.0.1:6379/0",
            "redis://alice:S3cr3t-pw@127.0.0.1:6379",
            "redis+unix:///run/redis.sock?pass=S3cr3t-pw",
            "unix:///run/redis.sock?db=2&pass=S3cr3t-pw&user=alice",
            "redis+unix:///x.sock?p%61ss=S3cr3t-pw",
        ] {
            let info = url.into_connection_info().unwrap();
            assert_eq!(info.redis_settings().password(), Some(PW), "{url}");
        }
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    /// A closed port on loopback (bound, then released).
    fn closed_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    #[test]
    fn start_up_errors_do_not_show_the_password() {
        let port = closed_port();
        let rt = runtime();
        for url in [
            format!("redis://:{PW}@127.0.0.1:{port}/0"),
            format!("redis://alice:{PW}@127.0.0.1:{port}"),
            format!("rediss://alice:{PW}@127.0.0.1:{port}"),
            format!("redis+unix:///nonexistent/okta-proxy.sock?pass={PW}"),
            format!("unix:///nonexistent/okta-proxy.sock?password={PW}&pass={PW}"),
            format!("redis://127.0.0.1:{port}/0?password={PW}&protocol=resp9"),
            format!("redis://:{PW}@127.0.0.1:{port}/not-a-db"),
        ] {
            let e = rt
                .block_on(SharedLimiter::connect(&url, 60))
                .err()
                .unwrap_or_else(|| panic!("connected to {url}"));
            assert!(e.starts_with("--rate-limit-redis: "), "{e}");
            assert!(!e.contains(PW), "{e}");
        }
    }

    /// A server that takes the password, then answers PING with an error quoting everything it
    /// was sent (the password too): the start-up error does not show it.
    #[test]
    fn an_error_quoting_the_password_is_hidden() {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for conn in listener.incoming().take(4) {
                let Ok(mut conn) = conn else { return };
                let mut seen = String::new();
                let mut buf = [0u8; 4096];
                while let Ok(n) = conn.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let text = String::from_utf8_lossy(&buf[..n]).to_string();
                    seen.push_str(&text.replace(['\r', '\n'], " "));
                    // One answer per command (`*N` starts each; they may come pipelined).
                    let mut answer = String::new();
                    for command in text.split('*').filter(|c| !c.is_empty()) {
                        if command.to_ascii_uppercase().contains("PING") {
                            answer.push_str(&format!("-ERR you said {seen}\r\n"));
                        } else {
                            answer.push_str("+OK\r\n");
                        }
                    }
                    if conn.write_all(answer.as_bytes()).is_err() {
                        break;
                    }
                }
            }
        });
        let url = format!("redis://alice:{PW}@127.0.0.1:{port}");
        let e = runtime()
            .block_on(SharedLimiter::connect(&url, 60))
            .err()
            .unwrap();
        assert!(e.contains("alice:***@127.0.0.1"), "{e}");
        assert!(e.contains("refused PING") && e.contains("you said"), "{e}");
        assert!(e.contains("AUTH"), "the server's quote is shown: {e}");
        assert!(!e.contains(PW), "{e}");
    }

    /// A URL of one of the forms with `password` in it, as an operator would write it (the
    /// `url` crate encodes the user information, `application/x-www-form-urlencoded` the
    /// query), and the same URL with a placeholder password.
    fn url_with(form: usize, password: &str, port: u16) -> String {
        let mut u = match form {
            0 | 1 => url::Url::parse(&format!("redis://127.0.0.1:{port}/0")).unwrap(),
            2 => url::Url::parse(&format!("rediss://127.0.0.1:{port}")).unwrap(),
            3 => url::Url::parse("redis+unix:///nonexistent/okta-proxy.sock").unwrap(),
            4 => url::Url::parse("unix:///nonexistent/okta-proxy.sock?db=1").unwrap(),
            _ => url::Url::parse(&format!("redis://127.0.0.1:{port}/0")).unwrap(),
        };
        match form {
            0 | 2 => {
                u.set_username("alice").unwrap();
                u.set_password(Some(password)).unwrap();
            }
            1 => u.set_password(Some(password)).unwrap(),
            3 | 4 => {
                u.query_pairs_mut().append_pair("pass", password);
            }
            _ => {
                u.query_pairs_mut()
                    .append_pair("PassWord", password)
                    .append_pair("protocol", "resp3");
            }
        }
        u.to_string()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// For any password in any form: neither the shown URL nor the start-up error holds
        /// it, in any spelling.
        #[test]
        fn prop_no_form_shows_its_password(
            password in prop_oneof![
                // Printable ASCII but `*` (which `***` is made of).
                "[ -)+-~]{6,32}",
                "[a-zé€😀%+&=]{6,16}",
            ],
            form in 0usize..6,
        ) {
            let port = closed_port();
            let url = url_with(form, &password, port);
            let placeholder = redacted(&url_with(form, "P", port));
            let spellings: Vec<String> = secrets(&url);
            prop_assume!(spellings.iter().all(|s| !placeholder.contains(s.as_str())));
            // The `url` crate leaves `%` unencoded in user information, so a password holding
            // `%` and two hex digits is written as an escape and read back as another text: no
            // operator could give that password in this form. Every spelling is still checked.
            let escape_like = password
                .as_bytes()
                .windows(3)
                .any(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit());
            if !escape_like {
                prop_assert!(spellings.contains(&password));
            }
            let shown = redacted(&url);
            for s in &spellings {
                prop_assert!(!shown.contains(s.as_str()), "{} in {}", s, shown);
            }
            let e = runtime().block_on(SharedLimiter::connect(&url, 60)).err().unwrap();
            for s in &spellings {
                prop_assert!(!e.contains(s.as_str()), "{} in {}", s, e);
            }
            // What a message could quote, in each spelling, is hidden.
            let quoted = hide_password(&url, &spellings.join(" | "));
            prop_assert!(!quoted.contains(password.as_str()));
        }
    }
}
