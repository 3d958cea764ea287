//! The versioned result of a check: what a platform stores and re-checks later. The page
//! delivers it (as `result` in the `submit` body and in the `connected` message; its non-secret
//! summary as redirect parameters) and `okta-link-check` prints it. Its shape is published as a
//! JSON Schema, `schema/okta-link-result.v2.json`; tests validate every delivery against it.
//!
//! It never holds the token, a client secret, a private key or an access token. A new field is
//! a new minor shape within a version only when the schema allows it; anything a platform could
//! misread raises [`RESULT_VERSION`]. Version 2 added `credential` (how the platform is let in:
//! an API token, a service app or an OIN integration); with an app, `owner` stays null on a
//! verified result and `roles` are the app's, which a version 1 reader would misread.

use serde::Serialize;

use crate::credential::CredentialKind;
use crate::diagnosis::{Access, AdminRoles, Failure, Report, Verified};
use crate::plan::DataKind;

/// `version` of every result (and the `.v2` of the schema file).
pub const RESULT_VERSION: u32 = 2;

/// Verified or failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultOutcome {
    Verified,
    Failed,
}

/// The token's owner (`users/me`): what a platform re-checks later (same owner?).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Owner {
    pub id: String,
    pub login: Option<String>,
}

/// The owner's admin roles as far as the token could list them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Roles {
    /// `listed` (then `types` holds them), `not_super_admin` (the token could not list roles,
    /// which only super admins may do), `unknown` (the listing failed).
    pub status: &'static str,
    /// Okta's role types, e.g. `SUPER_ADMIN`, `READ_ONLY_ADMIN` (empty unless `listed`).
    pub types: Vec<String>,
}

/// How the platform is let in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Credential {
    /// `api_token`, `service_app`, `client_secret`.
    #[serde(rename = "type")]
    pub kind: CredentialKind,
    /// The app's client ID (null for an API token).
    pub client_id: Option<String>,
    /// The app's label, when Okta told it.
    pub app_label: Option<String>,
    /// The scopes Okta granted to the app, in Okta's order (empty for an API token, and
    /// before a token was granted).
    pub scopes: Vec<String>,
    /// `DPoP` or `Bearer` once Okta granted an access token; null for an API token.
    pub token_type: Option<String>,
}

/// The result. Field order is the JSON order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkResult {
    /// [`RESULT_VERSION`].
    pub version: u32,
    pub outcome: ResultOutcome,
    /// `verified`, or the failure's stable code (`token_rejected`, …): [`Report::code`].
    pub diagnosis: &'static str,
    /// The host the customer entered (or the host fixed by the platform).
    pub org_host: String,
    /// The Okta-owned host the token was checked on, when the org was found.
    pub okta_host: Option<String>,
    /// Okta's org id (`00o…`), when the well-known document named it.
    pub org_id: Option<String>,
    /// How the platform is let in.
    pub credential: Credential,
    /// An API token's owner, known once `users/me` answered (always null for an app).
    pub owner: Option<Owner>,
    pub roles: Roles,
    /// What the token can read, in checklist order.
    pub readable: Vec<DataKind>,
    /// What the deployment requires (`config.json` `required`).
    pub required: Vec<DataKind>,
    /// When the result was produced (the page: on delivery, seconds after the check; the
    /// native check: when it ended), RFC 3339 in UTC with milliseconds
    /// (`2026-12-03T10:21:02.123Z`), as the shell's clock writes it: `Date.toISOString` in the
    /// page, `humantime::format_rfc3339_millis` natively.
    pub checked_at: String,
    /// Whether this check renewed an existing connection (update mode).
    pub update: bool,
}

impl LinkResult {
    /// The result of `report` for an API token check of `org_host` requiring `required`,
    /// ended at `checked_at` (see [`LinkResult::checked_at`]); [`LinkResult::for_app`] names
    /// an app.
    pub fn new(
        report: &Report,
        org_host: &str,
        required: &[DataKind],
        checked_at: String,
        update: bool,
    ) -> LinkResult {
        let verified: Option<&Verified> = match report {
            Report::Verified(v) => Some(v),
            Report::Failed(Failure::MissingAccess { verified, .. }) => Some(verified),
            Report::Failed(_) => None,
        };
        LinkResult {
            version: RESULT_VERSION,
            outcome: match report {
                Report::Verified(_) => ResultOutcome::Verified,
                Report::Failed(_) => ResultOutcome::Failed,
            },
            diagnosis: report.code(),
            org_host: org_host.to_string(),
            okta_host: verified.map(|v| v.org.canonical_host.clone()),
            org_id: verified.and_then(|v| v.org.org_id.clone()),
            credential: Credential {
                kind: CredentialKind::ApiToken,
                client_id: None,
                app_label: None,
                scopes: Vec::new(),
                token_type: None,
            },
            owner: verified.and_then(|v| v.admin.as_ref()).map(|a| Owner {
                id: a.id.as_str().to_string(),
                login: a.login.clone(),
            }),
            roles: match verified.map(|v| &v.roles) {
                Some(AdminRoles::Listed(list)) => Roles {
                    status: "listed",
                    types: list.iter().filter_map(|r| r.role_type.clone()).collect(),
                },
                Some(r) => Roles {
                    status: r.code(),
                    types: Vec::new(),
                },
                None => Roles {
                    status: "unknown",
                    types: Vec::new(),
                },
            },
            readable: verified
                .map(|v| {
                    v.checklist
                        .iter()
                        .filter(|i| i.access == Access::Readable)
                        .map(|i| i.data)
                        .collect()
                })
                .unwrap_or_default(),
            required: required.to_vec(),
            checked_at,
            update,
        }
    }
}

impl LinkResult {
    /// This result as made with the app `client_id` of kind `kind`: the app's label, granted
    /// scopes and token type come from the report when Okta told them.
    pub fn for_app(mut self, kind: CredentialKind, client_id: &str, report: &Report) -> Self {
        let app = match report {
            Report::Verified(v) => v.app.as_ref(),
            Report::Failed(Failure::MissingAccess { verified, .. }) => verified.app.as_ref(),
            Report::Failed(_) => None,
        };
        self.credential = Credential {
            kind,
            client_id: Some(client_id.to_string()),
            app_label: app.and_then(|a| a.label.clone()),
            scopes: app.map(|a| a.scopes.clone()).unwrap_or_default(),
            token_type: app.and_then(|a| a.token_type.clone()),
        };
        self.owner = None;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_before_users_me_has_no_owner() {
        let r = LinkResult::new(
            &Report::Failed(Failure::TokenRejected { request_id: None }),
            "acme.okta.com",
            &[DataKind::Users],
            "2026-12-03T14:05:00.000Z".to_string(),
            true,
        );
        assert_eq!(r.outcome, ResultOutcome::Failed);
        assert_eq!(r.diagnosis, "token_rejected");
        assert_eq!(r.owner, None);
        assert_eq!(r.roles.status, "unknown");
        assert!(r.readable.is_empty());
        assert!(r.update);
    }
}
