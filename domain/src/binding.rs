//! Binding a personal purchase to an enterprise (BND-2, BND-4).

use crate::error::{DomainError, ErrorCode};
use crate::identity::{AccountState, Membership};
use crate::order::{OrderEvent, OrderStatus};
use crate::time::Instant;

/// Checks that a person's order may move to the enterprise `enterprise_id`,
/// and returns the order's next status.
pub fn check_binding(
    status: OrderStatus,
    has_edition_line: bool,
    memberships: &[Membership],
    enterprise_id: i64,
    enterprise_account: &AccountState,
    now: Instant,
) -> Result<OrderStatus, DomainError> {
    let next = status.apply(OrderEvent::Bind, true)?;
    let member =
        memberships.iter().find(|m| m.enterprise_id == enterprise_id).ok_or(DomainError::new(ErrorCode::NotAMember))?;
    if !member.verified {
        return Err(DomainError::new(ErrorCode::EnterpriseNotVerified));
    }
    if has_edition_line && enterprise_account.paid_edition(now).is_some() {
        return Err(DomainError::new(ErrorCode::EnterpriseHasEdition));
    }
    Ok(next)
}

#[cfg(test)]
mod tests;
