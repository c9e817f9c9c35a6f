use crate::i18n;
use domain::eligibility::Remedy;
use domain::{ErrorCode, Lang, Verdict};
use leptos::either::Either;
use leptos::prelude::*;

/// Why an option is refused (every reason, the deciding one first) and the
/// way out the domain offers; nothing while the option is allowed.
#[component]
pub fn VerdictNote(
    lang: Lang,
    /// The domain's verdict on the option.
    #[prop(into)]
    verdict: Signal<Verdict>,
    /// Runs when the buyer takes the remedy.
    on_remedy: Callback<Remedy>,
    /// The element id, for the option's `aria-describedby`.
    id: String,
    /// A reason the surrounding card already states in its own words.
    #[prop(default = None)]
    stated: Option<ErrorCode>,
) -> impl IntoView {
    move || {
        verdict.with(|verdict| {
            if verdict.allowed() {
                return None;
            }
            let shown: Vec<String> =
                verdict.refusals.iter().filter(|e| Some(e.code) != stated).map(|e| e.text(lang)).collect();
            // Only a way out left to show (the card states the reason): no warning box.
            let class = if shown.is_empty() { "verdict verdict-plain" } else { "verdict" };
            let reasons = shown.into_iter().map(|m| view! { <li>{m}</li> }).collect_view();
            let remedy = verdict.remedy.map(|remedy| match remedy {
                // Going to the web console is going somewhere: a link.
                Remedy::WebConsole => Either::Left(view! {
                    <a class="link-button" href="/" data-testid="remedy">
                        {i18n::remedy(lang, remedy)}
                        <span aria-hidden="true">" ›"</span>
                    </a>
                }),
                Remedy::ContactSales | Remedy::PurchaseConsultation => Either::Right(view! {
                    <button type="button" class="link-button" data-testid="remedy" on:click=move |_| on_remedy.run(remedy)>
                        {i18n::remedy(lang, remedy)}
                        <span aria-hidden="true">" ›"</span>
                    </button>
                }),
            });
            Some(view! {
                <div class=class id=id.clone()>
                    <ul class="verdict-reasons">{reasons}</ul>
                    {remedy}
                </div>
            })
        })
    }
}

/// The verdict of an option the domain did not list (it lists every one).
pub const ALLOWED: Verdict = Verdict { refusals: Vec::new(), remedy: None };
