//! The cloud console (CH-3): development's cloud sign-in picks a demo cloud
//! account, the session remembers it, and the cloud console sells only to
//! the enterprise verified through that account. No request header can
//! name a cloud account.

use crate::helpers::{Backend, TestApp};
use crate::on_both_databases;
use crate::verification::act_as_person;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn code_of(body: &Value) -> Option<&str> {
    body["code"].as_str()
}

fn advanced() -> Value {
    json!({ "edition": { "edition": "advanced", "years": 1 } })
}

/// Signs in through the demo cloud account `cloud` (development only).
async fn cloud_sign_in(app: &TestApp, cloud: &str) {
    let (status, body) = app.post("/api/dev/cloud-session", &json!({ "cloud_account": cloud })).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "signs in through {cloud}: {body}");
}

/// A quote and an order on the cloud console; both must be refused with
/// `cloud_account_not_linked` and the seeds' remedy.
async fn assert_refused_on_the_cloud_console(app: &TestApp, case: &str) {
    let (status, answer) =
        app.post("/api/quote", &json!({ "selection": advanced(), "channel": "cloud_console" })).await;
    assert_refusal(status, &answer, &format!("{case}: the quote"));
    let order = json!({ "selection": advanced(), "channel": "cloud_console", "expected_total": "6980.00" });
    let request = app.client.post(format!("{}/api/orders", app.address)).header("Idempotency-Key", case).json(&order);
    let (status, answer) = app.send(request, case).await;
    assert_refusal(status, &answer, &format!("{case}: the order"));
}

fn assert_refusal(status: StatusCode, answer: &Value, case: &str) {
    assert_eq!(
        (status, code_of(answer)),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("cloud_account_not_linked")),
        "{case}: {answer}"
    );
    let message = answer["message"].as_str().unwrap_or_default();
    for words in ["此企业未激活腾讯电子签", "费用管理", "立即购买", "安全手机"] {
        assert!(message.contains(words), "{case}: the remedy says {words}: {message}");
    }
}

on_both_databases!(ch_3_the_cloud_sign_in_lists_the_demo_cloud_accounts_with_what_each_is_linked_to, |app| {
    let (status, accounts) = app.get("/api/dev/cloud-accounts").await;
    assert_eq!(status, StatusCode::OK, "{accounts}");
    let seen: Vec<(&str, &str, Option<&str>)> = accounts
        .as_array()
        .expect("a list")
        .iter()
        .map(|a| {
            (
                a["cloud_account"].as_str().unwrap_or_default(),
                a["login"].as_str().unwrap_or_default(),
                a["linked_enterprise"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("cloud-100001", "a-admin", Some("杭州云签科技有限公司")),
            ("cloud-900001", "b-admin", None),
            ("cloud-200001", "a-admin", Some("上海合同宝网络有限公司")),
        ],
        "the linked one, one linked to no enterprise, another enterprise's"
    );
});

on_both_databases!(ch_3_the_session_carries_the_cloud_account_it_was_opened_through, |app| {
    cloud_sign_in(&app, "cloud-100001").await;
    let (status, me) = app.get("/api/me").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(
        (me["person"]["login"].as_str(), me["buyer"]["cloud_account"].as_str()),
        (Some("a-admin"), Some("cloud-100001")),
        "the demo person, with the cloud account: {me}"
    );
    assert!(me["acting_enterprise_id"].is_i64(), "acting as the first verified enterprise: {me}");

    // Switching identity keeps the account the session came through (ID-4).
    act_as_person(&app).await;
    let (_, me) = app.get("/api/me").await;
    assert_eq!(me["buyer"]["cloud_account"].as_str(), Some("cloud-100001"), "{me}");

    let web = app.another_client();
    web.sign_in("a-admin").await;
    let (_, me) = web.get("/api/me").await;
    assert!(me["buyer"]["cloud_account"].is_null(), "a web sign-in carries no cloud account: {me}");
});

on_both_databases!(ch_3_only_the_linked_cloud_account_buys_on_the_cloud_console, |app| {
    cloud_sign_in(&app, "cloud-100001").await;
    let quote = app.quote(&advanced(), "cloud_console").await;
    assert_eq!(quote["payable"].as_str(), Some("6980.00"), "{quote}");
    let order = app.buy(&advanced(), "cloud_console").await;
    assert_eq!(
        (order["channel"].as_str(), order["status"].as_str()),
        (Some("cloud_console"), Some("delivered")),
        "placed, paid and delivered on the cloud console: {order}"
    );

    let unlinked = app.another_client();
    cloud_sign_in(&unlinked, "cloud-900001").await;
    assert_refused_on_the_cloud_console(&unlinked, "a cloud account linked to no enterprise").await;

    let other = app.another_client();
    cloud_sign_in(&other, "cloud-200001").await;
    assert_refused_on_the_cloud_console(&other, "another enterprise's cloud account").await;

    let web = app.another_client();
    web.sign_in("a-admin").await;
    assert_refused_on_the_cloud_console(&web, "a web sign-in").await;

    let person = app.another_client();
    cloud_sign_in(&person, "cloud-100001").await;
    act_as_person(&person).await;
    assert_refused_on_the_cloud_console(&person, "the person, not the linked enterprise").await;

    // The refused cloud sessions buy on the web console as ever.
    other.buy(&advanced(), "web").await;
});

on_both_databases!(ch_3_a_request_header_names_no_cloud_account, |app| {
    app.sign_in("a-admin").await;
    let body = json!({ "selection": advanced(), "channel": "cloud_console" });
    let request =
        app.client.post(format!("{}/api/quote", app.address)).header("X-Cloud-Account", "cloud-100001").json(&body);
    let (status, answer) = app.send(request, "a web session naming the linked account in a header").await;
    assert_refusal(status, &answer, "the header is not believed");
});

on_both_databases!(ch_3_the_cloud_sign_in_refuses_what_is_not_a_demo_cloud_account, |app| {
    for (body, expected, case) in [
        (json!({ "cloud_account": "cloud-999999" }), (StatusCode::NOT_FOUND, "not_found"), "unknown"),
        (json!({ "cloud_account": "" }), (StatusCode::NOT_FOUND, "not_found"), "empty"),
        (json!({ "cloud": "cloud-100001" }), (StatusCode::BAD_REQUEST, "invalid_input"), "no cloud_account"),
        (json!({ "cloud_account": 100001 }), (StatusCode::BAD_REQUEST, "invalid_input"), "a number"),
    ] {
        let (status, answer) = app.post("/api/dev/cloud-session", &body).await;
        assert_eq!((status, code_of(&answer)), (expected.0, Some(expected.1)), "{case}: {answer}");
    }
    let (status, me) = app.get("/api/me").await;
    assert_eq!((status, code_of(&me)), (StatusCode::UNAUTHORIZED, Some("unauthenticated")), "nobody signed in");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ch_3_production_refuses_the_development_cloud_sign_in() {
    let app = TestApp::builder(Backend::Sqlite).settings(crate::helpers::in_production).spawn().await;
    let (status, body) = app.post("/api/dev/cloud-session", &json!({ "cloud_account": "cloud-100001" })).await;
    assert_eq!((status, code_of(&body)), (StatusCode::NOT_FOUND, Some("not_found")), "{body}");
    let (status, body) = app.get("/api/dev/cloud-accounts").await;
    assert_eq!((status, code_of(&body)), (StatusCode::NOT_FOUND, Some("not_found")), "{body}");
    let (status, body) = app.get("/api/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "no session was opened: {body}");
}
