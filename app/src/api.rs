//! The one module that talks to the server. Every call returns
//! `Result<T, ApiClientError>` and uses the domain's wire types, so the
//! client and the server cannot drift apart. Nothing else in the app does
//! HTTP, and no error is swallowed into an `Option`.

use domain::{Catalog, DomainError, ErrorCode};
use gloo_net::http::{Request, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::fmt;

/// Why a call to the server failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiClientError {
    /// No answer at all: offline, server down, request refused by the browser.
    Network(String),
    /// The server refused with its error shape `{ "code", "message" }`.
    Server { status: u16, error: DomainError, message: String },
    /// A failure status without that shape (a proxy's page, a crash).
    Status(u16),
    /// A success whose body is not what the API promises, e.g. a catalog
    /// whose version does not match its content.
    Decode(String),
}

impl fmt::Display for ApiClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Network(detail) => write!(f, "network error: {detail}"),
            Self::Server { status, error, message } => write!(f, "HTTP {status} {}: {message}", error.code),
            Self::Status(status) => write!(f, "HTTP {status}"),
            Self::Decode(detail) => write!(f, "unexpected response body: {detail}"),
        }
    }
}

impl std::error::Error for ApiClientError {}

/// `GET /api/catalog`: the catalog on sale. Deserialising it checks that its
/// version is the hash of its content (domain's `Catalog` does that itself).
pub async fn catalog() -> Result<Catalog, ApiClientError> {
    get("/api/catalog").await
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiClientError> {
    let response = Request::get(path).send().await.map_err(|e| ApiClientError::Network(e.to_string()))?;
    read(response).await
}

/// The body as `T` on success; otherwise the server's error, parsed.
async fn read<T: DeserializeOwned>(response: Response) -> Result<T, ApiClientError> {
    let status = response.status();
    let text = response.text().await.map_err(|e| ApiClientError::Network(e.to_string()))?;
    if response.ok() {
        serde_json::from_str(&text).map_err(|e| ApiClientError::Decode(e.to_string()))
    } else {
        Err(server_error(status, &text))
    }
}

/// The API's error body. The code is parsed into the domain's closed set; a
/// body without a known code is only a status.
#[derive(Deserialize)]
struct ErrorBody {
    code: ErrorCode,
    message: String,
    #[serde(default)]
    field: Option<String>,
}

fn server_error(status: u16, body: &str) -> ApiClientError {
    match serde_json::from_str::<ErrorBody>(body) {
        Ok(body) => ApiClientError::Server {
            status,
            error: DomainError { code: body.code, field: body.field },
            message: body.message,
        },
        Err(_) => ApiClientError::Status(status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_body_becomes_a_domain_error() {
        let error = server_error(404, r#"{"code":"not_found","message":"no such route"}"#);
        assert_eq!(
            error,
            ApiClientError::Server {
                status: 404,
                error: DomainError::new(ErrorCode::NotFound),
                message: "no such route".to_owned()
            }
        );
    }

    #[test]
    fn a_body_without_a_known_code_is_only_a_status() {
        assert_eq!(server_error(502, "<html>Bad Gateway</html>"), ApiClientError::Status(502));
        assert_eq!(server_error(500, r#"{"code":"no_such_code","message":"x"}"#), ApiClientError::Status(500));
    }
}
