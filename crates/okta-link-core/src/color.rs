//! The partner's brand colour, made readable: WCAG 2.x contrast between the button colour and
//! its text is kept at 4.5:1 or more whatever colour the deployment configures.

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

/// WCAG AA for normal text.
pub const MIN_CONTRAST: f64 = 4.5;

impl Rgb {
    /// `#rrggbb` (case-insensitive); anything else is `None`.
    pub fn parse(s: &str) -> Option<Rgb> {
        let hex = s.strip_prefix('#')?;
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        Some(Rgb(byte(0)?, byte(2)?, byte(4)?))
    }

    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// Relative luminance (WCAG 2.x).
    pub fn luminance(self) -> f64 {
        let lin = |c: u8| {
            let c = c as f64 / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(self.0) + 0.7152 * lin(self.1) + 0.0722 * lin(self.2)
    }

    fn mix(self, other: Rgb, t: f64) -> Rgb {
        let m = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * t).round() as u8;
        Rgb(m(self.0, other.0), m(self.1, other.1), m(self.2, other.2))
    }
}

/// Contrast ratio between two colours, 1 to 21.
pub fn contrast(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (a.luminance(), b.luminance());
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

pub const WHITE: Rgb = Rgb(255, 255, 255);
pub const INK: Rgb = Rgb(0x0b, 0x10, 0x20);

/// A button colour and its text colour for a brand colour: the brand as is with white or dark
/// text when one of them reaches 4.5:1, else the brand shaded darker (white text) or lighter
/// (dark text), whichever needs the smaller change.
pub fn readable(brand: Rgb) -> (Rgb, Rgb) {
    for text in [WHITE, INK] {
        if contrast(brand, text) >= MIN_CONTRAST {
            // Prefer the text with more contrast when both pass.
            let other = if text == WHITE { INK } else { WHITE };
            if contrast(brand, other) > contrast(brand, text) {
                return (brand, other);
            }
            return (brand, text);
        }
    }
    let shade = |towards: Rgb, text: Rgb| {
        (1..=20)
            .map(|i| brand.mix(towards, i as f64 / 20.0))
            .enumerate()
            .find(|(_, c)| contrast(*c, text) >= MIN_CONTRAST)
            .map(|(i, c)| (i, c, text))
    };
    let darker = shade(Rgb(0, 0, 0), WHITE);
    let lighter = shade(WHITE, INK);
    match (darker, lighter) {
        (Some(d), Some(l)) => {
            let (_, c, t) = if d.0 <= l.0 { d } else { l };
            (c, t)
        }
        (Some((_, c, t)), None) | (None, Some((_, c, t))) => (c, t),
        (None, None) => (Rgb(0, 0, 0), WHITE),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hex() {
        assert_eq!(Rgb::parse("#4F46E5"), Some(Rgb(0x4f, 0x46, 0xe5)));
        assert_eq!(Rgb::parse("4f46e5"), None);
        assert_eq!(Rgb::parse("#4f46e"), None);
        assert_eq!(Rgb::parse("#4f46eg"), None);
        assert_eq!(Rgb(1, 2, 255).hex(), "#0102ff");
    }

    #[test]
    fn contrast_matches_wcag_reference_values() {
        assert!((contrast(WHITE, Rgb(0, 0, 0)) - 21.0).abs() < 1e-9);
        assert!((contrast(WHITE, WHITE) - 1.0).abs() < 1e-9);
        // #767676 on white is the classic 4.54:1.
        assert!((contrast(WHITE, Rgb(0x76, 0x76, 0x76)) - 4.54).abs() < 0.01);
    }

    #[test]
    fn every_brand_colour_becomes_readable() {
        // A sweep over the colour cube, including the mid-tones where neither text passes.
        for r in (0..=255).step_by(17) {
            for g in (0..=255).step_by(17) {
                for b in (0..=255).step_by(17) {
                    let brand = Rgb(r as u8, g as u8, b as u8);
                    let (bg, fg) = readable(brand);
                    assert!(
                        contrast(bg, fg) >= MIN_CONTRAST,
                        "{brand:?} -> {bg:?} on {fg:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn readable_brands_are_kept() {
        let indigo = Rgb(0x4f, 0x46, 0xe5);
        assert_eq!(readable(indigo), (indigo, WHITE));
        let yellow = Rgb(0xff, 0xd4, 0x00);
        assert_eq!(readable(yellow), (yellow, INK));
        // A mid orange is shaded, not replaced by black.
        let (bg, _) = readable(Rgb(0xf0, 0x80, 0x30));
        assert_ne!(bg, Rgb(0, 0, 0));
    }
}
