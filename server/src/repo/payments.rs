//! SQL for payments: one row per attempt at a provider (and, for money to
//! return that no provider holds, one for the balance or voucher). At most
//! one is pending per order (a unique index), so a reload that pays again
//! answers the same payment.

use crate::clock::to_ms;
use crate::db::Lock;
use crate::db::codec::{self, Stored};
use crate::db::{Conn, Row, Tx};
use crate::repo::orders::{ORDER_COLUMNS, OrderRow, order_row};
use api_types::PaymentPrompt;
use domain::order::OrderStatus;
use domain::payment::{PaymentStatus, RefundReason};
use domain::refund::PaymentEvent;
use domain::{Instant, PaymentMethod};

/// A payment as stored.
#[derive(Debug, Clone)]
pub struct PaymentRow {
    pub out_trade_no: String,
    pub order_id: i64,
    pub method: PaymentMethod,
    pub amount_fen: i64,
    pub status: PaymentStatus,
    /// When it was opened: the price it was opened at holds until the order's deadline.
    pub created_at: Instant,
    /// What the payer was shown, once the provider answered.
    pub prompt: Option<PaymentPrompt>,
    pub refund_reason: Option<RefundReason>,
    pub settled_at: Option<Instant>,
}

const COLUMNS: &str =
    "out_trade_no, order_id, method, amount_fen, status, created_at, prompt, refund_reason, settled_at";

fn payment_row(row: &Row) -> Result<PaymentRow, crate::db::Error> {
    let prompt = row
        .try_get::<Option<String>, _>("prompt")?
        .map(|p| serde_json::from_str(&p).map_err(|e| crate::db::Error::Decode(format!("payments.prompt: {e}").into())))
        .transpose()?;
    Ok(PaymentRow {
        out_trade_no: row.try_get("out_trade_no")?,
        order_id: row.try_get("order_id")?,
        method: codec::parse(&row.try_get::<String, _>("method")?)?,
        amount_fen: row.try_get("amount_fen")?,
        status: codec::parse(&row.try_get::<String, _>("status")?)?,
        created_at: codec::instant("payments.created_at", row.try_get("created_at")?)?,
        prompt,
        refund_reason: row.try_get::<Option<String>, _>("refund_reason")?.map(|r| codec::parse(&r)).transpose()?,
        settled_at: codec::optional_instant("payments.settled_at", row.try_get("settled_at")?)?,
    })
}

/// One payment, locked for update when `lock` says so.
pub async fn find(conn: &mut Conn, out_trade_no: &str, lock: Lock) -> Result<Option<PaymentRow>, crate::db::Error> {
    let row = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM payments WHERE out_trade_no = $1{lock}"
    )))
    .bind(out_trade_no)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(payment_row).transpose()
}

/// The order's payment open at the provider, if there is one.
pub async fn pending_of(conn: &mut Conn, order_id: i64) -> Result<Option<PaymentRow>, crate::db::Error> {
    let row = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM payments WHERE order_id = $1 AND status = $2"
    )))
    .bind(order_id)
    .bind(PaymentStatus::Pending.name())
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(payment_row).transpose()
}

/// An order as paying reads it before it is held (see [`order_to_pay`]).
#[derive(Debug)]
pub struct OrderToPay {
    pub order: OrderRow,
    /// The account's balance.
    pub balance: domain::Money,
    /// Its payment open at the provider, if there is one.
    pub open: Option<PaymentRow>,
    /// The money collected for it that is to be returned, is being returned
    /// or was returned, oldest settled first.
    pub returns: Vec<PaymentRow>,
}

/// The order of `account_id` with the account's balance and the order's
/// payments paying must know of, in one read.
pub async fn order_to_pay(
    conn: &mut Conn,
    order_id: i64,
    account_id: i64,
) -> Result<Option<OrderToPay>, crate::db::Error> {
    let rows = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT {}, a.balance_fen, {} FROM orders o JOIN accounts a ON a.id = o.account_id \
         LEFT JOIN payments p ON p.order_id = o.id AND p.status IN ($3, $4, $5, $6) \
         WHERE o.id = $1 AND o.account_id = $2 ORDER BY p.settled_at",
        codec::columns_of("o", ORDER_COLUMNS),
        codec::columns_of("p", COLUMNS),
    )))
    .bind(order_id)
    .bind(account_id)
    .bind(PaymentStatus::Pending.name())
    .bind(PaymentStatus::RefundDue.name())
    .bind(PaymentStatus::Refunding.name())
    .bind(PaymentStatus::Refunded.name())
    .fetch_all(&mut *conn)
    .await?;
    let Some(first) = rows.first() else { return Ok(None) };
    // The payment's columns follow the order's and the balance.
    let payment_at = ORDER_COLUMNS.split(',').count() + 1;
    let mut open = None;
    let mut returns = Vec::new();
    for row in &rows {
        if row.try_get::<Option<String>, _>(payment_at)?.is_none() {
            continue;
        }
        let payment = payment_row(&row.from_column(payment_at))?;
        if payment.status == PaymentStatus::Pending {
            open = Some(payment);
        } else {
            returns.push(payment);
        }
    }
    Ok(Some(OrderToPay {
        order: order_row(first)?,
        balance: domain::Money::from_fen(first.try_get("balance_fen")?),
        open,
        returns,
    }))
}

/// Records a payment about to be opened at the provider; false, changing
/// nothing, when the order already has one open.
pub async fn insert_pending(
    conn: &mut Conn,
    out_trade_no: &str,
    order_id: i64,
    method: PaymentMethod,
    amount_fen: i64,
    at: Instant,
) -> Result<bool, crate::db::Error> {
    let inserted = crate::db::query(
        "INSERT INTO payments (out_trade_no, order_id, method, amount_fen, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
    )
    .bind(out_trade_no)
    .bind(order_id)
    .bind(method.name())
    .bind(amount_fen)
    .bind(PaymentStatus::Pending.name())
    .bind(to_ms(at))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// Keeps what the provider answered, so that paying again shows the same.
pub async fn set_prompt(conn: &mut Conn, out_trade_no: &str, prompt: &PaymentPrompt) -> Result<(), crate::db::Error> {
    let prompt = serde_json::to_string(prompt).map_err(|e| crate::db::Error::Encode(e.into()))?;
    crate::db::query("UPDATE payments SET prompt = $1 WHERE out_trade_no = $2")
        .bind(prompt)
        .bind(out_trade_no)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Records what became of a pending payment (failed, closed); true when it
/// was still pending. A statement of its own, so counted as it commits.
pub async fn end_pending(conn: &mut Conn, out_trade_no: &str, to: PaymentStatus) -> Result<bool, crate::db::Error> {
    let ended =
        crate::db::query("UPDATE payments SET status = $1 WHERE out_trade_no = $2 AND status = $3 RETURNING method")
            .bind(to.name())
            .bind(out_trade_no)
            .bind(PaymentStatus::Pending.name())
            .fetch_optional(&mut *conn)
            .await?;
    let Some(row) = ended else { return Ok(false) };
    crate::telemetry::metrics::payment(codec::parse(&row.try_get::<String, _>("method")?)?, to);
    Ok(true)
}

/// Records the provider's word on collected money: paid, refund due (with
/// its reason) or disputed.
pub async fn settle_as(
    tx: &mut Tx,
    out_trade_no: &str,
    status: PaymentStatus,
    transaction_id: &str,
    reason: Option<RefundReason>,
    at: Instant,
) -> Result<(), crate::db::Error> {
    crate::db::query(
        "UPDATE payments SET status = $1, transaction_id = $2, refund_reason = $3, settled_at = $4 \
         WHERE out_trade_no = $5",
    )
    .bind(status.name())
    .bind(transaction_id)
    .bind(reason.map(Stored::name))
    .bind(to_ms(at))
    .bind(out_trade_no)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The order's paid provider payment becomes money to return; false when it has none.
pub async fn refund_paid(
    tx: &mut Tx,
    order_id: i64,
    reason: RefundReason,
    at: Instant,
) -> Result<bool, crate::db::Error> {
    let changed = crate::db::query(
        "UPDATE payments SET status = $1, refund_reason = $2, settled_at = $3 WHERE order_id = $4 AND status = $5",
    )
    .bind(PaymentStatus::RefundDue.name())
    .bind(reason.name())
    .bind(to_ms(at))
    .bind(order_id)
    .bind(PaymentStatus::Paid.name())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(changed > 0)
}

/// Money to return that no provider holds (paid from the balance): recorded
/// as a payment of its own, so operators find every return in one list.
pub async fn record_refund_due(
    tx: &mut Tx,
    order_id: i64,
    amount_fen: i64,
    method: PaymentMethod,
    reason: RefundReason,
    at: Instant,
) -> Result<(), crate::db::Error> {
    crate::db::query(
        "INSERT INTO payments (out_trade_no, order_id, method, amount_fen, status, created_at, refund_reason, settled_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $6) ON CONFLICT DO NOTHING",
    )
    .bind(format!("R{order_id:010}"))
    .bind(order_id)
    .bind(method.name())
    .bind(amount_fen)
    .bind(PaymentStatus::RefundDue.name())
    .bind(to_ms(at))
    .bind(reason.name())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Moves a payment along `event` (ORD-3); false, changing nothing, when it
/// was not in the state the event leaves.
pub async fn apply(tx: &mut Tx, out_trade_no: &str, event: PaymentEvent) -> Result<bool, crate::db::Error> {
    let changed = crate::db::query("UPDATE payments SET status = $1 WHERE out_trade_no = $2 AND status = $3")
        .bind(event.to().name())
        .bind(out_trade_no)
        .bind(event.from().name())
        .execute(&mut **tx)
        .await?
        .rows_affected();
    Ok(changed == 1)
}

/// A retried delivery succeeded: the order's payment, flagged to be
/// returned when delivery was given up, is its payment again (`Keep`).
pub async fn keep_for_order(tx: &mut Tx, order_id: i64) -> Result<bool, crate::db::Error> {
    let event = PaymentEvent::Keep;
    let changed = crate::db::query(
        "UPDATE payments SET status = $1, refund_reason = NULL WHERE order_id = $2 AND status = $3 \
         AND refund_reason = $4",
    )
    .bind(event.to().name())
    .bind(order_id)
    .bind(event.from().name())
    .bind(RefundReason::NotDeliverable.name())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(changed > 0)
}

/// The order's own payment given back for `NotDeliverable`, in whatever
/// state returning it has reached (none when nothing was collected).
pub async fn kept_for_delivery(conn: &mut Conn, order_id: i64) -> Result<Option<PaymentRow>, crate::db::Error> {
    let row = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM payments WHERE order_id = $1 AND refund_reason = $2 LIMIT 1"
    )))
    .bind(order_id)
    .bind(RefundReason::NotDeliverable.name())
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(payment_row).transpose()
}

/// Money collected for the account's orders that is to be returned, is
/// being returned or was returned, by order.
pub async fn returns_of_account(conn: &mut Conn, account_id: i64) -> Result<Vec<PaymentRow>, crate::db::Error> {
    let rows = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT {} FROM payments p JOIN orders o ON o.id = p.order_id WHERE o.account_id = $1 \
         AND p.status IN ($2, $3, $4) ORDER BY p.settled_at",
        codec::columns_of("p", COLUMNS)
    )))
    .bind(account_id)
    .bind(PaymentStatus::RefundDue.name())
    .bind(PaymentStatus::Refunding.name())
    .bind(PaymentStatus::Refunded.name())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(payment_row).collect()
}

/// Every payment in `status`, oldest settled first (operators work through them in order).
pub async fn in_status(conn: &mut Conn, status: PaymentStatus) -> Result<Vec<PaymentRow>, crate::db::Error> {
    let rows = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM payments WHERE status = $1 ORDER BY settled_at, out_trade_no LIMIT 500"
    )))
    .bind(status.name())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(payment_row).collect()
}

/// Payments pending since before `before`, with their order's status (reconciliation asks about them).
pub async fn pending_since(
    conn: &mut Conn,
    before: Instant,
    limit: i64,
) -> Result<Vec<(String, OrderStatus)>, crate::db::Error> {
    let rows = crate::db::query(
        "SELECT p.out_trade_no, o.status FROM payments p JOIN orders o ON o.id = p.order_id \
         WHERE p.status = $1 AND p.created_at <= $2 ORDER BY p.created_at LIMIT $3",
    )
    .bind(PaymentStatus::Pending.name())
    .bind(to_ms(before))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("out_trade_no")?, codec::parse(&row.try_get::<String, _>("status")?)?)))
        .collect()
}

/// Records a notification id; false when it was seen before (a replay).
pub async fn first_notice(tx: &mut Tx, id: &str, out_trade_no: &str, at: Instant) -> Result<bool, crate::db::Error> {
    let fresh = crate::db::query(
        "INSERT INTO payment_notifications (id, out_trade_no, received_at) VALUES ($1, $2, $3) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(out_trade_no)
    .bind(to_ms(at))
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(fresh == 1)
}
