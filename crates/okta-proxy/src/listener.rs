//! Accepting connections and keeping each one bounded in time and number.
//!
//! Every connection is served by hyper's HTTP/1.1 connection with a [`Serve`] service (the
//! proxy's [`crate::server::Front`], or the metrics listener's router), under
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
//!
//! With more than one worker ([`Workers`], `--workers`), one accept loop admits
//! connections and hands them out in turn to worker threads, each running its own
//! single-threaded runtime: a connection, its handlers and the upstream connections they open
//! stay on one thread (nginx's model; measured in BENCHMARK.md), and no task is ever woken on
//! another thread.

use crate::ratelimit::client_key;
use axum::extract::ConnectInfo;
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::cell::Cell;
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
use tokio::sync::{mpsc, oneshot, watch};
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
///
/// Nothing wakes the driver when the phase changes: it sleeps until the deadline or for at most
/// the shorter clock ([`Clock::wake_at`]), whichever comes first, and looks again. A phase change
/// at `t` never sets a deadline before `t` + the shorter clock, so it is never missed, and a
/// request costs no wake-up of its own.
struct Clock {
    phase: Mutex<Phase>,
}

impl Clock {
    fn new(now: Instant) -> Clock {
        Clock {
            phase: Mutex::new(Phase::Idle { since: now }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Phase> {
        self.phase.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn update(&self, f: impl FnOnce(&mut Phase)) {
        f(&mut self.lock());
    }

    fn deadline(&self, limits: &Limits) -> Option<Instant> {
        self.lock().deadline(limits)
    }

    /// When the driver looks again: the deadline, or `now` + the shorter clock if sooner.
    fn wake_at(&self, limits: &Limits, now: Instant) -> Instant {
        let soonest = now + limits.header_read_timeout.min(limits.idle_timeout);
        self.deadline(limits).map_or(soonest, |d| d.min(soonest))
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

/// What a listener serves: a tower service that answers every request (an axum `Router`, or
/// the proxy's [`crate::server::Front`]), cheap to clone for each connection and request.
pub trait Serve:
    tower_service::Service<
        hyper::Request<Incoming>,
        Response = Response,
        Error = Infallible,
        Future: Send + 'static,
    > + Clone
    + Send
    + 'static
{
}

impl<S> Serve for S where
    S: tower_service::Service<
            hyper::Request<Incoming>,
            Response = Response,
            Error = Infallible,
            Future: Send + 'static,
        > + Clone
        + Send
        + 'static
{
}

/// The service, as hyper calls it for one connection (with the peer as `ConnectInfo`).
struct Handler<S> {
    service: S,
    peer: SocketAddr,
    clock: Arc<Clock>,
}

impl<S: Serve> hyper::service::Service<hyper::Request<Incoming>> for Handler<S> {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn call(&self, mut req: hyper::Request<Incoming>) -> Self::Future {
        req.extensions_mut().insert(ConnectInfo(self.peer));
        let busy = InFlight::start(&self.clock);
        let fut = tower_service::Service::call(&mut self.service.clone(), req);
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

/// Serve one connection until it ends, a clock runs out (the socket is then dropped: closed),
/// or, after a shutdown signal, its request in flight is answered.
async fn connection<S: Serve>(
    stream: TcpStream,
    peer: SocketAddr,
    service: S,
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
        service,
        peer,
        clock: clock.clone(),
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    // The clocks above cover the head and the wait before it; hyper's own would close an idle
    // keep-alive connection after the header timeout.
    builder.header_read_timeout(None);
    let conn = builder.serve_connection(io, handler);
    tokio::pin!(conn);
    let wake = tokio::time::sleep_until(clock.wake_at(&limits, Instant::now()));
    tokio::pin!(wake);
    let stop = stopped(&mut shutdown);
    tokio::pin!(stop);
    let mut draining = false;
    loop {
        tokio::select! {
            _ = conn.as_mut() => return,
            _ = wake.as_mut() => {
                let now = Instant::now();
                if clock.deadline(&limits).is_some_and(|d| d <= now) {
                    return;
                }
                wake.as_mut().reset(clock.wake_at(&limits, now));
            }
            _ = stop.as_mut(), if !draining => {
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

/// What an accept loop does with one `accept()`: a connection admitted under the caps (with
/// `TCP_NODELAY`), or `None` to accept again: an error of that connection alone, a cap reached
/// (the socket is closed before anything is read), or an error of the listener (out of file
/// descriptors or similar: after a pause, so that connections can end).
async fn admit(
    accepted: io::Result<(TcpStream, SocketAddr)>,
    clients: &Arc<Clients>,
    limits: &Limits,
) -> Option<(TcpStream, SocketAddr, Slot)> {
    let (stream, peer) = match accepted {
        Ok(a) => a,
        Err(e) if per_connection(&e) => return None,
        Err(_) => {
            tokio::time::sleep(Duration::from_millis(100)).await;
            return None;
        }
    };
    let slot = clients.admit(peer.ip(), limits)?;
    let _ = stream.set_nodelay(true);
    Some((stream, peer, slot))
}

/// Accept and serve connections with `service` until `true` is sent on `shutdown`; then stop
/// accepting and return once every connection has ended (idle ones at once, busy ones when
/// answered). Every listener of the process (the proxy's and `--metrics-listen`) is served
/// here, under the same clocks, counted in the same `clients` table.
pub async fn serve<S: Serve>(
    listener: TcpListener,
    service: S,
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
        let Some((stream, peer, slot)) = admit(accepted, &clients, &limits).await else {
            continue;
        };
        conns.spawn(connection(
            stream,
            peer,
            service.clone(),
            limits,
            shutdown.clone(),
            slot,
        ));
    }
    drop(listener);
    while conns.join_next().await.is_some() {}
}

thread_local! {
    /// Which worker thread this is (0 outside the workers: the accept loop, background tasks,
    /// okta-link-check).
    static WORKER: Cell<usize> = const { Cell::new(0) };
}

/// The worker serving on this thread; [`crate::forward::Upstream`] keeps one connection pool
/// per worker with it, so upstream connections are driven by the thread that uses them.
pub fn worker_index() -> usize {
    WORKER.with(Cell::get)
}

/// An accepted, admitted connection on its way to a worker.
type Handoff = (std::net::TcpStream, SocketAddr, Slot);

/// Worker threads started by [`Workers::start`], waiting for connections from
/// [`Workers::serve`].
pub struct Workers {
    hand: Vec<mpsc::UnboundedSender<Handoff>>,
    done: Vec<oneshot::Receiver<()>>,
    /// Dropped with the accept loop: the workers then close their connections at once.
    kill: watch::Sender<()>,
}

impl Workers {
    /// `n` threads, each with its own single-threaded runtime serving `service`.
    pub fn start<S: Serve>(
        n: usize,
        service: &S,
        limits: Limits,
        shutdown: &watch::Receiver<bool>,
    ) -> io::Result<Workers> {
        let (kill, killed) = watch::channel(());
        let mut hand = Vec::with_capacity(n);
        let mut done = Vec::with_capacity(n);
        for i in 0..n {
            let (tx, rx) = mpsc::unbounded_channel::<Handoff>();
            let (finished, finish) = oneshot::channel::<()>();
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let (service, shutdown, killed) = (service.clone(), shutdown.clone(), killed.clone());
            std::thread::Builder::new()
                .name(format!("okta-proxy-worker-{i}"))
                .spawn(move || {
                    WORKER.with(|w| w.set(i));
                    runtime.block_on(worker(rx, service, limits, shutdown, killed));
                    // Upstream connections still idle in this thread's pool end with its runtime.
                    runtime.shutdown_background();
                    let _ = finished.send(());
                })?;
            hand.push(tx);
            done.push(finish);
        }
        Ok(Workers { hand, done, kill })
    }

    /// Like [`serve`], with the admitted connections handed to the workers in turn. On
    /// `shutdown` the loop stops accepting and every worker drains its connections as [`serve`]
    /// does; the future ends when they all have. Dropping it (an aborted task) closes every
    /// connection at once.
    pub async fn serve(
        self,
        listener: TcpListener,
        limits: Limits,
        clients: Arc<Clients>,
        shutdown: watch::Receiver<bool>,
    ) {
        let Workers {
            mut hand,
            mut done,
            kill,
        } = self;
        let mut stop = shutdown;
        let mut next = 0usize;
        while !hand.is_empty() {
            let accepted = tokio::select! {
                r = listener.accept() => r,
                _ = stopped(&mut stop) => break,
            };
            let Some((stream, peer, slot)) = admit(accepted, &clients, &limits).await else {
                continue;
            };
            // Registered again with the worker's own runtime there.
            let Ok(stream) = stream.into_std() else {
                continue;
            };
            next %= hand.len();
            if hand[next].send((stream, peer, slot)).is_err() {
                // A worker that has stopped (a panic) gets no more connections.
                hand.swap_remove(next);
                done.swap_remove(next);
            } else {
                next += 1;
            }
        }
        drop(listener);
        drop(hand);
        for d in done {
            let _ = d.await;
        }
        drop(kill);
    }
}

/// One worker thread: serve the connections handed to it; when the accept loop is gone, drain
/// (after a shutdown signal) or close everything at once (the loop was dropped, or `killed`).
async fn worker<S: Serve>(
    mut incoming: mpsc::UnboundedReceiver<Handoff>,
    service: S,
    limits: Limits,
    shutdown: watch::Receiver<bool>,
    mut killed: watch::Receiver<()>,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            next = incoming.recv() => match next {
                Some((stream, peer, slot)) => {
                    let Ok(stream) = TcpStream::from_std(stream) else { continue };
                    conns.spawn(connection(stream, peer, service.clone(), limits, shutdown.clone(), slot));
                }
                None => break,
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    if *shutdown.borrow() {
        let drained = async { while conns.join_next().await.is_some() {} };
        tokio::select! {
            _ = drained => {}
            _ = killed.changed() => {}
        }
    }
    // Dropping `conns` closes whatever is still open.
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;

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

    /// The driver is never woken by a phase change: whatever happens at `t` after it armed its
    /// wake at `t_arm <= t`, the new deadline is not before that wake.
    #[test]
    fn no_phase_change_sets_a_deadline_before_the_armed_wake() {
        let t0 = Instant::now();
        let l = limits();
        type Event = (&'static str, fn(&mut Phase, Instant));
        let events: [Event; 5] = [
            ("read", |p, t| p.on_read(t)),
            ("write", |p, t| p.on_write(t)),
            ("request start", |p, _| p.on_request_start()),
            ("request end", |p, t| p.on_request_end(t)),
            ("nothing", |_, _| {}),
        ];
        for start in 0..events.len() {
            for (name, event) in &events {
                for arm_ms in [0u64, 3, 9, 29] {
                    for later_ms in [0u64, 1, 7, 10, 31] {
                        let clock = Clock::new(t0);
                        clock.update(|p| events[start].1(p, t0));
                        let t_arm = t0 + Duration::from_millis(arm_ms);
                        let wake = clock.wake_at(&l, t_arm);
                        let t = t_arm + Duration::from_millis(later_ms);
                        if t >= wake {
                            continue; // the driver has looked again by then
                        }
                        clock.update(|p| event(p, t));
                        if let Some(d) = clock.deadline(&l) {
                            assert!(
                                d >= wake,
                                "{name} at {later_ms} ms after arming at {arm_ms}"
                            );
                        }
                    }
                }
            }
        }
    }

    /// A keep-alive connection's requests: `GET /` with the answer's body.
    async fn ask(stream: &mut TcpStream) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            .await
            .unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 1024];
        loop {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed before the answer");
            got.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&got);
            if let Some((_, body)) = text.split_once("\r\n\r\n") {
                if body.ends_with('.') {
                    return body.trim_end_matches('.').to_string();
                }
            }
        }
    }

    async fn spread(
        workers: usize,
    ) -> (SocketAddr, watch::Sender<bool>, tokio::task::JoinHandle<()>) {
        // Each answer names the thread that served it, and the worker it thinks it is.
        let router = Router::new().fallback(|| async {
            format!(
                "{}/{}.",
                std::thread::current().name().unwrap_or("?"),
                worker_index()
            )
        });
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = watch::channel(false);
        // Clocks far longer than any wait below: a close seen here is not theirs.
        let limits = Limits {
            header_read_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(60),
            max_per_client: 16,
            max_total: 16,
        };
        let w = Workers::start(workers, &router, limits, &stopped).unwrap();
        let task = tokio::spawn(w.serve(listener, limits, Arc::new(Clients::default()), stopped));
        (addr, stop, task)
    }

    #[tokio::test]
    async fn connections_are_handed_to_the_workers_in_turn_and_stay_on_theirs() {
        let (addr, stop, task) = spread(2).await;
        let mut conns = Vec::new();
        for _ in 0..4 {
            conns.push(TcpStream::connect(addr).await.unwrap());
        }
        let mut seen = Vec::new();
        for c in &mut conns {
            seen.push(ask(c).await);
        }
        // In turn: 0, 1, 0, 1; each on its own thread, which knows its index.
        assert_eq!(
            seen,
            [
                "okta-proxy-worker-0/0",
                "okta-proxy-worker-1/1",
                "okta-proxy-worker-0/0",
                "okta-proxy-worker-1/1"
            ]
        );
        // A connection's later requests stay with its worker.
        for (c, first) in conns.iter_mut().zip(&seen) {
            assert_eq!(&ask(c).await, first);
        }
        // Shutdown: idle connections close, the loop ends once every worker has drained.
        stop.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("drained")
            .unwrap();
        for c in &mut conns {
            use tokio::io::AsyncReadExt;
            let mut b = [0u8; 1];
            assert_eq!(c.read(&mut b).await.unwrap_or(0), 0, "closed");
        }
    }

    #[tokio::test]
    async fn dropping_the_accept_loop_closes_every_connection_at_once() {
        let (addr, _stop, task) = spread(2).await;
        let mut a = TcpStream::connect(addr).await.unwrap();
        let mut b = TcpStream::connect(addr).await.unwrap();
        ask(&mut a).await;
        ask(&mut b).await;
        task.abort();
        for c in [&mut a, &mut b] {
            use tokio::io::AsyncReadExt;
            let mut buf = [0u8; 1];
            let n = tokio::time::timeout(Duration::from_secs(5), c.read(&mut buf))
                .await
                .expect("closed at once, not at the idle clock");
            assert_eq!(n.unwrap_or(0), 0);
        }
    }
}
