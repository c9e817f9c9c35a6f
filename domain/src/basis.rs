//! What an order promised, held against the account as it is when the order
//! is paid (PRI-2, REN-1, REN-2, SEL-6, INT-2, QUO-3).
//!
//! The **basis** of an order is what the rules read of the account when they
//! price it: the delivered state plus every order of the account that is paid
//! but not yet delivered. Unpaid orders are not part of it, so placing one
//! order never invalidates another; paying one may. An order is **changed**
//! when the fresh quote of its selection against the basis now differs from
//! the quote it was placed at in a line's amount, in the validity a line
//! grants, or in eligibility. A provider payment (WeChat Pay, online
//! banking) honours the price it was opened at until its deadline: time
//! alone does not change it, only the basis can.

use crate::cart::{Context, Selection};
use crate::error::DomainError;
use crate::fulfil::{deliverable, plan_delivery};
use crate::identity::AccountState;
use crate::quote::{Quote, QuoteLine, quote};
use crate::time::{Instant, add_years};

/// The basis: `delivered` with each paid, undelivered order applied in turn
/// (`pending`: its quote and payment time, in the order the payments were
/// accepted, which is the order delivery applies them in). Not by payment
/// time: two payments can carry one instant, and a provider payment is dated
/// when its money was collected, which may be before a payment accepted
/// earlier. An order that could not be delivered is left out: it will end
/// in `needs_attention`.
pub fn basis(delivered: &AccountState, pending: &[(&Quote, Instant)]) -> AccountState {
    let mut state = delivered.clone();
    for (quote, paid_at) in pending {
        // Grants do not enter a price: the ledger and the grant numbers are not needed here.
        if deliverable(quote, &state, *paid_at).is_err() {
            continue;
        }
        if let Ok(delivery) = plan_delivery(quote, &state, &[], *paid_at, *paid_at, &mut || 0) {
            state = delivery.account;
        }
    }
    state
}

/// Why an order no longer holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changed {
    /// The rules now refuse the selection (`downgrade_not_allowed`,
    /// `no_active_edition`, `term_exceeds_limit`, …), the deciding reason first.
    Refused(Vec<DomainError>),
    /// It can still be bought, at this fresh quote (`quote_changed`).
    Repriced(Box<Quote>),
}

/// Holds `placed` (the quote the order was sold at, for `selection`) against
/// the basis in `ctx` (whose `now` is the payment's time). `priced_at` is
/// when the price was last confirmed: `ctx.now` when paying from the
/// balance or opening a provider payment, the provider payment's opening
/// when its money arrives. The selection is quoted afresh at `priced_at` and
/// must promise what `placed` does; the order must also still be
/// deliverable at `ctx.now`.
pub fn reassess(ctx: &Context<'_>, selection: &Selection, placed: &Quote, priced_at: Instant) -> Result<(), Changed> {
    let at_price = Context { now: priced_at, ..*ctx };
    let fresh = quote(&at_price, selection).map_err(Changed::Refused)?;
    if !same_promise(placed, &fresh) {
        return Err(if priced_at == ctx.now {
            Changed::Repriced(Box::new(fresh))
        } else {
            quote(ctx, selection).map_or_else(Changed::Refused, |now| Changed::Repriced(Box::new(now)))
        });
    }
    deliverable(placed, &ctx.buyer.account, ctx.now).map_err(|e| Changed::Refused(vec![e]))
}

/// Where a line's validity starts or ends, relative to its own quote, so
/// that two quotes of the same promise made at different moments compare
/// equal: a new edition "starts at payment and runs a year" whenever it is
/// quoted, a renewal ends on a fixed date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// At the moment of the quote (that is, of payment).
    AtQuote,
    /// Whole years after the line's start.
    YearsAfterStart(u32),
    /// A fixed instant.
    At(Instant),
}

fn marks(line: &QuoteLine, quoted_at: Instant) -> (Mark, Mark) {
    let start = if line.starts_at == quoted_at { Mark::AtQuote } else { Mark::At(line.starts_at) };
    let end = (1..=3)
        .find(|&y| add_years(line.starts_at, y) == Some(line.expires_at))
        .map_or(Mark::At(line.expires_at), Mark::YearsAfterStart);
    (start, end)
}

/// True when two quotes promise the same: the same lines, amounts, grants
/// and validity, the same discount and payable total.
pub fn same_promise(a: &Quote, b: &Quote) -> bool {
    a.lines.len() == b.lines.len()
        && a.subtotal == b.subtotal
        && a.discount == b.discount
        && a.payable == b.payable
        && a.lines.iter().zip(&b.lines).all(|(x, y)| {
            x.product == y.product
                && x.action == y.action
                && x.years == y.years
                && x.validity == y.validity
                && x.quantity == y.quantity
                && x.unit == y.unit
                && x.unit_price == y.unit_price
                && x.amount == y.amount
                && x.discount == y.discount
                && x.payable == y.payable
                && x.grants == y.grants
                && marks(x, a.quoted_at) == marks(y, b.quoted_at)
        })
}

#[cfg(test)]
mod tests;
