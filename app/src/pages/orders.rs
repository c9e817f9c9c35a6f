//! 订单记录 (an enterprise's purchase records, VIS-1) and 我的订单 (a
//! person's orders, with binding to an enterprise, BND-2, and the way to
//! 企业认证 for an enterprise not verified yet, VER-2).

use crate::api::{self, ApiClientError, Me, OrderView};
use crate::clock;
use crate::components::{ErrorView, Loading, Progress, ReturnsNote, follow_order_to_binding, orders_title};
use crate::i18n::{self, pick, use_lang, use_title};
use crate::session::{signed_in, use_shell};
use domain::access::can_view_order_records;
use domain::binding::check_binding;
use domain::identity::{AccountState, Membership};
use domain::order::OrderStatus;
use domain::{ErrorCode, Lang, Product};
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use std::sync::Arc;

mod filters;

/// The orders this identity may see.
#[component]
pub fn OrdersPage() -> impl IntoView {
    use_title("订单", "Orders");
    signed_in(|me: Me, _| view! { <Orders me=Arc::new(me) /> })
}

#[component]
fn Orders(me: Arc<Me>) -> impl IntoView {
    let lang = use_lang();
    let orders = LocalResource::new(api::orders);
    let identity = me.buyer.identity.clone();
    let personal = identity.is_person();
    let sees_all = can_view_order_records(&identity);
    let binding = RwSignal::new(None::<i64>);
    let bound = RwSignal::new(None::<(i64, String)>);
    let filters = filters::use_filters();
    let me_id = me.person.id;
    let list = move || {
        let lang = lang.get();
        let orders_now = orders.get().map(|r| {
            r.map(|list| {
                let kept: Vec<OrderView> = list.into_iter().filter(|o| filters.with(|f| f.keeps(o, me_id))).collect();
                kept
            })
        });
        match orders_now {
            None => EitherOf3::A(view! { <Loading lang /> }),
            Some(Err(error)) => EitherOf3::B(view! {
                <ErrorView
                    lang
                    title=pick(lang, "订单加载失败", "Orders could not be loaded")
                    message=i18n::api_error(lang, &error)
                    on_retry=Some(Callback::new(move |()| orders.refetch()))
                />
            }),
            Some(Ok(list)) if list.is_empty() => {
                let text = if filters.with(|f| *f == filters::Filters::default()) {
                    pick(lang, "暂无订单。", "No orders yet.")
                } else {
                    pick(lang, "没有符合筛选条件的订单。", "No order matches the filters.")
                };
                EitherOf3::C(view! { <p class="panel muted" data-testid="no-orders">{text}</p> }.into_any())
            }
            Some(Ok(list)) => {
                let rows = list
                    .into_iter()
                    .map(|order| view! { <OrderRow order me=Arc::clone(&me) binding bound on_bound=Callback::new(move |()| orders.refetch()) /> })
                    .collect_view();
                EitherOf3::C(view! { <ul class="order-list" data-testid="orders">{rows}</ul> }.into_any())
            }
        }
    };
    let title = move || orders_title(lang.get(), &identity);
    let note = move || {
        (!personal && !sees_all).then(|| {
            view! {
                <p class="notice-inline" data-testid="records-note">
                    {pick(
                        lang.get(),
                        "企业的订单记录仅超级管理员或法定代表人可查看；以下是您提交的订单。",
                        "An enterprise's purchase records are for its super admin or legal representative; these are the orders you placed.",
                    )}
                </p>
            }
        })
    };
    let done = move || {
        bound.get().map(|(id, name)| {
            view! {
                <p class="notice-inline notice-success" role="status" data-testid="bound-note">
                    {match lang.get() {
                        Lang::Zh => format!("订单 #{id} 已绑定到{name}，购买的产品已发放到该企业。"),
                        Lang::En => format!("Order #{id} is bound to {name}; the purchase now belongs to it."),
                    }}
                </p>
            }
        })
    };
    let bar = move || filters::filter_bar(lang.get(), filters, sees_all);
    view! {
        <h1 class="page-title" data-testid="orders-title">{title}</h1>
        {note}
        {done}
        {bar}
        {list}
    }
}

/// One order: what, how much, where it is, and what can be done next.
#[component]
fn OrderRow(
    order: OrderView,
    me: Arc<Me>,
    /// The order whose binding panel is open.
    binding: RwSignal<Option<i64>>,
    bound: RwSignal<Option<(i64, String)>>,
    on_bound: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let shell = use_shell();
    let id = order.id;
    let personal = me.buyer.identity.is_person();
    let has_edition_line = order.quote.lines.iter().any(|l| matches!(l.product, Product::Edition(_)));
    // Binding can be offered while the order's state allows it (ORD-1, BND-2).
    let bindable = personal && order.status.apply(domain::order::OrderEvent::Bind, true).is_ok();
    let names_zh: Vec<String> = order.quote.lines.iter().map(|l| l.name_zh.clone()).collect();
    let names_en: Vec<String> = order.quote.lines.iter().map(|l| l.name_en.clone()).collect();
    let status = order.status;
    let memberships = me.memberships.clone();
    let returns = order.returns.clone();
    let placed_by_me = order.placed_by == me.person.id;
    let placed_by_id = order.placed_by;
    move || {
        let lang = lang.get();
        // An enterprise's records say who placed each order (a person's are all their own).
        let placed_by = (!personal).then(|| {
            let who = if placed_by_me {
                pick(lang, "本人", "me").to_owned()
            } else {
                match lang {
                    Lang::Zh => format!("成员 #{placed_by_id}"),
                    Lang::En => format!("member #{placed_by_id}"),
                }
            };
            i18n::labelled(lang, pick(lang, "下单人", "Placed by"), &who)
        });
        let names = match lang {
            Lang::Zh => i18n::list(lang, &names_zh),
            Lang::En => i18n::list(lang, &names_en),
        };
        let action = match status {
            OrderStatus::AwaitingPayment => Some(view! {
                <A href=shell.href(&format!("/orders/{id}/pay"))>{pick(lang, "去支付", "Pay")}</A>
            }),
            _ => None,
        };
        let bind_button = bindable.then(|| {
            view! {
                <button
                    type="button"
                    class="button button-primary"
                    data-testid=format!("bind-{id}")
                    aria-expanded=move || (binding.get() == Some(id)).to_string()
                    on:click=move |_| binding.update(|b| *b = if *b == Some(id) { None } else { Some(id) })
                >
                    {pick(lang, "立即绑定", "Bind now")}
                </button>
            }
        });
        let panel = {
            let memberships = memberships.clone();
            move || {
                (binding.get() == Some(id)).then(|| {
                    view! { <BindPanel lang id status has_edition_line memberships=memberships.clone() bound on_bound /> }
                })
            }
        };
        view! {
            <li class="order-row" data-testid=format!("order-{id}")>
                <div class="order-main">
                    <p class="order-names">{names}</p>
                    <p class="muted order-meta">
                        <span class="num order-number">{order.number.clone()}</span>
                        " · "
                        <span class="num">{i18n::datetime(order.created_at)}</span>
                        {placed_by.clone().map(|who| view! {
                            " · "
                            <span data-testid=format!("order-{id}-placed-by")>{who}</span>
                        })}
                    </p>
                </div>
                <p class="num order-amount">{i18n::yuan(order.payable)}</p>
                <p class=format!("badge status-{}", crate::components::wire_name(&status)) data-testid=format!("order-{id}-status")>
                    {i18n::order_status(lang, status)}
                </p>
                <div class="order-actions">
                    {action}
                    {bind_button}
                    <A href=shell.href(&format!("/orders/{id}"))>{pick(lang, "详情", "Details")}</A>
                </div>
                {i18n::order_status_note(lang, status).map(|note| view! {
                    <p class="order-note" data-testid=format!("order-{id}-attention")>{note}</p>
                })}
                <ReturnsNote lang returns=returns.clone() testid=format!("order-{id}-returns") />
                {panel.clone()}
            </li>
        }
    }
}

/// 绑定企业 (BND-2): the enterprises the person joined, each judged by the
/// domain with what the app knows (membership, verification); the server
/// also checks the enterprise's own edition (BND-4) and says so if it refuses.
#[component]
fn BindPanel(
    lang: Lang,
    id: i64,
    status: OrderStatus,
    has_edition_line: bool,
    memberships: Vec<Membership>,
    bound: RwSignal<Option<(i64, String)>>,
    on_bound: Callback<()>,
) -> impl IntoView {
    let now = clock::now();
    let unknown = AccountState::default();
    let first_open = memberships
        .iter()
        .find(|m| check_binding(status, has_edition_line, &memberships, m.enterprise_id, &unknown, now).is_ok())
        .map(|m| m.enterprise_id);
    let chosen = RwSignal::new(first_open);
    // Bound meanwhile from elsewhere (another device): the order's stream says so.
    let (_, _, bound_elsewhere) =
        follow_order_to_binding(id, Progress { status, paid_at: None, delivered_at: None }, true);
    Effect::new(move |_| {
        if let Some((_, name)) = bound_elsewhere.get()
            && bound.get_untracked().is_none_or(|(order, _)| order != id)
        {
            bound.set(Some((id, name)));
            on_bound.run(());
        }
    });
    let sending = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiClientError>);
    let names: Vec<(i64, String)> = memberships.iter().map(|m| (m.enterprise_id, m.enterprise_name.clone())).collect();
    let options = memberships
        .iter()
        .map(|m| {
            let enterprise = m.enterprise_id;
            let verdict = check_binding(status, has_edition_line, &memberships, enterprise, &unknown, now);
            let refused = verdict.is_err();
            // VER-2: the way to the refusal's remedy, on the web console (企业认证 has no mini-program page).
            let verify = verdict.as_ref().err().filter(|e| e.code == ErrorCode::EnterpriseNotVerified).map(|_| {
                view! {
                    <A href=format!("/enterprises/{enterprise}/verify") attr:data-testid=format!("verify-{enterprise}")>
                        {pick(lang, "去认证", "Verify it")}
                    </A>
                }
            });
            let reason = verdict.err().map(|e| e.text(lang));
            let input_id = format!("bind-{id}-to-{enterprise}");
            view! {
                <li class="choice" class:is-disabled=refused>
                    <input
                        type="radio"
                        class="radio"
                        name=format!("bind-{id}")
                        id=input_id.clone()
                        data-testid=format!("bind-to-{enterprise}")
                        disabled=refused
                        prop:checked=move || chosen.get() == Some(enterprise)
                        on:change=move |_| chosen.set(Some(enterprise))
                    />
                    <label class="choice-text" for=input_id>
                        <span class="choice-name">{m.enterprise_name.clone()}</span>
                        <span class="choice-detail">{i18n::roles(lang, &m.roles)}</span>
                    </label>
                    <p class="choice-reason">{reason} {verify}</p>
                </li>
            }
        })
        .collect_view();
    let confirm = move |_| {
        let Some(enterprise) = chosen.get_untracked() else { return };
        let name = names.iter().find(|(e, _)| *e == enterprise).map(|(_, n)| n.clone()).unwrap_or_default();
        sending.set(true);
        spawn_local(async move {
            match api::bind(id, enterprise).await {
                Ok(_) => {
                    failure.set(None);
                    bound.set(Some((id, name)));
                    on_bound.run(());
                }
                Err(error) => failure.set(Some(error)),
            }
            sending.set(false);
        });
    };
    let failed = move || {
        failure.get().map(|e| {
            let message = match e.code() {
                Some(ErrorCode::NotFound) => {
                    pick(lang, "绑定服务暂不可用。", "Binding is not available yet.").to_owned()
                }
                _ => i18n::api_error(lang, &e),
            };
            view! { <ErrorView lang title=pick(lang, "绑定失败", "Binding failed") message inline=true /> }
        })
    };
    view! {
        <div class="bind-panel" data-testid=format!("bind-panel-{id}")>
            <p class="section-title">{pick(lang, "选择要绑定的企业", "Choose the enterprise")}</p>
            <ul class="choice-list" role="radiogroup">{options}</ul>
            {failed}
            <button
                type="button"
                class="button button-primary"
                data-testid=format!("bind-confirm-{id}")
                disabled=move || chosen.get().is_none() || sending.get()
                on:click=confirm
            >
                {pick(lang, "确认绑定", "Bind")}
            </button>
        </div>
    }
}
