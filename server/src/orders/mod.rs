//! Orders: placing, paying, cancelling and following them (`events`).

mod events;
mod handlers;
pub mod store;

pub use handlers::{OrderView, router};
