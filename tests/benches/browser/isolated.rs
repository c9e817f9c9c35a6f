//! Serving pages cross-origin isolated (COOP `same-origin`, COEP
//! `require-corp`): only then does Chromium give `performance.now()` its
//! fine resolution (5 µs rather than 100 µs). The load figures watch the app
//! in a frame of a page of the same origin, so here, and only here, the app
//! may be framed by its own origin: the product refuses every framing
//! (`frame-ancestors 'none'`, `X-Frame-Options: DENY`).

use axum::Router;
use axum::http::HeaderValue;
use axum::response::Response;
use tokio::net::TcpListener;

/// Serves `router` on a free loopback port with the isolation headers on
/// every answer; returns its base URL.
pub async fn serve(router: Router) -> String {
    let router = router.layer(axum::middleware::map_response(isolate));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let port = listener.local_addr().expect("its address").port();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://127.0.0.1:{port}")
}

async fn isolate(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    headers.insert("cross-origin-embedder-policy", HeaderValue::from_static("require-corp"));
    headers.insert("x-frame-options", HeaderValue::from_static("SAMEORIGIN"));
    let policy = headers.get("content-security-policy").and_then(|v| v.to_str().ok()).map(str::to_owned);
    if let Some(same_origin) =
        policy.and_then(|p| HeaderValue::from_str(&p.replace("frame-ancestors 'none'", "frame-ancestors 'self'")).ok())
    {
        headers.insert("content-security-policy", same_origin);
    }
    response
}
