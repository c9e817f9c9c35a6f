//! SQL for orders. Every statement that changes an order's status takes its
//! from and to states from the domain's transition table (ORD-1), so a
//! transition happens once whatever runs twice.

use crate::clock::{from_ms, to_ms};
use crate::db::Lock;
use crate::db::codec::{self, Stored};
use crate::db::{Conn, Row, Tx};
use domain::order::{OrderEvent, OrderStatus};
use domain::payment::PaymentStatus;
use domain::{Instant, PaymentMethod, Quote, Selection};

/// Moves an awaiting order to paid and writes its delivery job in the same
/// transaction (the outbox), with the audit's `order.paid` line and `also`,
/// the payer's. Answers the job's number; `None`, changing nothing, when
/// the order was not awaiting payment (already paid, closed, or unknown).
/// The order as paid is [`OrderRow::paid`], with no read.
pub async fn mark_paid(
    tx: &mut Tx,
    order_id: i64,
    method: PaymentMethod,
    paid_at: Instant,
    also: super::audit::Line<'_>,
) -> Result<Option<i64>, crate::db::Error> {
    let event = OrderEvent::Pay;
    let sql = format!(
        "UPDATE orders SET status = $1, payment_method = $2, paid_at = $3 WHERE id = $4 AND {}",
        codec::from_states(event, 5)
    );
    let query = crate::db::query(crate::db::AssertSqlSafe(sql))
        .bind(event.to().name())
        .bind(method.name())
        .bind(to_ms(paid_at))
        .bind(order_id);
    if codec::bind_from(query, event).execute(&mut **tx).await?.rows_affected() != 1 {
        return Ok(None);
    }
    // The job's number is its place in the order payments were accepted
    // (ORD-1): under the account's row lock no other payment of the account
    // can take the same one.
    let seq: i64 = crate::db::query_scalar(
        "INSERT INTO delivery_jobs (order_id, created_at, seq) \
         SELECT $1, $2, COALESCE(MAX(seq), 0) + 1 FROM delivery_jobs RETURNING seq",
    )
    .bind(order_id)
    .bind(to_ms(paid_at))
    .fetch_one(&mut **tx)
    .await?;
    let paid = super::audit::Line {
        at: paid_at,
        actor: "payment",
        account_id: None,
        order_id: Some(order_id),
        event: "order.paid",
        detail: serde_json::json!({ "method": method.name() }),
    };
    // The payer's own line goes in the same statement, after the order's.
    super::audit::append_all(tx, &[paid, also]).await?;
    Ok(Some(seq))
}

/// An order as stored.
#[derive(Debug, Clone)]
pub struct OrderRow {
    pub id: i64,
    pub account_id: i64,
    pub placed_by: i64,
    pub channel: domain::Channel,
    pub status: OrderStatus,
    /// What the buyer chose: paying prices it again against the basis then.
    pub selection: Selection,
    pub quote: Quote,
    pub payable_fen: i64,
    pub voucher_id: Option<String>,
    pub payment_method: Option<PaymentMethod>,
    pub created_at: Instant,
    pub pay_by: Instant,
    pub paid_at: Option<Instant>,
    pub delivered_at: Option<Instant>,
    pub closed_at: Option<Instant>,
    /// Why a paid order needs a person (`needs_attention`).
    pub attention: Option<String>,
}

pub(super) const ORDER_COLUMNS: &str = "id, account_id, placed_by, channel, status, selection, quote, payable_fen, voucher_id, \
    payment_method, created_at, pay_by, paid_at, delivered_at, closed_at, attention";

fn json<T: serde::de::DeserializeOwned>(row: &Row, column: &str) -> Result<T, crate::db::Error> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|e| crate::db::Error::Decode(format!("orders.{column}: {e}").into()))
}

fn instant(row: &Row, column: &str) -> Result<Option<Instant>, crate::db::Error> {
    codec::optional_instant(&format!("orders.{column}"), row.try_get(column)?)
}

pub(super) fn order_row(row: &Row) -> Result<OrderRow, crate::db::Error> {
    let required = |column: &str| codec::instant(&format!("orders.{column}"), row.try_get(column)?);
    Ok(OrderRow {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        placed_by: row.try_get("placed_by")?,
        channel: codec::parse_name("orders.channel", &row.try_get::<String, _>("channel")?)?,
        status: codec::parse(&row.try_get::<String, _>("status")?)?,
        selection: json(row, "selection")?,
        quote: json(row, "quote")?,
        payable_fen: row.try_get("payable_fen")?,
        voucher_id: row.try_get("voucher_id")?,
        payment_method: row.try_get::<Option<String>, _>("payment_method")?.map(|m| codec::parse(&m)).transpose()?,
        created_at: required("created_at")?,
        pay_by: required("pay_by")?,
        paid_at: instant(row, "paid_at")?,
        delivered_at: instant(row, "delivered_at")?,
        closed_at: instant(row, "closed_at")?,
        attention: row.try_get("attention")?,
    })
}

/// One order of `account_id`, locked for update when `lock` says so.
pub async fn find(
    conn: &mut Conn,
    order_id: i64,
    account_id: i64,
    lock: Lock,
) -> Result<Option<OrderRow>, crate::db::Error> {
    let row = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1 AND account_id = $2{lock}"
    )))
    .bind(order_id)
    .bind(account_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(order_row).transpose()
}

/// INV-1: the orders the invoice centre of `account_id` sees, newest first:
/// its own and the personal orders bound to it (BND-2), those paid at some
/// point; each with whether it came from a person.
pub async fn for_invoicing(conn: &mut Conn, account_id: i64) -> Result<Vec<(OrderRow, bool)>, crate::db::Error> {
    let rows = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE paid_at IS NOT NULL AND (account_id = $1 \
         OR id IN (SELECT order_id FROM order_bindings WHERE enterprise_account_id = $1)) \
         ORDER BY paid_at DESC, id DESC LIMIT 200"
    )))
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let order = order_row(row)?;
            let from_person = order.account_id != account_id;
            Ok((order, from_person))
        })
        .collect()
}

/// INV-1: one order the invoice centre of `account_id` sees (its own, or a
/// personal order bound to it), locked when `lock` says so; with whether it
/// came from a person.
pub async fn find_for_invoicing(
    conn: &mut Conn,
    order_id: i64,
    account_id: i64,
    lock: Lock,
) -> Result<Option<(OrderRow, bool)>, crate::db::Error> {
    let row = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1 AND (account_id = $2 \
         OR id IN (SELECT order_id FROM order_bindings WHERE enterprise_account_id = $2)){lock}"
    )))
    .bind(order_id)
    .bind(account_id)
    .fetch_optional(&mut *conn)
    .await?;
    let order = row.as_ref().map(order_row).transpose()?;
    Ok(order.map(|o| {
        let from_person = o.account_id != account_id;
        (o, from_person)
    }))
}

/// One order by id alone: for the server's own jobs, never for a caller.
pub async fn find_any(conn: &mut Conn, order_id: i64, lock: Lock) -> Result<Option<OrderRow>, crate::db::Error> {
    let row =
        crate::db::query(crate::db::AssertSqlSafe(format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1{lock}")))
            .bind(order_id)
            .fetch_optional(&mut *conn)
            .await?;
    row.as_ref().map(order_row).transpose()
}

/// The orders of an account, newest first; only those `placed_by` placed when given.
pub async fn list(conn: &mut Conn, account_id: i64, placed_by: Option<i64>) -> Result<Vec<OrderRow>, crate::db::Error> {
    let rows = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE account_id = $1 AND ($2 = 0 OR placed_by = $2) \
         ORDER BY created_at DESC, id DESC LIMIT 200"
    )))
    .bind(account_id)
    .bind(placed_by.unwrap_or(0))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(order_row).collect()
}

/// An order awaiting delivery from a row joining it (`quote`, `paid_at`),
/// or none when the row joins no order.
pub(super) fn awaiting_of(row: &Row) -> Result<Option<(Quote, Instant)>, crate::db::Error> {
    if row.try_get::<Option<String>, _>("quote")?.is_none() {
        return Ok(None);
    }
    let paid_at =
        instant(row, "paid_at")?.ok_or_else(|| crate::db::Error::Decode("a paid order without paid_at".into()))?;
    Ok(Some((json(row, "quote")?, paid_at)))
}

/// Orders still awaiting payment past their time to pay, oldest deadline first.
pub async fn unpaid_past_deadline(
    conn: &mut Conn,
    now: Instant,
    limit: i64,
) -> Result<Vec<(i64, Instant)>, crate::db::Error> {
    let rows: Vec<(i64, i64)> = crate::db::query_as(
        "SELECT id, pay_by FROM orders WHERE status = $1 AND pay_by <= $2 ORDER BY pay_by LIMIT $3",
    )
    .bind(OrderStatus::AwaitingPayment.name())
    .bind(to_ms(now))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter().map(|(id, pay_by)| Ok((id, codec::instant("orders.pay_by", pay_by)?))).collect()
}

/// Paid orders whose delivery needs a person, the longest waiting first.
pub async fn needing_attention(conn: &mut Conn, limit: i64) -> Result<Vec<OrderRow>, crate::db::Error> {
    let rows = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE status = $1 ORDER BY attention_at, id LIMIT $2"
    )))
    .bind(OrderStatus::NeedsAttention.name())
    .bind(limit)
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
    pub selection: &'a Selection,
    pub quote: &'a Quote,
    pub created_at: Instant,
    pub pay_by: Instant,
}

impl OrderRow {
    /// The order as [`mark_paid`] left it, from the order as it was
    /// awaiting payment: paying changes nothing else in it.
    pub fn paid(&self, method: PaymentMethod, at: Instant) -> OrderRow {
        OrderRow {
            status: OrderEvent::Pay.to(),
            payment_method: Some(method),
            // Stored as milliseconds: the same instant a later read gives.
            paid_at: Some(from_ms(to_ms(at))),
            ..self.clone()
        }
    }
}

impl NewOrder<'_> {
    /// The order as [`find`] reads it back once inserted as `id`, without the read.
    pub fn inserted(&self, id: i64) -> Result<OrderRow, crate::db::Error> {
        Ok(OrderRow {
            id,
            account_id: self.account_id,
            placed_by: self.placed_by,
            channel: self.channel,
            status: OrderStatus::AwaitingPayment,
            selection: self.selection.clone(),
            quote: self.quote.clone(),
            payable_fen: self.quote.payable.to_fen().map_err(|e| crate::db::Error::Encode(e.into()))?,
            voucher_id: self.selection.voucher.clone(),
            payment_method: None,
            // Stored as milliseconds: the same instants a later read gives.
            created_at: from_ms(to_ms(self.created_at)),
            pay_by: from_ms(to_ms(self.pay_by)),
            paid_at: None,
            delivered_at: None,
            closed_at: None,
            attention: None,
        })
    }
}

/// Inserts the order under the id its idempotency key reserved, with the
/// selection and the quote it is sold at (PRI-4).
pub async fn insert(tx: &mut Tx, id: i64, order: &NewOrder<'_>) -> Result<(), crate::db::Error> {
    let payable = order.quote.payable.to_fen().map_err(|e| crate::db::Error::Encode(e.into()))?;
    let quote = serde_json::to_string(order.quote).map_err(|e| crate::db::Error::Encode(e.into()))?;
    let selection = serde_json::to_string(order.selection).map_err(|e| crate::db::Error::Encode(e.into()))?;
    crate::db::query(
        "INSERT INTO orders (id, account_id, placed_by, channel, status, selection, quote, payable_fen, voucher_id, \
         created_at, pay_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id)
    .bind(order.account_id)
    .bind(order.placed_by)
    .bind(crate::db::codec::name_of(&order.channel))
    .bind(OrderStatus::AwaitingPayment.name())
    .bind(selection)
    .bind(quote)
    .bind(payable)
    .bind(order.selection.voucher.as_deref())
    .bind(to_ms(order.created_at))
    .bind(to_ms(order.pay_by))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Closes an order awaiting payment (`Cancel` or `TimeOut`) and gives its
/// voucher back. Returns false, changing nothing, when it was not awaiting.
pub async fn close(
    tx: &mut Tx,
    order_id: i64,
    event: OrderEvent,
    at: Instant,
    actor: &str,
) -> Result<bool, crate::db::Error> {
    let sql =
        format!("UPDATE orders SET status = $1, closed_at = $2 WHERE id = $3 AND {}", codec::from_states(event, 4));
    let query = crate::db::query(crate::db::AssertSqlSafe(sql)).bind(event.to().name()).bind(to_ms(at)).bind(order_id);
    if codec::bind_from(query, event).execute(&mut **tx).await?.rows_affected() != 1 {
        return Ok(false);
    }
    crate::db::query("UPDATE vouchers SET used_by_order = NULL WHERE used_by_order = $1")
        .bind(order_id)
        .execute(&mut **tx)
        .await?;
    let reason = match event {
        OrderEvent::TimeOut => "timeout",
        _ => "cancelled",
    };
    super::audit::append(tx, at, actor, None, Some(order_id), "order.closed", &serde_json::json!({ "reason": reason }))
        .await?;
    Ok(true)
}

/// Moves an order along an operator's `event` (`Retry`, `Refund`), audited
/// as `audit_event` by `actor`; false, changing nothing, when the order was
/// not in a state the event leaves.
pub async fn apply(
    tx: &mut Tx,
    order: &OrderRow,
    event: OrderEvent,
    at: Instant,
    actor: &str,
    audit_event: &str,
) -> Result<bool, crate::db::Error> {
    let sql = format!("UPDATE orders SET status = $1 WHERE id = $2 AND {}", codec::from_states(event, 3));
    let query = crate::db::query(crate::db::AssertSqlSafe(sql)).bind(event.to().name()).bind(order.id);
    if codec::bind_from(query, event).execute(&mut **tx).await?.rows_affected() != 1 {
        return Ok(false);
    }
    let detail = serde_json::json!({ "from": order.status, "to": event.to() });
    super::audit::append(tx, at, actor, Some(order.account_id), Some(order.id), audit_event, &detail).await?;
    Ok(true)
}

/// Moves a paid order that cannot be delivered to `needs_attention`
/// (ORD-1) with the reason, audited, and ends its delivery job. Returns
/// false, changing nothing, when the order was no longer awaiting delivery;
/// the caller flags its money to be returned (`payments::refund_paid`).
pub async fn needs_attention(
    tx: &mut Tx,
    order: &OrderRow,
    reason: &str,
    at: Instant,
) -> Result<bool, crate::db::Error> {
    let event = OrderEvent::FailDelivery;
    let sql = format!(
        "UPDATE orders SET status = $1, attention = $2, attention_at = $3 WHERE id = $4 AND {}",
        codec::from_states(event, 5)
    );
    let query = crate::db::query(crate::db::AssertSqlSafe(sql))
        .bind(event.to().name())
        .bind(reason)
        .bind(to_ms(at))
        .bind(order.id);
    if codec::bind_from(query, event).execute(&mut **tx).await?.rows_affected() != 1 {
        return Ok(false);
    }
    crate::db::query("UPDATE delivery_jobs SET done_at = $1 WHERE order_id = $2 AND done_at IS NULL")
        .bind(to_ms(at))
        .bind(order.id)
        .execute(&mut **tx)
        .await?;
    let detail =
        serde_json::json!({ "reason": reason, "amount_fen": order.payable_fen, "status": PaymentStatus::RefundDue });
    super::audit::append(tx, at, "delivery", Some(order.account_id), Some(order.id), "order.needs_attention", &detail)
        .await?;
    Ok(true)
}
