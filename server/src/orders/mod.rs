//! Orders: placing, paying, cancelling and following them.

pub mod store;
