use crate::i18n::{texts, use_lang};
use domain::Lang;
use leptos::prelude::*;

/// The console's top bar: product, page title and the language switch.
#[component]
pub fn Header() -> impl IntoView {
    let lang = use_lang();
    let t = move || texts(lang.get());
    let toggle = move |_| {
        lang.update(|l| {
            *l = match l {
                Lang::Zh => Lang::En,
                Lang::En => Lang::Zh,
            }
        })
    };
    view! {
        <header class="topbar">
            <div class="topbar-inner">
                <div class="brand">
                    <span class="brand-mark" aria-hidden="true">"签"</span>
                    <span class="brand-name">{move || t().product}</span>
                    <span class="brand-divider" aria-hidden="true"></span>
                    <h1>{move || t().page_title}</h1>
                </div>
                <button
                    type="button"
                    class="lang-switch"
                    data-testid="lang-switch"
                    aria-label=move || t().switch_language
                    on:click=toggle
                >
                    {move || t().other_language}
                </button>
            </div>
        </header>
    }
}
