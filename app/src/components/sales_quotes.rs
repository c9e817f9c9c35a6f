use crate::api::{self, QuoteView};
use crate::i18n::{self, pick};
use domain::{DomainError, ErrorCode, Lang};
use leptos::prelude::*;
use std::sync::Arc;

/// Why a quote cannot buy Flagship, from the domain's refusal of it: used
/// by an order (the server says which), expired (the domain's
/// `quote_required` for a quote it was given), or the domain's own words.
fn refusal_text(lang: Lang, quote: &QuoteView, refusals: &[DomainError]) -> Option<String> {
    if let Some(order) = quote.used_by_order {
        return Some(match lang {
            Lang::Zh => format!("已用于订单 #{order}，每份报价仅可下单一次。"),
            Lang::En => format!("Used by order #{order}; a quote buys one order."),
        });
    }
    if refusals.is_empty() {
        return None;
    }
    if refusals.iter().any(|e| e.code == ErrorCode::QuoteRequired) {
        let at = i18n::datetime(quote.expires_at);
        return Some(match lang {
            Lang::Zh => format!("报价已于 {at} 过期，请联系销售经理重新报价。"),
            Lang::En => format!("This quote expired on {at}; ask your sales manager for a new one."),
        });
    }
    Some(refusals.iter().map(|e| e.text(lang)).collect::<Vec<_>>().join(" "))
}

/// Refusals of Flagship bought with the sales quote of this id (none: usable).
pub type JudgeQuote = Arc<dyn Fn(&str) -> Vec<DomainError> + Send + Sync>;

/// The Flagship sales quotes issued to the buyer (SAL-1), each a radio
/// button; one that cannot be used is shown disabled with the reason.
/// Choosing one prices Flagship at its terms. Only buyers a sales manager
/// answered have quotes, so the list's code, with the request that loads
/// it, is a chunk of its own; nothing shows until there is a quote.
#[component]
pub fn SalesQuoteList(
    lang: Lang,
    /// The domain's judgement of each quote.
    judge: JudgeQuote,
    /// The quote in the selection.
    #[prop(into)]
    chosen: Signal<Option<String>>,
    on_choose: Callback<String>,
) -> impl IntoView {
    Suspend::new(quote_list(lang, judge, chosen, on_choose))
}

#[lazy]
fn quote_list(lang: Lang, judge: JudgeQuote, chosen: Signal<Option<String>>, on_choose: Callback<String>) -> AnyView {
    let list = LocalResource::new(api::sales_quotes);
    let judged = move || {
        let quotes = list.get()?.ok().filter(|q| !q.is_empty())?;
        let quotes: Vec<(QuoteView, Vec<DomainError>)> = quotes
            .into_iter()
            .map(|q| {
                let refusals = judge(&q.id);
                (q, refusals)
            })
            .collect();
        Some(view! { <List lang quotes chosen on_choose /> })
    };
    judged.into_any()
}

#[component]
fn List(
    lang: Lang,
    quotes: Vec<(QuoteView, Vec<DomainError>)>,
    chosen: Signal<Option<String>>,
    on_choose: Callback<String>,
) -> impl IntoView {
    let rows = quotes
        .into_iter()
        .map(|(quote, refusals)| {
            let reason = refusal_text(lang, &quote, &refusals);
            let refused = reason.is_some();
            let id = quote.id.clone();
            let input_id = format!("sales-quote-{id}-input");
            let reason_id = format!("sales-quote-{id}-reason");
            let terms = match lang {
                Lang::Zh => format!(
                    "{} · 赠送合同 {} 份 · 有效期至 {}",
                    i18n::years(lang, quote.years),
                    i18n::count(quote.contracts),
                    i18n::datetime(quote.expires_at)
                ),
                Lang::En => format!(
                    "{} · {} contracts · valid until {}",
                    i18n::years(lang, quote.years),
                    i18n::count(quote.contracts),
                    i18n::datetime(quote.expires_at)
                ),
            };
            let checked = {
                let id = id.clone();
                move || chosen.with(|c| c.as_deref() == Some(id.as_str()))
            };
            let choose = {
                let id = id.clone();
                move |_| on_choose.run(id.clone())
            };
            view! {
                <li class="choice" class:is-disabled=refused data-testid=format!("sales-quote-{id}")>
                    <input
                        type="radio"
                        class="radio"
                        name="sales-quote"
                        id=input_id.clone()
                        data-testid=input_id.clone()
                        disabled=refused
                        aria-describedby=reason_id.clone()
                        prop:checked=checked
                        on:change=choose
                    />
                    <label class="choice-text" for=input_id>
                        <span class="choice-name">
                            {pick(lang, "销售报价 ", "Sales quote ")}{id.clone()}" · "
                            <span class="num">{i18n::yuan(quote.price)}</span>
                        </span>
                        <span class="choice-detail">{terms}</span>
                    </label>
                    <p class="choice-reason" id=reason_id.clone() data-testid=reason_id>{reason}</p>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="sales-quotes" data-testid="sales-quotes">
            <h3 class="field-label" id="sales-quotes-title">{pick(lang, "旗舰版 · 销售经理报价", "Flagship · quotes from your sales manager")}</h3>
            <ul class="choice-list" role="radiogroup" aria-labelledby="sales-quotes-title">{rows}</ul>
        </div>
    }
}
