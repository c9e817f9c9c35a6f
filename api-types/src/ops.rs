use domain::order::OrderStatus;
use domain::payment::{PaymentStatus, RefundReason};
use domain::refund::RefundStatus;
use domain::{Instant, Money, PaymentMethod};
use serde::{Deserialize, Serialize};

/// A provider payment as operations staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpsPayment {
    pub out_trade_no: String,
    pub order_id: i64,
    pub method: PaymentMethod,
    pub amount: Money,
    pub status: PaymentStatus,
    pub reason: Option<RefundReason>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub opened_at: Instant,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub received_at: Option<Instant>,
}

/// A request to return a payment, as operations staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpsRefund {
    /// The refund's number at the provider (`{out_trade_no}-{n}`).
    pub out_refund_no: String,
    pub out_trade_no: String,
    pub order_id: i64,
    pub amount: Money,
    pub status: RefundStatus,
    /// The provider's id for it, once taken.
    pub refund_id: Option<String>,
    /// Why the provider could not return it.
    pub failure: Option<String>,
    pub requested_by: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub requested_at: Instant,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub settled_at: Option<Instant>,
    /// True when an earlier press had asked for it: this press changed nothing.
    pub already_requested: bool,
}

/// A paid order whose delivery needs a person (`needs_attention`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpsDelivery {
    pub order_id: i64,
    pub account_id: i64,
    pub status: OrderStatus,
    pub payable: Money,
    pub method: Option<PaymentMethod>,
    /// Why delivery was given up.
    pub attention: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub paid_at: Option<Instant>,
    /// The order's payment, flagged to be returned (none when nothing was collected).
    pub payment: Option<OpsPayment>,
}

/// An account found by the operators' lookup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpsAccount {
    pub account_id: i64,
    /// `enterprise` or `person`.
    pub kind: String,
    /// The enterprise's name, or the person's with their login.
    pub name: String,
}

/// One line of an account's history, from the append-only audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineEntry {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Instant,
    /// Who: `person:{id}`, or the part of the system (`payment`, `delivery`, `reconciliation`, …).
    pub actor: String,
    pub order_id: Option<i64>,
    /// What happened (`order.paid`, `refund.succeeded`, `quota.drawn`, …).
    pub event: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub detail: serde_json::Value,
}
