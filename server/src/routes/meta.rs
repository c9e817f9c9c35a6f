//! What the API says about itself: health, the catalog on sale, and its
//! OpenAPI document.

use crate::AppState;
use api_types::Health;
use axum::Json;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(health)).routes(routes!(catalog)).routes(routes!(openapi_json))
}

/// Whether the server answers.
#[utoipa::path(get, path = "/health", tag = "meta", responses((status = 200, description = "The server answers", body = Health)))]
async fn health() -> Json<Health> {
    Json(Health { status: "ok".to_owned() })
}

/// The catalog on sale: editions, add-ons, prices, limits and its version.
#[utoipa::path(get, path = "/catalog", tag = "meta", responses((status = 200, description = "The catalog", body = domain::Catalog)))]
async fn catalog(State(state): State<AppState>) -> Response {
    // Serialised straight from the shared catalog, without a copy.
    Json(state.catalog.as_ref()).into_response()
}

/// This API's OpenAPI 3.1 document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "meta",
    responses((status = 200, description = "This document (OpenAPI 3.1)", content_type = "application/json")),
)]
async fn openapi_json(State(state): State<AppState>) -> Response {
    // Built once at start-up: the document changes only with the code.
    ([(CONTENT_TYPE, "application/json")], state.openapi.to_string()).into_response()
}
