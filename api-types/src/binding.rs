use crate::OrderView;
use domain::Instant;
use serde::{Deserialize, Serialize};

/// `POST /api/orders/{id}/bind` (BND-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BindRequest {
    /// A verified enterprise the person has joined.
    pub enterprise_id: i64,
}

/// A personal order bound to an enterprise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bound {
    pub order: OrderView,
    pub enterprise_id: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub bound_at: Instant,
}
