//! What every request passes through: its id and tracing span, and the
//! API's `{code, message}` shape for the errors axum and the tower layers
//! answer by themselves.

use crate::ApiError;
use crate::error::InternalCause;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Span;

/// The largest request body the server reads (every API body is small JSON).
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// The header carrying each request's id, taken from the client or made here.
pub const REQUEST_ID: &str = "x-request-id";

/// What a body over [`BODY_LIMIT_BYTES`] is told.
pub fn too_large_message() -> String {
    format!("请求内容过大：上限 {} KiB", BODY_LIMIT_BYTES / 1024)
}

/// One span per request: its id, method and path (never the query or the
/// body, which may hold secrets).
pub fn request_span(request: &Request) -> Span {
    let id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or_default();
    tracing::info_span!("request", request.id = id, method = %request.method(), path = request.uri().path())
}

/// Gives the errors that axum and the tower layers answer by themselves (a
/// path parameter that does not parse, a method the path does not take, a
/// body over the limit, a timeout) the API's `{code, message}` shape. Only
/// under `/api`: the app and the sandbox's payer pages are HTML.
pub async fn api_error_shape(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let method = request.method().clone();
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let is_api = path == "/api" || path.starts_with("/api/");
    if !is_api || is_json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => too_large_message(),
        StatusCode::METHOD_NOT_ALLOWED => format!("{path} does not take {method}"),
        StatusCode::SERVICE_UNAVAILABLE => "处理超时，请稍后重试。".to_owned(),
        _ => match axum::body::to_bytes(body, 4096).await {
            Ok(text) if !text.is_empty() => String::from_utf8_lossy(&text).into_owned(),
            _ => status.canonical_reason().unwrap_or("refused").to_owned(),
        },
    };
    let mut shaped = ApiError::Http { status, message }.into_response();
    // Keep what the refusal said in headers (`Allow` on a 405, the request id).
    for (name, value) in &parts.headers {
        if name != CONTENT_TYPE && name != CONTENT_LENGTH {
            shaped.headers_mut().insert(name.clone(), value.clone());
        }
    }
    shaped
}

/// Logs each internal error once, with its whole cause chain, inside the
/// request's span (so with its request id); the client saw an opaque 500.
pub async fn log_internal_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if let Some(InternalCause(cause)) = response.extensions().get::<InternalCause>() {
        tracing::error!(error = format!("{cause:#}"), "internal error");
    }
    response
}
