//! `GET /metrics`, on the metrics listener only (never the public one), and
//! the middleware that counts every request of the public one by route.

use crate::AppState;
use crate::telemetry::metrics::{db_connections, http_request};
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::PrometheusHandle;
use std::time::Instant;

/// The metrics listener's one route.
pub fn router(state: AppState, recorder: &'static PrometheusHandle) -> Router {
    Router::new().route("/metrics", get(scrape)).with_state((state, recorder))
}

/// Everything recorded, in Prometheus' text format, the pool's gauges read now.
async fn scrape(State((state, recorder)): State<(AppState, &'static PrometheusHandle)>) -> Response {
    db_connections(&state.db);
    ([(CONTENT_TYPE, "text/plain; version=0.0.4")], recorder.render()).into_response()
}

/// Counts each request by its method, its route's template (`MatchedPath`,
/// set since the layer wraps the routes: never the path itself, which
/// would make a series of every order id and every probe) and its status.
pub async fn count_requests(request: Request, next: Next) -> Response {
    let began = Instant::now();
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().cloned();
    let response = next.run(request).await;
    http_request(&method, route.as_ref().map(MatchedPath::as_str), response.status(), began.elapsed());
    response
}
