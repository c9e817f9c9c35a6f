//! Term arithmetic shared by the quote (as of now) and delivery (as of the
//! payment): which kind of edition purchase a choice is, and when each thing
//! starts and ends.

use crate::error::{DomainError, ErrorCode};
use crate::identity::AccountState;
use crate::product::Edition;
use crate::time::{Instant, add_years, whole_days};
use serde::{Deserialize, Serialize};

/// What an edition line does to the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EditionAction {
    /// A first edition, or a different one after the last expired.
    New,
    /// The same edition again: extends its expiry (REN-1).
    Renewal,
    /// A higher edition for the remaining term (REN-2).
    Upgrade,
}

/// Classifies buying `edition` on this account at `now` (REN-1, REN-2, SEL-6).
pub fn classify(account: &AccountState, edition: Edition, now: Instant) -> Result<EditionAction, DomainError> {
    let Some(current) = account.edition.as_ref().filter(|t| !t.trial) else {
        return Ok(EditionAction::New);
    };
    if !current.is_active(now) {
        // An expired edition is renewed from the payment; another one is simply new.
        return Ok(if current.edition == edition { EditionAction::Renewal } else { EditionAction::New });
    }
    match edition.cmp(&current.edition) {
        std::cmp::Ordering::Equal => Ok(EditionAction::Renewal),
        std::cmp::Ordering::Greater => Ok(EditionAction::Upgrade),
        std::cmp::Ordering::Less => Err(DomainError::new(ErrorCode::DowngradeNotAllowed)),
    }
}

/// When the edition runs after a line of `action` for `years` paid at `at`.
/// An upgrade keeps the current expiry; a renewal extends it, or starts at
/// `at` when it already lapsed.
pub fn edition_term(
    account: &AccountState,
    action: EditionAction,
    years: u8,
    at: Instant,
) -> Option<(Instant, Instant)> {
    let current_end = account.edition.as_ref().filter(|t| !t.trial).map(|t| t.expires_at);
    match action {
        EditionAction::New => Some((at, add_years(at, u32::from(years))?)),
        EditionAction::Renewal => {
            let from = current_end.filter(|end| *end > at).unwrap_or(at);
            Some((from, add_years(from, u32::from(years))?))
        }
        EditionAction::Upgrade => Some((at, current_end.unwrap_or(at).max(at))),
    }
}

/// The integration term for `years` bought at `at` while the edition ends at
/// `edition_end` (INT-2): it extends a running integration, never outlives the
/// edition, and its last year may be cut short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntegrationTerm {
    pub starts_at: Instant,
    pub expires_at: Instant,
    /// Years that run in full.
    pub full_years: u8,
    /// Days of a last year cut short by the edition's end (charged pro rata).
    pub partial_days: u64,
}

/// See [`IntegrationTerm`].
pub fn integration_term(
    account: &AccountState,
    edition_end: Instant,
    years: u8,
    at: Instant,
) -> Option<IntegrationTerm> {
    let starts_at = account.integration_running(at).unwrap_or(at);
    let mut full_years = 0;
    while full_years < years && add_years(starts_at, u32::from(full_years) + 1)? <= edition_end {
        full_years += 1;
    }
    let full_end = add_years(starts_at, u32::from(full_years))?;
    let (expires_at, partial_days) =
        if full_years < years { (edition_end, whole_days(full_end, edition_end)) } else { (full_end, 0) };
    Some(IntegrationTerm { starts_at, expires_at, full_years, partial_days })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::EditionTerm;
    use crate::time::at;

    fn holding(edition: Edition, expires: &str, trial: bool) -> AccountState {
        AccountState {
            edition: Some(EditionTerm {
                edition,
                starts_at: at("2025-01-01T00:00:00Z"),
                expires_at: at(expires),
                trial,
            }),
            ..AccountState::default()
        }
    }

    #[test]
    fn ren_1_same_edition_is_a_renewal_and_an_expired_one_renews_from_payment() {
        let now = at("2026-06-01T00:00:00Z");
        let active = holding(Edition::Advanced, "2026-12-01T00:00:00Z", false);
        assert_eq!(classify(&active, Edition::Advanced, now), Ok(EditionAction::Renewal));
        assert_eq!(
            edition_term(&active, EditionAction::Renewal, 1, now),
            Some((at("2026-12-01T00:00:00Z"), at("2027-12-01T00:00:00Z")))
        );
        let lapsed = holding(Edition::Advanced, "2026-03-01T00:00:00Z", false);
        assert_eq!(classify(&lapsed, Edition::Advanced, now), Ok(EditionAction::Renewal));
        assert_eq!(edition_term(&lapsed, EditionAction::Renewal, 2, now), Some((now, at("2028-06-01T00:00:00Z"))));
    }

    #[test]
    fn sel_6_a_lower_edition_than_the_active_one_is_a_downgrade() {
        let now = at("2026-06-01T00:00:00Z");
        let pro = holding(Edition::Professional, "2026-12-01T00:00:00Z", false);
        assert_eq!(classify(&pro, Edition::Advanced, now).map_err(|e| e.code), Err(ErrorCode::DowngradeNotAllowed));
        let lapsed_pro = holding(Edition::Professional, "2026-01-01T00:00:00Z", false);
        assert_eq!(
            classify(&lapsed_pro, Edition::Advanced, now),
            Ok(EditionAction::New),
            "nothing active to downgrade"
        );
    }

    #[test]
    fn ren_2_a_higher_edition_upgrades_and_keeps_the_expiry() {
        let now = at("2026-06-01T00:00:00Z");
        let adv = holding(Edition::Advanced, "2026-12-01T00:00:00Z", false);
        assert_eq!(classify(&adv, Edition::Professional, now), Ok(EditionAction::Upgrade));
        assert_eq!(edition_term(&adv, EditionAction::Upgrade, 1, now), Some((now, at("2026-12-01T00:00:00Z"))));
    }

    #[test]
    fn tri_1_a_trial_is_replaced_by_a_new_edition_starting_at_payment() {
        let now = at("2026-06-01T00:00:00Z");
        let trial = holding(Edition::Advanced, "2026-06-05T00:00:00Z", true);
        assert_eq!(classify(&trial, Edition::Advanced, now), Ok(EditionAction::New));
        assert_eq!(edition_term(&trial, EditionAction::New, 1, now), Some((now, at("2027-06-01T00:00:00Z"))));
    }

    #[test]
    fn int_2_integration_ends_with_the_edition_and_its_short_year_is_counted_in_days() {
        let now = at("2026-01-01T00:00:00Z");
        let account = AccountState::default();
        let edition_end = at("2027-02-05T00:00:00Z");
        let term = integration_term(&account, edition_end, 2, now).expect("term");
        assert_eq!(term.full_years, 1);
        assert_eq!(term.partial_days, 35);
        assert_eq!(term.expires_at, edition_end);
        let within = integration_term(&account, edition_end, 1, now).expect("term");
        assert_eq!((within.full_years, within.partial_days, within.expires_at), (1, 0, at("2027-01-01T00:00:00Z")));
    }

    #[test]
    fn int_1_integration_extends_a_running_one() {
        let now = at("2026-01-01T00:00:00Z");
        let account = AccountState { integration_until: Some(at("2026-07-01T00:00:00Z")), ..AccountState::default() };
        let term = integration_term(&account, at("2029-01-01T00:00:00Z"), 1, now).expect("term");
        assert_eq!(term.starts_at, at("2026-07-01T00:00:00Z"));
        assert_eq!(term.expires_at, at("2027-07-01T00:00:00Z"));
    }
}
