//! Returning money (ORD-3): an operator's refund, the provider's word on it
//! (its notification, or reconciliation asking), shared here so that every
//! path ends a refund alike.
//!
//! A refund is written (`requested`, the payment `refunding`) and committed
//! before the provider is asked, under the same refund number every time:
//! a crash between the two, or an unreachable provider, leaves a request
//! that reconciliation sends again, and the provider takes it once. Two
//! operators pressing at once are ordered by the order's row lock; the second
//! finds the payment `refunding` and is answered with the first one's refund.

use crate::db::Lock;
use crate::gateways::payment::{GatewayError, RefundRequest, RefundState};
use crate::repo::orders as store;
use crate::repo::refunds::{self, RefundRow};
use crate::repo::{accounts, audit, invoices, payments};
use crate::{ApiError, AppState};
use domain::order::OrderEvent;
use domain::refund::{PaymentEvent, RefundStart, RefundStatus, check_refund, refunds_the_order};
use domain::{Instant, PaymentMethod};

/// What the operator's press came to.
#[derive(Debug, Clone)]
pub struct Requested {
    pub refund: RefundRow,
    /// Another press (or this one, earlier) had asked for it already.
    pub already: bool,
}

/// An operator (`actor`) asks to return the payment `out_trade_no`: checked
/// by the domain, recorded, then asked of the provider; money from the
/// balance goes straight back to it.
pub async fn request(state: &AppState, actor: &str, out_trade_no: &str) -> Result<Requested, ApiError> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let Some(payment) = payments::find(&mut tx, out_trade_no, Lock::None).await? else {
        return Err(ApiError::NotFound(format!("no payment {out_trade_no}")));
    };
    // The order first, then the payment: the lock order of every writer.
    let lock = state.db.for_update();
    let order = store::find_any(&mut tx, payment.order_id, lock)
        .await?
        .ok_or_else(|| ApiError::internal("a payment without its order"))?;
    let payment = payments::find(&mut tx, out_trade_no, lock).await?.unwrap_or(payment);
    let invoiced = invoices::holder(&mut tx, order.id).await?.is_some();
    match check_refund(payment.status, payment.refund_reason, order.status, invoiced)? {
        RefundStart::Underway => {
            let latest = refunds::of_payment(&mut tx, out_trade_no).await?.into_iter().next();
            tx.rollback().await?;
            let refund = latest.ok_or_else(|| ApiError::internal("a payment refunded without a refund"))?;
            return Ok(Requested { refund, already: true });
        }
        RefundStart::Start => {}
    }
    let detail = serde_json::json!({
        "out_trade_no": out_trade_no, "amount_fen": payment.amount_fen, "method": payment.method,
        "reason": payment.refund_reason,
    });
    if payment.method == PaymentMethod::Balance {
        payments::apply(&mut tx, out_trade_no, PaymentEvent::ReturnToBalance).await?;
        accounts::credit(&mut tx, order.account_id, payment.amount_fen).await?;
        let refund =
            refunds::insert(&mut tx, out_trade_no, order.id, payment.amount_fen, RefundStatus::Succeeded, actor, now)
                .await?;
        audit::append(&mut tx, now, actor, Some(order.account_id), Some(order.id), "refund.to_balance", &detail)
            .await?;
        if refunds_the_order(payment.refund_reason) {
            store::apply(&mut tx, &order, OrderEvent::Refund, now, actor, "order.refunded").await?;
        }
        tx.commit().await?;
        state.order_changed(order.id);
        tracing::info!(order.id = order.id, out_trade_no, "refund: returned to the balance");
        return Ok(Requested { refund, already: false });
    }
    payments::apply(&mut tx, out_trade_no, PaymentEvent::Refund).await?;
    let refund =
        refunds::insert(&mut tx, out_trade_no, order.id, payment.amount_fen, RefundStatus::Requested, actor, now)
            .await?;
    audit::append(&mut tx, now, actor, Some(order.account_id), Some(order.id), "refund.requested", &detail).await?;
    tx.commit().await?;
    state.order_changed(order.id);
    let refund = send(state, refund).await?;
    Ok(Requested { refund, already: false })
}

/// Asks the provider for a requested refund (again, after a failure to
/// reach it) and records its answer; returns the refund as it now stands.
pub async fn send(state: &AppState, refund: RefundRow) -> Result<RefundRow, crate::db::Error> {
    let request = RefundRequest {
        out_refund_no: refund.out_refund_no.clone(),
        out_trade_no: refund.out_trade_no.clone(),
        amount_fen: refund.amount_fen,
        total_fen: refund.amount_fen,
        reason: "订单款项退回".into(),
    };
    let answer = match state.gateway.refund(&request).await {
        Ok(answer) => answer,
        Err(GatewayError::Rejected(why)) => RefundState::Failed { refund_id: String::new(), why },
        Err(error) => {
            tracing::warn!(out_refund_no = refund.out_refund_no, %error, "refund: the provider did not answer; reconciliation sends it again");
            return Ok(refund);
        }
    };
    record(state, &refund.out_refund_no, &answer, "refund").await?;
    let mut conn = state.db.read.acquire().await?;
    Ok(refunds::find(&mut conn, &refund.out_refund_no, Lock::None).await?.unwrap_or(refund))
}

/// Records the provider's word on a refund: taken (processing), or ended.
/// True when it changed something (a second word on an ended refund does not).
pub async fn record(
    state: &AppState,
    out_refund_no: &str,
    answer: &RefundState,
    actor: &str,
) -> Result<bool, crate::db::Error> {
    match answer {
        RefundState::Processing { refund_id } => {
            let mut conn = state.db.write.acquire().await?;
            refunds::taken(&mut conn, out_refund_no, refund_id).await
        }
        RefundState::Succeeded { refund_id, at } => {
            end(state, out_refund_no, RefundStatus::Succeeded, refund_id, None, *at, actor).await
        }
        RefundState::Failed { refund_id, why } => {
            end(state, out_refund_no, RefundStatus::Failed, refund_id, Some(why), state.clock.now(), actor).await
        }
    }
}

/// Ends an open refund as `status`: the payment refunded (and the order with
/// it, when it was the order's own payment), or the payment back to money
/// to return for a person to decide; audited.
async fn end(
    state: &AppState,
    out_refund_no: &str,
    status: RefundStatus,
    refund_id: &str,
    failure: Option<&str>,
    at: Instant,
    actor: &str,
) -> Result<bool, crate::db::Error> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let Some(refund) = refunds::find(&mut tx, out_refund_no, Lock::None).await? else {
        tx.rollback().await?;
        return Ok(false);
    };
    let lock = state.db.for_update();
    let order = store::find_any(&mut tx, refund.order_id, lock)
        .await?
        .ok_or_else(|| crate::db::Error::Decode("a refund without its order".into()))?;
    let payment = payments::find(&mut tx, &refund.out_trade_no, lock)
        .await?
        .ok_or_else(|| crate::db::Error::Decode("a refund without its payment".into()))?;
    if !refunds::end(&mut tx, out_refund_no, status, refund_id, failure, at).await? {
        tx.rollback().await?;
        return Ok(false);
    }
    if let Some(event) = status.payment_event() {
        payments::apply(&mut tx, &refund.out_trade_no, event).await?;
    }
    let ends_order = status == RefundStatus::Succeeded && refunds_the_order(payment.refund_reason);
    if ends_order {
        store::apply(&mut tx, &order, OrderEvent::Refund, now, actor, "order.refunded").await?;
    }
    let detail = serde_json::json!({
        "out_refund_no": out_refund_no, "refund_id": refund_id, "amount_fen": refund.amount_fen, "failure": failure,
    });
    let event = if status == RefundStatus::Succeeded { "refund.succeeded" } else { "refund.failed" };
    audit::append(&mut tx, now, actor, Some(order.account_id), Some(order.id), event, &detail).await?;
    tx.commit().await?;
    state.order_changed(order.id);
    match failure {
        None => tracing::info!(order.id = order.id, out_refund_no, "refund: the money is back with the payer"),
        Some(why) => {
            tracing::warn!(order.id = order.id, out_refund_no, why, "refund failed: the money is to be returned again")
        }
    }
    Ok(true)
}
