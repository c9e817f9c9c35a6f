//! SQL for billing: the account lock every quota move takes, and the expiry
//! sweeper's bookkeeping.

use crate::clock::to_ms;
use crate::db::Conn;
use crate::db::Lock;
use crate::db::codec::{MoveEntry, Stored};
use domain::Instant;
use domain::ledger::GrantId;

/// Locks the account row for the rest of the write transaction, so that the
/// ledger read next is the one the appended entries follow (QUO-5). `lock`
/// is `db.for_update()`; on SQLite the one writer connection already
/// serialises writers. False when there is no such account.
pub async fn lock_account(conn: &mut Conn, account_id: i64, lock: Lock) -> Result<bool, crate::db::Error> {
    let found: Option<i64> =
        crate::db::query_scalar(crate::db::AssertSqlSafe(format!("SELECT id FROM accounts WHERE id = $1{lock}")))
            .bind(account_id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(found.is_some())
}

/// Accounts holding a grant that has expired at `now` (its latest move, else
/// its own expiry) and has not been swept since.
pub async fn accounts_to_sweep(conn: &mut Conn, now: Instant, limit: i64) -> Result<Vec<i64>, crate::db::Error> {
    crate::db::query_scalar(
        "SELECT DISTINCT g.account_id FROM quota_grants g WHERE g.swept_at IS NULL AND \
         COALESCE((SELECT m.expires_at FROM quota_moves m WHERE m.account_id = g.account_id \
           AND m.grant_no = g.grant_no AND m.entry = $3 ORDER BY m.id DESC LIMIT 1), g.expires_at) <= $1 \
         ORDER BY g.account_id LIMIT $2",
    )
    .bind(to_ms(now))
    .bind(limit)
    .bind(MoveEntry::Move.name())
    .fetch_all(&mut *conn)
    .await
}

/// Records that these expired grants have been swept: nothing can be drawn
/// from them again, and what is given back to them is cleared at once.
pub async fn mark_swept(
    conn: &mut Conn,
    account_id: i64,
    grants: &[GrantId],
    at: Instant,
) -> Result<(), crate::db::Error> {
    for grant in grants {
        crate::db::query(
            "UPDATE quota_grants SET swept_at = $1 WHERE account_id = $2 AND grant_no = $3 AND swept_at IS NULL",
        )
        .bind(to_ms(at))
        .bind(account_id)
        .bind(*grant)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
