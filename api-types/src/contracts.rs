use domain::Instant;
use domain::ledger::{ContractStatus, GrantId};
use serde::{Deserialize, Serialize};

/// A contract as the API shows it (QUO-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Contract))]
pub struct ContractView {
    pub id: i64,
    pub title: String,
    pub status: ContractStatus,
    /// The person who initiated it.
    pub initiated_by: i64,
    /// The grant its contract was drawn from (QUO-2).
    pub grant: GrantId,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Instant,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub signed_at: Option<Instant>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub withdrawn_at: Option<Instant>,
}

/// `POST /api/contracts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Initiate {
    /// 1–200 characters once trimmed.
    #[cfg_attr(feature = "openapi", schema(example = "采购合同 2026-001"))]
    pub title: String,
}
