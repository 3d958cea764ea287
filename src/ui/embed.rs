//! The page's side of the embedding protocol ([`crate::core::protocol`]): who the host window
//! is, posting to it with an explicit allow-listed target origin (never `'*'`; which ones is the
//! core's [`recipients`]), accepting its messages only from allow-listed origins, and telling it
//! the content height. The listeners and the observer live as long as the component that asked
//! for them (see [`crate::ui::Session`]).

use std::cell::RefCell;
use std::rc::Rc;

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, ResizeObserver, Window};

use crate::core::config::Config;
use crate::core::protocol::{recipients, Body, Inbound, Message, RawInbound};

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

/// Posts to the host, to the origins [`recipients`] names: after the host's first valid message
/// only to the origin it came from; before it, each allow-listed origin for a message without a
/// secret (the browser delivers it only where the host's origin matches), none for `connected`.
/// The origin the host proves in its first valid message is kept for the life of the page
/// (the [`Session`](crate::ui::Session) holds the `Embed`; a language switch keeps both).
#[derive(Clone)]
pub struct Embed {
    allowed: Rc<Vec<String>>,
    bound: Rc<RefCell<Option<String>>>,
}

impl Embed {
    pub fn new(config: &Config) -> Embed {
        Embed {
            allowed: Rc::new(config.allowed_origins.clone()),
            bound: Rc::default(),
        }
    }

    /// The origin the host proved, once it has spoken.
    pub fn bound(&self) -> Option<String> {
        self.bound.borrow().clone()
    }

    /// Bind the page to `origin` (what [`Embed::listen`] does with the first valid message's
    /// origin) if it is allowed and nothing is bound yet; whether it is bound to `origin` now.
    pub fn bind(&self, origin: &str) -> bool {
        if !self.allowed.iter().any(|a| a == origin) {
            return false;
        }
        self.bound
            .borrow_mut()
            .get_or_insert_with(|| origin.to_string())
            == origin
    }

    /// Whether there is a host to talk to and origins to talk to it on.
    pub fn active(&self) -> bool {
        !self.allowed.is_empty() && host_window().is_some()
    }

    /// Post `message` to the host; whether it was handed to the browser for at least one origin
    /// (`false` for `connected` before the host has spoken: it cannot be delivered).
    pub fn post(&self, message: &Message) -> bool {
        let Some(target) = host_window() else {
            return false;
        };
        let bound = self.bound.borrow().clone();
        let origins = recipients(message, bound.as_deref(), &self.allowed);
        if origins.is_empty() {
            return false;
        }
        let Ok(value) = crate::net::to_js(message) else {
            return false;
        };
        // Never '*': each origin is one of the configured ones. To every one of them (not
        // `any`, which would stop at the first).
        let mut sent = false;
        for origin in origins {
            sent |= target.post_message(&value, origin).is_ok();
        }
        sent
    }

    /// Listen for the host's messages while the calling component lives; `on` gets each valid
    /// one. Messages from any origin not on the allow-list, from another window, or of another
    /// shape are ignored.
    pub fn listen(&self, on: impl Fn(Inbound) + 'static) {
        let embed = self.clone();
        let handle = window_event_listener(ev::message, move |ev: MessageEvent| {
            let origin = ev.origin();
            // Compared as configured and after the same normalization as the configuration's.
            let normalized = crate::core::origin::normalize_origin(&origin).ok();
            let allowed = &embed.allowed;
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
            // Only the origin the page is bound to (the first to answer) is listened to: a
            // second allowed origin cannot replace the session or the mode.
            if let Some(msg) = Inbound::from_raw(&raw) {
                if embed.bind(&origin) {
                    on(msg);
                }
            }
        });
        on_cleanup(move || handle.remove());
    }

    /// Tell the host the content height whenever it changes, so it can size the frame, while the
    /// calling component lives: the observer is disconnected when it is disposed.
    pub fn watch_height(&self, element: &web_sys::Element) {
        let embed = self.clone();
        let last = Rc::new(RefCell::new(0u32));
        let callback = Closure::<dyn Fn(js_sys::Array)>::new(move |_entries: js_sys::Array| {
            // The body's, not the root element's: the root is never shorter than the frame, so
            // its height could grow the frame but never shrink it again.
            let height = document()
                .body()
                .map(|b| b.scroll_height().max(0) as u32)
                .unwrap_or(0);
            if height != *last.borrow() {
                *last.borrow_mut() = height;
                embed.post(&Message::new(Body::Resize { height }));
            }
        });
        let Ok(observer) = ResizeObserver::new(callback.as_ref().unchecked_ref()) else {
            return;
        };
        observer.observe(element);
        OBSERVERS.with(|n| n.set(n.get() + 1));
        let held = send_wrapper::SendWrapper::new((observer, callback));
        on_cleanup(move || {
            let (observer, _callback) = held.take();
            observer.disconnect();
            OBSERVERS.with(|n| n.set(n.get() - 1));
        });
    }
}

thread_local! {
    static OBSERVERS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// How many size observers are connected now (one per mounted page; the browser tests check
/// it).
pub fn observers() -> u32 {
    OBSERVERS.with(|n| n.get())
}
