//! The order's life (ORD-1, ORD-3): a closed set of states and one table of
//! the transitions between them. The server's guarded updates take their
//! from and to states from [`OrderEvent::from`] and [`OrderEvent::to`], so
//! [`OrderEvent::transition`] is the only place a transition is decided. There is no refund
//! and no way back from paid: a paid order that cannot be delivered ends in
//! `needs_attention`, its money to be returned by a person.

use crate::error::{DomainError, ErrorCode};
use crate::time::{Instant, local_date};
use chrono::Datelike;
use serde::{Deserialize, Serialize};

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum OrderStatus {
    AwaitingPayment,
    Paid,
    Delivering,
    Delivered,
    /// A personal order moved to an enterprise (BND-2).
    Bound,
    /// Cancelled or timed out before payment.
    Closed,
    /// Paid, but the rules say it cannot be delivered (or delivery failed
    /// past its retries): its payment is to be returned.
    NeedsAttention,
    /// Its payment was returned to the payer (after `needs_attention`).
    Refunded,
}

/// What can happen to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderEvent {
    Pay,
    StartDelivery,
    FinishDelivery,
    /// Delivery was refused by the rules, or failed past its retries.
    FailDelivery,
    Bind,
    Cancel,
    TimeOut,
    /// An operator tries a delivery that needed a person again.
    Retry,
    /// The provider returned the order's payment.
    Refund,
}

use OrderStatus as S;

impl OrderEvent {
    /// Every event.
    pub const ALL: [OrderEvent; 9] = [
        OrderEvent::Pay,
        OrderEvent::StartDelivery,
        OrderEvent::FinishDelivery,
        OrderEvent::FailDelivery,
        OrderEvent::Bind,
        OrderEvent::Cancel,
        OrderEvent::TimeOut,
        OrderEvent::Retry,
        OrderEvent::Refund,
    ];

    /// ORD-1 as a table: the states this event may leave, and the state it reaches.
    pub fn transition(self) -> (&'static [OrderStatus], OrderStatus) {
        match self {
            OrderEvent::Pay => (&[S::AwaitingPayment], S::Paid),
            OrderEvent::StartDelivery => (&[S::Paid], S::Delivering),
            // A worker may deliver a job whose claim did not yet mark it
            // delivering, so delivery finishes (or fails) from either state.
            OrderEvent::FinishDelivery => (&[S::Paid, S::Delivering], S::Delivered),
            OrderEvent::FailDelivery => (&[S::Paid, S::Delivering], S::NeedsAttention),
            OrderEvent::Bind => (&[S::Delivered], S::Bound),
            OrderEvent::Cancel | OrderEvent::TimeOut => (&[S::AwaitingPayment], S::Closed),
            // Back to paid: the delivery worker takes it from there.
            OrderEvent::Retry => (&[S::NeedsAttention], S::Paid),
            OrderEvent::Refund => (&[S::NeedsAttention], S::Refunded),
        }
    }

    /// The states this event may leave.
    pub fn from(self) -> &'static [OrderStatus] {
        self.transition().0
    }

    /// The state this event reaches.
    pub fn to(self) -> OrderStatus {
        self.transition().1
    }
}

impl OrderStatus {
    /// Every state.
    pub const ALL: [OrderStatus; 8] = [
        OrderStatus::AwaitingPayment,
        OrderStatus::Paid,
        OrderStatus::Delivering,
        OrderStatus::Delivered,
        OrderStatus::Bound,
        OrderStatus::Closed,
        OrderStatus::NeedsAttention,
        OrderStatus::Refunded,
    ];

    /// The state after `event`, or `invalid_state` (`already_bound` for a
    /// second binding). Only personal orders can be bound.
    pub fn apply(self, event: OrderEvent, personal: bool) -> Result<OrderStatus, DomainError> {
        if event == OrderEvent::Bind {
            if self == S::Bound {
                return Err(DomainError::new(ErrorCode::AlreadyBound));
            }
            if !personal {
                return Err(DomainError::new(ErrorCode::InvalidState));
            }
        }
        if event.from().contains(&self) { Ok(event.to()) } else { Err(DomainError::new(ErrorCode::InvalidState)) }
    }

    /// Paid at some point (and so never closable, never refunded by itself).
    pub fn is_paid(self) -> bool {
        matches!(self, S::Paid | S::Delivering | S::Delivered | S::Bound | S::NeedsAttention | S::Refunded)
    }

    /// Paid, and its money kept: what can be invoiced (a `needs_attention`
    /// order's money is to be returned).
    pub fn keeps_payment(self) -> bool {
        matches!(self, S::Paid | S::Delivering | S::Delivered | S::Bound)
    }

    /// Paid and still to be delivered: part of the account's basis.
    pub fn awaits_delivery(self) -> bool {
        matches!(self, S::Paid | S::Delivering)
    }

    /// Nothing more happens to it by itself (a delivered personal order may still be bound).
    pub fn is_settled(self) -> bool {
        matches!(self, S::Delivered | S::Bound | S::Closed | S::NeedsAttention | S::Refunded)
    }
}

/// Digits of the sequence part of an order number.
const SEQUENCE_DIGITS: usize = 12;

/// The order number buyers, WeChat Pay's statements and finance read (订单号):
/// the day it was placed in China Standard Time, then its sequence, 20 digits
/// in all, e.g. `20261207000000000042`. Both parts are fixed when the order is
/// written, so the number never changes; the sequence is the database's, so
/// no two server processes make the same number.
pub fn order_number(id: i64, placed_at: Instant) -> String {
    let day = local_date(placed_at);
    format!("{:04}{:02}{:02}{id:0SEQUENCE_DIGITS$}", day.year(), day.month(), day.day())
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderEvent as E;

    #[test]
    fn ord_1_the_legal_paths_and_nothing_else() {
        let legal = [
            (S::AwaitingPayment, E::Pay, S::Paid),
            (S::AwaitingPayment, E::Cancel, S::Closed),
            (S::AwaitingPayment, E::TimeOut, S::Closed),
            (S::Paid, E::StartDelivery, S::Delivering),
            (S::Paid, E::FinishDelivery, S::Delivered),
            (S::Delivering, E::FinishDelivery, S::Delivered),
            (S::Paid, E::FailDelivery, S::NeedsAttention),
            (S::Delivering, E::FailDelivery, S::NeedsAttention),
            (S::Delivered, E::Bind, S::Bound),
            (S::NeedsAttention, E::Retry, S::Paid),
            (S::NeedsAttention, E::Refund, S::Refunded),
        ];
        for from in S::ALL {
            for event in E::ALL {
                let expected = legal.iter().find(|(f, e, _)| *f == from && *e == event).map(|(_, _, to)| *to);
                let got = from.apply(event, true).ok();
                assert_eq!(got, expected, "{from:?} --{event:?}-->");
            }
        }
    }

    #[test]
    fn ord_1_the_guards_the_server_writes_agree_with_apply() {
        for event in E::ALL {
            assert!(!event.from().is_empty(), "{event:?} leaves some state");
            for from in event.from() {
                assert_eq!(from.apply(event, true), Ok(event.to()), "{from:?} --{event:?}-->");
            }
        }
    }

    #[test]
    fn ord_1_needs_attention_is_left_only_by_a_person_and_refunded_is_final() {
        assert!(S::NeedsAttention.is_paid());
        assert!(!S::NeedsAttention.keeps_payment(), "its money is to be returned, not invoiced");
        assert!(S::NeedsAttention.is_settled());
        assert!(!S::NeedsAttention.awaits_delivery());
        let by_a_person = [E::Retry, E::Refund];
        for event in E::ALL {
            assert_eq!(
                S::NeedsAttention.apply(event, true).is_ok(),
                by_a_person.contains(&event),
                "only an operator's retry or a refund leaves needs_attention: {event:?}"
            );
            assert!(S::Refunded.apply(event, true).is_err(), "nothing leaves refunded: {event:?}");
        }
        assert!(!S::Refunded.keeps_payment(), "a refunded order leaves the invoiceable set");
        assert!(S::Refunded.is_settled() && !S::Refunded.awaits_delivery());
    }

    #[test]
    fn ord_1_only_a_personal_order_is_bound_and_only_once() {
        assert_eq!(S::Delivered.apply(E::Bind, false).map_err(|e| e.code), Err(ErrorCode::InvalidState));
        assert_eq!(S::Bound.apply(E::Bind, true).map_err(|e| e.code), Err(ErrorCode::AlreadyBound));
    }

    #[test]
    fn ord_3_a_paid_order_cannot_be_cancelled_or_refunded() {
        for paid in S::ALL.into_iter().filter(|s| s.is_paid()) {
            assert_eq!(paid.apply(E::Cancel, true).map_err(|e| e.code), Err(ErrorCode::InvalidState), "{paid:?}");
            assert_eq!(paid.apply(E::TimeOut, true).map_err(|e| e.code), Err(ErrorCode::InvalidState), "{paid:?}");
        }
        assert_eq!(S::AwaitingPayment.apply(E::Cancel, false), Ok(S::Closed), "an unpaid order can be cancelled");
    }

    #[test]
    fn order_numbers_are_the_china_day_and_the_sequence() {
        // 23:30 UTC is already the next morning in China.
        let number = order_number(42, crate::time::at("2026-12-06T23:30:00Z"));
        assert_eq!(number, "20261207000000000042");
        assert_eq!(order_number(42, crate::time::at("2026-12-06T15:59:59Z")), "20261206000000000042");
        assert_eq!(order_number(7, crate::time::at("2028-02-29T04:00:00Z")).len(), 20);
    }

    #[test]
    fn order_numbers_differ_for_different_orders_of_one_day() {
        let noon = crate::time::at("2026-12-07T04:00:00Z");
        let numbers: std::collections::BTreeSet<String> = (1..=1000).map(|id| order_number(id, noon)).collect();
        assert_eq!(numbers.len(), 1000);
        assert!(numbers.iter().all(|n| n.len() == 20 && n.bytes().all(|b| b.is_ascii_digit())));
    }
}
