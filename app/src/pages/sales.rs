//! 销售后台 (SAL-1, CH-4): the sales managers' inbox of contact requests
//! and a lead's page, where the manager sees the buyer's account, keeps
//! notes, moves the lead along and issues a Flagship quote. The quote form
//! asks `domain` what the server will (the offer's limits, and the term and
//! price the buyer would get with it), so a refusal shows before it is sent.

use crate::api::{self, LeadDetail, LeadView, Me, QuoteView};
use crate::clock;
use crate::components::{ErrorView, Loading};
use crate::i18n::{self, pick, use_lang, use_title};
use crate::pages::pay::order_id;
use crate::session::signed_in;
use domain::identity::SalesQuote;
use domain::sales::{LeadKind, LeadStatus, QuoteOffer, issue_quote};
use domain::{Catalog, Channel, Context, DomainError, Edition, EditionChoice, Instant, Lang, Money, Selection, quote};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use std::sync::Arc;

/// Shown to everyone else instead of the console.
fn not_for_you(lang: RwSignal<Lang>) -> impl IntoView {
    move || {
        view! {
            <p class="panel notice-inline" data-testid="sales-forbidden">
                {pick(lang.get(), "销售后台仅供销售经理使用。", "The sales console is for sales managers.")}
            </p>
        }
    }
}

/// The inbox.
#[component]
pub fn SalesPage() -> impl IntoView {
    use_title("销售后台", "Sales");
    signed_in(|me: Me, _| {
        let lang = use_lang();
        if me.person.sales_manager { view! { <Inbox /> }.into_any() } else { not_for_you(lang).into_any() }
    })
}

/// One lead.
#[component]
pub fn LeadPage() -> impl IntoView {
    use_title("线索详情", "Lead");
    let id = order_id();
    signed_in(move |me: Me, catalog| {
        let lang = use_lang();
        match (me.person.sales_manager, id) {
            (true, Some(id)) => view! { <Lead id catalog /> }.into_any(),
            (true, None) => view! { <p class="panel" data-testid="lead-missing">{move || pick(lang.get(), "没有这条线索。", "No such lead.")}</p> }.into_any(),
            (false, _) => not_for_you(lang).into_any(),
        }
    })
}

/// A lead's status, in the console's words.
fn lead_status(lang: Lang, status: LeadStatus) -> &'static str {
    match (status, lang) {
        (LeadStatus::New, Lang::Zh) => "新线索",
        (LeadStatus::New, Lang::En) => "New",
        (LeadStatus::Contacted, Lang::Zh) => "已联系",
        (LeadStatus::Contacted, Lang::En) => "Contacted",
        (LeadStatus::Quoted, Lang::Zh) => "已报价",
        (LeadStatus::Quoted, Lang::En) => "Quoted",
        (LeadStatus::Won, Lang::Zh) => "已成交",
        (LeadStatus::Won, Lang::En) => "Won",
        (LeadStatus::Lost, Lang::Zh) => "已流失",
        (LeadStatus::Lost, Lang::En) => "Lost",
    }
}

fn lead_kind(lang: Lang, kind: LeadKind) -> &'static str {
    match (kind, lang) {
        (LeadKind::Flagship, Lang::Zh) => "旗舰版联系购买",
        (LeadKind::Flagship, Lang::En) => "Flagship",
        (LeadKind::Consultation, Lang::Zh) => "购买咨询",
        (LeadKind::Consultation, Lang::En) => "Consultation",
    }
}

/// The stored name of a status (the select's value).
fn status_name(status: LeadStatus) -> String {
    serde_json::to_value(status).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn status_named(name: &str) -> Option<LeadStatus> {
    LeadStatus::ALL.into_iter().find(|s| status_name(*s) == name)
}

#[component]
fn Inbox() -> impl IntoView {
    let lang = use_lang();
    let status = RwSignal::new(None::<LeadStatus>);
    let kind = RwSignal::new(None::<LeadKind>);
    let leads = LocalResource::new(move || api::sales_leads(status.get(), kind.get()));
    let list = move || {
        let lang = lang.get();
        match leads.get() {
            None => view! { <Loading lang /> }.into_any(),
            Some(Err(error)) => view! {
                <ErrorView
                    lang
                    title=pick(lang, "线索加载失败", "Leads could not be loaded")
                    message=i18n::api_error(lang, &error)
                    on_retry=Some(Callback::new(move |()| leads.refetch()))
                />
            }
            .into_any(),
            Some(Ok(list)) if list.is_empty() => {
                view! { <p class="muted" data-testid="leads-empty">{pick(lang, "没有符合条件的线索。", "No leads match.")}</p> }.into_any()
            }
            Some(Ok(list)) => {
                let rows = list.into_iter().map(|l| lead_row(lang, l)).collect_view();
                view! {
                    <table class="ops-table" data-testid="leads">
                        <thead>
                            <tr>
                                <th scope="col">{pick(lang, "线索", "Lead")}</th>
                                <th scope="col">{pick(lang, "类型", "Kind")}</th>
                                <th scope="col">{pick(lang, "账户", "Account")}</th>
                                <th scope="col">{pick(lang, "联系人", "Contact")}</th>
                                <th scope="col">{pick(lang, "状态", "Status")}</th>
                                <th scope="col">{pick(lang, "提交时间", "Left")}</th>
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
        let status_options = LeadStatus::ALL
            .into_iter()
            .map(|s| view! { <option value=status_name(s)>{lead_status(lang, s)}</option> })
            .collect_view();
        view! {
            <h1 class="page-title" data-testid="sales-title">{pick(lang, "销售后台", "Sales")}</h1>
            <section class="panel" aria-labelledby="leads-title">
                <h2 class="section-title" id="leads-title">{pick(lang, "客户线索", "Leads")}</h2>
                <div class="filters">
                    <label class="field-inline">
                        {pick(lang, "状态", "Status")}
                        <select
                            data-testid="leads-status"
                            on:change=move |ev| status.set(status_named(&event_target_value(&ev)))
                        >
                            <option value="">{pick(lang, "全部", "All")}</option>
                            {status_options}
                        </select>
                    </label>
                    <label class="field-inline">
                        {pick(lang, "类型", "Kind")}
                        <select
                            data-testid="leads-kind"
                            on:change=move |ev| {
                                kind.set(match event_target_value(&ev).as_str() {
                                    "flagship" => Some(LeadKind::Flagship),
                                    "consultation" => Some(LeadKind::Consultation),
                                    _ => None,
                                })
                            }
                        >
                            <option value="">{pick(lang, "全部", "All")}</option>
                            <option value="flagship">{lead_kind(lang, LeadKind::Flagship)}</option>
                            <option value="consultation">{lead_kind(lang, LeadKind::Consultation)}</option>
                        </select>
                    </label>
                </div>
                {list}
            </section>
        }
    }
}

fn lead_row(lang: Lang, l: LeadView) -> impl IntoView {
    view! {
        <tr data-testid=format!("lead-{}", l.id)>
            <td class="num"><A href=format!("/sales/leads/{}", l.id)>"#"{l.id}</A></td>
            <td>{lead_kind(lang, l.kind)}</td>
            <td>{l.account_name.clone()}</td>
            <td>{format!("{} {}", l.contact_name, l.phone)}</td>
            <td><span class="badge" data-testid=format!("lead-{}-status", l.id)>{lead_status(lang, l.status)}</span></td>
            <td class="num">{i18n::datetime(l.created_at)}</td>
        </tr>
    }
}

#[component]
fn Lead(id: i64, catalog: Arc<Catalog>) -> impl IntoView {
    let lang = use_lang();
    let detail = LocalResource::new(move || api::sales_lead(id));
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let on_change = Callback::new(move |said: Result<String, String>| {
        outcome.set(Some(said));
        detail.refetch();
    });
    let notice = move || {
        outcome.get().map(|o| match o {
            Ok(text) => {
                view! { <p class="notice-inline notice-success" role="status" data-testid="lead-outcome">{text}</p> }
                    .into_any()
            }
            Err(text) => {
                view! { <p class="notice-inline notice-danger" role="alert" data-testid="lead-outcome">{text}</p> }
                    .into_any()
            }
        })
    };
    move || {
        let lang_now = lang.get();
        let body = match detail.get() {
            None => view! { <Loading lang=lang_now /> }.into_any(),
            Some(Err(error)) => view! {
                <ErrorView
                    lang=lang_now
                    title=pick(lang_now, "线索加载失败", "The lead could not be loaded")
                    message=i18n::api_error(lang_now, &error)
                    on_retry=Some(Callback::new(move |()| detail.refetch()))
                />
            }
            .into_any(),
            Some(Ok(d)) => view! { <LeadBody detail=d catalog=Arc::clone(&catalog) on_change /> }.into_any(),
        };
        view! {
            <h1 class="page-title" data-testid="lead-title">{pick(lang_now, "线索", "Lead")}<span class="num muted">" #"{id}</span></h1>
            <p><A href="/sales">{pick(lang_now, "返回线索列表", "Back to the leads")}</A></p>
            {notice}
            {body}
        }
    }
}

#[component]
fn LeadBody(detail: LeadDetail, catalog: Arc<Catalog>, on_change: Callback<Result<String, String>>) -> impl IntoView {
    let lang = use_lang();
    let lead = detail.lead.clone();
    let id = lead.id;
    let set_status = move |ev: leptos::ev::Event| {
        let Some(status) = status_named(&event_target_value(&ev)) else { return };
        spawn_local(async move {
            let lang = lang.get_untracked();
            on_change.run(match api::set_lead_status(id, status).await {
                Ok(l) => Ok(format!("{}{}", pick(lang, "线索状态：", "Status: "), lead_status(lang, l.status))),
                Err(e) => Err(i18n::api_error(lang, &e)),
            });
        });
    };
    let note = RwSignal::new(String::new());
    let add_note = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = note.get_untracked();
        spawn_local(async move {
            let lang = lang.get_untracked();
            match api::add_lead_note(id, &body).await {
                Ok(_) => {
                    note.set(String::new());
                    on_change.run(Ok(pick(lang, "备注已保存。", "Note kept.").to_owned()));
                }
                Err(e) => on_change.run(Err(i18n::api_error(lang, &e))),
            }
        });
    };
    let account = detail.buyer.account.clone();
    let orders = detail.orders.clone();
    let notes = lead.notes.clone();
    let quotes = lead.quotes.clone();
    let buyer = detail.buyer.clone();
    move || {
        let lang = lang.get();
        let status_options = LeadStatus::ALL
            .into_iter()
            .map(|s| view! { <option value=status_name(s) selected=s == lead.status>{lead_status(lang, s)}</option> })
            .collect_view();
        let edition = match account.edition.as_ref() {
            Some(term) => {
                let name = catalog.edition(term.edition);
                let name = pick(lang, &name.name_zh, &name.name_en).to_owned();
                let trial = if term.trial { pick(lang, "（试用）", " (trial)") } else { "" };
                format!("{name}{trial} · {} {}", pick(lang, "有效期至", "until"), i18n::datetime(term.expires_at))
            }
            None => pick(lang, "暂无版本", "No edition").to_owned(),
        };
        let order_rows = orders
            .iter()
            .map(|o| {
                view! {
                    <tr>
                        <td class="num">"#"{o.id}</td>
                        <td>{i18n::order_status(lang, o.status)}</td>
                        <td class="num">{i18n::yuan(o.payable)}</td>
                        <td class="num">{i18n::datetime(o.created_at)}</td>
                    </tr>
                }
            })
            .collect_view();
        let note_items = notes
            .iter()
            .map(|n| {
                view! {
                    <li>
                        <span class="muted num">{format!("{} · {}", i18n::datetime(n.created_at), n.author)}</span>
                        <p>{n.body.clone()}</p>
                    </li>
                }
            })
            .collect_view();
        let quote_rows = quotes.iter().cloned().map(|q| quote_row(lang, q)).collect_view();
        view! {
            <div class="purchase-layout">
                <div class="purchase-options">
                    <section class="panel" aria-labelledby="lead-request-title">
                        <h2 class="section-title" id="lead-request-title">{lead_kind(lang, lead.kind)}</h2>
                        <p>{format!("{} · {} · {}", lead.contact_name, lead.phone, lead.company)}</p>
                        <p class="muted">{lead.message.clone()}</p>
                        <label class="field-inline">
                            {pick(lang, "状态", "Status")}
                            <select data-testid="lead-status" on:change=set_status>{status_options}</select>
                        </label>
                    </section>
                    <section class="panel" aria-labelledby="lead-account-title">
                        <h2 class="section-title" id="lead-account-title">{lead.account_name.clone()}</h2>
                        <p data-testid="lead-edition">{edition}</p>
                        <table class="ops-table" data-testid="lead-orders">
                            <thead>
                                <tr>
                                    <th scope="col">{pick(lang, "订单", "Order")}</th>
                                    <th scope="col">{pick(lang, "状态", "Status")}</th>
                                    <th scope="col" class="num">{pick(lang, "金额", "Amount")}</th>
                                    <th scope="col">{pick(lang, "下单时间", "Placed")}</th>
                                </tr>
                            </thead>
                            <tbody>{order_rows}</tbody>
                        </table>
                    </section>
                    <section class="panel" aria-labelledby="lead-notes-title">
                        <h2 class="section-title" id="lead-notes-title">{pick(lang, "沟通记录", "Notes")}</h2>
                        <ul class="notes" data-testid="lead-notes">{note_items}</ul>
                        <form on:submit=add_note>
                            <label class="visually-hidden" for="lead-note">{pick(lang, "新的沟通记录", "A new note")}</label>
                            <textarea
                                id="lead-note"
                                data-testid="lead-note"
                                rows="3"
                                prop:value=move || note.get()
                                on:input=move |ev| note.set(event_target_value(&ev))
                            ></textarea>
                            <button type="submit" class="button button-secondary" data-testid="lead-note-add">
                                {pick(lang, "添加记录", "Add note")}
                            </button>
                        </form>
                    </section>
                </div>
                <div class="purchase-summary">
                    <QuoteForm lead_id=id buyer=buyer.clone() catalog=Arc::clone(&catalog) on_change />
                    <section class="panel" aria-labelledby="lead-quotes-title">
                        <h2 class="section-title" id="lead-quotes-title">{pick(lang, "已发报价", "Quotes issued")}</h2>
                        <ul data-testid="lead-quotes">{quote_rows}</ul>
                    </section>
                </div>
            </div>
        }
    }
}

fn quote_row(lang: Lang, q: QuoteView) -> impl IntoView {
    let state = match q.used_by_order {
        Some(order) => match lang {
            Lang::Zh => format!("已被订单 #{order} 使用"),
            Lang::En => format!("used by order #{order}"),
        },
        None if q.expires_at <= clock::now() => pick(lang, "已过期", "expired").to_owned(),
        None => pick(lang, "有效", "open").to_owned(),
    };
    view! {
        <li data-testid=format!("quote-{}", q.id)>
            <span class="num">{q.id.clone()}</span>
            " · "
            {format!(
                "{} · {} · {} · {}",
                i18n::years(lang, q.years),
                i18n::yuan(q.price),
                i18n::grant(lang, domain::QuotaKind::Contracts, q.contracts),
                state
            )}
        </li>
    }
}

/// The end of a date in China Standard Time, from the form's `YYYY-MM-DD`.
fn end_of_day_cst(date: &str) -> Option<Instant> {
    let mut parts = date.split('-').map(|p| p.parse::<u32>().ok());
    let (year, month, day) = (parts.next()??, parts.next()??, parts.next()??);
    let day = chrono::NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    let cst = chrono::FixedOffset::east_opt(8 * 3600)?;
    day.and_hms_opt(23, 59, 59)?.and_local_timezone(cst).single().map(|t| t.with_timezone(&chrono::Utc))
}

/// What the form's offer comes to: the domain's refusals, or the line the
/// buyer would be quoted with it now.
fn preview(
    catalog: &Catalog,
    buyer: &domain::Buyer,
    offer: &QuoteOffer,
) -> Result<domain::QuoteLine, Vec<DomainError>> {
    let now = clock::now();
    let quote_id = "preview".to_owned();
    let issued = issue_quote(catalog, quote_id.clone(), offer, now)?;
    let mut buyer = buyer.clone();
    buyer.sales_quotes.push(SalesQuote { ..issued });
    let selection = Selection {
        edition: Some(EditionChoice { edition: Edition::Flagship, years: None, sales_quote: Some(quote_id) }),
        ..Selection::default()
    };
    let ctx = Context { catalog, buyer: &buyer, channel: Channel::Web, now };
    let quoted = quote(&ctx, &selection)?;
    quoted.lines.into_iter().next().ok_or_else(|| vec![DomainError::invalid("edition")])
}

#[component]
fn QuoteForm(
    lead_id: i64,
    buyer: domain::Buyer,
    catalog: Arc<Catalog>,
    on_change: Callback<Result<String, String>>,
) -> impl IntoView {
    let lang = use_lang();
    let years = RwSignal::new(1_u8);
    let price = RwSignal::new(String::new());
    let contracts = RwSignal::new(catalog.limits().flagship_min_allotment.to_string());
    let expires = RwSignal::new(String::new());
    let offer = move || -> Result<QuoteOffer, Vec<DomainError>> {
        let price: Money = price.get().trim().parse().map_err(|_| vec![DomainError::invalid("price")])?;
        let contracts: u64 = contracts.get().trim().parse().map_err(|_| vec![DomainError::invalid("contracts")])?;
        let expires_at = end_of_day_cst(&expires.get()).ok_or_else(|| vec![DomainError::invalid("expires_at")])?;
        Ok(QuoteOffer { years: years.get(), price, contracts, expires_at })
    };
    let judged = {
        let catalog = Arc::clone(&catalog);
        Memo::new(move |_| offer().and_then(|o| preview(&catalog, &buyer, &o).map(|line| (o, line))))
    };
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok((offer, _)) = judged.get_untracked() else { return };
        spawn_local(async move {
            let lang = lang.get_untracked();
            on_change.run(match api::issue_sales_quote(lead_id, &offer).await {
                Ok(q) => Ok(match lang {
                    Lang::Zh => format!("报价 {} 已发出，客户将在版本选购中看到。", q.id),
                    Lang::En => format!("Quote {} issued: the buyer sees it in the chooser.", q.id),
                }),
                Err(e) => Err(i18n::api_error(lang, &e)),
            });
        });
    };
    let verdict = move || {
        let lang = lang.get();
        match judged.get() {
            Ok((_, line)) => view! {
                <p class="notice-inline" data-testid="quote-preview">
                    {match lang {
                        Lang::Zh => format!(
                            "客户将获得旗舰版 {} 至 {}，应付 {}。",
                            i18n::datetime(line.starts_at),
                            i18n::datetime(line.expires_at),
                            i18n::yuan(line.payable)
                        ),
                        Lang::En => format!(
                            "The buyer gets Flagship from {} to {}, paying {}.",
                            i18n::datetime(line.starts_at),
                            i18n::datetime(line.expires_at),
                            i18n::yuan(line.payable)
                        ),
                    }}
                </p>
            }
            .into_any(),
            Err(errors) => {
                let items = errors
                    .iter()
                    .map(|e| {
                        let field = e.field.clone().map(|f| format!("{f}: ")).unwrap_or_default();
                        view! { <li>{format!("{field}{}", e.text(lang))}</li> }
                    })
                    .collect_view();
                view! { <ul class="verdict-reasons" data-testid="quote-refusals">{items}</ul> }.into_any()
            }
        }
    };
    move || {
        let lang = lang.get();
        let year_options = (1..=catalog.limits().max_years)
            .map(|y| view! { <option value=y.to_string() selected=move || years.get() == y>{i18n::years(lang, y)}</option> })
            .collect_view();
        view! {
            <section class="panel" aria-labelledby="quote-form-title">
                <h2 class="section-title" id="quote-form-title">{pick(lang, "发出旗舰版报价", "Issue a Flagship quote")}</h2>
                <form class="quote-form" on:submit=send>
                    <label class="field">
                        {pick(lang, "年限", "Years")}
                        <select data-testid="quote-years" on:change=move |ev| years.set(event_target_value(&ev).parse().unwrap_or(1))>
                            {year_options}
                        </select>
                    </label>
                    <label class="field">
                        {pick(lang, "价格（元）", "Price (¥)")}
                        <input data-testid="quote-price" inputmode="decimal" prop:value=move || price.get() on:input=move |ev| price.set(event_target_value(&ev)) />
                    </label>
                    <label class="field">
                        {pick(lang, "合同份数", "Contracts")}
                        <input data-testid="quote-contracts" inputmode="numeric" prop:value=move || contracts.get() on:input=move |ev| contracts.set(event_target_value(&ev)) />
                    </label>
                    <label class="field">
                        {pick(lang, "报价有效期至", "Valid until")}
                        <input data-testid="quote-expires" type="date" prop:value=move || expires.get() on:input=move |ev| expires.set(event_target_value(&ev)) />
                    </label>
                    {verdict}
                    <button type="submit" class="button" data-testid="quote-send" disabled=move || judged.with(Result::is_err)>
                        {pick(lang, "发出报价", "Issue")}
                    </button>
                </form>
            </section>
        }
    }
}
