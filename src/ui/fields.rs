//! The credential fields, one component for each: the organization URL (with a live preview of
//! the address it will connect to and the corrections made), the API token and the OIN client
//! secret (with a reveal toggle and a cleaned-state line that never echoes the secret), and the
//! client ID (with what was taken out of a pasted address). Errors show once the field has been
//! left or the form submitted. What a field says is the core's reading of its value, in the
//! current language.

use leptos::either::Either;
use leptos::html;
use leptos::prelude::*;

use crate::core::credential::{self, ClientIdError};
use crate::core::plan::DataKind;
use crate::core::{org_url, token};
use crate::i18n::{describe, Texts};
use crate::ui::session::{use_session, Session};
use crate::ui::{tr, use_texts, words};

/// Which role advice fits what the deployment requires.
fn role_hint_key(required: &[DataKind]) -> &'static str {
    if required.contains(&DataKind::Roles) {
        "roles"
    } else if required.contains(&DataKind::Logs) || required.contains(&DataKind::Groups) {
        "logs"
    } else {
        "users"
    }
}

/// Which field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    OrgUrl,
    Token,
    ClientId,
    ClientSecret,
}

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

impl Kind {
    /// The input's `id` and `name`, and the prefix of its parts' ids.
    fn id(self) -> &'static str {
        match self {
            Kind::OrgUrl => "org",
            Kind::Token => "token",
            Kind::ClientId => "client-id",
            Kind::ClientSecret => "client-secret",
        }
    }

    /// Whether the value is a secret: a password field with a reveal toggle.
    fn secret(self) -> bool {
        matches!(self, Kind::Token | Kind::ClientSecret)
    }

    fn value(self, s: Session) -> RwSignal<String> {
        match self {
            Kind::OrgUrl => s.org,
            Kind::Token => s.token,
            Kind::ClientId => s.client_id,
            Kind::ClientSecret => s.client_secret,
        }
    }

    fn input(self, s: Session) -> NodeRef<html::Input> {
        match self {
            Kind::OrgUrl => s.org_input,
            Kind::Token => s.token_input,
            Kind::ClientId => s.client_id_input,
            Kind::ClientSecret => s.client_secret_input,
        }
    }

    /// The catalogue's key for `part` of this field (`org.label`, `token.hint`,
    /// `client_id.label`, …).
    fn key(self, part: &str) -> String {
        let prefix = match self {
            Kind::OrgUrl => "org",
            Kind::Token => "token",
            Kind::ClientId => "client_id",
            Kind::ClientSecret => "client_secret",
        };
        format!("{prefix}.{part}")
    }

    /// What the core makes of `raw`, in words; errors only when `show_error`.
    fn read(self, t: &Texts, raw: &str, show_error: bool) -> FieldView {
        let mut view = FieldView::default();
        let empty = raw.trim().is_empty();
        let error = match self {
            Kind::OrgUrl => match org_url::normalize(raw) {
                _ if empty => None,
                Ok(org) => {
                    view.preview = Some(org.origin());
                    view.notes = org
                        .corrections()
                        .iter()
                        // Adding https:// to a bare host is what everyone expects; not worth a
                        // notice.
                        .filter(|c| c.code() != "added_scheme")
                        .map(|c| t.t(&format!("org.correction.{}", c.code())))
                        .collect();
                    view.warnings = org
                        .warnings()
                        .iter()
                        .map(|w| t.t(&format!("org.warning.{}", w.code())))
                        .collect();
                    return view.with_error(None, show_error);
                }
                Err(e) => Some(describe::org_error(t, &e)),
            },
            // Only the cleaned state, never the token itself, leaves this function.
            Kind::Token => match token::clean(raw) {
                _ if empty => None,
                Ok(tok) => {
                    let len = tok.len() as u64;
                    let mut lines = vec![t.count("token.state.length", "len", len)];
                    lines.extend(
                        tok.corrections()
                            .iter()
                            .map(|c| t.t(&format!("token.correction.{}", c.code()))),
                    );
                    view.preview = Some(lines.join(" "));
                    view.notes = tok
                        .warnings()
                        .iter()
                        .map(|w| t.count(&format!("token.warning.{}", w.code()), "len", len))
                        .collect();
                    return view.with_error(None, show_error);
                }
                Err(e) => Some(describe::token_error(t, &e)),
            },
            Kind::ClientId => match credential::clean_client_id(raw) {
                _ if empty => None,
                Ok(id) => {
                    view.preview = Some(t.f("client_id.state", &[("id", id.as_str())]));
                    view.notes = id
                        .corrections()
                        .iter()
                        .map(|c| t.t(&format!("client_id.correction.{}", c.code())))
                        .collect();
                    view.warnings = id
                        .warnings()
                        .iter()
                        .map(|w| t.t(&format!("client_id.warning.{}", w.code())))
                        .collect();
                    return view.with_error(None, show_error);
                }
                Err(e) => Some(client_error(t, self, e)),
            },
            // Only the cleaned state, never the secret itself.
            Kind::ClientSecret => match credential::clean_client_secret(raw) {
                _ if empty => None,
                Ok(secret) => {
                    let len = secret.secret().len() as u64;
                    view.preview = Some(t.count("token.state.length", "len", len));
                    return view.with_error(None, show_error);
                }
                Err(e) => Some(client_error(t, self, e)),
            },
        };
        let error = error.unwrap_or_else(|| t.t(&self.key("error.empty")));
        view.with_error(Some(error), show_error)
    }

    /// The ids of what describes the input (`aria-describedby`).
    fn described(self, s: &FieldView) -> String {
        let id = self.id();
        let mut ids = format!("{id}-hint");
        if s.preview.is_some() {
            match self {
                Kind::OrgUrl => ids.push_str(" org-preview org-notices"),
                _ => ids.push_str(&format!(" {id}-state")),
            }
        }
        if !s.warnings.is_empty() {
            ids.push_str(&format!(" {id}-warning"));
        }
        // The org's notes are in `org-notices`; the other fields' under the field.
        if self != Kind::OrgUrl && !s.notes.is_empty() {
            ids.push_str(&format!(" {id}-notes"));
        }
        if s.error.is_some() {
            ids.push_str(&format!(" {id}-error"));
        }
        ids
    }
}

/// Why a client ID or secret is refused, in words.
fn client_error(t: &Texts, kind: Kind, e: ClientIdError) -> String {
    let key = kind.key(&format!("error.{}", e.code()));
    match e {
        ClientIdError::TooLong { max } => t.count(&key, "max", max as u64),
        _ => t.t(&key),
    }
}

impl FieldView {
    fn with_error(mut self, error: Option<String>, show_error: bool) -> FieldView {
        self.error = error.filter(|_| show_error);
        self
    }

    fn invalid(&self) -> &'static str {
        if self.error.is_some() {
            "true"
        } else {
            "false"
        }
    }
}

/// The `<details>` help under a field: numbered steps, an extra paragraph, a link to Okta's
/// docs.
#[component]
fn Help(kind: Kind) -> impl IntoView {
    let (steps, href): (&'static [&'static str], _) = match kind {
        Kind::OrgUrl => (
            &["org.help.step1", "org.help.step2", "org.help.step3"],
            "https://help.okta.com/en-us/content/topics/settings/settings-customization-domain.htm",
        ),
        Kind::Token => (
            &[
                "token.help.step1",
                "token.help.step2",
                "token.help.step3",
                "token.help.step4",
            ],
            "https://help.okta.com/en-us/content/topics/security/api.htm",
        ),
        Kind::ClientId => (
            &["client_id.help.step1", "client_id.help.step2"],
            "https://developer.okta.com/docs/guides/implement-oauth-for-okta-serviceapp/main/",
        ),
        Kind::ClientSecret => (
            &["client_secret.help.step1", "client_secret.help.step2"],
            "https://help.okta.com/en-us/content/topics/apps/apps-add-api-service-integration.htm",
        ),
    };
    // The token's help says which admin role the deployment needs.
    let extra = (kind == Kind::Token).then(|| {
        let required = &use_session().config().required;
        let role = format!("token.help.role.{}", role_hint_key(required));
        view! { <p>{words(move |t| t.t(&role))}</p> }
    });
    let text = |key: String| words(move |t| t.t(&key));
    view! {
        <details class="help">
            <summary>{text(kind.key("help.summary"))}</summary>
            <ol>{steps.iter().copied().map(|s| view! { <li>{tr(s)}</li> }).collect_view()}</ol>
            {extra}
            <p>
                <a href=href target="_blank" rel="noopener noreferrer">
                    {text(kind.key("help.link"))}
                </a>
            </p>
        </details>
    }
}

/// A secret field's reveal toggle. Its name says what pressing it does ("Show", "Hide"), so it
/// carries no `aria-pressed` as well ("Hide, pressed" would say the opposite).
#[component]
fn Reveal(revealed: RwSignal<bool>, controls: &'static str) -> impl IntoView {
    view! {
        <button
            type="button"
            class="secondary"
            aria-controls=controls
            on:click=move |_| revealed.update(|r| *r = !*r)
        >
            {words(move |t| t.t(if revealed.get() { "token.hide" } else { "token.show" }))}
        </button>
    }
}

/// A credential field: label, input, hint, what the core made of the value, the error, help.
#[component]
pub fn Field(kind: Kind) -> impl IntoView {
    let session = use_session();
    let texts = use_texts();
    let value = kind.value(session);
    let submitted = session.submitted;
    // Whether the field has been left once after something was typed in it (tabbing through an
    // untouched field is no mistake to point out).
    let left = RwSignal::new(false);
    let typed = StoredValue::new(false);
    let revealed = session.revealed;
    let state = Memo::new(move |_| {
        let show_error = left.get() || submitted.get();
        texts.with(|t| value.with(|raw| kind.read(t, raw, show_error)))
    });
    let id = kind.id();
    let org = kind == Kind::OrgUrl;
    let secret = kind.secret();
    let input = view! {
        <input
            id=id
            name=id
            dir="ltr"
            autocomplete="off"
            spellcheck="false"
            autocapitalize="none"
            type=move || if !secret || revealed.get() { "text" } else { "password" }
            inputmode=org.then_some("url")
            placeholder=move || org.then(|| texts.with(|t| t.t("org.placeholder")))
            readonly=move || org && session.update.with(Option::is_some)
            data-lpignore=secret.then_some("true")
            data-1p-ignore=secret.then_some("true")
            prop:value=value.get_untracked()
            aria-invalid=move || state.with(FieldView::invalid)
            aria-describedby=move || state.with(|s| kind.described(s))
            node_ref=kind.input(session)
            on:input=move |ev| {
                typed.set_value(true);
                if kind == Kind::ClientId {
                    session.client_id_typed(event_target_value(&ev));
                } else {
                    value.set(event_target_value(&ev));
                    session.reset();
                }
            }
            on:blur=move |_| {
                if typed.get_value() {
                    left.set(true);
                }
            }
        />
    };
    let input = if !secret {
        Either::Left(input)
    } else {
        Either::Right(view! {
            <div class="token-row">{input}<Reveal revealed=revealed controls=id /></div>
        })
    };
    let text = move |part: &str| {
        let key = kind.key(part);
        words(move |t| t.t(&key))
    };
    let preview = move || {
        let preview = state.with(|s| s.preview.clone())?;
        Some(if org {
            Either::Left(
                view! { <OrgPreview origin=preview notes=state.with(|s| s.notes.clone()) /> },
            )
        } else {
            Either::Right(view! { <p class="preview" id=format!("{id}-state")>{preview}</p> })
        })
    };
    // The token's warnings and the client ID's corrections, one paragraph each, described by.
    let notes = move || {
        let notes = state.with(|s| s.notes.clone());
        (!org && !notes.is_empty()).then(|| {
            let paragraphs = notes
                .into_iter()
                .map(|w| view! { <p class="warning">{w}</p> })
                .collect_view();
            view! { <div id=format!("{id}-notes")>{paragraphs}</div> }
        })
    };
    let warnings = move || {
        let warnings = state.with(|s| s.warnings.join(" "));
        (!warnings.is_empty())
            .then(|| view! { <p class="warning" id=format!("{id}-warning")>{warnings}</p> })
    };
    // The org taken from an Admin Console address pasted as the client ID.
    let filled = move || {
        (org && session.org_from_client_id.get())
            .then(|| view! { <p class="hint">{tr("org.filled_from_client_id")}</p> })
    };
    let error_id = format!("{id}-error");
    let error = move || {
        let error_id = error_id.clone();
        state
            .with(|s| s.error.clone())
            .map(|e| view! { <p class="field-error" id=error_id>{e}</p> })
    };
    view! {
        <div class="field">
            <label for=id>{text("label")}</label>
            {input}
            <p class="hint" id=format!("{id}-hint")>{text("hint")}</p>
            {preview}
            {notes}
            {warnings}
            {filled}
            {error}
            <Help kind=kind />
        </div>
    }
}

/// The org field's preview: a sentence with the address in it, in bold ("Will connect to
/// {org}", "{org}に接続します": each language places `{org}` where its word order wants it),
/// and the corrections made.
#[component]
fn OrgPreview(origin: String, notes: Vec<String>) -> impl IntoView {
    let connect_to = use_texts().with_untracked(|t| t.t("org.preview.connect_to"));
    let (before, after) = connect_to
        .split_once("{org}")
        .map(|(b, a)| (b.to_string(), a.to_string()))
        .unwrap_or_else(|| (format!("{connect_to} "), String::new()));
    view! {
        <p class="preview" id="org-preview">
            {before}<strong><bdi>{origin}</bdi></strong>{after}
        </p>
        <ul class="notices" id="org-notices">
            {notes.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}
        </ul>
    }
}
