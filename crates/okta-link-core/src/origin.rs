//! The one rule for a web origin (`scheme://host[:port]`), used by the page (config.json's
//! `allowed_origins`, the origin of a host's `postMessage`) and by the reference proxy (its
//! allowed page origins) alike, so both accept exactly the same origins.
//!
//! An origin is `https`, or `http` on a loopback host (`localhost`, `127.0.0.1`, `[::1]`, for
//! development); a DNS name, IPv4 or bracketed IPv6 host; no path (not even `/`, which no
//! browser puts in an origin), query, fragment, user info or wildcard. It is parsed with `url::Url` and written as the URL
//! standard serializes origins: lowercase, default port dropped.

use crate::hosts::is_dns_name;

use std::fmt;

/// Why a text is not an allowed origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OriginError {
    /// Nothing was given.
    Empty,
    /// Not of the shape `scheme://host[:port]`.
    NotAnOrigin,
    /// `http` on a host that is not loopback, or another scheme.
    SchemeNotAllowed,
}

impl fmt::Display for OriginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OriginError::Empty => "an origin is needed",
            OriginError::NotAnOrigin => {
                "an origin is scheme://host[:port], without path, query, fragment or credentials"
            }
            OriginError::SchemeNotAllowed => "an origin must be https (http only on loopback)",
        })
    }
}

impl std::error::Error for OriginError {}

/// Whether `host` (as `url::Url` writes it) is a loopback name or address.
pub fn is_loopback_host(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

/// `s` as a normalized origin, or why it is not one.
pub fn normalize_origin(s: &str) -> Result<String, OriginError> {
    if s.is_empty() {
        return Err(OriginError::Empty);
    }
    if s.len() > 512 || s.contains('*') || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(OriginError::NotAnOrigin);
    }
    let lower = s.to_ascii_lowercase();
    let authority = if let Some(rest) = lower.strip_prefix("https://") {
        rest
    } else if let Some(rest) = lower.strip_prefix("http://") {
        rest
    } else {
        return Err(OriginError::SchemeNotAllowed);
    };
    // Nothing after the authority, and no user info in it.
    if authority.is_empty() || authority.contains(['/', '?', '#', '@', '\\']) {
        return Err(OriginError::NotAnOrigin);
    }
    let url = url::Url::parse(s).map_err(|_| OriginError::NotAnOrigin)?;
    let host = match url.host() {
        Some(url::Host::Domain(d)) if is_dns_name(d) => d.to_string(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => format!("[{ip}]"),
        _ => return Err(OriginError::NotAnOrigin),
    };
    // An empty port (`host:`) is dropped by the URL parser; here it is a typo.
    if url.port() == Some(0) || authority.ends_with(':') {
        return Err(OriginError::NotAnOrigin);
    }
    if url.scheme() != "https" && !is_loopback_host(&host) {
        return Err(OriginError::SchemeNotAllowed);
    }
    Ok(url.origin().ascii_serialization())
}
