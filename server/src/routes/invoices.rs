//! The invoice centre (发票中心, INV-1), on the web console: the account's
//! titles, its invoiceable orders (an enterprise's own and the personal
//! orders bound to it), requesting one invoice for one or several of them,
//! the invoices with their status, retrying a refused request, red-letter
//! reversal and the issued document. A super admin or staff with the
//! billing permission of an enterprise, or a person for their own orders;
//! every change after the phone was verified (purpose `invoice`).

use crate::http::extract::ApiJson;
use crate::repo::invoices::{self as store, NewInvoice};
use crate::repo::sessions::{Acting, Caller};
use crate::repo::{audit, orders, verification};
use crate::{ApiError, AppState};
use api_types::{InvoiceAction, InvoiceRequest, InvoiceView, InvoiceableOrder, TitleView};
use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::invoice::{
    InvoiceEvent, OrderToInvoice, Title, TitleDraft, check_invoiceable, invoice_amounts, request_refusals,
    reversal_refusals,
};
use domain::verification::Purpose;
use domain::{Channel, ErrorCode, Money};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The most orders one invoice covers.
const MAX_ORDERS: usize = 50;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request_invoice, list_invoices))
        .routes(routes!(add_title, list_titles))
        .routes(routes!(invoiceable_orders))
        .routes(routes!(get_invoice))
        .routes(routes!(retry_invoice))
        .routes(routes!(reverse_invoice))
        .routes(routes!(invoice_document))
}

fn refusals(caller: &Caller, channel: Channel) -> Result<(), ApiError> {
    let refused = request_refusals(&caller.identity(false), channel);
    if refused.is_empty() { Ok(()) } else { Err(refused.into()) }
}

fn actor(caller: &Caller) -> String {
    format!("person:{}", caller.person_id)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ChannelQuery {
    /// Where the request comes from (default `web`).
    channel: Option<Channel>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct InvoicePath {
    /// The invoice's id.
    id: i64,
}

fn channel_of(query: Result<Query<ChannelQuery>, QueryRejection>) -> Result<Channel, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::InvalidInput(e.body_text()))?;
    Ok(query.channel.unwrap_or(Channel::Web))
}

fn id_of(path: Result<Path<InvoicePath>, PathRejection>) -> Result<i64, ApiError> {
    let Path(path) = path.map_err(|e| ApiError::InvalidInput(e.body_text()))?;
    Ok(path.id)
}

/// INV-1: keeps a title (发票抬头) for the acting account. An enterprise's
/// is made out to its verified name with a checked credit code (专票 with
/// address, phone, bank and account); a person's is a name.
#[utoipa::path(
    post,
    path = "/invoices/titles",
    tag = "invoices",
    security(("session" = [])),
    request_body = TitleDraft,
    responses(
        (status = 201, description = "Kept", body = TitleView),
        (status = 400, description = "`invalid_input` (the field)", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`forbidden`", body = api_types::ErrorBody),
        (status = 422, description = "`credit_code_invalid`, `title_incomplete` (the field), `enterprise_not_verified` (专票), `phone_not_verified`", body = api_types::ErrorBody),
    ),
)]
async fn add_title(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(draft): ApiJson<TitleDraft>,
) -> Result<(StatusCode, Json<TitleView>), ApiError> {
    refusals(&caller, Channel::Web)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    verification::require_verified(&mut tx, &caller, Purpose::Invoice, now).await?;
    let title = match &caller.acting {
        Acting::Enterprise { enterprise_id, verified, .. } => {
            Title::for_enterprise(&store::enterprise_name(&mut tx, *enterprise_id).await?, *verified, &draft)?
        }
        Acting::Person => Title::for_person(&store::person_name(&mut tx, caller.person_id).await?, &draft)?,
    };
    let kept = store::insert_title(&mut tx, caller.account_id(), &title, caller.person_id, now).await?;
    let detail = serde_json::json!({ "title": kept.id, "name": title.name, "kind": title.kind });
    audit::append(&mut tx, now, &actor(&caller), Some(caller.account_id()), None, "invoice_title.added", &detail)
        .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(kept)))
}

/// INV-1: the acting account's titles, newest first.
#[utoipa::path(
    get,
    path = "/invoices/titles",
    tag = "invoices",
    security(("session" = [])),
    params(ChannelQuery),
    responses(
        (status = 200, description = "Newest first", body = Vec<TitleView>),
        (status = 400, description = "`invalid_input`", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`forbidden`", body = api_types::ErrorBody),
    ),
)]
async fn list_titles(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ChannelQuery>, QueryRejection>,
) -> Result<Json<Vec<TitleView>>, ApiError> {
    refusals(&caller, channel_of(query)?)?;
    let mut conn = state.db.read.acquire().await?;
    Ok(Json(store::titles(&mut conn, caller.account_id()).await?))
}

/// INV-1: the paid orders of the acting account as the invoice centre
/// lists them, with the personal orders bound to an enterprise; each says
/// why it cannot be invoiced now, if it cannot.
#[utoipa::path(
    get,
    path = "/invoices/orders",
    tag = "invoices",
    security(("session" = [])),
    params(ChannelQuery),
    responses(
        (status = 200, description = "Newest payment first", body = Vec<InvoiceableOrder>),
        (status = 400, description = "`invalid_input`", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`forbidden`", body = api_types::ErrorBody),
    ),
)]
async fn invoiceable_orders(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ChannelQuery>, QueryRejection>,
) -> Result<Json<Vec<InvoiceableOrder>>, ApiError> {
    refusals(&caller, channel_of(query)?)?;
    let as_person = caller.identity(false).is_person();
    let mut conn = state.db.read.acquire().await?;
    let found = orders::for_invoicing(&mut conn, caller.account_id()).await?;
    let ids: Vec<i64> = found.iter().map(|(o, _)| o.id).collect();
    let holders = store::holders(&mut conn, &ids).await?;
    let listed = found
        .into_iter()
        .map(|(order, bound_from_person)| {
            let invoice_id = holders.get(&order.id).copied();
            let facts =
                OrderToInvoice { status: order.status, held: invoice_id.is_some(), as_person, quote: &order.quote };
            InvoiceableOrder {
                order_id: order.id,
                number: domain::order::order_number(order.id, order.created_at),
                products: order.quote.lines.iter().map(|l| l.name_zh.clone()).collect(),
                amount: Money::from_fen(order.payable_fen),
                paid_at: order.paid_at,
                bound_from_person,
                invoice_id,
                refusal: check_invoiceable(&facts).err(),
            }
        })
        .collect();
    Ok(Json(listed))
}

/// INV-1: one invoice (合并开票: for one or several orders, each whole)
/// made out to one of the account's titles, for what was paid; issued by
/// the tax platform a moment later (follow `GET /api/invoices/{id}`).
#[utoipa::path(
    post,
    path = "/invoices",
    tag = "invoices",
    security(("session" = [])),
    request_body = InvoiceRequest,
    responses(
        (status = 202, description = "Requested (申请中); the platform issues it", body = InvoiceView),
        (status = 400, description = "`invalid_input`", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`forbidden`: not a super admin or billing staff of an enterprise (nor a person), or not on the web console", body = api_types::ErrorBody),
        (status = 404, description = "`not_found`: no such order or title of this account", body = api_types::ErrorBody),
        (status = 409, description = "`already_invoiced`, `already_bound` (the person's order moved to an enterprise), `invalid_state` (not paid)", body = api_types::ErrorBody),
        (status = 422, description = "`phone_not_verified`; `invoice_amount_exceeded`", body = api_types::ErrorBody),
    ),
)]
async fn request_invoice(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<InvoiceRequest>,
) -> Result<(StatusCode, Json<InvoiceView>), ApiError> {
    refusals(&caller, body.channel)?;
    let mut order_ids = body.order_ids.clone();
    // One lock order for every request: by order id.
    order_ids.sort_unstable();
    order_ids.dedup();
    if order_ids.is_empty() || order_ids.len() > MAX_ORDERS {
        return Err(ApiError::InvalidInput(format!("order_ids: 1 to {MAX_ORDERS} orders")));
    }
    let as_person = caller.identity(false).is_person();
    let now = state.clock.now();
    let account_id = caller.account_id();
    let mut tx = state.db.begin().await?;
    verification::require_verified(&mut tx, &caller, Purpose::Invoice, now).await?;
    let title = store::title(&mut tx, body.title_id, account_id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such title".into()))?;
    let mut found = Vec::with_capacity(order_ids.len());
    for id in &order_ids {
        let (order, _) = orders::find_for_invoicing(&mut tx, *id, account_id, state.db.for_update())
            .await?
            .ok_or_else(|| ApiError::NotFound("no such order".into()))?;
        let held = store::holder(&mut tx, order.id).await?.is_some();
        let amount = check_invoiceable(&OrderToInvoice { status: order.status, held, as_person, quote: &order.quote })?;
        found.push((order, amount));
    }
    let charged: Vec<Money> = found.iter().map(|(o, _)| Money::from_fen(o.payable_fen)).collect();
    let paid = Money::sum(&charged)?;
    let quotes: Vec<&domain::Quote> = found.iter().map(|(o, _)| &o.quote).collect();
    let amounts = invoice_amounts(state.catalog.invoicing(), &quotes, paid)?;
    let held: Vec<(i64, Money)> = found.iter().map(|(o, amount)| (o.id, *amount)).collect();
    let new = NewInvoice {
        account_id,
        title: &title,
        amounts: &amounts,
        orders: &held,
        requested_by: caller.person_id,
        at: now,
    };
    let id = store::insert(&mut tx, &new).await?.ok_or(ApiError::code(ErrorCode::AlreadyInvoiced))?;
    let detail = serde_json::json!({
        "invoice": id,
        "orders": order_ids,
        "total": amounts.total,
        "title": title.name,
        "kind": title.kind,
    });
    audit::append(&mut tx, now, &actor(&caller), Some(account_id), None, "invoice.requested", &detail).await?;
    let invoice = store::find(&mut tx, id, account_id).await?.ok_or_else(|| ApiError::internal("invoice vanished"))?;
    tx.commit().await?;
    state.wake_invoicing.notify_one();
    tracing::info!(invoice.id = id, amount_fen = new.amounts.total.to_fen().unwrap_or_default(), "invoice requested");
    Ok((StatusCode::ACCEPTED, Json(invoice.view)))
}

/// INV-1: the acting account's invoices with their status (申请中 / 开票中 /
/// 已开具 / 已红冲 / 失败 with the reason), newest first.
#[utoipa::path(
    get,
    path = "/invoices",
    tag = "invoices",
    security(("session" = [])),
    params(ChannelQuery),
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
    query: Result<Query<ChannelQuery>, QueryRejection>,
) -> Result<Json<Vec<InvoiceView>>, ApiError> {
    refusals(&caller, channel_of(query)?)?;
    let mut conn = state.db.read.acquire().await?;
    Ok(Json(store::list(&mut conn, caller.account_id()).await?))
}

/// INV-1: one invoice of the acting account.
#[utoipa::path(
    get,
    path = "/invoices/{id}",
    tag = "invoices",
    security(("session" = [])),
    params(InvoicePath, ChannelQuery),
    responses(
        (status = 200, description = "The invoice", body = InvoiceView),
        (status = 400, description = "`invalid_input`", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`forbidden`", body = api_types::ErrorBody),
        (status = 404, description = "`not_found`", body = api_types::ErrorBody),
    ),
)]
async fn get_invoice(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<InvoicePath>, PathRejection>,
    query: Result<Query<ChannelQuery>, QueryRejection>,
) -> Result<Json<InvoiceView>, ApiError> {
    let id = id_of(path)?;
    refusals(&caller, channel_of(query)?)?;
    let mut conn = state.db.read.acquire().await?;
    let invoice = store::find(&mut conn, id, caller.account_id()).await?.ok_or(ApiError::code(ErrorCode::NotFound))?;
    Ok(Json(invoice.view))
}

/// INV-1: asks again for an invoice the platform refused, with its orders,
/// if no other invoice took them meanwhile.
#[utoipa::path(
    post,
    path = "/invoices/{id}/retry",
    tag = "invoices",
    security(("session" = [])),
    params(InvoicePath),
    request_body = InvoiceAction,
    responses(
        (status = 202, description = "Requested again (申请中)", body = InvoiceView),
        (status = 400, description = "`invalid_input`", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`forbidden`", body = api_types::ErrorBody),
        (status = 404, description = "`not_found`", body = api_types::ErrorBody),
        (status = 409, description = "`invalid_state` (not failed), `already_invoiced` (an order went on another invoice)", body = api_types::ErrorBody),
        (status = 422, description = "`phone_not_verified`", body = api_types::ErrorBody),
    ),
)]
async fn retry_invoice(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<InvoicePath>, PathRejection>,
    ApiJson(body): ApiJson<InvoiceAction>,
) -> Result<(StatusCode, Json<InvoiceView>), ApiError> {
    let id = id_of(path)?;
    refusals(&caller, body.channel.unwrap_or(Channel::Web))?;
    let now = state.clock.now();
    let account_id = caller.account_id();
    let mut tx = state.db.begin().await?;
    verification::require_verified(&mut tx, &caller, Purpose::Invoice, now).await?;
    let invoice = store::find(&mut tx, id, account_id).await?.ok_or(ApiError::code(ErrorCode::NotFound))?;
    let from = invoice.view.status;
    let next = from.apply(InvoiceEvent::Retried)?;
    if !store::hold(&mut tx, id, next.holds_orders()).await? {
        return Err(ApiError::code(ErrorCode::AlreadyInvoiced));
    }
    if !store::advance(&mut tx, id, from, next, now).await? {
        return Err(ApiError::code(ErrorCode::InvalidState));
    }
    let detail = serde_json::json!({ "invoice": id, "failure": invoice.view.failure });
    audit::append(&mut tx, now, &actor(&caller), Some(account_id), None, "invoice.retried", &detail).await?;
    let invoice = store::find(&mut tx, id, account_id).await?.ok_or(ApiError::code(ErrorCode::NotFound))?;
    tx.commit().await?;
    state.wake_invoicing.notify_one();
    Ok((StatusCode::ACCEPTED, Json(invoice.view)))
}

/// INV-1: 红冲. The super admin (a person: their own) reverses an issued
/// invoice with a red-letter invoice at the platform; its orders may be
/// invoiced again (re-issue with the right title).
#[utoipa::path(
    post,
    path = "/invoices/{id}/reverse",
    tag = "invoices",
    security(("session" = [])),
    params(InvoicePath),
    request_body = InvoiceAction,
    responses(
        (status = 200, description = "Reversed (已红冲), with the red invoice's number", body = InvoiceView),
        (status = 400, description = "`invalid_input`", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`forbidden`: not the super admin", body = api_types::ErrorBody),
        (status = 404, description = "`not_found`", body = api_types::ErrorBody),
        (status = 409, description = "`invalid_state` (not issued)", body = api_types::ErrorBody),
        (status = 422, description = "`phone_not_verified`", body = api_types::ErrorBody),
        (status = 503, description = "The tax platform is unavailable; nothing changed", body = api_types::ErrorBody),
    ),
)]
async fn reverse_invoice(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<InvoicePath>, PathRejection>,
    ApiJson(body): ApiJson<InvoiceAction>,
) -> Result<Json<InvoiceView>, ApiError> {
    let id = id_of(path)?;
    refusals(&caller, body.channel.unwrap_or(Channel::Web))?;
    reversal_refusals(&caller.identity(false))?;
    let account_id = caller.account_id();
    let invoice = {
        let mut conn = state.db.write.acquire().await?;
        verification::require_verified(&mut conn, &caller, Purpose::Invoice, state.clock.now()).await?;
        store::find(&mut conn, id, account_id).await?.ok_or(ApiError::code(ErrorCode::NotFound))?
    };
    let from = invoice.view.status;
    let next = from.apply(InvoiceEvent::Reversed)?;
    // Invoices carried over from before the centre have no number to reverse at the platform.
    let number = invoice.view.number.clone().ok_or(ApiError::code(ErrorCode::InvalidState))?;
    let red = state
        .invoicing
        .reverse(&number, &format!("RED{id}"))
        .await
        .map_err(|e| ApiError::Unavailable(e.to_string()))?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if !store::reversed(&mut tx, id, (from, next), &red, caller.person_id, now).await? {
        return Err(ApiError::code(ErrorCode::InvalidState));
    }
    let detail = serde_json::json!({
        "invoice": id,
        "number": number,
        "red_number": red,
        "orders": invoice.view.order_ids,
        "total": invoice.view.total,
    });
    audit::append(&mut tx, now, &actor(&caller), Some(account_id), None, "invoice.reversed", &detail).await?;
    let invoice = store::find(&mut tx, id, account_id).await?.ok_or(ApiError::code(ErrorCode::NotFound))?;
    tx.commit().await?;
    tracing::info!(invoice.id = id, "invoice reversed");
    Ok(Json(invoice.view))
}

/// INV-1: the issued document (PDF) of an invoice of the acting account.
#[utoipa::path(
    get,
    path = "/invoices/{id}/document",
    tag = "invoices",
    security(("session" = [])),
    params(InvoicePath, ChannelQuery),
    responses(
        (status = 200, description = "The 数电票 as issued", content_type = "application/pdf", body = Vec<u8>),
        (status = 400, description = "`invalid_input`", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`forbidden`", body = api_types::ErrorBody),
        (status = 404, description = "`not_found`: no such invoice, or not issued", body = api_types::ErrorBody),
    ),
)]
async fn invoice_document(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<InvoicePath>, PathRejection>,
    query: Result<Query<ChannelQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let id = id_of(path)?;
    refusals(&caller, channel_of(query)?)?;
    let mut conn = state.db.read.acquire().await?;
    let pdf = store::document(&mut conn, id, caller.account_id()).await?.ok_or(ApiError::code(ErrorCode::NotFound))?;
    let disposition = format!("attachment; filename=\"invoice-{id}.pdf\"");
    Ok(([(header::CONTENT_TYPE, "application/pdf".to_owned()), (header::CONTENT_DISPOSITION, disposition)], pdf)
        .into_response())
}
