//! Every string the app itself shows, in zh-CN (the default) and English.
//!
//! Refusal messages are not here: they come from `domain` (`ErrorCode::message`),
//! so the app and the server use the same words. Product names come from the
//! catalog. The Chinese wording follows the purchase guide and FAQ (seeds).
//!
//! The chooser's strings sit in [`Texts`]; the pages added later give a short
//! string as a zh/en pair where it is used, through [`pick`], so each pair
//! reads next to its English and cannot lose its other half.

use domain::catalog::{AddOnValidity, Allotment};
use domain::eligibility::Remedy;
use domain::enterprise_verification::RequestStatus;
use domain::identity::Role;
use domain::order::OrderStatus;
use domain::payment::{PaymentStatus, RefundReason};
use domain::quote::Unit;
use domain::terms::EditionAction;
use domain::{AddOn, ErrorCode, Instant, Lang, Money, PaymentMethod, QuotaKind};
use leptos::prelude::*;

use crate::api::ApiClientError;
use crate::storage::{self, Area};

/// Fixed strings of one language.
#[derive(Debug)]
pub struct Texts {
    pub product: &'static str,
    pub page_title: &'static str,
    pub switch_language: &'static str,
    pub other_language: &'static str,
    pub loading: &'static str,
    pub retry: &'static str,
    pub editions: &'static str,
    pub per_year: &'static str,
    pub per_pack: &'static str,
    pub quoted_by_sales: &'static str,
    pub duration: &'static str,
    pub duration_unchanged: &'static str,
    pub addons: &'static str,
    pub quantity: &'static str,
    pub integration_years: &'static str,
    pub decrease: &'static str,
    pub increase: &'static str,
    pub breakdown: &'static str,
    pub no_lines: &'static str,
    pub subtotal: &'static str,
    pub discount: &'static str,
    pub payable: &'static str,
    pub not_orderable: &'static str,
    pub also: &'static str,
    pub no_network_hint: &'static str,
}

const ZH: Texts = Texts {
    product: "腾讯电子签",
    page_title: "版本选购",
    switch_language: "切换语言",
    other_language: "English",
    loading: "正在加载产品与价格…",
    retry: "重试",
    editions: "产品版本",
    per_year: "/年",
    per_pack: "/个",
    quoted_by_sales: "专属销售经理为您报价",
    duration: "购买时长",
    duration_unchanged: "升级后到期时间不变。",
    addons: "增值服务",
    quantity: "数量",
    integration_years: "购买年限",
    decrease: "减少",
    increase: "增加",
    breakdown: "价格明细",
    no_lines: "请选择产品版本或增值服务。",
    subtotal: "商品总额",
    discount: "优惠",
    payable: "应付金额",
    not_orderable: "当前选择无法下单",
    also: "其他原因",
    no_network_hint: "价格随选择即时更新。",
};

const EN: Texts = Texts {
    product: "Tencent E-Sign",
    page_title: "Choose an edition",
    switch_language: "Language",
    other_language: "中文",
    loading: "Loading products and prices…",
    retry: "Try again",
    editions: "Edition",
    per_year: "/ year",
    per_pack: "/ pack",
    quoted_by_sales: "Your dedicated sales manager will quote",
    duration: "Duration",
    duration_unchanged: "An upgrade keeps the current expiry date.",
    addons: "Add-on services",
    quantity: "Quantity",
    integration_years: "Years",
    decrease: "Decrease",
    increase: "Increase",
    breakdown: "Price breakdown",
    no_lines: "Choose an edition or an add-on.",
    subtotal: "Subtotal",
    discount: "Discount",
    payable: "Amount due",
    not_orderable: "This selection cannot be ordered",
    also: "Also",
    no_network_hint: "Prices update as you choose.",
};

/// The strings of `lang`.
pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    }
}

/// Puts the language signal in context; the app calls this once. The
/// language chosen last on this device is remembered (local storage).
pub fn provide_lang() -> RwSignal<Lang> {
    const KEY: &str = "esign.lang";
    let lang = RwSignal::new(storage::load(Area::Local, KEY).unwrap_or_default());
    Effect::new(move |_| storage::save(Area::Local, KEY, &lang.get()));
    provide_context(lang);
    lang
}

/// The current language, from context.
pub fn use_lang() -> RwSignal<Lang> {
    expect_context::<RwSignal<Lang>>()
}

/// Keeps the document title at "腾讯电子签 · {page}" in the chosen language,
/// for as long as the calling page is shown.
pub fn use_title(zh: &'static str, en: &'static str) {
    let lang = use_lang();
    Effect::new(move |_| {
        let lang = lang.get();
        document().set_title(&format!("{} · {}", texts(lang).product, pick(lang, zh, en)));
    });
}

/// The `lang` attribute value for `<html>`.
pub fn html_lang(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "zh-CN",
        Lang::En => "en",
    }
}

/// "¥59,200.00": the domain writes the amount (two decimals), the app only
/// adds the sign and groups the yuan in thousands, as consoles show money.
pub fn yuan(amount: Money) -> String {
    let text = amount.to_string();
    let (sign, unsigned) = text.strip_prefix('-').map_or(("", text.as_str()), |rest| ("-", rest));
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let point = if fraction.is_empty() { "" } else { "." };
    format!("{sign}¥{}{point}{fraction}", grouped(whole))
}

/// A count with thousands separators: 2000000 → "2,000,000".
pub fn count(n: u64) -> String {
    grouped(&n.to_string())
}

/// Digits with a comma before each group of three from the right.
fn grouped(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The text in `lang` of a zh/en pair from the catalog or a quote.
pub fn pick<'a>(lang: Lang, zh: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// What an edition includes each year (CAT-3).
pub fn allotment(lang: Lang, allotment: Allotment) -> String {
    match (allotment, lang) {
        (Allotment::PerYear(n), Lang::Zh) => format!("赠送合同 {} 份/年", count(n)),
        (Allotment::PerYear(n), Lang::En) => format!("{} contracts a year", count(n)),
        (Allotment::Once(n), Lang::Zh) => format!("赠送合同：随心用（{} 份）", count(n)),
        (Allotment::Once(n), Lang::En) => format!("Contracts: use freely ({})", count(n)),
    }
}

/// "1 年" / "1 year".
pub fn years(lang: Lang, n: u8) -> String {
    match (lang, n) {
        (Lang::Zh, _) => format!("{n} 年"),
        (Lang::En, 1) => "1 year".to_owned(),
        (Lang::En, _) => format!("{n} years"),
    }
}

/// The price unit of an add-on, from how it is sold.
pub fn addon_price_unit(lang: Lang, validity: AddOnValidity) -> &'static str {
    let t = texts(lang);
    match validity {
        AddOnValidity::PerYear => t.per_year,
        AddOnValidity::FollowsEdition | AddOnValidity::OneYear => t.per_pack,
    }
}

/// One line about each add-on, from the FAQ.
pub fn addon_blurb(lang: Lang, addon: AddOn) -> &'static str {
    match (addon, lang) {
        (AddOn::ContractPack1k | AddOn::ContractPack10k, Lang::Zh) => {
            "合同余量不足时增购。购买后即时生效，到期时间跟随当前版本。"
        }
        (AddOn::ContractPack1k | AddOn::ContractPack10k, Lang::En) => {
            "More contracts when the allotment runs short. Effective at once, expiring with the edition."
        }
        (AddOn::Integration, Lang::Zh) => {
            "无缝嵌入伙伴应用平台，支持 API 接入。仅专业版或旗舰版可选配，购买时长不得超过产品版本有效期。"
        }
        (AddOn::Integration, Lang::En) => {
            "Embed signing in partner platforms through the API. Professional or Flagship only; never longer than the edition."
        }
        (AddOn::SigningReports, Lang::Zh) => {
            "用于诉讼仲裁等场景，证明签署主体的真实意愿及原始数据未经篡改。购买后即时生效，有效期一年。"
        }
        (AddOn::SigningReports, Lang::En) => {
            "Proves the signers' intent and untampered data in disputes. Effective at once, valid one year."
        }
        (AddOn::MeetingSigning, Lang::Zh) => "在腾讯会议中实时共享合同内容并完成签署。购买后即时生效，有效期一年。",
        (AddOn::MeetingSigning, Lang::En) => {
            "Share a contract live in Tencent Meeting and sign it there. Effective at once, valid one year."
        }
    }
}

/// The text of the way out a refusal offers.
pub fn remedy(lang: Lang, remedy: Remedy) -> &'static str {
    match (remedy, lang) {
        (Remedy::WebConsole, Lang::Zh) => "前往电子签网页端购买",
        (Remedy::WebConsole, Lang::En) => "Buy on the web console",
        (Remedy::ContactSales, Lang::Zh) => "联系购买",
        (Remedy::ContactSales, Lang::En) => "Contact to buy",
        (Remedy::PurchaseConsultation, Lang::Zh) => "购买咨询",
        (Remedy::PurchaseConsultation, Lang::En) => "Purchase consultation",
    }
}

/// A badge for what choosing an edition would do, when it is not a first purchase.
pub fn edition_action(lang: Lang, action: EditionAction) -> Option<&'static str> {
    match (action, lang) {
        (EditionAction::New, _) => None,
        (EditionAction::Renewal, Lang::Zh) => Some("续费"),
        (EditionAction::Renewal, Lang::En) => Some("Renewal"),
        (EditionAction::Upgrade, Lang::Zh) => Some("升级"),
        (EditionAction::Upgrade, Lang::En) => Some("Upgrade"),
    }
}

/// "3 年 × ¥6980.00": a line's quantity and unit price, as the quote gives them.
pub fn quantity_times_price(lang: Lang, unit: Unit, quantity: u32, unit_price: Money) -> String {
    let price = yuan(unit_price);
    match (unit, lang) {
        (Unit::Year, Lang::Zh) => format!("{quantity} 年 × {price}"),
        (Unit::Year, Lang::En) => format!("{quantity} yr × {price}"),
        (Unit::Pack, Lang::Zh) => format!("{quantity} 个 × {price}"),
        (Unit::Pack, Lang::En) => format!("{quantity} × {price}"),
        (Unit::Day, Lang::Zh) => format!("剩余 {quantity} 天 · 年差价 {price}"),
        (Unit::Day, Lang::En) => format!("{quantity} days left · yearly difference {price}"),
        (Unit::SalesQuote, Lang::Zh) => format!("销售报价 {price}"),
        (Unit::SalesQuote, Lang::En) => format!("Sales quote {price}"),
    }
}

/// "有效期 2026-11-22 至 2029-11-22".
pub fn validity(lang: Lang, from: &str, to: &str) -> String {
    match lang {
        Lang::Zh => format!("有效期 {from} 至 {to}"),
        Lang::En => format!("Valid {from} to {to}"),
    }
}

/// "1 年、2 年" / "1 year, 2 years".
pub fn list(lang: Lang, items: &[String]) -> String {
    items.join(match lang {
        Lang::Zh => "、",
        Lang::En => ", ",
    })
}

/// "3 年：原因" / "3 years: reason".
pub fn labelled(lang: Lang, label: &str, text: &str) -> String {
    match lang {
        Lang::Zh => format!("{label}：{text}"),
        Lang::En => format!("{label}: {text}"),
    }
}

/// What a line grants at delivery.
pub fn grant(lang: Lang, kind: QuotaKind, amount: u64) -> String {
    let n = count(amount);
    match (kind, lang) {
        (QuotaKind::Contracts, Lang::Zh) => format!("含合同 {n} 份"),
        (QuotaKind::Contracts, Lang::En) => format!("Includes {n} contracts"),
        (QuotaKind::SigningReports, Lang::Zh) => format!("含签署报告 {n} 份"),
        (QuotaKind::SigningReports, Lang::En) => format!("Includes {n} signing reports"),
        (QuotaKind::MeetingSigning, Lang::Zh) => format!("含在线签约 {n} 次"),
        (QuotaKind::MeetingSigning, Lang::En) => format!("Includes {n} meeting signings"),
    }
}

/// A member's role (ID-2), in the seeds' words.
pub fn role(lang: Lang, role: Role) -> &'static str {
    match (role, lang) {
        (Role::LegalRepresentative, Lang::Zh) => "法定代表人",
        (Role::LegalRepresentative, Lang::En) => "Legal representative",
        (Role::SuperAdmin, Lang::Zh) => "超级管理员",
        (Role::SuperAdmin, Lang::En) => "Super admin",
        (Role::BillingStaff, Lang::Zh) => "费用管理员",
        (Role::BillingStaff, Lang::En) => "Billing staff",
        (Role::Staff, Lang::Zh) => "员工",
        (Role::Staff, Lang::En) => "Staff",
    }
}

/// Several roles, listed.
pub fn roles(lang: Lang, roles: &[Role]) -> String {
    let names: Vec<String> = roles.iter().map(|r| role(lang, *r).to_owned()).collect();
    list(lang, &names)
}

/// Where an order is in its life (ORD-1).
pub fn order_status(lang: Lang, status: OrderStatus) -> &'static str {
    match (status, lang) {
        (OrderStatus::AwaitingPayment, Lang::Zh) => "待支付",
        (OrderStatus::AwaitingPayment, Lang::En) => "Awaiting payment",
        (OrderStatus::Paid, Lang::Zh) => "已支付",
        (OrderStatus::Paid, Lang::En) => "Paid",
        (OrderStatus::Delivering, Lang::Zh) => "发货中",
        (OrderStatus::Delivering, Lang::En) => "Delivering",
        (OrderStatus::Delivered, Lang::Zh) => "已发货",
        (OrderStatus::Delivered, Lang::En) => "Delivered",
        (OrderStatus::Bound, Lang::Zh) => "已绑定企业",
        (OrderStatus::Bound, Lang::En) => "Bound to an enterprise",
        (OrderStatus::Closed, Lang::Zh) => "已关闭",
        (OrderStatus::Closed, Lang::En) => "Closed",
        (OrderStatus::NeedsAttention, Lang::Zh) => "待人工处理",
        (OrderStatus::NeedsAttention, Lang::En) => "Needs attention",
        (OrderStatus::Refunded, Lang::Zh) => "已退款",
        (OrderStatus::Refunded, Lang::En) => "Refunded",
    }
}

/// A sentence on what a state means for the buyer, where the name alone
/// does not say it.
pub fn order_status_note(lang: Lang, status: OrderStatus) -> Option<&'static str> {
    match status {
        OrderStatus::NeedsAttention => Some(pick(
            lang,
            "订单已支付但无法交付，款项将原路退回，工作人员会尽快处理。",
            "The order was paid but cannot be delivered; the payment will be returned to where it came from.",
        )),
        OrderStatus::Refunded => Some(pick(
            lang,
            "订单未能交付，款项已原路退回。",
            "The order could not be delivered; its payment was returned to where it came from.",
        )),
        OrderStatus::AwaitingPayment
        | OrderStatus::Paid
        | OrderStatus::Delivering
        | OrderStatus::Delivered
        | OrderStatus::Bound
        | OrderStatus::Closed => None,
    }
}

/// Why a paid order could not be delivered, from the server's `attention`
/// text: a refusal (`code: message`) in the buyer's language, anything else
/// (a delivery that kept failing) as the server wrote it.
pub fn attention(lang: Lang, text: &str) -> String {
    let code = text.split_once(':').map_or(text, |(code, _)| code).trim();
    match serde_json::from_value::<ErrorCode>(serde_json::Value::String(code.to_owned())) {
        Ok(code) => code.message(lang).to_owned(),
        Err(_) => match lang {
            Lang::Zh => "多次发货未成功。".to_owned(),
            Lang::En => "Delivery failed several times.".to_owned(),
        },
    }
}

/// Why money received is to be returned (PAY-4, ORD-1).
pub fn refund_reason(lang: Lang, reason: RefundReason) -> &'static str {
    match (reason, lang) {
        (RefundReason::OrderClosed, Lang::Zh) => "付款到账时订单已关闭",
        (RefundReason::OrderClosed, Lang::En) => "the order had closed when the payment arrived",
        (RefundReason::AlreadyPaid, Lang::Zh) => "订单已支付，此笔为重复付款",
        (RefundReason::AlreadyPaid, Lang::En) => "the order was already paid; this is a second payment",
        (RefundReason::PaymentClosed, Lang::Zh) => "该笔支付已关闭",
        (RefundReason::PaymentClosed, Lang::En) => "this payment had been closed",
        (RefundReason::OrderChanged, Lang::Zh) => "下单后账户状态已变化，订单需重新下单",
        (RefundReason::OrderChanged, Lang::En) => {
            "the account changed after the order was placed; the order has to be placed again"
        }
        (RefundReason::NotDeliverable, Lang::Zh) => "订单无法交付",
        (RefundReason::NotDeliverable, Lang::En) => "the order could not be delivered",
    }
}

/// "已收到款项 ¥12780.00，将原路退回（原因）".
pub fn money_to_return(lang: Lang, amount: Money, reason: Option<RefundReason>, status: PaymentStatus) -> String {
    let amount = yuan(amount);
    let (zh, en) = match status {
        PaymentStatus::Refunding => ("正在原路退回", "it is on its way back"),
        PaymentStatus::Refunded => ("已原路退回", "it was returned"),
        _ => ("将原路退回", "it will be returned"),
    };
    match (lang, reason.map(|r| refund_reason(lang, r))) {
        (Lang::Zh, Some(why)) => format!("已收到款项 {amount}，{zh}（{why}）"),
        (Lang::Zh, None) => format!("已收到款项 {amount}，{zh}"),
        (Lang::En, Some(why)) => format!("Payment of {amount} received; {en} ({why})"),
        (Lang::En, None) => format!("Payment of {amount} received; {en}"),
    }
}

/// Where a payment stands, for operations staff.
pub fn payment_status(lang: Lang, status: PaymentStatus) -> &'static str {
    match (status, lang) {
        (PaymentStatus::Pending, Lang::Zh) => "待支付",
        (PaymentStatus::Pending, Lang::En) => "Pending",
        (PaymentStatus::Paid, Lang::Zh) => "已支付",
        (PaymentStatus::Paid, Lang::En) => "Paid",
        (PaymentStatus::Failed, Lang::Zh) => "支付失败",
        (PaymentStatus::Failed, Lang::En) => "Failed",
        (PaymentStatus::Closed, Lang::Zh) => "已关闭",
        (PaymentStatus::Closed, Lang::En) => "Closed",
        (PaymentStatus::RefundDue, Lang::Zh) => "待退款",
        (PaymentStatus::RefundDue, Lang::En) => "To refund",
        (PaymentStatus::Disputed, Lang::Zh) => "金额异常",
        (PaymentStatus::Disputed, Lang::En) => "Amount disputed",
        (PaymentStatus::Refunding, Lang::Zh) => "退款中",
        (PaymentStatus::Refunding, Lang::En) => "Refunding",
        (PaymentStatus::Refunded, Lang::Zh) => "已退款",
        (PaymentStatus::Refunded, Lang::En) => "Refunded",
    }
}

/// Where an enterprise verification request stands (VER-2).
pub fn verification_status(lang: Lang, status: RequestStatus) -> &'static str {
    match (status, lang) {
        (RequestStatus::Submitted, Lang::Zh) => "审核中",
        (RequestStatus::Submitted, Lang::En) => "Under review",
        (RequestStatus::Approved, Lang::Zh) => "已认证",
        (RequestStatus::Approved, Lang::En) => "Verified",
        (RequestStatus::Rejected, Lang::Zh) => "未通过",
        (RequestStatus::Rejected, Lang::En) => "Not approved",
    }
}

/// A payment method (PAY-1), in the seeds' words.
pub fn payment_method(lang: Lang, method: PaymentMethod) -> &'static str {
    match (method, lang) {
        (PaymentMethod::Balance, Lang::Zh) => "腾讯云账户余额",
        (PaymentMethod::Balance, Lang::En) => "Cloud account balance",
        (PaymentMethod::WechatPay, Lang::Zh) => "微信支付",
        (PaymentMethod::WechatPay, Lang::En) => "WeChat Pay",
        (PaymentMethod::OnlineBanking, Lang::Zh) => "网银支付",
        (PaymentMethod::OnlineBanking, Lang::En) => "Online banking",
        (PaymentMethod::Voucher, Lang::Zh) => "代金券全额抵扣",
        (PaymentMethod::Voucher, Lang::En) => "Covered by a voucher",
    }
}

/// "2026-11-22 15:04" in China Standard Time, where buyers' dates live.
pub fn datetime(at: Instant) -> String {
    use chrono::{Datelike, Timelike};
    // Fields, not a format string: chrono's format parser is a large part of a small download.
    const CST: chrono::FixedOffset = match chrono::FixedOffset::east_opt(8 * 3600) {
        Some(offset) => offset,
        None => panic!("UTC+8 is a valid offset"),
    };
    let local = at.with_timezone(&CST);
    format!("{:04}-{:02}-{:02} {:02}:{:02}", local.year(), local.month(), local.day(), local.hour(), local.minute())
}

/// Why a request failed, for the person at the screen.
pub fn api_error(lang: Lang, error: &ApiClientError) -> String {
    match (error, lang) {
        (ApiClientError::Network(_), Lang::Zh) => "无法连接服务器，请检查网络后重试。".to_owned(),
        (ApiClientError::Network(_), Lang::En) => {
            "The server cannot be reached; check the network and try again.".to_owned()
        }
        (ApiClientError::Status(status), Lang::Zh) => format!("服务器暂时无法处理请求（HTTP {status}），请稍后重试。"),
        (ApiClientError::Status(status), Lang::En) => {
            format!("The server could not handle the request (HTTP {status}); try again shortly.")
        }
        (ApiClientError::Server(e), _) => e.error.text(lang),
        (ApiClientError::Decode(_), Lang::Zh) => "服务器返回的数据无法识别，请刷新页面后重试。".to_owned(),
        (ApiClientError::Decode(_), Lang::En) => "The server's answer was not understood; reload the page.".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_get_thousands_separators() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(2_000_000), "2,000,000");
    }

    #[test]
    fn amounts_show_the_yuan_sign_and_thousands_separators() {
        let yuan_of = |text: &str| yuan(text.parse().expect("money"));
        assert_eq!(yuan_of("59200.00"), "¥59,200.00");
        assert_eq!(yuan_of("6980.00"), "¥6,980.00");
        assert_eq!(yuan_of("980.50"), "¥980.50");
        assert_eq!(yuan_of("0.00"), "¥0.00");
        assert_eq!(yuan_of("1234567.89"), "¥1,234,567.89");
    }

    #[test]
    fn ord_1_attention_shows_a_refusal_in_the_buyers_language() {
        let text = format!("no_active_edition: {}", ErrorCode::NoActiveEdition.message(Lang::Zh));
        assert_eq!(attention(Lang::En, &text), ErrorCode::NoActiveEdition.message(Lang::En));
        assert_eq!(attention(Lang::Zh, "delivery failed 5 times: database is locked"), "多次发货未成功。");
    }

    #[test]
    fn pay_4_money_to_return_says_how_much_and_why() {
        let amount: Money = "12780.00".parse().expect("money");
        assert_eq!(
            money_to_return(Lang::Zh, amount, Some(RefundReason::AlreadyPaid), PaymentStatus::RefundDue),
            "已收到款项 ¥12,780.00，将原路退回（订单已支付，此笔为重复付款）"
        );
        assert_eq!(
            money_to_return(Lang::En, amount, None, PaymentStatus::RefundDue),
            "Payment of ¥12,780.00 received; it will be returned"
        );
        assert_eq!(
            money_to_return(Lang::Zh, amount, Some(RefundReason::OrderChanged), PaymentStatus::Refunded),
            "已收到款项 ¥12,780.00，已原路退回（下单后账户状态已变化，订单需重新下单）"
        );
    }
}
