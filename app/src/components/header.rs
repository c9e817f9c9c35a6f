use crate::api::{self, ApiClientError, Me};
use crate::i18n::{self, pick, texts, use_lang};
use crate::session::use_session;
use domain::access::can_view_order_records;
use domain::{Identity, Lang};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

/// The console's top bar: product, the console's pages, the identity
/// switcher (ID-4), the language switch and sign-out.
#[component]
pub fn Header() -> impl IntoView {
    let lang = use_lang();
    let session = use_session();
    let t = move || texts(lang.get());
    let me = move || session.me.get().and_then(Result::ok);
    let nav = move || {
        let lang = lang.get();
        me().map(|me| {
            let orders = orders_title(lang, &me.buyer.identity);
            let ops = me.person.operator.then(|| {
                view! {
                    <A href="/ops" exact=true>{pick(lang, "运营后台", "Operations")}</A>
                    <A href="/ops/verifications">{pick(lang, "企业认证审核", "Verification review")}</A>
                }
            });
            let sales =
                me.person.sales_manager.then(|| view! { <A href="/sales">{pick(lang, "销售后台", "Sales")}</A> });
            view! {
                <nav class="topnav" aria-label=pick(lang, "控制台", "Console")>
                    <A href="/" exact=true>
                        {pick(lang, "版本选购", "Buy")}
                    </A>
                    <A href="/orders">{orders}</A>
                    <A href="/billing">{pick(lang, "费用管理", "Billing")}</A>
                    <A href="/mp">{pick(lang, "小程序", "Mini-program")}</A>
                    {ops}
                    {sales}
                </nav>
            }
        })
    };
    view! {
        <header class="topbar">
            <div class="topbar-inner">
                <div class="brand">
                    <span class="brand-mark" aria-hidden="true">"签"</span>
                    <span class="brand-name">{move || t().product}</span>
                </div>
                {nav}
                <div class="topbar-tools">
                    <IdentitySwitch />
                    <LangSwitch />
                    <SignOut />
                </div>
            </div>
        </header>
    }
}

/// What the orders page is called for this identity (VIS-1): an
/// enterprise's purchase records, a person's own orders, or, for other
/// staff, the orders they placed themselves.
pub fn orders_title(lang: Lang, identity: &Identity) -> &'static str {
    if identity.is_person() {
        pick(lang, "我的订单", "My orders")
    } else if can_view_order_records(identity) {
        pick(lang, "订单记录", "Purchase records")
    } else {
        pick(lang, "我提交的订单", "Orders I placed")
    }
}

/// 中文 ⇄ English.
#[component]
pub fn LangSwitch() -> impl IntoView {
    let lang = use_lang();
    let toggle = move |_| {
        lang.update(|l| {
            *l = match l {
                Lang::Zh => Lang::En,
                Lang::En => Lang::Zh,
            }
        })
    };
    view! {
        <button
            type="button"
            class="tool-button"
            data-testid="lang-switch"
            aria-label=move || texts(lang.get()).switch_language
            on:click=toggle
        >
            {move || texts(lang.get()).other_language}
        </button>
    }
}

/// Signs out; the pages then ask to sign in again.
#[component]
pub fn SignOut() -> impl IntoView {
    let lang = use_lang();
    let session = use_session();
    let signed_in = move || session.me.with(|m| matches!(m, Some(Ok(_))));
    let sign_out = move |_| {
        spawn_local(async move {
            // Signed out or not, the session is read again and the pages follow it.
            let _ = api::sign_out().await;
            session.me.refetch();
        });
    };
    view! {
        <button
            type="button"
            class="tool-button"
            data-testid="sign-out"
            hidden=move || !signed_in()
            on:click=sign_out
        >
            {move || pick(lang.get(), "退出", "Sign out")}
        </button>
    }
}

/// The identity the signed-in person acts as (ID-4): themselves, or one of
/// the enterprises they joined. Every page follows a switch at once.
#[component]
pub fn IdentitySwitch() -> impl IntoView {
    let lang = use_lang();
    let session = use_session();
    let failure = RwSignal::new(None::<ApiClientError>);
    let switch = move |value: String| {
        let enterprise_id = value.parse::<i64>().ok();
        spawn_local(async move {
            match api::switch_identity(enterprise_id).await {
                Ok(me) => {
                    failure.set(None);
                    session.me.set(Some(Ok(me)));
                }
                Err(error) => failure.set(Some(error)),
            }
        });
    };
    move || {
        let lang = lang.get();
        let me = session.me.get().and_then(Result::ok)?;
        let error = failure.get().map(|e| {
            view! {
                <span class="identity-error" role="alert">
                    {i18n::api_error(lang, &e)}
                </span>
            }
        });
        Some(view! {
            <div class="identity-switch">
                <label class="identity-label" for="identity-select">
                    {pick(lang, "当前身份", "Acting as")}
                </label>
                <select
                    id="identity-select"
                    class="select"
                    data-testid="identity-switch"
                    on:change=move |ev| switch(event_target_value(&ev))
                >
                    {identity_options(lang, &me)}
                </select>
                {error}
            </div>
        })
    }
}

fn identity_options(lang: Lang, me: &Me) -> impl IntoView + use<> {
    let person = format!("{}{}", pick(lang, "个人：", "Personal: "), me.person.name);
    let acting = me.acting_enterprise_id;
    let enterprises = me
        .memberships
        .iter()
        .map(|m| {
            let label = format!("{} · {}", m.enterprise_name, i18n::roles(lang, &m.roles));
            view! {
                <option value=m.enterprise_id.to_string() selected=acting == Some(m.enterprise_id)>
                    {label}
                </option>
            }
        })
        .collect_view();
    view! {
        <option value="person" selected=acting.is_none()>
            {person}
        </option>
        {enterprises}
    }
}
