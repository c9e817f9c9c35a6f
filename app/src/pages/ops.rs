//! 运营后台: the operators' room (ORD-3, PAY-4). Money the product must
//! give back, by how far its return has come, with the refund action; and
//! paid orders whose delivery needs a person, with the retry action. The
//! server decides and audits every action; this page shows what it said.

use crate::api::{self, Me, OpsAccount, OpsDelivery, OpsPayment, TimelineEntry};
use crate::components::{ErrorView, Loading};
use crate::i18n::{self, pick, use_lang, use_title};
use crate::session::signed_in;
use domain::Lang;
use domain::payment::PaymentStatus;
use domain::refund::RefundStatus;
use leptos::either::Either;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The payment states an operator works through, in that order.
const SHOWN: [PaymentStatus; 4] =
    [PaymentStatus::RefundDue, PaymentStatus::Disputed, PaymentStatus::Refunding, PaymentStatus::Refunded];

/// The operations console, for operators only.
#[component]
pub fn OpsPage() -> impl IntoView {
    use_title("运营后台", "Operations");
    signed_in(|me: Me, _| {
        if me.person.operator {
            Either::Left(view! { <Ops /> })
        } else {
            let lang = use_lang();
            Either::Right(move || {
                view! {
                    <p class="panel notice-inline" data-testid="ops-forbidden">
                        {pick(lang.get(), "运营后台仅供运营人员使用。", "The operations console is for operations staff.")}
                    </p>
                }
            })
        }
    })
}

/// What the last action came to, for the notice above the lists.
#[derive(Debug, Clone)]
enum Outcome {
    Done(String),
    Refused(String),
}

#[component]
fn Ops() -> impl IntoView {
    let lang = use_lang();
    let status = RwSignal::new(PaymentStatus::RefundDue);
    let payments = LocalResource::new(move || api::ops_payments(status.get()));
    let deliveries = LocalResource::new(api::ops_deliveries);
    let outcome = RwSignal::new(None::<Outcome>);
    let busy = RwSignal::new(None::<String>);
    let refresh = move || {
        payments.refetch();
        deliveries.refetch();
    };
    let refund = Callback::new(move |out_trade_no: String| {
        busy.set(Some(out_trade_no.clone()));
        spawn_local(async move {
            let lang = lang.get_untracked();
            let said = match api::ops_refund(&out_trade_no).await {
                Ok(r) => Outcome::Done(refund_note(lang, &r)),
                Err(e) => Outcome::Refused(i18n::api_error(lang, &e)),
            };
            outcome.set(Some(said));
            busy.set(None);
            refresh();
        });
    });
    let retry = Callback::new(move |order_id: i64| {
        busy.set(Some(format!("order-{order_id}")));
        spawn_local(async move {
            let lang = lang.get_untracked();
            let said = match api::ops_retry_delivery(order_id).await {
                Ok(_) => Outcome::Done(match lang {
                    Lang::Zh => format!("订单 #{order_id} 已重新交付处理。"),
                    Lang::En => format!("Order #{order_id} was sent back to delivery."),
                }),
                Err(e) => Outcome::Refused(i18n::api_error(lang, &e)),
            };
            outcome.set(Some(said));
            busy.set(None);
            refresh();
        });
    });
    let notice = move || {
        outcome.get().map(|o| match o {
            Outcome::Done(text) => {
                view! { <p class="notice-inline notice-success" role="status" data-testid="ops-outcome">{text}</p> }
            }
            Outcome::Refused(text) => {
                view! { <p class="notice-inline notice-danger" role="alert" data-testid="ops-outcome">{text}</p> }
            }
        })
    };
    let tabs = move || {
        let lang = lang.get();
        SHOWN
            .into_iter()
            .map(|s| {
                view! {
                    <label class="segment">
                        <input
                            type="radio"
                            class="visually-hidden"
                            name="ops-payment-status"
                            data-testid=format!("ops-status-{}", status_name(s))
                            prop:checked=move || status.get() == s
                            on:change=move |_| status.set(s)
                        />
                        <span>{i18n::payment_status(lang, s)}</span>
                    </label>
                }
            })
            .collect_view()
    };
    let payment_list = move || {
        let lang = lang.get();
        match payments.get() {
            None => view! { <Loading lang /> }.into_any(),
            Some(Err(error)) => view! {
                <ErrorView
                    lang
                    title=pick(lang, "款项加载失败", "Payments could not be loaded")
                    message=i18n::api_error(lang, &error)
                    on_retry=Some(Callback::new(move |()| payments.refetch()))
                />
            }
            .into_any(),
            Some(Ok(list)) if list.is_empty() => {
                view! { <p class="muted" data-testid="ops-payments-empty">{pick(lang, "没有此状态的款项。", "No payments in this state.")}</p> }
                    .into_any()
            }
            Some(Ok(list)) => {
                let rows = list.into_iter().map(|p| payment_row(lang, p, busy, refund)).collect_view();
                view! {
                    <table class="ops-table" data-testid="ops-payments">
                        <thead>
                            <tr>
                                <th scope="col">{pick(lang, "支付单号", "Payment")}</th>
                                <th scope="col">{pick(lang, "订单", "Order")}</th>
                                <th scope="col">{pick(lang, "支付方式", "Method")}</th>
                                <th scope="col" class="num">{pick(lang, "金额", "Amount")}</th>
                                <th scope="col">{pick(lang, "原因", "Why")}</th>
                                <th scope="col">{pick(lang, "到账时间", "Received")}</th>
                                <th scope="col"><span class="visually-hidden">{pick(lang, "操作", "Action")}</span></th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                }
                .into_any()
            }
        }
    };
    let delivery_list = move || {
        let lang = lang.get();
        match deliveries.get() {
            None => view! { <Loading lang /> }.into_any(),
            Some(Err(error)) => view! {
                <ErrorView
                    lang
                    title=pick(lang, "交付加载失败", "Deliveries could not be loaded")
                    message=i18n::api_error(lang, &error)
                    on_retry=Some(Callback::new(move |()| deliveries.refetch()))
                />
            }
            .into_any(),
            Some(Ok(list)) if list.is_empty() => {
                view! { <p class="muted" data-testid="ops-deliveries-empty">{pick(lang, "没有待人工处理的交付。", "No delivery needs a person.")}</p> }
                    .into_any()
            }
            Some(Ok(list)) => {
                let rows = list.into_iter().map(|d| delivery_row(lang, d, busy, retry)).collect_view();
                view! {
                    <table class="ops-table" data-testid="ops-deliveries">
                        <thead>
                            <tr>
                                <th scope="col">{pick(lang, "订单", "Order")}</th>
                                <th scope="col" class="num">{pick(lang, "金额", "Amount")}</th>
                                <th scope="col">{pick(lang, "原因", "Why")}</th>
                                <th scope="col">{pick(lang, "款项", "Payment")}</th>
                                <th scope="col"><span class="visually-hidden">{pick(lang, "操作", "Action")}</span></th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                }
                .into_any()
            }
        }
    };
    move || {
        let lang = lang.get();
        view! {
            <div class="page-heading">
                <h1 class="page-title" data-testid="ops-title">{pick(lang, "运营后台", "Operations")}</h1>
                <button type="button" class="button button-secondary" data-testid="ops-refresh" on:click=move |_| refresh()>
                    {pick(lang, "刷新", "Refresh")}
                </button>
            </div>
            {notice}
            <section class="panel" aria-labelledby="ops-payments-title">
                <h2 class="section-title" id="ops-payments-title">{pick(lang, "待处理款项", "Money to return")}</h2>
                <p class="muted">
                    {pick(
                        lang,
                        "付款到账时订单已关闭、已支付或已变化，或订单无法交付：款项需原路退回。退款经原支付渠道异步完成。",
                        "Money that arrived for an order that had closed, was paid or changed, or that could not be delivered: it goes back the way it came, asynchronously.",
                    )}
                </p>
                <div class="segmented" role="radiogroup" aria-label=pick(lang, "款项状态", "Payment state")>{tabs}</div>
                {payment_list}
            </section>
            <section class="panel" aria-labelledby="ops-deliveries-title">
                <h2 class="section-title" id="ops-deliveries-title">{pick(lang, "待人工处理的交付", "Deliveries that need a person")}</h2>
                {delivery_list}
            </section>
            <AccountLookup />
        }
    }
}

/// The stored and query name of a payment state.
fn status_name(status: PaymentStatus) -> String {
    serde_json::to_value(status).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// What the provider (or the balance) said to a refund.
fn refund_note(lang: Lang, r: &api::OpsRefund) -> String {
    let (zh, en) = match r.status {
        RefundStatus::Requested => ("已提交，等待支付渠道受理", "sent; waiting for the provider to take it"),
        RefundStatus::Processing => ("支付渠道已受理，退款中", "taken by the provider; on its way back"),
        RefundStatus::Succeeded => ("已退回", "returned"),
        RefundStatus::Failed => ("退款失败，请人工核实", "failed; check it by hand"),
    };
    let amount = i18n::yuan(r.amount);
    let earlier = r.already_requested;
    match lang {
        Lang::Zh if earlier => format!("此款项已申请过退款（{}）：{amount}，{zh}。", r.out_refund_no),
        Lang::Zh => format!("退款 {}：{amount}，{zh}。", r.out_refund_no),
        Lang::En if earlier => format!("A refund was already asked for ({}): {amount}, {en}.", r.out_refund_no),
        Lang::En => format!("Refund {}: {amount}, {en}.", r.out_refund_no),
    }
}

fn payment_row(lang: Lang, p: OpsPayment, busy: RwSignal<Option<String>>, refund: Callback<String>) -> impl IntoView {
    let no = p.out_trade_no.clone();
    let refundable = p.status == PaymentStatus::RefundDue;
    let action = refundable.then(|| {
        let pressed = no.clone();
        let waiting = no.clone();
        view! {
            <button
                type="button"
                class="button button-secondary"
                data-testid=format!("refund-{no}")
                disabled=move || busy.with(|b| b.as_deref() == Some(waiting.as_str()))
                on:click=move |_| refund.run(pressed.clone())
            >
                {pick(lang, "原路退款", "Refund")}
            </button>
        }
    });
    let why = p
        .reason
        .map(|r| i18n::refund_reason(lang, r))
        .unwrap_or_else(|| pick(lang, "金额与订单不符", "amount not as asked"));
    view! {
        <tr data-testid=format!("ops-payment-{}", p.out_trade_no)>
            <td class="num">{p.out_trade_no.clone()}</td>
            <td class="num">"#"{p.order_id}</td>
            <td>{i18n::payment_method(lang, p.method)}</td>
            <td class="num">{i18n::yuan(p.amount)}</td>
            <td>{why}</td>
            <td class="num">{p.received_at.map(i18n::datetime)}</td>
            <td>{action}</td>
        </tr>
    }
}

fn delivery_row(lang: Lang, d: OpsDelivery, busy: RwSignal<Option<String>>, retry: Callback<i64>) -> impl IntoView {
    let id = d.order_id;
    let key = format!("order-{id}");
    let payment = d.payment.as_ref().map(|p| i18n::payment_status(lang, p.status));
    // The server refuses a retry once the money is going back; the button says so first.
    let retryable = d.payment.as_ref().is_none_or(|p| p.status == PaymentStatus::RefundDue);
    view! {
        <tr data-testid=format!("ops-delivery-{id}")>
            <td class="num">"#"{id}</td>
            <td class="num">{i18n::yuan(d.payable)}</td>
            <td>{d.attention.as_deref().map(|text| i18n::attention(lang, text))}</td>
            <td>{payment}</td>
            <td>
                <button
                    type="button"
                    class="button button-secondary"
                    data-testid=format!("retry-{id}")
                    disabled=move || !retryable || busy.with(|b| b.as_deref() == Some(key.as_str()))
                    on:click=move |_| retry.run(id)
                >
                    {pick(lang, "重新交付", "Deliver again")}
                </button>
            </td>
        </tr>
    }
}

/// An account found by its id, name, login or phone, and its history as
/// the audit log has it, newest first.
#[component]
fn AccountLookup() -> impl IntoView {
    let lang = use_lang();
    let text = RwSignal::new(String::new());
    let found = RwSignal::new(None::<Result<Vec<OpsAccount>, String>>);
    let chosen = RwSignal::new(None::<i64>);
    let timeline = LocalResource::new(move || async move {
        match chosen.get() {
            Some(id) => api::ops_timeline(id).await.map(Some),
            None => Ok(None),
        }
    });
    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let q = text.get_untracked();
        spawn_local(async move {
            let lang = lang.get_untracked();
            found.set(Some(api::ops_accounts(&q).await.map_err(|e| i18n::api_error(lang, &e))));
        });
    };
    let results = move || {
        let lang = lang.get();
        found.get().map(|r| match r {
            Err(text) => view! { <p class="notice-inline notice-danger" role="alert">{text}</p> }.into_any(),
            Ok(list) if list.is_empty() => {
                view! { <p class="muted" data-testid="ops-accounts-empty">{pick(lang, "没有找到账户。", "No account found.")}</p> }.into_any()
            }
            Ok(list) => {
                let items = list
                    .into_iter()
                    .map(|a| {
                        let id = a.account_id;
                        let kind = if a.kind == "enterprise" { pick(lang, "企业", "Enterprise") } else { pick(lang, "个人", "Person") };
                        view! {
                            <li>
                                <button type="button" class="link-button" data-testid=format!("ops-account-{id}") on:click=move |_| chosen.set(Some(id))>
                                    {format!("#{id} {kind} · {}", a.name)}
                                </button>
                            </li>
                        }
                    })
                    .collect_view();
                view! { <ul class="notes" data-testid="ops-accounts">{items}</ul> }.into_any()
            }
        })
    };
    let history = move || {
        let lang = lang.get();
        match timeline.get() {
            None | Some(Ok(None)) => None,
            Some(Err(error)) => Some(
                view! { <p class="notice-inline notice-danger" role="alert">{i18n::api_error(lang, &error)}</p> }
                    .into_any(),
            ),
            Some(Ok(Some(entries))) => Some(timeline_table(lang, entries).into_any()),
        }
    };
    move || {
        let lang = lang.get();
        view! {
            <section class="panel" aria-labelledby="ops-lookup-title">
                <h2 class="section-title" id="ops-lookup-title">{pick(lang, "账户查询", "Account lookup")}</h2>
                <form class="filters" on:submit=search>
                    <label class="field-inline">
                        {pick(lang, "账户编号、名称、登录名或手机号", "Account id, name, login or phone")}
                        <input data-testid="ops-lookup" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev)) />
                    </label>
                    <button type="submit" class="button button-secondary" data-testid="ops-lookup-go">{pick(lang, "查询", "Look up")}</button>
                </form>
                {results}
                {history}
            </section>
        }
    }
}

fn timeline_table(lang: Lang, entries: Vec<TimelineEntry>) -> impl IntoView {
    let rows = entries
        .into_iter()
        .map(|e| {
            view! {
                <tr>
                    <td class="num">{i18n::datetime(e.at)}</td>
                    <td><code>{e.event}</code></td>
                    <td class="num">{e.order_id.map(|id| format!("#{id}"))}</td>
                    <td>{e.actor}</td>
                    <td><code class="muted">{e.detail.to_string()}</code></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="ops-table" data-testid="ops-timeline">
            <thead>
                <tr>
                    <th scope="col">{pick(lang, "时间", "When")}</th>
                    <th scope="col">{pick(lang, "事件", "Event")}</th>
                    <th scope="col">{pick(lang, "订单", "Order")}</th>
                    <th scope="col">{pick(lang, "操作人", "Who")}</th>
                    <th scope="col">{pick(lang, "详情", "Detail")}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
