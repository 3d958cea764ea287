//! Connections that never time out: slow and idle clients over real TCP on loopback, against
//! the header-read timeout, the idle timeout and the connection caps, on every listener.

use crate::common::*;
use okta_proxy::config::Config;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

const WELL_KNOWN: &str = "/okta/acme.okta.com/.well-known/okta-organization";
const MS: Duration = Duration::from_millis(1);

/// What a client sends: (wait in ms, then these bytes), in order.
type Plan = Vec<(u64, String)>;

/// The connection limits, in milliseconds and counts.
fn limits(
    header_ms: u64,
    idle_ms: u64,
    per_client: usize,
    total: usize,
) -> impl FnOnce(&mut Config) {
    move |c| {
        c.header_read_timeout = Duration::from_millis(header_ms);
        c.idle_timeout = Duration::from_millis(idle_ms);
        c.max_connections_per_client = per_client;
        c.max_connections = total;
    }
}

/// A connection from `local` (any port) to `addr`; `None` if this machine has no such
/// loopback address (127.0.0.2 and up exist on Linux, not everywhere).
async fn connect_from(local: &str, addr: SocketAddr) -> Option<TcpStream> {
    let ip: IpAddr = local.parse().unwrap();
    let s = TcpSocket::new_v4().unwrap();
    s.bind(SocketAddr::new(ip, 0)).ok()?;
    Some(s.connect(addr).await.unwrap())
}

async fn connect(addr: SocketAddr) -> TcpStream {
    TcpStream::connect(addr).await.unwrap()
}

/// Read until the server closes the connection (EOF or reset), at most `limit`: how long it
/// took and what was read, or `None` if it was still open.
async fn closed_within(s: &mut TcpStream, limit: Duration) -> Option<(Duration, Vec<u8>)> {
    let start = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some((start.elapsed(), got)),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// Still open: nothing to read and no EOF within `wait`.
async fn still_open(s: &mut TcpStream, wait: Duration) -> bool {
    let mut b = [0u8; 1];
    tokio::time::timeout(wait, s.read(&mut b)).await.is_err()
}

/// One request on a keep-alive connection; its answer (with a Content-Length) read whole.
async fn request(s: &mut TcpStream, target: &str) -> Resp {
    let req = format!("GET {target} HTTP/1.1\r\nHost: proxy.test\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    read_response(s).await
}

async fn read_response(s: &mut TcpStream) -> Resp {
    let mut data = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let read = async {
        loop {
            if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = parse_response(&data[..end + 4]);
                let len: usize = head
                    .header("content-length")
                    .expect("a Content-Length")
                    .parse()
                    .unwrap();
                if data.len() >= end + 4 + len {
                    return parse_response(&data[..end + 4 + len]);
                }
            }
            let n = s.read(&mut buf).await.expect("read");
            assert!(
                n > 0,
                "closed mid-answer: {:?}",
                String::from_utf8_lossy(&data)
            );
            data.extend_from_slice(&buf[..n]);
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .expect("an answer in time")
}

/// Whether this machine has the loopback address `local` (127.0.0.2 and up exist on Linux,
/// not everywhere).
fn has_local(local: &str) -> bool {
    let s = TcpSocket::new_v4().unwrap();
    s.bind(SocketAddr::new(local.parse().unwrap(), 0)).is_ok()
}

/// A connection from `local` that the server keeps open, retried for up to 5 s while the
/// server releases the slot of a connection the test just closed.
async fn admitted_from(local: &str, addr: SocketAddr) -> TcpStream {
    let start = Instant::now();
    loop {
        let mut s = connect_from(local, addr).await.expect("local address");
        if still_open(&mut s, 150 * MS).await {
            return s;
        }
        assert!(start.elapsed() < Duration::from_secs(5), "never admitted");
        tokio::time::sleep(50 * MS).await;
    }
}

/// An admitted connection from `local`, and the answer to a request on it.
async fn served_from(local: &str, addr: SocketAddr) -> (TcpStream, Resp) {
    let mut s = admitted_from(local, addr).await;
    let r = request(&mut s, WELL_KNOWN).await;
    (s, r)
}

/// Closed at once: EOF (or a reset) within half a second, with nothing read.
async fn refused_at_once(s: &mut TcpStream) {
    let (_, got) = closed_within(s, 500 * MS)
        .await
        .expect("a connection over the cap is closed at once");
    assert!(got.is_empty(), "{:?}", String::from_utf8_lossy(&got));
}

/// The regression test: headers dribbled slower than the header-read timeout allows (a line
/// every 250 ms, for 3 s) are cut at the timeout, and the request never reaches the upstream.
#[tokio::test]
async fn dribbled_header_lines_are_cut_at_the_header_read_timeout() {
    let h = harness(limits(800, 5000, 64, 512)).await;
    let mut s = connect(h.addr()).await;
    let (mut rd, mut wr) = s.split();
    let write = async {
        let _ = wr
            .write_all(format!("GET {WELL_KNOWN} HTTP/1.1\r\nHost: proxy.test\r\n").as_bytes())
            .await;
        for i in 0..12 {
            tokio::time::sleep(250 * MS).await;
            if wr
                .write_all(format!("X-Slow-{i}: 1\r\n").as_bytes())
                .await
                .is_err()
            {
                return;
            }
        }
        let _ = wr.write_all(b"\r\n").await;
    };
    let read = async {
        let start = Instant::now();
        let mut got = Vec::new();
        let r = tokio::time::timeout(Duration::from_secs(6), rd.read_to_end(&mut got)).await;
        (start.elapsed(), r.is_ok(), got)
    };
    let (_, (took, closed, got)) = tokio::join!(write, read);
    assert!(closed, "the dribbling connection was never closed");
    assert!(
        took >= 700 * MS && took < 2500 * MS,
        "closed after {took:?}, not at the 800 ms header-read timeout"
    );
    assert!(
        !String::from_utf8_lossy(&got).contains(" 200 "),
        "{:?}",
        String::from_utf8_lossy(&got)
    );
    assert_eq!(h.upstream.count(), 0, "the request was never forwarded");
}

/// The class: every way of holding a connection without completing a request is cut by one
/// of the two clocks, at its time (header read 400 ms from the first byte, idle 900 ms), and
/// nothing but the complete requests among them is answered.
#[tokio::test]
async fn slow_clients_are_closed_at_the_right_clock() {
    let h = harness(limits(400, 900, 64, 512)).await;
    let line = format!("GET {WELL_KNOWN} HTTP/1.1\r\n");
    let dribble = |piece: &str, every_ms: u64, n: usize| -> Plan {
        (0..n).map(|_| (every_ms, piece.to_string())).collect()
    };
    let full = format!("{line}Host: proxy.test\r\n\r\n");
    // (name, what the client sends, closed after about this many ms); all unanswered but
    // the last.
    let mut cases: Vec<(&str, Plan, u64)> = vec![
        ("silent", vec![], 900),
        ("one byte", vec![(0, "G".into())], 400),
        ("request line only", vec![(0, line.clone())], 400),
        (
            "a header line every 100 ms",
            {
                let mut v = vec![(0, line.clone())];
                v.extend(dribble("X-A: 1\r\n", 100, 20));
                v
            },
            400,
        ),
        ("a byte every 50 ms", dribble("G", 50, 40), 400),
        (
            "first byte after 500 ms of silence",
            {
                let mut v = vec![(500, "G".to_string())];
                v.extend(dribble("E", 100, 20));
                v
            },
            900,
        ),
        (
            "a head without its last CRLF",
            vec![(0, format!("{line}Host: x\r\n"))],
            400,
        ),
    ];
    let unanswered = cases.len();
    // A keep-alive request answered, then the next head started 300 ms later and left: the
    // header clock runs from that first byte.
    cases.push((
        "a request, then half of the next",
        vec![(0, full), (300, line.clone())],
        700,
    ));
    let answered = cases.len() - unanswered;
    let mut tasks = Vec::new();
    for (name, plan, expect_ms) in cases {
        let addr = h.addr();
        tasks.push(tokio::spawn(async move {
            let mut s = connect(addr).await;
            let (mut rd, mut wr) = s.split();
            let write = async {
                for (delay, bytes) in plan {
                    tokio::time::sleep(Duration::from_millis(delay)).await;
                    if wr.write_all(bytes.as_bytes()).await.is_err() {
                        return;
                    }
                }
            };
            let read = async {
                let start = Instant::now();
                let mut got = Vec::new();
                let r =
                    tokio::time::timeout(Duration::from_secs(5), rd.read_to_end(&mut got)).await;
                (start.elapsed(), r.is_ok(), got)
            };
            let (_, (took, closed, got)) = tokio::join!(write, read);
            (name, expect_ms, took, closed, got)
        }));
    }
    for (i, t) in tasks.into_iter().enumerate() {
        let (name, expect_ms, took, closed, got) = t.await.unwrap();
        let answers = usize::from(i >= unanswered);
        assert!(closed, "{name}: never closed");
        let expect = Duration::from_millis(expect_ms);
        assert!(
            took + 60 * MS >= expect && took < expect + 1000 * MS,
            "{name}: closed after {took:?}, expected about {expect:?}"
        );
        let text = String::from_utf8_lossy(&got);
        assert_eq!(text.matches("HTTP/1.1 ").count(), answers, "{name}: {text}");
        assert_eq!(
            text.matches("HTTP/1.1 200 ").count(),
            answers,
            "{name}: {text}"
        );
    }
    assert_eq!(h.upstream.count(), answered);
}

/// The other side of the class: real clients are not cut. A head sent in pieces within the
/// header-read timeout is answered, and a keep-alive connection used again within the idle
/// timeout serves its next request (each request restarts the idle clock).
#[tokio::test]
async fn real_clients_within_the_timeouts_are_served() {
    let h = harness(limits(1000, 700, 64, 512)).await;
    let mut s = connect(h.addr()).await;
    let head = format!("GET {WELL_KNOWN} HTTP/1.1\r\nHost: proxy.test\r\nAccept: */*\r\n\r\n");
    let (a, b) = head.as_bytes().split_at(20);
    let (b, c) = b.split_at(20);
    for piece in [a, b, c] {
        s.write_all(piece).await.unwrap();
        tokio::time::sleep(200 * MS).await;
    }
    assert_eq!(read_response(&mut s).await.status, 200);
    // Three more requests, each 400 ms after the last answer: 1.2 s in all, beyond the 700 ms
    // idle timeout, but never 700 ms idle.
    for _ in 0..3 {
        tokio::time::sleep(400 * MS).await;
        assert_eq!(request(&mut s, WELL_KNOWN).await.status, 200);
    }
}

/// A fresh connection that sends nothing is closed after the idle timeout (not before).
#[tokio::test]
async fn an_idle_fresh_connection_is_closed_after_the_idle_timeout() {
    let h = harness(limits(5000, 600, 64, 512)).await;
    let mut s = connect(h.addr()).await;
    let (took, got) = closed_within(&mut s, Duration::from_secs(4))
        .await
        .expect("the silent connection was never closed");
    assert!(
        took >= 550 * MS && took < 2000 * MS,
        "closed after {took:?}"
    );
    assert!(got.is_empty());
}

/// A keep-alive connection is closed the idle timeout after its last answer.
#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let h = harness(limits(5000, 600, 64, 512)).await;
    let mut s = connect(h.addr()).await;
    let r = request(&mut s, WELL_KNOWN).await;
    assert_eq!(r.status, 200);
    assert_ne!(r.header("connection"), Some("close"));
    let (took, got) = closed_within(&mut s, Duration::from_secs(4))
        .await
        .expect("the idle keep-alive connection was never closed");
    assert!(
        took >= 550 * MS && took < 2000 * MS,
        "closed after {took:?}"
    );
    assert!(got.is_empty());
}

/// A request whose handler takes longer than both timeouts (an upstream that does not answer,
/// up to the 2 s `--timeout-ms`) is answered, not cut.
#[tokio::test]
async fn a_request_in_flight_longer_than_the_timeouts_is_not_cut() {
    let h = harness(|c| {
        limits(400, 400, 64, 512)(c);
        c.timeout = Duration::from_millis(2000);
    })
    .await;
    let mut s = connect(h.addr()).await;
    let start = Instant::now();
    let r = request(&mut s, "/okta/slow.okta.com/api/v1/users/me").await;
    assert!(start.elapsed() >= 1900 * MS, "{:?}", start.elapsed());
    assert_eq!(r.status, 504);
    assert_eq!(r.proxy_error().as_deref(), Some("upstream_timeout"));
    // Afterwards the idle clock runs again.
    assert!(closed_within(&mut s, Duration::from_secs(3))
        .await
        .is_some());
}

/// A client that asks for a large answer and never reads it cannot hold its connection (and a
/// slot) for good: with one connection allowed in all, another client is served once the idle
/// timeout has passed, and the reader that never read finds its answer cut short.
#[tokio::test]
async fn a_client_that_never_reads_its_answer_is_closed_after_the_idle_timeout() {
    let h = harness(|c| {
        limits(5000, 800, 64, 1)(c);
        c.max_body_bytes = 16 << 20;
    })
    .await;
    let sock = TcpSocket::new_v4().unwrap();
    sock.set_recv_buffer_size(4096).unwrap();
    let mut lazy = sock.connect(h.addr()).await.unwrap();
    lazy.write_all(b"GET /okta/huge.okta.com/api/v1/users/me HTTP/1.1\r\nHost: proxy.test\r\n\r\n")
        .await
        .unwrap();
    let start = Instant::now();
    tokio::time::sleep(300 * MS).await;
    // The only slot is taken.
    let mut other = connect(h.addr()).await;
    refused_at_once(&mut other).await;
    let (_, r) = served_from("127.0.0.1", h.addr()).await;
    assert_eq!(r.status, 200);
    assert!(start.elapsed() >= 700 * MS, "{:?}", start.elapsed());
    let (_, got) = closed_within(&mut lazy, Duration::from_secs(5))
        .await
        .expect("closed");
    assert!(
        got.len() < 8 * 1024 * 1024,
        "the whole answer ({} bytes) was sent",
        got.len()
    );
}

/// The regression test for the per-client cap: a client over it has its further connections
/// closed at once, before anything is read; its open connections and other addresses still
/// work; a slot is free again when a connection ends.
#[tokio::test]
async fn connections_over_the_per_client_cap_are_closed_at_once_and_real_requests_still_work() {
    let h = harness(limits(10_000, 10_000, 4, 512)).await;
    let addr = h.addr();
    let mut open = Vec::new();
    for _ in 0..4 {
        open.push(admitted_from("127.0.0.1", addr).await);
    }
    for _ in 0..3 {
        let mut extra = connect(addr).await;
        refused_at_once(&mut extra).await;
    }
    for s in &mut open {
        assert!(
            still_open(s, 100 * MS).await,
            "an admitted connection was closed"
        );
    }
    // An existing connection still serves requests.
    assert_eq!(request(&mut open[0], WELL_KNOWN).await.status, 200);
    // A connection ends: a new one from the same address is served.
    drop(open.remove(1));
    let (s, r) = served_from("127.0.0.1", addr).await;
    assert_eq!(r.status, 200);
    open.push(s);
    let mut extra = connect(addr).await;
    refused_at_once(&mut extra).await;
    // Another client address is not affected by this one's cap.
    if has_local("127.0.0.2") {
        let (_, r) = served_from("127.0.0.2", addr).await;
        assert_eq!(r.status, 200);
    }
    for s in &mut open {
        assert_eq!(request(s, WELL_KNOWN).await.status, 200);
    }
}

/// The total cap holds whatever the client address, and frees up as connections end.
#[tokio::test]
async fn connections_over_the_total_cap_are_closed_at_once_whatever_their_address() {
    let h = harness(limits(10_000, 10_000, 64, 3)).await;
    let addr = h.addr();
    let locals = if has_local("127.0.0.2") {
        ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
    } else {
        ["127.0.0.1"; 3]
    };
    let mut open = Vec::new();
    for l in locals {
        open.push(admitted_from(l, addr).await);
    }
    for l in ["127.0.0.1", locals[2]] {
        let mut extra = connect_from(l, addr).await.unwrap();
        refused_at_once(&mut extra).await;
    }
    assert_eq!(request(&mut open[2], WELL_KNOWN).await.status, 200);
    drop(open.remove(0));
    let (_, r) = served_from("127.0.0.1", addr).await;
    assert_eq!(r.status, 200);
}

/// `Running::shutdown`: idle connections are closed at once, a request in flight is answered,
/// and nothing new is accepted.
#[tokio::test]
async fn shutdown_answers_requests_in_flight_and_closes_idle_connections() {
    let h = harness(|c| {
        limits(10_000, 10_000, 64, 512)(c);
        c.timeout = Duration::from_millis(1500);
    })
    .await;
    let addr = h.addr();
    let mut idle = connect(addr).await;
    let mut busy = connect(addr).await;
    busy.write_all(b"GET /okta/slow.okta.com/api/v1/users/me HTTP/1.1\r\nHost: proxy.test\r\n\r\n")
        .await
        .unwrap();
    tokio::time::sleep(200 * MS).await;
    let stop = tokio::spawn(h.proxy.shutdown(Duration::from_secs(5)));
    let (took, _) = closed_within(&mut idle, Duration::from_secs(1))
        .await
        .expect("the idle connection is closed at once");
    assert!(took < 500 * MS);
    let r = read_response(&mut busy).await;
    assert_eq!(r.status, 504);
    assert!(closed_within(&mut busy, Duration::from_secs(1))
        .await
        .is_some());
    tokio::time::timeout(Duration::from_secs(2), stop)
        .await
        .expect("shutdown returns once the last connection ends")
        .unwrap();
    assert!(TcpStream::connect(addr).await.is_err(), "still accepting");
}

/// Every listener of the process: the proxy's own and `--metrics-listen`, each with a path it
/// serves.
fn listeners(h: &Harness) -> [(&'static str, SocketAddr, &'static str); 2] {
    [
        ("main", h.addr(), WELL_KNOWN),
        (
            "metrics",
            h.proxy.metrics_addr.expect("a metrics listener"),
            "/metrics",
        ),
    ]
}

fn with_metrics(
    header_ms: u64,
    idle_ms: u64,
    per_client: usize,
    total: usize,
) -> impl FnOnce(&mut Config) {
    move |c| {
        limits(header_ms, idle_ms, per_client, total)(c);
        c.metrics_listen = Some("127.0.0.1:0".parse().unwrap());
    }
}

/// The second review's finding on `--metrics-listen`: dribbled and silent connections stayed
/// open there. The class: every listener closes a silent connection at the idle clock and a
/// dribbled request head at the header clock, and serves a complete request.
#[tokio::test]
async fn every_listener_runs_the_same_clocks() {
    let h = harness(with_metrics(500, 700, 64, 512)).await;
    for (name, addr, path) in listeners(&h) {
        // Served.
        let mut s = connect(addr).await;
        assert_eq!(request(&mut s, path).await.status, 200, "{name}");
        drop(s);
        // Silent: the idle clock.
        let mut s = connect(addr).await;
        let (took, got) = closed_within(&mut s, Duration::from_secs(4))
            .await
            .unwrap_or_else(|| panic!("{name}: a silent connection stayed open"));
        assert!(took >= 650 * MS && took < 2500 * MS, "{name}: {took:?}");
        assert!(got.is_empty(), "{name}");
        // Dribbled: one header line every 150 ms never completes the head; cut at 500 ms.
        let mut s = connect(addr).await;
        let start = Instant::now();
        let line = format!("GET {path} HTTP/1.1\r\n");
        s.write_all(line.as_bytes()).await.unwrap();
        let mut closed = false;
        for i in 0..30 {
            tokio::time::sleep(150 * MS).await;
            if s.write_all(format!("X-Slow-{i}: 1\r\n").as_bytes())
                .await
                .is_err()
            {
                closed = true;
                break;
            }
            if closed_within(&mut s, MS).await.is_some() {
                closed = true;
                break;
            }
        }
        let took = start.elapsed();
        assert!(closed, "{name}: a dribbling connection stayed open");
        assert!(took >= 450 * MS && took < 2500 * MS, "{name}: {took:?}");
    }
}

/// The caps count the connections of the whole process: a client's idle connections on the
/// metrics listener count against its cap on the proxy's listener and the other way round, so
/// no listener lets one client hold more sockets than the caps allow.
#[tokio::test]
async fn every_listener_counts_against_the_same_caps() {
    let h = harness(with_metrics(10_000, 10_000, 3, 512)).await;
    let [(_, main, _), (_, metrics, metrics_path)] = listeners(&h);
    for (first, second) in [(metrics, main), (main, metrics)] {
        let mut open = Vec::new();
        for _ in 0..3 {
            open.push(admitted_from("127.0.0.1", first).await);
        }
        for addr in [first, second] {
            let mut extra = connect(addr).await;
            refused_at_once(&mut extra).await;
        }
        drop(open);
        // Freed: both serve again.
        tokio::time::sleep(100 * MS).await;
        let mut s = admitted_from("127.0.0.1", metrics).await;
        assert_eq!(request(&mut s, metrics_path).await.status, 200);
        drop(s);
        let (_, r) = served_from("127.0.0.1", main).await;
        assert_eq!(r.status, 200);
    }
    // The regression: hundreds of idle metrics connections cannot starve the proxy's own
    // probes; beyond the cap they are closed at once.
    let h = harness(with_metrics(10_000, 10_000, 64, 80)).await;
    let metrics = h.proxy.metrics_addr.unwrap();
    let mut all = Vec::new();
    for _ in 0..300 {
        all.push(connect(metrics).await);
    }
    // Give the accept loop time to refuse what is over the cap.
    tokio::time::sleep(300 * MS).await;
    let mut idle = Vec::new();
    let mut refused = 0;
    for mut s in all {
        if closed_within(&mut s, 2 * MS).await.is_some() {
            refused += 1;
        } else {
            idle.push(s);
        }
    }
    assert!(
        idle.len() <= 64,
        "{} idle metrics connections kept",
        idle.len()
    );
    assert!(refused >= 236, "{refused} refused");
    drop(idle);
    let (_, r) = served_from("127.0.0.1", h.addr()).await;
    assert_eq!(r.status, 200);
}
