use domain::ledger::history::QuotaMove;
use serde::{Deserialize, Serialize};

/// `GET /api/billing/quota-moves`: one page of the quota history (份额变动记录), newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuotaHistory {
    pub moves: Vec<QuotaMove>,
    /// The `before` of the next (older) page; none when this page reaches the first move.
    pub next_before: Option<u64>,
}
