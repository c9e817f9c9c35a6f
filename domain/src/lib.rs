//! Every business rule of the e-sign purchase system (see SPEC.md), once.
//!
//! The browser runs these functions for the instant preview and the server
//! runs the same ones for the figures it charges. The crate does no I/O, has
//! no async, reads no clock and draws no randomness: time and ids come in as
//! arguments. It compiles natively and to `wasm32-unknown-unknown`. Money is
//! [`Money`], an exact decimal; there is no floating point anywhere here.

// Money and quantities are exact: a float here is a bug.
#![deny(clippy::float_arithmetic)]

pub mod access;
pub mod basis;
pub mod billing;
pub mod binding;
pub mod cart;
pub mod catalog;
pub mod credit_code;
pub mod eligibility;
pub mod enterprise_verification;
pub mod error;
pub mod fulfil;
pub mod identity;
pub mod invoice;
pub mod ledger;
pub mod money;
pub mod opening;
pub mod order;
pub mod payment;
pub mod product;
pub mod quote;
pub mod refund;
pub mod sales;
pub mod terms;
#[cfg(test)]
mod testing;
pub mod time;
pub mod trial;
pub mod verification;
pub mod voucher;

pub use cart::{AddOnChoice, Context, EditionChoice, Selection};
pub use catalog::Catalog;
pub use eligibility::{Eligibility, Verdict, eligibility};
pub use error::{DomainError, ErrorCode, Lang};
pub use identity::{AccountState, Buyer, Channel, Identity, Role};
pub use money::Money;
pub use payment::PaymentMethod;
pub use product::{AddOn, Edition, Product, QuotaKind};
pub use quote::{Quote, QuoteLine, quote};
pub use time::Instant;
