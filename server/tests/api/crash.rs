//! FUL-2 under fire: the real server process is killed again and again while
//! buyers place and pay orders: at each named step of a purchase
//! (`ESIGN_CRASH_AT`, which aborts the process as abruptly as `kill -9`) and
//! at moments picked at random (`kill -9` from outside), restarted each time.
//! One buyer of each round pays by WeChat QR code: the payer confirms at
//! the sandbox, whose signed notification (or reconciliation, asking) is
//! settled by the server being killed. Afterwards every payment the
//! provider took is settled, every paid order is delivered exactly once,
//! the balance (debited only by balance payments) and the quota ledger add
//! up to the cent and the contract, and no order is half written.

use crate::helpers::{Backend, client_of, fresh_database, launch};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use server::db::Db;
use std::process::Child;
use std::time::{Duration, Instant};

/// The steps a purchase passes, as `ESIGN_CRASH_AT` names them.
const STEPS: [&str; 6] = [
    "order_writing",
    "order_written",
    "payment_transaction",
    "payment_committed",
    "delivery_claimed",
    "delivery_committing",
];
/// Each step is crashed at on its first, second and third pass, twice over.
const ROUNDS_PER_STEP: usize = 6;
/// Kills at random moments, besides.
const RANDOM_KILLS: usize = 16;
/// Purchases started side by side in each round.
const BUYERS: usize = 3;
/// What the demo enterprise's balance is set to before the rounds.
const BALANCE_FEN: i64 = 100_000_000;

fn pack() -> Value {
    json!({ "addons": [{ "addon": "contract_pack_1k", "quantity": 1 }] })
}

/// A small deterministic generator: the random moments differ from round to
/// round and are the same from run to run.
struct Moments(u64);

impl Moments {
    fn next_ms(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

async fn signed_in(url: &str) -> Option<Client> {
    let client = Client::builder().cookie_store(true).timeout(Duration::from_secs(10)).build().ok()?;
    let answer = client
        .post(format!("{url}/api/session"))
        .json(&json!({ "login": "a-admin", "password": "demo1234" }))
        .send()
        .await
        .ok()?;
    (answer.status() == StatusCode::NO_CONTENT).then_some(client)
}

/// Places and pays one order, from the balance or by WeChat (the payer
/// confirming at the sandbox); false when the server stopped answering midway.
async fn purchase(client: Client, url: String, key: String, payable: Value, wechat: bool) -> bool {
    let body = json!({ "selection": pack(), "channel": "web", "expected_total": payable });
    let Ok(placed) = client.post(format!("{url}/api/orders")).header("Idempotency-Key", key).json(&body).send().await
    else {
        return false;
    };
    let Ok(order) = placed.json::<Value>().await else { return false };
    let Some(id) = order["id"].as_i64() else { return false };
    let method = if wechat { "wechat_pay" } else { "balance" };
    let paid = client.post(format!("{url}/api/orders/{id}/pay")).json(&json!({ "method": method })).send().await;
    let Ok(paid) = paid else { return false };
    if paid.status() != StatusCode::OK {
        return false;
    }
    if !wechat {
        return true;
    }
    let Ok(prompt) = paid.json::<Value>().await else { return false };
    let Some(trade_no) =
        prompt["prompt"]["code_url"].as_str().and_then(|u| u.strip_prefix("weixin://wxpay/bizpayurl?pr="))
    else {
        return false;
    };
    let confirmed = client.post(format!("{url}/api/dev/payments/{trade_no}/confirm")).send().await;
    confirmed.is_ok_and(|answer| answer.status() == StatusCode::OK)
}

async fn count(db: &Db, sql: &str) -> i64 {
    server::db::query_scalar(server::db::AssertSqlSafe(sql.to_owned())).fetch_one(&db.read).await.expect(sql)
}

/// Waits for the process to end by itself (an armed crash), for at most `patience`; true if it did.
async fn ended_within(child: &mut Child, patience: Duration) -> bool {
    let deadline = Instant::now() + patience;
    while Instant::now() < deadline {
        if child.try_wait().expect("waits").is_some() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

fn kill(child: &mut Child) {
    // Already gone after an armed crash: killing it again is harmless.
    let _ = child.kill();
    child.wait().expect("reaped");
}

/// Sets up the demo enterprise with an edition and a large balance; returns its account and a pack's price.
async fn prepare(database_url: &str) -> (i64, Value) {
    let (mut child, url) = launch(database_url, None);
    let url = url.expect("the server prints its URL");
    let app = client_of(&url, database_url, "a-admin").await;
    let (_, me) = app.get("/api/me").await;
    let enterprise = me["acting_enterprise_id"].as_i64().expect("acting as an enterprise");
    let edition = app.place_ok(&json!({ "edition": { "edition": "advanced", "years": 1 } }), "web").await;
    let (status, body) = app.pay(edition, "balance").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.wait_for_status(edition, "delivered").await;
    let pack_quote = app.quote(&pack(), "web").await;
    let db = Db::connect(database_url, 2).await.expect("db");
    kill(&mut child);
    let account: i64 = server::db::query_scalar("SELECT account_id FROM enterprises WHERE id = $1")
        .bind(enterprise)
        .fetch_one(&db.read)
        .await
        .expect("the enterprise's account");
    server::db::query("UPDATE accounts SET balance_fen = $1 WHERE id = $2")
        .bind(BALANCE_FEN)
        .bind(account)
        .execute(&db.write)
        .await
        .expect("balance set");
    (account, pack_quote["payable"].clone())
}

/// One round: a server (armed or not), buyers at work, and its death.
struct Round {
    crash_at: Option<String>,
    /// For an unarmed round: how long after the buyers start it is killed.
    kill_after: Duration,
}

/// What a round's kill caught.
struct Caught {
    armed_crash: bool,
    in_flight: bool,
}

async fn run_round(database_url: &str, db: &Db, number: usize, round: &Round, payable: &Value) -> Caught {
    let (mut child, url) = launch(database_url, round.crash_at.as_deref());
    let mut interrupted = false;
    if let Some(url) = url
        && let Some(client) = signed_in(&url).await
    {
        let buyers = (0..BUYERS).map(|i| {
            let key = format!("round-{number}-{i}");
            let work = purchase(client.clone(), url.clone(), key, payable.clone(), i == 0);
            tokio::spawn(work)
        });
        let buyers: Vec<_> = buyers.collect();
        if round.crash_at.is_none() {
            tokio::time::sleep(round.kill_after).await;
            kill(&mut child);
        }
        for buyer in buyers {
            interrupted |= !buyer.await.expect("the buyer's task");
        }
    }
    let armed_crash = round.crash_at.is_some() && ended_within(&mut child, Duration::from_secs(2)).await;
    kill(&mut child);
    let undelivered = count(db, "SELECT COUNT(*) FROM orders WHERE status IN ('paid', 'delivering')").await;
    Caught { armed_crash, in_flight: interrupted || undelivered > 0 }
}

async fn ful_2_killed_at_every_step_and_at_random_every_paid_order_is_delivered_once(backend: Backend) {
    let database_url = fresh_database(backend).await;
    let (account, payable) = prepare(&database_url).await;
    let db = Db::connect(&database_url, 2).await.expect("db");
    let first_order = count(&db, "SELECT MAX(id) FROM orders").await;

    let mut moments = Moments(0x9E37_79B9_7F4A_7C15);
    let mut rounds: Vec<Round> = (0..ROUNDS_PER_STEP)
        .flat_map(|pass| {
            STEPS.map(|step| Round { crash_at: Some(format!("{step}:{}", pass % 3 + 1)), kill_after: Duration::ZERO })
        })
        .collect();
    rounds.extend(
        (0..RANDOM_KILLS).map(|_| Round { crash_at: None, kill_after: Duration::from_millis(moments.next_ms(120)) }),
    );
    let (mut armed, mut in_flight) = (0, 0);
    for (number, round) in rounds.iter().enumerate() {
        let caught = run_round(&database_url, &db, number, round, &payable).await;
        armed += usize::from(caught.armed_crash);
        in_flight += usize::from(caught.in_flight);
    }
    println!(
        "{backend:?}: {} kills ({armed} at an armed step, {RANDOM_KILLS} at random moments); {in_flight} caught work in flight",
        rounds.len()
    );
    assert!(rounds.len() >= 50);
    assert!(armed >= STEPS.len() * ROUNDS_PER_STEP / 2, "most armed steps were reached: {armed}");
    assert!(in_flight >= rounds.len() / 2, "the kills caught work in flight: {in_flight}");

    // A last server, left alone, finishes what the kills interrupted: it
    // settles what the provider took (told again, or asking) and delivers.
    let (mut child, _) = launch(&database_url, None);
    let settled = Instant::now() + Duration::from_secs(30);
    let taken_unsettled = "SELECT COUNT(*) FROM sandbox_payments s JOIN payments p ON p.out_trade_no = s.out_trade_no \
         JOIN orders o ON o.id = p.order_id WHERE s.status = 'paid' AND o.paid_at IS NULL";
    while count(&db, "SELECT COUNT(*) FROM orders WHERE status IN ('paid', 'delivering')").await > 0
        || count(&db, taken_unsettled).await > 0
    {
        assert!(Instant::now() < settled, "every payment taken is settled and every paid order delivered in the end");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    kill(&mut child);
    let by_wechat = count(
        &db,
        &format!(
            "SELECT COUNT(*) FROM orders o JOIN payments p ON p.order_id = o.id \
             WHERE o.id > {first_order} AND o.paid_at IS NOT NULL AND p.method <> 'balance' AND p.transaction_id IS NOT NULL"
        ),
    )
    .await;
    println!("{backend:?}: {by_wechat} orders paid by WeChat through the notifications and reconciliation");
    assert!(by_wechat > 0, "some orders were paid by WeChat");

    let mine = format!("id > {first_order}");
    let paid = count(&db, &format!("SELECT COUNT(*) FROM orders WHERE {mine} AND paid_at IS NOT NULL")).await;
    assert!(paid > 0, "some purchases went through");
    assert_eq!(
        count(
            &db,
            &format!("SELECT COUNT(*) FROM orders WHERE {mine} AND paid_at IS NOT NULL AND status <> 'delivered'")
        )
        .await,
        0,
        "every paid order is delivered"
    );
    assert_eq!(
        count(
            &db,
            &format!("SELECT COUNT(*) FROM orders WHERE {mine} AND paid_at IS NULL AND status <> 'awaiting_payment'")
        )
        .await,
        0,
        "an unpaid order is only awaiting payment"
    );
    // Exactly once: one grant, one finished job, one delivery in the audit log per paid order; none for the others.
    let grants_of_paid = format!(
        "SELECT COUNT(*) FROM quota_grants g JOIN orders o ON o.id = g.order_id WHERE o.{mine} AND o.paid_at IS NOT NULL"
    );
    assert_eq!(count(&db, &grants_of_paid).await, paid, "one grant per paid order");
    let grants_of_unpaid = format!(
        "SELECT COUNT(*) FROM quota_grants g JOIN orders o ON o.id = g.order_id WHERE o.{mine} AND o.paid_at IS NULL"
    );
    assert_eq!(count(&db, &grants_of_unpaid).await, 0, "nothing delivered unpaid");
    let jobs = format!("SELECT COUNT(*) FROM delivery_jobs WHERE order_id > {first_order} AND done_at IS NOT NULL");
    assert_eq!(count(&db, &jobs).await, paid, "one finished delivery job per paid order");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM delivery_jobs WHERE done_at IS NULL").await, 0);
    let audited =
        |event: &str| format!("SELECT COUNT(*) FROM audit_log WHERE order_id > {first_order} AND event = '{event}'");
    assert_eq!(count(&db, &audited("order.paid")).await, paid);
    assert_eq!(count(&db, &audited("order.delivered")).await, paid);
    // The ledger to the contract and the balance to the cent.
    let contracts = count(
        &db,
        &format!(
            "SELECT CAST(COALESCE(SUM(g.amount), 0) AS BIGINT) FROM quota_grants g JOIN orders o ON o.id = g.order_id WHERE o.{mine}"
        ),
    )
    .await;
    assert_eq!(contracts, 1_000 * paid, "a thousand contracts per paid pack");
    let spent = count(
        &db,
        &format!(
            "SELECT CAST(COALESCE(SUM(payable_fen), 0) AS BIGINT) FROM orders o WHERE o.{mine} AND o.paid_at IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.method <> 'balance' \
             AND p.transaction_id IS NOT NULL)"
        ),
    )
    .await;
    let balance = count(&db, &format!("SELECT balance_fen FROM accounts WHERE id = {account}")).await;
    assert_eq!(balance, BALANCE_FEN - spent, "each order paid from the balance debited once, none paid by WeChat");
    // No half-written order: each has its key, its placing in the audit log; no key is left without its order.
    let placed = count(&db, &format!("SELECT COUNT(*) FROM orders WHERE {mine}")).await;
    assert_eq!(
        count(&db, &format!("SELECT COUNT(*) FROM idempotency_keys WHERE order_id > {first_order}")).await,
        placed
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM idempotency_keys WHERE order_id IS NULL").await, 0);
    assert_eq!(count(&db, &audited("order.placed")).await, placed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ful_2_killed_at_every_step_and_at_random_every_paid_order_is_delivered_once_sqlite() {
    ful_2_killed_at_every_step_and_at_random_every_paid_order_is_delivered_once(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ful_2_killed_at_every_step_and_at_random_every_paid_order_is_delivered_once_postgres() {
    ful_2_killed_at_every_step_and_at_random_every_paid_order_is_delivered_once(Backend::Postgres).await;
}
