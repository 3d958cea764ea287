//! Shared by the command's test binaries.

/// The Okta simulator on a loopback port of this test's runtime (stopped with it); its URL.
pub async fn simulator() -> String {
    let (log, _) = okta_sim::LogSink::memory();
    let cfg = okta_sim::SimConfig {
        log,
        ..okta_sim::SimConfig::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(okta_sim::serve(listener, okta_sim::Sim::new(cfg)));
    url
}
