//! The page: two fields, the check button, progress, and the result. The check itself is the
//! core's state machine ([`Check`]); this component only drives it through the network module
//! and renders what it says. State lives in Leptos signals; each part of the page that shows
//! state is updated by one effect.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use reactive_graph::signal::RwSignal;
use reactive_graph::traits::{Get, GetUntracked, Set};
use wasm_bindgen::JsCast;

use crate::core::config::{Delivery, Theme};
use crate::core::diagnosis::{Field, Report};
use crate::core::outcome::Transport;
use crate::core::plan::{Check, DataKind, Stage, Step};
use crate::core::protocol::{Body, Connection, Inbound, Message};
use crate::core::recipient::{self, RecipientProblem};
use crate::core::{org_url, token};
use crate::i18n::Texts;
use crate::net::{self, BrowserJson, Cancel, FetchFailure};
use crate::ui::boot::Boot;
use crate::ui::dom::{after_render, effect, el, focus_id, set_attr, set_text, window, El, Region};
use crate::ui::embed::Embed;
use crate::ui::fields::{org_field, token_field, FieldState};
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

/// Whose platform account a `submit` connection goes to (issue 18, finding 5). A session from
/// the page's URL could have been written by anyone, so the platform is asked which account it
/// belongs to, and Connect waits for the answer.
#[derive(Clone, PartialEq)]
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
    set_phase: RwSignal<Phase>,
) -> Option<Arc<Report>> {
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
                let sends = requests.into_iter().map(|r| {
                    let url = r.url(&boot.config);
                    let token = r.needs_token().then(|| secret.clone());
                    let timeout = r.deadline_ms.saturating_sub(now).min(u32::MAX as u64) as u32;
                    async move {
                        let res = net::proxy_get(&url, token.as_deref(), timeout, cancel).await;
                        (r.id, res)
                    }
                });
                let answers = net::join_all(sends.collect()).await;
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

/// Build the page for `boot`. Must run inside a reactive owner (see [`crate::ui::mount_app`]).
pub fn app(boot: Boot) -> El {
    let texts: Texts = boot.texts.clone();
    let partner: Option<String> = boot.config.partner.name.clone();
    let prefill = boot.fragment.org.clone().unwrap_or_default();

    let org = RwSignal::new(prefill);
    let token_raw = RwSignal::new(String::new());
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
        crate::ui::dom::spawn(Box::pin(async move {
            let found = fetch_recipient(&url, &from_link, timeout).await;
            // A session from the host replaced it meanwhile: that one needs no confirmation.
            // (The page may also have been mounted again, in another language, meanwhile.)
            if recipient.try_get_untracked() == Some(Recipient::Checking) {
                let _ = recipient.try_set(found);
            }
        }));
    }
    let delivery_error = RwSignal::new(String::new());
    let cancel: Rc<RefCell<Option<Rc<Cancel>>>> = Rc::new(RefCell::new(None));
    let embed = Embed::new(&boot.config);

    // Editing either field after a check clears the old result and cancels a running check:
    // a result never belongs to inputs other than the ones on screen.
    let reset = {
        let cancel = cancel.clone();
        move || {
            if matches!(
                phase.get_untracked(),
                Phase::Delivering(_) | Phase::Delivered
            ) {
                return;
            }
            if let Some(c) = cancel.borrow_mut().take() {
                c.cancel();
            }
            if !matches!(phase.get_untracked(), Phase::Idle) {
                phase.set(Phase::Idle);
            }
        }
    };

    let t = texts.clone();
    let (org_view, org_input) = org_field(
        &t,
        FieldState {
            value: org,
            left: org_left,
            submitted,
            on_edit: Box::new(reset.clone()),
        },
    );
    let role_hint = t.t(&format!(
        "token.help.role.{}",
        role_hint_key(&boot.config.required)
    ));
    let (token_view, token_input) = token_field(
        &t,
        FieldState {
            value: token_raw,
            left: token_left,
            submitted,
            on_edit: Box::new(reset),
        },
        role_hint,
    );

    let checking = move || matches!(phase.get(), Phase::Checking { .. });

    let start_check = {
        let boot = boot.clone();
        let (org_input, token_input) = (org_input.clone(), token_input.clone());
        move || {
            submitted.set(true);
            if matches!(phase.get_untracked(), Phase::Checking { .. }) {
                return;
            }
            let org_parsed = org_url::normalize(&org.get_untracked());
            let token_parsed = token::clean(&token_raw.get_untracked());
            let (org_ok, token_ok) = match (org_parsed, token_parsed) {
                (Ok(o), Ok(t)) => (o, t),
                (Err(_), _) => {
                    let _ = org_input.focus();
                    return;
                }
                (_, Err(_)) => {
                    let _ = token_input.focus();
                    return;
                }
            };
            let c = Rc::new(Cancel::new());
            *cancel.borrow_mut() = Some(c.clone());
            let boot = boot.clone();
            let secret: Rc<str> = Rc::from(token_ok.secret());
            drop(token_ok);
            let check = Check::from_config(org_ok.host().to_string(), &boot.config, net::now_ms());
            let (org_input, token_input) = (org_input.clone(), token_input.clone());
            // The check's task is queued before the phase changes, so its first requests leave
            // before the progress is rendered (the effects run after it).
            crate::ui::dom::spawn(Box::pin(async move {
                let report = drive(check, secret, &boot, &c, phase).await;
                if c.is_cancelled() {
                    return;
                }
                let Some(report) = report else { return };
                let focus_field = report.failure().and_then(|f| f.field());
                phase.set(Phase::Finished(report));
                // Move focus: to the field to fix on a failure that names one, else to the result.
                after_render(Box::new(move || match focus_field {
                    Some(Field::OrgUrl) => {
                        let _ = org_input.focus();
                    }
                    Some(Field::Token) => {
                        let _ = token_input.focus();
                    }
                    None => focus_id("result"),
                }));
            }));
            phase.set(Phase::Checking {
                stage: Stage::Identify,
                wait_until: None,
            });
        }
    };

    // Hand the verified connection to the platform, as the deployment configured.
    let deliver: Rc<dyn Fn()> = {
        let boot = boot.clone();
        let embed = embed.clone();
        let token_input = token_input.clone();
        Rc::new(move || {
            let Phase::Finished(report) = phase.get_untracked() else {
                return;
            };
            let Report::Verified(verified) = report.as_ref() else {
                return;
            };
            let Ok(token) = token::clean(&token_raw.get_untracked()) else {
                return;
            };
            delivery_error.set(String::new());
            phase.set(Phase::Delivering(report.clone()));
            // After delivery the token is dropped from memory and from the DOM.
            let token_input = token_input.clone();
            let finish = move || {
                token_input.set_value("");
                phase.set(Phase::Delivered);
                token_raw.set(String::new());
                after_render(Box::new(|| focus_id("result")));
            };
            match &boot.config.delivery {
                Delivery::None => phase.set(Phase::Finished(report.clone())),
                Delivery::PostMessage => {
                    let connection = Connection::new(token.secret(), verified);
                    embed.post(&Message::new(Body::Connected {
                        connection: &connection,
                    }));
                    finish();
                }
                Delivery::Redirect { url } => {
                    let state = boot.fragment.state.as_deref().unwrap_or("");
                    let target = crate::core::protocol::redirect_target(url, state);
                    finish();
                    let _ = window().location().assign(&target);
                }
                Delivery::Submit { url, .. } => {
                    // Never to an account the platform has not named (a session from a link).
                    if !recipient.get_untracked().allows_connect() {
                        phase.set(Phase::Finished(report.clone()));
                        return;
                    }
                    let connection = Connection::new(token.secret(), verified);
                    let body = crate::core::json_write::to_text(&connection).unwrap_or_default();
                    drop(token);
                    let url = url.clone();
                    let bearer = session.get_untracked();
                    let t = boot.texts.clone();
                    let timeout = boot.config.timeout_ms;
                    crate::ui::dom::spawn(Box::pin(async move {
                        match net::post_json(
                            &url,
                            Some(bearer.as_str()).filter(|b| !b.is_empty()),
                            &body,
                            timeout,
                        )
                        .await
                        {
                            Ok(status) if (200..300).contains(&status) => finish(),
                            Ok(status) => {
                                let status = u32::from(status).to_string();
                                let error = t.f("delivery.error_status", &[("status", &status)]);
                                delivery_error.set(error);
                                phase.set(Phase::Finished(report));
                            }
                            Err(_) => {
                                delivery_error.set(t.t("delivery.error_unreachable"));
                                phase.set(Phase::Finished(report));
                            }
                        }
                    }));
                }
            }
        })
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
    // The language menu, when the deployment allows more than one language.
    let current = texts.lang();
    let language_menu = (boot.config.languages.len() > 1).then(|| {
        let options = boot
            .config
            .languages
            .iter()
            .map(|l| {
                let option = el("option")
                    .attr("value", l.code())
                    .attr("lang", l.code())
                    .text(l.native_name());
                if *l == current {
                    option.attr("selected", "")
                } else {
                    option
                }
            })
            .collect();
        let boot = boot.clone();
        el("label")
            .class("lang")
            .child(el("span").class("sr-only").text(&t.t("app.language")))
            .child(el("select").children(options).on("change", move |ev| {
                let code = ev
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
                    .map(|s| s.value())
                    .unwrap_or_default();
                if let Some(lang) = crate::i18n::Lang::from_tag(&code) {
                    crate::ui::switch_language(boot.clone(), lang);
                }
            }))
    });
    let logo = boot.config.partner.logo.as_deref().map(|src| {
        let alt = t.f(
            "app.logo_alt",
            &[("partner", partner.as_deref().unwrap_or(""))],
        );
        el("img").attr("src", src).attr("alt", &alt)
    });

    let button = el("button")
        .attr("type", "submit")
        .class("primary")
        .attr("aria-disabled", "false")
        .text(&t.t("check.button"));
    let button_node = button.0.clone();
    let form = el("form")
        .id("link-form")
        .attr("novalidate", "")
        .on("submit", move |ev| {
            ev.prevent_default();
            start_check();
        })
        .child(org_view)
        .child(token_view)
        .child(button);
    let polite = el("div")
        .class("sr-only")
        .attr("aria-live", "polite")
        .attr("role", "status");
    let assertive = el("div")
        .class("sr-only")
        .attr("aria-live", "assertive")
        .attr("role", "alert");
    let (polite_node, assertive_node) = (polite.0.clone(), assertive.0.clone());
    let progress = Region::new();
    let result = Region::new();
    let card = el("div")
        .class("card")
        .child(
            el("header")
                .class("brand")
                .maybe(logo)
                .child(el("h1").text(&title))
                .maybe(language_menu),
        )
        .child(el("p").class("lede").text(&lede))
        .child(form)
        .region(&progress)
        .child(polite)
        .child(assertive)
        .region(&result)
        .child(el("p").class("footer").text(&footer));

    // The button: busy while checking.
    let t = texts.clone();
    let (idle_label, busy_label) = (t.t("check.button"), t.t("check.button_busy"));
    effect(Box::new(move || {
        let busy = checking();
        set_attr(
            &button_node,
            "aria-disabled",
            if busy { "true" } else { "false" },
        );
        set_text(&button_node, if busy { &busy_label } else { &idle_label });
    }));

    // Progress steps, the rate-limit countdown (the check re-sets its phase every second while
    // it waits) and the two announcements.
    effect(Box::new(move || {
        let current = phase.get();
        let mut content = Vec::new();
        if let Phase::Checking { stage, wait_until } = &current {
            let states: [&str; 3] = match stage {
                Stage::Identify => ["active", "active", "pending"],
                Stage::Permissions => ["done", "done", "active"],
            };
            let steps = ["progress.reach", "progress.verify", "progress.access"]
                .iter()
                .zip(states)
                .map(|(key, state)| el("li").attr("data-state", state).text(&t.t(key)))
                .collect();
            content.push(
                el("ol")
                    .class("progress")
                    .attr("aria-label", &t.t("progress.label"))
                    .children(steps),
            );
            if let Some(until) = wait_until {
                let secs = until.saturating_sub(net::now_ms()).div_ceil(1000);
                let wait = t.f(
                    "progress.rate_limit_wait",
                    &[(
                        "seconds",
                        &(secs.min(u64::from(u32::MAX)) as u32).to_string(),
                    )],
                );
                content.push(el("p").class("warning").attr("role", "timer").text(&wait));
            }
        }
        progress.set(content);
        let polite = match &current {
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
        set_text(&polite_node, &polite);
        let assertive = match &current {
            Phase::Finished(r) => r
                .failure()
                .map(|f| crate::i18n::describe::failure(&t, f).title)
                .unwrap_or_default(),
            _ => String::new(),
        };
        set_text(&assertive_node, &assertive);
    }));

    // The result region.
    let t = texts.clone();
    let delivers = !matches!(boot.config.delivery, Delivery::None);
    let submits = matches!(boot.config.delivery, Delivery::Submit { .. });
    let embedded = embed.active();
    let embed_for_close = embed.clone();
    effect(Box::new(move || {
        let current = phase.get();
        let error = delivery_error.get();
        let to = if submits {
            recipient.get()
        } else {
            Recipient::NotNeeded
        };
        let content = match current {
            Phase::Delivered => {
                let body = match partner.as_deref() {
                    Some(p) => t.f("delivery.done_partner", &[("partner", p)]),
                    None => t.t("delivery.done"),
                };
                let embed = embed_for_close.clone();
                let close = embedded.then(|| {
                    el("div").class("actions").child(
                        el("button")
                            .attr("type", "button")
                            .class("secondary")
                            .text(&t.t("delivery.close"))
                            .on("click", move |_| {
                                embed.post(&Message::new(Body::Close));
                                // A popup closes itself; a frame is closed by its host.
                                let w = window();
                                let is_popup =
                                    w.opener().is_ok_and(|o| !o.is_null() && !o.is_undefined());
                                if is_popup {
                                    let _ = w.close();
                                }
                            }),
                    )
                });
                vec![result_section("result ok", &t)
                    .child(el("h2").text(&t.t("delivery.done_title")))
                    .child(el("p").text(&body))
                    .maybe(close)]
            }
            Phase::Finished(report) | Phase::Delivering(report) => {
                let delivering = matches!(phase.get_untracked(), Phase::Delivering(_));
                let class = if report.verified().is_some() {
                    "result ok"
                } else {
                    "result bad"
                };
                let failed = report.failure().is_some();
                let mut section = result_section(class, &t).children(report_view(
                    &t,
                    &report,
                    partner.as_deref(),
                ));
                if delivers && !failed {
                    let label = if delivering {
                        t.t("delivery.connecting")
                    } else {
                        match partner.as_deref() {
                            Some(p) => t.f("delivery.connect_partner", &[("partner", p)]),
                            None => t.t("delivery.connect"),
                        }
                    };
                    let error = (!error.is_empty()).then_some(error.clone());
                    let deliver = deliver.clone();
                    let blocked = delivering || !to.allows_connect();
                    let about_recipient = recipient_view(&t, &to, partner.as_deref());
                    let mut button = el("button")
                        .attr("type", "button")
                        .class("primary")
                        .attr("aria-disabled", if blocked { "true" } else { "false" })
                        .text(&label)
                        .on("click", move |_| {
                            if !blocked {
                                deliver()
                            }
                        });
                    if about_recipient.is_some() {
                        button = button.attr("aria-describedby", "recipient");
                    }
                    section =
                        section
                            .maybe(about_recipient)
                            .maybe(error.map(|e| {
                                el("p").class("field-error").attr("role", "alert").text(&e)
                            }))
                            .child(el("div").class("actions").child(button));
                }
                if failed {
                    section = section.child(
                        el("div").class("actions").child(
                            el("button")
                                .attr("type", "submit")
                                .class("secondary")
                                .attr("form", "link-form")
                                .text(&t.t("report.try_again")),
                        ),
                    );
                }
                vec![section]
            }
            _ => Vec::new(),
        };
        result.set(content);
    }));

    if embed.active() {
        embed.listen(move |msg| match msg {
            // From an allowed origin and the embedding window: the host chose the account.
            Inbound::Session(s) => {
                session.set(s);
                recipient.set(Recipient::NotNeeded);
            }
            Inbound::Theme(theme) => {
                if let Some(html) = crate::ui::dom::document().document_element() {
                    let _ = match theme {
                        Theme::System => html.remove_attribute("data-theme"),
                        t => html.set_attribute("data-theme", t.code()),
                    };
                }
            }
        });
        embed.post(&Message::new(Body::Ready));
        embed.watch_height(&card.0);
        // Tell the host how each check ended (never the token).
        let e = embed.clone();
        effect(Box::new(move || {
            if let Phase::Finished(report) = phase.get() {
                match report.as_ref() {
                    Report::Verified(v) => e.post(&Message::new(Body::Verified { report: v })),
                    Report::Failed(f) => e.post(&Message::new(Body::Error { kind: f.code() })),
                }
            }
        }));
    }
    card
}

/// What the page knows of the account a `submit` connection goes to, next to Connect (`None`
/// when there is nothing to confirm). The account's name is the platform's, shown as text.
fn recipient_view(t: &Texts, to: &Recipient, partner: Option<&str>) -> Option<El> {
    let view = el("div").id("recipient").class("recipient");
    Some(match to {
        Recipient::NotNeeded => return None,
        Recipient::Checking => view.child(
            el("p")
                .class("hint")
                .text(&t.t("delivery.recipient_checking")),
        ),
        Recipient::Confirmed(account) => {
            let text = match partner {
                Some(p) => t.f(
                    "delivery.recipient_partner",
                    &[("account", account), ("partner", p)],
                ),
                None => t.f("delivery.recipient", &[("account", account)]),
            };
            view.child(el("p").text(&text))
        }
        Recipient::Failed(problem) => {
            let what = match problem {
                RecipientProblem::Status(status) => t.f(
                    "delivery.recipient_error_status",
                    &[("status", &u32::from(*status).to_string())],
                ),
                RecipientProblem::Unreachable => t.t("delivery.recipient_error_unreachable"),
                RecipientProblem::Unreadable => t.t("delivery.recipient_error_unreadable"),
            };
            let todo = match partner {
                Some(p) => t.f("delivery.recipient_action_partner", &[("partner", p)]),
                None => t.t("delivery.recipient_action"),
            };
            view.attr("role", "alert")
                .child(el("p").class("field-error").text(&what))
                .child(el("p").class("hint").text(&todo))
        }
    })
}

/// The result region's section: focusable, so focus can move to it when a check ends.
fn result_section(class: &str, t: &Texts) -> El {
    el("section")
        .id("result")
        .class(class)
        .attr("tabindex", "-1")
        .attr("aria-label", &t.t("report.region"))
}
