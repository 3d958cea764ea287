//! From the outcomes of the check's requests to a report: verified (with the org, the token's
//! admin, its roles and a checklist of what it can read) or failed (one variant per message and
//! remedy, carrying the data the message needs and the Okta request id of the failed call).
//!
//! Pure: [`diagnose`] is a function of an [`Evidence`] and is tested without a browser. The
//! check's state machine ([`crate::plan::Check`]) fills the evidence and calls it.
//! No English here: every enum has a stable `code()` the view looks up in its catalogue.

use serde::{Deserialize, Serialize};

pub use crate::access::RoleHint;
use crate::access::{DataKind, ProbeKind, Stage};
use crate::credential::CredentialKind;
use crate::hosts::is_okta_org_host;
use crate::okta::{codes, Engine, Listing, Role, RoleList, User, UserId, UserStatus, WellKnown};
use crate::outcome::{Outcome, ProxyErrorCode, UnreadableKind};

/// Everything the check saw. `None` means "no answer (yet)": a round-one probe without an
/// answer is a timeout; a round-two probe without one is "not checked: timed out".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evidence {
    /// The host the customer entered (normalized, lowercase).
    pub entered_host: String,
    /// What the partner needs (`config.json` `required`).
    pub required: Vec<DataKind>,
    /// `config.json` `proxy_egress_ips`, for the network-zone remedy.
    pub egress_ips: Vec<String>,
    pub well_known: Option<Outcome<WellKnown>>,
    pub me: Option<Outcome<User>>,
    pub roles: Option<Outcome<RoleList>>,
    pub users: Option<Outcome<Listing>>,
    pub groups: Option<Outcome<Listing>>,
    pub logs: Option<Outcome<Listing>>,
}

impl Evidence {
    pub fn new(entered_host: impl Into<String>, required: Vec<DataKind>) -> Evidence {
        Evidence {
            entered_host: entered_host.into(),
            required,
            ..Evidence::default()
        }
    }
}

/// The org the token belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Org {
    /// What the customer entered.
    pub entered_host: String,
    /// The Okta-owned host (`_links.organization.href`), used for round two; the entered host
    /// when the well-known document names none.
    pub canonical_host: String,
    /// The org's custom URL domain, if any (the entered host when it is one, else the
    /// well-known document's `alternate`).
    pub custom_domain: Option<String>,
    pub engine: Engine,
    /// The org id (`00o…`), bounded.
    pub org_id: Option<String>,
}

/// An OAuth 2.0 app the platform connects as: what the platform's check server found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct App {
    /// `service_app` or `client_secret`.
    pub credential: CredentialKind,
    pub client_id: String,
    /// The app's label, when `okta.apps.read` was granted.
    #[serde(default)]
    pub label: Option<String>,
    /// The scopes Okta granted (the token answer's `scope`), in Okta's order.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// `DPoP` or `Bearer`: how Okta bound the access token.
    #[serde(default)]
    pub token_type: Option<String>,
}

/// The admin user the token belongs to (`users/me`). Texts are Okta's, bounded, plain data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Admin {
    pub id: UserId,
    /// "First Last".
    pub name: Option<String>,
    pub login: Option<String>,
    pub email: Option<String>,
    pub status: UserStatus,
}

/// The admin's role assignments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdminRoles {
    /// The roles listing answered.
    Listed(Vec<Role>),
    /// The roles listing answered 403: only super admins may list admin roles.
    NotSuperAdmin,
    /// The listing could not be read (rate limit, error, timeout).
    Unknown,
}

impl AdminRoles {
    /// Stable id: `listed`, `not_super_admin`, `unknown`.
    pub fn code(&self) -> &'static str {
        match self {
            AdminRoles::Listed(_) => "listed",
            AdminRoles::NotSuperAdmin => "not_super_admin",
            AdminRoles::Unknown => "unknown",
        }
    }
}

/// Whether the token can read one kind of data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    Readable,
    /// Okta answered 403 (or E0000015): the token's admin lacks the role.
    NotPermitted,
    /// Not checked: Okta's rate limit.
    RateLimited,
    /// Not checked: no answer within the check's time budget.
    TimedOut,
    /// Not checked: an error answer (server error, proxy error, unreadable).
    Error,
}

impl Access {
    /// Stable id: `readable`, `not_permitted`, `rate_limited`, `timed_out`, `error`.
    pub fn code(&self) -> &'static str {
        match self {
            Access::Readable => "readable",
            Access::NotPermitted => "not_permitted",
            Access::RateLimited => "rate_limited",
            Access::TimedOut => "timed_out",
            Access::Error => "error",
        }
    }
}

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckItem {
    pub data: DataKind,
    pub access: Access,
    /// Whether `config.json` lists it in `required`.
    pub required: bool,
    /// Okta's request id of the probe, for support.
    pub request_id: Option<String>,
}

/// A verified connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verified {
    pub org: Org,
    /// The admin user an API token acts as (`users/me`); absent for an OAuth 2.0 app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin: Option<Admin>,
    /// The OAuth 2.0 app (service app or OIN integration) the check was made as; absent for
    /// an API token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<App>,
    /// The admin's roles, or the app's (`/oauth2/v1/clients/{id}/roles`).
    pub roles: AdminRoles,
    /// Users, Groups, Roles, Logs, in that order.
    pub checklist: Vec<CheckItem>,
}

impl Verified {
    pub fn access(&self, data: DataKind) -> Option<Access> {
        self.checklist
            .iter()
            .find(|i| i.data == data)
            .map(|i| i.access)
    }
}

/// Which field the view focuses for a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    OrgUrl,
    Token,
    ClientId,
    ClientSecret,
}

impl Field {
    /// Stable id: `org_url`, `token`, `client_id`, `client_secret`.
    pub fn code(&self) -> &'static str {
        match self {
            Field::OrgUrl => "org_url",
            Field::Token => "token",
            Field::ClientId => "client_id",
            Field::ClientSecret => "client_secret",
        }
    }
}

/// Who can fix a failure: the customer filling the form, or the integrator who deployed the
/// page (proxy, configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Customer,
    Integrator,
}

impl Audience {
    /// Stable id: `customer`, `integrator`.
    pub fn code(&self) -> &'static str {
        match self {
            Audience::Customer => "customer",
            Audience::Integrator => "integrator",
        }
    }
}

/// Whose rate limit was hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateLimitSource {
    /// Okta's (HTTP 429, E0000047).
    Okta,
    /// The proxy's own (`rate_limited`).
    Proxy,
}

impl RateLimitSource {
    /// Stable id: `okta`, `proxy`.
    pub fn code(&self) -> &'static str {
        match self {
            RateLimitSource::Okta => "okta",
            RateLimitSource::Proxy => "proxy",
        }
    }
}

/// What is wrong with the proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProxyIssue {
    /// The proxy said so with one of its codes (`path_not_allowed`, `origin_not_allowed`, …).
    Proxy(ProxyErrorCode),
    /// Something at the proxy's address answered a status Okta would not (a 404 or 405
    /// without Okta's error body): the template or the proxy's routes are wrong.
    UnexpectedStatus,
    /// Okta refused the call with E0000212 (origin validation): the proxy forwards the page's
    /// `Origin` header and must strip it.
    OriginForwarded,
}

impl ProxyIssue {
    /// Stable id: the proxy's code (`path_not_allowed`, …), `unexpected_status`, or
    /// `origin_forwarded`.
    pub fn code(&self) -> &'static str {
        match self {
            ProxyIssue::Proxy(c) => c.code(),
            ProxyIssue::UnexpectedStatus => "unexpected_status",
            ProxyIssue::OriginForwarded => "origin_forwarded",
        }
    }
}

/// Why a check failed. Each variant has its own message and remedy in the catalogue
/// (`failure.<code>`), with the variant's fields as placeholders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// Nothing at this address is an Okta org: the well-known document is missing (404, an
    /// HTML page, not Okta's JSON), or the name does not exist (`name_not_found`).
    NoOrgAtAddress { host: String },
    /// The well-known document names an organization host that is not Okta's.
    ForeignOrganization { host: String, named: String },
    /// The proxy could not connect to the org (`upstream_unreachable`, `upstream_timeout`).
    OrgUnreachable { host: String },
    /// 401 E0000011: wrong org, revoked, expired after 30 idle days, or its creator
    /// deactivated (the view says all four).
    TokenRejected { request_id: Option<String> },
    /// E0000015 (or a 403 on `users/me` when the org could not be confirmed).
    TokenLacksPermission { request_id: Option<String> },
    /// `users/me` answered 403 while the org answered its well-known document: the token is
    /// restricted to network zones that do not include the proxy ("Any IP" fixes it; the
    /// proxy's addresses are `egress_ips`, from `config.json`, possibly empty).
    TokenBlockedFromProxyNetwork {
        egress_ips: Vec<String>,
        request_id: Option<String>,
    },
    /// A rate limit. `retry_at_epoch_s` is Okta's `X-Rate-Limit-Reset` when known.
    RateLimited {
        source: RateLimitSource,
        retry_at_epoch_s: Option<u64>,
        request_id: Option<String>,
    },
    /// Okta answered 5xx (JSON or an HTML error page).
    OktaServerError {
        status: u16,
        request_id: Option<String>,
    },
    /// The proxy is set up wrongly (integrator).
    ProxyMisconfigured {
        issue: ProxyIssue,
        status: u16,
        request_id: Option<String>,
    },
    /// The proxy could not be reached at all (network error or CORS refusal) (integrator).
    ProxyDown,
    /// The proxy refused to call this host (`target_refused`, `target_forbidden_address`).
    ProxyRefusedTarget { host: String, code: ProxyErrorCode },
    /// The check's time budget ran out.
    TimedOut { stage: Stage },
    /// An answer the page cannot interpret. `kind` is `None` for an unexpected status; `status`
    /// is 0 when Okta's status is unknown (the body was cut by the proxy or the page, or a
    /// redirect was not followed).
    UnexpectedResponse {
        probe: ProbeKind,
        status: u16,
        kind: Option<UnreadableKind>,
        request_id: Option<String>,
    },
    /// The token works but cannot read what the partner needs. `grant` lists the roles that
    /// grant the missing access; the view also shows the checklist of `verified` and says: ask
    /// a Super Administrator to create the token, or grant the role.
    MissingAccess {
        missing: Vec<DataKind>,
        grant: Vec<RoleHint>,
        verified: Box<Verified>,
        /// For an app: the `okta.*.read` scopes it lacks for `missing` (granted on the app's
        /// Okta API Scopes tab); empty when the scopes are granted and a role is missing.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        missing_scopes: Vec<String>,
    },
    /// Okta's token endpoint refused the app (`401 invalid_client`): see [`ClientRejection`].
    ClientRejected {
        reason: ClientRejection,
        request_id: Option<String>,
    },
    /// `consent_required`: none of the scopes asked for is granted to the app. `scopes` are
    /// the ones to grant (what `required` needs).
    NoScopeGranted {
        scopes: Vec<String>,
        request_id: Option<String>,
    },
    /// `unauthorized_client`: the client ID is of an app that may not use the client
    /// credentials grant (not an API Services app).
    NotServiceApp { request_id: Option<String> },
    /// The platform's own DPoP or client assertion was refused (`invalid_dpop_proof`, a second
    /// `use_dpop_nonce`, a DPoP error on an API call): the platform must fix it (integrator).
    PlatformOAuthFault {
        /// Okta's `error` code, bounded ASCII.
        error: String,
        request_id: Option<String>,
    },
    /// Another OAuth 2.0 error answer (`invalid_scope`, `invalid_request`, …).
    OAuthRefused {
        /// Okta's `error` code, bounded ASCII.
        error: String,
        status: u16,
        request_id: Option<String>,
    },
    /// The platform's check server could not be reached, or answered with an error or
    /// something other than a report (integrator). `status` is 0 without an answer.
    CheckServerFailed { status: u16 },
}

/// Why Okta refused the app at its token endpoint (`invalid_client`), from its
/// `error_description`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientRejection {
    /// No app with this client ID in this org.
    UnknownClient,
    /// The app has no public key (or JWKS URL) configured.
    NoKeyRegistered,
    /// The app's keys do not include the platform's (unknown `kid`, or a signature the
    /// registered key does not verify).
    KeyNotRegistered,
    /// The platform's client assertion was refused (expired, reused, wrong audience): the
    /// platform must fix it.
    AssertionRefused,
    /// The OIN integration's client secret is wrong.
    WrongSecret,
    /// A client secret was given for an app that authenticates with a public key.
    SecretNotAccepted,
    /// Our public key was used for an app that authenticates with a client secret (an OIN
    /// integration checked as a service app).
    KeyNotAccepted,
    /// An `invalid_client` answer not recognized.
    Other,
}

impl ClientRejection {
    /// Every reason, for walking the catalogue.
    pub const ALL: [ClientRejection; 8] = [
        ClientRejection::UnknownClient,
        ClientRejection::NoKeyRegistered,
        ClientRejection::KeyNotRegistered,
        ClientRejection::AssertionRefused,
        ClientRejection::WrongSecret,
        ClientRejection::SecretNotAccepted,
        ClientRejection::KeyNotAccepted,
        ClientRejection::Other,
    ];

    /// Stable id: `unknown_client`, `no_key_registered`, `key_not_registered`,
    /// `assertion_refused`, `wrong_secret`, `secret_not_accepted`, `key_not_accepted`, `other`.
    pub fn code(&self) -> &'static str {
        match self {
            ClientRejection::UnknownClient => "unknown_client",
            ClientRejection::NoKeyRegistered => "no_key_registered",
            ClientRejection::KeyNotRegistered => "key_not_registered",
            ClientRejection::AssertionRefused => "assertion_refused",
            ClientRejection::WrongSecret => "wrong_secret",
            ClientRejection::SecretNotAccepted => "secret_not_accepted",
            ClientRejection::KeyNotAccepted => "key_not_accepted",
            ClientRejection::Other => "other",
        }
    }
}

impl Failure {
    /// Stable id: `no_org_at_address`, `foreign_organization`, `org_unreachable`,
    /// `token_rejected`, `token_lacks_permission`, `token_blocked_from_proxy_network`,
    /// `rate_limited`, `okta_server_error`, `proxy_misconfigured`, `proxy_down`,
    /// `proxy_refused_target`, `timed_out`, `unexpected_response`, `missing_access`,
    /// `client_rejected`, `no_scope_granted`, `not_service_app`, `platform_oauth_fault`,
    /// `oauth_refused`, `check_server_failed`.
    pub fn code(&self) -> &'static str {
        match self {
            Failure::NoOrgAtAddress { .. } => "no_org_at_address",
            Failure::ForeignOrganization { .. } => "foreign_organization",
            Failure::OrgUnreachable { .. } => "org_unreachable",
            Failure::TokenRejected { .. } => "token_rejected",
            Failure::TokenLacksPermission { .. } => "token_lacks_permission",
            Failure::TokenBlockedFromProxyNetwork { .. } => "token_blocked_from_proxy_network",
            Failure::RateLimited { .. } => "rate_limited",
            Failure::OktaServerError { .. } => "okta_server_error",
            Failure::ProxyMisconfigured { .. } => "proxy_misconfigured",
            Failure::ProxyDown => "proxy_down",
            Failure::ProxyRefusedTarget { .. } => "proxy_refused_target",
            Failure::TimedOut { .. } => "timed_out",
            Failure::UnexpectedResponse { .. } => "unexpected_response",
            Failure::MissingAccess { .. } => "missing_access",
            Failure::ClientRejected { .. } => "client_rejected",
            Failure::NoScopeGranted { .. } => "no_scope_granted",
            Failure::NotServiceApp { .. } => "not_service_app",
            Failure::PlatformOAuthFault { .. } => "platform_oauth_fault",
            Failure::OAuthRefused { .. } => "oauth_refused",
            Failure::CheckServerFailed { .. } => "check_server_failed",
        }
    }

    /// The field the view focuses, if the customer should change one.
    pub fn field(&self) -> Option<Field> {
        match self {
            Failure::NoOrgAtAddress { .. }
            | Failure::ForeignOrganization { .. }
            | Failure::OrgUnreachable { .. }
            | Failure::ProxyRefusedTarget { .. } => Some(Field::OrgUrl),
            Failure::TokenRejected { .. }
            | Failure::TokenLacksPermission { .. }
            | Failure::TokenBlockedFromProxyNetwork { .. }
            | Failure::MissingAccess { .. } => Some(Field::Token),
            Failure::ClientRejected { reason, .. } => Some(match reason {
                ClientRejection::WrongSecret => Field::ClientSecret,
                _ => Field::ClientId,
            }),
            Failure::NoScopeGranted { .. } | Failure::NotServiceApp { .. } => Some(Field::ClientId),
            _ => None,
        }
    }

    /// Who can fix it.
    pub fn audience(&self) -> Audience {
        match self {
            Failure::ProxyMisconfigured { .. }
            | Failure::ProxyDown
            | Failure::PlatformOAuthFault { .. }
            | Failure::CheckServerFailed { .. }
            | Failure::ClientRejected {
                reason: ClientRejection::AssertionRefused,
                ..
            } => Audience::Integrator,
            _ => Audience::Customer,
        }
    }

    /// Okta's request id of the failed call, for support.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Failure::TokenRejected { request_id }
            | Failure::TokenLacksPermission { request_id }
            | Failure::TokenBlockedFromProxyNetwork { request_id, .. }
            | Failure::RateLimited { request_id, .. }
            | Failure::OktaServerError { request_id, .. }
            | Failure::ProxyMisconfigured { request_id, .. }
            | Failure::UnexpectedResponse { request_id, .. }
            | Failure::ClientRejected { request_id, .. }
            | Failure::NoScopeGranted { request_id, .. }
            | Failure::NotServiceApp { request_id }
            | Failure::PlatformOAuthFault { request_id, .. }
            | Failure::OAuthRefused { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// Whether trying again later, unchanged, may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Failure::OrgUnreachable { .. }
                | Failure::RateLimited { .. }
                | Failure::OktaServerError { .. }
                | Failure::TimedOut { .. }
                | Failure::ProxyDown
                | Failure::CheckServerFailed { .. }
        )
    }
}

/// The result of a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Report {
    Verified(Box<Verified>),
    Failed(Failure),
}

impl Report {
    /// `verified`, or the failure's code.
    pub fn code(&self) -> &'static str {
        match self {
            Report::Verified(_) => "verified",
            Report::Failed(f) => f.code(),
        }
    }

    pub fn verified(&self) -> Option<&Verified> {
        match self {
            Report::Verified(v) => Some(v),
            Report::Failed(_) => None,
        }
    }

    pub fn failure(&self) -> Option<&Failure> {
        match self {
            Report::Failed(f) => Some(f),
            Report::Verified(_) => None,
        }
    }

    /// Forget a time to try again that is not plausible at `now_s` (UTC epoch seconds): one
    /// already past, or more than [`MAX_RETRY_AHEAD_S`] ahead. `X-Rate-Limit-Reset` (and a check
    /// server's report) is hostile input, and the customer's clock may be off; without a time
    /// the message says to wait a minute.
    pub fn settle_retry_time(&mut self, now_s: u64) {
        if let Report::Failed(Failure::RateLimited {
            retry_at_epoch_s, ..
        }) = self
        {
            if retry_at_epoch_s.is_some_and(|at| at < now_s || at - now_s > MAX_RETRY_AHEAD_S) {
                *retry_at_epoch_s = None;
            }
        }
    }
}

/// The furthest ahead a report names a time to try again. Okta's rate-limit windows reset
/// within a minute; an hour leaves room for a platform's own limits.
pub const MAX_RETRY_AHEAD_S: u64 = 3600;

/// What round one established: enough to plan round two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub org: Org,
    pub admin: Admin,
}

impl Identity {
    /// The host round two goes to: the canonical Okta-owned host.
    pub fn api_host(&self) -> &str {
        &self.org.canonical_host
    }
}

// Priorities when several answers fail: the first (lowest) wins; on a tie, the well-known
// document's verdict wins over users/me's.
/// The proxy cannot be reached: nothing else can be trusted.
pub(crate) const RANK_PROXY_DOWN: u8 = 0;
/// The proxy is misconfigured or limits us.
pub(crate) const RANK_PROXY: u8 = 1;
/// Where the org is (no org, foreign org, unreachable, target refused).
pub(crate) const RANK_TARGET: u8 = 2;
/// Okta's rate limit.
pub(crate) const RANK_RATE: u8 = 3;
/// Okta's verdict on the token.
pub(crate) const RANK_TOKEN: u8 = 4;
/// Okta's server errors.
pub(crate) const RANK_SERVER: u8 = 5;
/// No answer in time.
pub(crate) const RANK_TIMEOUT: u8 = 6;
/// Anything else.
pub(crate) const RANK_UNEXPECTED: u8 = 7;

pub(crate) type Judged<T> = Result<T, (u8, Failure)>;

/// The verdict on any failed answer that the probe-specific rules did not decide.
pub(crate) fn judge_common(
    o: &Outcome<()>,
    probe: ProbeKind,
    host: &str,
    stage: Stage,
) -> (u8, Failure) {
    let request_id = o.request_id().map(str::to_string);
    match o {
        Outcome::Unreachable => (RANK_PROXY_DOWN, Failure::ProxyDown),
        Outcome::TimedOut => (RANK_TIMEOUT, Failure::TimedOut { stage }),
        Outcome::Proxy(p) => {
            let host = host.to_string();
            match p.code {
                ProxyErrorCode::NameNotFound => (RANK_TARGET, Failure::NoOrgAtAddress { host }),
                ProxyErrorCode::UpstreamUnreachable => {
                    (RANK_TARGET, Failure::OrgUnreachable { host })
                }
                // The org was reached but did not answer in time: that is slowness, not a
                // wrong address.
                ProxyErrorCode::UpstreamTimeout => (RANK_TIMEOUT, Failure::TimedOut { stage }),
                ProxyErrorCode::TargetRefused | ProxyErrorCode::TargetForbiddenAddress => (
                    RANK_TARGET,
                    Failure::ProxyRefusedTarget { host, code: p.code },
                ),
                ProxyErrorCode::UpstreamTooLarge => (
                    RANK_UNEXPECTED,
                    Failure::UnexpectedResponse {
                        probe,
                        // Okta's own status is unknown: the proxy cut or refused the answer.
                        status: 0,
                        kind: Some(UnreadableKind::TooLarge),
                        request_id: None,
                    },
                ),
                ProxyErrorCode::UpstreamRedirect => (
                    RANK_UNEXPECTED,
                    Failure::UnexpectedResponse {
                        probe,
                        // Okta's own status is unknown: the proxy cut or refused the answer.
                        status: 0,
                        kind: Some(UnreadableKind::Redirect),
                        request_id: None,
                    },
                ),
                ProxyErrorCode::RateLimited => (
                    RANK_PROXY,
                    Failure::RateLimited {
                        source: RateLimitSource::Proxy,
                        retry_at_epoch_s: None,
                        request_id: None,
                    },
                ),
                ProxyErrorCode::MethodNotAllowed
                | ProxyErrorCode::PathNotAllowed
                | ProxyErrorCode::OriginNotAllowed
                | ProxyErrorCode::BadRequest
                | ProxyErrorCode::Unknown => (
                    RANK_PROXY,
                    Failure::ProxyMisconfigured {
                        issue: ProxyIssue::Proxy(p.code),
                        status: p.status,
                        request_id: None,
                    },
                ),
            }
        }
        _ if o.is_rate_limited() => (
            RANK_RATE,
            Failure::RateLimited {
                source: RateLimitSource::Okta,
                retry_at_epoch_s: o.rate_limit().and_then(|r| r.reset_epoch_s),
                request_id,
            },
        ),
        _ if o.is_server_error() => (
            RANK_SERVER,
            Failure::OktaServerError {
                status: o.status().unwrap_or(500),
                request_id,
            },
        ),
        _ if o.has_error_code(codes::ORIGIN_VALIDATION) => (
            RANK_PROXY,
            Failure::ProxyMisconfigured {
                issue: ProxyIssue::OriginForwarded,
                status: o.status().unwrap_or(403),
                request_id,
            },
        ),
        Outcome::Unreadable { status, kind, .. } => (
            RANK_UNEXPECTED,
            Failure::UnexpectedResponse {
                probe,
                status: *status,
                kind: Some(*kind),
                request_id,
            },
        ),
        Outcome::Okta { status, .. } => (
            RANK_UNEXPECTED,
            Failure::UnexpectedResponse {
                probe,
                status: *status,
                kind: None,
                request_id,
            },
        ),
    }
}

/// What the well-known document established.
pub(crate) struct OrgFacts {
    pub(crate) org: Org,
}

fn unreadable<T>(
    probe: ProbeKind,
    status: u16,
    kind: UnreadableKind,
    o: &Outcome<T>,
) -> (u8, Failure) {
    (
        RANK_UNEXPECTED,
        Failure::UnexpectedResponse {
            probe,
            status,
            kind: Some(kind),
            request_id: o.request_id().map(str::to_string),
        },
    )
}

pub(crate) fn no_org(host: &str) -> (u8, Failure) {
    (
        RANK_TARGET,
        Failure::NoOrgAtAddress {
            host: host.to_string(),
        },
    )
}

/// Whether `host` can be an org's custom URL domain: an address the page itself would take
/// as one (not Okta's own zones, an admin host, a placeholder or a local name).
fn is_custom_domain(host: &str) -> bool {
    crate::org_url::normalize(host).is_ok_and(|o| o.is_custom_domain() && o.host() == host)
}

pub(crate) fn judge_well_known(o: Option<&Outcome<WellKnown>>, host: &str) -> Judged<OrgFacts> {
    let probe = ProbeKind::WellKnown;
    let stage = Stage::Identify;
    let Some(o) = o else {
        return Err((RANK_TIMEOUT, Failure::TimedOut { stage }));
    };
    // On a custom domain, a website's answer means "not an Okta org here"; an Okta-owned host
    // always belongs to Okta, so a strange answer there is Okta's answer gone wrong, and
    // saying "no organization" would send the customer to fix an address that is right.
    let okta_owned = is_okta_org_host(host);
    if let Some(wk) = o.ok() {
        if !wk.looks_like_okta() {
            if okta_owned {
                return Err(unreadable(
                    probe,
                    o.status().unwrap_or(200),
                    UnreadableKind::UnexpectedShape,
                    o,
                ));
            }
            return Err(no_org(host));
        }
        let named = wk.organization_host();
        if let Some(named) = &named {
            if !is_okta_org_host(named) {
                return Err((
                    RANK_TARGET,
                    Failure::ForeignOrganization {
                        host: host.to_string(),
                        named: named.clone(),
                    },
                ));
            }
        }
        let canonical = if okta_owned {
            // An Okta-owned host is its own org's API host, where the token's `users/me` goes
            // in round one: a link naming another Okta host, or not an https URL, does not
            // send the rest of the check (and the token) to another org.
            host.to_string()
        } else {
            // On any other host, an organization link that is not an https URL of a DNS name
            // is not Okta's.
            named.clone().ok_or_else(|| no_org(host))?
        };
        let custom_domain = if canonical != host {
            Some(host.to_string())
        } else if named.as_deref().is_some_and(|n| n != canonical) {
            // The document is another org's: so is its custom domain.
            None
        } else {
            wk.alternate_host()
                .filter(|a| *a != canonical && is_custom_domain(a))
        };
        return Ok(OrgFacts {
            org: Org {
                entered_host: host.to_string(),
                canonical_host: canonical,
                custom_domain,
                engine: wk.engine(),
                org_id: wk.id.clone(),
            },
        });
    }
    let status = o.status().unwrap_or(0);
    match o {
        // A website's page, an empty or foreign answer where the document should be.
        Outcome::Unreadable {
            kind:
                UnreadableKind::Html
                | UnreadableKind::NotJson
                | UnreadableKind::UnexpectedShape
                | UnreadableKind::Empty,
            ..
        } if (200..300).contains(&status) && !okta_owned => Err(no_org(host)),
        Outcome::Okta {
            status: 404 | 410, ..
        }
        | Outcome::Unreadable {
            status: 404 | 410, ..
        } => Err(no_org(host)),
        // Okta does not redirect its well-known document; on a custom domain a redirect means
        // a website (on an Okta-owned host it is reported as the redirect it is).
        Outcome::Proxy(p) if p.code == ProxyErrorCode::UpstreamRedirect && !okta_owned => {
            Err(no_org(host))
        }
        _ => Err(judge_common(&o.erase(), probe, host, stage)),
    }
}

fn judge_me(
    o: Option<&Outcome<User>>,
    host: &str,
    org_confirmed: bool,
    egress_ips: &[String],
) -> Judged<Admin> {
    let probe = ProbeKind::Me;
    let stage = Stage::Identify;
    let Some(o) = o else {
        return Err((RANK_TIMEOUT, Failure::TimedOut { stage }));
    };
    let request_id = o.request_id().map(str::to_string);
    if let Some(user) = o.ok() {
        let Some(id) = user.id.as_deref().and_then(UserId::parse) else {
            return Err((
                RANK_UNEXPECTED,
                Failure::UnexpectedResponse {
                    probe,
                    status: o.status().unwrap_or(200),
                    kind: Some(UnreadableKind::UnexpectedShape),
                    request_id,
                },
            ));
        };
        return Ok(Admin {
            id,
            name: user.display_name(),
            login: user.profile.login.clone(),
            email: user.profile.email.clone(),
            status: user.user_status(),
        });
    }
    match o {
        Outcome::Okta { status: 401, .. } => {
            if o.has_error_code(codes::FEATURE_NOT_PERMITTED) {
                Err((RANK_TOKEN, Failure::TokenLacksPermission { request_id }))
            } else {
                Err((RANK_TOKEN, Failure::TokenRejected { request_id }))
            }
        }
        Outcome::Okta { status: 403, .. } if !o.has_error_code(codes::ORIGIN_VALIDATION) => {
            if org_confirmed {
                Err((
                    RANK_TOKEN,
                    Failure::TokenBlockedFromProxyNetwork {
                        egress_ips: egress_ips.to_vec(),
                        request_id,
                    },
                ))
            } else {
                Err((RANK_TOKEN, Failure::TokenLacksPermission { request_id }))
            }
        }
        // A 404/405 that is not Okta's error JSON: the proxy does not forward the API path.
        Outcome::Okta {
            status: status @ (404 | 405),
            ..
        }
        | Outcome::Unreadable {
            status: status @ (404 | 405),
            ..
        } if org_confirmed && o.okta_error().is_none() => Err((
            RANK_PROXY,
            Failure::ProxyMisconfigured {
                issue: ProxyIssue::UnexpectedStatus,
                status: *status,
                request_id,
            },
        )),
        _ => Err(judge_common(&o.erase(), probe, host, stage)),
    }
}

/// The well-known document alone: the org at the entered host, with the Okta-owned host it
/// names (`canonical_host`, where every call with the token goes). On a custom domain the
/// check asks nothing else before this answers, and the token goes nowhere when it fails.
pub fn locate(e: &Evidence) -> Result<Org, Failure> {
    judge_well_known(e.well_known.as_ref(), e.entered_host.as_str())
        .map(|facts| facts.org)
        .map_err(|(_, f)| f)
}

/// Round one: is there an Okta org at the entered host, and whose token is this?
pub fn identify(e: &Evidence) -> Result<Identity, Failure> {
    let host = e.entered_host.as_str();
    let org = judge_well_known(e.well_known.as_ref(), host);
    // `users/me` went to the entered host only when it is Okta-owned; on a custom domain it
    // went to the Okta-owned host the well-known document names.
    let me_host = match &org {
        Ok(facts) if !is_okta_org_host(host) => facts.org.canonical_host.as_str(),
        _ => host,
    };
    let admin = judge_me(e.me.as_ref(), me_host, org.is_ok(), &e.egress_ips);
    match (org, admin) {
        (Ok(facts), Ok(admin)) => Ok(Identity {
            org: facts.org,
            admin,
        }),
        (Err((_, f)), Ok(_)) | (Ok(_), Err((_, f))) => Err(f),
        (Err((wr, wf)), Err((mr, mf))) => Err(if mr < wr { mf } else { wf }),
    }
}

/// Whether an answer grants read access, for the checklist.
pub(crate) fn access_of<T>(o: Option<&Outcome<T>>) -> Access {
    let Some(o) = o else {
        return Access::TimedOut;
    };
    match o {
        Outcome::Okta {
            body: crate::outcome::OktaBody::Ok(_),
            ..
        } => Access::Readable,
        Outcome::Okta { status: 403, .. } if !o.has_error_code(codes::ORIGIN_VALIDATION) => {
            Access::NotPermitted
        }
        Outcome::Okta { status: 401, .. } if o.has_error_code(codes::FEATURE_NOT_PERMITTED) => {
            Access::NotPermitted
        }
        _ if o.is_rate_limited() => Access::RateLimited,
        Outcome::TimedOut => Access::TimedOut,
        _ => Access::Error,
    }
}

pub(crate) fn probe_of(data: DataKind) -> ProbeKind {
    match data {
        DataKind::Users => ProbeKind::Users,
        DataKind::Groups => ProbeKind::Groups,
        DataKind::Roles => ProbeKind::Roles,
        DataKind::Logs => ProbeKind::Logs,
    }
}

fn round_two_outcome(e: &Evidence, data: DataKind) -> Option<Outcome<()>> {
    match data {
        DataKind::Users => e.users.as_ref().map(Outcome::erase),
        DataKind::Groups => e.groups.as_ref().map(Outcome::erase),
        DataKind::Roles => e.roles.as_ref().map(Outcome::erase),
        DataKind::Logs => e.logs.as_ref().map(Outcome::erase),
    }
}

/// Whether a users or groups listing answered `200 []`: a role too narrow for them, since
/// every org has a user (for a token, its admin) and the Everyone group. The one rule for
/// tokens and apps.
pub(crate) fn is_empty_listing(data: DataKind, o: Option<&Outcome<Listing>>) -> bool {
    matches!(data, DataKind::Users | DataKind::Groups)
        && o.and_then(Outcome::ok).is_some_and(|l| l.items == 0)
}

/// The users or groups listing of round two.
fn listing(e: &Evidence, data: DataKind) -> Option<&Outcome<Listing>> {
    match data {
        DataKind::Users => e.users.as_ref(),
        DataKind::Groups => e.groups.as_ref(),
        _ => None,
    }
}

/// Round two: what the identified token can read, against what the partner requires.
pub fn assess(identity: Identity, e: &Evidence) -> Report {
    let roles = match e.roles.as_ref() {
        Some(o) => match o.ok() {
            Some(list) => AdminRoles::Listed(list.0.clone()),
            None if access_of(Some(o)) == Access::NotPermitted => AdminRoles::NotSuperAdmin,
            None => AdminRoles::Unknown,
        },
        None => AdminRoles::Unknown,
    };
    let checklist: Vec<CheckItem> = DataKind::ALL
        .iter()
        .map(|&data| {
            let o = round_two_outcome(e, data);
            CheckItem {
                data,
                access: if is_empty_listing(data, listing(e, data)) {
                    Access::NotPermitted
                } else {
                    access_of(o.as_ref())
                },
                required: e.required.contains(&data),
                request_id: o.as_ref().and_then(|o| o.request_id().map(str::to_string)),
            }
        })
        .collect();
    let verified = Verified {
        org: identity.org,
        admin: Some(identity.admin),
        app: None,
        roles,
        checklist,
    };

    let mut missing = Vec::new();
    let mut other: Option<(u8, Failure)> = None;
    for item in verified.checklist.iter().filter(|i| i.required) {
        let found = match item.access {
            Access::Readable => continue,
            Access::NotPermitted => {
                if !missing.contains(&item.data) {
                    missing.push(item.data);
                }
                continue;
            }
            Access::TimedOut => (
                RANK_TIMEOUT,
                Failure::TimedOut {
                    stage: Stage::Permissions,
                },
            ),
            Access::RateLimited | Access::Error => match round_two_outcome(e, item.data) {
                Some(o) => judge_common(
                    &o,
                    probe_of(item.data),
                    &verified.org.canonical_host,
                    Stage::Permissions,
                ),
                None => (
                    RANK_TIMEOUT,
                    Failure::TimedOut {
                        stage: Stage::Permissions,
                    },
                ),
            },
        };
        if other.as_ref().is_none_or(|(r, _)| found.0 < *r) {
            other = Some(found);
        }
    }
    if !missing.is_empty() {
        return Report::Failed(Failure::MissingAccess {
            grant: crate::access::roles_reading_all(&missing),
            missing,
            verified: Box::new(verified),
            missing_scopes: Vec::new(),
        });
    }
    match other {
        Some((_, f)) => Report::Failed(f),
        None => Report::Verified(Box::new(verified)),
    }
}

/// The whole diagnosis: round one, then round two.
pub fn diagnose(e: &Evidence) -> Report {
    match identify(e) {
        Ok(identity) => assess(identity, e),
        Err(f) => Report::Failed(f),
    }
}

/// The calm notice after "verified" when the token's owner holds more than the deployment
/// needs: a Super or Org Administrator, while every kind of data in `required` can
/// be read by a Read-only Administrator ([`DataKind::granted_by`]; admin roles need a Super
/// Administrator, so a deployment requiring `roles` gets no notice). Only when the roles could
/// be listed: a token that cannot list them is not a super admin's, and an unknown listing
/// says nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BroadRole {
    SuperAdmin,
    OrgAdmin,
}

impl BroadRole {
    /// Okta's role type: `SUPER_ADMIN`, `ORG_ADMIN`.
    pub fn okta_type(&self) -> &'static str {
        match self {
            BroadRole::SuperAdmin => "SUPER_ADMIN",
            BroadRole::OrgAdmin => "ORG_ADMIN",
        }
    }

    /// Stable id: `super_admin`, `org_admin`.
    pub fn code(&self) -> &'static str {
        match self {
            BroadRole::SuperAdmin => "super_admin",
            BroadRole::OrgAdmin => "org_admin",
        }
    }
}

/// The broadest role that makes the token more powerful than `required` needs, if any.
pub fn least_privilege_advice(v: &Verified, required: &[DataKind]) -> Option<BroadRole> {
    let AdminRoles::Listed(roles) = &v.roles else {
        return None;
    };
    let read_only_suffices = required
        .iter()
        .all(|d| d.granted_by().contains(&RoleHint::ReadOnlyAdministrator));
    if !read_only_suffices {
        return None;
    }
    let holds = |t: &str| roles.iter().any(|r| r.role_type.as_deref() == Some(t));
    [BroadRole::SuperAdmin, BroadRole::OrgAdmin]
        .into_iter()
        .find(|b| holds(b.okta_type()))
}
