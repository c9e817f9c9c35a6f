//! `cargo xtask bench`: every benchmark, then `BENCHMARKS.md` at the root
//! with the figures beside their budgets, the machine and how to reproduce.
//!
//! The parts write their figures into `<cargo target dir>/bench/`: criterion
//! its estimates (under `criterion/`), the browser benchmark `domain-wasm.tsv`
//! and `app.md`, the parity run `parity.tsv`, `loadgen` one Markdown section
//! per database. This module runs them and puts the page together.
//!
//! `cargo xtask bench --only parity` runs the parity stage alone (with the
//! wasm page it needs) and rewrites only that section of `BENCHMARKS.md`.

mod machine;
mod page;

use crate::{Result, Stages, cargo, dist, output, postgres, run_cmd, tools};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Seconds of purchases per load point (1, 4, 16 and 64 clients, then WeChat).
const SECONDS_PER_POINT: &str = "5";
/// Criterion's times, short enough for the whole command to stay within minutes.
const CRITERION_ARGS: [&str; 4] = ["--warm-up-time", "1", "--measurement-time", "3"];

pub fn run(only: Option<&str>) -> Result {
    let target = target_dir()?;
    let out = target.join("bench");
    fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    match only {
        None => {}
        Some("parity") => return parity_only(&target, &out),
        Some(other) => return Err(format!("no stage `{other}` runs alone (`--only parity` does)")),
    }
    let before = machine::load_average();
    let mut stages = Stages::default();
    let result = stages_of(&mut stages, &target, &out);
    stages.print_summary();
    result?;
    let machine = machine::Machine::read(before);
    let text = page::render(&machine, &target, &out)?;
    fs::write("BENCHMARKS.md", text).map_err(|e| format!("cannot write BENCHMARKS.md: {e}"))?;
    println!("\nwrote BENCHMARKS.md");
    Ok(())
}

fn stages_of(stages: &mut Stages, target: &Path, out: &Path) -> Result {
    stages.run("tools", || {
        tools::ensure_system_packages()?;
        tools::ensure_wasm_tools()
    })?;
    stages.run("domain native", || {
        let mut args = vec!["bench", "-p", "domain", "--bench", "quote", "--"];
        args.extend(CRITERION_ARGS);
        cargo(&args)
    })?;
    stages.run("dist", dist::build)?;
    let page = out.join("domain-wasm");
    stages.run("domain wasm build", || build_wasm_page(target, &page))?;
    stages.run("browser", || {
        let (page, report) = (page.to_string_lossy(), out.to_string_lossy());
        cargo(&["bench", "-p", "e2e", "--bench", "browser", "--", "--domain-wasm", &page, "--report", &report])
    })?;
    stages.run("parity", || parity(&page, out))?;
    stages.run("server build", || cargo(&["build", "--release", "-p", "server", "-p", "loadgen"]))?;
    let loadgen = target.join("release/loadgen");
    let load = |extra: &[&str], report: &str| {
        let report = out.join(report);
        run_cmd(Command::new(&loadgen).args(["--seconds", SECONDS_PER_POINT, "--report"]).arg(&report).args(extra))
    };
    stages.run("server SQLite", || load(&[], "server-sqlite.md"))?;
    let cluster = stages.run("postgres", postgres::Cluster::start)?;
    stages.run("server PostgreSQL", || load(&["--postgres", &cluster.url()], "server-postgres.md"))
}

/// The parity run: a million carts, the domain in wasm against the server.
fn parity(page: &Path, out: &Path) -> Result {
    let (page, report) = (page.to_string_lossy(), out.to_string_lossy());
    let carts = PARITY_CARTS.to_string();
    cargo(&[
        "bench",
        "-p",
        "e2e",
        "--bench",
        "parity",
        "--",
        "--domain-wasm",
        &page,
        "--report",
        &report,
        "--carts",
        &carts,
    ])
}

/// Carts of the parity run.
pub const PARITY_CARTS: u32 = 1_000_000;

/// The parity stage alone, its section spliced into the existing page.
fn parity_only(target: &Path, out: &Path) -> Result {
    let mut stages = Stages::default();
    let page = out.join("domain-wasm");
    let result = (|| {
        stages.run("tools", || {
            tools::ensure_system_packages()?;
            tools::ensure_wasm_tools()
        })?;
        stages.run("domain wasm build", || build_wasm_page(target, &page))?;
        stages.run("parity", || parity(&page, out))
    })();
    stages.print_summary();
    result?;
    let old = fs::read_to_string("BENCHMARKS.md").unwrap_or_default();
    fs::write("BENCHMARKS.md", page::splice_parity(&old, out)?)
        .map_err(|e| format!("cannot write BENCHMARKS.md: {e}"))?;
    println!("\nwrote the parity section of BENCHMARKS.md");
    Ok(())
}

/// The domain's wasm page: the `wasm-bench` crate built as the app is
/// (`wasm-release`, wasm-bindgen, wasm-opt -Oz) beside its `index.html`.
/// The benchmarks time it; the parity test and stage quote with it.
pub fn build_wasm_page(target: &Path, page: &Path) -> Result {
    cargo(&["build", "-p", "wasm-bench", "--target", tools::WASM_TARGET, "--profile", "wasm-release"])?;
    let wasm = target.join(tools::WASM_TARGET).join("wasm-release/wasm_bench.wasm");
    let pkg = page.join("pkg");
    run_cmd(
        Command::new("wasm-bindgen").args(["--target", "web", "--no-typescript", "--out-dir"]).arg(&pkg).arg(&wasm),
    )?;
    let module = pkg.join("wasm_bench_bg.wasm");
    run_cmd(Command::new(tools::WASM_OPT).arg("-Oz").arg(&module).arg("-o").arg(&module))?;
    let index = Path::new("wasm-bench/web/index.html");
    fs::copy(index, page.join("index.html")).map_err(|e| format!("cannot copy {}: {e}", index.display()))?;
    Ok(())
}

/// Cargo's target folder, wherever the configuration puts it.
pub fn target_dir() -> Result<PathBuf> {
    let metadata = output(Command::new("cargo").args(["metadata", "--format-version", "1", "--no-deps"]))
        .ok_or("`cargo metadata` failed")?;
    let key = "\"target_directory\":\"";
    let start = metadata.find(key).ok_or("`cargo metadata` names no target directory")? + key.len();
    let end = metadata[start..].find('"').ok_or("`cargo metadata` output is cut")? + start;
    Ok(PathBuf::from(&metadata[start..end]))
}
