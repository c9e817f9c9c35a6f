//! 版本选购: the edition chooser with its instant quote, for the signed-in
//! buyer, in the web console or the mini-program; Flagship through a sales
//! manager's quote (SAL-1) and the contact form that asks for one.

use crate::api::Me;
use crate::clock;
use crate::components::{
    ALLOWED, AddOnRow, ContactSalesForm, EditionCard, JudgeQuote, PriceBreakdown, SalesQuoteList, TotalBar,
    VerdictNote, YearsPicker,
};
use crate::i18n::{self, pick, texts, use_lang};
use crate::session::{cart_owner, signed_in, use_cart, use_shell};
use domain::catalog::AddOnValidity;
use domain::eligibility::Remedy;
use domain::eligibility::{EditionOption, YearOption};
use domain::sales::LeadKind;
use domain::{
    AddOn, Buyer, Catalog, Context, DomainError, Edition, EditionChoice, Eligibility, Lang, Quote, Selection, Verdict,
};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use std::sync::Arc;

/// The chooser for whoever is signed in, acting as they are.
#[component]
pub fn PurchasePage() -> impl IntoView {
    signed_in(|me: Me, catalog| {
        let buyer_label = buyer_label(&me);
        let contact = contact_of(&me);
        let owner = cart_owner(&me);
        view! { <Chooser catalog buyer=Arc::new(me.buyer) buyer_label contact owner /> }
    })
}

/// The contact form's defaults: the person's name and the acting enterprise's.
pub fn contact_of(me: &Me) -> (String, String) {
    let company = me
        .acting_enterprise_id
        .and_then(|id| me.memberships.iter().find(|m| m.enterprise_id == id))
        .map(|m| m.enterprise_name.clone())
        .unwrap_or_default();
    (me.person.name.clone(), company)
}

/// Who the quote is for, as the toolbar says it: the enterprise and the
/// roles held there, or the person.
pub fn buyer_label(me: &Me) -> Arc<dyn Fn(Lang) -> String + Send + Sync> {
    let person = me.person.name.clone();
    let acting = me
        .acting_enterprise_id
        .and_then(|id| me.memberships.iter().find(|m| m.enterprise_id == id))
        .map(|m| (m.enterprise_name.clone(), m.roles.clone()));
    Arc::new(move |lang| match &acting {
        Some((name, roles)) => format!("{name} · {}", i18n::roles(lang, roles)),
        None => format!("{}{person}", pick(lang, "个人身份：", "Personal: ")),
    })
}

/// What the page shows of the domain's answer for the current choices: one
/// signal per thing on screen, each set only when its value changed. A change
/// of term then wakes only what it changes (the term's radios, the quote),
/// not every card and row on the page, which keeps the preview well under a
/// millisecond in the browser.
#[derive(Debug, Clone)]
struct Shown {
    quote: RwSignal<Result<Quote, Vec<DomainError>>>,
    buyer: RwSignal<Verdict>,
    editions: Arc<Vec<(Edition, RwSignal<Option<EditionOption>>)>>,
    years: RwSignal<Vec<YearOption>>,
    addons: Arc<Vec<(AddOn, RwSignal<Verdict>)>>,
    quantities: Arc<Vec<(AddOn, RwSignal<Option<u32>>)>>,
    chosen_edition: RwSignal<Option<Edition>>,
    chosen_years: RwSignal<Option<u8>>,
    orderable: RwSignal<bool>,
}

impl Shown {
    fn new(eligibility: &Eligibility, quote: Result<Quote, Vec<DomainError>>, selection: &Selection) -> Shown {
        let chosen_edition = selection.edition.as_ref().map(|c| c.edition);
        Shown {
            orderable: RwSignal::new(quote.is_ok()),
            quote: RwSignal::new(quote),
            buyer: RwSignal::new(eligibility.buyer.clone()),
            editions: Arc::new(
                Edition::ALL.iter().map(|&e| (e, RwSignal::new(edition_option(eligibility, e)))).collect(),
            ),
            years: RwSignal::new(years_of(eligibility, chosen_edition)),
            addons: Arc::new(AddOn::ALL.iter().map(|&a| (a, RwSignal::new(addon_verdict(eligibility, a)))).collect()),
            quantities: Arc::new(AddOn::ALL.iter().map(|&a| (a, RwSignal::new(selection.addon_quantity(a)))).collect()),
            chosen_edition: RwSignal::new(chosen_edition),
            chosen_years: RwSignal::new(selection.edition.as_ref().and_then(|c| c.years)),
        }
    }

    /// Shows the choices and their quote, touching only what changed.
    fn show_quote(&self, quote: Result<Quote, Vec<DomainError>>, selection: &Selection) {
        set_if_changed(self.chosen_edition, selection.edition.as_ref().map(|c| c.edition));
        set_if_changed(self.chosen_years, selection.edition.as_ref().and_then(|c| c.years));
        for (addon, signal) in self.quantities.iter() {
            set_if_changed(*signal, selection.addon_quantity(*addon));
        }
        set_if_changed(self.orderable, quote.is_ok());
        set_if_changed(self.quote, quote);
    }

    /// Shows what may be chosen now, and why not, touching only what changed.
    fn show_verdicts(&self, eligibility: &Eligibility, selection: &Selection) {
        let chosen_edition = selection.edition.as_ref().map(|c| c.edition);
        set_if_changed(self.buyer, eligibility.buyer.clone());
        for (edition, signal) in self.editions.iter() {
            set_if_changed(*signal, edition_option(eligibility, *edition));
        }
        set_if_changed(self.years, years_of(eligibility, chosen_edition));
        for (addon, signal) in self.addons.iter() {
            set_if_changed(*signal, addon_verdict(eligibility, *addon));
        }
    }

    fn edition(&self, edition: Edition) -> Signal<Option<EditionOption>> {
        self.editions.iter().find(|(e, _)| *e == edition).map(|(_, s)| (*s).into()).unwrap_or_default()
    }

    fn addon(&self, addon: AddOn) -> (Signal<Verdict>, Signal<Option<u32>>) {
        let verdict = self.addons.iter().find(|(a, _)| *a == addon).map(|(_, s)| (*s).into());
        let quantity = self.quantities.iter().find(|(a, _)| *a == addon).map(|(_, s)| (*s).into());
        (verdict.unwrap_or_else(|| Signal::stored(ALLOWED)), quantity.unwrap_or_default())
    }
}

/// Runs the domain on a selection for this buyer and channel, now.
#[derive(Debug)]
struct Judge {
    catalog: Arc<Catalog>,
    buyer: Arc<Buyer>,
    channel: domain::Channel,
}

impl Judge {
    fn quote(&self, selection: &Selection) -> Result<Quote, Vec<DomainError>> {
        let ctx = Context { catalog: &self.catalog, buyer: &self.buyer, channel: self.channel, now: clock::now() };
        domain::quote(&ctx, selection)
    }

    /// What the chooser opens with for this buyer (the domain's choice).
    fn opening(&self) -> Selection {
        let ctx = Context { catalog: &self.catalog, buyer: &self.buyer, channel: self.channel, now: clock::now() };
        domain::opening::opening_selection(&ctx)
    }

    fn eligibility(&self, selection: &Selection) -> Eligibility {
        let ctx = Context { catalog: &self.catalog, buyer: &self.buyer, channel: self.channel, now: clock::now() };
        domain::eligibility(&ctx, selection)
    }
}

/// Applies a change to the selection and shows the domain's new answer.
type Choose = dyn Fn(&dyn Fn(&mut Selection)) + Send + Sync;

fn set_if_changed<T: PartialEq + Send + Sync + 'static>(signal: RwSignal<T>, value: T) {
    if signal.with_untracked(|shown| *shown != value) {
        signal.set(value);
    }
}

fn edition_option(eligibility: &Eligibility, edition: Edition) -> Option<EditionOption> {
    eligibility.editions.iter().find(|o| o.edition == edition).cloned()
}

fn years_of(eligibility: &Eligibility, edition: Option<Edition>) -> Vec<YearOption> {
    eligibility.editions.iter().find(|o| Some(o.edition) == edition).map(|o| o.years.clone()).unwrap_or_default()
}

fn addon_verdict(eligibility: &Eligibility, addon: AddOn) -> Verdict {
    eligibility.addons.iter().find(|o| o.addon == addon).map_or(ALLOWED, |o| o.verdict.clone())
}

/// The chooser, once the catalog is here. Every change of a choice runs
/// `domain::eligibility` and `domain::quote` in the browser: no request, no
/// waiting.
#[component]
fn Chooser(
    catalog: Arc<Catalog>,
    buyer: Arc<Buyer>,
    buyer_label: Arc<dyn Fn(Lang) -> String + Send + Sync>,
    /// The contact form's defaults: the person's name and the acting enterprise's.
    contact: (String, String),
    /// Whose cart this is (see `Cart::open_for`).
    owner: String,
) -> impl IntoView {
    let lang = use_lang();
    let shell = use_shell();
    let channel = shell.channel;
    let cart = use_cart();
    let selection = cart.selection;
    let contact_form = RwSignal::new(None::<LeadKind>);
    let navigate = use_navigate();

    // The chooser judges choices without a voucher (vouchers are chosen at
    // review), so the buyer's vouchers need not be judged on every change.
    let buyer = Arc::new(Buyer { vouchers: Vec::new(), ..Buyer::clone(&buyer) });
    let judge = Arc::new(Judge { catalog: Arc::clone(&catalog), buyer: Arc::clone(&buyer), channel });
    cart.open_for(&owner, || judge.opening());
    let shown = selection.with_untracked(|s| Shown::new(&judge.eligibility(s), judge.quote(s), s));
    let quotes = SalesQuotes::new(&catalog, &buyer, channel, &judge);
    // Each change is judged right in its event handler, so the new answer
    // reaches the page in the same turn of the event loop.
    // The quote is shown in the same turn of the event loop; the verdicts on
    // every other option (eligibility judges each one, several times the
    // work of one quote) follow in the next task, so the new amount due is on
    // screen first. The quote refuses whatever eligibility would, so no
    // figure is ever shown for a choice that cannot be bought.
    let generation = StoredValue::new(0_u64);
    let choose: Arc<Choose> = {
        let shown = shown.clone();
        let judge = Arc::clone(&judge);
        Arc::new(move |change| {
            selection.update(|s| change(s));
            selection.with_untracked(|s| shown.show_quote(judge.quote(s), s));
            generation.update_value(|g| *g += 1);
            let this = generation.get_value();
            let (shown, judge) = (shown.clone(), Arc::clone(&judge));
            set_timeout(
                move || {
                    if generation.try_get_value() == Some(this) {
                        selection.with_untracked(|s| shown.show_verdicts(&judge.eligibility(s), s));
                    }
                },
                std::time::Duration::ZERO,
            );
        })
    };
    let max_packs = catalog.limits().max_packs_per_line;
    let max_years = catalog.limits().max_years;
    let (quote, buyer_verdict, year_options, chosen_edition, chosen_years, orderable) =
        (shown.quote, shown.buyer, shown.years, shown.chosen_edition, shown.chosen_years, shown.orderable);

    let on_remedy = Callback::new(move |remedy: Remedy| match remedy {
        // A link of its own (see VerdictNote); nothing to do here.
        Remedy::WebConsole => {}
        Remedy::ContactSales => contact_form.set(Some(LeadKind::Flagship)),
        Remedy::PurchaseConsultation => contact_form.set(Some(LeadKind::Consultation)),
    });
    let review = Callback::new(move |()| navigate(&shell.href("/review"), Default::default()));
    let shown_editions = Arc::clone(&shown.editions);
    let on_select = Callback::new({
        let choose = Arc::clone(&choose);
        move |edition: Edition| {
            // An edition without a list price is bought through a sales quote (SAL-1).
            let sales_quote = (Some(edition) == quotes.edition).then(|| quotes.first_usable.get_value()).flatten();
            // An upgrade keeps the expiry, so its choice carries no term (REN-2).
            let has_term = shown_editions
                .iter()
                .any(|(e, o)| *e == edition && o.with_untracked(|o| o.as_ref().is_some_and(|o| !o.years.is_empty())));
            choose(&|s: &mut Selection| {
                let years = s.edition.as_ref().and_then(|c| c.years).or(Some(1));
                s.edition = Some(EditionChoice {
                    edition,
                    years: if has_term { years } else { None },
                    sales_quote: sales_quote.clone(),
                });
            });
        }
    });
    // Add-ons alone are a purchase too (packs for the edition held): the
    // edition choice can always be left empty.
    let on_no_edition = Callback::new({
        let choose = Arc::clone(&choose);
        move |()| choose(&|s: &mut Selection| s.edition = None)
    });
    let on_years = Callback::new({
        let choose = Arc::clone(&choose);
        move |years: u8| {
            choose(&|s: &mut Selection| {
                if let Some(choice) = s.edition.as_mut() {
                    choice.years = Some(years);
                }
            })
        }
    });
    let on_quote = Callback::new({
        let choose = Arc::clone(&choose);
        move |id: String| {
            let Some(edition) = quotes.edition else { return };
            choose(&|s: &mut Selection| {
                s.edition = Some(EditionChoice { edition, years: None, sales_quote: Some(id.clone()) });
            });
        }
    });
    let chosen_quote = Memo::new(move |_| selection.with(|s| s.edition.as_ref().and_then(|c| c.sales_quote.clone())));
    let (contact_name, company) = contact;
    let on_contact_close = Callback::new(move |()| contact_form.set(None));
    let on_addon = Callback::new(move |(addon, quantity): (AddOn, Option<u32>)| {
        choose(&|s: &mut Selection| {
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
                        option=shown.edition(edition)
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
                let (verdict, quantity) = shown.addon(addon);
                let max = match offer.validity {
                    AddOnValidity::PerYear => u32::from(max_years),
                    AddOnValidity::FollowsEdition | AddOnValidity::OneYear => max_packs,
                };
                view! {
                    <AddOnRow
                        lang
                        offer=offer.clone()
                        verdict
                        quantity
                        max
                        on_change=on_addon
                        on_remedy
                    />
                }
            })
            .collect_view();

        view! {
            <h1 class="page-title">{t.page_title}</h1>
            <div class="toolbar">
                <div class="buyer">
                    <p class="muted">{pick(lang, "报价对象", "Quoted for")}</p>
                    <p class="buyer-name" data-testid="buyer">{buyer_label(lang)}</p>
                    <VerdictNote lang verdict=buyer_verdict on_remedy id="buyer-reason".to_owned() />
                </div>
            </div>
            {
                let (contact_name, company) = (contact_name.clone(), company.clone());
                move || {
                    contact_form.get().map(|kind| view! {
                        <ContactSalesForm lang kind contact_name=contact_name.clone() company=company.clone() on_close=on_contact_close />
                    })
                }
            }
            <div class="purchase-layout">
                <div class="purchase-options">
                    <section class="panel" aria-labelledby="editions-title">
                        <h2 class="section-title" id="editions-title">{t.editions}</h2>
                        <div class="edition-grid" role="radiogroup" aria-labelledby="editions-title">{cards}</div>
                        <ul class="choice-list edition-none">
                            <li class="choice">
                                <input
                                    type="radio"
                                    class="radio"
                                    name="edition"
                                    id="edition-none"
                                    data-testid="edition-none"
                                    prop:checked=move || chosen_edition.get().is_none()
                                    on:change=move |_| on_no_edition.run(())
                                />
                                <label class="choice-text" for="edition-none">
                                    <span class="choice-name">{pick(lang, "不选版本，仅购买增值服务", "No edition: add-on services only")}</span>
                                </label>
                            </li>
                        </ul>
                        <YearsPicker lang max_years options=year_options chosen=chosen_years on_choose=on_years />
                        {quotes.view(lang, chosen_quote, on_quote)}
                    </section>
                    <section class="panel" aria-labelledby="addons-title">
                        <h2 class="section-title" id="addons-title">{t.addons}</h2>
                        <div class="addon-list">{addons}</div>
                    </section>
                </div>
                <aside class="purchase-summary" id="summary">
                    <PriceBreakdown lang quote />
                    <button
                        type="button"
                        class="button button-primary button-block summary-action"
                        data-testid="to-review"
                        disabled=move || !orderable.get()
                        on:click=move |_| review.run(())
                    >
                        {pick(lang, "立即购买", "Buy now")}
                    </button>
                    <p class="muted summary-hint">{t.no_network_hint}</p>
                </aside>
            </div>
            <TotalBar lang quote action=pick(lang, "立即购买", "Buy now") enabled=orderable on_action=review />
        }
    }
}

/// The sales quotes issued to the buyer (SAL-1), listed after the chooser
/// is on screen, each judged by the domain as Flagship bought with it; the
/// first usable one is what choosing the Flagship card takes.
#[derive(Clone, Copy)]
struct SalesQuotes {
    /// The edition sold only through a quote (the catalog lists no price for it).
    edition: Option<Edition>,
    /// Listed on the web console only: the mini-program does not sell it (CH-2).
    listed: bool,
    first_usable: StoredValue<Option<String>>,
    judge: StoredValue<Arc<Judge>>,
}

impl std::fmt::Debug for SalesQuotes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SalesQuotes").field("edition", &self.edition).finish_non_exhaustive()
    }
}

impl SalesQuotes {
    fn new(catalog: &Catalog, buyer: &Buyer, channel: domain::Channel, judge: &Arc<Judge>) -> SalesQuotes {
        let edition = catalog.editions().iter().find(|o| o.yearly_price.is_none()).map(|o| o.edition);
        let first_usable = edition.and_then(|edition| {
            buyer.sales_quotes.iter().map(|q| q.id.clone()).find(|id| judge.quote(&with_quote(edition, id)).is_ok())
        });
        SalesQuotes {
            edition,
            listed: channel == domain::Channel::Web,
            first_usable: StoredValue::new(first_usable),
            judge: StoredValue::new(Arc::clone(judge)),
        }
    }

    /// The list, which loads the quotes and shows them when there is any.
    fn view(self, lang: Lang, chosen: Memo<Option<String>>, on_choose: Callback<String>) -> Option<impl IntoView> {
        let edition = self.edition.filter(|_| self.listed)?;
        let judge = self.judge.get_value();
        let judge: JudgeQuote =
            Arc::new(move |id: &str| judge.quote(&with_quote(edition, id)).err().unwrap_or_default());
        Some(view! { <SalesQuoteList lang judge chosen on_choose /> })
    }
}

/// The edition bought with the sales quote `id`, and nothing else.
fn with_quote(edition: Edition, id: &str) -> Selection {
    Selection {
        edition: Some(EditionChoice { edition, years: None, sales_quote: Some(id.to_owned()) }),
        ..Selection::default()
    }
}
