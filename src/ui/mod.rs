//! The Leptos views. They hold signals, render the core's values through the catalogue and
//! dispatch; they decide nothing the core could decide.

mod app;
mod boot;
mod embed;
mod fields;
mod report;

pub use app::App;
pub use boot::{boot, Boot, BootError};

use std::any::Any;
use std::cell::RefCell;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::i18n::Lang;

thread_local! {
    /// The mounted page; dropping it unmounts.
    static MOUNTED: RefCell<Option<Box<dyn Any>>> = const { RefCell::new(None) };
}

fn root() -> Option<web_sys::HtmlElement> {
    document()
        .get_element_by_id("app")
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
}

/// Mount the page for `boot`, replacing what was there.
fn mount(boot: Boot) {
    MOUNTED.with(|m| m.borrow_mut().take());
    let Some(root) = root() else { return };
    root.set_inner_html("");
    boot::apply_document_settings(&boot);
    let handle = leptos::mount::mount_to(root, move || view! { <App boot=boot /> });
    MOUNTED.with(|m| *m.borrow_mut() = Some(Box::new(handle)));
}

/// Show the page in another language: its catalogue is fetched and the page is rendered again
/// (what was typed is cleared, the token included; the fragment's org stays prefilled).
pub fn switch_language(boot: Boot, lang: Lang) {
    wasm_bindgen_futures::spawn_local(async move {
        let texts = boot::load_texts(lang).await;
        mount(Boot { texts, ..boot });
    });
}

/// Entry point called by `main`: read the configuration, then mount the page (or the
/// integrator-facing configuration error page).
pub fn start() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        let booted = boot().await;
        let Some(root) = root() else {
            return;
        };
        root.set_inner_html("");
        let _ = root.remove_attribute("aria-busy");
        match booted {
            Ok(boot) => mount(boot),
            Err(error) => {
                leptos::mount::mount_to(root, move || boot::config_error_page(error)).forget();
            }
        }
    });
}
