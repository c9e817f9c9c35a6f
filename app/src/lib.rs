//! The web console and mini-program of the e-sign purchase system: a Leptos
//! client-side app compiled to wasm32 and served by `server`.
//!
//! Every figure it shows comes from `domain`; it never does money arithmetic
//! of its own.

mod pages;

use leptos::prelude::*;
use wasm_bindgen::prelude::wasm_bindgen;

/// The whole app.
#[component]
fn App() -> impl IntoView {
    view! { <pages::PurchasePage /> }
}

/// Mounts the app on `<body>`; runs when the page initialises the wasm module.
#[wasm_bindgen(start)]
pub fn start() {
    mount_to_body(App);
}
