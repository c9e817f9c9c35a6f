//! Invoices (INV-1): web console, super admin or billing staff, after the
//! security phone was verified, once per paid order, for what was paid.

use crate::helpers::TestApp;
use crate::on_both_databases;
use crate::verification::{act_as_person, verify};
use reqwest::StatusCode;
use serde_json::{Value, json};

const A_SECURITY_PHONE: &str = "13800000001";

fn code_of(body: &Value) -> Option<&str> {
    body["code"].as_str()
}

/// a-admin buys Advanced with a contract pack, paid from the balance; with
/// the ¥500 voucher, ¥8,480 is paid of ¥8,980.
async fn paid_order(app: &TestApp, voucher: Option<&str>) -> i64 {
    let admin = app.another_client();
    admin.sign_in("a-admin").await;
    let selection = json!({
        "edition": { "edition": "advanced", "years": 1 },
        "addons": [{ "addon": "contract_pack_1k", "quantity": 1 }],
        "voucher": voucher,
    });
    let id = admin.place_ok(&selection, "web").await;
    let (status, paid) = admin.pay(id, "balance").await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    id
}

on_both_databases!(
    inv_1_billing_staff_invoice_a_paid_order_for_what_was_paid_after_verifying_the_security_phone,
    |app| {
        let id = paid_order(&app, Some("A-500")).await;
        app.sign_in("a-billing").await;
        let (status, body) = app.post("/api/invoices", &json!({ "order_id": id })).await;
        assert_eq!(
            (status, code_of(&body), body["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("phone_not_verified"), Some("phone")),
            "the security phone first: {body}"
        );

        verify(&app, "invoice", A_SECURITY_PHONE).await;
        let (status, invoice) = app.post("/api/invoices", &json!({ "order_id": id })).await;
        assert_eq!(status, StatusCode::CREATED, "{invoice}");
        assert_eq!(invoice["amount"], "8480.00", "what was paid, not what the voucher covered");
        assert_eq!(invoice["title"], "杭州云签科技有限公司");
        assert_eq!(invoice["order_id"], id);

        let (status, body) = app.post("/api/invoices", &json!({ "order_id": id })).await;
        assert_eq!(
            (status, code_of(&body)),
            (StatusCode::CONFLICT, Some("already_invoiced")),
            "once per order: {body}"
        );
        let (status, list) = app.get("/api/invoices").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");

        app.clock.advance(chrono::TimeDelta::minutes(10));
        let second = paid_order(&app, None).await;
        let (_, body) = app.post("/api/invoices", &json!({ "order_id": second })).await;
        assert_eq!(code_of(&body), Some("phone_not_verified"), "the check vouches for ten minutes: {body}");
    }
);

on_both_databases!(inv_1_only_a_super_admin_or_billing_staff_on_the_web_console, |app| {
    let id = paid_order(&app, Some("A-500")).await;
    for login in ["a-staff", "a-legal"] {
        let who = app.another_client();
        who.sign_in(login).await;
        let (status, body) = who.post("/api/invoices", &json!({ "order_id": id })).await;
        assert_eq!((status, code_of(&body)), (StatusCode::FORBIDDEN, Some("forbidden")), "{login}: {body}");
        let (status, _) = who.get("/api/invoices").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{login} lists none");
    }
    app.sign_in("a-admin").await;
    verify(&app, "invoice", A_SECURITY_PHONE).await;
    let (status, body) = app.post("/api/invoices", &json!({ "order_id": id, "channel": "mini_program" })).await;
    assert_eq!((status, code_of(&body)), (StatusCode::FORBIDDEN, Some("forbidden")), "web console only: {body}");
    let (status, invoice) = app.post("/api/invoices", &json!({ "order_id": id })).await;
    assert_eq!(status, StatusCode::CREATED, "the super admin may: {invoice}");

    let person = app.another_client();
    person.sign_in("p-chen").await;
    act_as_person(&person).await;
    let (status, _) = person.post("/api/invoices", &json!({ "order_id": id })).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a person has no invoices here");
});

on_both_databases!(inv_1_only_paid_orders_of_the_enterprise, |app| {
    let admin = app.another_client();
    admin.sign_in("a-admin").await;
    let unpaid = admin.place_ok(&json!({ "edition": { "edition": "advanced", "years": 1 } }), "web").await;
    verify(&admin, "invoice", A_SECURITY_PHONE).await;
    let (status, body) = admin.post("/api/invoices", &json!({ "order_id": unpaid })).await;
    assert_eq!((status, code_of(&body)), (StatusCode::CONFLICT, Some("invalid_state")), "not paid: {body}");

    app.sign_in("b-admin").await;
    verify(&app, "invoice", "13800000002").await;
    let (status, body) = app.post("/api/invoices", &json!({ "order_id": unpaid })).await;
    assert_eq!((status, code_of(&body)), (StatusCode::NOT_FOUND, Some("not_found")), "another enterprise's: {body}");
});

on_both_databases!(inv_1_concurrent_requests_invoice_an_order_once, |app| {
    let id = paid_order(&app, Some("A-500")).await;
    app.sign_in("a-admin").await;
    verify(&app, "invoice", A_SECURITY_PHONE).await;
    let requests = (0..6).map(|_| app.post_owned("/api/invoices".into(), json!({ "order_id": id })));
    let answers = futures_util::future::join_all(requests).await;
    let created = answers.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
    let refused = answers.iter().filter(|(_, b)| code_of(b) == Some("already_invoiced")).count();
    assert_eq!((created, refused), (1, 5), "{answers:?}");
});
