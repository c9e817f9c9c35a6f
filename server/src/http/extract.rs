//! Our own JSON extractor, so a malformed body gets the same `{code, message}`
//! shape as every other error.

use crate::ApiError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

/// Like `axum::Json`, rejecting with `invalid_input`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            // A body over the limit (read in chunks, without a Content-Length).
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::Http {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                message: crate::http::middleware::too_large_message(),
            }),
            Err(rejection) => Err(ApiError::InvalidInput(match rejection {
                JsonRejection::JsonDataError(e) => e.body_text(),
                JsonRejection::JsonSyntaxError(e) => e.body_text(),
                JsonRejection::MissingJsonContentType(_) => "Content-Type must be application/json".to_owned(),
                other => other.body_text(),
            })),
        }
    }
}
