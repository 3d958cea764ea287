use super::*;
use crate::access::RoleHint;
use crate::decode::JsonError;
use crate::okta::RateLimit;
use crate::okta::Role;
use crate::outcome::Answer;

struct Serde;
impl JsonParser for Serde {
    fn parse<T: serde::de::DeserializeOwned>(&self, text: &str) -> Result<T, JsonError> {
        let v: serde_json::Value = serde_json::from_str(text).map_err(|_| JsonError::Syntax)?;
        serde_json::from_value(v).map_err(|_| JsonError::Shape)
    }
}

const HOST: &str = "acme.okta.com";

fn answer(status: u16, body: &str) -> Answer {
    Answer {
        status,
        content_type: Some("application/json".into()),
        request_id: Some("req1".into()),
        body: body.into(),
        ..Answer::default()
    }
}

fn oauth(status: u16, error: &str, description: &str) -> Answer {
    answer(
        status,
        &serde_json::json!({ "error": error, "error_description": description }).to_string(),
    )
}

fn verdict(a: &Answer, nonce_sent: bool) -> TokenVerdict {
    classify_token_answer(
        &a.raw(),
        &Serde,
        HOST,
        &[DataKind::Users, DataKind::Logs],
        nonce_sent,
    )
}

fn failed(a: &Answer) -> Failure {
    match verdict(a, false) {
        TokenVerdict::Failed(f) => f,
        v => panic!("not a failure: {v:?}"),
    }
}

fn rejection(description: &str) -> ClientRejection {
    match failed(&oauth(401, "invalid_client", description)) {
        Failure::ClientRejected { reason, request_id } => {
            assert_eq!(request_id.as_deref(), Some("req1"));
            reason
        }
        f => panic!("{f:?}"),
    }
}

#[test]
fn a_granted_token_is_read_and_never_shown() {
    let a = answer(
        200,
        r#"{"token_type":"DPoP","expires_in":3600,"access_token":"eyJsecret.token.value","scope":"okta.users.read okta.groups.read"}"#,
    );
    let TokenVerdict::Granted(t) = verdict(&a, false) else {
        panic!()
    };
    assert_eq!(t.access_token.as_str(), "eyJsecret.token.value");
    assert_eq!(t.grant.token_type, TokenType::DPoP);
    assert_eq!(t.grant.scopes, ["okta.users.read", "okta.groups.read"]);
    assert_eq!(t.expires_in, Some(3600));
    assert!(!format!("{t:?}").contains("secret"));
    let b = answer(
        200,
        r#"{"token_type":"Bearer","access_token":"x","scope":""}"#,
    );
    let TokenVerdict::Granted(t) = verdict(&b, false) else {
        panic!()
    };
    assert_eq!(t.grant.token_type, TokenType::Bearer);
    assert!(t.grant.scopes.is_empty());
    // No `scope` at all: RFC 6749 leaves it out when it is every scope asked for.
    let c = answer(
        200,
        r#"{"token_type":"DPoP","access_token":"x","expires_in":3600}"#,
    );
    let TokenVerdict::Granted(t) = verdict(&c, false) else {
        panic!()
    };
    assert_eq!(t.grant.scopes, CHECK_SCOPES);
}

#[test]
fn an_unusable_token_answer_is_unexpected() {
    for body in [
        r#"{"token_type":"MAC","access_token":"x"}"#,
        r#"{"token_type":"DPoP"}"#,
        r#"{"token_type":"DPoP","access_token":"a b"}"#,
        r#"{"token_type":"DPoP","access_token":""}"#,
    ] {
        assert_eq!(
            failed(&answer(200, body)).code(),
            "unexpected_response",
            "{body}"
        );
    }
}

#[test]
fn invalid_client_is_told_by_its_description() {
    use ClientRejection as R;
    let cases = [
        ("Invalid value for 'client_id' parameter.", R::UnknownClient),
        ("The client does not have a JWKS configured: jwks_not_configured", R::NoKeyRegistered),
        ("The client has no key registered.", R::NoKeyRegistered),
        ("The client_assertion token has an invalid kid.", R::KeyNotRegistered),
        ("The client_assertion signature is invalid.", R::KeyNotRegistered),
        ("The client_assertion token is expired.", R::AssertionRefused),
        ("The client_assertion token has no kid header.", R::AssertionRefused),
        (
            "The audience claim for client_assertion must be the endpoint invoked for the request.",
            R::AssertionRefused,
        ),
        ("client_assertion_already_used", R::AssertionRefused),
        ("The client secret supplied for a confidential client is invalid.", R::WrongSecret),
        (
            "Client Credentials requests to the Org Authorization Server must use the private_key_jwt token_endpoint_auth_method.",
            R::SecretNotAccepted,
        ),
        ("unsupported_auth_method_client_creds", R::SecretNotAccepted),
        (
            "The client is configured for client_secret_basic; a client_assertion is not accepted.",
            R::KeyNotAccepted,
        ),
        ("Something else entirely.", R::Other),
        ("", R::Other),
    ];
    for (d, want) in cases {
        assert_eq!(rejection(d), want, "{d}");
    }
}

#[test]
fn consent_required_names_the_scopes_to_grant() {
    let f = failed(&oauth(
        400,
        "consent_required",
        "You are not allowed any of the requested scopes.",
    ));
    assert_eq!(
        f,
        Failure::NoScopeGranted {
            scopes: vec!["okta.users.read".into(), "okta.logs.read".into()],
            request_id: Some("req1".into()),
        }
    );
}

#[test]
fn the_other_oauth_errors_are_classified() {
    assert_eq!(
        failed(&oauth(400, "unauthorized_client", "x")),
        Failure::NotServiceApp {
            request_id: Some("req1".into())
        }
    );
    assert_eq!(
        failed(&oauth(
            400,
            "invalid_dpop_proof",
            "The DPoP proof JWT header is missing."
        )),
        Failure::PlatformOAuthFault {
            error: "invalid_dpop_proof".into(),
            request_id: Some("req1".into())
        }
    );
    for (code, status) in [
        ("invalid_scope", 400),
        ("invalid_request", 400),
        ("access_denied", 403),
    ] {
        assert_eq!(
            failed(&oauth(status, code, "x")),
            Failure::OAuthRefused {
                error: code.into(),
                status,
                request_id: Some("req1".into())
            }
        );
    }
    // A code that is not a bounded ASCII code is not kept.
    let long = "x".repeat(65);
    assert_eq!(
        failed(&oauth(400, &long, "d")).code(),
        "unexpected_response"
    );
    assert_eq!(
        failed(&oauth(400, "bad code<script>", "d")).code(),
        "unexpected_response"
    );
}

#[test]
fn use_dpop_nonce_is_retried_once_then_the_platforms_fault() {
    let a = oauth(
        400,
        "use_dpop_nonce",
        "Authorization server requires nonce in DPoP proof.",
    );
    assert!(matches!(verdict(&a, false), TokenVerdict::UseDpopNonce));
    match verdict(&a, true) {
        TokenVerdict::Failed(Failure::PlatformOAuthFault { error, .. }) => {
            assert_eq!(error, "use_dpop_nonce")
        }
        v => panic!("{v:?}"),
    }
}

#[test]
fn rate_limits_server_errors_and_missing_endpoints() {
    let mut a = oauth(429, "too_many_requests", "x");
    a.rate_limit_reset = Some("1900000000".into());
    assert_eq!(
        failed(&a),
        Failure::RateLimited {
            source: crate::diagnosis::RateLimitSource::Okta,
            retry_at_epoch_s: Some(1_900_000_000),
            request_id: Some("req1".into()),
        }
    );
    assert_eq!(failed(&answer(503, "{}")).code(), "okta_server_error");
    let html = Answer {
        status: 500,
        content_type: Some("text/html".into()),
        body: "<html><body>error</body></html>".into(),
        ..Answer::default()
    };
    assert_eq!(failed(&html).code(), "okta_server_error");
    let not_found = Answer {
        status: 404,
        content_type: Some("text/html".into()),
        body: "<!doctype html><html>not found</html>".into(),
        ..Answer::default()
    };
    assert_eq!(
        failed(&not_found),
        Failure::NoOrgAtAddress { host: HOST.into() }
    );
    assert_eq!(
        failed(&answer(404, "")),
        Failure::NoOrgAtAddress { host: HOST.into() }
    );
}

#[test]
fn the_proxy_rules_answer_as_for_a_token_check() {
    let a = Answer {
        status: 502,
        content_type: Some("application/json; charset=utf-8".into()),
        proxy_error: Some("upstream_unreachable".into()),
        body: r#"{"proxyError":"upstream_unreachable","message":"x"}"#.into(),
        ..Answer::default()
    };
    assert_eq!(failed(&a).code(), "org_unreachable");
}

#[test]
fn challenges_are_read_bounded() {
    let c = parse_www_authenticate(
        r#"Bearer authorization_uri="http://acme.okta.com/oauth2/v1/authorize", realm="IdpMyAccountAPI", scope="okta.groups.read", error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", resource="/api/v1/groups""#,
    )
    .unwrap();
    assert_eq!(c.scheme, Scheme::Bearer);
    assert_eq!(c.error.as_deref(), Some("insufficient_scope"));
    assert_eq!(c.scope, ["okta.groups.read"]);
    let d = parse_www_authenticate(
        r#"DPoP algs="RS256 RS384 RS512 ES256 ES384 ES512", error="invalid_dpop_proof", error_description="The DPoP proof JWT header is missing.""#,
    )
    .unwrap();
    assert_eq!(d.scheme, Scheme::DPoP);
    assert_eq!(d.error.as_deref(), Some("invalid_dpop_proof"));
    // Tokens without quotes, escapes, odd spacing.
    let e = parse_www_authenticate(r#"dpop  error=invalid_token ,error_description="a \"b\"""#)
        .unwrap();
    assert_eq!(e.error.as_deref(), Some("invalid_token"));
    // Hostile values end the reading without panicking.
    for v in [
        "",
        " ",
        "=",
        "Bearer error=\"unterminated",
        "Bearer ,,,,,,",
        "Bearer error=\"<script>\"",
        "\u{202e}Bearer",
    ] {
        let c = parse_www_authenticate(v);
        assert!(c.is_none_or(|c| c.error.is_none()), "{v:?}");
    }
    let huge = format!("Bearer {}error=\"x\"", "a=b, ".repeat(5000));
    assert!(parse_www_authenticate(&huge).unwrap().error.is_none());
    let multi = "é".repeat(3000);
    assert!(parse_www_authenticate(&multi).is_none());
}

fn wk() -> Outcome<WellKnown> {
    let doc: WellKnown = serde_json::from_str(
        r#"{"id":"00o1","_links":{"organization":{"href":"https://acme.okta.com"}},"pipeline":"idx"}"#,
    )
    .unwrap();
    ok(doc)
}

fn ok<T>(t: T) -> Outcome<T> {
    Outcome::Okta {
        status: 200,
        body: OktaBody::Ok(t),
        rate_limit: RateLimit::default(),
        request_id: Some("r".into()),
    }
}

fn listing(n: usize) -> Option<Probe<Listing>> {
    Some(Probe::new(ok(Listing { items: n }), None))
}

fn okta_error<T>(status: u16, code: Option<&str>) -> Outcome<T> {
    Outcome::Okta {
        status,
        body: OktaBody::Err(code.map(|c| {
            serde_json::from_value(serde_json::json!({"errorCode": c, "errorSummary": "x"}))
                .unwrap()
        })),
        rate_limit: RateLimit::default(),
        request_id: Some("r".into()),
    }
}

const ALL_SCOPES: [&str; 5] = [
    "okta.users.read",
    "okta.groups.read",
    "okta.roles.read",
    "okta.logs.read",
    "okta.apps.read",
];

fn evidence(scopes: &[&str], required: &[DataKind]) -> AppEvidence {
    let mut e = AppEvidence::new(
        HOST,
        required.to_vec(),
        CredentialKind::ServiceApp,
        "0oa1dpopreadonly0001",
    );
    e.well_known = Some(wk());
    e.token = Some(Ok(Grant {
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        token_type: TokenType::DPoP,
    }));
    let grant = e.token.clone().unwrap().unwrap();
    for p in probes_to_send(&grant) {
        match p {
            ProbeKind::Users => e.users = listing(1),
            ProbeKind::Groups => e.groups = listing(1),
            ProbeKind::Logs => e.logs = listing(1),
            ProbeKind::Roles => {
                e.roles = Some(Probe::new(
                    ok(RoleList(vec![Role {
                        role_type: Some("READ_ONLY_ADMIN".into()),
                        ..Role::default()
                    }])),
                    None,
                ))
            }
            _ => {}
        }
    }
    if reads_label(&grant) {
        e.app = Some(Probe::new(
            ok(AppRecord {
                label: Some("Platform".into()),
            }),
            None,
        ));
    }
    e
}

#[test]
fn every_scope_and_role_granted_is_verified() {
    let e = evidence(&ALL_SCOPES, &[DataKind::Users, DataKind::Logs]);
    let Report::Verified(v) = diagnose_app(&e) else {
        panic!("{:?}", diagnose_app(&e))
    };
    assert!(v.admin.is_none());
    let app = v.app.as_ref().unwrap();
    assert_eq!(app.label.as_deref(), Some("Platform"));
    assert_eq!(app.token_type.as_deref(), Some("DPoP"));
    assert_eq!(app.scopes.len(), 5);
    assert_eq!(v.roles.code(), "listed");
    // A Read-only Administrator reads everything but admin roles.
    for item in &v.checklist {
        let expected = if item.data == DataKind::Roles {
            Access::NotPermitted
        } else {
            Access::Readable
        };
        assert_eq!(item.access, expected, "{:?}", item.data);
    }
}

/// The app's own roles answer `200` to a Read-only Administrator, but only a Super
/// Administrator lists admin roles: required, they are missing, with that role to assign.
#[test]
fn admin_roles_are_readable_only_for_a_super_administrator() {
    let e = evidence(&ALL_SCOPES, &[DataKind::Users, DataKind::Roles]);
    match diagnose_app(&e) {
        Report::Failed(Failure::MissingAccess {
            missing,
            grant,
            missing_scopes,
            verified,
        }) => {
            assert_eq!(missing, [DataKind::Roles]);
            assert_eq!(grant, [RoleHint::SuperAdministrator]);
            assert!(missing_scopes.is_empty());
            assert_eq!(verified.roles.code(), "listed");
        }
        r => panic!("{r:?}"),
    }
    let mut e = evidence(&ALL_SCOPES, &[DataKind::Users, DataKind::Roles]);
    e.roles = Some(Probe::new(
        ok(RoleList(vec![
            Role {
                role_type: Some("READ_ONLY_ADMIN".into()),
                ..Role::default()
            },
            Role {
                role_type: Some("SUPER_ADMIN".into()),
                ..Role::default()
            },
        ])),
        None,
    ));
    let Report::Verified(v) = diagnose_app(&e) else {
        panic!("{:?}", diagnose_app(&e))
    };
    assert!(v.checklist.iter().all(|i| i.access == Access::Readable));
}

#[test]
fn a_scope_not_granted_is_named_without_a_probe() {
    let e = evidence(
        &["okta.users.read", "okta.groups.read"],
        &[DataKind::Users, DataKind::Logs],
    );
    assert!(e.logs.is_none());
    match diagnose_app(&e) {
        Report::Failed(Failure::MissingAccess {
            missing,
            grant,
            missing_scopes,
            verified,
        }) => {
            assert_eq!(missing, [DataKind::Logs]);
            assert!(grant.is_empty());
            assert_eq!(missing_scopes, ["okta.logs.read"]);
            assert_eq!(verified.access(DataKind::Logs), Some(Access::NotPermitted));
            assert_eq!(verified.roles, AdminRoles::Unknown);
            assert_eq!(verified.app.as_ref().unwrap().label, None);
        }
        r => panic!("{r:?}"),
    }
    // Not required: only the checklist says so.
    let e = evidence(&["okta.users.read"], &[DataKind::Users]);
    assert!(matches!(diagnose_app(&e), Report::Verified(_)));
}

#[test]
fn no_admin_role_names_the_role_to_assign() {
    let mut e = evidence(&ALL_SCOPES, &[DataKind::Users, DataKind::Groups]);
    e.users = Some(Probe::new(okta_error(403, Some("E0000006")), None));
    e.groups = Some(Probe::new(okta_error(403, Some("E0000006")), None));
    e.roles = Some(Probe::new(ok(RoleList(vec![])), None));
    match diagnose_app(&e) {
        Report::Failed(Failure::MissingAccess {
            missing,
            grant,
            missing_scopes,
            ..
        }) => {
            assert_eq!(missing, [DataKind::Users, DataKind::Groups]);
            assert_eq!(grant, [RoleHint::ReadOnlyAdministrator]);
            assert!(missing_scopes.is_empty());
        }
        r => panic!("{r:?}"),
    }
}

#[test]
fn an_empty_user_list_is_a_role_too_narrow() {
    let mut e = evidence(&ALL_SCOPES, &[DataKind::Users]);
    e.users = listing(0);
    assert!(matches!(
        diagnose_app(&e),
        Report::Failed(Failure::MissingAccess { ref grant, .. }) if grant == &[RoleHint::ReadOnlyAdministrator]
    ));
}

#[test]
fn insufficient_scope_on_a_probe_names_the_scope() {
    let mut e = evidence(&ALL_SCOPES, &[DataKind::Logs]);
    e.logs = Some(Probe::new(
        okta_error(403, None),
        parse_www_authenticate(
            r#"Bearer realm="x", scope="okta.logs.read", error="insufficient_scope""#,
        ),
    ));
    match diagnose_app(&e) {
        Report::Failed(Failure::MissingAccess { missing_scopes, .. }) => {
            assert_eq!(missing_scopes, ["okta.logs.read"])
        }
        r => panic!("{r:?}"),
    }
    // The scope Okta names is hostile input: a write scope, or one the check never asks
    // for, is not what the customer is told to grant.
    for (challenge, named) in [
        (
            r#"Bearer scope="okta.logs.manage okta.logs.read", error="insufficient_scope""#,
            "okta.logs.read",
        ),
        (
            r#"Bearer scope="okta.everything.manage", error="insufficient_scope""#,
            "okta.logs.read",
        ),
        (
            r#"Bearer scope="okta.users.manage okta.users.read", error="insufficient_scope""#,
            "okta.users.read",
        ),
    ] {
        let mut e = evidence(&ALL_SCOPES, &[DataKind::Logs]);
        e.logs = Some(Probe::new(
            okta_error(403, None),
            parse_www_authenticate(challenge),
        ));
        match diagnose_app(&e) {
            Report::Failed(Failure::MissingAccess { missing_scopes, .. }) => {
                assert_eq!(missing_scopes, [named], "{challenge}")
            }
            r => panic!("{r:?}"),
        }
    }
}

/// An app missing the roles scope and a role for the System Log is told a role that will also
/// read admin roles once the scope is granted: a Super Administrator, not Read-only.
#[test]
fn the_role_named_covers_what_a_missing_scope_hides() {
    let scopes = [
        "okta.users.read",
        "okta.groups.read",
        "okta.logs.read",
        "okta.apps.read",
    ];
    let mut e = evidence(&scopes, &[DataKind::Roles, DataKind::Logs]);
    e.logs = Some(Probe::new(okta_error(403, Some("E0000006")), None));
    match diagnose_app(&e) {
        Report::Failed(Failure::MissingAccess {
            missing,
            grant,
            missing_scopes,
            ..
        }) => {
            assert_eq!(missing, [DataKind::Roles, DataKind::Logs]);
            assert_eq!(missing_scopes, ["okta.roles.read"]);
            assert_eq!(grant, [RoleHint::SuperAdministrator]);
        }
        r => panic!("{r:?}"),
    }
    // A scope alone missing names no role.
    let e = evidence(&scopes, &[DataKind::Roles]);
    match diagnose_app(&e) {
        Report::Failed(Failure::MissingAccess { grant, .. }) => assert!(grant.is_empty()),
        r => panic!("{r:?}"),
    }
}

/// A roles call refused for a scope (`insufficient_scope`) says nothing of the app's admin
/// role: the roles are unknown, not "not a Super Administrator"; the scope is named.
#[test]
fn a_scope_refused_on_the_roles_call_leaves_the_role_unknown() {
    let mut e = evidence(&ALL_SCOPES, &[DataKind::Roles]);
    e.roles = Some(Probe::new(
        okta_error(403, None),
        parse_www_authenticate(
            r#"Bearer realm="x", scope="okta.roles.read", error="insufficient_scope""#,
        ),
    ));
    match diagnose_app(&e) {
        Report::Failed(Failure::MissingAccess {
            missing_scopes,
            verified,
            ..
        }) => {
            assert_eq!(missing_scopes, ["okta.roles.read"]);
            assert_eq!(verified.roles, AdminRoles::Unknown);
        }
        r => panic!("{r:?}"),
    }
    // A plain 403 there still means the app is not a Super Administrator.
    let mut e = evidence(&ALL_SCOPES, &[DataKind::Users]);
    e.roles = Some(Probe::new(okta_error(403, Some("E0000006")), None));
    match diagnose_app(&e) {
        Report::Verified(v) => assert_eq!(v.roles, AdminRoles::NotSuperAdmin),
        r => panic!("{r:?}"),
    }
}

#[test]
fn a_dpop_error_on_a_probe_is_the_platforms_fault() {
    let mut e = evidence(&ALL_SCOPES, &[DataKind::Users]);
    e.groups = Some(Probe::new(
        okta_error(400, None),
        parse_www_authenticate(r#"DPoP algs="ES256", error="invalid_dpop_proof""#),
    ));
    assert_eq!(
        diagnose_app(&e).failure().map(Failure::code),
        Some("platform_oauth_fault")
    );
}

#[test]
fn roles_403_is_not_super_admin_and_rate_limits_are_reported() {
    let mut e = evidence(&ALL_SCOPES, &[DataKind::Users]);
    e.roles = Some(Probe::new(okta_error(403, Some("E0000006")), None));
    let Report::Verified(v) = diagnose_app(&e) else {
        panic!()
    };
    assert_eq!(v.roles, AdminRoles::NotSuperAdmin);
    let mut e = evidence(&ALL_SCOPES, &[DataKind::Users]);
    e.users = Some(Probe::new(okta_error(429, Some("E0000047")), None));
    assert_eq!(diagnose_app(&e).code(), "rate_limited");
    let mut e = evidence(&ALL_SCOPES, &[DataKind::Users]);
    e.users = None;
    assert_eq!(diagnose_app(&e).code(), "timed_out");
}

#[test]
fn a_super_admin_app_gets_the_least_privilege_advice() {
    let mut e = evidence(&ALL_SCOPES, &[DataKind::Users]);
    e.roles = Some(Probe::new(
        ok(RoleList(vec![Role {
            role_type: Some("SUPER_ADMIN".into()),
            ..Role::default()
        }])),
        None,
    ));
    let Report::Verified(v) = diagnose_app(&e) else {
        panic!()
    };
    assert_eq!(
        crate::diagnosis::least_privilege_advice(&v, &[DataKind::Users]),
        Some(crate::diagnosis::BroadRole::SuperAdmin)
    );
}

#[test]
fn the_org_and_the_token_verdict_come_first() {
    let mut e = evidence(&ALL_SCOPES, &[DataKind::Users]);
    e.token = Some(Err(Failure::NotServiceApp { request_id: None }));
    assert_eq!(diagnose_app(&e).code(), "not_service_app");
    e.token = None;
    assert_eq!(diagnose_app(&e).code(), "timed_out");
    e.well_known = Some(okta_error(404, None));
    assert_eq!(diagnose_app(&e).code(), "no_org_at_address");
}

#[test]
fn a_report_round_trips_through_json() {
    let e = evidence(&["okta.users.read"], &[DataKind::Users, DataKind::Logs]);
    let r = diagnose_app(&e);
    let back: Report = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
    assert_eq!(back, r);
}

#[test]
fn hostile_challenges_never_panic_and_stay_bounded() {
    // A fixed pseudo-random walk over the characters that matter to the reader.
    let alphabet: Vec<char> = "Bearer DPoP error=\"\\,  scope=okta.users.read \u{e9}\u{202e}=x_-"
        .chars()
        .collect();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..4000 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let len = (seed >> 33) as usize % 300;
        let s: String = (0..len)
            .map(|i| {
                let k = (seed.rotate_left(i as u32 % 64) >> 7) as usize ^ i.wrapping_mul(31);
                alphabet[k % alphabet.len()]
            })
            .collect();
        if let Some(c) = parse_www_authenticate(&s) {
            assert!(c.error.as_ref().is_none_or(|e| e.len() <= MAX_ERROR_CODE));
            assert!(c.scope.len() <= MAX_SCOPES);
        }
    }
}
