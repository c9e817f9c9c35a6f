//! The free trial (TRI-1): once per enterprise, never beside a paid edition.

use crate::cart::Context;
use crate::error::{DomainError, ErrorCode};
use crate::identity::{EditionTerm, Identity};
use crate::product::Edition;
use crate::quote::buyer_refusals;
use crate::time::add_days;

/// What a trial grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trial {
    pub term: EditionTerm,
    pub contracts: u64,
}

/// Every reason the buyer cannot start the trial now; empty when they can.
pub fn trial_refusals(ctx: &Context<'_>) -> Vec<DomainError> {
    let mut errors = buyer_refusals(ctx);
    if ctx.buyer.identity.is_person() {
        errors.push(DomainError::new(ErrorCode::Forbidden));
    }
    if ctx.buyer.account.trial_used {
        errors.push(DomainError::new(ErrorCode::TrialAlreadyUsed));
    }
    if ctx.buyer.account.paid_edition(ctx.now).is_some() {
        errors.push(DomainError::new(ErrorCode::EnterpriseHasEdition));
    }
    crate::quote::sort_refusals(&mut errors);
    errors
}

/// Starts the trial: Advanced for the catalog's trial days with its allotment.
pub fn start_trial(ctx: &Context<'_>) -> Result<Trial, Vec<DomainError>> {
    let errors = trial_refusals(ctx);
    if !errors.is_empty() {
        return Err(errors);
    }
    let limits = ctx.catalog.limits();
    let expires_at = add_days(ctx.now, limits.trial_days).ok_or_else(|| vec![DomainError::invalid("now")])?;
    debug_assert!(matches!(ctx.buyer.identity, Identity::Enterprise { .. }));
    Ok(Trial {
        term: EditionTerm { edition: Edition::Advanced, starts_at: ctx.now, expires_at, trial: true },
        contracts: limits.trial_allotment,
    })
}
