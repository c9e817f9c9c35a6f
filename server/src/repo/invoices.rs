//! SQL for invoices (INV-1).

use crate::clock::to_ms;
use crate::db::codec::instant;
use api_types::InvoiceView;
use domain::{Instant, Money};
use sqlx::{AnyConnection, Row};

const COLUMNS: &str = "id, order_id, amount_fen, title, status, requested_by, created_at";

fn view(row: &sqlx::any::AnyRow) -> Result<InvoiceView, sqlx::Error> {
    Ok(InvoiceView {
        id: row.try_get("id")?,
        order_id: row.try_get("order_id")?,
        amount: Money::from_fen(row.try_get("amount_fen")?),
        title: row.try_get("title")?,
        status: row.try_get("status")?,
        requested_by: row.try_get("requested_by")?,
        created_at: instant("invoices.created_at", row.try_get("created_at")?)?,
    })
}

/// Whether the order has an invoice.
pub async fn invoiced(conn: &mut AnyConnection, order_id: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM invoices WHERE order_id = $1")
        .bind(order_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(n > 0)
}

/// The name an enterprise's invoices are made out to.
pub async fn title(conn: &mut AnyConnection, enterprise_id: i64) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT name FROM enterprises WHERE id = $1").bind(enterprise_id).fetch_one(&mut *conn).await
}

/// A new invoice.
#[derive(Debug)]
pub struct NewInvoice<'a> {
    pub account_id: i64,
    pub order_id: i64,
    pub amount: Money,
    pub title: &'a str,
    pub requested_by: i64,
    pub at: Instant,
}

/// Inserts the invoice; `None` when the order already has one (the unique key decides).
pub async fn insert(conn: &mut AnyConnection, new: &NewInvoice<'_>) -> Result<Option<InvoiceView>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO invoices (account_id, order_id, amount_fen, title, requested_by, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'issued', $6) ON CONFLICT (order_id) DO NOTHING RETURNING {COLUMNS}"
    )))
    .bind(new.account_id)
    .bind(new.order_id)
    .bind(new.amount.to_fen().map_err(|e| sqlx::Error::Encode(e.into()))?)
    .bind(new.title)
    .bind(new.requested_by)
    .bind(to_ms(new.at))
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(view).transpose()
}

/// The account's invoices, newest first.
pub async fn list(conn: &mut AnyConnection, account_id: i64) -> Result<Vec<InvoiceView>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM invoices WHERE account_id = $1 ORDER BY id DESC LIMIT 200"
    )))
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(view).collect()
}
