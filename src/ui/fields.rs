//! The two fields: organization URL (with a live preview of the address it will connect to and
//! the corrections made) and API token (with a reveal toggle and a cleaned-state line that never
//! echoes the token). Errors show once the field has been left or the form submitted.

use reactive_graph::signal::RwSignal;
use reactive_graph::traits::{Get, GetUntracked, Set};
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;

use crate::core::{org_url, token};
use crate::i18n::{describe, Texts};
use crate::ui::dom::{effect, el, set_attr, El, Region};

/// What a field needs from the page: its raw value, whether it has been left, whether the form
/// was submitted, and what to do when it is edited.
pub struct FieldState {
    pub value: RwSignal<String>,
    pub left: RwSignal<bool>,
    pub submitted: RwSignal<bool>,
    pub on_edit: Box<dyn Fn()>,
}

fn input_value(ev: &web_sys::Event) -> String {
    ev.target()
        .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        .map(|i| i.value())
        .unwrap_or_default()
}

/// The input element of an element built as one.
fn as_input(input: &El) -> HtmlInputElement {
    input.0.clone().unchecked_into()
}

/// The `<details>` help under a field: numbered steps, extra paragraphs, a link to Okta's docs.
fn help(t: &Texts, summary: &str, steps: &[&str], extra: Option<String>, link: (&str, &str)) -> El {
    let list = el("ol").children(steps.iter().map(|s| el("li").text(&t.t(s))).collect());
    el("details")
        .class("help")
        .child(el("summary").text(&t.t(summary)))
        .child(list)
        .maybe(extra.map(|p| el("p").text(&p)))
        .child(
            el("p").child(
                el("a")
                    .attr("href", link.0)
                    .attr("target", "_blank")
                    .attr("rel", "noopener noreferrer")
                    .text(&t.t(link.1)),
            ),
        )
}

/// Show a field's state under it: `content`, then the error if there is one (with id
/// `error_id`); the input is marked invalid and described by the hint, the state and the error.
fn show_state(
    region: &Region,
    input: &HtmlInputElement,
    mut content: Vec<El>,
    mut described: String,
    error: Option<String>,
    error_id: &str,
) {
    if let Some(text) = &error {
        content.push(el("p").class("field-error").id(error_id).text(text));
        described.push(' ');
        described.push_str(error_id);
    }
    region.set(content);
    set_attr(
        input,
        "aria-invalid",
        if error.is_some() { "true" } else { "false" },
    );
    set_attr(input, "aria-describedby", &described);
}

/// A text input with the attributes both fields share.
fn base_input(id: &str) -> El {
    el("input")
        .id(id)
        .attr("name", id)
        .attr("dir", "ltr")
        .attr("autocomplete", "off")
        .attr("spellcheck", "false")
        .attr("autocapitalize", "none")
}

/// Wire an input to its state: typing updates the value, leaving marks it left.
fn wire(input: El, state: &FieldState) -> El {
    let (value, left) = (state.value, state.left);
    input
        .on("input", move |ev| value.set(input_value(&ev)))
        .on("blur", move |_| left.set(true))
}

pub fn org_field(t: &Texts, state: FieldState) -> (El, HtmlInputElement) {
    let region = Region::new();
    let input = wire(
        base_input("org")
            .attr("type", "text")
            .attr("inputmode", "url")
            .attr("placeholder", &t.t("org.placeholder")),
        &state,
    );
    let on_edit = state.on_edit;
    let input = input.on("input", move |_| on_edit());
    let node = as_input(&input);
    let field = el("div")
        .class("field")
        .child(el("label").attr("for", "org").text(&t.t("org.label")))
        .child(input)
        .child(el("p").class("hint").id("org-hint").text(&t.t("org.hint")))
        .region(&region)
        .child(help(
            t,
            "org.help.summary",
            &["org.help.step1", "org.help.step2", "org.help.step3"],
            None,
            (
                "https://help.okta.com/en-us/content/topics/settings/settings-customization-domain.htm",
                "org.help.link",
            ),
        ));
    node.set_value(&state.value.get_untracked());
    let input = node.clone();

    let t = t.clone();
    let (value, left, submitted) = (state.value, state.left, state.submitted);
    effect(Box::new(move || {
        let raw = value.get();
        let show_error = left.get() || submitted.get();
        let parsed = (!raw.trim().is_empty()).then(|| org_url::normalize(&raw));
        let mut described = String::from("org-hint");
        let mut content = Vec::new();
        if let Some(Ok(org)) = &parsed {
            let notices = org
                .corrections()
                .iter()
                // Adding https:// to a bare host is what everyone expects; not worth a notice.
                .filter(|c| c.code() != "added_scheme")
                .map(|c| el("li").text(&t.t(&format!("org.correction.{}", c.code()))))
                .collect();
            content.push(
                el("p")
                    .class("preview")
                    .id("org-preview")
                    .text(&t.t("org.preview.connect_to"))
                    .text(" ")
                    .child(el("strong").text(&org.origin())),
            );
            content.push(
                el("ul")
                    .class("notices")
                    .id("org-notices")
                    .children(notices),
            );
            described.push_str(" org-preview org-notices");
        }
        let error = match &parsed {
            _ if !show_error => None,
            Some(Ok(_)) => None,
            Some(Err(e)) => Some(describe::org_error(&t, e)),
            None => Some(t.t("org.error.empty")),
        };
        show_state(&region, &node, content, described, error, "org-error");
    }));
    (field, input)
}

pub fn token_field(t: &Texts, state: FieldState, role_hint: String) -> (El, HtmlInputElement) {
    let region = Region::new();
    let revealed = RwSignal::new(false);
    let input = wire(
        base_input("token")
            .attr("type", "password")
            .attr("data-lpignore", "true")
            .attr("data-1p-ignore", "true"),
        &state,
    );
    let on_edit = state.on_edit;
    let input = input.on("input", move |_| on_edit());
    let node = as_input(&input);
    let toggle = el("button")
        .attr("type", "button")
        .class("secondary")
        .attr("aria-controls", "token")
        .attr("aria-pressed", "false")
        .text(&t.t("token.show"))
        .on("click", move |_| revealed.set(!revealed.get_untracked()));
    let toggle_node = toggle.0.clone();
    let field = el("div")
        .class("field")
        .child(el("label").attr("for", "token").text(&t.t("token.label")))
        .child(el("div").class("token-row").child(input).child(toggle))
        .child(
            el("p")
                .class("hint")
                .id("token-hint")
                .text(&t.t("token.hint")),
        )
        .region(&region)
        .child(help(
            t,
            "token.help.summary",
            &[
                "token.help.step1",
                "token.help.step2",
                "token.help.step3",
                "token.help.step4",
            ],
            Some(role_hint),
            (
                "https://help.okta.com/en-us/content/topics/security/api.htm",
                "token.help.link",
            ),
        ));
    let input = node.clone();
    let (show, hide) = (t.t("token.show"), t.t("token.hide"));
    effect(Box::new(move || {
        let on = revealed.get();
        set_attr(&node, "type", if on { "text" } else { "password" });
        set_attr(
            &toggle_node,
            "aria-pressed",
            if on { "true" } else { "false" },
        );
        crate::ui::dom::set_text(&toggle_node, if on { &hide } else { &show });
    }));

    let t = t.clone();
    let node = input.clone();
    let (value, left, submitted) = (state.value, state.left, state.submitted);
    effect(Box::new(move || {
        let raw = value.get();
        let show_error = left.get() || submitted.get();
        let cleaned = (!raw.trim().is_empty()).then(|| token::clean(&raw));
        drop(raw);
        let mut described = String::from("token-hint");
        let mut content = Vec::new();
        // Only the cleaned state, never the token itself, is shown.
        if let Some(Ok(tok)) = &cleaned {
            let len = tok.len().to_string();
            let mut lines = vec![t.f("token.state.length", &[("len", &len)])];
            lines.extend(
                tok.corrections()
                    .iter()
                    .map(|c| t.t(&format!("token.correction.{}", c.code()))),
            );
            content.push(
                el("p")
                    .class("preview")
                    .id("token-state")
                    .text(&crate::core::text::join(&lines, " ")),
            );
            for w in tok.warnings() {
                let text = t.f(&format!("token.warning.{}", w.code()), &[("len", &len)]);
                content.push(el("p").class("warning").text(&text));
            }
            described.push_str(" token-state");
        }
        let error = match &cleaned {
            _ if !show_error => None,
            Some(Ok(_)) => None,
            Some(Err(e)) => Some(describe::token_error(&t, e)),
            None => Some(t.t("token.error.empty")),
        };
        drop(cleaned);
        show_state(&region, &node, content, described, error, "token-error");
    }));
    (field, input)
}
