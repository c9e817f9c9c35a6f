//! Invoices (INV-1): `POST /api/invoices {order_id}` and `GET /api/invoices`,
//! on the web console, for a super admin or staff with the billing
//! permission, after verifying the enterprise's security phone (purpose
//! `invoice`, see `verification`); one invoice per paid order, for what was
//! paid.

use crate::http::extract::ApiJson;
use crate::repo::invoices::{self as store, NewInvoice};
use crate::repo::orders;
use crate::repo::sessions::{Acting, Caller};
use crate::repo::verification;
use crate::{ApiError, AppState};
use api_types::{InvoiceRequest, InvoiceView};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use domain::access::{invoice_refusals, invoiceable_amount};
use domain::verification::Purpose;
use domain::{Channel, ErrorCode};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(request_invoice, list_invoices))
}

fn refusals(caller: &Caller, channel: Channel) -> Result<(), ApiError> {
    let refused = invoice_refusals(&caller.identity(false), channel);
    if refused.is_empty() { Ok(()) } else { Err(refused.into()) }
}

/// INV-1: one invoice for a paid order of the acting enterprise, for what
/// was paid, after the security phone was verified (purpose `invoice`).
#[utoipa::path(
    post,
    path = "/invoices",
    tag = "invoices",
    security(("session" = [])),
    request_body = InvoiceRequest,
    responses(
        (status = 201, description = "Issued", body = InvoiceView),
        (status = 400, description = "`invalid_input`", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`forbidden`: not a super admin or billing staff of an enterprise, or not on the web console", body = api_types::ErrorBody),
        (status = 404, description = "`not_found`: no such order of this enterprise", body = api_types::ErrorBody),
        (status = 409, description = "`already_invoiced`, `invalid_state` (not paid)", body = api_types::ErrorBody),
        (status = 422, description = "`phone_not_verified`: verify the security phone first", body = api_types::ErrorBody),
    ),
)]
async fn request_invoice(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<InvoiceRequest>,
) -> Result<(StatusCode, Json<InvoiceView>), ApiError> {
    refusals(&caller, body.channel)?;
    let Acting::Enterprise { enterprise_id, .. } = caller.acting else {
        return Err(ApiError::code(ErrorCode::Forbidden));
    };
    let now = state.clock.now();
    let account_id = caller.account_id();
    let mut tx = state.db.begin().await?;
    verification::require_verified(&mut tx, &caller, Purpose::Invoice, now).await?;
    let order = orders::find(&mut tx, body.order_id, account_id, state.db.for_update())
        .await?
        .ok_or_else(|| ApiError::NotFound("no such order".into()))?;
    let already = store::invoiced(&mut tx, order.id).await?;
    let amount = invoiceable_amount(&order.quote, order.status.keeps_payment(), already)?;
    let title = store::title(&mut tx, enterprise_id).await?;
    let new =
        NewInvoice { account_id, order_id: order.id, amount, title: &title, requested_by: caller.person_id, at: now };
    let invoice = store::insert(&mut tx, &new).await?.ok_or(ApiError::code(ErrorCode::AlreadyInvoiced))?;
    let detail = serde_json::json!({ "invoice": invoice.id, "amount": invoice.amount });
    crate::repo::audit::append(
        &mut tx,
        now,
        &format!("person:{}", caller.person_id),
        Some(account_id),
        Some(order.id),
        "invoice.issued",
        &detail,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(order.id = order.id, invoice.id = invoice.id, "invoice issued");
    Ok((StatusCode::CREATED, Json(invoice)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Where the request comes from (default `web`).
    channel: Option<Channel>,
}

/// INV-1: the acting enterprise's invoices, for those who may request them.
#[utoipa::path(
    get,
    path = "/invoices",
    tag = "invoices",
    security(("session" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "Newest first", body = Vec<InvoiceView>),
        (status = 400, description = "`invalid_input`", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`forbidden`", body = api_types::ErrorBody),
    ),
)]
async fn list_invoices(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Vec<InvoiceView>>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::InvalidInput(e.body_text()))?;
    refusals(&caller, query.channel.unwrap_or(Channel::Web))?;
    let mut conn = state.db.read.acquire().await?;
    Ok(Json(store::list(&mut conn, caller.account_id()).await?))
}
