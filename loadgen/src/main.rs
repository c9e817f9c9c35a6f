//! Measures the server against its budgets: complete purchases per second
//! with 16 clients (order placed and paid from the balance, then delivered),
//! request latency percentiles, delivery latency from payment, resident
//! memory under load and cold start to the first answer.
//!
//! It starts the release server binary as its own process on a fresh
//! database (SQLite by default, `--postgres URL` for PostgreSQL), so the
//! figures include HTTP over loopback and a real database, and stops by itself.
//!
//! Usage: `cargo xtask bench` (builds what it needs), or
//! `loadgen --server target/release/server [--clients 16] [--seconds 10] [--postgres URL]`.

mod accounts;
mod report;

use report::{Report, percentile};
use reqwest::StatusCode;
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Options {
    server: String,
    clients: usize,
    seconds: u64,
    postgres: Option<String>,
}

fn options() -> Result<Options, String> {
    let mut options = Options { server: "target/release/server".into(), clients: 16, seconds: 10, postgres: None };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--server" => options.server = value()?,
            "--clients" => options.clients = value()?.parse().map_err(|_| "--clients takes a number")?,
            "--seconds" => options.seconds = value()?.parse().map_err(|_| "--seconds takes a number")?,
            "--postgres" => options.postgres = Some(value()?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(options)
}

/// The server process, stopped when dropped.
struct ServerProcess(Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the server and returns it with its URL and the time to its first answer.
async fn start(options: &Options, database_url: &str) -> Result<(ServerProcess, String, Duration), String> {
    let started = Instant::now();
    let mut child = Command::new(&options.server)
        .env("DATABASE_URL", database_url)
        .env("ESIGN_PORT", "0")
        .env("ESIGN_DIST", "no-dist")
        .env("ESIGN_ENV", "development")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| {
            format!("cannot start {}: {e} (build it with `cargo build --release -p server`)", options.server)
        })?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let process = ServerProcess(child);
    let mut lines = BufReader::new(stdout).lines();
    let url = lines
        .find_map(|l| l.ok().and_then(|l| l.split_whitespace().find(|w| w.starts_with("http://")).map(str::to_owned)))
        .ok_or("the server printed no URL")?;
    std::thread::spawn(move || lines.for_each(drop));
    let client = reqwest::Client::new();
    loop {
        if let Ok(r) = client.get(format!("{url}/api/health")).send().await
            && r.status() == StatusCode::OK
        {
            return Ok((process, url, started.elapsed()));
        }
        if started.elapsed() > Duration::from_secs(30) {
            return Err("the server did not answer within 30 s".into());
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn resident_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.split_whitespace().next()?.parse().ok())
}

/// One client: places and pays orders until the deadline; returns each purchase's latency.
async fn client_loop(url: String, login: String, deadline: Instant) -> Result<Vec<Duration>, String> {
    let client = reqwest::Client::builder().cookie_store(true).build().map_err(|e| e.to_string())?;
    let signed = client
        .post(format!("{url}/api/session"))
        .json(&json!({ "login": login, "password": accounts::PASSWORD }))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if signed.status() != StatusCode::NO_CONTENT {
        return Err(format!("{login} cannot sign in: {}", signed.status()));
    }
    let body = json!({
        "selection": { "addons": [{ "addon": "contract_pack_1k", "quantity": 1 }] },
        "channel": "web",
        "expected_total": accounts::PACK_PRICE,
    });
    let mut latencies = Vec::new();
    let mut n = 0u64;
    while Instant::now() < deadline {
        n += 1;
        let start = Instant::now();
        let placed = client
            .post(format!("{url}/api/orders"))
            .header("Idempotency-Key", format!("{login}-{n}"))
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if placed.status() != StatusCode::CREATED {
            return Err(format!("order refused: {} {}", placed.status(), placed.text().await.unwrap_or_default()));
        }
        let order: serde_json::Value = placed.json().await.map_err(|e| e.to_string())?;
        let id = order["id"].as_i64().ok_or("no order id")?;
        let paid = client
            .post(format!("{url}/api/orders/{id}/pay"))
            .json(&json!({ "method": "balance" }))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if paid.status() != StatusCode::OK {
            return Err(format!("payment refused: {} {}", paid.status(), paid.text().await.unwrap_or_default()));
        }
        latencies.push(start.elapsed());
    }
    Ok(latencies)
}

async fn run(options: Options) -> Result<Report, String> {
    let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;
    let database_url = match &options.postgres {
        Some(url) => url.clone(),
        None => format!("sqlite://{}/loadgen.sqlite", scratch.path().display()),
    };
    let (server, url, cold_start) = start(&options, &database_url).await?;
    let logins = accounts::create(&database_url, options.clients).await?;
    let pid = server.0.id();
    let deadline = Instant::now() + Duration::from_secs(options.seconds);
    let sampler = tokio::spawn(async move {
        let mut peak = 0;
        while Instant::now() < deadline {
            peak = peak.max(resident_kib(pid).unwrap_or(0));
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        peak
    });
    let began = Instant::now();
    let clients = logins.into_iter().map(|login| tokio::spawn(client_loop(url.clone(), login, deadline)));
    let mut latencies = Vec::new();
    for joined in futures_util::future::join_all(clients).await {
        latencies.extend(joined.map_err(|e| e.to_string())??);
    }
    let elapsed = began.elapsed();
    let peak_kib = sampler.await.map_err(|e| e.to_string())?;
    let deliveries = accounts::delivery_latencies(&database_url, latencies.len()).await?;
    latencies.sort();
    Ok(Report {
        database: if options.postgres.is_some() { "PostgreSQL" } else { "SQLite" },
        clients: options.clients,
        purchases: latencies.len(),
        elapsed,
        p50: percentile(&latencies, 50.0),
        p99: percentile(&latencies, 99.0),
        delivery_p50: percentile(&deliveries, 50.0),
        delivery_p99: percentile(&deliveries, 99.0),
        peak_rss_mib: peak_kib / 1024,
        cold_start,
    })
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let result = match options() {
        Ok(options) => run(options).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(report) => {
            println!("{report}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("loadgen: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
