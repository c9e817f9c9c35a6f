//! An order keeps its promise from quote to delivery, whatever happens to
//! the account in between (ORD-1, PRI-2, REN-1, REN-2, SEL-6, INT-2, QUO-3,
//! PAY-2, TRI-1): two orders open at once, a clock at the edge of a term,
//! a voucher that covers everything. Over HTTP, on SQLite and PostgreSQL.

use crate::helpers::TestApp;
use crate::on_both_databases;
use crate::quota::{acting_account, billing, contracts};
use chrono::{DateTime, TimeDelta, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::clock::Clock;

fn edition(edition: &str, years: u8) -> Value {
    json!({ "edition": { "edition": edition, "years": years } })
}

fn upgrade_to(edition: &str) -> Value {
    json!({ "edition": { "edition": edition } })
}

fn integration(years: u32) -> Value {
    json!({ "addons": [{ "addon": "integration", "quantity": years }] })
}

fn pack() -> Value {
    json!({ "addons": [{ "addon": "contract_pack_1k", "quantity": 1 }] })
}

fn instant(value: &Value) -> DateTime<Utc> {
    serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("an instant, not {value}: {e}"))
}

/// The edition in billing management: (edition, expires_at).
async fn held(app: &TestApp) -> (String, DateTime<Utc>) {
    let b = billing(app).await;
    (b["edition"]["edition"].as_str().unwrap_or_default().to_owned(), instant(&b["edition"]["expires_at"]))
}

async fn balance_fen(app: &TestApp, account_id: i64) -> i64 {
    server::db::query_scalar("SELECT balance_fen FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_one(&app.db().await.read)
        .await
        .expect("the balance")
}

/// Moves the server's clock to `at` and signs in again (sessions last a week).
async fn travel_to(app: &TestApp, at: DateTime<Utc>, login: &str) {
    app.clock.advance(at - app.clock.now());
    app.sign_in(login).await;
}

on_both_databases!(ren_1_a_renewal_paid_after_an_upgrade_would_drop_the_edition_and_is_refused, |app| {
    app.sign_in("a-admin").await;
    app.buy(&edition("advanced", 1), "web").await;
    let (_, ends) = held(&app).await;
    let renewal = app.place_ok(&edition("advanced", 1), "web").await;
    let upgrade = app.place_ok(&upgrade_to("professional"), "web").await;
    let account = acting_account(&app).await;

    let (status, _) = app.pay(upgrade, "balance").await;
    assert_eq!(status, StatusCode::OK);
    app.wait_for_status(upgrade, "delivered").await;
    let before = balance_fen(&app, account).await;
    let (status, body) = app.pay(renewal, "balance").await;

    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("downgrade_not_allowed")),
        "{body}"
    );
    assert_eq!(balance_fen(&app, account).await, before, "no money moved");
    assert_eq!(app.order(renewal).await["status"], "awaiting_payment", "it can be cancelled or left to close");
    assert_eq!(held(&app).await, ("professional".to_owned(), ends), "the Professional it paid for stays");
});

on_both_databases!(ren_2_an_upgrade_placed_before_a_paid_renewal_is_repriced_for_the_longer_term, |app| {
    app.sign_in("a-admin").await;
    app.buy(&edition("advanced", 1), "web").await;
    let renewal = app.place_ok(&edition("advanced", 1), "web").await;
    let upgrade_key = crate::helpers::uuid_like_pub();
    let (status, upgrade) = app.place(&upgrade_to("professional"), "web", &upgrade_key).await;
    assert_eq!(status, StatusCode::CREATED, "{upgrade}");
    let (upgrade_id, old_total) = (upgrade["id"].as_i64().expect("id"), upgrade["payable"].clone());
    let (status, _) = app.pay(renewal, "balance").await;
    assert_eq!(status, StatusCode::OK);
    app.wait_for_status(renewal, "delivered").await;
    let (_, renewed_until) = held(&app).await;
    let account = acting_account(&app).await;
    let before = balance_fen(&app, account).await;

    let (status, body) = app.pay(upgrade_id, "balance").await;

    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("quote_changed")), "{body}");
    assert_eq!(balance_fen(&app, account).await, before, "no money moved at the old price");
    let fresh = &body["quote"];
    let (old, new): (f64, f64) = (
        old_total.as_str().and_then(|s| s.parse().ok()).expect("money"),
        fresh["payable"].as_str().and_then(|s| s.parse().ok()).expect("money"),
    );
    assert!(new > old * 2.0, "a year more to lift costs more: {new} vs {old}");
    assert_eq!(instant(&fresh["lines"][0]["expires_at"]), renewed_until, "the upgrade runs to the renewed end");

    // Placed again at the fresh price, it is paid and delivered as quoted.
    let again = app.place_ok(&upgrade_to("professional"), "web").await;
    let (status, _) = app.pay(again, "balance").await;
    assert_eq!(status, StatusCode::OK);
    app.wait_for_status(again, "delivered").await;
    assert_eq!(held(&app).await, ("professional".to_owned(), renewed_until));
});

on_both_databases!(sel_6_a_lower_edition_paid_after_a_higher_one_is_refused_and_the_higher_one_stays, |app| {
    app.sign_in("a-admin").await;
    let professional = app.place_ok(&edition("professional", 3), "web").await;
    let advanced = app.place_ok(&edition("advanced", 1), "web").await;
    let (status, _) = app.pay(professional, "balance").await;
    assert_eq!(status, StatusCode::OK);
    app.wait_for_status(professional, "delivered").await;
    let (edition_then, ends) = held(&app).await;

    let (status, body) = app.pay(advanced, "balance").await;

    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("downgrade_not_allowed")),
        "{body}"
    );
    assert_eq!((edition_then.as_str(), held(&app).await.1), ("professional", ends));
    assert_eq!(contracts(&billing(&app).await).0, 15_000, "three years of the Professional allotment, uncut");
});

on_both_databases!(int_2_a_second_integration_for_the_same_period_is_not_charged_twice, |app| {
    app.sign_in("a-admin").await;
    app.buy(&edition("professional", 2), "web").await;
    let first = app.place_ok(&integration(1), "web").await;
    let second = app.place_ok(&integration(1), "web").await;
    let account = acting_account(&app).await;
    let (status, _) = app.pay(first, "balance").await;
    assert_eq!(status, StatusCode::OK);
    app.wait_for_status(first, "delivered").await;
    let before = balance_fen(&app, account).await;

    let (status, body) = app.pay(second, "balance").await;

    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("quote_changed")), "{body}");
    assert_eq!(balance_fen(&app, account).await, before, "charged once");
    let delivered_until = instant(&app.order(first).await["quote"]["lines"][0]["expires_at"]);
    assert_eq!(
        instant(&body["quote"]["lines"][0]["starts_at"]).timestamp_millis(),
        delivered_until.timestamp_millis(),
        "the fresh quote extends the integration already bought"
    );
});

on_both_databases!(quo_3_a_pack_ordered_before_the_edition_ends_and_paid_after_is_refused, |app| {
    app.sign_in("a-admin").await;
    app.buy(&edition("advanced", 1), "web").await;
    let (_, ends) = held(&app).await;
    travel_to(&app, ends - TimeDelta::minutes(10), "a-admin").await;
    let pack_order = app.place_ok(&pack(), "web").await;
    let account = acting_account(&app).await;
    let before = balance_fen(&app, account).await;
    app.clock.advance(TimeDelta::minutes(15));

    let (status, body) = app.pay(pack_order, "balance").await;

    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("no_active_edition")),
        "{body}"
    );
    assert_eq!(balance_fen(&app, account).await, before, "the balance is not debited");
    assert_eq!(app.order(pack_order).await["status"], "awaiting_payment");
});

on_both_databases!(ord_1_a_paid_order_that_cannot_be_delivered_needs_attention_with_its_money_to_return, |app| {
    app.sign_in("a-admin").await;
    app.buy(&edition("advanced", 1), "web").await;
    let (_, ends) = held(&app).await;
    let pack_order = app.place_ok(&pack(), "web").await;
    // Arrange: the order paid from the balance after the edition ended, as a
    // database restored from before a fix, or a second server, could leave it.
    let db = app.db().await;
    let paid_at = (ends + TimeDelta::minutes(5)).timestamp_millis();
    server::db::query("UPDATE orders SET status = 'paid', payment_method = 'balance', paid_at = $1 WHERE id = $2")
        .bind(paid_at)
        .bind(pack_order)
        .execute(&db.write)
        .await
        .expect("marked paid");
    server::db::query("INSERT INTO delivery_jobs (order_id, created_at) VALUES ($1, $2)")
        .bind(pack_order)
        .bind(paid_at)
        .execute(&db.write)
        .await
        .expect("job written");
    travel_to(&app, ends + TimeDelta::minutes(6), "a-admin").await;
    app.state.wake_delivery.notify_one();

    let attention = app.wait_for_status(pack_order, "needs_attention").await;

    assert!(attention["attention"].as_str().is_some_and(|r| r.contains("no_active_edition")), "{attention}");
    assert_eq!(attention["returns"][0]["amount"], "2000.00", "the buyer sees the money will be returned");
    assert_eq!(attention["returns"][0]["reason"], "not_deliverable");
    let done: Option<i64> = server::db::query_scalar("SELECT done_at FROM delivery_jobs WHERE order_id = $1")
        .bind(pack_order)
        .fetch_one(&db.read)
        .await
        .expect("the job");
    assert!(done.is_some(), "the job is finished, not retried for ever");
    assert_eq!(contracts(&billing(&app).await).2, 0, "nothing was granted");

    // Operators see it; nobody else does.
    let (status, body) = app.get("/api/ops/payments?status=refund_due").await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));
    let ops = app.another_client();
    ops.sign_in("ops").await;
    let (status, due) = ops.get("/api/ops/payments?status=refund_due").await;
    assert_eq!(status, StatusCode::OK, "{due}");
    let listed = due.as_array().expect("a list");
    assert!(listed.iter().any(|p| p["order_id"] == pack_order && p["amount"] == "2000.00"), "{due}");
    let (status, _) = ops.get("/api/ops/payments?status=paid").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
});

on_both_databases!(ren_2_an_upgrade_with_less_than_a_whole_day_left_is_refused_with_its_own_code, |app| {
    app.sign_in("a-admin").await;
    app.buy(&edition("advanced", 1), "web").await;
    let (_, ends) = held(&app).await;
    travel_to(&app, ends - TimeDelta::hours(20), "a-admin").await;

    let (status, body) =
        app.post("/api/quote", &json!({ "selection": upgrade_to("professional"), "channel": "web" })).await;

    assert_eq!((status, body["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("upgrade_too_late")), "{body}");
});

on_both_databases!(pay_2_an_order_a_voucher_covers_in_full_is_completed_by_any_role_without_a_provider, |app| {
    app.sign_in("a-staff").await;
    let account = acting_account(&app).await;
    buy_as_admin_first(&app).await;
    app.sign_in("a-staff").await;
    let db = app.db().await;
    let expires = (app.clock.now() + TimeDelta::days(30)).timestamp_millis();
    server::db::query(
        "INSERT INTO vouchers (id, account_id, face_fen, expires_at) VALUES ('A-FULL-2000', $1, 200000, $2)",
    )
    .bind(account)
    .bind(expires)
    .execute(&db.write)
    .await
    .expect("a voucher");
    let selection = json!({ "addons": [{ "addon": "contract_pack_1k", "quantity": 1 }], "voucher": "A-FULL-2000" });
    let id = app.place_ok(&selection, "web").await;
    assert_eq!(app.order(id).await["payable"], "0.00");

    let (status, body) = app.pay(id, "wechat_pay").await;
    assert_eq!(
        (status, body["code"].as_str(), body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_input"), Some("method")),
        "no WeChat payment of 0 fen: {body}"
    );
    let (status, body) = app.pay(id, "voucher").await;

    assert_eq!(status, StatusCode::OK, "staff may complete it: {body}");
    let delivered = app.wait_for_status(id, "delivered").await;
    assert_eq!(delivered["payment_method"], "voucher");
    let providers: i64 = server::db::query_scalar("SELECT COUNT(*) FROM payments WHERE order_id = $1")
        .bind(id)
        .fetch_one(&db.read)
        .await
        .expect("counted");
    assert_eq!(providers, 0, "no provider payment was opened");
});

/// Enterprise A gets an edition (bought by its super admin), so add-ons can be bought.
async fn buy_as_admin_first(app: &TestApp) {
    app.sign_in("a-admin").await;
    app.buy(&edition("advanced", 1), "web").await;
}

on_both_databases!(tri_1_an_enterprise_whose_paid_edition_has_expired_cannot_start_the_trial, |app| {
    app.sign_in("a-admin").await;
    app.buy(&edition("advanced", 1), "web").await;
    let (_, ends) = held(&app).await;
    travel_to(&app, ends + TimeDelta::days(1), "a-admin").await;

    let (status, body) = app.post("/api/trial", &json!({})).await;

    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("trial_not_first_use")), "{body}");
});

on_both_databases!(int_2_a_year_cut_short_by_hours_reads_what_is_charged, |app| {
    app.sign_in("a-admin").await;
    app.buy(&edition("professional", 2), "web").await;
    let (_, ends) = held(&app).await;
    // A whole year and five hours are left.
    let year_and_hours_left = (ends - TimeDelta::hours(5)).checked_sub_months(chrono::Months::new(12));
    travel_to(&app, year_and_hours_left.expect("a date"), "a-admin").await;

    let quote = app.quote(&integration(2), "web").await;

    let line = &quote["lines"][0];
    assert_eq!(line["amount"], "9800.00", "one whole year; the hours past it are not a day: {line}");
    let reason = line["reason"]["zh"].as_str().expect("a reason");
    assert!(!reason.contains("2 年 × ¥9800"), "the reason states what is charged: {reason}");
    assert!(reason.contains("1 年"), "{reason}");
});
