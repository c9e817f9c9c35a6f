//! The whole application's router: the API under `/api` (the route modules,
//! merged in `routes::documented`), the sandbox's payer pages in
//! development, and the built app for everything else, with the layers
//! every request passes through.

use super::metrics::count_requests;
use super::middleware::{BODY_LIMIT_BYTES, REQUEST_ID, api_error_shape, log_internal_errors, request_span};
use super::security;
use crate::{ApiError, AppState};
use axum::Router;
use axum::extract::OriginalUri;
use axum::http::Method;
use axum::http::{HeaderName, StatusCode};
use std::path::Path;
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

/// All routes: the API under `/api`, everything else from the built app.
/// Unknown non-API paths get `index.html`, so the app's own routes load.
///
/// Every request gets an id (the client's `x-request-id`, or a new UUID),
/// echoed in the answer and carried by the request's tracing span; bodies
/// over 64 KiB are refused with 413; an answer not begun within
/// `request_timeout_ms` becomes 503. The timeout ends when the response
/// starts, so a stream that has begun (order events) is never cut. Every
/// answer carries the security headers; a state-changing API request from
/// another site is refused (`http::security`). Every request is counted
/// by its route (`http::metrics`), outermost, so with the status it got.
pub fn app(state: AppState, dist: &Path) -> Router {
    let app = ServeDir::new(dist).precompressed_gzip().fallback(ServeFile::new(dist.join("index.html")));
    let mut routes = Router::new().nest("/api", security::no_store(api()));
    if state.settings.development {
        // The sandbox's payer pages, and the providers' APIs it stands in for.
        let sandbox = crate::gateways::payment::sandbox::pages::pages()
            .merge(crate::gateways::payment::sandbox::api::routes())
            .merge(crate::gateways::sms::sandbox::routes());
        routes = routes.nest("/sandbox", sandbox);
    }
    let request_id = HeaderName::from_static(REQUEST_ID);
    let timeout = Duration::from_millis(state.settings.request_timeout_ms);
    // Each layer wraps the ones before it: the request id is set first, the
    // timeout is the innermost.
    let production = !state.settings.development;
    let routes = routes
        .fallback_service(app)
        .layer(axum::middleware::from_fn(security::same_site_only))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, timeout))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
        .layer(axum::middleware::from_fn(api_error_shape))
        .layer(axum::middleware::from_fn(log_internal_errors))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .layer(axum::middleware::from_fn(count_requests));
    security::with_headers(routes, production).with_state(state)
}

/// Every route under `/api`.
pub fn api() -> Router<AppState> {
    let (documented, _) = crate::routes::documented().split_for_parts();
    documented.fallback(not_found)
}

async fn not_found(method: Method, OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::NotFound(format!("no API route for {method} {}", uri.path()))
}
