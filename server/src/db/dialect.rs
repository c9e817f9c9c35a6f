//! The two dialects, and what differs between them inside a query: how a
//! read holds the rows it reads.

use std::fmt;

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The id the next order inserted in this write transaction takes, as
    /// an SQL expression: placement reserves it with its idempotency key, so
    /// the key is written once, already naming its order. SQLite's one
    /// writer holds the database until the order is inserted; PostgreSQL's
    /// sequence never gives an id twice.
    pub fn next_order_id(self) -> &'static str {
        match self {
            Backend::Sqlite => "(SELECT COALESCE(MAX(id), 0) + 1 FROM orders)",
            Backend::Postgres => "nextval(pg_get_serial_sequence('orders', 'id'))",
        }
    }
}

/// How a `SELECT` inside a write transaction holds what it reads. It is
/// written at the end of the statement (`{lock}` in the query text), so a
/// repository function says which it needs and never spells the SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    /// A plain read.
    None,
    /// Hold the rows until the transaction ends: `FOR UPDATE` on PostgreSQL.
    /// SQLite needs none: its one writer connection already serialises writes.
    ForUpdate(Backend),
    /// Hold the rows of the table named (by its alias in the statement)
    /// that no other transaction holds, and leave out the rest: `FOR UPDATE
    /// OF … SKIP LOCKED` on PostgreSQL, so that workers sharing a queue each
    /// take other rows instead of waiting for each other.
    SkipHeld(Backend, &'static str),
}

impl Lock {
    /// Whether the read may wait for another transaction's lock. Then,
    /// under PostgreSQL's read committed, the rows it joins are as they were
    /// before the wait: a read that must see what the lock's holder wrote
    /// takes the lock in a statement before it.
    pub fn waits(self) -> bool {
        self == Lock::ForUpdate(Backend::Postgres)
    }
}

impl fmt::Display for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lock::None | Lock::ForUpdate(Backend::Sqlite) | Lock::SkipHeld(Backend::Sqlite, _) => Ok(()),
            Lock::ForUpdate(Backend::Postgres) => f.write_str(" FOR UPDATE"),
            Lock::SkipHeld(Backend::Postgres, table) => write!(f, " FOR UPDATE OF {table} SKIP LOCKED"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quo_5_only_postgresql_is_told_to_lock_rows() {
        assert_eq!(Lock::None.to_string(), "");
        assert_eq!(Lock::ForUpdate(Backend::Sqlite).to_string(), "");
        assert_eq!(Lock::ForUpdate(Backend::Postgres).to_string(), " FOR UPDATE");
        assert!(Lock::ForUpdate(Backend::Postgres).waits());
        assert!(!Lock::ForUpdate(Backend::Sqlite).waits());
        assert!(!Lock::None.waits());
        assert_eq!(Lock::SkipHeld(Backend::Sqlite, "j").to_string(), "");
        assert_eq!(Lock::SkipHeld(Backend::Postgres, "j").to_string(), " FOR UPDATE OF j SKIP LOCKED");
        assert!(!Lock::SkipHeld(Backend::Postgres, "j").waits());
    }
}
