use crate::i18n::texts;
use domain::Lang;
use leptos::prelude::*;

/// While something loads: a calm placeholder, announced to screen readers.
#[component]
pub fn Loading(lang: Lang) -> impl IntoView {
    view! {
        <div class="status-view" role="status" aria-busy="true" data-testid="loading">
            <span class="spinner" aria-hidden="true"></span>
            <p>{texts(lang).loading}</p>
        </div>
    }
}

/// The one error view of the app: what failed, why, and a way to try again.
/// Full size for a page that could not load; `inline` inside a form whose
/// submission was refused.
#[component]
pub fn ErrorView(
    lang: Lang,
    /// What could not be done, e.g. "the catalog could not be loaded".
    title: &'static str,
    /// Why, in the buyer's language.
    message: String,
    /// Runs when the buyer asks to try again; no button without it.
    #[prop(default = None)]
    on_retry: Option<Callback<()>>,
    /// Shown inside a form rather than in place of a page.
    #[prop(default = false)]
    inline: bool,
) -> impl IntoView {
    let class = if inline { "status-error status-inline" } else { "status-view status-error" };
    let retry = on_retry.map(|on_retry| {
        view! {
            <button type="button" class="button" data-testid="retry" on:click=move |_| on_retry.run(())>
                {texts(lang).retry}
            </button>
        }
    });
    view! {
        <div class=class role="alert" data-testid="error">
            <h2>{title}</h2>
            <p data-testid="error-message">{message}</p>
            {retry}
        </div>
    }
}
