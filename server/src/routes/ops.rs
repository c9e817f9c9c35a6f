//! The operators' view of money the product must give back (ORD-1, PAY-4):
//! payments received that are not an order's payment, or that paid for
//! what could not be delivered (`refund_due`), and amounts that did not
//! match (`disputed`). Returning the money is a person's work (ORD-3).

use crate::db::codec;
use crate::repo::payments::{self as payments, PaymentRow};
use crate::repo::sessions::{self, Caller};
use crate::{ApiError, AppState};
use api_types::OpsPayment;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use domain::Money;
use domain::access::check_operator;
use domain::payment::PaymentStatus;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_payments))
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

/// Money to return (`refund_due`) or to look at (`disputed`), oldest first.
#[utoipa::path(
    get,
    path = "/ops/payments",
    tag = "ops",
    security(("session" = [])),
    params(("status" = String, Query, description = "`refund_due` or `disputed`")),
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
    let mut conn = state.db.read.acquire().await?;
    check_operator(sessions::is_operator(&mut conn, caller.person_id).await?)?;
    let Query(query) = query.map_err(|e| ApiError::InvalidInput(e.body_text()))?;
    let status: PaymentStatus = codec::parse(&query.status)
        .ok()
        .filter(|s| matches!(s, PaymentStatus::RefundDue | PaymentStatus::Disputed))
        .ok_or_else(|| ApiError::InvalidInput("status: refund_due or disputed".into()))?;
    let found = payments::in_status(&mut conn, status).await?;
    Ok(Json(found.into_iter().map(OpsPayment::from).collect()))
}
