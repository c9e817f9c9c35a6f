//! The figures, printed against the budgets.

use std::fmt;
use std::time::Duration;

/// What one run measured.
#[derive(Debug)]
pub struct Report {
    pub database: &'static str,
    pub clients: usize,
    pub purchases: usize,
    pub elapsed: Duration,
    pub p50: Duration,
    pub p99: Duration,
    pub delivery_p50: Duration,
    pub delivery_p99: Duration,
    pub peak_rss_mib: u64,
    pub cold_start: Duration,
}

/// The `p`th percentile of sorted samples (nearest rank).
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rate = self.purchases as f64 / self.elapsed.as_secs_f64();
        let floor = if self.database == "SQLite" { 2000.0 } else { 1000.0 };
        let mark = |ok: bool| if ok { "ok" } else { "OVER BUDGET" };
        writeln!(f, "{} · {} clients · {:.1} s", self.database, self.clients, self.elapsed.as_secs_f64())?;
        writeln!(f, "  purchases/s      {rate:>9.0}   (budget ≥ {floor:.0})  {}", mark(rate >= floor))?;
        writeln!(f, "  purchase p50     {:>9.2} ms", ms(self.p50))?;
        writeln!(f, "  purchase p99     {:>9.2} ms   (budget < 50 ms)  {}", ms(self.p99), mark(ms(self.p99) < 50.0))?;
        writeln!(f, "  delivery p50     {:>9.2} ms   from payment", ms(self.delivery_p50))?;
        writeln!(
            f,
            "  delivery p99     {:>9.2} ms   (budget < 1000 ms)  {}",
            ms(self.delivery_p99),
            mark(ms(self.delivery_p99) < 1000.0)
        )?;
        writeln!(
            f,
            "  peak RSS         {:>9} MiB  (budget < 60 MiB)  {}",
            self.peak_rss_mib,
            mark(self.peak_rss_mib < 60)
        )?;
        write!(
            f,
            "  cold start       {:>9.1} ms   (budget < 200 ms)  {}",
            ms(self.cold_start),
            mark(ms(self.cold_start) < 200.0)
        )
    }
}
