//! The operators' view of money the product must give back (ORD-1, PAY-4):
//! payments received that are not an order's payment, or that paid for
//! what could not be delivered (`refund_due`), and amounts that did not
//! match (`disputed`). Returning the money is a person's work (ORD-3).

use crate::db::codec;
use crate::http::wire;
use crate::repo::payments::{self as payments, PaymentRow};
use crate::repo::sessions::{self, Caller};
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use domain::access::check_operator;
use domain::payment::{PaymentStatus, RefundReason};
use domain::{Money, PaymentMethod};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_payments))
}

#[derive(Debug, Deserialize)]
struct PaymentsQuery {
    status: String,
}

/// One payment an operator looks at.
#[derive(Debug, Serialize, ToSchema)]
struct OpsPayment {
    out_trade_no: String,
    order_id: i64,
    #[schema(value_type = wire::PaymentMethod)]
    method: PaymentMethod,
    #[schema(value_type = wire::Money)]
    amount: Money,
    #[schema(value_type = wire::PaymentStatus)]
    status: PaymentStatus,
    #[schema(value_type = Option<wire::RefundReason>)]
    reason: Option<RefundReason>,
    #[schema(value_type = String, format = DateTime)]
    opened_at: domain::Instant,
    #[schema(value_type = Option<String>, format = DateTime)]
    received_at: Option<domain::Instant>,
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
        (status = 400, description = "`invalid_input`: another status, or none", body = wire::Error),
        (status = 401, description = "`unauthenticated`", body = wire::Error),
        (status = 403, description = "`forbidden`: not an operator", body = wire::Error),
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
