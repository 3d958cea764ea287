//! Every value the page can show has words in the English catalogue: each failure, each
//! normalization error and correction, every data kind, role, access state, proxy code and
//! unreadable kind. A missing key would show the key itself; these tests make that impossible.

mod support;
use support::SerdeJson;

use okta_link::core::diagnosis::{Failure, RateLimitSource};
use okta_link::core::outcome::{ProxyErrorCode, UnreadableKind};
use okta_link::core::plan::{DataKind, ProbeKind, Stage};
use okta_link::i18n::describe;
use okta_link::i18n::{Catalog, Lang, Texts, EN_JSON};
use okta_link::org_url::Correction;
use okta_link::token::TokenCorrection;

fn english() -> Texts {
    let en = Catalog::parse(EN_JSON, &SerdeJson).expect("en.json parses");
    Texts::new(Lang::En, Catalog::default(), en)
}

fn failures() -> Vec<Failure> {
    let rid = Some("Xsim0001".to_string());
    let mut all = vec![
        Failure::NoOrgAtAddress {
            host: "a.okta.com".into(),
        },
        Failure::ForeignOrganization {
            host: "login.x.com".into(),
            named: "evil.example".into(),
        },
        Failure::OrgUnreachable {
            host: "a.okta.com".into(),
        },
        Failure::TokenRejected {
            request_id: rid.clone(),
        },
        Failure::TokenLacksPermission {
            request_id: rid.clone(),
        },
        Failure::TokenBlockedFromProxyNetwork {
            egress_ips: vec![],
            request_id: rid.clone(),
        },
        Failure::TokenBlockedFromProxyNetwork {
            egress_ips: vec!["203.0.113.7".into()],
            request_id: rid.clone(),
        },
        Failure::RateLimited {
            source: RateLimitSource::Okta,
            retry_at_epoch_s: Some(1_795_000_000),
            request_id: rid.clone(),
        },
        Failure::RateLimited {
            source: RateLimitSource::Proxy,
            retry_at_epoch_s: None,
            request_id: None,
        },
        Failure::OktaServerError {
            status: 503,
            request_id: rid.clone(),
        },
        Failure::ProxyDown,
        Failure::TimedOut {
            stage: Stage::Identify,
        },
        Failure::TimedOut {
            stage: Stage::Permissions,
        },
    ];
    for code in ProxyErrorCode::ALL {
        all.push(Failure::ProxyRefusedTarget {
            host: "x.com".into(),
            code,
        });
        all.push(Failure::ProxyMisconfigured {
            issue: okta_link::core::diagnosis::ProxyIssue::Proxy(code),
            status: 403,
            request_id: None,
        });
    }
    // The OAuth 2.0 app failures, each reason and each shape of the missing-access one.
    for reason in okta_link::core::diagnosis::ClientRejection::ALL {
        all.push(Failure::ClientRejected {
            reason,
            request_id: rid.clone(),
        });
    }
    all.extend([
        Failure::NoScopeGranted {
            scopes: vec!["okta.users.read".into(), "okta.logs.read".into()],
            request_id: rid.clone(),
        },
        Failure::NotServiceApp {
            request_id: rid.clone(),
        },
        Failure::PlatformOAuthFault {
            error: "invalid_dpop_proof".into(),
            request_id: rid.clone(),
        },
        Failure::OAuthRefused {
            error: "invalid_scope".into(),
            status: 400,
            request_id: rid.clone(),
        },
        Failure::CheckServerFailed { status: 0 },
        Failure::CheckServerFailed { status: 502 },
    ]);
    for probe in ProbeKind::ALL {
        for kind in [
            None,
            Some(UnreadableKind::Html),
            Some(UnreadableKind::NotJson),
            Some(UnreadableKind::Truncated),
            Some(UnreadableKind::WrongContentType),
            Some(UnreadableKind::TooLarge),
            Some(UnreadableKind::Empty),
            Some(UnreadableKind::UnexpectedShape),
            Some(UnreadableKind::Redirect),
        ] {
            for status in [200, 0] {
                for request_id in [None, Some("Xsim0123456789abcdef".to_string())] {
                    all.push(Failure::UnexpectedResponse {
                        probe,
                        status,
                        kind,
                        request_id,
                    });
                }
            }
        }
    }
    all
}

/// Words that would only appear if a key were missing.
fn looks_like_a_key(s: &str) -> bool {
    s.split_whitespace().any(|w| {
        let w = w.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '_');
        w.contains('.')
            && w.contains('_')
            && !w.contains(' ')
            && w.chars()
                .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')
    }) || s.starts_with("failure.")
}

#[test]
fn every_failure_has_a_title_a_body_and_a_remedy() {
    let t = english();
    for f in failures() {
        let d = describe::failure(&t, &f, false);
        for text in [&d.title, &d.body] {
            assert!(!text.is_empty() && !looks_like_a_key(text), "{f:?}: {text}");
            assert!(
                !text.contains('{'),
                "unfilled placeholder for {f:?}: {text}"
            );
        }
        // An unknown status (0) is never shown as one.
        assert!(!d.body.contains("HTTP 0"), "{f:?}: {}", d.body);
        let remedy = d.remedy.unwrap_or_else(|| panic!("no remedy for {f:?}"));
        // Advice never points at a request ID the page does not show.
        assert!(
            f.request_id().is_some() || !remedy.contains("request ID"),
            "{f:?}: {remedy}"
        );
        assert!(
            !looks_like_a_key(&remedy) && !remedy.contains('{'),
            "{f:?}: {remedy}"
        );
    }
}

#[test]
fn token_rejected_names_all_four_causes() {
    let t = english();
    let d = describe::failure(&t, &Failure::TokenRejected { request_id: None }, false);
    for cause in [
        "different Okta organization",
        "revoked",
        "30 days",
        "deactivated",
    ] {
        assert!(d.body.contains(cause), "missing {cause}: {}", d.body);
    }
}

#[test]
fn every_code_the_page_shows_has_words() {
    let t = english();
    let mut keys: Vec<String> = Vec::new();
    keys.extend(
        Correction::ALL
            .iter()
            .map(|c| format!("org.correction.{}", c.code())),
    );
    keys.extend(
        TokenCorrection::ALL
            .iter()
            .map(|c| format!("token.correction.{}", c.code())),
    );
    keys.extend(
        ["unusual_format", "looks_like_okta_id"]
            .iter()
            .map(|c| format!("token.warning.{c}")),
    );
    keys.extend(DataKind::ALL.iter().map(|d| format!("data.{}", d.code())));
    // The credential types, the client ID's and secret's words, the key document's problems.
    for kind in okta_link::core::credential::CredentialKind::ALL {
        keys.push(format!("credential.{}.label", kind.code()));
        keys.push(format!("credential.{}.hint", kind.code()));
    }
    for c in [
        "trimmed_spaces",
        "removed_quotes",
        "removed_label",
        "taken_from_admin_url",
    ] {
        keys.push(format!("client_id.correction.{c}"));
    }
    keys.push("client_id.warning.unusual_format".into());
    keys.push("client_id.error.looks_like_api_token".into());
    for field in ["client_id", "client_secret"] {
        for e in [
            "empty",
            "has_spaces",
            "not_an_app_address",
            "bad_character",
            "too_long#other",
        ] {
            keys.push(format!("{field}.error.{e}"));
        }
    }
    for p in ["unreachable", "not_a_jwks", "not_public"] {
        keys.push(format!("setup.jwks_error.{p}"));
    }
    keys.extend(
        [
            "readable",
            "not_permitted",
            "rate_limited",
            "timed_out",
            "error",
        ]
        .iter()
        .map(|a| format!("report.access.{a}")),
    );
    keys.extend(
        ["identity_engine", "classic", "unknown"]
            .iter()
            .map(|e| format!("report.engine.{e}")),
    );
    keys.extend(
        ["users", "logs", "roles"]
            .iter()
            .map(|r| format!("token.help.role.{r}")),
    );
    for key in &keys {
        assert!(t.has(key), "missing catalogue key {key}");
    }
}

#[test]
fn every_org_and_token_error_code_has_words() {
    // The case tables exercise every error; the codes they name must all have messages.
    let t = english();
    let cases: serde_json::Value =
        serde_json::from_str(include_str!("cases/org_url.json")).unwrap();
    let tokens: serde_json::Value = serde_json::from_str(include_str!("cases/token.json")).unwrap();
    let mut missing = Vec::new();
    for (prefix, table) in [("org.error.", &cases), ("token.error.", &tokens)] {
        let list = table.get("cases").unwrap_or(table);
        for case in list.as_array().expect("a list of cases") {
            if let Some(code) = case.get("err").and_then(|c| c.as_str()) {
                let key = format!("{prefix}{code}");
                if !t.has(&key) {
                    missing.push(key);
                }
            }
        }
    }
    missing.sort();
    missing.dedup();
    assert!(missing.is_empty(), "missing catalogue keys: {missing:?}");
}

/// An app missing a scope, a role or both is told each fix it needs, and a role named is one
/// that alone reads everything missing.
#[test]
fn an_apps_missing_access_names_every_fix_it_needs() {
    use okta_link::core::credential::CredentialKind;
    use okta_link::core::diagnosis::{Access, AdminRoles, App, CheckItem, Org, RoleHint, Verified};
    use okta_link::core::okta::Engine;
    let t = english();
    let app = |missing_scopes: Vec<String>, grant: Vec<RoleHint>| Failure::MissingAccess {
        missing: vec![DataKind::Roles, DataKind::Logs],
        grant,
        missing_scopes,
        verified: Box::new(Verified {
            org: Org {
                entered_host: "acme.okta.com".into(),
                canonical_host: "acme.okta.com".into(),
                custom_domain: None,
                engine: Engine::IdentityEngine,
                org_id: None,
            },
            admin: None,
            app: Some(App {
                credential: CredentialKind::ServiceApp,
                client_id: "0oa1dpopreadonly0001".into(),
                label: None,
                scopes: vec!["okta.users.read".into()],
                token_type: Some("DPoP".into()),
            }),
            roles: AdminRoles::Unknown,
            checklist: DataKind::ALL
                .into_iter()
                .map(|data| CheckItem {
                    data,
                    access: Access::NotPermitted,
                    required: true,
                    request_id: None,
                })
                .collect(),
        }),
    };
    let scope = || vec!["okta.logs.read".to_string()];
    let both = describe::failure(&t, &app(scope(), vec![RoleHint::SuperAdministrator]), true)
        .remedy
        .unwrap();
    assert!(both.contains("okta.logs.read"), "{both}");
    assert!(both.contains("Admin roles"), "{both}");
    assert!(both.contains("Super Administrator"), "{both}");
    let scopes = describe::failure(&t, &app(scope(), vec![]), true)
        .remedy
        .unwrap();
    assert!(
        scopes.contains("okta.logs.read") && !scopes.contains("Admin roles"),
        "{scopes}"
    );
    let role = describe::failure(&t, &app(vec![], vec![RoleHint::SuperAdministrator]), true)
        .remedy
        .unwrap();
    assert!(
        role.contains("Admin roles") && role.contains("Super Administrator"),
        "{role}"
    );
    assert!(!role.contains("okta.logs.read"), "{role}");
}

/// An app check never called users/me or a user's roles: its unexpected answers name the
/// token request and the app's roles.
#[test]
fn an_apps_unexpected_answer_names_the_call_it_made() {
    let t = english();
    let f = |probe| Failure::UnexpectedResponse {
        probe,
        status: 403,
        kind: None,
        request_id: None,
    };
    let token = describe::failure(&t, &f(ProbeKind::Me), true).body;
    assert!(
        token.contains("/oauth2/v1/token") && !token.contains("users/me"),
        "{token}"
    );
    let roles = describe::failure(&t, &f(ProbeKind::Roles), true).body;
    assert!(roles.contains("/oauth2/v1/clients/"), "{roles}");
    let me = describe::failure(&t, &f(ProbeKind::Me), false).body;
    assert!(me.contains("/api/v1/users/me"), "{me}");
}

/// An address too long to be one is not quoted back in full.
#[test]
fn a_long_value_is_quoted_with_its_start_and_end_only() {
    let t = english();
    let typed = format!("{}.okta.com", "x".repeat(400));
    let e = okta_link::core::org_url::normalize(&typed).unwrap_err();
    let text = describe::org_error(&t, &e);
    assert!(text.chars().count() < 250, "{text}");
    assert!(text.contains('…') && text.contains("x.okta.com"), "{text}");
}

/// A suggestion is shown whole, however long: it is to be typed or copied.
#[test]
fn a_long_suggestion_is_not_shortened() {
    let t = english();
    let host = format!("{}.okta.com", "a".repeat(60));
    let typed = format!("{} okta.com", "a".repeat(60));
    let e = okta_link::core::org_url::normalize(&typed).unwrap_err();
    assert_eq!(e.suggestion().as_deref(), Some(host.as_str()));
    let text = describe::org_error(&t, &e);
    assert!(text.contains(&host), "{text}");
}
