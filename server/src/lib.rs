//! The HTTP server of the e-sign purchase system: the REST API under `/api`
//! and the built app from `dist/`.
//!
//! Handlers stay thin: they parse input into domain types and call `domain`.
//! No business rule lives here.

pub mod accounts;
pub mod api;
pub mod auth;
pub mod billing;
pub mod binding;
pub mod clock;
pub mod codec;
pub mod contracts;
pub mod db;
pub mod delivery;
mod error;
mod extract;
pub mod failpoint;
pub mod invoices;
pub mod openapi;
pub mod ops;
pub mod orders;
pub mod payment;
pub mod retry;
pub mod sales;
pub mod seed;
mod settings;
mod startup;
pub mod verification;

pub use error::ApiError;
pub use settings::Settings;
pub use startup::{AppState, Application, StartupError, router};
