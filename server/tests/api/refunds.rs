//! ORD-3: returning money is an operator's work. Money the product must give
//! back goes back through the provider that collected it (asynchronously,
//! with its own signed notification) or to the balance it came from, once
//! however many times it is asked for; a delivery given up may be tried
//! again while its money is still here. Over HTTP, on SQLite and PostgreSQL.

use crate::helpers::TestApp;
use crate::on_both_databases;
use crate::quota::{acting_account, billing, contracts};
use chrono::{DateTime, TimeDelta, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::Settings;
use server::clock::Clock;
use server::workers::reconcile;
use std::time::Duration;

/// Reconciliation waits an hour after its first round: the tests decide when it runs.
fn quiet_reconciliation(settings: &mut Settings) {
    settings.reconcile_interval_ms = 3_600_000;
}

/// The sandbox neither notifies nor returns refunds by itself: the tests do.
fn silent_sandbox(settings: &mut Settings) {
    quiet_reconciliation(settings);
    settings.sandbox_notify = false;
}

fn edition(edition: &str, years: u8) -> Value {
    json!({ "edition": { "edition": edition, "years": years } })
}

fn pack() -> Value {
    json!({ "addons": [{ "addon": "contract_pack_1k", "quantity": 1 }] })
}

async fn edition_ends(app: &TestApp) -> DateTime<Utc> {
    let b = billing(app).await;
    serde_json::from_value(b["edition"]["expires_at"].clone()).expect("an expiry")
}

/// Moves the server's clock by `by` and signs in again.
async fn travel(app: &TestApp, by: TimeDelta, login: &str) {
    app.clock.advance(by);
    app.sign_in(login).await;
}

async fn ops(app: &TestApp) -> TestApp {
    let ops = app.another_client();
    ops.sign_in("ops").await;
    ops
}

async fn payment_status(app: &TestApp, out_trade_no: &str) -> String {
    server::db::query_scalar("SELECT status FROM payments WHERE out_trade_no = $1")
        .bind(out_trade_no)
        .fetch_one(&app.db().await.read)
        .await
        .expect("the payment")
}

async fn balance_fen(app: &TestApp, account_id: i64) -> i64 {
    server::db::query_scalar("SELECT balance_fen FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_one(&app.db().await.read)
        .await
        .expect("the balance")
}

async fn sandbox_refunds_of(app: &TestApp, out_trade_no: &str) -> i64 {
    server::db::query_scalar("SELECT COUNT(*) FROM sandbox_refunds WHERE out_trade_no = $1")
        .bind(out_trade_no)
        .fetch_one(&app.db().await.read)
        .await
        .expect("counted")
}

/// Waits until the payment reaches `status` (the provider's notification is asynchronous).
async fn wait_for_payment(app: &TestApp, out_trade_no: &str, status: &str) {
    for _ in 0..200 {
        if payment_status(app, out_trade_no).await == status {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("payment {out_trade_no} never became {status}: it is {}", payment_status(app, out_trade_no).await);
}

/// The money to return listed for operators in `status`.
async fn listed(ops: &TestApp, status: &str) -> Vec<Value> {
    let (code, body) = ops.get(&format!("/api/ops/payments?status={status}")).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    body.as_array().expect("a list").clone()
}

async fn refund(ops: &TestApp, out_trade_no: &str) -> (StatusCode, Value) {
    ops.post(&format!("/api/ops/payments/{out_trade_no}/refund"), &json!({})).await
}

/// A-admin holds Advanced; a pack is ordered ten minutes before it ends and
/// paid by WeChat five minutes after: the money arrives for an order that no
/// longer holds, and is flagged to be returned. Returns (order, out_trade_no).
async fn late_wechat_money(app: &TestApp) -> (i64, String) {
    app.sign_in("a-admin").await;
    app.buy(&edition("advanced", 1), "web").await;
    let ends = edition_ends(app).await;
    travel(app, ends - TimeDelta::minutes(10) - app.clock.now(), "a-admin").await;
    let order = app.place_ok(&pack(), "web").await;
    let (status, body) = app.pay(order, "wechat_pay").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let code_url = body["prompt"]["code_url"].as_str().expect("a QR code").to_owned();
    let out_trade_no = code_url.rsplit('=').next().expect("a trade number").to_owned();
    travel(app, TimeDelta::minutes(15), "a-admin").await;
    let sandbox = app.state.sandbox().expect("the sandbox");
    assert_eq!(sandbox.pay(&out_trade_no).await.expect("paid"), server::gateways::payment::sandbox::PayerOutcome::Done);
    let notice = sandbox.notification_for(&out_trade_no, app.clock.now()).await.expect("built").expect("paid");
    let request = app
        .client
        .post(format!("{}/api/payments/notify", app.address))
        .headers(notice.headers())
        .body(notice.body.clone());
    let (status, _) = app.send(request, "POST /api/payments/notify").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(payment_status(app, &out_trade_no).await, "refund_due");
    (order, out_trade_no)
}

/// As five failed delivery tries leave an order (the database was away):
/// paid from the balance at `now`, given up, its money recorded to return.
async fn given_up_after_failures(app: &TestApp, order_id: i64, amount_fen: i64) -> String {
    let db = app.db().await;
    let now = app.clock.now().timestamp_millis();
    let out_trade_no = format!("R{order_id:010}");
    let statements = [
        "UPDATE orders SET status = 'needs_attention', payment_method = 'balance', paid_at = $1, attention_at = $1, \
         attention = 'delivery failed 5 times: the database is unavailable' WHERE id = $2",
        "INSERT INTO delivery_jobs (order_id, created_at, seq, attempts, done_at) VALUES ($2, $1, 1000, 5, $1)",
    ];
    for sql in statements {
        server::db::query(server::db::AssertSqlSafe(sql))
            .bind(now)
            .bind(order_id)
            .execute(&db.write)
            .await
            .expect("arranged");
    }
    server::db::query(
        "INSERT INTO payments (out_trade_no, order_id, method, amount_fen, status, created_at, refund_reason, settled_at) \
         VALUES ($1, $2, 'balance', $3, 'refund_due', $4, 'not_deliverable', $4)",
    )
    .bind(&out_trade_no)
    .bind(order_id)
    .bind(amount_fen)
    .bind(now)
    .execute(&db.write)
    .await
    .expect("arranged");
    out_trade_no
}

on_both_databases!(
    ord_3_late_wechat_money_is_refunded_through_the_provider_and_the_buyer_sees_it,
    settings = quiet_reconciliation,
    |app| {
        let (order, out_trade_no) = late_wechat_money(&app).await;
        let ops = ops(&app).await;
        assert!(listed(&ops, "refund_due").await.iter().any(|p| p["out_trade_no"] == out_trade_no.as_str()));

        let (status, body) = refund(&ops, &out_trade_no).await;

        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["out_refund_no"], format!("{out_trade_no}-1"));
        assert_eq!(body["amount"], "2000.00");
        assert_eq!(body["already_requested"], false);
        wait_for_payment(&app, &out_trade_no, "refunded").await;
        let shown = app.order(order).await;
        assert_eq!(shown["returns"][0]["status"], "refunded", "the buyer sees the money went back: {shown}");
        assert_eq!(shown["status"], "awaiting_payment", "money that was never the order's payment leaves it as it was");
        assert!(listed(&ops, "refunded").await.iter().any(|p| p["out_trade_no"] == out_trade_no.as_str()));
        assert!(!listed(&ops, "refund_due").await.iter().any(|p| p["out_trade_no"] == out_trade_no.as_str()));
        let sandbox = app.state.sandbox().expect("the sandbox");
        let at_provider = sandbox.find_refund(&format!("{out_trade_no}-1")).await.expect("read").expect("taken");
        assert_eq!((at_provider.status.as_str(), at_provider.amount_fen), ("success", 200_000));
        let (status, again) = refund(&ops, &out_trade_no).await;
        assert_eq!((status, again["already_requested"].as_bool()), (StatusCode::OK, Some(true)), "{again}");
        assert_eq!(
            sandbox_refunds_of(&app, &out_trade_no).await,
            1,
            "pressing again asks nothing more of the provider"
        );
    }
);

on_both_databases!(
    ord_3_two_operators_refunding_at_once_make_one_refund_at_the_provider,
    settings = silent_sandbox,
    |app| {
        let (_, out_trade_no) = late_wechat_money(&app).await;
        let (first, second) = (ops(&app).await, ops(&app).await);

        let ((s1, b1), (s2, b2)) = tokio::join!(refund(&first, &out_trade_no), refund(&second, &out_trade_no));

        assert_eq!((s1, s2), (StatusCode::OK, StatusCode::OK), "{b1} {b2}");
        assert_eq!(b1["out_refund_no"], b2["out_refund_no"], "one refund, answered to both");
        let fresh = [&b1, &b2].iter().filter(|b| b["already_requested"] == false).count();
        assert_eq!(fresh, 1, "one press asked, the other was answered with it: {b1} {b2}");
        assert_eq!(sandbox_refunds_of(&app, &out_trade_no).await, 1);
        assert_eq!(payment_status(&app, &out_trade_no).await, "refunding");
    }
);

on_both_databases!(
    ord_3_a_refund_the_payer_cannot_take_is_money_to_return_again_and_a_new_press_makes_a_new_refund,
    settings = silent_sandbox,
    |app| {
        let (_, out_trade_no) = late_wechat_money(&app).await;
        let ops = ops(&app).await;
        let (_, first) = refund(&ops, &out_trade_no).await;
        assert_eq!(first["status"], "processing", "{first}");
        let first_no = first["out_refund_no"].as_str().expect("a number").to_owned();
        let sandbox = app.state.sandbox().expect("the sandbox");
        assert!(sandbox.refund_abnormal(&first_no).await.expect("marked"));
        let notice = sandbox.refund_notification_for(&first_no, app.clock.now()).await.expect("built").expect("ended");
        let post = || {
            app.client
                .post(format!("{}/api/refunds/notify", app.address))
                .headers(notice.headers())
                .body(notice.body.clone())
        };

        let (status, body) = app.send(post(), "POST /api/refunds/notify").await;

        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        assert_eq!(payment_status(&app, &out_trade_no).await, "refund_due", "back to a person");
        let (status, _) = app.send(post(), "POST /api/refunds/notify (a replay)").await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(payment_status(&app, &out_trade_no).await, "refund_due", "a replay changes nothing");
        let (status, second) = refund(&ops, &out_trade_no).await;
        assert_eq!(status, StatusCode::OK, "{second}");
        assert_eq!(second["out_refund_no"], format!("{out_trade_no}-2"), "a new request, a new number");
        assert_eq!(second["status"], "processing");
        let failed: (String, Option<String>) =
            server::db::query_as("SELECT status, failure FROM refunds WHERE out_refund_no = $1")
                .bind(&first_no)
                .fetch_one(&app.db().await.read)
                .await
                .expect("the first refund");
        assert_eq!(failed.0, "failed");
        assert!(failed.1.is_some_and(|why| why.contains("ABNORMAL")), "the provider's word is kept");
    }
);

on_both_databases!(
    ord_3_reconciliation_finds_a_refund_whose_notification_never_came,
    settings = silent_sandbox,
    |app| {
        let (_, out_trade_no) = late_wechat_money(&app).await;
        let ops = ops(&app).await;
        let (_, body) = refund(&ops, &out_trade_no).await;
        assert_eq!(body["status"], "processing", "{body}");
        let sandbox = app.state.sandbox().expect("the sandbox");
        assert_eq!(sandbox.return_refunds().await.expect("returned"), 1, "the provider returned it, silently");
        let early = reconcile::run_once(&app.state).await.expect("a round");
        assert_eq!(early.refunds_followed, 0, "a refund just asked for is given its time");
        app.clock.advance(TimeDelta::minutes(2));

        let report = reconcile::run_once(&app.state).await.expect("a round");

        assert_eq!(report.refunds_followed, 1, "{report:?}");
        assert_eq!(payment_status(&app, &out_trade_no).await, "refunded");
        let again = reconcile::run_once(&app.state).await.expect("a round");
        assert_eq!(again.refunds_followed, 0, "an ended refund is not asked about again");
    }
);

on_both_databases!(ord_3_only_operators_refund, settings = quiet_reconciliation, |app| {
    let (_, out_trade_no) = late_wechat_money(&app).await;

    let (status, body) = refund(&app, &out_trade_no).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")), "{body}");
    assert_eq!(payment_status(&app, &out_trade_no).await, "refund_due", "the refusal changed nothing");

    let ops = ops(&app).await;
    let (status, body) = refund(&ops, "E9999999999").await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "{body}");
});

on_both_databases!(
    ord_3_refunding_a_delivery_given_up_credits_the_balance_once_ends_the_order_and_forbids_a_retry,
    settings = quiet_reconciliation,
    |app| {
        app.sign_in("a-admin").await;
        app.buy(&edition("advanced", 1), "web").await;
        let order = app.place_ok(&pack(), "web").await;
        let account = acting_account(&app).await;
        let out_trade_no = given_up_after_failures(&app, order, 200_000).await;
        let before = balance_fen(&app, account).await;
        let ops = ops(&app).await;
        let (status, deliveries) = ops.get("/api/ops/deliveries").await;
        assert_eq!(status, StatusCode::OK, "{deliveries}");
        let listed = deliveries.as_array().expect("a list").iter().find(|d| d["order_id"] == order).cloned();
        let listed = listed.unwrap_or_else(|| panic!("the order is listed: {deliveries}"));
        assert_eq!(listed["payment"]["out_trade_no"], out_trade_no.as_str());

        let (status, body) = refund(&ops, &out_trade_no).await;

        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["status"], "succeeded", "the balance takes it at once: {body}");
        assert_eq!(balance_fen(&app, account).await, before + 200_000, "returned to the balance");
        let shown = app.order(order).await;
        assert_eq!(shown["status"], "refunded", "{shown}");
        assert_eq!(shown["returns"][0]["status"], "refunded");
        let (status, again) = refund(&ops, &out_trade_no).await;
        assert_eq!((status, again["already_requested"].as_bool()), (StatusCode::OK, Some(true)));
        assert_eq!(balance_fen(&app, account).await, before + 200_000, "credited once");
        let (status, body) = ops.post(&format!("/api/ops/orders/{order}/retry-delivery"), &json!({})).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("refund_underway")), "{body}");
        let events: Vec<String> = server::db::query("SELECT event FROM audit_log WHERE order_id = $1 ORDER BY id")
            .bind(order)
            .fetch_all(&app.db().await.read)
            .await
            .expect("the audit log")
            .iter()
            .map(|r| r.try_get(0).expect("the column"))
            .collect();
        assert!(
            events.iter().any(|e| e == "refund.to_balance") && events.iter().any(|e| e == "order.refunded"),
            "{events:?}"
        );
    }
);

on_both_databases!(
    ord_3_a_retried_delivery_that_succeeds_keeps_the_payment_and_cannot_then_be_refunded,
    settings = quiet_reconciliation,
    |app| {
        app.sign_in("a-admin").await;
        app.buy(&edition("advanced", 1), "web").await;
        let granted_before = contracts(&billing(&app).await).2;
        let order = app.place_ok(&pack(), "web").await;
        let out_trade_no = given_up_after_failures(&app, order, 200_000).await;
        let ops = ops(&app).await;
        let (status, body) = app.post(&format!("/api/orders/{order}/retry-delivery"), &json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "the buyer has no such action: {body}");
        let (status, body) = app.post(&format!("/api/ops/orders/{order}/retry-delivery"), &json!({})).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")), "{body}");

        let (status, body) = ops.post(&format!("/api/ops/orders/{order}/retry-delivery"), &json!({})).await;

        assert_eq!(status, StatusCode::OK, "{body}");
        let delivered = app.wait_for_status(order, "delivered").await;
        assert_eq!(delivered["returns"], json!([]), "nothing to return any more: {delivered}");
        assert_eq!(payment_status(&app, &out_trade_no).await, "paid", "the payment is the order's again");
        assert_eq!(contracts(&billing(&app).await).2, granted_before + 1000, "the pack was granted");
        let (status, body) = refund(&ops, &out_trade_no).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("not_refundable")), "{body}");
        let (status, body) = ops.post(&format!("/api/ops/orders/{order}/retry-delivery"), &json!({})).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_state")), "{body}");
    }
);

on_both_databases!(
    ord_3_an_operator_finds_the_account_and_reads_its_history_newest_first,
    settings = quiet_reconciliation,
    |app| {
        let (_, out_trade_no) = late_wechat_money(&app).await;
        let account = acting_account(&app).await;
        let ops = ops(&app).await;
        let (_, body) = refund(&ops, &out_trade_no).await;
        assert_eq!(body["status"], "processing", "{body}");
        wait_for_payment(&app, &out_trade_no, "refunded").await;

        let (status, found) = ops.get("/api/ops/accounts?q=云签").await;

        assert_eq!(status, StatusCode::OK, "{found}");
        assert!(
            found.as_array().expect("a list").iter().any(|a| a["account_id"] == account && a["kind"] == "enterprise"),
            "{found}"
        );
        let (_, by_login) = ops.get("/api/ops/accounts?q=a-admin").await;
        assert!(by_login.as_array().expect("a list").iter().any(|a| a["kind"] == "person"), "{by_login}");
        let (status, body) = ops.get("/api/ops/accounts?q=%25%25").await;
        assert_eq!(status, StatusCode::OK, "a wildcard is a character like another: {body}");
        assert_eq!(body, json!([]), "no name holds a percent sign");
        let (status, body) = ops.get("/api/ops/accounts?q=x").await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_input")), "{body}");
        let (status, timeline) = ops.get(&format!("/api/ops/accounts/{account}/timeline")).await;
        assert_eq!(status, StatusCode::OK, "{timeline}");
        let events: Vec<&str> =
            timeline.as_array().expect("a list").iter().filter_map(|e| e["event"].as_str()).collect();
        let at =
            |event: &str| events.iter().position(|e| *e == event).unwrap_or_else(|| panic!("{event} in {events:?}"));
        assert!(at("refund.succeeded") < at("refund.requested"), "newest first: {events:?}");
        assert!(at("refund.requested") < at("payment.refused"), "{events:?}");
        let requested = &timeline[at("refund.requested")];
        assert!(requested["actor"].as_str().is_some_and(|a| a.starts_with("person:")), "who asked: {requested}");
        let (status, _) = app.get(&format!("/api/ops/accounts/{account}/timeline")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
);
