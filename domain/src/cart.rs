//! What the buyer chose, as it travels on the wire, and the context a choice
//! is judged in. Raw numbers are parsed into [`Years`] and [`Count`] by the
//! quote, so each refusal carries the rule's own code.

use crate::catalog::Catalog;
use crate::error::{DomainError, ErrorCode};
use crate::identity::{Buyer, Channel};
use crate::product::{AddOn, Edition};
use crate::time::Instant;
use serde::{Deserialize, Serialize};

/// The buyer's choices (SEL-1: at most one edition, any add-ons).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Selection {
    #[serde(default)]
    pub edition: Option<EditionChoice>,
    #[serde(default)]
    pub addons: Vec<AddOnChoice>,
    /// The id of one of the buyer's vouchers (VOU-1).
    #[serde(default)]
    pub voucher: Option<String>,
}

/// An edition and its term. `years` is absent for an upgrade, whose expiry
/// stays (REN-2); a Flagship choice names the accepted sales quote (SAL-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EditionChoice {
    pub edition: Edition,
    #[serde(default)]
    pub years: Option<u8>,
    #[serde(default)]
    pub sales_quote: Option<String>,
}

/// An add-on and how many: packs, or years for integration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddOnChoice {
    pub addon: AddOn,
    pub quantity: u32,
}

impl Selection {
    /// The chosen quantity of `addon`, if chosen.
    pub fn addon_quantity(&self, addon: AddOn) -> Option<u32> {
        self.addons.iter().find(|c| c.addon == addon).map(|c| c.quantity)
    }

    /// The same selection with `addon` set to `quantity` (added or replaced).
    pub fn with_addon(&self, addon: AddOn, quantity: u32) -> Selection {
        let mut next = self.clone();
        match next.addons.iter_mut().find(|c| c.addon == addon) {
            Some(choice) => choice.quantity = quantity,
            None => next.addons.push(AddOnChoice { addon, quantity }),
        }
        next
    }

    /// The same selection without `addon`.
    pub fn without_addon(&self, addon: AddOn) -> Selection {
        let mut next = self.clone();
        next.addons.retain(|c| c.addon != addon);
        next
    }
}

/// Everything a rule may look at: the catalog, the buyer, the channel and
/// the time, which always comes from outside.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub catalog: &'a Catalog,
    pub buyer: &'a Buyer,
    pub channel: Channel,
    pub now: Instant,
}

/// A term in whole years, 1..=the catalog's maximum (CAT-2, SEL-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Years(u8);

impl Years {
    /// Parses a number of years; anything outside 1..=max is `invalid_duration`.
    pub fn new(years: u8, catalog: &Catalog) -> Result<Years, DomainError> {
        if (1..=catalog.limits().max_years).contains(&years) {
            Ok(Years(years))
        } else {
            Err(DomainError::with_field(ErrorCode::InvalidDuration, "years"))
        }
    }

    /// The number of years.
    pub fn get(self) -> u8 {
        self.0
    }
}

/// A number of packs in one line, 1..=the catalog's maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count(u32);

impl Count {
    /// Parses a pack count.
    pub fn new(count: u32, catalog: &Catalog) -> Result<Count, DomainError> {
        if (1..=catalog.limits().max_packs_per_line).contains(&count) {
            Ok(Count(count))
        } else {
            Err(DomainError::invalid("quantity"))
        }
    }

    /// The number of packs.
    pub fn get(self) -> u32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sel_2_years_are_whole_and_between_one_and_three() {
        let catalog = Catalog::load_default().expect("catalog");
        for ok in 1..=3 {
            assert_eq!(Years::new(ok, &catalog).map(Years::get), Ok(ok));
        }
        for bad in [0, 4, 10, 255] {
            let err = Years::new(bad, &catalog).expect_err("out of range");
            assert_eq!(err.code, ErrorCode::InvalidDuration, "{bad} years");
        }
    }

    #[test]
    fn cat_2_a_fractional_year_does_not_even_parse() {
        let half = serde_json::from_str::<EditionChoice>(r#"{"edition":"advanced","years":1.5}"#);
        assert!(half.is_err());
    }

    #[test]
    fn pack_counts_are_bounded() {
        let catalog = Catalog::load_default().expect("catalog");
        assert!(Count::new(0, &catalog).is_err());
        assert!(Count::new(catalog.limits().max_packs_per_line + 1, &catalog).is_err());
        assert_eq!(Count::new(3, &catalog).map(Count::get), Ok(3));
    }
}
