//! IP address literals, read and written exactly as `std::net` does (strict dotted decimal for
//! IPv4; IPv6 with one `::` and an optional dotted tail, written the RFC 5952 way), without
//! `std::net`'s parser and formatter, which cost the download about 6 kB of raw WebAssembly.
//! `tests/ip.rs` checks both against `std::net` on generated addresses and near-misses.

/// A strict dotted-decimal IPv4 address: four numbers 0 to 255, no leading zeros, nothing else.
pub fn parse_v4(s: &str) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = s.split('.');
    for o in out.iter_mut() {
        let p = parts.next()?;
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if p.len() > 1 && p.starts_with('0') {
            return None;
        }
        *o = p.parse::<u16>().ok().filter(|n| *n <= 255)? as u8;
    }
    parts.next().is_none().then_some(out)
}

/// An IPv6 address: up to eight groups of one to four hex digits, at most one `::`, and
/// optionally an IPv4 address in place of the last two groups.
pub fn parse_v6(s: &str) -> Option<[u16; 8]> {
    fn groups(part: &str, allow_v4: bool) -> Option<Vec<u16>> {
        let mut out = Vec::new();
        if part.is_empty() {
            return Some(out);
        }
        let pieces: Vec<&str> = part.split(':').collect();
        for (i, g) in pieces.iter().enumerate() {
            if allow_v4 && i == pieces.len() - 1 && g.contains('.') {
                let [a, b, c, d] = parse_v4(g)?;
                out.push(u16::from_be_bytes([a, b]));
                out.push(u16::from_be_bytes([c, d]));
            } else {
                if g.is_empty() || g.len() > 4 || !g.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                out.push(u16::from_str_radix(g, 16).ok()?);
            }
        }
        Some(out)
    }
    let mut out = [0u16; 8];
    match crate::core::text::split_once(s, "::") {
        Some((head, tail)) => {
            let head = groups(head, false)?;
            let tail = groups(tail, true)?;
            // `::` stands for at least one group of zeros.
            if head.len() + tail.len() > 7 {
                return None;
            }
            out[..head.len()].copy_from_slice(&head);
            out[8 - tail.len()..].copy_from_slice(&tail);
        }
        None => {
            let all = groups(s, true)?;
            if all.len() != 8 {
                return None;
            }
            out.copy_from_slice(&all);
        }
    }
    Some(out)
}

/// An IPv4 address written as dotted decimal.
pub fn show_v4(a: [u8; 4]) -> String {
    let [a, b, c, d] = a.map(u32::from);
    format!("{a}.{b}.{c}.{d}")
}

/// An IPv6 address written as `std::net::Ipv6Addr` displays it: lowercase hex, the longest run
/// of two or more zero groups (the first of equal runs) as `::`, and `::ffff:a.b.c.d` for an
/// IPv4-mapped address.
pub fn show_v6(g: [u16; 8]) -> String {
    if g[..5] == [0; 5] && g[5] == 0xffff {
        let [a, b] = g[6].to_be_bytes();
        let [c, d] = g[7].to_be_bytes();
        return format!("::ffff:{}", show_v4([a, b, c, d]));
    }
    // The longest run of zero groups.
    let (mut best, mut best_len, mut run, mut run_len) = (0, 0, 0, 0);
    for (i, x) in g.iter().enumerate() {
        if *x == 0 {
            if run_len == 0 {
                run = i;
            }
            run_len += 1;
            if run_len > best_len {
                best = run;
                best_len = run_len;
            }
        } else {
            run_len = 0;
        }
    }
    let hex = |part: &[u16]| {
        let mut out = String::new();
        for (i, x) in part.iter().enumerate() {
            if i > 0 {
                out.push(':');
            }
            crate::core::text::push_hex(&mut out, (*x).into(), 1, false);
        }
        out
    };
    if best_len > 1 {
        format!("{}::{}", hex(&g[..best]), hex(&g[best + best_len..]))
    } else {
        hex(&g)
    }
}

/// An IPv4 or IPv6 address, written back as `std::net::IpAddr` displays it.
pub fn normalize(s: &str) -> Option<String> {
    parse_v4(s)
        .map(show_v4)
        .or_else(|| parse_v6(s).map(show_v6))
}
