use crate::api::MoneyToReturn;
use crate::i18n;
use domain::Lang;
use domain::payment::PaymentStatus;
use leptos::prelude::*;

/// Money received for an order that will be returned (PAY-4, ORD-1): one
/// line per payment, how much, why and how far its return has come; nothing
/// when there is none.
#[component]
pub fn ReturnsNote(
    lang: Lang,
    returns: Vec<MoneyToReturn>,
    /// The `data-testid` of the note.
    testid: String,
) -> impl IntoView {
    (!returns.is_empty()).then(|| {
        let waiting = returns.iter().any(|r| r.status != PaymentStatus::Refunded);
        let items = returns
            .into_iter()
            .map(|r| {
                let received = r.received_at.map(|at| {
                    let label = i18n::pick(lang, "到账时间", "Received");
                    view! { <span class="muted num">{i18n::labelled(lang, label, &i18n::datetime(at))}</span> }
                });
                view! {
                    <li data-testid=format!("return-{}", r.out_trade_no)>
                        <span data-testid=format!("return-{}-status", r.out_trade_no)>
                            {i18n::money_to_return(lang, r.amount, r.reason, r.status)}
                        </span>
                        " "
                        {received}
                    </li>
                }
            })
            .collect_view();
        view! {
            <div class="notice-inline notice-warning returns" role="status" data-testid=testid>
                <ul class="returns-list">{items}</ul>
                {waiting.then(|| view! {
                    <p class="muted returns-note">
                        {i18n::pick(
                            lang,
                            "款项将由工作人员原路退回，无需另行申请。",
                            "Staff return it the way it was paid; nothing needs to be asked for.",
                        )}
                    </p>
                })}
            </div>
        }
    })
}
