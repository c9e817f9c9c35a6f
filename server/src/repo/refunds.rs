//! SQL for refunds: one row per request at the provider, numbered after the
//! payment it returns (`{out_trade_no}-{n}`), so that sending a request again
//! is the same refund at the provider. The payment's own status says whether
//! it is being or has been refunded; this row holds what the provider said.

use crate::clock::to_ms;
use crate::db::Lock;
use crate::db::codec::{self, Stored};
use crate::db::{Conn, Row, Tx};
use domain::Instant;
use domain::refund::RefundStatus;

/// A refund as stored.
#[derive(Debug, Clone)]
pub struct RefundRow {
    pub out_refund_no: String,
    pub out_trade_no: String,
    pub order_id: i64,
    pub amount_fen: i64,
    pub status: RefundStatus,
    /// The provider's id, once it took the request.
    pub refund_id: Option<String>,
    /// Why the provider could not return it.
    pub failure: Option<String>,
    /// Who asked (`operator:{login}`).
    pub requested_by: String,
    pub requested_at: Instant,
    pub settled_at: Option<Instant>,
}

const COLUMNS: &str = "out_refund_no, out_trade_no, order_id, amount_fen, status, refund_id, failure, requested_by, \
    requested_at, settled_at";

fn refund_row(row: &Row) -> Result<RefundRow, crate::db::Error> {
    Ok(RefundRow {
        out_refund_no: row.try_get("out_refund_no")?,
        out_trade_no: row.try_get("out_trade_no")?,
        order_id: row.try_get("order_id")?,
        amount_fen: row.try_get("amount_fen")?,
        status: codec::parse(&row.try_get::<String, _>("status")?)?,
        refund_id: row.try_get("refund_id")?,
        failure: row.try_get("failure")?,
        requested_by: row.try_get("requested_by")?,
        requested_at: codec::instant("refunds.requested_at", row.try_get("requested_at")?)?,
        settled_at: codec::optional_instant("refunds.settled_at", row.try_get("settled_at")?)?,
    })
}

/// One refund, locked for update when `lock` says so.
pub async fn find(conn: &mut Conn, out_refund_no: &str, lock: Lock) -> Result<Option<RefundRow>, crate::db::Error> {
    let row = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM refunds WHERE out_refund_no = $1{lock}"
    )))
    .bind(out_refund_no)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(refund_row).transpose()
}

/// The payment's refunds, the latest first.
pub async fn of_payment(conn: &mut Conn, out_trade_no: &str) -> Result<Vec<RefundRow>, crate::db::Error> {
    let rows = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM refunds WHERE out_trade_no = $1 ORDER BY requested_at DESC, out_refund_no DESC"
    )))
    .bind(out_trade_no)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(refund_row).collect()
}

/// Records a refund about to be asked for (called under the payment's
/// lock, which makes its number the next one) and returns it.
pub async fn insert(
    tx: &mut Tx,
    out_trade_no: &str,
    order_id: i64,
    amount_fen: i64,
    status: RefundStatus,
    requested_by: &str,
    at: Instant,
) -> Result<RefundRow, crate::db::Error> {
    let earlier: i64 = crate::db::query_scalar("SELECT COUNT(*) FROM refunds WHERE out_trade_no = $1")
        .bind(out_trade_no)
        .fetch_one(&mut **tx)
        .await?;
    let out_refund_no = format!("{out_trade_no}-{}", earlier + 1);
    let settled_at = (!status.is_open()).then(|| to_ms(at));
    crate::db::query(
        "INSERT INTO refunds (out_refund_no, out_trade_no, order_id, amount_fen, status, requested_by, requested_at, \
         settled_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&out_refund_no)
    .bind(out_trade_no)
    .bind(order_id)
    .bind(amount_fen)
    .bind(status.name())
    .bind(requested_by)
    .bind(to_ms(at))
    .bind(settled_at)
    .execute(&mut **tx)
    .await?;
    find(tx, &out_refund_no, Lock::None).await?.ok_or(crate::db::Error::RowNotFound)
}

/// The provider took a requested refund under `refund_id`; false when it
/// was no longer requested.
pub async fn taken(conn: &mut Conn, out_refund_no: &str, refund_id: &str) -> Result<bool, crate::db::Error> {
    let changed =
        crate::db::query("UPDATE refunds SET status = $1, refund_id = $2 WHERE out_refund_no = $3 AND status = $4")
            .bind(RefundStatus::Processing.name())
            .bind(refund_id)
            .bind(out_refund_no)
            .bind(RefundStatus::Requested.name())
            .execute(&mut *conn)
            .await?
            .rows_affected();
    Ok(changed == 1)
}

/// Ends an open refund as `status` (succeeded or failed, with why); false,
/// changing nothing, when it had ended already.
pub async fn end(
    tx: &mut Tx,
    out_refund_no: &str,
    status: RefundStatus,
    refund_id: &str,
    failure: Option<&str>,
    at: Instant,
) -> Result<bool, crate::db::Error> {
    let changed = crate::db::query(
        "UPDATE refunds SET status = $1, refund_id = $2, failure = $3, settled_at = $4 \
         WHERE out_refund_no = $5 AND status IN ($6, $7)",
    )
    .bind(status.name())
    .bind(refund_id)
    .bind(failure)
    .bind(to_ms(at))
    .bind(out_refund_no)
    .bind(RefundStatus::Requested.name())
    .bind(RefundStatus::Processing.name())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// Open refunds asked for before `before`, the oldest first (reconciliation
/// sends them again or asks about them).
pub async fn open_since(conn: &mut Conn, before: Instant, limit: i64) -> Result<Vec<RefundRow>, crate::db::Error> {
    let rows = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM refunds WHERE status IN ($1, $2) AND requested_at <= $3 ORDER BY requested_at LIMIT $4"
    )))
    .bind(RefundStatus::Requested.name())
    .bind(RefundStatus::Processing.name())
    .bind(to_ms(before))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(refund_row).collect()
}
