//! FUL-1, FUL-2: every paid order is delivered exactly once, across a crash
//! and across several server processes on one database.

use crate::helpers::{Backend, TestApp, client_of, fresh_database, launch};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::process::Child;

fn pack() -> Value {
    json!({ "addons": [{ "addon": "contract_pack_1k", "quantity": 1 }] })
}

/// The real server binary on `database_url`; returns the child and its base URL.
fn start_process(database_url: &str) -> (Child, String) {
    let (child, url) = launch(database_url, None);
    (child, url.expect("the server prints its URL"))
}

/// Grants written per order, straight from the database.
async fn grants_per_order(database_url: &str) -> Vec<(i64, i64)> {
    let db = server::db::Db::connect(database_url, 2).await.expect("db");
    server::db::query_as(
        "SELECT order_id, COUNT(*) FROM quota_grants WHERE order_id IS NOT NULL GROUP BY order_id ORDER BY order_id",
    )
    .fetch_all(&db.read)
    .await
    .expect("grants")
}

async fn ful_2_killed_and_restarted_still_delivers_exactly_once(backend: Backend) {
    let database_url = fresh_database(backend).await;
    let (mut first, url) = start_process(&database_url);
    let app = client_of(&url, &database_url, "a-admin").await;
    let edition = app.place_ok(&json!({ "edition": { "edition": "advanced", "years": 1 } }), "web").await;
    app.pay(edition, "balance").await;
    app.wait_for_status(edition, "delivered").await;
    let mut orders = Vec::new();
    for _ in 0..24 {
        orders.push(app.place_ok(&pack(), "web").await);
    }
    for id in &orders[..12] {
        let (status, body) = app.pay(*id, "balance").await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    first.kill().expect("killed");
    first.wait().expect("reaped");

    let (mut second, url) = start_process(&database_url);
    let app = client_of(&url, &database_url, "a-admin").await;
    for id in &orders[12..] {
        let (status, body) = app.pay(*id, "balance").await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    for id in &orders {
        app.wait_for_status(*id, "delivered").await;
    }
    let grants = grants_per_order(&database_url).await;
    second.kill().expect("killed");
    second.wait().expect("reaped");
    assert_eq!(grants.len(), orders.len() + 1, "every order delivered: {grants:?}");
    assert!(grants.iter().all(|(_, n)| *n == 1), "each exactly once: {grants:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ful_2_killed_and_restarted_still_delivers_exactly_once_sqlite() {
    ful_2_killed_and_restarted_still_delivers_exactly_once(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ful_2_killed_and_restarted_still_delivers_exactly_once_postgres() {
    ful_2_killed_and_restarted_still_delivers_exactly_once(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ful_2_two_servers_on_one_postgresql_deliver_a_batch_exactly_once_between_them() {
    let database_url = fresh_database(Backend::Postgres).await;
    let one = TestApp::builder(Backend::Postgres).database_url(&database_url).spawn().await;
    let two = TestApp::builder(Backend::Postgres).database_url(&database_url).spawn().await;
    one.sign_in("a-admin").await;
    two.sign_in("a-admin").await;
    let edition = one.place_ok(&json!({ "edition": { "edition": "advanced", "years": 1 } }), "web").await;
    one.pay(edition, "balance").await;
    one.wait_for_status(edition, "delivered").await;
    let mut orders = Vec::new();
    for i in 0..30 {
        let server = if i % 2 == 0 { &one } else { &two };
        orders.push(server.place_ok(&pack(), "web").await);
    }
    let pays = orders.iter().enumerate().map(|(i, id)| {
        let server = if i % 2 == 0 { &one } else { &two };
        server.post_owned(format!("/api/orders/{id}/pay"), json!({ "method": "balance" }))
    });
    for (status, body) in futures_util::future::join_all(pays).await {
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    for id in &orders {
        one.wait_for_status(*id, "delivered").await;
    }
    let grants = grants_per_order(&database_url).await;
    assert_eq!(grants.len(), orders.len() + 1);
    assert!(grants.iter().all(|(_, n)| *n == 1), "each exactly once: {grants:?}");
    let (_, me) = one.get("/api/me").await;
    assert_eq!(me["buyer"]["balance"], "133020.00", "200000 − 6980 − 30 × 2000, debited once each");
}
