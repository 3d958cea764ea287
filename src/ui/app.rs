//! The page: two fields, the check button, progress, and the result. The check itself is the
//! core's state machine ([`Check`]); this component only drives it through the network module
//! and renders what it says.

use std::rc::Rc;
use std::sync::Arc;

use futures::future::join_all;
use leptos::prelude::*;

use crate::core::config::{Delivery, Theme};
use crate::core::diagnosis::{Field, Report};
use crate::core::outcome::Transport;
use crate::core::plan::{Check, DataKind, Stage, Step};
use crate::core::protocol::{Body, Connection, Inbound, Message};
use crate::core::{org_url, token};
use crate::i18n::Texts;
use crate::net::{self, BrowserJson, Cancel, FetchFailure};
use crate::ui::boot::Boot;
use crate::ui::embed::Embed;
use crate::ui::fields::{OrgField, TokenField, TokenState};
use crate::ui::report::report_view;

/// Where the page stands.
#[derive(Clone, PartialEq)]
enum Phase {
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

/// Why a `submit` delivery failed (shown with a retry).
#[derive(Clone, PartialEq)]
enum DeliveryError {
    Status(u16),
    Unreachable,
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
    set_phase: WriteSignal<Phase>,
) -> Option<Report> {
    loop {
        if cancel.is_cancelled() {
            return None;
        }
        let now = net::now_ms();
        match check.poll(now) {
            Step::Send(requests) => {
                set_phase.set(Phase::Checking {
                    stage: check.stage(),
                    wait_until: None,
                });
                let answers = join_all(requests.into_iter().map(|r| {
                    let url = r.url(&boot.config);
                    let token = r.needs_token().then(|| secret.clone());
                    let timeout = r.deadline_ms.saturating_sub(now).min(u32::MAX as u64) as u32;
                    async move {
                        let res = net::proxy_get(&url, token.as_deref(), timeout, cancel).await;
                        (r.id, res)
                    }
                }))
                .await;
                for (id, res) in answers {
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
                set_phase.set(Phase::Checking {
                    stage: check.stage(),
                    wait_until: Some(until_ms),
                });
                // Tick once a second so the countdown moves.
                let left = until_ms.saturating_sub(now);
                net::sleep(left.min(1000) as u32).await;
            }
            Step::Pending { until_ms } => {
                let left = until_ms.saturating_sub(now);
                net::sleep(left.clamp(10, 250) as u32).await;
            }
            Step::Done(report) => return Some(report),
        }
    }
}

#[component]
pub fn App(boot: Boot) -> impl IntoView {
    let texts: Texts = boot.texts.clone();
    let partner: Option<String> = boot.config.partner.name.clone();
    let prefill = boot.fragment.org.clone().unwrap_or_default();

    let (org, set_org) = signal(prefill);
    let (token_raw, set_token_raw) = signal(String::new());
    let (org_left, set_org_left) = signal(false);
    let (token_left, set_token_left) = signal(false);
    let (submitted, set_submitted) = signal(false);
    let (phase, set_phase) = signal(Phase::Idle);
    let (now, set_now) = signal(net::now_ms());
    let cancel: StoredValue<Option<Rc<Cancel>>, LocalStorage> = StoredValue::new_local(None);

    let embed = Embed::new(&boot.config);
    let (session, set_session) = signal(boot.fragment.session.clone());
    let (delivery_error, set_delivery_error) = signal(None::<DeliveryError>);
    let card_node = NodeRef::<leptos::html::Div>::new();
    if embed.active() {
        embed.listen(&boot.config, move |msg| match msg {
            Inbound::Session(s) => set_session.set(Some(s)),
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
        Effect::new(move |_| {
            if let Some(card) = card_node.get() {
                e.watch_height(&card);
            }
        });
        // Tell the host how each check ended (never the token).
        let e = embed.clone();
        Effect::new(move |_| {
            if let Phase::Finished(report) = phase.get() {
                match report.as_ref() {
                    Report::Verified(v) => e.post(&Message::new(Body::Verified { report: v })),
                    Report::Failed(f) => e.post(&Message::new(Body::Error { kind: f.code() })),
                }
            }
        });
    }

    let org_node = NodeRef::<leptos::html::Input>::new();
    let token_node = NodeRef::<leptos::html::Input>::new();
    let result_node = NodeRef::<leptos::html::Section>::new();

    // The token's cleaned state, without the secret: (length, corrections, warnings).
    let token_state = Memo::new(move |_| {
        let raw = token_raw.get();
        if raw.trim().is_empty() {
            return None;
        }
        Some(token::clean(&raw).map(|t| TokenState {
            len: t.len(),
            corrections: t.corrections().iter().map(|c| c.code()).collect(),
            warnings: t.warnings().iter().map(|w| w.code()).collect(),
        }))
    });

    let checking = Signal::derive(move || matches!(phase.get(), Phase::Checking { .. }));

    // Editing either field after a check clears the old result and cancels a running check:
    // a result never belongs to inputs other than the ones on screen.
    let reset = move || {
        if matches!(
            phase.get_untracked(),
            Phase::Delivering(_) | Phase::Delivered
        ) {
            return;
        }
        if let Some(c) = cancel.get_value() {
            c.cancel();
        }
        cancel.set_value(None);
        if !matches!(phase.get_untracked(), Phase::Idle) {
            set_phase.set(Phase::Idle);
        }
    };
    Effect::new(move |prev: Option<(String, String)>| {
        let now_inputs = (org.get(), token_raw.get());
        if let Some(prev) = prev {
            if prev != now_inputs {
                reset();
            }
        }
        now_inputs
    });

    let boot_for_check = boot.clone();
    let start_check = move || {
        set_submitted.set(true);
        if checking.get_untracked() {
            return;
        }
        let org_parsed = org_url::normalize(&org.get_untracked());
        let token_parsed = token::clean(&token_raw.get_untracked());
        let (org_ok, token_ok) = match (org_parsed, token_parsed) {
            (Ok(o), Ok(t)) => (o, t),
            (Err(_), _) => {
                if let Some(el) = org_node.get_untracked() {
                    let _ = el.focus();
                }
                return;
            }
            (_, Err(_)) => {
                if let Some(el) = token_node.get_untracked() {
                    let _ = el.focus();
                }
                return;
            }
        };
        let c = Rc::new(Cancel::new());
        cancel.set_value(Some(c.clone()));
        let boot = boot_for_check.clone();
        let secret: Rc<str> = Rc::from(token_ok.secret());
        drop(token_ok);
        let check = Check::from_config(org_ok.host().to_string(), &boot.config, net::now_ms());
        // The check's task is queued before the phase changes, so its first requests leave
        // before the progress view is rendered (the render effects run after it).
        leptos::task::spawn_local(async move {
            let report = drive(check, secret, &boot, &c, set_phase).await;
            if c.is_cancelled() {
                return;
            }
            let Some(report) = report else { return };
            let focus_field = report.failure().and_then(|f| f.field());
            set_phase.set(Phase::Finished(Arc::new(report)));
            // Move focus: to the field to fix on a failure that names one, else to the result.
            let target = match focus_field {
                Some(Field::OrgUrl) => org_node.get_untracked().map(|e| e.into()),
                Some(Field::Token) => token_node.get_untracked().map(|e| e.into()),
                None => None,
            };
            request_animation_frame(move || {
                let el: Option<web_sys::HtmlElement> =
                    target.or_else(|| result_node.get_untracked());
                if let Some(el) = el {
                    let _ = el.focus();
                }
            });
        });
        set_phase.set(Phase::Checking {
            stage: Stage::Identify,
            wait_until: None,
        });
    };

    // Hand the verified connection to the platform, as the deployment configured.
    let done_node = NodeRef::<leptos::html::Section>::new();
    let boot_for_delivery = boot.clone();
    let embed_for_delivery = embed.clone();
    let deliver = move || {
        let Phase::Finished(report) = phase.get_untracked() else {
            return;
        };
        let Report::Verified(verified) = report.as_ref() else {
            return;
        };
        let Ok(token) = token::clean(&token_raw.get_untracked()) else {
            return;
        };
        set_delivery_error.set(None);
        set_phase.set(Phase::Delivering(report.clone()));
        // After delivery the token is dropped from memory and from the DOM.
        let finish = move || {
            if let Some(el) = token_node.get_untracked() {
                el.set_value("");
            }
            set_phase.set(Phase::Delivered);
            set_token_raw.set(String::new());
            request_animation_frame(move || {
                if let Some(el) = done_node.get_untracked() {
                    let _ = el.focus();
                }
            });
        };
        match &boot_for_delivery.config.delivery {
            Delivery::None => set_phase.set(Phase::Finished(report.clone())),
            Delivery::PostMessage => {
                let connection = Connection::new(token.secret(), verified);
                embed_for_delivery.post(&Message::new(Body::Connected {
                    connection: &connection,
                }));
                finish();
            }
            Delivery::Redirect { url } => {
                let state = boot_for_delivery.fragment.state.as_deref().unwrap_or("");
                let target = crate::core::protocol::redirect_target(url, state);
                finish();
                let _ = window().location().assign(&target);
            }
            Delivery::Submit { url } => {
                let serializer = serde_wasm_bindgen::Serializer::json_compatible();
                let connection = Connection::new(token.secret(), verified);
                let body = serde::Serialize::serialize(&connection, &serializer)
                    .ok()
                    .and_then(|v| js_sys::JSON::stringify(&v).ok())
                    .map(String::from)
                    .unwrap_or_default();
                drop(token);
                let url = url.clone();
                let bearer = session.get_untracked();
                let timeout = boot_for_delivery.config.timeout_ms;
                leptos::task::spawn_local(async move {
                    match net::post_json(&url, bearer.as_deref(), &body, timeout).await {
                        Ok((status, _)) if (200..300).contains(&status) => finish(),
                        Ok((status, _)) => {
                            set_delivery_error.set(Some(DeliveryError::Status(status)));
                            set_phase.set(Phase::Finished(report));
                        }
                        Err(_) => {
                            set_delivery_error.set(Some(DeliveryError::Unreachable));
                            set_phase.set(Phase::Finished(report));
                        }
                    }
                });
            }
        }
    };

    // The countdown clock while waiting for a rate limit to reset.
    Effect::new(move |_| {
        if let Phase::Checking {
            wait_until: Some(_),
            ..
        } = phase.get()
        {
            set_now.set(net::now_ms());
            set_timeout(
                move || set_now.set(net::now_ms()),
                std::time::Duration::from_millis(1000),
            );
        }
    });

    let show_org_error = Signal::derive(move || org_left.get() || submitted.get());
    let show_token_error = Signal::derive(move || token_left.get() || submitted.get());
    let role_hint = texts.t(&format!(
        "token.help.role.{}",
        role_hint_key(&boot.config.required)
    ));

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
    // The language menu, when the deployment allows more than one language.
    let current = texts.lang();
    let boot_for_lang = boot.clone();
    let language_menu = (boot.config.languages.len() > 1).then(|| {
        let options = boot
            .config
            .languages
            .iter()
            .map(|l| {
                view! { <option value=l.code() lang=l.code() selected=*l == current>{l.native_name()}</option> }
            })
            .collect_view();
        let boot = StoredValue::new_local(boot_for_lang);
        view! {
            <label class="lang">
                <span class="sr-only">{texts.t("app.language")}</span>
                <select on:change=move |ev| {
                    if let Some(lang) = crate::i18n::Lang::from_tag(&event_target_value(&ev)) {
                        crate::ui::switch_language(boot.get_value(), lang);
                    }
                }>
                    {options}
                </select>
            </label>
        }
    });
    let logo = boot.config.partner.logo.clone().map(|src| {
        let alt = t.f(
            "app.logo_alt",
            &[("partner", partner.as_deref().unwrap_or(""))],
        );
        view! { <img src=src alt=alt /> }
    });

    // Progress steps and the polite announcement.
    let t = texts.clone();
    let progress = move || {
        let Phase::Checking { stage, wait_until } = phase.get() else {
            return None;
        };
        let states: [&str; 3] = match stage {
            Stage::Identify => ["active", "active", "pending"],
            Stage::Permissions => ["done", "done", "active"],
        };
        let labels = [
            t.t("progress.reach"),
            t.t("progress.verify"),
            t.t("progress.access"),
        ];
        let wait = wait_until.map(|until| {
            let secs = until.saturating_sub(now.get()).div_ceil(1000);
            t.f(
                "progress.rate_limit_wait",
                &[("seconds", &secs.to_string())],
            )
        });
        Some(view! {
            <ol class="progress" aria-label=t.t("progress.label")>
                {labels.into_iter().zip(states).map(|(l, s)| view! { <li data-state=s>{l}</li> }).collect_view()}
            </ol>
            {wait.map(|w| view! { <p class="warning" role="timer">{w}</p> })}
        })
    };
    let t = texts.clone();
    let polite = move || match phase.get() {
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
    };
    let t = texts.clone();
    let assertive = move || match phase.get() {
        Phase::Finished(r) => r
            .failure()
            .map(|f| crate::i18n::describe::failure(&t, f).title)
            .unwrap_or_default(),
        _ => String::new(),
    };

    let t = texts.clone();
    let partner_for_result = partner.clone();
    let delivers = !matches!(boot.config.delivery, Delivery::None);
    let embedded = embed.active();
    let embed_for_close = StoredValue::new_local(embed.clone());
    let deliver: StoredValue<Rc<dyn Fn()>, LocalStorage> = StoredValue::new_local(Rc::new(deliver));
    let result = move || {
        let t = t.clone();
        if let Phase::Delivered = phase.get() {
            let body = match partner_for_result.as_deref() {
                Some(p) => t.f("delivery.done_partner", &[("partner", p)]),
                None => t.t("delivery.done"),
            };
            return Some(
                view! {
                    <section id="result" class="result ok" tabindex="-1" aria-label=t.t("report.region") node_ref=done_node>
                        <h2>{t.t("delivery.done_title")}</h2>
                        <p>{body}</p>
                        {embedded.then(|| view! {
                            <div class="actions">
                                <button type="button" class="secondary" on:click=move |_| {
                                    embed_for_close.with_value(|e| e.post(&Message::new(Body::Close)));
                                    // A popup closes itself; a frame is closed by its host.
                                    let is_popup = window().opener().is_ok_and(|o| !o.is_null() && !o.is_undefined());
                                    if is_popup {
                                        let _ = window().close();
                                    }
                                }>{t.t("delivery.close")}</button>
                            </div>
                        })}
                    </section>
                }
                .into_any(),
            );
        }
        let (report, delivering) = match phase.get() {
            Phase::Finished(r) => (r, false),
            Phase::Delivering(r) => (r, true),
            _ => return None,
        };
        let class = if report.verified().is_some() {
            "result ok"
        } else {
            "result bad"
        };
        let body = report_view(&t, &report, partner_for_result.as_deref());
        let retry_label = t.t("report.try_again");
        let failed = report.failure().is_some();
        let connect = (delivers && !failed).then(|| {
            let label = if delivering {
                t.t("delivery.connecting")
            } else {
                match partner_for_result.as_deref() {
                    Some(p) => t.f("delivery.connect_partner", &[("partner", p)]),
                    None => t.t("delivery.connect"),
                }
            };
            let error = delivery_error.get().map(|e| match e {
                DeliveryError::Status(s) => t.f("delivery.error_status", &[("status", &s.to_string())]),
                DeliveryError::Unreachable => t.t("delivery.error_unreachable"),
            });
            view! {
                {error.map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                <div class="actions">
                    <button type="button" class="primary" aria-disabled=if delivering { "true" } else { "false" }
                        on:click=move |_| if !delivering { deliver.with_value(|d| d()) }>
                        {label}
                    </button>
                </div>
            }
        });
        Some(view! {
            <section id="result" class=class tabindex="-1" aria-label=t.t("report.region") node_ref=result_node>
                {body}
                {connect}
                {failed.then(|| view! {
                    <div class="actions">
                        <button type="submit" class="secondary" form="link-form">{retry_label}</button>
                    </div>
                })}
            </section>
        }
        .into_any())
    };

    let t = texts.clone();
    let button_label = move || {
        if checking.get() {
            t.t("check.button_busy")
        } else {
            t.t("check.button")
        }
    };
    view! {
        <div class="card" node_ref=card_node>
            <header class="brand">
                {logo}
                <h1>{title}</h1>
                {language_menu}
            </header>
            <p class="lede">{lede}</p>
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
                    set_value=set_org
                    show_error=show_org_error
                    on_blur=Callback::new(move |_| set_org_left.set(true))
                    node=org_node
                />
                <TokenField
                    texts=texts.clone()
                    cleaned=token_state
                    set_raw=set_token_raw
                    show_error=show_token_error
                    on_blur=Callback::new(move |_| set_token_left.set(true))
                    node=token_node
                    role_hint=role_hint
                />
                <button type="submit" class="primary" aria-disabled=move || if checking.get() { "true" } else { "false" }>
                    {button_label}
                </button>
            </form>
            {progress}
            <div class="sr-only" aria-live="polite" role="status">{polite}</div>
            <div class="sr-only" aria-live="assertive" role="alert">{assertive}</div>
            {result}
            <p class="footer">{footer}</p>
        </div>
    }
}
