//! Sign-in, sessions and the acting identity (ID-4). A session is an
//! HttpOnly, SameSite cookie holding a random token; the database keeps only
//! its SHA-256, so a leaked table signs nobody in.

use crate::clock::to_ms;
use crate::{ApiError, AppState};
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use axum::http::request::Parts;
use domain::identity::{Identity, Membership, Role};
use sha2::{Digest, Sha256};
use sqlx::Row;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "esign_session";

/// How long a session lasts.
pub const SESSION_DAYS: i64 = 7;

/// Who is asking, and as which identity.
#[derive(Debug, Clone)]
pub struct Caller {
    pub person_id: i64,
    pub person_account_id: i64,
    pub acting: Acting,
    /// The cloud account the request comes from (`X-Cloud-Account`, on the cloud console, CH-3).
    pub cloud_account: Option<String>,
}

/// The identity the caller acts as.
#[derive(Debug, Clone)]
pub enum Acting {
    Person,
    Enterprise {
        enterprise_id: i64,
        account_id: i64,
        verified: bool,
        roles: Vec<Role>,
        linked_cloud_account: Option<String>,
    },
}

impl Caller {
    /// The account whose data this request may read and change.
    pub fn account_id(&self) -> i64 {
        match &self.acting {
            Acting::Person => self.person_account_id,
            Acting::Enterprise { account_id, .. } => *account_id,
        }
    }

    /// The domain identity; `first_purchase` matters only for a person (BND-3).
    pub fn identity(&self, first_purchase: bool) -> Identity {
        match &self.acting {
            Acting::Person => Identity::Person { person_id: self.person_id, first_purchase },
            Acting::Enterprise { enterprise_id, verified, roles, linked_cloud_account, .. } => Identity::Enterprise {
                person_id: self.person_id,
                enterprise_id: *enterprise_id,
                verified: *verified,
                roles: roles.clone(),
                linked_cloud_account: linked_cloud_account.clone(),
            },
        }
    }
}

/// SHA-256 of a session token, as stored.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Roles as stored: a comma-separated list of snake_case names.
pub fn parse_roles(text: &str) -> Vec<Role> {
    text.split(',')
        .filter_map(|r| serde_json::from_value(serde_json::Value::String(r.trim().to_owned())).ok())
        .collect()
}

/// Roles for storage.
pub fn format_roles(roles: &[Role]) -> String {
    roles
        .iter()
        .filter_map(|r| serde_json::to_value(r).ok().and_then(|v| v.as_str().map(str::to_owned)))
        .collect::<Vec<_>>()
        .join(",")
}

/// The enterprises a person has joined (ID-3).
pub async fn memberships(db: &crate::db::Db, person_id: i64) -> Result<Vec<Membership>, ApiError> {
    let rows = sqlx::query(
        "SELECT e.id, e.name, e.verified, m.roles FROM memberships m JOIN enterprises e ON e.id = m.enterprise_id \
         WHERE m.person_id = $1 ORDER BY e.id",
    )
    .bind(person_id)
    .fetch_all(&db.read)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Membership {
                enterprise_id: row.try_get(0)?,
                enterprise_name: row.try_get(1)?,
                verified: row.try_get::<i64, _>(2)? == 1,
                roles: parse_roles(&row.try_get::<String, _>(3)?),
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(ApiError::from)
}

/// The session token in the request's cookies.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers.get_all(COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == SESSION_COOKIE && !value.is_empty()).then(|| value.to_owned())
    })
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = session_token(&parts.headers).ok_or(ApiError::code(domain::ErrorCode::Unauthenticated))?;
        let mut caller = caller_for_token(state, &token).await?;
        caller.cloud_account = cloud_account(&parts.headers);
        Ok(caller)
    }
}

/// The caller a live session token stands for.
pub async fn caller_for_token(state: &AppState, token: &str) -> Result<Caller, ApiError> {
    let row = sqlx::query(
        "SELECT s.person_id, p.account_id, s.acting_enterprise_id, e.account_id, e.verified, m.roles, \
             e.linked_cloud_account FROM sessions s JOIN persons p ON p.id = s.person_id \
             LEFT JOIN enterprises e ON e.id = s.acting_enterprise_id \
             LEFT JOIN memberships m ON m.person_id = s.person_id AND m.enterprise_id = s.acting_enterprise_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2",
    )
    .bind(token_hash(token))
    .bind(to_ms(state.clock.now()))
    .fetch_optional(&state.db.read)
    .await?
    .ok_or(ApiError::code(domain::ErrorCode::Unauthenticated))?;
    let acting = match row.try_get::<Option<i64>, _>(2)? {
        None => Acting::Person,
        Some(enterprise_id) => Acting::Enterprise {
            enterprise_id,
            account_id: row.try_get(3)?,
            verified: row.try_get::<i64, _>(4)? == 1,
            roles: parse_roles(&row.try_get::<Option<String>, _>(5)?.unwrap_or_default()),
            linked_cloud_account: row.try_get(6)?,
        },
    };
    Ok(Caller { person_id: row.try_get(0)?, person_account_id: row.try_get(1)?, acting, cloud_account: None })
}

/// The header naming the cloud account a cloud-console request comes from (CH-3).
pub const CLOUD_ACCOUNT_HEADER: &str = "x-cloud-account";

/// The request's cloud account, if it names one (trimmed, at most 64 characters).
pub fn cloud_account(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(CLOUD_ACCOUNT_HEADER)?.to_str().ok()?.trim();
    (!value.is_empty() && value.len() <= 64).then(|| value.to_owned())
}
