//! SQL for orders. Every statement that changes an order's status names the
//! status it expects, so a transition happens once whatever runs twice.

use crate::clock::to_ms;
use domain::order::OrderStatus;
use domain::{Instant, PaymentMethod};
use sqlx::{Any, Transaction};

/// The stored name of a status.
pub fn status_name(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::AwaitingPayment => "awaiting_payment",
        OrderStatus::Paid => "paid",
        OrderStatus::Delivering => "delivering",
        OrderStatus::Delivered => "delivered",
        OrderStatus::Bound => "bound",
        OrderStatus::Closed => "closed",
    }
}

/// The stored name of a payment method.
pub fn method_name(method: PaymentMethod) -> &'static str {
    match method {
        PaymentMethod::Balance => "balance",
        PaymentMethod::WechatPay => "wechat_pay",
        PaymentMethod::OnlineBanking => "online_banking",
    }
}

/// Moves an awaiting order to paid and writes its delivery job in the same
/// transaction (the outbox). Returns false, changing nothing, when the order
/// was not awaiting payment (already paid, closed, or unknown).
pub async fn mark_paid(
    tx: &mut Transaction<'static, Any>,
    order_id: i64,
    method: PaymentMethod,
    paid_at: Instant,
) -> Result<bool, sqlx::Error> {
    let changed =
        sqlx::query("UPDATE orders SET status = $1, payment_method = $2, paid_at = $3 WHERE id = $4 AND status = $5")
            .bind(status_name(OrderStatus::Paid))
            .bind(method_name(method))
            .bind(to_ms(paid_at))
            .bind(order_id)
            .bind(status_name(OrderStatus::AwaitingPayment))
            .execute(&mut **tx)
            .await?
            .rows_affected();
    if changed != 1 {
        return Ok(false);
    }
    sqlx::query("INSERT INTO delivery_jobs (order_id, created_at) VALUES ($1, $2)")
        .bind(order_id)
        .bind(to_ms(paid_at))
        .execute(&mut **tx)
        .await?;
    audit(
        tx,
        paid_at,
        "payment",
        None,
        Some(order_id),
        "order.paid",
        &serde_json::json!({ "method": method_name(method) }),
    )
    .await?;
    Ok(true)
}

/// Appends to the audit log (never updated, never deleted).
pub async fn audit(
    tx: &mut Transaction<'static, Any>,
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
    .execute(&mut **tx)
    .await?;
    Ok(())
}
