//! Flagship by sales quote (SAL-1, CAT-4) and purchase consultation (CH-4):
//! `POST /api/sales/leads` (anyone signed in: the contact-to-buy and
//! consultation forms), and for sales managers `GET /api/sales/leads` and
//! `POST /api/sales/leads/{id}/quotes`. The buyer finds open quotes in
//! `/api/me` (`buyer.sales_quotes`), every quote issued to them with the
//! order that used it in `GET /api/sales/quotes`, and orders Flagship with
//! one; the order uses the quote up (a closed order gives it back).

use crate::http::extract::ApiJson;
use crate::repo::sales as store;
use crate::repo::sessions::Caller;
use crate::{ApiError, AppState};
use api_types::{LeadView, QuoteView};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::sales::{Lead, LeadRequest, QuoteOffer, check_sales_manager, issue_quote};
use rand::RngCore;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_lead, list_leads))
        .routes(routes!(create_quote))
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

/// Sales managers only: the newest contact requests with their quotes.
#[utoipa::path(
    get,
    path = "/sales/leads",
    tag = "sales",
    security(("session" = [])),
    responses(
        (status = 200, description = "Newest first, each with the quotes issued for it", body = Vec<LeadView>),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`forbidden`: not a sales manager", body = api_types::ErrorBody),
    ),
)]
async fn list_leads(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<LeadView>>, ApiError> {
    require_sales_manager(&state, &caller).await?;
    let mut conn = state.db.read.acquire().await?;
    Ok(Json(store::leads(&mut conn, 200).await?))
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
