use domain::order::OrderStatus;
use domain::payment::{PaymentStatus, RefundReason};
use domain::{Channel, Instant, Money, PaymentMethod, Quote, Selection};
use serde::{Deserialize, Serialize};

/// `POST /api/quote`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuoteRequest {
    pub selection: Selection,
    pub channel: Channel,
}

/// `POST /api/orders`, with an `Idempotency-Key` header (ORD-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlaceOrder {
    pub selection: Selection,
    pub channel: Channel,
    /// The payable total the buyer saw; a different fresh quote refuses with `quote_changed`.
    pub expected_total: Money,
    /// BND-3: what a first personal purchase in the mini-program needs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_details: Option<PersonDetailsRequest>,
}

/// What a person adds to a first purchase in the mini-program (BND-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonDetailsRequest {
    /// 1–100 characters.
    pub enterprise_name: String,
    /// The code texted for purpose `person_details`; absent when the phone
    /// was checked through `/api/verification/check` within ten minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_code: Option<String>,
}

/// An order as the API shows it, with the quote it was sold at (PRI-4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderView {
    pub id: i64,
    /// The order number buyers read (订单号): its day and its sequence, 20 digits.
    pub number: String,
    pub status: OrderStatus,
    pub channel: Channel,
    /// What was sold, as priced when the order was placed.
    pub quote: Quote,
    pub payable: Money,
    pub voucher_id: Option<String>,
    pub payment_method: Option<PaymentMethod>,
    /// The person who placed it.
    pub placed_by: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Instant,
    /// Unpaid by then, the order closes.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub pay_by: Instant,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub paid_at: Option<Instant>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub delivered_at: Option<Instant>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub closed_at: Option<Instant>,
    /// Why a paid order could not be delivered (`needs_attention`).
    pub attention: Option<String>,
    /// Money received for this order that is not its payment, or that paid
    /// for what could not be delivered: it will be returned (PAY-4, ORD-1).
    pub returns: Vec<MoneyToReturn>,
}

/// Money received that will be returned (PAY-4, ORD-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MoneyToReturn {
    pub out_trade_no: String,
    pub method: PaymentMethod,
    pub amount: Money,
    /// Why it is not the order's payment.
    pub reason: Option<RefundReason>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub received_at: Option<Instant>,
    /// To be returned (`refund_due`), on its way back (`refunding`) or returned (`refunded`).
    pub status: PaymentStatus,
}

/// `POST /api/orders/{id}/pay`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayRequest {
    pub method: PaymentMethod,
}

/// `POST /api/orders/{id}/pay`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayResponse {
    pub order: OrderView,
    /// What to show the payer (WeChat Pay and online banking); `null` when
    /// the balance or a voucher paid at once.
    pub prompt: Option<PaymentPrompt>,
}

/// What the payer is shown for WeChat Pay and online banking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PaymentPrompt {
    /// Render `code_url` as a QR code (web console).
    QrCode { code_url: String },
    /// Open the in-app payment prompt with these parameters (mini-program).
    MiniProgram { prepay_id: String, time_stamp: String, nonce_str: String, package: String, pay_sign: String },
    /// Send the payer to the bank's page.
    BankRedirect { url: String },
}

/// The data of each `status` event of `GET /api/orders/{id}/events`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Progress {
    pub status: OrderStatus,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub paid_at: Option<Instant>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub delivered_at: Option<Instant>,
    /// When a personal order was bound (`bound` only).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub bound_at: Option<Instant>,
    /// The enterprise it was bound to (`bound` only).
    pub bound_to: Option<String>,
    /// True on the stream's last event: nothing follows, the server closes it.
    pub last: bool,
}

/// `POST /api/trial` (TRI-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StartTrial {
    /// Where the trial is started (default `web`).
    #[serde(default)]
    pub channel: Option<Channel>,
}
