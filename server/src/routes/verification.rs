//! Phone verification (VER-1): `POST /api/verification/send {purpose}` texts
//! a 6-digit code to the acting identity's phone, `POST /api/verification/check
//! {purpose, code}` checks it, and in development `GET /api/dev/sms-outbox`
//! shows what the bundled gateway "sent".
//!
//! **decision** A checked code vouches for the acting identity (the person,
//! or the person acting for one enterprise), for its purpose and phone, for
//! ten minutes: the request that needs it (an invoice, a first personal
//! purchase) reads that, so a code is typed once for a short series of
//! requests rather than consumed by one. Only a salted digest of the code is
//! stored; the text message itself is the gateway's business.

use crate::gateways::sms::SmsMessage;
use crate::http::extract::{ApiJson, ClientAddress};
use crate::repo::sessions::Caller;
use crate::repo::verification::{self as store, check_code, subject, target_phone};
use crate::{ApiError, AppState};
use api_types::{CheckRequest, Checked, SendRequest, Sent};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use domain::verification::{self as rules, Challenge, Code, Purpose};
use rand::{Rng, RngCore};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(send)).routes(routes!(check)).routes(routes!(dev_outbox))
}

fn random_hex(bytes: usize) -> String {
    let mut raw = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    raw.iter().map(|b| format!("{b:02x}")).collect()
}

/// Sends a new code for `purpose` to the acting identity's phone (VER-1):
/// at most one a minute per phone; the new code replaces the identity's
/// previous one for that purpose.
pub async fn send_code(state: &AppState, caller: &Caller, purpose: Purpose) -> Result<Sent, ApiError> {
    let now = state.clock.now();
    let subject = subject(caller);
    let mut tx = state.db.begin().await?;
    let phone = target_phone(&mut tx, caller).await?;
    let previous = store::last_sent(&mut tx, &phone, state.db.for_update()).await?;
    rules::may_send(previous, now)?;
    let code = Code::from_number(rand::rngs::OsRng.gen_range(0..1_000_000));
    let salt = random_hex(16);
    let challenge = Challenge { digest: code.digest(&salt, &phone), phone, salt, sent_at: now, attempts: 0 };
    store::set_last_sent(&mut tx, &challenge.phone, Some(now)).await?;
    store::save_challenge(&mut tx, &subject, purpose, &challenge).await?;
    tx.commit().await?;

    let message = SmsMessage {
        phone: challenge.phone.clone(),
        code: code.digits().to_owned(),
        purpose_zh: purpose.label_zh().to_owned(),
        minutes: rules::CODE_LIFETIME.num_minutes(),
    };
    if let Err(e) = state.sms.send(&message).await {
        // Not sent: forget the code and the minute it would have blocked.
        let mut tx = state.db.begin().await?;
        store::drop_challenge(&mut tx, &subject, purpose).await?;
        store::set_last_sent(&mut tx, &challenge.phone, previous).await?;
        tx.commit().await?;
        return Err(ApiError::Unavailable(e.to_string()));
    }
    tracing::info!(purpose = purpose.as_str(), phone = %challenge.phone.masked(), "verification code sent");
    Ok(Sent {
        purpose,
        phone: challenge.phone.masked(),
        expires_at: challenge.expires_at(),
        resend_at: now + rules::RESEND_INTERVAL,
    })
}

/// VER-1: texts a 6-digit code to the acting identity's phone (the
/// enterprise's security phone, or the person's own); at most one a minute per phone.
#[utoipa::path(
    post,
    path = "/verification/send",
    tag = "verification",
    security(("session" = [])),
    request_body = SendRequest,
    responses(
        (status = 200, description = "Sent; it expires in 5 minutes", body = Sent),
        (status = 400, description = "`invalid_input`", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 429, description = "`send_too_often`: this phone was sent a code less than a minute ago; `too_many_attempts`: this person, or this client, had too many codes texted this hour (`Retry-After` says when to try again)", body = api_types::ErrorBody),
        (status = 503, description = "The SMS gateway is unavailable", body = api_types::ErrorBody),
    ),
)]
async fn send(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    caller: Caller,
    ApiJson(body): ApiJson<SendRequest>,
) -> Result<Response, ApiError> {
    if let Err(throttled) = state.code_sends.attempt(&caller.person_id.to_string(), address) {
        tracing::warn!(%address, person.id = caller.person_id, "verification sends throttled");
        return Ok(throttled.into_response());
    }
    Ok(Json(send_code(&state, &caller, body.purpose).await?).into_response())
}

/// VER-1: checks the code; the right one verifies the acting identity for
/// this purpose for ten minutes. At most five tries per code.
#[utoipa::path(
    post,
    path = "/verification/check",
    tag = "verification",
    security(("session" = [])),
    request_body = CheckRequest,
    responses(
        (status = 200, description = "Verified", body = Checked),
        (status = 400, description = "`invalid_input`", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 422, description = "`code_invalid` (wrong, or none sent), `code_expired` (after 5 minutes)", body = api_types::ErrorBody),
        (status = 429, description = "`too_many_attempts`: five wrong tries; request a new code", body = api_types::ErrorBody),
    ),
)]
async fn check(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CheckRequest>,
) -> Result<Json<Checked>, ApiError> {
    let verified_until = check_code(&state.db, state.clock.now(), &caller, body.purpose, &body.code).await?;
    Ok(Json(Checked { purpose: body.purpose, verified_until }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct OutboxQuery {
    /// Only the messages to this phone.
    phone: Option<String>,
}

/// Development only: the newest 50 messages of the bundled gateway's outbox.
#[utoipa::path(
    get,
    path = "/dev/sms-outbox",
    tag = "verification",
    params(OutboxQuery),
    responses(
        (status = 200, description = "The newest messages first", body = Vec<api_types::OutboxMessage>),
        (status = 404, description = "`not_found` outside development", body = api_types::ErrorBody),
    ),
)]
async fn dev_outbox(
    State(state): State<AppState>,
    query: Result<Query<OutboxQuery>, QueryRejection>,
) -> Result<Json<Vec<api_types::OutboxMessage>>, ApiError> {
    if !state.settings.development {
        return Err(ApiError::NotFound("no SMS outbox outside development".into()));
    }
    let Query(query) = query.map_err(|e| ApiError::InvalidInput(e.body_text()))?;
    let mut conn = state.db.read.acquire().await?;
    Ok(Json(store::outbox(&mut conn, query.phone.as_deref(), 50).await?))
}
