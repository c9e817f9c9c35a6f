//! Binding a personal purchase to an enterprise (BND-1, BND-2, BND-4): the
//! checks, and what moves from the person's account to the enterprise's.

use crate::error::{DomainError, ErrorCode};
use crate::fulfil::{Delivery, plan_delivery};
use crate::identity::{AccountState, Membership};
use crate::ledger::{GrantBalance, GrantId, LedgerEntry, grants};
use crate::order::{OrderEvent, OrderStatus};
use crate::product::{AddOn, Edition, Product};
use crate::quote::Quote;
use crate::terms::EditionAction;
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

/// What binding will do with a personal purchase, said before it is paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindingOutlook {
    /// It may be bound later to one of these verified enterprises the person
    /// joined; an edition only to one without an edition running then (BND-4).
    Bindable { enterprises: Vec<String>, edition: bool },
    /// It can never be bound, and why: no verified enterprise joined
    /// (`not_a_member`, `enterprise_not_verified`) or an upgrade of the
    /// person's own edition (`invalid_state`).
    Never(DomainError),
}

/// BND-1, BND-2, BND-4: what binding the purchase `quote` would do for a
/// person with these memberships, before it is paid. The enterprises'
/// editions are theirs to know: a bindable outlook is checked again at the
/// binding (`check_binding`).
pub fn binding_outlook(quote: &Quote, memberships: &[Membership]) -> BindingOutlook {
    let edition_line = quote.lines.iter().find(|l| matches!(l.product, Product::Edition(_)));
    if edition_line.is_some_and(|l| l.action == Some(EditionAction::Upgrade)) {
        return BindingOutlook::Never(unbindable());
    }
    let enterprises: Vec<String> =
        memberships.iter().filter(|m| m.verified).map(|m| m.enterprise_name.clone()).collect();
    if enterprises.is_empty() {
        let code = if memberships.is_empty() { ErrorCode::NotAMember } else { ErrorCode::EnterpriseNotVerified };
        return BindingOutlook::Never(DomainError::new(code));
    }
    BindingOutlook::Bindable { enterprises, edition: edition_line.is_some() }
}

/// Everything binding looks at: the order, the person and the enterprise.
#[derive(Debug, Clone, Copy)]
pub struct BindingInput<'a> {
    pub status: OrderStatus,
    /// The quote the order was sold at (PRI-4).
    pub quote: &'a Quote,
    pub paid_at: Instant,
    pub memberships: &'a [Membership],
    pub enterprise_id: i64,
    pub enterprise_account: &'a AccountState,
    pub enterprise_ledger: &'a [LedgerEntry],
    pub person_account: &'a AccountState,
    pub person_ledger: &'a [LedgerEntry],
    /// The grants the order delivered to the person, in the order granted.
    pub order_grants: &'a [GrantId],
    /// An invoice made out to the person covers the order (INV-1).
    pub invoiced: bool,
    pub now: Instant,
}

/// What binding changes: the order's next status and both accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingPlan {
    pub status: OrderStatus,
    pub person: Delivery,
    pub enterprise: Delivery,
}

fn unbindable() -> DomainError {
    DomainError::with_field(ErrorCode::InvalidState, "order")
}

/// BND-1, BND-2, BND-4: moves what the order delivered from the person to the
/// enterprise. The enterprise receives the order's quote as delivery would
/// plan it, from the original payment time, so the validity that started at
/// payment keeps its start; each grant it receives holds what is left of the
/// person's matching grant (contracts used personally are not given twice).
/// The enterprise's own grants that expired before the binding stay expired.
/// The person's account loses the order's edition (and with it integration,
/// which never outlives the edition, INT-2), its integration term, and the
/// grants the order delivered, which expire now and are cleared.
///
/// **decision** An order that upgraded the person's own edition cannot be
/// bound (`invalid_state`): it lifts an edition for its remaining days and
/// has nothing to stand on elsewhere. An order of add-ons alone binds only to
/// an enterprise whose paid edition runs now (`no_active_edition`, SEL-4),
/// integration only beside Professional or Flagship (SEL-3); their validity
/// starts at payment, or at the start of the enterprise's edition if that
/// came later. An order invoiced to the person does not bind
/// (`already_invoiced`, INV-1).
pub fn plan_binding(
    input: &BindingInput<'_>,
    next_grant: &mut dyn FnMut() -> GrantId,
) -> Result<BindingPlan, DomainError> {
    let quote = input.quote;
    let edition_line = quote.lines.iter().find(|l| matches!(l.product, Product::Edition(_)));
    let status = check_binding(
        input.status,
        edition_line.is_some(),
        input.memberships,
        input.enterprise_id,
        input.enterprise_account,
        input.now,
    )?;
    // INV-1 decision: the person's invoice stands for this money; the
    // enterprise could invoice it a second time.
    if input.invoiced {
        return Err(DomainError::new(ErrorCode::AlreadyInvoiced));
    }
    let integration = quote.lines.iter().any(|l| l.product == Product::AddOn(AddOn::Integration));
    let at = match edition_line {
        Some(line) if line.action == Some(EditionAction::Upgrade) => return Err(unbindable()),
        Some(_) => input.paid_at,
        None => {
            let current =
                input.enterprise_account.paid_edition(input.now).ok_or(DomainError::new(ErrorCode::NoActiveEdition))?;
            if integration && current.edition < Edition::Professional {
                return Err(DomainError::new(ErrorCode::IntegrationRequiresProfessional));
            }
            input.paid_at.max(current.starts_at)
        }
    };
    // Planned at `at`, which may be long past; a grant of the enterprise
    // that has expired since stays expired (QUO-4).
    let mut enterprise =
        plan_delivery(quote, input.enterprise_account, input.enterprise_ledger, at, input.now, next_grant)?;

    let held = grants(input.person_ledger);
    let delivered: Vec<&GrantBalance> = input
        .order_grants
        .iter()
        .map(|id| held.iter().find(|g| g.grant == *id))
        .collect::<Option<_>>()
        .ok_or_else(unbindable)?;
    let mut received = enterprise.entries.iter_mut().filter_map(|entry| match entry {
        LedgerEntry::Grant { kind, amount, .. } => Some((*kind, amount)),
        _ => None,
    });
    for mine in &delivered {
        let (kind, amount) = received.next().ok_or_else(unbindable)?;
        if kind != mine.kind {
            return Err(unbindable());
        }
        *amount = if mine.is_live(input.now) { mine.remaining() } else { 0 };
    }
    if received.next().is_some() {
        return Err(unbindable());
    }

    let mut person = input.person_account.clone();
    if let Some(Product::Edition(edition)) = edition_line.map(|l| l.product) {
        if person.edition.as_ref().is_some_and(|t| t.edition == edition && !t.trial) {
            person.edition = None;
        }
        person.integration_until = None;
    } else if integration {
        person.integration_until = None;
    }
    let entries = delivered
        .iter()
        .filter(|g| g.is_live(input.now))
        .flat_map(|g| {
            let left = g.remaining();
            let clear = (left > 0).then_some(LedgerEntry::Clear { grant: g.grant, amount: left });
            std::iter::once(LedgerEntry::Move { grant: g.grant, expires_at: input.now }).chain(clear)
        })
        .collect();
    Ok(BindingPlan { status, person: Delivery { account: person, entries }, enterprise })
}

#[cfg(test)]
mod tests;
