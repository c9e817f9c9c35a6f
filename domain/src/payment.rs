//! Payment methods and who may use which (PAY-1, PAY-2, PAY-3), the states
//! of a provider payment, and whether money a provider collected is
//! believed as the order's payment (PAY-4).

use crate::cart::Context;
use crate::error::{DomainError, ErrorCode};
use crate::identity::{Channel, Identity, Role};
use crate::money::Money;
use crate::order::OrderStatus;
use serde::{Deserialize, Serialize};

/// How an order is paid (PAY-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PaymentMethod {
    /// The cloud account balance (账户余额).
    Balance,
    WechatPay,
    OnlineBanking,
    /// Nothing to pay: a voucher covers the whole order (payable ¥0.00).
    Voucher,
}

impl PaymentMethod {
    /// Every method, in the order the pay page lists them.
    pub const ALL: [PaymentMethod; 4] =
        [PaymentMethod::Balance, PaymentMethod::WechatPay, PaymentMethod::OnlineBanking, PaymentMethod::Voucher];

    /// Collected by an outside provider (a QR code, the bank's page).
    pub fn is_provider(self) -> bool {
        matches!(self, PaymentMethod::WechatPay | PaymentMethod::OnlineBanking)
    }
}

/// Roles that may pay from the enterprise balance (PAY-2).
pub const BALANCE_ROLES: [Role; 3] = [Role::LegalRepresentative, Role::SuperAdmin, Role::BillingStaff];

/// What the payment rules read of the buyer: who pays, on which channel,
/// and the balance there is to pay from.
#[derive(Debug, Clone, Copy)]
pub struct Payer<'a> {
    pub identity: &'a Identity,
    pub channel: Channel,
    pub balance: Money,
}

impl<'a> Payer<'a> {
    /// The payer a pricing context's buyer is.
    pub fn of(ctx: &'a Context<'_>) -> Payer<'a> {
        Payer { identity: &ctx.buyer.identity, channel: ctx.channel, balance: ctx.buyer.balance }
    }
}

/// Every reason `method` cannot pay `payable` here; empty when it can.
pub fn payment_refusals(ctx: &Context<'_>, method: PaymentMethod, payable: Money) -> Vec<DomainError> {
    payer_refusals(&Payer::of(ctx), method, payable)
}

/// Every reason `method` cannot pay `payable` for `payer`; empty when it can.
pub fn payer_refusals(payer: &Payer<'_>, method: PaymentMethod, payable: Money) -> Vec<DomainError> {
    let mut errors = Vec::new();
    // A provider never opens a payment below ¥0.01, and a voucher pays only
    // what it covers in full.
    if (payable == Money::ZERO) != (method == PaymentMethod::Voucher) {
        errors.push(DomainError::invalid("method"));
        return errors;
    }
    if method == PaymentMethod::Voucher {
        return errors;
    }
    if payer.channel == Channel::MiniProgram && method != PaymentMethod::WechatPay {
        errors.push(DomainError::new(ErrorCode::MiniProgramLimit));
    }
    if method == PaymentMethod::Balance {
        let permitted = match payer.identity {
            Identity::Person { .. } => true,
            Identity::Enterprise { .. } => payer.identity.has_any_role(&BALANCE_ROLES),
        };
        if !permitted {
            errors.push(DomainError::new(ErrorCode::BalanceNotPermitted));
        } else if payer.balance < payable {
            errors.push(DomainError::new(ErrorCode::InsufficientBalance));
        }
    }
    errors
}

/// Allows `method` for `payable`, or refuses with every reason, the deciding one first.
pub fn check_payment(payer: &Payer<'_>, method: PaymentMethod, payable: Money) -> Result<(), Vec<DomainError>> {
    let errors = payer_refusals(payer, method, payable);
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// A payment at a provider, as this side records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PaymentStatus {
    /// Opened at the provider; the payer may still pay it.
    Pending,
    /// Believed: the order is paid by it.
    Paid,
    /// The provider reported it failed.
    Failed,
    /// Closed at the provider before anything was paid.
    Closed,
    /// Money was collected that is not the order's payment: to be returned.
    RefundDue,
    /// Money was collected that does not match what was asked: a person looks.
    Disputed,
    /// An operator asked the provider to return it; its word is awaited.
    Refunding,
    /// Returned to the payer.
    Refunded,
}

impl PaymentStatus {
    /// Every status.
    pub const ALL: [PaymentStatus; 8] = [
        PaymentStatus::Pending,
        PaymentStatus::Paid,
        PaymentStatus::Failed,
        PaymentStatus::Closed,
        PaymentStatus::RefundDue,
        PaymentStatus::Disputed,
        PaymentStatus::Refunding,
        PaymentStatus::Refunded,
    ];

    /// A provider's word on it has already been taken.
    pub fn is_settled(self) -> bool {
        matches!(
            self,
            PaymentStatus::Paid
                | PaymentStatus::RefundDue
                | PaymentStatus::Disputed
                | PaymentStatus::Refunding
                | PaymentStatus::Refunded
        )
    }
}

/// Why collected money is to be returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RefundReason {
    /// The order was cancelled or timed out before the money arrived.
    OrderClosed,
    /// The order was already paid (another payment, or the balance).
    AlreadyPaid,
    /// This payment had been closed here (replaced by another one).
    PaymentClosed,
    /// The account changed since the price was set: the order no longer
    /// holds (a fresh quote differs, or it can no longer be delivered).
    OrderChanged,
    /// Paid, but delivery was refused or failed past its retries.
    NotDeliverable,
}

impl RefundReason {
    /// Every reason.
    pub const ALL: [RefundReason; 5] = [
        RefundReason::OrderClosed,
        RefundReason::AlreadyPaid,
        RefundReason::PaymentClosed,
        RefundReason::OrderChanged,
        RefundReason::NotDeliverable,
    ];
}

/// What to make of money a provider says it collected (PAY-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collection {
    /// The order is paid by it.
    Believe,
    /// Settled before (an earlier notification, or reconciliation): nothing changes.
    AlreadySettled,
    /// Authentic money that is not the order's payment: flag it `refund_due`.
    RefundDue(RefundReason),
    /// The amount is not what was asked: flag it `disputed`.
    Disputed,
}

/// PAY-4: whether collected money pays the order. `amount_matches` says the
/// collected amount equals the payment's and the order's; `order_holds` says
/// the order still holds against its basis now (`basis::reassess`).
pub fn judge_collection(
    payment: PaymentStatus,
    amount_matches: bool,
    order: OrderStatus,
    order_holds: bool,
) -> Collection {
    if payment.is_settled() {
        return Collection::AlreadySettled;
    }
    if !amount_matches {
        return Collection::Disputed;
    }
    if payment != PaymentStatus::Pending {
        return Collection::RefundDue(RefundReason::PaymentClosed);
    }
    match order {
        OrderStatus::AwaitingPayment if order_holds => Collection::Believe,
        OrderStatus::AwaitingPayment => Collection::RefundDue(RefundReason::OrderChanged),
        OrderStatus::Closed => Collection::RefundDue(RefundReason::OrderClosed),
        OrderStatus::Paid
        | OrderStatus::Delivering
        | OrderStatus::Delivered
        | OrderStatus::Bound
        | OrderStatus::NeedsAttention
        | OrderStatus::Refunded => Collection::RefundDue(RefundReason::AlreadyPaid),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn pay_4_only_a_pending_payment_of_an_awaiting_order_that_still_holds_is_believed() {
        use Collection as C;
        use PaymentStatus as P;
        for payment in P::ALL {
            for order in OrderStatus::ALL {
                for amount_matches in [true, false] {
                    for holds in [true, false] {
                        let got = judge_collection(payment, amount_matches, order, holds);
                        let expected = if payment.is_settled() {
                            C::AlreadySettled
                        } else if !amount_matches {
                            C::Disputed
                        } else if payment != P::Pending {
                            C::RefundDue(RefundReason::PaymentClosed)
                        } else if order == OrderStatus::Closed {
                            C::RefundDue(RefundReason::OrderClosed)
                        } else if order != OrderStatus::AwaitingPayment {
                            C::RefundDue(RefundReason::AlreadyPaid)
                        } else if !holds {
                            C::RefundDue(RefundReason::OrderChanged)
                        } else {
                            C::Believe
                        };
                        assert_eq!(got, expected, "{payment:?} {order:?} amount {amount_matches} holds {holds}");
                    }
                }
            }
        }
    }

    #[test]
    fn pay_2_a_zero_amount_order_is_completed_by_voucher_for_any_role_and_never_by_a_provider() {
        let catalog = catalog();
        let staff = enterprise(&[Role::Staff]);
        let ctx = ctx(&catalog, &staff, Channel::Web);
        assert!(payment_refusals(&ctx, PaymentMethod::Voucher, Money::ZERO).is_empty(), "staff may complete it");
        for method in [PaymentMethod::WechatPay, PaymentMethod::OnlineBanking, PaymentMethod::Balance] {
            let codes: Vec<_> = payment_refusals(&ctx, method, Money::ZERO).into_iter().map(|e| e.code).collect();
            assert_eq!(codes, [ErrorCode::InvalidInput], "{method:?} for ¥0.00");
        }
        let payable = Money::from_fen(1);
        let codes: Vec<_> =
            payment_refusals(&ctx, PaymentMethod::Voucher, payable).into_iter().map(|e| e.code).collect();
        assert_eq!(codes, [ErrorCode::InvalidInput], "a voucher pays only what it covers in full");
        assert!(payment_refusals(&ctx, PaymentMethod::WechatPay, payable).is_empty(), "¥0.01 goes to the provider");
    }
}
