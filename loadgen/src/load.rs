//! One load point: `n` buyers purchasing back to back for a set time, while
//! the server's resident memory is sampled.

use crate::process::{DbCount, ServerProcess};
use crate::purchase::{Buyer, Flow, Timing};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What one load point measured.
#[derive(Debug)]
pub struct Point {
    pub flow: Flow,
    pub clients: usize,
    /// Complete purchases, each with its timings.
    pub timings: Vec<Timing>,
    /// Purchases that failed, and the first reason.
    pub failures: usize,
    pub first_failure: Option<String>,
    /// From the first purchase begun to the last one seen delivered.
    pub elapsed: Duration,
    pub peak_rss_kib: u64,
    /// What the server sent its database during the point (its background
    /// workers' rounds included).
    pub db: DbCount,
}

/// Runs the first `clients` buyers for `seconds`; each purchase begun before
/// the deadline is followed to its end. Gives the buyers back.
pub async fn run(server: &ServerProcess, buyers: Vec<Buyer>, flow: Flow, seconds: u64) -> (Point, Vec<Buyer>) {
    let clients = buyers.len();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let running = AtomicBool::new(true);
    let peak = AtomicU64::new(server.resident_kib().unwrap_or(0));
    let began = Instant::now();
    let tasks: Vec<_> = buyers
        .into_iter()
        .map(|mut buyer| {
            tokio::spawn(async move {
                let mut timings = Vec::new();
                let mut failures = Vec::new();
                while Instant::now() < deadline {
                    match buyer.purchase(flow).await {
                        Ok(timing) => timings.push(timing),
                        Err(e) => failures.push(e),
                    }
                }
                (buyer, timings, failures)
            })
        })
        .collect();
    let all = async {
        let mut buyers = Vec::new();
        let mut timings = Vec::new();
        let mut failures = Vec::new();
        for task in tasks {
            if let Ok((buyer, t, f)) = task.await {
                buyers.push(buyer);
                timings.extend(t);
                failures.extend(f);
            }
        }
        running.store(false, Ordering::SeqCst);
        (buyers, timings, failures)
    };
    // Sampled on this task while the buyers run on theirs.
    let sample = async {
        while running.load(Ordering::SeqCst) {
            peak.fetch_max(server.resident_kib().unwrap_or(0), Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let ((buyers, timings, failures), ()) = tokio::join!(all, sample);
    let point = Point {
        flow,
        clients,
        elapsed: began.elapsed(),
        failures: failures.len(),
        first_failure: failures.into_iter().next(),
        timings,
        peak_rss_kib: peak.load(Ordering::SeqCst),
        db: DbCount::default(),
    };
    (point, buyers)
}
