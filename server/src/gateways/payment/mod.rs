//! Payment providers behind one gateway interface (PAY-4). The bundled
//! sandbox behaves like WeChat Pay API v3: a QR code or an in-app prompt,
//! then an asynchronous, signed, encrypted notification.

pub mod sandbox;
pub mod wechat;

use api_types::PaymentPrompt;
use axum::http::HeaderMap;
use domain::Instant;
use std::future::Future;
use std::pin::Pin;

/// A boxed future, so the gateway can sit behind `Arc<dyn PaymentGateway>`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How the payer pays at the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayChannel {
    /// WeChat Pay by QR code (web console).
    WechatNative,
    /// WeChat Pay prompt inside the mini-program.
    WechatMiniProgram,
    /// Online banking: the payer is sent to the bank's page.
    OnlineBanking,
}

/// What the server asks the provider to collect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    pub out_trade_no: String,
    pub amount_fen: i64,
    pub description: String,
    pub channel: PayChannel,
    pub expires_at: Instant,
}

/// The provider's word on a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderStatus {
    NotPaid,
    Paid { transaction_id: String, amount_fen: i64, paid_at: Instant },
    Failed,
    Closed,
}

/// A notification, believed only after signature, timestamp and decryption checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The notification's own id, for replay detection.
    pub id: String,
    pub out_trade_no: String,
    pub transaction_id: String,
    pub amount_fen: i64,
    pub success: bool,
    pub paid_at: Instant,
}

/// What the server asks the provider to return: all of one payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    pub out_refund_no: String,
    pub out_trade_no: String,
    pub amount_fen: i64,
    /// What the payment collected (WeChat asks for both).
    pub total_fen: i64,
    /// Shown to the payer with the money.
    pub reason: String,
}

/// The provider's word on a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundState {
    /// Accepted; the money is on its way (a notification follows).
    Processing { refund_id: String },
    /// The money is back with the payer.
    Succeeded { refund_id: String, at: Instant },
    /// It could not be returned (the payer's account is closed, say): a person decides.
    Failed { refund_id: String, why: String },
}

/// A refund notification, believed only after the same checks as a payment's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundNotice {
    /// The notification's own id, for replay detection.
    pub id: String,
    pub out_refund_no: String,
    pub out_trade_no: String,
    pub amount_fen: i64,
    pub state: RefundState,
}

/// Why the gateway failed.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("the payment provider cannot be reached: {0}")]
    Unavailable(String),
    #[error("the payment provider refused: {0}")]
    Rejected(String),
    #[error("the notification's signature does not verify")]
    BadSignature,
    #[error("a signature probe: the provider checks that forged signatures are refused")]
    SignatureProbe,
    #[error("the notification's timestamp is outside the accepted window")]
    Stale,
    #[error("the notification is malformed: {0}")]
    Malformed(String),
}

/// A payment provider.
pub trait PaymentGateway: Send + Sync + std::fmt::Debug {
    /// Opens a payment and returns what the payer is shown.
    fn create<'a>(&'a self, request: &'a PaymentRequest) -> BoxFuture<'a, Result<PaymentPrompt, GatewayError>>;
    /// Asks the provider about a payment (reconciliation).
    fn query<'a>(&'a self, out_trade_no: &'a str) -> BoxFuture<'a, Result<ProviderStatus, GatewayError>>;
    /// Closes an unpaid payment at the provider.
    fn close<'a>(&'a self, out_trade_no: &'a str) -> BoxFuture<'a, Result<(), GatewayError>>;
    /// Verifies a notification's signature and timestamp and decrypts it.
    fn verify_notice(&self, headers: &HeaderMap, body: &[u8], now: Instant) -> Result<Notice, GatewayError>;
    /// Asks the provider to return a payment; the same `out_refund_no` again
    /// answers the same refund.
    fn refund<'a>(&'a self, request: &'a RefundRequest) -> BoxFuture<'a, Result<RefundState, GatewayError>>;
    /// Asks the provider about a refund (reconciliation).
    fn query_refund<'a>(&'a self, out_refund_no: &'a str) -> BoxFuture<'a, Result<RefundState, GatewayError>>;
    /// Verifies a refund notification as [`PaymentGateway::verify_notice`] does.
    fn verify_refund_notice(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: Instant,
    ) -> Result<RefundNotice, GatewayError>;
}
