//! OAuth 2.0 checks: what the page sends to the platform's check server (`config.json`
//! `check_url`), and the Okta API scopes a check asks for.
//!
//! The server answers with the check's [`crate::diagnosis::Report`] as JSON (its `Serialize`
//! form), which the page reads back and shows like a report of its own token check.

use core::fmt;

use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use crate::access::DataKind;

/// Largest check request body a server needs to read, in bytes.
pub const MAX_CHECK_REQUEST_BYTES: usize = 8 * 1024;

/// The `okta.*.read` scope that reads `data`.
pub fn scope_for(data: DataKind) -> &'static str {
    match data {
        DataKind::Users => "okta.users.read",
        DataKind::Groups => "okta.groups.read",
        DataKind::Roles => "okta.roles.read",
        DataKind::Logs => "okta.logs.read",
    }
}

/// `okta.apps.read`: lets the check read the app's own label.
pub const APPS_READ: &str = "okta.apps.read";

/// Every scope a check may use, in the order asked for: the four data scopes (the roles one
/// also lists the app's own roles) and `okta.apps.read`. Okta grants the subset the app holds
/// and names it in the answer's `scope`; it refuses only when none is granted.
pub const CHECK_SCOPES: [&str; 5] = [
    "okta.users.read",
    "okta.groups.read",
    "okta.roles.read",
    "okta.logs.read",
    APPS_READ,
];

/// The scopes `required` needs, in checklist order.
pub fn scopes_needed(required: &[DataKind]) -> Vec<&'static str> {
    DataKind::ALL
        .iter()
        .filter(|d| required.contains(d))
        .map(|&d| scope_for(d))
        .collect()
}

/// The credential in a check request. Its `Debug` never shows a secret, and the secrets are
/// overwritten when it is dropped.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum CheckCredential {
    ApiToken {
        token: String,
    },
    ServiceApp {
        client_id: String,
    },
    ClientSecret {
        client_id: String,
        client_secret: String,
    },
}

impl CheckCredential {
    pub fn kind(&self) -> crate::credential::CredentialKind {
        use crate::credential::CredentialKind as K;
        match self {
            CheckCredential::ApiToken { .. } => K::ApiToken,
            CheckCredential::ServiceApp { .. } => K::ServiceApp,
            CheckCredential::ClientSecret { .. } => K::ClientSecret,
        }
    }

    /// The client ID, for the two app kinds.
    pub fn client_id(&self) -> Option<&str> {
        match self {
            CheckCredential::ApiToken { .. } => None,
            CheckCredential::ServiceApp { client_id }
            | CheckCredential::ClientSecret { client_id, .. } => Some(client_id),
        }
    }
}

impl fmt::Debug for CheckCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckCredential::ApiToken { .. } => f.write_str("ApiToken(..)"),
            CheckCredential::ServiceApp { client_id } => write!(f, "ServiceApp({client_id:?})"),
            CheckCredential::ClientSecret { client_id, .. } => {
                write!(f, "ClientSecret({client_id:?}, ..)")
            }
        }
    }
}

impl Drop for CheckCredential {
    fn drop(&mut self) {
        match self {
            CheckCredential::ApiToken { token } => token.zeroize(),
            CheckCredential::ClientSecret { client_secret, .. } => client_secret.zeroize(),
            CheckCredential::ServiceApp { .. } => {}
        }
    }
}

/// The body the page POSTs to `check_url`: `{"org": "acme.okta.com", "credential": {"type":
/// "service_app", "client_id": "0oa…"}, "required": ["users"]}`. `org` is the normalized host;
/// `required` is the deployment's `config.json` `required` (default `["users"]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    pub org: String,
    pub credential: CheckCredential,
    #[serde(default = "default_required")]
    pub required: Vec<DataKind>,
}

fn default_required() -> Vec<DataKind> {
    vec![DataKind::Users]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_reads_and_never_shows_a_secret() {
        let r: CheckRequest = serde_json::from_str(
            r#"{"org":"acme.okta.com","credential":{"type":"client_secret","client_id":"0oa10inintegration10","client_secret":"s3cret-value"}}"#,
        )
        .unwrap();
        assert_eq!(r.required, [DataKind::Users]);
        assert_eq!(r.credential.client_id(), Some("0oa10inintegration10"));
        let shown = format!("{r:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        let back = serde_json::to_string(&r).unwrap();
        assert!(back.contains(r#""type":"client_secret""#));
        assert!(serde_json::from_str::<CheckRequest>(
            r#"{"org":"a.okta.com","credential":{"type":"service_app","client_id":"x","extra":1}}"#
        )
        .is_err());
    }

    #[test]
    fn scopes_follow_the_checklist() {
        assert_eq!(
            scopes_needed(&[DataKind::Logs, DataKind::Users]),
            ["okta.users.read", "okta.logs.read"]
        );
        for d in DataKind::ALL {
            assert!(CHECK_SCOPES.contains(&scope_for(d)));
        }
    }
}
