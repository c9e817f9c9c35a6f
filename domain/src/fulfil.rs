//! Delivery (FUL-1) as a pure plan: from the quote an order was sold at, the
//! account as it is and the payment time, the account's new state and the
//! ledger entries to append. The server applies the plan exactly once; the
//! catalog is never reread, the quote holds what was sold (PRI-4).

use crate::catalog::AddOnValidity;
use crate::error::{DomainError, ErrorCode};
use crate::identity::{AccountState, EditionTerm};
use crate::ledger::{GrantId, GrantSource, LedgerEntry, clear_trial, follow_edition};
use crate::product::{Edition, Product};
use crate::quote::Unit;
use crate::quote::{Quote, QuoteLine};
use crate::terms::{EditionAction, classify, edition_term, integration_term};
use crate::time::{Instant, add_years};

/// What delivering an order changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub account: AccountState,
    pub entries: Vec<LedgerEntry>,
}

fn invalid() -> DomainError {
    DomainError::invalid("quote")
}

/// Whether planning the delivery of `quote` reads the account's ledger: only
/// an edition moves or clears existing grants, so an order of add-ons alone
/// can be planned with an empty ledger, whatever the account holds.
pub fn reads_ledger(quote: &Quote) -> bool {
    quote.lines.iter().any(|l| matches!(l.product, Product::Edition(_)))
}

/// Whether `quote`, paid at `paid_at`, can be delivered onto `account` as
/// it promised: an edition line does what it was sold as (a new edition, a
/// renewal, an upgrade: never a downgrade, SEL-6), and add-ons have an
/// edition to stand on (SEL-4), integration a Professional or Flagship one
/// (SEL-3). Delivery asks this first; a refusal ends in `needs_attention`.
pub fn deliverable(quote: &Quote, account: &AccountState, paid_at: Instant) -> Result<(), DomainError> {
    let mut edition_after = account.paid_edition(paid_at).map(|t| t.edition);
    for line in &quote.lines {
        let Product::Edition(edition) = line.product else { continue };
        let sold_as = line.action.ok_or_else(invalid)?;
        let now_is = classify(account, edition, paid_at)?;
        // A Flagship sales quote replaces a lower edition as a new term (SAL-1).
        let replaces = line.unit == Unit::SalesQuote && sold_as == EditionAction::New;
        if now_is != sold_as && !(replaces && now_is == EditionAction::Upgrade) {
            return Err(DomainError::with_field(ErrorCode::QuoteChanged, "edition"));
        }
        edition_after = Some(edition);
    }
    for line in &quote.lines {
        let Product::AddOn(_) = line.product else { continue };
        let edition = edition_after.ok_or(DomainError::new(ErrorCode::NoActiveEdition))?;
        if line.validity == Some(AddOnValidity::PerYear) && edition < Edition::Professional {
            return Err(DomainError::new(ErrorCode::IntegrationRequiresProfessional));
        }
    }
    Ok(())
}

/// Plans the delivery of `quote` paid at `paid_at`, made at `now`. `next_grant` hands out
/// ids for new grants. A personal order is planned the same way on the
/// person's account: its validity starts at payment (BND-1).
pub fn plan_delivery(
    quote: &Quote,
    account: &AccountState,
    ledger: &[LedgerEntry],
    paid_at: Instant,
    now: Instant,
    next_grant: &mut dyn FnMut() -> GrantId,
) -> Result<Delivery, DomainError> {
    let mut state = account.clone();
    let mut entries = Vec::new();
    for line in quote.lines.iter().filter(|l| matches!(l.product, Product::Edition(_))) {
        deliver_edition(line, &mut state, ledger, paid_at, now, &mut entries, next_grant)?;
    }
    let edition_end = state.paid_edition(paid_at).map(|t| t.expires_at);
    for line in quote.lines.iter().filter(|l| matches!(l.product, Product::AddOn(_))) {
        let edition_end = edition_end.ok_or(DomainError::new(ErrorCode::NoActiveEdition))?;
        match line.validity.ok_or_else(invalid)? {
            AddOnValidity::FollowsEdition => grant(line, edition_end, GrantSource::Pack, &mut entries, next_grant),
            AddOnValidity::OneYear => {
                let until = add_years(paid_at, 1).ok_or_else(invalid)?;
                grant(line, until, GrantSource::AddOn, &mut entries, next_grant);
            }
            AddOnValidity::PerYear => {
                let years = line.years.ok_or_else(invalid)?;
                let term = integration_term(&state, edition_end, years, paid_at).ok_or_else(invalid)?;
                state.integration_until = Some(term.expires_at);
            }
        }
    }
    Ok(Delivery { account: state, entries })
}

fn deliver_edition(
    line: &QuoteLine,
    state: &mut AccountState,
    ledger: &[LedgerEntry],
    paid_at: Instant,
    now: Instant,
    entries: &mut Vec<LedgerEntry>,
    next_grant: &mut dyn FnMut() -> GrantId,
) -> Result<(), DomainError> {
    let Product::Edition(edition) = line.product else { return Err(invalid()) };
    let action = line.action.ok_or_else(invalid)?;
    if state.edition.as_ref().is_some_and(|t| t.trial) {
        entries.extend(clear_trial(ledger, paid_at));
    }
    let (starts_at, expires_at) = edition_term(state, action, line.years.unwrap_or(0), paid_at).ok_or_else(invalid)?;
    let started = match (action, state.paid_edition(paid_at)) {
        (EditionAction::Renewal | EditionAction::Upgrade, Some(current)) => current.starts_at,
        _ => starts_at,
    };
    // A grant live at payment that expired before delivery (a late
    // notification) stays expired: QUO-4 cleared it at its end, whether or
    // not the sweeper has written that down yet.
    entries.extend(follow_edition(ledger, expires_at, paid_at.max(now)));
    state.edition = Some(EditionTerm { edition, starts_at: started, expires_at, trial: false });
    grant(line, expires_at, GrantSource::Edition, entries, next_grant);
    Ok(())
}

fn grant(
    line: &QuoteLine,
    expires_at: Instant,
    source: GrantSource,
    entries: &mut Vec<LedgerEntry>,
    next_grant: &mut dyn FnMut() -> GrantId,
) {
    if let Some(g) = line.grants {
        entries.push(LedgerEntry::Grant { grant: next_grant(), kind: g.kind, amount: g.amount, expires_at, source });
    }
}

#[cfg(test)]
mod tests;
