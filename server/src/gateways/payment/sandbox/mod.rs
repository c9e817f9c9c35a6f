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
//! Refunds (`POST /v3/refund/domestic/refunds` at WeChat) are taken as
//! processing and returned to the payer at the notifier's next round, which
//! then notifies `/api/refunds/notify` the same way; tests make one fail with
//! [`Sandbox::refund_abnormal`], as a closed bank card would.
//!
//! The app confirms a mini-program payment through the JSON action
//! `POST /api/dev/payments/{key}/confirm` (development only), the same as
//! the payer page's button.
//!
//! Its platform key pair lives in `server/sandbox/` and is public on purpose:
//! it is the sandbox's own, never a real provider's.
//!
//! `Sandbox` holds what the parts share (the book, the clock, the keys), so
//! each part is a view of one provider: `book` (its table), `notifier` (what
//! it tells the merchant) and `pages` (what the payer sees).

pub mod api;
mod book;
mod notifier;
pub mod pages;
mod retries;

pub use book::{PayerOutcome, SandboxPayment, SandboxRefund};
pub use retries::RetrySchedule;

use super::wechat::notice::NoticeReader;
use super::wechat::{self, ApiV3Key, PlatformKeys, Signer, Verifier};
use super::{
    BoxFuture, GatewayError, Notice, PayChannel, PaymentGateway, PaymentRequest, ProviderStatus, RefundNotice,
    RefundRequest, RefundState,
};
use crate::Settings;
use crate::clock::Clock;
use crate::db::Db;
use api_types::PaymentPrompt;
use axum::http::HeaderMap;
use book::{ABNORMAL, Book, CLOSED, FAILED, PAID, PENDING, RefundRefused, SUCCESS};
use domain::Instant;
use rand::Rng;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const PLATFORM_PRIVATE_KEY: &str = include_str!("../../../../sandbox/platform_private_key.pem");
const PLATFORM_PUBLIC_KEY: &str = include_str!("../../../../sandbox/platform_public_key.pem");
/// The key the platform rotates to: both verify while the rotation lasts.
const PLATFORM_NEXT_PRIVATE_KEY: &str = include_str!("../../../../sandbox/platform_next_private_key.pem");
const PLATFORM_NEXT_PUBLIC_KEY: &str = include_str!("../../../../sandbox/platform_next_public_key.pem");
/// The demo merchant's public key: the sandbox's API believes requests it signed.
const MERCHANT_PUBLIC_KEY: &str = include_str!("../../../../sandbox/merchant_public_key.pem");
/// The demo merchant's certificate serial.
pub const MERCHANT_SERIAL: &str = "3775B6A45ACD588826D15E583A95F5DD9C4A8D5A";
/// The demo merchant's id at the sandbox.
pub const MCHID: &str = "1900000109";
/// The sandbox's app id (WeChat's JSAPI paySign covers it).
pub const APP_ID: &str = "wxd0e5a1b2c3d4e5f6";

/// The sandbox provider.
pub struct Sandbox {
    book: Book,
    clock: Arc<dyn Clock>,
    /// The platform's key pairs: the current one, then the one it rotates to.
    signers: [Signer; 2],
    rotated: AtomicBool,
    reader: NoticeReader,
    merchant: Verifier,
    apiv3_key: ApiV3Key,
    failure_rate: f64,
    probe_rate: f64,
    retries: RetrySchedule,
    probes: retries::Probes,
    notify_url: String,
    refund_notify_url: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("serial", &self.signer().serial())
            .field("failure_rate", &self.failure_rate)
            .field("notify_url", &self.notify_url)
            .finish_non_exhaustive()
    }
}

fn unavailable(error: crate::db::Error) -> GatewayError {
    GatewayError::Unavailable(format!("sandbox book: {error}"))
}

/// WeChat's out_trade_no: 6 to 32 letters, digits, `_`, `-`, `|`, `*`.
fn is_trade_no(text: &str) -> bool {
    (6..=32).contains(&text.len()) && text.chars().all(|c| c.is_ascii_alphanumeric() || "_-|*".contains(c))
}

/// WeChat's out_refund_no: 1 to 64 letters, digits, `_`, `-`, `|`, `*`, `@`.
fn is_refund_no(text: &str) -> bool {
    (1..=64).contains(&text.len()) && text.chars().all(|c| c.is_ascii_alphanumeric() || "_-|*@".contains(c))
}

/// The provider's word on a refund of its book.
fn refund_state(refund: &SandboxRefund) -> RefundState {
    let refund_id = refund.refund_id.clone();
    match refund.status.as_str() {
        SUCCESS => RefundState::Succeeded { refund_id, at: refund.succeeded_at.unwrap_or_default() },
        ABNORMAL => RefundState::Failed { refund_id, why: "退款异常：用户银行卡作废或冻结".into() },
        _ => RefundState::Processing { refund_id },
    }
}

impl Sandbox {
    /// The sandbox over `db`'s book, telling time by `clock`, with the
    /// APIv3 key and failure rate of `settings`, notifying the merchant
    /// server at `base_url` (its `/api/payments/notify`).
    pub fn new(db: Db, clock: Arc<dyn Clock>, settings: &Settings, base_url: &str) -> Result<Self, wechat::KeyError> {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default();
        let keys = PlatformKeys::new(vec![
            Verifier::from_pem(PLATFORM_PUBLIC_KEY)?,
            Verifier::from_pem(PLATFORM_NEXT_PUBLIC_KEY)?,
        ])?;
        Ok(Self {
            book: Book::new(db),
            clock,
            signers: [Signer::from_pem(PLATFORM_PRIVATE_KEY)?, Signer::from_pem(PLATFORM_NEXT_PRIVATE_KEY)?],
            rotated: AtomicBool::new(false),
            reader: NoticeReader::new(keys, settings.payment_apiv3_key.clone()),
            merchant: Verifier::with_serial(MERCHANT_PUBLIC_KEY, MERCHANT_SERIAL)?,
            apiv3_key: settings.payment_apiv3_key.clone(),
            failure_rate: settings.sandbox_failure_rate,
            probe_rate: settings.sandbox_probe_rate,
            retries: settings.sandbox_notify_retries.clone(),
            probes: retries::Probes::default(),
            notify_url: format!("{}/api/payments/notify", base_url.trim_end_matches('/')),
            refund_notify_url: format!("{}/api/refunds/notify", base_url.trim_end_matches('/')),
            http,
        })
    }

    /// The platform key that signs now (tests forge and replay with it).
    pub fn signer(&self) -> &Signer {
        &self.signers[usize::from(self.rotated.load(Ordering::Relaxed))]
    }

    /// The platform rotates its key: from now on it signs with the next
    /// one, which merchants already hold beside the current one.
    pub fn rotate(&self) {
        self.rotated.store(true, Ordering::Relaxed);
        tracing::info!(serial = self.signer().serial(), "sandbox: the platform key rotated");
    }

    /// One payment of the book.
    pub async fn find(&self, out_trade_no: &str) -> Result<Option<SandboxPayment>, crate::db::Error> {
        self.book.find(out_trade_no).await
    }

    /// The payer pays: the payment becomes paid and its notification due.
    pub async fn pay(&self, out_trade_no: &str) -> Result<PayerOutcome, crate::db::Error> {
        self.book.pay(out_trade_no, self.clock.now()).await
    }

    /// One refund of the book.
    pub async fn find_refund(&self, out_refund_no: &str) -> Result<Option<SandboxRefund>, crate::db::Error> {
        self.book.find_refund(out_refund_no).await
    }

    /// A refund on its way cannot reach the payer (a closed account): it
    /// ends abnormal and its notification is due. False when it was not on its way.
    pub async fn refund_abnormal(&self, out_refund_no: &str) -> Result<bool, crate::db::Error> {
        self.book.refund_abnormal(out_refund_no, self.clock.now()).await
    }

    /// The payer's payment fails (wrong password, no funds): it stays unpaid
    /// at the merchant, who may open another attempt.
    pub async fn fail(&self, out_trade_no: &str) -> Result<PayerOutcome, crate::db::Error> {
        self.book.fail(out_trade_no, self.clock.now()).await
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
                let pay_sign = self.signer().sign(message.as_bytes());
                PaymentPrompt::MiniProgram { prepay_id, time_stamp, nonce_str, package, pay_sign }
            }
            PayChannel::OnlineBanking => PaymentPrompt::BankRedirect { url: format!("/sandbox/bank/{out_trade_no}") },
        }
    }

    /// Opens a payment; the merchant is told at `notify_url` when it gives one.
    async fn create_payment(
        &self,
        request: &PaymentRequest,
        notify_url: Option<&str>,
    ) -> Result<PaymentPrompt, GatewayError> {
        if self.failure_rate > 0.0 && rand::thread_rng().gen_bool(self.failure_rate.min(1.0)) {
            return Err(GatewayError::Unavailable("the sandbox simulates an outage".into()));
        }
        if !is_trade_no(&request.out_trade_no) {
            return Err(GatewayError::Rejected(format!("invalid out_trade_no {:?}", request.out_trade_no)));
        }
        let inserted = self.book.open(request, notify_url, self.clock.now()).await.map_err(unavailable)?;
        if !inserted {
            // Like WeChat: the same request again answers the same payment;
            // another amount under the same number is refused.
            let existing = self.find(&request.out_trade_no).await.map_err(unavailable)?;
            match existing {
                Some(p) if p.amount_fen != request.amount_fen || p.channel != request.channel => {
                    return Err(GatewayError::Rejected("out_trade_no already used for another payment".into()));
                }
                Some(p) if p.status != PENDING => {
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
            PAID => ProviderStatus::Paid {
                transaction_id: payment.transaction_id.unwrap_or_default(),
                amount_fen: payment.amount_fen,
                paid_at: payment.paid_at.unwrap_or(payment.created_at),
            },
            FAILED => ProviderStatus::Failed,
            CLOSED => ProviderStatus::Closed,
            _ => ProviderStatus::NotPaid,
        })
    }

    async fn close_payment(&self, out_trade_no: &str) -> Result<(), GatewayError> {
        let changed = self.book.close(out_trade_no).await.map_err(unavailable)?;
        if changed {
            tracing::info!(out_trade_no, "sandbox: payment closed");
            return Ok(());
        }
        match self.find(out_trade_no).await.map_err(unavailable)? {
            Some(p) if p.status == CLOSED => Ok(()),
            Some(p) => Err(GatewayError::Rejected(format!("a {} payment cannot be closed", p.status))),
            None => Err(GatewayError::Rejected(format!("no payment {out_trade_no}"))),
        }
    }
}

impl Sandbox {
    /// Takes a refund; the merchant is told at `notify_url` when it gives one.
    async fn take_refund(
        &self,
        request: &RefundRequest,
        notify_url: Option<&str>,
    ) -> Result<RefundState, GatewayError> {
        if self.failure_rate > 0.0 && rand::thread_rng().gen_bool(self.failure_rate.min(1.0)) {
            return Err(GatewayError::Unavailable("the sandbox simulates an outage".into()));
        }
        if !is_refund_no(&request.out_refund_no) {
            return Err(GatewayError::Rejected(format!("invalid out_refund_no {:?}", request.out_refund_no)));
        }
        let paid = self.find(&request.out_trade_no).await.map_err(unavailable)?;
        if paid.as_ref().is_some_and(|p| p.amount_fen != request.total_fen) {
            return Err(GatewayError::Rejected("amount.total is not what the payment collected".into()));
        }
        let taken = self
            .book
            .take_refund(
                &request.out_refund_no,
                &request.out_trade_no,
                request.amount_fen,
                notify_url,
                self.clock.now(),
            )
            .await
            .map_err(unavailable)?;
        match taken {
            Ok(refund) => {
                tracing::info!(
                    out_refund_no = refund.out_refund_no,
                    amount_fen = refund.amount_fen,
                    "sandbox: refund taken"
                );
                Ok(refund_state(&refund))
            }
            Err(RefundRefused::NotPaid) => {
                Err(GatewayError::Rejected(format!("no paid payment {}", request.out_trade_no)))
            }
            Err(RefundRefused::NumberTaken) => {
                Err(GatewayError::Rejected("out_refund_no already used for another refund".into()))
            }
            Err(RefundRefused::NotEnough) => {
                Err(GatewayError::Rejected("NOT_ENOUGH: more than is left to refund".into()))
            }
        }
    }

    async fn query_refund_state(&self, out_refund_no: &str) -> Result<RefundState, GatewayError> {
        let refund = self
            .find_refund(out_refund_no)
            .await
            .map_err(unavailable)?
            .ok_or_else(|| GatewayError::Rejected(format!("no refund {out_refund_no}")))?;
        Ok(refund_state(&refund))
    }
}

impl PaymentGateway for Sandbox {
    fn create<'a>(&'a self, request: &'a PaymentRequest) -> BoxFuture<'a, Result<PaymentPrompt, GatewayError>> {
        Box::pin(self.create_payment(request, None))
    }

    fn query<'a>(&'a self, out_trade_no: &'a str) -> BoxFuture<'a, Result<ProviderStatus, GatewayError>> {
        Box::pin(self.query_payment(out_trade_no))
    }

    fn close<'a>(&'a self, out_trade_no: &'a str) -> BoxFuture<'a, Result<(), GatewayError>> {
        Box::pin(self.close_payment(out_trade_no))
    }

    fn verify_notice(&self, headers: &HeaderMap, body: &[u8], now: Instant) -> Result<Notice, GatewayError> {
        self.reader.payment(headers, body, now)
    }

    fn refund<'a>(&'a self, request: &'a RefundRequest) -> BoxFuture<'a, Result<RefundState, GatewayError>> {
        Box::pin(self.take_refund(request, None))
    }

    fn query_refund<'a>(&'a self, out_refund_no: &'a str) -> BoxFuture<'a, Result<RefundState, GatewayError>> {
        Box::pin(self.query_refund_state(out_refund_no))
    }

    fn verify_refund_notice(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: Instant,
    ) -> Result<RefundNotice, GatewayError> {
        self.reader.refund(headers, body, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pay_4_trade_numbers_follow_wechat_rules() {
        assert!(is_trade_no("E000000000101"));
        assert!(!is_trade_no("short"));
        assert!(!is_trade_no("with space 123"));
        assert!(!is_trade_no("<script>alert(1)</script>"));
        assert!(is_refund_no("E000000000101-1"));
        assert!(!is_refund_no(""));
        assert!(!is_refund_no(&"9".repeat(65)));
    }
}
