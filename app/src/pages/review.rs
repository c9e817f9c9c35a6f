//! 核对订单: the order lines, the buyer's vouchers with each one's verdict,
//! the details a first personal purchase in the mini-program needs (BND-3),
//! and the idempotent submit (ORD-2) that answers a changed price (PRI-2).

use crate::api::{self, ApiClientError, Me, PersonDetailsRequest, PlaceOrder};
use crate::clock;
use crate::components::{BindingNote, ErrorView, PriceBreakdown, TotalBar};
use crate::i18n::{self, pick, use_lang, use_title};
use crate::pages::mini::StepTitle;
use crate::pages::purchase::buyer_label;
use crate::session::{cart_owner, signed_in, use_cart, use_shell};
use domain::eligibility::VoucherOption;
use domain::identity::{Voucher, needs_person_details};
use domain::time::format_date;
use domain::{Catalog, Context, DomainError, ErrorCode, Lang, Money, Product, Quote, Selection};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use std::sync::Arc;

mod details;

use details::{Details, details_step};

/// The review step for the signed-in buyer.
#[component]
pub fn ReviewPage() -> impl IntoView {
    use_title("核对订单", "Review the order");
    signed_in(|me: Me, catalog| view! { <Review me catalog /> })
}

/// The domain's answer for the selection with the chosen voucher.
#[derive(Debug, Clone, PartialEq)]
struct Judged {
    vouchers: Vec<VoucherOption>,
    quote: Result<Quote, Vec<DomainError>>,
}

/// Where the submission is.
#[derive(Debug, Clone, PartialEq)]
enum Submission {
    Idle,
    Sending,
    /// The server priced it differently (PRI-2): its figures, to confirm.
    QuoteChanged(Box<Quote>),
    Failed(ApiClientError),
}

#[component]
fn Review(me: Me, catalog: Arc<Catalog>) -> impl IntoView {
    let lang = use_lang();
    let shell = use_shell();
    let channel = shell.channel;
    let cart = use_cart();
    let navigate = use_navigate();
    let label = buyer_label(&me);
    let owner = cart_owner(&me);
    let memberships = me.memberships.clone();
    let buyer = Arc::new(me.buyer);
    // A reload keeps the cart and its voucher; a cart another identity built
    // on this tab is not this buyer's to order: the review shows only what
    // this buyer chose, and nothing when they chose nothing.
    cart.keep_only_for(&owner);
    let voucher = cart.voucher;
    let chosen = Memo::new(move |_| Selection { voucher: voucher.get(), ..cart.selection.get() });
    let judged = Memo::new({
        let (catalog, buyer) = (Arc::clone(&catalog), Arc::clone(&buyer));
        move |_| {
            let ctx = Context { catalog: &catalog, buyer: &buyer, channel, now: clock::now() };
            chosen.with(|s| Judged { vouchers: domain::eligibility(&ctx, s).vouchers, quote: domain::quote(&ctx, s) })
        }
    });
    let quote = Memo::new(move |_| judged.with(|j| j.quote.clone()));
    let details_needed = needs_person_details(&buyer.identity, channel);
    let details = Details::new(details_needed);
    // 服务协议: the buyer agrees before the order is placed (and so before paying).
    let consent = RwSignal::new(false);
    let submission = RwSignal::new(Submission::Idle);
    // One key per review and body: a retry of the same body is the same
    // order (ORD-2); a changed voucher or total is a new request.
    let key = StoredValue::new(None::<(PlaceOrder, String)>);

    let submit = Callback::new(move |expected_total: Money| {
        if submission.with_untracked(|s| *s == Submission::Sending) {
            return;
        }
        // The details step checked the code: the server holds the phone verified.
        let person_details = details_needed
            .then(|| PersonDetailsRequest { enterprise_name: details.enterprise_name(), phone_code: None });
        let body = PlaceOrder { selection: chosen.get_untracked(), channel, expected_total, person_details };
        let idempotency_key = key.with_value(|k| match k {
            Some((sent, key)) if *sent == body => key.clone(),
            _ => new_key(),
        });
        key.set_value(Some((body.clone(), idempotency_key.clone())));
        submission.set(Submission::Sending);
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::place_order(&idempotency_key, &body).await {
                Ok(order) => {
                    submission.set(Submission::Idle);
                    cart.reset();
                    // The placed order takes the review's place: Back leads to the chooser.
                    navigate(&shell.href(&format!("/orders/{}/pay", order.id)), crate::pages::pay::replace());
                }
                Err(ApiClientError::Server(e)) if e.error.code == ErrorCode::QuoteChanged && e.quote.is_some() => {
                    let fresh = e.quote.unwrap_or_else(|| unreachable!("checked above"));
                    submission.set(Submission::QuoteChanged(Box::new(fresh)));
                }
                Err(error) => submission.set(Submission::Failed(error)),
            }
        });
    });
    let ready = Memo::new(move |_| {
        quote.with(Result::is_ok)
            && details.done.get()
            && consent.get()
            && submission.with(|s| *s != Submission::Sending)
    });
    let place = Callback::new(move |()| {
        if let Ok(q) = quote.get_untracked() {
            submit.run(q.payable);
        }
    });

    if let Some(StepTitle(title)) = use_context::<StepTitle>() {
        Effect::new(move |_| {
            let empty = chosen.with(|s| s.edition.is_none() && s.addons.is_empty());
            title.set((!empty && !details.done.get()).then_some(("信息补充", "Your details")));
        });
        on_cleanup(move || title.set(None));
    }
    move || {
        let lang = lang.get();
        let empty = chosen.with(|s| s.edition.is_none() && s.addons.is_empty());
        if empty {
            return view! {
                <h1 class="page-title">{pick(lang, "核对订单", "Review the order")}</h1>
                <div class="status-view" data-testid="empty-cart">
                    <p>{pick(lang, "还没有选择商品。", "Nothing is chosen yet.")}</p>
                    <A href=shell.href(if channel == domain::Channel::MiniProgram { "/buy" } else { "" })>
                        {pick(lang, "去选购", "Choose a package")}
                    </A>
                </div>
            }
            .into_any();
        }
        if !details.done.get() {
            return view! {
                <h1 class="page-title">{pick(lang, "信息补充", "Your details")}</h1>
                <ol class="steps-bar" aria-label=pick(lang, "购买步骤", "Steps")>
                    <li class="is-current" aria-current="step">{pick(lang, "信息补充", "Your details")}</li>
                    <li>{pick(lang, "订单确认", "Confirm the order")}</li>
                </ol>
                {details_step(lang, details)}
            }
            .into_any();
        }
        let vouchers = voucher_list(lang, &catalog, &buyer.vouchers, judged, voucher);
        let details_given = details_needed.then(|| {
            view! {
                <section class="panel" data-testid="details-given">
                    <p>{i18n::labelled(lang, pick(lang, "企业名称", "Enterprise name"), &details.enterprise_name())}</p>
                    <p class="muted">{pick(lang, "手机号已验证。", "Phone number verified.")}</p>
                </section>
            }
        });
        let outcome = move || {
            match submission.get() {
            Submission::Idle | Submission::Sending => None,
            Submission::QuoteChanged(fresh) => {
                let payable = fresh.payable;
                let fresh: Result<Quote, Vec<DomainError>> = Ok(*fresh);
                Some(
                    view! {
                        <section class="panel quote-changed" role="alert" data-testid="quote-changed">
                            <h2 class="section-title">{ErrorCode::QuoteChanged.message(lang)}</h2>
                            <PriceBreakdown lang quote=Signal::derive(move || fresh.clone()) />
                            <button
                                type="button"
                                class="button button-primary button-block"
                                data-testid="confirm-new-total"
                                on:click=move |_| submit.run(payable)
                            >
                                {format!("{}{}", pick(lang, "确认新金额并提交：", "Confirm the new total and submit: "), i18n::yuan(payable))}
                            </button>
                        </section>
                    }
                    .into_any(),
                )
            }
            Submission::Failed(error) => Some(
                view! {
                    <ErrorView lang title=pick(lang, "订单提交失败", "The order was not placed") message=i18n::api_error(lang, &error) inline=true />
                }
                .into_any(),
            ),
        }
        };
        // BND-2: a person is told before paying what binding will do, or that it never could.
        let binding = buyer.identity.is_person().then(|| {
            let memberships = memberships.clone();
            move || quote.get().ok().map(|q| view! { <BindingNote lang quote=q memberships=memberships.clone() /> })
        });
        let submit_label = move || {
            if submission.with(|s| *s == Submission::Sending) {
                pick(lang, "正在提交…", "Submitting…")
            } else {
                pick(lang, "提交订单", "Place the order")
            }
        };
        view! {
            <h1 class="page-title">{pick(lang, "核对订单", "Review the order")}</h1>
            <div class="toolbar">
                <div class="buyer">
                    <p class="muted">{pick(lang, "下单身份", "Ordering as")}</p>
                    <p class="buyer-name">{label(lang)}</p>
                </div>
                <A href=shell.href(if channel == domain::Channel::MiniProgram { "/buy" } else { "" })>
                    {pick(lang, "‹ 返回修改", "‹ Change the choice")}
                </A>
            </div>
            <div class="purchase-layout">
                <div class="purchase-options">
                    {details_given}
                    {binding}
                    {vouchers}
                    <section class="panel" aria-labelledby="refund-title" data-testid="refund-note">
                        <h2 class="section-title" id="refund-title">{pick(lang, "退费说明", "Refunds")}</h2>
                        <p class="muted">{pick(lang, "目前暂不支持自助退费及版本降级，请根据实际用量购买，如有疑问请联系我们。", "Self-service refunds and edition downgrades are not available: buy for what you will use, and contact us with any question.")}</p>
                    </section>
                </div>
                <aside class="purchase-summary">
                    <PriceBreakdown lang quote />
                    {outcome}
                    <label class="consent" for="consent">
                        <input
                            type="checkbox"
                            id="consent"
                            class="checkbox"
                            data-testid="consent"
                            prop:checked=move || consent.get()
                            on:change=move |ev| consent.set(event_target_checked(&ev))
                        />
                        <span>{pick(lang, "我已阅读并同意《腾讯电子签服务协议》", "I have read and agree to the Tencent E-Sign service agreement")}</span>
                    </label>
                    <button
                        type="button"
                        class="button button-primary button-block summary-action"
                        data-testid="place-order"
                        disabled=move || !ready.get()
                        on:click=move |_| place.run(())
                    >
                        {submit_label}
                    </button>
                </aside>
            </div>
            <TotalBar lang quote action=pick(lang, "提交订单", "Place the order") enabled=ready on_action=place />
        }
        .into_any()
    }
}

/// A fresh idempotency key: 128 random bits from the browser's CSPRNG, in hex.
fn new_key() -> String {
    let mut bytes = [0u8; 16];
    if let Ok(crypto) = window().crypto() {
        let _ = crypto.get_random_values_with_u8_array(&mut bytes);
    }
    let random: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    // The time keeps keys apart even if the browser had no random source.
    format!("{random}-{}", clock::now().timestamp_millis())
}

/// 代金券 (VOU-1): none, or one of the buyer's; each refused one greyed with
/// the domain's reason.
fn voucher_list(
    lang: Lang,
    catalog: &Catalog,
    held: &[Voucher],
    judged: Memo<Judged>,
    chosen: RwSignal<Option<String>>,
) -> impl IntoView + use<> {
    let items = held
        .iter()
        .map(|v| {
            let id = v.id.clone();
            let verdict = {
                let id = id.clone();
                Memo::new(move |_| {
                    judged.with(|j| j.vouchers.iter().find(|o| o.id == id).map(|o| o.verdict.clone()))
                })
            };
            let refused = move || verdict.with(|v| v.as_ref().is_some_and(|v| !v.allowed()));
            let reason = move || {
                verdict.with(|v| v.as_ref().and_then(|v| v.reason().map(|r| r.code.message(lang))))
            };
            let input_id = format!("voucher-{id}");
            let reason_id = format!("voucher-{id}-reason");
            let terms = voucher_terms(lang, catalog, v);
            let checked = {
                let id = id.clone();
                move || chosen.with(|c| c.as_deref() == Some(id.as_str()))
            };
            let choose = {
                let id = id.clone();
                move |_| chosen.set(Some(id.clone()))
            };
            view! {
                <li class="choice" class:is-disabled=refused data-testid=format!("voucher-row-{id}")>
                    <input
                        type="radio"
                        class="radio"
                        name="voucher"
                        id=input_id.clone()
                        data-testid=input_id.clone()
                        prop:checked=checked
                        disabled=refused
                        aria-describedby=reason_id.clone()
                        on:change=choose
                    />
                    <label class="choice-text" for=input_id>
                        <span class="choice-name num">{format!("{} {}", pick(lang, "代金券", "Voucher"), i18n::yuan(v.face_value))}</span>
                        <span class="choice-detail">{terms}</span>
                    </label>
                    <p class="choice-reason" id=reason_id>{reason}</p>
                </li>
            }
        })
        .collect_view();
    let none_checked = move || chosen.with(Option::is_none);
    let empty = held.is_empty().then(
        || view! { <p class="muted">{pick(lang, "当前账户没有代金券。", "This account holds no vouchers.")}</p> },
    );
    view! {
        <section class="panel" aria-labelledby="vouchers-title">
            <h2 class="section-title" id="vouchers-title">{pick(lang, "代金券", "Vouchers")}</h2>
            {empty}
            <ul class="choice-list" role="radiogroup" aria-labelledby="vouchers-title">
                <li class="choice">
                    <input
                        type="radio"
                        class="radio"
                        name="voucher"
                        id="voucher-none"
                        data-testid="voucher-none"
                        prop:checked=none_checked
                        on:change=move |_| chosen.set(None)
                    />
                    <label class="choice-text" for="voucher-none">
                        <span class="choice-name">{pick(lang, "不使用代金券", "No voucher")}</span>
                    </label>
                </li>
                {items}
            </ul>
        </section>
    }
}

/// "满 ¥20000.00 可用 · 适用：合同加量包（1千份） · 有效期至 2026-12-22".
fn voucher_terms(lang: Lang, catalog: &Catalog, v: &Voucher) -> String {
    let mut parts = Vec::new();
    if let Some(min) = v.min_spend {
        parts.push(match lang {
            Lang::Zh => format!("满 {} 可用", i18n::yuan(min)),
            Lang::En => format!("On spending {} or more", i18n::yuan(min)),
        });
    }
    if let Some(scope) = &v.scope {
        let names: Vec<String> = scope
            .iter()
            .map(|p| match p {
                Product::Edition(e) => {
                    let o = catalog.edition(*e);
                    i18n::pick(lang, &o.name_zh, &o.name_en).to_owned()
                }
                Product::AddOn(a) => {
                    let o = catalog.addon(*a);
                    i18n::pick(lang, &o.name_zh, &o.name_en).to_owned()
                }
            })
            .collect();
        parts.push(i18n::labelled(lang, pick(lang, "适用", "For"), &i18n::list(lang, &names)));
    }
    parts.push(format!("{}{}", pick(lang, "有效期至 ", "Valid until "), format_date(v.expires_at)));
    parts.join(" · ")
}
