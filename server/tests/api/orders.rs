//! Sign-in, identity, and an order's life from quote to delivery.

use crate::helpers::uuid_like_pub;
use crate::on_both_databases;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn advanced_with_pack() -> Value {
    json!({ "edition": { "edition": "advanced", "years": 1 }, "addons": [{ "addon": "contract_pack_1k", "quantity": 1 }] })
}

on_both_databases!(id_4_a_person_acts_as_one_identity_at_a_time, |app| {
    let (status, body) = app.get("/api/me").await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthenticated")));

    app.sign_in("p-chen").await;
    let (_, me) = app.get("/api/me").await;
    assert_eq!(me["memberships"].as_array().map(Vec::len), Some(2), "joined A and the unverified one: {me}");
    let a = me["memberships"][0]["enterprise_id"].clone();
    assert_eq!(me["acting_enterprise_id"], a, "acts as the first verified enterprise");
    assert_eq!(me["buyer"]["identity"]["kind"], "enterprise");

    let request =
        app.client.put(format!("{}/api/session/identity", app.address)).json(&json!({ "enterprise_id": null }));
    let (status, me) = app.send(request, "switch to person").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["buyer"]["identity"]["kind"], "person");

    let request = app.client.put(format!("{}/api/session/identity", app.address)).json(&json!({ "enterprise_id": 2 }));
    let (status, body) = app.send(request, "switch to a stranger").await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("not_a_member")));
});

on_both_databases!(ful_1_a_purchase_paid_from_the_balance_is_delivered_to_the_enterprise, |app| {
    app.sign_in("a-admin").await;
    let (_, before) = app.get("/api/me").await;
    let id = app.place_ok(&advanced_with_pack(), "web").await;
    let (status, paid) = app.pay(id, "balance").await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    let order = app.wait_for_status(id, "delivered").await;
    assert_eq!(order["payable"], "8980.00");
    let (_, after) = app.get("/api/me").await;
    assert_eq!(after["buyer"]["account"]["edition"]["edition"], "advanced", "{after}");
    let spent = |me: &Value| me["buyer"]["balance"].as_str().and_then(|b| b.parse::<domain::Money>().ok());
    let (was, is) = (spent(&before).expect("balance"), spent(&after).expect("balance"));
    assert_eq!(was.checked_sub(is), Ok(domain::Money::yuan(8_980)), "debited exactly once");
});

on_both_databases!(pay_2_ordinary_staff_cannot_pay_from_the_balance, |app| {
    app.sign_in("a-staff").await;
    let id = app.place_ok(&advanced_with_pack(), "web").await;
    let (status, body) = app.pay(id, "balance").await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("balance_not_permitted")), "{body}");
    let order = app.order(id).await;
    assert_eq!(order["status"], "awaiting_payment", "nothing changed");
});

on_both_databases!(ord_2_the_same_key_twice_makes_one_order, |app| {
    app.sign_in("a-admin").await;
    let key = uuid_like_pub();
    let (first, a) = app.place(&advanced_with_pack(), "web", &key).await;
    let (second, b) = app.place(&advanced_with_pack(), "web", &key).await;
    assert_eq!((first, second), (StatusCode::CREATED, StatusCode::OK));
    assert_eq!(a["id"], b["id"]);
    let other = json!({ "edition": { "edition": "advanced", "years": 2 } });
    let (status, body) = app.place(&other, "web", &key).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("idempotency_key_reused")));
    let (_, orders) = app.get("/api/orders").await;
    assert_eq!(orders.as_array().map(Vec::len), Some(1));
});

on_both_databases!(orders_carry_twenty_digit_numbers_of_their_day_that_never_change, |app| {
    app.sign_in("a-admin").await;
    let first = app.place_ok(&advanced_with_pack(), "web").await;
    let second = app.place_ok(&json!({ "edition": { "edition": "advanced", "years": 2 } }), "web").await;
    let (_, a) = app.get(&format!("/api/orders/{first}")).await;
    let (_, b) = app.get(&format!("/api/orders/{second}")).await;
    let (na, nb) = (a["number"].as_str().unwrap_or_default(), b["number"].as_str().unwrap_or_default());
    for (number, order) in [(na, &a), (nb, &b)] {
        assert_eq!(number.len(), 20, "{order}");
        assert!(number.bytes().all(|c| c.is_ascii_digit()), "{order}");
        let placed: chrono::DateTime<chrono::Utc> =
            order["created_at"].as_str().and_then(|t| t.parse().ok()).expect("created_at");
        let day = (placed + chrono::TimeDelta::hours(8)).format("%Y%m%d").to_string();
        assert!(number.starts_with(&day), "the China day it was placed: {number} vs {day}");
        assert!(number.ends_with(&format!("{:012}", order["id"].as_i64().unwrap_or_default())), "{order}");
    }
    assert_ne!(na, nb);
    app.pay(first, "balance").await;
    app.wait_for_status(first, "delivered").await;
    let (_, list) = app.get("/api/orders").await;
    let listed: Vec<&str> = list.as_array().into_iter().flatten().filter_map(|o| o["number"].as_str()).collect();
    assert!(listed.contains(&na) && listed.contains(&nb), "the same numbers after payment and delivery: {listed:?}");
});

on_both_databases!(ord_2_concurrent_submits_with_one_key_make_one_order, |app| {
    app.sign_in("a-admin").await;
    let key = uuid_like_pub();
    let selection = advanced_with_pack();
    let quote = app.quote(&selection, "web").await;
    let body = json!({ "selection": selection, "channel": "web", "expected_total": quote["payable"] });
    let submits = (0..8).map(|_| {
        let request =
            app.client.post(format!("{}/api/orders", app.address)).header("Idempotency-Key", &key).json(&body);
        async move { request.send().await.expect("answered").json::<Value>().await.expect("json") }
    });
    let answers = futures_util::future::join_all(submits).await;
    let ids: std::collections::BTreeSet<String> = answers.iter().map(|a| a["id"].to_string()).collect();
    assert_eq!(ids.len(), 1, "one order: {answers:?}");
    let (_, orders) = app.get("/api/orders").await;
    assert_eq!(orders.as_array().map(Vec::len), Some(1));
});

on_both_databases!(pri_2_a_stale_expected_total_answers_quote_changed_with_the_fresh_quote, |app| {
    app.sign_in("a-admin").await;
    let body = json!({ "selection": advanced_with_pack(), "channel": "web", "expected_total": "1.00" });
    let request = app.client.post(format!("{}/api/orders", app.address)).header("Idempotency-Key", "stale").json(&body);
    let (status, answer) = app.send(request, "stale order").await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::CONFLICT, Some("quote_changed")));
    assert_eq!(answer["quote"]["payable"], "8980.00");
    let (_, orders) = app.get("/api/orders").await;
    assert_eq!(orders.as_array().map(Vec::len), Some(0), "nothing was placed");
});

on_both_databases!(vis_1_another_enterprises_order_is_not_found, |app| {
    app.sign_in("a-admin").await;
    let id = app.place_ok(&advanced_with_pack(), "web").await;
    let b = app.another_client();
    b.sign_in("b-admin").await;
    for path in [format!("/api/orders/{id}"), format!("/api/orders/{id}/events")] {
        let (status, body) = b.get(&path).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "{path}");
    }
    let (status, _) = b.pay(id, "wechat_pay").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let staff = app.another_client();
    staff.sign_in("a-staff").await;
    let (status, _) = staff.get(&format!("/api/orders/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "VIS-1: staff see only the orders they placed");
});

on_both_databases!(ord_3_cancelling_an_unpaid_order_gives_the_voucher_back, |app| {
    app.sign_in("a-admin").await;
    let mut selection = advanced_with_pack();
    selection["voucher"] = json!("A-500");
    let id = app.place_ok(&selection, "web").await;
    let (status, quote) = app.post("/api/quote", &json!({ "selection": selection, "channel": "web" })).await;
    assert_eq!((status, quote["code"].as_str()), (StatusCode::CONFLICT, Some("voucher_used")), "spent once: {quote}");
    let (status, closed) = app.post(&format!("/api/orders/{id}/cancel"), &json!({})).await;
    assert_eq!((status, closed["status"].as_str()), (StatusCode::OK, Some("closed")));
    let (status, body) = app.pay(id, "balance").await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_state")));
    app.place_ok(&selection, "web").await;
});

on_both_databases!(malformed_input_is_a_clear_4xx_and_changes_nothing, |app| {
    app.sign_in("a-admin").await;
    let cases = [
        json!({ "selection": { "edition": { "edition": "platinum", "years": 1 } }, "channel": "web", "expected_total": "1.00" }),
        json!({ "selection": {}, "channel": "web", "expected_total": 12.5 }),
        json!("not an object"),
    ];
    for body in cases {
        let request = app.client.post(format!("{}/api/orders", app.address)).header("Idempotency-Key", "k").json(&body);
        let (status, answer) = app.send(request, "bad order").await;
        assert_eq!((status, answer["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_input")), "{body}");
    }
    let body = json!({ "selection": advanced_with_pack(), "channel": "web", "expected_total": "8980.00" });
    let request = app.client.post(format!("{}/api/orders", app.address)).json(&body);
    let (status, _) = app.send(request, "no key").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the Idempotency-Key header is required");
    let years = json!({ "selection": { "edition": { "edition": "advanced", "years": 5 } }, "channel": "web" });
    let (status, answer) = app.post("/api/quote", &years).await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_duration")));
    let (_, orders) = app.get("/api/orders").await;
    assert_eq!(orders.as_array().map(Vec::len), Some(0));
});
