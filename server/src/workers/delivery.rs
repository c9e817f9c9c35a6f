//! Delivery (FUL-1, FUL-2): a paid order's outbox job is applied to the
//! account's edition, add-ons and quota ledger exactly once.
//!
//! A round takes its jobs in the transaction that delivers them, so a
//! process that dies mid-round leaves them as they were, due at once; on
//! PostgreSQL, several server processes share the work, each round taking
//! jobs no other round holds. Exactly-once does not rest on that: the
//! delivering transaction changes
//! the order from paid or delivering to delivered and closes the job only
//! if both are still open, so whichever transaction commits second changes
//! nothing.
//!
//! Delivery never hangs (ORD-1): an order the domain says cannot be
//! delivered goes to `needs_attention` at the first try, its payment to
//! `refund_due`; a transient failure (database, I/O) is tried again after
//! 1, 2, 4, 8 and 16 s, and after the fifth retry goes there too. An
//! operator may send it back (`Retry`); delivered then, its payment is kept.

use crate::db::Tx;
use crate::repo::accounts::{AccountRow, account_row, save_delivered};
use crate::repo::deliveries::{self, Claimed};
use crate::repo::ledger::{append_ledger, ledger};
use crate::repo::orders::{self as store, OrderRow};
use crate::repo::payments;
use crate::retry::{TRIES, backoff};
use crate::{ApiError, AppState};
use domain::DomainError;
use domain::PaymentMethod;
use domain::fulfil::{deliverable, plan_delivery, reads_ledger};
use domain::ledger::history::MoveCause;
use domain::payment::RefundReason;
use std::collections::HashMap;
use std::time::Duration;

/// Jobs claimed per round.
const BATCH: i64 = 32;

/// The accounts of a round's orders as the round has left them so far.
/// Where a read takes no row lock (SQLite, whose one writer holds the
/// database for the round) they are those read with the round's jobs; on
/// PostgreSQL each is read and locked after its order, one lock order for
/// every writer.
#[derive(Debug, Default)]
struct Accounts(HashMap<i64, AccountRow>);

impl Accounts {
    fn of_round(state: &AppState, read: HashMap<i64, AccountRow>) -> Accounts {
        if state.db.for_update().waits() { Accounts::default() } else { Accounts(read) }
    }

    /// The account's row: the round's, or read (and locked) now.
    async fn take(&mut self, state: &AppState, tx: &mut Tx, account_id: i64) -> Result<AccountRow, crate::db::Error> {
        match self.0.remove(&account_id) {
            Some(row) => Ok(row),
            None => account_row(tx, account_id, state.db.for_update()).await,
        }
    }

    /// The account as a delivery the round keeps left it.
    fn keep(&mut self, state: &AppState, account_id: i64, row: AccountRow) {
        if !state.db.for_update().waits() {
            self.0.insert(account_id, row);
        }
    }
}

/// How one delivery ended.
#[derive(Debug)]
enum Outcome {
    /// Delivered this long after it was paid; the order as delivered, its
    /// account as the delivery left it, and its audit line, written with
    /// the batch's.
    Delivered(chrono::TimeDelta, Box<OrderRow>, AccountRow, crate::repo::audit::Line<'static>),
    /// Delivered (or given up) already: whichever transaction came second
    /// changes nothing but close the job, if it was left open.
    AlreadyDone,
    /// The domain says it cannot be delivered: it needs a person.
    Refused(DomainError),
}

/// Delivers one claimed order inside the round's transaction.
async fn deliver(state: &AppState, tx: &mut Tx, order_id: i64, accounts: &mut Accounts) -> Result<Outcome, ApiError> {
    let now = state.clock.now();
    // The order row first, then the account: one lock order for every writer.
    let Some(order) = deliveries::finish(tx, order_id, now).await? else {
        return Ok(Outcome::AlreadyDone);
    };
    let paid_at = order.paid_at.unwrap_or(now);
    let account = accounts.take(state, tx, order.account_id).await?;
    if let Err(refusal) = deliverable(&order.quote, &account.state, paid_at) {
        return Ok(Outcome::Refused(refusal));
    }
    // Add-ons alone never read the ledger, and an account's ledger only grows.
    let entries = if reads_ledger(&order.quote) { ledger(tx, order.account_id).await? } else { Vec::new() };
    let mut issued = account.grants_issued;
    let planned = plan_delivery(&order.quote, &account.state, &entries, paid_at, now, &mut || {
        issued += 1;
        issued
    });
    let plan = match planned {
        Ok(plan) => plan,
        Err(refusal) => return Ok(Outcome::Refused(refusal)),
    };
    save_delivered(tx, order.account_id, &plan.account, issued).await?;
    append_ledger(tx, order.account_id, Some(order_id), &plan.entries, (MoveCause::Delivery, now)).await?;
    // Delivered after an operator's retry: the money flagged to return is the order's payment again.
    if order.attention.is_some() {
        payments::keep_for_order(tx, order_id).await?;
    }
    tracing::info!(order.id = order_id, latency_ms = (now - paid_at).num_milliseconds(), "order delivered");
    let audit = crate::repo::audit::Line {
        at: now,
        actor: "delivery",
        account_id: Some(order.account_id),
        order_id: Some(order_id),
        event: "order.delivered",
        detail: serde_json::json!({ "entries": plan.entries.len() }),
    };
    let account = AccountRow { state: plan.account, balance: account.balance, grants_issued: issued };
    Ok(Outcome::Delivered(now - paid_at, Box::new(order), account, audit))
}

/// Gives a paid order up to a person (`needs_attention`, its money to
/// `refund_due`) with `reason`; true when it changed.
async fn give_up(state: &AppState, tx: &mut Tx, order_id: i64, reason: &str) -> Result<bool, ApiError> {
    let Some(order): Option<OrderRow> = store::find_any(tx, order_id, state.db.for_update()).await? else {
        return Ok(false);
    };
    let now = state.clock.now();
    let changed = store::needs_attention(tx, &order, reason, now).await?;
    if changed {
        let flagged = payments::refund_paid(tx, order.id, RefundReason::NotDeliverable, now).await?;
        // The balance has no provider payment: the money to return is recorded as one.
        if !flagged && order.payable_fen > 0 {
            let method = order.payment_method.unwrap_or(PaymentMethod::Balance);
            payments::record_refund_due(tx, order.id, order.payable_fen, method, RefundReason::NotDeliverable, now)
                .await?;
        }
        tracing::warn!(
            order.id = order_id,
            reason,
            "delivery given up: the order needs attention, its money is to be returned"
        );
    }
    Ok(changed)
}

/// A transient failure: the job is tried again after its back-off, or given
/// up after its last try.
async fn retry_or_give_up(state: &AppState, job: Claimed, error: &ApiError) -> Result<bool, ApiError> {
    let mut tx = state.db.begin().await?;
    let given_up = job.attempts >= TRIES;
    let changed = if given_up {
        give_up(state, &mut tx, job.order_id, &format!("delivery failed {TRIES} times: {error}")).await?
    } else {
        let until = state.clock.now() + chrono::TimeDelta::from_std(backoff(job.attempts)).unwrap_or_default();
        deliveries::retry_at(&mut tx, job.order_id, until).await?;
        tracing::warn!(order.id = job.order_id, attempts = job.attempts, error = ?error, "delivery failed; will retry");
        false
    };
    tx.commit().await?;
    if changed {
        crate::telemetry::metrics::order_needs_attention();
    } else if !given_up {
        crate::telemetry::metrics::delivery_retried();
    }
    Ok(changed)
}

/// What a round took: whether a full batch (then more may be due at once),
/// and the number of the newest job it took.
#[derive(Debug, Clone, Copy, Default)]
pub struct Round {
    pub full: bool,
    pub newest: i64,
}

/// One round: takes due jobs and delivers them in one transaction, each
/// behind its own savepoint, so one commit (and one audit statement) covers
/// the batch and an order that cannot be delivered is rolled back alone. A
/// refusal gives the order up to a person in the same transaction; a
/// transient failure is retried after its back-off.
pub async fn run_once(state: &AppState) -> Result<Round, ApiError> {
    let mut tx = state.db.begin().await?;
    let (claimed, read) = deliveries::due(&mut tx, state.clock.now(), BATCH, state.db.skip_held("j")).await?;
    if claimed.is_empty() {
        tx.rollback().await?;
        return Ok(Round::default());
    }
    crate::failpoint::crash_point(crate::failpoint::Step::DeliveryClaimed);
    let newest = claimed.iter().map(|c| c.seq).max().unwrap_or_default();
    let full = claimed.len() >= usize::try_from(BATCH).unwrap_or(usize::MAX);
    let mut accounts = Accounts::of_round(state, read);
    let mut changed = Vec::with_capacity(claimed.len());
    let mut delivered_orders = Vec::new();
    let mut audit = Vec::new();
    // Counted once the batch commits.
    let mut delivered = Vec::new();
    let mut given_up = 0;
    let mut failed = Vec::new();
    // The jobs the round closes: those it delivered, and those found done.
    let mut finished = Vec::new();
    for job in claimed {
        let mut step = tx.savepoint().await?;
        match deliver(state, &mut step, job.order_id, &mut accounts).await {
            Ok(Outcome::Delivered(latency, order, account, line)) => {
                step.commit().await?;
                accounts.keep(state, order.account_id, account);
                delivered_orders.push(*order);
                audit.push(line);
                delivered.push(latency);
            }
            Ok(Outcome::AlreadyDone) => {
                step.rollback().await?;
                finished.push(job.order_id);
            }
            Ok(Outcome::Refused(refusal)) => {
                step.rollback().await?;
                let mut step = tx.savepoint().await?;
                let reason = format!("{}: {}", refusal.code.as_str(), refusal.message(domain::Lang::Zh));
                if give_up(state, &mut step, job.order_id, &reason).await? {
                    changed.push(job.order_id);
                    given_up += 1;
                }
                step.commit().await?;
            }
            Err(e) => {
                step.rollback().await?;
                failed.push((job, e));
            }
        }
    }
    finished.extend(delivered_orders.iter().map(|o| o.id));
    deliveries::close_jobs(&mut tx, &finished, state.clock.now()).await?;
    crate::repo::audit::append_all(&mut tx, &audit).await?;
    crate::failpoint::crash_point(crate::failpoint::Step::DeliveryCommitting);
    tx.commit().await?;
    delivered.into_iter().for_each(crate::telemetry::metrics::order_delivered);
    (0..given_up).for_each(|_| crate::telemetry::metrics::order_needs_attention());
    for (job, error) in failed {
        if retry_or_give_up(state, job, &error).await? {
            changed.push(job.order_id);
        }
    }
    for order_id in changed {
        state.order_changed(order_id);
    }
    delivered_orders.into_iter().for_each(|order| state.order_delivered(order));
    Ok(Round { full, newest })
}

/// How often the worker looks for jobs nothing woke it for.
const POLL: Duration = Duration::from_millis(100);

/// The worker: wakes when this process marks an order paid (a job written
/// during a round wakes the next at once), and polls for jobs written by
/// other processes, left by a crashed one or due after their back-off.
pub async fn run(state: AppState) {
    let mut taken = 0;
    loop {
        let notified = state.wake_delivery.notified();
        match run_once(&state).await {
            Ok(round) if round.full => {
                taken = taken.max(round.newest);
                continue;
            }
            Ok(round) => taken = taken.max(round.newest),
            Err(e) => tracing::error!(error = ?e, "delivery round failed"),
        }
        wait_for_news(&state, notified, taken).await;
    }
}

/// Waits for a wake for a job newer than `taken`, or for the poll. A
/// payment tells of its job once its commit is shared (SQLite's writer),
/// often after the round that took the job began: that wake is for nothing
/// new. On PostgreSQL payments number their jobs side by side, so a newer
/// job may carry a smaller number: there every wake is taken.
async fn wait_for_news(state: &AppState, first: tokio::sync::futures::Notified<'_>, taken: i64) {
    let mut notified = first;
    while tokio::time::timeout(POLL, notified).await.is_ok() {
        let numbered_in_order = state.db.backend == crate::db::Backend::Sqlite;
        if !numbered_in_order || state.newest_job.load(std::sync::atomic::Ordering::Relaxed) > taken {
            return;
        }
        notified = state.wake_delivery.notified();
    }
}
