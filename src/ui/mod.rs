//! The Leptos views. They hold signals, render the core's values through the catalogue and
//! dispatch; they decide nothing the core could decide.

mod app;
mod boot;
mod embed;
mod fields;
mod report;

pub use app::App;
pub use boot::{boot, Boot, BootError};

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Entry point called by `main`: read the configuration, then mount the page (or the
/// integrator-facing configuration error page).
pub fn start() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        let booted = boot().await;
        let Some(root) = document()
            .get_element_by_id("app")
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        else {
            return;
        };
        root.set_inner_html("");
        let _ = root.remove_attribute("aria-busy");
        match booted {
            Ok(boot) => {
                boot::apply_document_settings(&boot);
                leptos::mount::mount_to(root, move || view! { <App boot=boot /> }).forget();
            }
            Err(error) => {
                leptos::mount::mount_to(root, move || boot::config_error_page(error)).forget();
            }
        }
    });
}
