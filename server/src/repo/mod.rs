//! Repositories: one module per aggregate, each owning its SQL and its row
//! codec. They take a connection or a transaction and return domain types;
//! they decide nothing (the domain does) and never reach up to HTTP.

pub mod accounts;
pub mod audit;
pub mod bindings;
pub mod caller;
pub mod contracts;
pub mod deliveries;
pub mod enterprise_verification;
pub mod idempotency;
pub mod invoices;
pub mod ledger;
pub mod orders;
pub mod payments;
pub mod refunds;
pub mod sales;
pub mod seed;
pub mod session_cache;
pub mod sessions;
pub mod sweeps;
pub mod verification;
pub mod vouchers;
