//! The parity run (PRI-1): the carts of `wasm_bench::parity`, quoted by the
//! domain compiled to wasm inside headless Chromium and by the real server's
//! `POST /api/quote` over loopback, answer for answer.
//!
//! Each scenario is stored as the server stores accounts (edition term,
//! integration, trial flag, vouchers) and the server's clock is set to its
//! moment; the page then prices with what the app has: the catalog from
//! `GET /api/catalog`, the buyer from `GET /api/me`, the server's `now`.
//! The page hands back one digest of each whole answer (lines, totals,
//! notes, refusal reasons) and the server's answers are digested alike; a
//! cart whose digests differ is fetched whole from both sides and reported
//! with the seed, scenario and cart that replay it.

use api_types::QuoteRequest;
use axum::Router;
use fantoccini::Client;
use server::clock::{Clock, ManualClock};
use server::db::Pool;
use server::{Application, Settings};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tower_http::services::ServeDir;
use wasm_bench::parity::{Answer, Cart, LOGINS, Scenario, digest};

/// The demo people's password (the server's seed).
const PASSWORD: &str = "demo1234";
/// Requests in flight to the server, each on a kept-alive connection.
const CONCURRENCY: u32 = 16;
/// Carts the page quotes per call.
const PAGE_BATCH: u32 = 5_000;
/// Mismatches kept whole for the report (all are counted).
const KEPT: usize = 10;

/// What to run: scenarios × carts of one seed.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub seed: u32,
    pub scenarios: u32,
    pub carts_per_scenario: u32,
}

/// A cart the two sides answered differently.
#[derive(Debug)]
pub struct Mismatch {
    pub seed: u32,
    pub scenario_index: u32,
    pub cart_index: u32,
    pub scenario: Scenario,
    pub cart: Cart,
    pub wasm: serde_json::Value,
    pub server: Answer,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = serde_json::json!({
            "replay": { "seed": self.seed, "scenario": self.scenario_index, "cart": self.cart_index },
            "scenario": self.scenario,
            "cart": self.cart,
            "wasm": self.wasm,
            "server": self.server,
        });
        write!(f, "{}", serde_json::to_string_pretty(&shown).unwrap_or_default())
    }
}

/// What a run found.
#[derive(Debug, Default)]
pub struct Outcome {
    pub carts: u64,
    pub mismatches: u64,
    /// The first mismatches, whole.
    pub kept: Vec<Mismatch>,
    /// How the server answered: `quoted`, or each refusal's first code.
    pub answers: BTreeMap<String, u64>,
    pub took: Duration,
}

/// A signed-in demo person and the account they act for.
struct Person {
    cookie: String,
    account_id: i64,
}

/// Runs `plan` in the browser behind `client` against a fresh server, with
/// the wasm page built into `page_dir`.
pub async fn run(client: Client, page_dir: PathBuf, plan: Plan) -> Outcome {
    let page = serve(&page_dir).await;
    let dir = tempfile::tempdir().expect("a temp dir");
    let clock = Arc::new(ManualClock::new(Scenario::draw(plan.seed.into(), 0).now));
    let settings = Settings::local(format!("sqlite://{}/esign.sqlite", dir.path().display()), dir.path());
    let app = Application::build_with_clock(settings, clock.clone()).await.expect("the server starts");
    let base = format!("http://127.0.0.1:{}", app.port());
    let db = app.state().db.write.clone();
    tokio::spawn(app.run_until_stopped());
    let http = reqwest::Client::builder().pool_max_idle_per_host(CONCURRENCY as usize).build().expect("a client");
    let catalog_json = http.get(format!("{base}/api/catalog")).send().await.expect("GET /api/catalog");
    let catalog_json = catalog_json.text().await.expect("the catalog");
    let catalog: domain::Catalog = serde_json::from_str(&catalog_json).expect("the catalog parses");
    let mut people = BTreeMap::new();
    for login in LOGINS {
        people.insert(login, sign_in(&http, &base, &db, login).await);
    }

    client.goto(&format!("{page}/index.html")).await.expect("the wasm page opens");
    let long = Duration::from_secs(600);
    client
        .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(Some(long), Some(long), None))
        .await
        .expect("the browser takes the timeouts");

    let started = Instant::now();
    let mut outcome = Outcome::default();
    for index in 0..plan.scenarios {
        let scenario = Scenario::draw(plan.seed.into(), index.into());
        let person = &people[scenario.login.as_str()];
        arrange(&db, person.account_id, &scenario).await;
        clock.advance(scenario.now - clock.now());
        let buyer = get_json(&http, &format!("{base}/api/me"), &person.cookie).await["buyer"].to_string();

        let carts: Arc<Vec<Cart>> = Arc::new(
            (0..plan.carts_per_scenario)
                .map(|n| scenario.cart(plan.seed.into(), index.into(), n.into(), &catalog))
                .collect(),
        );
        let in_wasm = page_digests(&client, &catalog_json, &buyer, plan, index);
        let on_server = server_answers(&http, &base, &person.cookie, Arc::clone(&carts));
        let (in_wasm, on_server) = tokio::join!(in_wasm, on_server);

        for (n, (wasm, server)) in in_wasm.iter().zip(&on_server).enumerate() {
            outcome.carts += 1;
            *outcome.answers.entry(kind(server)).or_default() += 1;
            if *wasm == digest(server) {
                continue;
            }
            outcome.mismatches += 1;
            if outcome.kept.len() < KEPT {
                let cart_index = u32::try_from(n).expect("a cart index");
                let wasm = page_answer(&client, &catalog_json, &buyer, plan.seed, index, cart_index).await;
                outcome.kept.push(Mismatch {
                    seed: plan.seed,
                    scenario_index: index,
                    cart_index,
                    scenario: scenario.clone(),
                    cart: carts[n].clone(),
                    wasm,
                    server: server.clone(),
                });
            }
        }
        assert_eq!(in_wasm.len(), on_server.len(), "both sides answered every cart of scenario {index}");
    }
    outcome.took = started.elapsed();
    outcome
}

/// Serves the built wasm page on a free loopback port.
async fn serve(dir: &Path) -> String {
    assert!(
        dir.join("index.html").is_file() && dir.join("pkg/wasm_bench_bg.wasm").is_file(),
        "no wasm page in {}: `cargo xtask test` builds it (or `cargo xtask bench --only parity`)",
        dir.display()
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let port = listener.local_addr().expect("its address").port();
    let router = Router::new().fallback_service(ServeDir::new(dir));
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://127.0.0.1:{port}")
}

async fn sign_in(http: &reqwest::Client, base: &str, db: &Pool, login: &str) -> Person {
    let body = serde_json::json!({ "login": login, "password": PASSWORD });
    let response = http.post(format!("{base}/api/session")).json(&body).send().await.expect("POST /api/session");
    assert!(response.status().is_success(), "{login} signs in: {}", response.status());
    let cookie = response
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let me = get_json(http, &format!("{base}/api/me"), &cookie).await;
    let identity = &me["buyer"]["identity"];
    let (sql, id) = match identity["enterprise_id"].as_i64() {
        Some(enterprise) => ("SELECT account_id FROM enterprises WHERE id = $1", enterprise),
        None => ("SELECT account_id FROM persons WHERE id = $1", identity["person_id"].as_i64().expect("a person")),
    };
    let account_id = server::db::query_scalar(sql).bind(id).fetch_one(db).await.expect("the acting account");
    Person { cookie, account_id }
}

/// Stores the scenario's account as the server's repositories do, and keeps
/// the sessions open whatever the clock shows next.
async fn arrange(db: &Pool, account_id: i64, scenario: &Scenario) {
    let ms = |at: domain::Instant| at.timestamp_millis();
    let term = scenario.account.edition.as_ref();
    let name = |e: &domain::Edition| serde_json::to_value(e).ok().and_then(|v| v.as_str().map(str::to_owned));
    server::db::query(
        "UPDATE accounts SET edition = $1, edition_starts_at = $2, edition_expires_at = $3, edition_trial = $4, \
         integration_until = $5, trial_used = $6 WHERE id = $7",
    )
    .bind(term.and_then(|t| name(&t.edition)))
    .bind(term.map(|t| ms(t.starts_at)))
    .bind(term.map(|t| ms(t.expires_at)))
    .bind(i64::from(term.is_some_and(|t| t.trial)))
    .bind(scenario.account.integration_until.map(ms))
    .bind(i64::from(scenario.account.trial_used))
    .bind(account_id)
    .execute(db)
    .await
    .expect("the account is arranged");
    server::db::query("DELETE FROM vouchers WHERE account_id = $1")
        .bind(account_id)
        .execute(db)
        .await
        .expect("cleared");
    for v in &scenario.vouchers {
        server::db::query(
            "INSERT INTO vouchers (id, account_id, face_fen, min_spend_fen, scope, expires_at, used_by_order) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&v.id)
        .bind(account_id)
        .bind(v.face_value.to_fen().expect("a face in fen"))
        .bind(v.min_spend.map(|m| m.to_fen().expect("a minimum in fen")))
        .bind(v.scope.as_ref().map(|s| serde_json::to_string(s).expect("a scope")))
        .bind(ms(v.expires_at))
        // Spent on an order the run never reads.
        .bind(v.used.then_some(0_i64))
        .execute(db)
        .await
        .expect("a voucher is arranged");
    }
    // Open until the last millisecond of 9999: past every scenario's clock,
    // and still an instant the server can read back.
    server::db::query("UPDATE sessions SET expires_at = $1, last_seen_at = NULL")
        .bind(253_402_300_799_999_i64)
        .execute(db)
        .await
        .expect("the sessions stay open");
}

async fn get_json(http: &reqwest::Client, url: &str, cookie: &str) -> serde_json::Value {
    let response = http.get(url).header(reqwest::header::COOKIE, cookie).send().await.expect("GET");
    assert!(response.status().is_success(), "GET {url}: {}", response.status());
    response.json().await.expect("JSON")
}

/// The server's answers, in cart order, `CONCURRENCY` requests at a time.
async fn server_answers(http: &reqwest::Client, base: &str, cookie: &str, carts: Arc<Vec<Cart>>) -> Vec<Answer> {
    let next = Arc::new(AtomicU32::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..CONCURRENCY {
        let (http, url, cookie) = (http.clone(), format!("{base}/api/quote"), cookie.to_owned());
        let (next, carts) = (Arc::clone(&next), Arc::clone(&carts));
        workers.spawn(async move {
            let mut answered = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed) as usize;
                let Some(cart) = carts.get(n) else { return answered };
                let body = QuoteRequest { selection: cart.selection.clone(), channel: cart.channel };
                let response =
                    http.post(&url).header(reqwest::header::COOKIE, &cookie).json(&body).send().await.expect("POST");
                let status = response.status().as_u16();
                let body = response.bytes().await.expect("the answer's body");
                answered.push((n, server_answer(status, &body)));
            }
        });
    }
    let mut answers: Vec<Option<Answer>> = vec![None; carts.len()];
    while let Some(done) = workers.join_next().await {
        for (n, answer) in done.expect("a quoting worker") {
            answers[n] = Some(answer);
        }
    }
    answers.into_iter().map(|a| a.expect("every cart answered")).collect()
}

/// The server's answer as the app reads it: the quote, or the `reasons` of
/// a refusal (`{code, message, reasons}`); any other answer is a failure.
fn server_answer(status: u16, body: &[u8]) -> Answer {
    let failed = || Answer::Failed { status, body: String::from_utf8_lossy(body).into_owned() };
    if status == 200 {
        return serde_json::from_slice(body).map_or_else(|_| failed(), |quote| Answer::Quoted { quote });
    }
    let Ok(error) = serde_json::from_slice::<serde_json::Value>(body) else { return failed() };
    match serde_json::from_value::<Vec<domain::DomainError>>(error["reasons"].clone()) {
        Ok(reasons) if !reasons.is_empty() => Answer::Refused { reasons },
        _ => failed(),
    }
}

fn kind(answer: &Answer) -> String {
    match answer {
        Answer::Quoted { .. } => "quoted".to_owned(),
        Answer::Refused { reasons } => {
            serde_json::to_value(reasons[0].code).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
        }
        Answer::Failed { status, .. } => format!("failed {status}"),
    }
}

/// The page's digests of the scenario's carts, in cart order.
async fn page_digests(client: &Client, catalog: &str, buyer: &str, plan: Plan, scenario: u32) -> Vec<u64> {
    let mut digests = Vec::with_capacity(plan.carts_per_scenario as usize);
    let mut first = 0;
    while first < plan.carts_per_scenario {
        let count = PAGE_BATCH.min(plan.carts_per_scenario - first);
        let args = vec![catalog.into(), buyer.into(), plan.seed.into(), scenario.into(), first.into(), count.into()];
        let result = client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 window.parityDigests(...Array.from(arguments).slice(0, 6)).then(done, (e) => done({ error: String(e) }));",
                args,
            )
            .await
            .expect("the page quotes");
        let text = result.as_str().unwrap_or_else(|| panic!("the page failed on scenario {scenario}: {result}"));
        digests.extend(text.lines().map(|d| u64::from_str_radix(d, 16).expect("a hex digest")));
        first += count;
    }
    digests
}

/// The page's whole answer for one cart.
async fn page_answer(
    client: &Client,
    catalog: &str,
    buyer: &str,
    seed: u32,
    scenario: u32,
    cart: u32,
) -> serde_json::Value {
    let args = vec![catalog.into(), buyer.into(), seed.into(), scenario.into(), cart.into()];
    let result = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.parityAnswer(...Array.from(arguments).slice(0, 5)).then(done, (e) => done({ error: String(e) }));",
            args,
        )
        .await
        .expect("the page answers");
    result.as_str().and_then(|s| serde_json::from_str(s).ok()).unwrap_or(result)
}
