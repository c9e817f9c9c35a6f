//! The pages a buyer reaches after the chooser, each compiled into a wasm
//! chunk of its own that the router fetches on the first visit (Leptos's
//! lazy routes, split by `wasm-split-cli` in `cargo xtask dist`). The first
//! download then holds only the shell, the chooser and the rules it runs.

use crate::pages;
use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

/// Declares a lazy route per page: a unit struct whose view is the page.
macro_rules! on_demand {
    ($($(#[$doc:meta])* $route:ident => $page:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_route: Self) -> AnyView {
                view! { <pages::$page /> }.into_any()
            }
        }
    )*};
}

on_demand! {
    /// 确认订单.
    Review => ReviewPage;
    /// 订单支付.
    Pay => PayPage;
    /// One order and its delivery.
    Order => OrderPage;
    /// 我的订单.
    Orders => OrdersPage;
    /// 费用管理.
    Billing => BillingPage;
    /// 发票中心 (web console).
    Invoices => InvoicesPage;
    /// 运营后台 (operators only).
    Ops => OpsPage;
    /// 销售后台 (sales managers only).
    Sales => SalesPage;
    /// One lead in the sales console.
    SalesLead => LeadPage;
    /// 企业认证审核 (operators only).
    OpsVerifications => OpsVerificationsPage;
    /// 企业认证 of one enterprise.
    Verify => VerifyPage;
    /// The mini-program's frame: its title bar and tab bar.
    Mini => MiniProgram;
    /// The mini-program's home.
    MpHome => MpHome;
    /// The mini-program's 我的.
    MpMe => MpMe;
    /// 腾讯云购买页: the cloud console's frame.
    Cloud => CloudConsole;
    /// The cloud console's chooser, or its refusal (CH-3).
    CloudPurchase => CloudPurchasePage;
    /// The cloud console's sign-in through a demo cloud account (development).
    CloudSignIn => CloudSignInPage;
}
