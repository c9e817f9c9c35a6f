//! How many SQL statements and write transactions this process has sent,
//! for `GET /api/dev/db-stats` and the load generator's cost per purchase.
//!
//! Statements are counted from sqlx's own statement log (target
//! `sqlx::query`, one event per statement it runs, on every backend and
//! for every connection, pool or transaction), so no repository counts its
//! own. Transaction control (`BEGIN`, `COMMIT`, `ROLLBACK`, savepoints) is
//! not counted as a statement: sqlx logs some of it on PostgreSQL and none
//! on SQLite, so counting it would make one purchase cost differently on
//! the two; write transactions are counted by [`super::Db::begin`]. The
//! counters are the process's: every `Db` in it adds to them.

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
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let mut control = TransactionControl(false);
        event.record(&mut control);
        if !control.0 {
            STATEMENTS.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Whether the event's `summary` (sqlx's first words of the statement) is
/// transaction control.
struct TransactionControl(bool);

impl TransactionControl {
    fn note(&mut self, summary: &str) {
        let first = summary.trim_start_matches('"').split_whitespace().next().unwrap_or_default();
        self.0 = ["BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"].iter().any(|w| first.eq_ignore_ascii_case(w));
    }
}

impl tracing::field::Visit for TransactionControl {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "summary" {
            self.note(value);
        }
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "summary" {
            self.note(&format!("{value:?}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    #[test]
    fn statements_are_counted_and_transaction_control_is_not() {
        let subscriber = tracing_subscriber::registry().with(layer());
        let before = snapshot().statements;
        tracing::subscriber::with_default(subscriber, || {
            for summary in ["SELECT id, account_id FROM …", "COMMIT", "RELEASE SAVEPOINT _sqlx_savepoint_1", "rollback"]
            {
                tracing::event!(target: "sqlx::query", tracing::Level::DEBUG, summary);
            }
            let summary = String::from("INSERT INTO audit_log (at, …");
            tracing::event!(target: "sqlx::query", tracing::Level::DEBUG, summary);
            tracing::event!(target: "server::other", tracing::Level::DEBUG, summary = "SELECT 1");
        });
        assert_eq!(snapshot().statements - before, 2, "the SELECT and the INSERT");
    }
}
