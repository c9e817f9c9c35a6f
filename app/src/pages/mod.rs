//! One page per route.

mod purchase;

pub use purchase::PurchasePage;
