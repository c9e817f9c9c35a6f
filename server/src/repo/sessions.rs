//! Sign-in, sessions and the acting identity (ID-4). A session is an
//! HttpOnly, SameSite cookie holding a random token; the database keeps only
//! its SHA-256, so a leaked table signs nobody in.

use crate::clock::to_ms;
use crate::db::Conn;
use crate::db::Db;
use crate::db::codec::{instant, optional_instant, parse_roles};
use crate::repo::session_cache::Cached;
use domain::Instant;
use domain::identity::Membership;
use sha2::{Digest, Sha256};

/// How long a session lasts.
pub const SESSION_DAYS: i64 = 7;

pub use super::caller::{Acting, Caller};

/// SHA-256 of a session token, as stored.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The enterprises a person has joined (ID-3).
pub async fn memberships(db: &Db, person_id: i64) -> Result<Vec<Membership>, crate::db::Error> {
    let rows = crate::db::query(
        "SELECT e.id, e.name, e.verified, m.roles FROM memberships m JOIN enterprises e ON e.id = m.enterprise_id \
         WHERE m.person_id = $1 ORDER BY e.id",
    )
    .bind(person_id)
    .fetch_all(&db.read)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Membership {
                enterprise_id: row.try_get("id")?,
                enterprise_name: row.try_get("name")?,
                verified: row.try_get::<i64, _>("verified")? == 1,
                roles: parse_roles(&row.try_get::<String, _>("roles")?)?,
            })
        })
        .collect()
}

/// How stale a session's `last_seen_at` may get before a request writes it
/// again: touching at most once a minute keeps reads reads.
const TOUCH_EVERY_MS: i64 = 60_000;

/// The caller a live session token stands for: not past its expiry, and
/// used within `idle` (a session untouched that long has ended). A live
/// session read in the last moments is answered from memory
/// (`session_cache`); otherwise it is read, touched when due, and kept.
pub async fn caller_for_token(
    db: &Db,
    token: &str,
    now: Instant,
    idle: chrono::TimeDelta,
) -> Result<Option<Caller>, crate::db::Error> {
    let hash = token_hash(token);
    if let Some(caller) = db.sessions.get(&hash, now, idle) {
        return Ok(Some(caller));
    }
    let generation = db.sessions.generation();
    let row = crate::db::query(
        "SELECT s.person_id, p.account_id AS person_account_id, s.acting_enterprise_id, s.last_seen_at, \
             s.expires_at, s.cloud_account, e.account_id AS enterprise_account_id, e.verified, m.roles, \
             e.linked_cloud_account \
             FROM sessions s JOIN persons p ON p.id = s.person_id \
             LEFT JOIN enterprises e ON e.id = s.acting_enterprise_id \
             LEFT JOIN memberships m ON m.person_id = s.person_id AND m.enterprise_id = s.acting_enterprise_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND (s.last_seen_at IS NULL OR s.last_seen_at > $3)",
    )
    .bind(&hash)
    .bind(to_ms(now))
    .bind(to_ms(now - idle))
    .fetch_optional(&db.read)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let mut seen = optional_instant("sessions.last_seen_at", row.try_get("last_seen_at")?)?;
    if seen.is_none_or(|at| now - at >= chrono::TimeDelta::milliseconds(TOUCH_EVERY_MS)) {
        crate::db::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(to_ms(now))
            .bind(&hash)
            .execute(&db.write)
            .await?;
        seen = Some(now);
    }
    let acting = match row.try_get::<Option<i64>, _>("acting_enterprise_id")? {
        None => Acting::Person,
        Some(enterprise_id) => Acting::Enterprise {
            enterprise_id,
            account_id: row.try_get("enterprise_account_id")?,
            verified: row.try_get::<i64, _>("verified")? == 1,
            roles: parse_roles(&row.try_get::<Option<String>, _>("roles")?.unwrap_or_default())?,
            linked_cloud_account: row.try_get("linked_cloud_account")?,
        },
    };
    let caller = Caller {
        person_id: row.try_get("person_id")?,
        person_account_id: row.try_get("person_account_id")?,
        acting,
        cloud_account: row.try_get("cloud_account")?,
    };
    let cached = Cached {
        caller: caller.clone(),
        expires_at: instant("sessions.expires_at", row.try_get("expires_at")?)?,
        last_seen_at: seen,
        read_at: now,
    };
    db.sessions.keep(hash, cached, generation);
    Ok(Some(caller))
}

/// The person signing in as `login`, with their stored password hash.
pub async fn credentials(conn: &mut Conn, login: &str) -> Result<Option<(i64, String)>, crate::db::Error> {
    let row = crate::db::query("SELECT id, password_hash FROM persons WHERE login = $1")
        .bind(login)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|row| Ok((row.try_get("id")?, row.try_get("password_hash")?))).transpose()
}

/// A session about to be opened: who, as which identity, and the cloud
/// account it comes through (CH-3; `None` for a web sign-in).
#[derive(Debug, Clone)]
pub struct Opening<'a> {
    pub person_id: i64,
    pub acting_enterprise_id: Option<i64>,
    pub cloud_account: Option<&'a str>,
}

/// Starts a session: only the token's SHA-256 is stored.
pub async fn open(
    conn: &mut Conn,
    token: &str,
    opening: &Opening<'_>,
    now: Instant,
    expires_at: Instant,
) -> Result<(), crate::db::Error> {
    crate::db::query(
        "INSERT INTO sessions (token_hash, person_id, acting_enterprise_id, cloud_account, expires_at, last_seen_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_hash(token))
    .bind(opening.person_id)
    .bind(opening.acting_enterprise_id)
    .bind(opening.cloud_account)
    .bind(to_ms(expires_at))
    .bind(to_ms(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Ends a session, in memory too: it is refused from the next request on.
pub async fn close(db: &Db, token: &str) -> Result<(), crate::db::Error> {
    let hash = token_hash(token);
    crate::db::query("DELETE FROM sessions WHERE token_hash = $1").bind(&hash).execute(&db.write).await?;
    db.sessions.forget_token(&hash);
    Ok(())
}

/// Makes the session act as `enterprise_id`, or as the person (ID-4), under
/// a new token `fresh`: the old one stops working, in memory too. False
/// when the session had already ended.
pub async fn act_as(db: &Db, token: &str, fresh: &str, enterprise_id: Option<i64>) -> Result<bool, crate::db::Error> {
    let hash = token_hash(token);
    let changed =
        crate::db::query("UPDATE sessions SET acting_enterprise_id = $1, token_hash = $2 WHERE token_hash = $3")
            .bind(enterprise_id)
            .bind(token_hash(fresh))
            .bind(&hash)
            .execute(&db.write)
            .await?;
    db.sessions.forget_token(&hash);
    Ok(changed.rows_affected() == 1)
}

/// Ends every session of a person (signing out everywhere), in memory too;
/// how many.
pub async fn close_all(db: &Db, person_id: i64) -> Result<u64, crate::db::Error> {
    let closed =
        crate::db::query("DELETE FROM sessions WHERE person_id = $1").bind(person_id).execute(&db.write).await?;
    db.sessions.forget_person(person_id);
    Ok(closed.rows_affected())
}

/// A person as the console shows them, with their staff flags.
#[derive(Debug, Clone)]
pub struct Person {
    pub login: String,
    pub name: String,
    pub operator: bool,
    pub sales_manager: bool,
}

/// A person's login, name and staff flags.
pub async fn person(conn: &mut Conn, person_id: i64) -> Result<Person, crate::db::Error> {
    let row = crate::db::query("SELECT login, name, operator, sales_manager FROM persons WHERE id = $1")
        .bind(person_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(Person {
        login: row.try_get("login")?,
        name: row.try_get("name")?,
        operator: row.try_get::<i64, _>("operator")? == 1,
        sales_manager: row.try_get::<i64, _>("sales_manager")? == 1,
    })
}

/// Every person with each enterprise they joined and their roles there
/// (empty when none), in the order they were made: the demo sign-in list.
pub async fn people(conn: &mut Conn) -> Result<Vec<(String, String, String, String)>, crate::db::Error> {
    let rows = crate::db::query(
        "SELECT p.login, p.name, COALESCE(e.name, '') AS enterprise, COALESCE(m.roles, '') AS roles FROM persons p \
         LEFT JOIN memberships m ON m.person_id = p.id LEFT JOIN enterprises e ON e.id = m.enterprise_id \
         ORDER BY p.id, e.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("login")?, row.try_get("name")?, row.try_get("enterprise")?, row.try_get("roles")?)))
        .collect()
}

/// The name of the enterprise verified through `cloud_account` (CH-3), if any.
pub async fn linked_enterprise(conn: &mut Conn, cloud_account: &str) -> Result<Option<String>, crate::db::Error> {
    crate::db::query_scalar("SELECT name FROM enterprises WHERE linked_cloud_account = $1")
        .bind(cloud_account)
        .fetch_optional(&mut *conn)
        .await
}

/// Whether the person is an operator (they see the money to return).
pub async fn is_operator(conn: &mut Conn, person_id: i64) -> Result<bool, crate::db::Error> {
    let flag: Option<i64> = crate::db::query_scalar("SELECT operator FROM persons WHERE id = $1")
        .bind(person_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(flag == Some(1))
}
