//! Shared by the command's test binaries.

/// The Okta simulator on a loopback port of this test's runtime (stopped with it); its URL.
pub async fn simulator() -> String {
    simulator_with(|_| {}).await.0
}

/// The same, its configuration changed by `adjust`; its URL, and the simulator (its request
/// log).
pub async fn simulator_with(
    adjust: impl FnOnce(&mut okta_sim::SimConfig),
) -> (String, okta_sim::Sim) {
    let (log, _) = okta_sim::LogSink::memory();
    let mut cfg = okta_sim::SimConfig {
        log,
        ..okta_sim::SimConfig::default()
    };
    adjust(&mut cfg);
    let sim = okta_sim::Sim::new(cfg);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(okta_sim::serve(listener, sim.clone()));
    (url, sim)
}
