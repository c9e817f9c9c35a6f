//! Measures the server against its budgets over loopback: complete purchases
//! per second and the whole purchase's p50/p99 at 1, 4, 16 and 64 clients
//! (place, pay from the balance, see it delivered on the order's event
//! stream), the sandbox-WeChat path (place, open the payment, the payer
//! confirms, the sandbox notifies, delivered), payment-to-delivered latency,
//! resident memory idle and under load, start to first answer on an
//! existing database, and the first start with migrations and seeding.
//!
//! It starts the release server binary as its own process with the shipped
//! default settings on a fresh database (SQLite by default, `--postgres URL`
//! for a new database on that PostgreSQL server), so the figures include
//! HTTP over loopback and a real database, and it stops by itself.
//!
//! Usage: `cargo xtask bench` (builds what it needs and writes
//! BENCHMARKS.md), or `loadgen [--server PATH] [--postgres URL]
//! [--clients 1,4,16,64] [--seconds 5] [--report FILE]`.

mod accounts;
mod database;
mod load;
mod process;
mod purchase;
mod report;

use database::Fresh;
use process::ServerProcess;
use purchase::{Buyer, Flow};
use report::Report;
use std::path::PathBuf;
use std::time::Duration;

struct Options {
    server: PathBuf,
    clients: Vec<usize>,
    seconds: u64,
    postgres: Option<String>,
    report: Option<PathBuf>,
}

/// How many times the server is started on the existing database.
const COLD_STARTS: usize = 3;
/// The client counts of the WeChat path.
const WECHAT_CLIENTS: [usize; 2] = [1, 16];

fn options() -> Result<Options, String> {
    // The server binary beside this one: both are built into the same target folder.
    let beside = std::env::current_exe().map_err(|e| e.to_string())?.with_file_name("server");
    let mut options = Options { server: beside, clients: vec![1, 4, 16, 64], seconds: 5, postgres: None, report: None };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--server" => options.server = value()?.into(),
            "--clients" => {
                options.clients = value()?
                    .split(',')
                    .map(|n| n.trim().parse().map_err(|_| "--clients takes numbers: 1,4,16,64"))
                    .collect::<Result<_, _>>()?;
            }
            "--seconds" => options.seconds = value()?.parse().map_err(|_| "--seconds takes a number")?,
            "--postgres" => options.postgres = Some(value()?),
            "--report" => options.report = Some(value()?.into()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if options.clients.is_empty() || options.clients.contains(&0) {
        return Err("--clients needs at least one client per point".into());
    }
    Ok(options)
}

async fn run(options: &Options, database: &Fresh) -> Result<Report, String> {
    let url = database.url();
    println!("{}: first start (migrations, demo seed)", database.name());
    let first_start = ServerProcess::start(&options.server, url).await?.ready_after;
    let durability = database::durability(url).await?;
    let most = WECHAT_CLIENTS.iter().chain(&options.clients).copied().max().unwrap_or(1);
    let logins = accounts::create(url, most).await?;

    let mut cold_starts = Vec::new();
    for _ in 0..COLD_STARTS {
        cold_starts.push(ServerProcess::start(&options.server, url).await?.ready_after);
    }
    let server = ServerProcess::start(&options.server, url).await?;
    let mut buyers = Vec::new();
    for login in &logins {
        buyers.push(Buyer::sign_in(&server.url, login).await?);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle_rss_kib = server.resident_kib().unwrap_or(0);

    let plan = options.clients.iter().map(|&n| (Flow::Balance, n)).chain(WECHAT_CLIENTS.map(|n| (Flow::WeChat, n)));
    let mut points = Vec::new();
    for (flow, clients) in plan {
        println!("{}: {flow:?} × {clients} clients for {} s", database.name(), options.seconds);
        let rest = buyers.split_off(clients);
        let before = server.db_stats().await?;
        let (mut point, used) = load::run(&server, buyers, flow, options.seconds).await;
        point.db = server.db_stats().await? - before;
        buyers = used;
        buyers.extend(rest);
        if point.timings.is_empty() {
            return Err(format!(
                "no purchase completed with {clients} clients: {}",
                point.first_failure.unwrap_or_default()
            ));
        }
        points.push(point);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle_rss_after_kib = server.resident_kib().unwrap_or(0);
    Ok(Report {
        database: database.name(),
        durability,
        seconds_per_point: options.seconds,
        first_start,
        cold_starts,
        idle_rss_kib,
        idle_rss_after_kib,
        points,
    })
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let result = async {
        let options = options()?;
        let database = Fresh::create(options.postgres.as_deref()).await?;
        let report = run(&options, &database).await;
        database.remove().await?;
        let report = report?.to_string();
        println!("{report}");
        if let Some(file) = &options.report {
            std::fs::write(file, &report).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        }
        Ok::<(), String>(())
    };
    match result.await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("loadgen: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
