//! Billing management (费用管理) and what follows a purchase: the overview
//! with each grant (QUO-1, QUO-3, QUO-4, QUO-5, ADD-2, VIS-2), the quota
//! history, add-on uses (ADD-2) and the free trial (TRI-1).

use crate::db::Lock;
use crate::db::codec::{name_of, parse_name};
use crate::http::extract::ApiJson;
use crate::repo::accounts::{account_state, load_buyer, reserve_grant_numbers, save_grant_numbers, save_state};
use crate::repo::ledger::{self, append_ledger};
use crate::repo::sessions::Caller;
use crate::{ApiError, AppState};
use api_types::{QuotaHistory, StartTrial};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use domain::access::can_view_order_records;
use domain::billing::{AddOnUsage, Billing, COUNTED_ADDONS, overview, usage};
use domain::ledger::history::{MoveCause, PageLimit, history, newest_first};
use domain::quote::BuyerReads;
use domain::trial::start_trial;
use domain::{AddOn, Channel, Context, QuotaKind};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_billing))
        .routes(routes!(quota_moves))
        .routes(routes!(start_free_trial))
        .routes(routes!(use_addon))
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
    let buyer = load_buyer(&mut conn, caller, Lock::None, BuyerReads::ALL).await?;
    let records = ledger::records(&mut conn, caller.account_id()).await?;
    let ctx = Context { catalog: &state.catalog, buyer: &buyer, channel, now: state.clock.now() };
    Ok(overview(&ctx, &records))
}

/// Billing management: edition, integration, contracts and add-on uses,
/// quick actions, balance, and whether renew, upgrade and the trial are open.
#[utoipa::path(
    get,
    path = "/billing",
    tag = "billing",
    security(("session" = [])),
    params(("channel" = Option<domain::Channel>, Query, description = "The channel the verdicts are judged for (default `web`)")),
    responses(
        (status = 200, description = "Billing management of the acting account", body = domain::billing::Billing),
        (status = 400, description = "`invalid_input`: an unknown channel", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
    ),
)]
async fn get_billing(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ChannelQuery>, QueryRejection>,
) -> Result<Json<Billing>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::InvalidInput(e.body_text()))?;
    Ok(Json(billing_of(&state, &caller, query.channel.unwrap_or(Channel::Web)).await?))
}

#[derive(Debug, Deserialize)]
struct HistoryQuery {
    before: Option<u64>,
    limit: Option<u64>,
    kind: Option<QuotaKind>,
}

/// The quota history (份额变动记录), newest first: each grant, draw, return,
/// clearing and expiry moved, with the grant it touched and the balance after.
#[utoipa::path(
    get,
    path = "/billing/quota-moves",
    tag = "billing",
    security(("session" = [])),
    params(
        ("before" = Option<u64>, Query, description = "Only moves before this `seq` (the `next_before` of the page before)"),
        ("limit" = Option<u64>, Query, description = "Moves per page, 1–100 (default 20)"),
        ("kind" = Option<QuotaKind>, Query, description = "Only moves of this quota (default every kind)"),
    ),
    responses(
        (status = 200, description = "One page of the acting account's quota history", body = QuotaHistory),
        (status = 400, description = "`invalid_input`: a cursor, limit or kind that is not one", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
    ),
)]
async fn quota_moves(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<HistoryQuery>, QueryRejection>,
) -> Result<Json<QuotaHistory>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::InvalidInput(e.body_text()))?;
    let limit = query.limit.map(PageLimit::new).transpose()?.unwrap_or(PageLimit::DEFAULT);
    let mut conn = state.db.read.acquire().await?;
    let records = ledger::records(&mut conn, caller.account_id()).await?;
    let moves = history(&records, can_view_order_records(&caller.identity(false)));
    let (moves, next_before) = newest_first(&moves, query.kind, query.before, limit);
    Ok(Json(QuotaHistory { moves, next_before }))
}

/// Starts the free trial (TRI-1): once per enterprise, never beside a paid
/// edition; delivered like an order, in one transaction, and audited.
#[utoipa::path(
    post,
    path = "/trial",
    tag = "billing",
    security(("session" = [])),
    request_body = StartTrial,
    responses(
        (status = 201, description = "Started: billing management as it now is", body = domain::billing::Billing),
        (status = 400, description = "`invalid_input` (malformed body)", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`forbidden`: a person cannot start one", body = api_types::ErrorBody),
        (status = 409, description = "`trial_already_used`", body = api_types::ErrorBody),
        (status = 422, description = "`enterprise_has_edition`, `enterprise_not_verified`, `cloud_account_not_linked`", body = api_types::ErrorBody),
    ),
)]
async fn start_free_trial(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<serde_json::Map<String, serde_json::Value>>,
) -> Result<(StatusCode, Json<Billing>), ApiError> {
    // Read through a map: serde would take a struct of optional fields from an array too.
    let body: StartTrial =
        serde_json::from_value(serde_json::Value::Object(body)).map_err(|e| ApiError::InvalidInput(e.to_string()))?;
    let channel = body.channel.unwrap_or(Channel::Web);
    let now = state.clock.now();
    let account_id = caller.account_id();
    let mut tx = state.db.begin().await?;
    // Locks the account row: two starts at once make one trial.
    let buyer = load_buyer(&mut tx, &caller, state.db.for_update(), BuyerReads::ALL).await?;
    let ctx = Context { catalog: &state.catalog, buyer: &buyer, channel, now };
    let trial = start_trial(&ctx)?;
    let grant = reserve_grant_numbers(&mut tx, account_id).await? + 1;
    // Judged on the basis, written over what is delivered (delivery applies the rest).
    let delivered = account_state(&mut tx, account_id, Lock::None).await?;
    let plan = trial.plan(&delivered, grant);
    save_state(&mut tx, account_id, &plan.account).await?;
    append_ledger(&mut tx, account_id, None, &plan.entries, (MoveCause::Trial, now)).await?;
    save_grant_numbers(&mut tx, account_id, grant).await?;
    let detail = serde_json::json!({
        "edition": name_of(&trial.term.edition),
        "expires_at": trial.term.expires_at,
        "contracts": trial.contracts,
        "grant": grant,
    });
    ledger::audit(&mut tx, now, &actor(&caller), account_id, "trial.started", &detail).await?;
    tx.commit().await?;
    tracing::info!(account.id = account_id, grant, "trial started");
    Ok((StatusCode::CREATED, Json(billing_of(&state, &caller, channel).await?)))
}

/// Uses one signing report or meeting (ADD-2, CAT-5) from the add-on's packs
/// still valid, the pack that expires first first.
#[utoipa::path(
    post,
    path = "/addons/{kind}/use",
    tag = "billing",
    security(("session" = [])),
    params(("kind" = inline(domain::AddOn), Path, description = "The add-on whose use this is")),
    responses(
        (status = 200, description = "Used: the add-on's uses now", body = domain::billing::AddOnUsage),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 404, description = "`not_found`: not an add-on counted in uses", body = api_types::ErrorBody),
        (status = 422, description = "`quota_exhausted`: nothing left", body = api_types::ErrorBody),
    ),
)]
async fn use_addon(
    State(state): State<AppState>,
    caller: Caller,
    Path(kind): Path<String>,
) -> Result<Json<AddOnUsage>, ApiError> {
    let unknown = || ApiError::NotFound(format!("no add-on {kind:?} to use"));
    let addon: AddOn = parse_name("add-on", &kind).map_err(|_| unknown())?;
    let quota = COUNTED_ADDONS.contains(&addon).then(|| addon.quota()).flatten().ok_or_else(unknown)?;
    let now = state.clock.now();
    let account_id = caller.account_id();
    let mut tx = state.db.begin().await?;
    let (grant, entries) = ledger::draw_one(&mut tx, &state.db, account_id, (quota, MoveCause::AddOnUse), now).await?;
    let detail = serde_json::json!({ "addon": addon, "grant": grant, "amount": 1 });
    ledger::audit(&mut tx, now, &actor(&caller), account_id, "addon.used", &detail).await?;
    tx.commit().await?;
    usage(&entries, addon, now).map(Json).ok_or_else(|| ApiError::internal(format!("{addon:?} counts no uses")))
}
