use super::*;
use crate::error::ErrorCode;
use crate::identity::{Buyer, Channel};
use crate::product::{AddOn, Edition};
use crate::testing::*;
use crate::time::add_days;
use chrono::TimeDelta;

fn placed(catalog: &crate::Catalog, buyer: &Buyer, selection: &Selection) -> Quote {
    quote(&ctx(catalog, buyer, Channel::Web), selection).expect("quotes")
}

/// The buyer whose account is the basis after `paid` (quote, paid at `now()`).
fn after(buyer: &Buyer, paid: &[&Quote]) -> Buyer {
    let pending: Vec<(&Quote, Instant)> = paid.iter().map(|q| (*q, now())).collect();
    Buyer { account: basis(&buyer.account, &pending), ..buyer.clone() }
}

fn refused_codes(result: Result<(), Changed>) -> Vec<ErrorCode> {
    match result {
        Err(Changed::Refused(errors)) => errors.into_iter().map(|e| e.code).collect(),
        Err(Changed::Repriced(_)) => vec![ErrorCode::QuoteChanged],
        Ok(()) => Vec::new(),
    }
}

#[test]
fn ren_1_a_renewal_after_a_paid_upgrade_would_be_a_downgrade_and_is_refused() {
    let catalog = catalog();
    let buyer = holding(admin(), Edition::Advanced, 100);
    let renew = buy(Edition::Advanced, 1);
    let upgrade = upgrade_to(Edition::Professional);
    let (a, b) = (placed(&catalog, &buyer, &renew), placed(&catalog, &buyer, &upgrade));
    let now_basis = after(&buyer, &[&b]);
    let result = reassess(&ctx(&catalog, &now_basis, Channel::Web), &renew, &a, now());
    assert_eq!(refused_codes(result), [ErrorCode::DowngradeNotAllowed]);
}

#[test]
fn ren_2_an_upgrade_after_a_paid_renewal_is_repriced_for_the_longer_term() {
    let catalog = catalog();
    let buyer = holding(admin(), Edition::Advanced, 100);
    let renew = buy(Edition::Advanced, 1);
    let upgrade = upgrade_to(Edition::Professional);
    let (a, b) = (placed(&catalog, &buyer, &renew), placed(&catalog, &buyer, &upgrade));
    let now_basis = after(&buyer, &[&a]);
    match reassess(&ctx(&catalog, &now_basis, Channel::Web), &upgrade, &b, now()) {
        Err(Changed::Repriced(fresh)) => {
            assert!(fresh.payable > b.payable, "{} days more to lift: {} > {}", 365, fresh.payable, b.payable);
            assert_eq!(fresh.lines[0].expires_at, now_basis.account.edition.as_ref().map_or(now(), |t| t.expires_at));
        }
        other => panic!("expected a fresh price, got {other:?}"),
    }
}

#[test]
fn sel_6_a_lower_edition_after_a_paid_higher_one_is_refused() {
    let catalog = catalog();
    let buyer = admin();
    let (pro, adv) = (buy(Edition::Professional, 3), buy(Edition::Advanced, 1));
    let (p, a) = (placed(&catalog, &buyer, &pro), placed(&catalog, &buyer, &adv));
    let now_basis = after(&buyer, &[&p]);
    assert_eq!(now_basis.account.edition.as_ref().map(|t| t.edition), Some(Edition::Professional));
    let result = reassess(&ctx(&catalog, &now_basis, Channel::Web), &adv, &a, now());
    assert_eq!(refused_codes(result), [ErrorCode::DowngradeNotAllowed]);
}

#[test]
fn int_2_a_second_integration_for_the_same_period_is_repriced_from_the_first_ones_end() {
    let catalog = catalog();
    let buyer = holding(admin(), Edition::Professional, 700);
    let integration = addons(&[(AddOn::Integration, 1)]);
    let (first, second) = (placed(&catalog, &buyer, &integration), placed(&catalog, &buyer, &integration));
    assert_eq!(first, second, "both placed against the same basis");
    let now_basis = after(&buyer, &[&first]);
    match reassess(&ctx(&catalog, &now_basis, Channel::Web), &integration, &second, now()) {
        Err(Changed::Repriced(fresh)) => {
            assert_eq!(fresh.lines[0].starts_at, first.lines[0].expires_at, "extends the first one");
        }
        other => panic!("expected a fresh price, got {other:?}"),
    }
}

#[test]
fn quo_3_a_pack_paid_after_the_edition_ended_is_refused() {
    let catalog = catalog();
    let mut buyer = holding(admin(), Edition::Advanced, 0);
    if let Some(t) = buyer.account.edition.as_mut() {
        t.expires_at = now() + TimeDelta::minutes(10);
    }
    let pack = addons(&[(AddOn::ContractPack1k, 1)]);
    let placed = placed(&catalog, &buyer, &pack);
    let later = Context { now: now() + TimeDelta::minutes(15), ..ctx(&catalog, &buyer, Channel::Web) };
    assert_eq!(refused_codes(reassess(&later, &pack, &placed, later.now)), [ErrorCode::NoActiveEdition]);
    // Opened at the provider before the end, paid after: the price holds, the delivery cannot.
    let opened = now() + TimeDelta::minutes(5);
    assert_eq!(refused_codes(reassess(&later, &pack, &placed, opened)), [ErrorCode::NoActiveEdition]);
}

#[test]
fn pri_2_an_order_still_holds_when_nothing_changed_whenever_it_is_paid_within_its_price() {
    let catalog = catalog();
    let mut advanced = holding(admin(), Edition::Advanced, 100);
    if let Some(t) = advanced.account.edition.as_mut() {
        t.expires_at += TimeDelta::hours(12);
    }
    for (buyer, selection) in [
        (&advanced, buy(Edition::Advanced, 2)),
        (&admin(), buy(Edition::Professional, 1).and(&[(AddOn::Integration, 1), (AddOn::ContractPack1k, 2)])),
        (&advanced, addons(&[(AddOn::SigningReports, 1), (AddOn::ContractPack10k, 1)])),
        (&advanced, upgrade_to(Edition::Professional)),
    ] {
        let buyer = buyer.clone();
        let q = placed(&catalog, &buyer, &selection);
        let later = Context { now: now() + TimeDelta::minutes(3), ..ctx(&catalog, &buyer, Channel::Web) };
        assert_eq!(reassess(&later, &selection, &q, later.now), Ok(()), "{selection:?} paid 3 minutes later");
        let next_day = add_days(now(), 1).expect("date");
        let provider = Context { now: next_day, ..ctx(&catalog, &buyer, Channel::Web) };
        assert_eq!(reassess(&provider, &selection, &q, now()), Ok(()), "{selection:?}: a provider keeps the price");
    }
}

#[test]
fn ren_2_time_alone_reprices_an_upgrade_paid_from_the_balance_a_day_later() {
    let catalog = catalog();
    let buyer = holding(admin(), Edition::Advanced, 100);
    let upgrade = upgrade_to(Edition::Professional);
    let q = placed(&catalog, &buyer, &upgrade);
    let next_day = Context { now: add_days(now(), 1).expect("date"), ..ctx(&catalog, &buyer, Channel::Web) };
    assert!(matches!(reassess(&next_day, &upgrade, &q, next_day.now), Err(Changed::Repriced(_))));
}

#[test]
fn pri_2_the_basis_applies_paid_orders_in_the_order_they_were_accepted() {
    let catalog = catalog();
    let buyer = admin();
    let (adv, pro) = (buy(Edition::Advanced, 1), buy(Edition::Professional, 1));
    let (a, p) = (placed(&catalog, &buyer, &adv), placed(&catalog, &buyer, &pro));
    // Professional accepted first, Advanced after it: Advanced cannot be delivered and is left out.
    let state = basis(&buyer.account, &[(&p, now()), (&a, now())]);
    assert_eq!(state.edition.as_ref().map(|t| t.edition), Some(Edition::Professional));
    // Advanced accepted first: Professional was sold as a new edition, not as an upgrade, and is left out.
    let state = basis(&buyer.account, &[(&a, now()), (&p, now())]);
    assert_eq!(state.edition.as_ref().map(|t| t.edition), Some(Edition::Advanced));
}

#[test]
fn pri_2_acceptance_not_payment_time_decides_a_provider_payment_collected_earlier() {
    let catalog = catalog();
    let buyer = admin();
    let (adv, pro) = (buy(Edition::Advanced, 1), buy(Edition::Professional, 1));
    let (a, p) = (placed(&catalog, &buyer, &adv), placed(&catalog, &buyer, &pro));
    let earlier = now() - TimeDelta::seconds(1);
    // Professional accepted first; Advanced's money was collected a second
    // before it but accepted after: Advanced is the one left out.
    let state = basis(&buyer.account, &[(&p, now()), (&a, earlier)]);
    assert_eq!(state.edition.as_ref().map(|t| t.edition), Some(Edition::Professional));
}
