//! PAY-4 through the WeChat Pay v3 client and the Tencent Cloud SMS client
//! (VER-1), each over loopback against the sandbox a development server
//! serves at `/sandbox`: the provider is one server, the merchant another,
//! as production would be. The merchant signs its requests, the sandbox
//! signs its answers and its notifications, and each believes only what
//! verifies.

use crate::helpers::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::clock::{Clock, ManualClock};
use server::gateways::payment::sandbox::{APP_ID, MCHID, MERCHANT_SERIAL, Sandbox};
use server::gateways::payment::wechat::Verifier;
use server::gateways::payment::{GatewayError, ProviderStatus, RefundRequest, RefundState};
use server::gateways::sms;
use server::settings::{PaymentProvider, Secret, SmsProvider, TencentSmsSettings, WechatPaySettings};
use server::workers::reconcile;
use std::path::PathBuf;
use std::sync::Arc;

fn key_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sandbox").join(name)
}

fn serial_of(name: &str) -> String {
    let pem = std::fs::read_to_string(key_file(name)).expect("a key file");
    Verifier::from_pem(&pem).expect("a public key").serial().to_owned()
}

/// The demo merchant at `provider`'s sandbox, believing these platform keys.
fn merchant_at(provider: &TestApp, platform_keys: &[&str]) -> WechatPaySettings {
    WechatPaySettings {
        base_url: format!("{}/sandbox", provider.address),
        mchid: MCHID.into(),
        appid: APP_ID.into(),
        merchant_serial: MERCHANT_SERIAL.into(),
        merchant_key_file: key_file("merchant_private_key.pem"),
        platform_keys: platform_keys.iter().map(|name| (serial_of(name), key_file(name))).collect(),
    }
}

const BOTH_KEYS: [&str; 2] = ["platform_public_key.pem", "platform_next_public_key.pem"];

/// The provider: a development server whose sandbox answers the API.
async fn provider(backend: Backend, clock: Arc<ManualClock>) -> TestApp {
    TestApp::builder(backend).clock(clock).settings(|s| s.reconcile_interval_ms = 3_600_000).spawn().await
}

/// The merchant: a server whose payment provider is `merchant` over HTTP.
async fn merchant(backend: Backend, clock: Arc<ManualClock>, merchant: WechatPaySettings) -> TestApp {
    TestApp::builder(backend)
        .clock(clock)
        .settings(move |s| {
            s.reconcile_interval_ms = 3_600_000;
            s.payment_provider = PaymentProvider::WechatPay(merchant);
        })
        .spawn()
        .await
}

async fn pair(backend: Backend) -> (TestApp, TestApp) {
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let provider = provider(backend, clock.clone()).await;
    let settings = merchant_at(&provider, &BOTH_KEYS);
    let merchant = merchant(backend, clock, settings).await;
    (provider, merchant)
}

fn sandbox(app: &TestApp) -> &Sandbox {
    app.state.sandbox().expect("a development server has the sandbox")
}

fn edition() -> Value {
    json!({ "edition": { "edition": "advanced", "years": 1 } })
}

/// A pack, for an account that holds an edition.
fn pack() -> Value {
    json!({ "addons": [{ "addon": "contract_pack_1k", "quantity": 1 }] })
}

/// A-admin places `selection` at the merchant and opens a QR payment; the order and out_trade_no.
async fn open_qr(merchant: &TestApp, selection: &Value) -> (i64, String) {
    merchant.sign_in("a-admin").await;
    let id = merchant.place_ok(selection, "web").await;
    let (status, paid) = merchant.pay(id, "wechat_pay").await;
    assert_eq!(status, StatusCode::OK, "a QR payment opens through the client: {paid}");
    let url = paid["prompt"]["code_url"].as_str().unwrap_or_else(|| panic!("a QR code: {paid}"));
    let trade_no = url.strip_prefix("weixin://wxpay/bizpayurl?pr=").expect("the sandbox's code_url");
    (id, trade_no.to_owned())
}

/// Runs the test `name(backend)` once per database, as `name::sqlite` and `name::postgres`.
macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            use super::Backend;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(Backend::Postgres).await;
            }
        }
    };
}

async fn pay_4_a_qr_payment_through_the_client_is_notified_and_delivered(backend: Backend) {
    let (provider, merchant) = pair(backend).await;
    let (id, trade_no) = open_qr(&merchant, &edition()).await;

    let booked = sandbox(&provider).find(&trade_no).await.expect("the book reads").expect("the sandbox booked it");
    assert_eq!(booked.status, "pending");
    sandbox(&provider).pay(&trade_no).await.expect("the payer pays");

    let order = merchant.wait_for_status(id, "delivered").await;
    assert_eq!(order["payable"], booked_amount(booked.amount_fen), "{order}");
}
on_both!(pay_4_a_qr_payment_through_the_client_is_notified_and_delivered);

fn booked_amount(fen: i64) -> Value {
    json!(format!("{}.{:02}", fen / 100, fen % 100))
}

async fn pay_4_reconciliation_asks_and_closes_through_the_client(backend: Backend) {
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let provider = TestApp::builder(backend)
        .clock(clock.clone())
        .settings(|s| {
            s.reconcile_interval_ms = 3_600_000;
            s.sandbox_notify = false;
        })
        .spawn()
        .await;
    let merchant = merchant(backend, clock.clone(), merchant_at(&provider, &BOTH_KEYS)).await;
    let (paid_id, paid_no) = open_qr(&merchant, &edition()).await;
    sandbox(&provider).pay(&paid_no).await.expect("the payer pays");

    let status = merchant.state.gateway.query(&paid_no).await.expect("the client asks");
    assert!(matches!(status, ProviderStatus::Paid { .. }), "{status:?}");
    clock.advance(chrono::TimeDelta::seconds(61));
    reconcile::run_once(&merchant.state).await.expect("reconciliation runs");
    merchant.wait_for_status(paid_id, "delivered").await;

    let (closed_id, closed_no) = open_qr(&merchant, &pack()).await;
    let (status, cancelled) = merchant.post(&format!("/api/orders/{closed_id}/cancel"), &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{cancelled}");
    let closed = sandbox(&provider).find(&closed_no).await.expect("the book reads").expect("booked");
    assert_eq!(closed.status, "closed", "the cancel closed it at the provider, through the client");
    let status = merchant.state.gateway.query(&closed_no).await.expect("the client asks");
    assert_eq!(status, ProviderStatus::Closed);
    let unknown = merchant.state.gateway.query("E999999999999").await;
    assert!(matches!(unknown, Err(GatewayError::Rejected(why)) if why.starts_with("ORDER_NOT_EXIST")));
}
on_both!(pay_4_reconciliation_asks_and_closes_through_the_client);

async fn ord_3_a_refund_through_the_client_is_taken_then_returned(backend: Backend) {
    let (provider, merchant) = pair(backend).await;
    let (id, trade_no) = open_qr(&merchant, &edition()).await;
    sandbox(&provider).pay(&trade_no).await.expect("the payer pays");
    merchant.wait_for_status(id, "delivered").await;
    let amount = sandbox(&provider).find(&trade_no).await.expect("the book reads").expect("booked").amount_fen;
    let request = RefundRequest {
        out_refund_no: format!("{trade_no}-1"),
        out_trade_no: trade_no.clone(),
        amount_fen: amount,
        total_fen: amount,
        reason: "退款".into(),
    };

    let taken = merchant.state.gateway.refund(&request).await.expect("the refund is taken");
    assert!(matches!(taken, RefundState::Processing { .. }), "{taken:?}");
    let again = merchant.state.gateway.refund(&request).await.expect("the same refund again");
    let id_of = |state: &RefundState| match state {
        RefundState::Processing { refund_id }
        | RefundState::Succeeded { refund_id, .. }
        | RefundState::Failed { refund_id, .. } => refund_id.clone(),
    };
    assert_eq!(id_of(&again), id_of(&taken), "one refund per number (the notifier may have returned it since)");
    sandbox(&provider).return_refunds().await.expect("the refunds are returned");
    let asked = merchant.state.gateway.query_refund(&request.out_refund_no).await.expect("asked");
    assert!(matches!(asked, RefundState::Succeeded { .. }), "{asked:?}");
    let more = RefundRequest { out_refund_no: format!("{trade_no}-2"), ..request };
    assert!(matches!(merchant.state.gateway.refund(&more).await, Err(GatewayError::Rejected(_))), "nothing left");
}
on_both!(ord_3_a_refund_through_the_client_is_taken_then_returned);

async fn pay_4_an_answer_signed_by_a_key_the_merchant_does_not_hold_is_not_believed(backend: Backend) {
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let provider = provider(backend, clock.clone()).await;
    let merchant = merchant(backend, clock, merchant_at(&provider, &["platform_next_public_key.pem"])).await;
    merchant.sign_in("a-admin").await;
    let id = merchant.place_ok(&edition(), "web").await;

    let (status, refused) = merchant.pay(id, "wechat_pay").await;

    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{refused}");
    assert_eq!(merchant.order(id).await["status"], "awaiting_payment", "the order waits for another attempt");
}
on_both!(pay_4_an_answer_signed_by_a_key_the_merchant_does_not_hold_is_not_believed);

async fn pay_4_the_platform_rotates_its_key_and_payments_go_on(backend: Backend) {
    let (provider, merchant) = pair(backend).await;
    let (first, first_no) = open_qr(&merchant, &edition()).await;
    sandbox(&provider).pay(&first_no).await.expect("the payer pays");
    merchant.wait_for_status(first, "delivered").await;
    let before = sandbox(&provider).signer().serial().to_owned();

    sandbox(&provider).rotate();
    let (second, second_no) = open_qr(&merchant, &pack()).await;
    sandbox(&provider).pay(&second_no).await.expect("the payer pays");

    assert_ne!(sandbox(&provider).signer().serial(), before, "signed with the next key now");
    merchant.wait_for_status(second, "delivered").await;
}
on_both!(pay_4_the_platform_rotates_its_key_and_payments_go_on);

async fn pay_4_a_request_the_merchant_did_not_sign_is_refused_by_the_provider(backend: Backend) {
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let provider = provider(backend, clock.clone()).await;
    let forged = WechatPaySettings {
        merchant_key_file: key_file("forger_private_key.pem"),
        ..merchant_at(&provider, &BOTH_KEYS)
    };
    let merchant = merchant(backend, clock, forged).await;
    merchant.sign_in("a-admin").await;
    let id = merchant.place_ok(&edition(), "web").await;

    let (status, refused) = merchant.pay(id, "wechat_pay").await;

    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{refused}");
    assert!(refused["message"].as_str().unwrap_or_default().contains("SIGN_ERROR"), "{refused}");
}
on_both!(pay_4_a_request_the_merchant_did_not_sign_is_refused_by_the_provider);

async fn pay_4_a_request_signed_more_than_five_minutes_off_the_providers_clock_is_refused(backend: Backend) {
    let provider = provider(backend, Arc::new(ManualClock::new(chrono::Utc::now()))).await;
    let late = Arc::new(ManualClock::new(chrono::Utc::now() + chrono::TimeDelta::minutes(6)));
    let merchant = merchant(backend, late, merchant_at(&provider, &BOTH_KEYS)).await;

    let status = merchant.state.gateway.query("E000000000001").await;

    // The answer is refused first: its timestamp is as far off the merchant's clock.
    assert!(matches!(status, Err(GatewayError::Unavailable(_))), "{status:?}");
    let in_time = TestApp::builder(backend)
        .clock(Arc::new(ManualClock::new(provider.clock.now() + chrono::TimeDelta::minutes(4))))
        .settings({
            let settings = merchant_at(&provider, &BOTH_KEYS);
            move |s| s.payment_provider = PaymentProvider::WechatPay(settings)
        })
        .spawn()
        .await;
    let status = in_time.state.gateway.query("E000000000001").await;
    assert!(matches!(&status, Err(GatewayError::Rejected(why)) if why.starts_with("ORDER_NOT_EXIST")), "{status:?}");
}
on_both!(pay_4_a_request_signed_more_than_five_minutes_off_the_providers_clock_is_refused);

/// The demo SMS account at `provider`'s sandbox.
fn sms_account(provider: &TestApp, secret_key: &str) -> TencentSmsSettings {
    TencentSmsSettings {
        base_url: format!("{}/sandbox/sms", provider.address),
        secret_id: sms::sandbox::SECRET_ID.into(),
        secret_key: Secret(secret_key.into()),
        app_id: sms::sandbox::APP_ID.into(),
        sign_name: sms::SIGN_NAME.into(),
        template_id: sms::sandbox::TEMPLATE_ID.into(),
        region: "ap-guangzhou".into(),
    }
}

async fn ver_1_a_code_texted_through_the_tencent_client_reaches_the_phone(backend: Backend) {
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let provider = provider(backend, clock.clone()).await;
    let good = sms_account(&provider, sms::sandbox::SECRET_KEY);
    let texting = TestApp::builder(backend)
        .clock(clock.clone())
        .settings(move |s| s.sms_provider = SmsProvider::Tencent(good))
        .spawn()
        .await;
    texting.sign_in("a-admin").await;

    let (status, sent) = texting.post("/api/verification/send", &json!({ "purpose": "invoice" })).await;

    assert_eq!(status, StatusCode::OK, "{sent}");
    let (_, outbox) = provider.get("/api/dev/sms-outbox").await;
    let text = outbox[0]["text"].as_str().unwrap_or_else(|| panic!("a message at the provider: {outbox}"));
    assert!(text.starts_with("【腾讯电子签】您的验证码为 "), "{text}");
    assert!(text.contains("用于开具发票，5分钟内有效"), "{text}");

    let wrong = sms_account(&provider, "not-the-secret-key");
    let refused = TestApp::builder(backend)
        .clock(clock)
        .settings(move |s| s.sms_provider = SmsProvider::Tencent(wrong))
        .spawn()
        .await;
    refused.sign_in("b-admin").await;
    let (status, body) = refused.post("/api/verification/send", &json!({ "purpose": "invoice" })).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "a signature the provider refuses: {body}");
    assert!(body["message"].as_str().unwrap_or_default().contains("AuthFailure.SignatureFailure"), "{body}");
    let (_, after) = provider.get("/api/dev/sms-outbox").await;
    assert_eq!(after.as_array().map(Vec::len), outbox.as_array().map(Vec::len), "nothing more was sent");
}
on_both!(ver_1_a_code_texted_through_the_tencent_client_reaches_the_phone);
