//! 登录: sign in with a login and password; in development the demo people
//! are listed, and choosing one fills the form.
//!
//! The route stays in the first download, but the form's code is a chunk of
//! its own (a `#[lazy]` function), fetched the first time someone signs in on
//! this page: most buyers arrive signed in. As a lazy *route* the page
//! sometimes stayed on `/login` after a successful sign-in under the parallel
//! e2e run; an ordinary route whose content is loaded on demand navigates
//! exactly as before.

use crate::api::{self, ApiClientError};
use crate::components::ErrorView;
use crate::i18n::{self, pick, use_lang, use_title};
use crate::session::{use_session, use_shell};
use domain::ErrorCode;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};

/// The sign-in page.
#[component]
pub fn SignInPage() -> impl IntoView {
    use_title("登录", "Sign in");
    Suspend::new(sign_in_form())
}

#[lazy]
fn sign_in_form() -> AnyView {
    view! { <SignInForm /> }.into_any()
}

/// The sign-in form.
#[component]
fn SignInForm() -> impl IntoView {
    let lang = use_lang();
    let session = use_session();
    // Only the sign-in page lists the demo people, so it loads them itself.
    let demo_accounts = LocalResource::new(api::demo_accounts);
    let shell = use_shell();
    let query = use_query_map();
    let navigate = use_navigate();
    let login = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiClientError>);

    // Only paths inside the app are followed after sign-in.
    let next = move || {
        query
            .with_untracked(|q| q.get("next"))
            .filter(|n| n.starts_with('/') && !n.starts_with("//"))
            .unwrap_or_else(|| shell.href(""))
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            // Read the person before leaving, so the next page never sees the signed-out state.
            let outcome = match api::sign_in(&login.get_untracked(), &password.get_untracked()).await {
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

    let demo = move || {
        let lang = lang.get();
        demo_accounts.get().and_then(Result::ok).map(|accounts| {
            let items = accounts
                .into_iter()
                .map(|a| {
                    let testid = format!("demo-{}", a.login);
                    let fill = {
                        let (l, p) = (a.login.clone(), a.password.clone());
                        move |_| {
                            login.set(l.clone());
                            password.set(p.clone());
                        }
                    };
                    view! {
                        <li>
                            <button type="button" class="demo-account" data-testid=testid on:click=fill>
                                <span class="demo-name">{a.name} " · " <span class="num">{a.login}</span></span>
                                <span class="demo-description">{a.description}</span>
                            </button>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <section class="panel demo-panel" aria-labelledby="demo-title">
                    <h2 class="section-title" id="demo-title">{pick(lang, "演示账号（开发环境）", "Demo accounts (development)")}</h2>
                    <p class="muted">{pick(lang, "选择一个账号填入登录表单。", "Choose one to fill in the form.")}</p>
                    <ul class="demo-list">{items}</ul>
                </section>
            }
        })
    };

    move || {
        let lang = lang.get();
        let error = move || {
            failure.get().map(|e| {
                // Refused at sign-in, `unauthenticated` means the login or the
                // password was wrong, not that the person should sign in.
                let message = match e.code() {
                    Some(ErrorCode::Unauthenticated) => {
                        pick(lang, "账号或密码错误，请重新输入。", "The login or the password is wrong; try again.")
                            .to_owned()
                    }
                    _ => i18n::api_error(lang, &e),
                };
                view! {
                    <ErrorView lang title=pick(lang, "登录失败", "Sign-in failed") message inline=true />
                }
            })
        };
        view! {
            <div class="sign-in">
                <form class="panel sign-in-form" on:submit=submit.clone() novalidate>
                    <h1 class="page-title">{pick(lang, "登录腾讯电子签", "Sign in to Tencent E-Sign")}</h1>
                    <div class="field">
                        <label class="field-label" for="login">{pick(lang, "账号", "Login")}</label>
                        <input
                            id="login"
                            class="input"
                            data-testid="login"
                            autocomplete="username"
                            required
                            prop:value=move || login.get()
                            on:input=move |ev| login.set(event_target_value(&ev))
                        />
                    </div>
                    <div class="field">
                        <label class="field-label" for="password">{pick(lang, "密码", "Password")}</label>
                        <input
                            id="password"
                            class="input"
                            type="password"
                            data-testid="password"
                            autocomplete="current-password"
                            required
                            prop:value=move || password.get()
                            on:input=move |ev| password.set(event_target_value(&ev))
                        />
                    </div>
                    {error}
                    <button
                        type="submit"
                        class="button button-primary button-block"
                        data-testid="sign-in"
                        disabled=move || busy.get()
                    >
                        {move || if busy.get() { pick(lang, "正在登录…", "Signing in…") } else { pick(lang, "登录", "Sign in") }}
                    </button>
                </form>
                {demo}
            </div>
        }
    }
}
