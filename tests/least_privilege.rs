//! The least-privilege notice: a Super or Org Administrator's token gets it when
//! every required kind of data is readable by a Read-only Administrator; never when `roles` is
//! required (only super admins can list roles), nor when the roles could not be listed.

use okta_link::core::diagnosis::{
    least_privilege_advice, Admin, AdminRoles, BroadRole, Org, Verified,
};
use okta_link::core::okta::{Engine, Role, UserId, UserStatus};
use okta_link::core::plan::DataKind;

fn verified(roles: AdminRoles) -> Verified {
    Verified {
        org: Org {
            entered_host: "acme.okta.com".into(),
            canonical_host: "acme.okta.com".into(),
            custom_domain: None,
            engine: Engine::IdentityEngine,
            org_id: None,
        },
        admin: Some(Admin {
            id: UserId::parse("00u1").unwrap(),
            name: None,
            login: None,
            email: None,
            status: UserStatus::Active,
        }),
        app: None,
        roles,
        checklist: Vec::new(),
    }
}

fn listed(types: &[&str]) -> AdminRoles {
    AdminRoles::Listed(
        types
            .iter()
            .map(|t| Role {
                role_type: Some(t.to_string()),
                ..Role::default()
            })
            .collect(),
    )
}

#[test]
fn broad_roles_get_the_notice_when_read_only_would_do() {
    use DataKind::*;
    let cases: &[(&[&str], &[DataKind], Option<BroadRole>)] = &[
        (&["SUPER_ADMIN"], &[Users], Some(BroadRole::SuperAdmin)),
        (
            &["SUPER_ADMIN"],
            &[Users, Groups, Logs],
            Some(BroadRole::SuperAdmin),
        ),
        (&["ORG_ADMIN"], &[Users, Logs], Some(BroadRole::OrgAdmin)),
        (
            &["ORG_ADMIN", "SUPER_ADMIN"],
            &[Users],
            Some(BroadRole::SuperAdmin),
        ),
        // Roles need a super admin: nothing to advise.
        (&["SUPER_ADMIN"], &[Users, Roles], None),
        (&["ORG_ADMIN"], &[Roles], None),
        // Narrower roles: nothing to advise.
        (&["READ_ONLY_ADMIN"], &[Users], None),
        (&["USER_ADMIN", "REPORT_ADMIN"], &[Users, Logs], None),
        (&[], &[Users], None),
    ];
    for (types, required, expected) in cases {
        assert_eq!(
            least_privilege_advice(&verified(listed(types)), required),
            *expected,
            "{types:?} for {required:?}"
        );
    }
    for unknown in [AdminRoles::NotSuperAdmin, AdminRoles::Unknown] {
        assert_eq!(least_privilege_advice(&verified(unknown), &[Users]), None);
    }
}
