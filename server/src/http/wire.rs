//! Schemas of the `domain` types that travel as JSON. `domain` compiles to
//! wasm for the browser and must not depend on utoipa, so each type is
//! described here: leaves by hand (money as a string, enums from the
//! domain's own cases through serde, so their values cannot drift), and the
//! structures as mirrors deriving `ToSchema`. The mirrors are never built;
//! the OpenAPI test checks real answers against them.

// Mirrors exist for their schema only: nothing constructs or reads them.
#![allow(dead_code)]

use serde::Serialize;
use std::borrow::Cow;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

/// A string schema whose values are `values` as serde writes them.
fn string_enum<T: Serialize>(values: &[T], description: &str) -> RefOr<Schema> {
    let names: Vec<serde_json::Value> = values.iter().filter_map(|v| serde_json::to_value(v).ok()).collect();
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(names)).description(Some(description.trim())).into()
}

/// Every case of a domain enum that has no `ALL` list. The match fails to
/// compile when the domain adds a case, so the schema follows it.
macro_rules! every {
    ($($segment:ident)::+ { $($case:ident),+ $(,)? }) => {{
        use $($segment)::+ as Enum;
        fn _exhaustive(value: Enum) {
            match value {
                $(Enum::$case)|+ => {}
            }
        }
        [$(Enum::$case),+]
    }};
}

/// A component for a domain enum, named `$name`, its values from `$values`.
macro_rules! string_enum {
    ($(#[doc = $doc:literal])+ $name:ident = $values:expr) => {
        $(#[doc = $doc])+
        #[derive(Debug)]
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                string_enum(&$values, concat!($($doc),+))
            }
        }

        impl ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    };
}

/// A component whose schema is built by `$schema`.
macro_rules! component {
    ($(#[doc = $doc:literal])+ $name:ident = $schema:expr) => {
        $(#[doc = $doc])+
        #[derive(Debug)]
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                $schema.description(Some(concat!($($doc),+).trim())).into()
            }
        }

        impl ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    };
}

component! {
    /// An exact amount in CNY (yuan) with two decimals, as a string: "1990.00".
    Money = ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(r"^-?\d+\.\d{2}$"))
        .examples([serde_json::json!("1990.00")])
}

component! {
    /// Everything the rules know about the acting account: identity, edition
    /// and add-on terms, balance, vouchers and sales quotes (`domain::Buyer`).
    Buyer = ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("identity", ObjectBuilder::new().schema_type(Type::Object))
        .property("account", ObjectBuilder::new().schema_type(Type::Object))
        .property("balance", Ref::from_schema_name("Money"))
        .property("vouchers", ObjectBuilder::new().schema_type(Type::Array))
        .property("sales_quotes", ObjectBuilder::new().schema_type(Type::Array))
        .property("cloud_account", ObjectBuilder::new().schema_type(SchemaType::Array(vec![Type::String, Type::Null])))
        .required("identity")
        .required("account")
        .required("balance")
}

string_enum! {
    /// An edition of the service.
    Edition = domain::Edition::ALL
}

string_enum! {
    /// An add-on service.
    AddOn = domain::AddOn::ALL
}

string_enum! {
    /// Where the buyer buys: the web console, the mini-program or the cloud console.
    Channel = domain::Channel::ALL
}

string_enum! {
    /// How an order is paid.
    PaymentMethod = domain::PaymentMethod::ALL
}

string_enum! {
    /// Where an order is in its life.
    OrderStatus = domain::order::OrderStatus::ALL
}

string_enum! {
    /// Why received money will be returned.
    RefundReason = domain::payment::RefundReason::ALL
}

string_enum! {
    /// A provider payment as recorded here.
    PaymentStatus = domain::payment::PaymentStatus::ALL
}

string_enum! {
    /// A stable error code; the HTTP status follows from it.
    ErrorCode = domain::ErrorCode::ALL
}

string_enum! {
    /// What a quota counts.
    QuotaKind = domain::QuotaKind::ALL
}

string_enum! {
    /// A member's role in an enterprise.
    Role = every!(domain::identity::Role { LegalRepresentative, SuperAdmin, BillingStaff, Staff })
}

string_enum! {
    /// What a quote line's quantity counts.
    Unit = every!(domain::quote::Unit { Year, Day, Pack, SalesQuote })
}

string_enum! {
    /// For an edition line: a new edition, a renewal or an upgrade.
    EditionAction = every!(domain::terms::EditionAction { New, Renewal, Upgrade })
}

string_enum! {
    /// How what an add-on grants stays valid.
    AddOnValidity = every!(domain::catalog::AddOnValidity { FollowsEdition, PerYear, OneYear })
}

/// A line's product: `{"kind": "edition", "id": <Edition>}` or
/// `{"kind": "add_on", "id": <AddOn>}`.
#[derive(Debug)]
pub struct Product;

impl PartialSchema for Product {
    fn schema() -> RefOr<Schema> {
        let variant = |kind: &str, id: &str| {
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .property("kind", ObjectBuilder::new().schema_type(Type::String).enum_values(Some([kind])))
                .property("id", Ref::from_schema_name(id))
                .required("kind")
                .required("id")
        };
        // Both cases must stay in step with the domain's.
        let _exhaustive = |product: domain::Product| match product {
            domain::Product::Edition(_) | domain::Product::AddOn(_) => {}
        };
        OneOfBuilder::new()
            .item(variant("edition", "Edition"))
            .item(variant("add_on", "AddOn"))
            .description(Some("A line's product: the edition or one add-on."))
            .into()
    }
}

impl ToSchema for Product {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Product")
    }
}

/// The catalog on sale and the version of its content (`domain::Catalog`).
#[derive(Debug, ToSchema)]
pub struct Catalog {
    /// A hash of the content: a quote names the catalog it was priced from.
    version: String,
    #[schema(example = "CNY")]
    currency: String,
    editions: Vec<EditionOffer>,
    addons: Vec<AddOnOffer>,
    limits: Limits,
}

/// An edition as sold; Flagship has no list price (sold by sales quote).
#[derive(Debug, ToSchema)]
pub struct EditionOffer {
    edition: Edition,
    name_zh: String,
    name_en: String,
    yearly_price: Option<Money>,
    allotment: Allotment,
}

/// The contracts an edition includes: `{"per_year": n}` or `{"once": n}`.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum Allotment {
    PerYear(u64),
    Once(u64),
}

/// An add-on as sold.
#[derive(Debug, ToSchema)]
pub struct AddOnOffer {
    addon: AddOn,
    name_zh: String,
    name_en: String,
    price: Money,
    /// What one unit grants (contracts, reports, meetings).
    units: u64,
    validity: AddOnValidity,
}

/// The catalog's limits.
#[derive(Debug, ToSchema)]
pub struct Limits {
    max_years: u8,
    max_packs_per_line: u32,
    mini_program_payment_ceiling: Money,
    trial_days: u32,
    trial_allotment: u64,
    flagship_min_allotment: u64,
}

/// What the buyer chose (`domain::Selection`).
#[derive(Debug, ToSchema)]
pub struct Selection {
    #[schema(required = false)]
    edition: Option<EditionChoice>,
    #[schema(required = false)]
    addons: Vec<AddOnChoice>,
    /// The id of one of the buyer's vouchers (VOU-1).
    #[schema(required = false)]
    voucher: Option<String>,
}

/// An edition and its term. `years` is absent for an upgrade; a Flagship
/// choice names the accepted sales quote (SAL-1).
#[derive(Debug, ToSchema)]
pub struct EditionChoice {
    edition: Edition,
    #[schema(required = false, minimum = 1, maximum = 3)]
    years: Option<u8>,
    #[schema(required = false)]
    sales_quote: Option<String>,
}

/// An add-on and how many: packs, or years for integration.
#[derive(Debug, ToSchema)]
pub struct AddOnChoice {
    addon: AddOn,
    quantity: u32,
}

/// A rule's explanation, in Chinese and English.
#[derive(Debug, ToSchema)]
pub struct Note {
    rule: String,
    zh: String,
    en: String,
}

/// Quota a line grants at delivery.
#[derive(Debug, ToSchema)]
pub struct QuotaGrant {
    kind: QuotaKind,
    amount: u64,
}

/// A voucher applied to a quote.
#[derive(Debug, ToSchema)]
pub struct AppliedVoucher {
    id: String,
    face_value: Money,
    discount: Money,
    /// What the voucher's face value leaves unused.
    forfeited: Money,
}

/// One line of a quote: amounts rounded once (PRI-3), then the discount.
#[derive(Debug, ToSchema)]
pub struct QuoteLine {
    product: Product,
    name_zh: String,
    name_en: String,
    action: Option<EditionAction>,
    years: Option<u8>,
    validity: Option<AddOnValidity>,
    quantity: u32,
    unit: Unit,
    unit_price: Money,
    amount: Money,
    discount: Money,
    payable: Money,
    grants: Option<QuotaGrant>,
    #[schema(value_type = String, format = DateTime)]
    starts_at: String,
    #[schema(value_type = String, format = DateTime)]
    expires_at: String,
    reason: Note,
}

/// A priced selection (PRI-1): the lines add up to the total.
#[derive(Debug, ToSchema)]
pub struct Quote {
    catalog_version: String,
    channel: Channel,
    #[schema(value_type = String, format = DateTime)]
    quoted_at: String,
    lines: Vec<QuoteLine>,
    subtotal: Money,
    discount: Money,
    payable: Money,
    voucher: Option<AppliedVoucher>,
    /// Rules that shaped the quote as a whole (warnings included).
    notes: Vec<Note>,
}

/// One enterprise a person belongs to (ID-3).
#[derive(Debug, ToSchema)]
pub struct Membership {
    enterprise_id: i64,
    enterprise_name: String,
    verified: bool,
    roles: Vec<Role>,
}

/// One reason a rule refused, naming the field at fault when there is one.
#[derive(Debug, ToSchema)]
pub struct Reason {
    code: ErrorCode,
    #[schema(required = false)]
    field: Option<String>,
}

/// Every error: a stable code and a message to show. A refusal by several
/// rules lists them all in `reasons` (the deciding one first); `quote_changed`
/// carries the fresh quote.
#[derive(Debug, ToSchema)]
pub struct Error {
    code: ErrorCode,
    message: String,
    #[schema(required = false)]
    field: Option<String>,
    #[schema(required = false)]
    reasons: Vec<Reason>,
    #[schema(required = false)]
    quote: Option<Quote>,
}
