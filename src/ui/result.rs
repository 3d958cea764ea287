//! The result area: the check's report with what follows from it (update mode's notes,
//! Connect with the account it goes to, or the retry), or the delivered state. State and
//! actions are the [`Session`](crate::ui::Session)'s, words the current catalogue's.

use std::sync::Arc;

use leptos::either::Either;
use leptos::prelude::*;

use crate::core::config::{Delivery, LeastPrivilege};
use crate::core::diagnosis::{least_privilege_advice, Failure, Report};
use crate::core::recipient::RecipientProblem;
use crate::i18n::Texts;
use crate::ui::report::ReportView;
use crate::ui::session::{use_session, DeliveryError, Phase, Recipient};
use crate::ui::{tr, use_texts, words};

/// The partner's name, when the deployment names one.
fn partner() -> Option<String> {
    use_session().config().partner.name.clone()
}

/// The result region: the report with the delivery button, or the delivered state. The report
/// stays the same while it is delivered (or the delivery fails), so its markup, and the focus
/// in it, stay too.
#[component]
pub fn ResultRegion() -> impl IntoView {
    let phase = use_session().phase;
    let report = Memo::new(move |_| match phase.get() {
        Phase::Finished(r) | Phase::Delivering(r) => Some(r),
        _ => None,
    });
    let delivered = Memo::new(move |_| matches!(phase.get(), Phase::Delivered));
    let texts = use_texts();
    move || {
        // A language switch builds the result again, in the new words.
        texts.track();
        if delivered.get() {
            return Some(Either::Left(view! { <Delivered /> }));
        }
        let report = report.get()?;
        Some(Either::Right(view! { <Outcome report=report /> }))
    }
}

/// Delivered: the token is gone; a page with a host can tell it to close.
#[component]
fn Delivered() -> impl IntoView {
    let session = use_session();
    let partner = partner();
    let body = words(move |t| {
        t.with_partner(partner.as_deref(), "delivery.done_partner", "delivery.done")
    });
    let close = session.embed().active().then(|| {
        view! {
            <div class="actions">
                <button type="button" class="secondary" on:click=move |_| session.close()>
                    {tr("delivery.close")}
                </button>
            </div>
        }
    });
    view! {
        <section id="result" class="result ok" tabindex="-1" aria-label=tr("report.region")>
            <h2>{tr("delivery.done_title")}</h2>
            <p>{body}</p>
            {close}
        </section>
    }
}

/// A finished check's report, with Connect after a verified one (when the deployment delivers)
/// or the retry after a failure.
#[component]
fn Outcome(report: Arc<Report>) -> impl IntoView {
    let config = use_session().config();
    let failed = report.failure().is_some();
    let class = if failed { "result bad" } else { "result ok" };
    let delivers = !matches!(config.delivery, Delivery::None);
    let connect = (delivers && !failed).then(|| view! { <Connect /> });
    let retry = failed.then(|| {
        view! {
            <div class="actions">
                <button type="submit" class="secondary" form="link-form">
                    {tr("report.try_again")}
                </button>
            </div>
        }
    });
    // The report's stable code (`verified` or the failure's): for integrators' tests and the
    // agreement test with the native check (okta-link-check), never shown.
    let code = report.code();
    // The least-privilege notice, unless the deployment turned it off (`least_privilege`).
    let advice = report
        .verified()
        .filter(|_| config.least_privilege == LeastPrivilege::Advise)
        .and_then(|v| least_privilege_advice(v, &config.required));
    view! {
        <section
            id="result"
            class=class
            tabindex="-1"
            aria-label=tr("report.region")
            data-diagnosis=code
        >
            <ReportView report=report.clone() advice=advice />
            <UpdateNote report=report />
            {connect}
            {retry}
        </section>
    }
}

/// Update mode: a rejected token is explained against the fixed org; a new owner is a notice,
/// not a failure.
#[component]
fn UpdateNote(report: Arc<Report>) -> impl IntoView {
    let update = use_session().update;
    let texts = use_texts();
    move || {
        let u = update.get()?;
        let (id, text) = texts.with(|t| match report.as_ref() {
            Report::Failed(Failure::TokenRejected { .. }) => Some((
                "update-rejected",
                t.f("update.rejected", &[("org", &u.org_host)]),
            )),
            Report::Verified(v) if u.owner_changed(v) => {
                let admin = v.admin.as_ref()?;
                let who = admin
                    .name
                    .clone()
                    .or_else(|| admin.login.clone())
                    .unwrap_or_else(|| admin.id.as_str().to_string());
                Some((
                    "update-owner",
                    t.f("update.owner_changed", &[("name", &who)]),
                ))
            }
            _ => None,
        })?;
        Some(view! { <p id=id class="update-note">{text}</p> })
    }
}

/// Why the last delivery failed, in words.
fn delivery_error(t: &Texts, error: DeliveryError, partner: Option<&str>) -> String {
    match error {
        DeliveryError::NoHost => t.with_partner(
            partner,
            "delivery.recipient_action_partner",
            "delivery.recipient_action",
        ),
        DeliveryError::Status(status) => {
            t.f("delivery.error_status", &[("status", &status.to_string())])
        }
        DeliveryError::Unreachable => t.t("delivery.error_unreachable"),
    }
}

/// Connect: hands the verified connection over; disabled while it does, and while the account
/// it goes to is not confirmed.
#[component]
fn Connect() -> impl IntoView {
    let session = use_session();
    let texts = use_texts();
    let partner = partner();
    let submits = matches!(session.config().delivery, Delivery::Submit { .. });
    let phase = session.phase;
    let delivering = Memo::new(move |_| matches!(phase.get(), Phase::Delivering(_)));
    let to = Memo::new(move |_| {
        if submits {
            session.recipient.get()
        } else {
            Recipient::NotNeeded
        }
    });
    let blocked = move || delivering.get() || !to.with(Recipient::allows_connect);
    let error = {
        let partner = partner.clone();
        move || {
            let error = session.delivery_error.get()?;
            let text = texts.with(|t| delivery_error(t, error, partner.as_deref()));
            Some(view! { <p class="field-error" role="alert">{text}</p> })
        }
    };
    let label = words(move |t| {
        if delivering.get() {
            t.t("delivery.connecting")
        } else {
            t.with_partner(
                partner.as_deref(),
                "delivery.connect_partner",
                "delivery.connect",
            )
        }
    });
    view! {
        <RecipientNote to=to />
        {error}
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
                        session.deliver()
                    }
                }
            >
                {label}
            </button>
        </div>
    }
}

/// What the page knows of the account a `submit` connection goes to, next to Connect (nothing
/// when there is nothing to confirm). The account's name is the platform's, shown as text.
#[component]
fn RecipientNote(to: Memo<Recipient>) -> impl IntoView {
    let texts = use_texts();
    let partner = partner();
    move || {
        // One shape for every state: the lead line (a hint, the account, or the error), the
        // action to take under an error, and an alert role only for the error.
        let (alert, lead_class, lead, action) = texts.with(|t| {
            let p = partner.as_deref();
            Some(match to.get() {
                Recipient::NotNeeded => return None,
                Recipient::Checking => (
                    false,
                    Some("hint"),
                    t.t("delivery.recipient_checking"),
                    None,
                ),
                Recipient::Confirmed(account) => {
                    let text = match p {
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
                        RecipientProblem::Unreachable => {
                            t.t("delivery.recipient_error_unreachable")
                        }
                        RecipientProblem::Unreadable => t.t("delivery.recipient_error_unreadable"),
                    };
                    let todo = t.with_partner(
                        p,
                        "delivery.recipient_action_partner",
                        "delivery.recipient_action",
                    );
                    (true, Some("field-error"), what, Some(todo))
                }
            })
        })?;
        Some(view! {
            <div id="recipient" class="recipient" role=alert.then_some("alert")>
                <p class=lead_class>{lead}</p>
                {action.map(|todo| view! { <p class="hint">{todo}</p> })}
            </div>
        })
    }
}
