//! The page's views: the card with its header, the form (two fields, the check button), the
//! progress, the live announcements and the result. State and actions are the [`Session`]'s,
//! words the current catalogue's, both from context; the views render and dispatch.

use leptos::either::Either;
use leptos::html;
use leptos::prelude::*;

use crate::core::credential::CredentialKind;
use crate::core::plan::Stage;
use crate::i18n::{Lang, Texts};
use crate::ui::credentials::{CredentialChoice, CredentialFields};
use crate::ui::fields::{Field, Kind};
use crate::ui::result::ResultRegion;
use crate::ui::session::{use_session, Phase};
use crate::ui::{switch_language, tr, use_texts, words};

/// The page: needs a [`Session`](crate::ui::Session) and the catalogue in context (see
/// [`Page`](crate::ui::Page)).
#[component]
pub fn App() -> impl IntoView {
    let session = use_session();
    let config = session.config();
    let card = NodeRef::<html::Div>::new();
    session.connect_host(card);

    let partner = config.partner.name.clone();
    let says = move |key_partner: &'static str, key_plain: &'static str| {
        let partner = partner.clone();
        words(move |t| t.with_partner(partner.as_deref(), key_partner, key_plain))
    };
    // With a choice (or an app type only) the lede does not speak of an API token.
    let choice = config.credentials != [CredentialKind::ApiToken];
    let lede = if choice {
        says("app.lede_choice_partner", "app.lede_choice")
    } else {
        says("app.lede_partner", "app.lede")
    };
    let footer_token = says("app.footer", "app.footer_plain");
    let footer_app = says("app.footer_app", "app.footer_app_plain");
    let footer_service_app = says("app.footer_service_app", "app.footer_service_app_plain");
    let logo = config.partner.logo.clone().map(|src| {
        let partner = config.partner.name.clone().unwrap_or_default();
        let alt = words(move |t| t.f("app.logo_alt", &[("partner", &partner)]));
        view! { <img src=src alt=alt /> }
    });
    let language_menu = (config.languages.len() > 1)
        .then(|| view! { <LanguageMenu languages=config.languages.clone() /> });
    view! {
        <div class="card" node_ref=card>
            <header class="brand">
                {logo}<h1>{says("app.title_partner", "app.title")}</h1>{language_menu}
            </header>
            <p class="lede">{lede}</p>
            {move || session.update.get().map(|u| view! { <UpdateIntro org=u.org_host /> })}
            <form
                id="link-form"
                novalidate
                on:submit=move |ev| {
                    ev.prevent_default();
                    session.check();
                }
            >
                <CredentialChoice />
                <Field kind=Kind::OrgUrl />
                <CredentialFields />
                <CheckButton />
            </form>
            <Progress />
            <Announcements />
            <ResultRegion />
            <p class="footer">
                {move || match session.credential.get() {
                    CredentialKind::ApiToken => footer_token.get(),
                    CredentialKind::ServiceApp => footer_service_app.get(),
                    CredentialKind::ClientSecret => footer_app.get(),
                }}
            </p>
        </div>
    }
}

/// The form's submit button: busy while a check runs.
#[component]
pub fn CheckButton() -> impl IntoView {
    let session = use_session();
    let busy = Memo::new(move |_| session.checking());
    view! {
        <button
            type="submit"
            class="primary"
            aria-disabled=move || if busy.get() { "true" } else { "false" }
        >
            {words(move |t| {
                t.t(if busy.get() { "check.button_busy" } else { "check.button" })
            })}
        </button>
    }
}

/// The language menu, when the deployment allows more than one language. The menu stays
/// while the language changes (and keeps the focus); only its words do.
#[component]
pub fn LanguageMenu(languages: Vec<Lang>) -> impl IntoView {
    let current = use_texts().with_untracked(Texts::lang);
    view! {
        <label class="lang">
            <span class="sr-only">{tr("app.language")}</span>
            <select on:change=move |ev| {
                if let Some(lang) = Lang::from_tag(&event_target_value(&ev)) {
                    switch_language(lang);
                }
            }>
                {languages
                    .into_iter()
                    .map(|l| {
                        view! {
                            <option value=l.code() lang=l.code() selected=l == current>
                                {l.native_name()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

/// The check's progress: three steps, and the rate-limit countdown while the check waits. The
/// steps and the countdown's element stay while the check runs; only their states and the
/// number of seconds change.
#[component]
pub fn Progress() -> impl IntoView {
    let session = use_session();
    let phase = session.phase;
    let app = Memo::new(move |_| session.credential.get() != CredentialKind::ApiToken);
    let stage = Memo::new(move |_| match phase.get() {
        Phase::Checking { stage, .. } => Some(stage),
        _ => None,
    });
    let wait_seconds = Memo::new(move |_| match phase.get() {
        Phase::Checking { wait_seconds, .. } => wait_seconds,
        _ => None,
    });
    // A step's words: the app's own where a token's would be wrong.
    let step = move |index: usize, key: &'static str, app_key: &'static str| {
        let state = move || {
            let states: [&str; 3] = match stage.get() {
                Some(Stage::Permissions) => ["done", "done", "active"],
                // Okta's rate limit answered: the org was reached.
                _ if wait_seconds.get().is_some() => ["done", "active", "pending"],
                _ => ["active", "active", "pending"],
            };
            states[index]
        };
        let label = words(move |t| t.t(if app.get() { app_key } else { key }));
        view! { <li data-state=state>{label}</li> }
    };
    view! {
        <Show when=move || stage.get().is_some()>
            <ol class="progress" aria-label=tr("progress.label")>
                {step(0, "progress.reach", "progress.reach")}
                {step(1, "progress.verify", "progress.verify_app")}
                {step(2, "progress.access", "progress.access_app")}
            </ol>
            <Countdown wait_seconds=wait_seconds />
        </Show>
    }
}

/// The rate-limit countdown while the check waits: one element whose number of seconds changes
/// (the check sets the seconds left once a second).
#[component]
fn Countdown(wait_seconds: Memo<Option<u64>>) -> impl IntoView {
    let waiting = Memo::new(move |_| wait_seconds.get().is_some());
    let seconds = words(move |t| {
        let secs = wait_seconds.get().unwrap_or(0);
        t.count("progress.rate_limit_wait", "seconds", secs)
    });
    view! {
        <Show when=move || waiting.get()>
            <p class="warning" role="timer">{seconds}</p>
        </Show>
    }
}

/// The two live regions: progress and success politely, failures assertively. Each changes its
/// text only when the words change, so nothing is announced twice.
#[component]
fn Announcements() -> impl IntoView {
    let session = use_session();
    let phase = session.phase;
    let texts = use_texts();
    let polite = Memo::new(move |_| {
        let key = match phase.get() {
            Phase::Checking {
                stage: Stage::Identify,
                wait_seconds: None,
            } => "progress.reach",
            Phase::Checking {
                stage: Stage::Permissions,
                wait_seconds: None,
            } if session.credential.get_untracked() != CredentialKind::ApiToken => {
                "progress.access_app"
            }
            Phase::Checking {
                stage: Stage::Permissions,
                wait_seconds: None,
            } => "progress.access",
            Phase::Checking {
                wait_seconds: Some(_),
                ..
            } => "progress.rate_limit_announce",
            Phase::Finished(r) if r.verified().is_some() => "report.verified.title",
            _ => return String::new(),
        };
        texts.with(|t| t.t(key))
    });
    let assertive = Memo::new(move |_| match phase.get() {
        Phase::Finished(r) => r
            .failure()
            .map(|f| texts.with(|t| crate::i18n::describe::failure(t, f, false).title))
            .unwrap_or_default(),
        _ => String::new(),
    });
    view! {
        <div class="sr-only" aria-live="polite" role="status">{polite}</div>
        <div class="sr-only" aria-live="assertive" role="alert">{assertive}</div>
    }
}

/// Update mode's introduction: which org, why a new token is needed (the three usual causes),
/// and that it must be created in that org.
#[component]
fn UpdateIntro(org: String) -> impl IntoView {
    let credential = use_session().credential;
    let with_org = move |key: &'static str| {
        let org = org.clone();
        words(move |t| t.f(key, &[("org", &org)]))
    };
    view! {
        <section id="update-intro" class="update" aria-labelledby="update-title">
            <h2 id="update-title">
                {move || match credential.get() {
                    CredentialKind::ApiToken => tr("update.title"),
                    _ => tr("update.app_title"),
                }}
            </h2>
            {move || match credential.get() {
                CredentialKind::ApiToken => Either::Left(view! {
                    <p>{with_org("update.body")}</p>
                    <ul>
                        <li>{tr("update.cause_unused")}</li>
                        <li>{tr("update.cause_revoked")}</li>
                        <li>{tr("update.cause_deactivated")}</li>
                    </ul>
                    <p>{with_org("update.action")}</p>
                }),
                _ => Either::Right(view! {
                    <p>{with_org("update.app_body")}</p>
                    <p>{with_org("update.app_action")}</p>
                }),
            }}
        </section>
    }
}
