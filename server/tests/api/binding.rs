//! Personal purchases and binding them to an enterprise (BND-1..5).

use crate::helpers::TestApp;
use crate::on_both_databases;
use crate::verification::{act_as_person, code_sent_to, verify, wrong};
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::clock::Clock;

const CHEN_PHONE: &str = "13912345678";

fn advanced_with_pack() -> Value {
    json!({ "edition": { "edition": "advanced", "years": 1 }, "addons": [{ "addon": "contract_pack_1k", "quantity": 1 }] })
}

fn code_of(body: &Value) -> Option<&str> {
    body["code"].as_str()
}

/// p-chen, signed in and acting as the person.
async fn chen(app: &TestApp) -> TestApp {
    let chen = app.another_client();
    chen.sign_in("p-chen").await;
    act_as_person(&chen).await;
    chen
}

/// The ids of the enterprises p-chen joined: A (verified) and C (unverified).
async fn joined(app: &TestApp) -> (i64, i64) {
    let (_, me) = app.get("/api/me").await;
    let ids: Vec<(i64, bool)> = me["memberships"]
        .as_array()
        .expect("memberships")
        .iter()
        .map(|m| (m["enterprise_id"].as_i64().expect("id"), m["verified"].as_bool().expect("flag")))
        .collect();
    let a = ids.iter().find(|(_, v)| *v).expect("a verified one").0;
    let c = ids.iter().find(|(_, v)| !*v).expect("an unverified one").0;
    (a, c)
}

fn instant(value: &Value) -> chrono::DateTime<chrono::Utc> {
    value.as_str().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("an instant: {value}"))
}

async fn contracts_left(app: &TestApp, account_id: i64) -> i64 {
    let db = app.db().await;
    let entries = server::repo::ledger::ledger(&mut db.read.acquire().await.expect("a connection"), account_id)
        .await
        .expect("the ledger");
    let left = domain::ledger::balance(&entries, domain::QuotaKind::Contracts, app.clock.now()).remaining;
    i64::try_from(left).expect("small")
}

async fn account_of_person(app: &TestApp, login: &str) -> i64 {
    let db = app.db().await;
    server::db::query_scalar("SELECT account_id FROM persons WHERE login = $1")
        .bind(login)
        .fetch_one(&db.read)
        .await
        .expect("a person")
}

async fn account_of_enterprise(app: &TestApp, id: i64) -> i64 {
    let db = app.db().await;
    server::db::query_scalar("SELECT account_id FROM enterprises WHERE id = $1")
        .bind(id)
        .fetch_one(&db.read)
        .await
        .expect("an enterprise")
}

on_both_databases!(bnd_1_a_personal_purchase_starts_at_payment_and_keeps_that_start_when_bound, |app| {
    let chen = chen(&app).await;
    let id = chen.place_ok(&advanced_with_pack(), "web").await;
    chen.clock.advance(chrono::TimeDelta::minutes(20));
    let (status, paid) = chen.pay(id, "balance").await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    let order = chen.wait_for_status(id, "delivered").await;
    let paid_at = instant(&order["paid_at"]);
    assert_eq!(paid_at, instant(&order["created_at"]) + chrono::TimeDelta::minutes(20));
    let (_, me) = chen.get("/api/me").await;
    let term = &me["buyer"]["account"]["edition"];
    assert_eq!(term["edition"], "advanced", "delivered to the person's own account: {me}");
    assert_eq!(instant(&term["starts_at"]), paid_at, "validity starts at payment, not when ordered");
    let expires_at = instant(&term["expires_at"]);

    chen.clock.advance(chrono::TimeDelta::days(3));
    let (a, _) = joined(&chen).await;
    let (status, bound) = chen.post(&format!("/api/orders/{id}/bind"), &json!({ "enterprise_id": a })).await;
    assert_eq!(status, StatusCode::OK, "{bound}");
    let admin = app.another_client();
    admin.sign_in("a-admin").await;
    let (_, me) = admin.get("/api/me").await;
    let term = &me["buyer"]["account"]["edition"];
    assert_eq!(term["edition"], "advanced", "the enterprise holds it now: {me}");
    assert_eq!(instant(&term["starts_at"]), paid_at, "still from the payment, not from the binding");
    assert_eq!(instant(&term["expires_at"]), expires_at, "the same term");
});

on_both_databases!(bnd_2_a_paid_order_moves_from_my_orders_to_a_verified_enterprise_the_person_joined, |app| {
    let chen = chen(&app).await;
    let order = chen.buy(&advanced_with_pack(), "web").await;
    let id = order["id"].as_i64().expect("id");
    let (status, mine) = chen.get("/api/me/orders").await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert_eq!(mine.as_array().map(|o| o.iter().map(|o| o["id"].clone()).collect::<Vec<_>>()), Some(vec![json!(id)]));
    let person_account = account_of_person(&app, "p-chen").await;
    assert_eq!(contracts_left(&app, person_account).await, 2_000, "edition allotment and pack, on the person");

    let (a, _) = joined(&chen).await;
    let enterprise_account = account_of_enterprise(&app, a).await;
    let (status, bound) = chen.post(&format!("/api/orders/{id}/bind"), &json!({ "enterprise_id": a })).await;
    assert_eq!(status, StatusCode::OK, "{bound}");
    assert_eq!((bound["order"]["status"].as_str(), bound["enterprise_id"].as_i64()), (Some("bound"), Some(a)));

    let (_, me) = chen.get("/api/me").await;
    assert!(me["buyer"]["account"]["edition"].is_null(), "the person no longer holds it: {me}");
    assert_eq!(contracts_left(&app, person_account).await, 0, "nor its contracts");
    assert_eq!(contracts_left(&app, enterprise_account).await, 2_000, "the enterprise does");
    let (_, mine) = chen.get("/api/me/orders").await;
    assert_eq!(mine, json!([]), "no longer waiting to be bound");
    let (_, all) = chen.get("/api/orders").await;
    assert_eq!(all[0]["status"], "bound", "still in the person's order records: {all}");
});

on_both_databases!(bnd_2_refusals_not_a_member_not_verified_already_bound_unpaid_and_as_an_enterprise, |app| {
    let chen = chen(&app).await;
    let (a, c) = joined(&chen).await;
    let unpaid = chen.place_ok(&advanced_with_pack(), "web").await;
    let bind = |id: i64, enterprise: i64| (format!("/api/orders/{id}/bind"), json!({ "enterprise_id": enterprise }));

    let (path, body) = bind(unpaid, a);
    let (status, answer) = chen.post(&path, &body).await;
    assert_eq!((status, code_of(&answer)), (StatusCode::CONFLICT, Some("invalid_state")), "unpaid: {answer}");
    chen.post(&format!("/api/orders/{unpaid}/cancel"), &json!({})).await;

    let id = chen.buy(&advanced_with_pack(), "web").await["id"].as_i64().expect("id");
    let (b_id, _) = {
        let b = app.another_client();
        b.sign_in("b-admin").await;
        let (_, me) = b.get("/api/me").await;
        (me["acting_enterprise_id"].as_i64().expect("B"), ())
    };
    for (enterprise, status, code) in [
        (b_id, StatusCode::UNPROCESSABLE_ENTITY, "not_a_member"),
        (c, StatusCode::UNPROCESSABLE_ENTITY, "enterprise_not_verified"),
        (999_999, StatusCode::UNPROCESSABLE_ENTITY, "not_a_member"),
    ] {
        let (path, body) = bind(id, enterprise);
        let (got, answer) = chen.post(&path, &body).await;
        assert_eq!((got, code_of(&answer)), (status, Some(code)), "to {enterprise}: {answer}");
    }

    let as_enterprise = app.another_client();
    as_enterprise.sign_in("p-chen").await;
    let (path, body) = bind(id, a);
    let (status, answer) = as_enterprise.post(&path, &body).await;
    assert_eq!((status, code_of(&answer)), (StatusCode::FORBIDDEN, Some("forbidden")), "ID-4: bind as the person");
    let stranger = app.another_client();
    stranger.sign_in("a-staff").await;
    act_as_person(&stranger).await;
    let (status, _) = stranger.post(&path, &body).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another person's order");

    let (status, answer) = chen.post(&path, &body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (status, answer) = chen.post(&path, &body).await;
    assert_eq!((status, code_of(&answer)), (StatusCode::CONFLICT, Some("already_bound")), "{answer}");
});

on_both_databases!(bnd_2_concurrent_bindings_of_one_order_move_it_once, |app| {
    let chen = chen(&app).await;
    let id = chen.buy(&advanced_with_pack(), "web").await["id"].as_i64().expect("id");
    let (a, _) = joined(&chen).await;
    let attempts = (0..6).map(|_| chen.post_owned(format!("/api/orders/{id}/bind"), json!({ "enterprise_id": a })));
    let answers = futures_util::future::join_all(attempts).await;
    let ok = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    let bound = answers.iter().filter(|(_, b)| code_of(b) == Some("already_bound")).count();
    assert_eq!((ok, bound), (1, 5), "{answers:?}");
    let enterprise_account = account_of_enterprise(&app, a).await;
    assert_eq!(contracts_left(&app, enterprise_account).await, 2_000, "received once");
});

on_both_databases!(
    bnd_3_a_first_personal_purchase_in_the_mini_program_needs_an_enterprise_name_and_a_verified_phone,
    |app| {
        let chen = chen(&app).await;
        let selection = json!({ "edition": { "edition": "advanced", "years": 1 } });
        let quote = chen.quote(&selection, "mini_program").await;
        let order = |details: Value| {
            let mut body =
                json!({ "selection": selection, "channel": "mini_program", "expected_total": quote["payable"] });
            if !details.is_null() {
                body["person_details"] = details;
            }
            chen.client
                .post(format!("{}/api/orders", chen.address))
                .header("Idempotency-Key", crate::helpers::uuid_like_pub())
                .json(&body)
        };
        let (status, body) = chen.send(order(Value::Null), "no details").await;
        assert_eq!(
            (status, code_of(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("person_details_required")),
            "{body}"
        );
        let (_, body) = chen.send(order(json!({ "enterprise_name": "杭州某某科技有限公司" })), "no phone").await;
        assert_eq!(
            (code_of(&body), body["field"].as_str()),
            (Some("person_details_required"), Some("phone")),
            "{body}"
        );

        let (status, sent) = chen.post("/api/verification/send", &json!({ "purpose": "person_details" })).await;
        assert_eq!(status, StatusCode::OK, "{sent}");
        let code = code_sent_to(&chen, CHEN_PHONE).await;
        let (status, body) = chen
            .send(order(json!({ "enterprise_name": "杭州某某科技有限公司", "phone_code": wrong(&code) })), "wrong")
            .await;
        assert_eq!((status, code_of(&body)), (StatusCode::UNPROCESSABLE_ENTITY, Some("code_invalid")), "{body}");
        let (_, body) = chen.send(order(json!({ "enterprise_name": "  ", "phone_code": code })), "blank name").await;
        assert_eq!(
            (code_of(&body), body["field"].as_str()),
            (Some("person_details_required"), Some("enterprise_name"))
        );
        let (status, placed) = chen
            .send(order(json!({ "enterprise_name": "杭州某某科技有限公司", "phone_code": code })), "complete")
            .await;
        assert_eq!(status, StatusCode::CREATED, "{placed}");

        let db = app.db().await;
        let row = server::db::query("SELECT enterprise_name, phone FROM person_details")
            .fetch_one(&db.read)
            .await
            .expect("kept");
        assert_eq!(
            (row.try_get::<String, _>(0).expect("the column"), row.try_get::<String, _>(1).expect("the column")),
            ("杭州某某科技有限公司".to_owned(), CHEN_PHONE.to_owned())
        );

        let web = chen.quote(&selection, "web").await;
        let body = json!({ "selection": selection, "channel": "web", "expected_total": web["payable"] });
        let request =
            chen.client.post(format!("{}/api/orders", chen.address)).header("Idempotency-Key", "web").json(&body);
        let (status, placed) = chen.send(request, "on the web").await;
        assert_eq!(status, StatusCode::CREATED, "the web console does not ask: {placed}");
    }
);

on_both_databases!(bnd_3_a_phone_checked_beforehand_is_enough_for_ten_minutes, |app| {
    let chen = chen(&app).await;
    verify(&chen, "person_details", CHEN_PHONE).await;
    let selection = json!({ "edition": { "edition": "advanced", "years": 1 } });
    let quote = chen.quote(&selection, "mini_program").await;
    let body = json!({
        "selection": selection, "channel": "mini_program", "expected_total": quote["payable"],
        "person_details": { "enterprise_name": "杭州某某科技有限公司" },
    });
    chen.clock.advance(chrono::TimeDelta::minutes(11));
    let request =
        chen.client.post(format!("{}/api/orders", chen.address)).header("Idempotency-Key", "late").json(&body);
    let (_, late) = chen.send(request, "eleven minutes later").await;
    assert_eq!((code_of(&late), late["field"].as_str()), (Some("person_details_required"), Some("phone")), "{late}");
    chen.clock.advance(chrono::TimeDelta::minutes(1));
    verify(&chen, "person_details", CHEN_PHONE).await;
    let request =
        chen.client.post(format!("{}/api/orders", chen.address)).header("Idempotency-Key", "soon").json(&body);
    let (status, placed) = chen.send(request, "within ten minutes").await;
    assert_eq!(status, StatusCode::CREATED, "{placed}");
});

on_both_databases!(bnd_4_an_edition_does_not_bind_to_an_enterprise_that_has_one_and_stays_bindable, |app| {
    let admin = app.another_client();
    admin.sign_in("a-admin").await;
    admin.buy(&json!({ "edition": { "edition": "advanced", "years": 1 } }), "web").await;
    let chen = chen(&app).await;
    let id = chen.buy(&advanced_with_pack(), "web").await["id"].as_i64().expect("id");
    let (a, _) = joined(&chen).await;
    let (status, body) = chen.post(&format!("/api/orders/{id}/bind"), &json!({ "enterprise_id": a })).await;
    assert_eq!((status, code_of(&body)), (StatusCode::UNPROCESSABLE_ENTITY, Some("enterprise_has_edition")), "{body}");
    let order = chen.order(id).await;
    assert_eq!(order["status"], "delivered", "still the person's, still bindable");
    let (_, mine) = chen.get("/api/me/orders").await;
    assert_eq!(mine.as_array().map(Vec::len), Some(1));
});

on_both_databases!(bnd_5_binding_is_recorded_in_an_append_only_audit_log, |app| {
    let chen = chen(&app).await;
    let id = chen.buy(&advanced_with_pack(), "web").await["id"].as_i64().expect("id");
    let (a, _) = joined(&chen).await;
    let (status, _) = chen.post(&format!("/api/orders/{id}/bind"), &json!({ "enterprise_id": a })).await;
    assert_eq!(status, StatusCode::OK);

    let db = app.db().await;
    let rows = server::db::query(
        "SELECT actor, at, account_id, detail FROM audit_log WHERE event = 'order.bound' AND order_id = $1",
    )
    .bind(id)
    .fetch_all(&db.read)
    .await
    .expect("the audit log");
    assert_eq!(rows.len(), 1);
    let (_, me) = chen.get("/api/me").await;
    let person_id = me["person"]["id"].as_i64().expect("id");
    assert_eq!(rows[0].try_get::<String, _>(0).expect("the column"), format!("person:{person_id}"), "who");
    assert_eq!(rows[0].try_get::<i64, _>(1).expect("the column"), app.clock.now().timestamp_millis(), "when");
    assert_eq!(rows[0].try_get::<Option<i64>, _>(2).expect("the column"), Some(account_of_enterprise(&app, a).await));
    let detail: Value = serde_json::from_str(&rows[0].try_get::<String, _>(3).expect("the column")).expect("json");
    assert_eq!(
        (detail["from_person_id"].as_i64(), detail["to_enterprise_id"].as_i64()),
        (Some(person_id), Some(a)),
        "{detail}"
    );

    let update = server::db::query("UPDATE audit_log SET actor = 'someone else' WHERE event = 'order.bound'")
        .execute(&db.write)
        .await;
    assert!(update.is_err(), "the log cannot be rewritten");
    let delete = server::db::query("DELETE FROM audit_log").execute(&db.write).await;
    assert!(delete.is_err(), "nor emptied");
});
