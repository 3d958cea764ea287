//! The pure core: plain Rust, no browser, no I/O.

pub mod access;
pub mod app_check;
pub mod color;
pub mod config;
pub mod credential;
pub mod decode;
pub mod diagnosis;
pub mod fragment;
pub mod hosts;
pub mod lang;
pub mod oauth;
pub mod okta;
pub mod org_url;
pub mod origin;
pub mod outcome;
pub mod plan;
pub mod protocol;
pub mod recipient;
pub mod result;
pub mod server_check;
pub mod token;
pub mod update;
