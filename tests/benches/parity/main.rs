//! The parity stage of `cargo xtask bench` (PRI-1): a million carts of one
//! seed, quoted by the domain in wasm inside headless Chromium and by the
//! real server over loopback, compared answer for answer.
//!
//! Usage: `cargo bench -p e2e --bench parity -- --domain-wasm DIR --report DIR
//! [--carts N] [--seed S]` after the wasm page's build. Writes `parity.tsv`
//! (seed, carts, mismatches, seconds, how the server answered) into the
//! report folder and prints every kept mismatch with what replays it.

#[allow(dead_code)]
#[path = "../../tests/app/browser.rs"]
mod browser;
#[path = "../../tests/parity/run.rs"]
mod run;

use run::{Plan, run};
use std::fmt::Write;
use std::path::PathBuf;

/// Carts per scenario: enough to keep both sides busy between two arrangements.
const CARTS_PER_SCENARIO: u32 = 5_000;

fn main() {
    let (mut page, mut report, mut carts, mut seed) = (None, None, 1_000_000_u32, 20_261_207_u32);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--domain-wasm" => page = args.next().map(PathBuf::from),
            "--report" => report = args.next().map(PathBuf::from),
            "--carts" => carts = args.next().and_then(|n| n.parse().ok()).expect("--carts N"),
            "--seed" => seed = args.next().and_then(|n| n.parse().ok()).expect("--seed S"),
            // cargo bench passes `--bench` to every bench binary.
            _ => {}
        }
    }
    let page = page.expect("--domain-wasm DIR: the built wasm page");
    let report = report.expect("--report DIR: where the figures go");
    let plan =
        Plan { seed, scenarios: carts.div_ceil(CARTS_PER_SCENARIO), carts_per_scenario: carts.min(CARTS_PER_SCENARIO) };
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a tokio runtime");
    let outcome =
        runtime.block_on(browser::with_browser(1280, 900, move |client| async move { run(client, page, plan).await }));
    for mismatch in &outcome.kept {
        println!("mismatch:\n{mismatch}");
    }
    let seconds = outcome.took.as_secs_f64();
    println!(
        "parity: {} carts, {} mismatches, {seconds:.1} s ({:.0} carts/s), seed {seed}",
        outcome.carts,
        outcome.mismatches,
        outcome.carts as f64 / seconds
    );
    let mut tsv =
        format!("seed\t{seed}\ncarts\t{}\nmismatches\t{}\nseconds\t{seconds:.1}\n", outcome.carts, outcome.mismatches);
    for (kind, count) in &outcome.answers {
        let _ = writeln!(tsv, "answer {kind}\t{count}");
    }
    let file = report.join("parity.tsv");
    std::fs::write(&file, tsv).unwrap_or_else(|e| panic!("{} is written: {e}", file.display()));
}
