//! The filters of the order records: status, payment method, the dates
//! placed (China Standard Time) and who placed it. They live in the page's
//! address (`?status=delivered&from=2026-12-01`), so a reload, Back and
//! Forward and a shared link keep them.

use crate::api::OrderView;
use crate::components::wire_name;
use crate::i18n::{self, pick};
use domain::order::OrderStatus;
use domain::time::format_date;
use domain::{Lang, PaymentMethod};
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};

/// The filters as the address holds them (empty: any).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub status: String,
    pub method: String,
    pub from: String,
    pub to: String,
    /// `me` (the orders I placed) or `others`.
    pub by: String,
}

impl Filters {
    /// Whether `order` passes, `me` being the person looking.
    pub fn keeps(&self, order: &OrderView, me: i64) -> bool {
        let placed = format_date(order.created_at);
        (self.status.is_empty() || wire_name(&order.status) == self.status)
            && (self.method.is_empty() || order.payment_method.is_some_and(|m| wire_name(&m) == self.method))
            && (self.from.is_empty() || placed.as_str() >= self.from.as_str())
            && (self.to.is_empty() || placed.as_str() <= self.to.as_str())
            && match self.by.as_str() {
                "me" => order.placed_by == me,
                "others" => order.placed_by != me,
                _ => true,
            }
    }

    fn query(&self) -> String {
        let pairs = [
            ("status", &self.status),
            ("method", &self.method),
            ("from", &self.from),
            ("to", &self.to),
            ("by", &self.by),
        ];
        let set: Vec<String> = pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={v}")).collect();
        if set.is_empty() { String::new() } else { format!("?{}", set.join("&")) }
    }
}

/// The filters in the address, followed as it changes.
pub fn use_filters() -> Memo<Filters> {
    let query = use_query_map();
    Memo::new(move |_| {
        query.with(|q| {
            let get = |k: &str| q.get(k).unwrap_or_default();
            Filters { status: get("status"), method: get("method"), from: get("from"), to: get("to"), by: get("by") }
        })
    })
}

/// The filter bar; each change replaces the address (one history entry per
/// visit, not per click).
pub fn filter_bar(lang: Lang, filters: Memo<Filters>, by_person: bool) -> impl IntoView + use<> {
    let navigate = use_navigate();
    let path = use_location().pathname;
    let set = move |change: &dyn Fn(&mut Filters)| {
        let mut next = filters.get_untracked();
        change(&mut next);
        let to = format!("{}{}", path.get_untracked(), next.query());
        navigate(&to, NavigateOptions { replace: true, scroll: false, ..NavigateOptions::default() });
    };
    let set = std::sync::Arc::new(set);
    let select = |id: &'static str,
                  label: &'static str,
                  options: Vec<(String, String)>,
                  field: fn(&mut Filters) -> &mut String| {
        let set = std::sync::Arc::clone(&set);
        let current = move || field(&mut filters.get()).clone();
        let options = options
            .into_iter()
            .map(|(value, text)| {
                let selected = {
                    let value = value.clone();
                    move || current() == value
                };
                view! { <option value=value.clone() selected=selected>{text}</option> }
            })
            .collect_view();
        view! {
            <label class="filter">
                <span class="field-label">{label}</span>
                <select class="input" data-testid=format!("filter-{id}") on:change=move |ev| {
                    let value = event_target_value(&ev);
                    set(&|f: &mut Filters| *field(f) = value.clone());
                }>
                    <option value="">{pick(lang, "全部", "All")}</option>
                    {options}
                </select>
            </label>
        }
    };
    let statuses = OrderStatus::ALL.iter().map(|s| (wire_name(s), i18n::order_status(lang, *s).to_owned())).collect();
    let methods =
        PaymentMethod::ALL.iter().map(|m| (wire_name(m), i18n::payment_method(lang, *m).to_owned())).collect();
    let people = vec![
        ("me".to_owned(), pick(lang, "我提交的", "Placed by me").to_owned()),
        ("others".to_owned(), pick(lang, "其他成员提交的", "Placed by others").to_owned()),
    ];
    let date = |id: &'static str, label: &'static str, field: fn(&mut Filters) -> &mut String| {
        let set = std::sync::Arc::clone(&set);
        view! {
            <label class="filter">
                <span class="field-label">{label}</span>
                <input
                    type="date"
                    class="input"
                    data-testid=format!("filter-{id}")
                    prop:value=move || field(&mut filters.get()).clone()
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        set(&|f: &mut Filters| *field(f) = value.clone());
                    }
                />
            </label>
        }
    };
    view! {
        <div class="filters panel" role="search" aria-label=pick(lang, "筛选订单", "Filter the orders")>
            {select("status", pick(lang, "订单状态", "Status"), statuses, |f| &mut f.status)}
            {select("method", pick(lang, "支付方式", "Payment method"), methods, |f| &mut f.method)}
            {date("from", pick(lang, "下单日期从", "Placed from"), |f| &mut f.from)}
            {date("to", pick(lang, "至", "to"), |f| &mut f.to)}
            {by_person.then(|| select("by", pick(lang, "下单人", "Placed by"), people, |f| &mut f.by))}
        </div>
    }
}
