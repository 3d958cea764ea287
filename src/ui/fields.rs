//! The two fields: organization URL (with a live preview of the address it will connect to and
//! the corrections made) and API token (with a reveal toggle and a cleaned-state line that never
//! echoes the token). Errors show once the field has been left or the form submitted.

use leptos::prelude::*;

use crate::core::{org_url, token};
use crate::i18n::Texts;
use crate::ui::report::{org_error_text, token_error_text};

/// Where the live org normalization stands.
#[component]
pub fn OrgField(
    texts: Texts,
    value: ReadSignal<String>,
    set_value: WriteSignal<String>,
    show_error: Signal<bool>,
    on_blur: Callback<()>,
    node: NodeRef<leptos::html::Input>,
) -> impl IntoView {
    let parsed = Memo::new(move |_| {
        let v = value.get();
        if v.trim().is_empty() {
            None
        } else {
            Some(org_url::normalize(&v))
        }
    });
    let invalid = move || show_error.get() && matches!(parsed.get(), Some(Err(_)) | None);
    let t = texts.clone();
    let preview = move || match parsed.get() {
        Some(Ok(org)) => {
            let notices: Vec<String> = org
                .corrections()
                .iter()
                // Adding https:// to a bare host is what everyone expects; not worth a notice.
                .filter(|c| c.code() != "added_scheme")
                .map(|c| t.t(&format!("org.correction.{}", c.code())))
                .collect();
            Some(
                view! {
                    <p class="preview" id="org-preview">
                        {t.t("org.preview.connect_to")} " " <strong>{org.origin()}</strong>
                    </p>
                    <ul class="notices" id="org-notices">
                        {notices.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}
                    </ul>
                }
                .into_any(),
            )
        }
        _ => None,
    };
    let t = texts.clone();
    let error = move || {
        if !show_error.get() {
            return None;
        }
        let text = match parsed.get() {
            Some(Err(e)) => org_error_text(&t, &e),
            None => t.t("org.error.empty"),
            Some(Ok(_)) => return None,
        };
        Some(view! { <p class="field-error" id="org-error">{text}</p> })
    };
    let described = move || {
        let mut ids = vec!["org-hint"];
        if matches!(parsed.get(), Some(Ok(_))) {
            ids.push("org-preview");
            ids.push("org-notices");
        }
        if invalid() {
            ids.push("org-error");
        }
        ids.join(" ")
    };
    let t = texts.clone();
    view! {
        <div class="field">
            <label for="org">{t.t("org.label")}</label>
            <input
                id="org"
                name="org"
                type="text"
                dir="ltr"
                inputmode="url"
                autocomplete="off"
                spellcheck="false"
                autocapitalize="none"
                placeholder=t.t("org.placeholder")
                node_ref=node
                prop:value=move || value.get()
                aria-invalid=move || if invalid() { "true" } else { "false" }
                aria-describedby=described
                on:input=move |ev| set_value.set(event_target_value(&ev))
                on:blur=move |_| on_blur.run(())
            />
            <p class="hint" id="org-hint">{t.t("org.hint")}</p>
            {preview}
            {error}
            <details class="help">
                <summary>{t.t("org.help.summary")}</summary>
                <ol>
                    <li>{t.t("org.help.step1")}</li>
                    <li>{t.t("org.help.step2")}</li>
                    <li>{t.t("org.help.step3")}</li>
                </ol>
                <p>
                    <a href="https://help.okta.com/en-us/content/topics/settings/settings-customization-domain.htm" target="_blank" rel="noopener noreferrer">
                        {t.t("org.help.link")}
                    </a>
                </p>
            </details>
        </div>
    }
}

/// What the token field shows about the cleaned token: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenState {
    pub len: usize,
    pub corrections: Vec<&'static str>,
    pub warnings: Vec<&'static str>,
}

/// Nothing typed yet, the cleaned state, or why the input is refused.
pub type TokenCheck = Option<Result<TokenState, token::TokenError>>;

#[component]
pub fn TokenField(
    texts: Texts,
    /// Only the cleaned state, never the token itself, is shown.
    cleaned: Memo<TokenCheck>,
    set_raw: WriteSignal<String>,
    show_error: Signal<bool>,
    on_blur: Callback<()>,
    node: NodeRef<leptos::html::Input>,
    role_hint: String,
) -> impl IntoView {
    let (revealed, set_revealed) = signal(false);
    let invalid = move || show_error.get() && !matches!(cleaned.get(), Some(Ok(_)));
    let t = texts.clone();
    let state =
        move || match cleaned.get() {
            Some(Ok(TokenState {
                len,
                corrections,
                warnings,
            })) => {
                let mut lines = vec![t.f("token.state.length", &[("len", &len.to_string())])];
                lines.extend(
                    corrections
                        .iter()
                        .map(|c| t.t(&format!("token.correction.{c}"))),
                );
                let warn: Vec<String> = warnings
                    .iter()
                    .map(|w| t.f(&format!("token.warning.{w}"), &[("len", &len.to_string())]))
                    .collect();
                Some(view! {
                <p class="preview" id="token-state">{lines.join(" ")}</p>
                {warn.into_iter().map(|w| view! { <p class="warning">{w}</p> }).collect_view()}
            }
            .into_any())
            }
            _ => None,
        };
    let t = texts.clone();
    let error = move || {
        if !show_error.get() {
            return None;
        }
        let text = match cleaned.get() {
            Some(Err(e)) => token_error_text(&t, &e),
            None => t.t("token.error.empty"),
            Some(Ok(_)) => return None,
        };
        Some(view! { <p class="field-error" id="token-error">{text}</p> })
    };
    let described = move || {
        let mut ids = vec!["token-hint"];
        if matches!(cleaned.get(), Some(Ok(_))) {
            ids.push("token-state");
        }
        if invalid() {
            ids.push("token-error");
        }
        ids.join(" ")
    };
    let t = texts.clone();
    let show_label = t.t("token.show");
    let hide_label = t.t("token.hide");
    view! {
        <div class="field">
            <label for="token">{t.t("token.label")}</label>
            <div class="token-row">
                <input
                    id="token"
                    name="token"
                    dir="ltr"
                    type=move || if revealed.get() { "text" } else { "password" }
                    autocomplete="off"
                    spellcheck="false"
                    autocapitalize="none"
                    data-lpignore="true"
                    data-1p-ignore="true"
                    node_ref=node
                        aria-invalid=move || if invalid() { "true" } else { "false" }
                    aria-describedby=described
                    on:input=move |ev| set_raw.set(event_target_value(&ev))
                    on:blur=move |_| on_blur.run(())
                />
                <button
                    type="button"
                    class="secondary"
                    aria-controls="token"
                    aria-pressed=move || if revealed.get() { "true" } else { "false" }
                    on:click=move |_| set_revealed.update(|r| *r = !*r)
                >
                    {move || if revealed.get() { hide_label.clone() } else { show_label.clone() }}
                </button>
            </div>
            <p class="hint" id="token-hint">{t.t("token.hint")}</p>
            {state}
            {error}
            <details class="help">
                <summary>{t.t("token.help.summary")}</summary>
                <ol>
                    <li>{t.t("token.help.step1")}</li>
                    <li>{t.t("token.help.step2")}</li>
                    <li>{t.t("token.help.step3")}</li>
                    <li>{t.t("token.help.step4")}</li>
                </ol>
                <p>{role_hint}</p>
                <p>
                    <a href="https://help.okta.com/en-us/content/topics/security/api.htm" target="_blank" rel="noopener noreferrer">
                        {t.t("token.help.link")}
                    </a>
                </p>
            </details>
        </div>
    }
}
