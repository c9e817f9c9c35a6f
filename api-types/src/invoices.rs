use domain::{Channel, Instant, Money};
use serde::{Deserialize, Serialize};

/// `POST /api/invoices` (INV-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceRequest {
    pub order_id: i64,
    /// Where the request comes from (default `web`); invoices are a web console feature.
    #[serde(default = "web")]
    pub channel: Channel,
}

fn web() -> Channel {
    Channel::Web
}

/// An invoice (INV-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceView {
    pub id: i64,
    pub order_id: i64,
    /// What was paid (INV-1: not what a voucher covered).
    pub amount: Money,
    /// The enterprise the invoice is made out to.
    pub title: String,
    pub status: String,
    pub requested_by: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Instant,
}
