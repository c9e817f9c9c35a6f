//! The bodies of the WeChat Pay API v3 calls this product makes, as both
//! ends read and write them: the client sends the requests, the sandbox
//! answers them. Paths are under the provider's base URL.

use serde::{Deserialize, Serialize};

/// `POST`: a payment by QR code.
pub const NATIVE: &str = "/v3/pay/transactions/native";
/// `POST`: a refund; `GET {REFUNDS}/{out_refund_no}` asks about one.
pub const REFUNDS: &str = "/v3/refund/domestic/refunds";

/// `GET`: the payment of `out_trade_no` (reconciliation).
pub fn transaction(out_trade_no: &str, mchid: &str) -> String {
    format!("/v3/pay/transactions/out-trade-no/{out_trade_no}?mchid={mchid}")
}

/// `POST`: closes the unpaid payment of `out_trade_no`.
pub fn close(out_trade_no: &str) -> String {
    format!("/v3/pay/transactions/out-trade-no/{out_trade_no}/close")
}

/// `GET`: the refund of `out_refund_no`.
pub fn refund(out_refund_no: &str) -> String {
    format!("{REFUNDS}/{out_refund_no}")
}

/// Amounts in fen, as a request gives them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amount {
    pub total: i64,
    pub currency: String,
}

/// The body of a payment by QR code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NativeOrder {
    pub appid: String,
    pub mchid: String,
    pub description: String,
    pub out_trade_no: String,
    /// RFC 3339: the provider closes the payment then.
    pub time_expire: String,
    pub notify_url: String,
    pub amount: Amount,
}

/// The answer to a payment by QR code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NativePrompt {
    pub code_url: String,
}

/// The body of a close.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Close {
    pub mchid: String,
}

/// The payer's amounts in an answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaidAmount {
    pub total: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_total: Option<i64>,
    pub currency: String,
}

/// The answer about a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionState {
    pub appid: String,
    pub mchid: String,
    pub out_trade_no: String,
    /// Only once paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// `SUCCESS`, `NOTPAY`, `CLOSED`, `PAYERROR`, `REFUND`, `USERPAYING`, `REVOKED`.
    pub trade_state: String,
    pub trade_state_desc: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
    pub amount: PaidAmount,
}

/// A refund's amounts in a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundAmount {
    pub refund: i64,
    pub total: i64,
    pub currency: String,
}

/// The body of a refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundOrder {
    pub out_trade_no: String,
    pub out_refund_no: String,
    pub reason: String,
    pub notify_url: String,
    pub amount: RefundAmount,
}

/// The answer about a refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundProgress {
    pub refund_id: String,
    pub out_refund_no: String,
    pub out_trade_no: String,
    /// `PROCESSING`, `SUCCESS`, `ABNORMAL` or `CLOSED`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
    pub amount: RefundAmount,
}

/// A refusal, as the provider words it (`PARAM_ERROR`, `SIGN_ERROR`, `ORDER_NOT_EXIST`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub code: String,
    pub message: String,
}
