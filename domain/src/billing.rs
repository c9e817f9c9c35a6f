//! Billing management (费用管理): what the acting account holds and what the
//! caller may do next, as one wire type the server answers with and the app
//! reads (QUO-1, QUO-3, QUO-4, QUO-5, ADD-2, VIS-2). Every figure comes from
//! the ledger and the rules already here; this module only gathers them.

use crate::access::{QuickAction, can_view_order_records, quick_actions};
use crate::cart::{Context, Selection};
use crate::eligibility::{Verdict, eligibility};
use crate::error::{DomainError, ErrorCode};
use crate::identity::Channel;
use crate::ledger::history::{GrantLine, Recorded, entries, grant_lines};
use crate::ledger::{Balance, LedgerEntry, balance};
use crate::money::Money;
use crate::product::{AddOn, Edition, QuotaKind};
use crate::terms::EditionAction;
use crate::time::Instant;
use serde::{Deserialize, Serialize};

/// The edition the account holds (or held), as billing management shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EditionSummary {
    pub edition: Edition,
    pub name_zh: String,
    pub name_en: String,
    /// A free trial (TRI-1).
    pub trial: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub starts_at: Instant,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: Instant,
    /// Still running at the time of the overview.
    pub active: bool,
}

/// An add-on's uses (ADD-2), over its packs still valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddOnUsage {
    pub addon: AddOn,
    pub total: u64,
    pub used: u64,
    pub remaining: u64,
}

/// What the caller could do next, each allowed or refused with its reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NextSteps {
    /// Renew the edition held (REN-1, REN-3).
    pub renew: Verdict,
    /// Upgrade to a higher edition (REN-2, REN-3): allowed when some higher
    /// edition may be bought as an upgrade now.
    pub upgrade: Verdict,
    /// Start the free trial (TRI-1).
    pub trial: Verdict,
}

/// The billing-management page (费用管理).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Billing {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub as_of: Instant,
    pub channel: Channel,
    pub edition: Option<EditionSummary>,
    /// Until when third-party integration runs, if it was ever bought.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub integration_until: Option<Instant>,
    /// QUO-1: remaining contracts = allotment + packs − used.
    pub contracts: Balance,
    /// Each grant held or once held, live ones in the order they are drawn
    /// (QUO-5); the live ones of a kind add up to its balance.
    pub grants: Vec<GrantLine>,
    /// ADD-2: signing reports and meeting signing.
    pub addons: Vec<AddOnUsage>,
    /// VIS-2: only the actions the caller's role may use.
    pub quick_actions: Vec<QuickAction>,
    pub balance: Money,
    pub next: NextSteps,
}

/// Add-ons whose uses are counted in billing management (contract packs
/// count in the contracts; integration has a term, not uses).
pub const COUNTED_ADDONS: [AddOn; 2] = [AddOn::SigningReports, AddOn::MeetingSigning];

/// ADD-2: an add-on's uses over its packs live at `now`; `None` for an
/// add-on that grants no quota (integration).
pub fn usage(ledger: &[LedgerEntry], addon: AddOn, now: Instant) -> Option<AddOnUsage> {
    let b = balance(ledger, addon.quota()?, now);
    Some(AddOnUsage { addon, total: b.total, used: b.used, remaining: b.remaining })
}

/// Gathers billing management for the buyer in `ctx` from its ledger.
pub fn overview(ctx: &Context<'_>, records: &[Recorded]) -> Billing {
    let ledger = &entries(records);
    let account = &ctx.buyer.account;
    let edition = account.edition.as_ref().map(|term| {
        let offer = ctx.catalog.edition(term.edition);
        EditionSummary {
            edition: term.edition,
            name_zh: offer.name_zh.clone(),
            name_en: offer.name_en.clone(),
            trial: term.trial,
            starts_at: term.starts_at,
            expires_at: term.expires_at,
            active: term.is_active(ctx.now),
        }
    });
    let addons = COUNTED_ADDONS.iter().filter_map(|&addon| usage(ledger, addon, ctx.now)).collect();
    let judged = eligibility(ctx, &Selection::default());
    let upgrade = upgrade_verdict(ctx, &judged);
    Billing {
        as_of: ctx.now,
        channel: ctx.channel,
        edition,
        integration_until: account.integration_until,
        contracts: balance(ledger, QuotaKind::Contracts, ctx.now),
        grants: grant_lines(records, ctx.now, can_view_order_records(&ctx.buyer.identity)),
        addons,
        quick_actions: quick_actions(&ctx.buyer.identity, ctx.channel),
        balance: ctx.buyer.balance,
        next: NextSteps { renew: judged.renew, upgrade, trial: judged.trial },
    }
}

/// The first higher edition that may be bought as an upgrade; else the
/// reasons of the lowest higher one; else why there is nothing to upgrade:
/// no paid edition running (`no_active_edition`, a trial does not count) or
/// the highest edition already (`invalid_state`).
fn upgrade_verdict(ctx: &Context<'_>, judged: &crate::eligibility::Eligibility) -> Verdict {
    let mut upgrades = judged.editions.iter().filter(|o| o.action == Some(EditionAction::Upgrade));
    if let Some(open) = upgrades.clone().find(|o| o.verdict.allowed()) {
        return open.verdict.clone();
    }
    if let Some(lowest) = upgrades.next() {
        return lowest.verdict.clone();
    }
    let code = if ctx.buyer.account.paid_edition(ctx.now).is_some() {
        ErrorCode::InvalidState
    } else {
        ErrorCode::NoActiveEdition
    };
    Verdict { refusals: vec![DomainError::new(code)], remedy: None }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Role;
    use crate::ledger::history::{MoveCause, OrderRef};
    use crate::ledger::{GrantSource, draw};
    use crate::testing::*;

    fn ledger() -> Vec<Recorded> {
        let grant =
            |grant, kind, amount, source| LedgerEntry::Grant { grant, kind, amount, expires_at: days(100), source };
        let mut entries = vec![
            grant(1, QuotaKind::Contracts, 1_000, GrantSource::Edition),
            grant(2, QuotaKind::Contracts, 1_000, GrantSource::Pack),
            grant(3, QuotaKind::SigningReports, 100, GrantSource::AddOn),
        ];
        entries.extend(draw(&entries, QuotaKind::Contracts, 25, now()).expect("draws"));
        entries.extend(draw(&entries, QuotaKind::SigningReports, 4, now()).expect("draws"));
        let cause = |e: &LedgerEntry| match e {
            LedgerEntry::Draw { grant: 3, .. } => MoveCause::AddOnUse,
            LedgerEntry::Draw { .. } => MoveCause::Contract,
            _ => MoveCause::Delivery,
        };
        let order = || Some(OrderRef { id: 7, number: crate::order::order_number(7, now()) });
        entries.into_iter().map(|entry| Recorded { at: now(), cause: cause(&entry), order: order(), entry }).collect()
    }

    #[test]
    fn quo_1_billing_lists_each_grant_and_the_live_ones_add_up_to_the_remaining() {
        let catalog = catalog();
        let buyer = holding(admin(), Edition::Advanced, 100);
        let b = overview(&ctx(&catalog, &buyer, Channel::Web), &ledger());
        let contracts: Vec<_> = b.grants.iter().filter(|g| g.kind == QuotaKind::Contracts).collect();
        assert_eq!(contracts.len(), 2, "the allotment and the pack: {contracts:?}");
        let sum = |f: fn(&&crate::ledger::history::GrantLine) -> u64| contracts.iter().map(f).sum::<u64>();
        assert_eq!((sum(|g| g.total), sum(|g| g.used), sum(|g| g.left)), (2_000, 25, 1_975));
        assert_eq!(
            (b.contracts.total, b.contracts.used, b.contracts.remaining),
            (sum(|g| g.total), sum(|g| g.used), sum(|g| g.left))
        );
        assert!(contracts.iter().all(|g| g.order == Some(7)), "the super admin sees the delivering order (VIS-1)");
    }

    #[test]
    fn vis_1_billing_names_the_delivering_order_only_to_those_who_see_purchase_records() {
        let catalog = catalog();
        let staff = holding(enterprise(&[Role::Staff]), Edition::Advanced, 100);
        let b = overview(&ctx(&catalog, &staff, Channel::Web), &ledger());
        assert!(!b.grants.is_empty() && b.grants.iter().all(|g| g.order.is_none()), "{:?}", b.grants);
    }

    #[test]
    fn quo_1_billing_shows_remaining_contracts_with_total_and_used() {
        let catalog = catalog();
        let buyer = holding(admin(), Edition::Advanced, 100);
        let b = overview(&ctx(&catalog, &buyer, Channel::Web), &ledger());
        assert_eq!((b.contracts.total, b.contracts.used, b.contracts.remaining), (2_000, 25, 1_975));
        let edition = b.edition.expect("held");
        assert_eq!((edition.edition, edition.trial, edition.active), (Edition::Advanced, false, true));
        assert_eq!(edition.name_zh, "高级版");
    }

    #[test]
    fn add_2_billing_shows_each_add_on_used_and_remaining() {
        let catalog = catalog();
        let buyer = holding(admin(), Edition::Advanced, 100);
        let b = overview(&ctx(&catalog, &buyer, Channel::Web), &ledger());
        assert_eq!(
            b.addons,
            [
                AddOnUsage { addon: AddOn::SigningReports, total: 100, used: 4, remaining: 96 },
                AddOnUsage { addon: AddOn::MeetingSigning, total: 0, used: 0, remaining: 0 },
            ]
        );
    }

    #[test]
    fn vis_2_billing_shows_the_quick_actions_of_the_callers_role() {
        let catalog = catalog();
        let staff = enterprise(&[Role::Staff]);
        let b = overview(&ctx(&catalog, &staff, Channel::Web), &[]);
        assert_eq!(b.quick_actions, [QuickAction::Packages, QuickAction::Upgrade, QuickAction::Renew]);
        let admin = admin();
        let b = overview(&ctx(&catalog, &admin, Channel::Web), &[]);
        assert!(b.quick_actions.contains(&QuickAction::Orders) && b.quick_actions.contains(&QuickAction::Invoices));
    }

    #[test]
    fn ren_2_billing_says_whether_an_upgrade_is_open_and_why_not() {
        let catalog = catalog();
        let verdict = |buyer: &crate::identity::Buyer, channel| {
            overview(&ctx(&catalog, buyer, channel), &[]).next.upgrade.refusals.first().map(|e| e.code)
        };
        let advanced = holding(admin(), Edition::Advanced, 100);
        assert_eq!(verdict(&advanced, Channel::Web), None, "Professional is open");
        assert_eq!(verdict(&advanced, Channel::MiniProgram), Some(ErrorCode::MiniProgramLimit), "REN-3");
        let professional = holding(admin(), Edition::Professional, 100);
        assert_eq!(verdict(&professional, Channel::Web), Some(ErrorCode::QuoteRequired), "Flagship goes through sales");
        assert_eq!(verdict(&admin(), Channel::Web), Some(ErrorCode::NoActiveEdition));
        let flagship = holding(admin(), Edition::Flagship, 100);
        assert_eq!(verdict(&flagship, Channel::Web), Some(ErrorCode::InvalidState), "nothing higher");
    }

    #[test]
    fn ren_3_billing_refuses_a_professional_renewal_in_the_mini_program() {
        let catalog = catalog();
        let professional = holding(admin(), Edition::Professional, 100);
        let web = overview(&ctx(&catalog, &professional, Channel::Web), &[]);
        assert!(web.next.renew.allowed(), "{:?}", web.next.renew);
        let mini = overview(&ctx(&catalog, &professional, Channel::MiniProgram), &[]);
        assert_eq!(mini.next.renew.reason().map(|e| e.code), Some(ErrorCode::MiniProgramLimit));
        assert_eq!(mini.next.renew.remedy, Some(crate::eligibility::Remedy::WebConsole));
    }
}
