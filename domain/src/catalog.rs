//! The catalog (CAT): editions, add-ons, prices, allotments and limits as data
//! (CAT-6), never literals in code. The default is embedded; its version is a
//! hash of its content, so a quote can name exactly what it was priced from.

use crate::error::{DomainError, ErrorCode};
use crate::money::Money;
use crate::product::{AddOn, Edition};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const DEFAULT_CATALOG: &str = include_str!("../catalog/default.json");

/// An edition's contract allotment (CAT-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Allotment {
    /// Granted once per year bought.
    PerYear(u64),
    /// Granted once, whatever the term ("use freely", Flagship).
    Once(u64),
}

/// An edition as sold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EditionOffer {
    pub edition: Edition,
    pub name_zh: String,
    pub name_en: String,
    /// `None`: not sold at a list price, a sales manager quotes (CAT-4).
    pub yearly_price: Option<Money>,
    pub allotment: Allotment,
}

/// How long what an add-on grants stays valid (QUO-3, INT-2, ADD-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AddOnValidity {
    /// Expires with the edition (contract packs).
    FollowsEdition,
    /// Bought per year, never outliving the edition (integration).
    PerYear,
    /// Valid one year from purchase (signing reports, meeting signing).
    OneYear,
}

/// An add-on as sold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddOnOffer {
    pub addon: AddOn,
    pub name_zh: String,
    pub name_en: String,
    /// Price per pack, or per year for [`AddOnValidity::PerYear`].
    pub price: Money,
    /// Contracts or uses in one pack (0 when the add-on grants no quota).
    pub units: u64,
    pub validity: AddOnValidity,
}

/// Limits that are policy, not code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Limits {
    /// CAT-2: the longest term, in years.
    pub max_years: u8,
    /// The most packs one line may hold.
    pub max_packs_per_line: u32,
    /// CH-2 decision: the largest single payment the mini-program takes.
    pub mini_program_payment_ceiling: Money,
    /// TRI-1: trial length and allotment.
    pub trial_days: u32,
    pub trial_allotment: u64,
    /// CAT-3 / SAL-1: a Flagship quote grants at least this many contracts.
    pub flagship_min_allotment: u64,
}

/// INV-1: how the services are invoiced (税收分类编码 and rate), catalog
/// data like prices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoicingTerms {
    /// The VAT rate of these services, e.g. "0.06".
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tax_rate: rust_decimal::Decimal,
    /// The 19-digit tax classification code (税收分类编码) of every line.
    pub tax_code: String,
    /// The short category name a 数电票 line begins with (*信息技术服务*).
    pub category_zh: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct CatalogData {
    currency: String,
    editions: Vec<EditionOffer>,
    addons: Vec<AddOnOffer>,
    limits: Limits,
    invoicing: InvoicingTerms,
}

/// One object on the wire: the content's fields and `version` beside them.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Catalog {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::RefOr;
        use utoipa::openapi::schema::{Object, Schema, Type};
        let mut schema = <CatalogData as utoipa::PartialSchema>::schema();
        if let RefOr::T(Schema::Object(object)) = &mut schema {
            let version = Object::builder()
                .schema_type(Type::String)
                .description(Some("A hash of the content: a quote names the catalog it was priced from."));
            object.properties.insert("version".to_owned(), version.into());
            object.required.push("version".to_owned());
        }
        schema
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Catalog {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("Catalog")
    }

    fn schemas(schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) {
        <CatalogData as utoipa::ToSchema>::schemas(schemas);
    }
}

/// The catalog as it arrives: its content's fields with `version` beside
/// them, spelled out rather than flattened, because serde's flatten buffers
/// the whole object first and that machinery weighs on the app's download.
#[derive(Deserialize)]
struct CatalogWire {
    version: String,
    currency: String,
    editions: Vec<EditionOffer>,
    addons: Vec<AddOnOffer>,
    limits: Limits,
    invoicing: InvoicingTerms,
}

/// The parsed, checked catalog and its version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CatalogWire")]
pub struct Catalog {
    version: String,
    #[serde(flatten)]
    data: CatalogData,
}

impl TryFrom<CatalogWire> for Catalog {
    type Error = DomainError;

    /// A catalog received over the wire must carry the version of its content.
    fn try_from(wire: CatalogWire) -> Result<Self, Self::Error> {
        let CatalogWire { version, currency, editions, addons, limits, invoicing } = wire;
        let catalog = Catalog::from_data(CatalogData { currency, editions, addons, limits, invoicing })?;
        if catalog.version != version {
            return Err(DomainError::invalid("version"));
        }
        Ok(catalog)
    }
}

impl Catalog {
    /// The catalog embedded in the build.
    pub fn load_default() -> Result<Catalog, DomainError> {
        Catalog::from_json(DEFAULT_CATALOG)
    }

    /// Parses and checks a catalog file.
    pub fn from_json(text: &str) -> Result<Catalog, DomainError> {
        let data: CatalogData = serde_json::from_str(text).map_err(|_| DomainError::invalid("catalog"))?;
        Catalog::from_data(data)
    }

    fn from_data(mut data: CatalogData) -> Result<Catalog, DomainError> {
        let bad = |field: &str| DomainError::with_field(ErrorCode::InvalidInput, field);
        if data.currency != "CNY" {
            return Err(bad("currency"));
        }
        data.editions.sort_by_key(|o| o.edition);
        data.addons.sort_by_key(|o| o.addon);
        let editions: Vec<Edition> = data.editions.iter().map(|o| o.edition).collect();
        let addons: Vec<AddOn> = data.addons.iter().map(|o| o.addon).collect();
        if editions != Edition::ALL {
            return Err(bad("editions"));
        }
        if addons != AddOn::ALL {
            return Err(bad("addons"));
        }
        let priced = |m: Money| m.round() == m && !m.is_negative();
        for offer in &data.editions {
            let listed = offer.yearly_price.is_some_and(priced);
            // Only Flagship is quoted by sales (CAT-4); every other edition has a list price.
            if listed == (offer.edition == Edition::Flagship) {
                return Err(bad("yearly_price"));
            }
        }
        if !data.addons.iter().all(|o| priced(o.price)) {
            return Err(bad("price"));
        }
        if data.limits.max_years == 0 || data.limits.max_packs_per_line == 0 {
            return Err(bad("limits"));
        }
        let terms = &data.invoicing;
        let rate_ok = terms.tax_rate >= rust_decimal::Decimal::ZERO && terms.tax_rate < rust_decimal::Decimal::ONE;
        if !rate_ok || terms.tax_code.len() != 19 || !terms.tax_code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("invoicing"));
        }
        let canonical = serde_json::to_vec(&data).map_err(|_| bad("catalog"))?;
        let digest = Sha256::digest(&canonical);
        let version = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
        Ok(Catalog { version, data })
    }

    /// A hash of the content: equal versions mean equal prices and rules.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// INV-1: the tax terms invoices are issued with.
    pub fn invoicing(&self) -> &InvoicingTerms {
        &self.data.invoicing
    }

    /// The offer for one edition.
    pub fn edition(&self, edition: Edition) -> &EditionOffer {
        // from_data guarantees one offer per edition, in enum order.
        &self.data.editions[edition.index()]
    }

    /// The offer for one add-on.
    pub fn addon(&self, addon: AddOn) -> &AddOnOffer {
        &self.data.addons[addon.index()]
    }

    /// Every edition offer, lowest rank first.
    pub fn editions(&self) -> &[EditionOffer] {
        &self.data.editions
    }

    /// Every add-on offer.
    pub fn addons(&self) -> &[AddOnOffer] {
        &self.data.addons
    }

    /// The catalog's limits.
    pub fn limits(&self) -> &Limits {
        &self.data.limits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        Catalog::load_default().expect("the embedded catalog is valid")
    }

    #[test]
    fn cat_1_three_editions_in_rank_order() {
        let c = catalog();
        let names: Vec<&str> = c.editions().iter().map(|o| o.name_zh.as_str()).collect();
        assert_eq!(names, ["高级版", "专业版", "旗舰版"]);
        assert!(Edition::Advanced < Edition::Professional && Edition::Professional < Edition::Flagship);
    }

    #[test]
    fn cat_3_each_edition_has_an_allotment_and_flagship_gets_two_million_once() {
        let c = catalog();
        assert!(matches!(c.edition(Edition::Advanced).allotment, Allotment::PerYear(n) if n > 0));
        assert!(matches!(c.edition(Edition::Professional).allotment, Allotment::PerYear(n) if n > 0));
        assert_eq!(c.edition(Edition::Flagship).allotment, Allotment::Once(2_000_000));
        assert_eq!(c.limits().flagship_min_allotment, 2_000_000);
    }

    #[test]
    fn cat_4_flagship_has_no_list_price() {
        let c = catalog();
        assert_eq!(c.edition(Edition::Flagship).yearly_price, None);
        let listed_flagship = DEFAULT_CATALOG.replacen("\"yearly_price\": null", "\"yearly_price\": \"1.00\"", 1);
        assert!(Catalog::from_json(&listed_flagship).is_err(), "a list-priced Flagship is refused");
    }

    #[test]
    fn cat_5_add_ons_are_two_pack_sizes_integration_reports_and_meetings() {
        let c = catalog();
        assert_eq!(c.addon(AddOn::ContractPack1k).units, 1_000);
        assert_eq!(c.addon(AddOn::ContractPack10k).units, 10_000);
        assert_eq!(c.addon(AddOn::Integration).validity, AddOnValidity::PerYear);
        assert_eq!(c.addon(AddOn::SigningReports).validity, AddOnValidity::OneYear);
        assert_eq!(c.addon(AddOn::MeetingSigning).validity, AddOnValidity::OneYear);
        assert_eq!(c.addon(AddOn::ContractPack1k).validity, AddOnValidity::FollowsEdition);
    }

    #[test]
    fn cat_6_prices_are_data_and_the_version_follows_the_content() {
        let c = catalog();
        let cheaper = DEFAULT_CATALOG.replacen("\"6980.00\"", "\"5980.00\"", 1);
        let other = Catalog::from_json(&cheaper).expect("valid");
        assert_eq!(other.edition(Edition::Advanced).yearly_price, Some(Money::yuan(5980)));
        assert_ne!(other.version(), c.version());
        let reformatted = DEFAULT_CATALOG.replace("  ", " ");
        assert_eq!(Catalog::from_json(&reformatted).expect("valid").version(), c.version());
    }

    #[test]
    fn cat_6_refuses_sub_fen_prices_and_missing_products() {
        let sub_fen = DEFAULT_CATALOG.replacen("\"6980.00\"", "\"6980.001\"", 1);
        assert!(Catalog::from_json(&sub_fen).is_err());
        let no_meetings = DEFAULT_CATALOG.replacen("meeting_signing", "signing_reports", 1);
        assert!(Catalog::from_json(&no_meetings).is_err());
    }

    #[test]
    fn travels_as_json_and_checks_its_version() {
        let c = catalog();
        let json = serde_json::to_string(&c).expect("serialises");
        let back: Catalog = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, c);
        let tampered = json.replacen("6980.00", "1.00", 1);
        assert!(serde_json::from_str::<Catalog>(&tampered).is_err(), "content no longer matches its version");
    }
}
