//! The web console and mini-program of the e-sign purchase system: a Leptos
//! client-side app compiled to wasm32 and served by `server`.
//!
//! Every figure it shows comes from `domain`, which it runs in the browser
//! for instant answers; it never prices, limits or permits anything itself
//! and never does money arithmetic. All HTTP goes through [`api`].
//!
//! Routes: the web console at `/` (版本选购, `/review`, `/orders/{id}/pay`,
//! `/orders/{id}`, `/orders`, `/billing`, 发票中心 `/invoices`, `/login`, 企业认证 at
//! `/enterprises/{id}/verify`; for operators `/ops` and `/ops/verifications`) and the mini-program
//! under `/mp` with the same pages in a phone frame, judged for the
//! mini-program channel, plus its home (`/mp`) and 我的 (`/mp/me`), and the
//! cloud console 腾讯云购买页 under `/cloud` (its sign-in at `/cloud/sign-in`),
//! judged for the cloud console channel (CH-3).

mod api;
mod clock;
mod components;
mod i18n;
mod pages;
mod routes;
mod session;
mod storage;

use domain::Channel;
use leptos::prelude::*;
use leptos_router::components::{Outlet, ParentRoute, Route, Router, Routes};
use leptos_router::{Lazy, path};
use session::{Cart, Shell};
use wasm_bindgen::prelude::wasm_bindgen;

/// The whole app.
#[component]
fn App() -> impl IntoView {
    let lang = i18n::provide_lang();
    session::provide_session();
    // Keep <html lang> in the chosen language; each page sets the title.
    Effect::new(move |_| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", i18n::html_lang(lang.get()));
        }
    });
    view! {
        <Router>
            <Routes fallback=pages::NotFound>
                <ParentRoute path=path!("/mp") view={Lazy::<routes::Mini>::new()}>
                    <Route path=path!("") view={Lazy::<routes::MpHome>::new()} />
                    <Route path=path!("buy") view=pages::PurchasePage />
                    <Route path=path!("review") view={Lazy::<routes::Review>::new()} />
                    <Route path=path!("orders/:id/pay") view={Lazy::<routes::Pay>::new()} />
                    <Route path=path!("orders/:id") view={Lazy::<routes::Order>::new()} />
                    <Route path=path!("orders") view={Lazy::<routes::Orders>::new()} />
                    <Route path=path!("billing") view={Lazy::<routes::Billing>::new()} />
                    <Route path=path!("me") view={Lazy::<routes::MpMe>::new()} />
                    <Route path=path!("login") view=pages::SignInPage />
                    <Route path=path!("*any") view=pages::NotFound />
                </ParentRoute>
                <ParentRoute path=path!("/cloud") view={Lazy::<routes::Cloud>::new()}>
                    <Route path=path!("") view={Lazy::<routes::CloudPurchase>::new()} />
                    <Route path=path!("sign-in") view={Lazy::<routes::CloudSignIn>::new()} />
                    <Route path=path!("review") view={Lazy::<routes::Review>::new()} />
                    <Route path=path!("orders/:id/pay") view={Lazy::<routes::Pay>::new()} />
                    <Route path=path!("orders/:id") view={Lazy::<routes::Order>::new()} />
                    <Route path=path!("orders") view={Lazy::<routes::Orders>::new()} />
                    <Route path=path!("billing") view={Lazy::<routes::Billing>::new()} />
                    <Route path=path!("*any") view=pages::NotFound />
                </ParentRoute>
                <ParentRoute path=path!("") view=WebConsole>
                    <Route path=path!("") view=pages::PurchasePage />
                    <Route path=path!("review") view={Lazy::<routes::Review>::new()} />
                    <Route path=path!("orders/:id/pay") view={Lazy::<routes::Pay>::new()} />
                    <Route path=path!("orders/:id") view={Lazy::<routes::Order>::new()} />
                    <Route path=path!("orders") view={Lazy::<routes::Orders>::new()} />
                    <Route path=path!("billing") view={Lazy::<routes::Billing>::new()} />
                    <Route path=path!("invoices") view={Lazy::<routes::Invoices>::new()} />
                    <Route path=path!("ops") view={Lazy::<routes::Ops>::new()} />
                    <Route path=path!("sales") view={Lazy::<routes::Sales>::new()} />
                    <Route path=path!("sales/leads/:id") view={Lazy::<routes::SalesLead>::new()} />
                    <Route path=path!("ops/verifications") view={Lazy::<routes::OpsVerifications>::new()} />
                    <Route path=path!("enterprises/:id/verify") view={Lazy::<routes::Verify>::new()} />
                    <Route path=path!("login") view=pages::SignInPage />
                    <Route path=path!("*any") view=pages::NotFound />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// The web console's frame: the top bar over the page.
#[component]
fn WebConsole() -> impl IntoView {
    provide_context(Shell { channel: Channel::Web });
    provide_context(Cart::new(Channel::Web));
    let lang = i18n::use_lang();
    view! {
        <a class="skip-link" href="#main">
            {move || i18n::pick(lang.get(), "跳到主要内容", "Skip to content")}
        </a>
        <components::Header />
        <main class="page" id="main" tabindex="-1">
            <Outlet />
        </main>
    }
}

/// Mounts the app on `<body>`; runs when the page initialises the wasm module.
#[wasm_bindgen(start)]
pub fn start() {
    mount_to_body(App);
}
