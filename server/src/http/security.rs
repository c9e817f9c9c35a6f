//! What a browser is told to refuse, on every answer, and the refusal of
//! state-changing API requests that another site makes on a signed-in
//! buyer's behalf.

use crate::ApiError;
use axum::Router;
use axum::extract::Request;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, HOST, ORIGIN, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderName, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::ErrorCode;
use tower_http::set_header::SetResponseHeaderLayer;

/// The app is our own scripts, styles and a wasm module compiled in the
/// browser (`'wasm-unsafe-eval'`, not `'unsafe-eval'`); nothing inline,
/// nothing from elsewhere, never framed. Violations are reported to
/// `/api/csp-reports`, where the browser tests look for them.
pub const CONTENT_SECURITY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'; report-uri /api/csp-reports";

/// Two years, with subdomains: what HSTS preload lists ask for.
const HSTS: &str = "max-age=63072000; includeSubDomains";

/// Where an unsafe method may come from without the site check: the payment
/// provider's notifications of payments and refunds (a server, verified by
/// their signature) and the browser's own CSP reports.
const CROSS_SITE_ALLOWED: [&str; 3] = ["/api/payments/notify", "/api/refunds/notify", "/api/csp-reports"];

/// The headers every answer carries; HSTS only in production, where the
/// server is reached over HTTPS (a development server on plain HTTP would
/// have browsers refuse it for two years).
pub fn with_headers<S: Clone + Send + Sync + 'static>(router: Router<S>, production: bool) -> Router<S> {
    let set = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    let router = router
        .layer(set(CONTENT_SECURITY_POLICY, CONTENT_SECURITY))
        .layer(set(X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(set(X_FRAME_OPTIONS, "DENY"))
        .layer(set(REFERRER_POLICY, "strict-origin-when-cross-origin"));
    if production { router.layer(set(STRICT_TRANSPORT_SECURITY, HSTS)) } else { router }
}

/// API answers hold a person's orders and balance: no cache keeps them.
pub fn no_store<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router.layer(SetResponseHeaderLayer::overriding(CACHE_CONTROL, HeaderValue::from_static("no-store")))
}

/// Refuses (403 `forbidden`) a POST, PUT, PATCH or DELETE under `/api` that
/// the browser says another site sent: `Sec-Fetch-Site` other than
/// `same-origin` or `none`, or, from a browser without it, an `Origin` whose
/// host is not this one. A request with neither (curl, another server) is
/// not a browser's and passes; the session cookie (SameSite=Lax) and the
/// JSON-only bodies stay as a second line.
pub async fn same_site_only(request: Request, next: Next) -> Response {
    if is_cross_site(&request) {
        tracing::warn!(method = %request.method(), path = request.uri().path(), "cross-site request refused");
        return ApiError::code(ErrorCode::Forbidden).into_response();
    }
    next.run(request).await
}

fn is_cross_site(request: &Request) -> bool {
    let unsafe_method = matches!(*request.method(), Method::POST | Method::PUT | Method::PATCH | Method::DELETE);
    let path = request.uri().path();
    if !unsafe_method || !path.starts_with("/api/") || CROSS_SITE_ALLOWED.contains(&path) {
        return false;
    }
    let header = |name: &str| request.headers().get(name).map(|v| v.to_str().unwrap_or("?"));
    if let Some(site) = header("sec-fetch-site") {
        return !matches!(site, "same-origin" | "none");
    }
    match (header(ORIGIN.as_str()), header(HOST.as_str())) {
        (None, _) => false,
        (Some(origin), host) => origin_host(origin) != host,
    }
}

/// `host[:port]` of an origin (`https://shop.example:8443`); `None` for
/// `null` or anything without a scheme.
fn origin_host(origin: &str) -> Option<&str> {
    origin.split_once("://").map(|(_, host)| host).filter(|h| !h.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn request(method: Method, path: &str, headers: &[(&str, &str)]) -> Request {
        let mut builder = Request::builder().method(method).uri(path).header(HOST, "shop.example:8443");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(Body::empty()).expect("a request")
    }

    #[test]
    fn a_foreign_origin_or_fetch_site_is_cross_site_for_unsafe_api_methods_only() {
        let evil = [("origin", "https://evil.example")];
        assert!(is_cross_site(&request(Method::POST, "/api/orders", &evil)));
        assert!(is_cross_site(&request(Method::DELETE, "/api/session", &evil)));
        assert!(is_cross_site(&request(Method::POST, "/api/orders", &[("origin", "null")])));
        assert!(is_cross_site(&request(Method::POST, "/api/orders", &[("sec-fetch-site", "cross-site")])));
        assert!(is_cross_site(&request(Method::POST, "/api/orders", &[("sec-fetch-site", "same-site")])));
        assert!(!is_cross_site(&request(Method::GET, "/api/orders", &evil)), "reading is not changing");
        assert!(!is_cross_site(&request(Method::POST, "/sandbox/pay", &evil)), "only the API");
        assert!(!is_cross_site(&request(Method::POST, "/api/payments/notify", &evil)), "its signature decides");
        assert!(!is_cross_site(&request(Method::POST, "/api/refunds/notify", &evil)), "so does a refund's");
    }

    #[test]
    fn the_same_origin_and_requests_without_browser_headers_pass() {
        let same = [("origin", "https://shop.example:8443")];
        assert!(!is_cross_site(&request(Method::POST, "/api/orders", &same)));
        assert!(!is_cross_site(&request(Method::POST, "/api/orders", &[("sec-fetch-site", "same-origin")])));
        assert!(!is_cross_site(&request(Method::POST, "/api/orders", &[])), "curl, loadgen, another server");
        let both = [("sec-fetch-site", "same-origin"), ("origin", "https://shop.example:8443")];
        assert!(!is_cross_site(&request(Method::PUT, "/api/session/identity", &both)));
    }
}
