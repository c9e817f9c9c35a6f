//! Production really runs: without the providers' settings, or with a
//! sandbox switched on, it refuses to start and names the variable; with
//! them, pointed at the sandboxes a development server serves over
//! loopback, a buyer pays by WeChat QR code through the client, the order
//! is delivered, and a verification code goes out through the SMS client.

use crate::helpers::{Backend, TestApp, client_of};
use reqwest::StatusCode;
use serde_json::json;
use server::gateways::payment::sandbox::{APP_ID, MCHID, MERCHANT_SERIAL};
use server::gateways::payment::wechat::Verifier;
use server::gateways::sms;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// The sandbox's APIv3 key: the merchant must hold the provider's.
const APIV3_KEY: &str = "esignSandboxApiV3Key000000000000";

fn key_file(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sandbox").join(name).display().to_string()
}

fn platform_keys() -> String {
    ["platform_public_key.pem", "platform_next_public_key.pem"]
        .map(|name| {
            let pem = std::fs::read_to_string(key_file(name)).expect("a key file");
            format!("{}={}", Verifier::from_pem(&pem).expect("a public key").serial(), key_file(name))
        })
        .join(",")
}

/// A complete production configuration against the sandboxes at `provider`.
fn configuration(provider: &str, port: u16) -> Vec<(&'static str, String)> {
    vec![
        ("ESIGN_ENV", "production".into()),
        ("ESIGN_PORT", port.to_string()),
        ("ESIGN_PUBLIC_URL", format!("http://127.0.0.1:{port}")),
        ("ESIGN_PAYMENT_APIV3_KEY", APIV3_KEY.into()),
        ("ESIGN_WECHATPAY_BASE_URL", format!("{provider}/sandbox")),
        ("ESIGN_WECHATPAY_MCHID", MCHID.into()),
        ("ESIGN_WECHATPAY_APPID", APP_ID.into()),
        ("ESIGN_WECHATPAY_MERCHANT_SERIAL", MERCHANT_SERIAL.into()),
        ("ESIGN_WECHATPAY_MERCHANT_KEY_FILE", key_file("merchant_private_key.pem")),
        ("ESIGN_WECHATPAY_PLATFORM_KEYS", platform_keys()),
        ("ESIGN_SMS_BASE_URL", format!("{provider}/sandbox/sms")),
        ("ESIGN_SMS_SECRET_ID", sms::sandbox::SECRET_ID.into()),
        ("ESIGN_SMS_SECRET_KEY", sms::sandbox::SECRET_KEY.into()),
        ("ESIGN_SMS_APP_ID", sms::sandbox::APP_ID.into()),
        ("ESIGN_SMS_SIGN_NAME", sms::SIGN_NAME.into()),
        ("ESIGN_SMS_TEMPLATE_ID", sms::sandbox::TEMPLATE_ID.into()),
    ]
}

/// The variables production cannot do without.
const REQUIRED: [&str; 12] = [
    "ESIGN_PUBLIC_URL",
    "ESIGN_PAYMENT_APIV3_KEY",
    "ESIGN_WECHATPAY_MCHID",
    "ESIGN_WECHATPAY_APPID",
    "ESIGN_WECHATPAY_MERCHANT_SERIAL",
    "ESIGN_WECHATPAY_MERCHANT_KEY_FILE",
    "ESIGN_WECHATPAY_PLATFORM_KEYS",
    "ESIGN_SMS_SECRET_ID",
    "ESIGN_SMS_SECRET_KEY",
    "ESIGN_SMS_APP_ID",
    "ESIGN_SMS_SIGN_NAME",
    "ESIGN_SMS_TEMPLATE_ID",
];

/// A free loopback port (the production server must know its public address before it binds).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

/// The server binary on `database_url` with exactly `env` (no variable of
/// this process's leaks in); returns the child and its URL once it listens,
/// or everything it printed when it did not start.
fn start(database_url: &str, env: &[(&str, String)]) -> (Child, Result<String, String>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command.env_clear().env("DATABASE_URL", database_url).env("ESIGN_DIST", "no-dist").env("RUST_LOG", "warn");
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("the server binary starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut printed = String::new();
    let url = lines.by_ref().map_while(Result::ok).find_map(|line| {
        printed.push_str(&line);
        printed.push('\n');
        line.split_whitespace().find(|w| w.starts_with("http://")).map(str::to_owned)
    });
    std::thread::spawn(move || lines.for_each(drop));
    match url {
        Some(url) => (child, Ok(url)),
        None => {
            let _ = child.wait();
            if let Some(mut stderr) = child.stderr.take() {
                let _ = stderr.read_to_string(&mut printed);
            }
            (child, Err(printed))
        }
    }
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_refuses_to_start_without_each_provider_setting_and_names_it() {
    let provider = TestApp::builder(Backend::Sqlite).spawn().await;
    let complete = configuration(&provider.address, free_port());
    for missing in REQUIRED {
        let env: Vec<_> = complete.iter().filter(|(name, _)| *name != missing).cloned().collect();
        let (child, started) = start(&provider.database_url, &env);
        stop(child);
        let printed = started.expect_err(&format!("it does not start without {missing}"));
        assert!(printed.contains(missing), "the error names {missing}: {printed}");
    }
    for (name, sandbox) in [("ESIGN_PAYMENT_PROVIDER", "sandbox"), ("ESIGN_SMS_PROVIDER", "outbox")] {
        let mut env = complete.clone();
        env.push((name, sandbox.into()));
        let (child, started) = start(&provider.database_url, &env);
        stop(child);
        let printed = started.expect_err(&format!("it does not start with {name}={sandbox}"));
        assert!(printed.contains(name) && printed.contains("sandbox"), "{printed}");
    }
    let mut env = complete.clone();
    env.retain(|(name, _)| *name != "ESIGN_WECHATPAY_MERCHANT_KEY_FILE");
    env.push(("ESIGN_WECHATPAY_MERCHANT_KEY_FILE", "/nonexistent/merchant.pem".into()));
    let (child, started) = start(&provider.database_url, &env);
    stop(child);
    let printed = started.expect_err("it does not start without its merchant key");
    assert!(printed.contains("ESIGN_WECHATPAY_MERCHANT_KEY_FILE"), "{printed}");
}

async fn production_runs_against_the_loopback_sandboxes(backend: Backend) {
    let provider = TestApp::builder(backend).settings(|s| s.reconcile_interval_ms = 3_600_000).spawn().await;
    let port = free_port();
    let (child, started) = start(&provider.database_url, &configuration(&provider.address, port));
    let url = started.unwrap_or_else(|printed| panic!("production starts with its settings: {printed}"));
    let buyer = client_of(&url, &provider.database_url, "a-admin").await;
    let (status, _) = buyer.get("/api/ready").await;
    assert_eq!(status, StatusCode::OK);

    let id = buyer.place_ok(&json!({ "edition": { "edition": "advanced", "years": 1 } }), "web").await;
    let (status, paid) = buyer.pay(id, "wechat_pay").await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    let code_url = paid["prompt"]["code_url"].as_str().unwrap_or_else(|| panic!("a QR code: {paid}"));
    let trade_no = code_url.strip_prefix("weixin://wxpay/bizpayurl?pr=").expect("the sandbox's code_url");
    let sandbox = provider.state.sandbox().expect("the provider's sandbox");
    sandbox.pay(trade_no).await.expect("the payer pays");
    buyer.wait_for_status(id, "delivered").await;
    let (status, refused) = buyer.pay(id, "wechat_pay").await;
    assert_eq!(status.as_u16() / 100, 4, "a delivered order is not paid again: {refused}");

    let (status, sent) = buyer.post("/api/verification/send", &json!({ "purpose": "invoice" })).await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    let (_, outbox) = provider.get("/api/dev/sms-outbox").await;
    let text = outbox[0]["text"].as_str().unwrap_or_else(|| panic!("texted through the provider: {outbox}"));
    assert!(text.contains("用于开具发票"), "{text}");
    let (status, _) = buyer.get("/api/dev/sms-outbox").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "production has no outbox");
    stop(child);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_runs_against_the_loopback_sandboxes_sqlite() {
    production_runs_against_the_loopback_sandboxes(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_runs_against_the_loopback_sandboxes_postgres() {
    production_runs_against_the_loopback_sandboxes(Backend::Postgres).await;
}
