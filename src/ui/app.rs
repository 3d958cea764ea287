//! The page: two fields, the check button, progress, and the result. The check itself is the
//! core's state machine ([`Check`]); this component only drives it through the network module
//! and renders what it says.

use std::rc::Rc;
use std::sync::Arc;

use leptos::either::Either;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::core::config::{Delivery, LeastPrivilege, Theme};
use crate::core::diagnosis::{least_privilege_advice, Failure, Field, Report};
use crate::core::outcome::Transport;
use crate::core::plan::{Check, DataKind, Stage, Step};
use crate::core::protocol::{Body, Connection, Inbound, Message};
use crate::core::recipient::{self, RecipientProblem};
use crate::core::result::LinkResult;
use crate::core::update::UpdateTarget;
use crate::core::{org_url, token};
use crate::i18n::{Lang, Texts};
use crate::net::{self, BrowserJson, Cancel, FetchFailure};
use crate::ui::boot::Boot;
use crate::ui::embed::Embed;
use crate::ui::fields::{OrgField, TokenField};
use crate::ui::report::ReportView;

/// Where the page stands.
#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    Idle,
    Checking {
        stage: Stage,
        wait_until: Option<u64>,
    },
    Finished(Arc<Report>),
    /// Handing the verified connection to the platform.
    Delivering(Arc<Report>),
    /// Delivered; the token is gone from memory and the DOM.
    Delivered,
}

/// Whose platform account a `submit` connection goes to (issue 18, finding 5). A session from
/// the page's URL could have been written by anyone, so the platform is asked which account it
/// belongs to, and Connect waits for the answer.
#[derive(Clone, Debug, PartialEq)]
enum Recipient {
    /// Nothing to confirm: no `submit`, no session, or the session came from the embedding
    /// host (an allowed origin) by its `session` message.
    NotNeeded,
    /// Asking the platform (`GET submit_url` with the session).
    Checking,
    /// The account the platform named, as plain text.
    Confirmed(String),
    /// The platform did not name one: Connect stays disabled.
    Failed(RecipientProblem),
}

impl Recipient {
    /// Whether Connect may deliver now.
    fn allows_connect(&self) -> bool {
        matches!(self, Recipient::NotNeeded | Recipient::Confirmed(_))
    }
}

/// Ask the platform which account `session` belongs to.
async fn fetch_recipient(url: &str, session: &str, timeout_ms: u32) -> Recipient {
    match net::get_with_bearer(url, session, timeout_ms, recipient::MAX_ANSWER_BYTES).await {
        Ok((status, content_type, body)) => {
            match recipient::account_name(status, content_type.as_deref(), &body, &BrowserJson) {
                Ok(name) => Recipient::Confirmed(name),
                Err(problem) => Recipient::Failed(problem),
            }
        }
        Err(FetchFailure::TooLarge) => Recipient::Failed(RecipientProblem::Unreadable),
        Err(_) => Recipient::Failed(RecipientProblem::Unreachable),
    }
}

/// What the page knows of the account a `submit` connection goes to, next to Connect (nothing
/// when there is nothing to confirm). The account's name is the platform's, shown as text.
#[component]
fn RecipientNote(texts: Texts, to: Recipient, partner: Option<String>) -> impl IntoView {
    let t = texts;
    // One shape for every state: the lead line (a hint, the account, or the error), the
    // action to take under an error, and an alert role only for the error.
    let (alert, lead_class, lead, action) = match to {
        Recipient::NotNeeded => return None,
        Recipient::Checking => (
            false,
            Some("hint"),
            t.t("delivery.recipient_checking"),
            None,
        ),
        Recipient::Confirmed(account) => {
            let text = match &partner {
                Some(p) => t.f(
                    "delivery.recipient_partner",
                    &[("account", &account), ("partner", p)],
                ),
                None => t.f("delivery.recipient", &[("account", &account)]),
            };
            (false, None, text, None)
        }
        Recipient::Failed(problem) => {
            let what = match problem {
                RecipientProblem::Status(status) => t.f(
                    "delivery.recipient_error_status",
                    &[("status", &status.to_string())],
                ),
                RecipientProblem::Unreachable => t.t("delivery.recipient_error_unreachable"),
                RecipientProblem::Unreadable => t.t("delivery.recipient_error_unreadable"),
            };
            let todo = match &partner {
                Some(p) => t.f("delivery.recipient_action_partner", &[("partner", p)]),
                None => t.t("delivery.recipient_action"),
            };
            (true, Some("field-error"), what, Some(todo))
        }
    };
    Some(view! {
        <div id="recipient" class="recipient" role=alert.then_some("alert")>
            <p class=lead_class>{lead}</p>
            {action.map(|todo| view! { <p class="hint">{todo}</p> })}
        </div>
    })
}

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

/// Drive one check to its end; `None` when it was cancelled.
async fn drive(
    mut check: Check,
    secret: Rc<str>,
    boot: &Boot,
    cancel: &Cancel,
    phase: RwSignal<Phase>,
) -> Option<Arc<Report>> {
    loop {
        if cancel.is_cancelled() {
            return None;
        }
        let now = net::now_ms();
        match check.poll(now) {
            Step::Send(requests) => {
                phase.set(Phase::Checking {
                    stage: check.stage(),
                    wait_until: None,
                });
                let sends = requests.into_iter().map(|r| {
                    let url = r.url(&boot.config);
                    let token = r.needs_token().then(|| secret.clone());
                    let timeout = r.deadline_ms.saturating_sub(now).min(u32::MAX as u64) as u32;
                    async move {
                        let res = net::proxy_get(&url, token.as_deref(), timeout, cancel).await;
                        (r.id, res)
                    }
                });
                for (id, res) in futures::future::join_all(sends).await {
                    match res {
                        Ok(fetched) => {
                            check.record_response(id, &fetched.raw(), &BrowserJson);
                        }
                        Err(FetchFailure::Cancelled) => return None,
                        Err(FetchFailure::Unreachable) => {
                            check.record_transport(id, Transport::Unreachable);
                        }
                        Err(FetchFailure::TimedOut) => {
                            check.record_transport(id, Transport::TimedOut);
                        }
                        Err(FetchFailure::TooLarge) => {
                            check.record_transport(id, Transport::TooLarge);
                        }
                    }
                }
            }
            Step::Wait { until_ms, .. } => {
                phase.set(Phase::Checking {
                    stage: check.stage(),
                    wait_until: Some(until_ms),
                });
                // Tick once a second so the countdown moves.
                let left = until_ms.saturating_sub(now);
                gloo_timers::future::sleep(std::time::Duration::from_millis(left.min(1000))).await;
            }
            Step::Pending { until_ms } => {
                let left = until_ms.saturating_sub(now);
                gloo_timers::future::sleep(std::time::Duration::from_millis(left.clamp(10, 250)))
                    .await;
            }
            Step::Done(report) => return Some(report),
        }
    }
}

/// Move focus to the element with `id` once the browser has rendered the current changes.
fn focus_after_render(id: &'static str) {
    request_animation_frame(move || {
        if let Some(e) = document().get_element_by_id(id) {
            if let Ok(e) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e) {
                let _ = e.focus();
            }
        }
    });
}

/// The page for `boot`. `org` and `token` are what the fields start with (the static form's
/// values, or the fragment's org); `on_language` shows the page in another language.
#[component]
pub fn App(
    boot: Boot,
    #[prop(optional)] org: String,
    #[prop(optional)] token: String,
    #[prop(optional)] on_language: Option<Callback<Lang>>,
) -> impl IntoView {
    let texts: Texts = boot.texts.clone();
    let partner: Option<String> = boot.config.partner.name.clone();

    // Update mode (issue 17): the connection being renewed; its org is fixed.
    let update = RwSignal::new(UpdateTarget::from_fragment(&boot.fragment));
    let org = RwSignal::new(match update.get_untracked() {
        Some(u) => u.org_host,
        None => org,
    });
    let token_raw = RwSignal::new(token);
    let org_left = RwSignal::new(false);
    let token_left = RwSignal::new(false);
    let submitted = RwSignal::new(false);
    let phase = RwSignal::new(Phase::Idle);
    // The host's session for `submit` (empty: none), and why the last delivery failed, in the
    // words shown with the retry (empty: it did not fail).
    // A session in the fragment is there only when the deployment takes it from the link
    // (`delivery.session_from_link`); the account it belongs to is then confirmed first.
    let session = RwSignal::new(boot.fragment.session.clone().unwrap_or_default());
    let recipient = RwSignal::new(Recipient::NotNeeded);
    if let (Delivery::Submit { url, .. }, Some(from_link)) =
        (&boot.config.delivery, boot.fragment.session.clone())
    {
        recipient.set(Recipient::Checking);
        let url = url.clone();
        let timeout = boot.config.timeout_ms;
        spawn_local(async move {
            let found = fetch_recipient(&url, &from_link, timeout).await;
            // A session from the host replaced it meanwhile: that one needs no confirmation.
            // (The page may also have been mounted again, in another language, meanwhile.)
            if recipient.try_get_untracked() == Some(Recipient::Checking) {
                let _ = recipient.try_set(found);
            }
        });
    }
    let delivery_error = RwSignal::new(String::new());
    let cancel = StoredValue::new_local(None::<Rc<Cancel>>);
    let embed = Embed::new(&boot.config);
    let org_input = NodeRef::<html::Input>::new();
    let token_input = NodeRef::<html::Input>::new();
    let card = NodeRef::<html::Div>::new();

    // Editing either field after a check clears the old result and cancels a running check:
    // a result never belongs to inputs other than the ones on screen.
    let reset = Callback::new(move |()| {
        if matches!(
            phase.get_untracked(),
            Phase::Delivering(_) | Phase::Delivered
        ) {
            return;
        }
        if let Some(c) = cancel.try_update_value(Option::take).flatten() {
            c.cancel();
        }
        if !matches!(phase.get_untracked(), Phase::Idle) {
            phase.set(Phase::Idle);
        }
    });

    let checking = Memo::new(move |_| matches!(phase.get(), Phase::Checking { .. }));

    let start_check = {
        let boot = boot.clone();
        let embed = embed.clone();
        move || {
            submitted.set(true);
            if phase.with_untracked(|p| matches!(p, Phase::Checking { .. })) {
                return;
            }
            let org_parsed = org.with_untracked(|o| org_url::normalize(o));
            let token_parsed = token_raw.with_untracked(|t| token::clean(t));
            let (org_ok, token_ok) = match (org_parsed, token_parsed) {
                (Ok(o), Ok(t)) => (o, t),
                (Err(_), _) => {
                    if let Some(i) = org_input.get_untracked() {
                        let _ = i.focus();
                    }
                    return;
                }
                (_, Err(_)) => {
                    if let Some(i) = token_input.get_untracked() {
                        let _ = i.focus();
                    }
                    return;
                }
            };
            let c = Rc::new(Cancel::new());
            cancel.set_value(Some(c.clone()));
            let boot = boot.clone();
            let embed = embed.clone();
            let secret: Rc<str> = Rc::from(token_ok.secret());
            drop(token_ok);
            let check = Check::from_config(org_ok.host().to_string(), &boot.config, net::now_ms());
            // The check's task is queued before the phase changes, so its first requests leave
            // before the progress is rendered.
            spawn_local(async move {
                let report = drive(check, secret, &boot, &c, phase).await;
                if c.is_cancelled() {
                    return;
                }
                let Some(report) = report else { return };
                // Tell the host how this check ended (never the token), once per check.
                if embed.active() {
                    let told = match report.as_ref() {
                        Report::Verified(v) => Body::Verified { report: v },
                        Report::Failed(f) => Body::Error { kind: f.code() },
                    };
                    embed.post(&Message::new(told));
                }
                let focus_field = report.failure().and_then(|f| f.field());
                phase.set(Phase::Finished(report));
                // Move focus: to the field to fix on a failure that names one, else to the result.
                focus_after_render(match focus_field {
                    Some(Field::OrgUrl) => "org",
                    Some(Field::Token) => "token",
                    None => "result",
                });
            });
            phase.set(Phase::Checking {
                stage: Stage::Identify,
                wait_until: None,
            });
        }
    };

    // Hand the verified connection to the platform, as the deployment configured.
    let deliver = {
        let boot = boot.clone();
        let embed = embed.clone();
        move || {
            let Phase::Finished(report) = phase.get_untracked() else {
                return;
            };
            let Report::Verified(verified) = report.as_ref() else {
                return;
            };
            let Ok(token) = token_raw.with_untracked(|t| token::clean(t)) else {
                return;
            };
            delivery_error.set(String::new());
            phase.set(Phase::Delivering(report.clone()));
            // The versioned result (schema/okta-link-result.v1.json) every delivery carries.
            let result = LinkResult::new(
                &report,
                &verified.org.entered_host,
                &boot.config.required,
                String::from(js_sys::Date::new_0().to_iso_string()),
                update.get_untracked().is_some(),
            );
            // After delivery the token is dropped from memory and from the DOM.
            let finish = move || {
                if let Some(i) = token_input.get_untracked() {
                    i.set_value("");
                }
                phase.set(Phase::Delivered);
                token_raw.set(String::new());
                focus_after_render("result");
            };
            match &boot.config.delivery {
                Delivery::None => phase.set(Phase::Finished(report.clone())),
                Delivery::PostMessage => {
                    let connection = Connection::new(token.secret(), verified, &result);
                    // Only to the origin the host proved by its first message: before it has
                    // spoken there is no one to hand the token to, and the token stays here.
                    let sent = embed.post(&Message::new(Body::Connected {
                        connection: &connection,
                    }));
                    if sent {
                        finish();
                    } else {
                        let t = &boot.texts;
                        delivery_error.set(match &boot.config.partner.name {
                            Some(p) => t.f("delivery.recipient_action_partner", &[("partner", p)]),
                            None => t.t("delivery.recipient_action"),
                        });
                        phase.set(Phase::Finished(report.clone()));
                    }
                }
                Delivery::Redirect { url } => {
                    let state = boot.fragment.state.as_deref().unwrap_or("");
                    let target = crate::core::protocol::redirect_target(url, state, &result);
                    finish();
                    if let Some(target) = target {
                        let _ = window().location().assign(&target);
                    }
                }
                Delivery::Submit { url, .. } => {
                    // Never to an account the platform has not named (a session from a link).
                    if !recipient.get_untracked().allows_connect() {
                        phase.set(Phase::Finished(report.clone()));
                        return;
                    }
                    let connection = Connection::new(token.secret(), verified, &result);
                    let body = net::to_js(&connection)
                        .ok()
                        .and_then(|v| js_sys::JSON::stringify(&v).ok())
                        .and_then(|s| s.as_string())
                        .unwrap_or_default();
                    drop(token);
                    let url = url.clone();
                    let bearer = session.get_untracked();
                    let t = boot.texts.clone();
                    let timeout = boot.config.timeout_ms;
                    spawn_local(async move {
                        let bearer = Some(bearer.as_str()).filter(|b| !b.is_empty());
                        match net::post_json(&url, bearer, &body, timeout).await {
                            Ok(status) if (200..300).contains(&status) => finish(),
                            Ok(status) => {
                                let status = status.to_string();
                                let error = t.f("delivery.error_status", &[("status", &status)]);
                                delivery_error.set(error);
                                phase.set(Phase::Finished(report));
                            }
                            Err(_) => {
                                delivery_error.set(t.t("delivery.error_unreachable"));
                                phase.set(Phase::Finished(report));
                            }
                        }
                    });
                }
            }
        }
    };

    let t = texts.clone();
    let title = match &partner {
        Some(p) => t.f("app.title_partner", &[("partner", p)]),
        None => t.t("app.title"),
    };
    let lede = match &partner {
        Some(p) => t.f("app.lede_partner", &[("partner", p)]),
        None => t.t("app.lede"),
    };
    let footer = match &partner {
        Some(p) => t.f("app.footer", &[("partner", p)]),
        None => t.t("app.footer_plain"),
    };
    let logo = boot.config.partner.logo.clone().map(|src| {
        let alt = t.f(
            "app.logo_alt",
            &[("partner", partner.as_deref().unwrap_or(""))],
        );
        view! { <img src=src alt=alt /> }
    });
    let language_menu = (boot.config.languages.len() > 1).then(|| {
        view! {
            <LanguageMenu
                texts=texts.clone()
                languages=boot.config.languages.clone()
                on_change=Callback::new(move |lang| {
                    if let Some(on) = on_language {
                        on.run(lang)
                    }
                })
            />
        }
    });
    let role_hint = t.t(&format!(
        "token.help.role.{}",
        role_hint_key(&boot.config.required)
    ));

    if embed.active() {
        embed.listen(move |msg| match msg {
            // From an allowed origin and the embedding window: the host chose the account.
            Inbound::Session(s, renew) => {
                session.set(s);
                recipient.set(Recipient::NotNeeded);
                // The host opened update mode: fix the org it named.
                if let Some(u) = renew {
                    if let Some(i) = org_input.get_untracked() {
                        i.set_value(&u.org_host);
                    }
                    org.set(u.org_host.clone());
                    update.set(Some(u));
                    reset.run(());
                }
            }
            // The host's answer to `ready`: it bound the page to its origin (in `listen`).
            Inbound::Hello => {}
            Inbound::Theme(theme) => {
                if let Some(html) = document().document_element() {
                    let _ = match theme {
                        Theme::System => html.remove_attribute("data-theme"),
                        t => html.set_attribute("data-theme", t.code()),
                    };
                }
            }
        });
        embed.post(&Message::new(Body::Ready));
        let e = embed.clone();
        card.on_load(move |card| e.watch_height(&card));
    }

    let delivers = !matches!(boot.config.delivery, Delivery::None);
    view! {
        <div class="card" node_ref=card>
            <header class="brand">{logo}<h1>{title}</h1>{language_menu}</header>
            <p class="lede">{lede}</p>
            {
                let t = texts.clone();
                move || update.get().map(|u| view! { <UpdateIntro texts=t.clone() org=u.org_host /> })
            }
            <form
                id="link-form"
                novalidate
                on:submit=move |ev| {
                    ev.prevent_default();
                    start_check();
                }
            >
                <OrgField
                    texts=texts.clone()
                    value=org
                    left=org_left
                    submitted=submitted
                    on_edit=reset
                    node_ref=org_input
                    fixed=Signal::derive(move || update.with(Option::is_some))
                />
                <TokenField
                    texts=texts.clone()
                    value=token_raw
                    left=token_left
                    submitted=submitted
                    on_edit=reset
                    node_ref=token_input
                    role_hint=role_hint
                />
                <CheckButton texts=texts.clone() busy=checking />
            </form>
            <Progress texts=texts.clone() phase=phase />
            <Announcements texts=texts.clone() phase=phase />
            <ResultRegion
                texts=texts.clone()
                phase=phase
                delivery_error=delivery_error
                partner=partner
                delivers=delivers
                recipient=recipient
                submits=matches!(boot.config.delivery, Delivery::Submit { .. })
                embedded=embed.active()
                embed=embed
                deliver=deliver
                least_privilege=boot.config.least_privilege
                required=boot.config.required.clone()
                update=update
            />
            <p class="footer">{footer}</p>
        </div>
    }
}

/// The form's submit button: busy while a check runs.
#[component]
pub fn CheckButton(texts: Texts, busy: Memo<bool>) -> impl IntoView {
    let (idle_label, busy_label) = (texts.t("check.button"), texts.t("check.button_busy"));
    view! {
        <button
            type="submit"
            class="primary"
            aria-disabled=move || if busy.get() { "true" } else { "false" }
        >
            {move || if busy.get() { busy_label.clone() } else { idle_label.clone() }}
        </button>
    }
}

/// The language menu, when the deployment allows more than one language.
#[component]
pub fn LanguageMenu(
    texts: Texts,
    languages: Vec<Lang>,
    on_change: Callback<Lang>,
) -> impl IntoView {
    let current = texts.lang();
    view! {
        <label class="lang">
            <span class="sr-only">{texts.t("app.language")}</span>
            <select on:change=move |ev| {
                if let Some(lang) = Lang::from_tag(&event_target_value(&ev)) {
                    on_change.run(lang);
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
pub fn Progress(texts: Texts, phase: RwSignal<Phase>) -> impl IntoView {
    let stage = Memo::new(move |_| match phase.get() {
        Phase::Checking { stage, .. } => Some(stage),
        _ => None,
    });
    let wait_until = Memo::new(move |_| match phase.get() {
        Phase::Checking { wait_until, .. } => wait_until,
        _ => None,
    });
    let t = texts.clone();
    let step = move |index: usize, key: &'static str| {
        let state = move || {
            let states: [&str; 3] = match stage.get() {
                Some(Stage::Permissions) => ["done", "done", "active"],
                _ => ["active", "active", "pending"],
            };
            states[index]
        };
        view! { <li data-state=state>{t.t(key)}</li> }
    };
    let label = texts.t("progress.label");
    view! {
        <Show when=move || stage.get().is_some()>
            <ol class="progress" aria-label=label.clone()>
                {step(0, "progress.reach")}
                {step(1, "progress.verify")}
                {step(2, "progress.access")}
            </ol>
            <Countdown texts=texts.clone() wait_until=wait_until />
        </Show>
    }
}

/// The rate-limit countdown while the check waits: one element whose number of seconds changes.
#[component]
fn Countdown(texts: Texts, wait_until: Memo<Option<u64>>) -> impl IntoView {
    let waiting = Memo::new(move |_| wait_until.get().is_some());
    let seconds = move || {
        let until = wait_until.get().unwrap_or(0);
        let secs = until.saturating_sub(net::now_ms()).div_ceil(1000);
        texts.count("progress.rate_limit_wait", "seconds", secs)
    };
    view! {
        <Show when=move || waiting.get()>
            <p class="warning" role="timer">{seconds.clone()}</p>
        </Show>
    }
}

/// The two live regions: progress and success politely, failures assertively. Each changes its
/// text only when the words change, so nothing is announced twice.
#[component]
fn Announcements(texts: Texts, phase: RwSignal<Phase>) -> impl IntoView {
    let t = texts.clone();
    let polite = Memo::new(move |_| match phase.get() {
        Phase::Checking {
            stage: Stage::Identify,
            wait_until: None,
        } => t.t("progress.reach"),
        Phase::Checking {
            stage: Stage::Permissions,
            wait_until: None,
        } => t.t("progress.access"),
        Phase::Checking {
            wait_until: Some(_),
            ..
        } => t.t("progress.rate_limit_announce"),
        Phase::Finished(r) if r.verified().is_some() => t.t("report.verified.title"),
        _ => String::new(),
    });
    let t = texts;
    let assertive = Memo::new(move |_| match phase.get() {
        Phase::Finished(r) => r
            .failure()
            .map(|f| crate::i18n::describe::failure(&t, f).title)
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
fn UpdateIntro(texts: Texts, org: String) -> impl IntoView {
    let t = texts;
    view! {
        <section id="update-intro" class="update" aria-labelledby="update-title">
            <h2 id="update-title">{t.t("update.title")}</h2>
            <p>{t.f("update.body", &[("org", &org)])}</p>
            <ul>
                <li>{t.t("update.cause_unused")}</li>
                <li>{t.t("update.cause_revoked")}</li>
                <li>{t.t("update.cause_deactivated")}</li>
            </ul>
            <p>{t.f("update.action", &[("org", &org)])}</p>
        </section>
    }
}

/// The result region: the report with the delivery button, or the delivered state.
#[component]
#[allow(clippy::too_many_arguments)]
fn ResultRegion(
    texts: Texts,
    phase: RwSignal<Phase>,
    delivery_error: RwSignal<String>,
    partner: Option<String>,
    delivers: bool,
    /// The account a `submit` connection goes to, when it must be confirmed first.
    recipient: RwSignal<Recipient>,
    submits: bool,
    embedded: bool,
    embed: Embed,
    deliver: impl Fn() + Clone + 'static,
    /// Whether a verified report of a broader role than needed gets the notice.
    least_privilege: LeastPrivilege,
    /// What the deployment needs (`required`).
    required: Vec<DataKind>,
    /// Update mode: the connection being renewed.
    update: RwSignal<Option<UpdateTarget>>,
) -> impl IntoView {
    // The report stays the same while it is delivered (or the delivery fails), so its markup,
    // and the focus in it, stay too.
    let report = Memo::new(move |_| match phase.get() {
        Phase::Finished(r) | Phase::Delivering(r) => Some(r),
        _ => None,
    });
    let delivered = Memo::new(move |_| matches!(phase.get(), Phase::Delivered));
    let delivering = Memo::new(move |_| matches!(phase.get(), Phase::Delivering(_)));
    let region = texts.t("report.region");
    let embed = send_wrapper::SendWrapper::new(embed);
    let deliver = send_wrapper::SendWrapper::new(deliver);
    move || {
        let t = texts.clone();
        if delivered.get() {
            let body = match partner.as_deref() {
                Some(p) => t.f("delivery.done_partner", &[("partner", p)]),
                None => t.t("delivery.done"),
            };
            let embed = (*embed).clone();
            let close = embedded.then(|| {
                view! {
                    <div class="actions">
                        <button
                            type="button"
                            class="secondary"
                            on:click=move |_| {
                                embed.post(&Message::new(Body::Close));
                                // A popup closes itself; a frame is closed by its host.
                                let w = window();
                                let is_popup = w
                                    .opener()
                                    .is_ok_and(|o| !o.is_null() && !o.is_undefined());
                                if is_popup {
                                    let _ = w.close();
                                }
                            }
                        >
                            {t.t("delivery.close")}
                        </button>
                    </div>
                }
            });
            return Some(Either::Left(view! {
                <section id="result" class="result ok" tabindex="-1" aria-label=region.clone()>
                    <h2>{t.t("delivery.done_title")}</h2>
                    <p>{body}</p>
                    {close}
                </section>
            }));
        }
        let report = report.get()?;
        let failed = report.failure().is_some();
        let class = if failed { "result bad" } else { "result ok" };
        let connect = (delivers && !failed).then(|| {
            let idle = match partner.as_deref() {
                Some(p) => t.f("delivery.connect_partner", &[("partner", p)]),
                None => t.t("delivery.connect"),
            };
            let busy = t.t("delivery.connecting");
            let deliver = (*deliver).clone();
            let to = Memo::new(move |_| {
                if submits {
                    recipient.get()
                } else {
                    Recipient::NotNeeded
                }
            });
            let blocked = move || delivering.get() || !to.with(Recipient::allows_connect);
            let t = t.clone();
            let partner = partner.clone();
            view! {
                {move || view! { <RecipientNote texts=t.clone() to=to.get() partner=partner.clone() /> }}
                {move || {
                    let error = delivery_error.get();
                    (!error.is_empty())
                        .then(|| view! { <p class="field-error" role="alert">{error}</p> })
                }}
                <div class="actions">
                    <button
                        type="button"
                        class="primary"
                        aria-disabled=move || if blocked() { "true" } else { "false" }
                        aria-describedby=move || {
                            (!matches!(to.get(), Recipient::NotNeeded)).then_some("recipient")
                        }
                        on:click=move |_| {
                            if !blocked() {
                                deliver()
                            }
                        }
                    >
                        {move || if delivering.get() { busy.clone() } else { idle.clone() }}
                    </button>
                </div>
            }
        });
        let retry = failed.then(|| {
            view! {
                <div class="actions">
                    <button type="submit" class="secondary" form="link-form">
                        {t.t("report.try_again")}
                    </button>
                </div>
            }
        });
        // The report's stable code (`verified` or the failure's): for integrators' tests and the
        // agreement test with the native check (okta-link-check), never shown.
        let code = report.code();
        // Update mode: a rejected token is explained against the fixed org; a new owner is a
        // notice, not a failure.
        let update_notes = update.get().and_then(|u| {
            let (id, text) = match report.as_ref() {
                Report::Failed(Failure::TokenRejected { .. }) => (
                    "update-rejected",
                    t.f("update.rejected", &[("org", &u.org_host)]),
                ),
                Report::Verified(v) if u.owner_changed(v) => {
                    let who = v
                        .admin
                        .name
                        .clone()
                        .or_else(|| v.admin.login.clone())
                        .unwrap_or_else(|| v.admin.id.as_str().to_string());
                    (
                        "update-owner",
                        t.f("update.owner_changed", &[("name", &who)]),
                    )
                }
                _ => return None,
            };
            Some(view! { <p id=id class="update-note">{text}</p> })
        });
        // The least-privilege notice, unless the deployment turned it off (`least_privilege`).
        let advice = report
            .verified()
            .filter(|_| least_privilege == LeastPrivilege::Advise)
            .and_then(|v| least_privilege_advice(v, &required));
        Some(Either::Right(view! {
            <section id="result" class=class tabindex="-1" aria-label=region.clone() data-diagnosis=code>
                <ReportView texts=t.clone() report=report.clone() partner=partner.clone() advice=advice />
                {update_notes}
                {connect}
                {retry}
            </section>
        }))
    }
}
