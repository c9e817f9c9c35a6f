//! The HTTP server of the e-sign purchase system: the REST API under `/api`
//! and the built app from `dist/`.
//!
//! Floors, and arrows only go down: `http` (state, extractors, the error
//! mapping, middleware, the router) and `routes` (one module per resource:
//! parse, ask `domain`, call repositories, answer) → `workers` (the loops
//! that run without a request) → `repo` (one module per aggregate: its SQL
//! and row codec) → `db` (pool, dialect, the codec of stored names), with
//! `gateways` (payment provider, SMS) beside the repositories. Every floor
//! asks `domain` to decide; no business rule lives here. `error`, `clock`,
//! `retry`, `password`, `failpoint` and `telemetry` (metrics and logs) are
//! leaves every floor may use; `main`, `startup` and `settings` wire it
//! together.

pub mod clock;
pub mod db;
mod error;
pub mod failpoint;
pub mod gateways;
pub mod http;
pub mod password;
pub mod repo;
pub mod retry;
pub mod routes;
pub mod settings;
mod startup;
pub mod telemetry;
pub mod throttle;
pub mod workers;

pub use error::ApiError;
pub use http::state::AppState;
pub use settings::Settings;
pub use startup::{Application, StartupError, router};
