//! Accepting connections and keeping each one bounded in time and number.
//!
//! Every connection is served by hyper's HTTP/1.1 connection with the proxy's router, under
//! two clocks kept here (hyper's own header timer starts when it begins waiting for a request,
//! so it cannot tell an idle keep-alive connection from a slow request head):
//!
//! * **header read**: once the first byte of a request has arrived, the whole request head must
//!   arrive within [`Limits::header_read_timeout`] (a client dribbling header lines is cut);
//! * **idle**: a connection with no request being handled and no byte moving either way (a fresh
//!   connection that sends nothing, a keep-alive connection between requests, a client that does
//!   not read its answer) is closed after [`Limits::idle_timeout`]. A request whose handler is
//!   still running (waiting for a slow upstream) is never cut by either clock; the handler has
//!   its own time limit (`--timeout-ms`).
//!
//! And two caps, checked on accept before anything is read: at most
//! [`Limits::max_per_client`] open connections per client address (IPv6 by /64, as the rate
//! limiter counts) and [`Limits::max_total`] in all. A connection over a cap is closed at once.
//!
//! Connections run in a [`JoinSet`] owned by the accept loop, and watch a shutdown signal: on it
//! the loop stops accepting, idle connections close, requests in flight finish.

use crate::ratelimit::client_key;
use axum::extract::ConnectInfo;
use axum::response::Response;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;
use tokio::time::Instant;

/// How long connections may wait and how many may be open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// From the first byte of a request to the end of its head.
    pub header_read_timeout: Duration,
    /// With no request being handled and no byte moving.
    pub idle_timeout: Duration,
    /// Open connections from one client address (IPv6 by /64).
    pub max_per_client: usize,
    /// Open connections in all.
    pub max_total: usize,
}

impl Limits {
    pub fn from_config(c: &crate::config::Config) -> Limits {
        Limits {
            header_read_timeout: c.header_read_timeout,
            idle_timeout: c.idle_timeout,
            max_per_client: c.max_connections_per_client,
            max_total: c.max_connections,
        }
    }
}

/// Where a connection is, as far as its clocks are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// No request being handled: waiting for one, or writing an answer. `since` is when a byte
    /// last moved (or the connection opened, or the last handler finished).
    Idle { since: Instant },
    /// A request head began arriving at `since` and is not complete yet.
    Head { since: Instant },
    /// This many handlers are running: no clock runs.
    Busy { requests: usize },
}

impl Phase {
    /// Bytes arrived from the client.
    pub fn on_read(&mut self, now: Instant) {
        if let Phase::Idle { .. } = self {
            *self = Phase::Head { since: now };
        }
    }

    /// Bytes went to the client (an answer is being written and read).
    pub fn on_write(&mut self, now: Instant) {
        if let Phase::Idle { since } = self {
            *since = now;
        }
    }

    /// A request head is complete and its handler starts.
    pub fn on_request_start(&mut self) {
        *self = match *self {
            Phase::Busy { requests } => Phase::Busy {
                requests: requests + 1,
            },
            _ => Phase::Busy { requests: 1 },
        };
    }

    /// A handler finished (or was dropped).
    pub fn on_request_end(&mut self, now: Instant) {
        if let Phase::Busy { requests } = *self {
            *self = if requests > 1 {
                Phase::Busy {
                    requests: requests - 1,
                }
            } else {
                Phase::Idle { since: now }
            };
        }
    }

    /// When the connection is to be closed, unless something happens before.
    pub fn deadline(&self, limits: &Limits) -> Option<Instant> {
        match *self {
            Phase::Idle { since } => since.checked_add(limits.idle_timeout),
            Phase::Head { since } => since.checked_add(limits.header_read_timeout),
            Phase::Busy { .. } => None,
        }
    }
}

/// One connection's phase, shared by its socket, its handlers and its driver.
struct Clock {
    phase: Mutex<Phase>,
    /// Signalled when the phase changes (the deadline may have moved earlier).
    changed: Notify,
}

impl Clock {
    fn new(now: Instant) -> Clock {
        Clock {
            phase: Mutex::new(Phase::Idle { since: now }),
            changed: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Phase> {
        self.phase.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn update(&self, f: impl FnOnce(&mut Phase)) {
        let changed = {
            let mut p = self.lock();
            let before = std::mem::discriminant(&*p);
            f(&mut p);
            before != std::mem::discriminant(&*p)
        };
        if changed {
            self.changed.notify_one();
        }
    }

    fn deadline(&self, limits: &Limits) -> Option<Instant> {
        self.lock().deadline(limits)
    }
}

/// The client socket, telling the clock when bytes move.
struct Tracked {
    io: TcpStream,
    clock: Arc<Clock>,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.io).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            let now = Instant::now();
            self.clock.update(|p| p.on_read(now));
        }
        r
    }
}

impl Tracked {
    fn wrote(&self, r: &Poll<io::Result<usize>>) {
        if matches!(r, Poll::Ready(Ok(n)) if *n > 0) {
            let now = Instant::now();
            self.clock.update(|p| p.on_write(now));
        }
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.io).poll_write(cx, buf);
        self.wrote(&r);
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.wrote(&r);
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// A running handler: the connection is busy until it is dropped.
struct InFlight(Arc<Clock>);

impl InFlight {
    fn start(clock: &Arc<Clock>) -> InFlight {
        clock.update(Phase::on_request_start);
        InFlight(clock.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let now = Instant::now();
        self.0.update(|p| p.on_request_end(now));
    }
}

/// The router, as hyper calls it for one connection (with the peer as `ConnectInfo`).
struct Handler {
    router: Router,
    peer: SocketAddr,
    clock: Arc<Clock>,
}

impl hyper::service::Service<hyper::Request<Incoming>> for Handler {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn call(&self, mut req: hyper::Request<Incoming>) -> Self::Future {
        req.extensions_mut().insert(ConnectInfo(self.peer));
        let busy = InFlight::start(&self.clock);
        let fut = tower_service::Service::call(&mut self.router.clone(), req);
        Box::pin(async move {
            let res = fut.await;
            drop(busy);
            res
        })
    }
}

/// Open connections, in all and per client key.
#[derive(Debug, Default)]
struct Counts {
    total: usize,
    per_client: HashMap<IpAddr, usize>,
}

/// The open connections of the whole process, by client: one table for every listener
/// ([`serve`]), so the caps hold for the process and not per listener.
#[derive(Debug, Default)]
pub struct Clients(Mutex<Counts>);

/// One admitted connection; its count is released when it is dropped.
struct Slot {
    clients: Arc<Clients>,
    key: IpAddr,
}

impl Clients {
    fn lock(&self) -> MutexGuard<'_, Counts> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Count a new connection from `ip`, or `None` when a cap is reached.
    fn admit(self: &Arc<Self>, ip: IpAddr, limits: &Limits) -> Option<Slot> {
        let key = client_key(ip);
        let mut c = self.lock();
        let mine = c.per_client.get(&key).copied().unwrap_or(0);
        if c.total >= limits.max_total || mine >= limits.max_per_client {
            return None;
        }
        c.total += 1;
        c.per_client.insert(key, mine + 1);
        Some(Slot {
            clients: self.clone(),
            key,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut c = self.clients.lock();
        c.total = c.total.saturating_sub(1);
        if let Some(n) = c.per_client.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                c.per_client.remove(&self.key);
            }
        }
    }
}

/// Resolves when `true` is sent; never if the sender is gone without sending it.
async fn stopped(rx: &mut watch::Receiver<bool>) {
    if rx.wait_for(|s| *s).await.is_err() {
        std::future::pending::<()>().await;
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// Serve one connection until it ends, a clock runs out (the socket is then dropped: closed),
/// or, after a shutdown signal, its request in flight is answered.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: Limits,
    mut shutdown: watch::Receiver<bool>,
    _slot: Slot,
) {
    let clock = Arc::new(Clock::new(Instant::now()));
    let io = TokioIo::new(Tracked {
        io: stream,
        clock: clock.clone(),
    });
    let handler = Handler {
        router,
        peer,
        clock: clock.clone(),
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    // The clocks above cover the head and the wait before it; hyper's own would close an idle
    // keep-alive connection after the header timeout.
    builder.header_read_timeout(None);
    let conn = builder.serve_connection(io, handler);
    tokio::pin!(conn);
    let mut draining = false;
    loop {
        let deadline = clock.deadline(&limits);
        tokio::select! {
            _ = conn.as_mut() => return,
            _ = sleep_until(deadline) => {
                if clock.deadline(&limits).is_some_and(|d| d <= Instant::now()) {
                    return;
                }
            }
            _ = clock.changed.notified() => {}
            _ = stopped(&mut shutdown), if !draining => {
                draining = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// An accept error that concerns one connection only (accept again at once).
fn per_connection(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Accept and serve connections with `router` until `true` is sent on `shutdown`; then stop
/// accepting and return once every connection has ended (idle ones at once, busy ones when
/// answered). Every listener of the process (the proxy's and `--metrics-listen`) is served
/// here, under the same clocks, counted in the same `clients` table.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    clients: Arc<Clients>,
    shutdown: watch::Receiver<bool>,
) {
    let mut conns = JoinSet::new();
    let mut stop = shutdown.clone();
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            Some(_) = conns.join_next(), if !conns.is_empty() => continue,
            _ = stopped(&mut stop) => break,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) if per_connection(&e) => continue,
            Err(_) => {
                // Out of file descriptors or similar: let connections end, then accept again.
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Some(slot) = clients.admit(peer.ip(), &limits) else {
            // Over a cap: closed before anything is read.
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        conns.spawn(connection(
            stream,
            peer,
            router.clone(),
            limits,
            shutdown.clone(),
            slot,
        ));
    }
    drop(listener);
    while conns.join_next().await.is_some() {}
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn limits() -> Limits {
        Limits {
            header_read_timeout: 10 * MS,
            idle_timeout: 30 * MS,
            max_per_client: 2,
            max_total: 3,
        }
    }

    /// Each step: (event at t ms, the deadline after it in ms from the start, if any).
    #[test]
    fn clocks_over_a_connection_lifetime() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let l = limits();
        let mut p = Phase::Idle { since: t0 };
        let mut step = |what: &str, f: &dyn Fn(&mut Phase), want: Option<u64>| {
            f(&mut p);
            assert_eq!(p.deadline(&l), want.map(at), "after {what}: {p:?}");
        };
        // A fresh connection: the idle clock.
        step("open", &|_| {}, Some(30));
        // The first byte of a head: the header clock, not restarted by later bytes.
        step("first byte", &|p| p.on_read(at(5)), Some(15));
        step("more bytes", &|p| p.on_read(at(9)), Some(15));
        step("late write", &|p| p.on_write(at(12)), Some(15));
        // The head is complete: no clock while the handler runs, however long.
        step("request", &|p| p.on_request_start(), None);
        step("body bytes", &|p| p.on_read(at(100)), None);
        step("pipelined", &|p| p.on_request_start(), None);
        step("one done", &|p| p.on_request_end(at(200)), None);
        // Answered: idle from the end of the handler, extended while the answer is written.
        step("answered", &|p| p.on_request_end(at(300)), Some(330));
        step("writing", &|p| p.on_write(at(320)), Some(350));
        // The next request on the keep-alive connection.
        step("next head", &|p| p.on_read(at(340)), Some(350));
        step("stray end", &|p| p.on_request_end(at(345)), Some(350));
    }

    #[test]
    fn caps_per_client_key_and_in_total_are_released_on_drop() {
        let l = limits();
        let c = Arc::new(Clients::default());
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let mapped: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        let v6a: IpAddr = "2001:db8::1".parse().unwrap();
        let v6b: IpAddr = "2001:db8::ffff:2".parse().unwrap();
        let other: IpAddr = "2001:db8:0:1::1".parse().unwrap();
        let s1 = c.admit(a, &l).expect("first");
        let s2 = c.admit(mapped, &l).expect("second (the same client)");
        assert!(c.admit(a, &l).is_none(), "third from one address");
        let s3 = c.admit(v6a, &l).expect("v6");
        assert!(c.admit(other, &l).is_none(), "total cap (3)");
        drop(s1);
        // Another address of the same /64 is the same client.
        let s4 = c.admit(v6b, &l).expect("same /64, second");
        drop(s2);
        assert!(c.admit(v6b, &l).is_none(), "third from one /64");
        let s5 = c.admit(other, &l).expect("another /64");
        assert!(c.admit(a, &l).is_none(), "total cap again");
        drop((s3, s4, s5));
        assert_eq!(c.lock().total, 0);
        assert!(c.lock().per_client.is_empty(), "nothing left behind");
        let _ = c.admit(other, &l).expect("after release");
    }
}
