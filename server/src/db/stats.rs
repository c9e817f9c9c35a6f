//! How many SQL statements and write transactions this process has sent,
//! for `GET /api/dev/db-stats` and the load generator's cost per purchase.
//!
//! The executor counts every statement it runs, on both databases, for
//! every connection, pool or transaction, so no repository counts its own.
//! Transaction control (`BEGIN`, `COMMIT`, `ROLLBACK`, savepoints) is not a
//! statement here; write transactions are counted by [`super::Db::begin`].
//! The counters are the process's: every `Db` in it adds to them.

use api_types::DbStats;
use std::sync::atomic::{AtomicU64, Ordering};

static STATEMENTS: AtomicU64 = AtomicU64::new(0);
static TRANSACTIONS: AtomicU64 = AtomicU64::new(0);

/// The counts since the process started.
pub fn snapshot() -> DbStats {
    DbStats { statements: STATEMENTS.load(Ordering::Relaxed), transactions: TRANSACTIONS.load(Ordering::Relaxed) }
}

pub(super) fn transaction_begun() {
    TRANSACTIONS.fetch_add(1, Ordering::Relaxed);
}

pub(super) fn statement() {
    STATEMENTS.fetch_add(1, Ordering::Relaxed);
}
