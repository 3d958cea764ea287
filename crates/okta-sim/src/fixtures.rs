//! The demo orgs, users, tokens, service apps and fault hosts, loaded from `fixtures.json`
//! (embedded at build time). The same file is read by the end-to-end tests and documented in the
//! README, so it is the only place a demo value is written: nothing here may add an org, user,
//! token or app of its own. The demo key pairs the apps register are the PEM files beside it
//! (`fixtures/`), public TEST FIXTURES, never for production.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

/// The fixture file, verbatim.
pub const FIXTURES_JSON: &str = include_str!("../fixtures.json");

/// TEST FIXTURE, public, never for production: the demo platform's RSA 2048 private key (PKCS#8
/// PEM). Apps with key `platform` register its public JWK; a client holding it can mint tokens
/// for them. `cargo xtask run` hands the same file to the proxy (`--service-app-key`).
pub const DEMO_PLATFORM_KEY_PEM: &str = include_str!("../fixtures/demo-platform-key.pem");

/// TEST FIXTURE: a second, unrelated EC P-256 key pair (PKCS#8 PEM), registered by the app with
/// key `other` (so the platform key's assertions fail there).
pub const OTHER_KEY_PEM: &str = include_str!("../fixtures/other-key.pem");

/// Where [`DEMO_PLATFORM_KEY_PEM`] lives, relative to the workspace root.
pub const DEMO_PLATFORM_KEY_PATH: &str = "crates/okta-sim/fixtures/demo-platform-key.pem";

/// The absolute path of the demo platform key on the machine that built this crate (for other
/// crates' tests that need a file, such as the proxy's `--service-app-key`).
pub fn demo_platform_key_file() -> std::path::PathBuf {
    std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/demo-platform-key.pem"
    ))
}

/// The read scopes of the Okta Management API an app can be granted here.
pub const READ_SCOPES: [&str; 6] = [
    "okta.users.read",
    "okta.groups.read",
    "okta.logs.read",
    "okta.roles.read",
    "okta.apps.read",
    "okta.apiTokens.read",
];

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Fixtures {
    /// Free text for humans.
    #[serde(default)]
    pub about: String,
    pub orgs: Vec<Org>,
    pub fault_hosts: Vec<FaultHost>,
    pub rate_limited: RateLimited,
    pub fault_timing: FaultTiming,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Org {
    /// The Okta-owned host, lowercase (`acme.okta.com`).
    pub host: String,
    pub name: String,
    /// `00o…`, 20 characters.
    pub id: String,
    pub cell: String,
    /// `idx` (Identity Engine) or `v1` (Classic).
    pub pipeline: String,
    /// Custom URL domains of the org: same org, same tokens; named as `alternate` in the
    /// well-known document.
    #[serde(default)]
    pub custom_domains: Vec<String>,
    /// Delay before every `/api/v1/*` answer (the slow org).
    #[serde(default)]
    pub api_delay_ms: u64,
    /// Answer 500 with an HTML page on every path (the broken org).
    #[serde(default)]
    pub server_error: bool,
    /// The well-known document's `settings`, verbatim.
    pub settings: Map<String, Value>,
    #[serde(default)]
    pub users: Vec<User>,
    #[serde(default)]
    pub groups: Vec<Group>,
    #[serde(default)]
    pub logs: Vec<LogEvent>,
    #[serde(default)]
    pub tokens: Vec<Token>,
    /// OAuth 2.0 clients of the org (API Services apps, web apps, OIN API service integrations).
    #[serde(default)]
    pub apps: Vec<App>,
}

/// What kind of app integration a client is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppKind {
    /// An API Services app: client credentials with `private_key_jwt`.
    Service,
    /// A web app: authorization code only, never client credentials.
    Web,
    /// An OIN API service integration: client credentials with `client_secret_basic`.
    Oin,
}

/// How the client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppAuth {
    PrivateKeyJwt,
    ClientSecret,
}

/// A public key an app can register: the public half of a PEM file in `fixtures/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyName {
    /// [`DEMO_PLATFORM_KEY_PEM`] (RS256).
    Platform,
    /// [`OTHER_KEY_PEM`] (ES256).
    Other,
}

impl KeyName {
    /// The private key's PEM (a public TEST FIXTURE).
    pub fn pem(self) -> &'static str {
        match self {
            KeyName::Platform => DEMO_PLATFORM_KEY_PEM,
            KeyName::Other => OTHER_KEY_PEM,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct App {
    /// `0oa…`, 20 characters.
    pub client_id: String,
    pub label: String,
    pub kind: AppKind,
    /// "Require DPoP header in token requests" (`dpop_bound_access_tokens`).
    #[serde(default)]
    pub dpop_required: bool,
    pub auth: AppAuth,
    /// Public keys registered for `private_key_jwt` (none: `jwks_not_configured`).
    #[serde(default)]
    pub keys: Vec<KeyName>,
    /// The secret of a `client_secret` app (a demo value, 64+ characters).
    #[serde(default)]
    pub client_secret: Option<String>,
    /// Okta API scopes granted to the app (of [`READ_SCOPES`]).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Admin role types assigned to the app.
    #[serde(default)]
    pub roles: Vec<String>,
    pub created: String,
    /// What the page should show when linked with this app (documentation).
    pub shows: String,
}

impl App {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct User {
    /// `00u…`, 20 characters.
    pub id: String,
    /// `ACTIVE`, `PROVISIONED`, `SUSPENDED`, `DEPROVISIONED`, …
    pub status: String,
    pub first_name: String,
    pub last_name: String,
    pub login: String,
    pub email: String,
    pub created: String,
    pub last_login: Option<String>,
    /// Admin role types assigned to the user (`SUPER_ADMIN`, `READ_ONLY_ADMIN`, …).
    #[serde(default)]
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Group {
    /// `00g…`, 20 characters.
    pub id: String,
    /// `OKTA_GROUP`, `APP_GROUP` or `BUILT_IN`.
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub description: String,
    pub created: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct LogEvent {
    pub event_type: String,
    pub display_message: String,
    /// User id of the actor.
    pub actor: String,
    /// User id of the target, if any.
    pub target: Option<String>,
    /// `SUCCESS`, `FAILURE`, …
    pub outcome: String,
    pub reason: Option<String>,
    pub severity: String,
    /// `published` is this many minutes before the request.
    pub minutes_ago: u64,
    pub client_ip: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Behavior {
    /// Answers according to `access`.
    Ok,
    /// 401 E0000011 on every API call.
    Revoked,
    /// 429 E0000047 until a reset a few seconds ahead, then like `Ok`; re-arms after idling.
    RateLimited,
    /// 403 E0000006 on every API call (the token's network zone excludes the caller).
    NetworkZone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// `GET /api/v1/users`
    Users,
    /// `GET /api/v1/groups`
    Groups,
    /// `GET /api/v1/logs`
    Logs,
    /// `GET /api/v1/users/{id}/roles`
    Roles,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Token {
    /// `00` + 40 of `[A-Za-z0-9_-]`.
    pub token: String,
    /// Stable name used by tests (`super_admin`, `revoked`, …).
    pub kind: String,
    /// Short human label.
    pub label: String,
    /// The admin user the token belongs to (`users/me`).
    pub user: Option<String>,
    pub behavior: Behavior,
    pub access: Vec<Access>,
    /// What the page should show with this token (documentation).
    pub shows: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    Reset,
    Stall,
    Drip,
    Truncated,
    NotJson,
    ContentType,
    Huge,
    Redirect,
    RatelimitHeaders,
    WellknownForeign,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct FaultHost {
    pub host: String,
    pub fault: Fault,
    /// The org whose data (as its first super admin) the fault host serves.
    pub org: String,
    /// Override of the well-known `organization` href (default: `https://{host}`).
    #[serde(default)]
    pub organization: Option<String>,
    pub description: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct RateLimited {
    pub reset_after_ms: u64,
    pub rearm_after_idle_ms: u64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct FaultTiming {
    pub stall_ms: u64,
    pub drip_interval_ms: u64,
    pub huge_bytes: u64,
}

/// Does `t` look like an Okta API token: `00` then 40 of `[A-Za-z0-9_-]`?
pub fn is_token_shaped(t: &str) -> bool {
    t.len() == 42
        && t.starts_with("00")
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The admin role types the simulator knows, with Okta's labels.
pub fn role_label(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "SUPER_ADMIN" => "Super Administrator",
        "ORG_ADMIN" => "Organizational Administrator",
        "APP_ADMIN" => "Application Administrator",
        "USER_ADMIN" => "Group Administrator",
        "GROUP_MEMBERSHIP_ADMIN" => "Group Membership Administrator",
        "HELP_DESK_ADMIN" => "Help Desk Administrator",
        "READ_ONLY_ADMIN" => "Read Only Administrator",
        "REPORT_ADMIN" => "Report Administrator",
        "MOBILE_ADMIN" => "Mobile Administrator",
        "API_ACCESS_MANAGEMENT_ADMIN" => "API Access Management Administrator",
        _ => return None,
    })
}

fn okta_id_ok(id: &str, prefix: &str) -> bool {
    id.len() == 20 && id.starts_with(prefix) && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

impl Fixtures {
    /// Parse and check the embedded fixture file.
    pub fn embedded() -> Fixtures {
        let f: Fixtures = serde_json::from_str(FIXTURES_JSON).expect("fixtures.json parses");
        if let Err(e) = f.validate() {
            panic!("fixtures.json is inconsistent: {e}");
        }
        f
    }

    /// Check the invariants the simulator relies on.
    pub fn validate(&self) -> Result<(), String> {
        let mut hosts = HashSet::new();
        let mut tokens = HashSet::new();
        let mut clients = HashSet::new();
        let mut add_host = |h: &str| -> Result<(), String> {
            if h != h.to_ascii_lowercase() || h.is_empty() || h.contains(':') {
                return Err(format!("host {h:?} must be a lowercase name without port"));
            }
            if !hosts.insert(h.to_string()) {
                return Err(format!("host {h} appears twice"));
            }
            Ok(())
        };
        for org in &self.orgs {
            add_host(&org.host)?;
            for d in &org.custom_domains {
                add_host(d)?;
            }
            if !okta_id_ok(&org.id, "00o") {
                return Err(format!("{}: org id {:?}", org.host, org.id));
            }
            if org.pipeline != "idx" && org.pipeline != "v1" {
                return Err(format!("{}: pipeline {:?}", org.host, org.pipeline));
            }
            let users: HashMap<&str, &User> =
                org.users.iter().map(|u| (u.id.as_str(), u)).collect();
            for u in &org.users {
                if !okta_id_ok(&u.id, "00u") {
                    return Err(format!("{}: user id {:?}", org.host, u.id));
                }
                for r in &u.roles {
                    if role_label(r).is_none() {
                        return Err(format!("{}: unknown role {r}", org.host));
                    }
                }
            }
            for g in &org.groups {
                if !okta_id_ok(&g.id, "00g") {
                    return Err(format!("{}: group id {:?}", org.host, g.id));
                }
            }
            for l in &org.logs {
                if !users.contains_key(l.actor.as_str())
                    || l.target.as_deref().is_some_and(|t| !users.contains_key(t))
                {
                    return Err(format!("{}: log event names an unknown user", org.host));
                }
            }
            for t in &org.tokens {
                if !is_token_shaped(&t.token) {
                    return Err(format!(
                        "{}: token of kind {} is not token-shaped",
                        org.host, t.kind
                    ));
                }
                if !tokens.insert(t.token.clone()) {
                    return Err(format!(
                        "{}: token of kind {} appears twice",
                        org.host, t.kind
                    ));
                }
                match &t.user {
                    Some(id) => {
                        let u = users.get(id.as_str()).ok_or_else(|| {
                            format!("{}: token {} names unknown user {id}", org.host, t.kind)
                        })?;
                        // A token carries its creator's privileges: listing roles is for super
                        // admins only.
                        let super_admin = u.roles.iter().any(|r| r == "SUPER_ADMIN");
                        let answers = matches!(t.behavior, Behavior::Ok | Behavior::RateLimited);
                        if answers && t.access.contains(&Access::Roles) != super_admin {
                            return Err(format!(
                                "{}: token {}: roles access must match SUPER_ADMIN",
                                org.host, t.kind
                            ));
                        }
                    }
                    None if !org.server_error => {
                        return Err(format!("{}: token {} has no user", org.host, t.kind));
                    }
                    None => {}
                }
            }
        }
        for org in &self.orgs {
            for a in &org.apps {
                validate_app(a)?;
                if !clients.insert(a.client_id.as_str()) {
                    return Err(format!("client id {} appears twice", a.client_id));
                }
            }
        }
        for f in &self.fault_hosts {
            add_host(&f.host)?;
            let org = self
                .orgs
                .iter()
                .find(|o| o.host == f.org)
                .ok_or_else(|| format!("fault host {} names unknown org {}", f.host, f.org))?;
            if !org
                .tokens
                .iter()
                .any(|t| t.behavior == Behavior::Ok && t.access.contains(&Access::Roles))
            {
                return Err(format!(
                    "fault host {}: org {} has no super admin",
                    f.host, f.org
                ));
            }
        }
        Ok(())
    }
}

/// One app's invariants: Okta's id shape, known scopes and roles, and credentials that fit its
/// kind (a service app has keys, never a secret; an OIN integration a long demo secret, no keys).
fn validate_app(a: &App) -> Result<(), String> {
    let id = &a.client_id;
    if !okta_id_ok(id, "0oa") {
        return Err(format!(
            "app {id:?}: client id must be 0oa + 17 letters or digits"
        ));
    }
    if a.label.trim().is_empty() || a.shows.trim().is_empty() {
        return Err(format!("app {id}: label and shows must be set"));
    }
    let mut seen = HashSet::new();
    for s in &a.scopes {
        if !READ_SCOPES.contains(&s.as_str()) || !seen.insert(s) {
            return Err(format!("app {id}: scope {s:?} unknown or repeated"));
        }
    }
    for r in &a.roles {
        if role_label(r).is_none() {
            return Err(format!("app {id}: unknown role {r}"));
        }
    }
    match (a.kind, a.auth) {
        (AppKind::Service, AppAuth::PrivateKeyJwt)
        | (AppKind::Web, _)
        | (AppKind::Oin, AppAuth::ClientSecret) => {}
        _ => {
            return Err(format!(
                "app {id}: {:?} apps cannot use {:?}",
                a.kind, a.auth
            ))
        }
    }
    match a.auth {
        AppAuth::PrivateKeyJwt if a.client_secret.is_some() => Err(format!(
            "app {id}: a private_key_jwt app has no client secret"
        )),
        AppAuth::ClientSecret if !a.keys.is_empty() => {
            Err(format!("app {id}: a client_secret app registers no keys"))
        }
        AppAuth::ClientSecret => match &a.client_secret {
            Some(s) if s.len() >= 64 && s.contains("demo") && s.is_ascii() => Ok(()),
            _ => Err(format!(
                "app {id}: client_secret must be 64+ ASCII characters and say demo"
            )),
        },
        AppAuth::PrivateKeyJwt => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures_parse_and_are_consistent() {
        let f = Fixtures::embedded();
        assert!(f.orgs.len() >= 5);
        assert!(f.fault_hosts.len() >= 10);
    }

    #[test]
    fn every_fixture_token_is_42_chars_of_the_okta_alphabet() {
        let f = Fixtures::embedded();
        let mut n = 0;
        for org in &f.orgs {
            for t in &org.tokens {
                assert_eq!(t.token.len(), 42, "{} {}", org.host, t.kind);
                assert!(t.token.starts_with("00"), "{} {}", org.host, t.kind);
                assert!(
                    t.token[2..]
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
                    "{} {}",
                    org.host,
                    t.kind
                );
                assert!(
                    t.token.contains("demo"),
                    "obviously fake: {} {}",
                    org.host,
                    t.kind
                );
                n += 1;
            }
        }
        assert!(n >= 9);
        // Also every token-looking string anywhere in the raw file.
        let raw: Value = serde_json::from_str(FIXTURES_JSON).unwrap();
        fn walk(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    for (k, v) in m {
                        if k == "token" {
                            out.push(v.as_str().unwrap().to_string());
                        }
                        walk(v, out);
                    }
                }
                Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
                _ => {}
            }
        }
        let mut all = vec![];
        walk(&raw, &mut all);
        assert_eq!(all.len(), n);
        assert!(all.iter().all(|t| is_token_shaped(t)));
    }

    #[test]
    fn required_fixtures_are_present() {
        let f = Fixtures::embedded();
        let org = |h: &str| f.orgs.iter().find(|o| o.host == h).unwrap();
        let acme = org("acme.okta.com");
        assert_eq!(acme.pipeline, "idx");
        assert_eq!(acme.custom_domains, ["login.acme-corp.com"]);
        for kind in [
            "super_admin",
            "read_only_admin",
            "group_admin",
            "revoked",
            "rate_limited",
            "network_zone",
        ] {
            assert!(acme.tokens.iter().any(|t| t.kind == kind), "acme {kind}");
        }
        assert_eq!(org("globex.oktapreview.com").pipeline, "v1");
        assert_eq!(org("initech.okta-emea.com").pipeline, "idx");
        assert_eq!(org("slow.okta.com").api_delay_ms, 30_000);
        assert!(org("broken.okta.com").server_error);
        for h in [
            "fault-reset.okta.com",
            "fault-stall.okta.com",
            "fault-drip.okta.com",
            "fault-truncated.okta.com",
            "fault-notjson.okta.com",
            "fault-contenttype.okta.com",
            "fault-huge.okta.com",
            "fault-redirect.okta.com",
            "fault-ratelimit-headers.okta.com",
            "login.evil-corp.net",
        ] {
            assert!(f.fault_hosts.iter().any(|x| x.host == h), "{h}");
        }
    }

    #[test]
    fn readme_names_every_token_app_and_fault_host() {
        let readme = include_str!("../README.md");
        let f = Fixtures::embedded();
        for org in &f.orgs {
            assert!(readme.contains(&org.host), "README lacks {}", org.host);
            for t in &org.tokens {
                assert!(
                    readme.contains(&t.token),
                    "README lacks {} {}",
                    org.host,
                    t.kind
                );
            }
            for d in &org.custom_domains {
                assert!(readme.contains(d.as_str()), "README lacks {d}");
            }
        }
        for h in &f.fault_hosts {
            assert!(readme.contains(&h.host), "README lacks {}", h.host);
        }
        for a in f.orgs.iter().flat_map(|o| o.apps.iter()) {
            assert!(
                readme.contains(&a.client_id),
                "README lacks {}",
                a.client_id
            );
            if let Some(secret) = &a.client_secret {
                assert!(
                    readme.contains(secret.as_str()),
                    "README lacks {}'s secret",
                    a.client_id
                );
            }
        }
    }

    #[test]
    fn apps_are_validated() {
        let good = Fixtures::embedded();
        let acme = good
            .orgs
            .iter()
            .position(|o| o.host == "acme.okta.com")
            .unwrap();
        assert_eq!(good.orgs[acme].apps.len(), 10);
        let broken = |f: &dyn Fn(&mut App)| {
            let mut x = good.clone();
            f(&mut x.orgs[acme].apps[0]);
            x.validate().unwrap_err()
        };
        broken(&|a| a.client_id = "0oa2nodpopreadonly02".into());
        broken(&|a| a.client_id = "00u1dpopreadonly0001".into());
        broken(&|a| a.client_id = "0oa1short".into());
        broken(&|a| a.scopes.push("okta.users.manage".into()));
        broken(&|a| a.scopes.push("okta.users.read".into()));
        broken(&|a| a.roles.push("KING".into()));
        broken(&|a| a.client_secret = Some("x".repeat(64)));
        broken(&|a| a.auth = AppAuth::ClientSecret);
        broken(&|a| a.kind = AppKind::Oin);
        broken(&|a| a.label = " ".into());
        // An OIN integration: a long demo secret, no keys.
        let oin = good.orgs[acme]
            .apps
            .iter()
            .position(|a| a.kind == AppKind::Oin)
            .unwrap();
        let broken_oin = |f: &dyn Fn(&mut App)| {
            let mut x = good.clone();
            f(&mut x.orgs[acme].apps[oin]);
            x.validate().unwrap_err()
        };
        broken_oin(&|a| a.client_secret = Some("demo-short".into()));
        broken_oin(&|a| a.client_secret = Some("y".repeat(80)));
        broken_oin(&|a| a.client_secret = None);
        broken_oin(&|a| a.keys = vec![KeyName::Platform]);
        // The same client id in two orgs.
        let mut x = good.clone();
        let copy = x.orgs[acme].apps[0].clone();
        x.orgs[0].apps.clear();
        x.orgs[1].apps.push(copy.clone());
        x.orgs[2].apps.push(copy);
        assert!(x.validate().is_err());
    }

    #[test]
    fn demo_keys_are_marked_test_fixtures() {
        assert!(DEMO_PLATFORM_KEY_PEM.starts_with("-----BEGIN PRIVATE KEY-----"));
        assert!(OTHER_KEY_PEM.starts_with("-----BEGIN PRIVATE KEY-----"));
        let readme = include_str!("../fixtures/README.md");
        assert!(readme.contains("TEST FIXTURE") && readme.contains("never for production"));
        assert!(demo_platform_key_file().ends_with(DEMO_PLATFORM_KEY_PATH));
        assert_eq!(
            std::fs::read_to_string(demo_platform_key_file()).unwrap(),
            DEMO_PLATFORM_KEY_PEM
        );
    }

    #[test]
    fn token_shape() {
        assert!(is_token_shaped(
            "00demo-acme-super-admin-xxxxxxxxxxxxxxxxxx"
        ));
        assert!(!is_token_shaped(
            "00demo-acme-super-admin-xxxxxxxxxxxxxxxxxxx"
        ));
        assert!(!is_token_shaped(
            "01demo-acme-super-admin-xxxxxxxxxxxxxxxxxx"
        ));
        assert!(!is_token_shaped(
            "00demo-acme-super-admin-xxxxxxxxxxxxxxxxx!"
        ));
    }
}
