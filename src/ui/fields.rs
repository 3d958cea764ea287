//! The two fields: organization URL (with a live preview of the address it will connect to and
//! the corrections made) and API token (with a reveal toggle and a cleaned-state line that never
//! echoes the token). Errors show once the field has been left or the form submitted.

use leptos::html;
use leptos::prelude::*;

use crate::core::{org_url, token};
use crate::i18n::{describe, Texts};

/// What a field shows under its hint: derived from its value by the core, in words.
#[derive(Clone, Debug, Default, PartialEq)]
struct FieldView {
    /// The org field's preview (the origin it will connect to) or the token's cleaned state.
    preview: Option<String>,
    /// Corrections made to the org URL (one list item each), or the token's warnings.
    notes: Vec<String>,
    /// The org URL's warnings (doubts, never refusals).
    warnings: Vec<String>,
    error: Option<String>,
}

impl FieldView {
    fn invalid(&self) -> &'static str {
        if self.error.is_some() {
            "true"
        } else {
            "false"
        }
    }
}

/// The `<details>` help under a field: numbered steps, extra paragraphs, a link to Okta's docs.
#[component]
fn Help(
    texts: Texts,
    summary: &'static str,
    steps: &'static [&'static str],
    #[prop(optional)] extra: Option<String>,
    href: &'static str,
    link: &'static str,
) -> impl IntoView {
    let t = texts;
    view! {
        <details class="help">
            <summary>{t.t(summary)}</summary>
            <ol>{steps.iter().map(|s| view! { <li>{t.t(s)}</li> }).collect_view()}</ol>
            {extra.map(|p| view! { <p>{p}</p> })}
            <p>
                <a href=href target="_blank" rel="noopener noreferrer">{t.t(link)}</a>
            </p>
        </details>
    }
}

/// The organization URL field.
#[component]
pub fn OrgField(
    texts: Texts,
    /// What is typed.
    value: RwSignal<String>,
    /// Whether the field has been left once.
    left: RwSignal<bool>,
    /// Whether the form was submitted.
    submitted: RwSignal<bool>,
    /// Called on every edit.
    on_edit: Callback<()>,
    node_ref: NodeRef<html::Input>,
    /// Update mode: the org is fixed by the platform (shown, read-only).
    #[prop(optional)]
    fixed: Signal<bool>,
) -> impl IntoView {
    let t = texts.clone();
    let state = Memo::new(move |_| {
        let raw = value.get();
        let show_error = left.get() || submitted.get();
        let parsed = (!raw.trim().is_empty()).then(|| org_url::normalize(&raw));
        let mut view = FieldView::default();
        if let Some(Ok(org)) = &parsed {
            view.preview = Some(org.origin());
            view.notes = org
                .corrections()
                .iter()
                // Adding https:// to a bare host is what everyone expects; not worth a notice.
                .filter(|c| c.code() != "added_scheme")
                .map(|c| t.t(&format!("org.correction.{}", c.code())))
                .collect();
            view.warnings = org
                .warnings()
                .iter()
                .map(|w| t.t(&format!("org.warning.{}", w.code())))
                .collect();
        }
        view.error = match &parsed {
            _ if !show_error => None,
            Some(Ok(_)) => None,
            Some(Err(e)) => Some(describe::org_error(&t, e)),
            None => Some(t.t("org.error.empty")),
        };
        view
    });
    let described = move || {
        state.with(|s| {
            let mut ids = String::from("org-hint");
            if s.preview.is_some() {
                ids.push_str(" org-preview org-notices");
            }
            if !s.warnings.is_empty() {
                ids.push_str(" org-warning");
            }
            if s.error.is_some() {
                ids.push_str(" org-error");
            }
            ids
        })
    };
    let t = texts.clone();
    // The preview is a sentence with the address in it, in bold: "Will connect to {org}",
    // "{org}に接続します". Each language places `{org}` where its word order wants it.
    let connect_to = t.t("org.preview.connect_to");
    let (before, after) = connect_to
        .split_once("{org}")
        .map(|(b, a)| (b.to_string(), a.to_string()))
        .unwrap_or_else(|| (format!("{connect_to} "), String::new()));
    view! {
        <div class="field">
            <label for="org">{t.t("org.label")}</label>
            <input
                id="org"
                name="org"
                dir="ltr"
                autocomplete="off"
                spellcheck="false"
                autocapitalize="none"
                type="text"
                inputmode="url"
                placeholder=t.t("org.placeholder")
                readonly=move || fixed.get()
                prop:value=value.get_untracked()
                aria-invalid=move || state.with(FieldView::invalid)
                aria-describedby=described
                node_ref=node_ref
                on:input=move |ev| {
                    value.set(event_target_value(&ev));
                    on_edit.run(());
                }
                on:blur=move |_| left.set(true)
            />
            <p class="hint" id="org-hint">{t.t("org.hint")}</p>
            {move || {
                state
                    .with(|s| s.preview.clone())
                    .map(|origin| {
                        let (before, after) = (before.clone(), after.clone());
                        view! {
                            <p class="preview" id="org-preview">
                                {before}<strong><bdi>{origin}</bdi></strong>{after}
                            </p>
                            <ul class="notices" id="org-notices">
                                {state
                                    .with(|s| s.notes.clone())
                                    .into_iter()
                                    .map(|n| view! { <li>{n}</li> })
                                    .collect_view()}
                            </ul>
                        }
                    })
            }}
            {move || {
                let warnings = state.with(|s| s.warnings.join(" "));
                (!warnings.is_empty())
                    .then(|| view! { <p class="warning" id="org-warning">{warnings}</p> })
            }}
            {move || {
                state
                    .with(|s| s.error.clone())
                    .map(|e| view! { <p class="field-error" id="org-error">{e}</p> })
            }}
            <Help
                texts=texts.clone()
                summary="org.help.summary"
                steps=&["org.help.step1", "org.help.step2", "org.help.step3"]
                href="https://help.okta.com/en-us/content/topics/settings/settings-customization-domain.htm"
                link="org.help.link"
            />
        </div>
    }
}

/// The API token field.
#[component]
pub fn TokenField(
    texts: Texts,
    value: RwSignal<String>,
    left: RwSignal<bool>,
    submitted: RwSignal<bool>,
    on_edit: Callback<()>,
    node_ref: NodeRef<html::Input>,
    /// Which admin role the deployment needs, in words.
    role_hint: String,
) -> impl IntoView {
    let revealed = RwSignal::new(false);
    let t = texts.clone();
    let state = Memo::new(move |_| {
        let show_error = left.get() || submitted.get();
        // Only the cleaned state, never the token itself, leaves this closure.
        value.with(|raw| {
            let cleaned = (!raw.trim().is_empty()).then(|| token::clean(raw));
            let mut view = FieldView::default();
            if let Some(Ok(tok)) = &cleaned {
                let len = tok.len();
                let mut lines = vec![t.count("token.state.length", "len", len as u64)];
                lines.extend(
                    tok.corrections()
                        .iter()
                        .map(|c| t.t(&format!("token.correction.{}", c.code()))),
                );
                view.preview = Some(lines.join(" "));
                view.notes = tok
                    .warnings()
                    .iter()
                    .map(|w| t.count(&format!("token.warning.{}", w.code()), "len", len as u64))
                    .collect();
            }
            view.error = match &cleaned {
                _ if !show_error => None,
                Some(Ok(_)) => None,
                Some(Err(e)) => Some(describe::token_error(&t, e)),
                None => Some(t.t("token.error.empty")),
            };
            view
        })
    });
    let described = move || {
        state.with(|s| {
            let mut ids = String::from("token-hint");
            if s.preview.is_some() {
                ids.push_str(" token-state");
            }
            if s.error.is_some() {
                ids.push_str(" token-error");
            }
            ids
        })
    };
    let t = texts.clone();
    let (show, hide) = (t.t("token.show"), t.t("token.hide"));
    view! {
        <div class="field">
            <label for="token">{t.t("token.label")}</label>
            <div class="token-row">
                <input
                    id="token"
                    name="token"
                    dir="ltr"
                    autocomplete="off"
                    spellcheck="false"
                    autocapitalize="none"
                    type=move || if revealed.get() { "text" } else { "password" }
                    data-lpignore="true"
                    data-1p-ignore="true"
                    prop:value=value.get_untracked()
                    aria-invalid=move || state.with(FieldView::invalid)
                    aria-describedby=described
                    node_ref=node_ref
                    on:input=move |ev| {
                        value.set(event_target_value(&ev));
                        on_edit.run(());
                    }
                    on:blur=move |_| left.set(true)
                />
                <button
                    type="button"
                    class="secondary"
                    aria-controls="token"
                    aria-pressed=move || if revealed.get() { "true" } else { "false" }
                    on:click=move |_| revealed.update(|r| *r = !*r)
                >
                    {move || if revealed.get() { hide.clone() } else { show.clone() }}
                </button>
            </div>
            <p class="hint" id="token-hint">{t.t("token.hint")}</p>
            {move || {
                state
                    .with(|s| s.preview.clone())
                    .map(|line| view! { <p class="preview" id="token-state">{line}</p> })
            }}
            {move || {
                state
                    .with(|s| s.notes.clone())
                    .into_iter()
                    .map(|w| view! { <p class="warning">{w}</p> })
                    .collect_view()
            }}
            {move || {
                state
                    .with(|s| s.error.clone())
                    .map(|e| view! { <p class="field-error" id="token-error">{e}</p> })
            }}
            <Help
                texts=texts.clone()
                summary="token.help.summary"
                steps=&["token.help.step1", "token.help.step2", "token.help.step3", "token.help.step4"]
                extra=role_hint
                href="https://help.okta.com/en-us/content/topics/security/api.htm"
                link="token.help.link"
            />
        </div>
    }
}
