//! SQLite through `rusqlite`, run where the request's task runs.
//!
//! sqlx runs each SQLite connection on a thread of its own and hands every
//! statement and its answer across, two thread wake-ups per statement: half
//! the server's CPU under load (docs/performance.md). Here a connection is
//! leased to a task, which runs its statements itself, in microseconds, on
//! the async worker. A write transaction holds the one writer connection
//! from `BEGIN IMMEDIATE` to its end, as sqlx's one-connection write pool
//! did, so writes stay serialised in the process.
//!
//! Transactions that queue for the writer share its commit: one that ends
//! while another waits releases its savepoint and hands the open
//! transaction on, and the last of the group (or the one that finds it
//! [`GROUP_MOST`] long or [`GROUP_OPEN_FOR`] old) commits it for all
//! ([`Group`]). Each learns the outcome before its `commit` returns, so an
//! answer never reports what was not committed; a commit writes the pages
//! the group changed once, instead of each transaction writing the same
//! tables' last pages again.
//!
//! The writer never checkpoints: a checkpoint syncs the file, and done at
//! a commit, as SQLite does by default, it would hold every other write
//! behind that sync. A thread of the pool's own copies the log back into
//! the database beside the writer instead ([`Checkpointer`]).

use super::Error;
use super::value::{Kind, Row, Value};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags, ToSql};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

/// Statements kept prepared per connection: every statement the server runs, with room.
const PREPARED: usize = 512;

/// How often the log is copied back into the database: often enough that,
/// started over as [`Checkpointer`] says, it stays under 30 MB at full load.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// The most transactions that share a commit.
const GROUP_MOST: usize = 32;

/// How long the first of a group may wait for the others before its commit.
const GROUP_OPEN_FOR: Duration = Duration::from_millis(2);

/// How long a transaction waits for its group's commit before it takes the
/// writer to commit the group itself (the one it was handed to gave up).
const GROUP_STRANDED: Duration = Duration::from_millis(20);

/// Frames (of a page each) past which the log is copied with the writer
/// held, so that it starts again from the top ([`Checkpointer`]).
const RESTART_AFTER: i64 = 1_000;

/// Connections to one database file, each leased to one task at a time.
#[derive(Debug)]
pub struct Pool {
    idle: Mutex<Vec<Connection>>,
    permits: Arc<Semaphore>,
    size: usize,
    /// Leases asked for and not yet given.
    queued: AtomicUsize,
    group: Mutex<Group>,
    group_open_for: Duration,
}

/// The transactions that ended in the writer's open transaction, waiting
/// for its commit.
#[derive(Debug, Default)]
struct Group {
    members: Vec<oneshot::Sender<Result<(), String>>>,
    opened: Option<Instant>,
}

/// What a transaction that ended in a group waits on.
#[derive(Debug)]
pub struct Outcome {
    pool: Arc<Pool>,
    told: oneshot::Receiver<Result<(), String>>,
}

impl Outcome {
    /// Its group's commit, once it is done.
    pub async fn committed(mut self) -> Result<(), Error> {
        loop {
            match tokio::time::timeout(GROUP_STRANDED, &mut self.told).await {
                Ok(Ok(outcome)) => return outcome.map_err(Error::GroupCommit),
                Ok(Err(_)) => return Err(Error::Closed),
                // A lease taken and given back commits the open group.
                Err(_) => drop(self.pool.lease().await?),
            }
        }
    }
}

/// Counts a lease asked for until it is given (or the asking is dropped).
struct Queued<'p>(&'p AtomicUsize);

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Pool {
    /// Opens `size` connections to `file`, creating it when missing.
    pub fn open(file: &Path, size: usize) -> Result<Pool, Error> {
        let connections = (0..size).map(|_| open(file)).collect::<Result<Vec<_>, _>>()?;
        Ok(Pool {
            idle: Mutex::new(connections),
            permits: Arc::new(Semaphore::new(size)),
            size,
            queued: AtomicUsize::new(0),
            group: Mutex::default(),
            group_open_for: GROUP_OPEN_FOR,
        })
    }

    /// The one writer connection to `file`, whose log is checkpointed by a
    /// thread of its own for as long as the pool lives.
    pub fn open_writer(file: &Path) -> Result<Arc<Pool>, Error> {
        Pool::open_writer_grouping(file, GROUP_OPEN_FOR)
    }

    fn open_writer_grouping(file: &Path, group_open_for: Duration) -> Result<Arc<Pool>, Error> {
        let conn = open(file)?;
        conn.execute_batch("PRAGMA wal_autocheckpoint = 0;")?;
        let pool = Arc::new(Pool {
            idle: Mutex::new(vec![conn]),
            permits: Arc::new(Semaphore::new(1)),
            size: 1,
            queued: AtomicUsize::new(0),
            group: Mutex::default(),
            group_open_for,
        });
        Checkpointer { conn: open(file)?, file: file.to_owned(), writer: Arc::downgrade(&pool) }.start()?;
        Ok(pool)
    }

    /// A connection, once one is free (in the order they were asked for),
    /// outside any transaction: a group left open on it is committed first.
    pub async fn lease(self: &Arc<Self>) -> Result<Lease, Error> {
        let lease = self.leased().await?;
        if !lease.conn().is_autocommit() {
            self.settle(lease.conn(), false);
        }
        Ok(lease)
    }

    /// The connection in a write transaction of its own: a savepoint inside
    /// the group's open transaction, or a new one (`BEGIN IMMEDIATE`: the
    /// write lock is taken now, so it never fails later upgrading a read).
    pub async fn begin(self: &Arc<Self>) -> Result<Lease, Error> {
        let lease = self.leased().await?;
        if lease.conn().is_autocommit() {
            lease.batch("BEGIN IMMEDIATE")?;
            self.group().opened = Some(Instant::now());
        }
        lease.batch("SAVEPOINT tx")?;
        lease.in_tx.store(true, Ordering::Relaxed);
        Ok(lease)
    }

    async fn leased(self: &Arc<Self>) -> Result<Lease, Error> {
        self.queued.fetch_add(1, Ordering::Relaxed);
        let queued = Queued(&self.queued);
        let permit = self.permits.clone().acquire_owned().await.map_err(|_| Error::Closed)?;
        drop(queued);
        let conn = self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop().ok_or(Error::Closed)?;
        Ok(Lease { conn: Some(conn), pool: self.clone(), _permit: permit, in_tx: AtomicBool::new(false) })
    }

    fn group(&self) -> std::sync::MutexGuard<'_, Group> {
        self.group.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The open transaction on `conn`, given back: left open for the next
    /// in the queue when `may_hand_on` and the group has room and time,
    /// rolled back when no transaction ended in it, otherwise committed,
    /// and each member told.
    fn settle(&self, conn: &Connection, may_hand_on: bool) {
        let mut group = self.group();
        let outcome = if conn.is_autocommit() {
            // SQLite rolled the transaction back itself (a full disk, an I/O error).
            Err("the transaction was rolled back".to_owned())
        } else if group.members.is_empty() {
            let _ = conn.execute_batch("ROLLBACK");
            group.opened = None;
            return;
        } else if may_hand_on
            && self.queued.load(Ordering::Relaxed) > 0
            && group.members.len() < GROUP_MOST
            && group.opened.is_some_and(|at| at.elapsed() < self.group_open_for)
        {
            return;
        } else {
            let committed = conn.execute_batch("COMMIT").map_err(|e| e.to_string());
            if committed.is_err() && !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            committed
        };
        group.opened = None;
        for member in group.members.drain(..) {
            let _ = member.send(outcome.clone());
        }
    }

    pub fn size(&self) -> usize {
        self.size
    }

    pub fn idle(&self) -> usize {
        self.permits.available_permits()
    }

    /// Closes the connections as they come back; leases asked for after fail.
    pub fn close(&self) {
        self.permits.close();
        self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
        self.group().members.clear();
    }
}

/// Copies the writer's log back into the database every
/// [`CHECKPOINT_EVERY`], passively (never waiting for the writer or a
/// reader), until the writer's pool is dropped or closed.
///
/// A passive pass copies what was committed when it began, but under a
/// steady load the writer has always committed more by the time it ends,
/// so the log never is wholly copied, SQLite never starts it again from the
/// top, and it grew by a hundred megabytes a second (each write landing on
/// a new block of the file). So when a pass leaves the log longer than
/// [`RESTART_AFTER`], a second pass runs while the writer is held: it copies
/// the little written since, and the next write starts the log over.
struct Checkpointer {
    conn: Connection,
    file: PathBuf,
    writer: Weak<Pool>,
}

impl Checkpointer {
    fn start(self) -> Result<(), Error> {
        let runtime = tokio::runtime::Builder::new_current_thread().build()?;
        std::thread::Builder::new().name("sqlite-checkpoint".into()).spawn(move || self.run(&runtime))?;
        Ok(())
    }

    fn run(self, runtime: &tokio::runtime::Runtime) {
        loop {
            std::thread::sleep(CHECKPOINT_EVERY);
            let Some(writer) = self.writer.upgrade().filter(|pool| !pool.permits.is_closed()) else { return };
            if self.pass().is_some_and(|log| log > RESTART_AFTER) {
                let Ok(_held) = runtime.block_on(writer.lease()) else { return };
                self.pass();
            }
        }
    }

    /// One passive pass; the frames the log then holds. A busy or failed
    /// pass leaves the log to the next one; the log only grows meanwhile,
    /// nothing is lost.
    fn pass(&self) -> Option<i64> {
        match self.conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| row.get::<_, i64>(1)) {
            Ok(log) => Some(log),
            Err(e) => {
                tracing::warn!(file = %self.file.display(), error = %e, "checkpoint failed; trying again");
                None
            }
        }
    }
}

fn open(file: &Path) -> Result<Connection, Error> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(file, flags)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
         PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;",
    )?;
    conn.set_prepared_statement_cache_capacity(PREPARED);
    Ok(conn)
}

/// A connection leased from its pool, given back when dropped (rolled back
/// first if a transaction was left open on it).
#[derive(Debug)]
pub struct Lease {
    conn: Option<Connection>,
    pool: Arc<Pool>,
    _permit: OwnedSemaphorePermit,
    /// Inside a transaction of its own ([`Pool::begin`]) not yet ended.
    in_tx: AtomicBool,
}

impl Drop for Lease {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        if self.in_tx.load(Ordering::Relaxed) {
            let _ = conn.execute_batch("ROLLBACK TO SAVEPOINT tx; RELEASE SAVEPOINT tx");
        }
        if !conn.is_autocommit() || !self.pool.group().members.is_empty() {
            self.pool.settle(&conn, true);
        }
        if !self.pool.permits.is_closed() {
            self.pool.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(conn);
        }
    }
}

impl Lease {
    fn conn(&self) -> &Connection {
        self.conn.as_ref().unwrap_or_else(|| unreachable!("a lease holds its connection until dropped"))
    }

    /// Ends this lease's transaction, its work kept: given back, the
    /// connection commits it with its group or hands it on.
    pub fn commit(self) -> Result<Outcome, Error> {
        self.batch("RELEASE SAVEPOINT tx")?;
        self.in_tx.store(false, Ordering::Relaxed);
        let (tell, told) = oneshot::channel();
        self.pool.group().members.push(tell);
        Ok(Outcome { pool: self.pool.clone(), told })
    }

    /// Ends this lease's transaction, its work undone; the group's is kept.
    /// Inside a group it read what the members before it wrote, which
    /// stands only once committed: then it too waits for the commit.
    pub fn rollback(self) -> Result<Option<Outcome>, Error> {
        self.batch("ROLLBACK TO SAVEPOINT tx; RELEASE SAVEPOINT tx")?;
        self.in_tx.store(false, Ordering::Relaxed);
        let mut group = self.pool.group();
        if group.members.is_empty() {
            return Ok(None);
        }
        let (tell, told) = oneshot::channel();
        group.members.push(tell);
        Ok(Some(Outcome { pool: self.pool.clone(), told }))
    }

    /// Transaction control and other statements without values or rows.
    pub fn batch(&self, sql: &str) -> Result<(), Error> {
        Ok(self.conn().execute_batch(sql)?)
    }

    /// Runs one statement; its rows (up to `limit`), or none for a write.
    pub fn fetch(&self, sql: &str, args: &[Value], limit: usize) -> Result<Vec<Row>, Error> {
        let mut statement = self.conn().prepare_cached(sql)?;
        bind(&mut statement, args)?;
        let columns: Arc<[String]> = statement.column_names().into_iter().map(str::to_owned).collect();
        let width = columns.len();
        let mut rows = statement.raw_query();
        let mut answered = Vec::new();
        while answered.len() < limit {
            let Some(row) = rows.next()? else { break };
            let values = (0..width).map(|i| row.get_ref(i).map(value)).collect::<Result<Vec<_>, _>>()?;
            answered.push(Row::new(columns.clone(), values));
        }
        Ok(answered)
    }

    /// Runs one statement to its end; the rows it changed.
    pub fn execute(&self, sql: &str, args: &[Value]) -> Result<u64, Error> {
        let mut statement = self.conn().prepare_cached(sql)?;
        bind(&mut statement, args)?;
        let mut rows = statement.raw_query();
        while rows.next()?.is_some() {}
        drop(rows);
        Ok(if statement.readonly() { 0 } else { self.conn().changes() })
    }
}

/// Binds `args` to the statement's parameters by the number in each name.
/// SQLite reads PostgreSQL's `$1` as a parameter named `$1`, numbered in the
/// order names first appear: the text is prepared (and cached) as written,
/// and each name says which value it takes, whatever order they appear in.
fn bind(statement: &mut rusqlite::CachedStatement<'_>, args: &[Value]) -> Result<(), Error> {
    for at in 1..=statement.parameter_count() {
        let name = statement.parameter_name(at).unwrap_or_default();
        let number = name.strip_prefix('$').and_then(|n| n.parse::<usize>().ok());
        let Some(value) = number.and_then(|n| args.get(n.checked_sub(1)?)) else {
            return Err(rusqlite::Error::InvalidParameterName(name.to_owned()).into());
        };
        statement.raw_bind_parameter(at, value)?;
    }
    Ok(())
}

fn value(raw: ValueRef<'_>) -> Value {
    match raw {
        ValueRef::Null => Value::Null(Kind::Int),
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(r) => Value::Real(r),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
    }
}

impl ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null(_) => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(*i),
            Value::Real(r) => ValueRef::Real(*r),
            Value::Text(t) => ValueRef::Text(t.as_bytes()),
            Value::Bytes(b) => ValueRef::Blob(b),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn each_placeholder_takes_the_value_its_number_names() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let pool = Pool::open_writer(&dir.path().join("t.sqlite")).expect("opens");
        let lease = pool.lease().await.expect("a lease");
        let args: Vec<Value> = (1..=10).map(|n| Value::Text(format!("v{n}"))).collect();
        let rows = lease.fetch("SELECT $2 || $1, $10, '$x', $1", &args, 1).expect("answers");
        let values: Vec<String> = (0..4).map(|i| rows[0].try_get(i).expect("a text")).collect();
        assert_eq!(values, ["v2v1", "v10", "$x", "v1"]);
        let missing = lease.fetch("SELECT $3", &args[..2], 1);
        assert!(matches!(missing, Err(Error::Sqlite(rusqlite::Error::InvalidParameterName(name))) if name == "$3"));
    }

    #[tokio::test]
    async fn the_writers_log_is_copied_into_the_database_beside_it() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let file = dir.path().join("t.sqlite");
        let pool = Pool::open_writer(&file).expect("opens");
        let lease = pool.lease().await.expect("a lease");
        lease.batch("CREATE TABLE t (n INTEGER, pad TEXT)").expect("a table");
        lease.batch("BEGIN IMMEDIATE").expect("begins");
        for n in 0..500 {
            lease
                .execute("INSERT INTO t (n, pad) VALUES ($1, $2)", &[Value::Int(n), Value::Text("x".repeat(1000))])
                .expect("inserts");
        }
        lease.batch("COMMIT").expect("commits");
        // The writer itself never checkpoints: until the checkpointer has,
        // the rows are in the log and the database file stays a few pages.
        let mut size = 0;
        for _ in 0..50 {
            size = std::fs::metadata(&file).expect("the file").len();
            if size > 400_000 {
                break;
            }
            std::thread::sleep(CHECKPOINT_EVERY);
        }
        assert!(size > 400_000, "the database file holds {size} bytes: the log was not copied back");
    }

    #[tokio::test]
    async fn the_log_starts_over_under_writes_that_never_pause() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let file = dir.path().join("t.sqlite");
        let pool = Pool::open_writer(&file).expect("opens");
        pool.lease().await.expect("a lease").batch("CREATE TABLE t (n INTEGER, pad TEXT)").expect("a table");
        // Each commit writes at least a page to the log; one after the
        // other, with no pause a passive pass could catch up in.
        let frame = 4096 + 24;
        let (mut commits, started) = (0_u64, std::time::Instant::now());
        while started.elapsed() < CHECKPOINT_EVERY * 15 {
            let lease = pool.lease().await.expect("a lease");
            lease.batch("BEGIN IMMEDIATE").expect("begins");
            lease
                .execute("INSERT INTO t (n, pad) VALUES ($1, $2)", &[Value::Int(0), Value::Text("x".repeat(1000))])
                .expect("inserts");
            lease.batch("COMMIT").expect("commits");
            commits += 1;
        }
        let log = std::fs::metadata(dir.path().join("t.sqlite-wal")).expect("the log").len();
        assert!(
            log < commits * frame / 2,
            "the log holds {log} bytes after {commits} commits of a page or more: it was never started over"
        );
    }

    /// A writer whose groups stay open as long as a test needs, and a reader.
    fn grouping_writer(dir: &Path) -> (Arc<Pool>, Arc<Pool>) {
        let file = dir.join("t.sqlite");
        let writer = Pool::open_writer_grouping(&file, Duration::from_secs(60)).expect("opens");
        writer.idle.lock().expect("the connections")[0].execute_batch("CREATE TABLE t (n INTEGER)").expect("a table");
        (writer, Arc::new(Pool::open(&file, 1).expect("opens")))
    }

    async fn rows(reader: &Arc<Pool>) -> Vec<i64> {
        let rows = reader.lease().await.expect("a lease").fetch("SELECT n FROM t ORDER BY n", &[], usize::MAX);
        rows.expect("reads").iter().map(|row| row.try_get::<i64, _>("n").expect("a number")).collect()
    }

    /// Begins a transaction that waits behind `writer`'s and runs `then` in it.
    fn queued_behind(
        writer: &Arc<Pool>,
        then: fn(Lease) -> Result<Option<Outcome>, Error>,
    ) -> tokio::task::JoinHandle<Result<(), Error>> {
        let writer = writer.clone();
        tokio::spawn(async move {
            let Some(outcome) = then(writer.begin().await?)? else { return Ok(()) };
            outcome.committed().await
        })
    }

    async fn until_queued(writer: &Pool) {
        while writer.queued.load(Ordering::Relaxed) == 0 {
            tokio::task::yield_now().await;
        }
    }

    fn insert(lease: &Lease, n: i64) {
        lease.execute("INSERT INTO t (n) VALUES ($1)", &[Value::Int(n)]).expect("inserts");
    }

    #[tokio::test]
    async fn a_transaction_that_ends_while_another_waits_shares_its_commit() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let (writer, reader) = grouping_writer(dir.path());
        let first = writer.begin().await.expect("begins");
        insert(&first, 1);
        let second = queued_behind(&writer, |lease| {
            insert(&lease, 2);
            lease.commit().map(Some)
        });
        until_queued(&writer).await;
        let outcome = first.commit().expect("ends");
        // Handed on, not committed: the test's one thread has not run the second yet.
        assert_eq!(rows(&reader).await, Vec::<i64>::new());
        second.await.expect("runs").expect("commits");
        outcome.committed().await.expect("committed with the second");
        assert_eq!(rows(&reader).await, vec![1, 2]);
    }

    #[tokio::test]
    async fn a_transaction_undone_or_dropped_in_a_group_takes_only_its_own_work_with_it() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let (writer, reader) = grouping_writer(dir.path());
        let first = writer.begin().await.expect("begins");
        insert(&first, 1);
        let undone = queued_behind(&writer, |lease| {
            insert(&lease, 2);
            lease.rollback()
        });
        let dropped = queued_behind(&writer, |lease| {
            insert(&lease, 3);
            Ok(None)
        });
        let last = queued_behind(&writer, |lease| {
            insert(&lease, 4);
            lease.commit().map(Some)
        });
        until_queued(&writer).await;
        let outcome = first.commit().expect("ends");
        for task in [undone, dropped, last] {
            task.await.expect("runs").expect("ends");
        }
        outcome.committed().await.expect("committed with the last");
        assert_eq!(rows(&reader).await, vec![1, 4]);
    }

    #[tokio::test]
    async fn a_group_handed_to_nobody_is_committed_by_its_member_after_a_while() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let (writer, reader) = grouping_writer(dir.path());
        let first = writer.begin().await.expect("begins");
        insert(&first, 1);
        // Queued, then gone before its turn: the group is handed to nobody.
        let gone = queued_behind(&writer, |_| Ok(None));
        until_queued(&writer).await;
        gone.abort();
        let outcome = first.commit().expect("ends");
        assert_eq!(rows(&reader).await, Vec::<i64>::new(), "handed on to the one that was queued");
        outcome.committed().await.expect("committed by the first itself");
        assert_eq!(rows(&reader).await, vec![1]);
    }

    #[tokio::test]
    async fn a_lease_left_in_a_transaction_is_rolled_back_before_it_is_lent_again() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let pool = Arc::new(Pool::open(&dir.path().join("t.sqlite"), 1).expect("opens"));
        let lease = pool.lease().await.expect("a lease");
        lease.batch("CREATE TABLE t (n INTEGER)").expect("a table");
        lease.batch("BEGIN IMMEDIATE").expect("begins");
        lease.execute("INSERT INTO t (n) VALUES ($1)", &[Value::Int(7)]).expect("inserts");
        drop(lease);
        let lease = pool.lease().await.expect("the same connection again");
        let rows = lease.fetch("SELECT COUNT(*) AS n FROM t", &[], usize::MAX).expect("counts");
        assert_eq!(rows[0].try_get::<i64, _>("n").expect("a count"), 0);
    }
}
