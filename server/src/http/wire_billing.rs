//! Schemas of the billing and contract wire types from `domain` (which stays
//! free of utoipa), as mirrors in the manner of `crate::http::wire`:
//! enums take their values from the domain's own cases through serde, the
//! structures derive `ToSchema` and are never built.

// Mirrors exist for their schema only: nothing constructs or reads them.
#![allow(dead_code)]

use crate::http::wire::{AddOn, Channel, Edition, Money, QuotaKind, Reason};
use serde::Serialize;
use std::borrow::Cow;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

/// A string schema whose values are `values` as serde writes them.
fn values_of<T: Serialize>(values: &[T], description: &str) -> RefOr<Schema> {
    let names: Vec<serde_json::Value> = values.iter().filter_map(|v| serde_json::to_value(v).ok()).collect();
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(names)).description(Some(description)).into()
}

/// A string-enum component named `$name` whose values are `$values`.
macro_rules! string_enum {
    ($(#[doc = $doc:literal])+ $name:ident = $values:expr) => {
        $(#[doc = $doc])+
        #[derive(Debug)]
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                values_of(&$values, concat!($($doc),+).trim())
            }
        }

        impl ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    };
}

string_enum! {
    /// A billing-management quick action (VIS-2).
    QuickAction = {
        use domain::access::QuickAction as Q;
        let _exhaustive = |q: Q| match q {
            Q::Orders | Q::Packages | Q::Invoices | Q::Upgrade | Q::Renew => {}
        };
        [Q::Orders, Q::Packages, Q::Invoices, Q::Upgrade, Q::Renew]
    }
}

string_enum! {
    /// Where a refused buyer can go instead.
    Remedy = {
        use domain::eligibility::Remedy as R;
        let _exhaustive = |r: R| match r {
            R::WebConsole | R::ContactSales | R::PurchaseConsultation => {}
        };
        [R::WebConsole, R::ContactSales, R::PurchaseConsultation]
    }
}

string_enum! {
    /// A contract's signing state (QUO-2).
    ContractStatus = {
        use domain::ledger::ContractStatus as S;
        let _exhaustive = |s: S| match s {
            S::Initiated | S::Signed | S::Withdrawn => {}
        };
        [S::Initiated, S::Signed, S::Withdrawn]
    }
}

string_enum! {
    /// An add-on whose uses are counted: one report issued or meeting held uses one.
    CountedAddOn = domain::billing::COUNTED_ADDONS
}

/// Allowed (no refusals), or refused with every reason, the deciding one
/// first, and where to go instead.
#[derive(Debug, ToSchema)]
pub struct Verdict {
    refusals: Vec<Reason>,
    remedy: Option<Remedy>,
}

/// Totals of one kind of quota over the grants still valid (QUO-1).
#[derive(Debug, ToSchema)]
pub struct Balance {
    kind: Option<QuotaKind>,
    total: u64,
    used: u64,
    remaining: u64,
}

/// The edition the account holds (or held).
#[derive(Debug, ToSchema)]
pub struct EditionSummary {
    edition: Edition,
    name_zh: String,
    name_en: String,
    /// A free trial (TRI-1).
    trial: bool,
    #[schema(value_type = String, format = DateTime)]
    starts_at: String,
    #[schema(value_type = String, format = DateTime)]
    expires_at: String,
    /// Still running now.
    active: bool,
}

/// An add-on's uses over its packs still valid (ADD-2).
#[derive(Debug, ToSchema)]
pub struct AddOnUsage {
    addon: AddOn,
    total: u64,
    used: u64,
    remaining: u64,
}

/// Whether renewing, upgrading and the free trial are open now.
#[derive(Debug, ToSchema)]
pub struct NextSteps {
    renew: Verdict,
    upgrade: Verdict,
    trial: Verdict,
}

/// Billing management (费用管理) of the acting account (`domain::billing::Billing`).
#[derive(Debug, ToSchema)]
pub struct Billing {
    #[schema(value_type = String, format = DateTime)]
    as_of: String,
    channel: Channel,
    edition: Option<EditionSummary>,
    #[schema(value_type = Option<String>, format = DateTime)]
    integration_until: Option<String>,
    /// Remaining contracts = allotment + packs − used (QUO-1).
    contracts: Balance,
    addons: Vec<AddOnUsage>,
    quick_actions: Vec<QuickAction>,
    balance: Money,
    next: NextSteps,
}
