//! From the core's typed values to words, through the catalogue. Pure, so a native test can
//! walk every variant and check that its keys exist in every catalogue.

use crate::core::diagnosis::{Failure, RoleHint};
use crate::core::okta::Role;
use crate::core::org_url::OrgUrlError;
use crate::core::plan::ProbeKind;
use crate::core::token::TokenError;
use crate::i18n::Texts;

/// A failure in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Described {
    pub title: String,
    pub body: String,
    pub remedy: Option<String>,
}

fn args<'a>(params: &'a [(&'static str, String)]) -> Vec<(&'a str, &'a str)> {
    params.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// A message whose parameters may count: `{len}` picks the plural form, and counts are written
/// as the language writes numbers.
fn counted(t: &Texts, key: &str, params: &[(&'static str, String)]) -> String {
    let numbers: Vec<(&str, String)> = params
        .iter()
        .map(|(k, v)| match (*k, v.parse::<u64>()) {
            ("len" | "max", Ok(n)) => (*k, t.number(n)),
            _ => (*k, v.clone()),
        })
        .collect();
    let a: Vec<(&str, &str)> = numbers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    match params
        .iter()
        .find(|(k, _)| *k == "len")
        .map(|(_, v)| v.parse::<u64>())
    {
        Some(Ok(len)) => t.count_with(key, "len", len, &a),
        _ => t.f(key, &a),
    }
}

pub fn org_error(t: &Texts, e: &OrgUrlError) -> String {
    // What was typed is quoted back, but a screenful of it helps nobody: long values keep
    // their start and end.
    let params: Vec<(&'static str, String)> = e
        .params()
        .into_iter()
        // The suggestion stays whole: it is to be typed or copied.
        .map(|(k, v)| {
            if k == "suggestion" {
                (k, v)
            } else {
                (k, elide(v))
            }
        })
        .collect();
    let a = args(&params);
    let mut text = counted(t, &format!("org.error.{}", e.code()), &params);
    if e.suggestion().is_some() {
        text.push(' ');
        text.push_str(&t.f("org.error.suggestion", &a));
    }
    text
}

/// `v` itself, or past 64 characters its first 40 and last 12 around an ellipsis.
fn elide(v: String) -> String {
    let n = v.chars().count();
    if n <= 64 {
        return v;
    }
    let head: String = v.chars().take(40).collect();
    let tail: String = v.chars().skip(n - 12).collect();
    format!("{head}…{tail}")
}

pub fn token_error(t: &Texts, e: &TokenError) -> String {
    counted(t, &format!("token.error.{}", e.code()), &e.params())
}

/// A role's name: our own translation for known types, Okta's label for custom roles.
pub fn role_label(t: &Texts, role: &Role) -> String {
    let key = format!("role.{}", role.kind().code());
    match role.kind().code() {
        "custom" | "other" => role
            .label
            .clone()
            .or_else(|| role.role_type.clone())
            .unwrap_or_else(|| t.t("role.custom")),
        _ => t.t(&key),
    }
}

/// The Okta call a probe makes, as shown to people (no ids). An OAuth 2.0 app's check
/// (`app`) identifies itself with the token request and reads the app's own roles.
pub fn call_label(probe: ProbeKind, app: bool) -> &'static str {
    match probe {
        ProbeKind::WellKnown => "/.well-known/okta-organization",
        ProbeKind::Me if app => "/oauth2/v1/token",
        ProbeKind::Me => "/api/v1/users/me",
        ProbeKind::Roles if app => "/oauth2/v1/clients/…/roles",
        ProbeKind::Roles => "/api/v1/users/…/roles",
        ProbeKind::Users => "/api/v1/users",
        ProbeKind::Groups => "/api/v1/groups",
        ProbeKind::Logs => "/api/v1/logs",
    }
}

fn list(t: &Texts, items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    items.join(&t.t("list.separator"))
}

/// `f` in words; `app`: the check was an OAuth 2.0 app's (the calls it names differ).
pub fn failure(t: &Texts, f: &Failure, app: bool) -> Described {
    let code = f.code();
    let key = |part: &str| format!("failure.{code}.{part}");
    let mut params: Vec<(&str, String)> = Vec::new();
    match f {
        Failure::NoOrgAtAddress { host } | Failure::OrgUnreachable { host } => {
            params.push(("host", host.clone()))
        }
        Failure::ForeignOrganization { host, named } => {
            params.push(("host", host.clone()));
            params.push(("named", named.clone()));
        }
        Failure::TokenBlockedFromProxyNetwork { egress_ips, .. } => {
            params.push(("ips", egress_ips.join(", ")));
        }
        Failure::RateLimited {
            retry_at_epoch_s, ..
        } => {
            params.push((
                "time",
                retry_at_epoch_s
                    .map(|s| t.time(s))
                    .unwrap_or_else(|| t.t("failure.rate_limited.later")),
            ));
        }
        Failure::OktaServerError { status, .. } => {
            params.push(("status", u32::from(*status).to_string()))
        }
        Failure::ProxyMisconfigured { issue, status, .. } => {
            params.push(("status", u32::from(*status).to_string()));
            params.push(("issue", t.t(&format!("proxy_issue.{}", issue.code()))));
        }
        Failure::ProxyRefusedTarget { host, code } => {
            params.push(("host", host.clone()));
            params.push(("reason", t.t(&format!("proxy_issue.{}", code.code()))));
        }
        Failure::TimedOut { stage } => {
            params.push(("stage", t.t(&format!("stage.{}", stage.code()))));
        }
        Failure::UnexpectedResponse {
            probe,
            status,
            kind,
            ..
        } => {
            params.push(("status", u32::from(*status).to_string()));
            params.push(("call", call_label(*probe, app).to_string()));
            params.push((
                "kind",
                t.t(&format!(
                    "unreadable.{}",
                    kind.map(|k| k.code()).unwrap_or("unexpected_status")
                )),
            ));
        }
        Failure::MissingAccess {
            missing,
            grant,
            missing_scopes,
            ..
        } => {
            params.push(("scopes", missing_scopes.join(", ")));
            params.push((
                "missing",
                list(
                    t,
                    missing.iter().map(|d| t.t(&format!("data.{}", d.code()))),
                ),
            ));
            params.push((
                "roles",
                list(
                    t,
                    grant
                        .iter()
                        .map(|r: &RoleHint| t.t(&format!("role.{}", r.code()))),
                ),
            ));
        }
        Failure::NoScopeGranted { scopes, .. } => params.push(("scopes", scopes.join(", "))),
        Failure::PlatformOAuthFault { error, .. } => params.push(("error", error.clone())),
        Failure::OAuthRefused { error, status, .. } => {
            params.push(("error", error.clone()));
            params.push(("status", u32::from(*status).to_string()));
        }
        Failure::CheckServerFailed { status } => {
            params.push(("status", u32::from(*status).to_string()))
        }
        Failure::TokenRejected { .. }
        | Failure::TokenLacksPermission { .. }
        | Failure::ClientRejected { .. }
        | Failure::NotServiceApp { .. }
        | Failure::ProxyDown => {}
    }
    let a = args(&params);
    let remedy_key = match f {
        Failure::TokenBlockedFromProxyNetwork { egress_ips, .. } if !egress_ips.is_empty() => {
            format!("failure.{code}.remedy_ips")
        }
        Failure::RateLimited {
            retry_at_epoch_s: None,
            ..
        } => "failure.rate_limited.remedy_later".to_string(),
        // No request ID to hand to support: do not point at one.
        Failure::UnexpectedResponse {
            request_id: None, ..
        } => key("remedy_no_id"),
        Failure::ClientRejected { reason, .. } => key(&format!("remedy_{}", reason.code())),
        // An app lacks a scope (named) or an admin role, not a token's owner.
        Failure::MissingAccess {
            verified,
            missing_scopes,
            grant,
            ..
        } if verified.app.is_some() => match (missing_scopes.is_empty(), grant.is_empty()) {
            (true, _) => key("remedy_app_role"),
            (false, true) => key("remedy_app_scopes"),
            (false, false) => key("remedy_app_scopes_and_role"),
        },
        Failure::CheckServerFailed { status: 0 } => key("remedy_unreachable"),
        _ => key("remedy"),
    };
    let body_key = match f {
        Failure::UnexpectedResponse { status: 0, .. } => key("body_no_status"),
        Failure::ClientRejected { reason, .. } => key(&format!("body_{}", reason.code())),
        Failure::MissingAccess { verified, .. } if verified.app.is_some() => key("body_app"),
        Failure::CheckServerFailed { status: 0 } => key("body_unreachable"),
        _ => key("body"),
    };
    Described {
        title: t.f(&key("title"), &a),
        body: t.f(&body_key, &a),
        remedy: t.has(&remedy_key).then(|| t.f(&remedy_key, &a)),
    }
}
