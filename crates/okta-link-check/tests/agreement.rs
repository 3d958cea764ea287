//! The native check against the simulator: every demo token and fault host of
//! tests/cases/agreement.json reaches the diagnosis the page reaches through the proxy
//! (tests/e2e/agreement.test.mjs asserts the same table), and every printed result validates
//! against the published schema.

#[path = "../../../tests/support/schema.rs"]
mod schema;

mod common;
use common::{simulator, simulator_with};
use std::time::Duration;

use okta_link_check::{check, Options};
use okta_link_core::plan::DataKind;
use okta_link_core::{org_url, token};
use serde_json::Value;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn read(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(format!("{ROOT}/{path}")).unwrap()).unwrap()
}

/// The fixture token of `org` and `kind`.
fn fixture_token(fixtures: &Value, r: &Value) -> String {
    fixtures["orgs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["host"] == r["org"])
        .and_then(|o| {
            o["tokens"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["kind"] == r["kind"])
        })
        .unwrap_or_else(|| panic!("fixture token {r}"))["token"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_native_check_agrees_with_the_table() {
    let fixtures = read("crates/okta-sim/fixtures.json");
    let table = read("tests/cases/agreement.json");
    let root = schema::load_from(&format!("{ROOT}/schema/okta-link-result.v2.json"));
    let budget = Duration::from_millis(table["budget_ms"].as_u64().unwrap());
    let mut runs = Vec::new();
    for case in table["cases"].as_array().unwrap().clone() {
        // One simulator per case: the rate-limited token's state is the simulator's.
        let sim = simulator().await;
        let secret = fixture_token(&fixtures, &case["token"]);
        let required: Vec<DataKind> = case["required"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|k| DataKind::parse(k.as_str().unwrap()).unwrap())
                    .collect()
            })
            .unwrap_or_else(|| vec![DataKind::Users]);
        let options = Options {
            required,
            budget,
            dev_upstream: Some(sim),
            ..Options::default()
        };
        runs.push(tokio::spawn(async move {
            let org = org_url::normalize(case["org"].as_str().unwrap()).unwrap();
            let token = token::clean(&secret).unwrap();
            let got = check(org.host(), token.secret(), &options).await.unwrap();
            (case, got)
        }));
    }
    let mut wrong = Vec::new();
    for run in runs {
        let (case, got) = run.await.unwrap();
        let json = serde_json::to_value(&got.result).unwrap();
        let errors = schema::validate(&root, "#", &json);
        assert!(errors.is_empty(), "{}: {errors:?}", case["org"]);
        assert!(
            !json.to_string().contains("00demo"),
            "no token in the result"
        );
        let outcome = if case["diagnosis"] == "verified" {
            "verified"
        } else {
            "failed"
        };
        if json["diagnosis"] != case["diagnosis"] || json["outcome"] != outcome {
            wrong.push(format!(
                "{} ({}): expected {}, got {}",
                case["org"], case["token"]["kind"], case["diagnosis"], json["diagnosis"]
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// The first security review (SECURITY.md), finding 4, in the native driver too: on a custom domain only the token-less
/// well-known document goes to the entered host; `users/me` and round two go to the Okta host
/// it names.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_domain_gets_only_the_well_known_document() {
    let (url, sim) = simulator_with(|_| {}).await;
    let options = Options {
        dev_upstream: Some(url),
        ..Options::default()
    };
    let got = check(
        "login.acme-corp.com",
        "00demo-acme-super-admin-xxxxxxxxxxxxxxxxxx",
        &options,
    )
    .await
    .unwrap();
    assert!(got.is_verified(), "{:?}", got.report);
    assert_eq!(got.result.okta_host.as_deref(), Some("acme.okta.com"));
    let requests = sim.requests();
    let to_custom: Vec<&str> = requests
        .iter()
        .filter(|r| r.host == "login.acme-corp.com")
        .map(|r| r.path.as_str())
        .collect();
    assert_eq!(to_custom, ["/.well-known/okta-organization"]);
    assert!(requests
        .iter()
        .any(|r| r.host == "acme.okta.com" && r.path == "/api/v1/users/me"));
}

/// The native check reads each answer with the limits the relay gives the page: a well-known
/// document of 100 kB is too large (the relay's 64 KiB for that document), while a `users/me`
/// of that size would pass under the 1 MiB of the other answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_well_known_document_has_the_relays_smaller_limit() {
    let (url, _sim) = simulator_with(|c| c.huge_bytes = 100_000).await;
    let options = Options {
        dev_upstream: Some(url),
        ..Options::default()
    };
    let got = check(
        "fault-huge.okta.com",
        "00demo-acme-super-admin-xxxxxxxxxxxxxxxxxx",
        &options,
    )
    .await
    .unwrap();
    let json = serde_json::to_value(&got.result).unwrap();
    assert_eq!(json["diagnosis"], "unexpected_response", "{:?}", got.report);
    assert!(
        format!("{:?}", got.report).contains("WellKnown"),
        "{:?}",
        got.report
    );
}

/// The OAuth 2.0 apps: every case of tests/cases/app_agreement.json reaches its diagnosis (and
/// reason) through the one native driver, signed with the simulator's demo platform key;
/// tests/e2e/oauth.test.mjs asserts the same table through the proxy's `POST /check`. No result
/// holds the OIN secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_native_check_agrees_with_the_app_table() {
    use okta_link_check::check_request;
    use okta_link_core::credential::CredentialKind;
    use okta_link_core::oauth::{CheckCredential, CheckRequest};
    use okta_proxy::oauth::keys::ServiceAppKeys;

    let fixtures = read("crates/okta-sim/fixtures.json");
    let table = read("tests/cases/app_agreement.json");
    let root = schema::load_from(&format!("{ROOT}/schema/okta-link-result.v2.json"));
    let fixture_secret = fixtures["orgs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|o| o["apps"].as_array().cloned().unwrap_or_default())
        .find(|a| a["kind"] == "oin")
        .and_then(|a| a["client_secret"].as_str().map(str::to_string))
        .unwrap();
    let sim = simulator().await;
    let mut wrong = Vec::new();
    for case in table["cases"].as_array().unwrap() {
        let client_id = case["client_id"].as_str().unwrap().to_string();
        let kind = CredentialKind::parse(case["credential"].as_str().unwrap()).unwrap();
        let credential = match kind {
            CredentialKind::ServiceApp => CheckCredential::ServiceApp {
                client_id: client_id.clone(),
            },
            _ => CheckCredential::ClientSecret {
                client_id: client_id.clone(),
                client_secret: match case["secret"].as_str().unwrap() {
                    "fixture" => fixture_secret.clone(),
                    other => other.to_string(),
                },
            },
        };
        let required: Vec<DataKind> = case["required"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|k| DataKind::parse(k.as_str().unwrap()).unwrap())
                    .collect()
            })
            .unwrap_or_else(|| vec![DataKind::Users]);
        let request = CheckRequest {
            org: case["org"].as_str().unwrap().to_string(),
            credential,
            required: required.clone(),
        };
        let keys = ServiceAppKeys::load(&[okta_sim::fixtures::demo_platform_key_file()]).unwrap();
        let options = Options {
            required,
            dev_upstream: Some(sim.clone()),
            ..Options::default()
        };
        let got = check_request(&request, keys, &options).await.unwrap();
        let json = serde_json::to_value(&got.result).unwrap();
        let errors = schema::validate(&root, "#", &json);
        assert!(errors.is_empty(), "{client_id}: {errors:?}");
        assert!(
            !json.to_string().contains(&fixture_secret),
            "no secret in the result"
        );
        let report = serde_json::to_value(got.report.as_ref()).unwrap();
        let reason = &report["failed"]["client_rejected"]["reason"];
        if json["diagnosis"] != case["diagnosis"]
            || (case.get("reason").is_some() && *reason != case["reason"])
        {
            wrong.push(format!(
                "{} {client_id} ({}): expected {} {}, got {} {reason}",
                case["org"],
                case["credential"],
                case["diagnosis"],
                case["reason"],
                json["diagnosis"]
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
