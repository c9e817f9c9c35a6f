//! 订单支付: the methods this buyer may use for this order (PAY-1..3), each
//! refused one with the domain's reason; then the provider's prompt (a QR
//! code, the bank's page, the mini-program's payment sheet) while the order
//! is followed live until it is paid.

use crate::api::{self, ApiClientError, Me, Order, PaymentPrompt, Progress};
use crate::clock;
use crate::components::{ErrorView, Loading, QrCodeSvg, follow_order};
use crate::i18n::{self, pick, use_lang, use_title};
use crate::session::{signed_in, use_session, use_shell};
use domain::order::OrderStatus;
use domain::payment::payment_refusals;
use domain::{Catalog, Channel, Context, DomainError, ErrorCode, Lang, PaymentMethod};
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{A, Redirect};
use leptos_router::hooks::{use_navigate, use_params_map};
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
                // Paid or closed already: its page says where it is.
                EitherOf3::C(Either::Right(view! { <Redirect path=shell.href(&format!("/orders/{}", o.id)) /> }))
            }
        }
    }
}

/// Where paying is.
#[derive(Debug, Clone, PartialEq)]
enum Stage {
    Choosing,
    Opening,
    Prompt(PaymentPrompt),
    Failed(ApiClientError),
}

#[component]
fn Pay(order: Order, me: Arc<Me>, catalog: Arc<Catalog>, on_closed: Callback<()>) -> impl IntoView {
    let lang = use_lang();
    let shell = use_shell();
    let session = use_session();
    let navigate = use_navigate();
    let ctx = Context { catalog: &catalog, buyer: &me.buyer, channel: order.channel, now: clock::now() };
    // PAY-3: the mini-program offers WeChat Pay only, so what its limit refuses is not listed there.
    let methods: Vec<(PaymentMethod, Vec<DomainError>)> = PaymentMethod::ALL
        .iter()
        .map(|&m| (m, payment_refusals(&ctx, m, order.payable)))
        .filter(|(_, refusals)| {
            !(shell.channel == Channel::MiniProgram && refusals.iter().any(|e| e.code == ErrorCode::MiniProgramLimit))
        })
        .collect();
    let first_allowed = methods.iter().find(|(_, r)| r.is_empty()).map(|(m, _)| *m);
    let chosen = RwSignal::new(first_allowed);
    let stage = RwSignal::new(Stage::Choosing);
    let id = order.id;
    let payable = order.payable;
    let balance = me.buyer.balance;
    let progress_page = shell.href(&format!("/orders/{id}"));

    let pay = {
        let navigate = navigate.clone();
        let progress_page = progress_page.clone();
        move |_| {
            let Some(method) = chosen.get_untracked() else { return };
            stage.set(Stage::Opening);
            let navigate = navigate.clone();
            let progress_page = progress_page.clone();
            spawn_local(async move {
                match api::pay(id, method).await {
                    Ok(payment) => match payment.prompt {
                        None => navigate(&progress_page, Default::default()),
                        Some(prompt) => stage.set(Stage::Prompt(prompt)),
                    },
                    Err(error) => stage.set(Stage::Failed(error)),
                }
            });
        }
    };
    let cancel = move |_| {
        spawn_local(async move {
            match api::cancel(id).await {
                Ok(_) => on_closed.run(()),
                Err(error) => stage.set(Stage::Failed(error)),
            }
        });
    };

    let development = move || session.development();
    let prompt_view = move || {
        let lang = lang.get();
        match stage.get() {
            Stage::Prompt(prompt) => {
                Some(view! { <PromptView lang id prompt payable development=development() on_back=Callback::new(move |()| stage.set(Stage::Choosing)) /> }.into_any())
            }
            Stage::Failed(error) => Some(
                view! { <ErrorView lang title=pick(lang, "支付未完成", "Payment did not go through") message=i18n::api_error(lang, &error) inline=true /> }
                    .into_any(),
            ),
            Stage::Choosing | Stage::Opening => None,
        }
    };
    let lines: Vec<String> = order.quote.lines.iter().map(|l| l.name_zh.clone()).collect();
    let lines_en: Vec<String> = order.quote.lines.iter().map(|l| l.name_en.clone()).collect();

    move || {
        let lang = lang.get();
        let items = match lang {
            Lang::Zh => i18n::list(lang, &lines),
            Lang::En => i18n::list(lang, &lines_en),
        };
        let prompting = matches!(stage.get(), Stage::Prompt(_));
        view! {
            <h1 class="page-title">{pick(lang, "订单支付", "Pay")}</h1>
            <section class="panel pay-summary" aria-labelledby="pay-summary-title">
                <h2 class="visually-hidden" id="pay-summary-title">{pick(lang, "订单信息", "Order")}</h2>
                <dl class="facts">
                    <div>
                        <dt>{pick(lang, "订单号", "Order no.")}</dt>
                        <dd class="num" data-testid="order-id">{id}</dd>
                    </div>
                    <div>
                        <dt>{pick(lang, "商品", "Items")}</dt>
                        <dd>{items}</dd>
                    </div>
                    <div>
                        <dt>{pick(lang, "支付截止", "Pay by")}</dt>
                        <dd class="num">{i18n::datetime(order.pay_by)}</dd>
                    </div>
                    <div class="facts-total">
                        <dt>{pick(lang, "应付金额", "Amount due")}</dt>
                        <dd class="num total" data-testid="pay-total">{i18n::yuan(payable)}</dd>
                    </div>
                </dl>
            </section>
            <section class="panel" aria-labelledby="methods-title" hidden=prompting>
                <h2 class="section-title" id="methods-title">{pick(lang, "支付方式", "Payment method")}</h2>
                <ul class="choice-list" role="radiogroup" aria-labelledby="methods-title">
                    {method_list(lang, &methods, chosen, balance)}
                </ul>
                <div class="actions">
                    <button
                        type="button"
                        class="button button-primary"
                        data-testid="pay"
                        disabled=move || chosen.get().is_none() || stage.get() == Stage::Opening
                        on:click=pay.clone()
                    >
                        {move || if stage.get() == Stage::Opening { pick(lang, "正在发起支付…", "Opening the payment…") } else { pick(lang, "确认支付", "Pay now") }}
                    </button>
                    <button type="button" class="button button-secondary" data-testid="cancel-order" on:click=cancel>
                        {pick(lang, "取消订单", "Cancel the order")}
                    </button>
                </div>
            </section>
            {prompt_view}
            <p class="muted">
                <A href=progress_page.clone()>{pick(lang, "查看订单详情", "Order details")}</A>
            </p>
        }
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
            let reasons: Vec<String> = refusals.iter().map(|e| e.message(lang)).collect();
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
            navigate(&progress_page, Default::default());
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
