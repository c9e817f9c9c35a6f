//! The order event stream (`GET /api/orders/{id}/events`): an enterprise's
//! order to delivered (FUL-1), a personal order on to bound (BND-2).

use crate::helpers::{Backend, TestApp};
use crate::on_both_databases;
use crate::verification::act_as_person;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

/// An open event stream and what it has sent so far.
struct Events {
    response: reqwest::Response,
    buffer: String,
}

impl Events {
    async fn open(app: &TestApp, id: i64) -> Events {
        let response =
            app.client.get(format!("{}/api/orders/{id}/events", app.address)).send().await.expect("the stream opens");
        assert_eq!(response.status(), StatusCode::OK);
        Events { response, buffer: String::new() }
    }

    /// The next `status` event's data, or `None` once the server ended the stream.
    async fn next(&mut self) -> Option<Value> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let event: String = self.buffer.drain(..end + 2).collect();
                if let Some(data) = event.lines().find_map(|l| l.strip_prefix("data:")) {
                    return Some(serde_json::from_str(data.trim()).expect("the data is JSON"));
                }
                continue;
            }
            match tokio::time::timeout(Duration::from_secs(10), self.response.chunk()).await {
                Ok(Ok(Some(bytes))) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                Ok(Ok(None)) => return None,
                other => panic!("the stream stalled ({other:?}); it had: {}", self.buffer),
            }
        }
    }

    /// Events until one with `status`, which is returned.
    async fn until(&mut self, status: &str) -> Value {
        loop {
            let event = self.next().await.unwrap_or_else(|| panic!("the stream ended before `{status}`"));
            if event["status"] == status {
                return event;
            }
            assert_eq!(event["last"], false, "only the final event is last: {event}");
        }
    }
}

fn advanced() -> Value {
    json!({ "edition": { "edition": "advanced", "years": 1 } })
}

/// Places `selection` on the web and pays it from the balance.
async fn paid(app: &TestApp, selection: &Value) -> i64 {
    let id = app.place_ok(selection, "web").await;
    let (status, body) = app.pay(id, "balance").await;
    assert_eq!(status, StatusCode::OK, "paid: {body}");
    id
}

on_both_databases!(ful_1_an_enterprise_order_stream_ends_at_delivered, |app| {
    app.sign_in("a-admin").await;
    let id = app.place_ok(&advanced(), "web").await;
    let mut events = Events::open(&app, id).await;
    let first = events.next().await.expect("the current status first");
    assert_eq!((first["status"].as_str(), first["last"].as_bool()), (Some("awaiting_payment"), Some(false)));
    app.pay(id, "balance").await;
    let delivered = events.until("delivered").await;
    assert_eq!(delivered["last"], true, "nothing follows an enterprise's delivery: {delivered}");
    assert!(delivered["delivered_at"].is_string() && delivered["bound_to"].is_null(), "{delivered}");
    assert!(events.next().await.is_none(), "the server ends the stream");
});

on_both_databases!(bnd_2_a_personal_order_stream_follows_delivery_then_binding, |app| {
    let chen = app.another_client();
    chen.sign_in("p-chen").await;
    act_as_person(&chen).await;
    let (_, me) = chen.get("/api/me").await;
    let (enterprise, name) = me["memberships"]
        .as_array()
        .and_then(|all| all.iter().find(|m| m["verified"] == true))
        .map(|m| (m["enterprise_id"].as_i64().expect("id"), m["enterprise_name"].as_str().expect("name").to_owned()))
        .expect("a verified enterprise joined");
    let id = paid(&chen, &advanced()).await;
    let mut events = Events::open(&chen, id).await;
    let delivered = events.until("delivered").await;
    assert_eq!(delivered["last"], false, "a personal order waits to be bound: {delivered}");

    // Nothing more while it waits: the stream stays open without events.
    let quiet = tokio::time::timeout(Duration::from_millis(2_500), events.next()).await;
    assert!(quiet.is_err(), "no event before the binding: {quiet:?}");

    let (status, bound) = chen.post(&format!("/api/orders/{id}/bind"), &json!({ "enterprise_id": enterprise })).await;
    assert_eq!(status, StatusCode::OK, "{bound}");
    let event = events.until("bound").await;
    assert_eq!(event["last"], true, "{event}");
    assert_eq!(event["bound_to"], json!(name), "where it went: {event}");
    let at = |v: &Value| v.as_str().and_then(|s| s.parse::<chrono::DateTime<chrono::Utc>>().ok()).expect("an instant");
    let off = (at(&event["bound_at"]) - at(&bound["bound_at"])).abs();
    assert!(off < chrono::TimeDelta::milliseconds(1), "when, to the stored millisecond: {event} / {bound}");
    assert!(events.next().await.is_none(), "the server ends the stream after the binding");

    // Opened again afterwards: the one last event.
    let mut again = Events::open(&chen, id).await;
    let event = again.next().await.expect("the current status");
    assert_eq!((event["status"].as_str(), event["last"].as_bool()), (Some("bound"), Some(true)), "{event}");
    assert!(again.next().await.is_none());
});

/// Two servers on one PostgreSQL database, each looking on its own only
/// every ten minutes: only the notification the first sends can tell the
/// second's follower that the order changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ful_1_an_order_changed_on_one_server_is_followed_at_once_on_another() {
    let rarely = |settings: &mut server::settings::Settings| settings.follow_poll_ms = Some(600_000);
    let one = TestApp::builder(Backend::Postgres).settings(rarely).spawn().await;
    let other = TestApp::builder(Backend::Postgres)
        .database_url(one.database_url.clone())
        .clock(one.clock.clone())
        .settings(rarely)
        .spawn()
        .await;
    one.sign_in("a-admin").await;
    other.sign_in("a-admin").await;
    let id = one.place_ok(&advanced(), "web").await;
    let mut events = Events::open(&other, id).await;
    let first = events.next().await.expect("the current status first");
    assert_eq!(first["status"], "awaiting_payment", "{first}");
    let (status, cancelled) = one.post(&format!("/api/orders/{id}/cancel"), &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{cancelled}");
    // Within the stream's ten-second stall limit, far before its own look.
    let closed = events.until("closed").await;
    assert_eq!(closed["last"], true, "{closed}");
}
