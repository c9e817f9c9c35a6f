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
    conn: &mut sqlx::AnyConnection,
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
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// An order as stored.
#[derive(Debug, Clone)]
pub struct OrderRow {
    pub id: i64,
    pub account_id: i64,
    pub placed_by: i64,
    pub channel: domain::Channel,
    pub status: OrderStatus,
    pub quote: domain::Quote,
    pub payable_fen: i64,
    pub voucher_id: Option<String>,
    pub payment_method: Option<String>,
    pub created_at: Instant,
    pub pay_by: Instant,
    pub paid_at: Option<Instant>,
    pub delivered_at: Option<Instant>,
    pub closed_at: Option<Instant>,
}

const ORDER_COLUMNS: &str = "id, account_id, placed_by, channel, status, quote, payable_fen, voucher_id, \
    payment_method, created_at, pay_by, paid_at, delivered_at, closed_at";

fn order_row(row: &sqlx::any::AnyRow) -> Result<OrderRow, sqlx::Error> {
    use crate::accounts::parse_name;
    use crate::clock::from_ms;
    use sqlx::Row;
    let quote: String = row.try_get(5)?;
    Ok(OrderRow {
        id: row.try_get(0)?,
        account_id: row.try_get(1)?,
        placed_by: row.try_get(2)?,
        channel: parse_name(&row.try_get::<String, _>(3)?)?,
        status: parse_name(&row.try_get::<String, _>(4)?)?,
        quote: serde_json::from_str(&quote).map_err(|e| sqlx::Error::Decode(e.into()))?,
        payable_fen: row.try_get(6)?,
        voucher_id: row.try_get(7)?,
        payment_method: row.try_get(8)?,
        created_at: from_ms(row.try_get(9)?),
        pay_by: from_ms(row.try_get(10)?),
        paid_at: row.try_get::<Option<i64>, _>(11)?.map(from_ms),
        delivered_at: row.try_get::<Option<i64>, _>(12)?.map(from_ms),
        closed_at: row.try_get::<Option<i64>, _>(13)?.map(from_ms),
    })
}

/// One order of `account_id`, optionally locked for update.
pub async fn find(
    conn: &mut sqlx::AnyConnection,
    order_id: i64,
    account_id: i64,
    lock: &str,
) -> Result<Option<OrderRow>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1 AND account_id = $2{lock}"
    )))
    .bind(order_id)
    .bind(account_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(order_row).transpose()
}

/// One order by id alone: for the server's own jobs, never for a caller.
pub async fn find_any(conn: &mut sqlx::AnyConnection, order_id: i64) -> Result<Option<OrderRow>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1")))
        .bind(order_id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(order_row).transpose()
}

/// The orders of an account, newest first; only those `placed_by` placed when given.
pub async fn list(
    conn: &mut sqlx::AnyConnection,
    account_id: i64,
    placed_by: Option<i64>,
) -> Result<Vec<OrderRow>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE account_id = $1 AND ($2 = 0 OR placed_by = $2) \
         ORDER BY created_at DESC, id DESC LIMIT 200"
    )))
    .bind(account_id)
    .bind(placed_by.unwrap_or(0))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(order_row).collect()
}

/// A new order awaiting payment.
#[derive(Debug)]
pub struct NewOrder<'a> {
    pub account_id: i64,
    pub placed_by: i64,
    pub channel: domain::Channel,
    pub quote: &'a domain::Quote,
    pub voucher_id: Option<&'a str>,
    pub created_at: Instant,
    pub pay_by: Instant,
}

impl NewOrder<'_> {
    /// The order as [`find`] reads it back once inserted as `id`, without the read.
    pub fn inserted(&self, id: i64) -> Result<OrderRow, sqlx::Error> {
        use crate::clock::from_ms;
        Ok(OrderRow {
            id,
            account_id: self.account_id,
            placed_by: self.placed_by,
            channel: self.channel,
            status: OrderStatus::AwaitingPayment,
            quote: self.quote.clone(),
            payable_fen: self.quote.payable.to_fen().map_err(|e| sqlx::Error::Encode(e.into()))?,
            voucher_id: self.voucher_id.map(str::to_owned),
            payment_method: None,
            // Stored as milliseconds: the same instants a later read gives.
            created_at: from_ms(to_ms(self.created_at)),
            pay_by: from_ms(to_ms(self.pay_by)),
            paid_at: None,
            delivered_at: None,
            closed_at: None,
        })
    }
}

/// Inserts the order with the quote it is sold at (PRI-4).
pub async fn insert(tx: &mut Transaction<'static, Any>, order: &NewOrder<'_>) -> Result<i64, sqlx::Error> {
    let payable = order.quote.payable.to_fen().map_err(|e| sqlx::Error::Encode(e.into()))?;
    let quote = serde_json::to_string(order.quote).map_err(|e| sqlx::Error::Encode(e.into()))?;
    sqlx::query_scalar(
        "INSERT INTO orders (account_id, placed_by, channel, status, quote, payable_fen, voucher_id, created_at, pay_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(order.account_id)
    .bind(order.placed_by)
    .bind(crate::accounts::name_of(&order.channel))
    .bind(status_name(OrderStatus::AwaitingPayment))
    .bind(quote)
    .bind(payable)
    .bind(order.voucher_id)
    .bind(to_ms(order.created_at))
    .bind(to_ms(order.pay_by))
    .fetch_one(&mut **tx)
    .await
}

/// Closes an order awaiting payment (cancelled or timed out) and gives its
/// voucher back. Returns false, changing nothing, when it was not awaiting.
pub async fn close(
    tx: &mut Transaction<'static, Any>,
    order_id: i64,
    at: Instant,
    actor: &str,
    reason: &str,
) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query("UPDATE orders SET status = $1, closed_at = $2 WHERE id = $3 AND status = $4")
        .bind(status_name(OrderStatus::Closed))
        .bind(to_ms(at))
        .bind(order_id)
        .bind(status_name(OrderStatus::AwaitingPayment))
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if changed != 1 {
        return Ok(false);
    }
    sqlx::query("UPDATE vouchers SET used_by_order = NULL WHERE used_by_order = $1")
        .bind(order_id)
        .execute(&mut **tx)
        .await?;
    audit(tx, at, actor, None, Some(order_id), "order.closed", &serde_json::json!({ "reason": reason })).await?;
    Ok(true)
}

/// Out-trade numbers of the order's payments still open at the provider.
pub async fn pending_payments(conn: &mut sqlx::AnyConnection, order_id: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT out_trade_no FROM payments WHERE order_id = $1 AND status = 'pending'")
        .bind(order_id)
        .fetch_all(&mut *conn)
        .await
}
