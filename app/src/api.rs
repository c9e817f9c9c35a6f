//! The one module that talks to the server. Every call returns
//! `Result<T, ApiClientError>` and uses the API's wire types (`api_types`, the server's own), so the
//! client and the server cannot drift apart. Nothing else in the app does
//! HTTP, and no error is swallowed into an `Option`.

use api_types::{
    BindRequest, CheckRequest, ErrorBody, InvoiceAction, InvoiceRequest, PayRequest, RejectVerification, SendRequest,
    SignIn, StartTrial, SwitchIdentity,
};
use domain::billing::Billing;
use domain::invoice::TitleDraft;
use domain::sales::LeadRequest;
use domain::verification::Purpose;
use domain::{Catalog, Channel, DomainError, ErrorCode, PaymentMethod, Quote};
use gloo_net::http::{Request, RequestBuilder, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{EventSource, MessageEvent};

/// Why a call to the server failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiClientError {
    /// No answer at all: offline, server down, request refused by the browser.
    Network(String),
    /// The server refused with its error shape `{ "code", "message" }`.
    Server(Box<ServerError>),
    /// A failure status without that shape (a proxy's page, a crash).
    Status(u16),
    /// A success whose body is not what the API promises, e.g. a catalog
    /// whose version does not match its content.
    Decode(String),
}

/// A refusal in the API's error shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerError {
    pub status: u16,
    /// The deciding code (and field).
    pub error: DomainError,
    pub message: String,
    /// Every reason, when a rule refused (the deciding one first).
    pub reasons: Vec<DomainError>,
    /// With `quote_changed`: the fresh quote the server would charge (PRI-2).
    pub quote: Option<Quote>,
}

impl ApiClientError {
    /// The server's code, when the server refused.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Server(e) => Some(e.error.code),
            _ => None,
        }
    }
}

impl fmt::Display for ApiClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Network(detail) => write!(f, "network error: {detail}"),
            Self::Server(e) => write!(f, "HTTP {} {}: {}", e.status, e.error.code, e.message),
            Self::Status(status) => write!(f, "HTTP {status}"),
            Self::Decode(detail) => write!(f, "unexpected response body: {detail}"),
        }
    }
}

impl std::error::Error for ApiClientError {}

// ---- Wire types: the API's own, defined once in `api_types` ----

pub use api_types::{
    Bound, DemoAccount, DemoCloudAccount, Environment, InvoiceView, InvoiceableOrder, LeadDetail, LeadView, Me,
    MoneyToReturn, OpsAccount, OpsDelivery, OpsPayment, OpsRefund, OrderView, PayResponse, PaymentPrompt,
    PersonDetailsRequest, PlaceOrder, Progress, QuoteView, Sent, TimelineEntry, TitleView,
};
pub use api_types::{EnterpriseVerification, VerificationApplication, VerificationView};

// ---- Calls ----

/// `GET /api/catalog`: the catalog on sale. Deserialising it checks that its
/// version is the hash of its content (domain's `Catalog` does that itself).
pub async fn catalog() -> Result<Catalog, ApiClientError> {
    get("/api/catalog").await
}

/// `POST /api/session`: signs in (the session is an HttpOnly cookie).
pub async fn sign_in(login: &str, password: &str) -> Result<(), ApiClientError> {
    let body = SignIn { login: login.to_owned(), password: password.to_owned() };
    send_empty(Request::post("/api/session"), Some(&body)).await
}

/// `DELETE /api/session`: signs out.
pub async fn sign_out() -> Result<(), ApiClientError> {
    send_empty::<()>(Request::delete("/api/session"), None).await
}

/// `GET /api/me`; `unauthenticated` when nobody is signed in.
pub async fn me() -> Result<Me, ApiClientError> {
    get("/api/me").await
}

/// `PUT /api/session/identity` (ID-4): act as an enterprise joined, or as the person (`None`).
pub async fn switch_identity(enterprise_id: Option<i64>) -> Result<Me, ApiClientError> {
    send(Request::put("/api/session/identity"), &SwitchIdentity { enterprise_id }).await
}

/// `GET /api/environment`: whether the server runs in development.
pub async fn environment() -> Result<Environment, ApiClientError> {
    get("/api/environment").await
}

/// `POST /api/sales/leads`: a contact request for a sales manager (SAL-1, CH-4).
pub async fn leave_lead(lead: &LeadRequest) -> Result<LeadView, ApiClientError> {
    send(Request::post("/api/sales/leads"), lead).await
}

/// `GET /api/sales/leads?status=&kind=`: the sales console's inbox, newest first (sales managers only).
pub async fn sales_leads(
    status: Option<domain::sales::LeadStatus>,
    kind: Option<domain::sales::LeadKind>,
) -> Result<Vec<LeadView>, ApiClientError> {
    let name = |v: serde_json::Value| v.as_str().map(|s| s.to_owned()).unwrap_or_default();
    let mut query = Vec::new();
    if let Some(status) = status.and_then(|s| serde_json::to_value(s).ok()) {
        query.push(format!("status={}", name(status)));
    }
    if let Some(kind) = kind {
        query.push(format!("kind={}", kind.as_str()));
    }
    get(&format!("/api/sales/leads?{}", query.join("&"))).await
}

/// `GET /api/sales/leads/{id}`: a lead with the buyer's account and orders.
pub async fn sales_lead(id: i64) -> Result<LeadDetail, ApiClientError> {
    get(&format!("/api/sales/leads/{id}")).await
}

/// `PUT /api/sales/leads/{id}/status`.
pub async fn set_lead_status(id: i64, status: domain::sales::LeadStatus) -> Result<LeadView, ApiClientError> {
    send(Request::put(&format!("/api/sales/leads/{id}/status")), &api_types::LeadStatusChange { status }).await
}

/// `POST /api/sales/leads/{id}/notes`.
pub async fn add_lead_note(id: i64, body: &str) -> Result<LeadView, ApiClientError> {
    send(Request::post(&format!("/api/sales/leads/{id}/notes")), &api_types::NoteRequest { body: body.to_owned() })
        .await
}

/// `POST /api/sales/leads/{id}/quotes`: a Flagship quote for the lead's account (SAL-1).
pub async fn issue_sales_quote(id: i64, offer: &domain::sales::QuoteOffer) -> Result<QuoteView, ApiClientError> {
    send(Request::post(&format!("/api/sales/leads/{id}/quotes")), offer).await
}

/// `GET /api/sales/quotes`: every sales quote issued to the acting account, newest first.
pub async fn sales_quotes() -> Result<Vec<QuoteView>, ApiClientError> {
    get("/api/sales/quotes").await
}

/// `GET /api/demo-accounts`: the demo people (development only; `not_found` elsewhere).
pub async fn demo_accounts() -> Result<Vec<DemoAccount>, ApiClientError> {
    get("/api/demo-accounts").await
}

/// `GET /api/dev/cloud-accounts`: the demo cloud accounts (development only; `not_found` elsewhere).
pub async fn demo_cloud_accounts() -> Result<Vec<DemoCloudAccount>, ApiClientError> {
    get("/api/dev/cloud-accounts").await
}

/// `POST /api/dev/cloud-session`: signs in through a demo cloud account (development only, CH-3).
pub async fn cloud_sign_in(cloud_account: &str) -> Result<(), ApiClientError> {
    let body = api_types::CloudSignIn { cloud_account: cloud_account.to_owned() };
    send_empty(Request::post("/api/dev/cloud-session"), Some(&body)).await
}

/// `POST /api/orders` with an `Idempotency-Key` (ORD-2).
pub async fn place_order(key: &str, order: &PlaceOrder) -> Result<OrderView, ApiClientError> {
    send(Request::post("/api/orders").header("Idempotency-Key", key), order).await
}

/// `GET /api/orders`: the orders this identity may see (VIS-1), newest first.
pub async fn orders() -> Result<Vec<OrderView>, ApiClientError> {
    get("/api/orders").await
}

/// `GET /api/orders/{id}`.
pub async fn order(id: i64) -> Result<OrderView, ApiClientError> {
    get(&format!("/api/orders/{id}")).await
}

/// `POST /api/orders/{id}/pay`.
pub async fn pay(id: i64, method: PaymentMethod) -> Result<PayResponse, ApiClientError> {
    send(Request::post(&format!("/api/orders/{id}/pay")), &PayRequest { method }).await
}

/// `POST /api/orders/{id}/cancel` (ORD-3).
pub async fn cancel(id: i64) -> Result<OrderView, ApiClientError> {
    send_no_body(Request::post(&format!("/api/orders/{id}/cancel"))).await
}

/// A subscription to `GET /api/orders/{id}/events` (server-sent events),
/// closed when dropped.
#[derive(Debug)]
pub struct OrderEvents {
    source: EventSource,
    _on_status: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl Drop for OrderEvents {
    fn drop(&mut self) {
        self.source.close();
    }
}

/// Follows an order's progress: `on_progress` gets each `status` event,
/// `on_error` whether the browser gave up (`true`) or is reconnecting.
/// The server marks its last event (after `closed`, `delivered`, or `bound`
/// for a personal order); the subscription closes itself then, so the
/// browser does not reconnect.
pub fn order_events(
    id: i64,
    mut on_progress: impl FnMut(Result<Progress, ApiClientError>) + 'static,
    mut on_error: impl FnMut(bool) + 'static,
) -> Result<OrderEvents, ApiClientError> {
    let source =
        EventSource::new(&format!("/api/orders/{id}/events")).map_err(|e| ApiClientError::Network(format!("{e:?}")))?;
    let on_status = {
        let source = source.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let data = event.data().as_string().unwrap_or_default();
            let progress = serde_json::from_str::<Progress>(&data).map_err(|e| ApiClientError::Decode(e.to_string()));
            if progress.as_ref().is_ok_and(|p| p.last) {
                source.close();
            }
            on_progress(progress);
        })
    };
    let on_error = {
        let source = source.clone();
        Closure::<dyn FnMut(web_sys::Event)>::new(move |_event: web_sys::Event| {
            on_error(source.ready_state() == EventSource::CLOSED);
        })
    };
    source
        .add_event_listener_with_callback("status", on_status.as_ref().unchecked_ref())
        .map_err(|e| ApiClientError::Network(format!("{e:?}")))?;
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    Ok(OrderEvents { source, _on_status: on_status, _on_error: on_error })
}

/// `POST /api/orders/{id}/bind` (BND-2).
pub async fn bind(id: i64, enterprise_id: i64) -> Result<Bound, ApiClientError> {
    send(Request::post(&format!("/api/orders/{id}/bind")), &BindRequest { enterprise_id }).await
}

/// `GET /api/billing?channel=…`: billing management (QUO-1, ADD-2, VIS-2).
pub async fn billing(channel: Channel) -> Result<Billing, ApiClientError> {
    get(&format!("/api/billing?channel={}", wire(&channel))).await
}

/// `GET /api/billing/quota-moves`: the quota history of contracts, newest
/// first, `limit` a page, older than `before` when given.
pub async fn quota_moves(before: Option<u64>, limit: u64) -> Result<api_types::QuotaHistory, ApiClientError> {
    let before = before.map(|b| format!("&before={b}")).unwrap_or_default();
    get(&format!("/api/billing/quota-moves?kind=contracts&limit={limit}{before}")).await
}

/// `POST /api/trial` (TRI-1): answers billing management as it now is.
pub async fn start_trial(channel: Channel) -> Result<Billing, ApiClientError> {
    send(Request::post("/api/trial"), &StartTrial { channel: Some(channel) }).await
}

/// `GET /api/invoices` (INV-1): the invoice centre's invoices.
pub async fn invoices() -> Result<Vec<InvoiceView>, ApiClientError> {
    get("/api/invoices").await
}

/// `GET /api/invoices/orders` (INV-1): the orders the invoice centre lists.
pub async fn invoiceable_orders() -> Result<Vec<InvoiceableOrder>, ApiClientError> {
    get("/api/invoices/orders").await
}

/// `GET /api/invoices/titles` (INV-1).
pub async fn invoice_titles() -> Result<Vec<TitleView>, ApiClientError> {
    get("/api/invoices/titles").await
}

/// `POST /api/invoices/titles` (INV-1), after the phone was verified for `invoice`.
pub async fn add_invoice_title(draft: &TitleDraft) -> Result<TitleView, ApiClientError> {
    send(Request::post("/api/invoices/titles"), draft).await
}

/// `POST /api/invoices` (INV-1): one invoice for these orders, to this title.
pub async fn request_invoice(order_ids: Vec<i64>, title_id: i64) -> Result<InvoiceView, ApiClientError> {
    send(Request::post("/api/invoices"), &InvoiceRequest { order_ids, title_id, channel: Channel::Web }).await
}

/// `POST /api/invoices/{id}/retry` (INV-1): asks again after the platform refused.
pub async fn retry_invoice(id: i64) -> Result<InvoiceView, ApiClientError> {
    send(Request::post(&format!("/api/invoices/{id}/retry")), &InvoiceAction::default()).await
}

/// `POST /api/invoices/{id}/reverse` (INV-1): 红冲.
pub async fn reverse_invoice(id: i64) -> Result<InvoiceView, ApiClientError> {
    send(Request::post(&format!("/api/invoices/{id}/reverse")), &InvoiceAction::default()).await
}

/// Where the issued PDF of invoice `id` is downloaded from.
pub fn invoice_document_url(id: i64) -> String {
    format!("/api/invoices/{id}/document")
}

/// `POST /api/verification/send` (VER-1): a code to the acting identity's phone.
pub async fn send_code(purpose: Purpose) -> Result<Sent, ApiClientError> {
    send(Request::post("/api/verification/send"), &SendRequest { purpose }).await
}

/// `POST /api/verification/check` (VER-1).
pub async fn check_code(purpose: Purpose, code: &str) -> Result<(), ApiClientError> {
    let body = CheckRequest { purpose, code: code.to_owned() };
    send_empty(Request::post("/api/verification/check"), Some(&body)).await
}

/// `GET /api/ops/payments?status=…`: money to return, to look at, on its
/// way back or returned (operators only).
pub async fn ops_payments(status: domain::payment::PaymentStatus) -> Result<Vec<OpsPayment>, ApiClientError> {
    let name = serde_json::to_value(status).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    get(&format!("/api/ops/payments?status={name}")).await
}

/// `POST /api/ops/payments/{out_trade_no}/refund` (ORD-3, operators only).
pub async fn ops_refund(out_trade_no: &str) -> Result<OpsRefund, ApiClientError> {
    send_no_body(Request::post(&format!("/api/ops/payments/{out_trade_no}/refund"))).await
}

/// `GET /api/ops/deliveries`: paid orders whose delivery needs a person.
pub async fn ops_deliveries() -> Result<Vec<OpsDelivery>, ApiClientError> {
    get("/api/ops/deliveries").await
}

/// `GET /api/ops/accounts?q=`: accounts by id, name, login or phone (operators only).
pub async fn ops_accounts(text: &str) -> Result<Vec<OpsAccount>, ApiClientError> {
    let q: String = web_sys::js_sys::encode_uri_component(text).into();
    get(&format!("/api/ops/accounts?q={q}")).await
}

/// `GET /api/ops/accounts/{id}/timeline`: the account's history, newest first.
pub async fn ops_timeline(account_id: i64) -> Result<Vec<TimelineEntry>, ApiClientError> {
    get(&format!("/api/ops/accounts/{account_id}/timeline")).await
}

/// `POST /api/ops/orders/{id}/retry-delivery` (operators only).
pub async fn ops_retry_delivery(id: i64) -> Result<OrderView, ApiClientError> {
    send_no_body(Request::post(&format!("/api/ops/orders/{id}/retry-delivery"))).await
}

/// `GET /api/enterprises/{id}/verification` (VER-2): the enterprise and its latest request.
pub async fn enterprise_verification(id: i64) -> Result<EnterpriseVerification, ApiClientError> {
    get(&format!("/api/enterprises/{id}/verification")).await
}

/// `POST /api/enterprises/{id}/verification` (VER-2), after a code for `enterprise_verification`.
pub async fn request_verification(
    id: i64,
    application: &VerificationApplication,
) -> Result<EnterpriseVerification, ApiClientError> {
    send(Request::post(&format!("/api/enterprises/{id}/verification")), application).await
}

/// `GET /api/ops/verifications`: every request, those under review first (operators only).
pub async fn ops_verifications() -> Result<Vec<VerificationView>, ApiClientError> {
    get("/api/ops/verifications").await
}

/// `POST /api/ops/verifications/{id}/approve` (operators only).
pub async fn ops_approve_verification(id: i64) -> Result<VerificationView, ApiClientError> {
    send_no_body(Request::post(&format!("/api/ops/verifications/{id}/approve"))).await
}

/// `POST /api/ops/verifications/{id}/reject` with the reason the requester sees (operators only).
pub async fn ops_reject_verification(id: i64, reason: &str) -> Result<VerificationView, ApiClientError> {
    let body = RejectVerification { reason: reason.to_owned() };
    send(Request::post(&format!("/api/ops/verifications/{id}/reject")), &body).await
}

/// Development only: the payer confirms in the sandbox
/// (`POST /api/dev/payments/{prepay_id}/confirm`), standing in for the
/// mini-program's own payment sheet; a payment past its deadline or no
/// longer pending is `invalid_state`.
pub async fn sandbox_confirm(prepay_id: &str) -> Result<(), ApiClientError> {
    send_empty::<()>(Request::post(&format!("/api/dev/payments/{prepay_id}/confirm")), None).await
}

/// The wire name of a closed-set value (`web`, `mini_program`).
fn wire<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiClientError> {
    let response = Request::get(path).send().await.map_err(network)?;
    read(response).await
}

/// Sends `body` as JSON and reads the answer as `T`.
async fn send<B: Serialize, T: DeserializeOwned>(request: RequestBuilder, body: &B) -> Result<T, ApiClientError> {
    let response =
        request.json(body).map_err(|e| ApiClientError::Decode(e.to_string()))?.send().await.map_err(network)?;
    read(response).await
}

/// Sends no body and reads the answer as `T`.
async fn send_no_body<T: DeserializeOwned>(request: RequestBuilder) -> Result<T, ApiClientError> {
    let response = request.send().await.map_err(network)?;
    read(response).await
}

/// Sends `body` (if any) and expects a success without a body worth reading.
async fn send_empty<B: Serialize>(request: RequestBuilder, body: Option<&B>) -> Result<(), ApiClientError> {
    let response = match body {
        Some(body) => request.json(body).map_err(|e| ApiClientError::Decode(e.to_string()))?.send().await,
        None => request.send().await,
    }
    .map_err(network)?;
    learn_clock(&response);
    if response.ok() {
        return Ok(());
    }
    let status = response.status();
    let text = response.text().await.map_err(network)?;
    Err(server_error(status, &text))
}

fn network(error: gloo_net::Error) -> ApiClientError {
    ApiClientError::Network(error.to_string())
}

/// Every answer carries the server's `Date`: the app's clock follows it.
fn learn_clock(response: &Response) {
    if let Some(date) = response.headers().get("date") {
        crate::clock::learn(&date);
    }
}

/// The body as `T` on success; otherwise the server's error, parsed.
async fn read<T: DeserializeOwned>(response: Response) -> Result<T, ApiClientError> {
    learn_clock(&response);
    let status = response.status();
    let text = response.text().await.map_err(network)?;
    if response.ok() {
        serde_json::from_str(&text).map_err(|e| ApiClientError::Decode(e.to_string()))
    } else {
        Err(server_error(status, &text))
    }
}

fn server_error(status: u16, body: &str) -> ApiClientError {
    match serde_json::from_str::<ErrorBody>(body) {
        Ok(body) => ApiClientError::Server(Box::new(ServerError {
            status,
            error: DomainError { code: body.code, field: body.field },
            message: body.message,
            reasons: body.reasons,
            quote: body.quote,
        })),
        Err(_) => ApiClientError::Status(status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_body_becomes_a_domain_error() {
        let error = server_error(404, r#"{"code":"not_found","message":"no such route"}"#);
        assert_eq!(
            error,
            ApiClientError::Server(Box::new(ServerError {
                status: 404,
                error: DomainError::new(ErrorCode::NotFound),
                message: "no such route".to_owned(),
                reasons: Vec::new(),
                quote: None,
            }))
        );
    }

    #[test]
    fn a_body_without_a_known_code_is_only_a_status() {
        assert_eq!(server_error(502, "<html>Bad Gateway</html>"), ApiClientError::Status(502));
        assert_eq!(server_error(500, r#"{"code":"no_such_code","message":"x"}"#), ApiClientError::Status(500));
    }
}
