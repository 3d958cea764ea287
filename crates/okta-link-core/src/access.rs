//! The vocabulary of what a check reads and who may read it: the kinds of data a platform needs,
//! the probes of a check, its stages, and the admin roles that grant read access. Shared by the
//! configuration, the check plan and the diagnosis, which all speak of them; it depends on none
//! of them.

use serde::{Deserialize, Serialize};

/// Kinds of data a partner may need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataKind {
    Users,
    Groups,
    Roles,
    Logs,
}

impl DataKind {
    /// In checklist order.
    pub const ALL: [DataKind; 4] = [
        DataKind::Users,
        DataKind::Groups,
        DataKind::Roles,
        DataKind::Logs,
    ];

    /// Stable id and `config.json` value: `users`, `groups`, `roles`, `logs`.
    pub fn code(&self) -> &'static str {
        match self {
            DataKind::Users => "users",
            DataKind::Groups => "groups",
            DataKind::Roles => "roles",
            DataKind::Logs => "logs",
        }
    }

    pub fn parse(s: &str) -> Option<DataKind> {
        DataKind::ALL.into_iter().find(|d| d.code() == s)
    }

    /// The admin roles that grant read access to this data ("or higher"): Users and Groups,
    /// Read-only Administrator; the System Log, Read-only or Report Administrator; admin
    /// roles, Super Administrator only.
    pub fn granted_by(&self) -> &'static [RoleHint] {
        match self {
            DataKind::Users | DataKind::Groups => &[RoleHint::ReadOnlyAdministrator],
            DataKind::Logs => &[
                RoleHint::ReadOnlyAdministrator,
                RoleHint::ReportAdministrator,
            ],
            DataKind::Roles => &[RoleHint::SuperAdministrator],
        }
    }
}

/// The least admin role that reads everything `required` names: Read-only Administrator,
/// unless admin roles must be read (only a Super Administrator may list them).
pub fn least_role(required: &[DataKind]) -> RoleHint {
    required
        .iter()
        .flat_map(|d| d.granted_by().first())
        .copied()
        .max_by_key(|r| *r == RoleHint::SuperAdministrator)
        .unwrap_or(RoleHint::ReadOnlyAdministrator)
}

/// The roles each of which alone reads everything in `missing`, least first: what "give one
/// of these roles" may name. A Super Administrator reads everything, so it is named only when
/// no lesser role would do (admin roles are among `missing`). Empty for an empty `missing`.
pub fn roles_reading_all(missing: &[DataKind]) -> Vec<RoleHint> {
    if missing.is_empty() {
        return Vec::new();
    }
    let lesser: Vec<RoleHint> = [
        RoleHint::ReadOnlyAdministrator,
        RoleHint::ReportAdministrator,
    ]
    .into_iter()
    .filter(|r| missing.iter().all(|d| d.granted_by().contains(r)))
    .collect();
    if lesser.is_empty() {
        vec![RoleHint::SuperAdministrator]
    } else {
        lesser
    }
}

/// An admin role that grants read access to a kind of data (the view says "or higher").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleHint {
    ReadOnlyAdministrator,
    ReportAdministrator,
    SuperAdministrator,
}

impl RoleHint {
    /// Stable id: `read_only_admin`, `report_admin`, `super_admin`.
    pub fn code(&self) -> &'static str {
        match self {
            RoleHint::ReadOnlyAdministrator => "read_only_admin",
            RoleHint::ReportAdministrator => "report_admin",
            RoleHint::SuperAdministrator => "super_admin",
        }
    }
}

/// A probe without its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeKind {
    WellKnown,
    Me,
    Roles,
    Users,
    Groups,
    Logs,
}

impl ProbeKind {
    pub const ALL: [ProbeKind; 6] = [
        ProbeKind::WellKnown,
        ProbeKind::Me,
        ProbeKind::Roles,
        ProbeKind::Users,
        ProbeKind::Groups,
        ProbeKind::Logs,
    ];

    /// Stable id: `well_known`, `me`, `roles`, `users`, `groups`, `logs`.
    pub fn code(&self) -> &'static str {
        match self {
            ProbeKind::WellKnown => "well_known",
            ProbeKind::Me => "me",
            ProbeKind::Roles => "roles",
            ProbeKind::Users => "users",
            ProbeKind::Groups => "groups",
            ProbeKind::Logs => "logs",
        }
    }

    /// 1 for the well-known document and `users/me` (the identify stage; on a custom domain
    /// `users/me` goes only after the well-known document), 2 for the others.
    pub fn round(&self) -> u8 {
        match self {
            ProbeKind::WellKnown | ProbeKind::Me => 1,
            _ => 2,
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// Where the check stands, for the progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Round one: finding the org and whose token this is.
    Identify,
    /// Round two: what the token can read.
    Permissions,
}

impl Stage {
    /// Stable id: `identify`, `permissions`.
    pub fn code(&self) -> &'static str {
        match self {
            Stage::Identify => "identify",
            Stage::Permissions => "permissions",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_role_reads_everything_required() {
        use DataKind::*;
        assert_eq!(least_role(&[]), RoleHint::ReadOnlyAdministrator);
        assert_eq!(least_role(&[Users, Logs]), RoleHint::ReadOnlyAdministrator);
        assert_eq!(least_role(&[Users, Roles]), RoleHint::SuperAdministrator);
        for d in DataKind::ALL {
            assert!(
                d.granted_by().contains(&least_role(&[d]))
                    || least_role(&[d]) == RoleHint::SuperAdministrator
            );
        }
    }

    /// "Give one of these roles" names only roles that each read everything missing: a
    /// Report Administrator reads the System Log but not admin roles.
    #[test]
    fn each_role_named_reads_everything_missing() {
        use DataKind::*;
        use RoleHint::*;
        assert_eq!(roles_reading_all(&[]), []);
        assert_eq!(
            roles_reading_all(&[Logs]),
            [ReadOnlyAdministrator, ReportAdministrator]
        );
        assert_eq!(roles_reading_all(&[Users, Logs]), [ReadOnlyAdministrator]);
        assert_eq!(roles_reading_all(&[Groups]), [ReadOnlyAdministrator]);
        assert_eq!(roles_reading_all(&[Roles, Logs]), [SuperAdministrator]);
        assert_eq!(roles_reading_all(&[Users, Roles]), [SuperAdministrator]);
        // Every subset: each role named reads all of it (a Super Administrator reads all).
        for bits in 1u8..16 {
            let missing: Vec<DataKind> = DataKind::ALL
                .into_iter()
                .enumerate()
                .filter(|(i, _)| bits & (1 << i) != 0)
                .map(|(_, d)| d)
                .collect();
            let named = roles_reading_all(&missing);
            // Read-only Administrator reads users, groups and the System Log; Report
            // Administrator the System Log; only a Super Administrator admin roles.
            let reads = |r: RoleHint, d: DataKind| match r {
                SuperAdministrator => true,
                ReadOnlyAdministrator => d != Roles,
                ReportAdministrator => d == Logs,
            };
            let lesser: Vec<RoleHint> = [ReadOnlyAdministrator, ReportAdministrator]
                .into_iter()
                .filter(|r| missing.iter().all(|d| reads(*r, *d)))
                .collect();
            let expected = if lesser.is_empty() {
                vec![SuperAdministrator]
            } else {
                lesser
            };
            assert_eq!(named, expected, "{missing:?}");
        }
    }
}
