//! The app check against the simulator: every demo app of crates/okta-sim/fixtures.json reaches
//! its diagnosis, with the client assertions and DPoP proofs our code makes verified by the
//! simulator's own, independent verification; tampered ones are refused.

mod common;
use common::simulator;

use std::path::PathBuf;
use std::sync::Arc;

use okta_link_check::{check_request, Driver, Options};
use okta_link_core::diagnosis::{
    least_privilege_advice, BroadRole, ClientRejection, Failure, Report,
};
use okta_link_core::oauth::{CheckCredential, CheckRequest};
use okta_link_core::plan::DataKind;
use okta_proxy::oauth::keys::ServiceAppKeys;
use okta_proxy::oauth::OAuth;

const ACME: &str = "acme.okta.com";
const OIN: &str = "0oa10inintegration10";
const OIN_SECRET: &str = "demo-oin-secret-0000000000000000000000000000000000000000000-acme";

fn demo_key() -> PathBuf {
    okta_sim::fixtures::demo_platform_key_file()
}

fn keys() -> Option<ServiceAppKeys> {
    ServiceAppKeys::load(&[demo_key()]).unwrap()
}

fn options(sim: &str, required: &[DataKind]) -> Options {
    Options {
        required: required.to_vec(),
        dev_upstream: Some(sim.to_string()),
        ..Options::default()
    }
}

async fn app(sim: &str, client_id: &str, required: &[DataKind]) -> okta_link_check::Checked {
    let req = CheckRequest {
        org: ACME.into(),
        credential: CheckCredential::ServiceApp {
            client_id: client_id.into(),
        },
        required: required.to_vec(),
    };
    check_request(&req, keys(), &options(sim, required))
        .await
        .unwrap()
}

#[tokio::test]
async fn every_demo_service_app_gets_its_diagnosis() {
    let sim = simulator().await;
    let users = [DataKind::Users];
    let cases: [(&str, &[DataKind], &str); 10] = [
        ("0oa1dpopreadonly0001", &users, "verified"),
        ("0oa2nodpopreadonly02", &users, "verified"),
        ("0oa3superadmin000003", &users, "verified"),
        ("0oa4noscopes00000004", &users, "no_scope_granted"),
        ("0oa5noroles000000005", &users, "missing_access"),
        (
            "0oa6nologs0000000006",
            &[DataKind::Users, DataKind::Logs],
            "missing_access",
        ),
        ("0oa6nologs0000000006", &users, "verified"),
        ("0oa7otherkey00000007", &users, "client_rejected"),
        ("0oa8webapp0000000008", &users, "not_service_app"),
        ("0oa9nokey00000000009", &users, "client_rejected"),
    ];
    for (id, required, want) in cases {
        let c = app(&sim, id, required).await;
        assert_eq!(c.report.code(), want, "{id}: {:?}", c.report);
        assert_eq!(c.result.diagnosis, want, "{id}");
        let json = serde_json::to_string(&c.result).unwrap();
        assert!(json.contains(r#""type":"service_app""#), "{json}");
        assert!(json.contains(id));
    }
}

#[tokio::test]
async fn the_details_of_each_app_are_right() {
    let sim = simulator().await;
    let users = [DataKind::Users];
    let c = app(&sim, "0oa1dpopreadonly0001", &users).await;
    let v = c.report.verified().unwrap();
    let a = v.app.as_ref().unwrap();
    assert_eq!(a.token_type.as_deref(), Some("DPoP"));
    assert_eq!(a.label.as_deref(), Some("Acme Directory Sync"));
    assert_eq!(v.roles.code(), "listed");
    assert_eq!(
        c.result.credential.app_label.as_deref(),
        Some("Acme Directory Sync")
    );

    // DPoP is offered to every app; Okta binds the token or not, and the check uses it as
    // it was given.
    let c = app(&sim, "0oa2nodpopreadonly02", &users).await;
    assert!(matches!(
        c.report
            .verified()
            .unwrap()
            .app
            .as_ref()
            .unwrap()
            .token_type
            .as_deref(),
        Some("Bearer" | "DPoP")
    ));

    let c = app(&sim, "0oa3superadmin000003", &users).await;
    assert_eq!(
        least_privilege_advice(c.report.verified().unwrap(), &users),
        Some(BroadRole::SuperAdmin)
    );

    let c = app(&sim, "0oa5noroles000000005", &users).await;
    match c.report.as_ref() {
        Report::Failed(Failure::MissingAccess {
            grant,
            missing_scopes,
            ..
        }) => {
            assert!(!grant.is_empty());
            assert!(missing_scopes.is_empty());
        }
        r => panic!("{r:?}"),
    }
    let c = app(
        &sim,
        "0oa6nologs0000000006",
        &[DataKind::Users, DataKind::Logs],
    )
    .await;
    match c.report.as_ref() {
        Report::Failed(Failure::MissingAccess {
            missing,
            missing_scopes,
            ..
        }) => {
            assert_eq!(missing, &[DataKind::Logs]);
            assert_eq!(missing_scopes, &["okta.logs.read"]);
        }
        r => panic!("{r:?}"),
    }
    for (id, want) in [
        ("0oa7otherkey00000007", ClientRejection::KeyNotRegistered),
        ("0oa9nokey00000000009", ClientRejection::NoKeyRegistered),
        ("0oa0unknown000000000", ClientRejection::UnknownClient),
    ] {
        let c = app(&sim, id, &users).await;
        match c.report.as_ref() {
            Report::Failed(Failure::ClientRejected { reason, .. }) => {
                assert_eq!(*reason, want, "{id}")
            }
            r => panic!("{id}: {r:?}"),
        }
    }
}

#[tokio::test]
async fn the_oin_integration_is_checked_with_its_secret() {
    let sim = simulator().await;
    let check = |secret: &str| {
        let req = CheckRequest {
            org: ACME.into(),
            credential: CheckCredential::ClientSecret {
                client_id: OIN.into(),
                client_secret: secret.into(),
            },
            required: vec![DataKind::Users],
        };
        let o = options(&sim, &[DataKind::Users]);
        async move { check_request(&req, None, &o).await.unwrap() }
    };
    let c = check(OIN_SECRET).await;
    assert_eq!(c.report.code(), "verified", "{:?}", c.report);
    assert!(matches!(
        c.report
            .verified()
            .unwrap()
            .app
            .as_ref()
            .unwrap()
            .token_type
            .as_deref(),
        Some("Bearer" | "DPoP")
    ));
    let json = serde_json::to_string(&c.result).unwrap();
    assert!(!json.contains(OIN_SECRET));
    let c = check("demo-oin-secret-wrong").await;
    assert!(
        matches!(
            c.report.as_ref(),
            Report::Failed(Failure::ClientRejected {
                reason: ClientRejection::WrongSecret,
                ..
            })
        ),
        "{:?}",
        c.report
    );
}

#[tokio::test]
async fn the_nonce_is_reused_by_later_checks() {
    let sim = simulator().await;
    let oauth = Arc::new(OAuth::new(keys()).unwrap());
    let o = options(&sim, &[DataKind::Users]);
    let driver = Arc::new(Driver::from_options(&o, oauth.clone()).unwrap());
    let req = CheckRequest {
        org: ACME.into(),
        credential: CheckCredential::ServiceApp {
            client_id: "0oa1dpopreadonly0001".into(),
        },
        required: vec![DataKind::Users],
    };
    assert!(oauth.nonces.is_empty());
    assert!(driver.check(&req, &o).await.unwrap().is_verified());
    assert_eq!(oauth.nonces.len(), 1);
    assert!(driver.check(&req, &o).await.unwrap().is_verified());
}

#[tokio::test]
async fn a_service_app_without_a_key_is_not_checked() {
    let sim = simulator().await;
    let req = CheckRequest {
        org: ACME.into(),
        credential: CheckCredential::ServiceApp {
            client_id: "0oa1dpopreadonly0001".into(),
        },
        required: vec![DataKind::Users],
    };
    let e = check_request(&req, None, &options(&sim, &[DataKind::Users]))
        .await
        .unwrap_err();
    assert_eq!(e, okta_link_check::CheckError::ServiceAppNotConfigured);
}
