//! Migration 0014 gives the quota rows written before it a cause, a time and
//! a place in the account's history (QUO-1's quota history): a database
//! migrated to 0012 and written the old way, then migrated by the server.

use domain::ledger::LedgerEntry;
use domain::ledger::history::MoveCause;
use sqlx::sqlite::SqlitePoolOptions;

/// The SQLite migrations before 0014, copied into `dir`.
fn migrations_before_0014(dir: &std::path::Path) {
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    for entry in std::fs::read_dir(&source).expect("the migrations folder") {
        let path = entry.expect("an entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        if name.as_str() < "0014" {
            std::fs::copy(&path, dir.join(&name)).expect("copied");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quo_1_migration_0014_gives_earlier_ledger_rows_their_cause_time_and_place() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let before = dir.path().join("before");
    std::fs::create_dir(&before).expect("a folder");
    migrations_before_0014(&before);
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("db.sqlite").display());
    let pool = SqlitePoolOptions::new().max_connections(1).connect(&url).await.expect("opens");
    let old = sqlx::migrate::Migrator::new(before.as_path()).await.expect("reads the migrations");
    old.run(&pool).await.expect("migrates to 0012");
    let rows = [
        "INSERT INTO accounts (id, kind) VALUES (1, 'enterprise')",
        "INSERT INTO quota_grants (account_id, grant_no, kind, amount, expires_at, source) VALUES \
         (1, 1, 'contracts', 1000, 100000, 'edition'), (1, 2, 'signing_reports', 100, 100000, 'add_on'), \
         (1, 3, 'contracts', 100, 8000, 'trial')",
        "INSERT INTO quota_moves (account_id, grant_no, entry, amount, expires_at, at) VALUES \
         (1, 1, 'draw', 1, NULL, 5000), (1, 2, 'draw', 1, NULL, 6000), (1, 1, 'return', 1, NULL, 7000), \
         (1, 3, 'clear', 100, NULL, 8000), (1, 1, 'move', 0, 200000, 9000)",
    ];
    for sql in rows {
        sqlx::query(sql).execute(&pool).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    pool.close().await;

    let db = server::db::Db::connect(&url, 2).await.expect("connects");
    db.migrate().await.expect("the server applies 0014");
    let mut conn = db.read.acquire().await.expect("a connection");
    let records = server::repo::ledger::records(&mut conn, 1).await.expect("the history reads");
    let told: Vec<(String, MoveCause, i64)> = records
        .iter()
        .map(|r| {
            let what = match &r.entry {
                LedgerEntry::Grant { grant, .. } => format!("grant {grant}"),
                LedgerEntry::Draw { grant, .. } => format!("draw {grant}"),
                LedgerEntry::Return { grant, .. } => format!("return {grant}"),
                LedgerEntry::Clear { grant, .. } => format!("clear {grant}"),
                LedgerEntry::Move { grant, .. } => format!("move {grant}"),
            };
            (what, r.cause, r.at.timestamp_millis())
        })
        .collect();
    let expected = [
        ("grant 1", MoveCause::Delivery, 5000),
        ("draw 1", MoveCause::Contract, 5000),
        ("grant 2", MoveCause::Delivery, 6000),
        ("draw 2", MoveCause::AddOnUse, 6000),
        ("return 1", MoveCause::Withdrawal, 7000),
        ("grant 3", MoveCause::Trial, 8000),
        ("clear 3", MoveCause::Expiry, 8000),
        ("move 1", MoveCause::Delivery, 9000),
    ];
    let expected: Vec<(String, MoveCause, i64)> =
        expected.iter().map(|(w, c, at)| ((*w).to_owned(), *c, *at)).collect();
    assert_eq!(told, expected, "each grant before its first move, each row with the cause its kind had");
}
