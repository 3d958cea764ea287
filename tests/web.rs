//! Component tests in headless Chromium (wasm-bindgen-test): the page is mounted for real and
//! driven through the DOM the way a person would: type, leave the field, press a button.
#![cfg(target_arch = "wasm32")]

use std::sync::Arc;

use leptos::prelude::*;
use okta_link::core::config::Config;
use okta_link::core::fragment;
use okta_link::core::plan::Stage;
use okta_link::i18n::{Catalog, Lang, Texts, EN_JSON};
use okta_link::net::BrowserJson;
use okta_link::ui::{mount_app, observers, provide, Boot, Embed, Phase, Progress};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

fn boot(config: &str) -> Boot {
    let config = Config::from_json(config, &BrowserJson).expect("valid test config");
    let fragment = fragment::parse("", &config);
    let english = Catalog::parse(EN_JSON, &BrowserJson).expect("English catalogue parses");
    Boot {
        config: Arc::new(config),
        fragment: Arc::new(fragment),
        texts: Texts::new(Lang::En, Catalog::default(), english),
    }
}

/// A fresh container in the document.
fn container() -> HtmlElement {
    let doc = document();
    let container: HtmlElement = doc.create_element("div").unwrap().unchecked_into();
    doc.body().unwrap().append_child(&container).unwrap();
    container
}

/// Mount the page into a fresh container and return it.
fn mount(config: &str) -> HtmlElement {
    let container = container();
    // The page stays mounted for the rest of the test run.
    mount_app(container.clone(), boot(config)).forget();
    container
}

async fn sleep(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

fn find(root: &HtmlElement, selector: &str) -> Option<Element> {
    root.query_selector(selector).unwrap()
}

fn input(root: &HtmlElement, id: &str) -> HtmlInputElement {
    find(root, &format!("#{id}")).expect(id).unchecked_into()
}

fn type_into(el: &HtmlInputElement, text: &str) {
    el.set_value(text);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let ev = web_sys::Event::new_with_event_init_dict("input", &init).unwrap();
    el.dispatch_event(&ev).unwrap();
}

fn leave(el: &HtmlInputElement) {
    let ev = web_sys::FocusEvent::new("blur").unwrap();
    el.dispatch_event(&ev).unwrap();
}

fn text(root: &HtmlElement, selector: &str) -> String {
    find(root, selector)
        .and_then(|e| e.text_content())
        .unwrap_or_default()
}

const CONFIG: &str = r#"{"proxy": "/okta/{host}{path}"}"#;

#[wasm_bindgen_test]
async fn org_field_previews_the_address_and_says_what_it_corrected() {
    let root = mount(CONFIG);
    let org = input(&root, "org");
    type_into(&org, "  https://ACME-admin.okta.com/admin/dashboard ");
    sleep(20).await;
    assert!(text(&root, "#org-preview").contains("https://acme.okta.com"));
    let notices = text(&root, "#org-notices");
    assert!(notices.contains("-admin"), "{notices}");
    assert!(notices.contains("path"), "{notices}");
    // No error while the input is valid, and the preview is linked to the field.
    assert!(find(&root, "#org-error").is_none());
    let described = org.get_attribute("aria-describedby").unwrap();
    assert!(described.contains("org-preview"), "{described}");
}

#[wasm_bindgen_test]
async fn org_error_waits_until_the_field_is_left() {
    let root = mount(CONFIG);
    let org = input(&root, "org");
    type_into(&org, "acme.okta.co");
    sleep(20).await;
    assert!(
        find(&root, "#org-error").is_none(),
        "no error on the first keys"
    );
    leave(&org);
    sleep(20).await;
    let error = text(&root, "#org-error");
    assert!(error.contains("acme.okta.com"), "suggestion shown: {error}");
    assert_eq!(org.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert!(org
        .get_attribute("aria-describedby")
        .unwrap()
        .contains("org-error"));
}

#[wasm_bindgen_test]
async fn token_field_never_echoes_the_token_and_can_be_revealed() {
    let root = mount(CONFIG);
    let token = input(&root, "token");
    let secret = "00abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123";
    type_into(&token, &format!("SSWS {secret}\n"));
    sleep(20).await;
    let state = text(&root, "#token-state");
    assert!(state.contains("42"), "{state}");
    assert!(
        state.contains("SSWS"),
        "says it removed the prefix: {state}"
    );
    assert!(
        !root.inner_html().contains(secret),
        "token echoed in the DOM"
    );
    assert_eq!(token.type_(), "password");
    assert_eq!(token.get_attribute("autocomplete").as_deref(), Some("off"));
    assert_eq!(token.get_attribute("spellcheck").as_deref(), Some("false"));
    let toggle: HtmlElement = find(&root, "button[aria-controls=token]")
        .unwrap()
        .unchecked_into();
    toggle.click();
    sleep(20).await;
    assert_eq!(token.type_(), "text");
    // Its name says what it does next; no pressed state contradicts it.
    assert_eq!(
        toggle.text_content().as_deref().map(str::trim),
        Some("Hide")
    );
    assert_eq!(toggle.get_attribute("aria-pressed"), None);
}

#[wasm_bindgen_test]
async fn client_secret_field_never_echoes_the_secret_and_can_be_revealed() {
    // One credential type: no choice to make, its fields straight away.
    let root = mount(
        r#"{"proxy": "/okta/{host}{path}", "credentials": ["client_secret"], "check_url": "/check"}"#,
    );
    sleep(20).await;
    assert!(find(&root, "input[type=radio]").is_none());
    assert!(find(&root, "#token").is_none());
    let field = input(&root, "client-secret");
    let secret = "s3cr3t-Value_abcdefghijklmnopqrstuvwxyz0123";
    type_into(&field, &format!("  \"{secret}\" \n"));
    sleep(20).await;
    let state = text(&root, "#client-secret-state");
    assert!(state.contains(&secret.len().to_string()), "{state}");
    assert!(
        !root.inner_html().contains(secret),
        "secret echoed in the DOM"
    );
    assert_eq!(field.type_(), "password");
    assert_eq!(field.get_attribute("autocomplete").as_deref(), Some("off"));
    assert_eq!(field.get_attribute("spellcheck").as_deref(), Some("false"));
    let toggle: HtmlElement = find(&root, "button[aria-controls=client-secret]")
        .unwrap()
        .unchecked_into();
    toggle.click();
    sleep(20).await;
    assert_eq!(field.type_(), "text");
}

#[wasm_bindgen_test]
async fn an_admin_console_address_fills_the_client_id_and_the_empty_org() {
    let root = mount(
        r#"{"proxy": "/okta/{host}{path}", "credentials": ["api_token", "service_app"], "check_url": "/check", "service_app": {"jwks_url": "/jwks.json"}}"#,
    );
    sleep(20).await;
    // Two types: a radio group, the first chosen.
    let first: HtmlInputElement = find(&root, "#credential-api_token")
        .unwrap()
        .unchecked_into();
    assert!(first.checked());
    let app: HtmlElement = find(&root, "#credential-service_app")
        .unwrap()
        .unchecked_into();
    app.click();
    sleep(20).await;
    assert!(find(&root, "#token").is_none());
    let id = input(&root, "client-id");
    type_into(
        &id,
        "https://acme-admin.okta.com/admin/app/oidc_client/instance/0oa1dpopreadonly0001/#tab-general",
    );
    sleep(20).await;
    assert_eq!(input(&root, "org").value(), "acme.okta.com");
    assert!(text(&root, "#client-id-state").contains("0oa1dpopreadonly0001"));
    // The guided setup names the scope the deployment needs.
    assert!(text(&root, "#setup-scopes").contains("okta.users.read"));
}

#[wasm_bindgen_test]
async fn submitting_an_empty_form_shows_both_errors_and_focuses_the_first_field() {
    let root = mount(CONFIG);
    let button: HtmlElement = find(&root, "button.primary").unwrap().unchecked_into();
    button.click();
    sleep(20).await;
    assert!(!text(&root, "#org-error").is_empty());
    assert!(!text(&root, "#token-error").is_empty());
    let active = document().active_element().map(|e| e.id());
    assert_eq!(active.as_deref(), Some("org"));
    // Nothing was sent: no result, no progress.
    assert!(find(&root, "#result").is_none());
}

#[wasm_bindgen_test]
async fn partner_name_is_shown() {
    let root = mount(r#"{"proxy": "/okta/{host}{path}", "partner": {"name": "Acme Security"}}"#);
    sleep(10).await;
    assert!(text(&root, "h1").contains("Acme Security"));
}

#[wasm_bindgen_test]
async fn the_rate_limit_countdown_keeps_its_element_and_changes_its_number() {
    let container = container();
    let b = boot(CONFIG);
    let phase = std::rc::Rc::new(std::cell::Cell::new(None));
    let slot = phase.clone();
    leptos::mount::mount_to(container.clone(), move || {
        let (session, _texts) = provide(b, String::new(), String::new());
        slot.set(Some(session.phase));
        view! { <Progress /> }
    })
    .forget();
    let phase = phase.take().unwrap();
    assert!(find(&container, "[role=timer]").is_none());
    phase.set(Phase::Checking {
        stage: Stage::Identify,
        wait_seconds: Some(5),
    });
    sleep(20).await;
    let timer = find(&container, "[role=timer]").expect("a countdown while waiting");
    let step = find(&container, "ol.progress li").expect("the steps");
    assert!(
        timer
            .text_content()
            .unwrap()
            .contains("in \u{2068}5\u{2069} seconds"),
        "{:?}",
        timer.text_content()
    );
    // Each second the check sets its phase again with the seconds left: the same elements, a
    // new number.
    phase.set(Phase::Checking {
        stage: Stage::Identify,
        wait_seconds: Some(3),
    });
    sleep(20).await;
    let after = find(&container, "[role=timer]").unwrap();
    assert!(
        after.is_same_node(Some(&timer)),
        "the countdown was rebuilt"
    );
    assert!(find(&container, "ol.progress li")
        .unwrap()
        .is_same_node(Some(&step)));
    assert!(
        after
            .text_content()
            .unwrap()
            .contains("in \u{2068}3\u{2069} seconds"),
        "{:?}",
        after.text_content()
    );
    phase.set(Phase::Idle);
    sleep(20).await;
    assert!(find(&container, "ol.progress").is_none());
}

#[wasm_bindgen_test]
async fn the_size_observer_goes_with_the_page_that_asked_for_it() {
    // Each page watches the height once, and disposing it disconnects its observer, so there
    // is never more than one per page.
    let config = boot(CONFIG).config;
    let card = document().create_element("div").unwrap();
    let before = observers();
    for _ in 0..3 {
        let owner = Owner::new();
        owner.with(|| Embed::new(&config).watch_height(&card));
        assert_eq!(observers(), before + 1);
        owner.cleanup();
        assert_eq!(observers(), before);
    }
}

#[wasm_bindgen_test]
async fn switching_the_language_keeps_what_was_typed_the_focus_and_the_host() {
    let root = container();
    let b = boot(
        r#"{"proxy": "/okta/{host}{path}", "languages": ["en", "de"],
            "allowed_origins": ["https://host.example"]}"#,
    );
    let english = b.texts.clone();
    let mounted = mount_app(root.clone(), b);
    let (session, texts) = (mounted.session, mounted.texts);
    let (org, token) = (input(&root, "org"), input(&root, "token"));
    // Typed once the page has settled, as a person would.
    sleep(20).await;
    type_into(&org, "acme.okta.com");
    type_into(&token, "00abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123");
    token.focus().unwrap();
    // The host proved its origin (what its first valid message does).
    assert!(session.embed().bind("https://host.example"));
    let card = find(&root, ".card").unwrap();
    sleep(20).await;
    assert_eq!(text(&root, "label[for=org]"), english.t("org.label"));

    // Another catalogue: every text follows, nothing is mounted again.
    let german = Catalog::parse(
        r#"{"org.label": "Okta-Organisation", "token.label": "API-Token", "check.button": "Prüfen"}"#,
        &BrowserJson,
    )
    .unwrap();
    let fallback = Catalog::parse(EN_JSON, &BrowserJson).unwrap();
    texts.set(Texts::new(Lang::De, german, fallback));
    sleep(20).await;
    assert_eq!(text(&root, "label[for=org]"), "Okta-Organisation");
    assert_eq!(text(&root, "label[for=token]"), "API-Token");
    assert_eq!(text(&root, "button.primary"), "Prüfen");
    // Text the new catalogue lacks comes from English.
    assert_eq!(text(&root, "#org-hint"), english.t("org.hint"));
    assert!(find(&root, ".card").unwrap().is_same_node(Some(&card)));
    assert!(input(&root, "org").is_same_node(Some(&org)));
    assert!(input(&root, "token").is_same_node(Some(&token)));
    assert_eq!(org.value(), "acme.okta.com");
    assert_eq!(token.value(), "00abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123");
    assert!(text(&root, "#org-preview").contains("https://acme.okta.com"));
    assert_eq!(
        document().active_element().map(|e| e.id()).as_deref(),
        Some("token")
    );
    assert_eq!(
        session.embed().bound().as_deref(),
        Some("https://host.example")
    );

    // Through the menu: the menu keeps the focus while the page changes language.
    let select: web_sys::HtmlSelectElement = find(&root, "select").unwrap().unchecked_into();
    select.focus().unwrap();
    select.set_value("en");
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let change = web_sys::Event::new_with_event_init_dict("change", &init).unwrap();
    select.dispatch_event(&change).unwrap();
    for _ in 0..50 {
        if texts.with_untracked(Texts::lang) == Lang::En {
            break;
        }
        sleep(20).await;
    }
    sleep(20).await;
    assert_eq!(text(&root, "label[for=org]"), english.t("org.label"));
    assert!(find(&root, "select").unwrap().is_same_node(Some(&select)));
    assert!(document()
        .active_element()
        .is_some_and(|e| e.is_same_node(Some(&select))));
    assert_eq!(org.value(), "acme.okta.com");
    assert_eq!(token.value(), "00abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123");
    assert_eq!(
        session.embed().bound().as_deref(),
        Some("https://host.example")
    );
    mounted.forget();
}
