//! One page per route.

mod billing;
mod cloud;
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
pub use cloud::{CloudConsole, CloudPurchasePage, CloudSignInPage};
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

use crate::i18n::{pick, use_lang, use_title};
use crate::session::use_shell;
use domain::Channel;
use leptos::prelude::*;
use leptos_router::components::A;

/// Any path the app does not know, inside the shell it was asked of (the
/// console's top bar, or the mini-program's frame), with the way back.
#[component]
pub fn NotFound() -> impl IntoView {
    let lang = use_lang();
    let shell = use_shell();
    use_title("页面不存在", "Page not found");
    let home = shell.href(if shell.channel == Channel::MiniProgram { "/buy" } else { "" });
    move || {
        let lang = lang.get();
        view! {
            <div class="status-view" data-testid="not-found">
                <h1>{pick(lang, "页面不存在", "Page not found")}</h1>
                <p class="muted">{pick(lang, "您访问的页面不存在或已被移除。", "The page you asked for does not exist or was removed.")}</p>
                <A href=home.clone()>{pick(lang, "返回版本选购", "Back to the purchase page")}</A>
            </div>
        }
    }
}
