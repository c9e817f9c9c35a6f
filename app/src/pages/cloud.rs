//! 腾讯云购买页: the cloud console (CH-1, CH-3) in a frame of its own, the
//! cloud vendor's top bar over the chooser judged for the cloud console.
//! Only an enterprise verified through the session's cloud account buys
//! here; whether it may is the domain's (`quote::buyer_refusals`), and when
//! it may not the page shows the refusal and the seeds' remedy instead of a
//! chooser that could sell nothing. In development `/cloud/sign-in` stands
//! in for the cloud vendor's sign-in: it picks a demo cloud account.

use crate::api::{self, ApiClientError, DemoCloudAccount, Me};
use crate::components::{ErrorView, LangSwitch, Loading, SignOut};
use crate::i18n::{self, pick, use_lang, use_title};
use crate::pages::PurchasePage;
use crate::session::{Cart, Shell, signed_in, use_session};
use domain::eligibility::Remedy;
use domain::{Channel, Context, ErrorCode, Lang};
use leptos::either::{Either, EitherOf4};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{A, Outlet};
use leptos_router::hooks::{use_navigate, use_query_map};

/// The cloud console's frame: the cloud vendor's top bar over the page.
#[component]
pub fn CloudConsole() -> impl IntoView {
    provide_context(Shell { channel: Channel::CloudConsole });
    provide_context(Cart::new(Channel::CloudConsole));
    let lang = use_lang();
    let session = use_session();
    let account = move || {
        let lang = lang.get();
        session.me.get().and_then(Result::ok).map(|me| {
            let cloud = me.buyer.cloud_account.clone().unwrap_or_else(|| {
                pick(lang, "未通过腾讯云账号登录", "not signed in through a cloud account").to_owned()
            });
            view! {
                <span class="cloud-account" data-testid="cloud-account">
                    {pick(lang, "腾讯云账号：", "Cloud account: ")}
                    <span class="num">{cloud}</span>
                </span>
            }
        })
    };
    view! {
        <a class="skip-link" href="#main">
            {move || pick(lang.get(), "跳到主要内容", "Skip to content")}
        </a>
        <div class="cloud-console" data-testid="cloud-console">
            <header class="cloud-bar">
                <div class="cloud-bar-inner">
                    <A href="/cloud">
                        <span class="cloud-brand">
                            <span class="cloud-brand-mark" aria-hidden="true"></span>
                            {move || pick(lang.get(), "腾讯云", "Tencent Cloud")}
                        </span>
                    </A>
                    <span class="cloud-bar-title">
                        {move || pick(lang.get(), "腾讯电子签 · 购买页", "Tencent E-Sign · Purchase")}
                    </span>
                    <div class="cloud-bar-tools">
                        {account}
                        <a class="cloud-bar-link" href="/">
                            {move || pick(lang.get(), "电子签网页端", "E-Sign web console")}
                        </a>
                        <LangSwitch />
                        <SignOut />
                    </div>
                </div>
            </header>
            <main class="page cloud-page" id="main" tabindex="-1">
                <Outlet />
            </main>
        </div>
    }
}

/// The cloud console's purchase page: the chooser for the enterprise
/// verified through this cloud account, else the refusal and its remedy.
#[component]
pub fn CloudPurchasePage() -> impl IntoView {
    use_title("腾讯云购买页", "Cloud console purchase");
    signed_in(|me: Me, catalog| {
        let ctx =
            Context { catalog: &catalog, buyer: &me.buyer, channel: Channel::CloudConsole, now: crate::clock::now() };
        let not_linked = domain::quote::buyer_refusals(&ctx).iter().any(|e| e.code == ErrorCode::CloudAccountNotLinked);
        if not_linked { Either::Left(view! { <NotActivated /> }) } else { Either::Right(view! { <PurchasePage /> }) }
    })
}

/// 此企业未激活腾讯电子签, and the way the seeds give to buy anyway (CH-3).
#[component]
fn NotActivated() -> impl IntoView {
    let lang = use_lang();
    move || {
        let lang = lang.get();
        let steps = remedy_steps(lang).iter().map(|step| view! { <li>{*step}</li> }).collect_view();
        view! {
            <section class="panel cloud-refusal" role="alert" data-testid="cloud-refusal" data-code="cloud_account_not_linked">
                <h1 class="page-title">{pick(lang, "此企业未激活腾讯电子签", "This enterprise has not activated E-Sign")}</h1>
                <p class="muted" data-testid="cloud-refusal-why">
                    {pick(
                        lang,
                        "当前下单的腾讯云账号尚未注册电子签账号，或与您电子签账号中绑定的腾讯云账号不一致。",
                        "The cloud account placing the order has no E-Sign account, or is not the cloud account linked to your E-Sign account.",
                    )}
                </p>
                <h2 class="section-title">{pick(lang, "请按以下步骤下单", "To buy, follow these steps")}</h2>
                <ol class="cloud-steps" data-testid="cloud-remedy">{steps}</ol>
                <a class="button button-primary" href="/billing" data-testid="remedy">
                    {i18n::remedy(lang, Remedy::WebConsole)}
                    <span aria-hidden="true">" ›"</span>
                </a>
            </section>
        }
    }
}

/// The seeds' remedy (pricing FAQ), one step a line.
fn remedy_steps(lang: Lang) -> [&'static str; 4] {
    match lang {
        Lang::Zh => [
            "登录腾讯电子签网页版。",
            "在费用管理中单击“立即购买”。",
            "验证安全手机（一般为超管手机号）。",
            "跳转到产品版本购买页进行下单。",
        ],
        Lang::En => [
            "Sign in to the E-Sign web console.",
            "Open billing management and click Buy now.",
            "Verify the security phone (usually the super admin's number).",
            "Place the order on the edition purchase page it opens.",
        ],
    }
}

/// Development's stand-in for the cloud vendor's sign-in: choose a demo
/// cloud account; the session remembers it (CH-3).
#[component]
pub fn CloudSignInPage() -> impl IntoView {
    use_title("腾讯云账号登录", "Sign in with a cloud account");
    let lang = use_lang();
    let session = use_session();
    let query = use_query_map();
    let navigate = use_navigate();
    let accounts = LocalResource::new(api::demo_cloud_accounts);
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiClientError>);
    // Only the cloud console's own pages are followed after sign-in.
    let next = move || {
        query
            .with_untracked(|q| q.get("next"))
            .filter(|n| n == "/cloud" || n.starts_with("/cloud/"))
            .unwrap_or_else(|| "/cloud".to_owned())
    };
    let choose = move |cloud: String| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            // Read the person before leaving, so the next page never sees the signed-out state.
            let outcome = match api::cloud_sign_in(&cloud).await {
                Ok(()) => api::me().await,
                Err(error) => Err(error),
            };
            busy.set(false);
            match outcome {
                Ok(me) => {
                    failure.set(None);
                    session.me.set(Some(Ok(me)));
                    navigate(&next(), Default::default());
                }
                Err(error) => failure.set(Some(error)),
            }
        });
    };
    move || {
        let lang = lang.get();
        let choose = choose.clone();
        let list = move || match accounts.get() {
            None => EitherOf4::A(view! { <Loading lang /> }),
            Some(Err(error)) if error.code() == Some(ErrorCode::NotFound) => EitherOf4::B(view! {
                <p class="muted" data-testid="cloud-sign-in-unavailable">
                    {pick(lang, "请从腾讯云控制台进入购买页；演示账号仅在开发环境提供。", "Open this page from the cloud vendor's console; demo accounts exist in development only.")}
                </p>
            }),
            Some(Err(error)) => EitherOf4::C(view! {
                <ErrorView lang title=pick(lang, "加载失败", "Could not load") message=i18n::api_error(lang, &error) inline=true />
            }),
            Some(Ok(list)) => {
                let items = list
                    .into_iter()
                    .map(|a| {
                        let choose = choose.clone();
                        let testid = format!("cloud-{}", a.cloud_account);
                        let cloud = a.cloud_account.clone();
                        view! {
                            <li>
                                <button
                                    type="button"
                                    class="demo-account"
                                    data-testid=testid
                                    disabled=move || busy.get()
                                    on:click=move |_| choose(cloud.clone())
                                >
                                    <span class="demo-name num">{a.cloud_account.clone()}</span>
                                    <span class="demo-description">{describe(lang, &a)}</span>
                                </button>
                            </li>
                        }
                    })
                    .collect_view();
                EitherOf4::D(view! { <ul class="demo-list">{items}</ul> })
            }
        };
        let error = move || {
            failure.get().map(|e| {
                view! {
                    <ErrorView lang title=pick(lang, "登录失败", "Sign-in failed") message=i18n::api_error(lang, &e) inline=true />
                }
            })
        };
        view! {
            <div class="sign-in">
                <section class="panel demo-panel" aria-labelledby="cloud-sign-in-title">
                    <h1 class="page-title" id="cloud-sign-in-title">{pick(lang, "腾讯云账号登录", "Sign in with a cloud account")}</h1>
                    <p class="muted">
                        {pick(lang, "选择一个演示腾讯云账号（开发环境）。", "Choose a demo cloud account (development).")}
                    </p>
                    {list}
                    {error}
                </section>
            </div>
        }
    }
}

/// Who signs in through a demo cloud account, and what it is linked to.
fn describe(lang: Lang, account: &DemoCloudAccount) -> String {
    let who = format!("{} · {}", account.name, account.login);
    match (&account.linked_enterprise, lang) {
        (Some(name), Lang::Zh) => format!("{who} · 已关联{name}"),
        (Some(name), Lang::En) => format!("{who} · linked to {name}"),
        (None, Lang::Zh) => format!("{who} · 未关联任何企业"),
        (None, Lang::En) => format!("{who} · linked to no enterprise"),
    }
}
