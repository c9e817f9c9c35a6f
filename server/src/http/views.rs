//! What the API shows of stored things that several route modules answer
//! with (an order is shown by the orders, binding and order-follow routes).

use crate::http::wire;
use crate::repo::orders::OrderRow;
use crate::repo::payments::PaymentRow;
use domain::order::OrderStatus;
use domain::payment::RefundReason;
use domain::{Channel, Money, PaymentMethod, Quote};
use serde::Serialize;
use utoipa::ToSchema;

/// An order as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderView {
    pub id: i64,
    #[schema(value_type = wire::OrderStatus)]
    pub status: OrderStatus,
    #[schema(value_type = wire::Channel)]
    pub channel: Channel,
    /// What was sold, as priced when the order was placed.
    #[schema(value_type = wire::Quote)]
    pub quote: Quote,
    #[schema(value_type = wire::Money)]
    pub payable: Money,
    pub voucher_id: Option<String>,
    #[schema(value_type = Option<wire::PaymentMethod>)]
    pub payment_method: Option<PaymentMethod>,
    /// The person who placed it.
    pub placed_by: i64,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: domain::Instant,
    /// Unpaid by then, the order closes.
    #[schema(value_type = String, format = DateTime)]
    pub pay_by: domain::Instant,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub paid_at: Option<domain::Instant>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub delivered_at: Option<domain::Instant>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub closed_at: Option<domain::Instant>,
    /// Why a paid order could not be delivered (`needs_attention`).
    pub attention: Option<String>,
    /// Money received for this order that is not its payment, or that paid
    /// for what could not be delivered: it will be returned.
    pub returns: Vec<MoneyToReturn>,
}

/// Money received that will be returned (PAY-4, ORD-1).
#[derive(Debug, Serialize, ToSchema)]
pub struct MoneyToReturn {
    pub out_trade_no: String,
    #[schema(value_type = wire::PaymentMethod)]
    pub method: PaymentMethod,
    #[schema(value_type = wire::Money)]
    pub amount: Money,
    #[schema(value_type = Option<wire::RefundReason>)]
    pub reason: Option<RefundReason>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub received_at: Option<domain::Instant>,
}

impl From<PaymentRow> for MoneyToReturn {
    fn from(p: PaymentRow) -> Self {
        MoneyToReturn {
            out_trade_no: p.out_trade_no,
            method: p.method,
            amount: Money::from_fen(p.amount_fen),
            reason: p.refund_reason,
            received_at: p.settled_at,
        }
    }
}

impl OrderView {
    /// The order with the money to return that belongs to it, out of `returns`.
    pub fn with_returns(o: OrderRow, returns: &[PaymentRow]) -> Self {
        let mine = returns.iter().filter(|p| p.order_id == o.id).cloned().map(MoneyToReturn::from).collect();
        OrderView { returns: mine, ..OrderView::from(o) }
    }
}

impl From<OrderRow> for OrderView {
    fn from(o: OrderRow) -> Self {
        OrderView {
            id: o.id,
            status: o.status,
            channel: o.channel,
            quote: o.quote,
            payable: Money::from_fen(o.payable_fen),
            voucher_id: o.voucher_id,
            payment_method: o.payment_method,
            placed_by: o.placed_by,
            created_at: o.created_at,
            pay_by: o.pay_by,
            paid_at: o.paid_at,
            delivered_at: o.delivered_at,
            closed_at: o.closed_at,
            attention: o.attention,
            returns: Vec::new(),
        }
    }
}
