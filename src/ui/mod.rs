//! The page's views: Leptos components written with `view!`. State lives in signals; the views
//! render the core's values through the catalogue and dispatch; they decide nothing the core
//! could decide.
//!
//! * [`app`]: the page ([`App`]), its button, progress, announcements and result.
//! * [`fields`]: the organization URL and API token fields.
//! * [`report`]: the check's report and checklist.
//! * [`boot`]: start-up (configuration, fragment, language) and the configuration error page.
//! * [`embed`]: the embedding protocol's browser side (postMessage, the host's size).
//! * [`shell`]: the static form of `index.html`, handed over to the page when it mounts.

mod app;
mod boot;
mod embed;
mod fields;
mod report;
mod shell;

pub use app::{App, CheckButton, LanguageMenu, Phase, Progress};
pub use boot::{boot, Boot, BootError, ConfigErrorPage};
pub use embed::{observers, Embed};

use leptos::either::Either;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::i18n::Lang;

fn root() -> Option<web_sys::HtmlElement> {
    document()
        .get_element_by_id("app")
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
}

/// The mounted page and, on a language switch, the same page in another language.
#[component]
pub fn Page(
    boot: Boot,
    #[prop(optional)] org: String,
    #[prop(optional)] token: String,
) -> impl IntoView {
    // What was typed goes to the first mount only; a language switch starts from the fragment.
    let first = StoredValue::new(Some((org, token)));
    let current = RwSignal::new(boot);
    let on_language = Callback::new(move |lang: Lang| {
        let boot = current.get_untracked();
        spawn_local(async move {
            let texts = boot::load_texts(lang).await;
            let boot = Boot { texts, ..boot };
            boot::apply_document_settings(&boot);
            current.set(boot);
        });
    });
    move || {
        let boot = current.get();
        let (org, token) = first
            .try_update_value(Option::take)
            .flatten()
            .unwrap_or_else(|| (boot.fragment.org.clone().unwrap_or_default(), String::new()));
        let org = if org.is_empty() {
            boot.fragment.org.clone().unwrap_or_default()
        } else {
            org
        };
        view! { <App boot=boot org=org token=token on_language=on_language /> }
    }
}

/// A page mounted by [`mount_app`]; dropping it unmounts the page and disposes its state
/// (listeners, observers, signals).
pub struct Mounted {
    _handle: Box<dyn std::any::Any>,
}

impl Mounted {
    /// Keep the page mounted for the life of the document.
    pub fn forget(self) {
        std::mem::forget(self);
    }
}

/// Mount the page for `boot` into `container` (after what is there).
pub fn mount_app(container: web_sys::HtmlElement, boot: Boot) -> Mounted {
    Mounted {
        _handle: Box::new(leptos::mount::mount_to(container, move || {
            view! { <Page boot=boot /> }
        })),
    }
}

/// Start-up as a component: read the configuration (while the static form stays usable), then
/// take over from the static form with the page, or show the configuration error page.
#[component]
pub fn Root() -> impl IntoView {
    let booted = LocalResource::new(boot);
    move || {
        let booted = booted.get()?;
        // What was typed into index.html's static form while the page loaded; the static form
        // goes away as the page appears.
        let typed = shell::take();
        if let Some(root) = root() {
            let _ = root.remove_attribute("aria-busy");
        }
        Some(match booted {
            Ok(boot) => {
                boot::apply_document_settings(&boot);
                let (org, token) = (typed.org.clone(), typed.token.clone());
                let focus = send_wrapper::SendWrapper::new(typed);
                request_animation_frame(move || shell::restore_focus(&focus));
                Either::Left(view! { <Page boot=boot org=org token=token /> })
            }
            Err(error) => Either::Right(view! { <ConfigErrorPage error=error /> }),
        })
    }
}

/// Entry point called by `main`: mount the page into `#app`.
pub fn start() {
    // A panic is a bug: say what and where on the console.
    console_error_panic_hook::set_once();
    if let Some(root) = root() {
        leptos::mount::mount_to(root, Root).forget();
    }
}
