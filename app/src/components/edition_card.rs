use super::{ALLOWED, VerdictNote, wire_name};
use crate::i18n::{self, texts};
use domain::catalog::EditionOffer;
use domain::eligibility::{EditionOption, Remedy};
use domain::{Edition, ErrorCode, Lang, Verdict};
use leptos::either::Either;
use leptos::prelude::*;

/// One edition: its yearly price and allotment from the catalog, chosen with
/// a radio button, greyed with the domain's reasons when it cannot be chosen.
#[component]
pub fn EditionCard(
    lang: Lang,
    /// The edition as the catalog sells it.
    offer: EditionOffer,
    /// The domain's judgement of this edition for the current selection.
    #[prop(into)]
    option: Signal<Option<EditionOption>>,
    /// Whether it is the edition in the selection.
    #[prop(into)]
    selected: Signal<bool>,
    on_select: Callback<Edition>,
    on_remedy: Callback<Remedy>,
) -> impl IntoView {
    let edition = offer.edition;
    let key = wire_name(&edition);
    let reason_id = format!("edition-{key}-reason");
    let verdict = Memo::new(move |_| option.with(|o| o.as_ref().map(|o| o.verdict.clone())).unwrap_or(ALLOWED));
    let disabled = move || !verdict.with(Verdict::allowed);
    let class = move || {
        let mut class = String::from("edition-card");
        if selected.get() {
            class.push_str(" is-selected");
        }
        if disabled() {
            class.push_str(" is-disabled");
        }
        class
    };
    let badge = move || {
        let action = option.with(|o| o.as_ref().and_then(|o| o.action))?;
        i18n::edition_action(lang, action).map(|text| view! { <span class="badge">{text}</span> })
    };
    let EditionOffer { name_zh, name_en, yearly_price, allotment, .. } = offer;
    let name = i18n::pick(lang, &name_zh, &name_en).to_owned();
    let price = match yearly_price {
        Some(price) => Either::Left(view! {
            <span class="price num">{i18n::yuan(price)}</span>
            <span class="price-unit">{texts(lang).per_year}</span>
        }),
        None => Either::Right(view! { <span class="price-quote">{texts(lang).quoted_by_sales}</span> }),
    };
    // A card without a list price already says that a sales manager quotes.
    let stated = yearly_price.is_none().then_some(ErrorCode::QuoteRequired);

    view! {
        <div class=class data-testid=format!("edition-{key}")>
            <label class="edition-main">
                <input
                    type="radio"
                    class="visually-hidden"
                    name="edition"
                    value=key.clone()
                    prop:checked=move || selected.get()
                    disabled=disabled
                    aria-describedby=reason_id.clone()
                    on:change=move |_| on_select.run(edition)
                />
                <span class="edition-head">
                    <span class="edition-name">{name}</span>
                    {badge}
                    <span class="radio-mark" aria-hidden="true"></span>
                </span>
                <span class="edition-price">{price}</span>
                <span class="edition-allotment">{i18n::allotment(lang, allotment)}</span>
            </label>
            <VerdictNote lang verdict on_remedy id=reason_id stated=stated />
        </div>
    }
}
