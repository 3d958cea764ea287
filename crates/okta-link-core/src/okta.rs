//! Okta's response types, read tolerantly: unknown fields are ignored, every field is optional,
//! a field of the wrong type reads as absent, and every string kept is bounded and cleaned
//! (see [`crate::decode::bounded`]). They derive `Deserialize` with the tolerant field
//! rules of [`crate::decode`]. Only `errorCode` drives program logic; the other texts
//! are plain data the view shows escaped.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::decode::{self, Document};
use crate::hosts;

/// Length of the usual API token: `00` and 40 of `[A-Za-z0-9_-]`.
pub const API_TOKEN_LEN: usize = 42;

/// The shape everyone validating Okta API tokens uses: `00` and 40 of `[A-Za-z0-9_-]`. Okta's
/// format is undocumented: a doubt, never a refusal on its own.
pub fn has_api_token_shape(s: &str) -> bool {
    s.len() == API_TOKEN_LEN
        && s.starts_with("00")
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Whether `id` has the shape of Okta's app IDs: `0oa` and 17 ASCII letters or digits.
pub fn is_okta_client_id_shape(id: &str) -> bool {
    id.len() == 20 && id.starts_with("0oa") && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Error codes the check acts on.
pub mod codes {
    /// 401: invalid token (wrong org, revoked, expired, creator deactivated).
    pub const INVALID_TOKEN: &str = "E0000011";
    /// 403: no permission for the requested action.
    pub const NO_PERMISSION: &str = "E0000006";
    /// 404: resource not found.
    pub const NOT_FOUND: &str = "E0000007";
    /// 401: no permission to access the feature.
    pub const FEATURE_NOT_PERMITTED: &str = "E0000015";
    /// 429: rate limit exceeded.
    pub const RATE_LIMITED: &str = "E0000047";
    /// 403: origin validation failed (the proxy forwarded the page's `Origin`).
    pub const ORIGIN_VALIDATION: &str = "E0000212";
}

/// One entry of `errorCauses`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorCause {
    #[serde(default, deserialize_with = "decode::text")]
    pub error_summary: Option<String>,
}

/// Okta's error body: `{"errorCode","errorSummary","errorLink","errorId","errorCauses":[…]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OktaError {
    #[serde(default, deserialize_with = "decode::text")]
    pub error_code: Option<String>,
    #[serde(default, deserialize_with = "decode::text")]
    pub error_summary: Option<String>,
    #[serde(default, deserialize_with = "decode::text")]
    pub error_link: Option<String>,
    #[serde(default, deserialize_with = "decode::text")]
    pub error_id: Option<String>,
    /// At most [`MAX_ERROR_CAUSES`].
    #[serde(default, deserialize_with = "error_causes")]
    pub error_causes: Vec<ErrorCause>,
}

impl Document for OktaError {}

/// `errorCauses`: at most [`MAX_ERROR_CAUSES`] objects.
pub fn error_causes<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ErrorCause>, D::Error> {
    decode::objects(d, MAX_ERROR_CAUSES)
}

/// The most `errorCauses` kept from one error body.
pub const MAX_ERROR_CAUSES: usize = 8;

impl OktaError {
    /// Whether the body carries this `errorCode`.
    pub fn is(&self, code: &str) -> bool {
        self.error_code.as_deref() == Some(code)
    }
}

/// Identity Engine or Classic, from the well-known document's `pipeline`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Engine {
    /// `pipeline: "idx"`.
    IdentityEngine,
    /// `pipeline: "v1"`.
    Classic,
    /// Absent or unrecognized.
    Unknown,
}

impl Engine {
    pub fn from_pipeline(pipeline: Option<&str>) -> Engine {
        match pipeline.map(str::trim) {
            Some(p) if p.eq_ignore_ascii_case("idx") => Engine::IdentityEngine,
            Some(p) if p.eq_ignore_ascii_case("v1") => Engine::Classic,
            _ => Engine::Unknown,
        }
    }

    /// Stable id: `identity_engine`, `classic`, `unknown`.
    pub fn code(&self) -> &'static str {
        match self {
            Engine::IdentityEngine => "identity_engine",
            Engine::Classic => "classic",
            Engine::Unknown => "unknown",
        }
    }
}

/// `GET /.well-known/okta-organization`, as Okta sends it (`_links.<name>.href`).
#[derive(Deserialize)]
struct WellKnownDoc {
    #[serde(default, deserialize_with = "decode::text")]
    id: Option<String>,
    #[serde(default, deserialize_with = "decode::text")]
    cell: Option<String>,
    #[serde(default, deserialize_with = "decode::text")]
    pipeline: Option<String>,
    #[serde(
        default,
        rename = "_links",
        deserialize_with = "decode::object_or_default"
    )]
    links: Links,
}

#[derive(Default, Deserialize)]
struct Links {
    #[serde(default, deserialize_with = "decode::object_or_default")]
    organization: Link,
    #[serde(default, deserialize_with = "decode::object_or_default")]
    alternate: Link,
}

#[derive(Default, Deserialize)]
struct Link {
    #[serde(default, deserialize_with = "decode::text")]
    href: Option<String>,
}

/// `GET /.well-known/okta-organization`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(from = "WellKnownDoc")]
pub struct WellKnown {
    pub id: Option<String>,
    pub cell: Option<String>,
    pub pipeline: Option<String>,
    /// `_links.organization.href`: the canonical Okta-owned org URL.
    pub organization_href: Option<String>,
    /// `_links.alternate.href`: the custom domain, if any.
    pub alternate_href: Option<String>,
}

impl From<WellKnownDoc> for WellKnown {
    fn from(d: WellKnownDoc) -> WellKnown {
        WellKnown {
            id: d.id,
            cell: d.cell,
            pipeline: d.pipeline,
            organization_href: d.links.organization.href,
            alternate_href: d.links.alternate.href,
        }
    }
}

impl Document for WellKnown {}

impl WellKnown {
    pub fn engine(&self) -> Engine {
        Engine::from_pipeline(self.pipeline.as_deref())
    }

    /// Whether the document looks like Okta's at all (an org id, a pipeline or an org link).
    pub fn looks_like_okta(&self) -> bool {
        self.id.is_some() || self.pipeline.is_some() || self.organization_href.is_some()
    }

    /// The host of `_links.organization.href`, when it is a well-formed `https` URL.
    pub fn organization_host(&self) -> Option<String> {
        self.organization_href.as_deref().and_then(https_host)
    }

    /// The host of `_links.alternate.href`, when it is a well-formed `https` URL.
    pub fn alternate_host(&self) -> Option<String> {
        self.alternate_href.as_deref().and_then(https_host)
    }
}

/// The lowercase host of an absolute `https://host[:443][/…]` URL (read by `url::Url`, as a
/// browser reads it) that is a DNS name; `None` for anything else (other schemes, user info,
/// other ports, IP literals, junk).
pub fn https_host(url: &str) -> Option<String> {
    let url = url::Url::parse(url.trim()).ok()?;
    // `port()` is `None` for 443, https's default.
    if url.scheme() != "https"
        || !url.username().is_empty()
        || url.password().is_some()
        || url.port().is_some()
    {
        return None;
    }
    let url::Host::Domain(host) = url.host()? else {
        return None;
    };
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    hosts::is_dns_host(&host).then_some(host)
}

/// The `profile` of a user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    #[serde(default, deserialize_with = "decode::text")]
    pub login: Option<String>,
    #[serde(default, deserialize_with = "decode::text")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "decode::text")]
    pub first_name: Option<String>,
    #[serde(default, deserialize_with = "decode::text")]
    pub last_name: Option<String>,
}

/// `GET /api/v1/users/me`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    #[serde(default, deserialize_with = "decode::text")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "decode::text")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "decode::object_or_default")]
    pub profile: Profile,
}

impl Document for User {}

impl User {
    /// "First Last", from whichever names are present.
    pub fn display_name(&self) -> Option<String> {
        let parts: Vec<&str> = [&self.profile.first_name, &self.profile.last_name]
            .into_iter()
            .filter_map(|p| p.as_deref().map(str::trim))
            .filter(|p| !p.is_empty())
            .collect();
        (!parts.is_empty()).then(|| decode::bounded(&parts.join(" "), 256))
    }

    pub fn user_status(&self) -> UserStatus {
        UserStatus::from_okta(self.status.as_deref())
    }
}

/// A user's lifecycle status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    Active,
    Provisioned,
    Staged,
    Recovery,
    PasswordExpired,
    LockedOut,
    Suspended,
    Deprovisioned,
    Unknown,
}

impl UserStatus {
    pub fn from_okta(s: Option<&str>) -> UserStatus {
        match s.map(|s| s.trim().to_ascii_uppercase()).as_deref() {
            Some("ACTIVE") => UserStatus::Active,
            Some("PROVISIONED") => UserStatus::Provisioned,
            Some("STAGED") => UserStatus::Staged,
            Some("RECOVERY") => UserStatus::Recovery,
            Some("PASSWORD_EXPIRED") => UserStatus::PasswordExpired,
            Some("LOCKED_OUT") => UserStatus::LockedOut,
            Some("SUSPENDED") => UserStatus::Suspended,
            Some("DEPROVISIONED") => UserStatus::Deprovisioned,
            _ => UserStatus::Unknown,
        }
    }

    /// Stable id: `active`, `provisioned`, `staged`, `recovery`, `password_expired`,
    /// `locked_out`, `suspended`, `deprovisioned`, `unknown`.
    pub fn code(&self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Provisioned => "provisioned",
            UserStatus::Staged => "staged",
            UserStatus::Recovery => "recovery",
            UserStatus::PasswordExpired => "password_expired",
            UserStatus::LockedOut => "locked_out",
            UserStatus::Suspended => "suspended",
            UserStatus::Deprovisioned => "deprovisioned",
            UserStatus::Unknown => "unknown",
        }
    }
}

/// One admin role assignment from `GET /api/v1/users/{id}/roles`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    #[serde(rename = "type", default, deserialize_with = "decode::text")]
    pub role_type: Option<String>,
    #[serde(default, deserialize_with = "decode::text")]
    pub label: Option<String>,
    #[serde(default, deserialize_with = "decode::text")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "decode::text")]
    pub assignment_type: Option<String>,
}

impl Role {
    pub fn kind(&self) -> RoleType {
        RoleType::from_okta(self.role_type.as_deref())
    }
}

/// Okta's standard admin role types (the view names them in the page's language; `Custom` and
/// `Other` show Okta's `label`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleType {
    SuperAdmin,
    OrgAdmin,
    AppAdmin,
    UserAdmin,
    GroupMembershipAdmin,
    HelpDeskAdmin,
    ReadOnlyAdmin,
    ReportAdmin,
    MobileAdmin,
    ApiAccessManagementAdmin,
    AccessCertificationsAdmin,
    AccessRequestsAdmin,
    WorkflowsAdmin,
    Custom,
    Other,
}

impl RoleType {
    const TABLE: [(&'static str, RoleType); 14] = [
        ("SUPER_ADMIN", RoleType::SuperAdmin),
        ("ORG_ADMIN", RoleType::OrgAdmin),
        ("APP_ADMIN", RoleType::AppAdmin),
        ("USER_ADMIN", RoleType::UserAdmin),
        ("GROUP_MEMBERSHIP_ADMIN", RoleType::GroupMembershipAdmin),
        ("HELP_DESK_ADMIN", RoleType::HelpDeskAdmin),
        ("READ_ONLY_ADMIN", RoleType::ReadOnlyAdmin),
        ("REPORT_ADMIN", RoleType::ReportAdmin),
        ("MOBILE_ADMIN", RoleType::MobileAdmin),
        (
            "API_ACCESS_MANAGEMENT_ADMIN",
            RoleType::ApiAccessManagementAdmin,
        ),
        (
            "ACCESS_CERTIFICATIONS_ADMIN",
            RoleType::AccessCertificationsAdmin,
        ),
        ("ACCESS_REQUESTS_ADMIN", RoleType::AccessRequestsAdmin),
        ("WORKFLOWS_ADMIN", RoleType::WorkflowsAdmin),
        ("CUSTOM", RoleType::Custom),
    ];

    pub fn from_okta(s: Option<&str>) -> RoleType {
        let Some(s) = s.map(str::trim) else {
            return RoleType::Other;
        };
        Self::TABLE
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(s))
            .map(|(_, t)| *t)
            .unwrap_or(RoleType::Other)
    }

    /// Stable id: Okta's type in snake case (`super_admin`, `read_only_admin`, …, `custom`),
    /// or `other`.
    pub fn code(&self) -> &'static str {
        match self {
            RoleType::SuperAdmin => "super_admin",
            RoleType::OrgAdmin => "org_admin",
            RoleType::AppAdmin => "app_admin",
            RoleType::UserAdmin => "user_admin",
            RoleType::GroupMembershipAdmin => "group_membership_admin",
            RoleType::HelpDeskAdmin => "help_desk_admin",
            RoleType::ReadOnlyAdmin => "read_only_admin",
            RoleType::ReportAdmin => "report_admin",
            RoleType::MobileAdmin => "mobile_admin",
            RoleType::ApiAccessManagementAdmin => "api_access_management_admin",
            RoleType::AccessCertificationsAdmin => "access_certifications_admin",
            RoleType::AccessRequestsAdmin => "access_requests_admin",
            RoleType::WorkflowsAdmin => "workflows_admin",
            RoleType::Custom => "custom",
            RoleType::Other => "other",
        }
    }
}

/// The most role assignments kept from one answer.
pub const MAX_ROLES: usize = 64;

/// The body of the roles listing: a JSON array of role assignments (at most [`MAX_ROLES`] kept;
/// an element that is not an object reads as an empty role).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RoleList(#[serde(deserialize_with = "roles")] pub Vec<Role>);

impl Document for RoleList {
    const ARRAY: bool = true;
}

fn roles<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Role>, D::Error> {
    decode::objects(d, MAX_ROLES)
}

/// The body of a one-item read (`/api/v1/users?limit=1`, groups, logs): a JSON array whose
/// contents the check does not need, only how many items it held.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Vec<serde::de::IgnoredAny>")]
pub struct Listing {
    pub items: usize,
}

impl From<Vec<serde::de::IgnoredAny>> for Listing {
    fn from(items: Vec<serde::de::IgnoredAny>) -> Listing {
        Listing { items: items.len() }
    }
}

impl Document for Listing {
    const ARRAY: bool = true;
}

/// `X-Rate-Limit-*` headers of one answer. Each value is `None` when absent or malformed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RateLimit {
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    /// `X-Rate-Limit-Reset`: when the window resets, UTC epoch seconds.
    pub reset_epoch_s: Option<u64>,
}

impl RateLimit {
    /// From the three header values. Tolerates duplicated headers joined by a comma (`"5, 5"`):
    /// the most cautious of the values is kept (lowest limit and remaining, latest reset).
    pub fn from_headers(
        limit: Option<&str>,
        remaining: Option<&str>,
        reset: Option<&str>,
    ) -> RateLimit {
        RateLimit {
            limit: header_numbers(limit).and_then(|v| v.into_iter().min()),
            remaining: header_numbers(remaining).and_then(|v| v.into_iter().min()),
            reset_epoch_s: header_numbers(reset).and_then(|v| v.into_iter().max()),
        }
    }
}

/// The numbers of a header value `"5"` or `"5, 5"`: `None` if any part is not a plain decimal
/// number (at most 19 digits, so it fits in a u64), or if there are more than 8 parts.
fn header_numbers(value: Option<&str>) -> Option<Vec<u64>> {
    let value = value?;
    let parts: Vec<&str> = value.split(',').map(str::trim).collect();
    if parts.is_empty() || parts.len() > 8 {
        return None;
    }
    parts
        .into_iter()
        .map(|p| {
            if p.is_empty() || p.len() > 19 || !p.bytes().all(|b| b.is_ascii_digit()) {
                None
            } else {
                p.parse::<u64>().ok()
            }
        })
        .collect()
}

/// A user id as it may appear in a request path: 1 to 64 of `[A-Za-z0-9]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct UserId(String);

/// A report read back (from a platform's check server) holds only ids [`UserId::parse`] takes.
impl TryFrom<String> for UserId {
    type Error = &'static str;
    fn try_from(s: String) -> Result<UserId, &'static str> {
        UserId::parse(&s).ok_or("not an Okta user id")
    }
}

impl UserId {
    pub fn parse(s: &str) -> Option<UserId> {
        (!s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric()))
            .then(|| UserId(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
