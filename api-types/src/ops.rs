use domain::payment::{PaymentStatus, RefundReason};
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
