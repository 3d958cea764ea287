//! Which addresses the proxy may connect to. Pure: no I/O.
//!
//! The proxy forwards an admin's API token to a host named by the browser, so it must never be
//! turned into a way to reach the machine it runs on or its private network (SSRF). Every
//! address a name resolves to passes through [`forbidden_reason`] before a connection is made;
//! the address that was vetted is the one connected to, so DNS rebinding gains nothing.
//!
//! IPv4 uses a deny-list of every special-purpose range (RFC 6890 and friends); IPv6 allows
//! only global unicast (`2000::/3`) minus its special ranges, and judges addresses that embed an
//! IPv4 address (mapped, NAT64, 6to4) by the embedded one.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why `ip` must not be connected to, or `None` when it is an ordinary public address.
pub fn forbidden_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_reason(v4),
        IpAddr::V6(v6) => v6_reason(v6),
    }
}

/// True when the proxy may connect to `ip`.
pub fn is_public(ip: IpAddr) -> bool {
    forbidden_reason(ip).is_none()
}

fn in_v4(ip: u32, net: [u8; 4], len: u32) -> bool {
    let net = u32::from_be_bytes(net);
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    ip & mask == net & mask
}

fn v4_reason(ip: Ipv4Addr) -> Option<&'static str> {
    let n = u32::from(ip);
    const TABLE: &[([u8; 4], u32, &str)] = &[
        ([169, 254, 169, 254], 32, "cloud metadata service"),
        ([100, 100, 100, 200], 32, "cloud metadata service"),
        ([255, 255, 255, 255], 32, "broadcast"),
        ([0, 0, 0, 0], 8, "unspecified / this network"),
        ([10, 0, 0, 0], 8, "private network"),
        (
            [100, 64, 0, 0],
            10,
            "carrier-grade NAT (shared address space)",
        ),
        ([127, 0, 0, 0], 8, "loopback"),
        ([169, 254, 0, 0], 16, "link-local"),
        ([172, 16, 0, 0], 12, "private network"),
        ([192, 0, 0, 0], 24, "IETF protocol assignments"),
        ([192, 0, 2, 0], 24, "documentation (TEST-NET-1)"),
        ([192, 31, 196, 0], 24, "AS112"),
        ([192, 52, 193, 0], 24, "AMT"),
        ([192, 88, 99, 0], 24, "6to4 relay anycast"),
        ([192, 168, 0, 0], 16, "private network"),
        ([192, 175, 48, 0], 24, "AS112 direct delegation"),
        ([198, 18, 0, 0], 15, "benchmarking"),
        ([198, 51, 100, 0], 24, "documentation (TEST-NET-2)"),
        ([203, 0, 113, 0], 24, "documentation (TEST-NET-3)"),
        ([224, 0, 0, 0], 4, "multicast"),
        ([240, 0, 0, 0], 4, "reserved"),
    ];
    TABLE
        .iter()
        .find(|(net, len, _)| in_v4(n, *net, *len))
        .map(|(_, _, why)| *why)
}

fn in_v6(ip: u128, net: u128, len: u32) -> bool {
    let mask = if len == 0 {
        0
    } else {
        u128::MAX << (128 - len)
    };
    ip & mask == net & mask
}

fn v6(s: [u16; 8]) -> u128 {
    u128::from(Ipv6Addr::new(
        s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7],
    ))
}

fn embedded_v4(hi: u16, lo: u16) -> Ipv4Addr {
    Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo))
}

fn v6_reason(ip: Ipv6Addr) -> Option<&'static str> {
    let n = u128::from(ip);
    let s = ip.segments();
    if ip.is_unspecified() {
        return Some("unspecified");
    }
    if ip.is_loopback() {
        return Some("loopback");
    }
    // ::ffff:a.b.c.d: an IPv4 address in IPv6 clothing; judge the IPv4 address.
    if in_v6(n, v6([0, 0, 0, 0, 0, 0xffff, 0, 0]), 96) {
        return v4_reason(embedded_v4(s[6], s[7]))
            .map(|_| "IPv4-mapped IPv6 form of a forbidden IPv4 address");
    }
    // ::a.b.c.d (IPv4-compatible, deprecated) and ::ffff:0:a.b.c.d (IPv4-translated).
    if in_v6(n, 0, 96) || in_v6(n, v6([0, 0, 0, 0, 0xffff, 0, 0, 0]), 96) {
        return Some("IPv4-compatible IPv6 address (deprecated)");
    }
    // NAT64 well-known prefix: reaches the embedded IPv4 address.
    if in_v6(n, v6([0x64, 0xff9b, 0, 0, 0, 0, 0, 0]), 96) {
        return v4_reason(embedded_v4(s[6], s[7]))
            .map(|_| "NAT64 form of a forbidden IPv4 address");
    }
    // 6to4: 2002:aabb:ccdd::/48 tunnels to a.b.c.d.
    if in_v6(n, v6([0x2002, 0, 0, 0, 0, 0, 0, 0]), 16) {
        return v4_reason(embedded_v4(s[1], s[2])).map(|_| "6to4 form of a forbidden IPv4 address");
    }
    const TABLE: &[([u16; 8], u32, &str)] = &[
        (
            [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254],
            128,
            "cloud metadata service",
        ),
        ([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48, "local-use NAT64"),
        ([0x100, 0, 0, 0, 0, 0, 0, 0], 64, "discard-only"),
        ([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32, "documentation"),
        (
            [0x2001, 0, 0, 0, 0, 0, 0, 0],
            23,
            "IETF protocol assignments (incl. Teredo)",
        ),
        ([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20, "documentation"),
        (
            [0xfc00, 0, 0, 0, 0, 0, 0, 0],
            7,
            "unique local (private network)",
        ),
        ([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10, "link-local"),
        ([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10, "site-local (deprecated)"),
        ([0xff00, 0, 0, 0, 0, 0, 0, 0], 8, "multicast"),
    ];
    if let Some((_, _, why)) = TABLE.iter().find(|(net, len, _)| in_v6(n, v6(*net), *len)) {
        return Some(why);
    }
    if !in_v6(n, v6([0x2000, 0, 0, 0, 0, 0, 0, 0]), 3) {
        return Some("not a global unicast address");
    }
    None
}

/// What the WHATWG URL host parser makes of a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostReading {
    /// An IP address, in whatever spelling: `127.1`, `0x7f.0x0…01`, `2130706433`, `0177.0.0.1.`,
    /// `[::ffff:7f00:1]`.
    Ip(IpAddr),
    /// Read as an IP address (it ends in a number, or is bracketed) but not a valid one
    /// (`foo.123`, `1.2.3.4.5`, `08.1.1.1`, `[::1`): URL parsers refuse such a host.
    InvalidIp,
    /// Not an IP address: a domain name, or something that is not a host at all (left to the
    /// DNS-name rules).
    NotIp,
}

/// Read `host` with the `url` crate's host parser: the WHATWG URL standard's, the one browsers
/// use, and the one the upstream URL is checked with before the client gets it
/// (`forward::checked_url`). Any spelling that parser takes for an IP address, of any length, is
/// an IP address here too (a superset of what the connector's `std` parser takes for one), so
/// no hand-made number parser can disagree with the client that connects.
pub fn read_host(host: &str) -> HostReading {
    match url::Host::parse(host) {
        Ok(url::Host::Ipv4(a)) => HostReading::Ip(IpAddr::V4(a)),
        Ok(url::Host::Ipv6(a)) => HostReading::Ip(IpAddr::V6(a)),
        Ok(url::Host::Domain(_)) => HostReading::NotIp,
        Err(url::ParseError::InvalidIpv4Address | url::ParseError::InvalidIpv6Address) => {
            HostReading::InvalidIp
        }
        Err(_) => HostReading::NotIp,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> IpAddr {
        IpAddr::V4(s.parse().unwrap())
    }
    fn v6a(s: &str) -> IpAddr {
        IpAddr::V6(s.parse().unwrap())
    }

    #[test]
    fn ipv4_forbidden_ranges() {
        for a in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.5",
            "10.255.255.255",
            "100.64.0.1",
            "100.127.255.254",
            "100.100.100.200",
            "127.0.0.1",
            "127.255.255.254",
            "169.254.0.1",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.88.99.1",
            "192.168.0.1",
            "192.168.255.255",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
        ] {
            assert!(forbidden_reason(v4(a)).is_some(), "{a} must be forbidden");
        }
    }

    #[test]
    fn ipv4_public_allowed() {
        for a in [
            "1.1.1.1",
            "8.8.8.8",
            "9.255.255.255",
            "11.0.0.1",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.167.255.255",
            "192.169.0.0",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "52.9.1.1",
        ] {
            assert_eq!(forbidden_reason(v4(a)), None, "{a} is public");
        }
    }

    #[test]
    fn metadata_named_as_such() {
        assert_eq!(
            forbidden_reason(v4("169.254.169.254")),
            Some("cloud metadata service")
        );
        assert_eq!(
            forbidden_reason(v4("100.100.100.200")),
            Some("cloud metadata service")
        );
        assert_eq!(
            forbidden_reason(v6a("fd00:ec2::254")),
            Some("cloud metadata service")
        );
    }

    #[test]
    fn ipv6_forbidden_ranges() {
        for a in [
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:192.168.1.1",
            "::ffff:0.0.0.0",
            "::127.0.0.1",
            "::8.8.8.8",
            "::ffff:0:8.8.8.8",
            "64:ff9b::127.0.0.1",
            "64:ff9b::a00:1",
            "64:ff9b:1::1",
            "100::1",
            "2001:db8::1",
            "2001::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "2002:7f00:1::1",
            "2002:a9fe:a9fe::1",
            "3fff::1",
            "fc00::1",
            "fd00::1",
            "fd00:ec2::254",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
            "4000::1",
            "5f00::1",
            "e000::1",
        ] {
            assert!(forbidden_reason(v6a(a)).is_some(), "{a} must be forbidden");
        }
    }

    #[test]
    fn ipv6_public_allowed() {
        for a in [
            "2606:4700:4700::1111",
            "2001:4860:4860::8888",
            "2a00:1450::1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
            "3ffe::1",
        ] {
            assert_eq!(forbidden_reason(v6a(a)), None, "{a} is public");
        }
    }

    fn read_v4(s: &str) -> Option<Ipv4Addr> {
        match read_host(s) {
            HostReading::Ip(IpAddr::V4(a)) => Some(a),
            _ => None,
        }
    }

    #[test]
    fn every_spelling_of_an_ipv4_address_is_read_as_one() {
        let lo = Some(Ipv4Addr::new(127, 0, 0, 1));
        let zeros = "0".repeat(40);
        for s in [
            "127.0.0.1".to_string(),
            "2130706433".into(),
            "0177.0.0.1".into(),
            "0x7f.1".into(),
            "0x7f000001".into(),
            "017700000001".into(),
            "127.1".into(),
            "127.0.1".into(),
            "0X7F.0.0.0x1".into(),
            "127.0.0.1.".into(),
            // The reported bypass: a hex part padded past 40 digits.
            format!("0x7f.0x{zeros}1"),
            format!("0x{zeros}7f.{zeros}0.0{zeros}.{zeros}1"),
            format!("0{zeros}177.1"),
            format!("0x{}7f000001", "0".repeat(500)),
        ] {
            assert_eq!(read_v4(&s), lo, "{s}");
        }
        assert_eq!(
            read_v4("0xa9.0xfe.0xa9.0xfe"),
            Some(Ipv4Addr::new(169, 254, 169, 254))
        );
        assert_eq!(read_v4("0"), Some(Ipv4Addr::new(0, 0, 0, 0)));
        assert_eq!(read_v4("0x"), Some(Ipv4Addr::new(0, 0, 0, 0)));
        assert_eq!(read_host("[::1]"), HostReading::Ip("::1".parse().unwrap()));
        assert_eq!(
            read_host("[::ffff:127.0.0.1]"),
            HostReading::Ip("::ffff:127.0.0.1".parse().unwrap())
        );
    }

    #[test]
    fn numeric_hosts_that_are_not_addresses_and_names() {
        for s in [
            "256.0.0.1",
            "1.2.3.256",
            "1.2.65536",
            "4294967296",
            "1.2.3.4.5",
            "08.1.1.1",
            "foo.123",
            "foo.0x1",
            "acme.0xdead",
            "[::1",
            "[1::2::3]",
        ] {
            assert_eq!(read_host(s), HostReading::InvalidIp, "{s}");
        }
        for s in [
            "acme.okta.com",
            "login.acme.com",
            "abc.def",
            "1x.example",
            "",
        ] {
            assert_eq!(read_host(s), HostReading::NotIp, "{s}");
        }
    }

    #[test]
    fn spellings_of_forbidden_addresses_are_forbidden() {
        for s in [
            "2130706433",
            "0177.0.0.1",
            "0x7f.1",
            "127.1",
            "0xa9fea9fe",
            "10.1",
            "0",
        ] {
            let HostReading::Ip(ip) = read_host(s) else {
                panic!("{s} is an address")
            };
            assert!(forbidden_reason(ip).is_some(), "{s} → {ip}");
        }
    }

    mod prop {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            /// An IPv4 address and its IPv4-mapped IPv6 form are judged alike.
            #[test]
            fn prop_mapped_forms_agree(n in any::<u32>()) {
                let v4 = Ipv4Addr::from(n);
                let mapped = IpAddr::V6(v4.to_ipv6_mapped());
                prop_assert_eq!(forbidden_reason(IpAddr::V4(v4)).is_some(), forbidden_reason(mapped).is_some());
                // The 6to4 and NAT64 forms of a forbidden address are forbidden too.
                if forbidden_reason(IpAddr::V4(v4)).is_some() {
                    let [a, b, c, d] = v4.octets();
                    let six_to_four = Ipv6Addr::new(0x2002, u16::from_be_bytes([a, b]), u16::from_be_bytes([c, d]), 0, 0, 0, 0, 1);
                    prop_assert!(forbidden_reason(IpAddr::V6(six_to_four)).is_some());
                    let nat64 = Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, u16::from_be_bytes([a, b]), u16::from_be_bytes([c, d]));
                    prop_assert!(forbidden_reason(IpAddr::V6(nat64)).is_some());
                }
            }

            /// Every spelling of an address reads back as it, however long the zero padding.
            #[test]
            fn prop_ipv4_spellings(n in any::<u32>(), pad in 0usize..64) {
                let v4 = Ipv4Addr::from(n);
                let [a, b, c, d] = v4.octets();
                let z = "0".repeat(pad);
                let want = HostReading::Ip(IpAddr::V4(v4));
                prop_assert_eq!(read_host(&v4.to_string()), want);
                prop_assert_eq!(read_host(&format!("0x{z}{n:x}")), want);
                prop_assert_eq!(read_host(&format!("0{z}{n:o}")), want);
                prop_assert_eq!(read_host(&format!("0x{z}{a:x}.0{z}{b:o}.{}.", u16::from_be_bytes([c, d]))), want);
            }

            #[test]
            fn prop_read_host_total(s in "[0-9a-fA-FxX.\\[\\]:]{0,60}") {
                let _ = read_host(&s);
            }
        }
    }
}
