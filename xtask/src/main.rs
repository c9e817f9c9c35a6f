//! The workspace's commands: `cargo xtask run`, `cargo xtask dist`, `cargo xtask test`, `cargo xtask soak`,
//! `cargo xtask bench`.
//!
//! Standard library only, so it builds in seconds. It drives cargo and the
//! other tools as child processes and never links them: a build script that
//! runs cargo can deadlock on the target-dir lock, a child process cannot.

mod bench;
mod dist;
mod postgres;
mod tools;

use std::env;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// Every failure ends as one message for the person at the terminal.
type Result<T = ()> = std::result::Result<T, String>;

const USAGE: &str = "usage: cargo xtask <command>

  run    build the app into dist/, then build and start the server
  dist   build the app into dist/ only
  test   everything CI runs: fmt, clippy, dist, all tests (with PostgreSQL), domain on wasm32
  soak   the money model test (server/tests/model) with 10,000 sequences on SQLite and on a
         throwaway PostgreSQL (port 55435), release build; SOAK_CASES=<n> changes the count,
         PROPTEST_RNG_SEED=<seed> replays a run
  bench  every benchmark (domain native and in wasm, the app in Chromium, a million carts
         quoted by the wasm domain and by the server, the server under load on SQLite and
         PostgreSQL), written to BENCHMARKS.md; `--only parity` runs the million carts alone";

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives inside the workspace");
    if let Err(e) = env::set_current_dir(root) {
        eprintln!("error: cannot enter {}: {e}", root.display());
        return ExitCode::FAILURE;
    }
    let result = match env::args().nth(1).as_deref() {
        Some("run") => run(),
        Some("dist") => tools::ensure_wasm_tools().and_then(|()| dist::build()),
        Some("test") => test(),
        Some("soak") => soak(),
        Some("bench") => match (env::args().nth(2).as_deref(), env::args().nth(3)) {
            (None, _) => bench::run(None),
            (Some("--only"), Some(stage)) => bench::run(Some(&stage)),
            _ => Err("usage: cargo xtask bench [--only parity]".into()),
        },
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nerror: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result {
    tools::ensure_invoice_font()?;
    tools::ensure_wasm_tools()?;
    dist::build()?;
    // Become the server's cargo process, so Ctrl-C reaches the server directly
    // and it shuts down gracefully.
    let err = Command::new("cargo").args(["run", "--release", "-p", "server"]).env("ESIGN_DIST", dist::DIST).exec();
    Err(format!("cannot start cargo: {err}"))
}

fn test() -> Result {
    let mut stages = Stages::default();
    let result = test_stages(&mut stages);
    stages.print_summary();
    result
}

fn test_stages(stages: &mut Stages) -> Result {
    stages.run("tools", || {
        tools::ensure_system_packages()?;
        tools::ensure_wasm_tools()
    })?;
    stages.run("fmt", || cargo(&["fmt", "--all", "--check"]))?;
    stages.run("clippy", || cargo(&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
    stages.run("clippy wasm32", || {
        cargo(&["clippy", "-p", "app", "--target", tools::WASM_TARGET, "--", "-D", "warnings"])
    })?;
    // The end-to-end tests serve the built app; the parity test quotes with the wasm page.
    stages.run("dist", dist::build)?;
    let wasm_page = bench::target_dir()?.join("wasm-bench");
    stages.run("wasm page", || bench::build_wasm_page(&bench::target_dir()?, &wasm_page))?;
    let postgres = stages.run("postgres", postgres::Cluster::start)?;
    stages.run("test", || {
        run_cmd(
            Command::new("cargo")
                .args(["test", "--workspace"])
                .env("CARGO_INCREMENTAL", "0")
                .env("DATABASE_URL_PG", postgres.url())
                .env("ESIGN_WASM_BENCH", &wasm_page),
        )
    })?;
    drop(postgres);
    stages.run("domain wasm32", || cargo(&["build", "-p", "domain", "--target", tools::WASM_TARGET]))
}

/// The soak: the money model's sequences by the ten thousand, on both databases.
fn soak() -> Result {
    let cases = env::var("SOAK_CASES").unwrap_or_else(|_| "10000".into());
    let mut stages = Stages::default();
    let result = (|| {
        let postgres = stages.run("postgres", || postgres::Cluster::start_on(SOAK_PG_PORT))?;
        stages.run("model soak", || {
            run_cmd(
                Command::new("cargo")
                    .args(["test", "--release", "-p", "server", "--test", "model", "--", "--nocapture"])
                    .env("DATABASE_URL_PG", postgres.url())
                    .env("PROPTEST_CASES", &cases)
                    // New sequences each soak; PROPTEST_RNG_SEED still replays one.
                    .env("MODEL_RANDOM_SEED", "1"),
            )
        })
    })();
    stages.print_summary();
    result
}

/// Not the test command's port: a soak may run beside it.
const SOAK_PG_PORT: u16 = 55435;

/// The timed stages of a command, for the summary at its end.
#[derive(Default)]
struct Stages(Vec<(&'static str, Duration, bool)>);

impl Stages {
    fn run<T>(&mut self, name: &'static str, stage: impl FnOnce() -> Result<T>) -> Result<T> {
        println!("\n== {name}");
        let start = Instant::now();
        let result = stage();
        let took = start.elapsed();
        let verdict = if result.is_ok() { "" } else { " FAILED" };
        println!("== {name}: {:.1} s{verdict}", took.as_secs_f64());
        self.0.push((name, took, result.is_ok()));
        result.map_err(|e| format!("{name}: {e}"))
    }

    fn print_summary(&self) {
        println!("\n== summary");
        for (name, took, ok) in &self.0 {
            let verdict = if *ok { "ok" } else { "FAILED" };
            println!("{name:<14} {:>7.1} s  {verdict}", took.as_secs_f64());
        }
        let total: Duration = self.0.iter().map(|(_, took, _)| *took).sum();
        println!("{:<14} {:>7.1} s", "total", total.as_secs_f64());
    }
}

/// Runs `cargo` with these arguments; see [`run_cmd`].
/// The test command builds from scratch as CI does, where incremental
/// caches only take disk.
fn cargo(args: &[&str]) -> Result {
    run_cmd(Command::new("cargo").args(args).env("CARGO_INCREMENTAL", "0"))
}

/// Runs a command with the terminal as its output; a failure names the command.
fn run_cmd(cmd: &mut Command) -> Result {
    let shown = std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|part| part.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ");
    println!("$ {shown}");
    let status = cmd.status().map_err(|e| format!("cannot start `{shown}`: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("`{shown}` failed ({status})")) }
}

/// The standard output of a command that succeeded; `None` when it is missing or failed.
fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.stderr(Stdio::null()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn is_root() -> bool {
    output(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0")
}
