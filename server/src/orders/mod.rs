//! Orders: placing, paying, cancelling and following them (`events`).

mod events;
mod handlers;
mod pay;
pub mod store;

pub use handlers::{MoneyToReturn, OrderView, router};
