//! The page's views: Leptos components written with `view!`. State lives in signals; the views
//! render the core's values through the catalogue and dispatch; they decide nothing the core
//! could decide.
//!
//! * [`session`]: the page's state and actions ([`Session`]: the check, delivery, the
//!   recipient's confirmation, the embedding host), provided by context with the catalogue.
//! * [`app`]: the page ([`App`]), its button, progress and announcements.
//! * [`fields`]: the organization URL and API token fields.
//! * [`result`]: the result area: the report with Connect, or the delivered state.
//! * [`report`]: the check's report and checklist.
//! * [`boot`]: start-up (configuration, fragment, language) and the configuration error page.
//! * [`embed`]: the embedding protocol's browser side (postMessage, the host's size).
//! * [`shell`]: the static form of `index.html`, handed over to the page when it mounts.

mod app;
mod boot;
mod credentials;
mod embed;
mod fields;
mod report;
mod result;
mod session;
mod shell;

pub use app::{App, CheckButton, LanguageMenu, Progress};
pub use boot::{boot, Boot, BootError, ConfigErrorPage};
pub use embed::{observers, Embed};
pub use session::{use_session, DeliveryError, Phase, Recipient, Session};

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::i18n::{Lang, Texts};

fn root() -> Option<web_sys::HtmlElement> {
    document()
        .get_element_by_id("app")
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
}

/// The page for `boot` (see [`provide`]). `org` and `token` are what the fields start with.
#[component]
pub fn Page(
    boot: Boot,
    #[prop(optional)] org: String,
    #[prop(optional)] token: String,
) -> impl IntoView {
    provide(boot, org, token);
    view! { <App /> }
}

/// Put what the page's components read into context: the session and the catalogue in use. A
/// language switch changes the catalogue in place; the page is not mounted again, so what was
/// typed, the focus and the embedding binding stay.
pub fn provide(boot: Boot, org: String, token: String) -> (Session, RwSignal<Texts>) {
    let texts = RwSignal::new(boot.texts.clone());
    provide_context(texts);
    let session = Session::provide(&boot, org, token);
    (session, texts)
}

/// The catalogue in use, from context: text read through it follows a language switch.
pub fn use_texts() -> RwSignal<Texts> {
    expect_context()
}

/// What `say` makes of the current catalogue, as a text node or attribute that follows a
/// language switch (and whatever else `say` reads).
pub fn words(say: impl Fn(&Texts) -> String + Send + Sync + 'static) -> Signal<String> {
    let texts = use_texts();
    // One closure type for every text: boxed, so the page carries one copy of the code.
    let say: Box<dyn Fn(&Texts) -> String + Send + Sync> = Box::new(say);
    Signal::derive(move || texts.with(|t| say(t)))
}

/// The message for `key` in the current language (see [`words`]).
pub fn tr(key: &'static str) -> Signal<String> {
    words(move |t| t.t(key))
}

/// Show the page in `lang`: its catalogue is fetched, then the document (`<html lang dir>`, the
/// title) and every text follow.
pub fn switch_language(lang: Lang) {
    let texts = use_texts();
    let boot = use_session().boot();
    spawn_local(async move {
        let boot = Boot {
            texts: boot::load_texts(lang).await,
            ..boot
        };
        boot::apply_document_settings(&boot);
        texts.set(boot.texts);
    });
}

/// A page mounted by [`mount_app`]; dropping it unmounts the page and disposes its state
/// (listeners, observers, signals).
pub struct Mounted {
    _handle: Box<dyn std::any::Any>,
    /// The page's session.
    pub session: Session,
    /// The catalogue in use: setting it switches the page's language.
    pub texts: RwSignal<Texts>,
}

impl Mounted {
    /// Keep the page mounted for the life of the document.
    pub fn forget(self) {
        std::mem::forget(self._handle);
    }
}

/// Mount the page for `boot` into `container` (after what is there).
pub fn mount_app(container: web_sys::HtmlElement, boot: Boot) -> Mounted {
    let provided = std::rc::Rc::new(std::cell::Cell::new(None));
    let slot = provided.clone();
    let handle = leptos::mount::mount_to(container, move || {
        slot.set(Some(provide(boot, String::new(), String::new())));
        view! { <App /> }
    });
    let (session, texts) = provided.take().expect("mounting runs the view at once");
    Mounted {
        _handle: Box::new(handle),
        session,
        texts,
    }
}

/// Entry point called by `main`: read the configuration (while the static form stays usable),
/// then take over from the static form with the page, or show the configuration error page.
pub fn start() {
    // A panic is a bug: say what and where on the console.
    console_error_panic_hook::set_once();
    let Some(root) = root() else {
        return;
    };
    // Leptos' executor starts with the first mount: this task runs on the browser's own.
    wasm_bindgen_futures::spawn_local(async move {
        let booted = boot().await;
        // What was typed into index.html's static form while the page loaded; the static form
        // goes away as the page appears.
        let typed = shell::take();
        let _ = root.remove_attribute("aria-busy");
        match booted {
            Ok(boot) => {
                boot::apply_document_settings(&boot);
                let (org, token) = (typed.org.clone(), typed.token.clone());
                leptos::mount::mount_to(root, move || {
                    view! { <Page boot=boot org=org token=token /> }
                })
                .forget();
                // In the same task as taking the shell's values: a key pressed during the
                // hand-over lands in the page's field, never on a page with nothing focused.
                shell::restore_focus(&typed);
            }
            Err(error) => leptos::mount::mount_to(root, move || {
                view! { <ConfigErrorPage error=error /> }
            })
            .forget(),
        }
    });
}
