use super::*;
use crate::identity::Channel;
use crate::ledger::balance;
use crate::product::{AddOn, Edition, QuotaKind};
use crate::quote::quote;
use crate::testing::*;
use crate::time::add_years;

fn ids() -> impl FnMut() -> GrantId {
    let mut next = 100;
    move || {
        next += 1;
        next
    }
}

#[test]
fn ful_plan_delivers_edition_validity_quota_and_add_ons_from_the_payment_time() {
    let catalog = catalog();
    let buyer = admin();
    let selection = buy(Edition::Professional, 2).and(&[
        (AddOn::ContractPack1k, 1),
        (AddOn::Integration, 1),
        (AddOn::SigningReports, 1),
    ]);
    let q = quote(&ctx(&catalog, &buyer, Channel::Web), &selection).expect("quotes");
    let paid_at = days(1);
    let d = plan_delivery(&q, &buyer.account, &[], paid_at, paid_at, &mut ids()).expect("plans");
    let edition = d.account.edition.as_ref().expect("delivered");
    let end = add_years(paid_at, 2).expect("date");
    assert_eq!((edition.edition, edition.starts_at, edition.expires_at), (Edition::Professional, paid_at, end));
    assert_eq!(d.account.integration_until, add_years(paid_at, 1));
    assert_eq!(balance(&d.entries, QuotaKind::Contracts, paid_at).remaining, 10_000 + 1_000);
    assert_eq!(balance(&d.entries, QuotaKind::SigningReports, paid_at).remaining, 100);
    assert_eq!(balance(&d.entries, QuotaKind::Contracts, end).remaining, 0, "all contract grants end with the edition");
}

#[test]
fn bnd_1_a_personal_purchase_takes_effect_and_starts_its_validity_at_payment() {
    let catalog = catalog();
    let buyer = person();
    let q = quote(&ctx(&catalog, &buyer, Channel::MiniProgram), &buy(Edition::Advanced, 1)).expect("quotes");
    let paid_at = days(0) + chrono::TimeDelta::minutes(20);
    let d = plan_delivery(&q, &buyer.account, &[], paid_at, paid_at, &mut ids()).expect("plans");
    let term = d.account.edition.expect("delivered to the person");
    assert_eq!((term.starts_at, term.expires_at), (paid_at, add_years(paid_at, 1).expect("date")));
}

#[test]
fn ren_1_a_renewal_moves_the_edition_grants_and_packs_to_the_new_expiry() {
    let catalog = catalog();
    let buyer = holding(admin(), Edition::Advanced, 100);
    let ledger = vec![
        LedgerEntry::Grant {
            grant: 1,
            kind: QuotaKind::Contracts,
            amount: 1_000,
            expires_at: days(100),
            source: GrantSource::Edition,
        },
        LedgerEntry::Grant {
            grant: 2,
            kind: QuotaKind::Contracts,
            amount: 1_000,
            expires_at: days(100),
            source: GrantSource::Pack,
        },
        LedgerEntry::Grant {
            grant: 3,
            kind: QuotaKind::SigningReports,
            amount: 100,
            expires_at: days(50),
            source: GrantSource::AddOn,
        },
    ];
    let q = quote(&ctx(&catalog, &buyer, Channel::Web), &buy(Edition::Advanced, 1)).expect("quotes");
    let d = plan_delivery(&q, &buyer.account, &ledger, now(), now(), &mut ids()).expect("plans");
    let end = add_years(days(100), 1).expect("date");
    assert_eq!(d.account.edition.as_ref().map(|t| t.expires_at), Some(end));
    let all: Vec<LedgerEntry> = ledger.iter().cloned().chain(d.entries).collect();
    assert_eq!(balance(&all, QuotaKind::Contracts, days(200)).remaining, 3_000, "old grants follow, 1000 new");
    assert_eq!(balance(&all, QuotaKind::SigningReports, days(60)).remaining, 0, "reports keep their own year");
}

#[test]
fn ren_2_an_upgrade_changes_the_edition_keeps_the_expiry_and_grants_the_pro_rata_difference() {
    let catalog = catalog();
    let buyer = holding(admin(), Edition::Advanced, 200);
    let q = quote(&ctx(&catalog, &buyer, Channel::Web), &upgrade_to(Edition::Professional)).expect("quotes");
    let d = plan_delivery(&q, &buyer.account, &[], now(), now(), &mut ids()).expect("plans");
    let term = d.account.edition.expect("upgraded");
    assert_eq!((term.edition, term.expires_at), (Edition::Professional, days(200)));
    assert_eq!(balance(&d.entries, QuotaKind::Contracts, now()).remaining, 2_192);
}

#[test]
fn tri_1_buying_an_edition_ends_the_trial_and_clears_its_allotment() {
    let catalog = catalog();
    let mut buyer = holding(admin(), Edition::Advanced, 5);
    if let Some(t) = buyer.account.edition.as_mut() {
        t.trial = true;
    }
    let trial_grant = LedgerEntry::Grant {
        grant: 1,
        kind: QuotaKind::Contracts,
        amount: 100,
        expires_at: days(5),
        source: GrantSource::Trial,
    };
    let q = quote(&ctx(&catalog, &buyer, Channel::Web), &buy(Edition::Advanced, 1)).expect("quotes");
    let d =
        plan_delivery(&q, &buyer.account, std::slice::from_ref(&trial_grant), now(), now(), &mut ids()).expect("plans");
    assert!(d.entries.contains(&LedgerEntry::Clear { grant: 1, amount: 100 }));
    let term = d.account.edition.expect("bought");
    assert!(!term.trial);
    assert_eq!(term.starts_at, now(), "the bought edition starts at payment");
}

#[test]
fn tri_1_the_trial_allotment_is_gone_from_billing_once_an_edition_is_bought() {
    let catalog = catalog();
    let mut buyer = holding(admin(), Edition::Advanced, 5);
    if let Some(t) = buyer.account.edition.as_mut() {
        t.trial = true;
    }
    let trial_grant = LedgerEntry::Grant {
        grant: 1,
        kind: QuotaKind::Contracts,
        amount: 100,
        expires_at: days(5),
        source: GrantSource::Trial,
    };
    let q = quote(&ctx(&catalog, &buyer, Channel::Web), &buy(Edition::Advanced, 1)).expect("quotes");
    let d =
        plan_delivery(&q, &buyer.account, std::slice::from_ref(&trial_grant), now(), now(), &mut ids()).expect("plans");
    let all: Vec<LedgerEntry> = std::iter::once(trial_grant).chain(d.entries).collect();
    let b = balance(&all, QuotaKind::Contracts, now());
    assert_eq!((b.total, b.used, b.remaining), (1_000, 0, 1_000), "only the bought edition's allotment counts");
}

#[test]
fn ful_1_add_ons_alone_are_planned_the_same_without_the_ledger() {
    let catalog = catalog();
    let buyer = holding(admin(), Edition::Advanced, 100);
    let held = [LedgerEntry::Grant {
        grant: 1,
        kind: QuotaKind::Contracts,
        amount: 1_000,
        expires_at: days(100),
        source: GrantSource::Edition,
    }];
    let pack = quote(&ctx(&catalog, &buyer, Channel::Web), &addons(&[(AddOn::ContractPack1k, 2)])).expect("quotes");
    assert!(!reads_ledger(&pack));
    let with = plan_delivery(&pack, &buyer.account, &held, now(), now(), &mut ids()).expect("plans");
    let without = plan_delivery(&pack, &buyer.account, &[], now(), now(), &mut ids()).expect("plans");
    assert_eq!(with, without);
    let renewal = quote(&ctx(&catalog, &buyer, Channel::Web), &buy(Edition::Advanced, 1)).expect("quotes");
    assert!(reads_ledger(&renewal), "a renewal moves the grants it holds, so it needs the ledger");
    let moved = plan_delivery(&renewal, &buyer.account, &held, now(), now(), &mut ids()).expect("plans");
    assert_ne!(moved, plan_delivery(&renewal, &buyer.account, &[], now(), now(), &mut ids()).expect("plans"));
}

/// A renewal paid while the edition ran, whose notice came after it ended:
/// the edition continues from its old end, as paid, but the allotment that
/// expired in between stays expired (QUO-4), whether or not the sweeper has
/// cleared it yet; delivered in time, the allotment follows the edition.
#[test]
fn quo_4_a_renewal_delivered_after_the_edition_ended_leaves_the_expired_allotment_expired() {
    let catalog = catalog();
    let buyer = holding(admin(), Edition::Advanced, 100);
    let held = [LedgerEntry::Grant {
        grant: 1,
        kind: QuotaKind::Contracts,
        amount: 1_000,
        expires_at: days(100),
        source: GrantSource::Edition,
    }];
    let renewal = quote(&ctx(&catalog, &buyer, Channel::Web), &buy(Edition::Advanced, 1)).expect("quotes");
    let moves = |delivered_at| {
        let d = plan_delivery(&renewal, &buyer.account, &held, now(), delivered_at, &mut ids()).expect("plans");
        let moved: Vec<GrantId> = d
            .entries
            .iter()
            .filter_map(|e| match e {
                LedgerEntry::Move { grant, .. } => Some(*grant),
                _ => None,
            })
            .collect();
        (moved, d.account.edition.map(|t| t.expires_at))
    };
    let (in_time, renewed_to) = moves(now());
    let (late, late_renewed_to) = moves(days(101));
    assert_eq!(in_time, vec![1], "delivered in time, the allotment follows the edition");
    assert!(late.is_empty(), "delivered after it expired, it stays expired: {late:?}");
    assert_eq!(renewed_to, late_renewed_to, "the edition is renewed from its old end either way");
}
