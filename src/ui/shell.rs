//! The shell: index.html carries the form as static HTML, so it can be typed into before the
//! WebAssembly has arrived (on a slow network that is most of a second). When the page takes
//! over, what was typed becomes the initial value of the page's own fields, and focus and the
//! caret go back where they were. The shell has no `<form>` and no `name` attributes: nothing
//! typed into it can be submitted or end up in a URL.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;

/// What was typed into the shell.
#[derive(Default)]
pub struct Typed {
    pub org: String,
    pub token: String,
    /// The focused field (by id) and its selection.
    focus: Option<(&'static str, Option<u32>, Option<u32>)>,
}

/// A field by id: the shell's before the page takes over, the page's afterwards.
fn field(id: &str) -> Option<HtmlInputElement> {
    document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
}

/// Read the shell's fields (before it is replaced; an empty result when there is no shell).
pub fn take() -> Typed {
    let mut typed = Typed::default();
    let active = document().active_element();
    for id in ["org", "token"] {
        let Some(input) = field(id) else { continue };
        if active
            .as_ref()
            .is_some_and(|a| a.is_same_node(Some(&input)))
        {
            let start = input.selection_start().ok().flatten();
            let end = input.selection_end().ok().flatten();
            typed.focus = Some((id, start, end));
        }
        let value = input.value();
        // The shell's value is cleared so it does not outlive the shell anywhere.
        input.set_value("");
        match id {
            "org" => typed.org = value,
            _ => typed.token = value,
        }
    }
    // The static form (and its <noscript>) go; the page's own form takes their place.
    if let Ok(nodes) = document().query_selector_all("#app > [data-shell], #app > noscript") {
        for i in 0..nodes.length() {
            if let Some(node) = nodes
                .item(i)
                .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
            {
                node.remove();
            }
        }
    }
    typed
}

/// Give focus and the caret back to the page's field that had them in the shell.
pub fn restore_focus(typed: &Typed) {
    if let Some((id, start, end)) = typed.focus {
        if let Some(input) = field(id) {
            let _ = input.focus();
            if let (Some(s), Some(e)) = (start, end) {
                let _ = input.set_selection_range(s, e);
            }
        }
    }
}
