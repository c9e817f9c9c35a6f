//! The REST API under `/api`.
//!
//! A route registered with `routes!` is documented by the same line: its
//! handler's `#[utoipa::path]` goes into the OpenAPI document. The test
//! `openapi` lists every route `router()` serves and fails for any the
//! document lacks, so a route merged as a plain axum `Router` needs its
//! documentation too.

use crate::{ApiError, AppState};
use axum::extract::{OriginalUri, State};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every route under `/api`.
pub fn router() -> Router<AppState> {
    let (documented, _) = documented().split_for_parts();
    documented.fallback(not_found)
}

/// The routes registered together with their documentation.
pub fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(catalog))
        .routes(routes!(crate::openapi::openapi_json))
        .merge(crate::auth::router())
        .merge(crate::orders::router())
        .merge(crate::payment::router())
        .merge(crate::billing::router())
        .merge(crate::contracts::router())
        .merge(crate::verification::router())
        .merge(crate::binding::router())
        .merge(crate::invoices::router())
        .merge(crate::sales::router())
        .merge(crate::ops::router())
}

#[derive(Serialize, ToSchema)]
struct Health {
    #[schema(example = "ok")]
    status: &'static str,
}

/// Whether the server answers.
#[utoipa::path(get, path = "/health", tag = "meta", responses((status = 200, description = "The server answers", body = Health)))]
async fn health() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// The catalog on sale: editions, add-ons, prices, limits and its version.
#[utoipa::path(get, path = "/catalog", tag = "meta", responses((status = 200, description = "The catalog", body = crate::openapi::wire::Catalog)))]
async fn catalog(State(state): State<AppState>) -> Response {
    // Serialised straight from the shared catalog, without a copy.
    Json(state.catalog.as_ref()).into_response()
}

async fn not_found(method: Method, OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::NotFound(format!("no API route for {method} {}", uri.path()))
}
