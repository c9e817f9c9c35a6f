//! The delivery outbox (FUL-2): a paid order's job, claimed with a lease,
//! finished once. Exactly-once does not rest on the lease: finishing moves
//! the order to delivered only from paid or delivering, under the order's
//! row lock, and the round closes its jobs only if all are still open.

use crate::clock::to_ms;
use crate::db::Tx;
use crate::db::codec::{self, Stored};
use crate::repo::orders::{ORDER_COLUMNS, OrderRow, order_row};
use domain::Instant;
use domain::order::OrderEvent;

/// A claimed job: its order and how many times it has been tried, this one included.
#[derive(Debug, Clone, Copy)]
pub struct Claimed {
    pub order_id: i64,
    pub attempts: i64,
    /// Its place in the order payments were accepted.
    pub seq: i64,
}

/// Claims up to `batch` due jobs for `owner` until `lease_until`, in the
/// order their payments were accepted (the basis applies them in that
/// order), and marks their orders delivering.
pub async fn claim(
    tx: &mut Tx,
    owner: &str,
    now: Instant,
    lease_until: Instant,
    batch: i64,
) -> Result<Vec<Claimed>, crate::db::Error> {
    let (now, lease_until) = (to_ms(now), to_ms(lease_until));
    // The conditions are repeated outside the sub-select so that PostgreSQL
    // rechecks them on rows another worker claimed meanwhile.
    let rows = crate::db::query(
        "UPDATE delivery_jobs SET lease_owner = $1, lease_until = $2, attempts = attempts + 1 \
         WHERE order_id IN (SELECT order_id FROM delivery_jobs WHERE done_at IS NULL \
           AND (lease_until IS NULL OR lease_until < $3) ORDER BY seq, order_id LIMIT $4) \
         AND done_at IS NULL AND (lease_until IS NULL OR lease_until < $3) RETURNING order_id, attempts, seq",
    )
    .bind(owner)
    .bind(lease_until)
    .bind(now)
    .bind(batch)
    .fetch_all(&mut **tx)
    .await?;
    let mut claimed = rows
        .iter()
        .map(|row| {
            Ok(Claimed {
                order_id: row.try_get("order_id")?,
                attempts: row.try_get("attempts")?,
                seq: row.try_get("seq")?,
            })
        })
        .collect::<Result<Vec<_>, crate::db::Error>>()?;
    claimed.sort_by_key(|c| (c.seq, c.order_id));
    if !claimed.is_empty() {
        let event = OrderEvent::StartDelivery;
        let sql = format!(
            "UPDATE orders SET status = $1 WHERE {} AND id IN \
             (SELECT order_id FROM delivery_jobs WHERE done_at IS NULL AND lease_owner = $2 AND lease_until = $3)",
            codec::from_states(event, 4)
        );
        let query =
            crate::db::query(crate::db::AssertSqlSafe(sql)).bind(event.to().name()).bind(owner).bind(lease_until);
        codec::bind_from(query, event).execute(&mut **tx).await?;
    }
    Ok(claimed)
}

/// Moves the order to delivered, answering the order as the change left it
/// (`RETURNING`: no read after); `None`, and the caller rolls back, when it
/// was already delivered or given up (another worker came first). Its job
/// is closed with the batch's ([`close_jobs`]).
pub async fn finish(tx: &mut Tx, order_id: i64, now: Instant) -> Result<Option<OrderRow>, crate::db::Error> {
    let event = OrderEvent::FinishDelivery;
    let sql = format!(
        "UPDATE orders SET status = $1, delivered_at = $2 WHERE id = $3 AND {} RETURNING {ORDER_COLUMNS}",
        codec::from_states(event, 4)
    );
    let query = crate::db::query(crate::db::AssertSqlSafe(sql)).bind(event.to().name()).bind(to_ms(now)).bind(order_id);
    let delivered = codec::bind_from(query, event).fetch_optional(&mut **tx).await?;
    delivered.as_ref().map(order_row).transpose()
}

/// Closes the jobs of the orders a round delivered, in one statement.
/// Every one must still be open: a job closed under an order that was still
/// to deliver is an error, and the round rolls back.
pub async fn close_jobs(tx: &mut Tx, order_ids: &[i64], now: Instant) -> Result<(), crate::db::Error> {
    if order_ids.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = (0..order_ids.len()).map(|i| format!("${}", i + 2)).collect();
    let sql =
        format!("UPDATE delivery_jobs SET done_at = $1 WHERE done_at IS NULL AND order_id IN ({})", list.join(", "));
    let query =
        order_ids.iter().fold(crate::db::query(crate::db::AssertSqlSafe(sql)).bind(to_ms(now)), |q, id| q.bind(*id));
    let closed = query.execute(&mut **tx).await?.rows_affected();
    if usize::try_from(closed).ok() != Some(order_ids.len()) {
        return Err(crate::db::Error::Stale(format!(
            "{} of {} delivered orders' jobs were open",
            closed,
            order_ids.len()
        )));
    }
    Ok(())
}

/// Opens a given-up job again for an operator's retry: due now, its tries
/// counted afresh. False when the order has no job.
pub async fn reopen(tx: &mut Tx, order_id: i64) -> Result<bool, crate::db::Error> {
    let changed = crate::db::query(
        "UPDATE delivery_jobs SET done_at = NULL, lease_owner = NULL, lease_until = NULL, attempts = 0 \
         WHERE order_id = $1",
    )
    .bind(order_id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// Leaves the job for another try at `at` (its back-off).
pub async fn retry_at(tx: &mut Tx, order_id: i64, at: Instant) -> Result<(), crate::db::Error> {
    crate::db::query("UPDATE delivery_jobs SET lease_until = $1 WHERE order_id = $2 AND done_at IS NULL")
        .bind(to_ms(at))
        .bind(order_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
