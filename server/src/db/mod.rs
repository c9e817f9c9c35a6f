//! The database: embedded SQLite by default, PostgreSQL for scale-out, one
//! set of SQL text over a small executor ([`query`], [`Conn`], [`Tx`]) that
//! both drivers implement: `rusqlite` run on the request's own task for
//! SQLite, sqlx for PostgreSQL (and for both databases' migrations). Money
//! is integer fen and instants are milliseconds since the epoch in both.

pub mod changes;
pub mod codec;
mod conn;
mod dialect;
mod error;
mod postgres;
mod query;
mod sqlite;
pub mod stats;
mod value;

pub use conn::{Conn, Pool, Savepoint, Tx};
pub use dialect::{Backend, Lock};
pub use error::Error;
pub use query::{AssertSqlSafe, On, Query, QueryAs, QueryScalar, SqlText, query, query_as, query_scalar};
pub use value::{ColumnIndex, Decode, Done, Encode, FromRow, Kind, Row, Typed, Value};

use crate::repo::session_cache::SessionCache;
use sqlx::postgres::PgPoolOptions;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The pools. On SQLite every write goes through one connection, so write
/// transactions are serialised in the process; reads use their own
/// connections (WAL lets them run beside the writer). On PostgreSQL both
/// are the same pool and writers serialise per account with `FOR UPDATE`.
/// Live sessions are held in memory in front of both
/// (`repo::session_cache`).
#[derive(Debug, Clone)]
pub struct Db {
    pub read: Pool,
    pub write: Pool,
    pub backend: Backend,
    pub sessions: Arc<SessionCache>,
    /// Other processes told of this one's order changes (PostgreSQL).
    pub changes: changes::Changes,
    /// The SQLite file, for its migrations; none on PostgreSQL.
    file: Option<PathBuf>,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Db {
    /// Connects to `url` (`sqlite://path` or `postgres://…`), creating the
    /// SQLite file and its folder when missing.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, Error> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            let file = PathBuf::from(path.split('?').next().unwrap_or(path));
            if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            let write = sqlite::Pool::open_writer(&file)?;
            // Reads are CPU-bound here: more connections than cores only add
            // thread switches between them.
            let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
            let read = sqlite::Pool::open(&file, cores.max(2))?;
            Ok(Db {
                read: Pool::Sqlite(Arc::new(read)),
                write: Pool::Sqlite(write),
                backend: Backend::Sqlite,
                sessions: Arc::default(),
                changes: changes::Changes::default(),
                file: Some(file),
            })
        } else {
            let pool = PgPoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            Ok(Db {
                read: Pool::Postgres(pool.clone()),
                changes: changes::Changes::postgres(pool.clone()),
                write: Pool::Postgres(pool),
                backend: Backend::Postgres,
                sessions: Arc::default(),
                file: None,
            })
        }
    }

    /// Applies the embedded migrations of this backend.
    pub async fn migrate(&self) -> Result<(), Error> {
        match (&self.write, &self.file) {
            (Pool::Postgres(pool), _) => POSTGRES_MIGRATIONS.run(pool).await?,
            (Pool::Sqlite(_), Some(file)) => {
                // On a pool of sqlx's (of one connection): a connection of its
                // own would keep the future from being `Send` (sqlx's `Acquire`).
                let pool = sqlite_for_migrations(file).await?;
                SQLITE_MIGRATIONS.run(&pool).await?;
                pool.close().await;
            }
            (Pool::Sqlite(_), None) => return Err(Error::Closed),
        }
        Ok(())
    }

    /// The versions of this backend's embedded migrations not applied to
    /// the database (none once [`Db::migrate`] has run).
    pub async fn unapplied_migrations(&self) -> Result<Vec<i64>, Error> {
        use sqlx::migrate::Migrate;
        let (migrator, applied) = match (&self.write, &self.file) {
            (Pool::Postgres(pool), _) => {
                let mut conn = pool.acquire().await?;
                (&POSTGRES_MIGRATIONS, conn.list_applied_migrations(&POSTGRES_MIGRATIONS.table_name).await?)
            }
            (Pool::Sqlite(_), Some(file)) => {
                let pool = sqlite_for_migrations(file).await?;
                let applied = pool.acquire().await?.list_applied_migrations(&SQLITE_MIGRATIONS.table_name).await?;
                pool.close().await;
                (&SQLITE_MIGRATIONS, applied)
            }
            (Pool::Sqlite(_), None) => return Err(Error::Closed),
        };
        Ok(migrator
            .iter()
            .filter(|m| m.migration_type.is_up_migration() && !applied.iter().any(|a| a.version == m.version))
            .map(|m| m.version)
            .collect())
    }

    /// Starts a write transaction (counted in [`stats`]).
    pub async fn begin(&self) -> Result<Tx, Error> {
        stats::transaction_begun();
        self.write.begin().await
    }

    /// Hands each order another process changed to `seen`, for ever (on
    /// PostgreSQL; on SQLite there are none to hear of and it returns).
    pub async fn follow_other_processes(&self, seen: impl Fn(i64)) {
        if let Pool::Postgres(pool) = &self.write {
            changes::listen(pool.clone(), self.changes.clone(), seen).await;
        }
    }

    /// A read that holds its rows until the write transaction ends.
    pub fn for_update(&self) -> Lock {
        Lock::ForUpdate(self.backend)
    }

    /// How a worker takes rows of `table` (its alias), a queue other workers share.
    pub fn skip_held(&self, table: &'static str) -> Lock {
        Lock::SkipHeld(self.backend, table)
    }
}

/// sqlx's own SQLite connection, for the migrations it keeps the books of.
async fn sqlite_for_migrations(file: &Path) -> Result<sqlx::SqlitePool, Error> {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(file)
        .create_if_missing(true)
        .busy_timeout(Duration::from_secs(5));
    Ok(sqlx::sqlite::SqlitePoolOptions::new().max_connections(1).connect_with(options).await?)
}
