//! Our extractors: a JSON body whose refusal has the API's `{code, message}`
//! shape, and the caller (the session cookie: the acting identity and the
//! cloud account the session came through, CH-3).

use crate::repo::sessions::{Caller, caller_for_token};
use crate::{ApiError, AppState};
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use domain::ErrorCode;
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
                message: super::middleware::too_large_message(),
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

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "esign_session";

/// The session token in the request's cookies.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers.get_all(COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == SESSION_COOKIE && !value.is_empty()).then(|| value.to_owned())
    })
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = session_token(&parts.headers).ok_or(ApiError::code(ErrorCode::Unauthenticated))?;
        caller_for_token(&state.db, &token, state.clock.now(), state.settings.session_idle())
            .await?
            .ok_or(ApiError::code(ErrorCode::Unauthenticated))
    }
}

/// The client's address: the peer of the connection (behind a proxy, the
/// proxy's), or the unspecified address when the server was not served
/// with connection info (tests calling the router directly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub std::net::IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>();
        Ok(Self(peer.map_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), |info| info.0.ip())))
    }
}
