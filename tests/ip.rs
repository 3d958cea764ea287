//! The page's IP literal reader and writer (`okta_link::core::ip`) agree with `std::net` on
//! generated addresses and on strings built from the characters addresses are made of.
#![cfg(not(target_arch = "wasm32"))]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use okta_link::core::ip;
use proptest::prelude::*;

/// Groups with many zeros, so runs of them (and ties between runs) are common.
fn groups() -> impl Strategy<Value = [u16; 8]> {
    proptest::array::uniform8(prop_oneof![3 => Just(0u16), 1 => Just(0xffff), 4 => any::<u16>()])
}

fn std_v4(s: &str) -> Option<[u8; 4]> {
    s.parse::<Ipv4Addr>().ok().map(|a| a.octets())
}

fn std_v6(s: &str) -> Option<[u16; 8]> {
    s.parse::<Ipv6Addr>().ok().map(|a| a.segments())
}

// Cases from PROPTEST_CASES (512 in CI; `cargo xtask fuzz` runs many more).
proptest! {

    #[test]
    fn ipv6_is_written_and_read_as_std_does(g in groups()) {
        let shown = ip::show_v6(g);
        prop_assert_eq!(&shown, &Ipv6Addr::from(g).to_string());
        prop_assert_eq!(ip::parse_v6(&shown), Some(g));
    }

    #[test]
    fn ipv4_is_written_and_read_as_std_does(a in any::<[u8; 4]>()) {
        let shown = ip::show_v4(a);
        prop_assert_eq!(&shown, &Ipv4Addr::from(a).to_string());
        prop_assert_eq!(ip::parse_v4(&shown), Some(a));
    }

    #[test]
    fn near_misses_are_read_as_std_reads_them(s in "[0-9a-fA-F:.x+ ]{0,44}") {
        prop_assert_eq!(ip::parse_v4(&s), std_v4(&s), "v4 {:?}", s);
        prop_assert_eq!(ip::parse_v6(&s), std_v6(&s), "v6 {:?}", s);
        prop_assert_eq!(ip::normalize(&s), s.parse::<IpAddr>().ok().map(|a| a.to_string()));
    }

    #[test]
    fn addresses_with_edits_are_read_as_std_reads_them(
        g in groups(),
        v4 in any::<bool>(),
        cut in 0usize..48,
        insert in "[0-9a-f:.]{0,3}",
    ) {
        let base = if v4 {
            let [a, b] = g[0].to_be_bytes();
            let [c, d] = g[1].to_be_bytes();
            if g[2] % 2 == 0 { ip::show_v4([a, b, c, d]) } else { format!("::ffff:{a}.{b}.{c}.{d}") }
        } else {
            ip::show_v6(g)
        };
        let at = cut.min(base.len());
        let s = format!("{}{}{}", &base[..at], insert, &base[at..]);
        prop_assert_eq!(ip::parse_v4(&s), std_v4(&s), "v4 {:?}", s);
        prop_assert_eq!(ip::parse_v6(&s), std_v6(&s), "v6 {:?}", s);
    }
}

#[test]
fn the_cases_std_is_strict_about() {
    for s in [
        "",
        "1.2.3",
        "1.2.3.4.5",
        "01.2.3.4",
        "1.2.3.256",
        "1.2.3.4 ",
        "+1.2.3.4",
        "0.0.0.0",
        "::",
        ":::",
        "1::2::3",
        "::1",
        "1::",
        ":1::",
        "1:2:3:4:5:6:7:8",
        "1:2:3:4:5:6:7:8:9",
        "1:2:3:4:5:6:7::",
        "::1:2:3:4:5:6:7",
        "::1:2:3:4:5:6:7:8",
        "12345::",
        "::ffff:1.2.3.4",
        "::1.2.3.4",
        "1.2.3.4::",
        "1:2:3:4:5:6:1.2.3.4",
        "1:2:3:4:5:6:7:1.2.3.4",
        "::1.2.3.4:5",
        "fe80::1%eth0",
        "[::1]",
        "::FFFF:1.2.3.4",
        "0000::",
        "00000::",
    ] {
        assert_eq!(ip::parse_v4(s), std_v4(s), "v4 {s:?}");
        assert_eq!(ip::parse_v6(s), std_v6(s), "v6 {s:?}");
        assert_eq!(
            ip::normalize(s),
            s.parse::<IpAddr>().ok().map(|a| a.to_string()),
            "{s:?}"
        );
    }
}
