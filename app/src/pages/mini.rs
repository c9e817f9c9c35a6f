//! The mini-program (小程序): the same pages in a phone frame, judged for the
//! mini-program channel (CH-2, PAY-3, BND-3), with its own navigation:
//! 首页, 购买套餐, 费用管理, 我的.

use crate::api::Me;
use crate::components::{IdentitySwitch, LangSwitch, SignOut, orders_title};
use crate::i18n::{pick, use_lang, use_title};
use crate::session::{Cart, Shell, signed_in};
use domain::Channel;
use leptos::prelude::*;
use leptos_router::components::{A, Outlet};
use leptos_router::hooks::use_location;

/// A step's own title for the title bar, in Chinese and English, where one
/// address holds two steps (信息补充 before 订单确认 on `/mp/review`); the
/// page that sets it clears it when it goes.
#[derive(Debug, Clone, Copy)]
pub struct StepTitle(pub RwSignal<Option<(&'static str, &'static str)>>);

/// The phone frame: a title bar, the page, and the tab bar.
#[component]
pub fn MiniProgram() -> impl IntoView {
    provide_context(Shell { channel: Channel::MiniProgram });
    provide_context(Cart::new(Channel::MiniProgram));
    let step_title = StepTitle(RwSignal::new(None));
    provide_context(step_title);
    let lang = use_lang();
    let location = use_location();
    let title = move || {
        let lang = lang.get();
        if let Some((zh, en)) = step_title.0.get() {
            return pick(lang, zh, en);
        }
        let path = location.pathname.get();
        match path.trim_end_matches('/') {
            "/mp/buy" => pick(lang, "购买套餐", "Packages"),
            "/mp/review" => pick(lang, "确认订单", "Confirm the order"),
            "/mp/billing" => pick(lang, "费用管理", "Billing"),
            "/mp/me" => pick(lang, "我的", "Me"),
            "/mp/orders" => pick(lang, "我的订单", "My orders"),
            "/mp/login" => pick(lang, "登录", "Sign in"),
            p if p.ends_with("/pay") => pick(lang, "订单支付", "Pay"),
            p if p.starts_with("/mp/orders/") => pick(lang, "订单详情", "Order"),
            _ => pick(lang, "腾讯电子签", "Tencent E-Sign"),
        }
    };
    // The phone frame scrolls inside itself, where the router's scroll to
    // the top does not reach: each page opens at its top, as an app's does.
    let screen = NodeRef::<leptos::html::Main>::new();
    Effect::new(move |_| {
        location.pathname.track();
        if let Some(screen) = screen.get_untracked() {
            screen.set_scroll_top(0);
        }
    });
    let tabs = move || {
        let lang = lang.get();
        view! {
            <nav class="mp-tabs" aria-label=pick(lang, "小程序导航", "Mini-program navigation")>
                <A href="/mp" exact=true>
                    <svg class="mp-tab-icon" viewBox="0 0 24 24" aria-hidden="true" data-testid="mp-tab-icon">
                        <path d="M3 11l9-8 9 8v9a1 1 0 0 1-1 1h-5v-6h-6v6H4a1 1 0 0 1-1-1z" />
                    </svg>
                    <span>{pick(lang, "首页", "Home")}</span>
                </A>
                <A href="/mp/buy">
                    <svg class="mp-tab-icon" viewBox="0 0 24 24" aria-hidden="true" data-testid="mp-tab-icon">
                        <path d="M5 8h14l-1.2 12.1a1 1 0 0 1-1 .9H7.2a1 1 0 0 1-1-.9zM9 8a3 3 0 0 1 6 0" />
                    </svg>
                    <span>{pick(lang, "购买套餐", "Packages")}</span>
                </A>
                <A href="/mp/billing">
                    <svg class="mp-tab-icon" viewBox="0 0 24 24" aria-hidden="true" data-testid="mp-tab-icon">
                        <path d="M6 3l6 8 6-8M12 11v10M7 13h10M7 17h10" />
                    </svg>
                    <span>{pick(lang, "费用管理", "Billing")}</span>
                </A>
                <A href="/mp/me">
                    <svg class="mp-tab-icon" viewBox="0 0 24 24" aria-hidden="true" data-testid="mp-tab-icon">
                        <circle cx="12" cy="8" r="4" />
                        <path d="M4 21c1.5-4 4.5-6 8-6s6.5 2 8 6" />
                    </svg>
                    <span>{pick(lang, "我的", "Me")}</span>
                </A>
            </nav>
        }
    };
    view! {
        <div class="mp-stage">
            <div class="mp-frame" data-testid="mp-frame">
                <header class="mp-bar">
                    <A href="/">
                        <span class="mp-bar-back">{move || pick(lang.get(), "‹ 网页端", "‹ Web")}</span>
                    </A>
                    <p class="mp-title" aria-hidden="true" data-testid="mp-title">{title}</p>
                    <LangSwitch />
                </header>
                <div class="mp-identity">
                    <IdentitySwitch />
                </div>
                <main class="mp-screen" id="main" node_ref=screen data-testid="mp-screen">
                    <Outlet />
                </main>
                {tabs}
            </div>
        </div>
    }
}

/// 首页: who is signed in, and the ways in.
#[component]
pub fn MpHome() -> impl IntoView {
    use_title("小程序首页", "Mini-program");
    signed_in(|me: Me, _| {
        let lang = use_lang();
        let person = me.buyer.identity.is_person();
        let name = me.person.name.clone();
        move || {
            let lang = lang.get();
            let lead = if person {
                pick(lang, "个人版 · 了解企业版服务", "Personal · discover the enterprise editions")
            } else {
                pick(lang, "企业版", "Enterprise")
            };
            view! {
                <div class="mp-home">
                    <section class="mp-card mp-hello">
                        <p class="muted">{lead}</p>
                        <p class="mp-hello-name">{format!("{}{}", pick(lang, "你好，", "Hello, "), name)}</p>
                    </section>
                    <A href="/mp/buy">
                        <span class="mp-entry" data-testid="mp-entry-buy">
                            <span class="mp-entry-title">{pick(lang, "购买套餐", "Packages")}</span>
                            <span class="muted">
                                {if person {
                                    pick(lang, "高级版 · 合同加量包（1千份、1万份）", "Advanced · contract packs (1,000 or 10,000)")
                                } else {
                                    pick(lang, "版本选购 · 版本续费 · 增值服务", "Editions · renewal · add-ons")
                                }}
                            </span>
                        </span>
                    </A>
                    <A href="/mp/billing">
                        <span class="mp-entry">
                            <span class="mp-entry-title">{pick(lang, "费用管理", "Billing")}</span>
                            <span class="muted">{pick(lang, "合同份额与增值服务使用情况", "Contracts and add-ons used")}</span>
                        </span>
                    </A>
                    <p class="muted mp-note">
                        {pick(
                            lang,
                            "由于小程序微信支付限额，专业版、旗舰版及第三方应用集成请前往电子签网页端购买。",
                            "Because of the mini-program's WeChat Pay limit, buy Professional, Flagship and integration on the web console.",
                        )}
                    </p>
                </div>
            }
        }
    })
}

/// 我的: identity, orders, language, sign out.
#[component]
pub fn MpMe() -> impl IntoView {
    use_title("我的", "Me");
    signed_in(|me: Me, _| {
        let lang = use_lang();
        move || {
            let lang = lang.get();
            let orders = orders_title(lang, &me.buyer.identity);
            view! {
                <div class="mp-home">
                    <section class="mp-card">
                        <p class="mp-hello-name">{me.person.name.clone()}</p>
                        <p class="muted num">{me.person.login.clone()}</p>
                    </section>
                    <A href="/mp/orders">
                        <span class="mp-entry" data-testid="mp-entry-orders">
                            <span class="mp-entry-title">{orders}</span>
                            <span class="muted">{pick(lang, "查看订单、绑定企业", "Follow orders, bind to an enterprise")}</span>
                        </span>
                    </A>
                    <div class="mp-card mp-tools">
                        <LangSwitch />
                        <SignOut />
                    </div>
                </div>
            }
        }
    })
}
