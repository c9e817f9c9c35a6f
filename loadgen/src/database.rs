//! A fresh database for one run: a SQLite file in a temporary folder, or a
//! new database on the PostgreSQL server given, dropped at the end. Also
//! reads the durability settings the server runs with.

use server::db::{Backend, Db};
use tempfile::TempDir;

/// The database of one run.
pub enum Fresh {
    Sqlite { url: String, _dir: TempDir },
    Postgres { url: String, admin: String, name: String },
}

impl Fresh {
    /// A new SQLite file, or a new database beside `postgres` (whose user may create databases).
    pub async fn create(postgres: Option<&str>) -> Result<Fresh, String> {
        let Some(admin) = postgres else {
            let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
            let url = format!("sqlite://{}/loadgen.sqlite", dir.path().display());
            return Ok(Fresh::Sqlite { url, _dir: dir });
        };
        let name = format!("loadgen_{}", std::process::id());
        admin_execute(admin, &format!("DROP DATABASE IF EXISTS {name}")).await?;
        admin_execute(admin, &format!("CREATE DATABASE {name}")).await?;
        let (base, _) = admin.rsplit_once('/').ok_or("the PostgreSQL URL names no database")?;
        Ok(Fresh::Postgres { url: format!("{base}/{name}"), admin: admin.to_owned(), name })
    }

    pub fn url(&self) -> &str {
        match self {
            Fresh::Sqlite { url, .. } | Fresh::Postgres { url, .. } => url,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Fresh::Sqlite { .. } => "SQLite",
            Fresh::Postgres { .. } => "PostgreSQL",
        }
    }

    /// Drops the PostgreSQL database (the SQLite folder goes with the value).
    pub async fn remove(self) -> Result<(), String> {
        if let Fresh::Postgres { admin, name, .. } = &self {
            admin_execute(admin, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await?;
        }
        Ok(())
    }
}

async fn admin_execute(admin: &str, sql: &str) -> Result<(), String> {
    let db = Db::connect(admin, 1).await.map_err(|e| format!("{admin}: {e}"))?;
    server::db::query(server::db::AssertSqlSafe(sql)).execute(&db.write).await.map_err(|e| format!("{sql}: {e}"))?;
    db.write.close().await;
    Ok(())
}

/// The durability settings a connection of the server gets, read through the
/// server's own connect (so they are the ones it runs with), e.g.
/// `journal_mode = wal, synchronous = NORMAL`.
pub async fn durability(url: &str) -> Result<String, String> {
    let db = Db::connect(url, 1).await.map_err(|e| e.to_string())?;
    let text = |sql: &'static str| {
        let pool = db.write.clone();
        async move { server::db::query_scalar::<String>(sql).fetch_one(&pool).await.map_err(|e| format!("{sql}: {e}")) }
    };
    let settings = match db.backend {
        Backend::Sqlite => {
            let journal = text("PRAGMA journal_mode").await?;
            let synchronous: i64 =
                server::db::query_scalar("PRAGMA synchronous").fetch_one(&db.write).await.map_err(|e| e.to_string())?;
            let synchronous = match synchronous {
                0 => "OFF",
                1 => "NORMAL",
                2 => "FULL",
                3 => "EXTRA",
                _ => "unknown",
            };
            format!("journal_mode = {journal}, synchronous = {synchronous}")
        }
        Backend::Postgres => {
            let version = text("SHOW server_version").await?;
            let fsync = text("SHOW fsync").await?;
            let commit = text("SHOW synchronous_commit").await?;
            let pages = text("SHOW full_page_writes").await?;
            format!("PostgreSQL {version}: fsync = {fsync}, synchronous_commit = {commit}, full_page_writes = {pages}")
        }
    };
    db.write.close().await;
    db.read.close().await;
    Ok(settings)
}
