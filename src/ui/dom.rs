//! The page's markup: elements, text, attributes, listeners, and regions whose content is
//! replaced as a whole when the state they show changes. Deliberately non-generic: every
//! element of the page goes through these few functions, so markup costs code once instead of
//! once per element type and nesting (what typed view trees cost; see BENCHMARK.md). Text is
//! always inserted as text, never parsed as HTML.

use std::cell::RefCell;
use std::rc::Rc;

use reactive_graph::effect::Effect;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Event, EventTarget, Node, Window};

pub fn window() -> Window {
    web_sys::window().expect_throw("a window")
}

pub fn document() -> Document {
    window().document().expect_throw("a document")
}

/// An element under construction; every method returns it for chaining.
#[derive(Clone)]
pub struct El(pub Element);

/// A new `<tag>` element.
pub fn el(tag: &str) -> El {
    El(document().create_element(tag).expect_throw("an element"))
}

impl El {
    pub fn attr(self, name: &str, value: &str) -> El {
        let _ = self.0.set_attribute(name, value);
        self
    }

    pub fn class(self, value: &str) -> El {
        self.attr("class", value)
    }

    pub fn id(self, value: &str) -> El {
        self.attr("id", value)
    }

    /// Append `text` as a text node.
    pub fn text(self, text: &str) -> El {
        let _ = self.0.append_with_str_1(text);
        self
    }

    pub fn child(self, child: El) -> El {
        let _ = self.0.append_child(&child.0);
        self
    }

    pub fn maybe(self, child: Option<El>) -> El {
        match child {
            Some(c) => self.child(c),
            None => self,
        }
    }

    pub fn children(self, children: Vec<El>) -> El {
        for c in children {
            let _ = self.0.append_child(&c.0);
        }
        self
    }

    /// Listen for `event` on this element.
    pub fn on(self, event: &str, handler: impl Fn(Event) + 'static) -> El {
        listen(&self.0, event, Box::new(handler));
        self
    }

    /// Append an empty region here, to be filled later.
    pub fn region(self, region: &Region) -> El {
        let _ = self.0.append_child(&region.anchor);
        self
    }
}

/// Listen for `event` on `target` for the life of the page.
pub fn listen(target: &EventTarget, event: &str, handler: Box<dyn Fn(Event)>) {
    let closure = Closure::<dyn Fn(Event)>::wrap(handler);
    let _ = target.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
    closure.forget();
}

/// Set an attribute on an element that already exists.
pub fn set_attr(element: &Element, name: &str, value: &str) {
    if element.get_attribute(name).as_deref() != Some(value) {
        let _ = element.set_attribute(name, value);
    }
}

/// Replace the text of `element`, leaving it alone when unchanged (a live region would
/// otherwise announce the same words again).
pub fn set_text(element: &Element, text: &str) {
    if element.text_content().as_deref() != Some(text) {
        element.set_text_content(Some(text));
    }
}

/// A place in the markup whose content is replaced as a whole. An empty text node marks it,
/// so the content sits directly in its parent, as if written there.
#[derive(Clone)]
pub struct Region {
    anchor: Node,
    shown: Rc<RefCell<Vec<Element>>>,
}

impl Default for Region {
    fn default() -> Self {
        Region::new()
    }
}

impl Region {
    pub fn new() -> Region {
        Region {
            anchor: document().create_text_node("").into(),
            shown: Rc::new(RefCell::new(Vec::new())),
        }
    }

    /// Show `content` here instead of what was shown. When focus was inside the old content it
    /// moves to the first control of the new content, or to its first element.
    pub fn set(&self, content: Vec<El>) {
        let mut shown = self.shown.borrow_mut();
        let focused = document().active_element();
        let had_focus = focused
            .as_ref()
            .is_some_and(|f| shown.iter().any(|e| e.contains(Some(f))));
        for old in shown.drain(..) {
            old.remove();
        }
        let Some(parent) = self.anchor.parent_node() else {
            return;
        };
        for new in content {
            let _ = parent.insert_before(&new.0, Some(&self.anchor));
            shown.push(new.0);
        }
        if had_focus {
            let target = shown
                .iter()
                .find_map(|e| e.query_selector("button, input, select, a").ok().flatten())
                .or_else(|| shown.first().cloned());
            if let Some(t) = target.and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) {
                let _ = t.focus();
            }
        }
    }
}

/// Run `update` now and again whenever a signal it read changes (Leptos' reactive graph tracks
/// what it reads). One instantiation for the whole page.
pub fn effect(update: Box<dyn Fn()>) {
    let update = OneThread(update);
    Effect::new_sync(move |_: Option<()>| update.run());
}

/// An effect's update, which holds DOM handles and so is not `Send`. Leptos' thread-local
/// effects check at run time, through `std::thread::current`, that they stay on their thread
/// (about 2 kB of the module for the thread handle and its allocator); here there is only one
/// thread to stay on, which the `cfg` below makes a compile-time fact.
struct OneThread(Box<dyn Fn()>);

impl OneThread {
    fn run(&self) {
        (self.0)()
    }
}

// SAFETY: wasm32 without the atomics feature cannot start a second thread, so the update can
// only ever be called or dropped on the thread that made it.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
unsafe impl Send for OneThread {}
// SAFETY: as above; no two threads can share it.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
unsafe impl Sync for OneThread {}

/// Run a task on the browser's microtask queue. Every task goes through this one boxed type
/// (the one Leptos' executor spawns too), so the task machinery is in the module once rather
/// than once per `async` block.
pub fn spawn(task: std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>) {
    wasm_bindgen_futures::spawn_local(task);
}

/// Run `then` after the browser has rendered the current changes (for moving focus).
pub fn after_render(then: Box<dyn FnOnce()>) {
    let callback = Closure::once_into_js(then);
    let _ = window().request_animation_frame(callback.unchecked_ref());
}

/// Focus an element by id, if it is on the page.
pub fn focus_id(id: &str) {
    if let Some(e) = document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = e.focus();
    }
}
