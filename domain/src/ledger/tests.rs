use super::*;
use crate::testing::*;

fn granted(grant: GrantId, kind: QuotaKind, amount: u64, expires_in: u32, source: GrantSource) -> LedgerEntry {
    LedgerEntry::Grant { grant, kind, amount, expires_at: days(expires_in), source }
}

fn book() -> Vec<LedgerEntry> {
    vec![
        granted(1, QuotaKind::Contracts, 1_000, 300, GrantSource::Edition),
        granted(2, QuotaKind::Contracts, 1_000, 100, GrantSource::Pack),
        granted(3, QuotaKind::SigningReports, 100, 365, GrantSource::AddOn),
    ]
}

#[test]
fn quo_1_remaining_is_allotment_plus_packs_minus_used() {
    let mut ledger = book();
    ledger.extend(draw(&ledger, QuotaKind::Contracts, 30, now()).expect("draws"));
    let b = balance(&ledger, QuotaKind::Contracts, now());
    assert_eq!((b.total, b.used, b.remaining), (2_000, 30, 1_970));
}

#[test]
fn quo_2_initiating_draws_one_and_withdrawing_an_unsigned_contract_returns_it() {
    let mut ledger = book();
    let drawn = draw(&ledger, QuotaKind::Contracts, 1, now()).expect("draws");
    let LedgerEntry::Draw { grant, .. } = drawn[0] else { panic!("a draw") };
    ledger.extend(drawn);
    assert_eq!(balance(&ledger, QuotaKind::Contracts, now()).remaining, 1_999);
    let status = ContractStatus::Initiated.withdraw().expect("unsigned can be withdrawn");
    assert_eq!(status, ContractStatus::Withdrawn);
    ledger.extend(give_back(&ledger, grant, 1, now()));
    assert_eq!(balance(&ledger, QuotaKind::Contracts, now()).remaining, 2_000);
    let signed = ContractStatus::Initiated.sign().expect("signs");
    assert_eq!(signed.withdraw().map_err(|e| e.code), Err(ErrorCode::ContractAlreadySigned));
}

#[test]
fn quo_2_a_return_to_an_expired_grant_is_cleared_with_it() {
    let mut ledger = book();
    ledger.extend(draw(&ledger, QuotaKind::Contracts, 1, now()).expect("draws"));
    let later = days(150);
    let back = give_back(&ledger, 2, 1, later);
    assert_eq!(back, vec![LedgerEntry::Return { grant: 2, amount: 1 }, LedgerEntry::Clear { grant: 2, amount: 1 }]);
    ledger.extend(back);
    assert_eq!(balance(&ledger, QuotaKind::Contracts, later).remaining, 1_000);
}

#[test]
fn quo_4_what_is_left_of_an_expired_grant_is_cleared() {
    let mut ledger = book();
    ledger.extend(draw(&ledger, QuotaKind::Contracts, 400, now()).expect("draws"));
    let swept = sweep(&ledger, days(100));
    assert_eq!(swept, vec![LedgerEntry::Clear { grant: 2, amount: 600 }]);
    ledger.extend(swept);
    assert!(sweep(&ledger, days(100)).is_empty(), "sweeping twice clears nothing more");
    assert_eq!(balance(&ledger, QuotaKind::Contracts, days(100)).remaining, 1_000);
}

#[test]
fn quo_5_draws_come_from_the_grant_that_expires_first_and_never_go_below_zero() {
    let ledger = book();
    let drawn = draw(&ledger, QuotaKind::Contracts, 1_500, now()).expect("draws");
    assert_eq!(drawn, vec![LedgerEntry::Draw { grant: 2, amount: 1_000 }, LedgerEntry::Draw { grant: 1, amount: 500 }]);
    assert_eq!(draw(&ledger, QuotaKind::Contracts, 2_001, now()).map_err(|e| e.code), Err(ErrorCode::QuotaExhausted));
    assert_eq!(
        draw(&ledger, QuotaKind::MeetingSigning, 1, now()).map_err(|e| e.code),
        Err(ErrorCode::QuotaExhausted),
        "no meeting-signing grant"
    );
}

#[test]
fn add_2_each_add_on_shows_used_and_remaining() {
    let mut ledger = book();
    ledger.extend(draw(&ledger, QuotaKind::SigningReports, 7, now()).expect("draws"));
    let reports = balance(&ledger, QuotaKind::SigningReports, now());
    assert_eq!((reports.used, reports.remaining), (7, 93));
    let contracts = balance(&ledger, QuotaKind::Contracts, now());
    assert_eq!((contracts.used, contracts.remaining), (0, 2_000), "kinds are kept apart");
}

#[test]
fn quo_3_edition_and_pack_grants_follow_the_edition_but_add_ons_keep_their_year() {
    let moved = follow_edition(&book(), days(700), now());
    assert_eq!(
        moved,
        vec![
            LedgerEntry::Move { grant: 1, expires_at: days(700) },
            LedgerEntry::Move { grant: 2, expires_at: days(700) }
        ]
    );
}

#[test]
fn tri_1_ending_the_trial_expires_its_grants_so_a_later_withdrawal_gives_nothing_back() {
    let mut ledger = vec![granted(1, QuotaKind::Contracts, 100, 7, GrantSource::Trial)];
    ledger.extend(draw(&ledger, QuotaKind::Contracts, 3, now()).expect("draws"));
    let ended = clear_trial(&ledger, now());
    assert_eq!(
        ended,
        vec![LedgerEntry::Move { grant: 1, expires_at: now() }, LedgerEntry::Clear { grant: 1, amount: 97 }]
    );
    ledger.extend(ended);
    assert_eq!(
        balance(&ledger, QuotaKind::Contracts, now()),
        Balance { kind: Some(QuotaKind::Contracts), ..Balance::default() }
    );
    ledger.extend(give_back(&ledger, 1, 1, now()));
    assert_eq!(balance(&ledger, QuotaKind::Contracts, now()).remaining, 0, "the withdrawn trial contract is cleared");
    assert!(sweep(&ledger, days(8)).is_empty(), "nothing left to sweep");
    assert!(clear_trial(&ledger, days(1)).is_empty(), "an ended trial ends once");
}
