//! The published result schema (schema/okta-link-result.v2.json) against what the core writes:
//! the result of every kind of report, the `submit` body and `connected` message that carry it,
//! and the redirect parameters. The e2e suites check every real delivery the same way
//! (tests/e2e/schema.mjs), and okta-link-check's tests its printed reports.

#[path = "support/schema.rs"]
mod schema;

use okta_link::core::credential::CredentialKind;
use okta_link::core::diagnosis::{
    Access, Admin, AdminRoles, CheckItem, Failure, Org, ProxyIssue, RateLimitSource, Report,
    RoleHint, Verified,
};
use okta_link::core::okta::{Engine, Role, UserId, UserStatus};
use okta_link::core::outcome::{ProxyErrorCode, UnreadableKind};
use okta_link::core::plan::{DataKind, ProbeKind, Stage};
use okta_link::core::protocol::{redirect_target, Body, Connection, Message, Secret};
use okta_link::core::result::LinkResult;
use serde_json::Value;

fn verified(roles: AdminRoles, login: Option<&str>, org_id: Option<&str>) -> Verified {
    Verified {
        org: Org {
            entered_host: "login.acme-corp.com".into(),
            canonical_host: "acme.okta.com".into(),
            custom_domain: Some("login.acme-corp.com".into()),
            engine: Engine::IdentityEngine,
            org_id: org_id.map(str::to_string),
        },
        admin: Some(Admin {
            id: UserId::parse("00u1abcdEFGH2345").unwrap(),
            name: Some("Alice \"Nguyen\" \u{202e}".into()),
            login: login.map(str::to_string),
            email: None,
            status: UserStatus::Active,
        }),
        app: None,
        roles,
        checklist: DataKind::ALL
            .into_iter()
            .map(|data| CheckItem {
                data,
                access: if data == DataKind::Logs {
                    Access::NotPermitted
                } else {
                    Access::Readable
                },
                required: data == DataKind::Users,
                request_id: None,
            })
            .collect(),
    }
}

/// Every failure, each variant once (so the schema's `diagnosis` enum is complete).
fn failures() -> Vec<Failure> {
    let v = verified(AdminRoles::NotSuperAdmin, None, None);
    let rid = Some("reqAbc123".to_string());
    vec![
        Failure::NoOrgAtAddress {
            host: "x.example".into(),
        },
        Failure::ForeignOrganization {
            host: "a.example".into(),
            named: "b.example".into(),
        },
        Failure::OrgUnreachable {
            host: "acme.okta.com".into(),
        },
        Failure::TokenRejected {
            request_id: rid.clone(),
        },
        Failure::TokenLacksPermission { request_id: None },
        Failure::TokenBlockedFromProxyNetwork {
            egress_ips: vec!["203.0.113.7".into()],
            request_id: None,
        },
        Failure::RateLimited {
            source: RateLimitSource::Okta,
            retry_at_epoch_s: Some(1),
            request_id: None,
        },
        Failure::OktaServerError {
            status: 500,
            request_id: rid.clone(),
        },
        Failure::ProxyMisconfigured {
            issue: ProxyIssue::UnexpectedStatus,
            status: 404,
            request_id: None,
        },
        Failure::ProxyDown,
        Failure::ProxyRefusedTarget {
            host: "h".into(),
            code: ProxyErrorCode::TargetRefused,
        },
        Failure::TimedOut {
            stage: Stage::Permissions,
        },
        Failure::UnexpectedResponse {
            probe: ProbeKind::Me,
            status: 0,
            kind: Some(UnreadableKind::NotJson),
            request_id: None,
        },
        Failure::MissingAccess {
            missing: vec![DataKind::Logs],
            grant: vec![RoleHint::ReportAdministrator],
            verified: Box::new(v),
            missing_scopes: Vec::new(),
        },
        Failure::ClientRejected {
            reason: okta_link::core::diagnosis::ClientRejection::KeyNotRegistered,
            request_id: Some("req-1".into()),
        },
        Failure::NoScopeGranted {
            scopes: vec!["okta.users.read".into()],
            request_id: None,
        },
        Failure::CheckServerFailed { status: 0 },
    ]
}

fn reports() -> Vec<Report> {
    let mut all: Vec<Report> = [
        AdminRoles::Listed(vec![
            Role {
                role_type: Some("SUPER_ADMIN".into()),
                ..Role::default()
            },
            Role::default(),
        ]),
        AdminRoles::NotSuperAdmin,
        AdminRoles::Unknown,
    ]
    .into_iter()
    .flat_map(|roles| {
        [
            Report::Verified(Box::new(verified(
                roles.clone(),
                Some("alice@acme.example"),
                Some("00o1acme"),
            ))),
            Report::Verified(Box::new(verified(roles, None, None))),
        ]
    })
    .collect();
    all.extend(failures().into_iter().map(Report::Failed));
    all
}

fn json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap()
}

fn assert_valid(root: &Value, pointer: &str, value: &Value) {
    let errors = schema::validate(root, pointer, value);
    assert!(errors.is_empty(), "{pointer}: {errors:?}\n{value:#}");
}

#[test]
fn the_schema_stays_within_the_validated_subset() {
    let root = schema::load();
    let mut errors = Vec::new();
    schema::check_subset(&root, "#", &mut errors);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        root["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(
        root["properties"]["version"]["const"],
        okta_link::core::result::RESULT_VERSION
    );
}

#[test]
fn every_kind_of_result_validates() {
    let root = schema::load();
    for (i, report) in reports().iter().enumerate() {
        for update in [false, true] {
            let r = LinkResult::new(
                report,
                "login.acme-corp.com",
                &[DataKind::Users],
                format!("2026-12-03T11:21:02.{:03}Z", i % 1000),
                update,
            );
            assert_valid(&root, "#", &json(&r));
        }
    }
}

#[test]
fn deliveries_validate_and_the_token_is_only_in_the_connection() {
    let root = schema::load();
    for report in reports() {
        let Report::Verified(v) = &report else {
            continue;
        };
        let result = LinkResult::new(
            &report,
            &v.org.entered_host,
            &[DataKind::Users],
            "2026-12-03T14:05:00.000Z".to_string(),
            true,
        );
        let connection = Connection::new(Secret::ApiToken("00secret-token"), v, &result);
        assert_valid(&root, "#/$defs/connection", &json(&connection));
        // The same verified report as an app's: the client ID and the OIN secret where the
        // token goes, the credential in the result.
        for secret in [
            Secret::ServiceApp {
                client_id: "0oa1dpopreadonly0001",
            },
            Secret::ClientSecret {
                client_id: "0oa10inintegration10",
                secret: "00secret-oin",
            },
        ] {
            let kind = match secret {
                Secret::ServiceApp { .. } => CredentialKind::ServiceApp,
                _ => CredentialKind::ClientSecret,
            };
            let app_result = result
                .clone()
                .for_app(kind, "0oa1dpopreadonly0001", &report);
            assert_valid(&root, "#", &json(&app_result));
            let c = Connection::new(secret, v, &app_result);
            assert_valid(&root, "#/$defs/connection", &json(&c));
            let target = redirect_target("https://p.example/done", "s", &app_result).unwrap();
            assert!(!target.contains("00secret"), "{target}");
            assert!(
                target.contains("client_id=0oa1dpopreadonly0001"),
                "{target}"
            );
        }
        let message = Message::new(Body::Connected {
            connection: &connection,
        });
        assert_valid(&root, "#/$defs/connected_message", &json(&message));

        let target = redirect_target("https://p.example/done?x=1#f", "st ate", &result)
            .expect("a valid redirect URL");
        assert!(!target.contains("00secret"));
        let url = url::Url::parse(&target).unwrap();
        let params: serde_json::Map<String, Value> = url
            .query_pairs()
            .filter(|(k, _)| k != "x")
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect();
        assert_eq!(params["state"], "st ate");
        assert_valid(&root, "#/$defs/redirect_parameters", &Value::Object(params));
    }
}

#[test]
fn the_validator_refuses_what_the_schema_forbids() {
    let root = schema::load();
    let report = &reports()[0];
    let good = json(&LinkResult::new(
        report,
        "acme.okta.com",
        &[],
        "2026-12-03T14:05:00.000Z".to_string(),
        false,
    ));
    let bad = |edit: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        edit(&mut v);
        !schema::validate(&root, "#", &v).is_empty()
    };
    assert!(bad(&|v| v["version"] = 1.into()));
    assert!(bad(&|v| v["credential"]["type"] = "password".into()));
    assert!(bad(&|v| v["credential"]["client_secret"] = "00x".into()));
    assert!(bad(&|v| v["diagnosis"] = "fine".into()));
    assert!(bad(&|v| v["token"] = "00x".into()));
    assert!(bad(&|v| {
        v.as_object_mut().unwrap().remove("update");
    }));
    assert!(bad(&|v| v["checked_at"] = "yesterday".into()));
    assert!(bad(&|v| v["readable"] = serde_json::json!(["everything"])));
    assert!(bad(
        &|v| v["owner"] = serde_json::json!({ "id": 1, "login": null })
    ));
    assert!(!bad(&|_| {}));
}
