//! Rendering the check's report. Words come from the catalogue through
//! [`crate::i18n::describe`]; everything from Okta is inserted as text.

use crate::core::diagnosis::{Access, AdminRoles, Audience, Failure, Report, Verified};
use crate::i18n::describe;
use crate::i18n::Texts;
use crate::ui::dom::{el, El};

fn mono(text: &str) -> El {
    el("span").class("mono").text(text)
}

/// The verified summary: org, admin, roles, checklist.
fn verified_details(t: &Texts, v: &Verified) -> Vec<El> {
    let org = &v.org;
    let engine = t.t(&format!("report.engine.{}", org.engine.code()));
    let mut dl = el("dl").child(el("dt").text(&t.t("report.org"))).child(
        el("dd")
            .child(mono(&org.entered_host))
            .text(" · ")
            .text(&engine),
    );
    if org.canonical_host != org.entered_host {
        dl = dl
            .child(el("dt").text(&t.t("report.canonical_host")))
            .child(el("dd").child(mono(&org.canonical_host)));
    }
    let admin_name = v
        .admin
        .name
        .clone()
        .or_else(|| v.admin.login.clone())
        .unwrap_or_else(|| t.t("report.unknown"));
    let status = t.t(&format!("report.user_status.{}", v.admin.status.code()));
    let mut admin = el("dd").text(&admin_name);
    if let Some(login) = v.admin.login.as_deref().filter(|l| !l.is_empty()) {
        admin = admin.text(" (").child(mono(login)).text(")");
    }
    let roles = match &v.roles {
        AdminRoles::Listed(list) if !list.is_empty() => {
            let labels: Vec<String> = list.iter().map(|r| describe::role_label(t, r)).collect();
            crate::core::text::join(&labels, ", ")
        }
        AdminRoles::Listed(_) => t.t("report.roles.none"),
        AdminRoles::NotSuperAdmin => t.t("report.roles.not_super_admin"),
        AdminRoles::Unknown => t.t("report.roles.unknown"),
    };
    let dl = dl
        .child(el("dt").text(&t.t("report.admin")))
        .child(admin.text(" · ").text(&status))
        .child(el("dt").text(&t.t("report.roles")))
        .child(el("dd").text(&roles));
    let items = v
        .checklist
        .iter()
        .map(|item| {
            let class = match item.access {
                Access::Readable => "yes",
                Access::NotPermitted => "no",
                _ => "unknown",
            };
            let li = el("li")
                .class(class)
                .child(el("strong").text(&t.t(&format!("data.{}", item.data.code()))))
                .text(": ")
                .text(&t.t(&format!("report.access.{}", item.access.code())));
            if item.required {
                li.text(" ").child(el("em").text(&t.t("report.required")))
            } else {
                li
            }
        })
        .collect();
    let checklist = t.t("report.checklist");
    vec![
        dl,
        el("h3").class("sr-only").text(&checklist),
        el("ul")
            .class("checklist")
            .attr("aria-label", &checklist)
            .children(items),
    ]
}

/// The content of the result region for a finished check.
pub fn report_view(t: &Texts, report: &Report, partner: Option<&str>) -> Vec<El> {
    match report {
        Report::Verified(v) => {
            let body = match partner {
                Some(p) => t.f("report.verified.body_partner", &[("partner", p)]),
                None => t.t("report.verified.body"),
            };
            let mut out = vec![
                el("h2").text(&t.t("report.verified.title")),
                el("p").text(&body),
            ];
            out.extend(verified_details(t, v));
            out
        }
        Report::Failed(f) => failure_view(t, f),
    }
}

fn failure_view(t: &Texts, f: &Failure) -> Vec<El> {
    let d = describe::failure(t, f);
    let mut out = vec![el("h2").text(&d.title), el("p").text(&d.body)];
    if let Some(remedy) = &d.remedy {
        out.push(
            el("p")
                .child(el("strong").text(&t.t("report.what_to_do")))
                .text(" ")
                .text(remedy),
        );
    }
    if f.audience() == Audience::Integrator {
        out.push(el("p").class("hint").text(&t.t("report.for_integrator")));
    }
    if let Failure::MissingAccess { verified, .. } = f {
        out.extend(verified_details(t, verified));
    }
    if let Some(id) = f.request_id() {
        out.push(
            el("p")
                .class("request-id")
                .text(&t.t("report.request_id"))
                .text(" ")
                .child(mono(id)),
        );
    }
    out
}
