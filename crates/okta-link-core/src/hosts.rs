//! What is an Okta host. Written once, used by the page's normalizer and by the reference proxy,
//! so that both enforce the same rule.
//!
//! Hosts given to these functions are expected to be lowercase ASCII without a trailing dot;
//! anything else is simply "not an Okta org host".

/// Okta-owned suffixes under which an org lives as exactly one label (`acme.okta.com`).
/// Okta's SDKs disagree between `trex-govcloud.com` and `trex-gov.com`; both are accepted.
pub const OKTA_SUFFIXES: &[&str] = &[
    "okta.com",
    "oktapreview.com",
    "okta-emea.com",
    "okta-gov.com",
    "okta.mil",
    "okta-miltest.com",
    "trex-govcloud.com",
    "trex-gov.com",
];

/// Names under Okta suffixes that are Okta's own sites, not orgs.
pub const OKTA_SITE_LABELS: &[&str] = &[
    "www",
    "developer",
    "help",
    "support",
    "login",
    "status",
    "trust",
    "community",
    "docs",
    "api",
];

/// Okta's own zones outside the org suffixes: its content network (`ok12static.oktacdn.com`, in
/// the address of an image or script copied from a sign-in page). Never an org, never a custom
/// domain.
pub const OKTA_SITE_ZONES: &[&str] = &["oktacdn.com"];

/// Auth0's zone (`acme.us.auth0.com`): Okta's Customer Identity product, whose tenants are not
/// Okta orgs and have no Okta API.
pub const AUTH0_ZONE: &str = "auth0.com";

/// Zones whose names are CNAME targets for custom domains, never org hosts.
pub const CNAME_TARGET_ZONES: &[&str] = &[
    "customdomains.okta.com",
    "customdomains.oktapreview.com",
    "customdomains.okta-emea.com",
    "okta-dnssec.com",
];

/// Where a host sits relative to Okta's namespaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKind<'a> {
    /// `label.suffix`: an org host (the label may still be an `-admin` console host).
    OktaOrg {
        label: &'a str,
        suffix: &'static str,
    },
    /// The suffix itself (`okta.com`).
    BareSuffix { suffix: &'static str },
    /// One of Okta's own sites (`www.okta.com`, `login.okta.com`).
    OktaSite { suffix: &'static str },
    /// A CNAME target (`x.customdomains.okta.com`, `okta-dnssec.com` names).
    CnameTarget,
    /// More than one label in front of an Okta suffix (`a.b.okta.com`).
    NestedUnderSuffix { suffix: &'static str },
    /// Not under any Okta suffix: possibly a custom domain.
    Other,
}

/// The Okta suffix `host` ends with (as a whole label sequence), if any.
pub fn okta_suffix(host: &str) -> Option<&'static str> {
    OKTA_SUFFIXES
        .iter()
        .copied()
        .find(|s| host == *s || host.strip_suffix(s).is_some_and(|p| p.ends_with('.')))
}

/// True for `zone` itself and every name under it.
pub fn in_zone(host: &str, zone: &str) -> bool {
    host == zone || host.strip_suffix(zone).is_some_and(|p| p.ends_with('.'))
}

/// Classify a lowercase host.
pub fn classify(host: &str) -> HostKind<'_> {
    if CNAME_TARGET_ZONES.iter().any(|z| in_zone(host, z)) {
        return HostKind::CnameTarget;
    }
    if let Some(zone) = OKTA_SITE_ZONES.iter().find(|z| in_zone(host, z)) {
        return HostKind::OktaSite { suffix: zone };
    }
    let Some(suffix) = okta_suffix(host) else {
        return HostKind::Other;
    };
    if host == suffix {
        return HostKind::BareSuffix { suffix };
    }
    let label = &host[..host.len() - suffix.len() - 1];
    if label.is_empty() || label.contains('.') {
        return HostKind::NestedUnderSuffix { suffix };
    }
    if OKTA_SITE_LABELS.contains(&label) {
        return HostKind::OktaSite { suffix };
    }
    HostKind::OktaOrg { label, suffix }
}

/// True for a host an API call may go to directly: one LDH label (not an Okta site, not an
/// `-admin` console host) in front of an Okta suffix.
pub fn is_okta_org_host(host: &str) -> bool {
    match classify(host) {
        HostKind::OktaOrg { label, .. } => is_ldh_label(label) && !label.ends_with("-admin"),
        _ => false,
    }
}

/// A DNS label of letters, digits and inner hyphens, 1 to 63 characters, lowercase.
pub fn is_ldh_label(label: &str) -> bool {
    let b = label.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// A syntactically valid lowercase DNS name: one or more labels ([`is_ldh_label`]), at most 253
/// characters (`localhost` is one).
pub fn is_dns_name(host: &str) -> bool {
    !host.is_empty() && host.len() <= 253 && host.split('.').all(is_ldh_label)
}

/// A DNS name ([`is_dns_name`]) that can be a host on the Internet: at least two labels, the
/// last not all digits (so it cannot be an IPv4 literal).
pub fn is_dns_host(host: &str) -> bool {
    is_dns_name(host)
        && host.contains('.')
        && !host
            .rsplit('.')
            .next()
            .is_some_and(|l| l.bytes().all(|c| c.is_ascii_digit()))
}

/// Top-level labels and zones that only resolve on a private network or on the machine itself
/// (RFC 6761, RFC 6762, RFC 8375, ICANN's `.internal`, and common corporate pseudo-TLDs).
pub const LOCAL_TLDS: &[&str] = &[
    "localhost",
    "local",
    "internal",
    "intranet",
    "localdomain",
    "lan",
    "home",
    "corp",
    "private",
    "test",
    "arpa",
    "onion",
];

/// Public zones whose names resolve to loopback or to the IP address written in the name.
pub const LOOPBACK_ZONES: &[&str] = &[
    "localtest.me",
    "lvh.me",
    "vcap.me",
    "fuf.me",
    "traefik.me",
    "localhost.direct",
    "lacolhost.com",
    "nip.io",
    "sslip.io",
    "xip.io",
];

/// True when `host` (lowercase, no trailing dot) is a name that cannot be an Okta org reachable
/// from the Internet: any `localhost` label (`localhost.acme.com` names commonly point at
/// 127.0.0.1), a private top-level label (`.local`, `.internal`, `.home.arpa`, …) or a zone
/// that resolves to loopback (`lvh.me`, `nip.io`, …).
pub fn is_local_name(host: &str) -> bool {
    let last = host.rsplit('.').next().unwrap_or(host);
    LOCAL_TLDS.contains(&last)
        || host.split('.').any(|l| l == "localhost")
        || LOOPBACK_ZONES.iter().any(|z| in_zone(host, z))
}

/// True when four consecutive labels of `host` spell a dotted-decimal IPv4 address
/// (`10.0.0.1.nip.io`, or the whole host `127.0.0.1`).
pub fn has_embedded_ipv4(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    labels.windows(4).any(|w| {
        w.iter()
            .all(|l| !l.is_empty() && l.len() <= 3 && l.bytes().all(|c| c.is_ascii_digit()))
            && w.iter().all(|l| l.parse::<u16>().is_ok_and(|n| n <= 255))
    })
}

/// A near-miss of an Okta suffix: what it resembles and, when exactly one label stands in
/// front of the misspelled part, that label (the likely org name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NearMiss {
    pub suffix: &'static str,
    pub org_label: Option<String>,
}

impl NearMiss {
    /// `org_label.suffix`, when an org label is known.
    pub fn suggestion(&self) -> Option<String> {
        self.org_label
            .as_ref()
            .map(|l| format!("{l}.{}", self.suffix))
    }
}

/// Detect a host that looks like a mistyped Okta org host while not being under an Okta suffix:
///
/// * an Okta suffix followed by more labels (`acme.okta.com.au`, `acme.okta.com.evil.net`);
/// * a suffix without its top-level label (`acme.okta`, `acme.oktapreview`);
/// * a suffix's first label with another top-level label (`acme.okta.co`, `acme.okta.net`);
/// * a tail within a small edit distance (with transpositions) of a suffix: one edit for the
///   short suffixes (`otka.com`, `okta.cm`, `oktacom`), two for the longer ones
///   (`oktapreveiw.com`, `okta-preview.com`, `okta.emea.com`).
///
/// Returns `None` for hosts under a real Okta suffix or a CNAME target zone. Expects a
/// lowercase ASCII host without a trailing dot.
pub fn near_miss_suffix(host: &str) -> Option<NearMiss> {
    if host.is_empty()
        || okta_suffix(host).is_some()
        || CNAME_TARGET_ZONES.iter().any(|z| in_zone(host, z))
    {
        return None;
    }
    let labels: Vec<&str> = host.split('.').collect();
    let n = labels.len();
    let org_before = |i: usize| -> Option<String> {
        (i == 1 && !labels[0].is_empty()).then(|| labels[0].to_string())
    };
    // An Okta suffix, as whole labels, followed by more labels.
    for i in 0..n.saturating_sub(2) {
        for s in OKTA_SUFFIXES {
            let (s0, s1) = s.split_once('.').unwrap_or((s, ""));
            if labels[i] == s0 && labels[i + 1] == s1 {
                return Some(NearMiss {
                    suffix: s,
                    org_label: org_before(i),
                });
            }
        }
    }
    // `okta.gov`: a government org means `okta-gov.com`.
    if n >= 2 && labels[n - 2] == "okta" && labels[n - 1] == "gov" {
        return Some(NearMiss {
            suffix: "okta-gov.com",
            org_label: org_before(n - 2),
        });
    }
    // `okta` under a country's registry second-level domain (`acme.okta.co.uk`,
    // `acme.okta.com.au`): Okta's own name there, where no customer's custom domain can be
    // (`login.okta.bmw.de`, under a company's own domain, is one).
    if n >= 4
        && labels[n - 3] == "okta"
        && ["co", "com", "net", "org", "ne", "or", "ac"].contains(&labels[n - 2])
        && labels[n - 1].len() == 2
    {
        return Some(NearMiss {
            suffix: "okta.com",
            org_label: org_before(n - 3),
        });
    }
    // The suffix's first label at the end: the top-level label is missing.
    if n >= 2 {
        if let Some(s) = OKTA_SUFFIXES
            .iter()
            .find(|s| s.split('.').next() == Some(labels[n - 1]))
        {
            return Some(NearMiss {
                suffix: s,
                org_label: org_before(n - 1),
            });
        }
    }
    // The suffix's first label with another short or similar top-level label (`okta.co`,
    // `okta.net`, `okta.de`): pick the closest.
    if n >= 2 {
        let mut best: Option<(usize, &'static str)> = None;
        for s in OKTA_SUFFIXES {
            let (s0, s1) = s.split_once('.').unwrap_or((s, ""));
            let tld = labels[n - 1];
            if labels[n - 2] == s0 && (tld.len() <= 3 || edit_distance(tld, s1) <= 2) {
                let d = edit_distance(labels[n - 1], s1);
                if best.is_none_or(|(bd, _)| d < bd) {
                    best = Some((d, s));
                }
            }
        }
        if let Some((_, s)) = best {
            return Some(NearMiss {
                suffix: s,
                org_label: org_before(n - 2),
            });
        }
    }
    // A small edit distance from a suffix, over the last one to three labels.
    let mut best: Option<(usize, &'static str, usize)> = None;
    for k in 1..=n.min(3) {
        let tail = labels[n - k..].join(".");
        for s in OKTA_SUFFIXES {
            let limit = if s.len() <= 8 { 1 } else { 2 };
            if tail.len().abs_diff(s.len()) > limit {
                continue;
            }
            let d = edit_distance(&tail, s);
            if d > 0 && d <= limit && best.is_none_or(|(bd, _, _)| d < bd) {
                best = Some((d, s, n - k));
            }
        }
    }
    best.map(|(_, s, start)| NearMiss {
        suffix: s,
        org_label: org_before(start),
    })
}

/// The host with a doubled ending removed, when its last two labels are the same
/// (`acme.okta.com.com` → `acme.okta.com`, `login.acme.com.com` → `login.acme.com`).
/// Okta's SDKs refuse hosts ending in `.com.com`.
pub fn undoubled(host: &str) -> Option<&str> {
    let (rest, last) = host.rsplit_once('.')?;
    let prev = rest.rsplit('.').next().unwrap_or(rest);
    (prev == last && rest.contains('.')).then_some(rest)
}

/// Optimal-string-alignment distance (Levenshtein with adjacent transpositions), over bytes.
/// The table is kept row by row in one vector; every index below is in range, and reading
/// through `get` only spares the module std's bounds-check panics.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let w = b.len() + 1;
    let mut d: Vec<usize> = (0..w).collect();
    for (i, &x) in a.iter().enumerate() {
        d.push(i + 1);
        for (j, &y) in b.iter().enumerate() {
            let at = |k: usize| d.get(k).copied().unwrap_or(0);
            let (up, left, diag) = (at(i * w + j + 1), at((i + 1) * w + j), at(i * w + j));
            let mut v = (up + 1).min(left + 1).min(diag + usize::from(x != y));
            if i > 0 && j > 0 && b.get(j - 1) == Some(&x) && a.get(i - 1) == Some(&y) {
                v = v.min(at((i - 1) * w + j - 1) + 1);
            }
            d.push(v);
        }
    }
    d.last().copied().unwrap_or(0)
}

/// Map look-alike characters (Cyrillic and Greek homoglyphs, accented Latin letters,
/// full-width forms, ideographic full stops) to the ASCII they imitate, and lowercase.
/// Characters without a mapping are kept. Used to tell whether a non-ASCII host imitates an
/// Okta host (`асme.оkta.com` with Cyrillic letters).
pub fn skeleton(host: &str) -> String {
    host.chars()
        .map(|c| {
            let c = match c {
                '\u{3002}' | '\u{FF0E}' | '\u{FF61}' => '.',
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                _ => c,
            };
            let lower = c.to_lowercase().next().unwrap_or(c);
            confusable(lower).unwrap_or(lower)
        })
        .collect()
}

fn confusable(c: char) -> Option<char> {
    Some(match c {
        // Cyrillic
        'а' => 'a',
        'в' => 'b',
        'с' => 'c',
        'ԁ' => 'd',
        'е' | 'ё' => 'e',
        'һ' | 'н' => 'h',
        'і' | 'ї' => 'i',
        'ј' => 'j',
        'к' | 'ќ' => 'k',
        'м' => 'm',
        'о' => 'o',
        'р' => 'p',
        'ԛ' => 'q',
        'ѕ' => 's',
        'т' => 't',
        'у' => 'y',
        'х' => 'x',
        'ԝ' => 'w',
        // Greek
        'α' | 'ά' => 'a',
        'β' => 'b',
        'ε' | 'έ' => 'e',
        'η' => 'n',
        'ι' | 'ί' | 'ϊ' => 'i',
        'κ' => 'k',
        'ν' => 'v',
        'ο' | 'ό' => 'o',
        'ρ' => 'p',
        'τ' => 't',
        'υ' | 'ύ' => 'u',
        'χ' => 'x',
        // Latin with marks, and look-alikes
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'ɑ' => 'a',
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => 'c',
        'ď' | 'đ' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => 'e',
        'ĝ' | 'ğ' | 'ġ' | 'ģ' | 'ɡ' => 'g',
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' | 'ɩ' => 'i',
        'ķ' | 'ĸ' => 'k',
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' | 'ǀ' => 'l',
        'ñ' | 'ń' | 'ņ' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => 'o',
        'ŕ' | 'ŗ' | 'ř' => 'r',
        'ś' | 'ŝ' | 'ş' | 'š' => 's',
        'ţ' | 'ť' | 'ŧ' => 't',
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => 'u',
        'ý' | 'ÿ' | 'ŷ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        '‐' | '‑' | '‒' | '–' | '—' | '−' => '-',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    /// The textbook table, for comparison.
    fn reference_distance(a: &str, b: &str) -> usize {
        let (a, b) = (a.as_bytes(), b.as_bytes());
        let (n, m) = (a.len(), b.len());
        let mut d = vec![vec![0usize; m + 1]; n + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        for (j, cell) in d[0].iter_mut().enumerate() {
            *cell = j;
        }
        for i in 1..=n {
            for j in 1..=m {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut v = (d[i - 1][j] + 1)
                    .min(d[i][j - 1] + 1)
                    .min(d[i - 1][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    v = v.min(d[i - 2][j - 2] + 1);
                }
                d[i][j] = v;
            }
        }
        d[n][m]
    }

    /// Every pair of strings of up to four letters from a three-letter alphabet.
    #[test]
    fn edit_distance_is_the_textbook_one() {
        let mut words = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = words
                .iter()
                .flat_map(|w| ["a", "b", "c"].map(|c| format!("{w}{c}")))
                .collect();
            words.extend(longer);
            words.sort();
            words.dedup();
        }
        for a in &words {
            for b in &words {
                assert_eq!(
                    super::edit_distance(a, b),
                    reference_distance(a, b),
                    "{a} {b}"
                );
            }
        }
    }

    use super::*;

    #[test]
    fn org_hosts() {
        assert!(is_okta_org_host("acme.okta.com"));
        assert!(is_okta_org_host("dev-12345678.okta.com"));
        assert!(is_okta_org_host("acme.oktapreview.com"));
        assert!(is_okta_org_host("acme.trex-gov.com"));
        assert!(!is_okta_org_host("acme-admin.okta.com"));
        assert!(!is_okta_org_host("okta.com"));
        assert!(!is_okta_org_host("www.okta.com"));
        assert!(!is_okta_org_host("a.b.okta.com"));
        assert!(!is_okta_org_host("evilokta.com"));
        assert!(!is_okta_org_host("okta.com.evil.example"));
        assert!(!is_okta_org_host("x.customdomains.okta.com"));
        assert!(!is_okta_org_host("acme.okta.com."));
    }

    #[test]
    fn oktas_content_network_is_a_site_not_a_custom_domain() {
        for host in ["oktacdn.com", "ok12static.oktacdn.com"] {
            assert_eq!(
                classify(host),
                HostKind::OktaSite {
                    suffix: "oktacdn.com"
                }
            );
        }
        // Whole labels only.
        assert_eq!(classify("notoktacdn.com"), HostKind::Other);
        assert_eq!(classify("oktacdn.com.evil.example"), HostKind::Other);
    }

    #[test]
    fn suffix_is_whole_labels() {
        assert_eq!(okta_suffix("evilokta.com"), None);
        assert_eq!(okta_suffix("a.okta.com"), Some("okta.com"));
        assert_eq!(okta_suffix("a.okta-emea.com"), Some("okta-emea.com"));
    }

    #[test]
    fn dns_hosts() {
        assert!(is_dns_host("login.acme.com"));
        assert!(!is_dns_host("localhost"));
        assert!(!is_dns_host("127.0.0.1"));
        assert!(!is_dns_host("-a.com"));
        assert!(!is_dns_host("a..com"));
    }

    #[test]
    fn near_misses() {
        let nm = |h: &str| near_miss_suffix(h).map(|n| (n.suffix, n.suggestion()));
        assert_eq!(
            nm("acme.okta.co"),
            Some(("okta.com", Some("acme.okta.com".into())))
        );
        assert_eq!(
            nm("acme.otka.com"),
            Some(("okta.com", Some("acme.okta.com".into())))
        );
        assert_eq!(
            nm("acme.oktapreveiw.com"),
            Some(("oktapreview.com", Some("acme.oktapreview.com".into())))
        );
        assert_eq!(
            nm("acme.okta.emea.com"),
            Some(("okta-emea.com", Some("acme.okta-emea.com".into())))
        );
        assert_eq!(
            nm("acme.okta.com.au"),
            Some(("okta.com", Some("acme.okta.com".into())))
        );
        assert_eq!(
            nm("acme.okta"),
            Some(("okta.com", Some("acme.okta.com".into())))
        );
        assert_eq!(nm("otka.com"), Some(("okta.com", None)));
        assert_eq!(nm("acme.okta.com"), None);
        assert_eq!(nm("login.acme.com"), None);
        assert_eq!(nm("login.iota.com"), None);
        assert_eq!(undoubled("acme.okta.com.com"), Some("acme.okta.com"));
        assert_eq!(undoubled("com.com"), None);
        assert_eq!(edit_distance("otka.com", "okta.com"), 1);
    }

    #[test]
    fn local_names() {
        assert!(is_local_name("printer.local"));
        assert!(is_local_name("localhost"));
        assert!(is_local_name("a.b.home.arpa"));
        assert!(is_local_name("x.lvh.me"));
        assert!(is_local_name("localhost.acme.com"));
        assert!(!is_local_name("acme.okta.com"));
        assert!(has_embedded_ipv4("10.0.0.1.nip.io"));
        assert!(!has_embedded_ipv4("1.2.3.acme.com"));
    }
}
