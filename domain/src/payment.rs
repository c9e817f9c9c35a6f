//! Payment methods and who may use which (PAY-1, PAY-2, PAY-3).

use crate::cart::Context;
use crate::error::{DomainError, ErrorCode};
use crate::identity::{Channel, Identity, Role};
use crate::money::Money;
use serde::{Deserialize, Serialize};

/// How an order is paid (PAY-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// The cloud account balance (账户余额).
    Balance,
    WechatPay,
    OnlineBanking,
}

impl PaymentMethod {
    /// Every method, in the order the pay page lists them.
    pub const ALL: [PaymentMethod; 3] =
        [PaymentMethod::Balance, PaymentMethod::WechatPay, PaymentMethod::OnlineBanking];
}

/// Roles that may pay from the enterprise balance (PAY-2).
pub const BALANCE_ROLES: [Role; 3] = [Role::LegalRepresentative, Role::SuperAdmin, Role::BillingStaff];

/// Every reason `method` cannot pay `payable` here; empty when it can.
pub fn payment_refusals(ctx: &Context<'_>, method: PaymentMethod, payable: Money) -> Vec<DomainError> {
    let mut errors = Vec::new();
    if ctx.channel == Channel::MiniProgram && method != PaymentMethod::WechatPay {
        errors.push(DomainError::new(ErrorCode::MiniProgramLimit));
    }
    if method == PaymentMethod::Balance {
        let permitted = match ctx.buyer.identity {
            Identity::Person { .. } => true,
            Identity::Enterprise { .. } => ctx.buyer.identity.has_any_role(&BALANCE_ROLES),
        };
        if !permitted {
            errors.push(DomainError::new(ErrorCode::BalanceNotPermitted));
        } else if ctx.buyer.balance < payable {
            errors.push(DomainError::new(ErrorCode::InsufficientBalance));
        }
    }
    errors
}

/// Allows `method` for `payable`, or refuses with every reason, the deciding one first.
pub fn check_payment(ctx: &Context<'_>, method: PaymentMethod, payable: Money) -> Result<(), Vec<DomainError>> {
    let errors = payment_refusals(ctx, method, payable);
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}
