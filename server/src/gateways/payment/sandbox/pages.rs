//! The payer's side, development only: the HTML pages a payer pays or fails
//! on (WeChat and online banking), and the JSON confirm action the app's
//! mini-program sheet uses in place of WeChat's.

use super::book::{CLOSED, FAILED, PAID, PENDING, PayerOutcome, SandboxPayment};
use super::{Sandbox, is_trade_no};
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::{DomainError, ErrorCode, Instant};
use serde::Serialize;
use utoipa::ToSchema;

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
        (status = 404, description = "`not_found`: no such payment, or outside development", body = api_types::ErrorBody),
        (status = 409, description = "`invalid_state`: the payment is not pending (field `payment`: paid, failed or closed already; `expires_at`: past the merchant's deadline)", body = api_types::ErrorBody),
    ),
)]
pub async fn confirm(State(state): State<AppState>, Path(key): Path<String>) -> Result<Json<Confirmed>, ApiError> {
    let sandbox = state
        .sandbox()
        .filter(|_| state.settings.development)
        .ok_or_else(|| ApiError::NotFound("no payment sandbox outside development".into()))?;
    let payment = lookup(sandbox, &key).await?.ok_or_else(|| ApiError::NotFound("no such payment".into()))?;
    match sandbox.pay(&payment.out_trade_no).await? {
        PayerOutcome::Done => Ok(Json(Confirmed { out_trade_no: payment.out_trade_no, status: PAID })),
        PayerOutcome::NotPending => {
            Err(ApiError::Refused(vec![DomainError::with_field(ErrorCode::InvalidState, "payment")]))
        }
        PayerOutcome::Expired => {
            Err(ApiError::Refused(vec![DomainError::with_field(ErrorCode::InvalidState, "expires_at")]))
        }
        PayerOutcome::Unknown => Err(ApiError::NotFound("no such payment".into())),
    }
}

/// The payer's pages: `/pay/{out_trade_no}` (WeChat) and
/// `/bank/{out_trade_no}` (online banking), each with `/pay` and `/fail`.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/pages.css", get(stylesheet))
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
async fn lookup(sandbox: &Sandbox, key: &str) -> Result<Option<SandboxPayment>, crate::db::Error> {
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

fn server_error(e: crate::db::Error) -> Response {
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
    let Some(sandbox) = state.sandbox() else { return not_found() };
    match lookup(sandbox, &key).await {
        Ok(Some(payment)) => Html(render(&payment, page, state.clock.now())).into_response(),
        Ok(None) => not_found(),
        Err(e) => server_error(e),
    }
}

async fn act(state: AppState, key: String, page: Page, pay: bool) -> Response {
    let Some(sandbox) = state.sandbox() else { return not_found() };
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

/// The pages' look, a file of its own: the security policy allows no inline style.
const STYLE: &str = include_str!("pages.css");

async fn stylesheet() -> impl IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE)
}

fn page_shell(title: &str, content: &str) -> String {
    format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{title}</title><link rel=\"stylesheet\" href=\"/sandbox/pages.css\"></head><body>{content}</body></html>"
    )
}

fn render(payment: &SandboxPayment, page: Page, now: Instant) -> String {
    let expired = payment.status == PENDING && payment.expires_at.is_some_and(|at| at <= now);
    let (status_key, status_text) = match payment.status.as_str() {
        PENDING if expired => ("expired", "已过期 Expired"),
        PENDING => ("pending", "待支付 Awaiting payment"),
        PAID => ("paid", "已支付 Paid"),
        FAILED => ("failed", "支付失败 Payment failed"),
        CLOSED => ("closed", "已关闭 Closed"),
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
    if payment.status == PAID {
        let notified = match (payment.notify_due_at, payment.notify_attempts) {
            (None, n) if n > 0 => format!("已送达（第 {n} 次）Delivered (attempt {n})"),
            (_, 0) => "发送中 Sending".to_owned(),
            (_, n) => format!("重试中（已尝试 {n} 次）Retrying ({n} attempts so far)"),
        };
        rows.push_str(&format!("<dt>商户通知 Notification</dt><dd data-testid=\"sandbox-notified\">{notified}</dd>"));
    }
    let buttons = if payment.status == PENDING && !expired {
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
    use crate::gateways::payment::PayChannel;

    #[test]
    fn pay_4_amounts_show_as_yuan_with_two_decimals() {
        assert_eq!(yuan(199_000), "1990.00");
        assert_eq!(yuan(5), "0.05");
        assert_eq!(yuan(0), "0.00");
    }

    #[test]
    fn pay_4_the_payer_page_escapes_the_description() {
        let payment = SandboxPayment {
            out_trade_no: "E000000000101".into(),
            channel: PayChannel::WechatNative,
            amount_fen: 199_000,
            description: "<b>高级版</b>".into(),
            status: PENDING.into(),
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
