//! The free trial (TRI-1): once per enterprise, for the first use of the
//! enterprise edition only: never beside a paid edition, nor after one.

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
    // 首次使用: an account that has ever held a paid edition, even one that
    // has expired since, is past its first use. A running one keeps its own
    // code (decisions.md, TRI-1).
    match ctx.buyer.account.edition.as_ref().filter(|t| !t.trial) {
        Some(paid) if paid.is_active(ctx.now) => errors.push(DomainError::new(ErrorCode::EnterpriseHasEdition)),
        Some(_) => errors.push(DomainError::new(ErrorCode::TrialNotFirstUse)),
        None => {}
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
    fn tri_1_never_a_second_trial_nor_beside_or_after_a_paid_edition_nor_for_a_person() {
        let catalog = catalog();
        let codes_of = |buyer: &crate::identity::Buyer| -> Vec<ErrorCode> {
            trial_refusals(&ctx(&catalog, buyer, Channel::Web)).into_iter().map(|e| e.code).collect()
        };
        let mut used = admin();
        used.account.trial_used = true;
        let mut lapsed_long_ago = holding(admin(), Edition::Professional, 0);
        if let Some(t) = lapsed_long_ago.account.edition.as_mut() {
            t.expires_at = now() - chrono::TimeDelta::days(400);
        }
        let mut trial_over = holding(admin(), Edition::Advanced, 0);
        if let Some(t) = trial_over.account.edition.as_mut() {
            t.trial = true;
        }
        trial_over.account.trial_used = true;
        let cases: [(&str, crate::identity::Buyer, &[ErrorCode]); 8] = [
            ("first use", admin(), &[]),
            ("a second trial", used, &[ErrorCode::TrialAlreadyUsed]),
            ("after the trial ended", trial_over, &[ErrorCode::TrialAlreadyUsed]),
            ("a paid edition running", holding(admin(), Edition::Advanced, 30), &[ErrorCode::EnterpriseHasEdition]),
            (
                "a paid edition that just expired",
                holding(admin(), Edition::Advanced, 0),
                &[ErrorCode::TrialNotFirstUse],
            ),
            ("a paid edition expired long ago", lapsed_long_ago, &[ErrorCode::TrialNotFirstUse]),
            ("a person", person(), &[ErrorCode::Forbidden]),
            (
                "a person who held a paid edition",
                holding(person(), Edition::Advanced, 0),
                &[ErrorCode::Forbidden, ErrorCode::TrialNotFirstUse],
            ),
        ];
        for (case, buyer, expected) in cases {
            assert_eq!(codes_of(&buyer), expected, "{case}");
        }
    }

    #[test]
    fn tri_1_an_enterprise_whose_paid_edition_expired_cannot_start_the_trial() {
        let catalog = catalog();
        let lapsed = holding(admin(), Edition::Advanced, 0);
        let refused = start_trial(&ctx(&catalog, &lapsed, Channel::Web)).map(|_| ()).map_err(|e| e[0].code);
        assert_eq!(refused, Err(ErrorCode::TrialNotFirstUse), "not its first use of the enterprise edition");
    }
}
