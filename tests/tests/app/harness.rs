//! The real server on a free port, a request-counting proxy in front of it
//! (the browser talks only to the proxy), the demo people, and what the
//! domain says a buyer should be quoted.

use domain::{Buyer, Catalog, Channel, Context, Instant, Selection};
use reqwest::header::{COOKIE, SET_COOKIE};
use server::{Application, Settings};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Every demo person's password (the server's seed).
pub const DEMO_PASSWORD: &str = "demo1234";

/// The built app: `ESIGN_DIST` when set (as for the server), else the
/// workspace's `dist/`, which `cargo xtask test` builds before the tests run.
pub fn dist() -> PathBuf {
    let dist = std::env::var_os("ESIGN_DIST")
        .map_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../dist")), PathBuf::from);
    assert!(
        dist.join("index.html").is_file() && dist.join("pkg/app_bg.wasm").is_file(),
        "no built app in {}: run `cargo xtask dist` first",
        dist.display()
    );
    dist
}

/// Where screenshots go: `target/e2e-artifacts/`.
pub fn artifacts() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target")), PathBuf::from);
    let dir = target.join("e2e-artifacts");
    std::fs::create_dir_all(&dir).expect("the artifacts folder");
    dir
}

/// A server with its own fresh database, and the counting proxy the browser uses.
pub struct TestServer {
    /// The server itself, for the test's own HTTP calls.
    pub direct: String,
    /// Its database, for the rare test that arranges a state no request
    /// can reach (as a restored backup or a second server could leave it).
    pub database_url: String,
    /// The proxy in front of it: the browser's base URL.
    pub base: String,
    requests: Arc<AtomicU64>,
    log: Arc<Mutex<Vec<String>>>,
    /// What browsers reported breaking the server's security policy.
    csp_reports: Arc<Mutex<VecDeque<String>>>,
}

/// Every page a test visited ran under the security headers: a violation
/// the browser reported fails the test that caused it.
impl Drop for TestServer {
    fn drop(&mut self) {
        let reports: Vec<String> = self.csp_reports.lock().map(|r| r.iter().cloned().collect()).unwrap_or_default();
        if !std::thread::panicking() {
            assert!(reports.is_empty(), "the pages broke the content security policy: {reports:#?}");
        }
    }
}

impl TestServer {
    /// Starts the server on a free port (development mode: demo data, the
    /// payment sandbox's payer pages) and a counting proxy in front of it.
    pub async fn start() -> TestServer {
        // The folder outlives the test process's server: the OS cleans temp.
        let dir = tempfile::tempdir().expect("a temp dir").keep();
        let database_url = format!("sqlite://{}/esign.sqlite", dir.display());
        let settings = Settings::local(database_url.clone(), dist());
        let app = Application::build(settings).await.expect("the server starts");
        let port = app.port();
        let csp_reports = Arc::clone(&app.state().csp_reports);
        tokio::spawn(app.run_until_stopped());
        let requests = Arc::new(AtomicU64::new(0));
        let log = Arc::new(Mutex::new(Vec::new()));
        let proxy = counting_proxy(port, Arc::clone(&requests), Arc::clone(&log)).await;
        TestServer {
            direct: format!("http://127.0.0.1:{port}"),
            database_url,
            base: format!("http://127.0.0.1:{proxy}"),
            requests,
            log,
            csp_reports,
        }
    }

    /// The policy violations the browser has reported so far, taken: a test
    /// that provokes one on purpose takes it before the server is dropped.
    pub fn take_csp_reports(&self) -> Vec<String> {
        self.csp_reports.lock().map(|mut r| r.drain(..).collect()).unwrap_or_default()
    }

    /// How many HTTP requests the browser has sent to the server so far,
    /// counted by the proxy, outside the app.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }

    /// The request lines seen so far, for failure messages.
    pub fn request_log(&self) -> Vec<String> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// The catalog on sale.
    pub async fn catalog(&self) -> Catalog {
        let response = reqwest::get(format!("{}/api/catalog", self.direct)).await.expect("GET /api/catalog");
        response.json().await.expect("the catalog parses and its version matches its content")
    }

    /// Signs `login` in (outside the browser) and returns the buyer the
    /// server loads for them, acting as `/api/me` says.
    pub async fn buyer(&self, login: &str) -> Buyer {
        serde_json::from_value(self.me(login).await["buyer"].clone()).expect("the buyer parses")
    }

    /// The enterprise id of the membership of `login` whose name contains `name`.
    pub async fn enterprise_id(&self, login: &str, name: &str) -> i64 {
        let me = self.me(login).await;
        me["memberships"]
            .as_array()
            .and_then(|all| all.iter().find(|m| m["enterprise_name"].as_str().is_some_and(|n| n.contains(name))))
            .and_then(|m| m["enterprise_id"].as_i64())
            .unwrap_or_else(|| panic!("{login} joined {name}: {me}"))
    }

    /// `GET /api/me` for `login`, signed in outside the browser.
    pub async fn me(&self, login: &str) -> serde_json::Value {
        self.signed_in(login).await.get("/api/me").await.1
    }

    /// `login`, signed in outside the browser, for the test's own calls.
    pub async fn signed_in(&self, login: &str) -> Http {
        let client = reqwest::Client::new();
        let response = client
            .post(format!("{}/api/session", self.direct))
            .json(&serde_json::json!({ "login": login, "password": DEMO_PASSWORD }))
            .send()
            .await
            .expect("POST /api/session");
        assert!(response.status().is_success(), "{login} signs in: {}", response.status());
        let cookie = session_cookie(&response).expect("a session cookie");
        Http { client, cookie: Mutex::new(cookie), base: self.direct.clone() }
    }

    /// The newest verification code texted to `phone` (the sandbox SMS outbox, development only).
    pub async fn last_code(&self, phone: &str) -> String {
        let url = format!("{}/api/dev/sms-outbox?phone={phone}", self.direct);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let messages: serde_json::Value =
                reqwest::get(&url).await.expect("GET the SMS outbox").json().await.expect("the outbox is JSON");
            if let Some(text) = messages[0]["text"].as_str() {
                return text.chars().filter(char::is_ascii_digit).take(6).collect();
            }
            assert!(std::time::Instant::now() < deadline, "a message to {phone}: {messages}");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}

/// The `esign_session=…` pair a `Set-Cookie` answer carries, if any.
fn session_cookie(response: &reqwest::Response) -> Option<String> {
    let pair = response.headers().get(SET_COOKIE)?.to_str().ok()?.split(';').next()?;
    (pair.len() > "esign_session=".len()).then(|| pair.to_owned())
}

/// A signed-in person's HTTP calls to the server, outside the browser. The
/// session cookie follows what the server sets (a new token at an identity
/// switch), as a browser's would.
pub struct Http {
    client: reqwest::Client,
    cookie: Mutex<String>,
    base: String,
}

impl Http {
    fn cookie(&self) -> String {
        self.cookie.lock().map(|c| c.clone()).unwrap_or_default()
    }

    async fn read(&self, response: reqwest::Response) -> (u16, serde_json::Value) {
        if let Some(fresh) = session_cookie(&response)
            && let Ok(mut cookie) = self.cookie.lock()
        {
            *cookie = fresh;
        }
        (response.status().as_u16(), response.json().await.expect("a JSON answer"))
    }

    /// `GET path`: the status and the JSON body.
    pub async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        let response =
            self.client.get(format!("{}{path}", self.base)).header(COOKIE, self.cookie()).send().await.expect("GET");
        self.read(response).await
    }

    /// `POST path` with a JSON body (and an idempotency key, which only orders read).
    pub async fn post(&self, path: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
        self.send(reqwest::Method::POST, path, body).await
    }

    /// `PUT path` with a JSON body.
    pub async fn put(&self, path: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
        self.send(reqwest::Method::PUT, path, body).await
    }

    /// Places an order for `selection` on the web console at the amount the
    /// server quotes for it now; returns the order.
    pub async fn place(&self, selection: &serde_json::Value) -> serde_json::Value {
        let (status, quote) =
            self.post("/api/quote", &serde_json::json!({ "selection": selection, "channel": "web" })).await;
        assert_eq!(status, 200, "{selection} is quoted: {quote}");
        let body = serde_json::json!({ "selection": selection, "channel": "web", "expected_total": quote["payable"] });
        let (status, order) = self.post("/api/orders", &body).await;
        assert_eq!(status, 201, "{selection} is ordered: {order}");
        order
    }

    /// `POST /api/orders/{id}/pay` with `method`.
    pub async fn pay(&self, id: i64, method: &str) -> (u16, serde_json::Value) {
        self.post(&format!("/api/orders/{id}/pay"), &serde_json::json!({ "method": method })).await
    }

    /// Places `selection`, pays it from the balance and waits until it is delivered.
    pub async fn buy(&self, selection: &serde_json::Value) -> i64 {
        let id = self.place(selection).await["id"].as_i64().expect("an order id");
        let (status, paid) = self.pay(id, "balance").await;
        assert_eq!(status, 200, "{selection} is paid: {paid}");
        self.wait_for_order(id, "delivered", |o| o["status"] == "delivered").await;
        id
    }

    /// `GET /api/orders/{id}` until `check` holds of it (`what` names it for the failure).
    pub async fn wait_for_order(
        &self,
        id: i64,
        what: &str,
        check: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let (status, order) = self.get(&format!("/api/orders/{id}")).await;
            assert_eq!(status, 200, "order {id}: {order}");
            if check(&order) {
                return order;
            }
            assert!(std::time::Instant::now() < deadline, "order {id} is {what}: {order}");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
        let key = format!("e2e-{}", SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
        let response = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header(COOKIE, self.cookie())
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .await
            .expect("POST");
        self.read(response).await
    }
}

/// Now, for the domain, to the millisecond as the server keeps time: cut
/// to the second it could fall before a term the server started within
/// that second, and a price over whole days would count one day more.
pub fn now() -> Instant {
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).expect("the clock is after 1970");
    let millis = i64::try_from(since_epoch.as_millis()).expect("milliseconds fit");
    Instant::from_timestamp_millis(millis).expect("a valid instant")
}

/// The amount due `domain::quote` gives `buyer` on the web console, as the page shows it.
pub fn expected_total(catalog: &Catalog, buyer: &Buyer, selection: &Selection) -> String {
    let ctx = Context { catalog, buyer, channel: Channel::Web, now: now() };
    let quote = domain::quote(&ctx, selection).expect("the selection can be bought");
    yuan(&quote.payable.to_string())
}

/// An amount as the app shows it: "59200.00" → "¥59,200.00".
pub fn yuan(amount: &str) -> String {
    let (whole, fraction) = amount.split_once('.').unwrap_or((amount, "00"));
    let digits: Vec<char> = whole.chars().collect();
    let mut grouped = String::new();
    for (i, c) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(*c);
    }
    format!("¥{grouped}.{fraction}")
}

/// A TCP proxy that counts the HTTP requests passing through it. It reads
/// each request's head (and skips its body by Content-Length) and passes
/// every byte on unchanged, both ways; answers (including event streams)
/// are not parsed at all.
async fn counting_proxy(upstream: u16, requests: Arc<AtomicU64>, log: Arc<Mutex<Vec<String>>>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port for the proxy");
    let port = listener.local_addr().expect("its address").port();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let (requests, log) = (Arc::clone(&requests), Arc::clone(&log));
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)).await else { return };
                let (mut from_client, mut to_server) = (client, server);
                let (mut client_read, mut client_write) = from_client.split();
                let (mut server_read, mut server_write) = to_server.split();
                let upstream = async {
                    let _ = forward_requests(&mut client_read, &mut server_write, &requests, &log).await;
                    let _ = server_write.shutdown().await;
                };
                let downstream = async {
                    let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
                    let _ = client_write.shutdown().await;
                };
                tokio::join!(upstream, downstream);
            });
        }
    });
    port
}

async fn forward_requests<R, W>(
    from: &mut R,
    to: &mut W,
    requests: &AtomicU64,
    log: &Mutex<Vec<String>>,
) -> std::io::Result<()>
where
    R: AsyncReadExt + Unpin,
    W: AsyncWriteExt + Unpin,
{
    let mut buffer: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        // One request head.
        let end = loop {
            if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            let n = from.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buffer.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buffer[..end]).to_string();
        requests.fetch_add(1, Ordering::SeqCst);
        if let (Ok(mut log), Some(line)) = (log.lock(), head.lines().next()) {
            log.push(line.to_owned());
        }
        let length: usize = head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
            .and_then(|(_, value)| value.trim().parse().ok())
            .unwrap_or(0);
        to.write_all(&buffer[..end]).await?;
        buffer.drain(..end);
        // Its body.
        let mut left = length;
        let from_buffer = left.min(buffer.len());
        to.write_all(&buffer[..from_buffer]).await?;
        buffer.drain(..from_buffer);
        left -= from_buffer;
        while left > 0 {
            let n = from.read(&mut chunk[..left.min(8192)]).await?;
            if n == 0 {
                return Ok(());
            }
            to.write_all(&chunk[..n]).await?;
            left -= n;
        }
        to.flush().await?;
    }
}
