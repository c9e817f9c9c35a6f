//! When the sandbox tries a notification again, and what it counts of the
//! signature probes it sends: kept apart from the notifier, which reads the
//! settings' schedule, so that the settings need not read the notifier.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// WeChat's waits between tries of one notification; after the last it
/// gives up (reconciliation finds the payment then).
const WECHAT_RETRIES: &str = "15s,15s,30s,3m,10m,20m,30m,30m,30m,60m,3h,3h,3h,6h,6h";

/// The waits between tries of one notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule(Vec<Duration>);

impl Default for RetrySchedule {
    /// WeChat's own.
    fn default() -> Self {
        WECHAT_RETRIES.parse().unwrap_or_else(|_| Self(vec![Duration::from_secs(15)]))
    }
}

impl RetrySchedule {
    /// The same schedule `factor` times faster (tests).
    pub fn compressed(&self, factor: u32) -> Self {
        Self(self.0.iter().map(|wait| *wait / factor.max(1)).collect())
    }

    /// The wait after `tries` failed tries; none once the schedule is spent.
    pub fn wait_after(&self, tries: i64) -> Option<Duration> {
        let index = usize::try_from(tries.checked_sub(1)?).ok()?;
        self.0.get(index).copied()
    }
}

/// A comma-separated list of waits such as `15s,15s,30s,3m`.
impl FromStr for RetrySchedule {
    type Err = humantime::DurationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.split(',').map(|wait| humantime::parse_duration(wait.trim())).collect::<Result<_, _>>().map(Self)
    }
}

impl fmt::Display for RetrySchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let waits: Vec<String> = self.0.iter().map(|wait| humantime::format_duration(*wait).to_string()).collect();
        f.write_str(&waits.join(","))
    }
}

/// Counts of the probes sent.
#[derive(Debug, Default)]
pub struct Probes {
    sent: AtomicU64,
    accepted: AtomicU64,
}

impl Probes {
    /// One more probe sent, which the merchant took or not.
    pub fn count(&self, accepted: bool) {
        self.sent.fetch_add(1, Ordering::Relaxed);
        if accepted {
            self.accepted.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The probes sent, and how many the merchant took.
    pub fn counts(&self) -> (u64, u64) {
        (self.sent.load(Ordering::Relaxed), self.accepted.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn pay_4_notifications_are_retried_on_wechats_schedule_then_given_up() {
        let schedule = RetrySchedule::default();
        let secs = |tries| schedule.wait_after(tries).map(|wait| wait.as_secs());

        assert_eq!(secs(0), None, "the first try is at once");
        assert_eq!((secs(1), secs(2), secs(3), secs(4), secs(5)), (Some(15), Some(15), Some(30), Some(180), Some(600)));
        assert_eq!(secs(10), Some(3600));
        assert_eq!(secs(15), Some(6 * 3600));
        assert_eq!(secs(16), None, "given up after sixteen tries, about a day");
        let total: u64 = (1..=15).filter_map(secs).sum();
        assert_eq!(total, 24 * 3600 + 4 * 60, "24 hours 4 minutes, as WeChat documents");
    }

    #[test]
    fn pay_4_the_schedule_is_configurable_and_compressible() {
        let schedule: RetrySchedule = "150ms, 1s,2m".parse().unwrap();

        assert_eq!(schedule.wait_after(1), Some(Duration::from_millis(150)));
        assert_eq!(schedule.wait_after(3), Some(Duration::from_secs(120)));
        assert_eq!(schedule.compressed(100).wait_after(3), Some(Duration::from_millis(1200)));
        assert_eq!(schedule.to_string(), "150ms,1s,2m");
        assert!("15s,soon".parse::<RetrySchedule>().is_err());
    }
}
