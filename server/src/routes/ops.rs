//! The operators' room (ORD-1, ORD-3, PAY-4): money the product must give
//! back (`refund_due`: received for an order that closed or was paid
//! otherwise, or that paid for what could not be delivered), amounts that
//! did not match (`disputed`), and deliveries that need a person. Returning
//! money and trying a delivery again are a person's work, here; every action
//! is audited under the operator's name and refused to everyone else.

use crate::db::Lock;
use crate::db::codec;
use crate::repo::orders as store;
use crate::repo::payments::{self as payments, PaymentRow};
use crate::repo::refunds::RefundRow;
use crate::repo::sessions::{self, Caller};
use crate::repo::{accounts, audit, deliveries};
use crate::workers::refund;
use crate::{ApiError, AppState};
use api_types::{OpsAccount, OpsDelivery, OpsPayment, OpsRefund, OrderView, TimelineEntry};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use domain::Money;
use domain::access::check_operator;
use domain::order::OrderEvent;
use domain::payment::PaymentStatus;
use domain::refund::check_retry;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_payments))
        .routes(routes!(refund_payment))
        .routes(routes!(list_deliveries))
        .routes(routes!(retry_delivery))
        .routes(routes!(find_accounts))
        .routes(routes!(account_timeline))
}

/// Refused (403) unless the caller is an operator; the audit log's name for them.
async fn operator(state: &AppState, caller: &Caller) -> Result<String, ApiError> {
    let mut conn = state.db.read.acquire().await?;
    check_operator(sessions::is_operator(&mut conn, caller.person_id).await?)?;
    Ok(format!("person:{}", caller.person_id))
}

#[derive(Debug, Deserialize)]
struct PaymentsQuery {
    status: String,
}

impl From<PaymentRow> for OpsPayment {
    fn from(p: PaymentRow) -> Self {
        OpsPayment {
            out_trade_no: p.out_trade_no,
            order_id: p.order_id,
            method: p.method,
            amount: Money::from_fen(p.amount_fen),
            status: p.status,
            reason: p.refund_reason,
            opened_at: p.created_at,
            received_at: p.settled_at,
        }
    }
}

fn refund_view(r: RefundRow, already_requested: bool) -> OpsRefund {
    OpsRefund {
        out_refund_no: r.out_refund_no,
        out_trade_no: r.out_trade_no,
        order_id: r.order_id,
        amount: Money::from_fen(r.amount_fen),
        status: r.status,
        refund_id: r.refund_id,
        failure: r.failure,
        requested_by: r.requested_by,
        requested_at: r.requested_at,
        settled_at: r.settled_at,
        already_requested,
    }
}

/// Money to return (`refund_due`), to look at (`disputed`), on its way back
/// (`refunding`) or returned (`refunded`), oldest first.
#[utoipa::path(
    get,
    path = "/ops/payments",
    tag = "ops",
    security(("session" = [])),
    params(("status" = String, Query, description = "`refund_due`, `disputed`, `refunding` or `refunded`")),
    responses(
        (status = 200, description = "The payments in that status, oldest received first", body = Vec<OpsPayment>),
        (status = 400, description = "`invalid_input`: another status, or none", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`forbidden`: not an operator", body = api_types::ErrorBody),
    ),
)]
async fn list_payments(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<PaymentsQuery>, QueryRejection>,
) -> Result<Json<Vec<OpsPayment>>, ApiError> {
    operator(&state, &caller).await?;
    let Query(query) = query.map_err(|e| ApiError::InvalidInput(e.body_text()))?;
    let status: PaymentStatus = codec::parse(&query.status)
        .ok()
        .filter(|s| {
            matches!(
                s,
                PaymentStatus::RefundDue | PaymentStatus::Disputed | PaymentStatus::Refunding | PaymentStatus::Refunded
            )
        })
        .ok_or_else(|| ApiError::InvalidInput("status: refund_due, disputed, refunding or refunded".into()))?;
    let mut conn = state.db.read.acquire().await?;
    let found = payments::in_status(&mut conn, status).await?;
    Ok(Json(found.into_iter().map(OpsPayment::from).collect()))
}

/// Returns money to be returned (ORD-3): through the provider that
/// collected it (asynchronously: `processing` until its notification), or
/// straight to the balance it came from. Pressing again, or two operators at
/// once, make one refund: the later press is answered with the earlier one.
#[utoipa::path(
    post,
    path = "/ops/payments/{out_trade_no}/refund",
    tag = "ops",
    security(("session" = [])),
    params(("out_trade_no" = String, Path, description = "The payment to return")),
    responses(
        (status = 200, description = "The refund, as the provider took it (or as an earlier press had)", body = OpsRefund),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`forbidden`: not an operator", body = api_types::ErrorBody),
        (status = 404, description = "`not_found`: no such payment", body = api_types::ErrorBody),
        (status = 409, description = "`not_refundable` (not money to return), `delivery_in_progress` (retried, \
                                      not given up again), `invoice_outstanding` (an invoice stands on the order)", body = api_types::ErrorBody),
    ),
)]
async fn refund_payment(
    State(state): State<AppState>,
    caller: Caller,
    Path(out_trade_no): Path<String>,
) -> Result<Json<OpsRefund>, ApiError> {
    let actor = operator(&state, &caller).await?;
    let requested = refund::request(&state, &actor, &out_trade_no).await?;
    Ok(Json(refund_view(requested.refund, requested.already)))
}

/// Paid orders whose delivery was given up (`needs_attention`), the longest
/// waiting first, each with its payment to return.
#[utoipa::path(
    get,
    path = "/ops/deliveries",
    tag = "ops",
    security(("session" = [])),
    responses(
        (status = 200, description = "The orders that need a person", body = Vec<OpsDelivery>),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`forbidden`: not an operator", body = api_types::ErrorBody),
    ),
)]
async fn list_deliveries(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<OpsDelivery>>, ApiError> {
    operator(&state, &caller).await?;
    let mut conn = state.db.read.acquire().await?;
    let orders = store::needing_attention(&mut conn, 500).await?;
    let mut found = Vec::with_capacity(orders.len());
    for o in orders {
        let payment = payments::kept_for_delivery(&mut conn, o.id).await?.map(OpsPayment::from);
        found.push(OpsDelivery {
            order_id: o.id,
            account_id: o.account_id,
            status: o.status,
            payable: Money::from_fen(o.payable_fen),
            method: o.payment_method,
            attention: o.attention,
            paid_at: o.paid_at,
            payment,
        });
    }
    Ok(Json(found))
}

/// Sends a delivery that was given up back to the delivery worker
/// (`needs_attention` → `paid`), while its money has not gone back: the
/// payment stays flagged until the delivery succeeds, then it is the
/// order's payment again. Refused while a refund of it is under way or done.
#[utoipa::path(
    post,
    path = "/ops/orders/{id}/retry-delivery",
    tag = "ops",
    security(("session" = [])),
    params(("id" = i64, Path, description = "The order to deliver again")),
    responses(
        (status = 200, description = "The order, paid again and awaiting its delivery", body = OrderView),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`forbidden`: not an operator", body = api_types::ErrorBody),
        (status = 404, description = "`not_found`: no such order", body = api_types::ErrorBody),
        (status = 409, description = "`invalid_state` (not waiting for a person), `refund_underway` (its money is \
                                      going or has gone back)", body = api_types::ErrorBody),
    ),
)]
async fn retry_delivery(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<OrderView>, ApiError> {
    let actor = operator(&state, &caller).await?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let order = store::find_any(&mut tx, id, state.db.for_update())
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no order {id}")))?;
    let payment = payments::kept_for_delivery(&mut tx, id).await?;
    check_retry(order.status, payment.as_ref().map(|p| p.status))?;
    if !store::apply(&mut tx, &order, OrderEvent::Retry, now, &actor, "order.delivery_retried").await?
        || !deliveries::reopen(&mut tx, id).await?
    {
        return Err(ApiError::internal(format!("order {id} could not be sent back to delivery")));
    }
    tx.commit().await?;
    state.order_changed(id);
    let mut conn = state.db.read.acquire().await?;
    let order = store::find_any(&mut conn, id, Lock::None)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no order {id}")))?;
    Ok(Json(OrderView::from(order)))
}

#[derive(Debug, Deserialize)]
struct AccountsQuery {
    q: String,
}

/// Finds accounts by id, enterprise name, or a person's login, name or phone.
#[utoipa::path(
    get,
    path = "/ops/accounts",
    tag = "ops",
    security(("session" = [])),
    params(("q" = String, Query, description = "An account id, part of a name or login, or a whole phone number")),
    responses(
        (status = 200, description = "Up to 50 accounts, by id", body = Vec<OpsAccount>),
        (status = 400, description = "`invalid_input`: no `q`, or one under 2 or over 50 characters", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`forbidden`: not an operator", body = api_types::ErrorBody),
    ),
)]
async fn find_accounts(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<AccountsQuery>, QueryRejection>,
) -> Result<Json<Vec<OpsAccount>>, ApiError> {
    operator(&state, &caller).await?;
    let Query(query) = query.map_err(|e| ApiError::InvalidInput(e.body_text()))?;
    let text = query.q.trim();
    if !(1..=50).contains(&text.chars().count()) || (text.chars().count() < 2 && text.parse::<i64>().is_err()) {
        return Err(ApiError::InvalidInput("q: an account id, or 2 to 50 characters".into()));
    }
    let mut conn = state.db.read.acquire().await?;
    let found = accounts::search(&mut conn, text, 50).await?;
    Ok(Json(found.into_iter().map(|(account_id, kind, name)| OpsAccount { account_id, kind, name }).collect()))
}

/// An account's history, newest first: orders, payments, deliveries, quota
/// moves, bindings, invoices, refunds, as the append-only audit log has them.
#[utoipa::path(
    get,
    path = "/ops/accounts/{id}/timeline",
    tag = "ops",
    security(("session" = [])),
    params(("id" = i64, Path, description = "The account")),
    responses(
        (status = 200, description = "Up to 500 lines, newest first (empty for an account with no history)", body = Vec<TimelineEntry>),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`forbidden`: not an operator", body = api_types::ErrorBody),
    ),
)]
async fn account_timeline(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<TimelineEntry>>, ApiError> {
    operator(&state, &caller).await?;
    let mut conn = state.db.read.acquire().await?;
    let entries = audit::of_account(&mut conn, id, 500).await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|e| TimelineEntry { at: e.at, actor: e.actor, order_id: e.order_id, event: e.event, detail: e.detail })
            .collect(),
    ))
}
