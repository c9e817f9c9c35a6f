//! 发票中心 (INV-1), on the web console, reached from 费用管理 > 开具发票
//! after the phone was verified: the account's titles (发票抬头), the paid
//! orders to invoice (an enterprise's own and the personal orders bound to
//! it), one invoice for the chosen orders (合并开票), and the invoices with
//! their status, document, retry and 红冲. Every verdict comes from the
//! server (`domain::invoice`), every figure from the invoice's own lines.

use crate::api::{self, ApiClientError, InvoiceView, InvoiceableOrder, Me, TitleView};
use crate::components::{ErrorView, Loading};
use crate::i18n::{self, pick, use_lang, use_title};
use crate::session::signed_in;
use domain::invoice::{InvoiceKind, InvoiceStatus, TitleDraft, capital_amount};
use domain::{ErrorCode, Lang};
use leptos::either::Either;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

/// The invoice centre of the acting account.
#[component]
pub fn InvoicesPage() -> impl IntoView {
    use_title("发票中心", "Invoice centre");
    signed_in(|me: Me, _catalog| view! { <Centre as_person=me.acting_enterprise_id.is_none() /> })
}

/// The title form's fields, as typed.
#[derive(Debug, Clone, Copy)]
struct TitleForm {
    special: RwSignal<bool>,
    name: RwSignal<String>,
    credit_code: RwSignal<String>,
    email: RwSignal<String>,
    address: RwSignal<String>,
    phone: RwSignal<String>,
    bank: RwSignal<String>,
    bank_account: RwSignal<String>,
}

impl TitleForm {
    fn new() -> Self {
        Self {
            special: RwSignal::new(false),
            name: RwSignal::new(String::new()),
            credit_code: RwSignal::new(String::new()),
            email: RwSignal::new(String::new()),
            address: RwSignal::new(String::new()),
            phone: RwSignal::new(String::new()),
            bank: RwSignal::new(String::new()),
            bank_account: RwSignal::new(String::new()),
        }
    }

    fn draft(&self) -> TitleDraft {
        let text = |s: RwSignal<String>| Some(s.get_untracked()).filter(|t| !t.trim().is_empty());
        TitleDraft {
            kind: Some(if self.special.get_untracked() { InvoiceKind::Special } else { InvoiceKind::Ordinary }),
            name: text(self.name),
            credit_code: text(self.credit_code),
            address: text(self.address),
            phone: text(self.phone),
            bank: text(self.bank),
            bank_account: text(self.bank_account),
            email: self.email.get_untracked(),
        }
    }
}

fn status_label(lang: Lang, status: InvoiceStatus) -> &'static str {
    match lang {
        Lang::Zh => status.label_zh(),
        Lang::En => match status {
            InvoiceStatus::Requested => "Requested",
            InvoiceStatus::Issuing => "Issuing",
            InvoiceStatus::Issued => "Issued",
            InvoiceStatus::Reversed => "Reversed",
            InvoiceStatus::Failed => "Failed",
        },
    }
}

fn in_flight(invoices: &[InvoiceView]) -> bool {
    invoices.iter().any(|i| matches!(i.status, InvoiceStatus::Requested | InvoiceStatus::Issuing))
}

#[component]
fn Centre(as_person: bool) -> impl IntoView {
    let lang = use_lang();
    let titles = LocalResource::new(api::invoice_titles);
    let orders = LocalResource::new(api::invoiceable_orders);
    let invoices = LocalResource::new(api::invoices);
    let chosen_orders = RwSignal::new(Vec::<i64>::new());
    let chosen_title = RwSignal::new(None::<i64>);
    let failure = RwSignal::new(None::<ApiClientError>);
    let form = TitleForm::new();

    // The platform issues a moment after the request: follow it while any is in flight.
    if let Ok(handle) = set_interval_with_handle(
        move || {
            let busy = invoices.get_untracked().is_some_and(|r| r.is_ok_and(|list| in_flight(&list)));
            if busy {
                invoices.refetch();
                orders.refetch();
            }
        },
        std::time::Duration::from_millis(800),
    ) {
        on_cleanup(move || handle.clear());
    }

    let done = move |result: Result<(), ApiClientError>| match result {
        Ok(()) => {
            failure.set(None);
            invoices.refetch();
            orders.refetch();
        }
        Err(error) => failure.set(Some(error)),
    };
    let add_title = move |_| {
        let draft = form.draft();
        spawn_local(async move {
            match api::add_invoice_title(&draft).await {
                Ok(kept) => {
                    failure.set(None);
                    chosen_title.set(Some(kept.id));
                    titles.refetch();
                }
                Err(error) => failure.set(Some(error)),
            }
        });
    };
    let request = move |_| {
        let order_ids = chosen_orders.get_untracked();
        let Some(title_id) = chosen_title.get_untracked() else { return };
        spawn_local(async move {
            let result = api::request_invoice(order_ids, title_id).await.map(|_| ());
            if result.is_ok() {
                chosen_orders.set(Vec::new());
            }
            done(result);
        });
    };
    let act = Callback::new(move |(id, reverse): (i64, bool)| {
        spawn_local(async move {
            let result = if reverse { api::reverse_invoice(id).await } else { api::retry_invoice(id).await };
            done(result.map(|_| ()));
        });
    });

    let failed = move || {
        let lang = lang.get();
        failure.get().map(|e| {
            let verify = (e.code() == Some(ErrorCode::PhoneNotVerified)).then(|| {
                view! { <A href="/billing#invoices">{pick(lang, "前往费用管理验证安全手机", "Verify the phone in billing management")}</A> }
            });
            view! {
                <div data-testid="invoice-error">
                    <ErrorView lang title=pick(lang, "操作未完成", "Not done") message=i18n::api_error(lang, &e) inline=true />
                    {verify}
                </div>
            }
        })
    };

    let title_list = move || {
        let lang = lang.get();
        match titles.get() {
            None => Either::Left(view! { <Loading lang /> }.into_any()),
            Some(Err(e)) => Either::Left(view! { <ErrorView lang title=pick(lang, "抬头加载失败", "Titles could not be loaded") message=i18n::api_error(lang, &e) inline=true /> }.into_any()),
            Some(Ok(list)) => Either::Right(title_rows(lang, &list, chosen_title)),
        }
    };
    let order_list = move || {
        let lang = lang.get();
        match orders.get() {
            None => Either::Left(view! { <Loading lang /> }.into_any()),
            Some(Err(e)) => Either::Left(view! { <ErrorView lang title=pick(lang, "订单加载失败", "Orders could not be loaded") message=i18n::api_error(lang, &e) inline=true /> }.into_any()),
            Some(Ok(list)) => Either::Right(order_rows(lang, &list, chosen_orders)),
        }
    };
    let invoice_list = move || {
        let lang = lang.get();
        match invoices.get() {
            None => Either::Left(view! { <Loading lang /> }.into_any()),
            Some(Err(e)) => Either::Left(view! { <ErrorView lang title=pick(lang, "发票加载失败", "Invoices could not be loaded") message=i18n::api_error(lang, &e) inline=true /> }.into_any()),
            Some(Ok(list)) => Either::Right(invoice_rows(lang, &list, act)),
        }
    };

    move || {
        let lang = lang.get();
        let enterprise_fields = (!as_person).then(|| {
            view! {
                <label class="field-label" for="title-credit-code">{pick(lang, "统一社会信用代码/纳税人识别号", "Unified social credit code")}</label>
                <input id="title-credit-code" class="input" maxlength="18" data-testid="title-credit-code"
                    prop:value=move || form.credit_code.get() on:input=move |ev| form.credit_code.set(event_target_value(&ev)) />
                <div class="choice">
                    <input type="checkbox" class="checkbox" id="title-special" data-testid="title-special"
                        prop:checked=move || form.special.get() on:change=move |ev| form.special.set(event_target_checked(&ev)) />
                    <label class="choice-text" for="title-special">
                        <span class="choice-name">{pick(lang, "电子发票（增值税专用发票）", "Special VAT invoice")}</span>
                        <span class="choice-detail">{pick(lang, "需填写地址、电话、开户银行及银行账号", "Needs the address, phone, bank and account")}</span>
                    </label>
                </div>
                <div hidden=move || !form.special.get()>
                    <label class="field-label" for="title-address">{pick(lang, "地址", "Address")}</label>
                    <input id="title-address" class="input" data-testid="title-address"
                        prop:value=move || form.address.get() on:input=move |ev| form.address.set(event_target_value(&ev)) />
                    <label class="field-label" for="title-phone">{pick(lang, "电话", "Phone")}</label>
                    <input id="title-phone" class="input" data-testid="title-phone"
                        prop:value=move || form.phone.get() on:input=move |ev| form.phone.set(event_target_value(&ev)) />
                    <label class="field-label" for="title-bank">{pick(lang, "开户银行", "Bank")}</label>
                    <input id="title-bank" class="input" data-testid="title-bank"
                        prop:value=move || form.bank.get() on:input=move |ev| form.bank.set(event_target_value(&ev)) />
                    <label class="field-label" for="title-bank-account">{pick(lang, "银行账号", "Account")}</label>
                    <input id="title-bank-account" class="input" data-testid="title-bank-account"
                        prop:value=move || form.bank_account.get() on:input=move |ev| form.bank_account.set(event_target_value(&ev)) />
                </div>
            }
        });
        let person_fields = as_person.then(|| {
            view! {
                <label class="field-label" for="title-name">{pick(lang, "抬头名称（默认本人姓名）", "Name (your own by default)")}</label>
                <input id="title-name" class="input" data-testid="title-name"
                    prop:value=move || form.name.get() on:input=move |ev| form.name.set(event_target_value(&ev)) />
            }
        });
        view! {
            <h1 class="page-title">{pick(lang, "发票中心", "Invoice centre")}</h1>
            {failed}
            <section class="panel" aria-labelledby="titles-title" data-testid="invoice-titles">
                <h2 class="section-title" id="titles-title">{pick(lang, "发票抬头", "Invoice titles")}</h2>
                {title_list}
                <div class="field">
                    {enterprise_fields}
                    {person_fields}
                    <label class="field-label" for="title-email">{pick(lang, "接收邮箱", "E-mail")}</label>
                    <input id="title-email" class="input" type="email" data-testid="title-email"
                        prop:value=move || form.email.get() on:input=move |ev| form.email.set(event_target_value(&ev)) />
                    <button type="button" class="button button-secondary" data-testid="title-add" on:click=add_title>
                        {pick(lang, "保存抬头", "Save the title")}
                    </button>
                </div>
            </section>
            <section class="panel" aria-labelledby="orders-title" data-testid="invoice-orders">
                <h2 class="section-title" id="orders-title">{pick(lang, "可开票订单", "Orders to invoice")}</h2>
                {order_list}
                <button type="button" class="button button-primary" data-testid="invoice-request"
                    disabled=move || chosen_orders.get().is_empty() || chosen_title.get().is_none()
                    on:click=request>
                    {pick(lang, "申请开票", "Request the invoice")}
                </button>
            </section>
            <section class="panel" aria-labelledby="issued-title" data-testid="invoice-list">
                <h2 class="section-title" id="issued-title">{pick(lang, "开票记录", "Invoices")}</h2>
                {invoice_list}
            </section>
        }
    }
}

fn title_rows(lang: Lang, titles: &[TitleView], chosen: RwSignal<Option<i64>>) -> AnyView {
    if titles.is_empty() {
        return view! { <p class="muted">{pick(lang, "尚无抬头，请先添加。", "No title yet: add one below.")}</p> }
            .into_any();
    }
    let rows = titles
        .iter()
        .map(|t| {
            let id = t.id;
            let code = t
                .title
                .credit_code
                .as_ref()
                .map(|c| c.to_string())
                .unwrap_or_else(|| pick(lang, "个人", "Person").to_owned());
            let input_id = format!("title-{id}");
            view! {
                <li class="choice">
                    <input type="radio" class="radio" name="invoice-title" id=input_id.clone() data-testid=input_id.clone()
                        prop:checked=move || chosen.get() == Some(id) on:change=move |_| chosen.set(Some(id)) />
                    <label class="choice-text" for=input_id>
                        <span class="choice-name">{t.title.name.clone()}</span>
                        <span class="choice-detail num">{format!("{code} · {} · {}", t.title.kind.label_zh(), t.title.email)}</span>
                    </label>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="choice-list">{rows}</ul> }.into_any()
}

fn order_rows(lang: Lang, orders: &[InvoiceableOrder], chosen: RwSignal<Vec<i64>>) -> AnyView {
    if orders.is_empty() {
        return view! { <p class="muted">{pick(lang, "暂无已支付的订单。", "No paid order yet.")}</p> }.into_any();
    }
    let rows = orders
        .iter()
        .map(|o| {
            let id = o.order_id;
            let bound = o
                .bound_from_person
                .then(|| view! { <span class="badge">{pick(lang, "个人订单已绑定", "Bound personal order")}</span> });
            let input_id = format!("invoice-order-{id}");
            let refusal = o.refusal.as_ref().map(|r| r.message(lang)).unwrap_or_default();
            let products = o.products.join("、");
            view! {
                <li class="choice" class:is-disabled=o.refusal.is_some() data-testid=format!("invoice-order-row-{id}")>
                    <input type="checkbox" class="checkbox" id=input_id.clone() data-testid=input_id.clone()
                        disabled=o.refusal.is_some()
                        prop:checked=move || chosen.get().contains(&id)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            chosen.update(|ids| {
                                ids.retain(|x| *x != id);
                                if on { ids.push(id) }
                            });
                        } />
                    <label class="choice-text" for=input_id>
                        <span class="choice-name">{format!("{} {products}", o.number)} " " {bound}</span>
                        <span class="choice-detail num">{i18n::yuan(o.amount)}</span>
                    </label>
                    <p class="choice-reason">{refusal}</p>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="choice-list">{rows}</ul> }.into_any()
}

fn invoice_rows(lang: Lang, invoices: &[InvoiceView], act: Callback<(i64, bool)>) -> AnyView {
    if invoices.is_empty() {
        return view! { <p class="muted">{pick(lang, "尚未开票。", "No invoice yet.")}</p> }.into_any();
    }
    let rows = invoices
        .iter()
        .map(|i| {
            let id = i.id;
            let capital = capital_amount(i.total).unwrap_or_default();
            let number = i.number.clone().map(|n| format!("{}{n}", pick(lang, "发票号码 ", "No. ")));
            let failure = i.failure.clone().map(|f| view! { <p class="muted" data-testid=format!("invoice-failure-{id}")>{f}</p> });
            let red = i.red_number.clone().map(|n| view! { <p class="muted">{format!("{}{n}", pick(lang, "红字发票 ", "Red invoice "))}</p> });
            let document = i.has_document.then(|| {
                view! { <a class="button button-secondary" href=api::invoice_document_url(id) download data-testid=format!("invoice-document-{id}")>{pick(lang, "下载发票", "Download")}</a> }
            });
            let action = match i.status {
                InvoiceStatus::Failed => Some((false, pick(lang, "重新申请", "Try again"))),
                InvoiceStatus::Issued => Some((true, pick(lang, "红冲", "Reverse"))),
                _ => None,
            }
            .map(|(reverse, label)| {
                let key = if reverse { "reverse" } else { "retry" };
                view! {
                    <button type="button" class="button button-secondary" data-testid=format!("invoice-{key}-{id}")
                        on:click=move |_| act.run((id, reverse))>{label}</button>
                }
            });
            view! {
                <li class="usage-row" data-testid=format!("invoice-{id}")>
                    <div>
                        <p>
                            <span class="badge" data-testid=format!("invoice-status-{id}")>{status_label(lang, i.status)}</span>
                            " " {i.title.name.clone()} " · " {i.title.kind.label_zh()}
                        </p>
                        <p class="muted num">{number} " " {format!("{} {}", pick(lang, "订单", "Orders"), i.order_ids.iter().map(|o| format!("#{o}")).collect::<Vec<_>>().join(" "))}</p>
                        {failure}
                        {red}
                    </div>
                    <div>
                        <p class="num">{i18n::yuan(i.total)}</p>
                        <p class="muted">{capital}</p>
                        {document}
                        {action}
                    </div>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="usage-list">{rows}</ul> }.into_any()
}
