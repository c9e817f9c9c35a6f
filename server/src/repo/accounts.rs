//! Accounts: what an enterprise or a person holds (edition, add-ons, quota,
//! balance, vouchers), loaded into the domain's `Buyer` and written back.

use crate::clock::to_ms;
use crate::db::Conn;
use crate::db::Lock;
use crate::db::codec::{Stored, instant, name_of, optional_instant, parse_name, parse_roles};
use crate::repo::orders::OrderRow;
use crate::repo::sessions::Caller;
use domain::identity::{AccountState, Buyer, EditionTerm, Identity, SalesQuote, Voucher};
use domain::quote::BuyerReads;
use domain::{Edition, Instant, Money};

/// An account's row: what the rules read and the grant numbers it has used.
#[derive(Debug)]
pub struct AccountRow {
    pub state: AccountState,
    pub balance: Money,
    pub grants_issued: i64,
}

pub(super) const ACCOUNT_COLUMNS: &str = "a.edition, a.edition_starts_at, a.edition_expires_at, a.edition_trial, \
    a.integration_until, a.trial_used, a.balance_fen, a.grants_issued";

/// The account's row, in one read. `lock` as for [`load_buyer`].
pub async fn account_row(conn: &mut Conn, account_id: i64, lock: Lock) -> Result<AccountRow, crate::db::Error> {
    let row = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.id = $1{lock}"
    )))
    .bind(account_id)
    .fetch_one(&mut *conn)
    .await?;
    account_of(&row)
}

/// The account's row and its basis (the delivered state plus every paid
/// order still to be delivered, `domain::basis`), and its enterprise with
/// `person_id`'s roles in it when it is an enterprise's, in one read: the
/// account joined to its orders awaiting delivery, in the order they will
/// be delivered (on PostgreSQL after the account's row is locked, in a
/// statement of its own). Under that lock the basis cannot move until the
/// transaction ends.
async fn account_with_basis(
    conn: &mut Conn,
    account_id: i64,
    person_id: i64,
    lock: Lock,
) -> Result<(AccountRow, AccountState, Option<crate::db::Row>), crate::db::Error> {
    // PostgreSQL reads the rows a statement joins as they were when the
    // statement began, even after it waited for the row it locks: the lock
    // is taken alone first, so that the basis is read once it is held.
    if lock.waits() {
        crate::db::query(crate::db::AssertSqlSafe(format!("SELECT id FROM accounts WHERE id = $1{lock}")))
            .bind(account_id)
            .fetch_optional(&mut *conn)
            .await?;
    }
    let rows = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT {ACCOUNT_COLUMNS}, o.quote, o.paid_at, \
         e.id AS enterprise_id, e.verified, e.linked_cloud_account, m.roles FROM accounts a \
         LEFT JOIN enterprises e ON e.account_id = a.id \
         LEFT JOIN memberships m ON m.enterprise_id = e.id AND m.person_id = $4 \
         LEFT JOIN (orders o JOIN delivery_jobs j ON j.order_id = o.id) \
         ON o.account_id = a.id AND o.status IN ($2, $3) \
         WHERE a.id = $1 ORDER BY j.seq, o.id"
    )))
    .bind(account_id)
    .bind(domain::order::OrderStatus::Paid.name())
    .bind(domain::order::OrderStatus::Delivering.name())
    .bind(person_id)
    .fetch_all(&mut *conn)
    .await?;
    let first = rows.first().ok_or(crate::db::Error::RowNotFound)?;
    let account = account_of(first)?;
    let enterprise = first.try_get::<Option<i64>, _>("enterprise_id")?.map(|_| first.clone());
    let pending = rows
        .iter()
        .filter_map(|row| crate::repo::orders::awaiting_of(row).transpose())
        .collect::<Result<Vec<_>, _>>()?;
    if pending.is_empty() {
        let delivered = account.state.clone();
        return Ok((account, delivered, enterprise));
    }
    let pending: Vec<(&domain::Quote, Instant)> = pending.iter().map(|(q, at)| (q, *at)).collect();
    let basis = domain::basis::basis(&account.state, &pending);
    Ok((account, basis, enterprise))
}

pub(super) fn account_of(row: &crate::db::Row) -> Result<AccountRow, crate::db::Error> {
    let edition = match row.try_get::<Option<String>, _>("edition")? {
        None => None,
        Some(name) => Some(EditionTerm {
            edition: parse_name::<Edition>("accounts.edition", &name)?,
            starts_at: instant("accounts.edition_starts_at", row.try_get("edition_starts_at")?)?,
            expires_at: instant("accounts.edition_expires_at", row.try_get("edition_expires_at")?)?,
            trial: row.try_get::<i64, _>("edition_trial")? == 1,
        }),
    };
    Ok(AccountRow {
        state: AccountState {
            edition,
            integration_until: optional_instant("accounts.integration_until", row.try_get("integration_until")?)?,
            trial_used: row.try_get::<i64, _>("trial_used")? == 1,
        },
        balance: Money::from_fen(row.try_get("balance_fen")?),
        grants_issued: row.try_get("grants_issued")?,
    })
}

/// The account's edition, add-on terms and trial flag.
pub async fn account_state(conn: &mut Conn, account_id: i64, lock: Lock) -> Result<AccountState, crate::db::Error> {
    Ok(account_row(conn, account_id, lock).await?.state)
}

/// Writes the account's edition, integration and trial flag.
pub async fn save_state(conn: &mut Conn, account_id: i64, state: &AccountState) -> Result<(), crate::db::Error> {
    let edition = state.edition.as_ref();
    crate::db::query(
        "UPDATE accounts SET edition = $1, edition_starts_at = $2, edition_expires_at = $3, edition_trial = $4, \
         integration_until = $5, trial_used = $6 WHERE id = $7",
    )
    .bind(edition.map(|t| name_of(&t.edition)))
    .bind(edition.map(|t| to_ms(t.starts_at)))
    .bind(edition.map(|t| to_ms(t.expires_at)))
    .bind(i64::from(edition.is_some_and(|t| t.trial)))
    .bind(state.integration_until.map(to_ms))
    .bind(i64::from(state.trial_used))
    .bind(account_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Writes what a delivery changed of the account: its edition, integration
/// and trial flag, and the grant numbers it used, in one statement.
pub async fn save_delivered(
    conn: &mut Conn,
    account_id: i64,
    state: &AccountState,
    grants_issued: i64,
) -> Result<(), crate::db::Error> {
    let edition = state.edition.as_ref();
    crate::db::query(
        "UPDATE accounts SET edition = $1, edition_starts_at = $2, edition_expires_at = $3, edition_trial = $4, \
         integration_until = $5, trial_used = $6, grants_issued = $7 WHERE id = $8",
    )
    .bind(edition.map(|t| name_of(&t.edition)))
    .bind(edition.map(|t| to_ms(t.starts_at)))
    .bind(edition.map(|t| to_ms(t.expires_at)))
    .bind(i64::from(edition.is_some_and(|t| t.trial)))
    .bind(state.integration_until.map(to_ms))
    .bind(i64::from(state.trial_used))
    .bind(grants_issued)
    .bind(account_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// True when the account has never paid an order (BND-3's "first purchase").
pub async fn first_purchase(conn: &mut Conn, account_id: i64) -> Result<bool, crate::db::Error> {
    // Stops at the first paid order: an account's orders only grow.
    let paid: i64 = crate::db::query_scalar(
        "SELECT COUNT(*) FROM (SELECT 1 FROM orders WHERE account_id = $1 AND paid_at IS NOT NULL LIMIT 1) AS paid",
    )
    .bind(account_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(paid == 0)
}

/// Everything the rules need about the caller's acting account, its basis
/// as the account. `lock` is `db.for_update()` inside a write transaction,
/// or `Lock::None` for a read.
/// Of the vouchers and sales quotes, only what `reads` asks for is read.
pub async fn load_buyer(
    conn: &mut Conn,
    caller: &Caller,
    lock: Lock,
    reads: BuyerReads,
) -> Result<Buyer, crate::db::Error> {
    let account_id = caller.account_id();
    let (row, basis, _) = account_with_basis(conn, account_id, caller.person_id, lock).await?;
    // BND-3's first purchase is a person's; an enterprise's identity has none.
    let first = match caller.acting {
        super::sessions::Acting::Person => first_purchase(conn, account_id).await?,
        super::sessions::Acting::Enterprise { .. } => false,
    };
    Ok(Buyer {
        identity: caller.identity(first),
        account: basis,
        balance: row.balance,
        vouchers: vouchers(conn, account_id, reads).await?,
        sales_quotes: open_quotes(conn, account_id, reads).await?,
        cloud_account: caller.cloud_account.clone(),
    })
}

/// The buyer an order was placed for, as its payment is judged: the placer
/// acting for the order's account, on its basis now, holding the voucher and
/// the sales quote the order holds (they are the order's, not spent
/// elsewhere). `lock` as for [`load_buyer`]; the order's row is locked first.
/// Only what pricing the order's selection reads is read (`BuyerReads`).
pub async fn order_buyer(conn: &mut Conn, order: &OrderRow, lock: Lock) -> Result<Buyer, crate::db::Error> {
    let reads = BuyerReads::of(&order.selection);
    let mut buyer = person_for_account(conn, order.account_id, order.placed_by, order.channel, lock, reads).await?;
    for voucher in buyer.vouchers.iter_mut().filter(|v| order.voucher_id.as_deref() == Some(v.id.as_str())) {
        voucher.used = false;
    }
    if reads.sales_quotes {
        buyer.sales_quotes.extend(crate::repo::sales::held_by_order(conn, order.id).await?);
    }
    Ok(buyer)
}

async fn vouchers(conn: &mut Conn, account_id: i64, reads: BuyerReads) -> Result<Vec<Voucher>, crate::db::Error> {
    if !reads.vouchers {
        return Ok(Vec::new());
    }
    super::vouchers::of_account(conn, account_id).await
}

async fn open_quotes(conn: &mut Conn, account_id: i64, reads: BuyerReads) -> Result<Vec<SalesQuote>, crate::db::Error> {
    if !reads.sales_quotes {
        return Ok(Vec::new());
    }
    crate::repo::sales::open_quotes(conn, account_id).await
}

/// The buyer `person_id` is acting for `account_id` on `channel`, on its
/// basis now (a lead's asker, whose quote a sales manager previews; an
/// order's placer). `lock` as for [`load_buyer`].
pub async fn person_for_account(
    conn: &mut Conn,
    account_id: i64,
    person_id: i64,
    channel: domain::Channel,
    lock: Lock,
    reads: BuyerReads,
) -> Result<Buyer, crate::db::Error> {
    let (row, basis, enterprise) = account_with_basis(conn, account_id, person_id, lock).await?;
    let (identity, cloud_account) = match enterprise {
        None => (Identity::Person { person_id, first_purchase: false }, None),
        Some(e) => {
            let linked: Option<String> = e.try_get("linked_cloud_account")?;
            let roles = parse_roles(&e.try_get::<Option<String>, _>("roles")?.unwrap_or_default())?;
            let identity = Identity::Enterprise {
                person_id,
                enterprise_id: e.try_get("enterprise_id")?,
                verified: e.try_get::<i64, _>("verified")? == 1,
                roles,
                linked_cloud_account: linked.clone(),
            };
            // The cloud console's account was checked when the order was placed (CH-3).
            (identity, linked.filter(|_| channel == domain::Channel::CloudConsole))
        }
    };
    let vouchers = vouchers(conn, account_id, reads).await?;
    let sales_quotes = open_quotes(conn, account_id, reads).await?;
    Ok(Buyer { identity, account: basis, balance: row.balance, vouchers, sales_quotes, cloud_account })
}

/// Debits the balance by `amount_fen` if it covers it (PAY-1); false, changing nothing, when it does not.
pub async fn debit(conn: &mut Conn, account_id: i64, amount_fen: i64) -> Result<bool, crate::db::Error> {
    let debited =
        crate::db::query("UPDATE accounts SET balance_fen = balance_fen - $1 WHERE id = $2 AND balance_fen >= $1")
            .bind(amount_fen)
            .bind(account_id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    Ok(debited == 1)
}

/// Credits the balance with `amount_fen` (money returned to it).
pub async fn credit(conn: &mut Conn, account_id: i64, amount_fen: i64) -> Result<(), crate::db::Error> {
    crate::db::query("UPDATE accounts SET balance_fen = balance_fen + $1 WHERE id = $2")
        .bind(amount_fen)
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Hands out the next grant numbers of an account (called under its lock).
pub async fn reserve_grant_numbers(conn: &mut Conn, account_id: i64) -> Result<i64, crate::db::Error> {
    crate::db::query_scalar("SELECT grants_issued FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_one(&mut *conn)
        .await
}

/// Records how many grant numbers the account has used.
pub async fn save_grant_numbers(conn: &mut Conn, account_id: i64, issued: i64) -> Result<(), crate::db::Error> {
    crate::db::query("UPDATE accounts SET grants_issued = $1 WHERE id = $2")
        .bind(issued)
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// An account an operator's lookup found: (account, `enterprise` or `person`, name).
pub async fn search(conn: &mut Conn, text: &str, limit: i64) -> Result<Vec<(i64, String, String)>, crate::db::Error> {
    let exact: i64 = text.parse().unwrap_or(0);
    let like = format!("%{}%", text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    let rows = crate::db::query(
        "SELECT account_id, 'enterprise' AS kind, name FROM enterprises WHERE account_id = $1 OR name LIKE $2 ESCAPE '\\' \
         UNION ALL SELECT account_id, 'person' AS kind, name || ' (' || login || ')' AS name FROM persons \
         WHERE account_id = $1 OR login LIKE $2 ESCAPE '\\' OR name LIKE $2 ESCAPE '\\' OR phone = $3 \
         ORDER BY account_id LIMIT $4",
    )
    .bind(exact)
    .bind(like)
    .bind(text)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|row| Ok((row.try_get("account_id")?, row.try_get("kind")?, row.try_get("name")?))).collect()
}
