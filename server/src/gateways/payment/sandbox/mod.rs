//! The bundled payment provider: behaves like WeChat Pay API v3 (and a bank
//! page for online banking), keeps its own book in `sandbox_payments` so it
//! survives a restart of the server, and tells the merchant by an
//! asynchronous, signed, encrypted notification over HTTP, retried with
//! backoff until the merchant answers 2xx.
//!
//! Development conventions (the app relies on them to reach the payer pages):
//! - WeChat QR code: `code_url` is `weixin://wxpay/bizpayurl?pr={out_trade_no}`;
//!   the payer page is `/sandbox/pay/{out_trade_no}`.
//! - Mini-program prompt: `prepay_id` is `wx{out_trade_no}`; the payer page
//!   `/sandbox/pay/{prepay_id}` works too.
//! - Online banking: `url` is `/sandbox/bank/{out_trade_no}`.
//!
//! The app confirms a mini-program payment through the JSON action
//! `POST /api/dev/payments/{key}/confirm` (development only), the same as
//! the payer page's button.
//!
//! Its platform key pair lives in `server/sandbox/` and is public on purpose:
//! it is the sandbox's own, never a real provider's.

use super::wechat::{self, ApiV3Key, PlatformSigner, PlatformVerifier, SignedNotification, Transaction};
use super::{
    BoxFuture, GatewayError, Notice, PayChannel, PaymentGateway, PaymentPrompt, PaymentRequest, ProviderStatus,
};
use crate::clock::{Clock, from_ms, to_ms};
use crate::db::Db;
use crate::{ApiError, AppState, Settings};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::{DomainError, ErrorCode, Instant};
use rand::Rng;
use serde::Serialize;
use sqlx::Row;
use std::sync::Arc;
use std::time::Duration;
use utoipa::ToSchema;

const PLATFORM_PRIVATE_KEY: &str = include_str!("../../../../sandbox/platform_private_key.pem");
const PLATFORM_PUBLIC_KEY: &str = include_str!("../../../../sandbox/platform_public_key.pem");
/// The sandbox's mini-program app id (WeChat's JSAPI paySign covers it).
const APP_ID: &str = "wxd0e5a1b2c3d4e5f6";
/// How often the notifier looks for due notifications.
const NOTIFY_POLL: Duration = Duration::from_millis(50);
/// How long a notifier holds a notification it is sending, so that another
/// server sharing the book does not send it at the same time.
const NOTIFY_LEASE_MS: i64 = 30_000;
/// Retries wait 1 s, 2 s, 4 s … up to this (WeChat waits longer, and gives
/// up after a day; reconciliation covers that case).
const MAX_BACKOFF_MS: i64 = 5 * 60_000;

/// A payment in the sandbox's book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxPayment {
    pub out_trade_no: String,
    pub channel: PayChannel,
    pub amount_fen: i64,
    pub description: String,
    /// `pending`, `paid`, `failed` or `closed`.
    pub status: String,
    pub transaction_id: Option<String>,
    pub created_at: Instant,
    pub paid_at: Option<Instant>,
    pub expires_at: Option<Instant>,
    pub notify_id: Option<String>,
    pub notify_due_at: Option<Instant>,
    pub notify_attempts: i64,
}

/// What happened when the payer pressed a button.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayerOutcome {
    /// The button did what it says.
    Done,
    /// The payment was not pending (already paid, failed or closed).
    NotPending,
    /// The merchant's deadline has passed.
    Expired,
    /// No such payment.
    Unknown,
}

/// The sandbox provider.
pub struct Sandbox {
    db: Db,
    clock: Arc<dyn Clock>,
    signer: PlatformSigner,
    verifier: PlatformVerifier,
    apiv3_key: ApiV3Key,
    failure_rate: f64,
    notify_url: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("serial", &self.signer.serial())
            .field("failure_rate", &self.failure_rate)
            .field("notify_url", &self.notify_url)
            .finish_non_exhaustive()
    }
}

fn channel_name(channel: PayChannel) -> &'static str {
    match channel {
        PayChannel::WechatNative => "wechat_native",
        PayChannel::WechatMiniProgram => "wechat_mini_program",
        PayChannel::OnlineBanking => "online_banking",
    }
}

fn parse_channel(name: &str) -> Result<PayChannel, sqlx::Error> {
    match name {
        "wechat_native" => Ok(PayChannel::WechatNative),
        "wechat_mini_program" => Ok(PayChannel::WechatMiniProgram),
        "online_banking" => Ok(PayChannel::OnlineBanking),
        other => Err(sqlx::Error::Decode(format!("unknown sandbox channel {other}").into())),
    }
}

fn unavailable(error: sqlx::Error) -> GatewayError {
    GatewayError::Unavailable(format!("sandbox book: {error}"))
}

/// A WeChat-like transaction id: 28 digits.
fn new_transaction_id(at: Instant) -> String {
    let mut rng = rand::thread_rng();
    format!("4200{:06}{}{:010}", rng.gen_range(0..1_000_000), at.format("%Y%m%d"), rng.gen_range(0..10_000_000_000_i64))
}

/// A UUID-shaped notification id.
fn new_notification_id() -> String {
    let hex: String = (0..32).map(|_| char::from(b"0123456789abcdef"[rand::thread_rng().gen_range(0..16)])).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

const COLUMNS: &str = "out_trade_no, method, amount_fen, description, status, transaction_id, created_at, paid_at, \
    expires_at, notify_id, notify_due_at, notify_attempts";

fn payment_row(row: &sqlx::any::AnyRow) -> Result<SandboxPayment, sqlx::Error> {
    Ok(SandboxPayment {
        out_trade_no: row.try_get(0)?,
        channel: parse_channel(&row.try_get::<String, _>(1)?)?,
        amount_fen: row.try_get(2)?,
        description: row.try_get(3)?,
        status: row.try_get(4)?,
        transaction_id: row.try_get(5)?,
        created_at: from_ms(row.try_get(6)?),
        paid_at: row.try_get::<Option<i64>, _>(7)?.map(from_ms),
        expires_at: row.try_get::<Option<i64>, _>(8)?.map(from_ms),
        notify_id: row.try_get(9)?,
        notify_due_at: row.try_get::<Option<i64>, _>(10)?.map(from_ms),
        notify_attempts: row.try_get(11)?,
    })
}

impl Sandbox {
    /// The sandbox over `db`'s book, telling time by `clock`, with the
    /// APIv3 key and failure rate of `settings`, notifying the merchant
    /// server at `base_url` (its `/api/payments/notify`).
    pub fn new(db: Db, clock: Arc<dyn Clock>, settings: &Settings, base_url: &str) -> Result<Self, wechat::KeyError> {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default();
        Ok(Self {
            db,
            clock,
            signer: PlatformSigner::from_pem(PLATFORM_PRIVATE_KEY)?,
            verifier: PlatformVerifier::from_pem(PLATFORM_PUBLIC_KEY)?,
            apiv3_key: settings.payment_apiv3_key.clone(),
            failure_rate: settings.sandbox_failure_rate,
            notify_url: format!("{}/api/payments/notify", base_url.trim_end_matches('/')),
            http,
        })
    }

    /// The platform key that signs (tests forge and replay with it).
    pub fn signer(&self) -> &PlatformSigner {
        &self.signer
    }

    /// One payment of the book.
    pub async fn find(&self, out_trade_no: &str) -> Result<Option<SandboxPayment>, sqlx::Error> {
        let row =
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM sandbox_payments WHERE out_trade_no = $1")))
                .bind(out_trade_no)
                .fetch_optional(&self.db.read)
                .await?;
        row.as_ref().map(payment_row).transpose()
    }

    /// The payer pays: the payment becomes paid and its notification due.
    pub async fn pay(&self, out_trade_no: &str) -> Result<PayerOutcome, sqlx::Error> {
        let now = self.clock.now();
        let changed = sqlx::query(
            "UPDATE sandbox_payments SET status = 'paid', transaction_id = $1, paid_at = $2, notify_due_at = $2, \
             notify_id = $3 WHERE out_trade_no = $4 AND status = 'pending' AND (expires_at IS NULL OR expires_at > $2)",
        )
        .bind(new_transaction_id(now))
        .bind(to_ms(now))
        .bind(new_notification_id())
        .bind(out_trade_no)
        .execute(&self.db.write)
        .await?
        .rows_affected();
        if changed == 1 {
            tracing::info!(out_trade_no, "sandbox: the payer paid");
            return Ok(PayerOutcome::Done);
        }
        self.why_not(out_trade_no, now).await
    }

    /// The payer's payment fails (wrong password, no funds): it stays unpaid
    /// at the merchant, who may open another attempt.
    pub async fn fail(&self, out_trade_no: &str) -> Result<PayerOutcome, sqlx::Error> {
        let now = self.clock.now();
        let changed = sqlx::query(
            "UPDATE sandbox_payments SET status = 'failed' WHERE out_trade_no = $1 AND status = 'pending' \
             AND (expires_at IS NULL OR expires_at > $2)",
        )
        .bind(out_trade_no)
        .bind(to_ms(now))
        .execute(&self.db.write)
        .await?
        .rows_affected();
        if changed == 1 {
            tracing::info!(out_trade_no, "sandbox: the payment failed");
            return Ok(PayerOutcome::Done);
        }
        self.why_not(out_trade_no, now).await
    }

    async fn why_not(&self, out_trade_no: &str, now: Instant) -> Result<PayerOutcome, sqlx::Error> {
        Ok(match self.find(out_trade_no).await? {
            None => PayerOutcome::Unknown,
            Some(p) if p.status == "pending" && p.expires_at.is_some_and(|at| at <= now) => PayerOutcome::Expired,
            Some(_) => PayerOutcome::NotPending,
        })
    }

    /// The notification of a paid payment, signed and encrypted as of `at`,
    /// under the payment's one notification id (a resend is the same id).
    pub async fn notification_for(
        &self,
        out_trade_no: &str,
        at: Instant,
    ) -> Result<Option<SignedNotification>, GatewayError> {
        let Some(payment) = self.find(out_trade_no).await.map_err(unavailable)? else { return Ok(None) };
        let (Some(id), Some(transaction_id), Some(paid_at)) =
            (&payment.notify_id, &payment.transaction_id, payment.paid_at)
        else {
            return Ok(None);
        };
        let transaction = Transaction {
            out_trade_no: payment.out_trade_no.clone(),
            transaction_id: transaction_id.clone(),
            trade_state: "SUCCESS".into(),
            success_time: Some(wechat::rfc3339_cst(paid_at)),
            amount: wechat::Amount {
                total: payment.amount_fen,
                payer_total: payment.amount_fen,
                currency: "CNY".into(),
            },
        };
        wechat::seal(&self.signer, &self.apiv3_key, id, &transaction, at).map(Some)
    }

    /// Sends every due notification once; returns how many were delivered.
    pub async fn notify_due(&self) -> Result<usize, sqlx::Error> {
        let url = &self.notify_url;
        let now = to_ms(self.clock.now());
        let due: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT out_trade_no, notify_due_at, notify_attempts FROM sandbox_payments \
             WHERE notify_due_at IS NOT NULL AND notify_due_at <= $1 ORDER BY notify_due_at LIMIT 16",
        )
        .bind(now)
        .fetch_all(&self.db.read)
        .await?;
        let mut delivered = 0;
        for (out_trade_no, due_at, attempts) in due {
            let claimed = sqlx::query(
                "UPDATE sandbox_payments SET notify_due_at = $1 WHERE out_trade_no = $2 AND notify_due_at = $3",
            )
            .bind(now + NOTIFY_LEASE_MS)
            .bind(&out_trade_no)
            .bind(due_at)
            .execute(&self.db.write)
            .await?
            .rows_affected();
            if claimed != 1 {
                continue;
            }
            let ok = self.send(url, &out_trade_no, attempts).await;
            let next_due = if ok {
                delivered += 1;
                None
            } else {
                let backoff = 1000_i64.saturating_mul(1 << attempts.clamp(0, 20)).min(MAX_BACKOFF_MS);
                Some(now + backoff)
            };
            sqlx::query(
                "UPDATE sandbox_payments SET notify_due_at = $1, notify_attempts = notify_attempts + 1 \
                 WHERE out_trade_no = $2",
            )
            .bind(next_due)
            .bind(&out_trade_no)
            .execute(&self.db.write)
            .await?;
        }
        Ok(delivered)
    }

    /// POSTs one notification; true when the merchant answered 2xx.
    async fn send(&self, url: &str, out_trade_no: &str, attempts: i64) -> bool {
        let notification = match self.notification_for(out_trade_no, self.clock.now()).await {
            Ok(Some(n)) => n,
            Ok(None) => return true, // Nothing to send any more.
            Err(e) => {
                tracing::warn!(out_trade_no, error = %e, "sandbox: cannot build the notification");
                return false;
            }
        };
        let response = self.http.post(url).headers(notification.headers()).body(notification.body).send().await;
        match response {
            Ok(r) if r.status().is_success() => {
                tracing::info!(out_trade_no, attempt = attempts + 1, "sandbox: notification delivered");
                true
            }
            Ok(r) => {
                tracing::warn!(out_trade_no, attempt = attempts + 1, status = %r.status(), "sandbox: notification refused; will retry");
                false
            }
            Err(e) => {
                tracing::warn!(out_trade_no, attempt = attempts + 1, error = %e, "sandbox: notification not delivered; will retry");
                false
            }
        }
    }

    /// The notifier: polls the book for due notifications, for ever. It
    /// resumes after a restart because everything it needs is in the book.
    pub async fn run_notifier(self: Arc<Self>) {
        let mut tick = tokio::time::interval(NOTIFY_POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = self.notify_due().await {
                tracing::warn!(error = %e, "sandbox: the notifier cannot read its book");
            }
        }
    }

    fn prompt(&self, request: &PaymentRequest) -> PaymentPrompt {
        let out_trade_no = &request.out_trade_no;
        match request.channel {
            PayChannel::WechatNative => {
                PaymentPrompt::QrCode { code_url: format!("weixin://wxpay/bizpayurl?pr={out_trade_no}") }
            }
            PayChannel::WechatMiniProgram => {
                let prepay_id = format!("wx{out_trade_no}");
                let time_stamp = self.clock.now().timestamp().to_string();
                let nonce_str = wechat::random_nonce(32);
                let package = format!("prepay_id={prepay_id}");
                // WeChat's JSAPI paySign: RSA-SHA256 over these four lines.
                let message = format!("{APP_ID}\n{time_stamp}\n{nonce_str}\n{package}\n");
                let pay_sign = self.signer.sign(message.as_bytes());
                PaymentPrompt::MiniProgram { prepay_id, time_stamp, nonce_str, package, pay_sign }
            }
            PayChannel::OnlineBanking => PaymentPrompt::BankRedirect { url: format!("/sandbox/bank/{out_trade_no}") },
        }
    }

    async fn create_payment(&self, request: &PaymentRequest) -> Result<PaymentPrompt, GatewayError> {
        if self.failure_rate > 0.0 && rand::thread_rng().gen_bool(self.failure_rate.min(1.0)) {
            return Err(GatewayError::Unavailable("the sandbox simulates an outage".into()));
        }
        if !is_trade_no(&request.out_trade_no) {
            return Err(GatewayError::Rejected(format!("invalid out_trade_no {:?}", request.out_trade_no)));
        }
        let inserted = sqlx::query(
            "INSERT INTO sandbox_payments (out_trade_no, method, amount_fen, description, status, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, 'pending', $5, $6) ON CONFLICT (out_trade_no) DO NOTHING",
        )
        .bind(&request.out_trade_no)
        .bind(channel_name(request.channel))
        .bind(request.amount_fen)
        .bind(&request.description)
        .bind(to_ms(self.clock.now()))
        .bind(to_ms(request.expires_at))
        .execute(&self.db.write)
        .await
        .map_err(unavailable)?
        .rows_affected();
        if inserted == 0 {
            // Like WeChat: the same request again answers the same payment;
            // another amount under the same number is refused.
            let existing = self.find(&request.out_trade_no).await.map_err(unavailable)?;
            match existing {
                Some(p) if p.amount_fen != request.amount_fen || p.channel != request.channel => {
                    return Err(GatewayError::Rejected("out_trade_no already used for another payment".into()));
                }
                Some(p) if p.status != "pending" => {
                    return Err(GatewayError::Rejected(format!("the payment is already {}", p.status)));
                }
                _ => {}
            }
        }
        tracing::info!(out_trade_no = request.out_trade_no, amount_fen = request.amount_fen, "sandbox: payment opened");
        Ok(self.prompt(request))
    }

    async fn query_payment(&self, out_trade_no: &str) -> Result<ProviderStatus, GatewayError> {
        let payment = self
            .find(out_trade_no)
            .await
            .map_err(unavailable)?
            .ok_or_else(|| GatewayError::Rejected(format!("no payment {out_trade_no}")))?;
        Ok(match payment.status.as_str() {
            "paid" => ProviderStatus::Paid {
                transaction_id: payment.transaction_id.unwrap_or_default(),
                amount_fen: payment.amount_fen,
                paid_at: payment.paid_at.unwrap_or(payment.created_at),
            },
            "failed" => ProviderStatus::Failed,
            "closed" => ProviderStatus::Closed,
            _ => ProviderStatus::NotPaid,
        })
    }

    async fn close_payment(&self, out_trade_no: &str) -> Result<(), GatewayError> {
        let changed = sqlx::query(
            "UPDATE sandbox_payments SET status = 'closed' WHERE out_trade_no = $1 AND status IN ('pending', 'failed')",
        )
        .bind(out_trade_no)
        .execute(&self.db.write)
        .await
        .map_err(unavailable)?
        .rows_affected();
        if changed == 1 {
            tracing::info!(out_trade_no, "sandbox: payment closed");
            return Ok(());
        }
        match self.find(out_trade_no).await.map_err(unavailable)? {
            Some(p) if p.status == "closed" => Ok(()),
            Some(p) => Err(GatewayError::Rejected(format!("a {} payment cannot be closed", p.status))),
            None => Err(GatewayError::Rejected(format!("no payment {out_trade_no}"))),
        }
    }
}

/// WeChat's out_trade_no: 6 to 32 letters, digits, `_`, `-`, `|`, `*`.
fn is_trade_no(text: &str) -> bool {
    (6..=32).contains(&text.len()) && text.chars().all(|c| c.is_ascii_alphanumeric() || "_-|*".contains(c))
}

impl PaymentGateway for Sandbox {
    fn create<'a>(&'a self, request: &'a PaymentRequest) -> BoxFuture<'a, Result<PaymentPrompt, GatewayError>> {
        Box::pin(self.create_payment(request))
    }

    fn query<'a>(&'a self, out_trade_no: &'a str) -> BoxFuture<'a, Result<ProviderStatus, GatewayError>> {
        Box::pin(self.query_payment(out_trade_no))
    }

    fn close<'a>(&'a self, out_trade_no: &'a str) -> BoxFuture<'a, Result<(), GatewayError>> {
        Box::pin(self.close_payment(out_trade_no))
    }

    fn verify_notice(&self, headers: &HeaderMap, body: &[u8], now: Instant) -> Result<Notice, GatewayError> {
        let opened = wechat::open(&self.verifier, &self.apiv3_key, headers, body, now)?;
        let transaction = opened.transaction;
        if transaction.amount.currency != "CNY" {
            return Err(GatewayError::Malformed(format!("currency {}", transaction.amount.currency)));
        }
        let success = transaction.trade_state == "SUCCESS";
        let paid_at = match &transaction.success_time {
            Some(text) => wechat::parse_time(text)?,
            None if success => return Err(GatewayError::Malformed("a success without success_time".into())),
            None => now,
        };
        Ok(Notice {
            id: opened.id,
            out_trade_no: transaction.out_trade_no,
            transaction_id: transaction.transaction_id,
            amount_fen: transaction.amount.total,
            success,
            paid_at,
        })
    }

    fn sandbox(&self) -> Option<&Sandbox> {
        Some(self)
    }
}

// --- The payer's confirm action as JSON (development only) ---------------

/// The answer of the confirm action.
#[derive(Debug, Serialize, ToSchema)]
pub struct Confirmed {
    /// The merchant's payment number.
    out_trade_no: String,
    /// Always `paid`: the notification to the merchant is on its way.
    #[schema(example = "paid")]
    status: &'static str,
}

/// Development only: the payer confirms a payment, as the payer page's
/// button does (the mini-program's payment sheet stands in for WeChat with
/// it). The merchant learns of it by the signed notification, as from WeChat.
#[utoipa::path(
    post,
    path = "/dev/payments/{key}/confirm",
    tag = "payments",
    params(("key" = String, Path, description = "The payment's out_trade_no, or a mini-program prepay_id (`wx` + out_trade_no)")),
    responses(
        (status = 200, description = "Paid at the provider; the merchant is notified", body = Confirmed),
        (status = 404, description = "`not_found`: no such payment, or outside development", body = crate::http::wire::Error),
        (status = 409, description = "`invalid_state`: the payment is not pending (field `payment`: paid, failed or closed already; `expires_at`: past the merchant's deadline)", body = crate::http::wire::Error),
    ),
)]
pub async fn confirm(State(state): State<AppState>, Path(key): Path<String>) -> Result<Json<Confirmed>, ApiError> {
    let sandbox = state
        .gateway
        .sandbox()
        .filter(|_| state.settings.development)
        .ok_or_else(|| ApiError::NotFound("no payment sandbox outside development".into()))?;
    let payment = lookup(sandbox, &key).await?.ok_or_else(|| ApiError::NotFound("no such payment".into()))?;
    match sandbox.pay(&payment.out_trade_no).await? {
        PayerOutcome::Done => Ok(Json(Confirmed { out_trade_no: payment.out_trade_no, status: "paid" })),
        PayerOutcome::NotPending => {
            Err(ApiError::Refused(vec![DomainError::with_field(ErrorCode::InvalidState, "payment")]))
        }
        PayerOutcome::Expired => {
            Err(ApiError::Refused(vec![DomainError::with_field(ErrorCode::InvalidState, "expires_at")]))
        }
        PayerOutcome::Unknown => Err(ApiError::NotFound("no such payment".into())),
    }
}

// --- The payer pages (development only) ---------------------------------

/// The payer's pages: `/pay/{out_trade_no}` (WeChat) and
/// `/bank/{out_trade_no}` (online banking), each with `/pay` and `/fail`.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/pay/{out_trade_no}", get(wechat_page))
        .route("/pay/{out_trade_no}/pay", post(wechat_pay))
        .route("/pay/{out_trade_no}/fail", post(wechat_fail))
        .route("/bank/{out_trade_no}", get(bank_page))
        .route("/bank/{out_trade_no}/pay", post(bank_pay))
        .route("/bank/{out_trade_no}/fail", post(bank_fail))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Page {
    Wechat,
    Bank,
}

impl Page {
    fn base(self) -> &'static str {
        match self {
            Page::Wechat => "/sandbox/pay",
            Page::Bank => "/sandbox/bank",
        }
    }
}

/// The out_trade_no a page path names (a mini-program prepay_id works too).
async fn lookup(sandbox: &Sandbox, key: &str) -> Result<Option<SandboxPayment>, sqlx::Error> {
    if !is_trade_no(key) && !key.strip_prefix("wx").is_some_and(is_trade_no) {
        return Ok(None);
    }
    if let Some(found) = sandbox.find(key).await? {
        return Ok(Some(found));
    }
    match key.strip_prefix("wx") {
        Some(rest) => sandbox.find(rest).await,
        None => Ok(None),
    }
}

fn server_error(e: sqlx::Error) -> Response {
    tracing::error!(error = %e, "sandbox: cannot read its book");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Html(page_shell("出错了 Error", "<p>沙箱暂时不可用。The sandbox is unavailable.</p>")),
    )
        .into_response()
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Html(page_shell("未找到 Not found", "<p>没有这笔支付。No such payment.</p>")))
        .into_response()
}

async fn show(state: AppState, key: String, page: Page) -> Response {
    let Some(sandbox) = state.gateway.sandbox() else { return not_found() };
    match lookup(sandbox, &key).await {
        Ok(Some(payment)) => Html(render(&payment, page, state.clock.now())).into_response(),
        Ok(None) => not_found(),
        Err(e) => server_error(e),
    }
}

async fn act(state: AppState, key: String, page: Page, pay: bool) -> Response {
    let Some(sandbox) = state.gateway.sandbox() else { return not_found() };
    let payment = match lookup(sandbox, &key).await {
        Ok(Some(payment)) => payment,
        Ok(None) => return not_found(),
        Err(e) => return server_error(e),
    };
    let outcome =
        if pay { sandbox.pay(&payment.out_trade_no).await } else { sandbox.fail(&payment.out_trade_no).await };
    match outcome {
        // The page shows the result, whatever it was.
        Ok(_) => Redirect::to(&format!("{}/{}", page.base(), payment.out_trade_no)).into_response(),
        Err(e) => server_error(e),
    }
}

async fn wechat_page(State(state): State<AppState>, Path(key): Path<String>) -> Response {
    show(state, key, Page::Wechat).await
}

async fn wechat_pay(State(state): State<AppState>, Path(key): Path<String>) -> Response {
    act(state, key, Page::Wechat, true).await
}

async fn wechat_fail(State(state): State<AppState>, Path(key): Path<String>) -> Response {
    act(state, key, Page::Wechat, false).await
}

async fn bank_page(State(state): State<AppState>, Path(key): Path<String>) -> Response {
    show(state, key, Page::Bank).await
}

async fn bank_pay(State(state): State<AppState>, Path(key): Path<String>) -> Response {
    act(state, key, Page::Bank, true).await
}

async fn bank_fail(State(state): State<AppState>, Path(key): Path<String>) -> Response {
    act(state, key, Page::Bank, false).await
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Fen as yuan with two decimals, e.g. `1990.00`.
fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    format!("{sign}{}.{:02}", fen / 100, fen % 100)
}

fn cst(at: Instant) -> String {
    match chrono::FixedOffset::east_opt(8 * 3600) {
        Some(offset) => at.with_timezone(&offset).format("%Y-%m-%d %H:%M:%S").to_string(),
        None => at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
    }
}

const STYLE: &str = "
body{margin:0;font-family:-apple-system,'PingFang SC','Microsoft YaHei',sans-serif;background:#f2f3f5;color:#1f2329}
main{max-width:420px;margin:32px auto;background:#fff;border-radius:12px;padding:24px;box-shadow:0 2px 12px rgba(0,0,0,.08)}
.badge{display:inline-block;font-size:12px;color:#8a5a00;background:#fff4d6;border-radius:4px;padding:2px 8px;margin:0}
h1{font-size:20px;margin:16px 0 4px}h1 small{font-size:13px;color:#8f959e;font-weight:normal;margin-left:6px}
.amount{font-size:36px;font-weight:600;margin:12px 0 20px}
dl{display:grid;grid-template-columns:auto 1fr;gap:8px 16px;margin:0 0 24px;font-size:14px}
dt{color:#8f959e}dd{margin:0;word-break:break-all}
.status-paid{color:#07a35a}.status-failed,.status-closed,.status-expired{color:#d83931}
form{margin:0 0 12px}button{width:100%;font-size:16px;padding:12px;border-radius:8px;border:0;cursor:pointer}
.pay{background:#07c160;color:#fff}.bank .pay{background:#1664ff}.fail{background:#f2f3f5;color:#d83931}
.hint{font-size:12px;color:#8f959e;margin:16px 0 0}
";

fn page_shell(title: &str, content: &str) -> String {
    format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head><body>{content}</body></html>"
    )
}

fn render(payment: &SandboxPayment, page: Page, now: Instant) -> String {
    let expired = payment.status == "pending" && payment.expires_at.is_some_and(|at| at <= now);
    let (status_key, status_text) = match payment.status.as_str() {
        "pending" if expired => ("expired", "已过期 Expired"),
        "pending" => ("pending", "待支付 Awaiting payment"),
        "paid" => ("paid", "已支付 Paid"),
        "failed" => ("failed", "支付失败 Payment failed"),
        "closed" => ("closed", "已关闭 Closed"),
        _ => ("unknown", "未知 Unknown"),
    };
    let (title, subtitle, class) = match page {
        Page::Wechat => ("微信支付", "WeChat Pay", "wechat"),
        Page::Bank => ("网银支付", "Online banking", "bank"),
    };
    let mut rows = format!(
        "<dt>商品 Item</dt><dd data-testid=\"sandbox-description\">{}</dd>\
         <dt>商户订单号 Order no.</dt><dd data-testid=\"sandbox-out-trade-no\">{}</dd>\
         <dt>状态 Status</dt><dd data-testid=\"sandbox-status\" data-status=\"{status_key}\" class=\"status-{status_key}\">{status_text}</dd>",
        escape(&payment.description),
        escape(&payment.out_trade_no),
    );
    if let Some(at) = payment.expires_at {
        rows.push_str(&format!("<dt>支付截止 Pay by</dt><dd>{}</dd>", cst(at)));
    }
    if let Some(id) = &payment.transaction_id {
        rows.push_str(&format!("<dt>交易单号 Transaction</dt><dd>{}</dd>", escape(id)));
    }
    if payment.status == "paid" {
        let notified = match (payment.notify_due_at, payment.notify_attempts) {
            (None, n) if n > 0 => format!("已送达（第 {n} 次）Delivered (attempt {n})"),
            (_, 0) => "发送中 Sending".to_owned(),
            (_, n) => format!("重试中（已尝试 {n} 次）Retrying ({n} attempts so far)"),
        };
        rows.push_str(&format!("<dt>商户通知 Notification</dt><dd data-testid=\"sandbox-notified\">{notified}</dd>"));
    }
    let buttons = if payment.status == "pending" && !expired {
        let base = format!("{}/{}", page.base(), escape(&payment.out_trade_no));
        format!(
            "<form method=\"post\" action=\"{base}/pay\"><button class=\"pay\" data-testid=\"sandbox-pay\">支付 Pay</button></form>\
             <form method=\"post\" action=\"{base}/fail\"><button class=\"fail\" data-testid=\"sandbox-fail\">支付失败 Fail</button></form>"
        )
    } else {
        String::new()
    };
    let content = format!(
        "<main class=\"{class}\"><p class=\"badge\">沙箱 · 仅用于开发 Sandbox · development only</p>\
         <h1>{title}<small>{subtitle}</small></h1>\
         <p class=\"amount\" data-testid=\"sandbox-amount\">¥{amount}</p><dl>{rows}</dl>{buttons}\
         <p class=\"hint\">支付结果将以签名通知发送给商户；请回到原页面查看订单。\
         The merchant learns the result from a signed notification; go back to your order to follow it.</p></main>",
        amount = yuan(payment.amount_fen),
    );
    page_shell(&format!("{title}（沙箱）"), &content)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pay_4_amounts_show_as_yuan_with_two_decimals() {
        assert_eq!(yuan(199_000), "1990.00");
        assert_eq!(yuan(5), "0.05");
        assert_eq!(yuan(0), "0.00");
    }

    #[test]
    fn pay_4_trade_numbers_follow_wechat_rules() {
        assert!(is_trade_no("E000000000101"));
        assert!(!is_trade_no("short"));
        assert!(!is_trade_no("with space 123"));
        assert!(!is_trade_no("<script>alert(1)</script>"));
    }

    #[test]
    fn pay_4_transaction_ids_have_28_digits_and_notification_ids_are_uuid_shaped() {
        let id = new_transaction_id(chrono::Utc::now());
        assert_eq!(id.len(), 28, "{id}");
        assert!(id.chars().all(|c| c.is_ascii_digit()));
        assert_eq!(new_notification_id().len(), 36);
    }

    #[test]
    fn pay_4_the_payer_page_escapes_the_description() {
        let payment = SandboxPayment {
            out_trade_no: "E000000000101".into(),
            channel: PayChannel::WechatNative,
            amount_fen: 199_000,
            description: "<b>高级版</b>".into(),
            status: "pending".into(),
            transaction_id: None,
            created_at: chrono::Utc::now(),
            paid_at: None,
            expires_at: None,
            notify_id: None,
            notify_due_at: None,
            notify_attempts: 0,
        };

        let html = render(&payment, Page::Wechat, chrono::Utc::now());

        assert!(html.contains("&lt;b&gt;高级版&lt;/b&gt;"));
        assert!(html.contains("¥1990.00"));
        assert!(html.contains("data-testid=\"sandbox-pay\"") && html.contains("data-testid=\"sandbox-fail\""));
    }
}
