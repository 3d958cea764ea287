//! The check of an OAuth 2.0 app (a service app holding the platform's key, or an OIN API
//! service integration with a client secret): reading Okta's token endpoint answers and the
//! `WWW-Authenticate` challenges of the Management API, and the diagnosis of what the check
//! saw, into the same [`Report`] as the API token check.
//!
//! Pure: no I/O, no clock. The platform's check server (the reference proxy's `/check`,
//! `okta-link-check`) makes the requests and hands the answers here.
//!
//! Nothing Okta writes in an `error_description` is kept: it is read (bounded) only to tell one
//! `invalid_client` from another. Error codes are kept as bounded ASCII.

use core::fmt;

use serde::{Deserialize, Deserializer};
use zeroize::Zeroizing;

use crate::access::{DataKind, ProbeKind, Stage};
use crate::credential::CredentialKind;
use crate::decode::{self, Document, JsonParser};
use crate::diagnosis::{
    access_of, is_empty_listing, judge_common, judge_well_known, probe_of, Access, AdminRoles, App,
    CheckItem, ClientRejection, Failure, Report, Verified, RANK_PROXY, RANK_TARGET, RANK_TIMEOUT,
};
use crate::oauth::{scope_for, scopes_needed, APPS_READ, CHECK_SCOPES};
use crate::okta::{codes, Listing, RoleList, RoleType, WellKnown};
use crate::outcome::{classify, OktaBody, Outcome, RawResponse, UnreadableKind};

/// Longest OAuth `error` code kept (ASCII letters, digits, `_`, `-`, `.`).
pub const MAX_ERROR_CODE: usize = 64;
/// Longest part of an `error_description` read (never kept).
pub const MAX_DESCRIPTION_READ: usize = 512;
/// Longest access token accepted from Okta, in bytes.
pub const MAX_ACCESS_TOKEN: usize = 8 * 1024;
/// Longest `WWW-Authenticate` value read.
pub const MAX_CHALLENGE_BYTES: usize = 2048;
/// Most parameters read from one challenge.
pub const MAX_CHALLENGE_PARAMS: usize = 16;
/// Most scopes kept from a token answer or a challenge.
pub const MAX_SCOPES: usize = 16;
/// Longest scope kept.
pub const MAX_SCOPE_CHARS: usize = 64;

/// Form fields and values of the token request.
pub const GRANT_TYPE: &str = "client_credentials";
pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// The org authorization server's token endpoint path.
pub const TOKEN_PATH: &str = "/oauth2/v1/token";

/// `https://{host}/oauth2/v1/token`: the client assertion's `aud` and the DPoP proof's `htu`.
pub fn token_url(host: &str) -> String {
    format!("https://{host}{TOKEN_PATH}")
}

/// A bounded ASCII error code, or `None` when `s` is not one.
pub fn error_code(s: &str) -> Option<String> {
    let ok = !s.is_empty()
        && s.len() <= MAX_ERROR_CODE
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    ok.then(|| s.to_string())
}

/// How Okta bound an access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenType {
    /// Sent as `Authorization: DPoP <token>` with a fresh proof carrying `ath`.
    DPoP,
    /// Sent as `Authorization: Bearer <token>`.
    Bearer,
}

impl TokenType {
    /// `DPoP` or `Bearer`, as Okta writes it and the `Authorization` scheme.
    pub fn as_str(&self) -> &'static str {
        match self {
            TokenType::DPoP => "DPoP",
            TokenType::Bearer => "Bearer",
        }
    }

    pub fn parse(s: &str) -> Option<TokenType> {
        if s.eq_ignore_ascii_case("dpop") {
            Some(TokenType::DPoP)
        } else if s.eq_ignore_ascii_case("bearer") {
            Some(TokenType::Bearer)
        } else {
            None
        }
    }
}

/// What a granted token is, without the token: the diagnosis's evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The answer's `scope`, in Okta's order (bounded); every scope asked for when it has none.
    pub scopes: Vec<String>,
    pub token_type: TokenType,
}

impl Grant {
    pub fn has(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// An access token Okta granted. `Debug` never shows it; it is overwritten when dropped.
pub struct GrantedToken {
    pub access_token: Zeroizing<String>,
    pub grant: Grant,
    pub expires_in: Option<u64>,
}

impl fmt::Debug for GrantedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GrantedToken")
            .field("access_token", &"..")
            .field("grant", &self.grant)
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// Okta's verdict on one token request.
#[derive(Debug)]
pub enum TokenVerdict {
    Granted(GrantedToken),
    /// `400 use_dpop_nonce` on a request without a nonce: send it again, once, with the
    /// `DPoP-Nonce` header's value (and a new client assertion).
    UseDpopNonce,
    Failed(Failure),
}

/// The token answer's body, read tolerantly.
#[derive(Default, Deserialize)]
struct TokenDoc {
    #[serde(default, deserialize_with = "secret")]
    access_token: Zeroizing<String>,
    #[serde(default, deserialize_with = "decode::text")]
    token_type: Option<String>,
    #[serde(default, deserialize_with = "long_text")]
    scope: Option<String>,
    #[serde(default, deserialize_with = "number")]
    expires_in: Option<u64>,
}

impl Document for TokenDoc {}

fn secret<'de, D: Deserializer<'de>>(d: D) -> Result<Zeroizing<String>, D::Error> {
    Ok(Zeroizing::new(String::deserialize(d).unwrap_or_default()))
}

fn long_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(String::deserialize(d)
        .ok()
        .map(|s| decode::bounded(&s, 1024)))
}

fn number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(u64::deserialize(d).ok())
}

/// An OAuth 2.0 error body (`{"error": …, "error_description": …}`).
#[derive(Default, Deserialize)]
struct OAuthErrorDoc {
    #[serde(default, deserialize_with = "decode::text")]
    error: Option<String>,
    #[serde(default, deserialize_with = "description")]
    error_description: Option<String>,
}

impl Document for OAuthErrorDoc {}

fn description<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(String::deserialize(d)
        .ok()
        .map(|s| s.chars().take(MAX_DESCRIPTION_READ).collect()))
}

/// Scopes from a space-separated list: well-formed ones only, bounded, each once.
pub fn parse_scopes(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in s.split_ascii_whitespace() {
        let ok = part.len() <= MAX_SCOPE_CHARS
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b':'));
        if ok && !out.iter().any(|o| o == part) {
            out.push(part.to_string());
            if out.len() == MAX_SCOPES {
                break;
            }
        }
    }
    out
}

/// Why Okta refused the app (`invalid_client`), from its description (read, never kept).
pub fn client_rejection(description: &str) -> ClientRejection {
    let d: String = description
        .chars()
        .take(MAX_DESCRIPTION_READ)
        .collect::<String>()
        .to_ascii_lowercase();
    let has = |s: &str| d.contains(s);
    if has("private_key_jwt") || has("unsupported_auth_method") {
        ClientRejection::SecretNotAccepted
    } else if (has("client_secret") || has("client secret")) && has("assertion") {
        // A client assertion sent to an app that takes a client secret.
        ClientRejection::KeyNotAccepted
    } else if has("client secret") && has("invalid") {
        ClientRejection::WrongSecret
    } else if has("'client_id'") || has("client_id parameter") || has("unknown client") {
        ClientRejection::UnknownClient
    } else if has("jwks_not_configured")
        || (has("jwks") && has("not configured"))
        || has("no key")
        || has("no public key")
        || has("no keys")
    {
        ClientRejection::NoKeyRegistered
    } else if has("kid") && !has("no kid") && !has("kid header") || has("signature") {
        ClientRejection::KeyNotRegistered
    } else if has("client_assertion")
        || has("assertion")
        || has("expired")
        || has("already used")
        || has("already_used")
        || has("audience")
        || has("jti")
    {
        ClientRejection::AssertionRefused
    } else {
        ClientRejection::Other
    }
}

/// Okta's answer to a token request. `host` is the org host it went to; `required` names the
/// scopes a `consent_required` asks the customer to grant; `nonce_sent`: the request already
/// carried a DPoP nonce (a second `use_dpop_nonce` is then the platform's fault).
pub fn classify_token_answer<P: JsonParser>(
    raw: &RawResponse,
    parser: &P,
    host: &str,
    required: &[DataKind],
    nonce_sent: bool,
) -> TokenVerdict {
    let probe = ProbeKind::Me;
    let stage = Stage::Identify;
    let outcome = classify::<TokenDoc, P>(raw, parser);
    let request_id = outcome.request_id().map(str::to_string);
    match outcome {
        Outcome::Okta {
            status,
            body: OktaBody::Ok(mut doc),
            ..
        } if (200..300).contains(&status) => {
            let token = std::mem::take(&mut doc.access_token);
            let token_type = doc.token_type.as_deref().and_then(TokenType::parse);
            let usable = !token.is_empty()
                && token.len() <= MAX_ACCESS_TOKEN
                && token.bytes().all(|b| b.is_ascii_graphic());
            match token_type {
                Some(token_type) if usable => TokenVerdict::Granted(GrantedToken {
                    access_token: token,
                    grant: Grant {
                        // RFC 6749 §5.1: `scope` may be left out when it is every scope asked
                        // for, which is always `CHECK_SCOPES`; a probe's `insufficient_scope`
                        // still tells a scope that is missing after all.
                        scopes: match doc.scope.as_deref() {
                            Some(scope) => parse_scopes(scope),
                            None => CHECK_SCOPES.iter().map(|s| s.to_string()).collect(),
                        },
                        token_type,
                    },
                    expires_in: doc.expires_in,
                }),
                _ => TokenVerdict::Failed(Failure::UnexpectedResponse {
                    probe,
                    status,
                    kind: Some(UnreadableKind::UnexpectedShape),
                    request_id,
                }),
            }
        }
        o @ (Outcome::Proxy(_) | Outcome::Unreachable | Outcome::TimedOut) => {
            TokenVerdict::Failed(judge_common(&o.erase(), probe, host, stage).1)
        }
        o if o.is_rate_limited() || o.is_server_error() => {
            TokenVerdict::Failed(judge_common(&o.erase(), probe, host, stage).1)
        }
        o => {
            let status = o.status().unwrap_or(0);
            let err: Option<OAuthErrorDoc> = if (400..500).contains(&status) {
                decode::read::<OAuthErrorDoc, P>(raw.body, parser).ok()
            } else {
                None
            };
            let code = err
                .as_ref()
                .and_then(|e| e.error.as_deref())
                .and_then(error_code);
            let Some(code) = code else {
                if matches!(status, 404 | 410) {
                    // Not Okta's token endpoint: no org at this address.
                    return TokenVerdict::Failed(Failure::NoOrgAtAddress {
                        host: host.to_string(),
                    });
                }
                return TokenVerdict::Failed(judge_common(&o.erase(), probe, host, stage).1);
            };
            let desc = err
                .as_ref()
                .and_then(|e| e.error_description.as_deref())
                .unwrap_or("");
            TokenVerdict::Failed(match code.as_str() {
                "invalid_client" => Failure::ClientRejected {
                    reason: client_rejection(desc),
                    request_id,
                },
                "consent_required" => Failure::NoScopeGranted {
                    scopes: scopes_needed(required)
                        .into_iter()
                        .map(str::to_string)
                        .collect(),
                    request_id,
                },
                "unauthorized_client" => Failure::NotServiceApp { request_id },
                "use_dpop_nonce" if !nonce_sent => return TokenVerdict::UseDpopNonce,
                "invalid_dpop_proof" | "use_dpop_nonce" => Failure::PlatformOAuthFault {
                    error: code,
                    request_id,
                },
                _ => Failure::OAuthRefused {
                    error: code,
                    status,
                    request_id,
                },
            })
        }
    }
}

/// The scheme of a `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scheme {
    Bearer,
    DPoP,
    Other,
}

/// What a `WWW-Authenticate` challenge says (Okta puts resource errors there, often with no
/// body). Only the error code and the scopes are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub scheme: Scheme,
    /// `error`, bounded ASCII.
    pub error: Option<String>,
    /// `scope`: the scopes the call needed.
    pub scope: Vec<String>,
}

/// Read the first challenge of a `WWW-Authenticate` value: `Bearer realm="…",
/// error="insufficient_scope", scope="okta.groups.read"` or `DPoP algs="ES256",
/// error="invalid_dpop_proof"`. Bounded and hostile-safe: a value past
/// [`MAX_CHALLENGE_BYTES`], more than [`MAX_CHALLENGE_PARAMS`] parameters or broken quoting
/// ends the reading; `None` when there is no scheme.
pub fn parse_www_authenticate(value: &str) -> Option<Challenge> {
    let mut end = value.len().min(MAX_CHALLENGE_BYTES);
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    let v = value[..end].trim_start();
    let scheme_len = v
        .find(|c: char| c.is_ascii_whitespace() || c == ',')
        .unwrap_or(v.len());
    let scheme = &v[..scheme_len];
    if scheme.is_empty()
        || !scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return None;
    }
    let mut c = Challenge {
        scheme: if scheme.eq_ignore_ascii_case("bearer") {
            Scheme::Bearer
        } else if scheme.eq_ignore_ascii_case("dpop") {
            Scheme::DPoP
        } else {
            Scheme::Other
        },
        error: None,
        scope: Vec::new(),
    };
    let mut rest = v[scheme_len..].chars().peekable();
    for _ in 0..MAX_CHALLENGE_PARAMS {
        // Skip separators.
        while rest
            .peek()
            .is_some_and(|c| c.is_ascii_whitespace() || *c == ',')
        {
            rest.next();
        }
        let mut name = String::new();
        while let Some(&ch) = rest.peek() {
            if ch == '=' || ch.is_ascii_whitespace() || ch == ',' || name.len() > 64 {
                break;
            }
            name.push(ch);
            rest.next();
        }
        while rest.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            rest.next();
        }
        if name.is_empty() || rest.next() != Some('=') {
            // The end, or the next challenge's scheme: only the first is read.
            break;
        }
        while rest.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            rest.next();
        }
        let mut val = String::new();
        if rest.peek() == Some(&'"') {
            rest.next();
            let mut closed = false;
            while let Some(ch) = rest.next() {
                match ch {
                    '\\' => {
                        if let Some(n) = rest.next() {
                            val.push(n);
                        }
                    }
                    '"' => {
                        closed = true;
                        break;
                    }
                    _ => val.push(ch),
                }
            }
            if !closed {
                break;
            }
        } else {
            while let Some(&ch) = rest.peek() {
                if ch == ',' || ch.is_ascii_whitespace() {
                    break;
                }
                val.push(ch);
                rest.next();
            }
        }
        match name.to_ascii_lowercase().as_str() {
            "error" => c.error = error_code(&val),
            "scope" => c.scope = parse_scopes(&val),
            _ => {}
        }
    }
    Some(c)
}

/// The app's own record (`GET /api/v1/apps/{id}`): only its label is read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct AppRecord {
    #[serde(default, deserialize_with = "decode::text")]
    pub label: Option<String>,
}

impl Document for AppRecord {}

/// One probe's answer with the challenge Okta put in `WWW-Authenticate`, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe<T> {
    pub outcome: Outcome<T>,
    pub challenge: Option<Challenge>,
}

impl<T> Probe<T> {
    pub fn new(outcome: Outcome<T>, challenge: Option<Challenge>) -> Probe<T> {
        Probe { outcome, challenge }
    }
}

/// Everything an app check saw. `None`: no answer (or not asked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppEvidence {
    /// The host the customer entered (normalized).
    pub entered_host: String,
    pub required: Vec<DataKind>,
    /// `service_app` or `client_secret`.
    pub credential: CredentialKind,
    pub client_id: String,
    pub well_known: Option<Outcome<WellKnown>>,
    /// The token request's verdict (the token itself is not evidence).
    pub token: Option<Result<Grant, Failure>>,
    pub users: Option<Probe<Listing>>,
    pub groups: Option<Probe<Listing>>,
    pub logs: Option<Probe<Listing>>,
    /// `GET /oauth2/v1/clients/{id}/roles`: the app's roles, and whether roles can be read.
    pub roles: Option<Probe<RoleList>>,
    /// `GET /api/v1/apps/{id}`: the app's label.
    pub app: Option<Probe<AppRecord>>,
}

impl AppEvidence {
    pub fn new(
        entered_host: impl Into<String>,
        required: Vec<DataKind>,
        credential: CredentialKind,
        client_id: impl Into<String>,
    ) -> AppEvidence {
        AppEvidence {
            entered_host: entered_host.into(),
            required,
            credential,
            client_id: client_id.into(),
            well_known: None,
            token: None,
            users: None,
            groups: None,
            logs: None,
            roles: None,
            app: None,
        }
    }

    fn probe(&self, data: DataKind) -> Option<Probe<()>> {
        fn erase<T>(p: &Probe<T>) -> Probe<()> {
            Probe {
                outcome: p.outcome.erase(),
                challenge: p.challenge.clone(),
            }
        }
        match data {
            DataKind::Users => self.users.as_ref().map(erase),
            DataKind::Groups => self.groups.as_ref().map(erase),
            DataKind::Roles => self.roles.as_ref().map(erase),
            DataKind::Logs => self.logs.as_ref().map(erase),
        }
    }

    fn empty_listing(&self, data: DataKind) -> bool {
        let p = match data {
            DataKind::Users => self.users.as_ref(),
            DataKind::Groups => self.groups.as_ref(),
            _ => None,
        };
        is_empty_listing(data, p.map(|p| &p.outcome))
    }
}

/// Which of the app's probes the check should send once the token is granted: a probe whose
/// scope was not granted is already answered by the grant.
pub fn probes_to_send(grant: &Grant) -> Vec<ProbeKind> {
    let mut out: Vec<ProbeKind> = DataKind::ALL
        .iter()
        .filter(|d| grant.has(scope_for(**d)))
        .map(|d| probe_of(*d))
        .collect();
    out.sort();
    out
}

/// Whether the label of the app can be read (`okta.apps.read` granted).
pub fn reads_label(grant: &Grant) -> bool {
    grant.has(APPS_READ)
}

/// Why a data kind is not readable by the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lack {
    /// The scope is not granted (not in `scope`, or `insufficient_scope`).
    Scope,
    /// The scope is granted but no admin role reads it (403 E0000006, or an empty list).
    Role,
}

/// A resource-side OAuth error that is the platform's doing (a DPoP or token scheme problem).
fn platform_fault(p: &Probe<()>) -> Option<String> {
    let status = p.outcome.status()?;
    if !matches!(status, 400 | 401) {
        return None;
    }
    let error = p.challenge.as_ref()?.error.clone()?;
    matches!(
        error.as_str(),
        "invalid_dpop_proof" | "use_dpop_nonce" | "invalid_request" | "invalid_token"
    )
    .then_some(error)
}

/// The whole diagnosis of an app check: the org, the token request, the probes.
pub fn diagnose_app(e: &AppEvidence) -> Report {
    let host = e.entered_host.as_str();
    let org = match judge_well_known(e.well_known.as_ref(), host) {
        Ok(facts) => facts.org,
        Err((_, f)) => return Report::Failed(f),
    };
    let grant = match &e.token {
        None => {
            return Report::Failed(Failure::TimedOut {
                stage: Stage::Identify,
            })
        }
        Some(Err(f)) => return Report::Failed(f.clone()),
        Some(Ok(g)) => g,
    };
    let api_host = org.canonical_host.clone();
    let label = if reads_label(grant) {
        e.app
            .as_ref()
            .and_then(|p| p.outcome.ok())
            .and_then(|a| a.label.clone())
    } else {
        None
    };
    let roles = if grant.has(scope_for(DataKind::Roles)) {
        match e.roles.as_ref() {
            Some(p) => match p.outcome.ok() {
                Some(list) => AdminRoles::Listed(list.0.clone()),
                // A scope refused at the call says nothing of the app's admin role.
                None if p
                    .challenge
                    .as_ref()
                    .and_then(|c| c.error.as_deref())
                    .is_some_and(|e| e == "insufficient_scope") =>
                {
                    AdminRoles::Unknown
                }
                None if access_of(Some(&p.outcome)) == Access::NotPermitted => {
                    AdminRoles::NotSuperAdmin
                }
                None => AdminRoles::Unknown,
            },
            None => AdminRoles::Unknown,
        }
    } else {
        AdminRoles::Unknown
    };

    let mut lacks: Vec<(DataKind, Lack, Option<String>)> = Vec::new();
    let mut other: Option<(u8, Failure)> = None;
    let mut consider = |found: (u8, Failure)| {
        if other.as_ref().is_none_or(|(r, _)| found.0 < *r) {
            other = Some(found);
        }
    };
    let mut checklist = Vec::new();
    for &data in &DataKind::ALL {
        let required = e.required.contains(&data);
        let scope = scope_for(data);
        let probe = e.probe(data);
        let request_id = probe
            .as_ref()
            .and_then(|p| p.outcome.request_id().map(str::to_string));
        let access = if !grant.has(scope) {
            lacks.push((data, Lack::Scope, Some(scope.to_string())));
            Access::NotPermitted
        } else {
            match &probe {
                None => Access::TimedOut,
                Some(p) => {
                    let challenge_error = p.challenge.as_ref().and_then(|c| c.error.as_deref());
                    if let Some(error) = platform_fault(p) {
                        consider((
                            RANK_PROXY,
                            Failure::PlatformOAuthFault {
                                error,
                                request_id: request_id.clone(),
                            },
                        ));
                        Access::Error
                    } else if p.outcome.status() == Some(403)
                        && challenge_error == Some("insufficient_scope")
                    {
                        // The scope to grant: this item's when Okta names it (or names
                        // nothing), else a read scope the check asks for that Okta names;
                        // never a scope the check does not ask for (a write scope).
                        let named = p
                            .challenge
                            .as_ref()
                            .filter(|c| !c.scope.iter().any(|s| s == scope))
                            .and_then(|c| {
                                c.scope.iter().find(|s| CHECK_SCOPES.contains(&s.as_str()))
                            })
                            .cloned()
                            .unwrap_or_else(|| scope.to_string());
                        lacks.push((data, Lack::Scope, Some(named)));
                        Access::NotPermitted
                    } else if data == DataKind::Roles
                        && matches!(&roles, AdminRoles::Listed(list)
                            if !list.iter().any(|r| r.kind() == RoleType::SuperAdmin))
                    {
                        // The app may list its own roles, but only a Super Administrator
                        // lists admin roles (as `users/{id}/roles` tells for a token).
                        lacks.push((data, Lack::Role, None));
                        Access::NotPermitted
                    } else if e.empty_listing(data) {
                        // Every org has a user and the Everyone group: an empty list means a
                        // role too narrow for them.
                        lacks.push((data, Lack::Role, None));
                        Access::NotPermitted
                    } else {
                        let a = access_of(Some(&p.outcome));
                        if a == Access::NotPermitted {
                            lacks.push((data, Lack::Role, None));
                        }
                        a
                    }
                }
            }
        };
        if required {
            match access {
                Access::Readable | Access::NotPermitted => {}
                Access::TimedOut => consider((
                    RANK_TIMEOUT,
                    Failure::TimedOut {
                        stage: Stage::Permissions,
                    },
                )),
                Access::RateLimited | Access::Error => {
                    if let Some(p) = &probe {
                        if platform_fault(p).is_none() {
                            consider(judge_common(
                                &p.outcome,
                                probe_of(data),
                                &api_host,
                                Stage::Permissions,
                            ));
                        }
                    }
                }
            }
        }
        checklist.push(CheckItem {
            data,
            access,
            required,
            request_id,
        });
    }
    let verified = Verified {
        org,
        admin: None,
        app: Some(App {
            credential: e.credential,
            client_id: e.client_id.clone(),
            label,
            scopes: grant.scopes.clone(),
            token_type: Some(grant.token_type.as_str().to_string()),
        }),
        roles,
        checklist,
    };
    // The platform's own fault first: nothing else can be trusted.
    if let Some((rank, f)) = &other {
        if *rank <= RANK_TARGET {
            return Report::Failed(f.clone());
        }
    }
    let mut missing = Vec::new();
    let mut lacking_role: Vec<DataKind> = Vec::new();
    let mut missing_scopes: Vec<String> = Vec::new();
    for (data, lack, scope) in lacks.iter().filter(|(d, ..)| e.required.contains(d)) {
        if !missing.contains(data) {
            missing.push(*data);
        }
        match lack {
            Lack::Scope => {
                if let Some(s) = scope {
                    if !missing_scopes.contains(s) {
                        missing_scopes.push(s.clone());
                    }
                }
            }
            Lack::Role => {
                if !lacking_role.contains(data) {
                    lacking_role.push(*data);
                }
            }
        }
    }
    if !missing.is_empty() {
        // A role that also reads what a missing scope hides, so granting the scopes and
        // assigning it is enough (reading admin roles needs a Super Administrator).
        let grant = if lacking_role.is_empty() {
            Vec::new()
        } else {
            crate::access::roles_reading_all(&missing)
        };
        return Report::Failed(Failure::MissingAccess {
            missing,
            grant,
            verified: Box::new(verified),
            missing_scopes,
        });
    }
    match other {
        Some((_, f)) => Report::Failed(f),
        None => Report::Verified(Box::new(verified)),
    }
}

/// Whether an outcome is Okta's "no admin role" answer (403 E0000006).
pub fn is_no_permission<T>(o: &Outcome<T>) -> bool {
    o.status() == Some(403) && o.has_error_code(codes::NO_PERMISSION)
}

#[cfg(test)]
mod tests;
