//! Eligibility: for the buyer, channel, account and time, every option comes
//! back allowed or refused with its reasons. The UI greys options with it;
//! the server refuses with the same reasons, because both come from the
//! quote's own checks run on the selection with that option applied.

use crate::cart::{Context, EditionChoice, Selection};
use crate::error::{DomainError, ErrorCode};
use crate::identity::Channel;
use crate::money::Money;
use crate::payment::{PaymentMethod, payment_refusals};
use crate::product::{AddOn, Edition};
use crate::quote::{Target, Wording, assess, quote};
use crate::terms::{EditionAction, classify};
use crate::trial::trial_refusals;
use serde::{Deserialize, Serialize};

/// Where a refused buyer can go instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Remedy {
    /// Buy on the web console (CH-2, CH-3).
    WebConsole,
    /// Leave a contact request for a sales manager's quote (CAT-4, SAL-1).
    ContactSales,
    /// Ask for purchase consultation in the mini-program (CH-4).
    PurchaseConsultation,
}

/// Allowed, or refused with every reason (the deciding one first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Verdict {
    pub refusals: Vec<DomainError>,
    pub remedy: Option<Remedy>,
}

impl Verdict {
    /// True when nothing refuses the option.
    pub fn allowed(&self) -> bool {
        self.refusals.is_empty()
    }

    /// The deciding refusal, if any.
    pub fn reason(&self) -> Option<&DomainError> {
        self.refusals.first()
    }

    fn of(ctx: &Context<'_>, refusals: Vec<DomainError>, consultation: bool) -> Verdict {
        let remedy = refusals.first().and_then(|e| match e.code {
            ErrorCode::MiniProgramLimit if consultation && ctx.buyer.identity.is_person() => {
                Some(Remedy::PurchaseConsultation)
            }
            ErrorCode::MiniProgramLimit | ErrorCode::CloudAccountNotLinked => Some(Remedy::WebConsole),
            ErrorCode::QuoteRequired if ctx.channel == Channel::MiniProgram && ctx.buyer.identity.is_person() => {
                Some(Remedy::PurchaseConsultation)
            }
            ErrorCode::QuoteRequired => Some(Remedy::ContactSales),
            _ => None,
        });
        Verdict { refusals, remedy }
    }
}

/// One edition card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditionOption {
    pub edition: Edition,
    /// What choosing it would do, when it can be chosen at all.
    pub action: Option<EditionAction>,
    pub verdict: Verdict,
    /// 1..=3 years (empty for an upgrade, which keeps the expiry, and for a sales quote).
    pub years: Vec<YearOption>,
}

/// One choice of term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearOption {
    pub years: u8,
    pub verdict: Verdict,
}

/// One add-on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddOnOption {
    pub addon: AddOn,
    pub verdict: Verdict,
}

/// One of the buyer's vouchers, for the review step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherOption {
    pub id: String,
    pub verdict: Verdict,
}

/// One payment method for the current selection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentOption {
    pub method: PaymentMethod,
    pub verdict: Verdict,
}

/// Every option, judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Eligibility {
    pub buyer: Verdict,
    pub editions: Vec<EditionOption>,
    pub addons: Vec<AddOnOption>,
    pub vouchers: Vec<VoucherOption>,
    pub payments: Vec<PaymentOption>,
    /// Renewing the edition the account holds (or held).
    pub renew: Verdict,
    pub trial: Verdict,
}

/// Judges every option against the current `selection`.
pub fn eligibility(ctx: &Context<'_>, selection: &Selection) -> Eligibility {
    let buyer = Verdict::of(ctx, crate::quote::buyer_refusals(ctx), false);
    let editions = Edition::ALL.iter().map(|&e| edition_option(ctx, selection, e)).collect();
    let addons = AddOn::ALL
        .iter()
        .map(|&addon| {
            let quantity = selection.addon_quantity(addon).unwrap_or(1);
            let assessed = assess(ctx, &selection.with_addon(addon, quantity), Wording::Brief);
            let refusals = assessed.refusals(&[Target::Buyer, Target::AddOn(addon), Target::Order]);
            AddOnOption { addon, verdict: Verdict::of(ctx, refusals, false) }
        })
        .collect();
    let vouchers = ctx
        .buyer
        .vouchers
        .iter()
        .map(|v| {
            let with = Selection { voucher: Some(v.id.clone()), ..selection.clone() };
            let refusals = assess(ctx, &with, Wording::Brief).refusals(&[Target::Voucher]);
            VoucherOption { id: v.id.clone(), verdict: Verdict::of(ctx, refusals, false) }
        })
        .collect();
    let payable = quote(ctx, selection).map(|q| q.payable).unwrap_or(Money::ZERO);
    let payments = PaymentMethod::ALL
        .iter()
        .map(|&method| PaymentOption {
            method,
            verdict: Verdict::of(ctx, payment_refusals(ctx, method, payable), false),
        })
        .collect();
    Eligibility {
        buyer,
        editions,
        addons,
        vouchers,
        payments,
        renew: renew_verdict(ctx),
        trial: Verdict::of(ctx, trial_refusals(ctx), false),
    }
}

fn edition_choice(ctx: &Context<'_>, selection: &Selection, edition: Edition, years: Option<u8>) -> EditionChoice {
    let chosen = selection.edition.as_ref().filter(|c| c.edition == edition);
    let listed = ctx.catalog.edition(edition).yearly_price.is_some();
    // Judge the sales quote the buyer chose; before they chose, the first open one.
    let sales_quote = match chosen.and_then(|c| c.sales_quote.clone()) {
        Some(id) => Some(id),
        None if listed => None,
        None => ctx.buyer.sales_quotes.iter().find(|q| q.expires_at > ctx.now).map(|q| q.id.clone()),
    };
    let chosen_years = selection.edition.as_ref().and_then(|c| c.years);
    EditionChoice { edition, years: years.or(chosen_years).or(Some(1)), sales_quote }
}

fn edition_option(ctx: &Context<'_>, selection: &Selection, edition: Edition) -> EditionOption {
    let action = classify(&ctx.buyer.account, edition, ctx.now).ok();
    let upgrade = action == Some(EditionAction::Upgrade) && ctx.catalog.edition(edition).yearly_price.is_some();
    let judge = |years: Option<u8>, targets: &[Target]| {
        let mut choice = edition_choice(ctx, selection, edition, years);
        if upgrade {
            choice.years = None;
        }
        let with = Selection { edition: Some(choice), ..selection.clone() };
        Verdict::of(ctx, assess(ctx, &with, Wording::Brief).refusals(targets), true)
    };
    let verdict = judge(None, &[Target::Buyer, Target::Edition, Target::Order]);
    let years = if upgrade || ctx.catalog.edition(edition).yearly_price.is_none() {
        Vec::new()
    } else {
        (1..=ctx.catalog.limits().max_years)
            .map(|y| YearOption { years: y, verdict: judge(Some(y), &[Target::Edition, Target::Order]) })
            .collect()
    };
    EditionOption { edition, action, verdict, years }
}

fn renew_verdict(ctx: &Context<'_>) -> Verdict {
    let held = ctx.buyer.account.edition.as_ref().filter(|t| !t.trial).map(|t| t.edition);
    let refusals = match held {
        None => vec![DomainError::new(ErrorCode::NoActiveEdition)],
        Some(edition) => {
            let renewal = Selection {
                edition: Some(edition_choice(ctx, &Selection::default(), edition, Some(1))),
                ..Selection::default()
            };
            assess(ctx, &renewal, Wording::Brief).refusals(&[Target::Buyer, Target::Edition, Target::Order])
        }
    };
    Verdict::of(ctx, refusals, false)
}

#[cfg(test)]
mod tests;
