//! SQL for contracts. A status change names the status it expects, so a
//! transition happens once whatever runs twice.

use crate::clock::{from_ms, to_ms};
use crate::db::Lock;
use crate::db::codec::{name_of, parse_name};
use domain::Instant;
use domain::ledger::{ContractStatus, GrantId};
use sqlx::{AnyConnection, Row};

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

fn contract_row(row: &sqlx::any::AnyRow) -> Result<ContractRow, sqlx::Error> {
    Ok(ContractRow {
        id: row.try_get(0)?,
        account_id: row.try_get(1)?,
        initiated_by: row.try_get(2)?,
        title: row.try_get(3)?,
        status: parse_name(&row.try_get::<String, _>(4)?)?,
        grant: row.try_get(5)?,
        created_at: from_ms(row.try_get(6)?),
        signed_at: row.try_get::<Option<i64>, _>(7)?.map(from_ms),
        withdrawn_at: row.try_get::<Option<i64>, _>(8)?.map(from_ms),
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
pub async fn insert(conn: &mut AnyConnection, new: &NewContract<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
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
    conn: &mut AnyConnection,
    id: i64,
    account_id: i64,
    lock: Lock,
) -> Result<Option<ContractRow>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
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
    conn: &mut AnyConnection,
    account_id: i64,
    initiated_by: i64,
    key: &str,
) -> Result<Option<ContractRow>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
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
pub async fn list(conn: &mut AnyConnection, account_id: i64) -> Result<Vec<ContractRow>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
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
    conn: &mut AnyConnection,
    id: i64,
    from: ContractStatus,
    to: ContractStatus,
    at: Instant,
) -> Result<bool, sqlx::Error> {
    let column = match to {
        ContractStatus::Signed => "signed_at",
        ContractStatus::Withdrawn => "withdrawn_at",
        ContractStatus::Initiated => "created_at",
    };
    let changed = sqlx::query(sqlx::AssertSqlSafe(format!(
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
