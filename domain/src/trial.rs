//! The free trial (TRI-1): once per enterprise, never beside a paid edition.

use crate::cart::Context;
use crate::error::{DomainError, ErrorCode};
use crate::fulfil::Delivery;
use crate::identity::{AccountState, EditionTerm, Identity};
use crate::ledger::{GrantId, GrantSource, LedgerEntry};
use crate::product::{Edition, QuotaKind};
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

impl Trial {
    /// TRI-1: what starting the trial changes, delivered like an order: the
    /// account holds the trial edition, its one trial is used, and `grant`
    /// carries the trial allotment, expiring with the trial.
    pub fn plan(&self, account: &AccountState, grant: GrantId) -> Delivery {
        let state = AccountState { edition: Some(self.term.clone()), trial_used: true, ..account.clone() };
        let entries = vec![LedgerEntry::Grant {
            grant,
            kind: QuotaKind::Contracts,
            amount: self.contracts,
            expires_at: self.term.expires_at,
            source: GrantSource::Trial,
        }];
        Delivery { account: state, entries }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Channel;
    use crate::ledger::balance;
    use crate::testing::*;
    use crate::time::add_days;

    #[test]
    fn tri_1_the_trial_grants_advanced_for_seven_days_with_the_trial_allotment() {
        let catalog = catalog();
        let buyer = admin();
        let trial = start_trial(&ctx(&catalog, &buyer, Channel::Web)).expect("starts");
        let d = trial.plan(&buyer.account, 7);
        let term = d.account.edition.as_ref().expect("an edition");
        assert_eq!((term.edition, term.trial), (Edition::Advanced, true));
        assert_eq!((term.starts_at, term.expires_at), (now(), add_days(now(), 7).expect("date")));
        assert!(d.account.trial_used, "the one trial is used");
        assert_eq!(balance(&d.entries, QuotaKind::Contracts, now()).remaining, 100);
        assert_eq!(balance(&d.entries, QuotaKind::Contracts, days(7)).remaining, 0, "ends with the trial");
    }

    #[test]
    fn tri_1_never_a_second_trial_nor_beside_a_paid_edition_nor_for_a_person() {
        let catalog = catalog();
        let mut used = admin();
        used.account.trial_used = true;
        let codes_of = |buyer: &crate::identity::Buyer| -> Vec<ErrorCode> {
            trial_refusals(&ctx(&catalog, buyer, Channel::Web)).into_iter().map(|e| e.code).collect()
        };
        assert_eq!(codes_of(&used), [ErrorCode::TrialAlreadyUsed]);
        assert_eq!(codes_of(&holding(admin(), Edition::Advanced, 30)), [ErrorCode::EnterpriseHasEdition]);
        assert_eq!(codes_of(&person()), [ErrorCode::Forbidden]);
        assert!(codes_of(&holding(admin(), Edition::Advanced, 0)).is_empty(), "an expired edition is no obstacle");
    }
}
