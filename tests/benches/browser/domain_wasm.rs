//! The domain compiled to wasm, timed inside headless Chromium: the page of
//! `wasm-bench/web/` (built by `cargo xtask bench`) calls each workload
//! 10,000 times per round and times the round with `performance.now()`.

use crate::isolated;
use axum::Router;
use fantoccini::Client;
use std::path::Path;
use tower_http::services::ServeDir;

/// Calls per timed round.
pub const CALLS: u32 = 10_000;
const ROUNDS: u32 = 5;

/// Each workload's median microseconds per call over the rounds.
#[derive(Debug, Default)]
pub struct Figures {
    pub isolated: bool,
    pub workloads: Vec<(String, f64)>,
}

/// Serves the built page from `dir` and runs it in the browser.
pub async fn measure(client: Client, dir: &Path) -> Figures {
    let base = isolated::serve(Router::new().fallback_service(ServeDir::new(dir))).await;
    client.goto(&format!("{base}/index.html")).await.expect("the wasm page opens");
    let script = format!(
        "const done = arguments[arguments.length - 1];
         runBench({CALLS}, {ROUNDS}).then(done, (e) => done({{ error: String(e) }}));"
    );
    let result = client.execute_async(&script, Vec::new()).await.expect("the wasm benchmark runs");
    assert!(result.get("error").is_none(), "the wasm benchmark failed: {result}");
    let mut figures = Figures { isolated: result["isolated"].as_bool().unwrap_or(false), workloads: Vec::new() };
    for (name, rounds) in result["workloads"].as_object().expect("the workloads' timings") {
        let mut per_call: Vec<f64> = rounds.as_array().into_iter().flatten().filter_map(|v| v.as_f64()).collect();
        per_call.sort_by(f64::total_cmp);
        assert!(!per_call.is_empty(), "{name} was timed");
        figures.workloads.push((name.clone(), per_call[per_call.len() / 2]));
    }
    figures
}
