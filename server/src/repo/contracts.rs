//! SQL for contracts. A status change names the status it expects, so a
//! transition happens once whatever runs twice.

use crate::clock::to_ms;
use crate::db::Conn;
use crate::db::Lock;
use crate::db::codec::{instant, name_of, optional_instant, parse_name};
use domain::Instant;
use domain::ledger::{ContractStatus, GrantId};

/// A contract as stored.
#[derive(Debug, Clone)]
pub struct ContractRow {
    pub id: i64,
    pub account_id: i64,
    pub initiated_by: i64,
    pub title: String,
    pub status: ContractStatus,
    /// The grant it drew its contract from (QUO-2).
    pub grant: GrantId,
    pub created_at: Instant,
    pub signed_at: Option<Instant>,
    pub withdrawn_at: Option<Instant>,
}

const COLUMNS: &str = "id, account_id, initiated_by, title, status, grant_no, created_at, signed_at, withdrawn_at";

fn contract_row(row: &crate::db::Row) -> Result<ContractRow, crate::db::Error> {
    Ok(ContractRow {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        initiated_by: row.try_get("initiated_by")?,
        title: row.try_get("title")?,
        status: parse_name("contracts.status", &row.try_get::<String, _>("status")?)?,
        grant: row.try_get("grant_no")?,
        created_at: instant("contracts.created_at", row.try_get("created_at")?)?,
        signed_at: optional_instant("contracts.signed_at", row.try_get("signed_at")?)?,
        withdrawn_at: optional_instant("contracts.withdrawn_at", row.try_get("withdrawn_at")?)?,
    })
}

/// A new contract, initiated.
#[derive(Debug)]
pub struct NewContract<'a> {
    pub account_id: i64,
    pub initiated_by: i64,
    pub title: &'a str,
    pub grant: GrantId,
    pub idempotency_key: Option<&'a str>,
    pub created_at: Instant,
}

/// Inserts an initiated contract and returns its id.
pub async fn insert(conn: &mut Conn, new: &NewContract<'_>) -> Result<i64, crate::db::Error> {
    crate::db::query_scalar(
        "INSERT INTO contracts (account_id, initiated_by, title, status, grant_no, idempotency_key, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(new.account_id)
    .bind(new.initiated_by)
    .bind(new.title)
    .bind(name_of(&ContractStatus::Initiated))
    .bind(new.grant)
    .bind(new.idempotency_key)
    .bind(to_ms(new.created_at))
    .fetch_one(&mut *conn)
    .await
}

/// One contract of `account_id`, optionally locked for update.
pub async fn find(
    conn: &mut Conn,
    id: i64,
    account_id: i64,
    lock: Lock,
) -> Result<Option<ContractRow>, crate::db::Error> {
    let row = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM contracts WHERE id = $1 AND account_id = $2{lock}"
    )))
    .bind(id)
    .bind(account_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(contract_row).transpose()
}

/// The contract a person initiated with an idempotency key, if any.
pub async fn find_by_key(
    conn: &mut Conn,
    account_id: i64,
    initiated_by: i64,
    key: &str,
) -> Result<Option<ContractRow>, crate::db::Error> {
    let row = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM contracts WHERE account_id = $1 AND initiated_by = $2 AND idempotency_key = $3"
    )))
    .bind(account_id)
    .bind(initiated_by)
    .bind(key)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(contract_row).transpose()
}

/// The account's contracts, newest first.
pub async fn list(conn: &mut Conn, account_id: i64) -> Result<Vec<ContractRow>, crate::db::Error> {
    let rows = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM contracts WHERE account_id = $1 ORDER BY id DESC LIMIT 200"
    )))
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(contract_row).collect()
}

/// Moves a contract from `from` to `to` at `at`; false, changing nothing,
/// when it was no longer in `from`.
pub async fn transition(
    conn: &mut Conn,
    id: i64,
    from: ContractStatus,
    to: ContractStatus,
    at: Instant,
) -> Result<bool, crate::db::Error> {
    let column = match to {
        ContractStatus::Signed => "signed_at",
        ContractStatus::Withdrawn => "withdrawn_at",
        ContractStatus::Initiated => "created_at",
    };
    let changed = crate::db::query(crate::db::AssertSqlSafe(format!(
        "UPDATE contracts SET status = $1, {column} = $2 WHERE id = $3 AND status = $4"
    )))
    .bind(name_of(&to))
    .bind(to_ms(at))
    .bind(id)
    .bind(name_of(&from))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(changed == 1)
}
