//! The web console and mini-program of the e-sign purchase system: a Leptos
//! client-side app compiled to wasm32 and served by `server`.
//!
//! Every figure it shows comes from `domain`, which it runs in the browser
//! for instant answers; it never prices, limits or permits anything itself
//! and never does money arithmetic. All HTTP goes through [`api`].

mod api;
mod clock;
mod components;
mod i18n;
mod pages;

use leptos::prelude::*;
use wasm_bindgen::prelude::wasm_bindgen;

/// The whole app.
#[component]
fn App() -> impl IntoView {
    let lang = i18n::provide_lang();
    // Keep <html lang> and the title in the chosen language.
    Effect::new(move |_| {
        let lang = lang.get();
        let document = document();
        if let Some(root) = document.document_element() {
            let _ = root.set_attribute("lang", i18n::html_lang(lang));
        }
        let t = i18n::texts(lang);
        document.set_title(&format!("{} · {}", t.product, t.page_title));
    });
    view! {
        <components::Header />
        <main class="page">
            <pages::PurchasePage />
        </main>
    }
}

/// Mounts the app on `<body>`; runs when the page initialises the wasm module.
#[wasm_bindgen(start)]
pub fn start() {
    mount_to_body(App);
}
