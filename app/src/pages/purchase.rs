//! 版本选购: the edition chooser with its instant quote.

use crate::api;
use crate::clock;
use crate::components::{
    ALLOWED, AddOnRow, ChannelSwitch, EditionCard, ErrorView, Loading, Notice, PriceBreakdown, TotalBar, VerdictNote,
    YearsPicker,
};
use crate::i18n::{self, texts, use_lang};
use domain::catalog::AddOnValidity;
use domain::eligibility::Remedy;
use domain::identity::AccountState;
use domain::{
    AddOn, Buyer, Catalog, Channel, Context, DomainError, Edition, EditionChoice, Eligibility, Identity, Money, Quote,
    Role, Selection,
};
use leptos::either::EitherOf3;
use leptos::prelude::*;
use std::sync::Arc;

/// Loads the catalog once, then shows the chooser (or the error view).
#[component]
pub fn PurchasePage() -> impl IntoView {
    let lang = use_lang();
    let catalog = LocalResource::new(api::catalog);
    move || match catalog.get() {
        None => EitherOf3::A(view! { <Loading lang=lang.get() /> }),
        Some(Ok(catalog)) => EitherOf3::B(view! { <Chooser catalog=Arc::new(catalog) /> }),
        Some(Err(error)) => {
            let lang = lang.get();
            EitherOf3::C(view! {
                <ErrorView
                    lang
                    title=texts(lang).load_failed
                    message=i18n::api_error(lang, &error)
                    on_retry=Callback::new(move |()| catalog.refetch())
                />
            })
        }
    }
}

/// The buyer the page quotes for until sign-in exists: a verified
/// enterprise acting through its super admin, holding no edition, a zero
/// balance and no vouchers. Sign-in will replace this with the signed-in
/// identity and the account state the server loads.
fn preview_buyer() -> Buyer {
    Buyer {
        identity: Identity::Enterprise {
            person_id: 0,
            enterprise_id: 0,
            verified: true,
            roles: vec![Role::SuperAdmin],
            linked_cloud_account: None,
        },
        account: AccountState::default(),
        balance: Money::ZERO,
        vouchers: Vec::new(),
        sales_quotes: Vec::new(),
        cloud_account: None,
    }
}

/// What the page opens with: the entry edition for one year.
fn first_selection() -> Selection {
    Selection {
        edition: Some(EditionChoice { edition: Edition::Advanced, years: Some(1), sales_quote: None }),
        ..Selection::default()
    }
}

/// The domain's answer for the current choices: what may be chosen and the quote.
#[derive(Debug, Clone, PartialEq)]
struct Judged {
    eligibility: Eligibility,
    quote: Result<Quote, Vec<DomainError>>,
}

/// The chooser, once the catalog is here. Every change of a choice runs
/// `domain::eligibility` and `domain::quote` in the browser: no request, no
/// waiting.
#[component]
fn Chooser(catalog: Arc<Catalog>) -> impl IntoView {
    let lang = use_lang();
    let buyer = Arc::new(preview_buyer());
    let channel = RwSignal::new(Channel::Web);
    let selection = RwSignal::new(first_selection());
    let contact_notice = RwSignal::new(false);

    let judged = Memo::new({
        let catalog = Arc::clone(&catalog);
        move |_| {
            let ctx = Context { catalog: &catalog, buyer: &buyer, channel: channel.get(), now: clock::now() };
            selection.with(|s| Judged { eligibility: domain::eligibility(&ctx, s), quote: domain::quote(&ctx, s) })
        }
    });
    let chosen_edition = Memo::new(move |_| selection.with(|s| s.edition.as_ref().map(|c| c.edition)));
    let chosen_years = Memo::new(move |_| selection.with(|s| s.edition.as_ref().and_then(|c| c.years)));
    let edition_option = move |edition: Edition| {
        Memo::new(move |_| judged.with(|j| j.eligibility.editions.iter().find(|o| o.edition == edition).cloned()))
    };
    let year_options = Memo::new(move |_| {
        let edition = chosen_edition.get();
        judged.with(|j| {
            j.eligibility
                .editions
                .iter()
                .find(|o| Some(o.edition) == edition)
                .map(|o| o.years.clone())
                .unwrap_or_default()
        })
    });
    let max_packs = catalog.limits().max_packs_per_line;
    let max_years = catalog.limits().max_years;
    let buyer_verdict = Memo::new(move |_| judged.with(|j| j.eligibility.buyer.clone()));
    let quote = Memo::new(move |_| judged.with(|j| j.quote.clone()));

    let on_remedy = Callback::new(move |remedy: Remedy| match remedy {
        // The preview stands in for the web console: going there means switching the channel.
        Remedy::WebConsole => channel.set(Channel::Web),
        Remedy::ContactSales | Remedy::PurchaseConsultation => contact_notice.set(true),
    });
    let on_select = Callback::new(move |edition: Edition| {
        // An upgrade keeps the expiry, so its choice carries no term (REN-2).
        let has_term = edition_option_years(&judged, edition);
        selection.update(|s| {
            let years = s.edition.as_ref().and_then(|c| c.years).or(Some(1));
            s.edition = Some(EditionChoice { edition, years: if has_term { years } else { None }, sales_quote: None });
        });
    });
    let on_years = Callback::new(move |years: u8| {
        selection.update(|s| {
            if let Some(choice) = s.edition.as_mut() {
                choice.years = Some(years);
            }
        })
    });
    let on_addon = Callback::new(move |(addon, quantity): (AddOn, Option<u32>)| {
        selection.update(|s| {
            *s = match quantity {
                Some(quantity) => s.with_addon(addon, quantity),
                None => s.without_addon(addon),
            }
        })
    });

    // The view is built for one language and rebuilt when it changes (rare),
    // so every string in it is static; the state above survives the rebuild.
    move || {
        let lang = lang.get();
        let t = texts(lang);
        let cards = catalog
            .editions()
            .iter()
            .map(|offer| {
                let edition = offer.edition;
                view! {
                    <EditionCard
                        lang
                        offer=offer.clone()
                        option=edition_option(edition)
                        selected=Signal::derive(move || chosen_edition.get() == Some(edition))
                        on_select
                        on_remedy
                    />
                }
            })
            .collect_view();
        let addons = catalog
            .addons()
            .iter()
            .map(|offer| {
                let addon = offer.addon;
                let verdict = Memo::new(move |_| {
                    judged.with(|j| {
                        j.eligibility.addons.iter().find(|o| o.addon == addon).map_or(ALLOWED, |o| o.verdict.clone())
                    })
                });
                let max = match offer.validity {
                    AddOnValidity::PerYear => u32::from(max_years),
                    AddOnValidity::FollowsEdition | AddOnValidity::OneYear => max_packs,
                };
                view! {
                    <AddOnRow
                        lang
                        offer=offer.clone()
                        verdict
                        quantity=Memo::new(move |_| selection.with(|s| s.addon_quantity(addon)))
                        max
                        on_change=on_addon
                        on_remedy
                    />
                }
            })
            .collect_view();

        view! {
            <div class="toolbar">
                <div class="preview-buyer">
                    <p class="preview-buyer-name">{t.preview_buyer}</p>
                    <p class="muted">{t.preview_buyer_hint}</p>
                    <VerdictNote lang verdict=buyer_verdict on_remedy id="buyer-reason".to_owned() />
                </div>
                <ChannelSwitch lang channel />
            </div>
            <Notice lang message=t.contact_notice shown=contact_notice on_dismiss=Callback::new(move |()| contact_notice.set(false)) />
            <div class="purchase-layout">
                <div class="purchase-options">
                    <section class="panel" aria-labelledby="editions-title">
                        <h2 class="section-title" id="editions-title">{t.editions}</h2>
                        <div class="edition-grid" role="radiogroup" aria-labelledby="editions-title">{cards}</div>
                        <YearsPicker lang max_years options=year_options chosen=chosen_years on_choose=on_years />
                    </section>
                    <section class="panel" aria-labelledby="addons-title">
                        <h2 class="section-title" id="addons-title">{t.addons}</h2>
                        <div class="addon-list">{addons}</div>
                    </section>
                </div>
                <aside class="purchase-summary" id="summary">
                    <PriceBreakdown lang quote />
                    <p class="muted summary-hint">{t.no_network_hint}</p>
                </aside>
            </div>
            <TotalBar lang quote />
        }
    }
}

/// Whether choosing `edition` takes a term in years, as eligibility lists it.
fn edition_option_years(judged: &Memo<Judged>, edition: Edition) -> bool {
    judged.with_untracked(|j| j.eligibility.editions.iter().any(|o| o.edition == edition && !o.years.is_empty()))
}
