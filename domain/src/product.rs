//! What is sold: editions and add-ons, as closed sets (CAT-1, CAT-5).

use serde::de::IntoDeserializer;
use serde::de::value::Error as ValueError;
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
#[serde(tag = "kind", content = "id", rename_all = "snake_case", try_from = "ProductWire")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Product {
    Edition(Edition),
    AddOn(AddOn),
}

/// A product as the wire carries it, `{"kind": …, "id": …}`, read as two
/// plain fields: serde's adjacently tagged enums buffer the object when `id`
/// comes first, and that buffering's code would ride in the app's first
/// download for this one type.
#[derive(Deserialize)]
struct ProductWire {
    kind: ProductKind,
    id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum ProductKind {
    Edition,
    AddOn,
}

impl TryFrom<ProductWire> for Product {
    type Error = ValueError;

    fn try_from(ProductWire { kind, id }: ProductWire) -> Result<Self, Self::Error> {
        let id = id.as_str().into_deserializer();
        match kind {
            ProductKind::Edition => Edition::deserialize(id).map(Product::Edition),
            ProductKind::AddOn => AddOn::deserialize(id).map(Product::AddOn),
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cat_1_a_product_reads_back_what_it_wrote_in_either_field_order() {
        for product in [Product::Edition(Edition::Flagship), Product::AddOn(AddOn::ContractPack10k)] {
            let json = serde_json::to_string(&product).expect("written");
            assert_eq!(serde_json::from_str::<Product>(&json).expect("read"), product, "{json}");
        }
        let reversed: Product = serde_json::from_str(r#"{"id":"integration","kind":"add_on"}"#).expect("id first");
        assert_eq!(reversed, Product::AddOn(AddOn::Integration));
        assert!(serde_json::from_str::<Product>(r#"{"kind":"edition","id":"integration"}"#).is_err());
        assert!(serde_json::from_str::<Product>(r#"{"kind":"voucher","id":"advanced"}"#).is_err());
    }
}
