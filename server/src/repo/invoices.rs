//! SQL for the invoice centre (INV-1): the account's titles, invoices, the
//! orders each holds, and the documents the platform issued.

use crate::clock::to_ms;
use crate::db::codec::{self, Stored, instant, optional_instant};
use crate::db::{Conn, Row};
use api_types::{InvoiceView, TitleView};
use domain::invoice::{InvoiceAmounts, InvoiceStatus, Title};
use domain::{Instant, Money};
use std::collections::HashMap;

fn json<T: serde::de::DeserializeOwned>(row: &Row, table: &str, column: &str) -> Result<T, crate::db::Error> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|e| crate::db::Error::Decode(format!("{table}.{column}: {e}").into()))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, crate::db::Error> {
    serde_json::to_string(value).map_err(|e| crate::db::Error::Encode(e.into()))
}

fn fen(money: Money) -> Result<i64, crate::db::Error> {
    money.to_fen().map_err(|e| crate::db::Error::Encode(e.into()))
}

/// Keeps a title for the account.
pub async fn insert_title(
    conn: &mut Conn,
    account_id: i64,
    title: &Title,
    by: i64,
    at: Instant,
) -> Result<TitleView, crate::db::Error> {
    let id: i64 = crate::db::query_scalar(
        "INSERT INTO invoice_titles (account_id, title, created_by, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(account_id)
    .bind(to_json(title)?)
    .bind(by)
    .bind(to_ms(at))
    .fetch_one(&mut *conn)
    .await?;
    Ok(TitleView { id, title: title.clone() })
}

/// The account's titles, newest first.
pub async fn titles(conn: &mut Conn, account_id: i64) -> Result<Vec<TitleView>, crate::db::Error> {
    let rows =
        crate::db::query("SELECT id, title FROM invoice_titles WHERE account_id = $1 ORDER BY id DESC LIMIT 100")
            .bind(account_id)
            .fetch_all(&mut *conn)
            .await?;
    rows.iter()
        .map(|row| Ok(TitleView { id: row.try_get("id")?, title: json(row, "invoice_titles", "title")? }))
        .collect()
}

/// One title of the account.
pub async fn title(conn: &mut Conn, id: i64, account_id: i64) -> Result<Option<Title>, crate::db::Error> {
    let row = crate::db::query("SELECT title FROM invoice_titles WHERE id = $1 AND account_id = $2")
        .bind(id)
        .bind(account_id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(|row| json(row, "invoice_titles", "title")).transpose()
}

/// A new invoice request, for orders each with what was paid for it.
#[derive(Debug)]
pub struct NewInvoice<'a> {
    pub account_id: i64,
    pub title: &'a Title,
    pub amounts: &'a InvoiceAmounts,
    pub orders: &'a [(i64, Money)],
    pub requested_by: i64,
    pub at: Instant,
}

/// Whether `error` is the held-orders key refusing a second holder.
fn taken(error: &crate::db::Error) -> bool {
    error.is_unique_violation()
}

/// Records the request and holds its orders; `None` when one of them is
/// held already (the unique key on held orders decides, whatever raced).
pub async fn insert(conn: &mut Conn, new: &NewInvoice<'_>) -> Result<Option<i64>, crate::db::Error> {
    let id: i64 = crate::db::query_scalar(
        "INSERT INTO invoices (account_id, title, amounts, total_fen, status, requested_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(new.account_id)
    .bind(to_json(new.title)?)
    .bind(to_json(new.amounts)?)
    .bind(fen(new.amounts.total)?)
    .bind(InvoiceStatus::Requested.name())
    .bind(new.requested_by)
    .bind(to_ms(new.at))
    .fetch_one(&mut *conn)
    .await?;
    for (order_id, amount) in new.orders {
        let held = crate::db::query(
            "INSERT INTO invoice_orders (invoice_id, order_id, amount_fen, held) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(order_id)
        .bind(fen(*amount)?)
        .bind(i64::from(InvoiceStatus::Requested.holds_orders()))
        .execute(&mut *conn)
        .await;
        match held {
            Ok(_) => {}
            Err(e) if taken(&e) => return Ok(None),
            Err(e) => return Err(e),
        }
    }
    Ok(Some(id))
}

/// For each of the orders held by a standing invoice, that invoice.
pub async fn holders(conn: &mut Conn, order_ids: &[i64]) -> Result<HashMap<i64, i64>, crate::db::Error> {
    let mut found = HashMap::new();
    for order_id in order_ids {
        if let Some(invoice) = holder(conn, *order_id).await? {
            found.insert(*order_id, invoice);
        }
    }
    Ok(found)
}

/// The standing invoice that holds the order, if any.
pub async fn holder(conn: &mut Conn, order_id: i64) -> Result<Option<i64>, crate::db::Error> {
    crate::db::query_scalar("SELECT invoice_id FROM invoice_orders WHERE order_id = $1 AND held = 1")
        .bind(order_id)
        .fetch_optional(&mut *conn)
        .await
}

const COLUMNS: &str = "id, account_id, title, amounts, total_fen, status, failure, attempts, number, issued_at, \
    red_number, reversed_at, requested_by, created_at, \
    (SELECT COUNT(*) FROM invoice_documents d WHERE d.invoice_id = invoices.id) AS documents";

/// An invoice as stored, with its orders.
#[derive(Debug, Clone)]
pub struct InvoiceRow {
    pub view: InvoiceView,
    pub account_id: i64,
    pub attempts: i64,
}

impl InvoiceRow {
    /// The serial of its current attempt at the platform.
    pub fn serial(&self) -> String {
        format!("INV{}-{}", self.view.id, self.attempts)
    }

    /// The serial of the attempt about to be made (a retried request is a
    /// new one at the platform, which takes a serial once).
    pub fn next_serial(&self) -> String {
        format!("INV{}-{}", self.view.id, self.attempts + 1)
    }
}

async fn invoice_row(conn: &mut Conn, row: &Row) -> Result<InvoiceRow, crate::db::Error> {
    let id: i64 = row.try_get("id")?;
    let order_ids: Vec<i64> =
        crate::db::query_scalar("SELECT order_id FROM invoice_orders WHERE invoice_id = $1 ORDER BY order_id")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    let view = InvoiceView {
        id,
        status: codec::parse(&row.try_get::<String, _>("status")?)?,
        title: json(row, "invoices", "title")?,
        amounts: json(row, "invoices", "amounts")?,
        total: Money::from_fen(row.try_get("total_fen")?),
        order_ids,
        number: row.try_get("number")?,
        issued_at: optional_instant("invoices.issued_at", row.try_get("issued_at")?)?,
        failure: row.try_get("failure")?,
        red_number: row.try_get("red_number")?,
        reversed_at: optional_instant("invoices.reversed_at", row.try_get("reversed_at")?)?,
        has_document: row.try_get::<i64, _>("documents")? > 0,
        requested_by: row.try_get("requested_by")?,
        created_at: instant("invoices.created_at", row.try_get("created_at")?)?,
    };
    Ok(InvoiceRow { view, account_id: row.try_get("account_id")?, attempts: row.try_get("attempts")? })
}

async fn rows(conn: &mut Conn, rows: Vec<Row>) -> Result<Vec<InvoiceRow>, crate::db::Error> {
    let mut found = Vec::with_capacity(rows.len());
    for row in &rows {
        found.push(invoice_row(conn, row).await?);
    }
    Ok(found)
}

/// One invoice of the account.
pub async fn find(conn: &mut Conn, id: i64, account_id: i64) -> Result<Option<InvoiceRow>, crate::db::Error> {
    let row = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM invoices WHERE id = $1 AND account_id = $2"
    )))
    .bind(id)
    .bind(account_id)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(row) => Ok(Some(invoice_row(conn, &row).await?)),
        None => Ok(None),
    }
}

/// The account's invoices, newest first.
pub async fn list(conn: &mut Conn, account_id: i64) -> Result<Vec<InvoiceView>, crate::db::Error> {
    let found = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM invoices WHERE account_id = $1 ORDER BY id DESC LIMIT 200"
    )))
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows(conn, found).await?.into_iter().map(|r| r.view).collect())
}

/// The invoices the worker has to move on: requested, or at the platform.
pub async fn in_flight(conn: &mut Conn, limit: i64) -> Result<Vec<InvoiceRow>, crate::db::Error> {
    let found = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM invoices WHERE status IN ($1, $2) ORDER BY id LIMIT $3"
    )))
    .bind(InvoiceStatus::Requested.name())
    .bind(InvoiceStatus::Issuing.name())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows(conn, found).await
}

/// The issued document of one invoice of the account.
pub async fn document(conn: &mut Conn, id: i64, account_id: i64) -> Result<Option<Vec<u8>>, crate::db::Error> {
    crate::db::query_scalar(
        "SELECT d.pdf FROM invoice_documents d JOIN invoices i ON i.id = d.invoice_id \
         WHERE d.invoice_id = $1 AND i.account_id = $2",
    )
    .bind(id)
    .bind(account_id)
    .fetch_optional(&mut *conn)
    .await
}

/// Moves the invoice from `from` to `to` (as the domain decided), counting
/// an attempt when it goes to the platform; false when it was no longer in
/// `from` (another worker moved it first).
pub async fn advance(
    conn: &mut Conn,
    id: i64,
    from: InvoiceStatus,
    to: InvoiceStatus,
    at: Instant,
) -> Result<bool, crate::db::Error> {
    let attempt = i64::from(to == InvoiceStatus::Issuing);
    let done = crate::db::query(
        "UPDATE invoices SET status = $1, attempts = attempts + $2, failure = NULL, updated_at = $3 \
         WHERE id = $4 AND status = $5",
    )
    .bind(to.name())
    .bind(attempt)
    .bind(to_ms(at))
    .bind(id)
    .bind(from.name())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records the number and the document of an issued invoice (status `to`),
/// in the caller's transaction with the status; false when it was no
/// longer `from`.
pub async fn issued(
    conn: &mut Conn,
    id: i64,
    (from, to): (InvoiceStatus, InvoiceStatus),
    number: &str,
    issued_at: Instant,
    pdf: &[u8],
) -> Result<bool, crate::db::Error> {
    let done = crate::db::query(
        "UPDATE invoices SET status = $1, number = $2, issued_at = $3, updated_at = $3 WHERE id = $4 AND status = $5",
    )
    .bind(to.name())
    .bind(number)
    .bind(to_ms(issued_at))
    .bind(id)
    .bind(from.name())
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    crate::db::query("INSERT INTO invoice_documents (invoice_id, pdf) VALUES ($1, $2)")
        .bind(id)
        .bind(pdf.to_vec())
        .execute(&mut *conn)
        .await?;
    Ok(true)
}

/// Records why the platform refused (status `to`), the orders held or let
/// go as `to` says; false when it was no longer `from`.
pub async fn failed(
    conn: &mut Conn,
    id: i64,
    (from, to): (InvoiceStatus, InvoiceStatus),
    reason: &str,
    at: Instant,
) -> Result<bool, crate::db::Error> {
    let done = crate::db::query(
        "UPDATE invoices SET status = $1, failure = $2, updated_at = $3 WHERE id = $4 AND status = $5",
    )
    .bind(to.name())
    .bind(reason)
    .bind(to_ms(at))
    .bind(id)
    .bind(from.name())
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    hold(conn, id, to.holds_orders()).await
}

/// Holds the invoice's orders or lets go of them, as its state says
/// (`InvoiceStatus::holds_orders`); false when taking them back failed
/// because one went on another invoice meanwhile.
pub async fn hold(conn: &mut Conn, id: i64, held: bool) -> Result<bool, crate::db::Error> {
    let query =
        crate::db::query("UPDATE invoice_orders SET held = $1 WHERE invoice_id = $2").bind(i64::from(held)).bind(id);
    match query.execute(&mut *conn).await {
        Ok(_) => Ok(true),
        Err(e) if taken(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Records the red-letter invoice (status `to`), the orders held or let go
/// as `to` says (let go: they may be invoiced again). False when it was no
/// longer `from`.
pub async fn reversed(
    conn: &mut Conn,
    id: i64,
    (from, to): (InvoiceStatus, InvoiceStatus),
    red_number: &str,
    by: i64,
    at: Instant,
) -> Result<bool, crate::db::Error> {
    let done = crate::db::query(
        "UPDATE invoices SET status = $1, red_number = $2, reversed_at = $3, reversed_by = $4, updated_at = $3 \
         WHERE id = $5 AND status = $6",
    )
    .bind(to.name())
    .bind(red_number)
    .bind(to_ms(at))
    .bind(by)
    .bind(id)
    .bind(from.name())
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    hold(conn, id, to.holds_orders()).await
}

/// The name an enterprise's titles are made out to.
pub async fn enterprise_name(conn: &mut Conn, enterprise_id: i64) -> Result<String, crate::db::Error> {
    crate::db::query_scalar("SELECT name FROM enterprises WHERE id = $1")
        .bind(enterprise_id)
        .fetch_one(&mut *conn)
        .await
}

/// A person's own name, for their title.
pub async fn person_name(conn: &mut Conn, person_id: i64) -> Result<String, crate::db::Error> {
    crate::db::query_scalar("SELECT name FROM persons WHERE id = $1").bind(person_id).fetch_one(&mut *conn).await
}
