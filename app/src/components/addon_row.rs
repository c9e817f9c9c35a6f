use super::{VerdictNote, wire_name};
use crate::i18n::{self, texts};
use domain::catalog::{AddOnOffer, AddOnValidity};
use domain::eligibility::Remedy;
use domain::{AddOn, Lang, Verdict};
use leptos::prelude::*;
use leptos::web_sys::HtmlInputElement;

/// One add-on service: a checkbox to include it, a stepper for how many
/// packs (or years, for integration), the catalog price, and the domain's
/// reasons when it cannot be bought.
#[component]
pub fn AddOnRow(
    lang: Lang,
    /// The add-on as the catalog sells it.
    offer: AddOnOffer,
    /// The domain's judgement of this add-on for the current selection.
    #[prop(into)]
    verdict: Signal<Verdict>,
    /// How many are in the selection; `None` when it is not chosen.
    #[prop(into)]
    quantity: Signal<Option<u32>>,
    /// The stepper's upper bound, from the catalog's limits.
    max: u32,
    /// Runs with the new quantity, or `None` to take the add-on out.
    on_change: Callback<(AddOn, Option<u32>)>,
    on_remedy: Callback<Remedy>,
) -> impl IntoView {
    let addon = offer.addon;
    let key = wire_name(&addon);
    let checkbox_id = format!("addon-{key}");
    let quantity_id = format!("addon-{key}-quantity");
    let reason_id = format!("addon-{key}-reason");
    // What the stepper showed last, so unticking and ticking again keeps it.
    let remembered = RwSignal::new(1_u32);
    let chosen = move || quantity.get().is_some();
    let refused = move || !verdict.with(Verdict::allowed);
    let set = move |n: u32| {
        let n = n.clamp(1, max);
        remembered.set(n);
        on_change.run((addon, Some(n)));
        n
    };
    let current = move || quantity.get().unwrap_or_else(|| remembered.get());
    let at_min = move || current() <= 1;
    let at_max = move || current() >= max;
    let class = move || {
        let mut class = String::from("addon");
        if chosen() {
            class.push_str(" is-chosen");
        }
        if refused() {
            class.push_str(" is-disabled");
        }
        class
    };
    let AddOnOffer { name_zh, name_en, price, validity, .. } = offer;
    let t = texts(lang);
    let name = i18n::pick(lang, &name_zh, &name_en).to_owned();
    let stepper_label = match validity {
        AddOnValidity::PerYear => t.integration_years,
        AddOnValidity::FollowsEdition | AddOnValidity::OneYear => t.quantity,
    };

    view! {
        <div class=class data-testid=format!("addon-row-{key}")>
            <div class="addon-main">
                <input
                    type="checkbox"
                    class="checkbox"
                    id=checkbox_id.clone()
                    data-testid=checkbox_id.clone()
                    prop:checked=chosen
                    // A chosen add-on stays untickable even when refused, so it can be taken out.
                    disabled=move || refused() && !chosen()
                    aria-describedby=reason_id.clone()
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        on_change.run((addon, on.then(|| remembered.get())));
                    }
                />
                <label class="addon-text" for=checkbox_id>
                    <span class="addon-name">{name}</span>
                    <span class="addon-blurb">{i18n::addon_blurb(lang, addon)}</span>
                </label>
                <div class="addon-price">
                    <span class="num">{i18n::yuan(price)}</span>
                    <span class="price-unit">{i18n::addon_price_unit(lang, validity)}</span>
                </div>
                <div class="stepper-field">
                    <label class="stepper-label" for=quantity_id.clone()>{stepper_label}</label>
                    <div class="stepper">
                        <button
                            type="button"
                            aria-label=t.decrease
                            aria-controls=quantity_id.clone()
                            data-testid=format!("addon-{key}-dec")
                            disabled=move || !chosen() || at_min()
                            on:click=move |_| {
                                set(current().saturating_sub(1));
                            }
                        >
                            "−"
                        </button>
                        <input
                            type="number"
                            id=quantity_id.clone()
                            data-testid=quantity_id.clone()
                            inputmode="numeric"
                            min="1"
                            max=max.to_string()
                            prop:value=move || current().to_string()
                            disabled=move || !chosen()
                            on:change=move |ev| {
                                let input = event_target::<HtmlInputElement>(&ev);
                                let n = input.value().trim().parse::<u32>().unwrap_or_else(|_| current());
                                input.set_value(&set(n).to_string());
                            }
                        />
                        <button
                            type="button"
                            aria-label=t.increase
                            aria-controls=quantity_id.clone()
                            data-testid=format!("addon-{key}-inc")
                            disabled=move || !chosen() || at_max()
                            on:click=move |_| {
                                set(current().saturating_add(1));
                            }
                        >
                            "+"
                        </button>
                    </div>
                </div>
            </div>
            <VerdictNote lang verdict on_remedy id=reason_id />
        </div>
    }
}
