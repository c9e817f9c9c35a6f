//! Quota moves inside a write transaction: lock the account, read its
//! ledger, let the domain decide, append what it decided. Each caller audits
//! the move with what it was for.

use super::store::lock_account;
use crate::accounts::{append_ledger, ledger};
use crate::db::Db;
use crate::{ApiError, orders};
use domain::ledger::{GrantId, LedgerEntry, draw, give_back};
use domain::{Instant, QuotaKind};
use sqlx::{Any, Transaction};

/// The ledger of an account, read under its lock.
pub async fn locked_ledger(
    tx: &mut Transaction<'static, Any>,
    db: &Db,
    account_id: i64,
) -> Result<Vec<LedgerEntry>, ApiError> {
    if !lock_account(tx, account_id, db.for_update()).await? {
        return Err(ApiError::Internal(format!("account {account_id} vanished")));
    }
    Ok(ledger(tx, account_id).await?)
}

/// QUO-2, QUO-5: draws one `kind` from the live grant that expires first and
/// returns that grant with the ledger as it now is, or `quota_exhausted`.
pub async fn draw_one(
    tx: &mut Transaction<'static, Any>,
    db: &Db,
    account_id: i64,
    kind: QuotaKind,
    now: Instant,
) -> Result<(GrantId, Vec<LedgerEntry>), ApiError> {
    let mut entries = locked_ledger(tx, db, account_id).await?;
    let drawn = draw(&entries, kind, 1, now)?;
    let [LedgerEntry::Draw { grant, .. }] = drawn.as_slice() else {
        return Err(ApiError::Internal(format!("one draw expected, got {drawn:?}")));
    };
    let grant = *grant;
    append_ledger(tx, account_id, None, &drawn, now).await?;
    entries.extend(drawn);
    Ok((grant, entries))
}

/// QUO-2: gives one back to `grant`, given the ledger read under the lock;
/// cleared with the grant when it has expired. Returns whether it was cleared.
pub async fn give_one_back(
    tx: &mut Transaction<'static, Any>,
    account_id: i64,
    entries: &[LedgerEntry],
    grant: GrantId,
    now: Instant,
) -> Result<bool, ApiError> {
    let back = give_back(entries, grant, 1, now);
    append_ledger(tx, account_id, None, &back, now).await?;
    Ok(back.iter().any(|e| matches!(e, LedgerEntry::Clear { .. })))
}

/// Appends a quota event to the audit log.
pub async fn audit(
    conn: &mut sqlx::AnyConnection,
    now: Instant,
    actor: &str,
    account_id: i64,
    event: &str,
    detail: &serde_json::Value,
) -> Result<(), ApiError> {
    Ok(orders::store::audit(conn, now, actor, Some(account_id), None, event, detail).await?)
}
