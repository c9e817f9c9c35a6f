//! Vouchers (VOU-1, VOU-2): what an account holds, and spending one exactly once.

use crate::db::Conn;
use crate::db::codec::instant;
use domain::identity::Voucher;
use domain::{Money, Product};

/// The account's vouchers, used ones included (the review step says why they do not apply).
pub async fn of_account(conn: &mut Conn, account_id: i64) -> Result<Vec<Voucher>, crate::db::Error> {
    let rows = crate::db::query(
        "SELECT id, face_fen, min_spend_fen, scope, expires_at, used_by_order FROM vouchers \
         WHERE account_id = $1 ORDER BY expires_at, id",
    )
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let scope = row
                .try_get::<Option<String>, _>("scope")?
                .map(|s| serde_json::from_str::<Vec<Product>>(&s))
                .transpose()
                .map_err(|e| crate::db::Error::Decode(format!("vouchers.scope: {e}").into()))?;
            Ok(Voucher {
                id: row.try_get("id")?,
                face_value: Money::from_fen(row.try_get("face_fen")?),
                min_spend: row.try_get::<Option<i64>, _>("min_spend_fen")?.map(Money::from_fen),
                scope,
                expires_at: instant("vouchers.expires_at", row.try_get("expires_at")?)?,
                used: row.try_get::<Option<i64>, _>("used_by_order")?.is_some(),
            })
        })
        .collect()
}

/// Spends the voucher on `order_id` (VOU-2): false, changing nothing, when
/// it is not the account's or another order holds it (two checkouts at once
/// spend it once).
pub async fn take(conn: &mut Conn, voucher_id: &str, order_id: i64, account_id: i64) -> Result<bool, crate::db::Error> {
    let taken = crate::db::query(
        "UPDATE vouchers SET used_by_order = $1 WHERE id = $2 AND account_id = $3 AND used_by_order IS NULL",
    )
    .bind(order_id)
    .bind(voucher_id)
    .bind(account_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(taken == 1)
}
