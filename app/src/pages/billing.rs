//! 费用管理: the edition and its validity, remaining contracts (QUO-1),
//! each grant as a bar with its expiry (QUO-3, QUO-4, QUO-5) and the quota
//! history (份额变动记录), add-ons used and remaining (ADD-2), the quick actions of this role
//! (VIS-2), renew and upgrade (REN), the free trial (TRI-1) and invoices
//! after phone verification (INV-1). Every figure and verdict comes from the
//! server's `domain::billing::overview`.

use crate::api::{self, ApiClientError, Me};
use crate::clock;
use crate::components::{ContactSalesForm, ErrorView, Loading, VerdictNote};
use crate::i18n::{self, pick, use_lang, use_title};
use crate::pages::purchase::contact_of;
use crate::session::{cart_owner, signed_in, use_cart, use_shell};
use domain::access::QuickAction;
use domain::billing::{Billing, COUNTED_ADDONS};
use domain::eligibility::Remedy;
use domain::ledger::GrantSource;
use domain::ledger::history::{GrantLine, GrantState, MoveCause, MoveKind, QuotaMove};
use domain::opening::upgrade_selection;
use domain::sales::LeadKind;
use domain::time::format_date;
use domain::verification::Purpose;
use domain::{AddOn, Buyer, Catalog, Channel, Context, EditionChoice, Lang, QuotaKind, Selection};
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use std::sync::Arc;

/// Billing management of the acting account.
#[component]
pub fn BillingPage() -> impl IntoView {
    use_title("费用管理", "Billing");
    signed_in(|me: Me, catalog| {
        let owner = cart_owner(&me);
        let contact = contact_of(&me);
        let buyer = Arc::new(me.buyer);
        view! {
            <QuotesIssued quotes=buyer.sales_quotes.clone() />
            <LoadBilling catalog buyer owner contact />
        }
    })
}

/// SAL-1: the sales manager's open Flagship quotes, announced where the
/// buyer manages their purchases, with the way to buy with them.
#[component]
fn QuotesIssued(quotes: Vec<domain::identity::SalesQuote>) -> impl IntoView {
    let lang = use_lang();
    let shell = use_shell();
    let buy_page = shell.href(if shell.channel == Channel::MiniProgram { "/buy" } else { "" });
    let now = crate::clock::now();
    let open: Vec<_> = quotes.into_iter().filter(|q| q.expires_at > now).collect();
    move || {
        let lang = lang.get();
        let items = open
            .iter()
            .map(|q| {
                let text = match lang {
                    Lang::Zh => format!(
                        "销售经理已为您报价：旗舰版 {}，{}，{}，报价有效期至 {}。",
                        i18n::years(lang, q.years),
                        i18n::yuan(q.price),
                        i18n::grant(lang, domain::QuotaKind::Contracts, q.contracts),
                        i18n::datetime(q.expires_at)
                    ),
                    Lang::En => format!(
                        "Your sales manager quoted Flagship for {}: {}, {}, valid until {}.",
                        i18n::years(lang, q.years),
                        i18n::yuan(q.price),
                        i18n::grant(lang, domain::QuotaKind::Contracts, q.contracts),
                        i18n::datetime(q.expires_at)
                    ),
                };
                view! { <li data-testid=format!("quote-issued-{}", q.id)>{text}</li> }
            })
            .collect_view();
        (!open.is_empty()).then(|| {
            view! {
                <div class="notice-inline notice-success" role="status" data-testid="quotes-issued">
                    <ul class="returns-list">{items}</ul>
                    <a href=buy_page.clone()>{pick(lang, "前往版本选购，使用报价购买旗舰版", "Buy Flagship with it")}</a>
                </div>
            }
        })
    }
}

#[component]
fn LoadBilling(catalog: Arc<Catalog>, buyer: Arc<Buyer>, owner: String, contact: (String, String)) -> impl IntoView {
    let lang = use_lang();
    let shell = use_shell();
    let billing = LocalResource::new(move || api::billing(shell.channel));
    move || match billing.get() {
        None => EitherOf3::A(view! { <Loading lang=lang.get() /> }),
        Some(Err(error)) => EitherOf3::B(move || {
            let lang = lang.get();
            view! {
                <ErrorView
                    lang
                    title=pick(lang, "费用管理加载失败", "Billing could not be loaded")
                    message=i18n::api_error(lang, &error)
                    on_retry=Some(Callback::new(move |()| billing.refetch()))
                />
            }
        }),
        Some(Ok(b)) => EitherOf3::C(view! {
            <BillingView billing=b catalog=Arc::clone(&catalog) buyer=Arc::clone(&buyer) owner=owner.clone() contact=contact.clone() on_change=Callback::new(move |b: Billing| billing.set(Some(Ok(b)))) />
        }),
    }
}

#[component]
fn BillingView(
    billing: Billing,
    catalog: Arc<Catalog>,
    buyer: Arc<Buyer>,
    owner: String,
    /// The contact form's defaults (see `contact_of`).
    contact: (String, String),
    on_change: Callback<Billing>,
) -> impl IntoView {
    // A refused renew or upgrade may offer a way out (联系购买 for Flagship):
    // the contact form opens here, where the refusal says to click it.
    let contact_form = RwSignal::new(None::<LeadKind>);
    let on_remedy = Callback::new(move |remedy: Remedy| match remedy {
        Remedy::WebConsole => {}
        Remedy::ContactSales => contact_form.set(Some(LeadKind::Flagship)),
        Remedy::PurchaseConsultation => contact_form.set(Some(LeadKind::Consultation)),
    });
    let on_contact_close = Callback::new(move |()| contact_form.set(None));
    let lang = use_lang();
    let shell = use_shell();
    let cart = use_cart();
    let navigate = use_navigate();
    let buy_page = shell.href(if shell.channel == Channel::MiniProgram { "/buy" } else { "" });
    let catalog_for_upgrade = Arc::clone(&catalog);
    let trial_failure = RwSignal::new(None::<ApiClientError>);
    let start_trial = move |_| {
        spawn_local(async move {
            match api::start_trial(shell.channel).await {
                Ok(b) => on_change.run(b),
                Err(error) => trial_failure.set(Some(error)),
            }
        });
    };
    let renew = {
        let navigate = navigate.clone();
        let buy_page = buy_page.clone();
        let owner = owner.clone();
        let held = billing.edition.as_ref().map(|e| e.edition);
        Callback::new(move |()| {
            if let Some(edition) = held {
                let renewal = EditionChoice { edition, years: Some(1), sales_quote: None };
                cart.choose(&owner, Selection { edition: Some(renewal), ..Selection::default() });
            }
            navigate(&buy_page, Default::default());
        })
    };
    // 立即购买 beside an add-on (the FAQ's path on the web): the chooser opens with it chosen.
    let buy_addon = {
        let navigate = navigate.clone();
        let buy_page = buy_page.clone();
        let owner = owner.clone();
        Callback::new(move |addon: AddOn| {
            cart.choose(&owner, Selection::default().with_addon(addon, 1));
            navigate(&buy_page, Default::default());
        })
    };
    let packs = Callback::new(move |()| buy_addon.run(AddOn::ContractPack1k));
    // REN-2: the domain names the upgrade that can be bought now, so the
    // chooser opens on it with its prorated figure.
    let upgrade = {
        let buy_page = buy_page.clone();
        Callback::new(move |()| {
            let ctx =
                Context { catalog: &catalog_for_upgrade, buyer: &buyer, channel: shell.channel, now: clock::now() };
            if let Some(upgrade) = upgrade_selection(&ctx) {
                cart.choose(&owner, upgrade);
            }
            navigate(&buy_page, Default::default());
        })
    };
    let invoices_shown = billing.quick_actions.contains(&QuickAction::Invoices);

    move || {
        let lang = lang.get();
        let b = &billing;
        let edition = match &b.edition {
            Some(e) => {
                let badge = if e.trial {
                    Some(pick(lang, "试用", "Trial"))
                } else if !e.active {
                    Some(pick(lang, "已过期", "Expired"))
                } else {
                    None
                };
                Either::Left(view! {
                    <p class="billing-edition" data-testid="billing-edition">
                        <span class="billing-edition-name">{i18n::pick(lang, &e.name_zh, &e.name_en).to_owned()}</span>
                        {badge.map(|t| view! { <span class="badge">{t}</span> })}
                    </p>
                    <p class="muted num" data-testid="billing-validity">
                        {i18n::validity(lang, &format_date(e.starts_at), &format_date(e.expires_at))}
                    </p>
                })
            }
            None => Either::Right(view! {
                <p class="billing-edition" data-testid="billing-edition">{pick(lang, "尚未购买产品版本", "No edition yet")}</p>
                <a class="button" href=buy_page.clone()>{pick(lang, "立即购买", "Buy now")}</a>
            }),
        };
        let trial = b.next.trial.allowed().then(|| {
            view! {
                <button type="button" class="button button-secondary" data-testid="start-trial" on:click=start_trial>
                    {pick(lang, "申请7天免费试用", "Start the 7-day free trial")}
                </button>
            }
        });
        let trial_error = move || {
            trial_failure.get().map(|e| view! { <ErrorView lang title=pick(lang, "试用申请失败", "The trial did not start") message=i18n::api_error(lang, &e) inline=true /> })
        };
        let contracts = b.contracts;
        let addons = b
            .addons
            .iter()
            .map(|u| {
                let offer = catalog.addon(u.addon);
                let addon = u.addon;
                view! {
                    <li class="usage-row" data-testid=format!("usage-{}", crate::components::wire_name(&u.addon))>
                        <span>{i18n::pick(lang, &offer.name_zh, &offer.name_en).to_owned()}</span>
                        <span class="usage-end">
                            <span class="num">{usage_text(lang, u.used, u.remaining)}</span>
                            {buy_button(lang, addon, buy_addon)}
                        </span>
                    </li>
                }
            })
            .collect_view();
        let integration = {
            let offer = catalog.addon(AddOn::Integration);
            let until = match b.integration_until {
                Some(at) => format!("{}{}", pick(lang, "有效期至 ", "Until "), format_date(at)),
                None => pick(lang, "未开通", "Not bought").to_owned(),
            };
            // CH-2: integration is bought on the web console, where the seeds send the buyer.
            let buy = (shell.channel == Channel::Web).then(|| buy_button(lang, AddOn::Integration, buy_addon));
            view! {
                <li class="usage-row">
                    <span>{i18n::pick(lang, &offer.name_zh, &offer.name_en).to_owned()}</span>
                    <span class="usage-end">
                        <span class="num">{until}</span>
                        {buy}
                    </span>
                </li>
            }
        };
        let grants = if b.grants.is_empty() {
            Either::Left(view! { <li class="muted">{pick(lang, "暂无份额", "No grants yet")}</li> })
        } else {
            Either::Right(b.grants.iter().map(|g| grant_bar(lang, g, &catalog)).collect_view())
        };
        let actions = b
            .quick_actions
            .iter()
            .map(|action| quick_action(lang, *action, b, &shell, (renew, upgrade, packs), on_remedy))
            .collect_view();
        let form = {
            let (name, company) = contact.clone();
            move || {
                contact_form.get().map(|kind| view! {
                    <ContactSalesForm lang kind contact_name=name.clone() company=company.clone() on_close=on_contact_close />
                })
            }
        };
        let invoices = match shell.channel {
            Channel::Web => invoices_shown.then(|| view! { <InvoicePanel /> }.into_any()),
            // The seeds send the mini-program's buyers to the web console for invoices.
            _ => Some(view! {
                <p class="muted" data-testid="invoices-elsewhere">
                    {pick(lang, "如需开票：企业超管或拥有费用管理权限的员工登录腾讯电子签网页端，选择费用管理 > 开具发票，进行安全手机验证后，跳转至发票中心进行开票。", "To invoice: a super admin or staff with the billing permission signs in to the web console, opens Billing > Invoices, verifies the security phone and is taken to the invoice centre.")}
                </p>
            }.into_any()),
        };
        view! {
            <h1 class="page-title">{pick(lang, "费用管理", "Billing management")}</h1>
            <div class="billing-grid">
                <section class="panel" aria-labelledby="edition-title">
                    <h2 class="section-title" id="edition-title">{pick(lang, "当前版本", "Edition")}</h2>
                    {edition}
                    <div class="actions">{trial}</div>
                    {trial_error}
                </section>
                <section class="panel" aria-labelledby="contracts-title">
                    <h2 class="section-title" id="contracts-title">{pick(lang, "合同份额", "Contracts")}</h2>
                    <p class="billing-figure">
                        <span class="num" data-testid="contracts-remaining">{i18n::count(contracts.remaining)}</span>
                        <span class="muted">{pick(lang, " 份剩余", " left")}</span>
                    </p>
                    <progress
                        class="usage-bar"
                        max=contracts.total.max(1).to_string()
                        value=contracts.used.to_string()
                        aria-label=pick(lang, "合同使用情况", "Contracts used")
                    ></progress>
                    <p class="muted num">{usage_text(lang, contracts.used, contracts.remaining)} " · " {format!("{}{}", pick(lang, "共 ", "of "), i18n::count(contracts.total))}</p>
                </section>
                <section class="panel" aria-labelledby="addons-usage-title">
                    <h2 class="section-title" id="addons-usage-title">{pick(lang, "增值服务", "Add-on services")}</h2>
                    <ul class="usage-list">{addons}{integration}</ul>
                </section>
                <section class="panel" aria-labelledby="balance-title">
                    <h2 class="section-title" id="balance-title">{pick(lang, "账户余额", "Account balance")}</h2>
                    <p class="billing-figure num" data-testid="billing-balance">{i18n::yuan(b.balance)}</p>
                </section>
            </div>
            <section class="panel billing-panel" aria-labelledby="grants-title" data-testid="grants">
                <h2 class="section-title" id="grants-title">{pick(lang, "份额明细", "Grants")}</h2>
                <ul class="grant-list">{grants}</ul>
            </section>
            <QuotaHistoryPanel />
            <section class="panel" aria-labelledby="actions-title">
                <h2 class="section-title" id="actions-title">{pick(lang, "快捷操作", "Quick actions")}</h2>
                <ul class="quick-actions" data-testid="quick-actions">{actions}</ul>
                {form}
            </section>
            {invoices}
        }
    }
}

/// What a grant is: 版本赠送, 合同套餐包 with its order, an add-on's pack, the trial's.
fn grant_label(lang: Lang, source: GrantSource, kind: QuotaKind, order: Option<&str>, catalog: &Catalog) -> String {
    let what = match source {
        GrantSource::Edition => pick(lang, "版本赠送", "Edition allotment").to_owned(),
        GrantSource::Pack => pick(lang, "合同套餐包", "Contract pack").to_owned(),
        GrantSource::Trial => pick(lang, "试用赠送", "Trial allotment").to_owned(),
        GrantSource::AddOn => match COUNTED_ADDONS.iter().find(|a| a.quota() == Some(kind)) {
            Some(&addon) => {
                let offer = catalog.addon(addon);
                i18n::pick(lang, &offer.name_zh, &offer.name_en).to_owned()
            }
            None => pick(lang, "增值服务", "Add-on").to_owned(),
        },
    };
    match (order, lang) {
        (Some(number), Lang::Zh) => format!("{what} · 订单号 {number}"),
        (Some(number), Lang::En) => format!("{what} · order no. {number}"),
        (None, _) => what,
    }
}

/// One grant as a bar: used of total, what is left, its validity; an
/// expired one says what was cleared (QUO-4), the next to draw says so (QUO-5).
fn grant_bar(lang: Lang, g: &GrantLine, catalog: &Catalog) -> impl IntoView + use<> {
    let label = grant_label(lang, g.source, g.kind, g.order_number.as_deref(), catalog);
    let unit = match g.kind {
        QuotaKind::MeetingSigning => pick(lang, " 次", " uses"),
        QuotaKind::Contracts | QuotaKind::SigningReports => pick(lang, " 份", ""),
    };
    let expired = g.state == GrantState::Expired;
    let badge = if expired {
        Some(("badge", pick(lang, "已过期 · 已清空", "Expired · cleared")))
    } else if g.draws_next {
        Some(("badge badge-brand", pick(lang, "优先扣减", "Drawn next")))
    } else {
        None
    };
    let figures = match lang {
        Lang::Zh => {
            format!("已用 {} / 共 {}{unit} · 剩余 {}", i18n::count(g.used), i18n::count(g.total), i18n::count(g.left))
        }
        Lang::En => {
            format!("{} used of {}{unit} · {} left", i18n::count(g.used), i18n::count(g.total), i18n::count(g.left))
        }
    };
    let cleared = (g.cleared > 0).then(|| match lang {
        Lang::Zh => format!("到期清空 {}{unit}", i18n::count(g.cleared)),
        Lang::En => format!("{}{unit} cleared at expiry", i18n::count(g.cleared)),
    });
    let validity = i18n::validity(lang, &format_date(g.starts_at), &format_date(g.expires_at));
    let bar_label = format!("{label} {figures}");
    view! {
        <li class=if expired { "grant grant-expired" } else { "grant" } data-testid=format!("grant-{}", g.grant) data-state=if expired { "expired" } else { "live" }>
            <div class="grant-head">
                <span class="grant-label" data-testid="grant-label">{label}</span>
                {badge.map(|(class, text)| view! { <span class=class>{text}</span> })}
            </div>
            <progress
                class="usage-bar"
                max=g.total.max(1).to_string()
                value=g.used.to_string()
                aria-label=bar_label
            ></progress>
            <p class="grant-figures muted num">
                <span data-testid="grant-figures">{figures}</span>
                {cleared.map(|c| view! { " · " <span data-testid="grant-cleared">{c}</span> })}
            </p>
            <p class="grant-validity muted num">{validity}</p>
        </li>
    }
}

/// Moves a page of the quota history holds.
const HISTORY_PAGE: u64 = 10;

/// 份额变动记录: the contracts' quota moves, newest first, a page at a time.
#[component]
fn QuotaHistoryPanel() -> impl IntoView {
    let lang = use_lang();
    let moves = RwSignal::new(Vec::<QuotaMove>::new());
    let next = RwSignal::new(None::<u64>);
    let loaded = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiClientError>);
    let load = move |before: Option<u64>| {
        spawn_local(async move {
            match api::quota_moves(before, HISTORY_PAGE).await {
                Ok(page) => {
                    failure.set(None);
                    moves.update(|m| m.extend(page.moves));
                    next.set(page.next_before);
                    loaded.set(true);
                }
                Err(error) => failure.set(Some(error)),
            }
        });
    };
    load(None);
    let rows = move || {
        let lang = lang.get();
        let shown = moves.get();
        if loaded.get() && shown.is_empty() {
            return Either::Left(view! { <li class="muted">{pick(lang, "暂无份额变动", "No quota moves yet")}</li> });
        }
        Either::Right(shown.iter().map(|m| history_row(lang, m)).collect_view())
    };
    let more = move || {
        let lang = lang.get();
        next.get().map(|before| {
            view! {
                <button type="button" class="button button-secondary" data-testid="quota-history-more" on:click=move |_| load(Some(before))>
                    {pick(lang, "加载更多", "Load more")}
                </button>
            }
        })
    };
    let failed = move || {
        let lang = lang.get();
        failure.get().map(|e| view! { <ErrorView lang title=pick(lang, "份额变动记录加载失败", "The quota history could not be loaded") message=i18n::api_error(lang, &e) inline=true /> })
    };
    view! {
        <section class="panel billing-panel" aria-labelledby="history-title" data-testid="quota-history">
            <h2 class="section-title" id="history-title">{move || pick(lang.get(), "份额变动记录", "Quota history")}</h2>
            <ol class="history-list" aria-live="polite">{rows}</ol>
            {more}
            {failed}
        </section>
    }
}

/// One quota move: what and why, the grant, the change, the balance after, when.
fn history_row(lang: Lang, m: &QuotaMove) -> impl IntoView + use<> {
    let what = match (m.kind, lang) {
        (MoveKind::Granted, Lang::Zh) => "发放",
        (MoveKind::Granted, Lang::En) => "Granted",
        (MoveKind::Drawn, Lang::Zh) => "扣减",
        (MoveKind::Drawn, Lang::En) => "Drawn",
        (MoveKind::Returned, Lang::Zh) => "退回",
        (MoveKind::Returned, Lang::En) => "Returned",
        (MoveKind::Cleared, Lang::Zh) => "清空",
        (MoveKind::Cleared, Lang::En) => "Cleared",
        (MoveKind::ExpiryMoved, Lang::Zh) => "有效期变更",
        (MoveKind::ExpiryMoved, Lang::En) => "Expiry moved",
    };
    let why = match (m.cause, lang) {
        (MoveCause::Delivery, Lang::Zh) => "订单交付",
        (MoveCause::Delivery, Lang::En) => "order delivered",
        (MoveCause::Binding, Lang::Zh) => "绑定企业",
        (MoveCause::Binding, Lang::En) => "bound to an enterprise",
        (MoveCause::Trial, Lang::Zh) => "申请试用",
        (MoveCause::Trial, Lang::En) => "trial started",
        (MoveCause::Contract, Lang::Zh) => "发起合同",
        (MoveCause::Contract, Lang::En) => "contract initiated",
        (MoveCause::AddOnUse, Lang::Zh) => "使用增值服务",
        (MoveCause::AddOnUse, Lang::En) => "add-on used",
        (MoveCause::Withdrawal, Lang::Zh) => "撤回合同",
        (MoveCause::Withdrawal, Lang::En) => "contract withdrawn",
        (MoveCause::Expiry, Lang::Zh) => "到期自动清空",
        (MoveCause::Expiry, Lang::En) => "expired",
    };
    let until = m.expires_at.map(|at| format!(" {}{}", pick(lang, "至 ", "to "), format_date(at)));
    let grant = format!("{} #{}", source_name(lang, m.source), m.grant);
    let order = m.order_number.as_ref().map(|number| format!(" · {}{number}", pick(lang, "订单号 ", "order no. ")));
    let change = match m.change {
        c if c > 0 => format!("+{}", i18n::count(c.unsigned_abs())),
        c if c < 0 => format!("−{}", i18n::count(c.unsigned_abs())),
        _ => "0".to_owned(),
    };
    let balance = format!("{}{}", pick(lang, "余额 ", "Balance "), i18n::count(m.balance_after));
    view! {
        <li class="history-row" data-testid=format!("quota-move-{}", m.seq) data-kind=crate::components::wire_name(&m.kind)>
            <span class="history-what">{format!("{what} · {why}")}{until}</span>
            <span class="history-change num" data-testid="quota-move-change">{change}</span>
            <span class="history-grant muted">{grant}{order}</span>
            <span class="history-balance muted num" data-testid="quota-move-balance">{balance}</span>
            <time class="history-at muted num">{i18n::datetime(m.at)}</time>
        </li>
    }
}

/// A grant's kind in a history line.
fn source_name(lang: Lang, source: GrantSource) -> &'static str {
    match (source, lang) {
        (GrantSource::Edition, Lang::Zh) => "版本赠送",
        (GrantSource::Edition, Lang::En) => "Edition allotment",
        (GrantSource::Pack, Lang::Zh) => "合同套餐包",
        (GrantSource::Pack, Lang::En) => "Contract pack",
        (GrantSource::AddOn, Lang::Zh) => "增值服务",
        (GrantSource::AddOn, Lang::En) => "Add-on",
        (GrantSource::Trial, Lang::Zh) => "试用赠送",
        (GrantSource::Trial, Lang::En) => "Trial allotment",
    }
}

/// 立即购买 for one add-on.
fn buy_button(lang: Lang, addon: AddOn, buy: Callback<AddOn>) -> impl IntoView + use<> {
    view! {
        <button
            type="button"
            class="link-button"
            data-testid=format!("buy-{}", crate::components::wire_name(&addon))
            on:click=move |_| buy.run(addon)
        >
            {pick(lang, "立即购买", "Buy now")}
        </button>
    }
}

/// "已用 25 · 剩余 1,975".
fn usage_text(lang: Lang, used: u64, remaining: u64) -> String {
    match lang {
        Lang::Zh => format!("已用 {} · 剩余 {}", i18n::count(used), i18n::count(remaining)),
        Lang::En => format!("{} used · {} left", i18n::count(used), i18n::count(remaining)),
    }
}

/// One quick action this role may use (VIS-2); renew and upgrade carry the
/// domain's verdict and are greyed with its reason when refused.
fn quick_action(
    lang: Lang,
    action: QuickAction,
    billing: &Billing,
    shell: &crate::session::Shell,
    (renew, upgrade, packs): (Callback<()>, Callback<()>, Callback<()>),
    on_remedy: Callback<Remedy>,
) -> impl IntoView + use<> {
    let key = crate::components::wire_name(&action);
    let (label, verdict, run) = match action {
        QuickAction::Orders => (pick(lang, "订单管理", "Orders"), None, None),
        QuickAction::Packages => (pick(lang, "购买合同加量包", "Buy contract packs"), None, Some(packs)),
        QuickAction::Invoices => (pick(lang, "开具发票", "Invoices"), None, None),
        // The purchase guide names them 升级版本 / 续费版本 on the web, 版本升级 / 版本续费 in the mini-program.
        QuickAction::Upgrade => {
            let label = match shell.channel {
                Channel::MiniProgram => pick(lang, "版本升级", "Upgrade"),
                Channel::Web | Channel::CloudConsole => pick(lang, "升级版本", "Upgrade"),
            };
            (label, Some(billing.next.upgrade.clone()), Some(upgrade))
        }
        QuickAction::Renew => {
            let label = match shell.channel {
                Channel::MiniProgram => pick(lang, "版本续费", "Renew"),
                Channel::Web | Channel::CloudConsole => pick(lang, "续费版本", "Renew"),
            };
            (label, Some(billing.next.renew.clone()), Some(renew))
        }
    };
    let refused = verdict.as_ref().is_some_and(|v| !v.allowed());
    let reason_id = format!("action-{key}-reason");
    let control = match (action, run) {
        (QuickAction::Orders, _) => Either::Left(
            view! {
                <A href=shell.href("/orders")>{label}</A>
            }
            .into_any(),
        ),
        (QuickAction::Invoices, _) => Either::Left(view! { <a href="#invoices">{label}</a> }.into_any()),
        (_, Some(run)) => Either::Right(view! {
            <button
                type="button"
                class="button button-secondary"
                data-testid=format!("action-{key}")
                disabled=refused
                aria-describedby=reason_id.clone()
                on:click=move |_| run.run(())
            >
                {label}
            </button>
        }),
        (_, None) => Either::Left(().into_any()),
    };
    view! {
        <li class="quick-action">
            {control}
            {verdict.map(|verdict| view! { <VerdictNote lang verdict=Signal::stored(verdict) on_remedy id=reason_id /> })}
        </li>
    }
}

/// 开具发票 (INV-1), as the seeds describe it: verify the security phone
/// (the person's own, acting as the person), then on to the invoice centre.
#[component]
fn InvoicePanel() -> impl IntoView {
    let lang = use_lang();
    let navigate = use_navigate();
    let code = RwSignal::new(String::new());
    let sent_to = RwSignal::new(None::<String>);
    let failure = RwSignal::new(None::<ApiClientError>);
    let send = move |_| {
        spawn_local(async move {
            match api::send_code(Purpose::Invoice).await {
                Ok(sent) => {
                    failure.set(None);
                    sent_to.set(Some(sent.phone));
                }
                Err(error) => failure.set(Some(error)),
            }
        });
    };
    let check = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::check_code(Purpose::Invoice, code.get_untracked().trim()).await {
                Ok(()) => navigate("/invoices", Default::default()),
                Err(error) => failure.set(Some(error)),
            }
        });
    };
    let failed = move || {
        let lang = lang.get();
        failure.get().map(|e| view! { <ErrorView lang title=pick(lang, "验证未完成", "Not verified") message=i18n::api_error(lang, &e) inline=true /> })
    };
    move || {
        let lang = lang.get();
        let check = check.clone();
        view! {
            <section class="panel" id="invoices" aria-labelledby="invoices-title" data-testid="invoices">
                <h2 class="section-title" id="invoices-title">{pick(lang, "开具发票", "Invoices")}</h2>
                <div class="verify">
                    <p class="muted">{pick(lang, "开票前请验证企业安全手机（一般为超管手机号），验证后跳转至发票中心。", "Verify the enterprise's security phone (usually the super admin's); then you are taken to the invoice centre.")}</p>
                    <div class="field">
                        <label class="field-label" for="invoice-code">{pick(lang, "手机验证码", "Phone code")}</label>
                        <div class="input-row">
                            <input
                                id="invoice-code"
                                class="input"
                                inputmode="numeric"
                                autocomplete="one-time-code"
                                maxlength="6"
                                data-testid="invoice-code"
                                prop:value=move || code.get()
                                on:input=move |ev| code.set(event_target_value(&ev))
                            />
                            <button type="button" class="button button-secondary" data-testid="invoice-send-code" on:click=send>
                                {pick(lang, "获取验证码", "Send a code")}
                            </button>
                            <button type="button" class="button button-primary" data-testid="invoice-verify" on:click=check>
                                {pick(lang, "验证", "Verify")}
                            </button>
                        </div>
                        {move || sent_to.get().map(|p| view! { <p class="muted">{format!("{}{p}", pick(lang, "验证码已发送至 ", "Code sent to "))}</p> })}
                    </div>
                </div>
                <p class="muted"><A href="/invoices">{pick(lang, "已验证？进入发票中心", "Verified already? Open the invoice centre")}</A></p>
                {failed}
            </section>
        }
    }
}
