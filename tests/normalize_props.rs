//! Property tests for org URL and token normalization (native only: proptest and the `url`
//! crate are native dev-dependencies).
//!
//! * never a panic, on arbitrary Unicode and on URL-shaped strings;
//! * every accepted host is lowercase ASCII LDH of valid lengths, and parses with the `url`
//!   crate to the same host with no port and no path;
//! * normalization is idempotent;
//! * no accepted input yields an IP address, a loopback or a private name;
//! * every suggestion is itself accepted unchanged;
//! * an accepted token is non-empty ASCII without whitespace, and its `Debug`/`Display` never
//!   show it.
#![cfg(not(target_arch = "wasm32"))]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use okta_link::core::hosts;
use okta_link::org_url::{self, Correction, OrgUrl};
use okta_link::token;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

/// Everything an accepted org URL must satisfy.
fn check_accepted(input: &str, o: &OrgUrl) -> Result<(), TestCaseError> {
    let host = o.host();
    let ctx = || format!("input {input:?} gave host {host:?}");
    // Lowercase ASCII LDH, valid lengths.
    prop_assert!(hosts::is_dns_host(host), "not a DNS host: {}", ctx());
    prop_assert!(host.len() <= 253, "{}", ctx());
    prop_assert!(
        host.split('.')
            .all(|l| hosts::is_ldh_label(l) && (1..=63).contains(&l.len())),
        "{}",
        ctx()
    );
    prop_assert!(
        !host.bytes().any(|b| b.is_ascii_uppercase()) && host.is_ascii(),
        "{}",
        ctx()
    );
    // Not an IP, loopback or private name.
    prop_assert!(host.parse::<IpAddr>().is_err(), "IP: {}", ctx());
    prop_assert!(host.parse::<Ipv6Addr>().is_err(), "IPv6: {}", ctx());
    let labels: Vec<&str> = host.split('.').collect();
    prop_assert!(
        labels
            .windows(4)
            .all(|w| w.join(".").parse::<Ipv4Addr>().is_err()),
        "embedded IPv4: {}",
        ctx()
    );
    prop_assert!(
        labels
            .last()
            .is_some_and(|t| t.starts_with(|c: char| c.is_ascii_lowercase())),
        "numeric TLD: {}",
        ctx()
    );
    prop_assert!(!hosts::is_local_name(host), "local name: {}", ctx());
    let tld = *labels.last().unwrap_or(&"");
    prop_assert!(
        ![
            "localhost",
            "local",
            "internal",
            "arpa",
            "test",
            "invalid",
            "example",
            "lan",
            "home"
        ]
        .contains(&tld),
        "private top level: {}",
        ctx()
    );
    prop_assert!(!labels.contains(&"localhost"), "localhost label: {}", ctx());
    // Okta-owned hosts are exactly one org label, never a site, console or CNAME target.
    match o.okta_suffix() {
        Some(suffix) => {
            prop_assert!(hosts::is_okta_org_host(host), "not an org host: {}", ctx());
            prop_assert_eq!(hosts::okta_suffix(host), Some(suffix));
            let sub = o.subdomain().unwrap_or_default();
            prop_assert_eq!(format!("{sub}.{suffix}"), host);
            prop_assert!(!o.is_custom_domain());
        }
        None => {
            prop_assert!(hosts::okta_suffix(host).is_none(), "{}", ctx());
            prop_assert!(o.is_custom_domain() && o.subdomain().is_none());
            prop_assert!(
                hosts::near_miss_suffix(host).is_none(),
                "near miss: {}",
                ctx()
            );
        }
    }
    // Idempotent: the origin is accepted unchanged, the host alone only gains a scheme.
    let origin = o.origin();
    prop_assert_eq!(&origin, &format!("https://{host}"));
    let again = org_url::normalize(&origin);
    prop_assert!(again.is_ok(), "origin refused: {} -> {:?}", ctx(), again);
    let again = again.unwrap();
    prop_assert_eq!(again.host(), host);
    prop_assert!(again.corrections().is_empty(), "{:?}", again.corrections());
    prop_assert_eq!(again.okta_suffix(), o.okta_suffix());
    let bare = org_url::normalize(host);
    prop_assert!(bare.is_ok(), "host refused: {} -> {:?}", ctx(), bare);
    let bare = bare.unwrap();
    prop_assert_eq!(bare.host(), host);
    prop_assert_eq!(bare.corrections(), &[Correction::AddedScheme][..]);
    // The origin, cross-checked with the `url` crate.
    let parsed = match url::Url::parse(&origin) {
        Ok(p) => p,
        // `xn--` labels are checked for valid Punycode and plainly disallowed characters, not
        // for UTS 46's Bidi, joiner and NFC rules: only those may make the `url` crate refuse.
        Err(url::ParseError::IdnaError) if labels.iter().any(|l| l.starts_with("xn--")) => {
            return Ok(());
        }
        Err(e) => {
            return Err(TestCaseError::fail(format!(
                "url crate refuses {origin}: {e}"
            )))
        }
    };
    prop_assert_eq!(parsed.scheme(), "https");
    prop_assert_eq!(parsed.host_str(), Some(host), "{}", ctx());
    prop_assert_eq!(parsed.port(), None);
    prop_assert_eq!(parsed.path(), "/");
    prop_assert_eq!(parsed.query(), None);
    Ok(())
}

fn check(input: &str) -> Result<(), TestCaseError> {
    match org_url::normalize(input) {
        Ok(o) => check_accepted(input, &o),
        Err(e) => {
            prop_assert!(!e.code().is_empty());
            prop_assert!(!e.to_string().is_empty());
            if let Some(s) = e.suggestion() {
                let again = org_url::normalize(&s);
                prop_assert!(
                    again.as_ref().is_ok_and(|o| o.host() == s),
                    "input {:?}: suggestion {:?} gives {:?}",
                    input,
                    s,
                    again
                );
            }
            Ok(())
        }
    }
}

fn check_token(input: &str) -> Result<(), TestCaseError> {
    match token::clean(input) {
        Ok(t) => {
            let s = t.secret();
            prop_assert!(!s.is_empty() && !t.is_empty());
            prop_assert!(s.is_ascii(), "non-ASCII secret from {:?}", input);
            prop_assert!(
                !s.chars().any(char::is_whitespace),
                "whitespace from {:?}",
                input
            );
            prop_assert_eq!(t.len(), s.len());
            let expected = format!("ApiToken({} chars)", s.len());
            prop_assert_eq!(format!("{t:?}"), expected.clone());
            prop_assert_eq!(format!("{t}"), expected.clone());
            if s.len() >= 8 {
                let shown = format!("{t:?}{t}");
                prop_assert!(!shown.contains(s));
            }
            // Cleaning the clean secret gives it back.
            let again = token::clean(s);
            prop_assert!(
                again.as_ref().is_ok_and(|a| a.secret() == s),
                "not idempotent: {:?} -> {:?}",
                input,
                again.map(|a| a.len())
            );
        }
        Err(e) => {
            prop_assert!(!e.code().is_empty());
            prop_assert!(!e.to_string().is_empty());
        }
    }
    Ok(())
}

/// A label: plain, Okta-ish, numeric, odd.
fn label() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z][a-z0-9-]{0,10}[a-z0-9]",
        2 => "[a-zA-Z0-9-]{1,12}",
        1 => "[0-9]{1,3}",
        1 => prop::sample::select(vec![
            "okta", "com", "oktapreview", "okta-emea", "acme-admin", "www", "login", "localhost",
            "local", "internal", "xn--mnchen-3ya", "customdomains", "co", "otka", "com", "mil",
            "0x7f", "dev-123456", "example", "your-org", "admin", "arpa", "home", "nip", "io",
            "lvh", "me", "xn--kta-red", "trex-gov",
        ])
        .prop_map(str::to_string),
        1 => "[a-z0-9_%*{}$<>\\[\\]]{1,6}",
    ]
}

fn host() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(label(), 1..5),
        prop::option::of(prop::sample::select(hosts::OKTA_SUFFIXES.to_vec())),
        prop::bool::ANY,
    )
        .prop_map(|(labels, suffix, dot)| {
            let mut h = labels.join(".");
            if let Some(s) = suffix {
                h.push('.');
                h.push_str(s);
            }
            if dot {
                h.push('.');
            }
            h
        })
}

/// URL-shaped input: wrappers, scheme, user info, host, port, path, query, fragment.
fn urlish() -> impl Strategy<Value = String> {
    let scheme = prop::sample::select(vec![
        "",
        "",
        "https://",
        "http://",
        "HTTPS://",
        "https:/",
        "https:\\\\",
        "https//",
        "//",
        "ftp://",
        "https://https://",
        "https://://",
        "mailto:",
        "javascript:",
    ]);
    let userinfo = prop::sample::select(vec!["", "", "", "user@", "user:pass@", "a@b.com@"]);
    let port = prop_oneof![
        3 => Just(String::new()),
        1 => Just(":443".to_string()),
        1 => Just(":80".to_string()),
        1 => ":[0-9a-z]{0,6}",
    ];
    let path = "(/[a-zA-Z0-9._~%@:-]{0,8}){0,3}/?";
    let query = prop::option::of("[a-zA-Z0-9=&%/:.]{0,12}");
    let fragment = prop::option::of("[a-zA-Z0-9/#-]{0,8}");
    let wrap = prop::sample::select(vec![
        ("", ""),
        ("", ""),
        (" ", "\n"),
        ("\"", "\""),
        ("<", ">"),
        ("\u{200B}", "\u{FEFF}"),
        ("\u{00A0}", ""),
        ("[", "]"),
        ("'", ""),
    ]);
    (scheme, userinfo, host(), port, path, query, fragment, wrap).prop_map(
        |(scheme, userinfo, host, port, path, query, fragment, (open, close))| {
            let mut s = format!("{open}{scheme}{userinfo}{host}{port}{path}");
            if let Some(q) = query {
                s.push('?');
                s.push_str(&q);
            }
            if let Some(f) = fragment {
                s.push('#');
                s.push_str(&f);
            }
            s.push_str(close);
            s
        },
    )
}

proptest! {
    // At least 3000 cases, more when a long fuzz run asks for more (`cargo xtask fuzz`).
    #![proptest_config(ProptestConfig { cases: ProptestConfig::default().cases.max(3000), ..ProptestConfig::default() })]

    #[test]
    fn org_url_any_unicode(input in any::<String>()) {
        check(&input)?;
    }

    #[test]
    fn org_url_printable(input in "\\PC{0,60}") {
        check(&input)?;
    }

    #[test]
    fn org_url_host_alphabet(input in "[a-zA-Z0-9.:/@\\[\\]%_ -]{0,40}") {
        check(&input)?;
    }

    #[test]
    fn org_url_structured(input in urlish()) {
        check(&input)?;
    }

    #[test]
    fn org_url_hosts(h in host()) {
        check(&h)?;
        check(&format!("https://{h}/"))?;
    }

    #[test]
    fn token_any_unicode(input in any::<String>()) {
        check_token(&input)?;
    }

    #[test]
    fn token_shaped(
        prefix in prop::sample::select(vec![
            "", "SSWS ", "ssws", "Authorization: SSWS ", "Bearer ", "\"", " ", "OKTA_API_TOKEN=",
            "\u{200B}", "-H \"Authorization: ",
        ]),
        body in "[A-Za-z0-9_=:. \"'-]{0,50}",
        suffix in prop::sample::select(vec!["", "\n", "\"", "\",", " ", "\u{FEFF}"]),
    ) {
        check_token(&format!("{prefix}{body}{suffix}"))?;
    }

    #[test]
    fn usual_tokens_are_accepted_without_warning(body in "[A-Za-z0-9_-]{40}") {
        let secret = format!("00{body}");
        prop_assume!(!body.bytes().all(|b| b == b'x' || b == b'X'));
        let t = token::clean(&format!("SSWS {secret}\n"));
        prop_assert!(t.is_ok(), "{:?}", t);
        let t = t.unwrap();
        prop_assert_eq!(t.secret(), secret.as_str());
        prop_assert!(t.warnings().is_empty());
    }

    /// A token of the usual shape in the `Authorization: SSWS` header of a longer paste (a
    /// command with the header quoted, a raw request with the header on its own line) comes
    /// out whole, whatever surrounds it.
    #[test]
    fn the_header_of_a_whole_request_gives_its_token(
        body in "[A-Za-z0-9_-]{40}",
        before in "[a-zA-Z0-9 /:.\\n-]{1,60}",
        after in "[a-zA-Z0-9 /:.\\n\\\\-]{0,60}",
        (open, close) in prop::sample::select(vec![
            ("-H \"", "\" "), ("-H '", "' "), ("\n", "\n"), ("\r\n", "\r\n"),
        ]),
    ) {
        let secret = format!("00{body}");
        prop_assume!(!body.bytes().all(|b| b == b'x' || b == b'X'));
        prop_assume!(!format!("{before}{after}").to_ascii_lowercase().contains("authorization"));
        // On its own line, the header is followed by another header or nothing.
        let after = if open.starts_with('-') { after } else { format!("Accept: {after}") };
        let input = format!("{before} {open}Authorization: SSWS {secret}{close}{after}");
        let t = token::clean(&input);
        prop_assert!(t.is_ok(), "{:?} from {:?}", t, input);
        let t = t.unwrap();
        prop_assert_eq!(t.secret(), secret.as_str());
    }
}
