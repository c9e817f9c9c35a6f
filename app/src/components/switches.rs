use crate::i18n::{self, texts};
use domain::Lang;
use domain::eligibility::YearOption;
use leptos::prelude::*;

/// The term of the chosen edition (CAT-2): one radio per year the catalog
/// allows, each greyed with the domain's reason when refused.
#[component]
pub fn YearsPicker(
    lang: Lang,
    /// The longest term the catalog sells.
    max_years: u8,
    /// The domain's judgement of each term for the chosen edition; empty when
    /// the choice has no term (an upgrade keeps the expiry).
    #[prop(into)]
    options: Signal<Vec<YearOption>>,
    /// The chosen term.
    #[prop(into)]
    chosen: Signal<Option<u8>>,
    on_choose: Callback<u8>,
) -> impl IntoView {
    let refused_in =
        move |years: u8| options.with(|o| o.iter().find(|o| o.years == years).is_some_and(|o| !o.verdict.allowed()));
    let segments = (1..=max_years)
        .map(|years| {
            view! {
                <label class="segment" class:is-disabled=move || refused_in(years) data-testid=format!("years-{years}")>
                    <input
                        type="radio"
                        class="visually-hidden"
                        name="years"
                        prop:checked=move || chosen.get() == Some(years)
                        disabled=move || refused_in(years)
                        aria-describedby="years-reasons"
                        on:change=move |_| on_choose.run(years)
                    />
                    <span>{i18n::years(lang, years)}</span>
                </label>
            }
        })
        .collect_view();
    // Terms refused for the same reason are listed once: "1 年、2 年：…".
    let reasons = move || {
        options.with(|options| {
            let mut grouped: Vec<(String, Vec<u8>)> = Vec::new();
            for option in options {
                let Some(reason) = option.verdict.reason() else { continue };
                let message = reason.text(lang);
                match grouped.iter_mut().find(|(m, _)| *m == message) {
                    Some((_, years)) => years.push(option.years),
                    None => grouped.push((message, vec![option.years])),
                }
            }
            grouped
                .into_iter()
                .map(|(message, years)| {
                    let terms: Vec<String> = years.into_iter().map(|y| i18n::years(lang, y)).collect();
                    view! { <li>{i18n::labelled(lang, &i18n::list(lang, &terms), &message)}</li> }
                })
                .collect_view()
        })
    };
    view! {
        <fieldset class="field" data-testid="years">
            <legend class="subsection-title">{texts(lang).duration}</legend>
            <div class="segmented segmented-large" hidden=move || options.with(Vec::is_empty)>
                {segments}
            </div>
            <p class="muted" hidden=move || !options.with(Vec::is_empty)>
                {texts(lang).duration_unchanged}
            </p>
            <ul class="verdict-reasons" id="years-reasons">{reasons}</ul>
        </fieldset>
    }
}
