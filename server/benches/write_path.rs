//! The write path's spike (issue "Throughput"): one purchase's three write
//! transactions (place, pay, deliver) with the statements a purchase makes,
//! run three ways, 16 buyers at once, for a few seconds each, and printed as
//! purchases per second:
//!
//! - (a) as the server runs them today: through sqlx's `Any` pool, one
//!   statement at a time (each a hand-off to SQLite's connection thread
//!   and back, or a round trip to PostgreSQL);
//! - (b) as few calls as sqlx allows: each transaction sent as one
//!   multi-statement query (`raw_sql`), with `RETURNING` and multi-row
//!   inserts where the statements allow;
//! - (c) SQLite only: each transaction a closure run on a dedicated writer
//!   thread that owns a `rusqlite` connection, with cached statements: one
//!   hand-off per transaction;
//! - (e) the server's own executor (`server::db`): the statements of (a),
//!   one at a time, as the repositories write them; on SQLite that is
//!   (d)'s design, on PostgreSQL sqlx's own driver instead of `Any`.
//! - (d) SQLite only: the same `rusqlite` connection behind an async lock,
//!   each statement run where the request's task runs (on the async
//!   worker): no hand-off at all, and a transaction keeps the shape of
//!   async code (begin, statements, commit).
//!
//! The tables mirror the purchase's in the kind and number of statements,
//! not in every column: what is measured is what a statement costs on its
//! way to the database. `cargo bench -p server --bench write_path`
//! (`DATABASE_URL_PG` adds PostgreSQL; `SPIKE_SECS` sets each run's length).

use sqlx::AnyPool;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyPoolOptions;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const BUYERS: u64 = 16;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS spike_accounts (id INTEGER PRIMARY KEY, balance BIGINT NOT NULL, version BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS spike_orders (id BIGINT PRIMARY KEY, account_id BIGINT NOT NULL, status TEXT NOT NULL, payable BIGINT NOT NULL, quote TEXT NOT NULL, paid_at BIGINT, delivered_at BIGINT);
CREATE TABLE IF NOT EXISTS spike_keys (key TEXT PRIMARY KEY, order_id BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS spike_payments (out_trade_no TEXT PRIMARY KEY, order_id BIGINT NOT NULL, amount BIGINT NOT NULL, status TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS spike_jobs (order_id BIGINT PRIMARY KEY, lease_owner TEXT, done_at BIGINT);
CREATE TABLE IF NOT EXISTS spike_grants (order_id BIGINT PRIMARY KEY, account_id BIGINT NOT NULL, amount BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS spike_ledger (order_id BIGINT NOT NULL, account_id BIGINT NOT NULL, delta BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS spike_audit (order_id BIGINT NOT NULL, event TEXT NOT NULL, detail TEXT NOT NULL);
";

/// sqlx's `Any` pools as the server had them: one writer connection on SQLite.
struct Sqlx {
    write: AnyPool,
}

impl Sqlx {
    async fn connect(url: &str, max_connections: u32) -> Sqlx {
        sqlx::any::install_default_drivers();
        let sqlite = url.starts_with("sqlite:");
        let write = AnyPoolOptions::new()
            .max_connections(if sqlite { 1 } else { max_connections })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if sqlite {
                        sqlx::Executor::execute(
                            conn,
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await
            .expect("the database answers");
        Sqlx { write }
    }
}

/// The statements of (a) through the server's executor.
async fn purchase_through_executor(db: &server::db::Db, order: i64, account: i64) -> Result<(), server::db::Error> {
    use server::db::query;
    let mut tx = db.begin().await?;
    let _: i64 = server::db::query_scalar("SELECT balance FROM spike_accounts WHERE id = $1")
        .bind(account)
        .fetch_one(&mut tx)
        .await?;
    query("INSERT INTO spike_orders (id, account_id, status, payable, quote) VALUES ($1, $2, 'awaiting_payment', 190000, $3)")
        .bind(order)
        .bind(account)
        .bind(QUOTE)
        .execute(&mut tx)
        .await?;
    query("INSERT INTO spike_keys (key, order_id) VALUES ($1, $2)")
        .bind(format!("k{order}"))
        .bind(order)
        .execute(&mut tx)
        .await?;
    query("INSERT INTO spike_audit (order_id, event, detail) VALUES ($1, 'order.placed', '{}')")
        .bind(order)
        .execute(&mut tx)
        .await?;
    tx.commit().await?;

    let mut tx = db.begin().await?;
    let _: String = server::db::query_scalar("SELECT status FROM spike_orders WHERE id = $1")
        .bind(order)
        .fetch_one(&mut tx)
        .await?;
    query("UPDATE spike_accounts SET balance = balance - 190000, version = version + 1 WHERE id = $1")
        .bind(account)
        .execute(&mut tx)
        .await?;
    query("INSERT INTO spike_payments (out_trade_no, order_id, amount, status) VALUES ($1, $2, 190000, 'paid')")
        .bind(format!("E{order}"))
        .bind(order)
        .execute(&mut tx)
        .await?;
    query("UPDATE spike_orders SET status = 'paid', paid_at = 1 WHERE id = $1").bind(order).execute(&mut tx).await?;
    query("INSERT INTO spike_jobs (order_id) VALUES ($1)").bind(order).execute(&mut tx).await?;
    query("INSERT INTO spike_audit (order_id, event, detail) VALUES ($1, 'order.paid', '{}')")
        .bind(order)
        .execute(&mut tx)
        .await?;
    tx.commit().await?;

    let mut tx = db.begin().await?;
    query("UPDATE spike_jobs SET lease_owner = 'w' WHERE order_id = $1").bind(order).execute(&mut tx).await?;
    query("INSERT INTO spike_grants (order_id, account_id, amount) VALUES ($1, $2, 1000)")
        .bind(order)
        .bind(account)
        .execute(&mut tx)
        .await?;
    query("INSERT INTO spike_ledger (order_id, account_id, delta) VALUES ($1, $2, 1000)")
        .bind(order)
        .bind(account)
        .execute(&mut tx)
        .await?;
    query("UPDATE spike_orders SET status = 'delivered', delivered_at = 2 WHERE id = $1")
        .bind(order)
        .execute(&mut tx)
        .await?;
    query("UPDATE spike_jobs SET done_at = 2 WHERE order_id = $1").bind(order).execute(&mut tx).await?;
    query("INSERT INTO spike_audit (order_id, event, detail) VALUES ($1, 'order.delivered', '{}')")
        .bind(order)
        .execute(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Empties the tables and refills the accounts through the server's executor.
async fn prepare_executor(db: &server::db::Db) {
    for table in TABLES {
        server::db::query(server::db::AssertSqlSafe(format!("DELETE FROM {table}")))
            .execute(&db.write)
            .await
            .expect("emptied");
    }
    for id in 1..=BUYERS {
        server::db::query("INSERT INTO spike_accounts (id, balance, version) VALUES ($1, 1000000000000, 0)")
            .bind(i64::try_from(id).unwrap_or_default())
            .execute(&db.write)
            .await
            .expect("an account");
    }
}

const TABLES: [&str; 8] = [
    "spike_accounts",
    "spike_orders",
    "spike_keys",
    "spike_payments",
    "spike_jobs",
    "spike_grants",
    "spike_ledger",
    "spike_audit",
];

const QUOTE: &str =
    r#"{"lines":[{"kind":"addon","code":"contract_pack_1k","quantity":1,"amount":"1900.00"}],"payable":"1900.00"}"#;

/// The statements of one purchase, one at a time: 3 transactions, 17 statements in them.
async fn purchase_statement_by_statement(db: &Sqlx, order: i64, account: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.write.begin().await?;
    let _: (i64,) =
        sqlx::query_as("SELECT balance FROM spike_accounts WHERE id = $1").bind(account).fetch_one(&mut *tx).await?;
    sqlx::query("INSERT INTO spike_orders (id, account_id, status, payable, quote) VALUES ($1, $2, 'awaiting_payment', 190000, $3)")
        .bind(order)
        .bind(account)
        .bind(QUOTE)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO spike_keys (key, order_id) VALUES ($1, $2)")
        .bind(format!("k{order}"))
        .bind(order)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO spike_audit (order_id, event, detail) VALUES ($1, 'order.placed', '{}')")
        .bind(order)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;

    let mut tx = db.write.begin().await?;
    let _: (String,) =
        sqlx::query_as("SELECT status FROM spike_orders WHERE id = $1").bind(order).fetch_one(&mut *tx).await?;
    sqlx::query("UPDATE spike_accounts SET balance = balance - 190000, version = version + 1 WHERE id = $1")
        .bind(account)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO spike_payments (out_trade_no, order_id, amount, status) VALUES ($1, $2, 190000, 'paid')")
        .bind(format!("E{order}"))
        .bind(order)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE spike_orders SET status = 'paid', paid_at = 1 WHERE id = $1")
        .bind(order)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO spike_jobs (order_id) VALUES ($1)").bind(order).execute(&mut *tx).await?;
    sqlx::query("INSERT INTO spike_audit (order_id, event, detail) VALUES ($1, 'order.paid', '{}')")
        .bind(order)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;

    let mut tx = db.write.begin().await?;
    sqlx::query("UPDATE spike_jobs SET lease_owner = 'w' WHERE order_id = $1").bind(order).execute(&mut *tx).await?;
    sqlx::query("INSERT INTO spike_grants (order_id, account_id, amount) VALUES ($1, $2, 1000)")
        .bind(order)
        .bind(account)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO spike_ledger (order_id, account_id, delta) VALUES ($1, $2, 1000)")
        .bind(order)
        .bind(account)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE spike_orders SET status = 'delivered', delivered_at = 2 WHERE id = $1")
        .bind(order)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE spike_jobs SET done_at = 2 WHERE order_id = $1").bind(order).execute(&mut *tx).await?;
    sqlx::query("INSERT INTO spike_audit (order_id, event, detail) VALUES ($1, 'order.delivered', '{}')")
        .bind(order)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The same purchase, each transaction one multi-statement call (the values
/// are integers this program made, so writing them into the text is safe).
async fn purchase_one_call_per_transaction(db: &Sqlx, order: i64, account: i64) -> Result<(), sqlx::Error> {
    let place = format!(
        "BEGIN; \
         INSERT INTO spike_orders (id, account_id, status, payable, quote) \
           SELECT {order}, {account}, 'awaiting_payment', 190000, '{QUOTE}' FROM spike_accounts WHERE id = {account}; \
         INSERT INTO spike_keys (key, order_id) VALUES ('k{order}', {order}); \
         INSERT INTO spike_audit (order_id, event, detail) VALUES ({order}, 'order.placed', '{{}}'); \
         COMMIT;"
    );
    let pay = format!(
        "BEGIN; \
         UPDATE spike_accounts SET balance = balance - 190000, version = version + 1 WHERE id = {account}; \
         UPDATE spike_orders SET status = 'paid', paid_at = 1 WHERE id = {order} AND status = 'awaiting_payment'; \
         INSERT INTO spike_payments (out_trade_no, order_id, amount, status) VALUES ('E{order}', {order}, 190000, 'paid'); \
         INSERT INTO spike_jobs (order_id) VALUES ({order}); \
         INSERT INTO spike_audit (order_id, event, detail) VALUES ({order}, 'order.paid', '{{}}'); \
         COMMIT;"
    );
    let deliver = format!(
        "BEGIN; \
         INSERT INTO spike_grants (order_id, account_id, amount) VALUES ({order}, {account}, 1000); \
         INSERT INTO spike_ledger (order_id, account_id, delta) VALUES ({order}, {account}, 1000); \
         UPDATE spike_orders SET status = 'delivered', delivered_at = 2 WHERE id = {order}; \
         UPDATE spike_jobs SET lease_owner = 'w', done_at = 2 WHERE order_id = {order}; \
         INSERT INTO spike_audit (order_id, event, detail) VALUES ({order}, 'order.delivered', '{{}}'); \
         COMMIT;"
    );
    for transaction in [place, pay, deliver] {
        let mut conn = db.write.acquire().await?;
        sqlx::raw_sql(AssertSqlSafe(transaction)).execute(&mut *conn).await?;
    }
    Ok(())
}

/// A whole transaction, run on the writer's thread.
type Job = Box<dyn FnOnce(&mut rusqlite::Connection) + Send>;

/// A writer thread owning one SQLite connection.
struct Writer {
    jobs: std::sync::mpsc::Sender<Job>,
}

impl Writer {
    fn open(path: &std::path::Path) -> Writer {
        let (jobs, inbox) = std::sync::mpsc::channel::<Job>();
        let mut conn = rusqlite::Connection::open(path).expect("opens");
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;")
            .expect("pragmas");
        std::thread::spawn(move || {
            for job in inbox {
                job(&mut conn);
            }
        });
        Writer { jobs }
    }

    async fn run<T: Send + 'static>(&self, job: impl FnOnce(&mut rusqlite::Connection) -> T + Send + 'static) -> T {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let sent = self.jobs.send(Box::new(move |conn| {
            let _ = answer.send(job(conn));
        }));
        assert!(sent.is_ok(), "the writer runs");
        answered.await.expect("the writer answers")
    }
}

fn place(conn: &mut rusqlite::Connection, order: i64, account: i64) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    let _: i64 =
        tx.prepare_cached("SELECT balance FROM spike_accounts WHERE id = ?1")?.query_row([account], |r| r.get(0))?;
    tx.prepare_cached("INSERT INTO spike_orders (id, account_id, status, payable, quote) VALUES (?1, ?2, 'awaiting_payment', 190000, ?3)")?
        .execute(rusqlite::params![order, account, QUOTE])?;
    tx.prepare_cached("INSERT INTO spike_keys (key, order_id) VALUES (?1, ?2)")?
        .execute(rusqlite::params![format!("k{order}"), order])?;
    tx.prepare_cached("INSERT INTO spike_audit (order_id, event, detail) VALUES (?1, 'order.placed', '{}')")?
        .execute([order])?;
    tx.commit()
}

fn pay(conn: &mut rusqlite::Connection, order: i64, account: i64) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    let _: String =
        tx.prepare_cached("SELECT status FROM spike_orders WHERE id = ?1")?.query_row([order], |r| r.get(0))?;
    tx.prepare_cached("UPDATE spike_accounts SET balance = balance - 190000, version = version + 1 WHERE id = ?1")?
        .execute([account])?;
    tx.prepare_cached(
        "INSERT INTO spike_payments (out_trade_no, order_id, amount, status) VALUES (?1, ?2, 190000, 'paid')",
    )?
    .execute(rusqlite::params![format!("E{order}"), order])?;
    tx.prepare_cached("UPDATE spike_orders SET status = 'paid', paid_at = 1 WHERE id = ?1")?.execute([order])?;
    tx.prepare_cached("INSERT INTO spike_jobs (order_id) VALUES (?1)")?.execute([order])?;
    tx.prepare_cached("INSERT INTO spike_audit (order_id, event, detail) VALUES (?1, 'order.paid', '{}')")?
        .execute([order])?;
    tx.commit()
}

fn deliver(conn: &mut rusqlite::Connection, order: i64, account: i64) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    tx.prepare_cached("UPDATE spike_jobs SET lease_owner = 'w' WHERE order_id = ?1")?.execute([order])?;
    tx.prepare_cached("INSERT INTO spike_grants (order_id, account_id, amount) VALUES (?1, ?2, 1000)")?
        .execute([order, account])?;
    tx.prepare_cached("INSERT INTO spike_ledger (order_id, account_id, delta) VALUES (?1, ?2, 1000)")?
        .execute([order, account])?;
    tx.prepare_cached("UPDATE spike_orders SET status = 'delivered', delivered_at = 2 WHERE id = ?1")?
        .execute([order])?;
    tx.prepare_cached("UPDATE spike_jobs SET done_at = 2 WHERE order_id = ?1")?.execute([order])?;
    tx.prepare_cached("INSERT INTO spike_audit (order_id, event, detail) VALUES (?1, 'order.delivered', '{}')")?
        .execute([order])?;
    tx.commit()
}

/// Resets the tables and gives each buyer an account.
async fn prepare(db: &Sqlx) {
    let mut conn = db.write.acquire().await.expect("a connection");
    sqlx::raw_sql(SCHEMA).execute(&mut *conn).await.expect("the spike's tables");
    for table in TABLES {
        sqlx::raw_sql(AssertSqlSafe(format!("DELETE FROM {table}"))).execute(&mut *conn).await.expect("emptied");
    }
    for id in 1..=BUYERS {
        sqlx::query("INSERT INTO spike_accounts (id, balance, version) VALUES ($1, 1000000000000, 0)")
            .bind(i64::try_from(id).unwrap_or_default())
            .execute(&mut *conn)
            .await
            .expect("an account");
    }
}

/// Empties the tables for (d), on its own connection (sqlx's pools are closed by then).
fn prepare_inline(conn: &mut rusqlite::Connection) {
    for table in &TABLES[1..] {
        conn.execute_batch(&format!("DELETE FROM {table}")).expect("emptied");
    }
}

/// Runs `buy` for `secs` with 16 buyers; purchases per second.
async fn measure<F, Fut>(secs: u64, buy: F) -> f64
where
    F: Fn(i64, i64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let buy = Arc::new(buy);
    let done = Arc::new(AtomicU64::new(0));
    let until = Instant::now() + Duration::from_secs(secs);
    let started = Instant::now();
    let buyers: Vec<_> = (0..BUYERS)
        .map(|buyer| {
            let (buy, done) = (buy.clone(), done.clone());
            tokio::spawn(async move {
                let mut n = 0;
                while Instant::now() < until {
                    n += 1;
                    let order = i64::try_from(buyer * 10_000_000 + n).unwrap_or_default();
                    buy(order, i64::try_from(buyer + 1).unwrap_or_default()).await;
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for buyer in buyers {
        buyer.await.expect("a buyer");
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let secs: u64 = std::env::var("SPIKE_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("spike.sqlite");
    let db = Arc::new(Sqlx::connect(&format!("sqlite://{}", path.display()), 4).await);
    println!("write path, 16 buyers, {secs} s each; complete purchases per second (3 transactions each)");

    prepare(&db).await;
    let d = db.clone();
    let a = measure(secs, move |order, account| {
        let d = d.clone();
        async move { purchase_statement_by_statement(&d, order, account).await.expect("a purchase") }
    })
    .await;
    println!("SQLite (a) sqlx, statement by statement:      {a:>8.0}/s");

    prepare(&db).await;
    let d = db.clone();
    let b = measure(secs, move |order, account| {
        let d = d.clone();
        async move { purchase_one_call_per_transaction(&d, order, account).await.expect("a purchase") }
    })
    .await;
    println!("SQLite (b) sqlx, one call per transaction:    {b:>8.0}/s");

    prepare(&db).await;
    db.write.close().await;
    let writer = Arc::new(Writer::open(&path));
    let c = measure(secs, move |order, account| {
        let writer = writer.clone();
        async move {
            for step in [place, pay, deliver] {
                writer.run(move |conn| step(conn, order, account)).await.expect("a transaction");
            }
        }
    })
    .await;
    println!("SQLite (c) rusqlite, one closure per transaction on the writer's thread: {c:>8.0}/s");

    let mut conn = rusqlite::Connection::open(&path).expect("opens");
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;")
        .expect("pragmas");
    prepare_inline(&mut conn);
    let inline = Arc::new(tokio::sync::Mutex::new(conn));
    let d = measure(secs, move |order, account| {
        let inline = inline.clone();
        async move {
            for step in [place, pay, deliver] {
                let mut conn = inline.lock().await;
                step(&mut conn, order, account).expect("a transaction");
            }
        }
    })
    .await;
    println!("SQLite (d) rusqlite, inline on the async worker under a lock:        {d:>8.0}/s");

    let ours = Arc::new(server::db::Db::connect(&format!("sqlite://{}", path.display()), 4).await.expect("SQLite"));
    prepare_executor(&ours).await;
    let e = measure(secs, move |order, account| {
        let ours = ours.clone();
        async move { purchase_through_executor(&ours, order, account).await.expect("a purchase") }
    })
    .await;
    println!("SQLite (e) the server's executor, statement by statement:           {e:>8.0}/s");

    if let Ok(admin) = std::env::var("DATABASE_URL_PG") {
        let pg = Arc::new(Sqlx::connect(&admin, 16).await);
        prepare(&pg).await;
        let d = pg.clone();
        let a = measure(secs, move |order, account| {
            let d = d.clone();
            async move { purchase_statement_by_statement(&d, order, account).await.expect("a purchase") }
        })
        .await;
        println!("PostgreSQL (a) sqlx, statement by statement:   {a:>8.0}/s");
        prepare(&pg).await;
        let d = pg.clone();
        let b = measure(secs, move |order, account| {
            let d = d.clone();
            async move { purchase_one_call_per_transaction(&d, order, account).await.expect("a purchase") }
        })
        .await;
        println!("PostgreSQL (b) sqlx, one call per transaction: {b:>8.0}/s");
        let ours = Arc::new(server::db::Db::connect(&admin, 16).await.expect("PostgreSQL"));
        prepare_executor(&ours).await;
        let e = measure(secs, move |order, account| {
            let ours = ours.clone();
            async move { purchase_through_executor(&ours, order, account).await.expect("a purchase") }
        })
        .await;
        println!("PostgreSQL (e) the server's executor, statement by statement: {e:>8.0}/s");
        let mut conn = pg.write.acquire().await.expect("a connection");
        for table in TABLES {
            sqlx::raw_sql(AssertSqlSafe(format!("DROP TABLE {table}"))).execute(&mut *conn).await.expect("dropped");
        }
    }
}
