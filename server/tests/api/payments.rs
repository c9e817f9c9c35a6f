//! PAY-4: paying through the gateway. The sandbox signs and encrypts like
//! WeChat Pay v3 and notifies the server over HTTP; the server believes a
//! notification only when signature, timestamp and amount check out, and
//! asks the provider when no notification comes.

use crate::helpers::TestApp;
use crate::on_both_databases;
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::clock::Clock;
use server::gateways::payment::sandbox::Sandbox;
use server::gateways::payment::wechat::{self, SignedMessage, Signer};
use server::workers::reconcile;
use server::{AppState, Settings};

const FORGER_KEY: &str = include_str!("../../sandbox/forger_private_key.pem");

/// The defaults, except that the background reconciliation waits an hour
/// after its first round, so the tests decide when it runs.
fn defaults(settings: &mut Settings) {
    settings.reconcile_interval_ms = 3_600_000;
}

/// The sandbox never notifies: payments are left to reconciliation.
fn silent_sandbox(settings: &mut Settings) {
    defaults(settings);
    settings.sandbox_notify = false;
}

fn advanced() -> Value {
    json!({ "edition": { "edition": "advanced", "years": 1 } })
}

fn advanced_with_voucher() -> Value {
    json!({ "edition": { "edition": "advanced", "years": 1 }, "voucher": "A-500" })
}

/// Signs in as A's admin and places an order for `selection` on `channel`.
async fn place(app: &TestApp, selection: &Value, channel: &str) -> i64 {
    app.sign_in("a-admin").await;
    app.place_ok(selection, channel).await
}

/// Pays `order_id` with `method`, which opens a provider payment; returns the prompt.
async fn open_payment(app: &TestApp, order_id: i64, method: &str) -> Value {
    let (status, body) = app.pay(order_id, method).await;
    assert_eq!(status, StatusCode::OK, "pay {order_id} with {method}: {body}");
    assert_eq!(body["order"]["status"], "awaiting_payment", "paying opens a payment, nothing more: {body}");
    body["prompt"].clone()
}

/// The out_trade_no of a QR-code prompt.
fn trade_no_of(prompt: &Value) -> String {
    let url = prompt["code_url"].as_str().unwrap_or_else(|| panic!("a QR code prompt: {prompt}"));
    let trade_no = url.strip_prefix("weixin://wxpay/bizpayurl?pr=").unwrap_or_else(|| panic!("WeChat-like: {url}"));
    trade_no.to_owned()
}

/// Opens a WeChat QR payment for a new order; returns the order id and out_trade_no.
async fn order_with_open_payment(app: &TestApp, selection: &Value) -> (i64, String) {
    let id = place(app, selection, "web").await;
    let prompt = open_payment(app, id, "wechat_pay").await;
    (id, trade_no_of(&prompt))
}

/// The payer presses a button on the sandbox page (the redirect is followed).
async fn press(app: &TestApp, page: &str, out_trade_no: &str, button: &str) -> String {
    let url = format!("{}/sandbox/{page}/{out_trade_no}/{button}", app.address);
    let response = app.client.post(url).send().await.expect("the sandbox answers");
    assert_eq!(response.status(), StatusCode::OK, "{button} redirects back to the page");
    response.text().await.expect("a page")
}

async fn page(app: &TestApp, path: &str) -> (StatusCode, String) {
    let response = app.client.get(format!("{}{path}", app.address)).send().await.expect("answered");
    (response.status(), response.text().await.expect("a page"))
}

async fn order_status(app: &TestApp, order_id: i64) -> String {
    let order = app.order(order_id).await;
    order["status"].as_str().unwrap_or_default().to_owned()
}

/// Waits until the order is paid (or already delivering / delivered).
async fn wait_until_paid(app: &TestApp, order_id: i64) {
    for _ in 0..200 {
        if ["paid", "delivering", "delivered"].contains(&order_status(app, order_id).await.as_str()) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("order {order_id} was never paid");
}

/// POSTs a notification as the provider would.
async fn post_notification(app: &TestApp, n: &SignedMessage) -> (StatusCode, Value) {
    let request =
        app.client.post(format!("{}/api/payments/notify", app.address)).headers(n.headers()).body(n.body.clone());
    app.send(request, "POST /api/payments/notify").await
}

/// The sandbox's own notification for a paid payment, as of the app's now.
async fn notification(app: &TestApp, out_trade_no: &str) -> SignedMessage {
    let sandbox = app.state.sandbox().expect("the sandbox is the gateway");
    sandbox.notification_for(out_trade_no, app.clock.now()).await.expect("built").expect("the payment was paid")
}

/// A notification of the sandbox's key and APIv3 key, saying what we like.
fn notification_saying(state: &AppState, out_trade_no: &str, amount_fen: i64, signer: &Signer) -> SignedMessage {
    let now = state.clock.now();
    let transaction = wechat::Transaction {
        out_trade_no: out_trade_no.to_owned(),
        transaction_id: "4200000000202401010000000001".into(),
        trade_state: "SUCCESS".into(),
        success_time: Some(wechat::rfc3339_cst(now)),
        amount: wechat::Amount { total: amount_fen, payer_total: amount_fen, currency: "CNY".into() },
    };
    let id = format!("test-{}", crate::helpers::uuid_like_pub());
    seal_as(state, &id, &transaction, signer)
}

fn seal_as(state: &AppState, id: &str, transaction: &wechat::Transaction, signer: &Signer) -> SignedMessage {
    wechat::seal(signer, &state.settings.payment_apiv3_key, id, transaction, state.clock.now()).expect("sealed")
}

async fn count(app: &TestApp, sql: &str, bind: &str) -> i64 {
    let db = app.db().await;
    server::db::query_scalar(server::db::AssertSqlSafe(sql.to_owned()))
        .bind(bind)
        .fetch_one(&db.read)
        .await
        .expect("counted")
}

async fn payment_row(app: &TestApp, out_trade_no: &str) -> (String, Option<String>, i64) {
    let db = app.db().await;
    let row = server::db::query("SELECT status, transaction_id, amount_fen FROM payments WHERE out_trade_no = $1")
        .bind(out_trade_no)
        .fetch_one(&db.read)
        .await
        .expect("the payment is recorded");
    (row.try_get(0).expect("the column"), row.try_get(1).expect("the column"), row.try_get(2).expect("the column"))
}

async fn sandbox_status(state: &AppState, out_trade_no: &str) -> String {
    let sandbox = state.sandbox().expect("the sandbox");
    sandbox.find(out_trade_no).await.expect("read").expect("in the book").status
}

async fn audit_events(app: &TestApp, order_id: i64) -> Vec<(String, Value)> {
    let db = app.db().await;
    let rows = server::db::query("SELECT event, detail FROM audit_log WHERE order_id = $1 ORDER BY id")
        .bind(order_id)
        .fetch_all(&db.read)
        .await
        .expect("the audit log");
    rows.iter()
        .map(|r| {
            (
                r.try_get::<String, _>(0).expect("the column"),
                serde_json::from_str(&r.try_get::<String, _>(1).expect("the column")).expect("json"),
            )
        })
        .collect()
}

async fn delivery_jobs(app: &TestApp, order_id: i64) -> i64 {
    let db = app.db().await;
    server::db::query_scalar("SELECT COUNT(*) FROM delivery_jobs WHERE order_id = $1")
        .bind(order_id)
        .fetch_one(&db.read)
        .await
        .expect("counted")
}

async fn voucher_holder(app: &TestApp, voucher: &str) -> Option<i64> {
    let db = app.db().await;
    server::db::query_scalar("SELECT used_by_order FROM vouchers WHERE id = $1")
        .bind(voucher)
        .fetch_one(&db.read)
        .await
        .expect("the voucher")
}

fn minutes(n: i64) -> chrono::TimeDelta {
    chrono::TimeDelta::minutes(n)
}

// --- The happy paths ---------------------------------------------------------

on_both_databases!(pay_4_wechat_qr_payment_is_believed_after_the_signed_notification, settings = defaults, |app| {
    let (id, out_trade_no) = order_with_open_payment(&app, &advanced()).await;

    let (status, html) = page(&app, &format!("/sandbox/pay/{out_trade_no}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("微信支付") && html.contains("¥6980.00"), "amount and provider shown: {html}");
    assert!(html.contains("data-status=\"pending\""), "awaiting payment");
    assert!(html.contains("data-testid=\"sandbox-pay\"") && html.contains("data-testid=\"sandbox-fail\""));
    assert_eq!(order_status(&app, id).await, "awaiting_payment", "opening a payment is not paying");

    let html = press(&app, "pay", &out_trade_no, "pay").await;
    assert!(html.contains("data-status=\"paid\""), "the page shows the payment paid");
    wait_until_paid(&app, id).await;

    let (payment_status, transaction_id, amount_fen) = payment_row(&app, &out_trade_no).await;
    assert_eq!(payment_status, "paid");
    assert_eq!(amount_fen, 698_000);
    assert_eq!(transaction_id.map(|t| t.len()), Some(28), "WeChat's transaction id is kept");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM payment_notifications WHERE out_trade_no = $1", &out_trade_no).await,
        1
    );
    let events = audit_events(&app, id).await;
    let succeeded = events.iter().find(|(e, _)| e == "payment.succeeded").expect("audited");
    assert_eq!(succeeded.1["source"], "notification");
    assert_eq!(events.iter().filter(|(e, _)| e == "order.paid").count(), 1);
    let order = app.order(id).await;
    assert_eq!(order["payment_method"], "wechat_pay");
    assert_eq!(delivery_jobs(&app, id).await, 1, "one delivery job");
});

on_both_databases!(pay_4_online_banking_sends_the_payer_to_the_bank_page, settings = defaults, |app| {
    let id = place(&app, &advanced(), "web").await;
    let prompt = open_payment(&app, id, "online_banking").await;
    assert_eq!(prompt["kind"], "bank_redirect");
    let url = prompt["url"].as_str().expect("a bank URL").to_owned();
    let out_trade_no = url.strip_prefix("/sandbox/bank/").expect("the sandbox bank page").to_owned();

    let (status, html) = page(&app, &url).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("网银支付") && html.contains("data-testid=\"sandbox-pay\""), "{html}");

    press(&app, "bank", &out_trade_no, "pay").await;
    wait_until_paid(&app, id).await;
    let order = app.order(id).await;
    assert_eq!(order["payment_method"], "online_banking");
});

on_both_databases!(pay_3_the_mini_program_gets_an_in_app_prompt_signed_like_wechat, settings = defaults, |app| {
    let id = place(&app, &advanced(), "mini_program").await;
    let prompt = open_payment(&app, id, "wechat_pay").await;

    assert_eq!(prompt["kind"], "mini_program", "{prompt}");
    let prepay_id = prompt["prepay_id"].as_str().expect("a prepay id");
    assert_eq!(prompt["package"], format!("prepay_id={prepay_id}"));
    assert_eq!(prompt["nonce_str"].as_str().map(str::len), Some(32));
    let verifier =
        wechat::Verifier::from_pem(include_str!("../../sandbox/platform_public_key.pem")).expect("the public key");
    let signer = app.state.sandbox().expect("the sandbox").signer();
    assert_eq!(verifier.serial(), signer.serial());
    let pay_sign = prompt["pay_sign"].as_str().expect("a paySign");
    let signed_text = |app_id: &str| {
        format!(
            "{app_id}\n{}\n{}\n{}\n",
            prompt["time_stamp"].as_str().unwrap_or_default(),
            prompt["nonce_str"].as_str().unwrap_or_default(),
            prompt["package"].as_str().unwrap_or_default()
        )
    };
    assert!(verifier.verify(signed_text("wxd0e5a1b2c3d4e5f6").as_bytes(), pay_sign).is_ok(), "paySign verifies");

    // The payer confirms in the prompt: the sandbox page takes the prepay id too.
    let (status, _) = page(&app, &format!("/sandbox/pay/{prepay_id}")).await;
    assert_eq!(status, StatusCode::OK);
    let out_trade_no = prepay_id.strip_prefix("wx").expect("wx + out_trade_no");
    press(&app, "pay", out_trade_no, "pay").await;
    wait_until_paid(&app, id).await;
});

on_both_databases!(pay_4_a_failed_payment_leaves_the_order_payable_with_a_new_attempt, settings = defaults, |app| {
    let (id, first) = order_with_open_payment(&app, &advanced()).await;

    let html = press(&app, "pay", &first, "fail").await;
    assert!(html.contains("data-status=\"failed\"") && !html.contains("sandbox-pay"), "failed, no more buttons");
    assert_eq!(order_status(&app, id).await, "awaiting_payment");

    let second = trade_no_of(&open_payment(&app, id, "wechat_pay").await);
    assert_ne!(first, second, "a new attempt, a new out_trade_no");
    press(&app, "pay", &second, "pay").await;
    wait_until_paid(&app, id).await;

    // Reconciliation later learns what became of the first attempt.
    app.clock.advance(chrono::TimeDelta::seconds(61));
    reconcile::run_once(&app.state).await.expect("reconciliation runs");
    assert_eq!(payment_row(&app, &first).await.0, "failed");
    assert_eq!(payment_row(&app, &second).await.0, "paid");
    assert_eq!(delivery_jobs(&app, id).await, 1);
});

// --- Notifications that change nothing ------------------------------------

on_both_databases!(pay_4_a_replayed_notification_changes_nothing, settings = silent_sandbox, |app| {
    let (id, out_trade_no) = order_with_open_payment(&app, &advanced()).await;
    press(&app, "pay", &out_trade_no, "pay").await;
    let n = notification(&app, &out_trade_no).await;

    // The same notification, five times at once, then once more later.
    let answers = tokio::join!(
        post_notification(&app, &n),
        post_notification(&app, &n),
        post_notification(&app, &n),
        post_notification(&app, &n),
        post_notification(&app, &n),
    );
    let answers = [answers.0, answers.1, answers.2, answers.3, answers.4];
    assert!(
        answers.iter().all(|(s, _)| *s == StatusCode::NO_CONTENT),
        "each answered like WeChat expects: {answers:?}"
    );
    let (status, _) = post_notification(&app, &notification(&app, &out_trade_no).await).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "a resend under the same id is a replay");

    wait_until_paid(&app, id).await;
    let events = audit_events(&app, id).await;
    assert_eq!(events.iter().filter(|(e, _)| e == "order.paid").count(), 1, "{events:?}");
    assert_eq!(events.iter().filter(|(e, _)| e == "payment.succeeded").count(), 1);
    assert_eq!(delivery_jobs(&app, id).await, 1, "one delivery job");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM payment_notifications WHERE out_trade_no = $1", &out_trade_no).await,
        1
    );

    // A seen id is answered before anything else is looked at.
    let id: String = serde_json::from_slice::<Value>(&n.body).expect("json")["id"].as_str().expect("an id").to_owned();
    let signer = app.state.sandbox().expect("the sandbox").signer();
    let other = wechat::Transaction {
        out_trade_no: "E999999999901".into(),
        transaction_id: "4200000000202401010000000002".into(),
        trade_state: "SUCCESS".into(),
        success_time: Some(wechat::rfc3339_cst(app.state.clock.now())),
        amount: wechat::Amount { total: 1, payer_total: 1, currency: "CNY".into() },
    };
    let (status, _) = post_notification(&app, &seal_as(&app.state, &id, &other, signer)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "a seen notification id is a replay, whatever it says");
});

on_both_databases!(pay_4_a_forged_notification_is_refused_and_changes_nothing, settings = silent_sandbox, |app| {
    let (id, out_trade_no) = order_with_open_payment(&app, &advanced()).await;
    press(&app, "pay", &out_trade_no, "pay").await;
    let genuine = notification(&app, &out_trade_no).await;

    let forger = Signer::from_pem(FORGER_KEY).expect("the forger's key");
    let mut forged_with_platform_serial = notification_saying(&app.state, &out_trade_no, 698_000, &forger);
    forged_with_platform_serial.serial = genuine.serial.clone();
    let mut tampered_body = genuine.clone();
    tampered_body.body =
        String::from_utf8(genuine.body.clone()).expect("utf-8").replace("\"id\":\"", "\"id\":\"x").into_bytes();
    let mut no_signature = genuine.clone();
    no_signature.signature = String::new();
    let cases = [
        ("signed by another key", notification_saying(&app.state, &out_trade_no, 698_000, &forger)),
        ("signed by another key under the platform's serial", forged_with_platform_serial),
        ("a byte of the body changed", tampered_body),
        ("no signature", no_signature),
    ];
    for (case, forged) in cases {
        let (status, body) = post_notification(&app, &forged).await;

        assert_eq!(status, StatusCode::UNAUTHORIZED, "{case}: {body}");
        assert_eq!(body["code"], "unauthenticated", "{case}: {{code, message}}");
        assert!(body["message"].is_string(), "{case}");
    }
    assert_eq!(order_status(&app, id).await, "awaiting_payment", "nothing changed");
    assert_eq!(payment_row(&app, &out_trade_no).await.0, "pending");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM payment_notifications WHERE out_trade_no = $1", &out_trade_no).await,
        0
    );
    let (status, body) =
        app.send(app.client.post(format!("{}/api/payments/notify", app.address)).body("{}"), "no headers").await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_input")), "malformed");

    let (status, _) = post_notification(&app, &genuine).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "the genuine one is still believed");
    wait_until_paid(&app, id).await;
});

on_both_databases!(pay_4_a_late_notification_is_refused_and_changes_nothing, settings = silent_sandbox, |app| {
    let (id, out_trade_no) = order_with_open_payment(&app, &advanced()).await;
    press(&app, "pay", &out_trade_no, "pay").await;
    let sandbox = app.state.sandbox().expect("the sandbox");
    let stale =
        sandbox.notification_for(&out_trade_no, app.clock.now() - minutes(6)).await.expect("built").expect("paid");

    let (status, body) = post_notification(&app, &stale).await;

    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthenticated")), "{body}");
    assert_eq!(order_status(&app, id).await, "awaiting_payment");
    assert_eq!(payment_row(&app, &out_trade_no).await.0, "pending");
    let refused = count(&app, "SELECT COUNT(*) FROM audit_log WHERE event = $1", "payment.notification_refused").await;
    assert_eq!(refused, 1, "a late but genuine notification is audited");
});

on_both_databases!(pay_4_a_notification_with_the_wrong_amount_changes_nothing, settings = silent_sandbox, |app| {
    let (id, out_trade_no) = order_with_open_payment(&app, &advanced()).await;
    let signer = app.state.sandbox().expect("the sandbox").signer();

    for amount_fen in [697_999, 698_001, 1] {
        let wrong = notification_saying(&app.state, &out_trade_no, amount_fen, signer);
        let (status, body) = post_notification(&app, &wrong).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "taken (the provider stops resending), not believed: {body}");
    }

    assert_eq!(order_status(&app, id).await, "awaiting_payment", "the order is unchanged");
    assert_eq!(delivery_jobs(&app, id).await, 0);
    assert_eq!(payment_row(&app, &out_trade_no).await.0, "disputed", "flagged for a person to look at");
    let events = audit_events(&app, id).await;
    let refused = events.iter().find(|(e, _)| e == "payment.refused").expect("audited");
    assert_eq!(refused.1["reason"], "amount_mismatch");
    assert_eq!(refused.1["expected_amount_fen"], 698_000);
    assert!(!events.iter().any(|(e, _)| e == "order.paid"));

    // The order can still be paid properly.
    let again = trade_no_of(&open_payment(&app, id, "wechat_pay").await);
    press(&app, "pay", &again, "pay").await;
    let (status, _) = post_notification(&app, &notification(&app, &again).await).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    wait_until_paid(&app, id).await;
});

on_both_databases!(pay_4_a_notification_for_a_cancelled_order_changes_nothing, settings = silent_sandbox, |app| {
    let (id, out_trade_no) = order_with_open_payment(&app, &advanced_with_voucher()).await;
    let (status, body) = app.post(&format!("/api/orders/{id}/cancel"), &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(sandbox_status(&app.state, &out_trade_no).await, "closed", "the provider payment was closed too");
    let html = press(&app, "pay", &out_trade_no, "pay").await;
    assert!(html.contains("data-status=\"closed\""), "a closed payment cannot be paid");
    let signer = app.state.sandbox().expect("the sandbox").signer();

    let (status, _) =
        post_notification(&app, &notification_saying(&app.state, &out_trade_no, 698_000 - 50_000, signer)).await;

    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(order_status(&app, id).await, "closed", "still closed");
    assert_eq!(voucher_holder(&app, "A-500").await, None, "the voucher stays given back");
    assert_eq!(delivery_jobs(&app, id).await, 0, "nothing delivered");
    assert_eq!(payment_row(&app, &out_trade_no).await.0, "refund_due", "money taken for a closed order is flagged");
    let events = audit_events(&app, id).await;
    let refused = events.iter().find(|(e, _)| e == "payment.refused").expect("audited");
    assert_eq!(refused.1["reason"], "order_closed");
});

on_both_databases!(
    pay_4_a_notification_for_an_unknown_payment_is_answered_404_so_the_provider_retries,
    settings = silent_sandbox,
    |app| {
        let signer = app.state.sandbox().expect("the sandbox").signer();

        let (status, body) =
            post_notification(&app, &notification_saying(&app.state, "E999999999901", 100, signer)).await;

        assert_eq!((status, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM payment_notifications WHERE out_trade_no = $1", "E999999999901").await,
            0,
            "a retry will be looked at again"
        );
    }
);

// --- Reconciliation and timeouts ---------------------------------------------

on_both_databases!(
    pay_4_reconciliation_settles_a_payment_whose_notification_never_came,
    settings = silent_sandbox,
    |app| {
        let (id, out_trade_no) = order_with_open_payment(&app, &advanced()).await;
        press(&app, "pay", &out_trade_no, "pay").await;

        reconcile::run_once(&app.state).await.expect("reconciliation runs");
        assert_eq!(order_status(&app, id).await, "awaiting_payment", "too early to ask the provider");

        app.clock.advance(chrono::TimeDelta::seconds(61));
        let report = reconcile::run_once(&app.state).await.expect("reconciliation runs");

        assert_eq!(report.settled, 1, "{report:?}");
        wait_until_paid(&app, id).await;
        let events = audit_events(&app, id).await;
        let succeeded = events.iter().find(|(e, _)| e == "payment.succeeded").expect("audited");
        assert_eq!(succeeded.1["source"], "reconciliation");
        assert_eq!(delivery_jobs(&app, id).await, 1);

        // The notification, should it come after all, is then a no-op.
        let (status, _) = post_notification(&app, &notification(&app, &out_trade_no).await).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let payment_events = |events: &[(String, Value)]| {
            events.iter().filter(|(e, _)| e.starts_with("payment.") || e == "order.paid").count()
        };
        assert_eq!(payment_events(&audit_events(&app, id).await), payment_events(&events), "nothing more happened");
        assert_eq!(events.iter().filter(|(e, _)| e == "order.paid").count(), 1);
    }
);

on_both_databases!(pay_4_reconciliation_after_a_restart_reads_the_sandbox_book, settings = silent_sandbox, |app| {
    let (id, out_trade_no) = order_with_open_payment(&app, &advanced()).await;
    press(&app, "pay", &out_trade_no, "pay").await;

    // A second server on the same database, as after a crash: its sandbox
    // knows the payment from the book alone.
    let restarted = TestApp::builder(app.backend())
        .database_url(app.database_url.clone())
        .clock(app.clock.clone())
        .settings(silent_sandbox)
        .spawn()
        .await;
    app.clock.advance(chrono::TimeDelta::seconds(61));
    reconcile::run_once(&restarted.state).await.expect("reconciliation runs");

    wait_until_paid(&app, id).await;
});

on_both_databases!(pay_4_unpaid_orders_close_after_the_timeout_and_give_the_voucher_back, settings = defaults, |app| {
    let (id, out_trade_no) = order_with_open_payment(&app, &advanced_with_voucher()).await;
    assert_eq!(voucher_holder(&app, "A-500").await, Some(id));

    app.clock.advance(minutes(29));
    reconcile::run_once(&app.state).await.expect("reconciliation runs");
    assert_eq!(order_status(&app, id).await, "awaiting_payment", "not yet");

    app.clock.advance(minutes(2));
    let report = reconcile::run_once(&app.state).await.expect("reconciliation runs");

    assert_eq!(report.orders_closed, 1, "{report:?}");
    let order = app.order(id).await;
    assert_eq!(order["status"], "closed");
    assert!(order["closed_at"].is_string(), "{order}");
    assert_eq!(voucher_holder(&app, "A-500").await, None, "the voucher is given back");
    assert_eq!(sandbox_status(&app.state, &out_trade_no).await, "closed", "closed at the provider");
    assert_eq!(payment_row(&app, &out_trade_no).await.0, "closed");
    let events = audit_events(&app, id).await;
    assert!(events.iter().any(|(e, d)| e == "order.closed" && d["reason"] == "timeout"), "{events:?}");

    let html = press(&app, "pay", &out_trade_no, "pay").await;
    assert!(!html.contains("data-status=\"paid\""), "the payer can no longer pay");
    assert_eq!(reconcile::run_once(&app.state).await.expect("runs again"), reconcile::Report::default(), "once only");
});

on_both_databases!(pay_4_a_payment_made_before_the_deadline_is_settled_not_closed, settings = silent_sandbox, |app| {
    let (id, out_trade_no) = order_with_open_payment(&app, &advanced_with_voucher()).await;
    press(&app, "pay", &out_trade_no, "pay").await;

    app.clock.advance(minutes(31));
    reconcile::run_once(&app.state).await.expect("reconciliation runs");

    wait_until_paid(&app, id).await;
    assert_eq!(voucher_holder(&app, "A-500").await, Some(id), "the voucher stays spent");
    assert_eq!(payment_row(&app, &out_trade_no).await.0, "paid");
});

// --- The sandbox as a provider ----------------------------------------------

on_both_databases!(
    pay_4_the_sandbox_resends_a_notification_until_the_merchant_answers,
    settings = silent_sandbox,
    |app| {
        let (id, out_trade_no) = order_with_open_payment(&app, &advanced()).await;
        press(&app, "pay", &out_trade_no, "pay").await;
        // A notifier pointed at a port where nobody listens, then at the server.
        let dead = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let dead_url = format!("http://127.0.0.1:{}", dead.local_addr().expect("addr").port());
        drop(dead);
        let db = app.db().await;
        let unreachable =
            Sandbox::new(db.clone(), app.clock.clone(), &app.state.settings, &dead_url).expect("a sandbox");
        let reachable = Sandbox::new(db, app.clock.clone(), &app.state.settings, &app.address).expect("a sandbox");

        assert_eq!(unreachable.notify_due().await.expect("runs"), 0, "not delivered");
        let book = unreachable.find(&out_trade_no).await.expect("read").expect("in the book");
        assert_eq!(book.notify_attempts, 1);
        assert!(book.notify_due_at.is_some_and(|due| due > app.clock.now()), "retried later, with backoff");
        assert_eq!(reachable.notify_due().await.expect("runs"), 0, "not due yet");

        app.clock.advance(chrono::TimeDelta::seconds(2));
        assert_eq!(reachable.notify_due().await.expect("runs"), 1, "delivered on the retry");
        wait_until_paid(&app, id).await;
        let book = reachable.find(&out_trade_no).await.expect("read").expect("in the book");
        assert_eq!((book.notify_attempts, book.notify_due_at), (2, None), "done");
    }
);

fn always_failing(settings: &mut Settings) {
    defaults(settings);
    settings.sandbox_failure_rate = 1.0;
}

on_both_databases!(pay_4_an_unavailable_provider_is_reported_and_nothing_is_opened, settings = always_failing, |app| {
    let id = place(&app, &advanced(), "web").await;

    let (status, body) = app.pay(id, "wechat_pay").await;

    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(order_status(&app, id).await, "awaiting_payment");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM payments WHERE status = $1", "pending").await, 0, "nothing open");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM payments WHERE status = $1", "failed").await,
        1,
        "the attempt is recorded as failed"
    );
});

fn production(settings: &mut Settings) {
    defaults(settings);
    crate::helpers::in_production(settings);
}

on_both_databases!(pay_4_the_payer_pages_exist_in_development_only, settings = production, |app| {
    let (status, _) = page(&app, "/sandbox/pay/E000000000101").await;
    assert_ne!(status, StatusCode::OK, "no sandbox pages in production");
    let response =
        app.client.post(format!("{}/sandbox/pay/E000000000101/pay", app.address)).send().await.expect("answered");
    assert!(response.status().is_client_error(), "nobody can pay through them: {}", response.status());
});

on_both_databases!(pay_4_the_payer_page_of_an_unknown_payment_is_not_found, settings = defaults, |app| {
    for path in ["/sandbox/pay/E000000000101", "/sandbox/bank/E000000000101", "/sandbox/pay/%3Cscript%3E"] {
        let (status, _) = page(&app, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
});

on_both_databases!(pay_4_a_reload_that_pays_again_answers_the_same_payment, settings = silent_sandbox, |app| {
    let id = place(&app, &advanced(), "web").await;
    let first = open_payment(&app, id, "wechat_pay").await;

    // The buyer reloads the QR page and pays again, twice at once.
    let (again, once_more) = tokio::join!(open_payment(&app, id, "wechat_pay"), open_payment(&app, id, "wechat_pay"));

    assert_eq!(again, first, "the same QR code");
    assert_eq!(once_more, first, "the same QR code");
    let open = count(&app, "SELECT COUNT(*) FROM payments WHERE status = $1", "pending").await;
    assert_eq!(open, 1, "one payment open at the provider for the order");
    let out_trade_no = trade_no_of(&first);
    press(&app, "pay", &out_trade_no, "pay").await;
    let (status, _) = post_notification(&app, &notification(&app, &out_trade_no).await).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    wait_until_paid(&app, id).await;
    assert_eq!(payment_row(&app, &out_trade_no).await.0, "paid");
});

on_both_databases!(
    pay_4_money_for_a_replaced_payment_is_flagged_for_return_and_shown_on_the_order,
    settings = silent_sandbox,
    |app| {
        let (id, first) = order_with_open_payment(&app, &advanced()).await;
        // The payer switches to online banking: the QR code is closed at the provider first.
        let bank = open_payment(&app, id, "online_banking").await;
        let url = bank["url"].as_str().expect("a bank URL").to_owned();
        let second = url.strip_prefix("/sandbox/bank/").expect("the sandbox bank page").to_owned();
        assert_eq!(sandbox_status(&app.state, &first).await, "closed", "closed at the provider");
        assert_eq!(payment_row(&app, &first).await.0, "closed");
        let signer = app.state.sandbox().expect("the sandbox").signer();

        // Money for the closed QR code arrives anyway (a provider racing its own close).
        let (status, _) = post_notification(&app, &notification_saying(&app.state, &first, 698_000, signer)).await;

        assert_eq!(status, StatusCode::NO_CONTENT, "taken, so the provider stops resending it");
        assert_eq!(order_status(&app, id).await, "awaiting_payment", "not the order's payment");
        assert_eq!(payment_row(&app, &first).await.0, "refund_due");
        let order = app.order(id).await;
        assert_eq!(order["returns"][0]["amount"], "6980.00", "the buyer sees the money will be returned: {order}");
        assert_eq!(order["returns"][0]["reason"], "payment_closed");

        // The bank payment pays the order, once.
        press(&app, "bank", &second, "pay").await;
        let (status, _) = post_notification(&app, &notification(&app, &second).await).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        wait_until_paid(&app, id).await;
        let events = audit_events(&app, id).await;
        assert_eq!(events.iter().filter(|(e, _)| e == "order.paid").count(), 1, "{events:?}");
        assert_eq!(delivery_jobs(&app, id).await, 1, "one delivery job");
    }
);

on_both_databases!(
    ren_2_money_for_an_upgrade_arriving_after_a_renewal_was_paid_is_returned_not_delivered,
    settings = silent_sandbox,
    |app| {
        let first = place(&app, &advanced(), "web").await;
        let (status, _) = app.pay(first, "balance").await;
        assert_eq!(status, StatusCode::OK);
        app.wait_for_status(first, "delivered").await;
        let renewal = app.place_ok(&advanced(), "web").await;
        let upgrade = app.place_ok(&json!({ "edition": { "edition": "professional" } }), "web").await;
        let out_trade_no = trade_no_of(&open_payment(&app, upgrade, "wechat_pay").await);
        // The renewal is paid from the balance while the upgrade's QR code is open.
        let (status, _) = app.pay(renewal, "balance").await;
        assert_eq!(status, StatusCode::OK);
        app.wait_for_status(renewal, "delivered").await;

        // The payer scans the QR code anyway: its price was for the shorter term.
        press(&app, "pay", &out_trade_no, "pay").await;
        let (status, _) = post_notification(&app, &notification(&app, &out_trade_no).await).await;

        assert_eq!(status, StatusCode::NO_CONTENT, "taken, so the provider stops resending it");
        assert_eq!(order_status(&app, upgrade).await, "awaiting_payment", "not delivered as something not paid for");
        assert_eq!(payment_row(&app, &out_trade_no).await.0, "refund_due");
        let order = app.order(upgrade).await;
        assert_eq!(order["returns"][0]["reason"], "order_changed", "{order}");
        let (_, billing) = app.get("/api/billing").await;
        assert_eq!(billing["edition"]["edition"], "advanced", "still Advanced, renewed: {billing}");
    }
);

on_both_databases!(
    quo_3_a_pack_opened_before_the_edition_ends_and_paid_after_is_returned_not_stuck,
    settings = silent_sandbox,
    |app| {
        let first = place(&app, &advanced(), "web").await;
        let (status, _) = app.pay(first, "balance").await;
        assert_eq!(status, StatusCode::OK);
        let delivered = app.wait_for_status(first, "delivered").await;
        let ends: chrono::DateTime<chrono::Utc> =
            serde_json::from_value(delivered["quote"]["lines"][0]["expires_at"].clone()).expect("an instant");
        app.clock.advance(ends - app.clock.now() - chrono::TimeDelta::minutes(10));
        app.sign_in("a-admin").await;
        let pack = app.place_ok(&json!({ "addons": [{ "addon": "contract_pack_1k", "quantity": 1 }] }), "web").await;
        let out_trade_no = trade_no_of(&open_payment(&app, pack, "wechat_pay").await);
        app.clock.advance(chrono::TimeDelta::minutes(15));

        press(&app, "pay", &out_trade_no, "pay").await;
        let (status, _) = post_notification(&app, &notification(&app, &out_trade_no).await).await;

        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(order_status(&app, pack).await, "awaiting_payment", "never paid into a delivery that cannot happen");
        assert_eq!(delivery_jobs(&app, pack).await, 0);
        assert_eq!(payment_row(&app, &out_trade_no).await.0, "refund_due");
    }
);

fn probing(settings: &mut Settings) {
    defaults(settings);
    settings.sandbox_probe_rate = 1.0;
}

on_both_databases!(pay_4_signature_probes_are_refused_and_the_payment_still_lands, settings = probing, |app| {
    let (id, trade_no) = order_with_open_payment(&app, &advanced()).await;

    press(&app, "pay", &trade_no, "pay").await;

    app.wait_for_status(id, "delivered").await;
    let (sent, taken) = app.state.sandbox().expect("the sandbox").probes();
    assert!(sent >= 1, "a probe went ahead of the notification");
    assert_eq!(taken, 0, "the server took no probe");
    let notification = app
        .state
        .sandbox()
        .expect("the sandbox")
        .notification_for(&trade_no, app.clock.now())
        .await
        .expect("built")
        .expect("paid");
    let probe = SignedMessage { signature: format!("{}{}", wechat::PROBE_PREFIX, "c2lnbmF0dXJl"), ..notification };
    let request =
        app.client.post(format!("{}/api/payments/notify", app.address)).headers(probe.headers()).body(probe.body);
    let (status, refused) = app.send(request, "a probe").await;
    assert_eq!((status, refused["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthenticated")), "{refused}");
});
