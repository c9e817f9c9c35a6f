//! Pools, connections and transactions over the two drivers: the small
//! executor interface the repositories are written against.

use super::value::{Done, Row, Value};
use super::{Error, postgres, sqlite, stats};
use std::borrow::Cow;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

/// Connections to one database.
#[derive(Debug, Clone)]
pub enum Pool {
    Sqlite(Arc<sqlite::Pool>),
    Postgres(sqlx::PgPool),
}

impl Pool {
    /// A connection, once one is free.
    pub async fn acquire(&self) -> Result<Conn, Error> {
        Ok(Conn {
            inner: match self {
                Pool::Sqlite(pool) => Inner::Sqlite(pool.lease().await?),
                Pool::Postgres(pool) => Inner::Postgres(pool.acquire().await?),
            },
            savepoint_left_open: false,
        })
    }

    /// A write transaction on a connection of this pool.
    pub(super) async fn begin(&self) -> Result<Tx, Error> {
        let conn = match self {
            Pool::Sqlite(pool) => Inner::Sqlite(pool.begin().await?),
            Pool::Postgres(pool) => Inner::PostgresTx(pool.begin().await?),
        };
        Ok(Tx { conn: Conn { inner: conn, savepoint_left_open: false } })
    }

    /// How many connections the pool holds.
    pub fn size(&self) -> usize {
        match self {
            Pool::Sqlite(pool) => pool.size(),
            Pool::Postgres(pool) => usize::try_from(pool.size()).unwrap_or(usize::MAX),
        }
    }

    /// How many of them are free.
    pub fn idle(&self) -> usize {
        match self {
            Pool::Sqlite(pool) => pool.idle(),
            Pool::Postgres(pool) => pool.num_idle(),
        }
    }

    pub async fn close(&self) {
        match self {
            Pool::Sqlite(pool) => pool.close(),
            Pool::Postgres(pool) => pool.close().await,
        }
    }
}

/// One connection, alone or inside a transaction.
#[derive(Debug)]
pub struct Conn {
    inner: Inner,
    savepoint_left_open: bool,
}

#[derive(Debug)]
enum Inner {
    Sqlite(sqlite::Lease),
    Postgres(sqlx::pool::PoolConnection<sqlx::Postgres>),
    PostgresTx(sqlx::Transaction<'static, sqlx::Postgres>),
    /// A transaction's connection after it committed or rolled back.
    Ended,
}

impl Conn {
    pub(super) async fn fetch(
        &mut self,
        sql: Cow<'static, str>,
        args: Vec<Value>,
        limit: usize,
    ) -> Result<Vec<Row>, Error> {
        stats::statement();
        match &mut self.inner {
            Inner::Sqlite(lease) => lease.fetch(&sql, &args, limit),
            Inner::Postgres(conn) => postgres::fetch(conn, sql, args, limit).await,
            Inner::PostgresTx(tx) => postgres::fetch(tx, sql, args, limit).await,
            Inner::Ended => Err(Error::Closed),
        }
    }

    pub(super) async fn execute(&mut self, sql: Cow<'static, str>, args: Vec<Value>) -> Result<Done, Error> {
        stats::statement();
        let rows = match &mut self.inner {
            Inner::Sqlite(lease) => lease.execute(&sql, &args)?,
            Inner::Postgres(conn) => postgres::execute(conn, sql, args).await?,
            Inner::PostgresTx(tx) => postgres::execute(tx, sql, args).await?,
            Inner::Ended => return Err(Error::Closed),
        };
        Ok(Done { rows })
    }

    /// Transaction control: not counted as a statement.
    async fn control(&mut self, sql: &'static str) -> Result<(), Error> {
        match &mut self.inner {
            Inner::Sqlite(lease) => lease.batch(sql),
            Inner::Postgres(conn) => postgres::batch(conn, sql).await,
            Inner::PostgresTx(tx) => postgres::batch(tx, sql).await,
            Inner::Ended => Err(Error::Closed),
        }
    }

    fn control_now(&self, sql: &str) {
        if let Inner::Sqlite(lease) = &self.inner {
            let _ = lease.batch(sql);
        }
    }
}

/// A write transaction. Dropped without [`Tx::commit`], it rolls back
/// (SQLite's lease when it is given back, sqlx's transaction when dropped).
/// On SQLite it may share its commit with the transactions queued behind
/// it (`sqlite::Pool::begin`); `commit` returns once that commit is done.
#[derive(Debug)]
pub struct Tx {
    conn: Conn,
}

impl Deref for Tx {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.conn
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.conn
    }
}

impl Tx {
    /// Commits, unless a savepoint inside was left open (then it rolls back
    /// and says so: what that savepoint did is not known to be wanted).
    pub async fn commit(mut self) -> Result<(), Error> {
        if self.conn.savepoint_left_open {
            self.end(false).await?;
            return Err(Error::SavepointLeftOpen);
        }
        self.end(true).await
    }

    pub async fn rollback(mut self) -> Result<(), Error> {
        self.end(false).await
    }

    async fn end(&mut self, commit: bool) -> Result<(), Error> {
        match std::mem::replace(&mut self.conn.inner, Inner::Ended) {
            Inner::PostgresTx(tx) if commit => tx.commit().await?,
            Inner::PostgresTx(tx) => tx.rollback().await?,
            // Given back, the lease commits or hands on the transaction it
            // ended in, and the commit waits until that one is committed.
            Inner::Sqlite(lease) if commit => lease.commit()?.committed().await?,
            Inner::Sqlite(lease) => {
                if let Some(outcome) = lease.rollback()? {
                    outcome.committed().await?;
                }
            }
            other => self.conn.inner = other,
        }
        Ok(())
    }

    /// A savepoint inside the transaction: its statements can be rolled back alone.
    pub async fn savepoint(&mut self) -> Result<Savepoint<'_>, Error> {
        self.conn.control(SAVEPOINTS[0]).await?;
        Ok(Savepoint { tx: self, open: true })
    }
}

/// Begin, release and undo of the one savepoint level the server uses
/// (a delivery round's step per order; never nested).
const SAVEPOINTS: [&str; 3] =
    ["SAVEPOINT step", "RELEASE SAVEPOINT step", "ROLLBACK TO SAVEPOINT step; RELEASE SAVEPOINT step"];

/// A savepoint inside a transaction. Dropped without being ended, it rolls
/// back on SQLite and, on PostgreSQL, keeps the transaction from committing.
#[derive(Debug)]
pub struct Savepoint<'t> {
    tx: &'t mut Tx,
    open: bool,
}

/// Inside a savepoint, statements run in its transaction.
impl Deref for Savepoint<'_> {
    type Target = Tx;
    fn deref(&self) -> &Tx {
        self.tx
    }
}

impl DerefMut for Savepoint<'_> {
    fn deref_mut(&mut self) -> &mut Tx {
        self.tx
    }
}

impl Savepoint<'_> {
    /// Keeps what was done since the savepoint.
    pub async fn commit(mut self) -> Result<(), Error> {
        self.open = false;
        self.tx.conn.control(SAVEPOINTS[1]).await
    }

    /// Undoes what was done since the savepoint.
    pub async fn rollback(mut self) -> Result<(), Error> {
        self.open = false;
        self.tx.conn.control(SAVEPOINTS[2]).await
    }
}

impl Drop for Savepoint<'_> {
    fn drop(&mut self) {
        if self.open {
            let conn = &mut self.tx.conn;
            conn.control_now(SAVEPOINTS[2]);
            if !matches!(conn.inner, Inner::Sqlite(_)) {
                conn.savepoint_left_open = true;
            }
        }
    }
}
