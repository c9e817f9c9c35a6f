use domain::Instant;
use domain::enterprise_verification::RequestStatus;
use serde::{Deserialize, Serialize};

/// `POST /api/enterprises/{id}/verification` (VER-2): the enterprise as its
/// business licence states it. Checked by `domain::enterprise_verification::VerificationForm`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerificationApplication {
    /// The registered name, 2–60 characters.
    pub name: String,
    /// The unified social credit code (统一社会信用代码), 18 characters.
    pub credit_code: String,
    /// The legal representative's name, 2–30 characters.
    pub legal_representative: String,
}

/// One verification request and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerificationView {
    pub id: i64,
    pub enterprise_id: i64,
    pub name: String,
    pub credit_code: String,
    pub legal_representative: String,
    pub status: RequestStatus,
    /// The person who asked (they become its super admin when approved).
    pub requested_by: i64,
    pub requester_name: String,
    /// Why it was rejected.
    pub reason: Option<String>,
    /// The operator who decided (shown to operators only).
    pub decided_by: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Instant,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub decided_at: Option<Instant>,
}

/// `GET /api/enterprises/{id}/verification`: the enterprise and its latest request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnterpriseVerification {
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub verified: bool,
    /// Its newest request, if it ever asked.
    pub request: Option<VerificationView>,
}

/// `POST /api/ops/verifications/{id}/reject`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RejectVerification {
    /// Shown to the requester, 2–200 characters.
    pub reason: String,
}
