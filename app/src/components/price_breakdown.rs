use crate::i18n::{self, texts};
use domain::time::format_date;
use domain::{DomainError, Lang, Money, Quote, QuoteLine};
use leptos::either::Either;
use leptos::prelude::*;

/// 价格明细: the quote's lines, discount and amount due, exactly as
/// `domain::quote` gave them; or, when the selection cannot be bought, every
/// reason, the deciding one first.
/// A quote as the pages pass it: the domain's answer, or its refusals.
type QuoteSignal = Signal<Result<Quote, Vec<DomainError>>>;

/// 价格明细: the quote's lines, discount and amount due, exactly as
/// `domain::quote` gave them; or, when the selection cannot be bought, every
/// reason, the deciding one first.
///
/// A change of choice usually changes only figures: the panel is built again
/// only when its shape changes (quoted or refused, how many lines and notes),
/// and otherwise each figure updates its own text, which keeps the price
/// preview to a few text nodes.
#[component]
pub fn PriceBreakdown(
    lang: Lang,
    /// The domain's quote of the current selection.
    #[prop(into)]
    quote: QuoteSignal,
) -> impl IntoView {
    let shape = Memo::new(move |_| quote.with(|q| q.as_ref().map(|q| (q.lines.len(), q.notes.len())).ok()));
    let body = move || match shape.get() {
        Some((lines, notes)) => Either::Left(quoted(lang, quote, lines, notes)),
        None => Either::Right(quote.with(|q| refused(lang, q.as_ref().err().map_or(&[], Vec::as_slice)))),
    };
    // One persistent live region says the new amount due.
    let announcement = move || {
        let t = texts(lang);
        quote.with(|q| match q {
            Ok(q) => i18n::labelled(lang, t.payable, &i18n::yuan(q.payable)),
            Err(errors) => {
                let first = errors.first().map(|e| e.text(lang)).unwrap_or_default();
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

/// A text of the quote that follows it; empty while the quote is refused.
fn shown(
    lang: Lang,
    quote: QuoteSignal,
    text: fn(Lang, &Quote) -> String,
) -> impl Fn() -> String + Send + Sync + 'static {
    move || quote.with(|q| q.as_ref().map(|q| text(lang, q)).unwrap_or_default())
}

/// A text of the `index`th line that follows the quote.
fn line_text(
    lang: Lang,
    quote: QuoteSignal,
    index: usize,
    text: fn(Lang, &QuoteLine) -> String,
) -> impl Fn() -> String + Send + Sync + 'static {
    move || quote.with(|q| q.as_ref().ok().and_then(|q| q.lines.get(index)).map(|l| text(lang, l)).unwrap_or_default())
}

fn quoted(lang: Lang, quote: QuoteSignal, line_count: usize, note_count: usize) -> impl IntoView + use<> {
    let t = texts(lang);
    let lines = (0..line_count).map(|index| line_view(lang, quote, index)).collect_view();
    let notes = (0..note_count)
        .map(|index| {
            let note = move || {
                quote.with(|q| {
                    let note = q.as_ref().ok().and_then(|q| q.notes.get(index));
                    note.map(|n| i18n::pick(lang, &n.zh, &n.en).to_owned()).unwrap_or_default()
                })
            };
            view! { <li>{note}</li> }
        })
        .collect_view();
    let empty = (line_count == 0).then(|| view! { <p class="muted">{t.no_lines}</p> });
    view! {
        <ul class="quote-lines" data-testid="quote-lines">{lines}</ul>
        {empty}
        <ul class="quote-notes">{notes}</ul>
        <dl class="totals">
            <div class="totals-row">
                <dt>{t.subtotal}</dt>
                <dd class="num">{shown(lang, quote, |_, q| i18n::yuan(q.subtotal))}</dd>
            </div>
            <div class="totals-row">
                <dt>{t.discount}</dt>
                <dd class="num" data-testid="discount">{shown(lang, quote, |_, q| discount(q.discount))}</dd>
            </div>
            <div class="totals-row totals-payable">
                <dt>{t.payable}</dt>
                <dd class="num total" data-testid="total">{shown(lang, quote, |_, q| i18n::yuan(q.payable))}</dd>
            </div>
        </dl>
    }
}

fn line_view(lang: Lang, quote: QuoteSignal, index: usize) -> impl IntoView + use<> {
    let line = move |text| line_text(lang, quote, index, text);
    let grants = move || {
        let grant = quote.with(|q| q.as_ref().ok().and_then(|q| q.lines.get(index)).and_then(|l| l.grants));
        grant.map(|g| view! { <li>{i18n::grant(lang, g.kind, g.amount)}</li> })
    };
    let line_discount = move || {
        let amount = quote.with(|q| q.as_ref().ok().and_then(|q| q.lines.get(index)).map(|l| l.discount));
        amount.filter(|d| *d > Money::ZERO).map(|d| {
            view! { <li>{i18n::labelled(lang, texts(lang).discount, &discount(d))}</li> }
        })
    };
    view! {
        <li class="quote-line">
            <div class="quote-line-head">
                <span class="quote-line-name">{line(|lang, l| i18n::pick(lang, &l.name_zh, &l.name_en).to_owned())}</span>
                <span class="num quote-line-amount">{line(|_, l| i18n::yuan(l.amount))}</span>
            </div>
            <ul class="quote-line-facts">
                <li class="num">{line(|lang, l| i18n::quantity_times_price(lang, l.unit, l.quantity, l.unit_price))}</li>
                <li>{line(|lang, l| i18n::validity(lang, &format_date(l.starts_at), &format_date(l.expires_at)))}</li>
                {grants}
                {line_discount}
            </ul>
            <p class="quote-line-reason">{line(|lang, l| i18n::pick(lang, &l.reason.zh, &l.reason.en).to_owned())}</p>
        </li>
    }
}

/// "−¥100.00", or "¥0.00" when there is none: the sign is typography, not arithmetic.
fn discount(amount: Money) -> String {
    if amount > Money::ZERO { format!("−{}", i18n::yuan(amount)) } else { i18n::yuan(amount) }
}

fn refused(lang: Lang, errors: &[DomainError]) -> impl IntoView + use<> {
    let t = texts(lang);
    let mut messages = errors.iter().map(|e| e.text(lang));
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
    quote: QuoteSignal,
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
