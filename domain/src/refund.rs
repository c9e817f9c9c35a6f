//! Returning money, which is an operator's work (ORD-3: never self-service):
//! which payment state may follow which, when a payment may be refunded, and
//! when a delivery that needed a person may be tried again.
//!
//! **decision** Only money to return (`refund_due`) is refunded. A
//! `disputed` payment (an amount that was not asked) is settled by a person
//! with the provider first. Refunding the order's own payment ends the order
//! (`refunded`); refunding money that was not the order's payment (it arrived
//! after the order closed, or paid it twice) leaves the order as it is.

use crate::error::{DomainError, ErrorCode};
use crate::order::OrderStatus;
use crate::payment::{PaymentStatus, RefundReason};
use serde::{Deserialize, Serialize};

use PaymentStatus as P;

/// What can happen to a payment once its money was collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentEvent {
    /// The order it paid cannot be delivered: the money is to be returned.
    GiveUp,
    /// A retried delivery succeeded: the money is the order's payment again.
    Keep,
    /// An operator asked the provider to return it.
    Refund,
    /// The provider returned it.
    Refunded,
    /// The provider could not return it (a closed account, say): back to a person.
    RefundFailed,
    /// Money from the balance goes straight back to the balance.
    ReturnToBalance,
}

impl PaymentEvent {
    /// Every event.
    pub const ALL: [PaymentEvent; 6] = [
        PaymentEvent::GiveUp,
        PaymentEvent::Keep,
        PaymentEvent::Refund,
        PaymentEvent::Refunded,
        PaymentEvent::RefundFailed,
        PaymentEvent::ReturnToBalance,
    ];

    /// The table: the state this event may leave, and the state it reaches.
    pub fn transition(self) -> (PaymentStatus, PaymentStatus) {
        match self {
            PaymentEvent::GiveUp => (P::Paid, P::RefundDue),
            PaymentEvent::Keep => (P::RefundDue, P::Paid),
            PaymentEvent::Refund => (P::RefundDue, P::Refunding),
            PaymentEvent::Refunded => (P::Refunding, P::Refunded),
            PaymentEvent::RefundFailed => (P::Refunding, P::RefundDue),
            PaymentEvent::ReturnToBalance => (P::RefundDue, P::Refunded),
        }
    }

    /// The state this event may leave.
    pub fn from(self) -> PaymentStatus {
        self.transition().0
    }

    /// The state this event reaches.
    pub fn to(self) -> PaymentStatus {
        self.transition().1
    }
}

/// A request to return money, as this side records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RefundStatus {
    /// Written before the provider is asked: a crash leaves it to be asked again.
    Requested,
    /// The provider took it; its word on the outcome is awaited.
    Processing,
    /// The money is back with the payer (or in the balance).
    Succeeded,
    /// The provider could not return it: the payment is money to return again.
    Failed,
}

impl RefundStatus {
    /// Every status.
    pub const ALL: [RefundStatus; 4] =
        [RefundStatus::Requested, RefundStatus::Processing, RefundStatus::Succeeded, RefundStatus::Failed];

    /// Still waiting for the provider's word.
    pub fn is_open(self) -> bool {
        matches!(self, RefundStatus::Requested | RefundStatus::Processing)
    }

    /// What this outcome does to the payment being refunded.
    pub fn payment_event(self) -> Option<PaymentEvent> {
        match self {
            RefundStatus::Succeeded => Some(PaymentEvent::Refunded),
            RefundStatus::Failed => Some(PaymentEvent::RefundFailed),
            RefundStatus::Requested | RefundStatus::Processing => None,
        }
    }
}

/// Whether returning money kept for `reason` ends its order (`refunded`):
/// only the order's own payment does; money that was never the order's
/// payment leaves the order as it is.
pub fn refunds_the_order(reason: Option<RefundReason>) -> bool {
    reason == Some(RefundReason::NotDeliverable)
}

/// What an operator's refund comes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundStart {
    /// Ask the provider (or credit the balance) now.
    Start,
    /// Already asked (by this operator or another): answer that refund.
    Underway,
}

/// Whether an operator may refund a payment in `payment` state, kept for
/// `reason`, of an order in `order` state, `invoiced` or not.
pub fn check_refund(
    payment: PaymentStatus,
    reason: Option<RefundReason>,
    order: OrderStatus,
    invoiced: bool,
) -> Result<RefundStart, DomainError> {
    if matches!(payment, P::Refunding | P::Refunded) {
        return Ok(RefundStart::Underway);
    }
    if payment != P::RefundDue {
        return Err(DomainError::new(ErrorCode::NotRefundable));
    }
    if refunds_the_order(reason) {
        // The order's own payment: it may go back only while the order
        // waits for a person, and never from under an invoice.
        if invoiced {
            return Err(DomainError::new(ErrorCode::InvoiceOutstanding));
        }
        if order != OrderStatus::NeedsAttention {
            return Err(DomainError::new(ErrorCode::DeliveryInProgress));
        }
    }
    Ok(RefundStart::Start)
}

/// Whether an operator may try the delivery of an order in `order` state
/// again, its payment in `payment` state (none when nothing was collected,
/// as for a voucher).
pub fn check_retry(order: OrderStatus, payment: Option<PaymentStatus>) -> Result<(), DomainError> {
    if matches!(payment, Some(P::Refunding | P::Refunded)) {
        return Err(DomainError::new(ErrorCode::RefundUnderway));
    }
    order.apply(crate::order::OrderEvent::Retry, false).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::OrderStatus as O;

    #[test]
    fn ord_3_a_refund_ends_the_order_only_for_its_own_payment_and_only_an_outcome_moves_the_payment() {
        for reason in RefundReason::ALL {
            assert_eq!(refunds_the_order(Some(reason)), reason == RefundReason::NotDeliverable, "{reason:?}");
        }
        assert!(!refunds_the_order(None));
        for status in RefundStatus::ALL {
            assert_eq!(status.payment_event().is_none(), status.is_open(), "{status:?}");
            if let Some(event) = status.payment_event() {
                assert_eq!(event.from(), P::Refunding, "{status:?} ends a refund under way");
            }
        }
    }

    #[test]
    fn ord_3_a_payment_follows_only_the_table() {
        let legal = [
            (P::Paid, PaymentEvent::GiveUp, P::RefundDue),
            (P::RefundDue, PaymentEvent::Keep, P::Paid),
            (P::RefundDue, PaymentEvent::Refund, P::Refunding),
            (P::Refunding, PaymentEvent::Refunded, P::Refunded),
            (P::Refunding, PaymentEvent::RefundFailed, P::RefundDue),
            (P::RefundDue, PaymentEvent::ReturnToBalance, P::Refunded),
        ];
        for event in PaymentEvent::ALL {
            let found: Vec<_> = legal.iter().filter(|(_, e, _)| *e == event).collect();
            assert_eq!(found.len(), 1, "{event:?} has one line");
            assert_eq!((found[0].0, found[0].2), event.transition(), "{event:?}");
        }
        assert!(
            PaymentEvent::ALL.iter().all(|e| e.to() != P::Refunded || e.from() != P::Paid),
            "paid money is never refunded without first being money to return"
        );
        assert!(P::Refunding.is_settled() && P::Refunded.is_settled(), "a late notice changes nothing");
    }

    #[test]
    fn ord_3_only_money_to_return_is_refunded_and_a_second_press_answers_the_first() {
        for payment in P::ALL {
            for reason in RefundReason::ALL {
                let got = check_refund(payment, Some(reason), O::NeedsAttention, false).map_err(|e| e.code);
                let expected = match payment {
                    P::RefundDue => Ok(RefundStart::Start),
                    P::Refunding | P::Refunded => Ok(RefundStart::Underway),
                    _ => Err(ErrorCode::NotRefundable),
                };
                assert_eq!(got, expected, "{payment:?} {reason:?}");
            }
        }
        assert_eq!(
            check_refund(P::Disputed, None, O::AwaitingPayment, false).map_err(|e| e.code),
            Err(ErrorCode::NotRefundable),
            "a disputed amount is settled with the provider first"
        );
    }

    #[test]
    fn ord_3_the_orders_own_payment_goes_back_only_while_it_waits_for_a_person() {
        let own = Some(RefundReason::NotDeliverable);
        for order in O::ALL {
            let got = check_refund(P::RefundDue, own, order, false).map_err(|e| e.code);
            let expected =
                if order == O::NeedsAttention { Ok(RefundStart::Start) } else { Err(ErrorCode::DeliveryInProgress) };
            assert_eq!(got, expected, "{order:?}");
        }
        for reason in [RefundReason::OrderClosed, RefundReason::AlreadyPaid, RefundReason::PaymentClosed] {
            for order in [O::Closed, O::Delivered, O::Delivering, O::Bound] {
                assert_eq!(
                    check_refund(P::RefundDue, Some(reason), order, false),
                    Ok(RefundStart::Start),
                    "money that was not the order's payment goes back whatever the order is: {reason:?} {order:?}"
                );
            }
        }
    }

    #[test]
    fn ord_3_no_refund_from_under_an_invoice() {
        let got = check_refund(P::RefundDue, Some(RefundReason::NotDeliverable), O::NeedsAttention, true);
        assert_eq!(got.map_err(|e| e.code), Err(ErrorCode::InvoiceOutstanding));
    }

    #[test]
    fn ord_1_a_retry_leaves_needs_attention_only_while_the_money_is_still_here() {
        for order in O::ALL {
            for payment in [None, Some(P::RefundDue), Some(P::Refunding), Some(P::Refunded)] {
                let got = check_retry(order, payment).map_err(|e| e.code);
                let expected = if matches!(payment, Some(P::Refunding | P::Refunded)) {
                    Err(ErrorCode::RefundUnderway)
                } else if order == O::NeedsAttention {
                    Ok(())
                } else {
                    Err(ErrorCode::InvalidState)
                };
                assert_eq!(got, expected, "{order:?} {payment:?}");
            }
        }
    }
}
