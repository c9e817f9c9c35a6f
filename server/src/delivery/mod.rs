//! Delivery (FUL-1, FUL-2): a paid order's outbox job is applied to the
//! account's edition, add-ons and quota ledger exactly once.
//!
//! Jobs are claimed with a lease, so several server processes on one
//! PostgreSQL database share the work; a process that dies leaves its lease
//! to expire and another takes the job over. Exactly-once does not rest on
//! the lease: the delivering transaction changes the order from paid or
//! delivering to delivered and closes the job only if both are still open,
//! so whichever transaction commits second changes nothing.

use crate::accounts::{account_row, append_ledger, ledger, save_grant_numbers, save_state};
use crate::clock::to_ms;
use crate::orders::store::{self, status_name};
use crate::{ApiError, AppState};
use domain::fulfil::{plan_delivery, reads_ledger};
use domain::order::OrderStatus;
use sqlx::{Acquire, Any, Transaction};
use std::time::Duration;

/// How long a claimed job stays with its worker before another may take it.
pub const LEASE: Duration = Duration::from_secs(2);

/// Jobs claimed per round.
const BATCH: i64 = 32;

/// Claims up to a batch of due jobs for `owner` and marks their orders delivering.
async fn claim(state: &AppState, owner: &str) -> Result<Vec<i64>, sqlx::Error> {
    let now = to_ms(state.clock.now());
    let lease_until = now + i64::try_from(LEASE.as_millis()).unwrap_or(2_000);
    let mut tx = state.db.begin().await?;
    // The conditions are repeated outside the sub-select so that PostgreSQL
    // rechecks them on rows another worker claimed meanwhile.
    let claimed: Vec<i64> = sqlx::query_scalar(
        "UPDATE delivery_jobs SET lease_owner = $1, lease_until = $2, attempts = attempts + 1 \
         WHERE order_id IN (SELECT order_id FROM delivery_jobs WHERE done_at IS NULL \
           AND (lease_until IS NULL OR lease_until < $3) ORDER BY created_at LIMIT $4) \
         AND done_at IS NULL AND (lease_until IS NULL OR lease_until < $3) RETURNING order_id",
    )
    .bind(owner)
    .bind(lease_until)
    .bind(now)
    .bind(BATCH)
    .fetch_all(&mut *tx)
    .await?;
    if !claimed.is_empty() {
        sqlx::query(
            "UPDATE orders SET status = $1 WHERE status = $2 AND id IN \
             (SELECT order_id FROM delivery_jobs WHERE done_at IS NULL AND lease_owner = $3 AND lease_until = $4)",
        )
        .bind(status_name(OrderStatus::Delivering))
        .bind(status_name(OrderStatus::Paid))
        .bind(owner)
        .bind(lease_until)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    crate::failpoint::crash_point(crate::failpoint::Step::DeliveryClaimed);
    Ok(claimed)
}

/// Delivers one claimed order inside the round's transaction; false when it
/// had already been delivered.
async fn deliver(state: &AppState, tx: &mut Transaction<'_, Any>, order_id: i64) -> Result<bool, ApiError> {
    let now = state.clock.now();
    // The order row first, then the account: one lock order for every writer.
    let delivered =
        sqlx::query("UPDATE orders SET status = $1, delivered_at = $2 WHERE id = $3 AND status IN ($4, $5)")
            .bind(status_name(OrderStatus::Delivered))
            .bind(to_ms(now))
            .bind(order_id)
            .bind(status_name(OrderStatus::Paid))
            .bind(status_name(OrderStatus::Delivering))
            .execute(&mut **tx)
            .await?
            .rows_affected();
    let closed = sqlx::query("UPDATE delivery_jobs SET done_at = $1 WHERE order_id = $2 AND done_at IS NULL")
        .bind(to_ms(now))
        .bind(order_id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if delivered != 1 || closed != 1 {
        return Ok(false);
    }
    let order = store::find_any(tx, order_id).await?.ok_or_else(|| ApiError::Internal("job without order".into()))?;
    let paid_at = order.paid_at.unwrap_or(now);
    let account = account_row(tx, order.account_id, state.db.for_update()).await?;
    // Add-ons alone never read the ledger, and an account's ledger only grows.
    let entries = if reads_ledger(&order.quote) { ledger(tx, order.account_id).await? } else { Vec::new() };
    let mut issued = account.grants_issued;
    let plan = plan_delivery(&order.quote, &account.state, &entries, paid_at, &mut || {
        issued += 1;
        issued
    })?;
    save_state(tx, order.account_id, &plan.account).await?;
    append_ledger(tx, order.account_id, Some(order_id), &plan.entries, now).await?;
    save_grant_numbers(tx, order.account_id, issued).await?;
    let detail = serde_json::json!({ "entries": plan.entries.len() });
    store::audit(tx, now, "delivery", Some(order.account_id), Some(order_id), "order.delivered", &detail).await?;
    tracing::info!(order.id = order_id, latency_ms = (now - paid_at).num_milliseconds(), "delivered");
    Ok(true)
}

/// One round: claims due jobs and delivers them in one transaction, each
/// behind its own savepoint, so one commit covers the batch and an order that
/// cannot be delivered is rolled back alone (its lease expires and it is
/// tried again). Returns how many were delivered.
pub async fn run_once(state: &AppState, owner: &str) -> Result<usize, ApiError> {
    let claimed = claim(state, owner).await?;
    if claimed.is_empty() {
        return Ok(0);
    }
    let mut tx = state.db.begin().await?;
    let mut delivered = Vec::with_capacity(claimed.len());
    for order_id in claimed {
        let mut step = tx.begin().await?;
        match deliver(state, &mut step, order_id).await {
            Ok(true) => {
                step.commit().await?;
                delivered.push(order_id);
            }
            Ok(false) => step.rollback().await?,
            Err(e) => {
                step.rollback().await?;
                tracing::error!(order.id = order_id, error = %e, "delivery failed; will retry");
            }
        }
    }
    crate::failpoint::crash_point(crate::failpoint::Step::Delivering);
    tx.commit().await?;
    for order_id in &delivered {
        state.order_changed(*order_id);
    }
    Ok(delivered.len())
}

/// The worker: wakes when this process marks an order paid, and polls for
/// jobs written by other processes or left by a crashed one.
pub async fn run(state: AppState) {
    let owner = format!("{}-{}", std::process::id(), rand::random::<u32>());
    loop {
        let notified = state.wake_delivery.notified();
        match run_once(&state, &owner).await {
            Ok(n) if n > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "delivery round failed"),
        }
        let _ = tokio::time::timeout(Duration::from_millis(100), notified).await;
    }
}
