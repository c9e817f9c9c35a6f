//! The browser benchmarks of `cargo xtask bench` (figures, not pass/fail):
//! the domain compiled to wasm, and the real app, each in its own headless
//! Chromium, every page served cross-origin isolated.
//!
//! Usage: `cargo bench -p e2e --bench browser -- --domain-wasm DIR --report DIR`
//! after `cargo xtask dist` and the wasm page's build (both done by
//! `cargo xtask bench`). Writes `domain-wasm.tsv` (workload, µs per call)
//! and `app.md` into the report folder. `--only app` measures the app alone
//! (no `--domain-wasm` needed): the preview's latency after a fresh dist.

// The e2e tests' browser, server harness and page objects, shared read-only;
// the tests use all of them, these benchmarks a part.
#[allow(dead_code)]
#[path = "../../tests/app"]
mod app {
    pub mod browser;
    pub mod harness;
    pub mod pages;
}
mod app_page;
mod domain_wasm;
mod isolated;

use app::browser::with_browser;
use std::fmt::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const DESKTOP: (u32, u32) = (1280, 900);

struct Options {
    /// `None` with `--only app`.
    domain_wasm: Option<PathBuf>,
    report: PathBuf,
}

fn options() -> Options {
    let mut domain_wasm = None;
    let mut report = None;
    let mut app_only = false;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--domain-wasm" => domain_wasm = args.next().map(PathBuf::from),
            "--report" => report = args.next().map(PathBuf::from),
            "--only" => app_only = args.next().is_some_and(|part| part == "app"),
            // cargo bench passes `--bench` to every bench binary.
            _ => {}
        }
    }
    Options {
        domain_wasm: (!app_only).then(|| domain_wasm.expect("--domain-wasm DIR: the built wasm page")),
        report: report.expect("--report DIR: where the figures go"),
    }
}

/// Runs `measure` in a fresh browser with long script timeouts and returns what it gave.
async fn in_browser<T, F, Fut>(measure: F) -> T
where
    T: Default + Send + 'static,
    F: FnOnce(fantoccini::Client) -> Fut + Send + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    let out = Arc::new(Mutex::new(T::default()));
    let slot = Arc::clone(&out);
    with_browser(DESKTOP.0, DESKTOP.1, move |client| async move {
        let long = Duration::from_secs(300);
        let timeouts = fantoccini::wd::TimeoutConfiguration::new(Some(long), Some(long), None);
        client.update_timeouts(timeouts).await.expect("the browser takes the timeouts");
        let figures = measure(client).await;
        *slot.lock().expect("the figures' slot") = figures;
    })
    .await;
    std::mem::take(&mut *out.lock().expect("the figures' slot"))
}

fn main() {
    let options = options();
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a tokio runtime");
    runtime.block_on(async {
        if let Some(dir) = options.domain_wasm.clone() {
            println!("domain in wasm: {} calls per round", domain_wasm::CALLS);
            let wasm = in_browser(move |client| async move { domain_wasm::measure(client, &dir).await }).await;
            assert!(wasm.isolated, "the wasm page is cross-origin isolated");
            let mut tsv = String::new();
            for (name, micros) in &wasm.workloads {
                println!("  {name}: {micros:.2} µs per call");
                let _ = writeln!(tsv, "{name}\t{micros}");
            }
            write(&options.report.join("domain-wasm.tsv"), &tsv);
        }

        println!("the app: first load, reloads, choice → total");
        let (base, _db) = app_page::start_server().await;
        let figures = in_browser(move |client| async move { app_page::measure(client, &base).await }).await;
        let report = app_report(&figures);
        println!("{report}");
        write(&options.report.join("app.md"), &report);
    });
}

fn write(file: &std::path::Path, text: &str) {
    std::fs::write(file, text).unwrap_or_else(|e| panic!("{} is written: {e}", file.display()));
}

/// The nearest-rank `p`th percentile of sorted samples.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn app_report(f: &app_page::Figures) -> String {
    let verdict = |met: bool| if met { "met" } else { "**missed**" };
    let p50 = percentile(&f.change_to_total, 50.0);
    let p99 = percentile(&f.change_to_total, 99.0);
    let max = f.change_to_total.last().copied().unwrap_or(f64::NAN);
    let (first, observed) = f.first_load;
    let bound = if observed { "" } else { "≤ " };
    let mut out = String::new();
    let _ = writeln!(out, "| what | measured | budget | |");
    let _ = writeln!(out, "|---|---|---|---|");
    let _ = writeln!(
        out,
        "| choice → new total in the DOM, p50 of {} changes of the term | {p50:.3} ms | ≤ 0.25 ms | {} |",
        f.change_to_total.len(),
        verdict(p50 <= 0.25)
    );
    let _ = writeln!(out, "| choice → new total in the DOM, p99 | {p99:.3} ms | ≤ 1 ms | {} |", verdict(p99 <= 1.0));
    let _ = writeln!(out, "| choice → new total in the DOM, slowest | {max:.3} ms | | |");
    let _ = writeln!(
        out,
        "| cross-check: one timer over a loop of {} changes, mean per change | {:.3} ms | | |",
        app_page::LOOP,
        f.loop_mean_ms
    );
    let _ = writeln!(
        out,
        "| first load to interactive, empty cache (navigation → price shown and the term enabled) | {bound}{first:.0} ms | | |"
    );
    let _ = writeln!(
        out,
        "| load again to interactive, cached, median of {} | {:.0} ms | | |",
        f.reloads.len(),
        percentile(&f.reloads, 50.0)
    );
    let _ = writeln!(
        out,
        "\nTimer: `crossOriginIsolated` = {}, `performance.now()` resolution {:.3} ms. Each change dispatches \
         `change` on the other term's radio button and a `MutationObserver` on the summary stops the clock at \
         the mutation that shows the new total; the cross-check awaits each new total in the loop (microtasks \
         first, then tasks).",
        f.isolated, f.resolution_ms
    );
    out
}
