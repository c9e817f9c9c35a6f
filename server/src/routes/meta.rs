//! What the API says about itself: health and readiness, the catalog on
//! sale, its OpenAPI document, and what browsers report of its security
//! policy.

use crate::{ApiError, AppState};
use api_types::{DbStats, Health, Readiness, ReadinessCheck};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(ready))
        .routes(routes!(catalog))
        .routes(routes!(openapi_json))
        .routes(routes!(csp_report))
        .routes(routes!(csp_reports))
        .routes(routes!(db_stats))
}

/// How many reports are kept: the newest, for a person (or a test) to read.
const CSP_REPORTS_KEPT: usize = 100;

/// A browser reports a Content-Security-Policy violation (`report-uri`:
/// `{"csp-report": {…}}`, sent as `application/csp-report`): logged, and
/// the newest kept. Anything else is refused and not kept.
#[utoipa::path(
    post,
    path = "/csp-reports",
    tag = "meta",
    request_body(content = Object, content_type = "application/csp-report", description = "`{\"csp-report\": {…}}`"),
    responses(
        (status = 204, description = "Noted"),
        (status = 400, description = "`invalid_input`: not a report", body = api_types::ErrorBody),
    ),
)]
async fn csp_report(State(state): State<AppState>, body: Bytes) -> Result<StatusCode, ApiError> {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
    if !parsed.is_some_and(|report| report.get("csp-report").is_some_and(serde_json::Value::is_object)) {
        return Err(ApiError::InvalidInput("a report is {\"csp-report\": {…}}".into()));
    }
    let report: String = String::from_utf8_lossy(&body).chars().take(2_000).collect();
    tracing::warn!(report = %report, "content security policy violated");
    if let Ok(mut kept) = state.csp_reports.lock() {
        if kept.len() == CSP_REPORTS_KEPT {
            kept.pop_front();
        }
        kept.push_back(report);
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Development only: the violations reported, oldest first.
#[utoipa::path(
    get,
    path = "/dev/csp-reports",
    tag = "meta",
    responses(
        (status = 200, description = "Each report's body as the browser sent it", body = Vec<String>),
        (status = 404, description = "`not_found`: outside development", body = api_types::ErrorBody),
    ),
)]
async fn csp_reports(State(state): State<AppState>) -> Result<Json<Vec<String>>, ApiError> {
    if !state.settings.development {
        return Err(ApiError::NotFound("no API route for GET /api/dev/csp-reports".into()));
    }
    let kept = state.csp_reports.lock().map(|k| k.iter().cloned().collect()).unwrap_or_default();
    Ok(Json(kept))
}

/// Development only: the SQL statements and write transactions this process
/// has sent (`db::stats`); the load generator divides their growth by the
/// purchases it made.
#[utoipa::path(
    get,
    path = "/dev/db-stats",
    tag = "meta",
    responses(
        (status = 200, description = "The counts since the process started", body = DbStats),
        (status = 404, description = "`not_found`: outside development", body = api_types::ErrorBody),
    ),
)]
async fn db_stats(State(state): State<AppState>) -> Result<Json<DbStats>, ApiError> {
    if !state.settings.development {
        return Err(ApiError::NotFound("no API route for GET /api/dev/db-stats".into()));
    }
    Ok(Json(crate::db::stats::snapshot()))
}

/// Whether the server answers.
#[utoipa::path(get, path = "/health", tag = "meta", responses((status = 200, description = "The server answers", body = Health)))]
async fn health() -> Json<Health> {
    Json(Health { status: "ok".to_owned() })
}

/// How long a readiness check may take: a database that answers later is
/// not ready to serve.
const CHECK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Whether this server can take traffic: its database answers, every
/// migration it knows is applied, and its background workers run.
#[utoipa::path(
    get,
    path = "/ready",
    tag = "meta",
    responses(
        (status = 200, description = "Ready: every check is", body = Readiness),
        (status = 503, description = "Not ready: the checks say which is not", body = Readiness),
    ),
)]
async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let answers = tokio::time::timeout(CHECK_TIMEOUT, crate::db::query("SELECT 1").execute(&state.db.read)).await;
    let database = match answers {
        Ok(Ok(_)) => check("database", true, "answers"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "not ready: the database does not answer");
            check("database", false, "does not answer")
        }
        Err(_) => check("database", false, "does not answer in time"),
    };
    let migrations = match tokio::time::timeout(CHECK_TIMEOUT, state.db.unapplied_migrations()).await {
        Ok(Ok(unapplied)) if unapplied.is_empty() => check("migrations", true, "all applied"),
        Ok(Ok(unapplied)) => {
            let versions: Vec<String> = unapplied.iter().map(i64::to_string).collect();
            check("migrations", false, &format!("not applied: {}", versions.join(", ")))
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "not ready: the applied migrations cannot be read");
            check("migrations", false, "cannot be read")
        }
        Err(_) => check("migrations", false, "cannot be read in time"),
    };
    let workers = match state.workers.stopped() {
        None => check("workers", false, "not started"),
        Some(stopped) if stopped.is_empty() => check("workers", true, "all running"),
        Some(stopped) => check("workers", false, &format!("stopped: {}", stopped.join(", "))),
    };
    let checks = vec![database, migrations, workers];
    let ready = checks.iter().all(|c| c.ready);
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(Readiness { ready, checks }))
}

fn check(name: &str, ready: bool, detail: &str) -> ReadinessCheck {
    ReadinessCheck { name: name.to_owned(), ready, detail: detail.to_owned() }
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
