//! 订单支付: the methods this buyer may use for this order (PAY-1..3), each
//! refused one with the domain's reason; then the provider's prompt (a QR
//! code, the bank's page, the mini-program's payment sheet) while the order
//! is followed live until it is paid. An order a voucher covers in full
//! (¥0.00) has one action instead, completing it with method `voucher`.
//! Paying holds the order against the account as it is now (PRI-2): when it
//! no longer holds, the page says why (the fresh total, or the rule) and
//! leads back to ordering again.

use crate::api::{self, ApiClientError, Me, OrderView, PaymentPrompt, ServerError};
use crate::clock;
use crate::components::{
    BindingNote, ErrorView, Loading, PriceBreakdown, Progress, QrCodeSvg, clock_face, follow_order, seconds_until,
    wire_name,
};
use crate::i18n::{self, pick, use_lang, use_title};
use crate::session::{signed_in, use_session, use_shell};
use domain::order::OrderStatus;
use domain::payment::payment_refusals;
use domain::{Catalog, Channel, Context, DomainError, ErrorCode, Lang, PaymentMethod, Quote};
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::components::{A, Redirect};
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use std::sync::Arc;

/// The order's id from the route, if it is one.
pub fn order_id() -> Option<i64> {
    use_params_map().with_untracked(|p| p.get("id").and_then(|id| id.parse().ok()))
}

/// The pay step of one order.
#[component]
pub fn PayPage() -> impl IntoView {
    use_title("订单支付", "Pay");
    let id = order_id();
    signed_in(move |me: Me, catalog| view! { <LoadOrder id me catalog /> })
}

/// Loads the order, then shows what fits its state.
#[component]
fn LoadOrder(id: Option<i64>, me: Me, catalog: Arc<Catalog>) -> impl IntoView {
    let lang = use_lang();
    let shell = use_shell();
    let order = LocalResource::new(move || async move {
        match id {
            Some(id) => api::order(id).await,
            None => Err(ApiClientError::Status(404)),
        }
    });
    let me = Arc::new(me);
    move || {
        let lang = lang.get();
        match order.get() {
            None => EitherOf3::A(view! { <Loading lang /> }),
            Some(Err(error)) => EitherOf3::B(view! {
                <ErrorView
                    lang
                    title=pick(lang, "订单加载失败", "The order could not be loaded")
                    message=i18n::api_error(lang, &error)
                    on_retry=Some(Callback::new(move |()| order.refetch()))
                />
            }),
            Some(Ok(o)) if o.status == OrderStatus::AwaitingPayment => EitherOf3::C(Either::Left(view! {
                <Pay order=o me=Arc::clone(&me) catalog=Arc::clone(&catalog) on_closed=Callback::new(move |()| order.refetch()) />
            })),
            Some(Ok(o)) => {
                // Paid or closed already: its page says where it is, in this
                // page's place, so Back does not come here again.
                let path = shell.href(&format!("/orders/{}", o.id));
                EitherOf3::C(Either::Right(view! { <Redirect path options=replace() /> }))
            }
        }
    }
}

/// Navigation that takes the current page's place in the history.
pub fn replace() -> NavigateOptions {
    NavigateOptions { replace: true, ..NavigateOptions::default() }
}

/// The method of the provider payment this page has open, kept in its
/// address (`?method=wechat_pay`) so a reload resumes the same payment: the
/// server answers the payment already open for that method (the same code,
/// the same deadline).
fn method_in_address() -> Option<PaymentMethod> {
    let name = use_query_map().with_untracked(|q| q.get("method"))?;
    serde_json::from_value(serde_json::Value::String(name)).ok()
}

/// Where paying is.
#[derive(Debug, Clone, PartialEq)]
enum Stage {
    Choosing,
    Opening,
    Prompt(PaymentPrompt),
    Failed(ApiClientError),
    /// Held against the account as it is now, the order no longer holds:
    /// `quote_changed` with the fresh quote, or the rule that refuses it.
    NoLongerHolds(Box<ServerError>),
}

/// A refusal of paying that is about the order itself, not the way of
/// paying: `quote_changed`, or a rule about what is bought or its voucher
/// (the codes between `invalid_duration` and `voucher_used`, in the order
/// `ErrorCode` keeps them). Another method would be refused the same; the
/// buyer orders again.
fn no_longer_holds(error: &ApiClientError) -> Option<Box<ServerError>> {
    match error {
        ApiClientError::Server(e)
            if e.error.code == ErrorCode::QuoteChanged
                || (ErrorCode::InvalidDuration..=ErrorCode::VoucherUsed).contains(&e.error.code) =>
        {
            Some(e.clone())
        }
        _ => None,
    }
}

#[component]
fn Pay(order: OrderView, me: Arc<Me>, catalog: Arc<Catalog>, on_closed: Callback<()>) -> impl IntoView {
    let lang = use_lang();
    let shell = use_shell();
    let session = use_session();
    let navigate = use_navigate();
    let ctx = Context { catalog: &catalog, buyer: &me.buyer, channel: order.channel, now: clock::now() };
    // Nothing to pay (a voucher covers it all): the domain allows `voucher`
    // alone, and the page offers that one action instead of a list.
    let covered = payment_refusals(&ctx, PaymentMethod::Voucher, order.payable).is_empty();
    // PAY-3: the mini-program offers WeChat Pay only, so what its limit refuses is not listed there.
    let methods: Vec<(PaymentMethod, Vec<DomainError>)> = PaymentMethod::ALL
        .iter()
        .filter(|&&m| m != PaymentMethod::Voucher)
        .map(|&m| (m, payment_refusals(&ctx, m, order.payable)))
        .filter(|(_, refusals)| {
            !(shell.channel == Channel::MiniProgram && refusals.iter().any(|e| e.code == ErrorCode::MiniProgramLimit))
        })
        .collect();
    let first_allowed = methods.iter().find(|(_, r)| r.is_empty()).map(|(m, _)| *m);
    let chosen = RwSignal::new(first_allowed);
    let stage = RwSignal::new(Stage::Choosing);
    let id = order.id;
    let number = order.number.clone();
    let payable = order.payable;
    let balance = me.buyer.balance;
    let progress_page = shell.href(&format!("/orders/{id}"));
    let pay_page = shell.href(&format!("/orders/{id}/pay"));

    let pay_with = {
        let progress_page = progress_page.clone();
        let pay_page = pay_page.clone();
        let navigate = navigate.clone();
        Callback::new(move |method: PaymentMethod| {
            if stage.with_untracked(|s| *s == Stage::Opening) {
                return;
            }
            stage.set(Stage::Opening);
            let navigate = navigate.clone();
            let (progress_page, pay_page) = (progress_page.clone(), pay_page.clone());
            spawn_local(async move {
                match api::pay(id, method).await {
                    Ok(payment) => match payment.prompt {
                        None => navigate(&progress_page, replace()),
                        Some(prompt) => {
                            navigate(&format!("{pay_page}?method={}", wire_name(&method)), replace());
                            stage.set(Stage::Prompt(prompt));
                        }
                    },
                    Err(error) => stage.set(match no_longer_holds(&error) {
                        Some(refusal) => Stage::NoLongerHolds(refusal),
                        None => Stage::Failed(error),
                    }),
                }
            });
        })
    };
    let pay = move |_| {
        if let Some(method) = chosen.get_untracked() {
            pay_with.run(method);
        }
    };
    // A reload of the prompt: the same payment again, if it may still be paid that way.
    if let Some(method) = method_in_address().filter(|m| methods.iter().any(|(o, r)| o == m && r.is_empty())) {
        chosen.set(Some(method));
        pay_with.run(method);
    }
    let another_method = Callback::new(move |()| {
        navigate(&pay_page, replace());
        stage.set(Stage::Choosing);
    });
    let left = seconds_until(Signal::stored(Some(order.pay_by)));
    let cancel = move |()| {
        spawn_local(async move {
            match api::cancel(id).await {
                Ok(_) => on_closed.run(()),
                Err(error) => stage.set(Stage::Failed(error)),
            }
        });
    };
    // 取消订单 cannot be undone: it is asked once more.
    let confirming_cancel = RwSignal::new(false);
    let ask_cancel = move |()| confirming_cancel.set(true);

    let development = move || session.development();
    let prompt_view = move || {
        let lang = lang.get();
        match stage.get() {
            Stage::Prompt(prompt) => {
                Some(view! { <PromptView lang id prompt payable development=development() on_back=another_method /> }.into_any())
            }
            Stage::Failed(error) => Some(
                view! { <ErrorView lang title=pick(lang, "支付未完成", "Payment did not go through") message=i18n::api_error(lang, &error) inline=true /> }
                    .into_any(),
            ),
            Stage::NoLongerHolds(refusal) => Some(view! { <NoLongerHolds lang refusal on_cancel=Callback::new(ask_cancel) /> }.into_any()),
            Stage::Choosing | Stage::Opening => None,
        }
    };
    let personal = me.buyer.identity.is_person().then(|| (order.quote.clone(), me.memberships.clone()));
    let lines: Vec<String> = order.quote.lines.iter().map(|l| l.name_zh.clone()).collect();
    let lines_en: Vec<String> = order.quote.lines.iter().map(|l| l.name_en.clone()).collect();

    move || {
        let lang = lang.get();
        let items = match lang {
            Lang::Zh => i18n::list(lang, &lines),
            Lang::En => i18n::list(lang, &lines_en),
        };
        let prompting = stage.with(|s| matches!(s, Stage::Prompt(_) | Stage::NoLongerHolds(_)));
        let opening = move || stage.get() == Stage::Opening;
        let actions = if covered {
            Either::Left(view! {
                <p class="muted">{pick(lang, "所选代金券已抵扣全部金额，无需支付。", "The voucher chosen covers the whole amount: there is nothing to pay.")}</p>
                <div class="actions">
                    <button
                        type="button"
                        class="button button-primary"
                        data-testid="pay-voucher"
                        disabled=opening
                        on:click=move |_| pay_with.run(PaymentMethod::Voucher)
                    >
                        {move || if opening() { pick(lang, "正在完成订单…", "Completing the order…") } else { pick(lang, "代金券已全额抵扣，确认完成订单", "Covered by your voucher: complete the order") }}
                    </button>
                    <button type="button" class="button button-secondary" data-testid="cancel-order" on:click=move |_| ask_cancel(())>
                        {pick(lang, "取消订单", "Cancel the order")}
                    </button>
                </div>
            })
        } else {
            Either::Right(view! {
                <ul class="choice-list" role="radiogroup" aria-labelledby="methods-title">
                    {method_list(lang, &methods, chosen, balance)}
                </ul>
                <div class="actions">
                    <button
                        type="button"
                        class="button button-primary"
                        data-testid="pay"
                        disabled=move || chosen.get().is_none() || opening()
                        on:click=pay
                    >
                        {move || if opening() { pick(lang, "正在发起支付…", "Opening the payment…") } else { pick(lang, "确认支付", "Pay now") }}
                    </button>
                    <button type="button" class="button button-secondary" data-testid="cancel-order" on:click=move |_| ask_cancel(())>
                        {pick(lang, "取消订单", "Cancel the order")}
                    </button>
                </div>
            })
        };
        view! {
            <h1 class="page-title">{pick(lang, "订单支付", "Pay")}</h1>
            <section class="panel pay-summary" aria-labelledby="pay-summary-title">
                <h2 class="visually-hidden" id="pay-summary-title">{pick(lang, "订单信息", "Order")}</h2>
                <dl class="facts">
                    <div>
                        <dt>{pick(lang, "订单号", "Order no.")}</dt>
                        <dd class="num order-number" data-testid="order-number">{number.clone()}</dd>
                    </div>
                    <div>
                        <dt>{pick(lang, "商品", "Items")}</dt>
                        <dd>{items}</dd>
                    </div>
                    <div>
                        <dt>{pick(lang, "支付截止", "Pay by")}</dt>
                        <dd class="num">
                            {i18n::datetime(order.pay_by)}
                            <span class="countdown" data-testid="pay-countdown" role="timer">
                                {move || format!("{}{}", pick(lang, "剩余 ", "in "), clock_face(left.get()))}
                            </span>
                        </dd>
                    </div>
                    <div class="facts-total">
                        <dt>{pick(lang, "应付金额", "Amount due")}</dt>
                        <dd class="num total" data-testid="pay-total">{i18n::yuan(payable)}</dd>
                    </div>
                </dl>
            </section>
            {personal.clone().filter(|_| !prompting).map(|(quote, memberships)| view! { <BindingNote lang quote memberships /> })}
            {(!prompting).then(|| view! {
                <section class="panel" aria-labelledby="methods-title">
                    <h2 class="section-title" id="methods-title">{pick(lang, "支付方式", "Payment method")}</h2>
                    {actions}
                </section>
            })}
            {prompt_view}
            {move || confirming_cancel.get().then(|| view! {
                <section class="panel quote-changed" role="alertdialog" aria-labelledby="cancel-title" data-testid="cancel-confirm">
                    <h2 class="section-title" id="cancel-title">{pick(lang, "确定取消此订单吗？", "Cancel this order?")}</h2>
                    <p class="muted">{pick(lang, "取消后订单将关闭，所用代金券退回账户；如需购买请重新下单。", "The order closes and its voucher returns to the account; to buy, place a new order.")}</p>
                    <div class="actions">
                        <button type="button" class="button button-primary" data-testid="confirm-cancel" on:click=move |_| cancel(())>
                            {pick(lang, "确认取消", "Cancel the order")}
                        </button>
                        <button type="button" class="button button-secondary" data-testid="keep-order" on:click=move |_| confirming_cancel.set(false)>
                            {pick(lang, "暂不取消", "Keep it")}
                        </button>
                    </div>
                </section>
            })}
            <p class="muted">
                <A href=progress_page.clone()>{pick(lang, "查看订单详情", "Order details")}</A>
            </p>
        }
    }
}

/// The order no longer holds against the account (PRI-2): what changed —
/// the fresh total the same choice costs now, or the rule that refuses it —
/// and the way on: order again from the chooser, or cancel this order (it
/// also closes by itself when its time to pay runs out).
#[component]
fn NoLongerHolds(lang: Lang, refusal: Box<ServerError>, on_cancel: Callback<()>) -> impl IntoView {
    let shell = use_shell();
    let again = shell.href(if shell.channel == Channel::MiniProgram { "/buy" } else { "" });
    let code = refusal.error.code;
    let fresh = refusal.quote.filter(|_| code == ErrorCode::QuoteChanged);
    let body = match fresh {
        Some(fresh) => {
            let payable = fresh.payable;
            let fresh: Result<Quote, Vec<DomainError>> = Ok(fresh);
            Either::Left(view! {
                <p>{pick(lang, "下单后账户状态发生了变化（例如另一笔订单已支付），此订单无法按下单时的价格支付。", "The account changed after this order was placed (another order was paid, for one), so it cannot be paid at the price it was placed at.")}</p>
                <p class="pay-new-total">
                    {pick(lang, "同样的选择现在应付：", "The same choice now costs: ")}
                    <span class="num total" data-testid="pay-new-total">{i18n::yuan(payable)}</span>
                </p>
                <PriceBreakdown lang quote=Signal::derive(move || fresh.clone()) />
            })
        }
        None => {
            let mut reasons: Vec<String> = refusal.reasons.iter().map(|e| e.text(lang)).collect();
            if reasons.is_empty() {
                reasons.push(refusal.error.text(lang));
            }
            Either::Right(view! {
                <p>{pick(lang, "下单后账户状态发生了变化，此订单已无法支付：", "The account changed after this order was placed, and it can no longer be paid:")}</p>
                <ul class="refusal-list" data-testid="pay-refused-reasons">
                    {reasons.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}
                </ul>
            })
        }
    };
    view! {
        <section class="panel quote-changed" role="alert" data-testid="pay-refused" data-code=wire_name(&code)>
            <h2 class="section-title" data-testid="pay-refused-message">{refusal.error.text(lang)}</h2>
            {body}
            <p class="muted">{pick(lang, "请重新选购并下单；此订单可以取消，未支付的订单到期后也会自动关闭。", "Choose again and place a new order; this one can be cancelled, and an unpaid order also closes by itself when its time runs out.")}</p>
            <div class="actions">
                <A href=again attr:class="button button-primary" attr:data-testid="order-again">
                    {pick(lang, "重新选购并下单", "Choose again and order")}
                </A>
                <button type="button" class="button button-secondary" data-testid="cancel-order" on:click=move |_| on_cancel.run(())>
                    {pick(lang, "取消此订单", "Cancel this order")}
                </button>
            </div>
        </section>
    }
}

/// One radio per payment method, each refused one greyed with its reasons.
fn method_list(
    lang: Lang,
    methods: &[(PaymentMethod, Vec<DomainError>)],
    chosen: RwSignal<Option<PaymentMethod>>,
    balance: domain::Money,
) -> impl IntoView + use<> {
    methods
        .iter()
        .map(|(method, refusals)| {
            let method = *method;
            let key = crate::components::wire_name(&method);
            let input_id = format!("method-{key}");
            let reason_id = format!("method-{key}-reason");
            let refused = !refusals.is_empty();
            let reasons: Vec<String> = refusals.iter().map(|e| e.text(lang)).collect();
            let note = (method == PaymentMethod::Balance && !refused)
                .then(|| format!("{}{}", pick(lang, "可用余额 ", "Available "), i18n::yuan(balance)));
            view! {
                <li class="choice" class:is-disabled=refused data-testid=format!("method-row-{key}")>
                    <input
                        type="radio"
                        class="radio"
                        name="method"
                        id=input_id.clone()
                        data-testid=input_id.clone()
                        prop:checked=move || chosen.get() == Some(method)
                        disabled=refused
                        aria-describedby=reason_id.clone()
                        on:change=move |_| chosen.set(Some(method))
                    />
                    <label class="choice-text" for=input_id>
                        <span class="choice-name">{i18n::payment_method(lang, method)}</span>
                        <span class="choice-detail num">{note}</span>
                    </label>
                    <p class="choice-reason" id=reason_id data-testid=format!("method-{key}-reason")>
                        {reasons.join(" ")}
                    </p>
                </li>
            }
        })
        .collect_view()
}

/// The provider's prompt, while the order is followed until it is paid.
#[component]
fn PromptView(
    lang: Lang,
    id: i64,
    prompt: PaymentPrompt,
    payable: domain::Money,
    development: bool,
    on_back: Callback<()>,
) -> impl IntoView {
    let shell = use_shell();
    let navigate = use_navigate();
    let initial = Progress { status: OrderStatus::AwaitingPayment, paid_at: None, delivered_at: None };
    let (progress, _stream) = follow_order(id, initial);
    let progress_page = shell.href(&format!("/orders/{id}"));
    Effect::new(move |_| {
        if progress.get().status != OrderStatus::AwaitingPayment {
            navigate(&progress_page, replace());
        }
    });
    let waiting = view! {
        <p class="muted waiting" role="status">
            <span class="spinner spinner-small" aria-hidden="true"></span>
            {pick(lang, "支付完成后将自动跳转到订单进度。", "Once paid, the order's progress opens by itself.")}
        </p>
    };
    let back = view! {
        <button type="button" class="link-button" data-testid="choose-another" on:click=move |_| on_back.run(())>
            {pick(lang, "‹ 更换支付方式", "‹ Another method")}
        </button>
    };
    match prompt {
        PaymentPrompt::QrCode { code_url } => {
            // The sandbox's payer page stands in for the payer's phone (development only).
            let payer_page = code_url.split_once("pr=").map(|(_, no)| format!("/sandbox/pay/{no}"));
            let sandbox = payer_page.filter(|_| development).map(|href| {
                view! {
                    <a class="button button-secondary" href=href target="_blank" rel="external noopener" data-testid="sandbox-payer-link">
                        {pick(lang, "打开沙箱付款页（开发环境）", "Open the sandbox payer page (development)")}
                    </a>
                }
            });
            EitherOf3::A(view! {
                <section class="panel prompt" data-testid="prompt-qr" aria-labelledby="prompt-title">
                    <h2 class="section-title" id="prompt-title">{pick(lang, "微信扫码支付", "Scan with WeChat to pay")}</h2>
                    <div class="qr-box">
                        <QrCodeSvg text=code_url label=pick(lang, "微信支付二维码", "WeChat Pay QR code").to_owned() />
                    </div>
                    <p class="num prompt-amount">{i18n::yuan(payable)}</p>
                    <p class="muted">{pick(lang, "请使用微信扫一扫，扫描二维码完成支付。", "Open WeChat, scan the code and confirm the payment.")}</p>
                    {sandbox}
                    {waiting}
                    {back}
                </section>
            })
        }
        PaymentPrompt::BankRedirect { url } => EitherOf3::B(view! {
            <section class="panel prompt" data-testid="prompt-bank" aria-labelledby="prompt-title">
                <h2 class="section-title" id="prompt-title">{pick(lang, "网银支付", "Online banking")}</h2>
                <p class="num prompt-amount">{i18n::yuan(payable)}</p>
                <a class="button button-primary" href=url target="_blank" rel="external noopener" data-testid="bank-link">
                    {pick(lang, "前往网银页面支付", "Go to the bank's page")}
                </a>
                {waiting}
                {back}
            </section>
        }),
        PaymentPrompt::MiniProgram { prepay_id, .. } => {
            let confirming = RwSignal::new(false);
            let failure = RwSignal::new(None::<ApiClientError>);
            let confirm = move |_| {
                let prepay_id = prepay_id.clone();
                confirming.set(true);
                spawn_local(async move {
                    if let Err(error) = api::sandbox_confirm(&prepay_id).await {
                        failure.set(Some(error));
                    }
                    confirming.set(false);
                });
            };
            let failed = move || {
                failure.get().map(|e| view! { <ErrorView lang title=pick(lang, "支付未完成", "Payment did not go through") message=i18n::api_error(lang, &e) inline=true /> })
            };
            let action = if development {
                Either::Left(view! {
                    <button
                        type="button"
                        class="button button-wechat button-block"
                        data-testid="confirm-payment"
                        autofocus
                        disabled=move || confirming.get()
                        on:click=confirm
                    >
                        {pick(lang, "确认支付", "Confirm payment")}
                    </button>
                })
            } else {
                Either::Right(
                    view! { <p class="muted">{pick(lang, "请在微信中确认支付。", "Confirm the payment in WeChat.")}</p> },
                )
            };
            EitherOf3::C(view! {
                <div class="sheet-backdrop">
                    <section
                        class="sheet"
                        role="dialog"
                        aria-modal="true"
                        aria-labelledby="sheet-title"
                        data-testid="pay-sheet"
                        on:keydown=move |ev| {
                            if ev.key() == "Escape" {
                                on_back.run(());
                            }
                        }
                    >
                        <h2 class="sheet-title" id="sheet-title">{pick(lang, "微信支付", "WeChat Pay")}</h2>
                        <p class="sheet-merchant muted">{pick(lang, "腾讯电子签", "Tencent E-Sign")}</p>
                        <p class="num sheet-amount" data-testid="sheet-amount">{i18n::yuan(payable)}</p>
                        {failed}
                        {action}
                        {waiting}
                        <button type="button" class="link-button sheet-cancel" on:click=move |_| on_back.run(())>
                            {pick(lang, "取消", "Cancel")}
                        </button>
                    </section>
                </div>
            })
        }
    }
}
