//! Who sees and does what around billing (VIS-1, VIS-2, INV-1).

use crate::error::{DomainError, ErrorCode};
use crate::identity::{Channel, Identity, Role};
use crate::money::Money;
use crate::payment::BALANCE_ROLES;
use crate::quote::Quote;
use serde::{Deserialize, Serialize};

/// A quick action on the billing-management page (VIS-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum QuickAction {
    Orders,
    Packages,
    Invoices,
    Upgrade,
    Renew,
}

/// Roles that see an enterprise's purchase records (VIS-1).
pub const RECORD_ROLES: [Role; 2] = [Role::LegalRepresentative, Role::SuperAdmin];

/// Roles that may request invoices (INV-1).
pub const INVOICE_ROLES: [Role; 2] = [Role::SuperAdmin, Role::BillingStaff];

/// VIS-1: an enterprise's records are for its super admin or legal
/// representative; a person always sees their own.
pub fn can_view_order_records(identity: &Identity) -> bool {
    identity.is_person() || identity.has_any_role(&RECORD_ROLES)
}

/// VIS-1 **decision**: whoever placed an order can always follow and pay
/// that one order; the rest of an enterprise's records need a record role.
pub fn may_follow_order(identity: &Identity, placed_it: bool) -> bool {
    placed_it || can_view_order_records(identity)
}

/// Operations staff (a person flagged as an operator, not an enterprise
/// role) see the money to return and the orders that need a person.
pub fn check_operator(is_operator: bool) -> Result<(), DomainError> {
    if is_operator { Ok(()) } else { Err(DomainError::new(ErrorCode::Forbidden)) }
}

/// VIS-2: the quick actions this identity may use. Anyone may order (the
/// seeds limit payment, not ordering); records and invoices are restricted.
pub fn quick_actions(identity: &Identity, channel: Channel) -> Vec<QuickAction> {
    let mut actions = Vec::new();
    if can_view_order_records(identity) {
        actions.push(QuickAction::Orders);
    }
    actions.push(QuickAction::Packages);
    if invoice_refusals(identity, channel).is_empty() {
        actions.push(QuickAction::Invoices);
    }
    actions.extend([QuickAction::Upgrade, QuickAction::Renew]);
    actions
}

/// INV-1: invoices on the web console, for a super admin or staff with the
/// billing permission of an enterprise.
pub fn invoice_refusals(identity: &Identity, channel: Channel) -> Vec<DomainError> {
    let mut errors = Vec::new();
    if channel != Channel::Web || !identity.has_any_role(&INVOICE_ROLES) {
        errors.push(DomainError::new(ErrorCode::Forbidden));
    }
    errors
}

/// INV-1: an order is invoiced once, for what was paid (not what a voucher covered).
pub fn invoiceable_amount(quote: &Quote, paid: bool, already_invoiced: bool) -> Result<Money, DomainError> {
    if already_invoiced {
        return Err(DomainError::new(ErrorCode::AlreadyInvoiced));
    }
    if !paid {
        return Err(DomainError::new(ErrorCode::InvalidState));
    }
    Ok(quote.payable)
}

/// PAY-2 as a capability: may this identity pay from the balance?
pub fn may_pay_from_balance(identity: &Identity) -> bool {
    identity.is_person() || identity.has_any_role(&BALANCE_ROLES)
}

#[cfg(test)]
mod tests;
