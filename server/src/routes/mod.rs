//! One module per resource under `/api`: parse the request into domain
//! types, ask `domain`, call repositories, answer. A route module never
//! imports another; what two of them share lives in `repo` or `domain`.
//!
//! A route registered with `routes!` is documented by the same line: its
//! handler's `#[utoipa::path]` goes into the OpenAPI document. The test
//! `openapi` lists every route the server serves and fails for any the
//! document lacks, so a route merged as a plain axum `Router` needs its
//! documentation too.

pub mod billing;
pub mod binding;
pub mod contracts;
pub mod enterprise_verification;
pub mod invoices;
pub mod meta;
pub mod ops;
pub mod orders;
pub mod payments;
pub mod sales;
pub mod session;
pub mod verification;

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;

/// The routes registered together with their documentation.
pub fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(meta::router())
        .merge(session::router())
        .merge(orders::router())
        .merge(payments::router())
        .merge(billing::router())
        .merge(contracts::router())
        .merge(verification::router())
        .merge(binding::router())
        .merge(invoices::router())
        .merge(sales::router())
        .merge(ops::router())
        .merge(enterprise_verification::router())
}
