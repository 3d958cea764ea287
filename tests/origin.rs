//! The one origin rule (`okta_link::core::origin`), which the page's configuration, the page's
//! `postMessage` check and the reference proxy's `--allowed-origin` all call.

use okta_link::core::origin::{normalize_origin, OriginError};

#[test]
fn origins_are_written_as_the_url_standard_serializes_them() {
    for (given, want) in [
        (
            "HTTPS://Portal.Example.COM:443",
            "https://portal.example.com",
        ),
        (
            "https://portal.example.com:8443",
            "https://portal.example.com:8443",
        ),
        ("http://localhost:8080", "http://localhost:8080"),
        ("http://127.0.0.1", "http://127.0.0.1"),
        ("http://[::1]:3000", "http://[::1]:3000"),
        ("https://[2001:DB8::1]", "https://[2001:db8::1]"),
    ] {
        assert_eq!(normalize_origin(given).as_deref(), Ok(want), "{given}");
    }
}

#[test]
fn http_is_allowed_only_on_loopback_for_page_and_proxy_alike() {
    for given in [
        "http://portal.example.com",
        "http://10.0.0.1",
        "http://[2001:db8::1]",
    ] {
        assert_eq!(
            normalize_origin(given),
            Err(OriginError::SchemeNotAllowed),
            "{given}"
        );
    }
    assert_eq!(
        normalize_origin("ftp://a.example"),
        Err(OriginError::SchemeNotAllowed)
    );
}

#[test]
fn anything_but_an_origin_is_refused() {
    assert_eq!(normalize_origin(""), Err(OriginError::Empty));
    for bad in [
        "null",
        "*",
        "https://*.example.com",
        "https://",
        "https://a.example/",
        "https://a.example/path",
        "https://a.example?x",
        "https://a.example#x",
        "https://u:p@a.example",
        "https://a.example:0",
        "https://a.example:",
        "https://a_b.example",
        "https://a.example ",
        "portal.example.com",
    ] {
        assert!(normalize_origin(bad).is_err(), "{bad}");
    }
}
