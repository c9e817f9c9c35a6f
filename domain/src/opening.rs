//! Where a purchase starts: what the chooser opens with, and the upgrade
//! billing management's 升级版本 opens. Both are choices the buyer can make
//! now, judged by the quote itself, so the app never opens on a refusal it
//! would then have to explain.

use crate::cart::{Context, EditionChoice, Selection};
use crate::product::Edition;
use crate::quote::quote;
use crate::terms::{EditionAction, classify};

/// What the chooser opens with: a renewal of the edition the account holds
/// (or held) for one year; without one, the entry edition for one year;
/// and when that cannot be bought (the term would pass three years, the
/// channel does not sell it, the buyer may not buy), nothing chosen, so
/// add-ons alone can be picked.
pub fn opening_selection(ctx: &Context<'_>) -> Selection {
    let held = ctx.buyer.account.edition.as_ref().filter(|t| !t.trial).map(|t| t.edition);
    let candidate = held.unwrap_or(Edition::ALL[0]);
    let renewal = for_years(candidate, 1);
    if quote(ctx, &renewal).is_ok() { renewal } else { Selection::default() }
}

/// The upgrade 升级版本 opens (REN-2): the lowest higher edition that may be
/// bought as an upgrade now, with no term (the expiry stays); `None` when
/// no upgrade can be bought (billing's `next.upgrade` says why).
pub fn upgrade_selection(ctx: &Context<'_>) -> Option<Selection> {
    Edition::ALL
        .iter()
        .filter(|&&e| classify(&ctx.buyer.account, e, ctx.now) == Ok(EditionAction::Upgrade))
        .map(|&e| Selection {
            edition: Some(EditionChoice { edition: e, years: None, sales_quote: None }),
            ..Selection::default()
        })
        .find(|s| quote(ctx, s).is_ok())
}

fn for_years(edition: Edition, years: u8) -> Selection {
    Selection {
        edition: Some(EditionChoice { edition, years: Some(years), sales_quote: None }),
        ..Selection::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Channel;
    use crate::testing::*;

    fn edition_of(s: &Selection) -> Option<(Edition, Option<u8>)> {
        s.edition.as_ref().map(|c| (c.edition, c.years))
    }

    #[test]
    fn a_first_purchase_opens_on_the_entry_edition_for_one_year_on_both_channels() {
        let catalog = catalog();
        for buyer in [admin(), person()] {
            for channel in [Channel::Web, Channel::MiniProgram] {
                let s = opening_selection(&ctx(&catalog, &buyer, channel));
                assert_eq!(edition_of(&s), Some((Edition::Advanced, Some(1))), "{channel:?}");
            }
        }
    }

    #[test]
    fn sel_6_an_enterprise_on_professional_opens_on_its_renewal_never_a_downgrade() {
        let catalog = catalog();
        let buyer = holding(admin(), Edition::Professional, 100);
        let s = opening_selection(&ctx(&catalog, &buyer, Channel::Web));
        assert_eq!(edition_of(&s), Some((Edition::Professional, Some(1))));
    }

    #[test]
    fn ch_2_professional_in_the_mini_program_opens_with_nothing_chosen_so_packs_alone_can_be_bought() {
        let catalog = catalog();
        let buyer = holding(admin(), Edition::Professional, 100);
        let c = ctx(&catalog, &buyer, Channel::MiniProgram);
        assert_eq!(opening_selection(&c), Selection::default());
        let packs = Selection::default().with_addon(crate::AddOn::ContractPack1k, 1);
        assert!(quote(&c, &packs).is_ok(), "packs alone can be bought there");
    }

    #[test]
    fn ren_1_a_term_already_three_years_out_opens_with_nothing_chosen() {
        let catalog = catalog();
        let buyer = holding(admin(), Edition::Advanced, 3 * 365);
        assert_eq!(opening_selection(&ctx(&catalog, &buyer, Channel::Web)), Selection::default());
    }

    #[test]
    fn ren_2_the_upgrade_is_the_next_edition_with_no_term() {
        let catalog = catalog();
        let buyer = holding(admin(), Edition::Advanced, 100);
        let s = upgrade_selection(&ctx(&catalog, &buyer, Channel::Web)).expect("an upgrade is open");
        assert_eq!(edition_of(&s), Some((Edition::Professional, None)));
        assert!(upgrade_selection(&ctx(&catalog, &buyer, Channel::MiniProgram)).is_none(), "CH-2");
        let top = holding(admin(), Edition::Professional, 100);
        assert!(upgrade_selection(&ctx(&catalog, &top, Channel::Web)).is_none(), "Flagship needs a sales quote");
        assert!(upgrade_selection(&ctx(&catalog, &admin(), Channel::Web)).is_none(), "nothing to upgrade");
    }
}
