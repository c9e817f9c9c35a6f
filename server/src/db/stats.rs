//! How many SQL statements and write transactions this process has sent,
//! for `GET /api/dev/db-stats` and the load generator's cost per purchase.
//!
//! Statements are counted from sqlx's own statement log (target
//! `sqlx::query`, one event per statement it runs, on every backend and
//! for every connection, pool or transaction), so no repository counts its
//! own; `BEGIN`, `COMMIT` and savepoints go through sqlx's transaction
//! manager, which does not log them, and are counted as transactions by
//! [`super::Db::begin`]. The counters are the process's: every `Db` in it
//! adds to them.

use api_types::DbStats;
use std::sync::atomic::{AtomicU64, Ordering};
use tracing::{Metadata, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

static STATEMENTS: AtomicU64 = AtomicU64::new(0);
static TRANSACTIONS: AtomicU64 = AtomicU64::new(0);

/// The counts since the process started.
pub fn snapshot() -> DbStats {
    DbStats { statements: STATEMENTS.load(Ordering::Relaxed), transactions: TRANSACTIONS.load(Ordering::Relaxed) }
}

pub(super) fn transaction_begun() {
    TRANSACTIONS.fetch_add(1, Ordering::Relaxed);
}

fn is_statement(metadata: &Metadata<'_>) -> bool {
    metadata.target() == "sqlx::query"
}

/// The layer that counts statements, with its own filter: it sees sqlx's
/// statement events whatever level the log lines are filtered to (sqlx logs
/// a statement only when some layer wants it).
pub fn layer<S: Subscriber + for<'a> LookupSpan<'a>>() -> impl Layer<S> {
    Counter.with_filter(filter_fn(is_statement))
}

/// Counts each statement event.
#[derive(Debug)]
pub struct Counter;

impl<S: Subscriber> Layer<S> for Counter {
    fn on_event(&self, _event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        STATEMENTS.fetch_add(1, Ordering::Relaxed);
    }
}
