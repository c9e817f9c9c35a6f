//! The load's buyers: one verified enterprise a client, each with an active
//! Advanced edition, a balance that does not run out and a super admin who
//! buys for it, written straight into the database the server has migrated.
//! Each client buys for its own enterprise, so no buyer waits on another's
//! account and no rule refuses the loop.

use server::clock::to_ms;

/// Every load buyer's password.
pub const PASSWORD: &str = "load-test";

/// Creates `n` enterprises with their super admins and returns the admins' logins.
pub async fn create(database_url: &str, n: usize) -> Result<Vec<String>, String> {
    let db = server::db::Db::connect(database_url, 2).await.map_err(|e| e.to_string())?;
    let hash = server::password::hash_password(PASSWORD).map_err(|e| e.to_string())?;
    let roles = server::db::codec::format_roles(&[domain::Role::SuperAdmin]);
    let now = chrono::Utc::now();
    let year = to_ms(now + chrono::TimeDelta::days(365));
    let mut logins = Vec::with_capacity(n);
    let mut tx = db.begin().await.map_err(|e| e.to_string())?;
    for i in 0..n {
        let enterprise_account: i64 = server::db::query_scalar(
            "INSERT INTO accounts (kind, balance_fen, edition, edition_starts_at, edition_expires_at) \
             VALUES ('enterprise', $1, 'advanced', $2, $3) RETURNING id",
        )
        .bind(1_000_000_000_000_i64)
        .bind(to_ms(now))
        .bind(year)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| e.to_string())?;
        let enterprise: i64 = server::db::query_scalar(
            "INSERT INTO enterprises (account_id, name, verified, security_phone) VALUES ($1, $2, 1, $3) RETURNING id",
        )
        .bind(enterprise_account)
        .bind(format!("压测企业{i}有限公司"))
        .bind(format!("1760000{i:04}"))
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| e.to_string())?;
        let person_account: i64 =
            server::db::query_scalar("INSERT INTO accounts (kind, balance_fen) VALUES ('person', 0) RETURNING id")
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| e.to_string())?;
        let login = format!("load-{i}");
        let person: i64 = server::db::query_scalar(
            "INSERT INTO persons (account_id, login, name, phone, password_hash) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(person_account)
        .bind(&login)
        .bind(format!("压测管理员{i}"))
        .bind(format!("1770000{i:04}"))
        .bind(&hash)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| e.to_string())?;
        server::db::query("INSERT INTO memberships (person_id, enterprise_id, roles) VALUES ($1, $2, $3)")
            .bind(person)
            .bind(enterprise)
            .bind(&roles)
            .execute(&mut *tx)
            .await
            .map_err(|e| e.to_string())?;
        logins.push(login);
    }
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(logins)
}
