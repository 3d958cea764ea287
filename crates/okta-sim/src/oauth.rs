//! Okta's OAuth 2.0 client-credentials flow for the demo apps of the fixtures: the org
//! authorization server's `POST /oauth2/v1/token` (client assertions, client secrets, DPoP
//! proofs and nonces, scopes) and, for the Management API, what a presented access token stands
//! for (`Authorization: Bearer` or `DPoP`, with the proof checked for real).
//!
//! It keeps the tokens it issued, the `jti`s it has seen and its DPoP nonces, in memory. It must
//! never log, echo or return a client secret, an assertion, a proof or an access token (except
//! the new token in the token answer): error descriptions are fixed texts.

use crate::answer::{set, Answer};
use crate::fixtures::{AppAuth, AppKind};
use crate::jose::{self, ALGS};
use crate::okta::OktaError;
use crate::site::Site;
use crate::{lock, time, Inner};
use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderName, StatusCode};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The org authorization server's token endpoint.
pub const TOKEN_PATH: &str = "/oauth2/v1/token";
/// The only grant the simulator serves.
pub const CLIENT_CREDENTIALS: &str = "client_credentials";
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Largest token request body read.
pub const MAX_BODY: usize = 8 * 1024;

const DPOP: HeaderName = HeaderName::from_static("dpop");
const DPOP_NONCE: HeaderName = HeaderName::from_static("dpop-nonce");

/// A nonce is handed out for a day and accepted for three (Okta's documented rotation).
const NONCE_ROTATE: Duration = Duration::from_secs(24 * 3600);
const NONCE_ACCEPTED: Duration = Duration::from_secs(3 * 24 * 3600);
/// Past this many remembered `jti`s or tokens, the expired ones are dropped.
const PRUNE_AT: usize = 4096;

/// Okta API scope families the authorization server knows (`okta.<name>.read|manage`). A scope
/// outside them is `invalid_scope`; one the app was not granted is simply not granted.
const SCOPE_FAMILIES: [&str; 24] = [
    "users",
    "groups",
    "logs",
    "roles",
    "apps",
    "apiTokens",
    "authorizationServers",
    "behaviors",
    "brands",
    "clients",
    "devices",
    "domains",
    "eventHooks",
    "factors",
    "features",
    "idps",
    "inlineHooks",
    "linkedObjects",
    "networkZones",
    "orgs",
    "policies",
    "schemas",
    "trustedOrigins",
    "userTypes",
];

fn known_scope(s: &str) -> bool {
    if matches!(s, "okta.users.read.self" | "okta.users.manage.self") {
        return true;
    }
    let mut parts = s.split('.');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some("okta"), Some(family), Some("read" | "manage"), None) if SCOPE_FAMILIES.contains(&family)
    )
}

/// An access token the simulator issued.
struct Issued {
    org: usize,
    app: usize,
    scopes: Vec<String>,
    /// `cnf.jkt` of a DPoP-bound token.
    jkt: Option<String>,
    expires: Instant,
}

/// The OAuth state of the simulator.
#[derive(Default)]
pub(crate) struct OAuthState {
    tokens: HashMap<String, Issued>,
    /// (client id, jti) → the assertion's `exp` (epoch seconds).
    assertion_jtis: HashMap<(String, String), i64>,
    /// (org, proof jti) → when seen.
    proof_jtis: HashMap<(usize, String), Instant>,
    /// org → nonces handed out, newest last.
    nonces: HashMap<usize, Vec<(String, Instant)>>,
}

impl OAuthState {
    /// Record an assertion's `jti`; false if the client used it before.
    fn consume_assertion(&mut self, client: &str, a: &jose::Assertion, now: i64) -> bool {
        if self.assertion_jtis.len() >= PRUNE_AT {
            self.assertion_jtis.retain(|_, exp| *exp > now);
        }
        let key = (client.to_string(), a.jti.clone());
        if self.assertion_jtis.contains_key(&key) {
            return false;
        }
        self.assertion_jtis.insert(key, a.exp);
        true
    }

    /// Record a proof's `jti`; false if seen before.
    fn consume_proof(&mut self, org: usize, jti: &str) -> bool {
        let keep = Duration::from_secs((jose::PROOF_MAX_AGE_S + 120) as u64);
        if self.proof_jtis.len() >= PRUNE_AT {
            self.proof_jtis.retain(|_, seen| seen.elapsed() < keep);
        }
        let key = (org, jti.to_string());
        if self.proof_jtis.contains_key(&key) {
            return false;
        }
        self.proof_jtis.insert(key, Instant::now());
        true
    }

    /// The org's current nonce (a new one once a day).
    fn current_nonce(&mut self, org: usize) -> String {
        let list = self.nonces.entry(org).or_default();
        list.retain(|(_, at)| at.elapsed() < NONCE_ACCEPTED);
        match list.last() {
            Some((n, at)) if at.elapsed() < NONCE_ROTATE => n.clone(),
            _ => {
                let n = random_b64(24);
                list.push((n.clone(), Instant::now()));
                n
            }
        }
    }

    fn nonce_accepted(&self, org: usize, nonce: &str) -> bool {
        self.nonces.get(&org).is_some_and(|list| {
            list.iter()
                .any(|(n, at)| n == nonce && at.elapsed() < NONCE_ACCEPTED)
        })
    }

    fn issue(&mut self, token: String, issued: Issued) {
        if self.tokens.len() >= PRUNE_AT {
            let now = Instant::now();
            self.tokens.retain(|_, t| t.expires > now);
        }
        self.tokens.insert(token, issued);
    }
}

/// `n` random bytes, base64url without padding.
fn random_b64(n: usize) -> String {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).expect("system randomness");
    URL_SAFE_NO_PAD.encode(buf)
}

fn now_s() -> i64 {
    (time::now_epoch_ms() / 1000) as i64
}

/// `{"error","error_description"}` with the org's headers.
fn oauth_error(headers: HeaderMap, status: StatusCode, error: &str, description: &str) -> Answer {
    Answer::json(
        status,
        headers,
        &json!({ "error": error, "error_description": description }),
    )
}

fn invalid_client(headers: HeaderMap, description: &str) -> Answer {
    oauth_error(
        headers,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        description,
    )
}

fn bad_request(headers: HeaderMap, error: &str, description: &str) -> Answer {
    oauth_error(headers, StatusCode::BAD_REQUEST, error, description)
}

pub const UNKNOWN_CLIENT: &str = "Invalid value for 'client_id' parameter.";
pub const AUTH_FAILED: &str =
    "Client authentication failed. Either the client or the client credentials are invalid.";
pub const SECRET_FOR_SERVICE_APP: &str = "Client Credentials requests to the Org Authorization Server must use the private_key_jwt token_endpoint_auth_method.";
pub const WRONG_SECRET: &str = "The client secret supplied for a confidential client is invalid.";
pub const BROWSER: &str =
    "Browser requests to the token endpoint must use Proof Key for Code Exchange.";
pub const WEB_APP: &str = "The client is not authorized to use the provided grant type. Configured grant types: [authorization_code].";
pub const JWKS_NOT_CONFIGURED: &str =
    "The client does not have a JWKS configured (jwks_not_configured).";
pub const ASSERTION_REUSED: &str =
    "The client_assertion token has already been used (client_assertion_already_used).";
pub const PROOF_MISSING: &str = "The DPoP proof JWT header is missing.";
pub const PROOF_REUSED: &str = "The DPoP proof 'jti' has already been used.";
pub const NONCE_REQUIRED: &str = "Authorization server requires nonce in DPoP proof.";
pub const NO_SCOPE: &str = "The authorization server resource does not have any configured default scopes, 'scope' must be provided.";
pub const UNKNOWN_SCOPE: &str =
    "One or more scopes are not configured for the authorization server resource.";
pub const CONSENT: &str = "You are not allowed any of the requested scopes.";

/// `Authorization: Basic` → (client id, secret), each percent-decoded (RFC 6749 2.3.1).
/// `Err(())` for a Basic header that is not one.
fn basic_credentials(headers: &HeaderMap) -> Option<Result<(String, String), ()>> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, rest) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("Basic") {
        return None;
    }
    let decode = |s: &str| {
        let s = s.replace('+', " ");
        percent_encoding::percent_decode_str(&s)
            .decode_utf8()
            .map(|c| c.into_owned())
            .map_err(|_| ())
    };
    Some((|| {
        let raw = STANDARD.decode(rest.trim()).map_err(|_| ())?;
        let raw = String::from_utf8(raw).map_err(|_| ())?;
        let (id, secret) = raw.split_once(':').ok_or(())?;
        Ok((decode(id)?, decode(secret)?))
    })())
}

/// Equal, in time that does not depend on where the inputs differ.
fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        diff |= usize::from(a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0));
    }
    diff == 0
}

/// The form's parameters; `Err` for a duplicate (RFC 6749 3.2) or a body that is not a form.
fn form(body: &[u8]) -> Result<HashMap<String, String>, &'static str> {
    let mut out = HashMap::new();
    for (k, v) in form_urlencoded::parse(body) {
        if out.insert(k.into_owned(), v.into_owned()).is_some() {
            return Err("A parameter was sent more than once.");
        }
    }
    Ok(out)
}

/// `POST /oauth2/v1/token` on an org: client credentials only.
pub(crate) async fn token(State(sim): State<Arc<Inner>>, site: Site, req: Request) -> Answer {
    let org = sim.org(site.org);
    let mut headers = sim.base_headers(&org.host, TOKEN_PATH);
    set(&mut headers, header::CACHE_CONTROL, "no-store");
    let (parts, body) = req.into_parts();
    let h = || headers.clone();

    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !is_form {
        return bad_request(
            h(),
            "invalid_request",
            "The request must be application/x-www-form-urlencoded.",
        );
    }
    let Ok(body) = to_bytes(body, MAX_BODY).await else {
        return bad_request(h(), "invalid_request", "The request body is too large.");
    };
    let params = match form(&body) {
        Ok(p) => p,
        Err(e) => return bad_request(h(), "invalid_request", e),
    };
    let param = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());

    if parts.headers.contains_key(header::ORIGIN) {
        return invalid_client(h(), BROWSER);
    }
    match param("grant_type") {
        None => {
            return bad_request(
                h(),
                "invalid_request",
                "The 'grant_type' parameter is required.",
            )
        }
        Some(CLIENT_CREDENTIALS) => {}
        Some(_) => {
            return bad_request(
                h(),
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server.",
            )
        }
    }

    // Which client, and how it authenticates.
    let basic = match basic_credentials(&parts.headers) {
        Some(Ok(b)) => Some(b),
        Some(Err(())) => return invalid_client(h(), AUTH_FAILED),
        None => None,
    };
    let assertion = param("client_assertion");
    let assertion_type = param("client_assertion_type");
    let post_secret = param("client_secret");
    let methods = [
        basic.is_some(),
        assertion.is_some() || assertion_type.is_some(),
        post_secret.is_some(),
    ];
    if methods.iter().filter(|m| **m).count() > 1 {
        return bad_request(
            h(),
            "invalid_request",
            "Cannot supply multiple client credentials. Use one of the following: credentials in the Authorization header, credentials in the post body, or a client_assertion in the post body.",
        );
    }
    let client_id = match (&basic, param("client_id")) {
        (Some((id, _)), Some(form_id)) if form_id != id => {
            return invalid_client(h(), UNKNOWN_CLIENT)
        }
        (Some((id, _)), _) => Some(id.clone()),
        (None, Some(form_id)) => Some(form_id.to_string()),
        (None, None) => assertion.and_then(jose::claimed_client),
    };
    let Some(client_id) = client_id else {
        return invalid_client(h(), UNKNOWN_CLIENT);
    };
    let Some(app_index) = sim.app_of(site.org, &client_id) else {
        return invalid_client(h(), UNKNOWN_CLIENT);
    };
    let app = &org.apps[app_index];
    if app.kind == AppKind::Web {
        return bad_request(h(), "unauthorized_client", WEB_APP);
    }
    let now = now_s();
    match app.auth {
        AppAuth::PrivateKeyJwt => {
            if basic.is_some() || post_secret.is_some() {
                return invalid_client(h(), SECRET_FOR_SERVICE_APP);
            }
            if app.keys.is_empty() {
                return invalid_client(h(), JWKS_NOT_CONFIGURED);
            }
            let Some(assertion) = assertion else {
                return invalid_client(h(), AUTH_FAILED);
            };
            if assertion_type != Some(JWT_BEARER) {
                return invalid_client(
                    h(),
                    "The 'client_assertion_type' must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer.",
                );
            }
            let audience = format!("https://{}{TOKEN_PATH}", site.host);
            let verified =
                match jose::verify_assertion(assertion, &app.keys, &client_id, &audience, now) {
                    Ok(v) => v,
                    Err(e) => return invalid_client(h(), e.description()),
                };
            // Consumed here, before DPoP: a `use_dpop_nonce` answer uses it up too.
            if !lock(&sim.oauth).consume_assertion(&client_id, &verified, now) {
                return invalid_client(h(), ASSERTION_REUSED);
            }
        }
        AppAuth::ClientSecret => {
            if assertion.is_some() || assertion_type.is_some() {
                return invalid_client(
                    h(),
                    "The client is configured for client_secret_basic; a client_assertion is not accepted.",
                );
            }
            if post_secret.is_some() {
                return invalid_client(
                    h(),
                    "The client is configured for client_secret_basic; client_secret_post is not accepted.",
                );
            }
            let Some((_, secret)) = &basic else {
                return invalid_client(h(), AUTH_FAILED);
            };
            let expected = app.client_secret.as_deref().unwrap_or_default();
            if expected.is_empty() || !same_secret(secret, expected) {
                return invalid_client(h(), WRONG_SECRET);
            }
        }
    }

    // DPoP: verified whenever sent (a proof binds the token even where DPoP is not required);
    // required by some apps. OIN integrations get Bearer tokens: their proofs are not looked at.
    let no_proofs = HeaderMap::new();
    let proof_headers = if app.kind == AppKind::Oin {
        &no_proofs
    } else {
        &parts.headers
    };
    let mut proofs = proof_headers.get_all(DPOP).iter();
    let jkt = match (proofs.next(), proofs.next()) {
        (None, _) if app.dpop_required => {
            return bad_request(h(), "invalid_dpop_proof", PROOF_MISSING)
        }
        (None, _) => None,
        (Some(_), Some(_)) => {
            return bad_request(
                h(),
                "invalid_dpop_proof",
                jose::ProofError::Malformed.description(),
            )
        }
        (Some(v), None) => {
            let url = format!("https://{}{TOKEN_PATH}", site.host);
            let proof = match v
                .to_str()
                .map_err(|_| jose::ProofError::Malformed)
                .and_then(|p| jose::verify_proof(p.trim(), "POST", &url, None, now))
            {
                Ok(p) => p,
                Err(e) => return bad_request(h(), "invalid_dpop_proof", e.description()),
            };
            let mut st = lock(&sim.oauth);
            if !st.consume_proof(site.org, &proof.jti) {
                return bad_request(h(), "invalid_dpop_proof", PROOF_REUSED);
            }
            let fresh = proof
                .nonce
                .as_deref()
                .is_some_and(|n| st.nonce_accepted(site.org, n));
            if !fresh {
                let nonce = st.current_nonce(site.org);
                drop(st);
                let mut hd = h();
                set(&mut hd, DPOP_NONCE, &nonce);
                return bad_request(hd, "use_dpop_nonce", NONCE_REQUIRED);
            }
            Some(proof.jkt)
        }
    };

    // Scopes: all known, the granted subset, never none.
    let Some(requested) = param("scope") else {
        return bad_request(h(), "invalid_scope", NO_SCOPE);
    };
    let requested: Vec<&str> = requested.split(' ').filter(|s| !s.is_empty()).collect();
    if requested.is_empty() {
        return bad_request(h(), "invalid_scope", NO_SCOPE);
    }
    if !requested.iter().all(|s| known_scope(s)) {
        return bad_request(h(), "invalid_scope", UNKNOWN_SCOPE);
    }
    let mut granted: Vec<String> = Vec::new();
    for s in requested {
        if app.has_scope(s) && !granted.iter().any(|g| g == s) {
            granted.push(s.to_string());
        }
    }
    if granted.is_empty() {
        return bad_request(h(), "consent_required", CONSENT);
    }

    let access_token = random_b64(32);
    let token_type = if jkt.is_some() { "DPoP" } else { "Bearer" };
    let scope = granted.join(" ");
    lock(&sim.oauth).issue(
        access_token.clone(),
        Issued {
            org: site.org,
            app: app_index,
            scopes: granted,
            jkt,
            expires: Instant::now() + sim.cfg.token_lifetime,
        },
    );
    Answer::json(
        StatusCode::OK,
        h(),
        &json!({
            "token_type": token_type,
            "expires_in": sim.cfg.token_lifetime.as_secs(),
            "access_token": access_token,
            "scope": scope,
        }),
    )
}

/// How an OAuth access token was presented to the Management API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    Bearer,
    Dpop,
}

/// A Management API call made with an access token the simulator issued, checked.
pub(crate) struct AppCaller {
    /// Index in the org's apps.
    pub app: usize,
    pub scopes: Vec<String>,
}

/// The scope a Management API path needs (named by the challenges), or "".
pub(crate) fn scope_for_path(path: &str) -> &'static str {
    if path.starts_with("/oauth2/v1/clients/")
        || (path.starts_with("/api/v1/users/") && path.ends_with("/roles"))
    {
        "okta.roles.read"
    } else if path == "/api/v1/users" || path.starts_with("/api/v1/users/") {
        "okta.users.read"
    } else if path.starts_with("/api/v1/groups") {
        "okta.groups.read"
    } else if path.starts_with("/api/v1/logs") {
        "okta.logs.read"
    } else if path.starts_with("/api/v1/apps") {
        "okta.apps.read"
    } else {
        ""
    }
}

/// `WWW-Authenticate` of a DPoP resource error, as Okta's resource server writes it.
fn dpop_challenge(host: &str, path: &str, error: &str, description: &str) -> String {
    format!(
        "DPoP algs=\"{ALGS}\", authorization_uri=\"http://{host}/oauth2/v1/authorize\", realm=\"http://{host}\", scope=\"{}\", error=\"{error}\", error_description=\"{description}\", resource=\"{path}\"",
        scope_for_path(path)
    )
}

/// An answer with a challenge and no body.
fn challenge(mut headers: HeaderMap, status: StatusCode, www: &str) -> Box<Answer> {
    set(&mut headers, header::WWW_AUTHENTICATE, www);
    Box::new(Answer::empty(status, headers))
}

/// `WWW-Authenticate: Bearer …` as Okta's resource server writes it.
pub(crate) fn bearer_challenge(
    host: &str,
    scope: &str,
    error: &str,
    description: &str,
    resource: &str,
) -> String {
    format!(
        "Bearer authorization_uri=\"http://{host}/oauth2/v1/authorize\", realm=\"http://{host}\", scope=\"{scope}\", error=\"{error}\", error_description=\"{description}\", resource=\"{resource}\""
    )
}

impl Inner {
    /// The app of org `org` with this client id.
    fn app_of(&self, org: usize, client_id: &str) -> Option<usize> {
        let &(o, a) = self.clients.get(client_id)?;
        (o == org).then_some(a)
    }

    /// What an access token presented to the Management API stands for, its DPoP proof checked;
    /// Okta's answer otherwise (401 E0000011 with a challenge for an unknown or expired token,
    /// 400 or 401 challenges without a body for a scheme or proof problem).
    pub(crate) fn resource_caller(
        &self,
        site: &Site,
        parts: &Parts,
        scheme: Scheme,
        token: &str,
        headers: HeaderMap,
    ) -> Result<AppCaller, Box<Answer>> {
        let path = parts.uri.path();
        let found = {
            let st = lock(&self.oauth);
            st.tokens
                .get(token)
                .filter(|t| t.org == site.org && t.expires > Instant::now())
                .map(|t| (t.app, t.scopes.clone(), t.jkt.clone()))
        };
        let Some((app, scopes, jkt)) = found else {
            let www = match scheme {
                Scheme::Bearer => bearer_challenge(
                    &site.host,
                    scope_for_path(path),
                    "invalid_token",
                    "The access token is invalid.",
                    path,
                ),
                Scheme::Dpop => dpop_challenge(
                    &site.host,
                    path,
                    "invalid_token",
                    "The access token is invalid.",
                ),
            };
            let mut headers = headers;
            set(&mut headers, header::WWW_AUTHENTICATE, &www);
            return Err(Box::new(
                self.okta_error_plain(headers, OktaError::InvalidToken),
            ));
        };
        let invalid_request = |headers: HeaderMap, d: &str| {
            challenge(
                headers,
                StatusCode::BAD_REQUEST,
                &dpop_challenge(&site.host, path, "invalid_request", d),
            )
        };
        let invalid_proof = |headers: HeaderMap, d: &str| {
            challenge(
                headers,
                StatusCode::BAD_REQUEST,
                &dpop_challenge(&site.host, path, "invalid_dpop_proof", d),
            )
        };
        match (jkt, scheme) {
            (None, Scheme::Bearer) => {}
            (None, Scheme::Dpop) => {
                return Err(challenge(
                    headers,
                    StatusCode::UNAUTHORIZED,
                    &dpop_challenge(
                        &site.host,
                        path,
                        "invalid_token",
                        "The presented access_token is not DPoP bound.",
                    ),
                ))
            }
            (Some(_), Scheme::Bearer) => {
                return Err(invalid_request(
                    headers,
                    "The resource request must use the DPoP authentication scheme when using a DPoP bound token.",
                ))
            }
            (Some(jkt), Scheme::Dpop) => {
                let mut proofs = parts.headers.get_all(DPOP).iter();
                let proof = match (proofs.next(), proofs.next()) {
                    (None, _) => {
                        return Err(invalid_request(
                            headers,
                            "The resource request requires a DPoP proof.",
                        ))
                    }
                    (Some(v), None) => v.to_str().map_err(|_| jose::ProofError::Malformed),
                    (Some(_), Some(_)) => Err(jose::ProofError::Malformed),
                };
                let url = format!("https://{}{path}", site.host);
                let ath = jose::sha256_b64url(token);
                let proof = match proof.and_then(|p| {
                    jose::verify_proof(p.trim(), parts.method.as_str(), &url, Some(&ath), now_s())
                }) {
                    Ok(p) => p,
                    Err(e) => return Err(invalid_proof(headers, e.description())),
                };
                if proof.jkt != jkt {
                    return Err(invalid_proof(
                        headers,
                        "The DPoP proof key does not match the key the access token is bound to.",
                    ));
                }
                if !lock(&self.oauth).consume_proof(site.org, &proof.jti) {
                    return Err(invalid_proof(headers, PROOF_REUSED));
                }
            }
        }
        Ok(AppCaller { app, scopes })
    }

    /// Okta's JSON error without the SSWS challenge `okta_error` adds to a 401.
    fn okta_error_plain(&self, headers: HeaderMap, err: OktaError) -> Answer {
        let body = crate::okta::error_body(err, None, &self.error_id());
        Answer::json(
            StatusCode::from_u16(err.status()).expect("status"),
            headers,
            &body,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_their_scope() {
        assert_eq!(scope_for_path("/api/v1/users"), "okta.users.read");
        assert_eq!(scope_for_path("/api/v1/users/me"), "okta.users.read");
        assert_eq!(
            scope_for_path("/api/v1/users/00u1/roles"),
            "okta.roles.read"
        );
        assert_eq!(
            scope_for_path("/oauth2/v1/clients/0oa1/roles"),
            "okta.roles.read"
        );
        assert_eq!(scope_for_path("/api/v1/groups"), "okta.groups.read");
        assert_eq!(scope_for_path("/api/v1/logs"), "okta.logs.read");
        assert_eq!(scope_for_path("/api/v1/apps/0oa1"), "okta.apps.read");
        assert_eq!(scope_for_path("/api/v1/other"), "");
    }

    #[test]
    fn scopes_the_server_knows() {
        assert!(known_scope("okta.users.read"));
        assert!(known_scope("okta.apiTokens.read"));
        assert!(known_scope("okta.users.manage"));
        assert!(known_scope("okta.users.read.self"));
        assert!(!known_scope("okta.users.write"));
        assert!(!known_scope("okta.nothing.read"));
        assert!(!known_scope("openid"));
        assert!(!known_scope("okta.users.read.extra"));
    }

    #[test]
    fn basic_credentials_are_percent_decoded() {
        let mut h = HeaderMap::new();
        assert!(basic_credentials(&h).is_none());
        let v = format!("Basic {}", STANDARD.encode("0oa%3Ax:se%2Bc+ret:x"));
        h.insert(header::AUTHORIZATION, v.parse().unwrap());
        assert_eq!(
            basic_credentials(&h),
            Some(Ok(("0oa:x".to_string(), "se+c ret:x".to_string())))
        );
        h.insert(header::AUTHORIZATION, "Basic !!!".parse().unwrap());
        assert_eq!(basic_credentials(&h), Some(Err(())));
        h.insert(header::AUTHORIZATION, "SSWS 00x".parse().unwrap());
        assert!(basic_credentials(&h).is_none());
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        assert!(!same_secret("", "a"));
    }

    #[test]
    fn duplicate_form_parameters_are_refused() {
        assert!(form(b"a=1&b=2").is_ok());
        assert!(form(b"a=1&a=2").is_err());
    }
}
