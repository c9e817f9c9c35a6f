//! SQL for contact requests and sales quotes (SAL-1, CH-4).

use crate::ApiError;
use crate::clock::to_ms;
use crate::db::codec::{instant, name_of, parse_name, unsigned};
use crate::db::{Conn, Tx};
use api_types::{LeadNote, LeadView, QuoteView};
use domain::identity::SalesQuote;
use domain::sales::{Lead, LeadKind, LeadStatus};
use domain::{ErrorCode, Selection};
use domain::{Instant, Money};

/// Whether the person is a sales manager.
pub async fn is_sales_manager(conn: &mut Conn, person_id: i64) -> Result<bool, crate::db::Error> {
    let flag: Option<i64> = crate::db::query_scalar("SELECT sales_manager FROM persons WHERE id = $1")
        .bind(person_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(flag == Some(1))
}

/// Stores a contact request from `account_id`, left by `person_id`.
pub async fn insert_lead(
    conn: &mut Conn,
    account_id: i64,
    person_id: i64,
    lead: &Lead,
    at: Instant,
) -> Result<i64, crate::db::Error> {
    crate::db::query_scalar(
        "INSERT INTO sales_leads (account_id, person_id, kind, contact_name, phone, company, message, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(account_id)
    .bind(person_id)
    .bind(lead.kind.as_str())
    .bind(&lead.contact_name)
    .bind(lead.phone.as_str())
    .bind(&lead.company)
    .bind(&lead.message)
    .bind(to_ms(at))
    .fetch_one(&mut *conn)
    .await
}

fn issued_view(
    quote: &SalesQuote,
    lead_id: i64,
    account_id: i64,
    issued_at: Instant,
    used_by_order: Option<i64>,
) -> QuoteView {
    QuoteView {
        id: quote.id.clone(),
        years: quote.years,
        price: quote.price,
        contracts: quote.contracts,
        expires_at: quote.expires_at,
        lead_id,
        account_id,
        issued_at,
        used_by_order,
    }
}

/// The quote as the rules see it.
fn as_sales_quote(view: QuoteView) -> SalesQuote {
    SalesQuote {
        id: view.id,
        years: view.years,
        price: view.price,
        contracts: view.contracts,
        expires_at: view.expires_at,
    }
}

const LEAD_COLUMNS: &str = "l.id, l.kind, l.account_id, COALESCE(e.name, p.name, '') AS account_name, \
    l.contact_name, l.phone, l.company, l.message, l.created_at, l.status FROM sales_leads l \
    LEFT JOIN enterprises e ON e.account_id = l.account_id LEFT JOIN persons p ON p.account_id = l.account_id";

fn lead_view(row: &crate::db::Row) -> Result<LeadView, crate::db::Error> {
    Ok(LeadView {
        id: row.try_get("id")?,
        kind: parse_name("sales_leads.kind", &row.try_get::<String, _>("kind")?)?,
        account_id: row.try_get("account_id")?,
        account_name: row.try_get("account_name")?,
        contact_name: row.try_get("contact_name")?,
        phone: row.try_get("phone")?,
        company: row.try_get("company")?,
        message: row.try_get("message")?,
        created_at: instant("sales_leads.created_at", row.try_get("created_at")?)?,
        status: parse_name("sales_leads.status", &row.try_get::<String, _>("status")?)?,
        quotes: Vec::new(),
        notes: Vec::new(),
    })
}

const QUOTE_COLUMNS: &str =
    "id, years, price_fen, contracts, expires_at, lead_id, account_id, issued_at, used_by_order";

fn quote_view(row: &crate::db::Row) -> Result<QuoteView, crate::db::Error> {
    Ok(QuoteView {
        id: row.try_get("id")?,
        years: unsigned("sales_quotes.years", row.try_get("years")?)?,
        price: Money::from_fen(row.try_get("price_fen")?),
        contracts: unsigned("sales_quotes.contracts", row.try_get("contracts")?)?,
        expires_at: instant("sales_quotes.expires_at", row.try_get("expires_at")?)?,
        lead_id: row.try_get("lead_id")?,
        account_id: row.try_get("account_id")?,
        issued_at: instant("sales_quotes.issued_at", row.try_get("issued_at")?)?,
        used_by_order: row.try_get("used_by_order")?,
    })
}

/// One contact request, without its quotes.
pub async fn lead(conn: &mut Conn, id: i64) -> Result<Option<LeadView>, crate::db::Error> {
    let row = crate::db::query(crate::db::AssertSqlSafe(format!("SELECT {LEAD_COLUMNS} WHERE l.id = $1")))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(lead_view).transpose()
}

/// What the inbox shows: every lead, or those of one status or kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct LeadFilter {
    pub status: Option<LeadStatus>,
    pub kind: Option<LeadKind>,
}

/// The newest contact requests the filter lets through, with their quotes and notes.
pub async fn leads(conn: &mut Conn, filter: LeadFilter, limit: i64) -> Result<Vec<LeadView>, crate::db::Error> {
    let rows = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT {LEAD_COLUMNS} WHERE ($1 = '' OR l.status = $1) AND ($2 = '' OR l.kind = $2) \
         ORDER BY l.created_at DESC, l.id DESC LIMIT $3"
    )))
    .bind(filter.status.map(|s| name_of(&s)).unwrap_or_default())
    .bind(filter.kind.map(|k| k.as_str()).unwrap_or_default())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let mut leads: Vec<LeadView> = rows.iter().map(lead_view).collect::<Result<_, _>>()?;
    let oldest = leads.iter().map(|l| l.id).min().unwrap_or(0);
    let quotes = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT {QUOTE_COLUMNS} FROM sales_quotes WHERE lead_id >= $1 ORDER BY issued_at, id"
    )))
    .bind(oldest)
    .fetch_all(&mut *conn)
    .await?;
    for row in &quotes {
        let quote = quote_view(row)?;
        if let Some(lead) = leads.iter_mut().find(|l| l.id == quote.lead_id) {
            lead.quotes.push(quote);
        }
    }
    let newest = leads.iter().map(|l| l.id).max().unwrap_or(0);
    for (lead_id, note) in notes_between(conn, oldest, newest).await? {
        if let Some(lead) = leads.iter_mut().find(|l| l.id == lead_id) {
            lead.notes.push(note);
        }
    }
    Ok(leads)
}

/// One lead with its quotes and notes.
pub async fn lead_with_work(conn: &mut Conn, id: i64) -> Result<Option<LeadView>, crate::db::Error> {
    let Some(mut lead) = lead(conn, id).await? else { return Ok(None) };
    let quotes = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT {QUOTE_COLUMNS} FROM sales_quotes WHERE lead_id = $1 ORDER BY issued_at, id"
    )))
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    lead.quotes = quotes.iter().map(quote_view).collect::<Result<_, _>>()?;
    lead.notes = notes_between(conn, id, id).await?.into_iter().map(|(_, n)| n).collect();
    Ok(Some(lead))
}

/// The person who left the lead (the quote's preview judges for them).
pub async fn asker(conn: &mut Conn, lead_id: i64) -> Result<Option<i64>, crate::db::Error> {
    crate::db::query_scalar("SELECT person_id FROM sales_leads WHERE id = $1")
        .bind(lead_id)
        .fetch_optional(&mut *conn)
        .await
}

/// The notes of the leads numbered `first` to `last`, oldest first.
async fn notes_between(conn: &mut Conn, first: i64, last: i64) -> Result<Vec<(i64, LeadNote)>, crate::db::Error> {
    let rows = crate::db::query(
        "SELECT n.lead_id, p.name AS author, n.body, n.created_at FROM sales_lead_notes n \
         JOIN persons p ON p.id = n.author_id WHERE n.lead_id BETWEEN $1 AND $2 ORDER BY n.id",
    )
    .bind(first)
    .bind(last)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let note = LeadNote {
                author: row.try_get("author")?,
                body: row.try_get("body")?,
                created_at: instant("sales_lead_notes.created_at", row.try_get("created_at")?)?,
            };
            Ok((row.try_get("lead_id")?, note))
        })
        .collect()
}

/// Keeps a note on a lead.
pub async fn insert_note(
    conn: &mut Conn,
    lead_id: i64,
    author_id: i64,
    body: &str,
    at: Instant,
) -> Result<(), crate::db::Error> {
    crate::db::query("INSERT INTO sales_lead_notes (lead_id, author_id, body, created_at) VALUES ($1, $2, $3, $4)")
        .bind(lead_id)
        .bind(author_id)
        .bind(body)
        .bind(to_ms(at))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Records where the work on a lead stands.
pub async fn set_status(conn: &mut Conn, lead_id: i64, status: LeadStatus) -> Result<(), crate::db::Error> {
    crate::db::query("UPDATE sales_leads SET status = $1 WHERE id = $2")
        .bind(name_of(&status))
        .bind(lead_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Stores a quote issued for the lead's account.
pub async fn insert_quote(
    conn: &mut Conn,
    quote: &SalesQuote,
    lead_id: i64,
    account_id: i64,
    issued_by: i64,
    at: Instant,
) -> Result<QuoteView, crate::db::Error> {
    crate::db::query(
        "INSERT INTO sales_quotes (id, lead_id, account_id, years, price_fen, contracts, expires_at, issued_by, issued_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&quote.id)
    .bind(lead_id)
    .bind(account_id)
    .bind(i64::from(quote.years))
    .bind(quote.price.to_fen().map_err(|e| crate::db::Error::Encode(e.into()))?)
    .bind(i64::try_from(quote.contracts).map_err(|e| crate::db::Error::Encode(e.into()))?)
    .bind(to_ms(quote.expires_at))
    .bind(issued_by)
    .bind(to_ms(at))
    .execute(&mut *conn)
    .await?;
    Ok(issued_view(quote, lead_id, account_id, at, None))
}

/// A quote is free when no order uses it, or the order that did was closed.
fn free() -> String {
    format!(
        "(used_by_order IS NULL OR used_by_order IN (SELECT id FROM orders WHERE status = '{}'))",
        crate::db::codec::Stored::name(domain::order::OrderStatus::Closed)
    )
}

/// The sales quote `order_id` holds, if it holds one: paying the order
/// prices it again with it.
pub async fn held_by_order(conn: &mut Conn, order_id: i64) -> Result<Option<SalesQuote>, crate::db::Error> {
    let row = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT {QUOTE_COLUMNS} FROM sales_quotes WHERE used_by_order = $1"
    )))
    .bind(order_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(|row| quote_view(row).map(as_sales_quote)).transpose()
}

/// The account's sales quotes that no open or paid order uses (the domain
/// refuses the expired ones: `quote_required`).
pub async fn open_quotes(conn: &mut Conn, account_id: i64) -> Result<Vec<SalesQuote>, crate::db::Error> {
    let rows = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT {QUOTE_COLUMNS} FROM sales_quotes WHERE account_id = $1 AND {} ORDER BY issued_at, id",
        free()
    )))
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|row| quote_view(row).map(as_sales_quote)).collect()
}

/// Every sales quote issued to the account, newest first; `used_by_order`
/// only names an order that still holds it (a closed order gave it back).
pub async fn account_quotes(conn: &mut Conn, account_id: i64) -> Result<Vec<QuoteView>, crate::db::Error> {
    let rows = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT {QUOTE_COLUMNS} FROM sales_quotes WHERE account_id = $1 ORDER BY issued_at DESC, id DESC"
    )))
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut quotes: Vec<QuoteView> = rows.iter().map(quote_view).collect::<Result<_, _>>()?;
    let closed: Vec<i64> = crate::db::query_scalar(crate::db::AssertSqlSafe(format!(
        "SELECT used_by_order FROM sales_quotes WHERE account_id = $1 AND used_by_order IS NOT NULL AND {}",
        free()
    )))
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    for quote in &mut quotes {
        if quote.used_by_order.is_some_and(|order| closed.contains(&order)) {
            quote.used_by_order = None;
        }
    }
    Ok(quotes)
}

/// Marks the quote used by `order_id`; false when it is not the account's or already used.
pub async fn consume(
    conn: &mut Conn,
    quote_id: &str,
    order_id: i64,
    account_id: i64,
) -> Result<bool, crate::db::Error> {
    let changed = crate::db::query(crate::db::AssertSqlSafe(format!(
        "UPDATE sales_quotes SET used_by_order = $1 WHERE id = $2 AND account_id = $3 AND {}",
        free()
    )))
    .bind(order_id)
    .bind(quote_id)
    .bind(account_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// SAL-1: the order placed with a sales quote uses it up, once, inside the
/// order's transaction; `quote_required` when another order took it first.
pub async fn consume_for_order(
    tx: &mut Tx,
    selection: &Selection,
    order_id: i64,
    account_id: i64,
) -> Result<(), ApiError> {
    let Some(quote_id) = selection.edition.as_ref().and_then(|e| e.sales_quote.as_deref()) else {
        return Ok(());
    };
    if consume(tx, quote_id, order_id, account_id).await? {
        Ok(())
    } else {
        Err(ApiError::code(ErrorCode::QuoteRequired))
    }
}
