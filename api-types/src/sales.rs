use crate::OrderView;
use domain::Buyer;
use domain::sales::{LeadKind, LeadStatus};
use domain::{Instant, Money};
use serde::{Deserialize, Serialize};

/// A contact request as stored (SAL-1, CH-4), with the quotes issued for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadView {
    pub id: i64,
    pub kind: LeadKind,
    pub account_id: i64,
    /// The enterprise's name, or the person's when they asked personally.
    pub account_name: String,
    pub contact_name: String,
    pub phone: String,
    pub company: String,
    pub message: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Instant,
    pub status: LeadStatus,
    pub quotes: Vec<QuoteView>,
    /// The sales managers' conversation notes, oldest first.
    pub notes: Vec<LeadNote>,
}

/// A note a sales manager kept on a lead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadNote {
    pub author: String,
    pub body: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Instant,
}

/// `GET /api/sales/leads/{id}`: the lead with the buyer's account as the
/// rules see it (a quote can be previewed against it) and its past orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadDetail {
    pub lead: LeadView,
    pub buyer: Buyer,
    pub orders: Vec<OrderView>,
}

/// `PUT /api/sales/leads/{id}/status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadStatusChange {
    pub status: LeadStatus,
}

/// `POST /api/sales/leads/{id}/notes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoteRequest {
    pub body: String,
}

/// A Flagship sales quote (SAL-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuoteView {
    /// What the buyer names in `{"edition": {"edition": "flagship", "sales_quote": id}}`.
    pub id: String,
    pub years: u8,
    pub price: Money,
    pub contracts: u64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: Instant,
    pub lead_id: i64,
    pub account_id: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub issued_at: Instant,
    /// The open or paid order that uses it (a closed order gives it back).
    pub used_by_order: Option<i64>,
}
