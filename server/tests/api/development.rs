//! What the app reads about the server's mode (`GET /api/environment`) and
//! the payment sandbox's confirm action as JSON (PAY-4, development only).

use crate::helpers::{Backend, TestApp};
use crate::on_both_databases;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn code_of(body: &Value) -> Option<&str> {
    body["code"].as_str()
}

fn advanced() -> Value {
    json!({ "edition": { "edition": "advanced", "years": 1 } })
}

/// Places Advanced for a year on `channel` and opens a WeChat payment; the order id and the prompt.
async fn wechat_payment(app: &TestApp, channel: &str) -> (i64, Value) {
    let id = app.place_ok(&advanced(), channel).await;
    let (status, paid) = app.pay(id, "wechat_pay").await;
    assert_eq!(status, StatusCode::OK, "the payment opens: {paid}");
    (id, paid["prompt"].clone())
}

async fn confirm(app: &TestApp, key: &str) -> (StatusCode, Value) {
    app.post(&format!("/api/dev/payments/{key}/confirm"), &json!({})).await
}

on_both_databases!(the_app_reads_that_the_server_runs_in_development, |app| {
    let (status, body) = app.get("/api/environment").await;
    assert_eq!((status, body), (StatusCode::OK, json!({ "development": true })), "no sign-in needed");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_says_so_and_has_no_sandbox_confirm_action() {
    let app = TestApp::builder(Backend::Sqlite).settings(crate::helpers::in_production).spawn().await;
    let (status, body) = app.get("/api/environment").await;
    assert_eq!((status, body), (StatusCode::OK, json!({ "development": false })));
    let (status, body) = confirm(&app, "E000000000101").await;
    assert_eq!((status, code_of(&body)), (StatusCode::NOT_FOUND, Some("not_found")), "{body}");
}

on_both_databases!(pay_4_the_sandbox_confirm_action_pays_once_and_the_notice_delivers, |app| {
    app.sign_in("a-admin").await;
    let (id, prompt) = wechat_payment(&app, "web").await;
    let out_trade_no = prompt["code_url"].as_str().and_then(|u| u.split_once("pr=")).expect("a code url").1.to_owned();

    let (status, body) = confirm(&app, &out_trade_no).await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("paid")), "{body}");
    assert_eq!(body["out_trade_no"], json!(out_trade_no));
    // The merchant believes it only from the signed notification, as from WeChat.
    app.wait_for_status(id, "delivered").await;

    let (status, body) = confirm(&app, &out_trade_no).await;
    assert_eq!(
        (status, code_of(&body), body["field"].as_str()),
        (StatusCode::CONFLICT, Some("invalid_state"), Some("payment")),
        "a second confirm: {body}"
    );
    for unknown in ["E999999999999", "wxE999999999999", "no", "%F0%9F%92%A5"] {
        let (status, body) = confirm(&app, unknown).await;
        assert_eq!((status, code_of(&body)), (StatusCode::NOT_FOUND, Some("not_found")), "{unknown}: {body}");
    }
});

on_both_databases!(pay_4_the_mini_program_prompt_is_confirmed_by_its_prepay_id_until_the_deadline, |app| {
    app.sign_in("a-admin").await;
    let (id, prompt) = wechat_payment(&app, "mini_program").await;
    let prepay_id = prompt["prepay_id"].as_str().expect("a prepay id").to_owned();
    let (late_id, late) = wechat_payment(&app, "mini_program").await;
    let late_prepay = late["prepay_id"].as_str().expect("a prepay id").to_owned();

    let (status, body) = confirm(&app, &prepay_id).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["out_trade_no"].as_str(), prepay_id.strip_prefix("wx"), "the payment behind the prompt");
    app.wait_for_status(id, "delivered").await;

    let order = app.order(late_id).await;
    let pay_by: chrono::DateTime<chrono::Utc> = order["pay_by"].as_str().and_then(|s| s.parse().ok()).expect("pay_by");
    let now = server::clock::Clock::now(app.clock.as_ref());
    app.clock.advance(pay_by - now + chrono::TimeDelta::seconds(1));
    let (status, body) = confirm(&app, &late_prepay).await;
    assert_eq!(
        (status, code_of(&body), body["field"].as_str()),
        (StatusCode::CONFLICT, Some("invalid_state"), Some("expires_at")),
        "past the merchant's deadline: {body}"
    );
    let order = app.order(late_id).await;
    assert_ne!(order["status"], "paid", "nothing was paid: {order}");
});

async fn db_stats(app: &TestApp) -> (u64, u64) {
    let (status, body) = app.get("/api/dev/db-stats").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (body["statements"].as_u64().expect("statements"), body["transactions"].as_u64().expect("transactions"))
}

on_both_databases!(the_statement_counter_moves_with_a_purchase, |app| {
    app.sign_in("a-admin").await;
    let (statements, transactions) = db_stats(&app).await;
    app.buy(&advanced(), "web").await;
    let (statements_after, transactions_after) = db_stats(&app).await;
    // Other tests of this binary add to the process's counters too: at least
    // the order's insert, its payment and its delivery are this purchase's.
    assert!(statements_after >= statements + 3, "{statements} → {statements_after}");
    assert!(transactions_after >= transactions + 3, "place, pay and deliver: {transactions} → {transactions_after}");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_has_no_statement_counter() {
    let app = TestApp::builder(Backend::Sqlite).settings(crate::helpers::in_production).spawn().await;
    let (status, body) = app.get("/api/dev/db-stats").await;
    assert_eq!((status, code_of(&body)), (StatusCode::NOT_FOUND, Some("not_found")), "{body}");
}
