//! The core's tolerant JSON readers (`okta_link::core::json`), on the documents either engine
//! builds: what is kept, what falls back to a default, and what refuses a document.
#![cfg(not(target_arch = "wasm32"))]

mod support;
use support::SerdeJson;

use okta_link::core::json::{JsonError, JsonParser, JsonValue};
use okta_link::core::okta::{Listing, OktaError, RoleList, User, WellKnown, MAX_ERROR_CAUSES};
use okta_link::core::protocol::RawInbound;
use okta_link::i18n::Catalog;

fn user(text: &str) -> Result<User, JsonError> {
    SerdeJson.parse::<User>(text)
}

#[test]
fn strings_of_another_type_or_blank_read_as_absent() {
    let u = user(r#"{"id": 7, "status": "  ", "profile": {"login": ["a"], "email": null, "firstName": "Ada"}}"#)
        .unwrap();
    assert_eq!(u.id, None);
    assert_eq!(u.status, None);
    assert_eq!(u.profile.login, None);
    assert_eq!(u.profile.email, None);
    assert_eq!(u.profile.first_name.as_deref(), Some("Ada"));
}

#[test]
fn strings_are_bounded_and_cleaned_as_they_are_read() {
    let long = "x".repeat(1000);
    let u = user(&format!(
        r#"{{"id": "{long}", "status": "A\u202eCTIVE\u0007"}}"#
    ))
    .unwrap();
    assert_eq!(u.id.map(|s| s.chars().count()), Some(256));
    assert_eq!(u.status.as_deref(), Some("ACTIVE"));
}

#[test]
fn nested_objects_of_another_type_read_as_their_default() {
    let u = user(r#"{"id": "00u1", "profile": "not an object"}"#).unwrap();
    assert_eq!(u.profile, Default::default());
    let w = SerdeJson
        .parse::<WellKnown>(r#"{"id": "00o1", "_links": {"organization": [], "alternate": {"href": "https://id.acme.example"}}}"#)
        .unwrap();
    assert_eq!(w.organization_href, None);
    assert_eq!(w.alternate_href.as_deref(), Some("https://id.acme.example"));
}

#[test]
fn a_known_field_given_twice_refuses_the_document_an_unknown_one_does_not() {
    assert_eq!(user(r#"{"id": "a", "id": "b"}"#), Err(JsonError::Shape));
    assert_eq!(
        user(r#"{"profile": {"login": "a", "login": "b"}}"#),
        Err(JsonError::Shape)
    );
    assert!(user(r#"{"id": "a", "x": 1, "x": 2}"#).is_ok());
}

#[test]
fn top_level_documents_have_the_expected_kind() {
    assert_eq!(user(r#"["00u1", "ACTIVE"]"#), Err(JsonError::Shape));
    assert_eq!(user("\"00u1\""), Err(JsonError::Shape));
    assert_eq!(user("{"), Err(JsonError::Syntax));
    assert_eq!(
        SerdeJson.parse::<RoleList>(r#"{"type": "SUPER_ADMIN"}"#),
        Err(JsonError::Shape)
    );
    assert_eq!(SerdeJson.parse::<Listing>("{}"), Err(JsonError::Shape));
    assert_eq!(
        SerdeJson
            .parse::<Listing>(r#"[1, "a", {}, []]"#)
            .map(|l| l.items),
        Ok(4)
    );
}

#[test]
fn arrays_of_objects_are_bounded_and_tolerate_other_elements() {
    let roles = SerdeJson
        .parse::<RoleList>(&format!(
            "[{}]",
            vec![r#"{"type": "SUPER_ADMIN"}"#; 100].join(",")
        ))
        .unwrap();
    assert_eq!(roles.0.len(), okta_link::core::okta::MAX_ROLES);
    let roles = SerdeJson
        .parse::<RoleList>(r#"[7, {"type": "ORG_ADMIN"}]"#)
        .unwrap();
    assert_eq!(roles.0.len(), 2);
    assert_eq!(roles.0[0], Default::default());
    let causes = format!(
        r#"{{"errorCode": "E0000001", "errorCauses": [{}]}}"#,
        vec![r#"{"errorSummary": "s"}"#; 20].join(",")
    );
    let e = SerdeJson.parse::<OktaError>(&causes).unwrap();
    assert_eq!(e.error_causes.len(), MAX_ERROR_CAUSES);
    let e = SerdeJson
        .parse::<OktaError>(r#"{"errorCode": "E0000001", "errorCauses": "none"}"#)
        .unwrap();
    assert!(e.error_causes.is_empty());
}

#[test]
fn messages_from_the_host_are_read_strictly() {
    let read = |t: &str| SerdeJson.parse::<RawInbound>(t);
    let ok = read(
        r#"{"source": "okta-link-host", "v": 1, "type": "session", "session": "s", "extra": [1]}"#,
    )
    .unwrap();
    assert_eq!(
        (ok.v, ok.kind.as_deref(), ok.session.as_deref()),
        (Some(1), Some("session"), Some("s"))
    );
    assert!(read(r#"{"v": null, "theme": null}"#).is_ok_and(|r| r.v.is_none() && r.theme.is_none()));
    for bad in [
        r#"{"v": 1.5}"#,
        r#"{"v": -1}"#,
        r#"{"v": "1"}"#,
        r#"{"v": 4294967296}"#,
        r#"{"session": 7}"#,
        r#"{"type": ["session"]}"#,
        r#"{"type": "session", "type": "theme"}"#,
        r#"["okta-link-host", 1]"#,
    ] {
        assert_eq!(read(bad).map(|_| ()), Err(JsonError::Shape), "{bad}");
    }
}

#[test]
fn catalogues_are_objects_of_strings_and_a_later_duplicate_wins() {
    let c = Catalog::parse(r#"{"a": "1", "a": "2", "b": "x"}"#, &SerdeJson).unwrap();
    assert_eq!(c.get("a"), Some("2"));
    assert!(Catalog::parse(r#"{"a": 1}"#, &SerdeJson).is_err());
    assert!(Catalog::parse(r#"["a"]"#, &SerdeJson).is_err());
}

#[test]
fn documents_keep_member_order_and_duplicates() {
    let v = SerdeJson
        .parse_value(r#"{"b": 1, "a": [true, null], "b": "x"}"#)
        .unwrap();
    assert_eq!(
        v,
        JsonValue::Object(vec![
            ("b".into(), JsonValue::Number(1.0)),
            (
                "a".into(),
                JsonValue::Array(vec![JsonValue::Bool(true), JsonValue::Null])
            ),
            ("b".into(), JsonValue::String("x".into())),
        ])
    );
}
