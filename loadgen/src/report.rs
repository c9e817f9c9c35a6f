//! The figures of one database, as a Markdown section, each budget beside
//! what was measured.

use crate::load::Point;
use crate::purchase::Flow;
use std::fmt::{self, Write};
use std::time::Duration;

/// What one run on one database measured.
#[derive(Debug)]
pub struct Report {
    pub database: &'static str,
    pub durability: String,
    pub seconds_per_point: u64,
    pub first_start: Duration,
    pub cold_starts: Vec<Duration>,
    pub idle_rss_kib: u64,
    pub idle_rss_after_kib: u64,
    pub points: Vec<Point>,
}

/// The `p`th percentile of sorted samples (nearest rank).
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 { format!("{ms:.2} ms") } else { format!("{ms:.1} ms") }
}

fn mb(kib: u64) -> f64 {
    kib as f64 * 1024.0 / 1e6
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "**missed**" }
}

/// Sorted whole-purchase and payment-to-delivered times of a point.
fn sorted(point: &Point) -> (Vec<Duration>, Vec<Duration>) {
    let mut whole: Vec<Duration> = point.timings.iter().map(|t| t.whole).collect();
    let mut delivery: Vec<Duration> = point.timings.iter().map(|t| t.paid_to_delivered).collect();
    whole.sort();
    delivery.sort();
    (whole, delivery)
}

fn rate(point: &Point) -> f64 {
    point.timings.len() as f64 / point.elapsed.as_secs_f64().max(1e-9)
}

/// The target for what a purchase costs the database.
const STATEMENTS_PER_PURCHASE: u32 = 15;

/// Statements and write transactions per complete purchase: the point's
/// growth of the server's counters over the purchases it completed.
fn per_purchase(point: &Point) -> (f64, f64) {
    let purchases = point.timings.len().max(1) as f64;
    (point.db.statements as f64 / purchases, point.db.transactions as f64 / purchases)
}

fn flow_name(flow: Flow) -> &'static str {
    match flow {
        Flow::Balance => "balance",
        Flow::WeChat => "WeChat (sandbox)",
    }
}

impl Report {
    /// The purchases-per-second floor at 16 clients.
    fn floor(&self) -> f64 {
        if self.database == "SQLite" { 2000.0 } else { 1000.0 }
    }

    fn budget_rows(&self, out: &mut String) -> fmt::Result {
        let sixteen = self.points.iter().find(|p| p.flow == Flow::Balance && p.clients == 16);
        if let Some(point) = sixteen {
            let (whole, _) = sorted(point);
            let r = rate(point);
            let p99 = percentile(&whole, 99.0);
            writeln!(
                out,
                "| complete purchases per second, 16 clients, balance | {r:.0} | ≥ {:.0} | {} |",
                self.floor(),
                verdict(r >= self.floor())
            )?;
            writeln!(
                out,
                "| whole purchase p99, 16 clients, balance | {} | < 50 ms | {} |",
                ms(p99),
                verdict(p99 < Duration::from_millis(50))
            )?;
            let (statements, transactions) = per_purchase(point);
            writeln!(
                out,
                "| SQL statements per complete purchase, 16 clients, balance (write transactions: {transactions:.1}) | {statements:.1} | ≤ {STATEMENTS_PER_PURCHASE} | {} |",
                verdict(statements <= STATEMENTS_PER_PURCHASE as f64)
            )?;
        }
        let worst_delivery = self.points.iter().map(|p| (percentile(&sorted(p).1, 99.0), p)).max_by_key(|(d, _)| *d);
        if let Some((d, p)) = worst_delivery {
            writeln!(
                out,
                "| payment → delivered p99, worst point ({}, {} clients) | {} | < 1 s | {} |",
                flow_name(p.flow),
                p.clients,
                ms(d),
                verdict(d < Duration::from_secs(1))
            )?;
        }
        let peak = self.points.iter().map(|p| p.peak_rss_kib).max().unwrap_or(0);
        writeln!(
            out,
            "| resident memory under load, peak of all points | {:.1} MB | < 60 MB | {} |",
            mb(peak),
            verdict(mb(peak) < 60.0)
        )?;
        let mut cold = self.cold_starts.clone();
        cold.sort();
        let median = percentile(&cold, 50.0);
        writeln!(
            out,
            "| start to first answer on an existing database, median of {} | {} | < 200 ms | {} |",
            cold.len(),
            ms(median),
            verdict(median < Duration::from_millis(200))
        )
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        writeln!(out, "### {}\n", self.database)?;
        writeln!(out, "Durability, as the server's own connect sets it: {}.\n", self.durability)?;
        writeln!(out, "| what | measured | budget | |")?;
        writeln!(out, "|---|---|---|---|")?;
        self.budget_rows(&mut out)?;
        let cold: Vec<String> = self.cold_starts.iter().map(|d| ms(*d)).collect();
        writeln!(out, "| start to first answer on an existing database, each start | {} | | |", cold.join(", "))?;
        writeln!(
            out,
            "| first start on an empty database (migrations and demo seed) to first answer | {} | reported apart | |",
            ms(self.first_start)
        )?;
        writeln!(out, "| resident memory idle, before the load | {:.1} MB | | |", mb(self.idle_rss_kib))?;
        writeln!(out, "| resident memory idle, after the load | {:.1} MB | | |", mb(self.idle_rss_after_kib))?;
        writeln!(out)?;
        writeln!(
            out,
            "Every load point ({} s of purchases begun, each followed to its end):\n",
            self.seconds_per_point
        )?;
        writeln!(
            out,
            "| payment | clients | complete purchases | per second | whole purchase p50 | p99 | payment → delivered p50 | p99 | statements / purchase | transactions / purchase | peak RSS | failed |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|---|---|---|---|---|")?;
        for point in &self.points {
            let (whole, delivery) = sorted(point);
            let (statements, transactions) = per_purchase(point);
            writeln!(
                out,
                "| {} | {} | {} | {:.0} | {} | {} | {} | {} | {statements:.1} | {transactions:.1} | {:.1} MB | {} |",
                flow_name(point.flow),
                point.clients,
                point.timings.len(),
                rate(point),
                ms(percentile(&whole, 50.0)),
                ms(percentile(&whole, 99.0)),
                ms(percentile(&delivery, 50.0)),
                ms(percentile(&delivery, 99.0)),
                mb(point.peak_rss_kib),
                point.failures,
            )?;
        }
        let failures: Vec<String> = self
            .points
            .iter()
            .filter_map(|p| p.first_failure.as_ref().map(|e| format!("- {} × {}: {e}", flow_name(p.flow), p.clients)))
            .collect();
        if !failures.is_empty() {
            writeln!(out, "\nFirst failure of each point that had one:\n\n{}", failures.join("\n"))?;
        }
        f.write_str(&out)
    }
}
