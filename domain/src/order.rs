//! The order's life (ORD-1, ORD-3): a closed set of states whose illegal
//! transitions are errors. There is no refund and no way back from paid.

use crate::error::{DomainError, ErrorCode};
use serde::{Deserialize, Serialize};

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    AwaitingPayment,
    Paid,
    Delivering,
    Delivered,
    /// A personal order moved to an enterprise (BND-2).
    Bound,
    /// Cancelled or timed out before payment.
    Closed,
}

/// What can happen to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderEvent {
    Pay,
    StartDelivery,
    FinishDelivery,
    Bind,
    Cancel,
    TimeOut,
}

impl OrderStatus {
    /// Every state.
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::AwaitingPayment,
        OrderStatus::Paid,
        OrderStatus::Delivering,
        OrderStatus::Delivered,
        OrderStatus::Bound,
        OrderStatus::Closed,
    ];

    /// The state after `event`, or `invalid_state` (`already_bound` for a
    /// second binding). Only personal orders can be bound.
    pub fn apply(self, event: OrderEvent, personal: bool) -> Result<OrderStatus, DomainError> {
        use OrderEvent as E;
        use OrderStatus as S;
        match (self, event) {
            (S::AwaitingPayment, E::Pay) => Ok(S::Paid),
            (S::AwaitingPayment, E::Cancel | E::TimeOut) => Ok(S::Closed),
            (S::Paid, E::StartDelivery) => Ok(S::Delivering),
            (S::Delivering, E::FinishDelivery) => Ok(S::Delivered),
            (S::Delivered, E::Bind) if personal => Ok(S::Bound),
            (S::Bound, E::Bind) => Err(DomainError::new(ErrorCode::AlreadyBound)),
            _ => Err(DomainError::new(ErrorCode::InvalidState)),
        }
    }

    /// Paid at some point (and so never closable, never refunded).
    pub fn is_paid(self) -> bool {
        matches!(self, OrderStatus::Paid | OrderStatus::Delivering | OrderStatus::Delivered | OrderStatus::Bound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderEvent as E;
    use OrderStatus as S;

    const EVENTS: [OrderEvent; 6] = [E::Pay, E::StartDelivery, E::FinishDelivery, E::Bind, E::Cancel, E::TimeOut];

    #[test]
    fn ord_1_the_legal_paths_and_nothing_else() {
        let legal = [
            (S::AwaitingPayment, E::Pay, S::Paid),
            (S::AwaitingPayment, E::Cancel, S::Closed),
            (S::AwaitingPayment, E::TimeOut, S::Closed),
            (S::Paid, E::StartDelivery, S::Delivering),
            (S::Delivering, E::FinishDelivery, S::Delivered),
            (S::Delivered, E::Bind, S::Bound),
        ];
        for from in S::ALL {
            for event in EVENTS {
                let expected = legal.iter().find(|(f, e, _)| *f == from && *e == event).map(|(_, _, to)| *to);
                let got = from.apply(event, true).ok();
                assert_eq!(got, expected, "{from:?} --{event:?}-->");
            }
        }
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
}
