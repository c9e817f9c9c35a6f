//! One page per route.

mod billing;
mod invoices;
mod mini;
mod ops;
mod order;
mod orders;
mod pay;
mod purchase;
mod review;
mod sales;
mod sign_in;
mod verifications;
mod verify;

pub use billing::BillingPage;
pub use invoices::InvoicesPage;
pub use mini::{MiniProgram, MpHome, MpMe};
pub use ops::OpsPage;
pub use order::OrderPage;
pub use orders::OrdersPage;
pub use pay::PayPage;
pub use purchase::PurchasePage;
pub use review::ReviewPage;
pub use sales::{LeadPage, SalesPage};
pub use sign_in::SignInPage;
pub use verifications::OpsVerificationsPage;
pub use verify::VerifyPage;

use crate::i18n::{pick, use_lang};
use leptos::prelude::*;
use leptos_router::components::A;

/// Any path the app does not know.
#[component]
pub fn NotFound() -> impl IntoView {
    let lang = use_lang();
    move || {
        let lang = lang.get();
        view! {
            <main class="page" id="main">
                <div class="status-view" data-testid="not-found">
                    <h1>{pick(lang, "页面不存在", "Page not found")}</h1>
                    <A href="/">{pick(lang, "返回版本选购", "Back to the purchase page")}</A>
                </div>
            </main>
        }
    }
}
