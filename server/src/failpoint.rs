//! Crash points, for proving FUL-2 (never deliver twice, never lose a
//! delivery) against a process that dies at the worst moment.
//!
//! `ESIGN_CRASH_AT=<step>` (or `<step>:<n>`) makes the process abort, as
//! abruptly as `kill -9`, the first (or n-th) time execution reaches that
//! step: no destructor, no graceful shutdown, no transaction finished. The
//! variable is read once; unset, a crash point costs one atomic load. It is
//! never set in production.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// The variable naming the step to crash at.
pub const CRASH_AT: &str = "ESIGN_CRASH_AT";

/// The steps of a purchase where the process may be made to crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Placing an order: its row, voucher and idempotency key are written,
    /// the transaction is not committed.
    OrderWriting,
    /// The order is committed; the buyer has not been answered.
    OrderWritten,
    /// Inside the payment transaction (a balance debit, or a provider's
    /// payment being settled), before it commits.
    PaymentTransaction,
    /// The payment is committed (order paid, delivery job written);
    /// delivery has not begun.
    PaymentCommitted,
    /// Inside the delivering transaction: jobs claimed, nothing delivered yet.
    DeliveryClaimed,
    /// Inside the delivering transaction: entitlements and ledger written,
    /// not committed.
    DeliveryCommitting,
}

impl Step {
    /// Every step, in the order a purchase passes them.
    pub const ALL: [Step; 6] = [
        Step::OrderWriting,
        Step::OrderWritten,
        Step::PaymentTransaction,
        Step::PaymentCommitted,
        Step::DeliveryClaimed,
        Step::DeliveryCommitting,
    ];

    /// The step's name in [`CRASH_AT`].
    pub fn name(self) -> &'static str {
        match self {
            Step::OrderWriting => "order_writing",
            Step::OrderWritten => "order_written",
            Step::PaymentTransaction => "payment_transaction",
            Step::PaymentCommitted => "payment_committed",
            Step::DeliveryClaimed => "delivery_claimed",
            Step::DeliveryCommitting => "delivery_committing",
        }
    }
}

struct Armed {
    step: Step,
    /// Passes left before the crash; the pass that takes it from 1 crashes.
    remaining: AtomicU32,
}

static ARMED: OnceLock<Option<Armed>> = OnceLock::new();

/// Parses `<step>` or `<step>:<n>` (n ≥ 1).
fn parse(value: &str) -> Option<(Step, u32)> {
    let (name, count) = match value.split_once(':') {
        Some((name, count)) => (name, count.parse().ok().filter(|n| *n >= 1)?),
        None => (value, 1),
    };
    Step::ALL.into_iter().find(|s| s.name() == name.trim()).map(|step| (step, count))
}

fn from_env() -> Option<Armed> {
    let value = std::env::var(CRASH_AT).ok()?;
    match parse(&value) {
        Some((step, count)) => {
            tracing::warn!(step = step.name(), count, "armed to crash");
            Some(Armed { step, remaining: AtomicU32::new(count) })
        }
        None => {
            // A typo must not pass for a crash that never came: say so loudly.
            tracing::error!(value, "{CRASH_AT} names no step; nothing will crash");
            None
        }
    }
}

/// Aborts the process here when armed for `step` and this is the pass it
/// was armed for.
#[inline]
pub fn crash_point(step: Step) {
    if let Some(armed) = ARMED.get_or_init(from_env)
        && armed.step == step
        && armed.remaining.fetch_sub(1, Ordering::Relaxed) == 1
    {
        eprintln!("{CRASH_AT}: crashing at {}", step.name());
        std::process::abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ful_2_crash_points_are_named_with_an_optional_pass_count() {
        assert_eq!(parse("payment_committed"), Some((Step::PaymentCommitted, 1)));
        assert_eq!(parse("delivery_committing:3"), Some((Step::DeliveryCommitting, 3)));
        for step in Step::ALL {
            assert_eq!(parse(step.name()), Some((step, 1)), "{step:?}");
        }
        for bad in ["", "payment_committed:0", "payment_committed:x", "nowhere", "payment_committed:-1"] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }
}
