//! What every request goes through: its id, the body limit, the timeout, and
//! the `{code, message}` shape of the refusals axum writes by itself.

use crate::helpers::{Backend, TestApp, raw_exchange};
use reqwest::StatusCode;
use reqwest::header::SET_COOKIE;
use serde_json::{Value, json};
use std::time::Duration;

fn advanced() -> Value {
    json!({ "edition": { "edition": "advanced", "years": 1 } })
}

/// Asserts the API's error shape: a code and a message, nothing opaque.
fn assert_error_shape(body: &Value, code: &str, what: &str) {
    assert_eq!(body["code"], code, "{what}: code in {body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: a message in {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_answer_carries_a_request_id_made_here_or_echoed() {
    let app = TestApp::builder(Backend::Sqlite).spawn().await;

    let made = app.client.get(format!("{}/api/health", app.address)).send().await.expect("answered");
    let echoed = app
        .client
        .get(format!("{}/api/nope", app.address))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .expect("answered");

    let id = made.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert_eq!(id.len(), 36, "a new UUID when the client sends none: {id:?}");
    assert_eq!(id.matches('-').count(), 4, "UUID-shaped: {id:?}");
    assert_eq!(
        echoed.headers().get("x-request-id").and_then(|v| v.to_str().ok()),
        Some("trace-me-42"),
        "the client's id comes back, on errors too"
    );
}

/// The session cookie (`name=value`) of `login`, signed in anew.
async fn session_cookie(app: &TestApp, login: &str) -> String {
    let response = reqwest::Client::new()
        .post(format!("{}/api/session", app.address))
        .json(&json!({ "login": login, "password": "demo1234" }))
        .send()
        .await
        .expect("POST /api/session is answered");
    assert_eq!(response.status(), StatusCode::NO_CONTENT, "{login} signs in");
    let set_cookie = response.headers().get(SET_COOKIE).and_then(|v| v.to_str().ok()).expect("a Set-Cookie");
    set_cookie.split(';').next().unwrap_or_default().to_owned()
}

/// POSTs `body` as JSON with `cookie` over raw TCP (see [`raw_exchange`]):
/// the server refuses an oversized body from its `Content-Length` and
/// closes while the body is still being written, which reqwest reports as
/// "error sending request" instead of the answer.
async fn post_raw(app: &TestApp, cookie: &str, path: &str, body: &Value) -> (StatusCode, Value) {
    let body = body.to_string();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    raw_exchange(&app.address, [head.into_bytes(), body.into_bytes()].concat()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_64_kib_is_refused_with_413_in_our_shape() {
    let app = TestApp::builder(Backend::Sqlite).spawn().await;
    app.sign_in("a-admin").await;
    let cookie = session_cookie(&app, "a-admin").await;
    let huge = json!({ "selection": { "voucher": "v".repeat(70 * 1024) }, "channel": "web" });
    let just_under = json!({ "selection": { "voucher": "v".repeat(60 * 1024) }, "channel": "web" });

    let (status, body) = post_raw(&app, &cookie, "/api/quote", &huge).await;
    let (under_status, under_body) = app.post("/api/quote", &just_under).await;
    let (notify_status, notify_body) = post_raw(&app, &cookie, "/api/payments/notify", &huge).await;

    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_error_shape(&body, "invalid_input", "a 70 KiB quote request");
    assert_ne!(under_status, StatusCode::PAYLOAD_TOO_LARGE, "60 KiB is read: {under_body}");
    assert_eq!(notify_status, StatusCode::PAYLOAD_TOO_LARGE, "{notify_body}");
    assert_error_shape(&notify_body, "invalid_input", "a 70 KiB notification");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunked_body_over_the_limit_is_refused_too() {
    let app = TestApp::builder(Backend::Sqlite).spawn().await;
    let chunk = format!("{{\"login\":\"{}\",\"password\":\"x\"}}", "a".repeat(70 * 1024));
    let request = format!(
        "POST /api/session HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
        chunk.len()
    );

    let (status, body) = raw_exchange(&app.address, request.into_bytes()).await;

    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["code"], "invalid_input", "our shape: {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_outlasts_the_timeout_gets_503_in_our_shape() {
    let app = TestApp::builder(Backend::Sqlite).settings(|s| s.request_timeout_ms = 300).spawn().await;
    // A client that announces 100 bytes and sends 10, then waits.
    let request = "POST /api/session HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
                   Content-Length: 100\r\nConnection: close\r\n\r\n{\"login\":";

    let started = std::time::Instant::now();
    let (status, body) = raw_exchange(&app.address, request.as_bytes().to_vec()).await;

    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["code"], "invalid_state", "our shape: {body}");
    assert!(started.elapsed() < Duration::from_secs(3), "answered at the timeout, not later: {:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_timeout_does_not_cut_an_order_event_stream() {
    let app = TestApp::builder(Backend::Sqlite).settings(|s| s.request_timeout_ms = 2_000).spawn().await;
    app.sign_in("a-admin").await;
    let id = app.place_ok(&advanced(), "web").await;
    let mut events =
        app.client.get(format!("{}/api/orders/{id}/events", app.address)).send().await.expect("the stream opens");
    let first = events.chunk().await.expect("reads").map(|b| String::from_utf8_lossy(&b).into_owned());
    assert!(first.as_deref().is_some_and(|e| e.contains("awaiting_payment")), "first event: {first:?}");

    // Well past the timeout, the stream still tells what happens next.
    tokio::time::sleep(Duration::from_millis(3_000)).await;
    let (status, cancelled) = app.post(&format!("/api/orders/{id}/cancel"), &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{cancelled}");
    let mut seen = String::new();
    while !seen.contains("closed") {
        match tokio::time::timeout(Duration::from_secs(5), events.chunk()).await {
            Ok(Ok(Some(bytes))) => seen.push_str(&String::from_utf8_lossy(&bytes)),
            other => panic!("the stream ended or stalled before `closed` ({other:?}); it had: {seen}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_axum_writes_itself_have_our_shape() {
    let app = TestApp::builder(Backend::Sqlite).spawn().await;
    app.sign_in("a-admin").await;

    let (status, body) = app.get("/api/orders/not-a-number").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_error_shape(&body, "invalid_input", "a path id that is no number");

    let (status, body) = app.get("/api/orders/99999999999999999999999").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_error_shape(&body, "invalid_input", "a path id past i64");

    let request = app.client.delete(format!("{}/api/catalog", app.address));
    let (status, body) = app.send(request, "DELETE /api/catalog").await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body}");
    assert_error_shape(&body, "invalid_input", "a method the path does not take");

    let request = app.client.post(format!("{}/api/quote", app.address)).body("{}");
    let (status, body) = app.send(request, "a body without Content-Type").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_error_shape(&body, "invalid_input", "a body without Content-Type");
}
