use domain::invoice::{InvoiceAmounts, InvoiceStatus, Title};
use domain::{Channel, DomainError, Instant, Money};
use serde::{Deserialize, Serialize};

/// `POST /api/invoices` (INV-1): one invoice for one or several orders
/// (合并开票), made out to one of the account's titles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceRequest {
    /// 1 to 50 orders, each invoiced whole.
    pub order_ids: Vec<i64>,
    /// One of `GET /api/invoices/titles`.
    pub title_id: i64,
    /// Where the request comes from (default `web`); invoices are a web console feature.
    #[serde(default = "web")]
    pub channel: Channel,
}

fn web() -> Channel {
    Channel::Web
}

/// A title kept for the account (发票抬头).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TitleView {
    pub id: i64,
    pub title: Title,
}

/// An invoice (INV-1): its title, lines and where it stands at the tax platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceView {
    pub id: i64,
    pub status: InvoiceStatus,
    /// The title as chosen (the buyer block of the document).
    pub title: Title,
    /// The lines, each with its tax, and their totals.
    pub amounts: InvoiceAmounts,
    /// 价税合计: what was paid for the orders (INV-1: not what a voucher covered).
    pub total: Money,
    pub order_ids: Vec<i64>,
    /// The 20-digit number the platform gave it.
    pub number: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub issued_at: Option<Instant>,
    /// Why the platform refused it (status `failed`).
    pub failure: Option<String>,
    /// The red-letter invoice that reversed it (status `reversed`).
    pub red_number: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub reversed_at: Option<Instant>,
    /// Whether `GET /api/invoices/{id}/document` has its PDF.
    pub has_document: bool,
    pub requested_by: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Instant,
}

/// A paid order of the acting account as the invoice centre lists it, with
/// whether it may go on an invoice now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceableOrder {
    pub order_id: i64,
    /// Its order number (订单号).
    pub number: String,
    /// What it bought, as the lines name it.
    pub products: Vec<String>,
    /// What was paid for it.
    pub amount: Money,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub paid_at: Option<Instant>,
    /// A person's purchase that was bound to this enterprise (BND-2).
    pub bound_from_person: bool,
    /// The invoice that covers it, if one stands.
    pub invoice_id: Option<i64>,
    /// Why it cannot be invoiced now (none: it can).
    pub refusal: Option<DomainError>,
}

/// `POST /api/invoices/{id}/retry` and `/reverse`: where the request comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceAction {
    /// Default `web`; invoices are a web console feature.
    #[serde(default)]
    pub channel: Option<Channel>,
}
