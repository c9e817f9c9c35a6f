//! How stored things become the API's bodies (`api_types`), for the bodies
//! several route modules answer with (an order is shown by the orders,
//! binding and order-follow routes).

use crate::repo::orders::OrderRow;
use crate::repo::payments::PaymentRow;
use api_types::{MoneyToReturn, OrderView};
use domain::Money;

/// Money received that will be returned (PAY-4, ORD-1).
fn money_to_return(p: PaymentRow) -> MoneyToReturn {
    MoneyToReturn {
        out_trade_no: p.out_trade_no,
        method: p.method,
        amount: Money::from_fen(p.amount_fen),
        reason: p.refund_reason,
        received_at: p.settled_at,
        status: p.status,
    }
}

/// The order with the money to return that belongs to it, out of `returns`.
pub fn order_with_returns(o: OrderRow, returns: &[PaymentRow]) -> OrderView {
    let mine = returns.iter().filter(|p| p.order_id == o.id).cloned().map(money_to_return).collect();
    OrderView { returns: mine, ..OrderView::from(o) }
}

/// An order as the API shows it, without its money to return.
impl From<OrderRow> for OrderView {
    fn from(o: OrderRow) -> Self {
        OrderView {
            id: o.id,
            number: domain::order::order_number(o.id, o.created_at),
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
