//! The page's JSON writer (`core::json_write`) writes exactly what serde_json writes: for every
//! message the page sends, for hostile strings from Okta inside them, and for every kind of
//! serde value, on random input (native only: proptest and serde_json are the oracle).
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeMap;

use okta_link::core::diagnosis::{Access, Admin, AdminRoles, CheckItem, Org, Verified};
use okta_link::core::json_write::{to_text, WriteError};
use okta_link::core::okta::{Engine, Role, UserId, UserStatus};
use okta_link::core::plan::DataKind;
use okta_link::core::protocol::{Body, Connection, Message};
use proptest::prelude::*;
use serde::Serialize;

fn same<T: Serialize + ?Sized>(value: &T) {
    let expected = serde_json::to_string(value).expect("serde_json writes it");
    assert_eq!(to_text(value), Ok(expected));
}

/// A verified report whose every text field carries `text` (as Okta could send it).
fn verified(text: &str) -> Verified {
    let some = || Some(text.to_string());
    Verified {
        org: Org {
            entered_host: "acme.okta.com".into(),
            canonical_host: "acme.okta.com".into(),
            custom_domain: some(),
            engine: Engine::IdentityEngine,
            org_id: some(),
        },
        admin: Admin {
            id: UserId::parse("00u1abcdEFGH2345").expect("a valid id"),
            name: some(),
            login: some(),
            email: None,
            status: UserStatus::Active,
        },
        roles: AdminRoles::Listed(vec![
            Role {
                role_type: Some("SUPER_ADMIN".into()),
                label: some(),
                status: Some("ACTIVE".into()),
                assignment_type: None,
            },
            Role::default(),
        ]),
        checklist: vec![
            CheckItem {
                data: DataKind::Users,
                access: Access::Readable,
                required: true,
                request_id: some(),
            },
            CheckItem {
                data: DataKind::Logs,
                access: Access::NotPermitted,
                required: false,
                request_id: None,
            },
        ],
    }
}

/// The versioned result of `report`, as the page builds it on delivery.
fn sample_result(report: &Verified) -> okta_link::core::result::LinkResult {
    okta_link::core::result::LinkResult::new(
        &okta_link::core::diagnosis::Report::Verified(Box::new(report.clone())),
        &report.org.entered_host,
        &[],
        1_796_296_862_123,
        false,
    )
}

const HOSTILE: &[&str] = &[
    "",
    "Alice Nguyen",
    "quote \" backslash \\ slash /",
    "\u{0}\u{1}\u{8}\u{9}\u{a}\u{b}\u{c}\u{d}\u{1f}\u{7f}",
    "</script><script>alert(1)</script>",
    "línea\u{2028}separada\u{2029}",
    "日本語 العربية 😀",
    "\u{feff}\u{200b}\u{202e}",
];

#[test]
fn every_message_is_written_as_serde_json_writes_it() {
    for text in HOSTILE {
        let report = verified(text);
        let result = sample_result(&report);
        let connection = Connection::new("00secret-token", &report, &result);
        same(&connection);
        for body in [
            Body::Ready,
            Body::Resize { height: 0 },
            Body::Resize { height: u32::MAX },
            Body::Verified { report: &report },
            Body::Connected {
                connection: &connection,
            },
            Body::Error {
                kind: "token_rejected",
            },
            Body::Close,
        ] {
            same(&Message::new(body));
        }
    }
    let mut report = verified("x");
    for roles in [AdminRoles::NotSuperAdmin, AdminRoles::Unknown] {
        report.roles = roles;
        same(&Message::new(Body::Verified { report: &report }));
    }
}

/// Every serde data model shape the writer supports.
#[derive(Serialize)]
enum Shapes {
    Unit,
    Newtype(u8),
    Tuple(i32, String),
    Struct { a: Option<bool>, b: Vec<u16> },
}

#[derive(Serialize)]
struct Wrapper(i64);

#[derive(Serialize)]
struct UnitStruct;

#[derive(Serialize)]
#[serde(tag = "kind")]
enum Tagged {
    One { n: u64 },
    Two,
}

#[derive(Serialize)]
struct Flat {
    top: char,
    #[serde(flatten)]
    inner: Tagged,
}

#[test]
fn every_shape_is_written_as_serde_json_writes_it() {
    same(&Shapes::Unit);
    same(&Shapes::Newtype(7));
    same(&Shapes::Tuple(-3, "t".into()));
    same(&Shapes::Struct {
        a: None,
        b: vec![1, 2],
    });
    same(&Shapes::Struct {
        a: Some(false),
        b: vec![],
    });
    same(&Wrapper(i64::MIN));
    same(&UnitStruct);
    same(&());
    same(&(1u8, 'é', "x"));
    same(&[0u8, 255]);
    same(&Flat {
        top: '"',
        inner: Tagged::One { n: u64::MAX },
    });
    same(&Flat {
        top: 'a',
        inner: Tagged::Two,
    });
    let empty: BTreeMap<String, u8> = BTreeMap::new();
    same(&empty);
}

#[test]
fn floats_and_non_string_keys_are_refused() {
    assert_eq!(to_text(&1.5f64), Err(WriteError));
    assert_eq!(to_text(&vec![0.0f32]), Err(WriteError));
    let mut m = BTreeMap::new();
    m.insert(1u8, "one");
    assert_eq!(to_text(&m), Err(WriteError));
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_string_is_escaped_as_serde_json_escapes_it(s in any::<String>()) {
        let expected = serde_json::to_string(&s).unwrap();
        prop_assert_eq!(to_text(&s), Ok(expected));
    }

    #[test]
    fn any_integer_is_written_as_serde_json_writes_it(u in any::<u64>(), i in any::<i64>()) {
        prop_assert_eq!(to_text(&u), Ok(u.to_string()));
        prop_assert_eq!(to_text(&i), Ok(i.to_string()));
    }

    #[test]
    fn any_report_text_is_written_as_serde_json_writes_it(s in "\\PC{0,40}|[\\x00-\\x20\"\\\\]{0,8}") {
        let report = verified(&s);
        let result = sample_result(&report);
        let connection = Connection::new("00secret", &report, &result);
        let message = Message::new(Body::Connected { connection: &connection });
        prop_assert_eq!(to_text(&message), Ok(serde_json::to_string(&message).unwrap()));
    }

    #[test]
    fn any_map_is_written_as_serde_json_writes_it(m in proptest::collection::btree_map(any::<String>(), any::<Option<u32>>(), 0..6)) {
        prop_assert_eq!(to_text(&m), Ok(serde_json::to_string(&m).unwrap()));
    }
}
