//! SQL for binding personal orders (BND-2, BND-5) and the details a person
//! gives before a first purchase in the mini-program (BND-3).

use crate::clock::to_ms;
use crate::db::Conn;
use crate::db::codec::{self, Stored};
use domain::Instant;
use domain::ledger::GrantId;
use domain::order::OrderEvent;

/// The account of an enterprise, if there is one with this id.
pub async fn enterprise_account(conn: &mut Conn, enterprise_id: i64) -> Result<Option<i64>, crate::db::Error> {
    crate::db::query_scalar("SELECT account_id FROM enterprises WHERE id = $1")
        .bind(enterprise_id)
        .fetch_optional(&mut *conn)
        .await
}

/// The grants an order delivered to an account, in the order granted.
pub async fn order_grants(conn: &mut Conn, account_id: i64, order_id: i64) -> Result<Vec<GrantId>, crate::db::Error> {
    crate::db::query_scalar(
        "SELECT grant_no FROM quota_grants WHERE account_id = $1 AND order_id = $2 ORDER BY grant_no",
    )
    .bind(account_id)
    .bind(order_id)
    .fetch_all(&mut *conn)
    .await
}

/// Moves a delivered order to bound and records where it went. False,
/// changing nothing, when the order was not delivered (or is bound already).
pub async fn mark_bound(
    conn: &mut Conn,
    order_id: i64,
    person_id: i64,
    enterprise_id: i64,
    enterprise_account_id: i64,
    at: Instant,
) -> Result<bool, crate::db::Error> {
    let event = OrderEvent::Bind;
    let sql = format!("UPDATE orders SET status = $1 WHERE id = $2 AND {}", codec::from_states(event, 3));
    let query = crate::db::query(crate::db::AssertSqlSafe(sql)).bind(event.to().name()).bind(order_id);
    let changed = codec::bind_from(query, event).execute(&mut *conn).await?.rows_affected();
    if changed != 1 {
        return Ok(false);
    }
    crate::db::query(
        "INSERT INTO order_bindings (order_id, person_id, enterprise_id, enterprise_account_id, bound_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(order_id)
    .bind(person_id)
    .bind(enterprise_id)
    .bind(enterprise_account_id)
    .bind(to_ms(at))
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

/// Keeps the enterprise name a person gave, with the phone they verified (BND-3).
pub async fn save_person_details(
    conn: &mut Conn,
    person_id: i64,
    enterprise_name: &str,
    phone: &str,
    at: Instant,
) -> Result<(), crate::db::Error> {
    crate::db::query(
        "INSERT INTO person_details (person_id, enterprise_name, phone, given_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (person_id) DO UPDATE SET enterprise_name = excluded.enterprise_name, \
         phone = excluded.phone, given_at = excluded.given_at",
    )
    .bind(person_id)
    .bind(enterprise_name)
    .bind(phone)
    .bind(to_ms(at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The enterprise a bound order went to (its name), and when.
pub async fn bound_to(conn: &mut Conn, order_id: i64) -> Result<Option<(Instant, String)>, crate::db::Error> {
    let row = crate::db::query(
        "SELECT b.bound_at, e.name FROM order_bindings b JOIN enterprises e ON e.id = b.enterprise_id \
         WHERE b.order_id = $1",
    )
    .bind(order_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|row| Ok((codec::instant("order_bindings.bound_at", row.try_get("bound_at")?)?, row.try_get("name")?)))
        .transpose()
}
