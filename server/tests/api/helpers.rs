//! The test harness: the real server on 127.0.0.1:0 with a fresh database of
//! its own (a SQLite file, or a new PostgreSQL database), spoken to over HTTP.
//!
//! In this process: `TestApp::builder(backend)` (optionally `.settings(..)`,
//! `.clock(..)`, `.database_url(..)`) then `.spawn().await`, or
//! `on_both_databases!` for a test on both databases. As a child process (to
//! kill it): [`launch`] and [`client_of`].

use reqwest::StatusCode;
use serde_json::{Value, json};
use server::clock::ManualClock;
use server::db::Db;
use server::{AppState, Application, Settings};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs an async test body once on SQLite and once on PostgreSQL, each on a
/// fresh database: `on_both_databases!(name, |app| { ... })`. Builder
/// options may come first, each applied as `TestApp::builder(..).option(value)`:
/// `on_both_databases!(name, settings = silent_sandbox, |app| { ... })`.
/// The tests are `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both_databases {
    ($name:ident, $($option:ident = $value:expr,)* |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let $app = $crate::helpers::TestApp::builder($crate::helpers::Backend::Sqlite)
                    $(.$option($value))*
                    .spawn()
                    .await;
                $body
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let $app = $crate::helpers::TestApp::builder($crate::helpers::Backend::Postgres)
                    $(.$option($value))*
                    .spawn()
                    .await;
                $body
            }
        }
    };
}

/// A server started in this test process, with its clock and its state (to
/// drive background jobs: `server::workers::sweeper::run_once(&app.state)`),
/// spoken to through the [`ApiClient`] it derefs to.
pub struct TestApp {
    pub api: ApiClient,
    pub clock: Arc<ManualClock>,
    pub state: AppState,
    /// `http://127.0.0.1:…` of its metrics listener, when its settings
    /// name one (`metrics_addr`).
    pub metrics: Option<String>,
}

impl std::ops::Deref for TestApp {
    type Target = ApiClient;

    fn deref(&self) -> &ApiClient {
        &self.api
    }
}

/// A change to the settings, made before the server starts.
type Tweak = Box<dyn FnOnce(&mut Settings) + Send>;

/// How a test's server is started: see [`TestApp::builder`].
pub struct TestAppBuilder {
    backend: Backend,
    database_url: Option<String>,
    clock: Option<Arc<ManualClock>>,
    tweaks: Vec<Tweak>,
}

impl TestApp {
    /// A server on a fresh database of `backend`, with the local settings
    /// and a manual clock at the current time, unless told otherwise.
    pub fn builder(backend: Backend) -> TestAppBuilder {
        TestAppBuilder { backend, database_url: None, clock: None, tweaks: Vec::new() }
    }

    /// A new client with its own cookies, for a second person.
    pub fn another_client(&self) -> TestApp {
        TestApp {
            api: ApiClient::new(&self.address, &self.database_url),
            clock: self.clock.clone(),
            state: self.state.clone(),
            metrics: self.metrics.clone(),
        }
    }
}

impl TestAppBuilder {
    /// Changes the settings before the server starts (applied in order).
    pub fn settings(mut self, tweak: impl FnOnce(&mut Settings) + Send + 'static) -> Self {
        self.tweaks.push(Box::new(tweak));
        self
    }

    /// Uses `clock` instead of a new one (e.g. a second server of the same test).
    pub fn clock(mut self, clock: Arc<ManualClock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Starts on an existing database of the builder's backend instead of a
    /// fresh one (e.g. a restart, or a second server on one database).
    pub fn database_url(mut self, database_url: impl Into<String>) -> Self {
        self.database_url = Some(database_url.into());
        self
    }

    /// Starts the server on 127.0.0.1:0, in this process.
    pub async fn spawn(self) -> TestApp {
        let database_url = match self.database_url {
            Some(url) => {
                assert_eq!(Backend::of(&url), self.backend, "{url} is a {:?} database", self.backend);
                url
            }
            None => fresh_database(self.backend).await,
        };
        let clock = self.clock.unwrap_or_else(|| Arc::new(ManualClock::new(chrono::Utc::now())));
        let mut settings = Settings::local(database_url.clone(), "no-dist-in-api-tests");
        for tweak in self.tweaks {
            tweak(&mut settings);
        }
        let app = Application::build_with_clock(settings, clock.clone()).await.expect("the server starts");
        let state = app.state().clone();
        let address = format!("http://127.0.0.1:{}", app.port());
        let metrics = app.metrics_port().map(|port| format!("http://127.0.0.1:{port}"));
        tokio::spawn(app.run_until_stopped());
        TestApp { api: ApiClient::new(&address, &database_url), clock, state, metrics }
    }
}

/// Production settings: no sandbox, and providers configured with the demo
/// merchant's keys at an address nothing listens on (tests that need them
/// to answer point them at a development server's sandbox instead).
pub fn in_production(settings: &mut Settings) {
    use server::gateways::payment::sandbox::{APP_ID, MCHID, MERCHANT_SERIAL};
    use server::settings::{PaymentProvider, Secret, SmsProvider, TencentSmsSettings, WechatPaySettings};
    let keys = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sandbox");
    let platform = std::fs::read_to_string(keys.join("platform_public_key.pem")).expect("the sandbox's key");
    let serial = server::gateways::payment::wechat::Verifier::from_pem(&platform).expect("a key").serial().to_owned();
    settings.development = false;
    settings.payment_provider = PaymentProvider::WechatPay(WechatPaySettings {
        base_url: "http://127.0.0.1:9".into(),
        mchid: MCHID.into(),
        appid: APP_ID.into(),
        merchant_serial: MERCHANT_SERIAL.into(),
        merchant_key_file: keys.join("merchant_private_key.pem"),
        platform_keys: vec![(serial, keys.join("platform_public_key.pem"))],
    });
    settings.sms_provider = SmsProvider::Tencent(TencentSmsSettings {
        base_url: "http://127.0.0.1:9/sms".into(),
        secret_id: "id".into(),
        secret_key: Secret("key".into()),
        app_id: "1400000001".into(),
        sign_name: "腾讯电子签".into(),
        template_id: "1".into(),
        region: "ap-guangzhou".into(),
    });
}

impl Backend {
    /// The backend a database URL names.
    pub fn of(database_url: &str) -> Backend {
        if database_url.starts_with("sqlite:") { Backend::Sqlite } else { Backend::Postgres }
    }
}

/// A fresh, empty database for one test.
pub async fn fresh_database(backend: Backend) -> String {
    match backend {
        Backend::Sqlite => {
            // The folder must outlive the server, which runs until the test process ends.
            let dir = tempfile::tempdir().expect("a temp dir").keep();
            format!("sqlite://{}/esign.sqlite", dir.display())
        }
        Backend::Postgres => {
            let admin = std::env::var("DATABASE_URL_PG")
                .expect("DATABASE_URL_PG names the test PostgreSQL server: run the tests with `cargo xtask test`");
            let name = format!("esign_{}", uuid_like());
            let admin_db = server::db::Db::connect(&admin, 1).await.expect("the test PostgreSQL server answers");
            server::db::query(server::db::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&admin_db.write)
                .await
                .expect("creates a database");
            admin_db.write.close().await;
            let base = admin.rsplit_once('/').map(|(base, _)| base).unwrap_or(&admin);
            format!("{base}/{name}")
        }
    }
}

fn uuid_like() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..16).map(|_| char::from(b'a' + rng.gen_range(0..26))).collect()
}

/// A cookie-keeping HTTP client of one running server (in this process or
/// a child process), and the database that server is on.
pub struct ApiClient {
    pub address: String,
    pub client: reqwest::Client,
    pub database_url: String,
}

impl ApiClient {
    fn new(address: &str, database_url: &str) -> ApiClient {
        ApiClient {
            address: address.to_owned(),
            client: reqwest::Client::builder().cookie_store(true).build().expect("a client"),
            database_url: database_url.to_owned(),
        }
    }

    /// The backend of the server's database.
    pub fn backend(&self) -> Backend {
        Backend::of(&self.database_url)
    }

    /// GETs `path` and returns the status and the JSON body.
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let response = self
            .client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path} is answered: {e}"));
        json_of(response, path).await
    }

    /// POSTs `body` as JSON to `path` and returns the status and the JSON body.
    pub async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.send(self.client.post(format!("{}{path}", self.address)).json(body), path).await
    }

    /// [`ApiClient::post`] with owned arguments, for futures run side by side.
    pub async fn post_owned(&self, path: String, body: Value) -> (StatusCode, Value) {
        self.post(&path, &body).await
    }

    /// Sends a prepared request and returns the status and the JSON body.
    pub async fn send(&self, request: reqwest::RequestBuilder, what: &str) -> (StatusCode, Value) {
        let response = request.send().await.unwrap_or_else(|e| panic!("{what} is answered: {e}"));
        json_of(response, what).await
    }

    /// Signs in as one of the demo people (password `demo1234`).
    pub async fn sign_in(&self, login: &str) {
        let (status, body) = self.post("/api/session", &json!({ "login": login, "password": "demo1234" })).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{login} signs in: {body}");
    }

    /// The server's own quote of `selection` for the signed-in caller.
    pub async fn quote(&self, selection: &Value, channel: &str) -> Value {
        let (status, quote) = self.post("/api/quote", &json!({ "selection": selection, "channel": channel })).await;
        assert_eq!(status, StatusCode::OK, "quotes {selection}: {quote}");
        quote
    }

    /// Places an order at its current price with `key`; returns the status and body.
    pub async fn place(&self, selection: &Value, channel: &str, key: &str) -> (StatusCode, Value) {
        let quote = self.quote(selection, channel).await;
        let body = json!({ "selection": selection, "channel": channel, "expected_total": quote["payable"] });
        let request =
            self.client.post(format!("{}/api/orders", self.address)).header("Idempotency-Key", key).json(&body);
        self.send(request, "POST /api/orders").await
    }

    /// Places an order that must succeed, and returns its id.
    pub async fn place_ok(&self, selection: &Value, channel: &str) -> i64 {
        let key = uuid_like();
        let (status, order) = self.place(selection, channel, &key).await;
        assert_eq!(status, StatusCode::CREATED, "order placed: {order}");
        order["id"].as_i64().expect("an order id")
    }

    /// `POST /api/orders/{id}/pay` with `method`: the status and the body.
    pub async fn pay(&self, order_id: i64, method: &str) -> (StatusCode, Value) {
        self.post(&format!("/api/orders/{order_id}/pay"), &json!({ "method": method })).await
    }

    /// Places `selection`, pays it from the balance and waits for its
    /// delivery; returns the delivered order.
    pub async fn buy(&self, selection: &Value, channel: &str) -> Value {
        let id = self.place_ok(selection, channel).await;
        let (status, paid) = self.pay(id, "balance").await;
        assert_eq!(status, StatusCode::OK, "paid {selection}: {paid}");
        self.wait_for_status(id, "delivered").await
    }

    /// `GET /api/orders/{id}`, which must answer 200: the order.
    pub async fn order(&self, order_id: i64) -> Value {
        let (status, order) = self.get(&format!("/api/orders/{order_id}")).await;
        assert_eq!(status, StatusCode::OK, "order {order_id}: {order}");
        order
    }

    /// Polls the order until it reaches `status` (or panics after 10 s).
    pub async fn wait_for_status(&self, order_id: i64, status: &str) -> Value {
        for _ in 0..200 {
            let (_, order) = self.get(&format!("/api/orders/{order_id}")).await;
            if order["status"] == status {
                return order;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("order {order_id} never became {status}");
    }

    /// A direct connection to the server's database, for Arrange and Assert steps.
    pub async fn db(&self) -> Db {
        Db::connect(&self.database_url, 2).await.expect("the test reaches the database")
    }
}

/// The real server binary on `database_url`, armed to crash at `crash_at`
/// when given (`ESIGN_CRASH_AT`); returns the child and, unless it died
/// before listening, its base URL.
pub fn launch(database_url: &str, crash_at: Option<&str>) -> (Child, Option<String>) {
    launch_with(database_url, crash_at, &[])
}

/// [`launch`] with more variables set for the server.
pub fn launch_with(database_url: &str, crash_at: Option<&str>, vars: &[(&str, &str)]) -> (Child, Option<String>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command.envs(vars.iter().copied());
    command
        .env("DATABASE_URL", database_url)
        .env("ESIGN_PORT", "0")
        .env("ESIGN_DIST", "no-dist")
        .env("RUST_LOG", "warn")
        .env("ESIGN_SIGN_IN_PER_LOGIN", "1000000")
        .env("ESIGN_SIGN_IN_PER_ADDRESS", "1000000")
        // A payment the provider took is asked about a second later, and a
        // notification cut off by a kill is sent again soon.
        .env("ESIGN_RECONCILE_AFTER_SECS", "1")
        .env("ESIGN_RECONCILE_INTERVAL_MS", "250")
        .env("ESIGN_SANDBOX_NOTIFY_RETRIES", "150ms,150ms,300ms,1s,2s,5s")
        .env_remove("ESIGN_CRASH_AT")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(step) = crash_at {
        command.env("ESIGN_CRASH_AT", step);
    }
    let mut child = command.spawn().expect("the server binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let url = lines.find_map(|line| {
        line.ok().and_then(|l| l.split_whitespace().find(|w| w.starts_with("http://")).map(str::to_owned))
    });
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (child, url)
}

/// A client of a server started as a process, signed in as `login`.
pub async fn client_of(url: &str, database_url: &str, login: &str) -> ApiClient {
    let app = ApiClient::new(url, database_url);
    app.sign_in(login).await;
    app
}

/// A random lowercase id.
pub fn uuid_like_pub() -> String {
    uuid_like()
}

async fn json_of(response: reqwest::Response, path: &str) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.unwrap_or_else(|e| panic!("{path} answers a body: {e}"));
    let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
    (status, body)
}

/// Sends `request`, raw HTTP/1.1 bytes (head and body), to the server at
/// `address` and returns the answer's status and its body (JSON, or the text
/// as a JSON string; `Null` when empty). Panics when no HTTP answer comes
/// within 10 s.
///
/// The request is written by a task of its own while the answer is read: a
/// server that refuses a body before reading it all (a `Content-Length` over
/// the limit) answers and closes the connection while the client is still
/// writing. The write then fails (EPIPE, ECONNRESET), which is ignored here,
/// where reqwest gives up with "error sending request" and loses the answer.
/// The write half stays open until the answer is in, so a body sent short on
/// purpose is not ended early.
pub async fn raw_exchange(address: &str, request: Vec<u8>) -> (StatusCode, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let host = address.trim_start_matches("http://");
    let stream = tokio::net::TcpStream::connect(host).await.unwrap_or_else(|e| panic!("connects to {host}: {e}"));
    let (mut reader, mut writer) = stream.into_split();
    let writing = tokio::spawn(async move {
        let _ = writer.write_all(&request).await;
        // Returned, not dropped: dropping the half would shut the write side.
        writer
    });

    let mut answer = Vec::new();
    let reading = async {
        let mut chunk = [0u8; 8192];
        while !raw_answer_is_complete(&answer) {
            match reader.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&chunk[..n]),
            }
        }
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), reading).await;
    writing.abort();

    let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") else {
        panic!("no complete HTTP answer head from {host}; got {:?}", String::from_utf8_lossy(&answer));
    };
    let head = String::from_utf8_lossy(&answer[..end]).into_owned();
    let body = &answer[end + 4..];
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse::<u16>().ok())
        .and_then(|code| StatusCode::from_u16(code).ok())
        .unwrap_or_else(|| panic!("no HTTP status line from {host}; got {head:?}"));
    let body = if raw_header(&head, "transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        raw_unchunked(body)
    } else {
        match raw_header(&head, "content-length").and_then(|v| v.parse::<usize>().ok()) {
            Some(length) => body.get(..length).unwrap_or(body).to_vec(),
            None => body.to_vec(),
        }
    };
    let body = String::from_utf8_lossy(&body).into_owned();
    let value = if body.is_empty() { Value::Null } else { serde_json::from_str(&body).unwrap_or(Value::String(body)) };
    (status, value)
}

/// The value of header `name` in an answer's head (case-insensitive).
fn raw_header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

/// Whether `answer` holds a whole head and, by its length or its last
/// chunk, a whole body.
fn raw_answer_is_complete(answer: &[u8]) -> bool {
    let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") else { return false };
    let head = String::from_utf8_lossy(&answer[..end]);
    let body = &answer[end + 4..];
    if raw_header(&head, "transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        return body.starts_with(b"0\r\n\r\n") || body.windows(7).any(|w| w == b"\r\n0\r\n\r\n");
    }
    match raw_header(&head, "content-length").and_then(|v| v.parse::<usize>().ok()) {
        Some(length) => body.len() >= length,
        // Without either, the body ends when the server closes.
        None => false,
    }
}

/// A chunked body, decoded (as far as it is whole).
fn raw_unchunked(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = body.windows(2).position(|w| w == b"\r\n") {
        let size_line = String::from_utf8_lossy(&body[..line_end]);
        let Ok(size) = usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16) else { break };
        let rest = &body[line_end + 2..];
        if size == 0 || rest.len() < size {
            break;
        }
        out.extend_from_slice(&rest[..size]);
        body = rest[size..].strip_prefix(b"\r\n").unwrap_or(&rest[size..]);
    }
    out
}
