//! Billing management (费用管理) and what follows a purchase: the overview
//! (QUO-1, ADD-2, VIS-2), add-on uses (ADD-2), the free trial (TRI-1) and
//! the expiry sweeper (QUO-4). Contracts draw through [`quota`] too.

pub mod quota;
mod store;
pub mod sweeper;

pub use sweeper::run_once;

use crate::accounts::{
    append_ledger, ledger, load_buyer, name_of, parse_name, reserve_grant_numbers, save_grant_numbers, save_state,
};
use crate::auth::Caller;
use crate::extract::ApiJson;
use crate::{ApiError, AppState};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::billing::{AddOnUsage, Billing, COUNTED_ADDONS, overview, usage};
use domain::trial::start_trial;
use domain::{AddOn, Channel, Context};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/billing", get(get_billing))
        .route("/trial", post(start_free_trial))
        .route("/addons/{kind}/use", post(use_addon))
}

fn actor(caller: &Caller) -> String {
    format!("person:{}", caller.person_id)
}

#[derive(Debug, Deserialize)]
struct ChannelQuery {
    channel: Option<Channel>,
}

/// The acting account's billing management, judged for `channel`.
async fn billing_of(state: &AppState, caller: &Caller, channel: Channel) -> Result<Billing, ApiError> {
    let mut conn = state.db.read.acquire().await?;
    let buyer = load_buyer(&mut conn, caller, "").await?;
    let entries = ledger(&mut conn, caller.account_id()).await?;
    let ctx = Context { catalog: &state.catalog, buyer: &buyer, channel, now: state.clock.now() };
    Ok(overview(&ctx, &entries))
}

/// `GET /api/billing?channel=web`: edition, integration, contracts and
/// add-on uses, quick actions, balance, and whether renew, upgrade and the
/// trial are open (the channel defaults to the web console).
async fn get_billing(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ChannelQuery>, QueryRejection>,
) -> Result<Json<Billing>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::InvalidInput(e.body_text()))?;
    Ok(Json(billing_of(&state, &caller, query.channel.unwrap_or(Channel::Web)).await?))
}

#[derive(Debug, Deserialize)]
struct StartTrial {
    #[serde(default)]
    channel: Option<Channel>,
}

/// `POST /api/trial` (TRI-1): once per enterprise, never beside a paid
/// edition; delivered like an order, in one transaction, and audited.
/// Answers 201 with billing management as it now is.
async fn start_free_trial(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<StartTrial>,
) -> Result<(StatusCode, Json<Billing>), ApiError> {
    let channel = body.channel.unwrap_or(Channel::Web);
    let now = state.clock.now();
    let account_id = caller.account_id();
    let mut tx = state.db.begin().await?;
    // Locks the account row: two starts at once make one trial.
    let buyer = load_buyer(&mut tx, &caller, state.db.for_update()).await?;
    let ctx = Context { catalog: &state.catalog, buyer: &buyer, channel, now };
    let trial = start_trial(&ctx)?;
    let grant = reserve_grant_numbers(&mut tx, account_id).await? + 1;
    let plan = trial.plan(&buyer.account, grant);
    save_state(&mut tx, account_id, &plan.account).await?;
    append_ledger(&mut tx, account_id, None, &plan.entries, now).await?;
    save_grant_numbers(&mut tx, account_id, grant).await?;
    let detail = serde_json::json!({
        "edition": name_of(&trial.term.edition),
        "expires_at": trial.term.expires_at,
        "contracts": trial.contracts,
        "grant": grant,
    });
    quota::audit(&mut tx, now, &actor(&caller), account_id, "trial.started", &detail).await?;
    tx.commit().await?;
    tracing::info!(account.id = account_id, grant, "trial started");
    Ok((StatusCode::CREATED, Json(billing_of(&state, &caller, channel).await?)))
}

/// `POST /api/addons/{kind}/use` (ADD-2, CAT-5): one signing report issued or
/// one meeting held uses one from the add-on's packs, or `quota_exhausted`.
async fn use_addon(
    State(state): State<AppState>,
    caller: Caller,
    Path(kind): Path<String>,
) -> Result<Json<AddOnUsage>, ApiError> {
    let unknown = || ApiError::NotFound(format!("no add-on {kind:?} to use"));
    let addon: AddOn = parse_name(&kind).map_err(|_| unknown())?;
    let quota = COUNTED_ADDONS.contains(&addon).then(|| addon.quota()).flatten().ok_or_else(unknown)?;
    let now = state.clock.now();
    let account_id = caller.account_id();
    let mut tx = state.db.begin().await?;
    let (grant, entries) = quota::draw_one(&mut tx, &state.db, account_id, quota, now).await?;
    let detail = serde_json::json!({ "addon": addon, "grant": grant, "amount": 1 });
    quota::audit(&mut tx, now, &actor(&caller), account_id, "addon.used", &detail).await?;
    tx.commit().await?;
    usage(&entries, addon, now).map(Json).ok_or_else(|| ApiError::Internal(format!("{addon:?} counts no uses")))
}
