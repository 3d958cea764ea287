//! The credential types a deployment offers: the choice between them (a radio group, when there
//! is more than one), the fields each one needs, and the guided setup of a service app in Okta's
//! Admin Console (the platform's public key to add, the scopes to grant, the role to assign).

use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::core::access::least_role;
use crate::core::credential::CredentialKind;
use crate::core::oauth::scopes_needed;
use crate::core::server_check::{JwksProblem, PublicJwk};
use crate::net;
use crate::ui::fields::{Field, Kind};
use crate::ui::session::{fetch_jwks, use_session};
use crate::ui::{tr, words};

/// The radio group choosing the credential type; nothing when the deployment offers one.
#[component]
pub fn CredentialChoice() -> impl IntoView {
    let session = use_session();
    let offered = session.config().credentials.clone();
    (offered.len() > 1).then(|| {
        let options = offered
            .into_iter()
            .map(|kind| {
                let id = format!("credential-{}", kind.code());
                let label = format!("credential.{}.label", kind.code());
                let hint = format!("credential.{}.hint", kind.code());
                let hint_id = format!("{id}-hint");
                view! {
                    <div class="choice">
                        <input
                            type="radio"
                            name="credential"
                            id=id.clone()
                            value=kind.code()
                            aria-describedby=hint_id.clone()
                            prop:checked=move || session.credential.get() == kind
                            on:change=move |_| session.choose_credential(kind)
                        />
                        <label for=id>{words(move |t| t.t(&label))}</label>
                        <p class="hint" id=hint_id>{words(move |t| t.t(&hint))}</p>
                    </div>
                }
            })
            .collect_view();
        view! {
            <fieldset class="credentials">
                <legend>{tr("credential.legend")}</legend>
                {options}
            </fieldset>
        }
    })
}

/// The fields of the chosen credential type (after the organization field).
#[component]
pub fn CredentialFields() -> impl IntoView {
    let credential = use_session().credential;
    move || match credential.get() {
        CredentialKind::ApiToken => EitherOf3::A(view! { <Field kind=Kind::Token /> }),
        CredentialKind::ServiceApp => EitherOf3::B(view! {
            <ServiceAppSetup />
            <Field kind=Kind::ClientId />
        }),
        CredentialKind::ClientSecret => EitherOf3::C(view! {
            <Field kind=Kind::ClientId />
            <Field kind=Kind::ClientSecret />
        }),
    }
}

/// Where a copy button is: "Copied" for a moment once the browser has copied, and a way on
/// where the browser refuses (a frame without `clipboard-write`, no permission).
#[derive(Clone, Copy, PartialEq)]
enum CopyState {
    Ready,
    Copied,
    Refused,
}

/// How long "Copied" stays on the button.
const COPIED_FOR: std::time::Duration = std::time::Duration::from_secs(2);

/// A value to copy into Okta's Admin Console, with its copy button.
#[component]
fn Copyable(label: &'static str, value: String, id: &'static str) -> impl IntoView {
    let state = RwSignal::new(CopyState::Ready);
    // Which click "Copied" belongs to, so that an earlier click's timer does not end a later
    // one's.
    let clicks = StoredValue::new(0u32);
    let text = value.clone();
    view! {
        <div class="copyable">
            <p class="copy-label" id=format!("{id}-label")>{tr(label)}</p>
            <pre id=id tabindex="0" role="group" aria-labelledby=format!("{id}-label")>
                <code>{value}</code>
            </pre>
            <button
                type="button"
                class="secondary"
                aria-describedby=format!("{id}-label")
                // "Copied" is said when it appears, not only shown.
                aria-live="polite"
                on:click=move |_| {
                    clicks.update_value(|n| *n = n.wrapping_add(1));
                    let click = clicks.get_value();
                    state.set(CopyState::Ready);
                    // No clipboard at all outside a secure context (plain HTTP, some web views).
                    let clipboard = window().navigator().clipboard();
                    let promise = (!clipboard.is_undefined()).then(|| clipboard.write_text(&text));
                    spawn_local(async move {
                        let done = match promise {
                            Some(p) => wasm_bindgen_futures::JsFuture::from(p).await.is_ok(),
                            None => false,
                        };
                        state.try_set(if done { CopyState::Copied } else { CopyState::Refused });
                        if done {
                            gloo_timers::future::sleep(COPIED_FOR).await;
                            // The component may be gone by then (another credential type).
                            if clicks.try_get_value() == Some(click) {
                                state.try_set(CopyState::Ready);
                            }
                        }
                    });
                }
            >
                {words(move |t| {
                    t.t(if state.get() == CopyState::Copied { "setup.copied" } else { "setup.copy" })
                })}
            </button>
            // What to do when the browser refused, said by screen readers too.
            <p class="hint" role="status">
                {words(move |t| match state.get() {
                    CopyState::Refused => t.t("setup.copy_refused"),
                    _ => String::new(),
                })}
            </p>
        </div>
    }
}

/// The guided setup of a service app: create it, add the platform's key, leave DPoP as it is,
/// grant the scopes, assign the role, copy its client ID.
#[component]
fn ServiceAppSetup() -> impl IntoView {
    let session = use_session();
    let config = session.config();
    // The address the customer pastes into Okta must be absolute: a same-origin path in the
    // configuration is resolved against the page's own address.
    let jwks_url = config.jwks_url.clone().unwrap_or_default();
    let jwks_url = window()
        .location()
        .href()
        .ok()
        .and_then(|page| url::Url::parse(&page).ok()?.join(&jwks_url).ok())
        .map(String::from)
        .unwrap_or(jwks_url);
    let scopes = scopes_needed(&config.required).join(" ");
    let role = format!("role.{}", least_role(&config.required).code());
    let jwk: RwSignal<Option<Result<PublicJwk, JwksProblem>>> = RwSignal::new(None);
    let url = jwks_url.clone();
    let timeout = config.timeout_ms;
    spawn_local(async move {
        let found = fetch_jwks(&url, timeout).await.map(|keys| {
            keys.into_iter()
                .next()
                .expect("read_jwks never returns no key")
        });
        let _ = jwk.try_set(Some(found));
    });
    let key_view = move || {
        jwk.get().map(|found| match found {
            Ok(key) => {
                let text = net::to_json(&key, 2).unwrap_or_default();
                EitherOf3::A(view! { <Copyable label="setup.jwk" value=text id="setup-jwk" /> })
            }
            Err(problem) => {
                let key = format!("setup.jwks_error.{}", problem.code());
                EitherOf3::B(view! { <p class="field-error" role="alert">{words(move |t| t.t(&key))}</p> })
            }
        })
        .unwrap_or(EitherOf3::C(()))
    };
    let scope_text = scopes.clone();
    view! {
        <details class="help setup" open>
            <summary>{tr("setup.summary")}</summary>
            <ol>
                <li>{tr("setup.step_create")}</li>
                <li>{tr("setup.step_auth")}</li>
                <li>
                    {tr("setup.step_key")}
                    <Copyable label="setup.jwks_url" value=jwks_url id="setup-jwks-url" />
                    {key_view}
                </li>
                <li>{tr("setup.step_dpop")}</li>
                <li>
                    {tr("setup.step_scopes")}
                    <Copyable label="setup.scopes" value=scope_text id="setup-scopes" />
                </li>
                <li>{words(move |t| t.f("setup.step_role", &[("role", &t.t(&role))]))}</li>
                <li>{tr("setup.step_client_id")}</li>
            </ol>
            <p>
                <a
                    href="https://developer.okta.com/docs/guides/implement-oauth-for-okta-serviceapp/main/"
                    target="_blank"
                    rel="noopener noreferrer"
                >
                    {tr("setup.link")}
                </a>
            </p>
        </details>
    }
}
