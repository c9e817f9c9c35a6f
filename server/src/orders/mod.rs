//! Orders: placing, paying, cancelling and following them.

mod handlers;
pub mod store;

pub use handlers::{OrderView, router};
