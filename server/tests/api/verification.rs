//! Phone verification (VER-1): codes to the acting identity's phone through
//! the bundled outbox, their lifetime, tries and send rate.

use crate::helpers::{Backend, TestApp};
use crate::on_both_databases;
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::clock::Clock;

/// The six digits of the newest text message to `phone`, read from the development outbox.
pub async fn code_sent_to(app: &TestApp, phone: &str) -> String {
    let (status, messages) = app.get(&format!("/api/dev/sms-outbox?phone={phone}")).await;
    assert_eq!(status, StatusCode::OK, "the outbox is readable in development: {messages}");
    let text = messages[0]["text"].as_str().unwrap_or_else(|| panic!("a message to {phone}: {messages}"));
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    digits.get(..6).unwrap_or_else(|| panic!("a 6-digit code in {text:?}")).to_owned()
}

/// Another six digits than `code`.
pub fn wrong(code: &str) -> String {
    let n: u32 = code.parse().expect("digits");
    format!("{:06}", (n + 1) % 1_000_000)
}

/// Sends a code for `purpose` to the caller's phone and checks it.
pub async fn verify(app: &TestApp, purpose: &str, phone: &str) {
    let (status, sent) = app.post("/api/verification/send", &json!({ "purpose": purpose })).await;
    assert_eq!(status, StatusCode::OK, "a code is sent: {sent}");
    let code = code_sent_to(app, phone).await;
    let (status, checked) = app.post("/api/verification/check", &json!({ "purpose": purpose, "code": code })).await;
    assert_eq!(status, StatusCode::OK, "the code checks: {checked}");
}

/// Switches the signed-in person to act as themselves (ID-4).
pub async fn act_as_person(app: &TestApp) {
    let request =
        app.client.put(format!("{}/api/session/identity", app.address)).json(&json!({ "enterprise_id": null }));
    let (status, me) = app.send(request, "act as the person").await;
    assert_eq!(status, StatusCode::OK, "{me}");
}

fn code_of(body: &Value) -> Option<&str> {
    body["code"].as_str()
}

const A_SECURITY_PHONE: &str = "13800000001";
const CHEN_PHONE: &str = "13912345678";

on_both_databases!(ver_1_a_six_digit_code_goes_to_the_acting_identitys_phone_and_only_its_digest_is_kept, |app| {
    app.sign_in("a-admin").await;
    let (status, sent) = app.post("/api/verification/send", &json!({ "purpose": "invoice" })).await;
    assert_eq!((status, sent["phone"].as_str()), (StatusCode::OK, Some("138****0001")), "the security phone: {sent}");
    let code = code_sent_to(&app, A_SECURITY_PHONE).await;
    assert!(code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()), "{code}");

    let db = app.db().await;
    let rows = server::db::query("SELECT phone, salt, code_hash FROM verification_codes")
        .fetch_all(&db.read)
        .await
        .expect("rows");
    assert_eq!(rows.len(), 1);
    let (phone, salt, hash): (String, String, String) = (
        rows[0].try_get(0).expect("the column"),
        rows[0].try_get(1).expect("the column"),
        rows[0].try_get(2).expect("the column"),
    );
    assert_eq!(phone, A_SECURITY_PHONE);
    assert!(!hash.contains(&code) && !salt.contains(&code) && hash.len() == 64, "only a salted digest is stored");

    let chen = app.another_client();
    chen.sign_in("p-chen").await;
    act_as_person(&chen).await;
    let (status, sent) = chen.post("/api/verification/send", &json!({ "purpose": "person_details" })).await;
    assert_eq!((status, sent["phone"].as_str()), (StatusCode::OK, Some("139****5678")), "the person's own: {sent}");
    assert_eq!(code_sent_to(&chen, CHEN_PHONE).await.len(), 6);
});

on_both_databases!(ver_1_at_most_one_code_a_minute_per_phone, |app| {
    app.sign_in("a-admin").await;
    let send = json!({ "purpose": "invoice" });
    let (status, _) = app.post("/api/verification/send", &send).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app.post("/api/verification/send", &send).await;
    assert_eq!((status, code_of(&body)), (StatusCode::TOO_MANY_REQUESTS, Some("send_too_often")), "{body}");

    let billing = app.another_client();
    billing.sign_in("a-billing").await;
    let (status, body) = billing.post("/api/verification/send", &send).await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::TOO_MANY_REQUESTS, Some("send_too_often")),
        "the same security phone, another person: still one a minute: {body}"
    );

    app.clock.advance(chrono::TimeDelta::seconds(60));
    let (status, body) = billing.post("/api/verification/send", &send).await;
    assert_eq!(status, StatusCode::OK, "a minute later: {body}");
    let (_, outbox) = app.get(&format!("/api/dev/sms-outbox?phone={A_SECURITY_PHONE}")).await;
    assert_eq!(outbox.as_array().map(Vec::len), Some(2), "two messages were sent: {outbox}");
});

on_both_databases!(ver_1_a_wrong_code_is_refused_and_five_tries_is_the_most, |app| {
    app.sign_in("a-admin").await;
    app.post("/api/verification/send", &json!({ "purpose": "invoice" })).await;
    let code = code_sent_to(&app, A_SECURITY_PHONE).await;
    let check = |code: String| json!({ "purpose": "invoice", "code": code });
    for attempt in 1..=5 {
        let (status, body) = app.post("/api/verification/check", &check(wrong(&code))).await;
        assert_eq!((status, code_of(&body)), (StatusCode::UNPROCESSABLE_ENTITY, Some("code_invalid")), "try {attempt}");
    }
    let (status, body) = app.post("/api/verification/check", &check(code.clone())).await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::TOO_MANY_REQUESTS, Some("too_many_attempts")),
        "after five wrong tries even the right code is refused: {body}"
    );
    let (status, body) =
        app.post("/api/verification/check", &json!({ "purpose": "person_details", "code": code })).await;
    assert_eq!(code_of(&body), Some("code_invalid"), "a code proves nothing for another purpose: {status} {body}");
    let (status, body) = app.post("/api/verification/check", &check("12ab56".into())).await;
    assert_eq!((status, code_of(&body)), (StatusCode::UNPROCESSABLE_ENTITY, Some("code_invalid")));

    app.clock.advance(chrono::TimeDelta::seconds(61));
    app.post("/api/verification/send", &json!({ "purpose": "invoice" })).await;
    let fresh = code_sent_to(&app, A_SECURITY_PHONE).await;
    let (status, body) = app.post("/api/verification/check", &check(fresh.clone())).await;
    assert_eq!(status, StatusCode::OK, "a new code starts with five tries: {body}");
    let until: chrono::DateTime<chrono::Utc> =
        body["verified_until"].as_str().and_then(|s| s.parse().ok()).expect("verified_until");
    let ten_minutes = app.clock.now() + chrono::TimeDelta::minutes(10);
    assert_eq!(until.timestamp_millis(), ten_minutes.timestamp_millis(), "vouches for ten minutes");
    let (status, again) = app.post("/api/verification/check", &check(fresh)).await;
    assert_eq!((status, &again["verified_until"]), (StatusCode::OK, &body["verified_until"]), "a double submit");
});

on_both_databases!(ver_1_codes_expire_after_five_minutes, |app| {
    app.sign_in("a-admin").await;
    app.post("/api/verification/send", &json!({ "purpose": "invoice" })).await;
    let code = code_sent_to(&app, A_SECURITY_PHONE).await;
    app.clock.advance(chrono::TimeDelta::minutes(5));
    let (status, body) = app.post("/api/verification/check", &json!({ "purpose": "invoice", "code": code })).await;
    assert_eq!((status, code_of(&body)), (StatusCode::UNPROCESSABLE_ENTITY, Some("code_expired")), "{body}");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ver_1_the_outbox_is_readable_in_development_only() {
    let app = TestApp::builder(Backend::Sqlite).settings(crate::helpers::in_production).spawn().await;
    let response = app.client.get(format!("{}/api/dev/sms-outbox", app.address)).send().await.expect("answered");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body: Value = response.json().await.expect("json");
    assert_eq!(code_of(&body), Some("not_found"));
}
