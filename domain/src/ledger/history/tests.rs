use super::*;
use crate::error::ErrorCode;
use crate::ledger::{balance, draw, follow_edition, give_back, sweep};
use crate::testing::*;
use proptest::prelude::*;

/// Appends `entries` as written at `at` for `cause`, by order `order` (placed at `at`).
fn write(records: &mut Vec<Recorded>, at: Instant, cause: MoveCause, order: Option<i64>, entries: Vec<LedgerEntry>) {
    let order = order.map(|id| OrderRef { id, number: crate::order::order_number(id, at) });
    records.extend(entries.into_iter().map(|entry| Recorded { at, cause, order: order.clone(), entry }));
}

fn granted(grant: GrantId, amount: u64, expires_in: u32, source: GrantSource) -> LedgerEntry {
    LedgerEntry::Grant { grant, kind: QuotaKind::Contracts, amount, expires_at: days(expires_in), source }
}

/// An Advanced edition's 1,000 (order 1, until day 100), then a 1,000 pack (order 2).
fn edition_and_pack(pack_expires_in: u32) -> Vec<Recorded> {
    let mut r = Vec::new();
    write(&mut r, now(), MoveCause::Delivery, Some(1), vec![granted(1, 1_000, 100, GrantSource::Edition)]);
    write(&mut r, days(1), MoveCause::Delivery, Some(2), vec![granted(2, 1_000, pack_expires_in, GrantSource::Pack)]);
    r
}

fn drawn(records: &mut Vec<Recorded>, at: Instant, n: u64) {
    let d = draw(&entries(records), QuotaKind::Contracts, n, at).expect("draws");
    write(records, at, MoveCause::Contract, None, d);
}

#[test]
fn quo_1_the_history_adds_up_to_the_remaining_and_each_line_says_its_balance_after() {
    let mut r = Vec::new();
    write(&mut r, now(), MoveCause::Delivery, Some(1), vec![granted(1, 1_000, 100, GrantSource::Edition)]);
    drawn(&mut r, now(), 1);
    write(&mut r, now(), MoveCause::Delivery, Some(2), vec![granted(2, 1_000, 100, GrantSource::Pack)]);
    drawn(&mut r, now(), 1);
    let LedgerEntry::Draw { grant, .. } = r.last().expect("a draw").entry else { panic!("a draw") };
    let back = give_back(&entries(&r), grant, 1, now());
    write(&mut r, now(), MoveCause::Withdrawal, None, back);

    let h = history(&r, true);
    let seen: Vec<(u64, MoveKind, MoveCause, i64, u64)> =
        h.iter().map(|m| (m.seq, m.kind, m.cause, m.change, m.balance_after)).collect();
    assert_eq!(
        seen,
        [
            (1, MoveKind::Granted, MoveCause::Delivery, 1_000, 1_000),
            (2, MoveKind::Drawn, MoveCause::Contract, -1, 999),
            (3, MoveKind::Granted, MoveCause::Delivery, 1_000, 1_999),
            (4, MoveKind::Drawn, MoveCause::Contract, -1, 1_998),
            (5, MoveKind::Returned, MoveCause::Withdrawal, 1, 1_999),
        ],
        "in the order written, even at one instant"
    );
    assert_eq!(h.last().map(|m| m.balance_after), Some(balance(&entries(&r), QuotaKind::Contracts, now()).remaining));
    assert_eq!(h[2].order, Some(2), "the pack's order");
    let pack_number = crate::order::order_number(2, now());
    assert_eq!(h[2].order_number.as_deref(), Some(pack_number.as_str()), "the pack's order number");
    assert!(
        history(&r, false).iter().all(|m| m.order.is_none() && m.order_number.is_none()),
        "VIS-1: no order for who may not see records"
    );
}

#[test]
fn quo_3_a_pack_expires_with_the_edition_and_follows_its_renewal() {
    let mut r = edition_and_pack(100);
    let lines = grant_lines(&r, days(2), true);
    assert!(lines.iter().all(|g| g.expires_at == days(100)), "{lines:?}");
    let (edition, pack) = (&lines[0], &lines[1]);
    assert_eq!((edition.source, edition.order, edition.starts_at), (GrantSource::Edition, Some(1), now()));
    assert_eq!((pack.source, pack.order, pack.starts_at), (GrantSource::Pack, Some(2), days(1)));
    let numbers = (edition.order_number.clone(), pack.order_number.clone());
    assert_eq!(
        numbers,
        (Some(crate::order::order_number(1, now())), Some(crate::order::order_number(2, days(1)))),
        "each grant names its order by number"
    );
    assert!(grant_lines(&r, days(2), false).iter().all(|g| g.order.is_none() && g.order_number.is_none()), "VIS-1");

    let moved = follow_edition(&entries(&r), days(465), days(2));
    write(&mut r, days(2), MoveCause::Delivery, Some(3), moved);
    assert!(grant_lines(&r, days(2), true).iter().all(|g| g.expires_at == days(465) && g.state == GrantState::Live));
    let h = history(&r, true);
    let moves: Vec<_> = h.iter().filter(|m| m.kind == MoveKind::ExpiryMoved).collect();
    assert_eq!(moves.len(), 2, "both grants follow the edition: {h:?}");
    assert!(moves.iter().all(|m| m.expires_at == Some(days(465)) && m.change == 0 && m.balance_after == 2_000));
}

#[test]
fn quo_4_an_expired_grant_is_shown_cleared_with_nothing_left_before_and_after_the_sweep() {
    let mut r = edition_and_pack(100);
    drawn(&mut r, days(2), 10);
    let expired = |r: &[Recorded]| {
        let lines = grant_lines(r, days(101), true);
        lines.iter().map(|g| (g.grant, g.state, g.used, g.left, g.cleared, g.draws_next)).collect::<Vec<_>>()
    };
    let shown = [(2, GrantState::Expired, 0, 0, 1_000, false), (1, GrantState::Expired, 10, 0, 990, false)];
    assert_eq!(expired(&r), shown, "expired, not yet swept: nothing usable, the rest to be cleared");
    let clears = sweep(&entries(&r), days(101));
    write(&mut r, days(101), MoveCause::Expiry, None, clears);
    assert_eq!(expired(&r), shown, "swept: the same figures");
    let h = history(&r, true);
    let cleared: Vec<_> = h.iter().filter(|m| m.kind == MoveKind::Cleared).map(|m| (m.change, m.cause)).collect();
    assert_eq!(cleared.len(), 2);
    assert!(cleared.iter().all(|(_, cause)| *cause == MoveCause::Expiry));
    assert_eq!(cleared.iter().map(|(c, _)| c).sum::<i64>(), -1_990);
    assert_eq!(h.last().map(|m| (m.balance_after, m.grant_left)), Some((0, 0)));
}

#[test]
fn quo_5_the_grant_expiring_first_is_listed_first_and_drawn_next() {
    let mut r = edition_and_pack(50);
    let next = |r: &[Recorded]| {
        grant_lines(r, days(2), true).iter().filter(|g| g.draws_next).map(|g| g.grant).collect::<Vec<_>>()
    };
    let lines = grant_lines(&r, days(2), true);
    assert_eq!(lines.iter().map(|g| g.grant).collect::<Vec<_>>(), [2, 1], "the pack expires first");
    assert_eq!(next(&r), [2]);
    drawn(&mut r, days(2), 1_000);
    assert_eq!(next(&r), [1], "the pack is used up: the allotment is next");
    let lines = grant_lines(&r, days(2), true);
    assert_eq!((lines[0].used, lines[0].left), (1_000, 0));
}

#[test]
fn quo_5_each_kind_has_its_own_next_grant() {
    let mut r = edition_and_pack(50);
    let reports = LedgerEntry::Grant {
        grant: 3,
        kind: QuotaKind::SigningReports,
        amount: 100,
        expires_at: days(365),
        source: GrantSource::AddOn,
    };
    write(&mut r, days(1), MoveCause::Delivery, Some(4), vec![reports]);
    let next: Vec<_> =
        grant_lines(&r, days(2), true).into_iter().filter(|g| g.draws_next).map(|g| (g.kind, g.grant)).collect();
    assert_eq!(next, [(QuotaKind::Contracts, 2), (QuotaKind::SigningReports, 3)]);
}

#[test]
fn the_history_pages_newest_first_with_a_cursor_and_a_filter() {
    let mut r = edition_and_pack(100);
    drawn(&mut r, days(2), 1);
    let reports = LedgerEntry::Grant {
        grant: 3,
        kind: QuotaKind::SigningReports,
        amount: 100,
        expires_at: days(365),
        source: GrantSource::AddOn,
    };
    write(&mut r, days(2), MoveCause::Delivery, Some(4), vec![reports]);
    drawn(&mut r, days(3), 1);
    let h = history(&r, true);
    let limit = PageLimit::new(2).expect("a limit");
    let seqs = |page: &[QuotaMove]| page.iter().map(|m| m.seq).collect::<Vec<_>>();

    let (first, next) = newest_first(&h, None, None, limit);
    assert_eq!((seqs(&first), next), (vec![5, 4], Some(4)));
    let (second, next) = newest_first(&h, None, next, limit);
    assert_eq!((seqs(&second), next), (vec![3, 2], Some(2)));
    let (last, next) = newest_first(&h, None, next, limit);
    assert_eq!((seqs(&last), next), (vec![1], None));

    let (contracts, next) = newest_first(&h, Some(QuotaKind::Contracts), None, PageLimit::DEFAULT);
    assert_eq!((seqs(&contracts), next), (vec![5, 3, 2, 1], None));
    let (exact, next) = newest_first(&h, Some(QuotaKind::Contracts), None, PageLimit::new(4).expect("a limit"));
    assert_eq!((exact.len(), next), (4, None), "no next page when nothing older is left");
}

#[test]
fn a_page_holds_one_to_a_hundred_moves() {
    for refused in [0, 101, u64::MAX] {
        let err = PageLimit::new(refused).expect_err("out of range");
        assert_eq!((err.code, err.field.as_deref()), (ErrorCode::InvalidInput, Some("limit")), "{refused}");
    }
    assert!(PageLimit::new(1).is_ok() && PageLimit::new(100).is_ok());
}

#[derive(Debug, Clone)]
enum Step {
    Draw(u64),
    GiveBack(usize),
    Later(u32),
    Sweep,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (1u64..300).prop_map(Step::Draw),
        any::<usize>().prop_map(Step::GiveBack),
        (1u32..60).prop_map(Step::Later),
        Just(Step::Sweep),
    ]
}

proptest! {
    /// QUO-1, QUO-4: whatever happens, each grant's used, left and cleared
    /// add up to its total, the live grants add up to the balance, and the
    /// last line of the history says the balance of that moment.
    #[test]
    fn quo_1_grants_and_history_always_add_up(steps in prop::collection::vec(step(), 0..40)) {
        let mut r = edition_and_pack(70);
        let mut at = days(1);
        let mut draws: Vec<GrantId> = Vec::new();
        for s in steps {
            match s {
                Step::Draw(n) => {
                    if let Ok(d) = draw(&entries(&r), QuotaKind::Contracts, n, at) {
                        draws.extend(d.iter().filter_map(|e| match e { LedgerEntry::Draw { grant, .. } => Some(*grant), _ => None }));
                        write(&mut r, at, MoveCause::Contract, None, d);
                    }
                }
                Step::GiveBack(i) if !draws.is_empty() => {
                    let grant = draws.remove(i % draws.len());
                    let back = give_back(&entries(&r), grant, 1, at);
                    write(&mut r, at, MoveCause::Withdrawal, None, back);
                }
                Step::GiveBack(_) => {}
                Step::Later(d) => at = add_days_to(at, d),
                Step::Sweep => {
                    let clears = sweep(&entries(&r), at);
                    write(&mut r, at, MoveCause::Expiry, None, clears);
                }
            }
            let lines = grant_lines(&r, at, true);
            for g in &lines {
                prop_assert_eq!(g.used + g.left + g.cleared, g.total, "{:?}", g);
            }
            let b = balance(&entries(&r), QuotaKind::Contracts, at);
            prop_assert_eq!(lines.iter().map(|g| g.left).sum::<u64>(), b.remaining);
            prop_assert_eq!(lines.iter().filter(|g| g.state == GrantState::Live).map(|g| g.total).sum::<u64>(), b.total);
            let last = history(&r, true).last().map(|m| (m.at, m.balance_after));
            if let Some((written_at, after)) = last.filter(|(w, _)| *w == at) {
                prop_assert_eq!(after, b.remaining, "the last move at {:?}", written_at);
            }
        }
    }
}

fn add_days_to(at: Instant, n: u32) -> Instant {
    crate::time::add_days(at, n).expect("in range")
}
