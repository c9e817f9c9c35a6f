//! Checks of the server's source itself.
//!
//! ORD-1: order and payment states are decided in `domain` and spelled in
//! one place, `src/db/codec.rs`. Any other file that writes a state's stored
//! name as a literal (`'paid'` in SQL, `"refund_due"` in Rust) decides a
//! state of its own, out of sight of the transition table. The payment
//! sandbox (`src/gateways/payment/sandbox/`) is exempt: it plays the
//! provider and keeps the provider's book.

use std::path::{Path, PathBuf};

/// Every stored name of an order or payment state.
const STATES: [&str; 11] = [
    "awaiting_payment",
    "paid",
    "delivering",
    "delivered",
    "bound",
    "closed",
    "needs_attention",
    "pending",
    "failed",
    "refund_due",
    "disputed",
];

const EXEMPT: [&str; 2] = ["db/codec.rs", "gateways/payment/sandbox/"];

fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// Each quoted occurrence of a state name in `text`: (line number, line).
fn literals(text: &str) -> Vec<(usize, String)> {
    let mut hits = Vec::new();
    for (n, line) in text.lines().enumerate() {
        for state in STATES {
            for quote in ['"', '\''] {
                if line.contains(&format!("{quote}{state}{quote}")) {
                    hits.push((n + 1, line.trim().to_owned()));
                }
            }
        }
    }
    hits
}

#[test]
fn ord_1_no_order_or_payment_state_is_spelled_outside_the_codec() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    assert!(files.len() > 20, "the scan sees the server's sources: {}", files.len());
    let mut offences = Vec::new();
    for file in files {
        let relative = file.strip_prefix(&src).expect("under src").to_string_lossy().replace('\\', "/");
        if EXEMPT.iter().any(|e| relative == *e || (e.ends_with('/') && relative.starts_with(e))) {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("readable");
        offences.extend(literals(&text).into_iter().map(|(n, line)| format!("src/{relative}:{n}: {line}")));
    }
    assert!(offences.is_empty(), "state names outside src/db/codec.rs:\n{}", offences.join("\n"));
}

#[test]
fn ord_1_the_scan_finds_a_state_in_sql_and_in_rust() {
    let sql = r#"sqlx::query("UPDATE payments SET status = 'refund_due' WHERE id = $1")"#;
    let rust = r#"if status == "awaiting_payment" {"#;
    assert_eq!(literals(sql).len(), 1);
    assert_eq!(literals(rust).len(), 1);
    assert!(literals("tracing::info!(\"the order is paid\")").is_empty(), "prose is not a state");
}
