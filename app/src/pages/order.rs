//! 订单详情: one order, what it holds, and its way from payment to delivery,
//! followed live (FUL-1) until it is delivered (or, paid but undeliverable,
//! needs attention, ORD-1), and a personal order's on to its binding
//! (BND-2); with any money received for it that will be returned (PAY-4).

use crate::api::{self, ApiClientError, Me, MoneyToReturn, OrderView};
use crate::components::{
    DeliverySteps, ErrorView, Loading, PriceBreakdown, Progress, ReturnsNote, follow_order_to_binding,
};
use crate::i18n::{self, pick, use_lang, use_title};
use crate::pages::pay::order_id;
use crate::session::{signed_in, use_shell};
use domain::order::OrderStatus;
use domain::{DomainError, Lang, Quote};
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

/// One order's page.
#[component]
pub fn OrderPage() -> impl IntoView {
    use_title("订单详情", "Order");
    let id = order_id();
    signed_in(move |me: Me, _| view! { <LoadOrder id personal=me.buyer.identity.is_person() /> })
}

#[component]
fn LoadOrder(id: Option<i64>, personal: bool) -> impl IntoView {
    let lang = use_lang();
    let order = LocalResource::new(move || async move {
        match id {
            Some(id) => api::order(id).await,
            None => Err(ApiClientError::Status(404)),
        }
    });
    move || match order.get() {
        None => EitherOf3::A(view! { <Loading lang=lang.get() /> }),
        Some(Err(error)) => EitherOf3::B(move || {
            let lang = lang.get();
            view! {
                <ErrorView
                    lang
                    title=pick(lang, "订单加载失败", "The order could not be loaded")
                    message=i18n::api_error(lang, &error)
                    on_retry=Some(Callback::new(move |()| order.refetch()))
                />
            }
        }),
        Some(Ok(o)) => EitherOf3::C(view! { <OrderDetail order=o personal /> }),
    }
}

#[component]
fn OrderDetail(order: OrderView, personal: bool) -> impl IntoView {
    let lang = use_lang();
    let shell = use_shell();
    let id = order.id;
    let number = order.number.clone();
    let initial = Progress { status: order.status, paid_at: order.paid_at, delivered_at: order.delivered_at };
    let (progress, stream, bound) = follow_order_to_binding(id, initial, personal);
    let quote: Result<Quote, Vec<DomainError>> = Ok(order.quote);
    let quote = Signal::derive(move || quote.clone());
    // Why it could not be delivered and the money to return: as loaded, and
    // read again when the order reaches needs_attention while it is watched.
    let details = RwSignal::new((order.attention, order.returns));
    let loaded = order.status;
    Effect::new(move |_| {
        let now = progress.get().status;
        if now == OrderStatus::NeedsAttention && loaded != OrderStatus::NeedsAttention {
            spawn_local(async move {
                if let Ok(fresh) = api::order(id).await {
                    details.set((fresh.attention, fresh.returns));
                }
            });
        }
    });
    let next = move || {
        let lang = lang.get();
        match progress.get().status {
            OrderStatus::AwaitingPayment => Some(view! {
                <a class="button" href=shell.href(&format!("/orders/{id}/pay"))>{pick(lang, "去支付", "Pay now")}</a>
            }.into_any()),
            OrderStatus::Delivered if personal => Some(view! {
                <p class="muted">{pick(lang, "个人身份购买的产品已立即生效并计费，请尽快绑定企业使用。", "A personal purchase takes effect at once: bind it to your enterprise soon.")}</p>
                <A href=shell.href("/orders")>{pick(lang, "前往我的订单绑定企业", "Bind it in My orders")}</A>
            }.into_any()),
            OrderStatus::Bound if personal => bound.get().map(|(at, name)| view! {
                <p class="notice-inline notice-success" data-testid="bound-to">
                    {match lang {
                        Lang::Zh => format!("已于 {} 绑定到{name}，购买的产品已发放到该企业。", i18n::datetime(at)),
                        Lang::En => format!("Bound to {name} on {}; the purchase now belongs to it.", i18n::datetime(at)),
                    }}
                </p>
            }.into_any()),
            OrderStatus::Delivered | OrderStatus::Bound => Some(view! {
                <A href=shell.href("/billing")>{pick(lang, "前往费用管理查看", "See it in billing management")}</A>
            }.into_any()),
            OrderStatus::NeedsAttention => Some(view! {
                <div class="notice-inline notice-danger" role="alert" data-testid="order-attention">
                    <p class="notice-title">{i18n::order_status_note(lang, OrderStatus::NeedsAttention)}</p>
                    {move || details.with(|(attention, _)| attention.as_deref().map(|text| view! {
                        <p>{i18n::labelled(lang, pick(lang, "原因", "Reason"), &i18n::attention(lang, text))}</p>
                    }))}
                </div>
            }.into_any()),
            OrderStatus::Paid | OrderStatus::Delivering | OrderStatus::Closed | OrderStatus::Refunded => None,
        }
    };
    let returns = move || {
        let returns: Vec<MoneyToReturn> = details.with(|(_, r)| r.clone());
        view! { <ReturnsNote lang=lang.get() returns testid="order-returns".to_owned() /> }
    };
    move || {
        let lang = lang.get();
        view! {
            <h1 class="page-title">
                {pick(lang, "订单详情", "Order")} <span class="num muted order-number" data-testid="order-number">{number.clone()}</span>
            </h1>
            <div class="purchase-layout">
                <div class="purchase-options">
                    <section class="panel" aria-labelledby="progress-title">
                        <h2 class="section-title" id="progress-title">{pick(lang, "订单进度", "Progress")}</h2>
                        <DeliverySteps lang progress stream personal />
                        {returns}
                        <div class="actions">{next}</div>
                    </section>
                </div>
                <aside class="purchase-summary">
                    <PriceBreakdown lang quote />
                </aside>
            </div>
        }
    }
}
