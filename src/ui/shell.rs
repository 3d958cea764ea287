//! The shell: index.html carries the form as static HTML, so it can be typed into before the
//! WebAssembly has arrived (on a slow network that is most of a second). When the page takes
//! over, what was typed and where the caret was are carried into the page's own fields, which
//! then react as if it had just been typed. The shell has no `<form>` and no `name` attributes:
//! nothing typed into it can be submitted or end up in a URL.

use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;

use crate::ui::dom::document;

/// The fields the shell and the page share, by id.
const FIELDS: [&str; 2] = ["org", "token"];

/// What was typed into the shell.
#[derive(Default)]
pub struct Typed {
    values: Vec<(&'static str, String)>,
    /// The focused field and its selection.
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
    for id in FIELDS {
        let Some(input) = field(id) else { continue };
        let value = input.value();
        if active
            .as_ref()
            .is_some_and(|a| a.is_same_node(Some(&input)))
        {
            let start = input.selection_start().ok().flatten();
            let end = input.selection_end().ok().flatten();
            typed.focus = Some((id, start, end));
        }
        // The shell's value is cleared so it does not outlive the shell anywhere.
        input.set_value("");
        if !value.is_empty() {
            typed.values.push((id, value));
        }
    }
    typed
}

/// Put what was typed into the page's fields, announce it to them as input, and give focus
/// and the caret back.
pub fn restore(typed: Typed) {
    for (id, value) in typed.values {
        let Some(input) = field(id) else { continue };
        input.set_value(&value);
        if let Ok(event) = web_sys::Event::new("input") {
            let _ = input.dispatch_event(&event);
        }
    }
    if let Some((id, start, end)) = typed.focus {
        if let Some(input) = field(id) {
            let _ = input.focus();
            if let (Some(s), Some(e)) = (start, end) {
                let _ = input.set_selection_range(s, e);
            }
        }
    }
}
