//! Believing that a payment succeeded: the one code path shared by the
//! notification handler and reconciliation, so both settle alike.

use crate::AppState;
use crate::db::Lock;
use crate::db::codec::Stored;
use crate::repo::accounts::order_buyer;
use crate::repo::orders as store;
use crate::repo::payments;
use domain::basis::{Changed, reassess};
use domain::payment::{Collection, PaymentStatus, RefundReason, judge_collection};
use domain::{Context, Instant};

/// Where the word that a payment succeeded comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source<'a> {
    /// A verified notification with this id (replays are recognised by it).
    Notification { id: &'a str },
    /// Reconciliation asked the provider.
    Reconciliation,
}

impl Source<'_> {
    fn name(self) -> &'static str {
        match self {
            Source::Notification { .. } => "notification",
            Source::Reconciliation => "reconciliation",
        }
    }
}

/// What the provider says was collected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collected<'a> {
    pub out_trade_no: &'a str,
    pub transaction_id: &'a str,
    pub amount_fen: i64,
    pub paid_at: Instant,
}

/// How settling ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// The order is paid now (and its delivery job written).
    Paid { order_id: i64 },
    /// Nothing to do: a replayed notification, or a payment already settled.
    AlreadyKnown,
    /// Authentic but not believed (wrong amount, order no longer awaiting
    /// payment): the order is unchanged, the payment flagged and audited.
    Refused { order_id: i64, reason: &'static str },
    /// No payment with this out_trade_no here.
    UnknownPayment,
}

/// Settles `collected` in one transaction: records the notification id (a
/// replay stops here), locks the order, then its payment and account, holds
/// the order against its basis at the payment's time (the price it was
/// opened at stands unless the basis changed), and asks the domain what the
/// money is (PAY-4): the order's payment (paid, its delivery job written),
/// money to return (`refund_due`, with its reason: the order closed, was
/// paid otherwise, or no longer holds) or a wrong amount (`disputed`). There
/// is no self-service refund (ORD-3): a person returns it.
pub async fn settle(
    state: &AppState,
    source: Source<'_>,
    collected: &Collected<'_>,
) -> Result<Settled, crate::db::Error> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if let Source::Notification { id } = source
        && !payments::first_notice(&mut tx, id, collected.out_trade_no, now).await?
    {
        tx.rollback().await?;
        return Ok(Settled::AlreadyKnown);
    }
    let Some(payment) = payments::find(&mut tx, collected.out_trade_no, Lock::None).await? else {
        // Not recorded: the provider will retry, and the payment may yet appear.
        tx.rollback().await?;
        return Ok(Settled::UnknownPayment);
    };
    // The order first, then the payment and the account: the pay path locks in that order too.
    let lock = state.db.for_update();
    let order = store::find_any(&mut tx, payment.order_id, lock)
        .await?
        .ok_or_else(|| crate::db::Error::Decode("a payment without its order".into()))?;
    let payment = payments::find(&mut tx, collected.out_trade_no, lock).await?.unwrap_or(payment);
    let buyer = order_buyer(&mut tx, &order, lock).await?;
    let ctx = Context { catalog: &state.catalog, buyer: &buyer, channel: order.channel, now: collected.paid_at };
    let holds = reassess(&ctx, &order.selection, &order.quote, payment.created_at);
    let amount_matches = collected.amount_fen == payment.amount_fen && collected.amount_fen == order.payable_fen;
    let verdict = judge_collection(payment.status, amount_matches, order.status, holds.is_ok());
    let mut detail = serde_json::json!({
        "source": source.name(),
        "out_trade_no": collected.out_trade_no,
        "transaction_id": collected.transaction_id,
        "amount_fen": collected.amount_fen,
    });
    let (status, reason) = match verdict {
        Collection::AlreadySettled => {
            // Settled before (by reconciliation, or by an earlier notification):
            // keep the notification id, change nothing else.
            tx.commit().await?;
            return Ok(Settled::AlreadyKnown);
        }
        Collection::Believe => {
            let succeeded = crate::repo::audit::Line {
                at: now,
                actor: "payment",
                account_id: Some(order.account_id),
                order_id: Some(order.id),
                event: "payment.succeeded",
                detail: detail.clone(),
            };
            if let Some(job) = store::mark_paid(&mut tx, order.id, payment.method, collected.paid_at, succeeded).await?
            {
                payments::settle_as(
                    &mut tx,
                    collected.out_trade_no,
                    PaymentStatus::Paid,
                    collected.transaction_id,
                    None,
                    now,
                )
                .await?;
                crate::failpoint::crash_point(crate::failpoint::Step::PaymentTransaction);
                tx.commit().await?;
                crate::failpoint::crash_point(crate::failpoint::Step::PaymentCommitted);
                crate::telemetry::metrics::order_paid();
                crate::telemetry::metrics::payment(payment.method, PaymentStatus::Paid);
                state.order_paid(order.id, job);
                tracing::info!(
                    order.id = order.id,
                    out_trade_no = collected.out_trade_no,
                    amount_fen = collected.amount_fen,
                    source = source.name(),
                    "payment settled: the order is paid"
                );
                return Ok(Settled::Paid { order_id: order.id });
            }
            (PaymentStatus::RefundDue, Some(RefundReason::AlreadyPaid))
        }
        Collection::RefundDue(reason) => (PaymentStatus::RefundDue, Some(reason)),
        Collection::Disputed => (PaymentStatus::Disputed, None),
    };
    payments::settle_as(&mut tx, collected.out_trade_no, status, collected.transaction_id, reason, now).await?;
    let why = reason.map_or("amount_mismatch", Stored::name);
    detail["reason"] = why.into();
    detail["expected_amount_fen"] = payment.amount_fen.into();
    detail["order_payable_fen"] = order.payable_fen.into();
    detail["order_status"] = order.status.name().into();
    match &holds {
        Err(Changed::Refused(errors)) => {
            detail["changed"] = serde_json::json!(errors.iter().map(|e| e.code).collect::<Vec<_>>())
        }
        Err(Changed::Repriced(fresh)) => detail["changed"] = serde_json::json!({ "quote_changed": fresh.payable }),
        Ok(()) => {}
    }
    crate::repo::audit::append(
        &mut tx,
        now,
        "payment",
        Some(order.account_id),
        Some(order.id),
        "payment.refused",
        &detail,
    )
    .await?;
    tx.commit().await?;
    crate::telemetry::metrics::payment(payment.method, status);
    // The order page shows the money to return.
    state.order_changed(order.id);
    tracing::warn!(
        order.id = order.id,
        out_trade_no = collected.out_trade_no,
        amount_fen = collected.amount_fen,
        expected_amount_fen = payment.amount_fen,
        order_status = order.status.name(),
        reason = why,
        source = source.name(),
        "payment not believed: the order is unchanged"
    );
    Ok(Settled::Refused { order_id: order.id, reason: why })
}
