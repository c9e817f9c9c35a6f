//! Many buyers at once on one scarce thing: a single-use voucher (VOU-2), a
//! balance that covers only some of the orders paid from it (PAY-1).

use crate::helpers::TestApp;
use crate::on_both_databases;
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::db::Db;

fn pack() -> Value {
    json!({ "addons": [{ "addon": "contract_pack_1k", "quantity": 1 }] })
}

/// The account A's admin acts for.
async fn acting_account(app: &TestApp, db: &Db) -> i64 {
    let (_, me) = app.get("/api/me").await;
    let enterprise = me["acting_enterprise_id"].as_i64().expect("acting as an enterprise");
    server::db::query_scalar("SELECT account_id FROM enterprises WHERE id = $1")
        .bind(enterprise)
        .fetch_one(&db.read)
        .await
        .expect("the enterprise's account")
}

on_both_databases!(vou_2_two_hundred_simultaneous_checkouts_spend_one_voucher_once, |app| {
    app.sign_in("a-admin").await;
    let selection = json!({ "edition": { "edition": "advanced", "years": 1 }, "voucher": "A-500" });
    let quote = app.quote(&selection, "web").await;
    let body = json!({ "selection": selection, "channel": "web", "expected_total": quote["payable"] });
    let checkouts = (0..200).map(|i| {
        let request = app
            .client
            .post(format!("{}/api/orders", app.address))
            .header("Idempotency-Key", format!("checkout-{i}"))
            .json(&body);
        app.send(request, "POST /api/orders")
    });
    let answers = futures_util::future::join_all(checkouts).await;
    let placed: Vec<&Value> = answers.iter().filter(|(s, _)| *s == StatusCode::CREATED).map(|(_, b)| b).collect();
    assert_eq!(placed.len(), 1, "exactly one checkout uses the voucher");
    for (status, body) in answers.iter().filter(|(s, _)| *s != StatusCode::CREATED) {
        assert_eq!((*status, body["code"].as_str()), (StatusCode::CONFLICT, Some("voucher_used")), "{body}");
    }
    let db = app.db().await;
    let holder: Option<i64> = server::db::query_scalar("SELECT used_by_order FROM vouchers WHERE id = 'A-500'")
        .fetch_one(&db.read)
        .await
        .expect("the voucher");
    assert_eq!(holder, placed[0]["id"].as_i64());
    let orders: i64 =
        server::db::query_scalar("SELECT COUNT(*) FROM orders").fetch_one(&db.read).await.expect("orders");
    assert_eq!(orders, 1, "the refused checkouts left no order behind");
});

on_both_databases!(pay_1_simultaneous_payments_beyond_the_balance_never_take_it_below_zero, |app| {
    app.sign_in("a-admin").await;
    let edition = app.place_ok(&json!({ "edition": { "edition": "advanced", "years": 1 } }), "web").await;
    app.pay(edition, "balance").await;
    app.wait_for_status(edition, "delivered").await;
    let mut orders = Vec::new();
    for _ in 0..20 {
        orders.push(app.place_ok(&pack(), "web").await);
    }
    let db = app.db().await;
    let account = acting_account(&app, &db).await;
    // Five packs of ¥2,000 and ¥1,500 over.
    server::db::query("UPDATE accounts SET balance_fen = 1150000 WHERE id = $1")
        .bind(account)
        .execute(&db.write)
        .await
        .expect("balance set");
    let pays = orders.iter().map(|id| app.post_owned(format!("/api/orders/{id}/pay"), json!({ "method": "balance" })));
    let answers = futures_util::future::join_all(pays).await;
    let paid = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    assert_eq!(paid, 5, "exactly what the balance covers is paid");
    for (status, body) in answers.iter().filter(|(s, _)| *s != StatusCode::OK) {
        assert_eq!(
            (*status, body["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("insufficient_balance")),
            "{body}"
        );
    }
    let (_, me) = app.get("/api/me").await;
    assert_eq!(me["buyer"]["balance"], "1500.00");
    let debits: i64 = server::db::query_scalar("SELECT COUNT(*) FROM audit_log WHERE event = 'balance.debited'")
        .fetch_one(&db.read)
        .await
        .expect("debits");
    assert_eq!(debits, 1 + 5, "the edition and the five packs, each debited once");
});
