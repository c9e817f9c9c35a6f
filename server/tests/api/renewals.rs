//! Renewal and upgrade through the order flow (REN-1..3, QUO-3, SEL-6,
//! ORD-3), and the free trial (TRI-1), on SQLite and PostgreSQL.

use crate::helpers::TestApp;
use crate::on_both_databases;
use crate::quota::{acting_account, billing, contracts, moves};
use chrono::{DateTime, Utc};
use domain::Money;
use domain::time::{DAYS_PER_YEAR, add_years, whole_days};
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::clock::Clock;

fn edition(edition: &str, years: u8) -> Value {
    json!({ "edition": { "edition": edition, "years": years } })
}

fn upgrade_to(edition: &str) -> Value {
    json!({ "edition": { "edition": edition } })
}

fn instant(value: &Value) -> DateTime<Utc> {
    serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("an instant, not {value}: {e}"))
}

/// The edition's (starts_at, expires_at) in billing management.
async fn term(app: &TestApp) -> (DateTime<Utc>, DateTime<Utc>) {
    let b = billing(app).await;
    (instant(&b["edition"]["starts_at"]), instant(&b["edition"]["expires_at"]))
}

/// `POST /api/quote`: the status and the quote (or the refusal).
async fn quote(app: &TestApp, selection: &Value, channel: &str) -> (StatusCode, Value) {
    app.post("/api/quote", &json!({ "selection": selection, "channel": channel })).await
}

fn code(body: &Value) -> Option<&str> {
    body["code"].as_str()
}

/// Moves the server's clock past `until` by `slack` and signs in again
/// (sessions last a week).
async fn travel_to(app: &TestApp, until: DateTime<Utc>, slack: chrono::TimeDelta, login: &str) {
    app.clock.advance(until - app.clock.now() + slack);
    app.sign_in(login).await;
}

on_both_databases!(ren_1_renewing_extends_by_whole_years_and_quo_3_packs_and_grants_follow_the_edition, |app| {
    app.sign_in("a-admin").await;
    let selection = json!({
        "edition": { "edition": "advanced", "years": 1 },
        "addons": [{ "addon": "contract_pack_1k", "quantity": 1 }, { "addon": "signing_reports", "quantity": 1 }]
    });
    app.buy(&selection, "web").await;
    let (started, first_end) = term(&app).await;

    let (status, renewal) = quote(&app, &edition("advanced", 1), "web").await;
    assert_eq!(status, StatusCode::OK, "{renewal}");
    assert_eq!(renewal["lines"][0]["action"], "renewal", "the active edition again is a renewal");
    app.buy(&edition("advanced", 1), "web").await;
    let (starts, second_end) = term(&app).await;
    assert_eq!(starts, started, "the same edition, still from its first start");
    assert_eq!(Some(second_end), add_years(first_end, 1), "extended by one whole year");
    assert_eq!(contracts(&billing(&app).await), (3_000, 0, 3_000));

    travel_to(&app, first_end, chrono::TimeDelta::days(1), "a-admin").await;
    server::workers::sweeper::run_once(&app.state).await.expect("sweeps");
    let b = billing(&app).await;
    assert_eq!(b["edition"]["active"], true);
    assert_eq!(contracts(&b), (3_000, 0, 3_000), "QUO-3: the first year's allotment and the pack followed");
    assert_eq!(b["addons"][0]["remaining"], 0, "signing reports keep their own year (ADD-1)");

    travel_to(&app, second_end, chrono::TimeDelta::hours(1), "a-admin").await;
    server::workers::sweeper::run_once(&app.state).await.expect("sweeps");
    assert_eq!(contracts(&billing(&app).await), (0, 0, 0), "all of it ends with the edition");
});

// The second is priced on the first's term while the first may still be
// awaiting delivery, and both may be delivered in one round: each extends
// the term the other left, and their grants take numbers of their own.
on_both_databases!(ren_1_a_renewal_paid_before_the_last_is_delivered_extends_the_term_after_it, |app| {
    app.sign_in("a-admin").await;
    app.buy(&edition("advanced", 1), "web").await;
    let (started, first_end) = term(&app).await;
    let one = app.place_ok(&edition("advanced", 1), "web").await;
    let (status, body) = app.pay(one, "balance").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let two = app.place_ok(&edition("advanced", 1), "web").await;
    let (status, body) = app.pay(two, "balance").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.wait_for_status(one, "delivered").await;
    app.wait_for_status(two, "delivered").await;
    assert_eq!(term(&app).await, (started, add_years(first_end, 2).expect("a date")), "one year each");
    let db = app.db().await;
    let numbers: Vec<(i64,)> = server::db::query_as(
        "SELECT grant_no FROM quota_grants WHERE account_id = (SELECT account_id FROM orders WHERE id = $1)",
    )
    .bind(one)
    .fetch_all(&db.read)
    .await
    .expect("grants");
    let mut distinct = numbers.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), numbers.len(), "every grant its own number: {numbers:?}");
    assert!(numbers.len() >= 3, "the first purchase's and each renewal's grants: {numbers:?}");
});

on_both_databases!(ren_1_an_expired_edition_is_renewed_from_the_moment_of_payment, |app| {
    app.sign_in("a-admin").await;
    app.buy(&edition("advanced", 1), "web").await;
    let (_, first_end) = term(&app).await;
    travel_to(&app, first_end, chrono::TimeDelta::days(10), "a-admin").await;
    server::workers::sweeper::run_once(&app.state).await.expect("sweeps");

    let (status, renewal) = quote(&app, &edition("advanced", 1), "web").await;
    assert_eq!((status, renewal["lines"][0]["action"].as_str()), (StatusCode::OK, Some("renewal")), "{renewal}");
    let order = app.buy(&edition("advanced", 1), "web").await;
    let paid_at = instant(&order["paid_at"]);
    let (starts, ends) = term(&app).await;
    assert_eq!((starts, Some(ends)), (paid_at, add_years(paid_at, 1)), "from the payment, not from the lapsed end");
    assert_eq!(contracts(&billing(&app).await), (1_000, 0, 1_000), "only the new year's allotment");
});

on_both_databases!(ren_1_renewal_may_not_take_the_expiry_more_than_three_years_ahead, |app| {
    app.sign_in("a-admin").await;
    app.buy(&edition("advanced", 2), "web").await;
    let (status, body) = quote(&app, &edition("advanced", 2), "web").await;
    assert_eq!((status, code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, Some("term_exceeds_limit")), "{body}");
    let order = json!({ "selection": edition("advanced", 2), "channel": "web", "expected_total": "13960.00" });
    let request = app.client.post(format!("{}/api/orders", app.address)).header("Idempotency-Key", "ren").json(&order);
    let (status, body) = app.send(request, "a renewal past three years").await;
    assert_eq!((status, code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, Some("term_exceeds_limit")), "{body}");
    let (status, body) = quote(&app, &edition("advanced", 1), "web").await;
    assert_eq!(status, StatusCode::OK, "exactly three years is allowed: {body}");
});

on_both_databases!(ren_2_an_upgrade_charges_the_yearly_difference_for_the_remaining_days_and_keeps_the_expiry, |app| {
    app.sign_in("a-admin").await;
    app.buy(&edition("advanced", 1), "web").await;
    let (started, expires) = term(&app).await;
    app.clock.advance(chrono::TimeDelta::days(100));
    app.sign_in("a-admin").await;

    let days = whole_days(app.clock.now(), expires);
    let (status, q) = quote(&app, &upgrade_to("professional"), "web").await;
    assert_eq!(status, StatusCode::OK, "{q}");
    let line = &q["lines"][0];
    assert_eq!((line["action"].as_str(), line["unit"].as_str()), (Some("upgrade"), Some("day")));
    assert_eq!(line["quantity"].as_u64(), Some(days), "whole remaining days");
    let charge = Money::yuan(19_800 - 6_980).checked_ratio(days, DAYS_PER_YEAR).expect("ratio").round();
    assert_eq!(q["payable"], charge.to_string(), "(19800 − 6980) × {days} / 365");
    let pro_rata = ((5_000 - 1_000) * days).div_ceil(DAYS_PER_YEAR);
    assert_eq!(line["grants"]["amount"].as_u64(), Some(pro_rata), "4000 × {days} / 365, rounded up");
    let (status, body) = quote(&app, &edition("professional", 1), "web").await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("years")), "an upgrade has no years");

    app.buy(&upgrade_to("professional"), "web").await;
    let b = billing(&app).await;
    assert_eq!(b["edition"]["edition"], "professional");
    assert_eq!(term(&app).await, (started, expires), "the expiry stays");
    assert_eq!(contracts(&b), (1_000 + pro_rata, 0, 1_000 + pro_rata), "the difference, pro rata");
});

on_both_databases!(sel_6_a_lower_edition_than_the_active_one_is_refused, |app| {
    app.sign_in("a-admin").await;
    app.buy(&edition("professional", 1), "web").await;
    let (status, body) = quote(&app, &edition("advanced", 1), "web").await;
    assert_eq!((status, code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, Some("downgrade_not_allowed")), "{body}");
    let order = json!({ "selection": edition("advanced", 1), "channel": "web", "expected_total": "6980.00" });
    let request = app.client.post(format!("{}/api/orders", app.address)).header("Idempotency-Key", "down").json(&order);
    let (status, body) = app.send(request, "a downgrade").await;
    assert_eq!((status, code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, Some("downgrade_not_allowed")), "{body}");
    assert_eq!(billing(&app).await["edition"]["edition"], "professional");
});

on_both_databases!(ren_3_professional_is_renewed_and_upgraded_to_on_the_web_only, |app| {
    app.sign_in("a-admin").await;
    app.buy(&edition("professional", 1), "web").await;
    let (status, body) = quote(&app, &edition("professional", 1), "mini_program").await;
    assert_eq!((status, code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, Some("mini_program_limit")), "{body}");
    let (_, mini) = app.get("/api/billing?channel=mini_program").await;
    assert_eq!(mini["next"]["renew"]["refusals"][0]["code"], "mini_program_limit", "{mini}");
    assert_eq!(mini["next"]["renew"]["remedy"], "web_console");
    let (status, body) = quote(&app, &edition("professional", 1), "web").await;
    assert_eq!((status, body["lines"][0]["action"].as_str()), (StatusCode::OK, Some("renewal")), "{body}");

    let b = app.another_client();
    b.sign_in("b-admin").await;
    b.buy(&edition("advanced", 1), "web").await;
    let (status, body) = quote(&b, &upgrade_to("professional"), "mini_program").await;
    assert_eq!((status, code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, Some("mini_program_limit")), "{body}");
    let (status, _) = quote(&b, &edition("advanced", 1), "mini_program").await;
    assert_eq!(status, StatusCode::OK, "Advanced renews in the mini-program");
});

on_both_databases!(ord_3_no_self_service_refund_and_a_paid_order_cannot_be_cancelled, |app| {
    app.sign_in("a-admin").await;
    let order = app.buy(&edition("advanced", 1), "web").await;
    let id = &order["id"];
    let (_, before) = app.get("/api/me").await;
    let (status, body) = app.post(&format!("/api/orders/{id}/cancel"), &json!({})).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, Some("invalid_state")), "{body}");
    for path in [format!("/api/orders/{id}/refund"), "/api/refunds".to_owned()] {
        let (status, body) = app.post(&path, &json!({ "order_id": id })).await;
        assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, Some("not_found")), "{path}: no refund endpoint");
    }
    let (_, after) = app.get(&format!("/api/orders/{id}")).await;
    assert_eq!(after["status"], "delivered");
    let (_, me) = app.get("/api/me").await;
    assert_eq!(me["buyer"]["balance"], before["buyer"]["balance"], "nothing paid back");
});

on_both_databases!(tri_1_an_enterprise_starts_one_free_trial_delivered_like_an_order, |app| {
    app.sign_in("b-admin").await;
    let account = acting_account(&app).await;
    let (status, b) = app.post("/api/trial", &json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    assert_eq!((b["edition"]["edition"].as_str(), b["edition"]["trial"].as_bool()), (Some("advanced"), Some(true)));
    let (starts, ends) = (instant(&b["edition"]["starts_at"]), instant(&b["edition"]["expires_at"]));
    assert_eq!(ends - starts, chrono::TimeDelta::days(7), "seven days");
    assert_eq!(contracts(&b), (100, 0, 100), "the catalog's trial allotment");
    assert_eq!(b["next"]["trial"]["refusals"][0]["code"], "trial_already_used");
    assert!(crate::quota::audit_events(&app, account).await.iter().any(|e| e == "trial.started"), "audited");
    let (status, body) = app.post("/api/contracts", &json!({ "title": "试用合同" })).await;
    assert_eq!(status, StatusCode::CREATED, "the trial's contracts can be used: {body}");

    let (status, body) = app.post("/api/trial", &json!({})).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, Some("trial_already_used")), "{body}");
    app.clock.advance(chrono::TimeDelta::days(30));
    app.sign_in("b-admin").await;
    let (status, body) = app.post("/api/trial", &json!({})).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, Some("trial_already_used")), "never a second: {body}");
});

on_both_databases!(tri_1_two_starts_at_once_make_one_trial, |app| {
    app.sign_in("b-admin").await;
    let starts = (0..6).map(|_| app.post_owned("/api/trial".to_owned(), json!({})));
    let answers = futures_util::future::join_all(starts).await;
    let created = answers.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
    assert_eq!(created, 1, "{answers:?}");
    assert!(answers.iter().all(|(s, b)| *s == StatusCode::CREATED || code(b) == Some("trial_already_used")));
    assert_eq!(contracts(&billing(&app).await), (100, 0, 100), "one allotment");
});

on_both_databases!(tri_1_no_trial_beside_a_paid_edition_and_none_for_a_person, |app| {
    app.sign_in("a-admin").await;
    app.buy(&edition("advanced", 1), "web").await;
    let (status, body) = app.post("/api/trial", &json!({})).await;
    assert_eq!((status, code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, Some("enterprise_has_edition")), "{body}");

    let chen = app.another_client();
    chen.sign_in("p-chen").await;
    let request =
        chen.client.put(format!("{}/api/session/identity", chen.address)).json(&json!({ "enterprise_id": null }));
    chen.send(request, "act as the person").await;
    let (status, body) = chen.post("/api/trial", &json!({})).await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, Some("forbidden")), "{body}");
});

on_both_databases!(tri_1_buying_an_edition_ends_the_trial_and_clears_its_allotment, |app| {
    app.sign_in("b-admin").await;
    let account = acting_account(&app).await;
    let (status, _) = app.post("/api/trial", &json!({})).await;
    assert_eq!(status, StatusCode::CREATED);
    let mut trial_contracts = Vec::new();
    for i in 0..3 {
        let (_, contract) = app.post("/api/contracts", &json!({ "title": format!("试用合同 {i}") })).await;
        trial_contracts.push(contract);
    }
    assert_eq!(contracts(&billing(&app).await), (100, 3, 97));
    let (_, q) = quote(&app, &edition("advanced", 1), "web").await;
    assert_eq!(q["lines"][0]["action"], "new", "the trial is not an edition to renew");
    assert!(q["notes"].as_array().is_some_and(|n| n.iter().any(|n| n["rule"] == "TRI-1")), "the quote warns: {q}");

    let order = app.buy(&edition("advanced", 1), "web").await;
    let b = billing(&app).await;
    assert_eq!(b["edition"]["trial"], false);
    assert_eq!(instant(&b["edition"]["starts_at"]), instant(&order["paid_at"]), "the edition starts at payment");
    assert_eq!(contracts(&b), (1_000, 0, 1_000), "the trial's allotment is gone");
    let trial_grant = trial_contracts[0]["grant"].as_i64().expect("grant");
    assert!(moves(&app, account).await.contains(&("clear".to_owned(), trial_grant, 97)), "cleared in the ledger");

    let (status, _) = app.post(&format!("/api/contracts/{}/withdraw", trial_contracts[0]["id"]), &json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        contracts(&billing(&app).await),
        (1_000, 0, 1_000),
        "a trial contract withdrawn later comes back cleared"
    );
    let (status, body) = app.post("/api/trial", &json!({})).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, Some("trial_already_used")), "{body}");
});
