//! The page's side of the embedding protocol ([`crate::core::protocol`]): who the host window
//! is, posting to it with an explicit allow-listed target origin (never `'*'`), accepting its
//! messages only from allow-listed origins, and telling it the content height.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, Window};

use crate::core::config::Config;
use crate::core::protocol::{Inbound, Message, RawInbound};
use crate::ui::dom::{document, window};

/// What the mounted page does with a valid message from the host.
type OnMessage = Rc<dyn Fn(Inbound)>;

thread_local! {
    /// Where the host's valid messages go: the page mounted now. One window listener serves
    /// every mount (a language switch mounts the page again).
    static ON_MESSAGE: RefCell<Option<OnMessage>> = const { RefCell::new(None) };
    static LISTENING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// The origin the host proved in its first valid message, for the life of the page.
    static BOUND: Rc<RefCell<Option<String>>> = Rc::new(RefCell::new(None));
}

/// The window that framed or opened the page, if any.
pub fn host_window() -> Option<Window> {
    let w = window();
    if let Ok(Some(parent)) = w.parent() {
        if !js_sys::Object::is(&parent, &w) {
            return Some(parent);
        }
    }
    w.opener()
        .ok()
        .filter(|o| !o.is_null() && !o.is_undefined())
        .map(|o| o.unchecked_into())
}

/// Posts to the host. Until the host has spoken, a message goes to each allow-listed origin (the
/// browser delivers it only where the host's origin matches); afterwards only to the origin the
/// host proved in its first valid message.
#[derive(Clone)]
pub struct Embed {
    allowed: Rc<Vec<String>>,
    bound: Rc<RefCell<Option<String>>>,
}

impl Embed {
    pub fn new(config: &Config) -> Embed {
        Embed {
            allowed: Rc::new(config.allowed_origins.clone()),
            bound: BOUND.with(|b| b.clone()),
        }
    }

    /// Whether there is a host to talk to and origins to talk to it on.
    pub fn active(&self) -> bool {
        !self.allowed.is_empty() && host_window().is_some()
    }

    pub fn post(&self, message: &Message) {
        let Some(target) = host_window() else { return };
        let Ok(text) = crate::core::json_write::to_text(message) else {
            return;
        };
        let Ok(value) = js_sys::JSON::parse(&text) else {
            return;
        };
        let bound = self.bound.borrow().clone();
        let origins: Vec<String> = match bound {
            Some(o) => vec![o],
            None => self.allowed.iter().cloned().collect(),
        };
        for origin in origins {
            // Never '*': the origin is one of the configured ones.
            let _ = target.post_message(&value, &origin);
        }
    }

    /// Listen for the host's messages; `on` gets each valid one. Messages from any origin not on
    /// the allow-list, from another window, or of another shape are ignored.
    pub fn listen(&self, on: impl Fn(Inbound) + 'static) {
        ON_MESSAGE.with(|m| *m.borrow_mut() = Some(Rc::new(on)));
        if LISTENING.with(|l| l.replace(true)) {
            return;
        }
        let allowed = self.allowed.clone();
        let bound = self.bound.clone();
        let handler = Closure::<dyn Fn(MessageEvent)>::new(move |ev: MessageEvent| {
            let origin = ev.origin();
            // Compared as configured and after the same normalization as the configuration's.
            let normalized = crate::core::config::normalize_origin(&origin);
            if !allowed.contains(&origin) || !normalized.is_some_and(|o| allowed.contains(&o)) {
                return;
            }
            let from_host = match (ev.source(), host_window()) {
                (Some(src), Some(host)) => js_sys::Object::is(&src, &host),
                _ => false,
            };
            if !from_host {
                return;
            }
            let Ok(raw) = crate::net::from_js::<RawInbound>(ev.data()) else {
                return;
            };
            if let Some(msg) = Inbound::from_raw(&raw) {
                bound.borrow_mut().get_or_insert(origin);
                if let Some(on) = ON_MESSAGE.with(|m| m.borrow().clone()) {
                    on(msg);
                }
            }
        });
        let _ =
            window().add_event_listener_with_callback("message", handler.as_ref().unchecked_ref());
        handler.forget();
    }

    /// Tell the host the content height whenever it changes, so it can size the frame.
    pub fn watch_height(&self, element: &web_sys::Element) {
        let embed = self.clone();
        let last = Rc::new(RefCell::new(0u32));
        let callback = Closure::<dyn Fn(js_sys::Array)>::new(move |_entries: js_sys::Array| {
            let height = document()
                .document_element()
                .map(|e| e.scroll_height().max(0) as u32)
                .unwrap_or(0);
            if height != *last.borrow() {
                *last.borrow_mut() = height;
                embed.post(&Message::new(crate::core::protocol::Body::Resize {
                    height,
                }));
            }
        });
        if let Ok(observer) = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()) {
            observer.observe(element);
            std::mem::forget(observer);
        }
        callback.forget();
    }
}
