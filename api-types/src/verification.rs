use domain::Instant;
use domain::verification::Purpose;
use serde::{Deserialize, Serialize};

/// `POST /api/verification/send` (VER-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SendRequest {
    pub purpose: Purpose,
}

/// Where the code went, masked, and when it may be sent again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Sent {
    pub purpose: Purpose,
    /// The phone, masked: `138****0001`.
    pub phone: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: Instant,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub resend_at: Instant,
}

/// `POST /api/verification/check` (VER-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckRequest {
    pub purpose: Purpose,
    /// The six digits received.
    pub code: String,
}

/// A code accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Checked {
    pub purpose: Purpose,
    /// The identity counts as verified for this purpose until then.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub verified_until: Instant,
}

/// A message in the bundled SMS gateway's outbox (development).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxMessage {
    pub id: i64,
    pub phone: String,
    pub text: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub sent_at: Instant,
}
