//! Rendering the core's values: field errors and the check's report. Words come from the
//! catalogue through [`crate::i18n::describe`]; everything from Okta is inserted as text.

use leptos::prelude::*;

use crate::core::diagnosis::{Access, AdminRoles, Failure, Report, Verified};
use crate::core::{org_url::OrgUrlError, token::TokenError};
use crate::i18n::describe;
use crate::i18n::Texts;

pub fn org_error_text(t: &Texts, e: &OrgUrlError) -> String {
    describe::org_error(t, e)
}

pub fn token_error_text(t: &Texts, e: &TokenError) -> String {
    describe::token_error(t, e)
}

/// The verified summary: org, admin, roles, checklist.
fn verified_details(t: &Texts, v: &Verified) -> impl IntoView {
    let org = &v.org;
    let engine = t.t(&format!("report.engine.{}", org.engine.code()));
    let canonical = (org.canonical_host != org.entered_host).then(|| {
        view! {
            <dt>{t.t("report.canonical_host")}</dt>
            <dd><span class="mono">{org.canonical_host.clone()}</span></dd>
        }
    });
    let admin_name = v
        .admin
        .name
        .clone()
        .or_else(|| v.admin.login.clone())
        .unwrap_or_else(|| t.t("report.unknown"));
    let login = v.admin.login.clone().unwrap_or_default();
    let status = t.t(&format!("report.user_status.{}", v.admin.status.code()));
    let roles = match &v.roles {
        AdminRoles::Listed(list) if !list.is_empty() => list
            .iter()
            .map(|r| describe::role_label(t, r))
            .collect::<Vec<_>>()
            .join(", "),
        AdminRoles::Listed(_) => t.t("report.roles.none"),
        AdminRoles::NotSuperAdmin => t.t("report.roles.not_super_admin"),
        AdminRoles::Unknown => t.t("report.roles.unknown"),
    };
    let items = v
        .checklist
        .iter()
        .map(|item| {
            let class = match item.access {
                Access::Readable => "yes",
                Access::NotPermitted => "no",
                _ => "unknown",
            };
            let data = t.t(&format!("data.{}", item.data.code()));
            let access = t.t(&format!("report.access.{}", item.access.code()));
            let required = item.required.then(|| t.t("report.required"));
            view! {
                <li class=class>
                    <strong>{data}</strong> ": " {access}
                    {required.map(|r| view! { " " <em>{r}</em> })}
                </li>
            }
        })
        .collect_view();
    view! {
        <dl>
            <dt>{t.t("report.org")}</dt>
            <dd><span class="mono">{org.entered_host.clone()}</span> " · " {engine}</dd>
            {canonical}
            <dt>{t.t("report.admin")}</dt>
            <dd>{admin_name} {(!login.is_empty()).then(|| view! { " (" <span class="mono">{login}</span> ")" })} " · " {status}</dd>
            <dt>{t.t("report.roles")}</dt>
            <dd>{roles}</dd>
        </dl>
        <h3 class="sr-only">{t.t("report.checklist")}</h3>
        <ul class="checklist" aria-label=t.t("report.checklist")>{items}</ul>
    }
}

/// The result region. `countdown` is shown while a rate-limit retry waits.
pub fn report_view(t: &Texts, report: &Report, partner: Option<&str>) -> AnyView {
    match report {
        Report::Verified(v) => {
            let title = t.t("report.verified.title");
            let body = match partner {
                Some(p) => t.f("report.verified.body_partner", &[("partner", p)]),
                None => t.t("report.verified.body"),
            };
            view! {
                <h2>{title}</h2>
                <p>{body}</p>
                {verified_details(t, v)}
            }
            .into_any()
        }
        Report::Failed(f) => failure_view(t, f),
    }
}

fn failure_view(t: &Texts, f: &Failure) -> AnyView {
    let d = describe::failure(t, f);
    let request_id = f.request_id().map(|id| {
        view! {
            <p class="request-id">{t.t("report.request_id")} " " <span class="mono">{id.to_string()}</span></p>
        }
    });
    let details = match f {
        Failure::MissingAccess { verified, .. } => Some(verified_details(t, verified).into_any()),
        _ => None,
    };
    let audience = (f.audience() == crate::core::diagnosis::Audience::Integrator)
        .then(|| view! { <p class="hint">{t.t("report.for_integrator")}</p> });
    view! {
        <h2>{d.title}</h2>
        <p>{d.body}</p>
        {d.remedy.map(|r| view! { <p><strong>{t.t("report.what_to_do")}</strong> " " {r}</p> })}
        {audience}
        {details}
        {request_id}
    }
    .into_any()
}
