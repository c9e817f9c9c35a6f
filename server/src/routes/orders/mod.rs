//! The order API: quote, place (idempotent), read, list, cancel, pay, follow.

mod details;
mod events;
mod pay;
mod visible;

use crate::db::Lock;
use crate::http::extract::ApiJson;
use crate::http::views;
use crate::repo::accounts::load_buyer;
use crate::repo::orders::{self as store, NewOrder};
use crate::repo::payments::OrderToPay;
use crate::repo::sessions::Caller;
use crate::repo::{idempotency, vouchers};
use crate::{ApiError, AppState};
use api_types::OrderView;
use api_types::{PayRequest, PayResponse, PlaceOrder, QuoteRequest};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use domain::access::can_view_order_records;
use domain::order::OrderEvent;
use domain::payment::{Payer, check_payment};
use domain::quote::BuyerReads;
use domain::{Context, ErrorCode, Quote};
use sha2::{Digest, Sha256};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use visible::{order_view, visible_for_payment, visible_order};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(quote))
        .routes(routes!(place_order, list_orders))
        .routes(routes!(get_order))
        .routes(routes!(cancel_order))
        .routes(routes!(pay_order))
        .routes(routes!(events::order_events))
}

/// PRI-1: the same domain function the browser runs, on the caller's account.
#[utoipa::path(
    post,
    path = "/quote",
    tag = "orders",
    security(("session" = [])),
    request_body = QuoteRequest,
    responses(
        (status = 200, description = "The quote for this account and channel", body = domain::Quote),
        (status = 400, description = "`invalid_input` (malformed body, a quantity out of range), `invalid_duration`", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`forbidden`", body = api_types::ErrorBody),
        (status = 409, description = "`trial_already_used`, `voucher_used`", body = api_types::ErrorBody),
        (status = 422, description = "A rule refused (`reasons` lists every one): `enterprise_not_verified`, `mini_program_limit`, `cloud_account_not_linked`, `person_details_required`, `integration_requires_professional`, `no_active_edition`, `integration_exceeds_edition`, `downgrade_not_allowed`, `term_exceeds_limit`, `quote_required`, `voucher_expired`, `voucher_min_spend`, `voucher_not_applicable`, …", body = api_types::ErrorBody),
    ),
)]
async fn quote(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<QuoteRequest>,
) -> Result<Json<Quote>, ApiError> {
    let mut conn = state.db.read.acquire().await?;
    let buyer = load_buyer(&mut conn, &caller, Lock::None, BuyerReads::of(&body.selection)).await?;
    let ctx = Context { catalog: &state.catalog, buyer: &buyer, channel: body.channel, now: state.clock.now() };
    Ok(Json(domain::quote(&ctx, &body.selection)?))
}

fn idempotency_key(headers: &HeaderMap) -> Result<String, ApiError> {
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::trim).unwrap_or_default();
    if key.is_empty() || key.len() > 128 {
        return Err(ApiError::InvalidInput("the Idempotency-Key header (1–128 characters) is required".into()));
    }
    Ok(key.to_owned())
}

/// ORD-2, PRI-2, PRI-4: one order per idempotency key, priced by the server,
/// refused with the fresh quote when the client's total is stale.
#[utoipa::path(
    post,
    path = "/orders",
    tag = "orders",
    security(("session" = [])),
    params(("Idempotency-Key" = String, Header, description = "1–128 characters; a retry with the same key and body answers the same order")),
    request_body = PlaceOrder,
    responses(
        (status = 201, description = "Placed, awaiting payment", body = OrderView),
        (status = 200, description = "A retry: the order this key placed", body = OrderView),
        (status = 400, description = "`invalid_input` (malformed body, missing Idempotency-Key), `invalid_duration`", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`forbidden`", body = api_types::ErrorBody),
        (status = 409, description = "`quote_changed` (with the fresh `quote`), `voucher_used`, `trial_already_used`", body = api_types::ErrorBody),
        (status = 422, description = "`idempotency_key_reused` (same key, another body), or a rule refused as for `/quote`", body = api_types::ErrorBody),
    ),
)]
async fn place_order(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<PlaceOrder>,
) -> Result<(StatusCode, Json<OrderView>), ApiError> {
    let key = idempotency_key(&headers)?;
    let canonical = serde_json::to_string(&body)
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("the order request as JSON")))?;
    let request_hash: String = Sha256::digest(format!("{}\n{canonical}", caller.account_id()).as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    // BND-3: the phone code given with the details is checked (and its try kept) first.
    details::check_details_code(&state, &caller, body.person_details.as_ref()).await?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let claimed = idempotency::claim(&mut tx, state.db.backend, caller.person_id, &key, &request_hash).await?;
    let Some(id) = claimed else {
        let earlier = idempotency::claimed(&mut tx, caller.person_id, &key).await?;
        tx.rollback().await?;
        if earlier.request_hash != request_hash {
            return Err(ApiError::code(ErrorCode::IdempotencyKeyReused));
        }
        return Ok((StatusCode::OK, Json(order_view(&state, &caller, earlier.order_id.unwrap_or(0)).await?)));
    };
    let buyer = load_buyer(&mut tx, &caller, state.db.for_update(), BuyerReads::of(&body.selection)).await?;
    let details = body.person_details.as_ref();
    details::require_person_details(&mut tx, &caller, &buyer.identity, body.channel, details, now).await?;
    let ctx = Context { catalog: &state.catalog, buyer: &buyer, channel: body.channel, now };
    let quote = domain::quote(&ctx, &body.selection)?;
    if quote.payable != body.expected_total {
        return Err(ApiError::QuoteChanged(Box::new(quote)));
    }
    let pay_by = now + chrono::TimeDelta::seconds(i64::from(state.settings.payment_timeout_secs));
    let new = NewOrder {
        account_id: caller.account_id(),
        placed_by: caller.person_id,
        channel: body.channel,
        selection: &body.selection,
        quote: &quote,
        created_at: now,
        pay_by,
    };
    store::insert(&mut tx, id, &new).await?;
    // SAL-1: the sales quote is used by this order only.
    crate::repo::sales::consume_for_order(&mut tx, &body.selection, id, caller.account_id()).await?;
    // VOU-2: spent exactly once, even under concurrent checkouts.
    if let Some(voucher) = &body.selection.voucher
        && !vouchers::take(&mut tx, voucher, id, caller.account_id()).await?
    {
        return Err(ApiError::code(ErrorCode::VoucherUsed));
    }
    let detail = serde_json::json!({ "payable": quote.payable, "catalog_version": quote.catalog_version });
    crate::repo::audit::append(
        &mut tx,
        now,
        &format!("person:{}", caller.person_id),
        Some(caller.account_id()),
        Some(id),
        "order.placed",
        &detail,
    )
    .await?;
    let order = new.inserted(id)?;
    crate::failpoint::crash_point(crate::failpoint::Step::OrderWriting);
    tx.commit().await?;
    crate::failpoint::crash_point(crate::failpoint::Step::OrderWritten);
    crate::telemetry::metrics::order_placed();
    tracing::info!(order.id = id, amount_fen = order.payable_fen, "order placed");
    Ok((StatusCode::CREATED, Json(order.into())))
}

/// One order the caller may see.
#[utoipa::path(
    get,
    path = "/orders/{id}",
    tag = "orders",
    security(("session" = [])),
    params(("id" = i64, Path, description = "The order's id")),
    responses(
        (status = 200, description = "The order", body = OrderView),
        (status = 400, description = "`invalid_input`: the id is not a number", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 404, description = "`not_found`: no such order for this caller", body = api_types::ErrorBody),
    ),
)]
async fn get_order(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<OrderView>, ApiError> {
    Ok(Json(order_view(&state, &caller, id).await?))
}

/// VIS-1: an enterprise's records for its super admin or legal
/// representative; everyone else sees the orders they placed.
#[utoipa::path(
    get,
    path = "/orders",
    tag = "orders",
    security(("session" = [])),
    responses(
        (status = 200, description = "The orders the caller may see, newest first", body = Vec<OrderView>),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
    ),
)]
async fn list_orders(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<OrderView>>, ApiError> {
    let sees_all = can_view_order_records(&caller.identity(false));
    let mut conn = state.db.read.acquire().await?;
    let orders = store::list(&mut conn, caller.account_id(), (!sees_all).then_some(caller.person_id)).await?;
    let returns = crate::repo::payments::returns_of_account(&mut conn, caller.account_id()).await?;
    Ok(Json(orders.into_iter().map(|o| views::order_with_returns(o, &returns)).collect()))
}

/// ORD-3: an unpaid order can be cancelled; its voucher comes back.
#[utoipa::path(
    post,
    path = "/orders/{id}/cancel",
    tag = "orders",
    security(("session" = [])),
    params(("id" = i64, Path, description = "The order's id")),
    responses(
        (status = 200, description = "Cancelled (closed)", body = OrderView),
        (status = 400, description = "`invalid_input`: the id is not a number", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 404, description = "`not_found`", body = api_types::ErrorBody),
        (status = 409, description = "`invalid_state`: no longer awaiting payment", body = api_types::ErrorBody),
    ),
)]
async fn cancel_order(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<OrderView>, ApiError> {
    visible_order(&state, &caller, id).await?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if !store::close(&mut tx, id, OrderEvent::Cancel, now, &format!("person:{}", caller.person_id)).await? {
        return Err(ApiError::code(ErrorCode::InvalidState));
    }
    let pending = crate::repo::payments::pending_of(&mut tx, id).await?;
    tx.commit().await?;
    crate::telemetry::metrics::order_closed(OrderEvent::Cancel);
    if let Some(pending) = pending
        && let Err(e) = state.gateway.close(&pending.out_trade_no).await
    {
        let out_trade_no = pending.out_trade_no;
        tracing::warn!(order.id = id, out_trade_no, error = %e, "provider payment not closed; reconciliation will retry");
    }
    state.order_changed(id);
    Ok(Json(order_view(&state, &caller, id).await?))
}

/// PAY-1..4, PRI-2: the order is held against the account as it is now
/// before any money moves. The balance is debited in the same transaction as
/// the change to paid; an order a voucher covers in full completes with
/// `voucher`; WeChat Pay and online banking open a payment at the provider,
/// or answer the one already open (one at a time per order).
#[utoipa::path(
    post,
    path = "/orders/{id}/pay",
    tag = "orders",
    security(("session" = [])),
    params(("id" = i64, Path, description = "The order's id")),
    request_body = PayRequest,
    responses(
        (status = 200, description = "Paid from the balance (`prompt` null), or a payment opened at the provider (`prompt` says what to show)", body = PayResponse),
        (status = 400, description = "`invalid_input`: malformed body or id", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`balance_not_permitted`: this role cannot pay from the enterprise's balance", body = api_types::ErrorBody),
        (status = 404, description = "`not_found`", body = api_types::ErrorBody),
        (status = 409, description = "`invalid_state`: not awaiting payment; `quote_changed` (with the fresh `quote`): the account changed since the order was placed, place it again", body = api_types::ErrorBody),
        (status = 422, description = "`insufficient_balance`, `mini_program_limit` (the mini-program pays by WeChat Pay only), or a rule that now refuses the order (`downgrade_not_allowed`, `no_active_edition`, `term_exceeds_limit`, …)", body = api_types::ErrorBody),
        (status = 503, description = "`invalid_state`: the payment provider is unavailable; try again", body = api_types::ErrorBody),
    ),
)]
async fn pay_order(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<PayRequest>,
) -> Result<Json<PayResponse>, ApiError> {
    let OrderToPay { order, balance, open, returns } = visible_for_payment(&state, &caller, id).await?;
    order.status.apply(OrderEvent::Pay, false)?;
    let now = state.clock.now();
    // The payment rules read the payer's identity, the channel and the
    // balance; the order's own rules are judged again when it is held.
    // Whether it is a person's first purchase is no payment rule's concern.
    let identity = caller.identity(false);
    check_payment(&Payer { identity: &identity, channel: order.channel, balance }, body.method, order.quote.payable)?;
    if body.method.is_provider() {
        let prompt = pay::at_provider(&state, &order, body.method, now).await?;
        return Ok(Json(PayResponse { order: order_view(&state, &caller, id).await?, prompt: Some(prompt) }));
    }
    // Answered from the row the payment's write returned.
    let paid = pay::without_provider(&state, &caller, &order, open, body.method, now).await?;
    Ok(Json(PayResponse { order: views::order_with_returns(paid, &returns), prompt: None }))
}
