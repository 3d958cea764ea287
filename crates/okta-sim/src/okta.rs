//! Okta-shaped JSON documents built from the fixtures: users, role assignments, groups, System
//! Log events, the well-known org document and the error body, with the shapes, codes and
//! summaries of the real API. A document never holds a token.

use crate::fixtures::{role_label, App, AppAuth, AppKind, Group, LogEvent, Org, User};
use serde_json::{json, Value};

/// Okta's `/.well-known/okta-organization` path.
pub const WELL_KNOWN: &str = "/.well-known/okta-organization";

/// The Okta error codes the simulator answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OktaError {
    /// 400: a query parameter is not valid.
    ApiValidation,
    /// 403: the token's admin lacks the permission.
    NoPermission,
    /// 404: no such resource.
    NotFound,
    /// 401: wrong, revoked or expired token, or its creator deactivated.
    InvalidToken,
    /// 405: anything but GET/HEAD.
    MethodNotAllowed,
    /// 429: rate limit exceeded.
    RateLimited,
}

impl OktaError {
    pub fn status(self) -> u16 {
        match self {
            OktaError::ApiValidation => 400,
            OktaError::NoPermission => 403,
            OktaError::NotFound => 404,
            OktaError::InvalidToken => 401,
            OktaError::MethodNotAllowed => 405,
            OktaError::RateLimited => 429,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            OktaError::ApiValidation => "E0000001",
            OktaError::NoPermission => "E0000006",
            OktaError::NotFound => "E0000007",
            OktaError::InvalidToken => "E0000011",
            OktaError::MethodNotAllowed => "E0000022",
            OktaError::RateLimited => "E0000047",
        }
    }

    /// The fixed part of `errorSummary`.
    pub fn summary(self) -> &'static str {
        match self {
            OktaError::ApiValidation => "Api validation failed: limit",
            OktaError::NoPermission => "You do not have permission to perform the requested action",
            OktaError::NotFound => "Not found: Resource not found",
            OktaError::InvalidToken => "Invalid token provided",
            OktaError::MethodNotAllowed => "The endpoint does not support the provided HTTP method",
            OktaError::RateLimited => "API call exceeded rate limit due to too many requests.",
        }
    }
}

/// `{"errorCode","errorSummary","errorLink","errorId","errorCauses":[]}`. `detail` completes the
/// summary where Okta does (`Not found: Resource not found: 00u… (User)`).
pub fn error_body(err: OktaError, detail: Option<&str>, error_id: &str) -> Value {
    let summary = match detail {
        Some(d) => format!("{}: {d}", err.summary()),
        None => err.summary().to_string(),
    };
    let causes = match err {
        OktaError::ApiValidation => {
            json!([{ "errorSummary": "limit: The limit must be a number between 1 and 200." }])
        }
        _ => json!([]),
    };
    json!({
        "errorCode": err.code(),
        "errorSummary": summary,
        "errorLink": err.code(),
        "errorId": error_id,
        "errorCauses": causes,
    })
}

/// The well-known org document. `organization` is the canonical Okta-owned URL; `alternate` the
/// custom domain, if any.
pub fn well_known(org: &Org, organization: &str, alternate: Option<&str>) -> Value {
    let mut links = json!({ "organization": { "href": organization } });
    if let Some(alt) = alternate {
        links["alternate"] = json!({ "href": alt });
    }
    json!({
        "id": org.id,
        "cell": org.cell,
        "pipeline": org.pipeline,
        "settings": org.settings,
        "_links": links,
    })
}

fn base_url(host: &str) -> String {
    format!("https://{host}")
}

pub fn user(host: &str, u: &User) -> Value {
    let base = base_url(host);
    let activated = if u.status == "PROVISIONED" {
        Value::Null
    } else {
        Value::String(u.created.clone())
    };
    json!({
        "id": u.id,
        "status": u.status,
        "created": u.created,
        "activated": activated,
        "statusChanged": u.created,
        "lastLogin": u.last_login,
        "lastUpdated": u.last_login.clone().unwrap_or_else(|| u.created.clone()),
        "passwordChanged": u.created,
        "type": { "id": format!("oty{}", &hash62(&format!("type{host}"), 17)) },
        "profile": {
            "firstName": u.first_name,
            "lastName": u.last_name,
            "mobilePhone": null,
            "secondEmail": null,
            "login": u.login,
            "email": u.email,
        },
        "credentials": {
            "password": {},
            "provider": { "type": "OKTA", "name": "OKTA" },
        },
        "_links": {
            "self": { "href": format!("{base}/api/v1/users/{}", u.id) },
        },
    })
}

pub fn roles(host: &str, u: &User) -> Value {
    let base = base_url(host);
    Value::Array(
        u.roles
            .iter()
            .map(|r| {
                json!({
                    "id": format!("ra1{}", hash62(&format!("{}{r}", u.id), 17)),
                    "label": role_label(r).unwrap_or("Custom"),
                    "type": r,
                    "status": "ACTIVE",
                    "created": u.created,
                    "lastUpdated": u.created,
                    "assignmentType": "USER",
                    "_links": {
                        "assignee": { "href": format!("{base}/api/v1/users/{}", u.id) },
                    },
                })
            })
            .collect(),
    )
}

/// An app's role assignments: the shape of a user's, assigned to the client.
pub fn client_roles(host: &str, a: &App) -> Value {
    let base = base_url(host);
    Value::Array(
        a.roles
            .iter()
            .map(|r| {
                json!({
                    "id": format!("ra1{}", hash62(&format!("{}{r}", a.client_id), 17)),
                    "label": role_label(r).unwrap_or("Custom"),
                    "type": r,
                    "status": "ACTIVE",
                    "created": a.created,
                    "lastUpdated": a.created,
                    "assignmentType": "CLIENT",
                    "_links": {
                        "assignee": { "href": format!("{base}/oauth2/v1/clients/{}", a.client_id) },
                    },
                })
            })
            .collect(),
    )
}

/// An app integration (`GET /api/v1/apps/{id}`), minimal: id, name, label, status, sign-on
/// mode and the OAuth client settings. Never its secret or keys.
pub fn app(host: &str, a: &App) -> Value {
    let base = base_url(host);
    json!({
        "id": a.client_id,
        "name": "oidc_client",
        "label": a.label,
        "status": "ACTIVE",
        "created": a.created,
        "lastUpdated": a.created,
        "signOnMode": "OPENID_CONNECT",
        "credentials": {
            "oauthClient": {
                "client_id": a.client_id,
                "autoKeyRotation": true,
                "token_endpoint_auth_method": oauth_client_settings(a)["token_endpoint_auth_method"],
            },
        },
        "settings": { "oauthClient": oauth_client_settings(a) },
        "_links": {
            "self": { "href": format!("{base}/api/v1/apps/{}", a.client_id) },
        },
    })
}

pub fn group(host: &str, g: &Group) -> Value {
    let base = base_url(host);
    json!({
        "id": g.id,
        "created": g.created,
        "lastUpdated": g.created,
        "lastMembershipUpdated": g.created,
        "objectClass": ["okta:user_group"],
        "type": g.kind,
        "profile": { "name": g.name, "description": g.description },
        "_links": {
            "logo": [{ "name": "medium", "href": "https://ok12static.oktacdn.com/assets/img/logos/groups/okta-medium.png", "type": "image/png" }],
            "users": { "href": format!("{base}/api/v1/groups/{}/users", g.id) },
            "apps": { "href": format!("{base}/api/v1/groups/{}/apps", g.id) },
        },
    })
}

fn actor(u: Option<&User>, id: &str) -> Value {
    match u {
        Some(u) => json!({
            "id": u.id,
            "type": "User",
            "alternateId": u.login,
            "displayName": format!("{} {}", u.first_name, u.last_name),
            "detailEntry": null,
        }),
        None => {
            json!({ "id": id, "type": "User", "alternateId": "unknown", "displayName": "Unknown", "detailEntry": null })
        }
    }
}

/// One System Log event; `published` is `minutes_ago` before `now_ms`.
pub fn log_event(org: &Org, index: usize, e: &LogEvent, now_ms: u64) -> Value {
    let find = |id: &str| org.users.iter().find(|u| u.id == id);
    let published = now_ms.saturating_sub(e.minutes_ago * 60_000);
    let seed = format!("{}{index}{}", org.host, e.event_type);
    let target = match &e.target {
        Some(t) => Value::Array(vec![actor(find(t), t)]),
        None => Value::Null,
    };
    json!({
        "uuid": uuid(&seed),
        "published": crate::time::iso8601(published),
        "eventType": e.event_type,
        "version": "0",
        "severity": e.severity,
        "legacyEventType": null,
        "displayMessage": e.display_message,
        "actor": actor(find(&e.actor), &e.actor),
        "client": {
            "userAgent": {
                "rawUserAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
                "os": "Mac OS X",
                "browser": "CHROME",
            },
            "zone": "null",
            "device": "Computer",
            "id": null,
            "ipAddress": e.client_ip,
            "geographicalContext": {
                "city": "San Francisco",
                "state": "California",
                "country": "United States",
                "postalCode": "94107",
                "geolocation": { "lat": 37.7697, "lon": -122.3933 },
            },
        },
        "device": null,
        "authenticationContext": {
            "authenticationProvider": null,
            "credentialProvider": null,
            "credentialType": null,
            "issuer": null,
            "interface": null,
            "authenticationStep": 0,
            "externalSessionId": format!("102{}", hash62(&format!("s{seed}"), 22)),
        },
        "outcome": { "result": e.outcome, "reason": e.reason },
        "securityContext": { "asNumber": null, "asOrg": null, "isp": null, "domain": null, "isProxy": null },
        "debugContext": { "debugData": { "requestId": format!("Xsim{}", hash62(&format!("r{seed}"), 16)) } },
        "transaction": { "type": "WEB", "id": format!("Xsim{}", hash62(&format!("t{seed}"), 16)), "detail": {} },
        "request": { "ipChain": [{ "ip": e.client_ip, "version": "V4", "source": null }] },
        "target": target,
    })
}

/// 64-bit FNV-1a then splitmix: stable pseudo-random bits from a string.
pub fn hash64(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    mix64(h)
}

pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// `len` base-62 characters derived from `seed`.
pub fn hash62(seed: &str, len: usize) -> String {
    let mut out = String::with_capacity(len);
    let mut h = hash64(seed);
    let mut round = 0u64;
    while out.len() < len {
        if h == 0 {
            round += 1;
            h = mix64(hash64(seed) ^ round);
        }
        out.push(B62[(h % 62) as usize] as char);
        h /= 62;
    }
    out
}

fn uuid(seed: &str) -> String {
    let a = hash64(seed);
    let b = mix64(a ^ 0x5eed);
    format!(
        "{:08x}-{:04x}-1{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        ((b >> 48) & 0x3fff) | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

/// The `settings.oauthClient` part of an app's JSON.
pub(crate) fn oauth_client_settings(app: &App) -> serde_json::Value {
    let auth = match app.auth {
        AppAuth::PrivateKeyJwt => "private_key_jwt",
        AppAuth::ClientSecret => "client_secret_basic",
    };
    let grants = match app.kind {
        AppKind::Web => json!(["authorization_code"]),
        _ => json!(["client_credentials"]),
    };
    json!({
        "client_uri": null,
        "logo_uri": null,
        "redirect_uris": [],
        "response_types": if app.kind == AppKind::Web { json!(["code"]) } else { json!(["token"]) },
        "grant_types": grants,
        "application_type": if app.kind == AppKind::Web { "web" } else { "service" },
        "token_endpoint_auth_method": auth,
        "dpop_bound_access_tokens": app.dpop_required,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_and_ids_have_okta_shapes() {
        let u = uuid("x");
        assert_eq!(u.len(), 36);
        assert_eq!(u.matches('-').count(), 4);
        assert_eq!(hash62("a", 17).len(), 17);
        assert_ne!(hash62("a", 17), hash62("b", 17));
    }

    #[test]
    fn error_body_has_okta_keys() {
        let v = error_body(OktaError::InvalidToken, None, "oae123");
        assert_eq!(v["errorCode"], "E0000011");
        assert_eq!(v["errorSummary"], "Invalid token provided");
        assert_eq!(v["errorLink"], "E0000011");
        assert_eq!(v["errorId"], "oae123");
        assert_eq!(v["errorCauses"], json!([]));
    }
}
