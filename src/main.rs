//! Thin entry point: install the panic hook and mount the app.
#[cfg(target_arch = "wasm32")]
fn main() {
    okta_link::ui::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("okta-link is a web page: build it with `trunk build --release --offline` or run `cargo xtask run`.");
    std::process::exit(2);
}
