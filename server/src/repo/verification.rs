//! SQL for phone verification: the per-phone send throttle, the live code of
//! each identity and purpose (a salted digest), what a checked code vouches
//! for, and the bundled gateway's outbox.

use crate::ApiError;
use crate::clock::{from_ms, to_ms};
use crate::db::Conn;
use crate::db::Db;
use crate::db::Lock;
use crate::db::codec::{instant, optional_instant, unsigned};
use crate::repo::sessions::{Acting, Caller};
use api_types::OutboxMessage;
use domain::Instant;
use domain::verification::{self as rules, Code};
use domain::verification::{Challenge, Phone, Purpose};
use domain::{DomainError, ErrorCode};

fn phone_of(text: &str) -> Result<Phone, crate::db::Error> {
    Phone::parse(text).map_err(|e| crate::db::Error::Decode(format!("stored phone: {e}").into()))
}

/// The person's own phone and, when acting as an enterprise, its security phone.
pub async fn phones(
    conn: &mut Conn,
    person_id: i64,
    enterprise_id: Option<i64>,
) -> Result<(String, Option<String>), crate::db::Error> {
    let row = crate::db::query(
        "SELECT p.phone, e.security_phone FROM persons p LEFT JOIN enterprises e ON e.id = $2 WHERE p.id = $1",
    )
    .bind(person_id)
    .bind(enterprise_id.unwrap_or(0))
    .fetch_one(&mut *conn)
    .await?;
    Ok((row.try_get("phone")?, row.try_get("security_phone")?))
}

/// When `phone` was last sent a code, read under a lock on its throttle row
/// (`lock` is `db.for_update()`), so two sends at once are decided one after the other.
pub async fn last_sent(conn: &mut Conn, phone: &Phone, lock: Lock) -> Result<Option<Instant>, crate::db::Error> {
    crate::db::query("INSERT INTO sms_throttle (phone, last_sent_at) VALUES ($1, 0) ON CONFLICT (phone) DO NOTHING")
        .bind(phone.as_str())
        .execute(&mut *conn)
        .await?;
    let last: i64 = crate::db::query_scalar(crate::db::AssertSqlSafe(format!(
        "SELECT last_sent_at FROM sms_throttle WHERE phone = $1{lock}"
    )))
    .bind(phone.as_str())
    .fetch_one(&mut *conn)
    .await?;
    (last > 0).then(|| instant("sms_throttle.last_sent_at", last)).transpose()
}

/// Records that `phone` was sent a code at `at` (or, to undo a failed send, at its previous time).
pub async fn set_last_sent(conn: &mut Conn, phone: &Phone, at: Option<Instant>) -> Result<(), crate::db::Error> {
    crate::db::query("UPDATE sms_throttle SET last_sent_at = $1 WHERE phone = $2")
        .bind(at.map(to_ms).unwrap_or(0))
        .bind(phone.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Replaces the identity's code for `purpose` (a new code starts with no tries).
pub async fn save_challenge(
    conn: &mut Conn,
    subject: &str,
    purpose: Purpose,
    challenge: &Challenge,
) -> Result<(), crate::db::Error> {
    crate::db::query(
        "INSERT INTO verification_codes (subject, purpose, phone, salt, code_hash, sent_at, attempts, checked_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 0, NULL) ON CONFLICT (subject, purpose) DO UPDATE SET \
         phone = excluded.phone, salt = excluded.salt, code_hash = excluded.code_hash, \
         sent_at = excluded.sent_at, attempts = 0, checked_at = NULL",
    )
    .bind(subject)
    .bind(purpose.as_str())
    .bind(challenge.phone.as_str())
    .bind(&challenge.salt)
    .bind(&challenge.digest)
    .bind(to_ms(challenge.sent_at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Forgets the identity's code for `purpose` (its text message was never sent).
pub async fn drop_challenge(conn: &mut Conn, subject: &str, purpose: Purpose) -> Result<(), crate::db::Error> {
    crate::db::query("DELETE FROM verification_codes WHERE subject = $1 AND purpose = $2")
        .bind(subject)
        .bind(purpose.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The identity's live code for `purpose` and when it was first checked, locked with `lock`.
pub async fn challenge(
    conn: &mut Conn,
    subject: &str,
    purpose: Purpose,
    lock: Lock,
) -> Result<Option<(Challenge, Option<Instant>)>, crate::db::Error> {
    let row = crate::db::query(crate::db::AssertSqlSafe(format!(
        "SELECT phone, salt, code_hash, sent_at, attempts, checked_at FROM verification_codes \
         WHERE subject = $1 AND purpose = $2{lock}"
    )))
    .bind(subject)
    .bind(purpose.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let challenge = Challenge {
        phone: phone_of(&row.try_get::<String, _>("phone")?)?,
        salt: row.try_get("salt")?,
        digest: row.try_get("code_hash")?,
        sent_at: instant("verification_codes.sent_at", row.try_get("sent_at")?)?,
        attempts: unsigned("verification_codes.attempts", row.try_get("attempts")?)?,
    };
    Ok(Some((challenge, optional_instant("verification_codes.checked_at", row.try_get("checked_at")?)?)))
}

/// Counts a wrong code against the identity's code for `purpose`.
pub async fn count_attempt(conn: &mut Conn, subject: &str, purpose: Purpose) -> Result<(), crate::db::Error> {
    crate::db::query("UPDATE verification_codes SET attempts = attempts + 1 WHERE subject = $1 AND purpose = $2")
        .bind(subject)
        .bind(purpose.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Records the first successful check of the code, and what it vouches for until `until`.
pub async fn mark_verified(
    conn: &mut Conn,
    subject: &str,
    purpose: Purpose,
    phone: &Phone,
    at: Instant,
    until: Instant,
) -> Result<(), crate::db::Error> {
    crate::db::query("UPDATE verification_codes SET checked_at = $1 WHERE subject = $2 AND purpose = $3")
        .bind(to_ms(at))
        .bind(subject)
        .bind(purpose.as_str())
        .execute(&mut *conn)
        .await?;
    crate::db::query(
        "INSERT INTO phone_verifications (subject, purpose, phone, verified_at, verified_until) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (subject, purpose) DO UPDATE SET \
         phone = excluded.phone, verified_at = excluded.verified_at, verified_until = excluded.verified_until",
    )
    .bind(subject)
    .bind(purpose.as_str())
    .bind(phone.as_str())
    .bind(to_ms(at))
    .bind(to_ms(until))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The phone the identity verified for `purpose`, and until when it vouches.
pub async fn verification(
    conn: &mut Conn,
    subject: &str,
    purpose: Purpose,
) -> Result<Option<(Phone, Instant)>, crate::db::Error> {
    let row =
        crate::db::query("SELECT phone, verified_until FROM phone_verifications WHERE subject = $1 AND purpose = $2")
            .bind(subject)
            .bind(purpose.as_str())
            .fetch_optional(&mut *conn)
            .await?;
    row.map(|row| {
        let phone = phone_of(&row.try_get::<String, _>("phone")?)?;
        Ok((phone, instant("phone_verifications.verified_until", row.try_get("verified_until")?)?))
    })
    .transpose()
}

/// The newest messages of the outbox, to one phone when given.
pub async fn outbox(conn: &mut Conn, phone: Option<&str>, limit: i64) -> Result<Vec<OutboxMessage>, crate::db::Error> {
    let rows = crate::db::query(
        "SELECT id, phone, text, sent_at FROM sms_outbox WHERE ($1 = '' OR phone = $1) ORDER BY id DESC LIMIT $2",
    )
    .bind(phone.unwrap_or_default())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(OutboxMessage {
                id: row.try_get("id")?,
                phone: row.try_get("phone")?,
                text: row.try_get("text")?,
                sent_at: instant("sms_outbox.sent_at", row.try_get("sent_at")?)?,
            })
        })
        .collect()
}

/// The acting identity a code is sent for: `person:7` or `person:7/enterprise:1`.
pub fn subject(caller: &Caller) -> String {
    match &caller.acting {
        Acting::Person => format!("person:{}", caller.person_id),
        Acting::Enterprise { enterprise_id, .. } => format!("person:{}/enterprise:{enterprise_id}", caller.person_id),
    }
}

/// VER-1: the acting identity's phone, as stored now.
pub async fn target_phone(conn: &mut Conn, caller: &Caller) -> Result<Phone, ApiError> {
    let enterprise_id = match &caller.acting {
        Acting::Person => None,
        Acting::Enterprise { enterprise_id, .. } => Some(*enterprise_id),
    };
    let (own, security) = phones(conn, caller.person_id, enterprise_id).await?;
    let own = Phone::parse(&own)?;
    let security = security.as_deref().map(Phone::parse).transpose()?;
    Ok(rules::target_phone(&caller.identity(false), &own, security.as_ref()).clone())
}

/// Whether the acting identity checked a code for `purpose`, sent to the
/// phone it has now, within the last ten minutes.
pub async fn is_verified(conn: &mut Conn, caller: &Caller, purpose: Purpose, now: Instant) -> Result<bool, ApiError> {
    let phone = target_phone(conn, caller).await?;
    Ok(verification(conn, &subject(caller), purpose)
        .await?
        .is_some_and(|(verified, until)| rules::is_verified(&verified, until, &phone, now)))
}

/// [`is_verified`], or `phone_not_verified`.
pub async fn require_verified(
    conn: &mut Conn,
    caller: &Caller,
    purpose: Purpose,
    now: Instant,
) -> Result<(), ApiError> {
    if is_verified(conn, caller, purpose, now).await? {
        Ok(())
    } else {
        Err(DomainError::with_field(ErrorCode::PhoneNotVerified, "phone").into())
    }
}

/// Checks `code` for `purpose` (VER-1): a wrong code counts as a try (the
/// try is kept even though the request fails); the right one makes the
/// identity verified for ten minutes. Returns until when.
pub async fn check_code(
    db: &Db,
    now: Instant,
    caller: &Caller,
    purpose: Purpose,
    code: &str,
) -> Result<Instant, ApiError> {
    let code = Code::parse(code)?;
    let subject = subject(caller);
    let mut tx = db.begin().await?;
    let phone = target_phone(&mut tx, caller).await?;
    let Some((challenge, checked_at)) = challenge(&mut tx, &subject, purpose, db.for_update()).await? else {
        return Err(DomainError::with_field(ErrorCode::CodeInvalid, "code").into());
    };
    if challenge.phone != phone {
        // The phone changed since the code was sent: the code went elsewhere.
        return Err(ApiError::code(ErrorCode::CodeExpired));
    }
    match rules::check(&challenge, &code, now) {
        Ok(()) => {}
        Err(error) => {
            if error.code == ErrorCode::CodeInvalid {
                count_attempt(&mut tx, &subject, purpose).await?;
                tx.commit().await?;
            }
            return Err(error.into());
        }
    }
    let until = match checked_at {
        // Checked before (a double submit): it vouches as long as it did.
        Some(first) => rules::verified_until(first),
        None => {
            // As stored (milliseconds), so a double submit answers the same instant.
            let until = from_ms(to_ms(rules::verified_until(now)));
            mark_verified(&mut tx, &subject, purpose, &phone, now, until).await?;
            until
        }
    };
    tx.commit().await?;
    Ok(until)
}

/// The bundled SMS gateway's outbox: what a real gateway would deliver.
pub async fn write_outbox(conn: &mut Conn, phone: &str, text: &str, at: Instant) -> Result<(), crate::db::Error> {
    crate::db::query("INSERT INTO sms_outbox (phone, text, sent_at) VALUES ($1, $2, $3)")
        .bind(phone)
        .bind(text)
        .bind(to_ms(at))
        .execute(&mut *conn)
        .await?;
    Ok(())
}
