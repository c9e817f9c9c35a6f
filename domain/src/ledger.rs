//! Entitlements and the quota ledger (QUO, ADD-2): grants with an expiry,
//! draws from the grant that expires first, returns, clearing at expiry. Pure
//! functions over an append-only list of entries; the server stores the
//! entries and serialises writers, so under any concurrency the balance is
//! what these functions compute from the list.

use crate::error::{DomainError, ErrorCode};
use crate::product::QuotaKind;
use crate::time::Instant;
use serde::{Deserialize, Serialize};

/// A grant's id, given by whoever stores the ledger.
pub type GrantId = i64;

/// Where a grant came from; edition and pack grants follow the edition (QUO-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum GrantSource {
    Edition,
    Pack,
    AddOn,
    Trial,
}

/// One ledger entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "entry", rename_all = "snake_case")]
pub enum LedgerEntry {
    Grant {
        grant: GrantId,
        kind: QuotaKind,
        amount: u64,
        expires_at: Instant,
        source: GrantSource,
    },
    Draw {
        grant: GrantId,
        amount: u64,
    },
    Return {
        grant: GrantId,
        amount: u64,
    },
    Clear {
        grant: GrantId,
        amount: u64,
    },
    /// The grant now expires at another time (it follows a renewed edition).
    Move {
        grant: GrantId,
        expires_at: Instant,
    },
}

/// A grant and what happened to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrantBalance {
    pub grant: GrantId,
    pub kind: QuotaKind,
    pub source: GrantSource,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: Instant,
    pub granted: u64,
    pub drawn: u64,
    pub returned: u64,
    pub cleared: u64,
}

impl GrantBalance {
    /// What is left: granted − drawn + returned − cleared.
    pub fn remaining(&self) -> u64 {
        (self.granted + self.returned).saturating_sub(self.drawn + self.cleared)
    }

    /// Still usable at `now`.
    pub fn is_live(&self, now: Instant) -> bool {
        self.expires_at > now
    }
}

/// Folds the entries into one balance per grant, in the order granted.
pub fn grants(entries: &[LedgerEntry]) -> Vec<GrantBalance> {
    let mut out: Vec<GrantBalance> = Vec::new();
    for entry in entries {
        apply(&mut out, entry);
    }
    out
}

/// Folds one more entry into the balances; an entry for a grant not there changes nothing.
fn apply(balances: &mut Vec<GrantBalance>, entry: &LedgerEntry) {
    let id = match entry {
        LedgerEntry::Grant { grant, kind, amount, expires_at, source } => {
            balances.push(GrantBalance {
                grant: *grant,
                kind: *kind,
                source: *source,
                expires_at: *expires_at,
                granted: *amount,
                drawn: 0,
                returned: 0,
                cleared: 0,
            });
            return;
        }
        LedgerEntry::Draw { grant, .. }
        | LedgerEntry::Return { grant, .. }
        | LedgerEntry::Clear { grant, .. }
        | LedgerEntry::Move { grant, .. } => *grant,
    };
    let Some(g) = balances.iter_mut().find(|g| g.grant == id) else { return };
    match entry {
        LedgerEntry::Draw { amount, .. } => g.drawn += amount,
        LedgerEntry::Return { amount, .. } => g.returned += amount,
        LedgerEntry::Clear { amount, .. } => g.cleared += amount,
        LedgerEntry::Move { expires_at, .. } => g.expires_at = *expires_at,
        LedgerEntry::Grant { .. } => {}
    }
}

/// Totals of one kind of quota, as billing management shows them (QUO-1, ADD-2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Balance {
    pub kind: Option<QuotaKind>,
    /// Granted by grants still live.
    pub total: u64,
    /// Used from them (drawn and not returned).
    pub used: u64,
    pub remaining: u64,
}

/// QUO-1: remaining = allotment + packs − used, over grants live at `now`.
pub fn balance(entries: &[LedgerEntry], kind: QuotaKind, now: Instant) -> Balance {
    grants(entries).iter().filter(|g| g.kind == kind && g.is_live(now)).fold(
        Balance { kind: Some(kind), ..Balance::default() },
        |acc, g| Balance {
            kind: acc.kind,
            total: acc.total + g.granted,
            used: acc.used + (g.drawn.saturating_sub(g.returned)),
            remaining: acc.remaining + g.remaining(),
        },
    )
}

/// QUO-2, QUO-5: draws `amount` from the live grants that expire first, or
/// refuses with `quota_exhausted` and draws nothing.
pub fn draw(
    entries: &[LedgerEntry],
    kind: QuotaKind,
    amount: u64,
    now: Instant,
) -> Result<Vec<LedgerEntry>, DomainError> {
    let balances = grants(entries);
    let mut left = amount;
    let mut out = Vec::new();
    for g in history::draw_order(&balances, kind, now) {
        if left == 0 {
            break;
        }
        let take = left.min(g.remaining());
        out.push(LedgerEntry::Draw { grant: g.grant, amount: take });
        left -= take;
    }
    if left > 0 || amount == 0 {
        return Err(DomainError::new(if amount == 0 { ErrorCode::InvalidInput } else { ErrorCode::QuotaExhausted }));
    }
    Ok(out)
}

/// QUO-2: gives back to the grant it was drawn from; if that grant has
/// expired meanwhile, what is given back is cleared with it.
pub fn give_back(entries: &[LedgerEntry], grant: GrantId, amount: u64, now: Instant) -> Vec<LedgerEntry> {
    let expired = grants(entries).iter().find(|g| g.grant == grant).is_none_or(|g| !g.is_live(now));
    let mut out = vec![LedgerEntry::Return { grant, amount }];
    if expired {
        out.push(LedgerEntry::Clear { grant, amount });
    }
    out
}

/// QUO-4: clears what is left of every grant expired at `now`.
pub fn sweep(entries: &[LedgerEntry], now: Instant) -> Vec<LedgerEntry> {
    grants(entries)
        .into_iter()
        .filter(|g| !g.is_live(now) && g.remaining() > 0)
        .map(|g| LedgerEntry::Clear { grant: g.grant, amount: g.remaining() })
        .collect()
}

/// QUO-3, REN-1: live edition and pack grants move to the edition's new expiry.
pub fn follow_edition(entries: &[LedgerEntry], expires_at: Instant, now: Instant) -> Vec<LedgerEntry> {
    grants(entries)
        .into_iter()
        .filter(|g| {
            g.is_live(now) && matches!(g.source, GrantSource::Edition | GrantSource::Pack) && g.expires_at != expires_at
        })
        .map(|g| LedgerEntry::Move { grant: g.grant, expires_at })
        .collect()
}

/// TRI-1: buying an edition at `at` ends the trial: its grants expire then and
/// what is left of them is cleared. Expiring them (not only clearing) keeps a
/// trial contract withdrawn later from coming back usable (QUO-2).
pub fn clear_trial(entries: &[LedgerEntry], at: Instant) -> Vec<LedgerEntry> {
    grants(entries)
        .into_iter()
        .filter(|g| g.source == GrantSource::Trial && g.is_live(at))
        .flat_map(|g| {
            let left = g.remaining();
            let clear = (left > 0).then_some(LedgerEntry::Clear { grant: g.grant, amount: left });
            std::iter::once(LedgerEntry::Move { grant: g.grant, expires_at: at }).chain(clear)
        })
        .collect()
}

/// A contract's signing state, for withdrawal (QUO-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ContractStatus {
    /// Initiated, signing not complete.
    Initiated,
    Signed,
    Withdrawn,
}

impl ContractStatus {
    /// Completes signing.
    pub fn sign(self) -> Result<ContractStatus, DomainError> {
        match self {
            ContractStatus::Initiated => Ok(ContractStatus::Signed),
            ContractStatus::Signed | ContractStatus::Withdrawn => Err(DomainError::new(ErrorCode::InvalidState)),
        }
    }

    /// Withdraws an unsigned contract; a completed one cannot be withdrawn.
    pub fn withdraw(self) -> Result<ContractStatus, DomainError> {
        match self {
            ContractStatus::Initiated => Ok(ContractStatus::Withdrawn),
            ContractStatus::Signed => Err(DomainError::new(ErrorCode::ContractAlreadySigned)),
            ContractStatus::Withdrawn => Err(DomainError::new(ErrorCode::InvalidState)),
        }
    }
}

pub mod history;

#[cfg(test)]
mod tests;
