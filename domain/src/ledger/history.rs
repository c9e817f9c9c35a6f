//! What billing management shows of the ledger (QUO-1, QUO-3, QUO-4,
//! QUO-5): each grant with its total, used, left and expiry, and the history
//! of quota moves with the balance after each. Both are folds over the
//! entries as they were written; the store gives each its time and cause.

use super::{GrantBalance, GrantId, GrantSource, LedgerEntry, apply, grants};
use crate::error::{DomainError, ErrorCode};
use crate::product::QuotaKind;
use crate::time::Instant;
use serde::{Deserialize, Serialize};

/// What wrote a ledger entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum MoveCause {
    /// An order's delivery: its grants, the expiries that follow the
    /// edition (QUO-3), the trial it ended (TRI-1).
    Delivery,
    /// A personal order bound to an enterprise (BND-2): grants arrive there
    /// and leave the person.
    Binding,
    /// The free trial started (TRI-1).
    Trial,
    /// A contract initiated (QUO-2).
    Contract,
    /// A signing report or meeting used (ADD-2).
    AddOnUse,
    /// A contract withdrawn (QUO-2).
    Withdrawal,
    /// The sweeper cleared what an expired grant left (QUO-4).
    Expiry,
}

/// The order whose delivery or binding wrote a grant, as buyers know it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRef {
    pub id: i64,
    /// Its order number (订单号, [`crate::order::order_number`]).
    pub number: String,
}

/// A ledger entry as it was written, in the order the account's entries were written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    pub at: Instant,
    pub cause: MoveCause,
    /// For a grant, the order whose delivery or binding wrote it.
    pub order: Option<OrderRef>,
    pub entry: LedgerEntry,
}

/// The entries alone, for the ledger's other folds.
pub fn entries(records: &[Recorded]) -> Vec<LedgerEntry> {
    records.iter().map(|r| r.entry.clone()).collect()
}

/// Whether a grant still counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum GrantState {
    Live,
    /// Past its expiry: what it left is cleared (QUO-4) and it takes nothing more.
    Expired,
}

/// One grant as billing management shows it; `used + left + cleared = total`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrantLine {
    pub grant: GrantId,
    pub kind: QuotaKind,
    /// The edition's own allotment (版本赠送), a pack (合同套餐包), an add-on's uses, the trial's.
    pub source: GrantSource,
    /// The order that delivered it, shown to those who may see purchase records (VIS-1).
    pub order: Option<i64>,
    /// That order's number (订单号), which is what buyers read; shown with `order`.
    pub order_number: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub starts_at: Instant,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: Instant,
    pub total: u64,
    /// Drawn and not given back.
    pub used: u64,
    /// Still usable.
    pub left: u64,
    /// Cleared at expiry, or to be cleared now that it has expired (QUO-4).
    pub cleared: u64,
    pub state: GrantState,
    /// QUO-5: the next use of this kind is drawn from this grant.
    pub draws_next: bool,
}

/// What is usable of a grant at `at`: nothing once it has expired (QUO-4).
fn left_at(g: &GrantBalance, at: Instant) -> u64 {
    if g.is_live(at) { g.remaining() } else { 0 }
}

/// QUO-5: the grants of `kind` the next draws take, in the order they take them.
pub(super) fn draw_order(balances: &[GrantBalance], kind: QuotaKind, now: Instant) -> Vec<&GrantBalance> {
    let mut live: Vec<&GrantBalance> =
        balances.iter().filter(|g| g.kind == kind && g.is_live(now) && g.remaining() > 0).collect();
    live.sort_by_key(|g| (g.expires_at, g.grant));
    live
}

/// Every grant at `now`: the live ones in the order they are drawn (QUO-5),
/// then the expired ones, latest expiry first. `show_orders` (VIS-1) says
/// whether the delivering order is named.
pub fn grant_lines(records: &[Recorded], now: Instant, show_orders: bool) -> Vec<GrantLine> {
    let balances = grants(&entries(records));
    let next: Vec<GrantId> =
        QuotaKind::ALL.iter().filter_map(|&kind| draw_order(&balances, kind, now).first().map(|g| g.grant)).collect();
    let mut lines: Vec<GrantLine> = balances
        .iter()
        .filter_map(|g| {
            let written =
                records.iter().find(|r| matches!(r.entry, LedgerEntry::Grant { grant, .. } if grant == g.grant))?;
            let live = g.is_live(now);
            let left = left_at(g, now);
            let order = written.order.as_ref().filter(|_| show_orders);
            Some(GrantLine {
                grant: g.grant,
                kind: g.kind,
                source: g.source,
                order: order.map(|o| o.id),
                order_number: order.map(|o| o.number.clone()),
                starts_at: written.at,
                expires_at: g.expires_at,
                total: g.granted,
                used: g.drawn.saturating_sub(g.returned),
                left,
                cleared: g.cleared + (g.remaining() - left),
                state: if live { GrantState::Live } else { GrantState::Expired },
                draws_next: next.contains(&g.grant),
            })
        })
        .collect();
    lines.sort_by(|a, b| match (a.state, b.state) {
        (GrantState::Live, GrantState::Live) => (a.expires_at, a.grant).cmp(&(b.expires_at, b.grant)),
        (GrantState::Expired, GrantState::Expired) => (b.expires_at, b.grant).cmp(&(a.expires_at, a.grant)),
        (GrantState::Live, GrantState::Expired) => std::cmp::Ordering::Less,
        (GrantState::Expired, GrantState::Live) => std::cmp::Ordering::Greater,
    });
    lines
}

/// What a quota move did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum MoveKind {
    Granted,
    Drawn,
    Returned,
    Cleared,
    /// The grant's expiry changed (it follows the edition, QUO-3; a trial or a binding ended it).
    ExpiryMoved,
}

/// One line of the quota history (份额变动记录).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuotaMove {
    /// Its place in the account's history, from 1; the cursor of the pages.
    pub seq: u64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Instant,
    pub kind: MoveKind,
    pub cause: MoveCause,
    pub quota: QuotaKind,
    pub grant: GrantId,
    pub source: GrantSource,
    /// The order that delivered the grant, shown to those who may see purchase records (VIS-1).
    pub order: Option<i64>,
    /// That order's number (订单号), which is what buyers read; shown with `order`.
    pub order_number: Option<String>,
    pub amount: u64,
    /// What the move adds to the grant (+ granted, returned; − drawn, cleared; 0 an expiry moved).
    pub change: i64,
    /// The grant's new expiry, for an expiry moved.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub expires_at: Option<Instant>,
    /// What the grant has left to use after it.
    pub grant_left: u64,
    /// QUO-1: the remaining of this kind over the grants live at that moment, after it.
    pub balance_after: u64,
}

fn signed(amount: u64) -> i64 {
    i64::try_from(amount).unwrap_or(i64::MAX)
}

/// The history, oldest first, each move with the balance after it.
pub fn history(records: &[Recorded], show_orders: bool) -> Vec<QuotaMove> {
    let mut balances: Vec<GrantBalance> = Vec::new();
    let mut orders: Vec<(GrantId, Option<&OrderRef>)> = Vec::new();
    let mut out = Vec::with_capacity(records.len());
    for record in records {
        apply(&mut balances, &record.entry);
        let (grant, kind, amount, change, expires_at) = match record.entry {
            LedgerEntry::Grant { grant, amount, .. } => {
                orders.push((grant, record.order.as_ref()));
                (grant, MoveKind::Granted, amount, signed(amount), None)
            }
            LedgerEntry::Draw { grant, amount } => (grant, MoveKind::Drawn, amount, -signed(amount), None),
            LedgerEntry::Return { grant, amount } => (grant, MoveKind::Returned, amount, signed(amount), None),
            LedgerEntry::Clear { grant, amount } => (grant, MoveKind::Cleared, amount, -signed(amount), None),
            LedgerEntry::Move { grant, expires_at } => (grant, MoveKind::ExpiryMoved, 0, 0, Some(expires_at)),
        };
        let Some(touched) = balances.iter().find(|g| g.grant == grant) else { continue };
        let balance_after = balances.iter().filter(|g| g.kind == touched.kind).map(|g| left_at(g, record.at)).sum();
        let order = orders.iter().find(|(g, _)| *g == grant).and_then(|(_, o)| *o).filter(|_| show_orders);
        out.push(QuotaMove {
            seq: out.len() as u64 + 1,
            at: record.at,
            kind,
            cause: record.cause,
            quota: touched.kind,
            grant,
            source: touched.source,
            order: order.map(|o| o.id),
            order_number: order.map(|o| o.number.clone()),
            amount,
            change,
            expires_at,
            grant_left: left_at(touched, record.at),
            balance_after,
        });
    }
    out
}

/// How many moves one page holds: 1 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimit(usize);

impl PageLimit {
    /// The page size when none is asked for.
    pub const DEFAULT: PageLimit = PageLimit(20);
    const MAX: u64 = 100;

    pub fn new(n: u64) -> Result<PageLimit, DomainError> {
        if (1..=Self::MAX).contains(&n) {
            Ok(PageLimit(n as usize))
        } else {
            Err(DomainError::with_field(ErrorCode::InvalidInput, "limit"))
        }
    }
}

/// One page of the history, newest first: the moves of `quota` (every kind
/// when `None`) that came before `before` (a `seq`), and the cursor of the
/// next page when older moves remain.
pub fn newest_first(
    history: &[QuotaMove],
    quota: Option<QuotaKind>,
    before: Option<u64>,
    limit: PageLimit,
) -> (Vec<QuotaMove>, Option<u64>) {
    let mut older =
        history.iter().rev().filter(|m| before.is_none_or(|b| m.seq < b) && quota.is_none_or(|q| m.quota == q));
    let page: Vec<QuotaMove> = older.by_ref().take(limit.0).cloned().collect();
    let next = page.last().filter(|_| older.next().is_some()).map(|m| m.seq);
    (page, next)
}

#[cfg(test)]
mod tests;
