use crate::i18n::{self, texts};
use domain::time::format_date;
use domain::{DomainError, Lang, Money, Quote, QuoteLine};
use leptos::either::Either;
use leptos::prelude::*;

/// 价格明细: the quote's lines, discount and amount due, exactly as
/// `domain::quote` gave them; or, when the selection cannot be bought, every
/// reason, the deciding one first.
#[component]
pub fn PriceBreakdown(
    lang: Lang,
    /// The domain's quote of the current selection.
    #[prop(into)]
    quote: Signal<Result<Quote, Vec<DomainError>>>,
) -> impl IntoView {
    let body = move || {
        quote.with(|quote| match quote {
            Ok(quote) => Either::Left(quoted(lang, quote)),
            Err(errors) => Either::Right(refused(lang, errors)),
        })
    };
    // One persistent live region says the new amount due; the breakdown itself is rebuilt on each change.
    let announcement = move || {
        let t = texts(lang);
        quote.with(|q| match q {
            Ok(q) => i18n::labelled(lang, t.payable, &i18n::yuan(q.payable)),
            Err(errors) => {
                let first = errors.first().map(|e| e.message(lang)).unwrap_or_default();
                i18n::labelled(lang, t.not_orderable, &first)
            }
        })
    };
    view! {
        <section class="panel summary-panel" aria-labelledby="breakdown-title">
            <h2 class="section-title" id="breakdown-title">{texts(lang).breakdown}</h2>
            <p class="visually-hidden" aria-live="polite">{announcement}</p>
            {body}
        </section>
    }
}

fn quoted(lang: Lang, quote: &Quote) -> impl IntoView + use<> {
    let t = texts(lang);
    let lines = quote.lines.iter().map(|line| line_view(lang, line)).collect_view();
    let notes = quote
        .notes
        .iter()
        .map(|note| view! { <li>{i18n::pick(lang, &note.zh, &note.en).to_owned()}</li> })
        .collect_view();
    let empty = quote.lines.is_empty().then(|| view! { <p class="muted">{t.no_lines}</p> });
    view! {
        <ul class="quote-lines" data-testid="quote-lines">{lines}</ul>
        {empty}
        <ul class="quote-notes">{notes}</ul>
        <dl class="totals">
            <div class="totals-row">
                <dt>{t.subtotal}</dt>
                <dd class="num">{i18n::yuan(quote.subtotal)}</dd>
            </div>
            <div class="totals-row">
                <dt>{t.discount}</dt>
                <dd class="num" data-testid="discount">{discount(quote.discount)}</dd>
            </div>
            <div class="totals-row totals-payable">
                <dt>{t.payable}</dt>
                <dd class="num total" data-testid="total">{i18n::yuan(quote.payable)}</dd>
            </div>
        </dl>
    }
}

fn line_view(lang: Lang, line: &QuoteLine) -> impl IntoView + use<> {
    let grants = line.grants.map(|g| view! { <li>{i18n::grant(lang, g.kind, g.amount)}</li> });
    let line_discount = (line.discount > Money::ZERO).then(|| {
        view! { <li>{i18n::labelled(lang, texts(lang).discount, &discount(line.discount))}</li> }
    });
    view! {
        <li class="quote-line">
            <div class="quote-line-head">
                <span class="quote-line-name">{i18n::pick(lang, &line.name_zh, &line.name_en).to_owned()}</span>
                <span class="num quote-line-amount">{i18n::yuan(line.amount)}</span>
            </div>
            <ul class="quote-line-facts">
                <li class="num">{i18n::quantity_times_price(lang, line.unit, line.quantity, line.unit_price)}</li>
                <li>{i18n::validity(lang, &format_date(line.starts_at), &format_date(line.expires_at))}</li>
                {grants}
                {line_discount}
            </ul>
            <p class="quote-line-reason">{i18n::pick(lang, &line.reason.zh, &line.reason.en).to_owned()}</p>
        </li>
    }
}

/// "−¥100.00", or "¥0.00" when there is none: the sign is typography, not arithmetic.
fn discount(amount: Money) -> String {
    if amount > Money::ZERO { format!("−{}", i18n::yuan(amount)) } else { i18n::yuan(amount) }
}

fn refused(lang: Lang, errors: &[DomainError]) -> impl IntoView + use<> {
    let t = texts(lang);
    let mut messages = errors.iter().map(|e| e.message(lang));
    let first = messages.next().unwrap_or_default();
    let rest: Vec<String> = messages.collect();
    let others = (!rest.is_empty()).then(|| {
        view! {
            <p class="refusals-more-title">{t.also}</p>
            <ul class="refusals-more">{rest.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
        }
    });
    view! {
        <div class="refusals" data-testid="refusals">
            <p class="refusals-title">{t.not_orderable}</p>
            <p class="refusals-first">{first}</p>
            {others}
        </div>
        <dl class="totals">
            <div class="totals-row totals-payable">
                <dt>{t.payable}</dt>
                <dd class="num total-none">"—"</dd>
            </div>
        </dl>
    }
}

/// On narrow screens the breakdown sits below the options: this bar keeps
/// the amount due and the next step in view.
#[component]
pub fn TotalBar(
    lang: Lang,
    /// The domain's quote of the current selection.
    #[prop(into)]
    quote: Signal<Result<Quote, Vec<DomainError>>>,
    /// The next step's label, e.g. 立即购买.
    action: &'static str,
    /// Whether the next step can be taken.
    #[prop(into)]
    enabled: Signal<bool>,
    on_action: Callback<()>,
) -> impl IntoView {
    let amount = move || quote.with(|q| q.as_ref().map(|q| i18n::yuan(q.payable)).unwrap_or_else(|_| "—".to_owned()));
    view! {
        <div class="total-bar">
            <span class="total-bar-label">{texts(lang).payable}</span>
            <span class="num total-bar-amount" data-testid="total-bar">{amount}</span>
            <button
                type="button"
                class="button button-primary total-bar-action"
                data-testid="total-bar-action"
                disabled=move || !enabled.get()
                on:click=move |_| on_action.run(())
            >
                {action}
            </button>
        </div>
    }
}
