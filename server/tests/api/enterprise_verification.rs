//! Enterprise verification (VER-2) over HTTP on both databases: the
//! seeds' personal path walked to its end (a person buys before their
//! enterprise is verified, verifies it, binds the purchase), the refusals,
//! the reviewer's queue and the operators' decisions.

use crate::helpers::TestApp;
use crate::on_both_databases;
use crate::verification::{act_as_person, verify};
use reqwest::StatusCode;
use serde_json::{Value, json};

const CHEN_PHONE: &str = "13912345678";
/// A code whose check character is right (GB 32100-2015).
const CODE: &str = "91440300MA5G8Q2K17";
const VERIFIED_NAME: &str = "深圳未来贸易有限公司";

fn code_of(body: &Value) -> Option<&str> {
    body["code"].as_str()
}

fn application(credit_code: &str) -> Value {
    json!({ "name": VERIFIED_NAME, "credit_code": credit_code, "legal_representative": "陈静" })
}

/// p-chen acting as the person, and the id of the unverified enterprise they are super admin of.
async fn chen(app: &TestApp) -> (TestApp, i64) {
    let chen = app.another_client();
    chen.sign_in("p-chen").await;
    act_as_person(&chen).await;
    let (_, me) = chen.get("/api/me").await;
    let unverified = me["memberships"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["verified"] == false))
        .and_then(|m| m["enterprise_id"].as_i64())
        .unwrap_or_else(|| panic!("p-chen joined an unverified enterprise: {me}"));
    (chen, unverified)
}

async fn ops(app: &TestApp) -> TestApp {
    let ops = app.another_client();
    ops.sign_in("ops").await;
    ops
}

/// p-chen, phone verified for the purpose, submits a valid request; its id.
async fn submitted(chen: &TestApp, enterprise: i64) -> i64 {
    verify(chen, "enterprise_verification", CHEN_PHONE).await;
    let (status, body) = chen.post(&format!("/api/enterprises/{enterprise}/verification"), &application(CODE)).await;
    assert_eq!(status, StatusCode::CREATED, "submitted: {body}");
    assert_eq!(body["request"]["status"], "submitted", "{body}");
    body["request"]["id"].as_i64().expect("a request id")
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let db = app.db().await;
    server::db::query_scalar(server::db::AssertSqlSafe(sql.to_owned())).fetch_one(&db.read).await.expect(sql)
}

on_both_databases!(ver_2_a_code_with_a_wrong_check_character_is_refused_and_never_reaches_the_reviewer, |app| {
    let (chen, c) = chen(&app).await;
    verify(&chen, "enterprise_verification", CHEN_PHONE).await;
    let path = format!("/api/enterprises/{c}/verification");
    let (status, body) = chen.post(&path, &application("91440300MA5G8Q2K18")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!((code_of(&body), body["field"].as_str()), (Some("credit_code_invalid"), Some("credit_code")));
    let (status, body) =
        chen.post(&path, &json!({ "name": "深", "credit_code": CODE, "legal_representative": "陈静" })).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("name")), "{body}");
    let (status, body) = chen.post(&path, &json!({ "name": VERIFIED_NAME })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a body without its fields: {body}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sandbox_reviews").await, 0, "the reviewer was never asked");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM verification_requests").await, 0, "nothing stored");
});

on_both_databases!(ver_2_the_requesters_phone_must_be_verified_and_only_members_ask, |app| {
    let (chen, c) = chen(&app).await;
    let path = format!("/api/enterprises/{c}/verification");
    let (status, body) = chen.post(&path, &application(CODE)).await;
    assert_eq!((status, code_of(&body)), (StatusCode::UNPROCESSABLE_ENTITY, Some("phone_not_verified")), "{body}");
    verify(&chen, "invoice", CHEN_PHONE).await;
    let (_, body) = chen.post(&path, &application(CODE)).await;
    assert_eq!(code_of(&body), Some("phone_not_verified"), "a code for another purpose proves nothing: {body}");

    let outsider = app.another_client();
    outsider.sign_in("a-admin").await;
    for (status, body) in [outsider.post(&path, &application(CODE)).await, outsider.get(&path).await] {
        assert_eq!((status, code_of(&body)), (StatusCode::UNPROCESSABLE_ENTITY, Some("not_a_member")), "{body}");
    }
    let (_, body) = outsider.get("/api/enterprises/999999/verification").await;
    assert_eq!(code_of(&body), Some("not_a_member"), "an unknown enterprise answers the same: {body}");
    let (status, body) = chen.get(&path).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["verified"].as_bool(), body["request"].is_null()), (Some(false), true), "never asked: {body}");
});

on_both_databases!(ver_2_an_approved_enterprise_takes_the_personal_purchase_of_its_new_super_admin, |app| {
    let (chen, c) = chen(&app).await;
    let order = chen.buy(&json!({ "edition": { "edition": "advanced", "years": 1 } }), "web").await;
    let order = order["id"].as_i64().expect("an order id");
    let bind = format!("/api/orders/{order}/bind");
    let (status, body) = chen.post(&bind, &json!({ "enterprise_id": c })).await;
    assert_eq!((status, code_of(&body)), (StatusCode::UNPROCESSABLE_ENTITY, Some("enterprise_not_verified")));

    let request = submitted(&chen, c).await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sandbox_reviews WHERE status = 'queued'").await, 1, "queued");
    let (_, body) = chen.post(&format!("/api/enterprises/{c}/verification"), &application(CODE)).await;
    assert_eq!(code_of(&body), Some("verification_pending"), "one request under review at a time: {body}");
    let (_, body) = chen.post(&bind, &json!({ "enterprise_id": c })).await;
    assert_eq!(code_of(&body), Some("enterprise_not_verified"), "the reviewer has not decided: {body}");

    let ops = ops(&app).await;
    let (status, list) = ops.get("/api/ops/verifications").await;
    assert_eq!((status, list[0]["id"].as_i64()), (StatusCode::OK, Some(request)), "pending first: {list}");
    let (status, approved) = ops.post(&format!("/api/ops/verifications/{request}/approve"), &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    assert_eq!(approved["status"], "approved");
    assert!(approved["decided_by"].as_str().is_some_and(|by| by.starts_with("person:")), "{approved}");

    let (_, me) = chen.get("/api/me").await;
    let membership = me["memberships"].as_array().and_then(|m| m.iter().find(|m| m["enterprise_id"] == c)).cloned();
    let membership = membership.unwrap_or_else(|| panic!("still a member: {me}"));
    assert_eq!(membership["verified"], true, "{membership}");
    assert_eq!(membership["enterprise_name"], VERIFIED_NAME, "the verified name: {membership}");
    assert!(membership["roles"].as_array().is_some_and(|r| r.contains(&json!("super_admin"))), "{membership}");
    let (_, state) = chen.get(&format!("/api/enterprises/{c}/verification")).await;
    assert_eq!((state["verified"].as_bool(), state["request"]["status"].as_str()), (Some(true), Some("approved")));
    assert!(state["request"]["decided_by"].is_null(), "who decided is the operators' business: {state}");

    let (status, bound) = chen.post(&bind, &json!({ "enterprise_id": c })).await;
    assert_eq!(status, StatusCode::OK, "the personal purchase binds now: {bound}");
    assert_eq!(bound["order"]["status"], "bound");
    let (status, body) = chen.post(&format!("/api/enterprises/{c}/verification"), &application(CODE)).await;
    assert_eq!((status, code_of(&body)), (StatusCode::CONFLICT, Some("enterprise_already_verified")), "{body}");
    let audited =
        count(&app, "SELECT COUNT(*) FROM audit_log WHERE event = 'enterprise.verified' AND actor LIKE 'person:%'")
            .await;
    assert_eq!(audited, 1, "the decision is audited with who");
});

on_both_databases!(ver_2_a_rejection_shows_its_reason_and_the_requester_asks_again, |app| {
    let (chen, c) = chen(&app).await;
    let request = submitted(&chen, c).await;
    let ops = ops(&app).await;
    let reject = format!("/api/ops/verifications/{request}/reject");
    let (status, body) = ops.post(&reject, &json!({ "reason": " " })).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("reason")), "{body}");
    let (status, rejected) = ops.post(&reject, &json!({ "reason": "法定代表人与营业执照不符" })).await;
    assert_eq!(status, StatusCode::OK, "{rejected}");
    let (status, again) = ops.post(&format!("/api/ops/verifications/{request}/approve"), &json!({})).await;
    assert_eq!((status, code_of(&again)), (StatusCode::CONFLICT, Some("invalid_state")), "decided once: {again}");

    let (_, state) = chen.get(&format!("/api/enterprises/{c}/verification")).await;
    assert_eq!(state["request"]["status"], "rejected", "{state}");
    assert_eq!(state["request"]["reason"], "法定代表人与营业执照不符");
    assert_eq!(state["verified"], false);
    // The code checked for the first request still vouches (VER-1: ten minutes).
    let (status, again) = chen.post(&format!("/api/enterprises/{c}/verification"), &application(CODE)).await;
    assert_eq!(status, StatusCode::CREATED, "asked again: {again}");
    let second = again["request"]["id"].as_i64().expect("a request id");
    assert_ne!(second, request, "a new request");
    let (_, list) = ops.get("/api/ops/verifications").await;
    let order: Vec<Option<i64>> =
        list.as_array().map(|l| l.iter().map(|r| r["id"].as_i64()).collect()).unwrap_or_default();
    assert_eq!(order, [Some(second), Some(request)], "the pending one first: {list}");
    let audited = count(&app, "SELECT COUNT(*) FROM audit_log WHERE event = 'enterprise.verification_rejected'").await;
    assert_eq!(audited, 1);
});

on_both_databases!(ver_2_two_operators_approving_at_once_make_one_decision, |app| {
    let (chen, c) = chen(&app).await;
    let request = submitted(&chen, c).await;
    let (first, second) = (ops(&app).await, ops(&app).await);
    let path = format!("/api/ops/verifications/{request}/approve");
    let empty = json!({});
    let ((a, body_a), (b, body_b)) = tokio::join!(first.post(&path, &empty), second.post(&path, &empty));
    let mut statuses = [a.as_u16(), b.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "one decision: {body_a} / {body_b}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE event = 'enterprise.verified'").await, 1);
    let roles: String = {
        let db = app.db().await;
        server::db::query_scalar(
            "SELECT m.roles FROM memberships m JOIN persons p ON p.id = m.person_id \
             WHERE p.login = 'p-chen' AND m.enterprise_id = $1",
        )
        .bind(c)
        .fetch_one(&db.read)
        .await
        .expect("chen's roles")
    };
    assert_eq!(roles, "super_admin", "granted once");
});

on_both_databases!(ver_2_only_operators_review, |app| {
    let (chen, c) = chen(&app).await;
    let request = submitted(&chen, c).await;
    for login in ["p-chen", "a-admin", "a-legal", "sales"] {
        let client = app.another_client();
        client.sign_in(login).await;
        let (status, _) = client.get("/api/ops/verifications").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{login} lists");
        let (status, _) = client.post(&format!("/api/ops/verifications/{request}/approve"), &json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{login} approves");
        let (status, _) =
            client.post(&format!("/api/ops/verifications/{request}/reject"), &json!({ "reason": "不符" })).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{login} rejects");
    }
    let (status, _) = app.another_client().get("/api/ops/verifications").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, state) = chen.get(&format!("/api/enterprises/{c}/verification")).await;
    assert_eq!(state["request"]["status"], "submitted", "nothing decided: {state}");
    let (status, _) = ops(&app).await.post("/api/ops/verifications/999999/approve", &json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "an operator's unknown request");
});
