//! The OpenAPI 3.1 document of the API, served at `GET /api/openapi.json`.
//!
//! Its paths come from the handlers' `#[utoipa::path]`, registered and
//! documented in one line by `routes!` (see `routes::documented`); its schemas
//! from the bodies' own types (`api_types`, and `domain`'s with its `openapi`
//! feature), collected from the paths that use them. The
//! test `openapi` checks that every route the server registers is here, that
//! every path here is routed, and that real answers fit their schemas.

use super::extract::SESSION_COOKIE;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "E-Sign purchase system",
        description = "Buying editions and add-ons of an electronic-signature service: the quote, \
                       orders, payment and what follows. Every error answers `{code, message}` \
                       (schema `Error`); the status follows from the code.",
    ),
    tags(
        (name = "meta", description = "Health, the catalog, this document"),
        (name = "session", description = "Sign-in and the acting identity"),
        (name = "orders", description = "Quote, orders, payment and progress"),
        (name = "payments", description = "The payment provider's notifications"),
        (name = "ops", description = "Operations staff: money to return"),
    ),
    components(schemas(api_types::ErrorBody, domain::Quote, domain::Catalog, domain::Buyer)),
    modifiers(&SessionCookie),
)]
struct ApiDoc;

/// Declares the session cookie that routes marked `security(("session" = []))` need.
struct SessionCookie;

impl Modify for SessionCookie {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let cookie = ApiKeyValue::with_description(SESSION_COOKIE, "set by POST /api/session");
        components.add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(cookie)));
    }
}

/// The whole document: every documented route, under `/api`.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, paths) = crate::routes::documented().split_for_parts();
    ApiDoc::openapi().nest("/api", paths)
}
