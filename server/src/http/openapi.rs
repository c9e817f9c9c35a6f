//! The OpenAPI 3.1 document of the API, served at `GET /api/openapi.json`.
//!
//! Its paths come from the handlers' `#[utoipa::path]`, registered and
//! documented in one line by `routes!` (see `routes::documented`). `domain`
//! stays free of utoipa, so its wire types are described in [`wire`]. The
//! test `openapi` checks that every route the server registers is here, that
//! every path here is routed, and that real answers fit their schemas.

use super::extract::SESSION_COOKIE;
use super::wire;
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
    components(schemas(
        wire::Money, wire::Catalog, wire::EditionOffer, wire::Allotment, wire::AddOnOffer, wire::Limits,
        wire::Buyer, wire::Edition, wire::AddOn, wire::Channel,
        wire::PaymentMethod, wire::OrderStatus, wire::RefundReason, wire::PaymentStatus, wire::ErrorCode, wire::QuotaKind, wire::Role,
        wire::Unit, wire::EditionAction, wire::AddOnValidity, wire::Product, wire::Selection,
        wire::EditionChoice, wire::AddOnChoice, wire::Note, wire::QuotaGrant, wire::AppliedVoucher,
        wire::QuoteLine, wire::Quote, wire::Membership, wire::Reason, wire::Error,
    )),
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
