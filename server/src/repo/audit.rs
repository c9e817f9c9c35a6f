//! The audit log: payments, deliveries, bindings, quota moves and sales
//! quotes, who and when. Append-only, in the database too (triggers refuse
//! `UPDATE` and `DELETE`).

use crate::clock::to_ms;
use crate::db::Conn;
use crate::db::codec::instant;
use domain::Instant;

/// One line of the log as read back.
#[derive(Debug, Clone)]
pub struct Entry {
    pub at: Instant,
    pub actor: String,
    pub order_id: Option<i64>,
    pub event: String,
    pub detail: serde_json::Value,
}

/// A line to append.
#[derive(Debug, Clone)]
pub struct Line<'a> {
    pub at: Instant,
    pub actor: &'a str,
    pub account_id: Option<i64>,
    pub order_id: Option<i64>,
    pub event: &'a str,
    pub detail: serde_json::Value,
}

/// Appends to the audit log (never updated, never deleted).
pub async fn append(
    conn: &mut Conn,
    at: Instant,
    actor: &str,
    account_id: Option<i64>,
    order_id: Option<i64>,
    event: &str,
    detail: &serde_json::Value,
) -> Result<(), crate::db::Error> {
    append_all(conn, &[Line { at, actor, account_id, order_id, event, detail: detail.clone() }]).await
}

/// Appends `lines` in one statement, in their order.
pub async fn append_all(conn: &mut Conn, lines: &[Line<'_>]) -> Result<(), crate::db::Error> {
    if lines.is_empty() {
        return Ok(());
    }
    let values: Vec<String> = (0..lines.len())
        .map(|i| {
            let p = i * 6;
            format!("(${}, ${}, ${}, ${}, ${}, ${})", p + 1, p + 2, p + 3, p + 4, p + 5, p + 6)
        })
        .collect();
    let sql =
        format!("INSERT INTO audit_log (at, actor, account_id, order_id, event, detail) VALUES {}", values.join(", "));
    let mut query = crate::db::query(crate::db::AssertSqlSafe(sql));
    for line in lines {
        query = query
            .bind(to_ms(line.at))
            .bind(line.actor)
            .bind(line.account_id)
            .bind(line.order_id)
            .bind(line.event)
            .bind(line.detail.to_string());
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

/// What happened to an account and its orders, the newest first, at most `limit` lines.
pub async fn of_account(conn: &mut Conn, account_id: i64, limit: i64) -> Result<Vec<Entry>, crate::db::Error> {
    let rows = crate::db::query(
        "SELECT at, actor, order_id, event, detail FROM audit_log \
         WHERE account_id = $1 OR order_id IN (SELECT id FROM orders WHERE account_id = $1) \
         ORDER BY at DESC, id DESC LIMIT $2",
    )
    .bind(account_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let detail: String = row.try_get("detail")?;
            Ok(Entry {
                at: instant("audit_log.at", row.try_get("at")?)?,
                actor: row.try_get("actor")?,
                order_id: row.try_get("order_id")?,
                event: row.try_get("event")?,
                detail: serde_json::from_str(&detail)
                    .map_err(|e| crate::db::Error::Decode(format!("audit_log.detail: {e}").into()))?,
            })
        })
        .collect()
}
