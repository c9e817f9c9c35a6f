//! The REST API under `/api`.

use crate::{ApiError, AppState};
use axum::extract::{OriginalUri, State};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/catalog", get(catalog))
        .merge(crate::auth::router())
        .merge(crate::orders::router())
        .merge(crate::billing::router())
        .merge(crate::contracts::router())
        .fallback(not_found)
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
}

async fn health() -> Json<Health> {
    Json(Health { status: "ok" })
}

async fn catalog(State(state): State<AppState>) -> Response {
    // Serialised straight from the shared catalog, without a copy.
    Json(state.catalog.as_ref()).into_response()
}

async fn not_found(method: Method, OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::NotFound(format!("no API route for {method} {}", uri.path()))
}
