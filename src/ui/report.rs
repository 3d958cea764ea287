//! The check's report: what was verified (org, admin, roles, the checklist of data access) or
//! why it failed, with the remedy. Words come from the catalogue through
//! [`crate::i18n::describe`]; everything from Okta is inserted as text.

use std::sync::Arc;

use leptos::either::Either;
use leptos::prelude::*;

use crate::core::credential::CredentialKind;
use crate::core::diagnosis::{
    Access, AdminRoles, Audience, BroadRole, CheckItem, Failure, Report, Verified,
};
use crate::i18n::describe;
use crate::i18n::Texts;
use crate::ui::session::use_session;
use crate::ui::use_texts;

/// The catalogue as it is now (the result area builds the report again when it changes).
fn current() -> Texts {
    use_texts().get_untracked()
}

/// The report of a finished check. `advice`: the least-privilege notice to show after a
/// verified report (see [`crate::core::diagnosis::least_privilege_advice`]).
///
/// Its words are the catalogue's as it is when it is built; the result area builds it again
/// when the language changes.
#[component]
pub fn ReportView(
    report: Arc<Report>,
    #[prop(default = None)] advice: Option<BroadRole>,
) -> impl IntoView {
    let t = current();
    let partner = use_session().config().partner.name.clone();
    match report.as_ref() {
        Report::Verified(v) => {
            let app = v.app.is_some();
            let body = match (&partner, app) {
                (Some(p), false) => t.f("report.verified.body_partner", &[("partner", p)]),
                (Some(p), true) => t.f("report.verified.body_app_partner", &[("partner", p)]),
                (None, false) => t.t("report.verified.body"),
                (None, true) => t.t("report.verified.body_app"),
            };
            Either::Left(view! {
                <h2>{t.t("report.verified.title")}</h2>
                <p>{body}</p>
                <VerifiedDetails verified=(**v).clone() />
                {advice.map(|role| view! { <LeastPrivilegeNotice role=role app=v.app.is_some() /> })}
            })
        }
        Report::Failed(f) => Either::Right(view! { <FailureView failure=f.clone() /> }),
    }
}

/// A value shown as it is (a host, a login, a request ID): isolated (`<bdi>`) so that it keeps
/// its own order in a right-to-left page and does not reorder what surrounds it.
fn mono(text: String) -> impl IntoView {
    view! { <bdi class="mono">{text}</bdi> }
}

/// The verified summary: org, admin, roles, checklist.
#[component]
fn VerifiedDetails(verified: Verified) -> impl IntoView {
    let t = current();
    let v = verified;
    let org = &v.org;
    let engine = t.t(&format!("report.engine.{}", org.engine.code()));
    let canonical = (org.canonical_host != org.entered_host).then(|| {
        view! {
            <dt>{t.t("report.canonical_host")}</dt>
            <dd>{mono(org.canonical_host.clone())}</dd>
        }
    });
    // Who the platform connects as: the token's admin, or the app.
    let who = match (&v.admin, &v.app) {
        (Some(admin), _) => {
            let name = admin
                .name
                .clone()
                .or_else(|| admin.login.clone())
                .unwrap_or_else(|| t.t("report.unknown"));
            let status = t.t(&format!("report.user_status.{}", admin.status.code()));
            // "(login)" isolated as one piece, so its brackets stay around it in RTL text.
            let login = admin
                .login
                .clone()
                .filter(|l| !l.is_empty())
                .map(|login| view! { " "<bdi>"("{mono(login)}")"</bdi> });
            Either::Left(view! {
                <dt>{t.t("report.admin")}</dt>
                <dd><bdi>{name}</bdi>{login}" · "{status}</dd>
            })
        }
        (None, app) => {
            let (label, id, scopes, kind) = app
                .as_ref()
                .map(|a| {
                    (
                        a.label.clone(),
                        a.client_id.clone(),
                        a.scopes.join(" "),
                        a.credential.code(),
                    )
                })
                .unwrap_or_default();
            // The app's name and "(client ID)", or the client ID alone when the name could not be
            // read (no `okta.apps.read`).
            let named = match label {
                Some(l) => Either::Left(view! { <bdi>{l}</bdi>" "<bdi>"("{mono(id)}")"</bdi> }),
                None => Either::Right(mono(id)),
            };
            Either::Right(view! {
                <dt>{t.t("report.app")}</dt>
                <dd>{named}" · "{t.t(&format!("credential.{kind}.label"))}</dd>
                <dt>{t.t("report.scopes")}</dt>
                <dd>{mono(scopes)}</dd>
            })
        }
    };
    // Each role isolated (`<bdi>`), between the language's list separators.
    let roles = match &v.roles {
        AdminRoles::Listed(list) if !list.is_empty() => {
            let separator = t.t("list.separator");
            Either::Left(
                list.iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let label = describe::role_label(&t, r);
                        let sep = (i > 0).then(|| separator.clone());
                        view! { {sep}<bdi>{label}</bdi> }
                    })
                    .collect_view(),
            )
        }
        AdminRoles::Listed(_) => Either::Right(t.t("report.roles.none")),
        AdminRoles::NotSuperAdmin if v.app.is_some() => {
            Either::Right(t.t("report.roles.not_super_admin_app"))
        }
        AdminRoles::NotSuperAdmin => Either::Right(t.t("report.roles.not_super_admin")),
        AdminRoles::Unknown => Either::Right(t.t("report.roles.unknown")),
    };
    let checklist = t.t("report.checklist");
    view! {
        <dl>
            <dt>{t.t("report.org")}</dt>
            <dd>{mono(org.entered_host.clone())}" · "{engine}</dd>
            {canonical}
            {who}
            // The app's own roles: the checklist's "Admin roles" is reading everyone's.
            <dt>{t.t(if v.app.is_some() { "report.roles_app" } else { "report.roles" })}</dt>
            <dd>{roles}</dd>
        </dl>
        <h3 class="sr-only">{checklist.clone()}</h3>
        <Checklist items=v.checklist.clone() label=checklist />
    }
}

/// The calm least-privilege notice: the token's owner is a Super or Org Administrator, while a
/// Read-only Administrator's token would read everything needed; how to make one. Advice only:
/// Connect stays available.
#[component]
fn LeastPrivilegeNotice(role: BroadRole, app: bool) -> impl IntoView {
    let t = current();
    let role_name = t.t(&format!("role.{}", role.code()));
    if app {
        // An app: assign it the narrower role instead, and mind the org setting that makes new
        // service apps Super Administrators.
        return Either::Left(view! {
            <section id="least-privilege" class="advice" aria-labelledby="least-privilege-title">
                <h3 id="least-privilege-title">{t.t("advice.app_title")}</h3>
                <p>{t.f("advice.app_body", &[("role", &role_name)])}</p>
                <ol>
                    <li>{t.t("advice.app_step_assign")}</li>
                    <li>{t.f("advice.app_step_remove", &[("role", &role_name)])}</li>
                    <li>{t.t("advice.app_step_setting")}</li>
                </ol>
                <p class="hint">{t.t("advice.optional_app")}</p>
            </section>
        });
    }
    Either::Right(view! {
        <section id="least-privilege" class="advice" aria-labelledby="least-privilege-title">
            <h3 id="least-privilege-title">{t.t("advice.title")}</h3>
            <p>{t.f("advice.body", &[("role", &role_name)])}</p>
            <p>{t.t("advice.steps")}</p>
            <ol>
                <li>{t.t("advice.step_user")}</li>
                <li>{t.t("advice.step_sign_in")}</li>
                <li>{t.t("advice.step_token")}</li>
                <li>{t.t("advice.step_paste")}</li>
            </ol>
            <p class="hint">{t.t("advice.optional")}</p>
        </section>
    })
}

/// Which data the token can read, one line per kind, the required ones marked.
#[component]
pub fn Checklist(items: Vec<CheckItem>, label: String) -> impl IntoView {
    let t = current();
    view! {
        <ul class="checklist" aria-label=label>
            {items
                .into_iter()
                .map(|item| {
                    let class = match item.access {
                        Access::Readable => "yes",
                        Access::NotPermitted => "no",
                        _ => "unknown",
                    };
                    let required = item
                        .required
                        .then(|| view! { " "<em>{t.t("report.required")}</em> });
                    view! {
                        <li class=class>
                            <strong>{t.t(&format!("data.{}", item.data.code()))}</strong>
                            {t.t("label.separator")}
                            {t.t(&format!("report.access.{}", item.access.code()))}
                            {required}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// Why the check failed, what to do, and the verified part of a partial success.
#[component]
fn FailureView(failure: Failure) -> impl IntoView {
    let t = current();
    let f = failure;
    let app = use_session().credential.get_untracked() != CredentialKind::ApiToken;
    let d = describe::failure(&t, &f, app);
    let remedy = d.remedy.clone().map(|remedy| {
        view! { <p><strong>{t.t("report.what_to_do")}</strong>" "{remedy}</p> }
    });
    let integrator = (f.audience() == Audience::Integrator)
        .then(|| view! { <p class="hint">{t.t("report.for_integrator")}</p> });
    let partial = match &f {
        Failure::MissingAccess { verified, .. } => {
            Some(view! { <VerifiedDetails verified=verified.as_ref().clone() /> })
        }
        _ => None,
    };
    let request_id = f.request_id().map(|id| {
        view! { <p class="request-id">{t.t("report.request_id")}" "{mono(id.to_string())}</p> }
    });
    view! {
        <h2>{d.title}</h2>
        <p>{d.body}</p>
        {remedy}
        {integrator}
        {partial}
        {request_id}
    }
}
