//! Idempotency keys of order placement (ORD-2): the key is inserted first
//! (on conflict do nothing) with the id its order will take; the winner
//! places the order under that id in the same transaction; a retry finds
//! the order its key placed.

use crate::db::{Backend, Conn};

/// What a key claimed before holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    /// The hash of the request that claimed it (another body is `idempotency_key_reused`).
    pub request_hash: String,
    pub order_id: Option<i64>,
}

/// Claims `key` for `person_id` and the next order's id, which it answers;
/// `None` when it was claimed before.
pub async fn claim(
    conn: &mut Conn,
    backend: Backend,
    person_id: i64,
    key: &str,
    request_hash: &str,
) -> Result<Option<i64>, crate::db::Error> {
    crate::db::query_scalar(crate::db::AssertSqlSafe(format!(
        "INSERT INTO idempotency_keys (person_id, idempotency_key, request_hash, order_id) \
         VALUES ($1, $2, $3, {}) ON CONFLICT DO NOTHING RETURNING order_id",
        backend.next_order_id()
    )))
    .bind(person_id)
    .bind(key)
    .bind(request_hash)
    .fetch_optional(&mut *conn)
    .await
}

/// What an earlier claim of `key` holds.
pub async fn claimed(conn: &mut Conn, person_id: i64, key: &str) -> Result<Claimed, crate::db::Error> {
    let (request_hash, order_id): (String, Option<i64>) = crate::db::query_as(
        "SELECT request_hash, order_id FROM idempotency_keys WHERE person_id = $1 AND idempotency_key = $2",
    )
    .bind(person_id)
    .bind(key)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Claimed { request_hash, order_id })
}
