//! Before a personal purchase is paid: what binding it to an enterprise will
//! do later (BND-1, BND-2, BND-4), or a warning that it never could be, as
//! `domain::binding::binding_outlook` says.

use crate::i18n::{self, pick};
use domain::binding::{BindingOutlook, binding_outlook};
use domain::identity::Membership;
use domain::{Lang, Quote};
use leptos::prelude::*;

/// The note for a person's purchase `quote`; the caller shows it only when
/// the buyer acts as a person.
#[component]
pub fn BindingNote(lang: Lang, quote: Quote, memberships: Vec<Membership>) -> impl IntoView {
    let outlook = binding_outlook(&quote, &memberships);
    let bindable = matches!(outlook, BindingOutlook::Bindable { .. });
    let takes_effect = pick(
        lang,
        "个人身份购买的产品支付后立即生效并计费。",
        "A personal purchase takes effect and is charged for from the moment it is paid.",
    );
    let body = match outlook {
        BindingOutlook::Bindable { enterprises, edition } => {
            let names = i18n::list(lang, &enterprises);
            let mut text = match lang {
                Lang::Zh => format!(
                    "支付后可在“我的订单”中绑定到已认证的企业（{names}）：购买的内容及剩余份额转入该企业，有效期从支付时起算，保持不变。"
                ),
                Lang::En => format!(
                    "Once paid, bind it in My orders to a verified enterprise ({names}): what it holds and what is left moves there, its validity still counted from payment."
                ),
            };
            if edition {
                text.push_str(pick(
                    lang,
                    "该企业已有生效中的版本时无法绑定版本。",
                    " An edition does not bind to an enterprise whose own edition is running.",
                ));
            }
            text
        }
        BindingOutlook::Never(reason) => {
            let why = reason.text(lang);
            match lang {
                Lang::Zh => format!("此订单将无法绑定到企业：{why}购买后将一直属于您的个人账户。"),
                Lang::En => format!(
                    "This order could never be bound to an enterprise: {why} It would stay with your personal account."
                ),
            }
        }
    };
    let class = if bindable { "notice-inline" } else { "notice-inline notice-danger" };
    view! {
        <section class=class role=(!bindable).then_some("alert") data-testid="binding-outlook" data-bindable=bindable.to_string()>
            <p class="notice-title">{pick(lang, "绑定企业说明", "Binding to an enterprise")}</p>
            <p>{takes_effect}</p>
            <p>{body}</p>
        </section>
    }
}
