//! The database: embedded SQLite by default, PostgreSQL for scale-out, one
//! code path through sqlx's `Any` driver. Money is integer fen and instants
//! are milliseconds since the epoch in both.

pub mod codec;
mod dialect;
pub mod stats;

pub use dialect::{Backend, Lock};

use crate::repo::session_cache::SessionCache;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Executor, Transaction};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The pools. On SQLite every write goes through one connection, so write
/// transactions are serialised in the process and never hit SQLite's
/// deferred-transaction upgrade deadlock; reads use their own pool (WAL lets
/// them run beside the writer). On PostgreSQL both are the same pool and
/// writers serialise per account with `FOR UPDATE`. Live sessions are held
/// in memory in front of both (`repo::session_cache`).
#[derive(Debug, Clone)]
pub struct Db {
    pub read: AnyPool,
    pub write: AnyPool,
    pub backend: Backend,
    pub sessions: Arc<SessionCache>,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Db {
    /// Connects to `url` (`sqlite://path` or `postgres://…`), creating the
    /// SQLite file and its folder when missing.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, sqlx::Error> {
        install_default_drivers();
        if let Some(path) = url.strip_prefix("sqlite://") {
            let file = path.split('?').next().unwrap_or(path);
            if let Some(dir) = Path::new(file).parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            let url = if url.contains('?') { url.to_owned() } else { format!("{url}?mode=rwc") };
            let options = || {
                AnyPoolOptions::new().after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;",
                        )
                        .await
                        .map(|_| ())
                    })
                })
            };
            let write = options().max_connections(1).connect(&url).await?;
            // Reads are CPU-bound here: more connections than cores only add
            // thread switches between them.
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
            let read = options().max_connections(u32::try_from(cores).unwrap_or(2).max(2)).connect(&url).await?;
            Ok(Db { read, write, backend: Backend::Sqlite, sessions: Arc::default() })
        } else {
            let pool = AnyPoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            Ok(Db { read: pool.clone(), write: pool, backend: Backend::Postgres, sessions: Arc::default() })
        }
    }

    /// Applies the embedded migrations of this backend.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.write).await,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.write).await,
        }
    }

    /// The versions of this backend's embedded migrations not applied to
    /// the database (none once [`Db::migrate`] has run).
    pub async fn unapplied_migrations(&self) -> Result<Vec<i64>, sqlx::migrate::MigrateError> {
        use sqlx::migrate::Migrate;
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        let mut conn = self.read.acquire().await?;
        let applied = conn.list_applied_migrations(&migrator.table_name).await?;
        Ok(migrator
            .iter()
            .filter(|m| m.migration_type.is_up_migration() && !applied.iter().any(|a| a.version == m.version))
            .map(|m| m.version)
            .collect())
    }

    /// Starts a write transaction (counted in [`stats`]).
    pub async fn begin(&self) -> Result<Transaction<'static, Any>, sqlx::Error> {
        stats::transaction_begun();
        self.write.begin().await
    }

    /// A read that holds its rows until the write transaction ends.
    pub fn for_update(&self) -> Lock {
        Lock::ForUpdate(self.backend)
    }
}
