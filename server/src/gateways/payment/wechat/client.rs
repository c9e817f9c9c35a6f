//! The WeChat Pay API v3 client: the payment gateway production uses. Every
//! request carries the merchant's signature (see [`super::authorization`]);
//! every answer must carry the platform's, checked against the platform keys
//! it holds, or it is not believed.
//!
//! It takes payments by QR code (the web console). The mini-program's
//! prompt (JSAPI) needs the payer's `openid` from the mini-program's own
//! WeChat sign-in, which this product does not have yet, and WeChat Pay has
//! no online banking: both are refused as the provider would refuse them.

use super::api::{
    self, Amount, Close, NativeOrder, NativePrompt, RefundOrder, RefundProgress, Refusal, TransactionState,
};
use super::authorization::{Signed, authorization};
use super::notice::{NoticeReader, refund_state};
use super::{KeyError, Signer, parse_time, rfc3339_cst, verify_signed};
use crate::clock::Clock;
use crate::gateways::payment::{
    BoxFuture, GatewayError, Notice, PayChannel, PaymentGateway, PaymentRequest, ProviderStatus, RefundNotice,
    RefundRequest, RefundState,
};
use api_types::PaymentPrompt;
use axum::http::{HeaderMap, Method, header};
use domain::Instant;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Duration;

/// What the client needs to know of the merchant and the provider.
#[derive(Debug, Clone)]
pub struct Merchant {
    /// The API's base URL (`https://api.mch.weixin.qq.com`).
    pub base_url: String,
    pub mchid: String,
    pub appid: String,
    /// The merchant's private key and its certificate's serial.
    pub signer: Signer,
    /// Where the provider sends payment and refund notifications.
    pub notify_url: String,
    pub refund_notify_url: String,
}

/// The client.
pub struct WechatPay {
    merchant: Merchant,
    reader: NoticeReader,
    clock: Arc<dyn Clock>,
    http: reqwest::Client,
}

impl std::fmt::Debug for WechatPay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WechatPay")
            .field("base_url", &self.merchant.base_url)
            .field("mchid", &self.merchant.mchid)
            .finish_non_exhaustive()
    }
}

impl WechatPay {
    /// A client for `merchant`, believing what `reader` believes, signing as of `clock`.
    pub fn new(merchant: Merchant, reader: NoticeReader, clock: Arc<dyn Clock>) -> Result<Self, KeyError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("esign-purchase/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| KeyError::new(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self { merchant, reader, clock, http })
    }

    /// One signed call; `None` for an answer without a body (204).
    async fn call<A: DeserializeOwned>(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<&impl Serialize>,
    ) -> Result<Option<A>, GatewayError> {
        let body = match body {
            Some(body) => serde_json::to_vec(body).map_err(|e| GatewayError::Malformed(format!("request: {e}")))?,
            None => Vec::new(),
        };
        let signed = Signed { method: method.as_str(), path_and_query, body: &body };
        let auth = authorization(&self.merchant.mchid, &self.merchant.signer, signed, self.clock.now());
        let url = format!("{}{path_and_query}", self.merchant.base_url.trim_end_matches('/'));
        let mut request = self
            .http
            .request(method, &url)
            .header(header::AUTHORIZATION, auth)
            .header(header::ACCEPT, "application/json");
        if !body.is_empty() {
            request = request.header(header::CONTENT_TYPE, "application/json").body(body);
        }
        let answer = request.send().await.map_err(|e| GatewayError::Unavailable(format!("{url}: {e}")))?;
        let status = answer.status();
        let headers = answer.headers().clone();
        let bytes = answer.bytes().await.map_err(|e| GatewayError::Unavailable(format!("{url}: {e}")))?;
        if let Err(error) = verify_signed(self.reader.keys(), &headers, &bytes, self.clock.now()) {
            tracing::error!(url, %status, %error, "an answer the platform did not sign: not believed");
            return Err(GatewayError::Unavailable(format!("the answer of {url} is not signed by the platform")));
        }
        if status.is_server_error() {
            return Err(GatewayError::Unavailable(format!("{url} answered {status}")));
        }
        if !status.is_success() {
            let refusal: Refusal = serde_json::from_slice(&bytes).unwrap_or_else(|_| Refusal {
                code: status.as_str().to_owned(),
                message: String::from_utf8_lossy(&bytes).into_owned(),
            });
            return Err(GatewayError::Rejected(format!("{}: {}", refusal.code, refusal.message)));
        }
        if bytes.is_empty() {
            return Ok(None);
        }
        serde_json::from_slice(&bytes).map(Some).map_err(|e| GatewayError::Malformed(format!("answer of {url}: {e}")))
    }

    /// [`WechatPay::call`] for a call that must answer a body.
    async fn ask<A: DeserializeOwned>(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<&impl Serialize>,
    ) -> Result<A, GatewayError> {
        self.call(method, path_and_query, body)
            .await?
            .ok_or_else(|| GatewayError::Malformed(format!("{path_and_query} answered no body")))
    }

    async fn create_payment(&self, request: &PaymentRequest) -> Result<PaymentPrompt, GatewayError> {
        match request.channel {
            PayChannel::WechatNative => {}
            PayChannel::WechatMiniProgram => {
                return Err(GatewayError::Rejected(
                    "the mini-program's payment needs the payer's openid, which its WeChat sign-in provides".into(),
                ));
            }
            PayChannel::OnlineBanking => {
                return Err(GatewayError::Rejected("WeChat Pay does not take online banking".into()));
            }
        }
        let order = NativeOrder {
            appid: self.merchant.appid.clone(),
            mchid: self.merchant.mchid.clone(),
            description: request.description.clone(),
            out_trade_no: request.out_trade_no.clone(),
            time_expire: rfc3339_cst(request.expires_at),
            notify_url: self.merchant.notify_url.clone(),
            amount: Amount { total: request.amount_fen, currency: "CNY".into() },
        };
        let prompt: NativePrompt = self.ask(Method::POST, api::NATIVE, Some(&order)).await?;
        Ok(PaymentPrompt::QrCode { code_url: prompt.code_url })
    }

    async fn query_payment(&self, out_trade_no: &str) -> Result<ProviderStatus, GatewayError> {
        let path = api::transaction(out_trade_no, &self.merchant.mchid);
        let state: TransactionState = self.ask(Method::GET, &path, None::<&()>).await?;
        provider_status(&state)
    }

    async fn close_payment(&self, out_trade_no: &str) -> Result<(), GatewayError> {
        let body = Close { mchid: self.merchant.mchid.clone() };
        self.call::<serde_json::Value>(Method::POST, &api::close(out_trade_no), Some(&body)).await.map(drop)
    }

    async fn take_refund(&self, request: &RefundRequest) -> Result<RefundState, GatewayError> {
        let order = RefundOrder {
            out_trade_no: request.out_trade_no.clone(),
            out_refund_no: request.out_refund_no.clone(),
            reason: request.reason.clone(),
            notify_url: self.merchant.refund_notify_url.clone(),
            amount: api::RefundAmount { refund: request.amount_fen, total: request.total_fen, currency: "CNY".into() },
        };
        let progress: RefundProgress = self.ask(Method::POST, api::REFUNDS, Some(&order)).await?;
        refund_state(&progress.status, progress.refund_id, progress.success_time.as_deref())
    }

    async fn query_refund_state(&self, out_refund_no: &str) -> Result<RefundState, GatewayError> {
        let progress: RefundProgress = self.ask(Method::GET, &api::refund(out_refund_no), None::<&()>).await?;
        refund_state(&progress.status, progress.refund_id, progress.success_time.as_deref())
    }
}

/// The provider's word on a payment, from its answer.
fn provider_status(state: &TransactionState) -> Result<ProviderStatus, GatewayError> {
    Ok(match state.trade_state.as_str() {
        // Refunded since: it was paid all the same.
        "SUCCESS" | "REFUND" => ProviderStatus::Paid {
            transaction_id: state.transaction_id.clone().unwrap_or_default(),
            amount_fen: state.amount.total,
            paid_at: match &state.success_time {
                Some(text) => parse_time(text)?,
                None => return Err(GatewayError::Malformed("a paid transaction without success_time".into())),
            },
        },
        "NOTPAY" | "USERPAYING" => ProviderStatus::NotPaid,
        "CLOSED" | "REVOKED" => ProviderStatus::Closed,
        "PAYERROR" => ProviderStatus::Failed,
        other => return Err(GatewayError::Malformed(format!("trade_state {other}"))),
    })
}

impl PaymentGateway for WechatPay {
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
        self.reader.payment(headers, body, now)
    }

    fn refund<'a>(&'a self, request: &'a RefundRequest) -> BoxFuture<'a, Result<RefundState, GatewayError>> {
        Box::pin(self.take_refund(request))
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
