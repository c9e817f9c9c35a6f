//! The delivery outbox (FUL-2): a paid order's job, taken by the round
//! that delivers it, finished once. Exactly-once rests on the writes, not
//! on who took the job: finishing moves the order to delivered only from
//! paid or delivering, under the order's row lock, and the round closes its
//! jobs only if all are still open.

use crate::clock::to_ms;
use crate::db::codec::{self, Stored};
use crate::db::{Lock, Tx};
use crate::repo::accounts::{ACCOUNT_COLUMNS, AccountRow, account_of};
use crate::repo::orders::{ORDER_COLUMNS, OrderRow, order_row};
use domain::Instant;
use domain::order::OrderEvent;
use std::collections::HashMap;

/// A job taken by a round: its order and how many times it has been tried, this one included.
#[derive(Debug, Clone, Copy)]
pub struct Claimed {
    pub order_id: i64,
    pub attempts: i64,
    /// Its place in the order payments were accepted.
    pub seq: i64,
}

/// Up to `batch` jobs due at `now`, in the order their payments were
/// accepted (the basis applies them in that order), with the rows of their
/// orders' accounts as they are, by account id; read inside the
/// transaction that delivers them, so a round that does not commit leaves
/// them as they were. `lock` holds the jobs and leaves out those another
/// worker's round holds (PostgreSQL), so that workers never wait on each
/// other; the accounts are read unlocked, for where no lock is needed.
pub async fn due(
    tx: &mut Tx,
    now: Instant,
    batch: i64,
    lock: Lock,
) -> Result<(Vec<Claimed>, HashMap<i64, AccountRow>), crate::db::Error> {
    let rows = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT j.order_id, j.attempts, j.seq, o.account_id, {ACCOUNT_COLUMNS} FROM delivery_jobs j \
         JOIN orders o ON o.id = j.order_id JOIN accounts a ON a.id = o.account_id \
         WHERE j.done_at IS NULL AND (j.retry_at IS NULL OR j.retry_at <= $1) \
         ORDER BY j.seq, j.order_id LIMIT $2{lock}"
    )))
    .bind(to_ms(now))
    .bind(batch)
    .fetch_all(&mut **tx)
    .await?;
    let mut claimed = Vec::with_capacity(rows.len());
    let mut accounts = HashMap::new();
    for row in &rows {
        claimed.push(Claimed {
            order_id: row.try_get("order_id")?,
            attempts: row.try_get::<i64, _>("attempts")? + 1,
            seq: row.try_get("seq")?,
        });
        accounts.insert(row.try_get("account_id")?, account_of(row)?);
    }
    Ok((claimed, accounts))
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

/// Closes the jobs of the orders a round delivered or found done, in one statement.
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
    let changed =
        crate::db::query("UPDATE delivery_jobs SET done_at = NULL, retry_at = NULL, attempts = 0 WHERE order_id = $1")
            .bind(order_id)
            .execute(&mut **tx)
            .await?
            .rows_affected();
    Ok(changed == 1)
}

/// Leaves the job for another try at `at` (its back-off), this one counted;
/// meanwhile its order shows delivering: delivery has begun and is not over.
pub async fn retry_at(tx: &mut Tx, order_id: i64, at: Instant) -> Result<(), crate::db::Error> {
    crate::db::query(
        "UPDATE delivery_jobs SET retry_at = $1, attempts = attempts + 1 WHERE order_id = $2 AND done_at IS NULL",
    )
    .bind(to_ms(at))
    .bind(order_id)
    .execute(&mut **tx)
    .await?;
    let event = OrderEvent::StartDelivery;
    let sql = format!("UPDATE orders SET status = $1 WHERE id = $2 AND {}", codec::from_states(event, 3));
    let query = crate::db::query(crate::db::AssertSqlSafe(sql)).bind(event.to().name()).bind(order_id);
    codec::bind_from(query, event).execute(&mut **tx).await?;
    Ok(())
}
