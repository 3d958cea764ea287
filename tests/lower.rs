//! The page's own lowercase table (`okta_link::core::lower`) against the standard library, for
//! every Unicode scalar value.
#![cfg(not(target_arch = "wasm32"))]

use okta_link::core::lower::{lower, lower_str};

fn std_lower(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// The runs `src/core/lower.rs` holds, computed from the standard library.
fn runs() -> Vec<(u32, u32, u8, i32)> {
    let mapped: Vec<(u32, i32)> = (0x80..=0x10FFFFu32)
        .filter_map(char::from_u32)
        .filter(|&c| std_lower(c) != c)
        .map(|c| (c as u32, std_lower(c) as i32 - c as i32))
        .collect();
    let mut runs: Vec<(u32, u32, u8, i32)> = Vec::new();
    for (n, delta) in mapped {
        if let Some(last) = runs.last_mut() {
            let (first, end, step, d) = *last;
            let gap = n - end;
            if d == delta && (gap == 1 || gap == 2) && (end == first || gap == step as u32) {
                *last = (first, n, gap as u8, d);
                continue;
            }
        }
        runs.push((n, n, 1, delta));
    }
    runs
}

#[test]
fn every_character_lowercases_as_the_standard_library_does() {
    let mut wrong = Vec::new();
    for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
        if lower(c) != std_lower(c) {
            wrong.push(format!(
                "U+{:04X} -> {:?}, std {:?}",
                c as u32,
                lower(c),
                std_lower(c)
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} characters differ, first {:?}; regenerate the table: cargo test --test lower -- --ignored --nocapture print_runs",
        wrong.len(),
        &wrong[..wrong.len().min(5)]
    );
}

#[test]
fn strings_lowercase_character_by_character() {
    assert_eq!(lower_str("ACME.Okta.COM"), "acme.okta.com");
    assert_eq!(lower_str("АСМЕ.ОКТА.СОМ"), "асме.окта.сом");
    // One character for one: İ is i (std gives i + U+0307), final sigma is σ as IDNA maps it.
    assert_eq!(lower_str("İΣ"), "iσ");
}

#[test]
#[ignore = "prints the table for src/core/lower.rs"]
fn print_runs() {
    let runs = runs();
    println!(
        "    // {} runs, generated from Rust's Unicode tables.",
        runs.len()
    );
    for (first, last, step, delta) in runs {
        println!("    run(0x{first:X}, 0x{last:X}, {step}, {delta}),");
    }
}
