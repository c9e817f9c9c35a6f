//! Flagship by sales quote (SAL-1, CAT-4) and purchase consultation (CH-4):
//! `POST /api/sales/leads` (anyone signed in: the contact-to-buy and
//! consultation forms), and for sales managers the sales console's
//! `GET /api/sales/leads` (filtered by status and kind),
//! `GET /api/sales/leads/{id}` (with the buyer's account and orders),
//! `PUT /api/sales/leads/{id}/status`, `POST /api/sales/leads/{id}/notes`
//! and `POST /api/sales/leads/{id}/quotes`. The buyer finds open quotes in
//! `/api/me` (`buyer.sales_quotes`), every quote issued to them with the
//! order that used it in `GET /api/sales/quotes`, and orders Flagship with
//! one; the order uses the quote up (a closed order gives it back).

use crate::http::extract::ApiJson;
use crate::repo::sales as store;
use crate::repo::sales::LeadFilter;
use crate::repo::sessions::Caller;
use crate::{ApiError, AppState};
use api_types::{LeadDetail, LeadStatusChange, LeadView, NoteRequest, OrderView, QuoteView};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use domain::sales::{
    Lead, LeadKind, LeadRequest, LeadStatus, QuoteOffer, check_sales_manager, issue_quote, parse_note,
};
use rand::RngCore;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_lead, list_leads))
        .routes(routes!(create_quote))
        .routes(routes!(lead_detail))
        .routes(routes!(change_status))
        .routes(routes!(add_note))
        .routes(routes!(account_quotes))
}

async fn require_sales_manager(state: &AppState, caller: &Caller) -> Result<(), ApiError> {
    let mut conn = state.db.read.acquire().await?;
    Ok(check_sales_manager(store::is_sales_manager(&mut conn, caller.person_id).await?)?)
}

/// A contact request for the acting account (SAL-1, CH-4), from the
/// contact-to-buy (Flagship) or purchase consultation form.
#[utoipa::path(
    post,
    path = "/sales/leads",
    tag = "sales",
    security(("session" = [])),
    request_body = domain::sales::LeadRequest,
    responses(
        (status = 201, description = "Left for a sales manager", body = LeadView),
        (status = 400, description = "`invalid_input` naming the field (`reasons` lists each)", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
    ),
)]
async fn create_lead(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<LeadRequest>,
) -> Result<(StatusCode, Json<LeadView>), ApiError> {
    let lead = Lead::parse(&body)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let id = store::insert_lead(&mut tx, caller.account_id(), caller.person_id, &lead, now).await?;
    let view = store::lead(&mut tx, id).await?.ok_or_else(|| ApiError::internal("lead vanished"))?;
    tx.commit().await?;
    tracing::info!(lead.id = id, kind = lead.kind.as_str(), "contact request left");
    Ok((StatusCode::CREATED, Json(view)))
}

#[derive(Debug, Deserialize)]
struct LeadsQuery {
    status: Option<LeadStatus>,
    kind: Option<LeadKind>,
}

/// Sales managers only: the newest contact requests with their quotes and
/// notes, all of them or those of one status or kind.
#[utoipa::path(
    get,
    path = "/sales/leads",
    tag = "sales",
    security(("session" = [])),
    params(
        ("status" = Option<String>, Query, description = "`new`, `contacted`, `quoted`, `won` or `lost`"),
        ("kind" = Option<String>, Query, description = "`flagship` or `consultation`"),
    ),
    responses(
        (status = 200, description = "Newest first, each with the quotes issued for it and its notes", body = Vec<LeadView>),
        (status = 400, description = "`invalid_input`: an unknown status or kind", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`forbidden`: not a sales manager", body = api_types::ErrorBody),
    ),
)]
async fn list_leads(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<LeadsQuery>, QueryRejection>,
) -> Result<Json<Vec<LeadView>>, ApiError> {
    require_sales_manager(&state, &caller).await?;
    let Query(query) = query.map_err(|e| ApiError::InvalidInput(e.body_text()))?;
    let filter = LeadFilter { status: query.status, kind: query.kind };
    let mut conn = state.db.read.acquire().await?;
    Ok(Json(store::leads(&mut conn, filter, 200).await?))
}

/// Sales managers only: one lead with the buyer's account as the rules see
/// it (the console previews a quote against it) and the account's orders.
#[utoipa::path(
    get,
    path = "/sales/leads/{id}",
    tag = "sales",
    security(("session" = [])),
    params(("id" = i64, Path, description = "The lead's id")),
    responses(
        (status = 200, description = "The lead, the buyer, the buyer's orders newest first", body = LeadDetail),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`forbidden`: not a sales manager", body = api_types::ErrorBody),
        (status = 404, description = "`not_found`: no such lead", body = api_types::ErrorBody),
    ),
)]
async fn lead_detail(
    State(state): State<AppState>,
    caller: Caller,
    Path(lead_id): Path<i64>,
) -> Result<Json<LeadDetail>, ApiError> {
    require_sales_manager(&state, &caller).await?;
    let mut conn = state.db.read.acquire().await?;
    let lead =
        store::lead_with_work(&mut conn, lead_id).await?.ok_or_else(|| ApiError::NotFound("no such lead".into()))?;
    let asker = store::asker(&mut conn, lead_id).await?.ok_or_else(|| ApiError::NotFound("no such lead".into()))?;
    let buyer = crate::repo::accounts::person_for_account(
        &mut conn,
        lead.account_id,
        asker,
        domain::Channel::Web,
        crate::db::Lock::None,
        domain::quote::BuyerReads::ALL,
    )
    .await?;
    let orders = crate::repo::orders::list(&mut conn, lead.account_id, None).await?;
    Ok(Json(LeadDetail { lead, buyer, orders: orders.into_iter().map(OrderView::from).collect() }))
}

/// Sales managers only: where the work on a lead stands (audited).
#[utoipa::path(
    put,
    path = "/sales/leads/{id}/status",
    tag = "sales",
    security(("session" = [])),
    params(("id" = i64, Path, description = "The lead's id")),
    request_body = LeadStatusChange,
    responses(
        (status = 200, description = "The lead as it now stands", body = LeadView),
        (status = 400, description = "`invalid_input`: an unknown status", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`forbidden`: not a sales manager", body = api_types::ErrorBody),
        (status = 404, description = "`not_found`: no such lead", body = api_types::ErrorBody),
    ),
)]
async fn change_status(
    State(state): State<AppState>,
    caller: Caller,
    Path(lead_id): Path<i64>,
    ApiJson(body): ApiJson<LeadStatusChange>,
) -> Result<Json<LeadView>, ApiError> {
    require_sales_manager(&state, &caller).await?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let lead = store::lead(&mut tx, lead_id).await?.ok_or_else(|| ApiError::NotFound("no such lead".into()))?;
    store::set_status(&mut tx, lead_id, body.status).await?;
    let detail = serde_json::json!({ "lead": lead_id, "from": lead.status, "to": body.status });
    let actor = format!("person:{}", caller.person_id);
    crate::repo::audit::append(&mut tx, now, &actor, Some(lead.account_id), None, "sales_lead.status", &detail).await?;
    let view = store::lead_with_work(&mut tx, lead_id).await?.ok_or_else(|| ApiError::internal("lead vanished"))?;
    tx.commit().await?;
    Ok(Json(view))
}

/// Sales managers only: a conversation note kept on the lead.
#[utoipa::path(
    post,
    path = "/sales/leads/{id}/notes",
    tag = "sales",
    security(("session" = [])),
    params(("id" = i64, Path, description = "The lead's id")),
    request_body = NoteRequest,
    responses(
        (status = 201, description = "Kept: the lead with its notes", body = LeadView),
        (status = 400, description = "`invalid_input` (`body`: empty, or over 2,000 characters)", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`forbidden`: not a sales manager", body = api_types::ErrorBody),
        (status = 404, description = "`not_found`: no such lead", body = api_types::ErrorBody),
    ),
)]
async fn add_note(
    State(state): State<AppState>,
    caller: Caller,
    Path(lead_id): Path<i64>,
    ApiJson(body): ApiJson<NoteRequest>,
) -> Result<(StatusCode, Json<LeadView>), ApiError> {
    require_sales_manager(&state, &caller).await?;
    let note = parse_note(&body.body)?;
    let mut tx = state.db.begin().await?;
    store::lead(&mut tx, lead_id).await?.ok_or_else(|| ApiError::NotFound("no such lead".into()))?;
    store::insert_note(&mut tx, lead_id, caller.person_id, &note, state.clock.now()).await?;
    let view = store::lead_with_work(&mut tx, lead_id).await?.ok_or_else(|| ApiError::internal("lead vanished"))?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// SAL-1: every sales quote issued to the acting account, newest first, so
/// the chooser can offer the open ones and say why the others are not (an
/// expired one by its `expires_at`, a used one by `used_by_order`).
#[utoipa::path(
    get,
    path = "/sales/quotes",
    tag = "sales",
    security(("session" = [])),
    responses(
        (status = 200, description = "The acting account's quotes; `used_by_order` names the open or paid order that holds one", body = Vec<QuoteView>),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
    ),
)]
async fn account_quotes(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<QuoteView>>, ApiError> {
    let mut conn = state.db.read.acquire().await?;
    Ok(Json(store::account_quotes(&mut conn, caller.account_id()).await?))
}

/// Sales managers only: a Flagship quote for the lead's account (SAL-1).
#[utoipa::path(
    post,
    path = "/sales/leads/{id}/quotes",
    tag = "sales",
    security(("session" = [])),
    params(("id" = i64, Path, description = "The lead's id")),
    request_body = domain::sales::QuoteOffer,
    responses(
        (status = 201, description = "Issued: the buyer sees it in `/api/me` (`buyer.sales_quotes`)", body = QuoteView),
        (status = 400, description = "`invalid_duration` (years), `invalid_input` (price, contracts below 2,000,000, expires_at)", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`forbidden`: not a sales manager", body = api_types::ErrorBody),
        (status = 404, description = "`not_found`: no such lead", body = api_types::ErrorBody),
    ),
)]
async fn create_quote(
    State(state): State<AppState>,
    caller: Caller,
    Path(lead_id): Path<i64>,
    ApiJson(offer): ApiJson<QuoteOffer>,
) -> Result<(StatusCode, Json<QuoteView>), ApiError> {
    require_sales_manager(&state, &caller).await?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let lead = store::lead(&mut tx, lead_id).await?.ok_or_else(|| ApiError::NotFound("no such lead".into()))?;
    let mut suffix = [0u8; 3];
    rand::rngs::OsRng.fill_bytes(&mut suffix);
    let id = format!("SQ-{lead_id}-{}", suffix.iter().map(|b| format!("{b:02X}")).collect::<String>());
    let quote = issue_quote(&state.catalog, id, &offer, now)?;
    let view = store::insert_quote(&mut tx, &quote, lead_id, lead.account_id, caller.person_id, now).await?;
    store::set_status(&mut tx, lead_id, lead.status.after_quote()).await?;
    let detail = serde_json::json!({
        "quote": quote.id, "lead": lead_id, "years": quote.years, "price": quote.price, "contracts": quote.contracts,
    });
    crate::repo::audit::append(
        &mut tx,
        now,
        &format!("person:{}", caller.person_id),
        Some(lead.account_id),
        None,
        "sales_quote.issued",
        &detail,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(lead.id = lead_id, quote.id = %quote.id, "sales quote issued");
    Ok((StatusCode::CREATED, Json(view)))
}
