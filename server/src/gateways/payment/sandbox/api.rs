//! The sandbox's WeChat Pay API v3, served over HTTP in development under
//! `/sandbox` (so its base URL is `http://host:port/sandbox`): what the
//! WeChat Pay client is tested against, over loopback. Like the platform,
//! it believes a request only with the demo merchant's signature made
//! within five minutes, signs every answer with its current platform key,
//! and sends notifications to the `notify_url` each request names.
//!
//! It takes payments by QR code, answers queries, closes payments, takes
//! and answers refunds: the calls the product and its reconciliation make.

use super::{MCHID, Sandbox, refund_state as book_refund_state};
use crate::AppState;
use crate::gateways::payment::wechat::api::{
    self, Close, NativeOrder, NativePrompt, PaidAmount, RefundOrder, RefundProgress, Refusal, TransactionState,
};
use crate::gateways::payment::wechat::authorization::{self, Signed};
use crate::gateways::payment::wechat::{self, parse_time, rfc3339_cst};
use crate::gateways::payment::{GatewayError, PayChannel, PaymentRequest, RefundRequest, RefundState};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The API's routes, relative to the sandbox's base.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(api::NATIVE, post(native))
        .route("/v3/pay/transactions/out-trade-no/{out_trade_no}", get(transaction))
        .route("/v3/pay/transactions/out-trade-no/{out_trade_no}/close", post(close))
        .route(api::REFUNDS, post(refund))
        .route("/v3/refund/domestic/refunds/{out_refund_no}", get(refund_progress))
}

/// An answer of the platform's: a status and a JSON body (or none), signed.
struct Answer {
    status: StatusCode,
    body: Vec<u8>,
}

impl Answer {
    fn json(status: StatusCode, body: &impl Serialize) -> Self {
        Self { status, body: serde_json::to_vec(body).unwrap_or_default() }
    }

    fn refused(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self::json(status, &Refusal { code: code.to_owned(), message: message.into() })
    }

    fn signed(self, sandbox: &Sandbox) -> Response {
        let signed = wechat::sign(sandbox.signer(), self.body, sandbox.clock.now());
        let mut headers = signed.headers();
        if signed.body.is_empty() {
            headers.remove(header::CONTENT_TYPE);
        }
        (self.status, headers, signed.body).into_response()
    }
}

impl From<GatewayError> for Answer {
    fn from(error: GatewayError) -> Self {
        match error {
            GatewayError::Unavailable(why) => Self::refused(StatusCode::INTERNAL_SERVER_ERROR, "SYSTEM_ERROR", why),
            GatewayError::Rejected(why) => Self::refused(StatusCode::BAD_REQUEST, "INVALID_REQUEST", why),
            GatewayError::BadSignature | GatewayError::SignatureProbe => {
                Self::refused(StatusCode::UNAUTHORIZED, "SIGN_ERROR", "签名错误")
            }
            GatewayError::Stale => Self::refused(StatusCode::UNAUTHORIZED, "SIGN_ERROR", "请求时间戳超出五分钟"),
            GatewayError::Malformed(why) => Self::refused(StatusCode::BAD_REQUEST, "PARAM_ERROR", why),
        }
    }
}

/// Whether the request is the demo merchant's, signed within five minutes.
fn believe(sandbox: &Sandbox, method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Result<(), Answer> {
    // Signed as the merchant sent it: the path under the platform's base
    // (the router hands it over with `/sandbox` taken off).
    let path_and_query = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    let value = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let signed = Signed { method: method.as_str(), path_and_query, body };
    authorization::verify(value, MCHID, &sandbox.merchant, signed, sandbox.clock.now()).map_err(Answer::from)
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Answer> {
    serde_json::from_slice(body).map_err(|e| Answer::refused(StatusCode::BAD_REQUEST, "PARAM_ERROR", e.to_string()))
}

async fn native(State(state): State<AppState>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    // Served in development only, where the sandbox always is.
    let Some(sandbox) = state.sandbox() else { return StatusCode::NOT_FOUND.into_response() };
    if let Err(refusal) = believe(sandbox, &method, &uri, &headers, &body) {
        return refusal.signed(sandbox);
    }
    let answer = async {
        let order: NativeOrder = parse(&body)?;
        if order.mchid != MCHID {
            return Err(Answer::refused(StatusCode::BAD_REQUEST, "MCH_NOT_EXISTS", "商户号不存在"));
        }
        if order.amount.currency != "CNY" || order.amount.total <= 0 {
            return Err(Answer::refused(StatusCode::BAD_REQUEST, "PARAM_ERROR", "amount"));
        }
        let expires_at = parse_time(&order.time_expire).map_err(Answer::from)?;
        let request = PaymentRequest {
            out_trade_no: order.out_trade_no,
            amount_fen: order.amount.total,
            description: order.description,
            channel: PayChannel::WechatNative,
            expires_at,
        };
        let prompt = sandbox.create_payment(&request, Some(&order.notify_url)).await?;
        match prompt {
            api_types::PaymentPrompt::QrCode { code_url } => {
                Ok(Answer::json(StatusCode::OK, &NativePrompt { code_url }))
            }
            _ => Err(Answer::refused(StatusCode::INTERNAL_SERVER_ERROR, "SYSTEM_ERROR", "not a QR code")),
        }
    }
    .await;
    answer.unwrap_or_else(|refusal| refusal).signed(sandbox)
}

async fn transaction(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(out_trade_no): Path<String>,
) -> Response {
    // Served in development only, where the sandbox always is.
    let Some(sandbox) = state.sandbox() else { return StatusCode::NOT_FOUND.into_response() };
    if let Err(refusal) = believe(sandbox, &method, &uri, &headers, b"") {
        return refusal.signed(sandbox);
    }
    let answer = match sandbox.find(&out_trade_no).await {
        Err(e) => Answer::from(super::unavailable(e)),
        Ok(None) => Answer::refused(StatusCode::NOT_FOUND, "ORDER_NOT_EXIST", "订单不存在"),
        Ok(Some(payment)) => {
            let (trade_state, desc) = match payment.status.as_str() {
                super::PAID => ("SUCCESS", "支付成功"),
                super::FAILED => ("PAYERROR", "支付失败"),
                super::CLOSED => ("CLOSED", "已关闭"),
                _ => ("NOTPAY", "未支付"),
            };
            let paid = payment.status == super::PAID;
            Answer::json(
                StatusCode::OK,
                &TransactionState {
                    appid: super::APP_ID.to_owned(),
                    mchid: MCHID.to_owned(),
                    out_trade_no: payment.out_trade_no,
                    transaction_id: payment.transaction_id.filter(|_| paid),
                    trade_state: trade_state.to_owned(),
                    trade_state_desc: desc.to_owned(),
                    success_time: payment.paid_at.filter(|_| paid).map(rfc3339_cst),
                    amount: PaidAmount {
                        total: payment.amount_fen,
                        payer_total: paid.then_some(payment.amount_fen),
                        currency: "CNY".into(),
                    },
                },
            )
        }
    };
    answer.signed(sandbox)
}

async fn close(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(out_trade_no): Path<String>,
    body: Bytes,
) -> Response {
    // Served in development only, where the sandbox always is.
    let Some(sandbox) = state.sandbox() else { return StatusCode::NOT_FOUND.into_response() };
    if let Err(refusal) = believe(sandbox, &method, &uri, &headers, &body) {
        return refusal.signed(sandbox);
    }
    let answer = async {
        let close: Close = parse(&body)?;
        if close.mchid != MCHID {
            return Err(Answer::refused(StatusCode::BAD_REQUEST, "MCH_NOT_EXISTS", "商户号不存在"));
        }
        sandbox.close_payment(&out_trade_no).await?;
        Ok(Answer { status: StatusCode::NO_CONTENT, body: Vec::new() })
    }
    .await;
    answer.unwrap_or_else(|refusal| refusal).signed(sandbox)
}

fn progress(out_refund_no: &str, out_trade_no: &str, state: &RefundState, refund: i64, total: i64) -> RefundProgress {
    let (refund_id, status, success_time) = match state {
        RefundState::Processing { refund_id } => (refund_id, "PROCESSING", None),
        RefundState::Succeeded { refund_id, at } => (refund_id, "SUCCESS", Some(rfc3339_cst(*at))),
        RefundState::Failed { refund_id, .. } => (refund_id, "ABNORMAL", None),
    };
    RefundProgress {
        refund_id: refund_id.clone(),
        out_refund_no: out_refund_no.to_owned(),
        out_trade_no: out_trade_no.to_owned(),
        status: status.to_owned(),
        success_time,
        amount: api::RefundAmount { refund, total, currency: "CNY".into() },
    }
}

async fn refund(State(state): State<AppState>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    // Served in development only, where the sandbox always is.
    let Some(sandbox) = state.sandbox() else { return StatusCode::NOT_FOUND.into_response() };
    if let Err(refusal) = believe(sandbox, &method, &uri, &headers, &body) {
        return refusal.signed(sandbox);
    }
    let answer = async {
        let order: RefundOrder = parse(&body)?;
        let request = RefundRequest {
            out_refund_no: order.out_refund_no.clone(),
            out_trade_no: order.out_trade_no.clone(),
            amount_fen: order.amount.refund,
            total_fen: order.amount.total,
            reason: order.reason,
        };
        let taken = sandbox.take_refund(&request, Some(&order.notify_url)).await?;
        let body = progress(&order.out_refund_no, &order.out_trade_no, &taken, order.amount.refund, order.amount.total);
        Ok(Answer::json(StatusCode::OK, &body))
    }
    .await;
    answer.unwrap_or_else(|refusal: Answer| refusal).signed(sandbox)
}

async fn refund_progress(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(out_refund_no): Path<String>,
) -> Response {
    // Served in development only, where the sandbox always is.
    let Some(sandbox) = state.sandbox() else { return StatusCode::NOT_FOUND.into_response() };
    if let Err(refusal) = believe(sandbox, &method, &uri, &headers, b"") {
        return refusal.signed(sandbox);
    }
    let answer = match sandbox.find_refund(&out_refund_no).await {
        Err(e) => Answer::from(super::unavailable(e)),
        Ok(None) => Answer::refused(StatusCode::NOT_FOUND, "RESOURCE_NOT_EXISTS", "退款单不存在"),
        Ok(Some(refund)) => {
            let total = match sandbox.find(&refund.out_trade_no).await {
                Ok(Some(payment)) => payment.amount_fen,
                _ => refund.amount_fen,
            };
            let state = book_refund_state(&refund);
            Answer::json(
                StatusCode::OK,
                &progress(&refund.out_refund_no, &refund.out_trade_no, &state, refund.amount_fen, total),
            )
        }
    };
    answer.signed(sandbox)
}
