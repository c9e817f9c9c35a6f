//! The load's buyers: one person a client, each with an active Advanced
//! edition and a balance that does not run out, written straight into the
//! database the server has just migrated.

use server::clock::to_ms;
use std::time::Duration;

/// Every load buyer's password.
pub const PASSWORD: &str = "load-test";

/// What each purchase costs: one 1,000-contract pack (catalog price).
pub const PACK_PRICE: &str = "2000.00";

/// Creates `n` buyers and returns their logins.
pub async fn create(database_url: &str, n: usize) -> Result<Vec<String>, String> {
    let db = server::db::Db::connect(database_url, 2).await.map_err(|e| e.to_string())?;
    let hash = server::auth::hash_password(PASSWORD).map_err(|e| e.to_string())?;
    let now = chrono::Utc::now();
    let year = to_ms(now + chrono::TimeDelta::days(365));
    let mut logins = Vec::with_capacity(n);
    let mut tx = db.begin().await.map_err(|e| e.to_string())?;
    for i in 0..n {
        let login = format!("load-{i}");
        let account: i64 = sqlx::query_scalar(
            "INSERT INTO accounts (kind, balance_fen, edition, edition_starts_at, edition_expires_at) \
             VALUES ('person', $1, 'advanced', $2, $3) RETURNING id",
        )
        .bind(1_000_000_000_000_i64)
        .bind(to_ms(now))
        .bind(year)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| e.to_string())?;
        sqlx::query("INSERT INTO persons (account_id, login, name, phone, password_hash) VALUES ($1, $2, $3, $4, $5)")
            .bind(account)
            .bind(&login)
            .bind(format!("压测用户{i}"))
            .bind(format!("1770000{i:04}"))
            .bind(&hash)
            .execute(&mut *tx)
            .await
            .map_err(|e| e.to_string())?;
        logins.push(login);
    }
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(logins)
}

/// Waits until `expected` orders are delivered, then returns each one's time
/// from payment to delivery, sorted.
pub async fn delivery_latencies(database_url: &str, expected: usize) -> Result<Vec<Duration>, String> {
    let db = server::db::Db::connect(database_url, 2).await.map_err(|e| e.to_string())?;
    for _ in 0..600 {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT paid_at, delivered_at FROM orders WHERE delivered_at IS NOT NULL AND paid_at IS NOT NULL",
        )
        .fetch_all(&db.read)
        .await
        .map_err(|e| e.to_string())?;
        if rows.len() >= expected {
            let mut out: Vec<Duration> = rows
                .iter()
                .map(|(paid, delivered)| Duration::from_millis(u64::try_from(delivered - paid).unwrap_or(0)))
                .collect();
            out.sort();
            return Ok(out);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("not every paid order was delivered within a minute (expected {expected})"))
}
