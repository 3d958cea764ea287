//! The page's session: what was typed, where the check stands, and the actions that move it
//! (check, deliver, talk to the embedding host). The check itself is the core's state machine
//! ([`Check`]); the session only drives it through the network module and keeps what it says
//! in signals. It is provided by context; the views read it and dispatch, and decide nothing.
//! It never holds words: what it keeps is typed, and the views put it into the current language.

use std::rc::Rc;
use std::sync::Arc;

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::core::config::{Config, Delivery, Theme};
use crate::core::credential::{clean_client_id, clean_client_secret, CredentialKind};
use crate::core::diagnosis::{Field, Report};
use crate::core::oauth::{CheckCredential, CheckRequest};
use crate::core::plan::{Check, Stage};
use crate::core::protocol::{Body, Connection, Inbound, Message, Secret};
use crate::core::recipient::RecipientProblem;
use crate::core::result::LinkResult;
use crate::core::update::UpdateTarget;
use crate::core::{org_url, token};
use crate::net::{self, Cancel};
use crate::ui::boot::Boot;
use crate::ui::embed::Embed;

mod drive;

pub(crate) use drive::fetch_jwks;
use drive::{drive, drive_on_server, fetch_recipient};

/// Where the page stands.
#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    Idle,
    Checking {
        stage: Stage,
        /// Waiting for Okta's rate limit: the seconds left, set once a second.
        wait_seconds: Option<u64>,
    },
    Finished(Arc<Report>),
    /// Handing the verified connection to the platform.
    Delivering(Arc<Report>),
    /// Delivered; the token is gone from memory and the DOM.
    Delivered,
}

/// Whose platform account a `submit` connection goes to. A session from the page's URL could
/// have been written by anyone, so the platform is asked which account it belongs to, and
/// Connect waits for the answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Recipient {
    /// Nothing to confirm: no `submit`, no session, or the session came from the embedding
    /// host (an allowed origin) by its `session` message.
    NotNeeded,
    /// Asking the platform (`GET submit_url` with the session).
    Checking,
    /// The account the platform named, as plain text.
    Confirmed(String),
    /// The platform did not name one: Connect stays disabled.
    Failed(RecipientProblem),
}

impl Recipient {
    /// Whether Connect may deliver now.
    pub fn allows_connect(&self) -> bool {
        matches!(self, Recipient::NotNeeded | Recipient::Confirmed(_))
    }
}

/// Why the last delivery failed (shown with the retry).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DeliveryError {
    /// `post_message` before the host has spoken: there is no one to hand the token to.
    NoHost,
    /// The platform answered `submit` with this status.
    Status(u16),
    /// The platform could not be reached.
    Unreachable,
}

/// Move focus to the element with `id` once the browser has rendered the current changes.
fn focus_after_render(id: &'static str) {
    request_animation_frame(move || {
        if let Some(e) = document().get_element_by_id(id) {
            if let Ok(e) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e) {
                let _ = e.focus();
            }
        }
    });
}

/// Focus a field to fix once the render that `submitted` starts is done: its error, with
/// `aria-invalid` and `aria-describedby`, is then there when a screen reader reads the field.
fn focus(input: NodeRef<html::Input>) {
    request_animation_frame(move || {
        if let Some(i) = input.get_untracked() {
            let _ = i.focus();
        }
    });
}

/// The page's state and actions; `Copy`, provided by context ([`Session::provide`]).
#[derive(Clone, Copy)]
pub struct Session {
    /// What the page started with (its configuration, the fragment).
    boot: StoredValue<Boot>,
    embed: StoredValue<Embed, LocalStorage>,
    /// Update mode: the connection being renewed; its org is fixed.
    pub update: RwSignal<Option<UpdateTarget>>,
    /// What is typed into the organization field.
    pub org: RwSignal<String>,
    /// What is typed into the token field.
    pub token: RwSignal<String>,
    /// The credential type chosen (one of the deployment's `credentials`).
    pub credential: RwSignal<CredentialKind>,
    /// What is typed into the client ID field.
    pub client_id: RwSignal<String>,
    /// What is typed into the client secret field.
    pub client_secret: RwSignal<String>,
    /// Whether the org field was filled from an Admin Console address pasted as the client ID.
    pub org_from_client_id: RwSignal<bool>,
    /// Whether the form was submitted (every field shows its error from then on, until another
    /// credential type is chosen).
    pub submitted: RwSignal<bool>,
    /// Whether the secret field shows its value ("Show"). Hidden again when a check starts or
    /// the credential type changes, so a secret is not left on screen beside the result.
    pub revealed: RwSignal<bool>,
    pub phase: RwSignal<Phase>,
    /// The account a `submit` connection goes to, when it must be confirmed first.
    pub recipient: RwSignal<Recipient>,
    /// Why the last delivery failed (`None`: it did not).
    pub delivery_error: RwSignal<Option<DeliveryError>>,
    /// The host's session for `submit` (empty: none).
    bearer: RwSignal<String>,
    cancel: StoredValue<Option<Rc<Cancel>>, LocalStorage>,
    pub org_input: NodeRef<html::Input>,
    pub token_input: NodeRef<html::Input>,
    pub client_id_input: NodeRef<html::Input>,
    pub client_secret_input: NodeRef<html::Input>,
}

impl Session {
    /// The session for `boot`, provided to the components below. `org` and `token` are what
    /// the fields start with (the static form's values, or the fragment's org).
    pub fn provide(boot: &Boot, org: String, token: String) -> Session {
        let update = UpdateTarget::from_fragment(&boot.fragment);
        let org = match &update {
            Some(u) => u.org_host.clone(),
            None if org.is_empty() => boot.fragment.org.clone().unwrap_or_default(),
            None => org,
        };
        let session = Session {
            boot: StoredValue::new(boot.clone()),
            embed: StoredValue::new_local(Embed::new(&boot.config)),
            update: RwSignal::new(update),
            org: RwSignal::new(org),
            token: RwSignal::new(token),
            credential: RwSignal::new(
                boot.fragment
                    .credential
                    .unwrap_or(boot.config.credentials[0]),
            ),
            client_id: RwSignal::new(String::new()),
            client_secret: RwSignal::new(String::new()),
            org_from_client_id: RwSignal::new(false),
            submitted: RwSignal::new(false),
            revealed: RwSignal::new(false),
            phase: RwSignal::new(Phase::Idle),
            recipient: RwSignal::new(Recipient::NotNeeded),
            delivery_error: RwSignal::new(None),
            // A session in the fragment is there only when the deployment takes it from the
            // link (`delivery.session_from_link`); the account it belongs to is confirmed first.
            bearer: RwSignal::new(boot.fragment.session.clone().unwrap_or_default()),
            cancel: StoredValue::new_local(None),
            org_input: NodeRef::new(),
            token_input: NodeRef::new(),
            client_id_input: NodeRef::new(),
            client_secret_input: NodeRef::new(),
        };
        session.confirm_recipient();
        provide_context(session);
        session
    }

    /// Ask the platform whose account a session from the link belongs to.
    fn confirm_recipient(self) {
        let config = self.config();
        let (Delivery::Submit { url, .. }, Some(from_link)) = (
            &config.delivery,
            self.boot.with_value(|b| b.fragment.session.clone()),
        ) else {
            return;
        };
        self.recipient.set(Recipient::Checking);
        let url = url.clone();
        let recipient = self.recipient;
        spawn_local(async move {
            let found = fetch_recipient(&url, &from_link, config.timeout_ms).await;
            // A session from the host replaced it meanwhile: that one needs no confirmation.
            if recipient.get_untracked() == Recipient::Checking {
                recipient.set(found);
            }
        });
    }

    /// The deployment's configuration.
    pub fn config(self) -> Arc<Config> {
        self.boot.with_value(|b| b.config.clone())
    }

    /// What the page started with.
    pub fn boot(self) -> Boot {
        self.boot.get_value()
    }

    pub fn embed(self) -> Embed {
        self.embed.get_value()
    }

    /// Whether a check is running.
    pub fn checking(self) -> bool {
        self.phase.with(|p| matches!(p, Phase::Checking { .. }))
    }

    /// Editing either field after a check clears the old result and cancels a running check:
    /// a result never belongs to inputs other than the ones on screen.
    pub fn reset(self) {
        if matches!(
            self.phase.get_untracked(),
            Phase::Delivering(_) | Phase::Delivered
        ) {
            return;
        }
        if let Some(c) = self.cancel.try_update_value(Option::take).flatten() {
            c.cancel();
        }
        if !matches!(self.phase.get_untracked(), Phase::Idle) {
            self.phase.set(Phase::Idle);
        }
    }

    /// Switch to another credential type the deployment offers (clears an old result).
    pub fn choose_credential(self, kind: CredentialKind) {
        if self.config().credentials.contains(&kind) && self.credential.get_untracked() != kind {
            self.credential.set(kind);
            // The new type's fields are empty: no errors until they are left or checked.
            self.submitted.set(false);
            self.revealed.set(false);
            self.reset();
        }
    }

    /// A new client ID was typed: an app's Admin Console address also names the org, which
    /// fills the organization field when it is empty (with a notice).
    pub fn client_id_typed(self, value: String) {
        let org_host = clean_client_id(&value)
            .ok()
            .and_then(|c| c.org_host().map(str::to_string));
        if let Some(host) = org_host {
            let empty = self.org.with_untracked(|o| o.trim().is_empty());
            if empty && self.update.with_untracked(Option::is_none) {
                if let Some(i) = self.org_input.get_untracked() {
                    i.set_value(&host);
                }
                self.org.set(host);
                self.org_from_client_id.set(true);
            }
        }
        self.client_id.set(value);
        self.reset();
    }

    /// The check request for the platform's check server, as JSON: `None` (focusing the field
    /// to fix) when the client ID or secret is not valid.
    fn server_request(self, org_host: &str, kind: CredentialKind) -> Option<String> {
        let Ok(id) = self.client_id.with_untracked(|c| clean_client_id(c)) else {
            focus(self.client_id_input);
            return None;
        };
        let client_id = id.as_str().to_string();
        let credential = match kind {
            CredentialKind::ClientSecret => {
                let Ok(secret) = self
                    .client_secret
                    .with_untracked(|s| clean_client_secret(s))
                else {
                    focus(self.client_secret_input);
                    return None;
                };
                CheckCredential::ClientSecret {
                    client_id,
                    client_secret: secret.secret().to_string(),
                }
            }
            _ => CheckCredential::ServiceApp { client_id },
        };
        let request = CheckRequest {
            org: org_host.to_string(),
            credential,
            required: self.config().required.clone(),
        };
        net::to_json(&request, 0)
    }

    /// Check what is typed; on invalid input, focus the first field to fix.
    pub fn check(self) {
        let phase = self.phase;
        self.submitted.set(true);
        self.revealed.set(false);
        if phase.with_untracked(|p| matches!(p, Phase::Checking { .. })) {
            return;
        }
        let Ok(org_ok) = self.org.with_untracked(|o| org_url::normalize(o)) else {
            return focus(self.org_input);
        };
        let config = self.config();
        let kind = self.credential.get_untracked();
        // The API token is checked from here through the proxy; an app by the platform's
        // check server (Okta refuses token requests from browsers, and the key is the
        // platform's).
        let work = match (kind, config.check_url.clone()) {
            (CredentialKind::ApiToken, _) => {
                let Ok(token_ok) = self.token.with_untracked(|t| token::clean(t)) else {
                    return focus(self.token_input);
                };
                let secret: Rc<str> = Rc::from(token_ok.secret());
                drop(token_ok);
                let check = Check::from_config(org_ok.host().to_string(), &config, net::now_ms());
                Work::Token(Box::new(check), secret)
            }
            (_, Some(url)) => match self.server_request(org_ok.host(), kind) {
                Some(body) => Work::Server(url, body),
                None => return,
            },
            // The configuration guarantees a check URL for every app type.
            (_, None) => return,
        };
        let c = Rc::new(Cancel::new());
        self.cancel.set_value(Some(c.clone()));
        let embed = self.embed();
        // The check's task is queued before the phase changes, so its first requests leave
        // before the progress is rendered.
        spawn_local(async move {
            let report = match work {
                Work::Token(check, secret) => drive(*check, secret, &config, &c, phase).await,
                Work::Server(url, body) => {
                    drive_on_server(&url, &body, config.timeout_ms, &c).await
                }
            };
            if c.is_cancelled() {
                return;
            }
            let Some(report) = report else { return };
            // Tell the host how this check ended (never the token), once per check.
            if embed.active() {
                let told = match report.as_ref() {
                    Report::Verified(v) => Body::Verified { report: v },
                    Report::Failed(f) => Body::Error { kind: f.code() },
                };
                embed.post(&Message::new(told));
            }
            let focus_field = report.failure().and_then(|f| f.field());
            phase.set(Phase::Finished(report));
            // Move focus: to the field to fix on a failure that names one, else to the result.
            focus_after_render(match focus_field {
                Some(Field::OrgUrl) => "org",
                Some(Field::Token) => "token",
                Some(Field::ClientId) => "client-id",
                Some(Field::ClientSecret) => "client-secret",
                None => "result",
            });
        });
        phase.set(Phase::Checking {
            stage: Stage::Identify,
            wait_seconds: None,
        });
    }

    /// Hand the verified connection to the platform, as the deployment configured.
    pub fn deliver(self) {
        let phase = self.phase;
        let Phase::Finished(report) = phase.get_untracked() else {
            return;
        };
        let Report::Verified(verified) = report.as_ref() else {
            return;
        };
        let kind = self.credential.get_untracked();
        // What was checked, cleaned again from the fields (a result never outlives an edit).
        let Some(credential) = self.credential_values(kind) else {
            return;
        };
        let config = self.config();
        self.delivery_error.set(None);
        phase.set(Phase::Delivering(report.clone()));
        // The versioned result (schema/okta-link-result.v2.json) every delivery carries.
        let mut result = LinkResult::new(
            &report,
            &verified.org.entered_host,
            &config.required,
            String::from(js_sys::Date::new_0().to_iso_string()),
            self.update.get_untracked().is_some(),
        );
        if let Some(id) = credential.client_id() {
            result = result.for_app(kind, id, &report);
        }
        // After delivery the secrets are dropped from memory and from the DOM.
        let finish = move || {
            for input in [self.token_input, self.client_secret_input] {
                if let Some(i) = input.get_untracked() {
                    i.set_value("");
                }
            }
            phase.set(Phase::Delivered);
            self.token.set(String::new());
            self.client_secret.set(String::new());
            focus_after_render("result");
        };
        let failed = move |error: DeliveryError, report: Arc<Report>| {
            self.delivery_error.set(Some(error));
            phase.set(Phase::Finished(report));
        };
        match &config.delivery {
            Delivery::None => phase.set(Phase::Finished(report.clone())),
            Delivery::PostMessage => {
                let connection = Connection::new(credential.secret(), verified, &result);
                // Only to the origin the host proved by its first message: before it has
                // spoken there is no one to hand the token to, and the token stays here.
                let sent = self.embed().post(&Message::new(Body::Connected {
                    connection: &connection,
                }));
                if sent {
                    finish();
                } else {
                    failed(DeliveryError::NoHost, report.clone());
                }
            }
            Delivery::Redirect { url } => {
                let target = self.boot.with_value(|b| {
                    let state = b.fragment.state.as_deref().unwrap_or("");
                    crate::core::protocol::redirect_target(url, state, &result)
                });
                finish();
                if let Some(target) = target {
                    let _ = window().location().assign(&target);
                }
            }
            Delivery::Submit { url, .. } => {
                // Never to an account the platform has not named (a session from a link).
                if !self.recipient.get_untracked().allows_connect() {
                    phase.set(Phase::Finished(report.clone()));
                    return;
                }
                let connection = Connection::new(credential.secret(), verified, &result);
                let body = net::to_json(&connection, 0).unwrap_or_default();
                drop(credential);
                let url = url.clone();
                let bearer = self.bearer.get_untracked();
                let timeout = config.timeout_ms;
                spawn_local(async move {
                    let bearer = Some(bearer.as_str()).filter(|b| !b.is_empty());
                    match net::post_json(&url, bearer, &body, timeout).await {
                        Ok(status) if (200..300).contains(&status) => finish(),
                        Ok(status) => failed(DeliveryError::Status(status), report),
                        Err(_) => failed(DeliveryError::Unreachable, report),
                    }
                });
            }
        }
    }

    /// Listen to the embedding host while the calling component lives, say `ready`, and tell
    /// it the height of `card` as it changes. Nothing happens without a host to talk to.
    pub fn connect_host(self, card: NodeRef<html::Div>) {
        let embed = self.embed();
        if !embed.active() {
            return;
        }
        embed.listen(move |msg| match msg {
            // From an allowed origin and the embedding window: the host chose the account.
            Inbound::Session(s, renew, credential) => {
                self.bearer.set(s);
                self.recipient.set(Recipient::NotNeeded);
                if let Some(kind) = credential {
                    self.choose_credential(kind);
                }
                // The host opened update mode: fix the org it named.
                if let Some(u) = renew {
                    if let Some(i) = self.org_input.get_untracked() {
                        i.set_value(&u.org_host);
                    }
                    self.org.set(u.org_host.clone());
                    self.update.set(Some(u));
                    self.reset();
                }
            }
            // The host's answer to `ready`: it bound the page to its origin (in `listen`).
            Inbound::Hello => {}
            Inbound::Theme(theme) => {
                if let Some(html) = document().document_element() {
                    let _ = match theme {
                        Theme::System => html.remove_attribute("data-theme"),
                        t => html.set_attribute("data-theme", t.code()),
                    };
                }
            }
        });
        embed.post(&Message::new(Body::Ready));
        card.on_load(move |card| embed.watch_height(&card));
    }

    /// Tell the host the page is done; a popup closes itself, a frame is closed by its host.
    pub fn close(self) {
        self.embed().post(&Message::new(Body::Close));
        let w = window();
        let is_popup = w.opener().is_ok_and(|o| !o.is_null() && !o.is_undefined());
        if is_popup {
            let _ = w.close();
        }
    }
}

/// A check to run: the token's, driven here, or an app's, on the platform's check server.
enum Work {
    Token(Box<Check>, Rc<str>),
    Server(String, String),
}

/// The cleaned credential of a verified check, for delivery.
enum Values {
    Token(token::ApiToken),
    ServiceApp(String),
    ClientSecret(String, crate::core::credential::ClientSecret),
}

impl Values {
    fn secret(&self) -> Secret<'_> {
        match self {
            Values::Token(t) => Secret::ApiToken(t.secret()),
            Values::ServiceApp(id) => Secret::ServiceApp { client_id: id },
            Values::ClientSecret(id, s) => Secret::ClientSecret {
                client_id: id,
                secret: s.secret(),
            },
        }
    }

    fn client_id(&self) -> Option<&str> {
        match self {
            Values::Token(_) => None,
            Values::ServiceApp(id) | Values::ClientSecret(id, _) => Some(id),
        }
    }
}

impl Session {
    /// The fields of `kind`, cleaned; `None` when one does not clean.
    fn credential_values(self, kind: CredentialKind) -> Option<Values> {
        let id = || {
            self.client_id
                .with_untracked(|c| clean_client_id(c).ok())
                .map(|c| c.as_str().to_string())
        };
        Some(match kind {
            CredentialKind::ApiToken => {
                Values::Token(self.token.with_untracked(|t| token::clean(t)).ok()?)
            }
            CredentialKind::ServiceApp => Values::ServiceApp(id()?),
            CredentialKind::ClientSecret => Values::ClientSecret(
                id()?,
                self.client_secret
                    .with_untracked(|s| clean_client_secret(s))
                    .ok()?,
            ),
        })
    }
}

/// The page's session, from context.
pub fn use_session() -> Session {
    expect_context()
}
