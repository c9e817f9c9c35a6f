//! The audit log: payments, deliveries, bindings, quota moves and sales
//! quotes, who and when. Append-only, in the database too (triggers refuse
//! `UPDATE` and `DELETE`).

use crate::clock::to_ms;
use domain::Instant;
use sqlx::AnyConnection;

/// Appends to the audit log (never updated, never deleted).
pub async fn append(
    conn: &mut AnyConnection,
    at: Instant,
    actor: &str,
    account_id: Option<i64>,
    order_id: Option<i64>,
    event: &str,
    detail: &serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor, account_id, order_id, event, detail) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(to_ms(at))
    .bind(actor)
    .bind(account_id)
    .bind(order_id)
    .bind(event)
    .bind(detail.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}
