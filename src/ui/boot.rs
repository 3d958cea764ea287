//! Start-up: read `config.json` beside `index.html`, the URL fragment and the language, then
//! hand the page everything it needs. A broken or missing config shows an integrator-facing
//! error page naming the bad key, never a half-working form.

use std::sync::Arc;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::color;
use crate::core::config::{Config, ConfigError, Theme};
use crate::core::fragment::{self, Fragment};
use crate::i18n::{self, Catalog, Lang, Texts};
use crate::net::{self, BrowserJson};

/// What the page starts with. Shared, not copied, by the parts of the page that need it.
#[derive(Clone)]
pub struct Boot {
    pub config: Arc<Config>,
    pub fragment: Arc<Fragment>,
    pub texts: Texts,
}

/// Why the page cannot start (shown to the integrator).
#[derive(Debug, Clone)]
pub enum BootError {
    /// `config.json` could not be fetched (status 0 means the request failed).
    ConfigMissing { status: u16 },
    /// A key is missing, unknown or invalid.
    ConfigInvalid(ConfigError),
}

pub async fn boot() -> Result<Boot, BootError> {
    // The fragment is read once, first: it leaves the address bar and history before anything
    // else can fail, so a session token handed over in it does not linger there (not even when
    // the configuration cannot be read). It is parsed once the configuration says what it may
    // hold.
    let hash = window().location().hash().unwrap_or_default();
    if !hash.is_empty() {
        if let Ok(history) = window().history() {
            let loc = window().location();
            let clean = format!(
                "{}{}",
                loc.pathname().unwrap_or_default(),
                loc.search().unwrap_or_default()
            );
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&clean));
        }
    }

    let (status, text) = net::get_own("config.json")
        .await
        .map_err(|_| BootError::ConfigMissing { status: 0 })?;
    if status != 200 {
        return Err(BootError::ConfigMissing { status });
    }
    let config = Config::from_json(&text, &BrowserJson).map_err(BootError::ConfigInvalid)?;
    let fragment = fragment::parse(&hash, &config);

    let browser_langs: Vec<String> = window()
        .navigator()
        .languages()
        .iter()
        .filter_map(|v| v.as_string())
        .collect();
    let lang = i18n::negotiate(
        fragment.lang.map(|l| l.code()),
        &browser_langs,
        &config.languages,
        config.default_language,
    );
    let texts = load_texts(lang).await;
    Ok(Boot {
        config: Arc::new(config),
        fragment: Arc::new(fragment),
        texts,
    })
}

/// English is compiled in; another language is fetched from `i18n/<lang>.json` beside the page
/// and falls back to English if it cannot be read.
pub async fn load_texts(lang: Lang) -> Texts {
    let english = Catalog::parse(i18n::EN_JSON, &BrowserJson).unwrap_or_default();
    if lang == Lang::En {
        return Texts::new(Lang::En, Catalog::default(), english);
    }
    match net::get_own(&format!("i18n/{}.json", lang.code())).await {
        Ok((200, text)) => match Catalog::parse(&text, &BrowserJson) {
            Ok(chosen) => Texts::new(lang, chosen, english),
            Err(_) => Texts::new(Lang::En, Catalog::default(), english),
        },
        _ => Texts::new(Lang::En, Catalog::default(), english),
    }
}

/// `<html lang dir data-theme>` and the partner's brand colour.
pub fn apply_document_settings(boot: &Boot) {
    let Some(html) = document().document_element() else {
        return;
    };
    let lang = boot.texts.lang();
    let _ = html.set_attribute("lang", lang.code());
    let _ = html.set_attribute("dir", lang.dir());
    let theme = boot.fragment.theme.unwrap_or(boot.config.theme);
    match theme {
        Theme::Light => {
            let _ = html.set_attribute("data-theme", "light");
        }
        Theme::Dark => {
            let _ = html.set_attribute("data-theme", "dark");
        }
        Theme::System => {
            let _ = html.remove_attribute("data-theme");
        }
    }
    // The partner's colour on the primary button, shaded if needed so its text stays at 4.5:1.
    if let Some(brand) = boot
        .config
        .partner
        .brand_color
        .as_deref()
        .and_then(color::Rgb::parse)
    {
        let (bg, fg) = color::readable(brand);
        if let Some(el) = html.dyn_ref::<web_sys::HtmlElement>() {
            let style = el.style();
            let _ = style.set_property("--accent", &bg.hex());
            let _ = style.set_property("--on-accent", &fg.hex());
        }
    }
    document().set_title(&boot.texts.t("app.document_title"));
}

/// The integrator-facing page for a broken deployment. English only: the configuration that
/// would choose a language is what is broken.
#[component]
pub fn ConfigErrorPage(error: BootError) -> impl IntoView {
    let (what, key) = match &error {
        BootError::ConfigMissing { status: 0 } => {
            ("config.json could not be fetched.".to_string(), None)
        }
        BootError::ConfigMissing { status } => (
            format!("config.json could not be fetched (HTTP {status})."),
            None,
        ),
        BootError::ConfigInvalid(e) => (e.to_string(), Some(e.key.clone())),
    };
    let fix = if key.is_some() {
        "Fix this key in config.json. See the Configuration section of the README."
    } else {
        "Deploy a config.json beside index.html. See the Configuration section of the README."
    };
    view! {
        <div class="card config-error" role="alert">
            <h1>"This page is not configured correctly"</h1>
            <p>{what}</p>
            {key.map(|k| view! { <p>"Key: "<code>{k}</code></p> })}
            <p>{fix}</p>
            <p class="hint">
                "This message is for the team that deployed this page. If you are connecting your Okta organization, please contact them."
            </p>
        </div>
    }
}
