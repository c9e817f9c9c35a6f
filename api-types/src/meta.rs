use serde::{Deserialize, Serialize};

/// `GET /api/dev/db-stats` (development only): the SQL statements and
/// write transactions the server process has sent since it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DbStats {
    pub statements: u64,
    pub transactions: u64,
}

/// `GET /api/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    #[cfg_attr(feature = "openapi", schema(example = "ok"))]
    pub status: String,
}

/// `GET /api/environment`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Environment {
    /// In development the server lists demo accounts, has the payment
    /// sandbox's payer pages and confirm action, and shows the SMS outbox.
    pub development: bool,
}

/// `GET /api/ready`: whether this server can take traffic, check by check
/// (200 when every one is ready, 503 otherwise, with the same body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Readiness {
    /// Every check is ready.
    pub ready: bool,
    /// `database`, `migrations` and `workers`, in that order.
    pub checks: Vec<ReadinessCheck>,
}

/// One check of [`Readiness`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadinessCheck {
    #[cfg_attr(feature = "openapi", schema(example = "database"))]
    pub name: String,
    pub ready: bool,
    /// What was found, for a person (`answers`, `7 of 7 applied`, `stopped: delivery`).
    pub detail: String,
}
