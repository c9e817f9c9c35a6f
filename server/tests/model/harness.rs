//! The real server on 127.0.0.1:0 (one per database, shared by every
//! sequence), each sequence's own fresh accounts written straight into its
//! database, and the HTTP clients and database reads the steps use.

use crate::books::T;
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::clock::{ManualClock, to_ms};
use server::db::Db;
use server::{AppState, Application, Settings};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub const PASSWORD: &str = "model-test";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh, empty database, as `server/tests/api/helpers.rs` makes one.
pub async fn fresh_database(backend: Backend) -> String {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("a temp dir").keep();
            format!("sqlite://{}/esign.sqlite", dir.display())
        }
        Backend::Postgres => {
            let admin = std::env::var("DATABASE_URL_PG")
                .expect("DATABASE_URL_PG names the test PostgreSQL server: run the tests with `cargo xtask test`");
            let name = format!("esign_model_{}", random_name());
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

fn random_name() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..12).map(|_| char::from(b'a' + rng.gen_range(0..26))).collect()
}

/// One server, its clock, state and a connection of the test's own.
pub struct Server {
    pub address: String,
    pub clock: Arc<ManualClock>,
    pub state: AppState,
    pub db: Db,
    hash: String,
    next: AtomicU64,
}

impl Server {
    pub async fn start(backend: Backend) -> Server {
        let database_url = fresh_database(backend).await;
        // Whole seconds: every instant the server stores (milliseconds) is then exact.
        let start = chrono::DateTime::from_timestamp(chrono::Utc::now().timestamp(), 0).expect("now");
        let clock = Arc::new(ManualClock::new(start));
        let mut settings = Settings::local(database_url.clone(), "no-dist-in-model-tests");
        // The test drives reconciliation and notifications itself.
        settings.reconcile_interval_ms = 86_400_000;
        settings.reconcile_after_secs = 0;
        settings.sandbox_notify = false;
        settings.database_max_connections = 8;
        let app = Application::build_with_clock(settings, clock.clone()).await.expect("the server starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let state = app.state().clone();
        tokio::spawn(app.run_until_stopped());
        let db = Db::connect(&database_url, 4).await.expect("the test database");
        let hash = server::password::hash_password(PASSWORD).expect("a hash");
        Server { address, clock, state, db, hash, next: AtomicU64::new(0) }
    }

    pub fn now(&self) -> T {
        use server::clock::Clock;
        self.clock.now()
    }

    /// Sessions last 7 days of the server's clock and end when unused; the
    /// model moves it by years, so the test keeps its own sessions open.
    pub async fn keep_sessions(&self, people: &[i64]) {
        let until = to_ms(self.now() + chrono::TimeDelta::days(7));
        for p in people {
            server::db::query("UPDATE sessions SET expires_at = $1, last_seen_at = $2 WHERE person_id = $3")
                .bind(until)
                .bind(to_ms(self.now()))
                .bind(*p)
                .execute(&self.db.write)
                .await
                .expect("sessions kept");
        }
    }

    /// The sequence's accounts: a verified enterprise E with its super
    /// admin, an unverified enterprise U, and a person P who is staff of E
    /// and super admin of U (like the demo `p-chen`), buying personally.
    pub async fn fixture(&self, opening: &crate::steps::Opening) -> Fixture {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let tag = format!("{}{n}", random_name());
        let now = self.now();
        let mut tx = self.db.begin().await.expect("tx");
        let (ed, starts, expires) = match opening.edition {
            Some((ed, days)) => (
                Some(ed.name()),
                Some(to_ms(now - chrono::TimeDelta::days(30))),
                Some(to_ms(now + chrono::TimeDelta::days(i64::from(days)) + chrono::TimeDelta::hours(5))),
            ),
            None => (None, None, None),
        };
        let e_account: i64 = server::db::query_scalar(
            "INSERT INTO accounts (kind, balance_fen, edition, edition_starts_at, edition_expires_at, grants_issued) \
             VALUES ('enterprise', $1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(opening.balance_fen())
        .bind(ed)
        .bind(starts)
        .bind(expires)
        .bind(i64::from(ed.is_some()))
        .fetch_one(&mut *tx)
        .await
        .expect("E's account");
        if let Some(expires) = expires {
            server::db::query(
                "INSERT INTO quota_grants (account_id, grant_no, kind, amount, expires_at, source, cause) \
                 VALUES ($1, 1, 'contracts', $2, $3, 'edition', 'delivery')",
            )
            .bind(e_account)
            .bind(crate::steps::OPENING_CONTRACTS as i64)
            .bind(expires)
            .execute(&mut *tx)
            .await
            .expect("E's opening grant");
        }
        let e: i64 = server::db::query_scalar(
            "INSERT INTO enterprises (account_id, name, verified, security_phone) VALUES ($1, $2, 1, '17700000000') RETURNING id",
        )
        .bind(e_account)
        .bind(format!("模型企业{tag}"))
        .fetch_one(&mut *tx)
        .await
        .expect("E");
        let u_account: i64 = server::db::query_scalar("INSERT INTO accounts (kind) VALUES ('enterprise') RETURNING id")
            .fetch_one(&mut *tx)
            .await
            .expect("U's account");
        let u: i64 = server::db::query_scalar(
            "INSERT INTO enterprises (account_id, name, verified, security_phone) VALUES ($1, $2, 0, '17700000001') RETURNING id",
        )
        .bind(u_account)
        .bind(format!("未认证企业{tag}"))
        .fetch_one(&mut *tx)
        .await
        .expect("U");
        let mut person = async |login: String, balance: i64| -> (i64, i64) {
            let account: i64 =
                server::db::query_scalar("INSERT INTO accounts (kind, balance_fen) VALUES ('person', $1) RETURNING id")
                    .bind(balance)
                    .fetch_one(&mut *tx)
                    .await
                    .expect("a person's account");
            let id: i64 = server::db::query_scalar(
                "INSERT INTO persons (account_id, login, name, phone, password_hash) VALUES ($1, $2, $3, '17800000000', $4) RETURNING id",
            )
            .bind(account)
            .bind(&login)
            .bind(format!("模型{login}"))
            .bind(&self.hash)
            .fetch_one(&mut *tx)
            .await
            .expect("a person");
            (id, account)
        };
        let (admin, _) = person(format!("{tag}-admin"), 0).await;
        let (p, p_account) = person(format!("{tag}-p"), opening.person_balance_fen()).await;
        for (who, enterprise, role) in
            [(admin, e, domain::Role::SuperAdmin), (p, e, domain::Role::Staff), (p, u, domain::Role::SuperAdmin)]
        {
            server::db::query("INSERT INTO memberships (person_id, enterprise_id, roles) VALUES ($1, $2, $3)")
                .bind(who)
                .bind(enterprise)
                .bind(server::db::codec::format_roles(&[role]))
                .execute(&mut *tx)
                .await
                .expect("a membership");
        }
        let mut vouchers = Vec::new();
        for (i, v) in opening.vouchers.iter().enumerate() {
            let id = format!("MV{tag}-{i}");
            let scope = v.editions_only.map(|e| if e { r#"[{"kind":"edition","id":"advanced"},{"kind":"edition","id":"professional"}]"# } else {
                r#"[{"kind":"add_on","id":"contract_pack_1k"},{"kind":"add_on","id":"contract_pack_10k"},{"kind":"add_on","id":"integration"},{"kind":"add_on","id":"signing_reports"}]"#
            });
            let expires = now + chrono::TimeDelta::days(i64::from(v.days));
            server::db::query(
                "INSERT INTO vouchers (id, account_id, face_fen, min_spend_fen, scope, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&id)
            .bind(e_account)
            .bind(i64::from(v.face_yuan) * 100)
            .bind(v.min_spend_yuan.map(|m| i64::from(m) * 100))
            .bind(scope)
            .bind(to_ms(expires))
            .execute(&mut *tx)
            .await
            .expect("a voucher");
            vouchers.push(crate::books::Voucher {
                id,
                face: i64::from(v.face_yuan) * 100,
                min_spend: v.min_spend_yuan.map(|m| i64::from(m) * 100),
                editions_only: v.editions_only,
                expires,
                used_by: None,
            });
        }
        tx.commit().await.expect("the fixture");
        let admin_client = Client::sign_in(&self.address, &format!("{tag}-admin")).await;
        let p_client = Client::sign_in(&self.address, &format!("{tag}-p")).await;
        let (status, me) = p_client.put("/api/session/identity", &json!({ "enterprise_id": null })).await;
        assert_eq!(status, StatusCode::OK, "P acts as the person: {me}");
        Fixture {
            e_account,
            p_account,
            e,
            u,
            people: [admin, p],
            clients: [admin_client, p_client],
            vouchers,
            opening_expires: expires.map(server::clock::from_ms),
        }
    }
}

/// The sequence's accounts and its two signed-in people.
pub struct Fixture {
    pub e_account: i64,
    pub p_account: i64,
    pub e: i64,
    pub u: i64,
    pub people: [i64; 2],
    /// 0: E's super admin, acting for E; 1: P, acting as the person.
    pub clients: [Client; 2],
    pub vouchers: Vec<crate::books::Voucher>,
    pub opening_expires: Option<T>,
}

/// A cookie-keeping HTTP client of one person.
#[derive(Clone)]
pub struct Client {
    pub address: String,
    pub http: reqwest::Client,
}

impl Client {
    async fn sign_in(address: &str, login: &str) -> Client {
        let http = reqwest::Client::builder().cookie_store(true).build().expect("a client");
        let client = Client { address: address.to_owned(), http };
        let (status, body) = client.post("/api/session", &json!({ "login": login, "password": PASSWORD })).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{login} signs in: {body}");
        client
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let r = self.http.get(format!("{}{path}", self.address)).send().await;
        answer(r, path).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        let r = self.http.post(format!("{}{path}", self.address)).json(body).send().await;
        answer(r, path).await
    }

    pub async fn post_keyed(&self, path: &str, key: &str, body: &Value) -> (StatusCode, Value) {
        let r =
            self.http.post(format!("{}{path}", self.address)).header("Idempotency-Key", key).json(body).send().await;
        answer(r, path).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        let r = self.http.put(format!("{}{path}", self.address)).json(body).send().await;
        answer(r, path).await
    }

    /// A form button of the sandbox's payer page (the redirect is followed).
    pub async fn press(&self, path: &str) -> StatusCode {
        let r = self.http.post(format!("{}{path}", self.address)).send().await.expect("the sandbox answers");
        r.status()
    }
}

async fn answer(r: Result<reqwest::Response, reqwest::Error>, path: &str) -> (StatusCode, Value) {
    let r = r.unwrap_or_else(|e| panic!("{path} is answered: {e}"));
    let status = r.status();
    let text = r.text().await.unwrap_or_default();
    let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
    (status, body)
}

/// A payment row as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRow {
    pub out_trade_no: String,
    pub order_id: i64,
    pub method: String,
    pub amount_fen: i64,
    pub status: String,
    pub refund_reason: Option<String>,
}

/// A grant as the ledger has it now (its latest expiry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRow {
    pub no: i64,
    pub kind: String,
    pub amount: i64,
    pub expires: T,
    pub source: String,
    pub order_id: Option<i64>,
    pub drawn: i64,
    pub returned: i64,
    pub cleared: i64,
}

impl Server {
    pub async fn payments_of(&self, account: i64) -> Vec<PaymentRow> {
        let rows = server::db::query(
            "SELECT p.out_trade_no, p.order_id, p.method, p.amount_fen, p.status, p.refund_reason \
             FROM payments p JOIN orders o ON o.id = p.order_id WHERE o.account_id = $1 ORDER BY p.out_trade_no",
        )
        .bind(account)
        .fetch_all(&self.db.read)
        .await
        .expect("payments");
        rows.iter()
            .map(|r| PaymentRow {
                out_trade_no: r.try_get(0).expect("the column"),
                order_id: r.try_get(1).expect("the column"),
                method: r.try_get(2).expect("the column"),
                amount_fen: r.try_get(3).expect("the column"),
                status: r.try_get(4).expect("the column"),
                refund_reason: r.try_get(5).expect("the column"),
            })
            .collect()
    }

    pub async fn grants_of(&self, account: i64) -> Vec<GrantRow> {
        let rows = server::db::query(
            "SELECT grant_no, kind, amount, expires_at, source, order_id FROM quota_grants WHERE account_id = $1 ORDER BY grant_no",
        )
        .bind(account)
        .fetch_all(&self.db.read)
        .await
        .expect("grants");
        let mut grants: Vec<GrantRow> = rows
            .iter()
            .map(|r| GrantRow {
                no: r.try_get(0).expect("the column"),
                kind: r.try_get(1).expect("the column"),
                amount: r.try_get(2).expect("the column"),
                expires: server::clock::from_ms(r.try_get(3).expect("the column")),
                source: r.try_get(4).expect("the column"),
                order_id: r.try_get(5).expect("the column"),
                drawn: 0,
                returned: 0,
                cleared: 0,
            })
            .collect();
        let moves = server::db::query(
            "SELECT grant_no, entry, amount, expires_at FROM quota_moves WHERE account_id = $1 ORDER BY id",
        )
        .bind(account)
        .fetch_all(&self.db.read)
        .await
        .expect("moves");
        for m in &moves {
            let no: i64 = m.try_get(0).expect("the column");
            let entry: String = m.try_get(1).expect("the column");
            let amount: i64 = m.try_get(2).expect("the column");
            let Some(g) = grants.iter_mut().find(|g| g.no == no) else {
                panic!("a quota move of grant {no}, which account {account} does not have");
            };
            match entry.as_str() {
                "draw" => g.drawn += amount,
                "return" => g.returned += amount,
                "clear" => g.cleared += amount,
                "move" => {
                    g.expires = server::clock::from_ms(
                        m.try_get::<Option<i64>, _>(3).expect("the column").expect("a move's expiry"),
                    )
                }
                other => panic!("unknown quota move {other}"),
            }
        }
        grants
    }

    /// Contracts of the account not withdrawn (each holds one drawn contract).
    pub async fn contracts_holding(&self, account: i64) -> i64 {
        server::db::query_scalar("SELECT COUNT(*) FROM contracts WHERE account_id = $1 AND status <> 'withdrawn'")
            .bind(account)
            .fetch_one(&self.db.read)
            .await
            .expect("contracts")
    }

    /// The sandbox's book: status of a payment at the provider.
    pub async fn provider_status(&self, out_trade_no: &str) -> Option<String> {
        let sandbox = self.state.sandbox().expect("the sandbox is the gateway");
        sandbox.find(out_trade_no).await.expect("the sandbox's book").map(|p| p.status)
    }

    /// The provider's notification for a payment it has collected, sent now.
    pub async fn notify(&self, out_trade_no: &str) -> Option<StatusCode> {
        let sandbox = self.state.sandbox().expect("the sandbox is the gateway");
        let n = sandbox.notification_for(out_trade_no, self.now()).await.expect("built")?;
        let r = reqwest::Client::new()
            .post(format!("{}/api/payments/notify", self.address))
            .headers(n.headers())
            .body(n.body.clone())
            .send()
            .await
            .expect("the notification is answered");
        Some(r.status())
    }
}
