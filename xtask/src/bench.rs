//! `cargo xtask bench`: every benchmark, then `BENCHMARKS.md` at the root
//! with the figures beside their budgets, the machine and how to reproduce.
//!
//! The parts write their figures into `<cargo target dir>/bench/`: criterion
//! its estimates (under `criterion/`), the browser benchmark `domain-wasm.tsv`
//! and `app.md`, `loadgen` one Markdown section per database. This module
//! runs them and puts the page together.

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

pub fn run() -> Result {
    let target = target_dir()?;
    let out = target.join("bench");
    fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
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

/// The domain's wasm page: the `wasm-bench` crate built as the app is
/// (`wasm-release`, wasm-bindgen, wasm-opt -Oz) beside its `index.html`.
fn build_wasm_page(target: &Path, page: &Path) -> Result {
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
fn target_dir() -> Result<PathBuf> {
    let metadata = output(Command::new("cargo").args(["metadata", "--format-version", "1", "--no-deps"]))
        .ok_or("`cargo metadata` failed")?;
    let key = "\"target_directory\":\"";
    let start = metadata.find(key).ok_or("`cargo metadata` names no target directory")? + key.len();
    let end = metadata[start..].find('"').ok_or("`cargo metadata` output is cut")? + start;
    Ok(PathBuf::from(&metadata[start..end]))
}
