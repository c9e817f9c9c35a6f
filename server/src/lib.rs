//! The HTTP server of the e-sign purchase system: the REST API under `/api`
//! and the built app from `dist/`.
//!
//! Handlers stay thin: they parse input into domain types and call `domain`.
//! No business rule lives here.

mod api;
pub mod clock;
pub mod db;
mod error;
pub mod orders;
pub mod payment;
mod settings;
mod startup;

pub use error::ApiError;
pub use settings::Settings;
pub use startup::{AppState, Application, StartupError, router};
