//! Reusable pieces of the pages. They receive what the domain decided (a
//! verdict, a quote) and show it; none of them judges or prices anything.

mod addon_row;
mod binding_outlook;
mod contact_sales;
mod countdown;
mod edition_card;
mod header;
mod price_breakdown;
mod progress;
mod qr;
mod returns;
mod sales_quotes;
mod status;
mod switches;
mod verdict;

pub use addon_row::AddOnRow;
pub use binding_outlook::BindingNote;
pub use contact_sales::ContactSalesForm;
pub use countdown::{clock_face, seconds_until};
pub use edition_card::EditionCard;
pub use header::{Header, IdentitySwitch, LangSwitch, SignOut, orders_title};
pub use price_breakdown::{PriceBreakdown, TotalBar};
pub use progress::{DeliverySteps, Progress, follow_order, follow_order_to_binding};
pub use qr::QrCodeSvg;
pub use returns::ReturnsNote;
pub use sales_quotes::{JudgeQuote, SalesQuoteList};
pub use status::{ErrorView, Loading};
pub use switches::YearsPicker;
pub use verdict::{ALLOWED, VerdictNote};

use serde::Serialize;

/// The wire name of a closed-set value (`advanced`, `contract_pack_1k`),
/// used for ids and `data-testid`s so they match the API's names.
pub fn wire_name<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}
