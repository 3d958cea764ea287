//! Integration tests of okta-proxy over real HTTP on loopback (one binary to keep links few).

mod binary;
mod check_server;
mod common;
mod connections;
mod dns;
mod keys;
mod operate;
mod page;
mod proxy;
mod redis_url;
mod security;
mod tamper;
mod upstream;
