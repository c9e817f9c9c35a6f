//! `BENCHMARKS.md`: the parts' figures, the machine and how to reproduce.

use super::SECONDS_PER_POINT;
use super::machine::Machine;
use crate::Result;
use crate::dist::DIST;
use std::fmt::Write;
use std::fs;
use std::path::{Path, PathBuf};

/// One workload of the domain, timed natively and in wasm.
struct Workload {
    /// Criterion's group/function.
    criterion: &'static str,
    /// The wasm page's export.
    export: &'static str,
    what: &'static str,
    /// Microseconds per call, natively and in wasm.
    budget: Option<(f64, f64)>,
}

const WORKLOADS: [Workload; 3] = [
    Workload {
        criterion: "quote/full_order",
        export: "quote_full_order",
        what: "quote of a full order (Professional, 3 years, every add-on, a voucher)",
        budget: Some((20.0, 100.0)),
    },
    Workload {
        criterion: "quote/renewal_with_upgrade_account",
        export: "quote_upgrade",
        what: "quote of an upgrade of a running edition, with a year of integration",
        budget: Some((20.0, 100.0)),
    },
    Workload {
        criterion: "eligibility/all_options",
        export: "eligibility_all_options",
        what: "eligibility of every option of the full order",
        budget: None,
    },
];

/// The download's budget, gzipped, in KB.
const WASM_GZIP_BUDGET_KB: u64 = 350;

pub fn render(machine: &Machine, target: &Path, out: &Path) -> Result<String> {
    let mut page = String::new();
    let w = &mut page;
    let _ = writeln!(w, "# Benchmarks\n");
    let _ = writeln!(
        w,
        "Written by `cargo xtask bench` on {}. Figures, not pass/fail: each stands beside its budget, and \
         **missed** marks a budget not met. The machine's load average (1, 5 and 15 minutes, from \
         `/proc/loadavg`) was {} when the run began and {} when it ended; figures taken at a load near \
         zero are the ones to compare with the budgets. What profiling found where a budget is missed, and \
         the figures before and after each fix: [docs/performance.md](docs/performance.md).\n",
        machine.date, machine.load_before, machine.load_after
    );
    let _ = writeln!(w, "## Machine\n");
    let _ = writeln!(w, "| | |\n|---|---|");
    for (what, value) in [
        ("CPU", &machine.cpu),
        ("cores", &machine.cores),
        ("memory", &machine.memory),
        ("OS", &machine.os),
        ("Rust", &machine.rustc),
        ("browser", &machine.chromium),
        ("date", &machine.date),
    ] {
        let _ = writeln!(w, "| {what} | {value} |");
    }
    let _ = writeln!(w);
    domain(w, target, out)?;
    app(w, out)?;
    parity(w, out)?;
    server(w, out)?;
    reproduce(w);
    Ok(page)
}

fn domain(w: &mut String, target: &Path, out: &Path) -> Result {
    let tsv = read(&out.join("domain-wasm.tsv"))?;
    let wasm =
        |name: &str| tsv.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix('\t')?.trim().parse::<f64>().ok());
    let _ = writeln!(w, "## The domain\n");
    let _ = writeln!(
        w,
        "Natively: criterion's median (`cargo bench -p domain --bench quote`). In wasm: the same workloads \
         built as the app ships (`wasm-release`, wasm-opt -Oz) inside headless Chromium, `performance.now()` \
         around 10,000 calls, the median of 5 rounds, the page cross-origin isolated.\n"
    );
    let _ = writeln!(w, "| workload | native | budget | | wasm | budget | |");
    let _ = writeln!(w, "|---|---|---|---|---|---|---|");
    for Workload { criterion, export, what, budget } in WORKLOADS {
        let native = criterion_median_ns(target, criterion)? / 1000.0;
        let in_wasm = wasm(export).ok_or_else(|| format!("domain-wasm.tsv has no {export}"))?;
        let (native_budget, wasm_budget) = match budget {
            Some((n, b)) => (
                (format!("< {n:.0} µs"), verdict(native < n).to_owned()),
                (format!("< {b:.0} µs"), verdict(in_wasm < b).to_owned()),
            ),
            None => (("—".to_owned(), String::new()), ("—".to_owned(), String::new())),
        };
        let _ = writeln!(
            w,
            "| {what} | {native:.2} µs | {} | {} | {in_wasm:.2} µs | {} | {} |",
            native_budget.0, native_budget.1, wasm_budget.0, wasm_budget.1
        );
    }
    let _ = writeln!(w);
    Ok(())
}

fn app(w: &mut String, out: &Path) -> Result {
    let pkg = Path::new(DIST).join("pkg");
    let first = pkg.join("app_bg.wasm");
    let (raw, gzipped) = (size(&first)?, gzipped_size(&first)?);
    let mut modules = Vec::new();
    for entry in fs::read_dir(&pkg).map_err(|e| format!("cannot read {}: {e}", pkg.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_some_and(|x| x == "wasm") {
            modules.push((size(&path)?, gzipped_size(&path)?));
        }
    }
    let _ = writeln!(w, "## The app in headless Chromium\n");
    let _ = writeln!(
        w,
        "The real app built by `cargo xtask dist`, served by the real server (SQLite, demo data) with the \
         cross-origin isolation headers, signed in as the demo super admin `a-admin`, at 1280 × 900. The \
         loads run the app in a same-origin frame, watched from the moment its document exists.\n"
    );
    let _ = write!(w, "{}", read(&out.join("app.md"))?);
    let _ = writeln!(w, "\n| download | raw | gzipped, as served | budget | |");
    let _ = writeln!(w, "|---|---|---|---|---|");
    let _ = writeln!(
        w,
        "| `app_bg.wasm` after wasm-opt, loaded first | {} | {} | ≤ {WASM_GZIP_BUDGET_KB} KB gzipped | {} |",
        kb(raw),
        kb(gzipped),
        verdict(gzipped <= WASM_GZIP_BUDGET_KB * 1024)
    );
    if modules.len() > 1 {
        let _ = writeln!(
            w,
            "| every wasm module of `dist/pkg` ({} files: the first and the parts loaded on demand) | {} | {} | | |",
            modules.len(),
            kb(modules.iter().map(|m| m.0).sum()),
            kb(modules.iter().map(|m| m.1).sum())
        );
    }
    let _ = writeln!(w);
    Ok(())
}

/// The parity section's heading, which `splice_parity` finds again.
const PARITY_HEADING: &str = "## Parity of the preview and the charge";

fn parity(w: &mut String, out: &Path) -> Result {
    let tsv = read(&out.join("parity.tsv"))?;
    let field = |name: &str| {
        tsv.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix('\t').map(str::to_owned))
            .ok_or_else(|| format!("parity.tsv has no {name}"))
    };
    let (seed, carts, mismatches, seconds) = (field("seed")?, field("carts")?, field("mismatches")?, field("seconds")?);
    let answers: Vec<String> = tsv
        .lines()
        .filter_map(|l| l.strip_prefix("answer ")?.split_once('\t'))
        .map(|(kind, count)| format!("`{kind}` {count}"))
        .collect();
    let _ = writeln!(w, "{PARITY_HEADING}\n");
    let _ = writeln!(
        w,
        "PRI-1: carts drawn from one seed by `wasm_bench::parity` (every edition, term, add-on, pack count and \
         voucher the catalog allows and many it refuses; accounts whose edition ends on the second, on the day, \
         on 29 February; the clock at a term's last day; vouchers whose spread must round, above the total, \
         expired, scoped, spent), each quoted by the domain in wasm inside headless Chromium (the page of \
         `wasm-bench/`, with the catalog and buyer the server sends the app) and by the real server's \
         `POST /api/quote` over loopback (16 requests in flight, kept alive), the server's clock set to each \
         scenario's moment. Every field of both answers is compared (lines, totals, notes, refusal reasons). \
         Replay: `cargo bench -p e2e --bench parity -- --domain-wasm DIR --report DIR --seed {seed}`.\n"
    );
    let _ = writeln!(w, "| carts | mismatches | goal | | time | seed |");
    let _ = writeln!(w, "|---|---|---|---|---|---|");
    let _ =
        writeln!(w, "| {carts} | {mismatches} | 0 | {} | {seconds} s | {seed} |\n", verdict(mismatches.trim() == "0"));
    let _ = writeln!(w, "How the server answered: {}.\n", answers.join(", "));
    Ok(())
}

/// `old` with its parity section replaced by the one `out` holds now
/// (inserted before the server's section when it had none).
pub fn splice_parity(old: &str, out: &Path) -> Result<String> {
    let mut section = String::new();
    parity(&mut section, out)?;
    let (before, after) = match old.find(PARITY_HEADING) {
        Some(start) => {
            let rest = &old[start + PARITY_HEADING.len()..];
            let end = rest.find("\n## ").map_or(old.len(), |at| start + PARITY_HEADING.len() + at + 1);
            (&old[..start], &old[end..])
        }
        None => match old.find("## The server") {
            Some(at) => (&old[..at], &old[at..]),
            None => (old, ""),
        },
    };
    Ok(format!("{before}{section}{after}"))
}

fn server(w: &mut String, out: &Path) -> Result {
    let _ = writeln!(w, "## The server\n");
    let _ = writeln!(
        w,
        "`loadgen` starts the release server binary as a child process with the shipped default settings \
         (development mode, so the payment sandbox answers; PostgreSQL pool of 16) on a fresh database and \
         drives it over loopback. A purchase is complete when its buyer has seen it delivered: place the order \
         (`POST /api/orders`), pay it, then follow `GET /api/orders/{{id}}/events` until it says `delivered`. \
         Each client is the super admin of its own seeded enterprise (verified, Advanced, a large balance) and \
         buys repeatable add-ons in turn (a 1,000-contract pack; signing reports with meeting signing), so no \
         rule refuses the loop. The WeChat path opens a sandbox WeChat Pay payment, confirms it as the payer on \
         the sandbox's page, and waits for the sandbox's signed notification to mark the order paid and the \
         delivery to follow. Payment → delivered runs from the moment the payment was made (the pay answer from \
         the balance; the payer's confirmation on WeChat) to the delivered event. Memory is the server \
         process's resident set (`VmRSS`), sampled every 50 ms; PostgreSQL's own processes are not counted. \
         Starts are from spawning the process to its first `200` on `/api/health`.\n"
    );
    for file in ["server-sqlite.md", "server-postgres.md"] {
        let _ = writeln!(w, "{}", read(&out.join(file))?);
    }
    Ok(())
}

fn reproduce(w: &mut String) {
    let _ = writeln!(w, "## How to reproduce\n");
    let _ = writeln!(
        w,
        "```sh\ncargo xtask bench\n```\n\n\
         It installs what is missing (the wasm32 target, wasm-bindgen, wasm-opt, Chromium and its driver, \
         PostgreSQL), then runs, in order: the criterion benchmark of the domain; `cargo xtask dist`; the wasm \
         page of `wasm-bench/`; the browser benchmark (`cargo bench -p e2e --bench browser`); the parity run \
         (`cargo bench -p e2e --bench parity`, alone: `cargo xtask bench --only parity`); `loadgen` on \
         SQLite and then on a throwaway PostgreSQL cluster ({SECONDS_PER_POINT} s per load point); and writes \
         this file. Each part's raw figures stay in `<target>/bench/` (criterion's under `<target>/criterion/`). \
         On a quiet machine, run it with nothing else building: the figures above are only as good as the \
         load average says.\n\n\
         One part alone: `cargo bench -p domain --bench quote`; `cargo build --release -p server -p loadgen` \
         then `target/release/loadgen [--postgres URL] [--clients 1,4,16,64] [--seconds 5]` (it prints the same \
         section as above)."
    );
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "**missed**" }
}

fn read(file: &Path) -> Result<String> {
    fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))
}

fn size(file: &Path) -> Result<u64> {
    fs::metadata(file).map(|m| m.len()).map_err(|e| format!("cannot read {}: {e}", file.display()))
}

/// The size of the gzip copy beside `file` that the server sends (`cargo
/// xtask dist` writes it with zopfli).
fn gzipped_size(file: &Path) -> Result<u64> {
    size(&PathBuf::from(format!("{}.gz", file.display())))
}

fn kb(bytes: u64) -> String {
    format!("{:.1} KB", bytes as f64 / 1024.0)
}

/// Criterion's median estimate, in nanoseconds, from its `estimates.json`.
fn criterion_median_ns(target: &Path, bench: &str) -> Result<f64> {
    let file = target.join("criterion").join(bench).join("new/estimates.json");
    let json = read(&file)?;
    let median = json.find("\"median\"").map(|at| &json[at..]);
    let estimate = median.and_then(|m| m.find("\"point_estimate\":").map(|at| &m[at + "\"point_estimate\":".len()..]));
    estimate
        .and_then(|e| e.split([',', '}']).next()?.trim().parse().ok())
        .ok_or_else(|| format!("{} has no median", file.display()))
}
