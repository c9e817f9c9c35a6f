//! The invoice centre (发票中心, INV-1): invoice titles (发票抬头), which
//! orders may be invoiced, the tax lines of an invoice, the amount in
//! Chinese capitals (大写) and the states an invoice goes through.

use crate::catalog::InvoicingTerms;
use crate::credit_code::CreditCode;
use crate::error::{DomainError, ErrorCode};
use crate::identity::{Channel, Identity, Role};
use crate::money::Money;
use crate::order::OrderStatus;
use crate::product::Product;
use crate::quote::{Quote, Unit};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The two kinds of electronic invoice (数电票) a buyer may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum InvoiceKind {
    /// 电子发票（普通发票）.
    Ordinary,
    /// 电子发票（增值税专用发票）: verified enterprises only, with address,
    /// phone, bank and account.
    Special,
}

impl InvoiceKind {
    /// The name printed at the top of the document.
    pub fn label_zh(self) -> &'static str {
        match self {
            InvoiceKind::Ordinary => "电子发票（普通发票）",
            InvoiceKind::Special => "电子发票（增值税专用发票）",
        }
    }
}

/// Whom a title names: an enterprise (with its credit code) or a person (个人).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum BuyerKind {
    Enterprise,
    Person,
}

/// A title as typed in the invoice centre, before it is checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TitleDraft {
    /// `ordinary` (the default) or `special`.
    #[serde(default)]
    pub kind: Option<InvoiceKind>,
    /// A person's title only: the name on it (an enterprise's is its verified name).
    #[serde(default)]
    pub name: Option<String>,
    /// An enterprise's unified social credit code (纳税人识别号).
    #[serde(default)]
    pub credit_code: Option<String>,
    /// 地址 (required for 专票).
    #[serde(default)]
    pub address: Option<String>,
    /// 电话 (required for 专票).
    #[serde(default)]
    pub phone: Option<String>,
    /// 开户银行 (required for 专票).
    #[serde(default)]
    pub bank: Option<String>,
    /// 银行账号 (required for 专票).
    #[serde(default)]
    pub bank_account: Option<String>,
    /// Where the document is sent.
    pub email: String,
}

/// A checked invoice title (发票抬头).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Title {
    pub buyer: BuyerKind,
    pub kind: InvoiceKind,
    /// 购方名称: the verified enterprise's name, or the person's.
    pub name: String,
    pub credit_code: Option<CreditCode>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub bank: Option<String>,
    pub bank_account: Option<String>,
    pub email: String,
}

/// A trimmed optional text of at most `max` characters; empty is none.
fn optional(text: Option<&String>, field: &str, max: usize) -> Result<Option<String>, DomainError> {
    match text.map(|t| t.trim()).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) if t.chars().count() <= max && !t.chars().any(char::is_control) => Ok(Some(t.to_owned())),
        Some(_) => Err(DomainError::invalid(field)),
    }
}

/// An e-mail address as a mail server would take it: one `@`, a dotted
/// domain, no spaces, at most 254 characters.
fn email(text: &str) -> Result<String, DomainError> {
    let text = text.trim();
    let valid = text.len() <= 254
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
        && text.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.split('.').count() >= 2
                && !domain.split('.').any(str::is_empty)
        });
    if valid { Ok(text.to_owned()) } else { Err(DomainError::invalid("email")) }
}

impl Title {
    /// INV-1: an enterprise's title. The name is the enterprise's verified
    /// name whatever was typed; the credit code must pass its check
    /// character (GB 32100-2015); 专票 only for a verified enterprise, and
    /// only with address, phone, bank and account (`title_incomplete`
    /// naming the first that is missing).
    pub fn for_enterprise(enterprise_name: &str, verified: bool, draft: &TitleDraft) -> Result<Title, DomainError> {
        let kind = draft.kind.unwrap_or(InvoiceKind::Ordinary);
        let code = draft.credit_code.as_deref().unwrap_or_default();
        let credit_code = CreditCode::parse(code)?;
        let address = optional(draft.address.as_ref(), "address", 200)?;
        let phone = optional(draft.phone.as_ref(), "phone", 30)?;
        let bank = optional(draft.bank.as_ref(), "bank", 100)?;
        let bank_account = optional(draft.bank_account.as_ref(), "bank_account", 40)?;
        if bank_account.as_deref().is_some_and(|a| !a.chars().all(|c| c.is_ascii_digit() || c == ' ' || c == '-')) {
            return Err(DomainError::invalid("bank_account"));
        }
        let email = email(&draft.email)?;
        if kind == InvoiceKind::Special {
            if !verified {
                return Err(DomainError::new(ErrorCode::EnterpriseNotVerified));
            }
            let required = [("address", &address), ("phone", &phone), ("bank", &bank), ("bank_account", &bank_account)];
            if let Some((field, _)) = required.iter().find(|(_, value)| value.is_none()) {
                return Err(DomainError::with_field(ErrorCode::TitleIncomplete, field));
            }
        }
        Ok(Title {
            buyer: BuyerKind::Enterprise,
            kind,
            name: enterprise_name.to_owned(),
            credit_code: Some(credit_code),
            address,
            phone,
            bank,
            bank_account,
            email,
        })
    }

    /// INV-1: a person's title for their own orders: a name (their own
    /// unless another is typed), type 个人, an ordinary invoice only.
    pub fn for_person(person_name: &str, draft: &TitleDraft) -> Result<Title, DomainError> {
        if draft.kind == Some(InvoiceKind::Special) {
            return Err(DomainError::invalid("kind"));
        }
        let name = optional(draft.name.as_ref(), "name", 100)?.unwrap_or_else(|| person_name.to_owned());
        Ok(Title {
            buyer: BuyerKind::Person,
            kind: InvoiceKind::Ordinary,
            name,
            credit_code: None,
            address: None,
            phone: None,
            bank: None,
            bank_account: None,
            email: email(&draft.email)?,
        })
    }
}

/// INV-1: invoices on the web console, for a super admin or staff with the
/// billing permission of an enterprise, or a person for their own orders.
pub fn request_refusals(identity: &Identity, channel: Channel) -> Vec<DomainError> {
    let mut errors = Vec::new();
    if channel != Channel::Web || !(identity.is_person() || identity.has_any_role(&INVOICE_ROLES)) {
        errors.push(DomainError::new(ErrorCode::Forbidden));
    }
    errors
}

/// Roles that may request invoices (INV-1).
pub const INVOICE_ROLES: [Role; 2] = [Role::SuperAdmin, Role::BillingStaff];

/// INV-1 **decision**: a red-letter reversal (红冲) is the super admin's
/// (a person reverses their own invoices).
pub fn reversal_refusals(identity: &Identity) -> Result<(), DomainError> {
    if identity.is_person() || identity.has_any_role(&[Role::SuperAdmin]) {
        Ok(())
    } else {
        Err(DomainError::new(ErrorCode::Forbidden))
    }
}

/// One order as the invoice centre sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderToInvoice<'a> {
    pub status: OrderStatus,
    /// An invoice that is not failed or reversed already covers it.
    pub held: bool,
    /// Asked by the person who bought it (not by the enterprise it was bound to).
    pub as_person: bool,
    pub quote: &'a Quote,
}

/// INV-1: whether one order may go on an invoice, and for how much: what
/// was paid (after the voucher), once, until its invoice is reversed. A
/// personal order that was bound is the enterprise's to invoice.
pub fn check_invoiceable(order: &OrderToInvoice<'_>) -> Result<Money, DomainError> {
    if order.as_person && order.status == OrderStatus::Bound {
        return Err(DomainError::new(ErrorCode::AlreadyBound));
    }
    if order.held {
        return Err(DomainError::new(ErrorCode::AlreadyInvoiced));
    }
    if !order.status.keeps_payment() {
        return Err(DomainError::new(ErrorCode::InvalidState));
    }
    Ok(order.quote.payable)
}

/// One line of an invoice (货物或应税劳务、服务名称 … 税额).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceLine {
    pub product: Product,
    /// As printed: `*信息技术服务*高级版`.
    pub name: String,
    /// 税收分类编码.
    pub tax_code: String,
    pub quantity: u32,
    pub unit: Unit,
    /// 税率, e.g. "0.06".
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tax_rate: Decimal,
    /// 金额: excluding tax.
    pub amount: Money,
    /// 税额.
    pub tax: Money,
    /// 价税合计 of the line: what was paid for it.
    pub total: Money,
}

impl InvoiceLine {
    /// The rate as printed: `6%`.
    pub fn rate_label(&self) -> String {
        format!("{}%", (self.tax_rate * Decimal::ONE_HUNDRED).normalize())
    }
}

/// An invoice's figures: the lines and what they add up to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceAmounts {
    pub lines: Vec<InvoiceLine>,
    /// 合计金额 (excluding tax).
    pub amount: Money,
    /// 合计税额.
    pub tax: Money,
    /// 价税合计: exactly what was paid for the orders.
    pub total: Money,
}

/// INV-1: the lines of one invoice for these orders' quotes, one per
/// product (merged orders add up), from what was paid for each quote line.
/// **decision** Each line's tax-inclusive total is split once: amount =
/// total ÷ (1 + rate) rounded (PRI-3), tax = total − amount, so every line
/// adds up and the lines add up to what was paid. Lines fully covered by a
/// voucher are left out. More than `paid` is `invoice_amount_exceeded`.
pub fn invoice_amounts(terms: &InvoicingTerms, quotes: &[&Quote], paid: Money) -> Result<InvoiceAmounts, DomainError> {
    let mut merged: Vec<(Product, String, Unit, u32, Money)> = Vec::new();
    for line in quotes.iter().flat_map(|q| &q.lines).filter(|l| l.payable > Money::ZERO) {
        match merged.iter_mut().find(|(p, _, u, _, _)| *p == line.product && *u == line.unit) {
            Some((_, _, _, quantity, total)) => {
                *quantity = quantity.saturating_add(line.quantity);
                *total = total.checked_add(line.payable)?;
            }
            None => merged.push((line.product, line.name_zh.clone(), line.unit, line.quantity, line.payable)),
        }
    }
    let divisor = Decimal::ONE.checked_add(terms.tax_rate).ok_or_else(|| DomainError::invalid("tax_rate"))?;
    let mut lines = Vec::with_capacity(merged.len());
    for (product, name, unit, quantity, total) in merged {
        let amount =
            Money::new(total.amount().checked_div(divisor).ok_or_else(|| DomainError::invalid("amount"))?).round();
        lines.push(InvoiceLine {
            product,
            name: format!("*{}*{name}", terms.category_zh),
            tax_code: terms.tax_code.clone(),
            quantity,
            unit,
            tax_rate: terms.tax_rate,
            amount,
            tax: total.checked_sub(amount)?,
            total,
        });
    }
    let total = Money::sum(lines.iter().map(|l| &l.total))?;
    if total > paid {
        return Err(DomainError::new(ErrorCode::InvoiceAmountExceeded));
    }
    Ok(InvoiceAmounts {
        amount: Money::sum(lines.iter().map(|l| &l.amount))?,
        tax: Money::sum(lines.iter().map(|l| &l.tax))?,
        total,
        lines,
    })
}

const DIGITS: [&str; 10] = ["零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"];

/// 1..=9999 in capitals: 仟佰拾, zeros inside written once, zeros at the end not at all.
fn four_digits(n: u64, out: &mut String) {
    let places = [(n / 1000, "仟"), (n / 100 % 10, "佰"), (n / 10 % 10, "拾"), (n % 10, "")];
    let (mut started, mut zero) = (false, false);
    for (digit, unit) in places {
        if digit == 0 {
            zero |= started;
            continue;
        }
        if zero {
            out.push_str(DIGITS[0]);
            zero = false;
        }
        out.push_str(DIGITS[usize::try_from(digit).unwrap_or(0)]);
        out.push_str(unit);
        started = true;
    }
}

/// The amount in Chinese capitals (大写金额) as a 数电票 prints it:
/// ¥12,780.00 → 壹万贰仟柒佰捌拾元整. **decision** Following the
/// accounting rules (会计基础工作规范): 整 after 元 or 角, none after 分;
/// a zero between non-zero places written once (壹拾万零伍佰元整, 叁佰贰拾伍元零肆分);
/// the optional 零 between 元 and 角 left out; a negative (red) amount
/// begins with 负. Below one trillion yuan, else `invalid_input`.
pub fn capital_amount(money: Money) -> Result<String, DomainError> {
    let fen = money.round().to_fen()?;
    let mut out = String::new();
    if fen < 0 {
        out.push('负');
    }
    let fen = fen.unsigned_abs();
    let (yuan, jiao, fen) = (fen / 100, fen / 10 % 10, fen % 10);
    if yuan >= 1_000_000_000_000 {
        return Err(DomainError::invalid("amount"));
    }
    let (mut started, mut zero) = (false, false);
    for (group, unit) in [(yuan / 100_000_000, "亿"), (yuan / 10_000 % 10_000, "万"), (yuan % 10_000, "")] {
        if group == 0 {
            zero |= started;
            continue;
        }
        if started && (zero || group < 1000) {
            out.push_str(DIGITS[0]);
        }
        four_digits(group, &mut out);
        out.push_str(unit);
        (started, zero) = (true, false);
    }
    let digit = |d: u64| DIGITS[usize::try_from(d).unwrap_or(0)];
    match (started, jiao, fen) {
        (false, 0, 0) => out.push_str("零元整"),
        (_, 0, 0) => out.push_str("元整"),
        (_, j, f) => {
            if started {
                out.push('元');
            }
            if j > 0 {
                out.push_str(digit(j));
                out.push('角');
            } else if started {
                out.push_str(DIGITS[0]);
            }
            if f > 0 {
                out.push_str(digit(f));
                out.push('分');
            } else {
                out.push('整');
            }
        }
    }
    Ok(out)
}

/// Where an invoice stands (申请中 / 开票中 / 已开具 / 已红冲 / 失败).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum InvoiceStatus {
    /// Asked for; not yet handed to the tax platform.
    Requested,
    /// Handed to the platform, which issues asynchronously.
    Issuing,
    /// Issued: numbered, with its document.
    Issued,
    /// Reversed by a red-letter invoice (红冲): its orders may be invoiced again.
    Reversed,
    /// The platform refused it (the reason is kept); it may be asked again.
    Failed,
}

/// What happens to an invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceEvent {
    /// The worker handed it to the platform.
    Submitted,
    /// The platform issued it.
    Issued,
    /// The platform refused it.
    Failed,
    /// A failed request is asked again.
    Retried,
    /// A red-letter invoice cancels it.
    Reversed,
}

impl InvoiceStatus {
    /// Every state, for the stored-name codec.
    pub const ALL: [InvoiceStatus; 5] = [
        InvoiceStatus::Requested,
        InvoiceStatus::Issuing,
        InvoiceStatus::Issued,
        InvoiceStatus::Reversed,
        InvoiceStatus::Failed,
    ];

    /// As the invoice centre shows it.
    pub fn label_zh(self) -> &'static str {
        match self {
            InvoiceStatus::Requested => "申请中",
            InvoiceStatus::Issuing => "开票中",
            InvoiceStatus::Issued => "已开具",
            InvoiceStatus::Reversed => "已红冲",
            InvoiceStatus::Failed => "失败",
        }
    }

    /// The state after `event`, or `invalid_state`.
    pub fn apply(self, event: InvoiceEvent) -> Result<InvoiceStatus, DomainError> {
        use InvoiceStatus as S;
        let next = match (self, event) {
            (S::Requested, InvoiceEvent::Submitted) => S::Issuing,
            (S::Issuing, InvoiceEvent::Issued) => S::Issued,
            (S::Requested | S::Issuing, InvoiceEvent::Failed) => S::Failed,
            (S::Failed, InvoiceEvent::Retried) => S::Requested,
            (S::Issued, InvoiceEvent::Reversed) => S::Reversed,
            _ => return Err(DomainError::new(ErrorCode::InvalidState)),
        };
        Ok(next)
    }

    /// Whether it covers its orders, so that they cannot go on another
    /// invoice. **decision** A failed request lets go of them (nothing of it
    /// stands at the tax platform); asking it again takes them back, if no
    /// other invoice took them meanwhile.
    pub fn holds_orders(self) -> bool {
        matches!(self, InvoiceStatus::Requested | InvoiceStatus::Issuing | InvoiceStatus::Issued)
    }
}

#[cfg(test)]
mod tests;
