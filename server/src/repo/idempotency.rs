//! Idempotency keys of order placement (ORD-2): the key is inserted first
//! (on conflict do nothing); the winner places the order in the same
//! transaction and records it; a retry finds the order its key placed.

use crate::db::Conn;

/// What a key claimed before holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    /// The hash of the request that claimed it (another body is `idempotency_key_reused`).
    pub request_hash: String,
    pub order_id: Option<i64>,
}

/// Claims `key` for `person_id`; false when it was claimed before.
pub async fn claim(conn: &mut Conn, person_id: i64, key: &str, request_hash: &str) -> Result<bool, crate::db::Error> {
    let claimed = crate::db::query(
        "INSERT INTO idempotency_keys (person_id, idempotency_key, request_hash) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
    )
    .bind(person_id)
    .bind(key)
    .bind(request_hash)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(claimed == 1)
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

/// Records the order the key placed.
pub async fn record_order(conn: &mut Conn, person_id: i64, key: &str, order_id: i64) -> Result<(), crate::db::Error> {
    crate::db::query("UPDATE idempotency_keys SET order_id = $1 WHERE person_id = $2 AND idempotency_key = $3")
        .bind(order_id)
        .bind(person_id)
        .bind(key)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
