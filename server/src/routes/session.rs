//! `POST /api/session` (sign in), `DELETE /api/session` (sign out),
//! `PUT /api/session/identity` (switch identity, ID-4), `GET /api/me`,
//! `GET /api/environment` (whether the server runs in development), and in
//! development `GET /api/demo-accounts` for the sign-in page, and the cloud
//! console's sign-in through a demo cloud account (`GET /api/dev/cloud-accounts`,
//! `POST /api/dev/cloud-session`, CH-3).

use crate::db::Lock;
use crate::http::extract::ClientAddress;
use crate::http::extract::{ApiJson, SESSION_COOKIE, session_token};
use crate::password::verify_password;
use crate::repo::accounts::load_buyer;
use crate::repo::seed::DEMO_CLOUD_ACCOUNTS;
use crate::repo::sessions::{self as sessions, Acting, Caller, Opening, SESSION_DAYS, caller_for_token, memberships};
use crate::{ApiError, AppState};
use api_types::{CloudSignIn, DemoAccount, DemoCloudAccount, Environment, Me, PersonView, SignIn, SwitchIdentity};
use axum::Json;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::quote::BuyerReads;
use domain::{ErrorCode, Identity};
use rand::RngCore;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_in, sign_out))
        .routes(routes!(sign_out_everywhere))
        .routes(routes!(switch_identity))
        .routes(routes!(me))
        .routes(routes!(demo_accounts))
        .routes(routes!(environment))
        .routes(routes!(demo_cloud_accounts))
        .routes(routes!(cloud_sign_in))
}

/// A fresh session token: 32 random bytes in hex (only its hash is stored).
fn new_token() -> String {
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    raw.iter().map(|b| format!("{b:02x}")).collect()
}

fn session_cookie(state: &AppState, token: &str, max_age: i64) -> HeaderValue {
    let secure = if state.settings.development { "" } else { "; Secure" };
    let cookie = format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
    HeaderValue::from_str(&cookie).unwrap_or(HeaderValue::from_static(""))
}

/// Signs in with a login and password; the session is an HttpOnly cookie.
#[utoipa::path(
    post,
    path = "/session",
    tag = "session",
    request_body = SignIn,
    responses(
        (status = 204, description = "Signed in: `Set-Cookie: esign_session=…`, acting as the first verified enterprise joined, else as the person"),
        (status = 400, description = "`invalid_input`: the body is not `{login, password}`", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`: unknown login or wrong password", body = api_types::ErrorBody),
        (status = 429, description = "`too_many_attempts`: this login, or this client, tried too often; `Retry-After` says when to try again", body = api_types::ErrorBody),
    ),
)]
async fn sign_in(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(body): ApiJson<SignIn>,
) -> Result<Response, ApiError> {
    if let Err(throttled) = state.sign_in.attempt(&body.login, address) {
        tracing::warn!(%address, "sign-in throttled");
        return Ok(throttled.into_response());
    }
    let found = {
        let mut conn = state.db.read.acquire().await?;
        sessions::credentials(&mut conn, body.login.trim()).await?
    };
    let (person_id, stored) = match found {
        Some((id, hash)) => (id, Some(hash)),
        None => (0, None),
    };
    if !verify_password(body.password, stored).await {
        return Err(ApiError::code(ErrorCode::Unauthenticated));
    }
    start_session(&state, person_id, None).await
}

/// Opens a session for `person_id`, acting as the first verified enterprise
/// joined, else as the person, and answers with its cookie.
async fn start_session(state: &AppState, person_id: i64, cloud_account: Option<&str>) -> Result<Response, ApiError> {
    let token = new_token();
    let now = state.clock.now();
    let expires = now + chrono::TimeDelta::days(SESSION_DAYS);
    let acting = memberships(&state.db, person_id).await?.into_iter().find(|m| m.verified).map(|m| m.enterprise_id);
    let opening = Opening { person_id, acting_enterprise_id: acting, cloud_account };
    sessions::open(&mut state.db.write.acquire().await?, &token, &opening, now, expires).await?;
    let mut headers = HeaderMap::new();
    headers.insert(SET_COOKIE, session_cookie(state, &token, SESSION_DAYS * 86_400));
    Ok((StatusCode::NO_CONTENT, headers).into_response())
}

/// Signs out: ends the session (if any) and clears the cookie.
#[utoipa::path(
    delete,
    path = "/session",
    tag = "session",
    responses((status = 204, description = "Signed out; the cookie is cleared")),
)]
async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(token) = session_token(&headers) {
        sessions::close(&state.db, &token).await?;
    }
    let mut out = HeaderMap::new();
    out.insert(SET_COOKIE, session_cookie(&state, "", 0));
    Ok((StatusCode::NO_CONTENT, out).into_response())
}

/// Signs the person out of every session they have, this one included.
#[utoipa::path(
    delete,
    path = "/sessions",
    tag = "session",
    security(("session" = [])),
    responses(
        (status = 204, description = "Every session of the person ended; the cookie is cleared"),
        (status = 401, description = "`unauthenticated`: not signed in", body = api_types::ErrorBody),
    ),
)]
async fn sign_out_everywhere(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let closed = sessions::close_all(&state.db, caller.person_id).await?;
    tracing::info!(person.id = caller.person_id, sessions = closed, "signed out everywhere");
    let mut out = HeaderMap::new();
    out.insert(SET_COOKIE, session_cookie(&state, "", 0));
    Ok((StatusCode::NO_CONTENT, out).into_response())
}

/// Switches the acting identity (ID-4): an enterprise joined, or the person.
/// The session gets a new token (a new cookie): one identity's token never
/// stands for another.
#[utoipa::path(
    put,
    path = "/session/identity",
    tag = "session",
    security(("session" = [])),
    request_body = SwitchIdentity,
    responses(
        (status = 200, description = "The caller, acting as asked; `Set-Cookie` carries the session's new token", body = Me),
        (status = 400, description = "`invalid_input`: malformed body", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`: not signed in", body = api_types::ErrorBody),
        (status = 422, description = "`not_a_member`: the person has not joined that enterprise", body = api_types::ErrorBody),
    ),
)]
async fn switch_identity(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SwitchIdentity>,
) -> Result<Response, ApiError> {
    let joined = memberships(&state.db, caller.person_id).await?;
    Identity::acting_as(caller.person_id, false, &joined, body.enterprise_id, None)?;
    let token = session_token(&headers).unwrap_or_default();
    let fresh = new_token();
    if !sessions::act_as(&state.db, &token, &fresh, body.enterprise_id).await? {
        return Err(ApiError::code(ErrorCode::Unauthenticated));
    }
    let caller = caller_for_token(&state.db, &fresh, state.clock.now(), state.settings.session_idle())
        .await?
        .ok_or(ApiError::code(ErrorCode::Unauthenticated))?;
    let me = me_of(&state, &caller).await?;
    let mut out = HeaderMap::new();
    out.insert(SET_COOKIE, session_cookie(&state, &fresh, SESSION_DAYS * 86_400));
    Ok((out, Json(me)).into_response())
}

async fn me_of(state: &AppState, caller: &Caller) -> Result<Me, ApiError> {
    let person = sessions::person(&mut state.db.read.acquire().await?, caller.person_id).await?;
    // Before taking a connection for the buyer: holding one while waiting
    // for another can starve the pool.
    let memberships = memberships(&state.db, caller.person_id).await?;
    let mut conn = state.db.read.acquire().await?;
    let buyer = load_buyer(&mut conn, caller, Lock::None, BuyerReads::ALL).await?;
    Ok(Me {
        person: PersonView {
            id: caller.person_id,
            login: person.login,
            name: person.name,
            operator: person.operator,
            sales_manager: person.sales_manager,
        },
        memberships,
        acting_enterprise_id: match caller.acting {
            Acting::Person => None,
            Acting::Enterprise { enterprise_id, .. } => Some(enterprise_id),
        },
        buyer,
    })
}

/// The signed-in person, their enterprises and the acting identity.
#[utoipa::path(
    get,
    path = "/me",
    tag = "session",
    security(("session" = [])),
    responses(
        (status = 200, description = "The caller", body = Me),
        (status = 401, description = "`unauthenticated`: not signed in", body = api_types::ErrorBody),
    ),
)]
async fn me(State(state): State<AppState>, caller: Caller) -> Result<Json<Me>, ApiError> {
    me_of(&state, &caller).await.map(Json)
}

/// Development only: the demo people, so the sign-in page can list them.
#[utoipa::path(
    get,
    path = "/demo-accounts",
    tag = "session",
    responses(
        (status = 200, description = "The demo people and their password", body = Vec<DemoAccount>),
        (status = 404, description = "`not_found`: outside development", body = api_types::ErrorBody),
    ),
)]
async fn demo_accounts(State(state): State<AppState>) -> Result<Json<Vec<DemoAccount>>, ApiError> {
    if !state.settings.development {
        return Err(ApiError::NotFound("no demo accounts outside development".into()));
    }
    let people = sessions::people(&mut state.db.read.acquire().await?).await?;
    let mut out: Vec<DemoAccount> = Vec::new();
    for (login, name, enterprise, roles) in people {
        let membership = format!("{enterprise} {roles}");
        match out.iter_mut().find(|a| a.login == login) {
            Some(existing) => existing.description = format!("{}; {}", existing.description, membership.trim()),
            None => out.push(DemoAccount {
                login,
                name,
                password: crate::repo::seed::DEMO_PASSWORD.to_owned(),
                description: membership.trim().to_owned(),
            }),
        }
    }
    Ok(Json(out))
}

/// Whether the server runs in development, so the app offers what only
/// development has (the sandbox's payer pages) without probing for it.
#[utoipa::path(
    get,
    path = "/environment",
    tag = "session",
    responses((status = 200, description = "The server's mode", body = Environment)),
)]
async fn environment(State(state): State<AppState>) -> Json<Environment> {
    Json(Environment { development: state.settings.development })
}

/// Development only: the demo cloud accounts the cloud console's sign-in
/// offers (CH-3), each with the enterprise verified through it, if any.
#[utoipa::path(
    get,
    path = "/dev/cloud-accounts",
    tag = "session",
    responses(
        (status = 200, description = "The demo cloud accounts", body = Vec<DemoCloudAccount>),
        (status = 404, description = "`not_found`: outside development", body = api_types::ErrorBody),
    ),
)]
async fn demo_cloud_accounts(State(state): State<AppState>) -> Result<Json<Vec<DemoCloudAccount>>, ApiError> {
    if !state.settings.development {
        return Err(ApiError::NotFound("no API route for GET /api/dev/cloud-accounts".into()));
    }
    let mut conn = state.db.read.acquire().await?;
    let mut out = Vec::with_capacity(DEMO_CLOUD_ACCOUNTS.len());
    for demo in DEMO_CLOUD_ACCOUNTS {
        let Some((person_id, _)) = sessions::credentials(&mut conn, demo.login).await? else { continue };
        out.push(DemoCloudAccount {
            cloud_account: demo.cloud_account.to_owned(),
            login: demo.login.to_owned(),
            name: sessions::person(&mut conn, person_id).await?.name,
            linked_enterprise: sessions::linked_enterprise(&mut conn, demo.cloud_account).await?,
        });
    }
    Ok(Json(out))
}

/// Development only: signs in through a demo cloud account, standing in for
/// the cloud vendor's own sign-in. The session remembers the cloud account,
/// which the cloud console's rules read (CH-3); a browser could not send it
/// any other way.
#[utoipa::path(
    post,
    path = "/dev/cloud-session",
    tag = "session",
    request_body = CloudSignIn,
    responses(
        (status = 204, description = "Signed in as the demo person of that cloud account: `Set-Cookie: esign_session=…`, the session carrying the cloud account"),
        (status = 400, description = "`invalid_input`: the body is not `{cloud_account}`", body = api_types::ErrorBody),
        (status = 404, description = "`not_found`: no such demo cloud account, or outside development", body = api_types::ErrorBody),
    ),
)]
async fn cloud_sign_in(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<CloudSignIn>,
) -> Result<Response, ApiError> {
    if !state.settings.development {
        return Err(ApiError::NotFound("no API route for POST /api/dev/cloud-session".into()));
    }
    let demo = DEMO_CLOUD_ACCOUNTS
        .iter()
        .find(|d| d.cloud_account == body.cloud_account.trim())
        .ok_or_else(|| ApiError::NotFound("no such demo cloud account".into()))?;
    let found = sessions::credentials(&mut state.db.read.acquire().await?, demo.login).await?;
    let (person_id, _) = found.ok_or_else(|| ApiError::NotFound("no such demo cloud account".into()))?;
    tracing::info!(person.id = person_id, cloud_account = demo.cloud_account, "signed in through a demo cloud account");
    start_session(&state, person_id, Some(demo.cloud_account)).await
}
