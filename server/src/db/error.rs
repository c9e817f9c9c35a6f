//! The database layer's one error, whichever driver answered.

use std::error::Error as StdError;

/// What went wrong below the repositories.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] sqlx::Error),
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("the database's folder: {0}")]
    Io(#[from] std::io::Error),
    /// A statement that must answer a row answered none.
    #[error("no row where one was expected")]
    RowNotFound,
    /// A stored value this program cannot read back (a column's type, an unknown name).
    #[error("a stored value could not be read: {0}")]
    Decode(Box<dyn StdError + Send + Sync>),
    /// A value that cannot be stored (out of the column's range, not serialisable).
    #[error("a value could not be stored: {0}")]
    Encode(Box<dyn StdError + Send + Sync>),
    /// A write found fewer of its rows as they had to be than it must change:
    /// its transaction rolls back.
    #[error("rows not as expected: {0}")]
    Stale(String),
    /// The pool was closed (the server is stopping).
    #[error("the database is closed")]
    Closed,
    /// The commit a transaction shared with others (SQLite's writer) failed.
    #[error("SQLite: the commit shared with other transactions failed: {0}")]
    GroupCommit(String),
    /// A savepoint was dropped without being ended, so its transaction may not commit.
    #[error("a savepoint was left open in the transaction")]
    SavepointLeftOpen,
}

impl Error {
    /// Whether a unique index refused the write.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            Error::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => matches!(
                e.extended_code,
                rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            ),
            Error::Postgres(sqlx::Error::Database(e)) => e.is_unique_violation(),
            _ => false,
        }
    }

    /// A decode error naming what could not be read.
    pub fn decode(what: impl Into<String>) -> Error {
        Error::Decode(what.into().into())
    }
}
