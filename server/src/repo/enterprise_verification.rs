//! SQL for enterprise verification (VER-2): the requests and their
//! decisions, and what an approval changes in the enterprise and its
//! memberships.

use crate::clock::to_ms;
use crate::db::Lock;
use crate::db::codec::{Stored, format_roles, instant, optional_instant, parse, parse_roles};
use crate::db::{Conn, Row};
use api_types::VerificationView;
use domain::Instant;
use domain::enterprise_verification::{RequestEvent, RequestStatus, VerificationForm};
use domain::identity::Role;

const COLUMNS: &str = "r.id, r.enterprise_id, r.requested_by, p.name AS requester_name, r.name, r.credit_code, \
                       r.legal_representative, r.status, r.decided_by, r.decided_at, r.reason, r.created_at \
                       FROM verification_requests r JOIN persons p ON p.id = r.requested_by";

fn view(row: &Row) -> Result<VerificationView, crate::db::Error> {
    Ok(VerificationView {
        id: row.try_get("id")?,
        enterprise_id: row.try_get("enterprise_id")?,
        name: row.try_get("name")?,
        credit_code: row.try_get("credit_code")?,
        legal_representative: row.try_get("legal_representative")?,
        status: parse::<RequestStatus>(&row.try_get::<String, _>("status")?)?,
        requested_by: row.try_get("requested_by")?,
        requester_name: row.try_get("requester_name")?,
        reason: row.try_get("reason")?,
        decided_by: row.try_get("decided_by")?,
        created_at: instant("verification_requests.created_at", row.try_get("created_at")?)?,
        decided_at: optional_instant("verification_requests.decided_at", row.try_get("decided_at")?)?,
    })
}

/// An enterprise's name and whether it is verified, its row locked with `lock`.
pub async fn enterprise(
    conn: &mut Conn,
    enterprise_id: i64,
    lock: Lock,
) -> Result<Option<(String, bool)>, crate::db::Error> {
    let row = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT name, verified FROM enterprises WHERE id = $1{lock}"
    )))
    .bind(enterprise_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|row| Ok((row.try_get("name")?, row.try_get::<i64, _>("verified")? == 1))).transpose()
}

/// The enterprise's newest request.
pub async fn latest(conn: &mut Conn, enterprise_id: i64) -> Result<Option<VerificationView>, crate::db::Error> {
    let row = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT {COLUMNS} WHERE r.enterprise_id = $1 ORDER BY r.id DESC LIMIT 1"
    )))
    .bind(enterprise_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(view).transpose()
}

/// One request, its row locked with `lock`.
pub async fn find(conn: &mut Conn, id: i64, lock: Lock) -> Result<Option<VerificationView>, crate::db::Error> {
    // Locked on its own: a lock on the joined read would hold the requester's row too.
    crate::db::query(crate::db::AssertSqlSafe(format!("SELECT id FROM verification_requests WHERE id = $1{lock}")))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let row = crate::db::query(crate::db::AssertSqlSafe(format!("SELECT {COLUMNS} WHERE r.id = $1")))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(view).transpose()
}

/// The requests waiting for a decision, oldest first, then the decided ones, newest first.
pub async fn for_review(conn: &mut Conn, limit: i64) -> Result<Vec<VerificationView>, crate::db::Error> {
    let rows = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT {COLUMNS} ORDER BY CASE WHEN r.status = $1 THEN 0 ELSE 1 END, \
         CASE WHEN r.status = $1 THEN r.id ELSE -r.id END LIMIT $2"
    )))
    .bind(RequestStatus::Submitted.name())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(view).collect()
}

/// Records a new request, submitted; its id.
pub async fn insert(
    conn: &mut Conn,
    enterprise_id: i64,
    person_id: i64,
    form: &VerificationForm,
    now: Instant,
) -> Result<i64, crate::db::Error> {
    crate::db::query_scalar(
        "INSERT INTO verification_requests \
         (enterprise_id, requested_by, name, credit_code, legal_representative, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(enterprise_id)
    .bind(person_id)
    .bind(&form.name)
    .bind(form.credit_code.as_str())
    .bind(&form.legal_representative)
    .bind(RequestStatus::Submitted.name())
    .bind(to_ms(now))
    .fetch_one(&mut *conn)
    .await
}

/// Forgets a request the reviewer never took.
pub async fn delete(conn: &mut Conn, id: i64) -> Result<(), crate::db::Error> {
    crate::db::query("DELETE FROM verification_requests WHERE id = $1").bind(id).execute(&mut *conn).await?;
    Ok(())
}

/// Records `event` on the request, guarded by the states it may leave;
/// false when the request was no longer in one of them.
pub async fn decide(
    conn: &mut Conn,
    id: i64,
    event: RequestEvent,
    by: &str,
    at: Instant,
    reason: Option<&str>,
) -> Result<bool, crate::db::Error> {
    let from: Vec<String> = (0..event.from().len()).map(|i| format!("${}", 6 + i)).collect();
    let mut query = crate::db::query(crate::db::AssertSqlSafe(format!(
        "UPDATE verification_requests SET status = $1, decided_by = $2, decided_at = $3, reason = $4 \
         WHERE id = $5 AND status IN ({})",
        from.join(", ")
    )))
    .bind(event.to().name())
    .bind(by)
    .bind(to_ms(at))
    .bind(reason)
    .bind(id);
    for state in event.from() {
        query = query.bind(state.name());
    }
    Ok(query.execute(&mut *conn).await?.rows_affected() == 1)
}

/// VER-2 on approval: the enterprise is verified under the name it was verified with.
pub async fn mark_verified(conn: &mut Conn, enterprise_id: i64, name: &str) -> Result<(), crate::db::Error> {
    crate::db::query("UPDATE enterprises SET verified = 1, name = $1 WHERE id = $2")
        .bind(name)
        .bind(enterprise_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Adds `role` to the person's roles in the enterprise, keeping the roles
/// they had; the roles they have now.
pub async fn grant_role(
    conn: &mut Conn,
    person_id: i64,
    enterprise_id: i64,
    role: Role,
    lock: Lock,
) -> Result<Vec<Role>, crate::db::Error> {
    let held: Option<String> = crate::db::query_scalar(crate::db::AssertSqlSafe(format!(
        "SELECT roles FROM memberships WHERE person_id = $1 AND enterprise_id = $2{lock}"
    )))
    .bind(person_id)
    .bind(enterprise_id)
    .fetch_optional(&mut *conn)
    .await?;
    let mut roles = parse_roles(held.as_deref().unwrap_or_default())?;
    if !roles.contains(&role) {
        roles.push(role);
    }
    crate::db::query(
        "INSERT INTO memberships (person_id, enterprise_id, roles) VALUES ($1, $2, $3) \
         ON CONFLICT (person_id, enterprise_id) DO UPDATE SET roles = excluded.roles",
    )
    .bind(person_id)
    .bind(enterprise_id)
    .bind(format_roles(&roles))
    .execute(&mut *conn)
    .await?;
    Ok(roles)
}

/// The enterprise's account, for the audit log.
pub async fn account_of(conn: &mut Conn, enterprise_id: i64) -> Result<i64, crate::db::Error> {
    crate::db::query_scalar("SELECT account_id FROM enterprises WHERE id = $1")
        .bind(enterprise_id)
        .fetch_one(&mut *conn)
        .await
}
