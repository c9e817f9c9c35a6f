use domain::{DomainError, ErrorCode, Quote};
use serde::{Deserialize, Serialize};

/// Every error: a stable code and a message to show. A refusal by several
/// rules lists them all in `reasons` (the deciding one first); `quote_changed`
/// carries the fresh quote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Error))]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
    /// The input at fault, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<DomainError>,
    /// With `quote_changed`: the fresh quote the server would charge (PRI-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<Quote>,
}
