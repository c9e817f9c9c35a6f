//! Believing that a payment succeeded: the one code path shared by the
//! notification handler and reconciliation, so both settle alike.

use crate::AppState;
use crate::orders::store;
use domain::{Instant, PaymentMethod};
use sqlx::Row;

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

/// The payment method a stored name stands for.
pub fn parse_method(name: &str) -> Option<PaymentMethod> {
    PaymentMethod::ALL.into_iter().find(|m| store::method_name(*m) == name)
}

/// Settles `collected` in one transaction: records the notification id (a
/// replay stops here), checks the amount against the payment and the order,
/// then marks the payment and the order paid together. Wrong amounts and
/// orders that are no longer awaiting payment change no order: the payment
/// row is flagged (`disputed` / `refund_due`, for a person to resolve, since
/// there is no self-service refund, ORD-3) and the case is audited.
pub async fn settle(state: &AppState, source: Source<'_>, collected: &Collected<'_>) -> Result<Settled, sqlx::Error> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if let Source::Notification { id } = source {
        let fresh = sqlx::query(
            "INSERT INTO payment_notifications (id, out_trade_no, received_at) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(collected.out_trade_no)
        .bind(crate::clock::to_ms(now))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if fresh == 0 {
            tx.rollback().await?;
            return Ok(Settled::AlreadyKnown);
        }
    }
    let order_id: Option<i64> = sqlx::query_scalar("SELECT order_id FROM payments WHERE out_trade_no = $1")
        .bind(collected.out_trade_no)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(order_id) = order_id else {
        // Not recorded: the provider will retry, and the payment may yet appear.
        tx.rollback().await?;
        return Ok(Settled::UnknownPayment);
    };
    // The order first, then the payment: the order placement code locks in that order too.
    let lock = state.db.for_update();
    let order = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT status, payable_fen, account_id FROM orders WHERE id = $1{lock}"
    )))
    .bind(order_id)
    .fetch_one(&mut *tx)
    .await?;
    let (order_status, payable_fen, account_id): (String, i64, i64) =
        (order.try_get(0)?, order.try_get(1)?, order.try_get(2)?);
    let payment = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT method, amount_fen, status FROM payments WHERE out_trade_no = $1{lock}"
    )))
    .bind(collected.out_trade_no)
    .fetch_one(&mut *tx)
    .await?;
    let (method, amount_fen, payment_status): (String, i64, String) =
        (payment.try_get(0)?, payment.try_get(1)?, payment.try_get(2)?);

    if matches!(payment_status.as_str(), "paid" | "refund_due" | "disputed") {
        // Settled before (by reconciliation, or by an earlier notification):
        // keep the notification id, change nothing else.
        tx.commit().await?;
        return Ok(Settled::AlreadyKnown);
    }
    let detail = serde_json::json!({
        "source": source.name(),
        "out_trade_no": collected.out_trade_no,
        "transaction_id": collected.transaction_id,
        "amount_fen": collected.amount_fen,
    });
    let refusal = if collected.amount_fen != amount_fen || collected.amount_fen != payable_fen {
        Some(("amount_mismatch", "disputed"))
    } else if order_status != "awaiting_payment" {
        Some(("order_not_awaiting_payment", "refund_due"))
    } else {
        None
    };
    let method = parse_method(&method);
    if let (None, Some(method)) = (refusal, method)
        && store::mark_paid(&mut tx, order_id, method, collected.paid_at).await?
    {
        set_payment(&mut tx, collected, "paid").await?;
        store::audit(&mut tx, now, "payment", Some(account_id), Some(order_id), "payment.succeeded", &detail).await?;
        crate::failpoint::crash_point(crate::failpoint::Step::PaymentTransaction);
        tx.commit().await?;
        crate::failpoint::crash_point(crate::failpoint::Step::Paid);
        state.order_changed(order_id);
        tracing::info!(
            order.id = order_id,
            out_trade_no = collected.out_trade_no,
            amount_fen = collected.amount_fen,
            source = source.name(),
            "payment settled: the order is paid"
        );
        return Ok(Settled::Paid { order_id });
    }
    let (reason, flag) = refusal.unwrap_or(match method {
        None => ("unknown_payment_method", "disputed"),
        Some(_) => ("order_not_awaiting_payment", "refund_due"),
    });
    set_payment(&mut tx, collected, flag).await?;
    let mut detail = detail;
    detail["reason"] = reason.into();
    detail["expected_amount_fen"] = amount_fen.into();
    detail["order_payable_fen"] = payable_fen.into();
    detail["order_status"] = order_status.clone().into();
    store::audit(&mut tx, now, "payment", Some(account_id), Some(order_id), "payment.refused", &detail).await?;
    tx.commit().await?;
    tracing::warn!(
        order.id = order_id,
        out_trade_no = collected.out_trade_no,
        amount_fen = collected.amount_fen,
        expected_amount_fen = amount_fen,
        order_status,
        reason,
        source = source.name(),
        "payment not believed: the order is unchanged"
    );
    Ok(Settled::Refused { order_id, reason })
}

async fn set_payment(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    collected: &Collected<'_>,
    status: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE payments SET status = $1, transaction_id = $2 WHERE out_trade_no = $3")
        .bind(status)
        .bind(collected.transaction_id)
        .bind(collected.out_trade_no)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
