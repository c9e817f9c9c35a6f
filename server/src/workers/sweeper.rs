//! The expiry sweeper (QUO-4): what is left of an expired grant is cleared,
//! in the append-only ledger and the audit log. It runs about every second,
//! with the server's clock (the tests move it).
//!
//! Several processes on one PostgreSQL database may sweep at once: each
//! account is swept under its row lock, from the ledger read under it, so a
//! second sweeper finds nothing left to clear.

use crate::repo::ledger::append_ledger;
use crate::repo::ledger::{audit, locked_ledger};
use crate::repo::sweeps as store;
use crate::{ApiError, AppState};
use domain::Instant;
use domain::ledger::history::MoveCause;
use domain::ledger::{GrantId, grants, sweep};
use std::time::Duration;

/// How often the sweeper looks for expired grants.
pub const INTERVAL: Duration = Duration::from_secs(1);

/// Accounts swept per batch.
const BATCH: i64 = 100;

/// At most this many batches in one round; the next round goes on.
const MAX_BATCHES: usize = 50;

/// Sweeps every account with an expired grant not yet swept. Returns how
/// many accounts had something cleared.
pub async fn run_once(state: &AppState) -> Result<usize, ApiError> {
    let now = state.clock.now();
    let mut cleared = 0;
    for _ in 0..MAX_BATCHES {
        let accounts = {
            let mut conn = state.db.read.acquire().await?;
            store::accounts_to_sweep(&mut conn, now, BATCH).await?
        };
        for &account_id in &accounts {
            if sweep_account(state, account_id, now).await? {
                cleared += 1;
            }
        }
        if i64::try_from(accounts.len()).unwrap_or(i64::MAX) < BATCH {
            break;
        }
    }
    Ok(cleared)
}

/// Clears what is left of the account's expired grants and marks them swept.
async fn sweep_account(state: &AppState, account_id: i64, now: Instant) -> Result<bool, ApiError> {
    let mut tx = state.db.begin().await?;
    let entries = locked_ledger(&mut tx, &state.db, account_id).await?;
    let clears = sweep(&entries, now);
    append_ledger(&mut tx, account_id, None, &clears, (MoveCause::Expiry, now)).await?;
    if !clears.is_empty() {
        let detail = serde_json::json!({ "entries": clears });
        audit(&mut tx, now, "sweeper", account_id, "quota.cleared", &detail).await?;
    }
    let expired: Vec<GrantId> = grants(&entries).iter().filter(|g| !g.is_live(now)).map(|g| g.grant).collect();
    store::mark_swept(&mut tx, account_id, &expired, now).await?;
    tx.commit().await?;
    if !clears.is_empty() {
        tracing::info!(account.id = account_id, grants = clears.len(), "expired quota cleared");
    }
    Ok(!clears.is_empty())
}

/// The background task: one round about every [`INTERVAL`].
pub async fn run(state: AppState) {
    let mut ticks = tokio::time::interval(INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(e) = run_once(&state).await {
            tracing::error!(error = ?e, "quota sweep failed; will retry");
        }
    }
}
