//! Quota moves inside a write transaction: lock the account, read its
//! ledger, let the domain decide, append what it decided. Each caller audits
//! the move with what it was for.

use crate::ApiError;
use crate::clock::to_ms;
use crate::db::Db;
use crate::db::codec::{self, MoveEntry, Stored, instant, name_of, parse_name, unsigned};
use crate::db::{Conn, Tx};
use crate::repo::sweeps::lock_account;
use domain::ledger::history::{MoveCause, OrderRef, Recorded};
use domain::ledger::{GrantId, GrantSource, LedgerEntry, draw, give_back};
use domain::order::order_number;
use domain::{Instant, QuotaKind};

/// The ledger of an account, read under its lock.
pub async fn locked_ledger(tx: &mut Tx, db: &Db, account_id: i64) -> Result<Vec<LedgerEntry>, ApiError> {
    if !lock_account(tx, account_id, db.for_update()).await? {
        return Err(ApiError::internal(format!("account {account_id} vanished")));
    }
    Ok(ledger(tx, account_id).await?)
}

/// QUO-2, QUO-5: draws one `kind` from the live grant that expires first and
/// returns that grant with the ledger as it now is, or `quota_exhausted`.
pub async fn draw_one(
    tx: &mut Tx,
    db: &Db,
    account_id: i64,
    (kind, cause): (QuotaKind, MoveCause),
    now: Instant,
) -> Result<(GrantId, Vec<LedgerEntry>), ApiError> {
    let mut entries = locked_ledger(tx, db, account_id).await?;
    let drawn = draw(&entries, kind, 1, now)?;
    let [LedgerEntry::Draw { grant, .. }] = drawn.as_slice() else {
        return Err(ApiError::internal(format!("one draw expected, got {drawn:?}")));
    };
    let grant = *grant;
    append_ledger(tx, account_id, None, &drawn, (cause, now)).await?;
    entries.extend(drawn);
    Ok((grant, entries))
}

/// QUO-2: gives one back to `grant`, given the ledger read under the lock;
/// cleared with the grant when it has expired. Returns whether it was cleared.
pub async fn give_one_back(
    tx: &mut Tx,
    account_id: i64,
    entries: &[LedgerEntry],
    grant: GrantId,
    now: Instant,
) -> Result<bool, ApiError> {
    let back = give_back(entries, grant, 1, now);
    append_ledger(tx, account_id, None, &back, (MoveCause::Withdrawal, now)).await?;
    Ok(back.iter().any(|e| matches!(e, LedgerEntry::Clear { .. })))
}

/// Appends a quota event to the audit log.
pub async fn audit(
    conn: &mut crate::db::Conn,
    now: Instant,
    actor: &str,
    account_id: i64,
    event: &str,
    detail: &serde_json::Value,
) -> Result<(), ApiError> {
    Ok(super::audit::append(conn, now, actor, Some(account_id), None, event, detail).await?)
}

/// The account's quota ledger, in the order it was written.
pub async fn ledger(conn: &mut Conn, account_id: i64) -> Result<Vec<LedgerEntry>, crate::db::Error> {
    let grants = crate::db::query(
        "SELECT grant_no, kind, amount, expires_at, source FROM quota_grants WHERE account_id = $1 ORDER BY grant_no",
    )
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut entries = Vec::with_capacity(grants.len());
    for row in &grants {
        entries.push(grant_entry(row)?);
    }
    let moves = crate::db::query(
        "SELECT grant_no, entry, amount, expires_at FROM quota_moves WHERE account_id = $1 ORDER BY id",
    )
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    for row in &moves {
        entries.push(moved(row)?);
    }
    Ok(entries)
}

/// The account's ledger as it was written, each entry with its time and
/// cause, in the order of writing (for the quota history).
pub async fn records(conn: &mut Conn, account_id: i64) -> Result<Vec<Recorded>, crate::db::Error> {
    // The order's placing time makes its number (订单号), which billing shows.
    let grants = crate::db::query(
        "SELECT g.grant_no, g.kind, g.amount, g.expires_at, g.source, g.order_id, g.cause, g.granted_at, \
         g.after_move, o.created_at AS order_placed_at \
         FROM quota_grants g LEFT JOIN orders o ON o.id = g.order_id \
         WHERE g.account_id = $1 ORDER BY g.after_move, g.grant_no",
    )
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    let moves = crate::db::query(
        "SELECT id, grant_no, entry, amount, expires_at, at, cause FROM quota_moves WHERE account_id = $1 ORDER BY id",
    )
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(grants.len() + moves.len());
    let placed = grants.iter().map(|g| Ok((g.try_get::<i64, _>("after_move")?, granted(g)?)));
    let mut grants = placed.collect::<Result<Vec<_>, crate::db::Error>>()?.into_iter().peekable();
    for row in &moves {
        let id: i64 = row.try_get("id")?;
        while let Some((_, grant)) = grants.next_if(|(after, _)| *after < id) {
            out.push(grant);
        }
        let at = instant("quota_moves.at", row.try_get("at")?)?;
        let cause = parse_name::<MoveCause>("quota_moves.cause", &row.try_get::<String, _>("cause")?)?;
        out.push(Recorded { at, cause, order: None, entry: moved(row)? });
    }
    out.extend(grants.map(|(_, grant)| grant));
    Ok(out)
}

/// A row of `quota_grants` as a recorded grant.
fn granted(row: &crate::db::Row) -> Result<Recorded, crate::db::Error> {
    Ok(Recorded {
        at: instant("quota_grants.granted_at", row.try_get("granted_at")?)?,
        cause: parse_name::<MoveCause>("quota_grants.cause", &row.try_get::<String, _>("cause")?)?,
        order: order_ref(row)?,
        entry: grant_entry(row)?,
    })
}

/// The order that wrote a grant, from its `order_id` and the order's `created_at`.
fn order_ref(row: &crate::db::Row) -> Result<Option<OrderRef>, crate::db::Error> {
    let Some(id) = row.try_get::<Option<i64>, _>("order_id")? else { return Ok(None) };
    let placed_at = row
        .try_get::<Option<i64>, _>("order_placed_at")?
        .ok_or_else(|| crate::db::Error::Decode(format!("quota_grants.order_id {id} names no order").into()))?;
    Ok(Some(OrderRef { id, number: order_number(id, instant("orders.created_at", placed_at)?) }))
}

/// A row of `quota_grants` as its ledger entry.
fn grant_entry(row: &crate::db::Row) -> Result<LedgerEntry, crate::db::Error> {
    Ok(LedgerEntry::Grant {
        grant: row.try_get("grant_no")?,
        kind: parse_name::<QuotaKind>("quota_grants.kind", &row.try_get::<String, _>("kind")?)?,
        amount: unsigned("quota_grants.amount", row.try_get("amount")?)?,
        expires_at: instant("quota_grants.expires_at", row.try_get("expires_at")?)?,
        source: parse_name::<GrantSource>("quota_grants.source", &row.try_get::<String, _>("source")?)?,
    })
}

/// A row of `quota_moves` as its ledger entry.
fn moved(row: &crate::db::Row) -> Result<LedgerEntry, crate::db::Error> {
    let grant: i64 = row.try_get("grant_no")?;
    let amount = || unsigned("quota_moves.amount", row.try_get("amount")?);
    Ok(match codec::parse::<MoveEntry>(&row.try_get::<String, _>("entry")?)? {
        MoveEntry::Draw => LedgerEntry::Draw { grant, amount: amount()? },
        MoveEntry::Return => LedgerEntry::Return { grant, amount: amount()? },
        MoveEntry::Clear => LedgerEntry::Clear { grant, amount: amount()? },
        MoveEntry::Move => {
            let expires_at = row.try_get::<Option<i64>, _>("expires_at")?.ok_or_else(|| {
                crate::db::Error::Decode(format!("a move of grant {grant} without quota_moves.expires_at").into())
            })?;
            LedgerEntry::Move { grant, expires_at: instant("quota_moves.expires_at", expires_at)? }
        }
    })
}

/// An amount as `column` stores it, or an encode error naming the column
/// and the amount when it does not fit (never clamped).
fn stored_amount(column: &str, amount: u64) -> Result<i64, crate::db::Error> {
    i64::try_from(amount)
        .map_err(|_| crate::db::Error::Encode(format!("amount {amount} out of range for {column}").into()))
}

/// Appends ledger entries written at `at` for `cause` (grants get the
/// numbers the plan gave them, and their place after the moves so far).
pub async fn append_ledger(
    conn: &mut Conn,
    account_id: i64,
    order_id: Option<i64>,
    entries: &[LedgerEntry],
    (cause, at): (MoveCause, Instant),
) -> Result<(), crate::db::Error> {
    let cause = name_of(&cause);
    // Grants next to each other go in one statement: no move comes between
    // them, so each sees the same last move.
    for run in entries.chunk_by(|a, b| is_grant(a) == is_grant(b)) {
        if is_grant(&run[0]) {
            insert_grants(conn, account_id, order_id, run, &cause, at).await?;
            continue;
        }
        for entry in run {
            let (grant, kind, amount, expires_at) = match entry {
                LedgerEntry::Grant { .. } => continue,
                LedgerEntry::Draw { grant, amount } => (grant, MoveEntry::Draw, *amount, None),
                LedgerEntry::Return { grant, amount } => (grant, MoveEntry::Return, *amount, None),
                LedgerEntry::Clear { grant, amount } => (grant, MoveEntry::Clear, *amount, None),
                LedgerEntry::Move { grant, expires_at } => (grant, MoveEntry::Move, 0, Some(to_ms(*expires_at))),
            };
            crate::db::query(
                "INSERT INTO quota_moves (account_id, grant_no, entry, amount, expires_at, at, cause) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(account_id)
            .bind(*grant)
            .bind(kind.name())
            .bind(stored_amount("quota_moves.amount", amount)?)
            .bind(expires_at)
            .bind(to_ms(at))
            .bind(&cause)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

fn is_grant(entry: &LedgerEntry) -> bool {
    matches!(entry, LedgerEntry::Grant { .. })
}

/// The grants of `run` (grants only), in one multi-row insert.
async fn insert_grants(
    conn: &mut Conn,
    account_id: i64,
    order_id: Option<i64>,
    run: &[LedgerEntry],
    cause: &str,
    at: Instant,
) -> Result<(), crate::db::Error> {
    let rows = (0..run.len())
        .map(|i| {
            let p = 5 + 5 * i;
            format!(
                "($1, ${}, ${}, ${}, ${}, ${}, $2, $3, $4, (SELECT COALESCE(MAX(id), 0) FROM quota_moves WHERE account_id = $1))",
                p,
                p + 1,
                p + 2,
                p + 3,
                p + 4
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mut insert = crate::db::query(crate::db::AssertSqlSafe(format!(
        "INSERT INTO quota_grants \
         (account_id, grant_no, kind, amount, expires_at, source, order_id, cause, granted_at, after_move) VALUES {rows}"
    )))
    .bind(account_id)
    .bind(order_id)
    .bind(cause)
    .bind(to_ms(at));
    for entry in run {
        let LedgerEntry::Grant { grant, kind, amount, expires_at, source } = entry else { continue };
        insert = insert
            .bind(*grant)
            .bind(name_of(kind))
            .bind(stored_amount("quota_grants.amount", *amount)?)
            .bind(to_ms(*expires_at))
            .bind(name_of(source));
    }
    insert.execute(&mut *conn).await?;
    Ok(())
}
