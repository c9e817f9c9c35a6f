//! Who sees and does what around billing (VIS-1, VIS-2, INV-1).

use crate::error::{DomainError, ErrorCode};
use crate::identity::{Channel, Identity, Role};
use crate::payment::BALANCE_ROLES;
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
    if crate::invoice::request_refusals(identity, channel).is_empty() {
        actions.push(QuickAction::Invoices);
    }
    actions.extend([QuickAction::Upgrade, QuickAction::Renew]);
    actions
}

/// PAY-2 as a capability: may this identity pay from the balance?
pub fn may_pay_from_balance(identity: &Identity) -> bool {
    identity.is_person() || identity.has_any_role(&BALANCE_ROLES)
}

#[cfg(test)]
mod tests;
