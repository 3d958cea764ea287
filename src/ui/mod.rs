//! The page's views. State lives in Leptos signals and each part of the page that shows state
//! is kept up to date by one Leptos effect; the markup is built by [`dom`], a small non-generic
//! builder. The views render the core's values through the catalogue and dispatch; they decide
//! nothing the core could decide.

mod app;
mod boot;
pub mod dom;
mod embed;
mod fields;
mod report;
mod shell;

pub use app::app;
pub use boot::{boot, Boot, BootError};

use std::cell::RefCell;

use reactive_graph::owner::Owner;
use wasm_bindgen::JsCast;

use crate::i18n::Lang;
use crate::ui::dom::document;

thread_local! {
    /// The reactive owner of the mounted page; dropping it disposes its signals and effects.
    static MOUNTED: RefCell<Option<Owner>> = const { RefCell::new(None) };
}

fn root() -> Option<web_sys::HtmlElement> {
    document()
        .get_element_by_id("app")
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
}

/// Build the page for `boot` into `container` (after what is there) under a new reactive
/// owner, which the caller keeps for as long as the page is shown.
pub fn mount_app(container: &web_sys::Element, boot: Boot) -> Owner {
    // Effects are scheduled on the browser's microtask queue; an error only means this was
    // done before.
    let _ = any_spawner::Executor::init_wasm_bindgen();
    let owner = Owner::new();
    let card = owner.with(move || app(boot));
    let _ = container.append_child(&card.0);
    owner
}

/// Mount the page for `boot`, replacing what was there.
fn mount(boot: Boot) {
    MOUNTED.with(|m| m.borrow_mut().take());
    let Some(root) = root() else { return };
    root.set_inner_html("");
    boot::apply_document_settings(&boot);
    let owner = mount_app(&root, boot);
    MOUNTED.with(|m| *m.borrow_mut() = Some(owner));
}

/// Show the page in another language: its catalogue is fetched and the page is rendered again
/// (what was typed is cleared, the token included; the fragment's org stays prefilled).
pub fn switch_language(boot: Boot, lang: Lang) {
    crate::ui::dom::spawn(Box::pin(async move {
        let texts = boot::load_texts(lang).await;
        mount(Boot { texts, ..boot });
    }));
}

/// Entry point called by `main`: read the configuration, then mount the page (or the
/// integrator-facing configuration error page).
pub fn start() {
    // A panic is a bug: say what and where on the console, with the JavaScript stack (an
    // `Error` object, which the console shows with its stack).
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_2(&info.to_string().into(), &js_sys::Error::new("okta-link"));
    }));
    crate::ui::dom::spawn(Box::pin(async {
        let booted = boot().await;
        let Some(root) = root() else {
            return;
        };
        // What was typed into index.html's static form while the page loaded.
        let typed = shell::take();
        root.set_inner_html("");
        let _ = root.remove_attribute("aria-busy");
        match booted {
            Ok(boot) => {
                mount(boot);
                shell::restore(typed);
            }
            Err(error) => {
                let _ = root.append_child(&boot::config_error_page(error).0);
            }
        }
    }));
}
