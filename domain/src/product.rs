//! What is sold: editions and add-ons, as closed sets (CAT-1, CAT-5).

use serde::{Deserialize, Serialize};

/// A product edition, in rank order (CAT-1): comparing two editions compares rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Edition {
    Advanced,
    Professional,
    Flagship,
}

impl Edition {
    /// Every edition, lowest rank first.
    pub const ALL: [Edition; 3] = [Edition::Advanced, Edition::Professional, Edition::Flagship];

    pub(crate) fn index(self) -> usize {
        match self {
            Edition::Advanced => 0,
            Edition::Professional => 1,
            Edition::Flagship => 2,
        }
    }
}

/// An add-on service (CAT-5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AddOn {
    #[serde(rename = "contract_pack_1k")]
    ContractPack1k,
    #[serde(rename = "contract_pack_10k")]
    ContractPack10k,
    Integration,
    SigningReports,
    MeetingSigning,
}

impl AddOn {
    /// Every add-on, in catalog order.
    pub const ALL: [AddOn; 5] = [
        AddOn::ContractPack1k,
        AddOn::ContractPack10k,
        AddOn::Integration,
        AddOn::SigningReports,
        AddOn::MeetingSigning,
    ];

    pub(crate) fn index(self) -> usize {
        match self {
            AddOn::ContractPack1k => 0,
            AddOn::ContractPack10k => 1,
            AddOn::Integration => 2,
            AddOn::SigningReports => 3,
            AddOn::MeetingSigning => 4,
        }
    }

    /// The quota an add-on's units count in, if it grants any.
    pub fn quota(self) -> Option<QuotaKind> {
        match self {
            AddOn::ContractPack1k | AddOn::ContractPack10k => Some(QuotaKind::Contracts),
            AddOn::SigningReports => Some(QuotaKind::SigningReports),
            AddOn::MeetingSigning => Some(QuotaKind::MeetingSigning),
            AddOn::Integration => None,
        }
    }
}

/// A line's product: the edition or one add-on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Product {
    Edition(Edition),
    AddOn(AddOn),
}

/// What a quota counts (QUO, ADD-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum QuotaKind {
    Contracts,
    SigningReports,
    MeetingSigning,
}

impl QuotaKind {
    /// Every kind of quota.
    pub const ALL: [QuotaKind; 3] = [QuotaKind::Contracts, QuotaKind::SigningReports, QuotaKind::MeetingSigning];
}
