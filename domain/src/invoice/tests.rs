use super::*;
use crate::identity::Channel;
use crate::product::{AddOn, Edition};
use crate::quote::quote;
use crate::testing::*;

const CODE: &str = "91110108551385082Q";

fn draft(kind: InvoiceKind) -> TitleDraft {
    TitleDraft {
        kind: Some(kind),
        credit_code: Some(CODE.into()),
        email: "finance@example.com".into(),
        ..TitleDraft::default()
    }
}

fn with_bank(kind: InvoiceKind) -> TitleDraft {
    TitleDraft {
        address: Some("杭州市西湖区文三路1号".into()),
        phone: Some("0571-88888888".into()),
        bank: Some("招商银行杭州分行".into()),
        bank_account: Some("571900000010101".into()),
        ..draft(kind)
    }
}

#[test]
fn inv_1_an_enterprise_title_is_made_out_to_the_verified_name_with_a_checked_credit_code() {
    let typed = TitleDraft { name: Some("别的公司".into()), ..draft(InvoiceKind::Ordinary) };
    let title = Title::for_enterprise("杭州云签科技有限公司", true, &typed).expect("a title");
    assert_eq!(title.name, "杭州云签科技有限公司", "the buyer name is locked to the verified name");
    assert_eq!(title.credit_code.as_ref().map(CreditCode::as_str), Some(CODE));
    assert_eq!((title.buyer, title.kind), (BuyerKind::Enterprise, InvoiceKind::Ordinary));

    let wrong_check = TitleDraft { credit_code: Some("91110108551385082R".into()), ..draft(InvoiceKind::Ordinary) };
    let refused = Title::for_enterprise("杭州云签科技有限公司", true, &wrong_check);
    assert_eq!(refused, Err(DomainError::with_field(ErrorCode::CreditCodeInvalid, "credit_code")));
    let none = TitleDraft { credit_code: None, ..draft(InvoiceKind::Ordinary) };
    assert_eq!(Title::for_enterprise("x", true, &none).map_err(|e| e.code), Err(ErrorCode::CreditCodeInvalid));
    let mail = TitleDraft { email: "finance@example".into(), ..draft(InvoiceKind::Ordinary) };
    assert_eq!(Title::for_enterprise("x", true, &mail), Err(DomainError::invalid("email")));
}

#[test]
fn inv_1_a_special_invoice_needs_address_phone_bank_and_account_and_a_verified_enterprise() {
    let refused = Title::for_enterprise("杭州云签科技有限公司", true, &draft(InvoiceKind::Special));
    assert_eq!(refused, Err(DomainError::with_field(ErrorCode::TitleIncomplete, "address")));
    let no_bank = TitleDraft { bank: Some("  ".into()), ..with_bank(InvoiceKind::Special) };
    assert_eq!(
        Title::for_enterprise("杭州云签科技有限公司", true, &no_bank),
        Err(DomainError::with_field(ErrorCode::TitleIncomplete, "bank")),
        "a blank bank is no bank"
    );
    let title = Title::for_enterprise("杭州云签科技有限公司", true, &with_bank(InvoiceKind::Special)).expect("专票");
    assert_eq!(title.kind.label_zh(), "电子发票（增值税专用发票）");
    let unverified = Title::for_enterprise("杭州云签科技有限公司", false, &with_bank(InvoiceKind::Special));
    assert_eq!(unverified.map_err(|e| e.code), Err(ErrorCode::EnterpriseNotVerified));
    assert!(Title::for_enterprise("x", false, &draft(InvoiceKind::Ordinary)).is_ok(), "普票 for any enterprise");
    let letters = TitleDraft { bank_account: Some("ABC".into()), ..with_bank(InvoiceKind::Special) };
    assert_eq!(Title::for_enterprise("x", true, &letters), Err(DomainError::invalid("bank_account")));
}

#[test]
fn inv_1_a_persons_title_is_a_name_and_an_ordinary_invoice() {
    let draft = TitleDraft { email: "chen@example.com".into(), ..TitleDraft::default() };
    let title = Title::for_person("陈晨", &draft).expect("a title");
    assert_eq!((title.buyer, title.kind, title.name.as_str()), (BuyerKind::Person, InvoiceKind::Ordinary, "陈晨"));
    assert!(title.credit_code.is_none());
    let special = TitleDraft { kind: Some(InvoiceKind::Special), ..draft.clone() };
    assert_eq!(Title::for_person("陈晨", &special), Err(DomainError::invalid("kind")));
}

#[test]
fn inv_1_invoices_on_the_web_for_billing_roles_and_persons_reversal_for_the_super_admin() {
    let who = |roles: &[Role]| enterprise(roles).identity;
    assert!(request_refusals(&who(&[Role::SuperAdmin]), Channel::Web).is_empty());
    assert!(request_refusals(&who(&[Role::BillingStaff]), Channel::Web).is_empty());
    assert!(request_refusals(&person().identity, Channel::Web).is_empty(), "a person for their own orders");
    assert!(!request_refusals(&who(&[Role::LegalRepresentative]), Channel::Web).is_empty());
    assert!(!request_refusals(&who(&[Role::SuperAdmin]), Channel::MiniProgram).is_empty(), "web console only");
    assert!(reversal_refusals(&who(&[Role::SuperAdmin])).is_ok());
    assert_eq!(reversal_refusals(&who(&[Role::BillingStaff])).map_err(|e| e.code), Err(ErrorCode::Forbidden));
}

#[test]
fn inv_1_an_order_is_invoiced_once_for_what_was_paid_until_reversed() {
    let catalog = catalog();
    let buyer = crate::identity::Buyer { vouchers: vec![voucher("V", 980)], ..admin() };
    let mut selection = buy(Edition::Advanced, 1);
    selection.voucher = Some("V".into());
    let q = quote(&ctx(&catalog, &buyer, Channel::Web), &selection).expect("quotes");
    let order = OrderToInvoice { status: OrderStatus::Delivered, held: false, as_person: false, quote: &q };
    assert_eq!(check_invoiceable(&order), Ok(Money::yuan(6_000)), "not what the voucher covered");
    let held = OrderToInvoice { held: true, ..order };
    assert_eq!(check_invoiceable(&held).map_err(|e| e.code), Err(ErrorCode::AlreadyInvoiced));
    let unpaid = OrderToInvoice { status: OrderStatus::AwaitingPayment, ..order };
    assert_eq!(check_invoiceable(&unpaid).map_err(|e| e.code), Err(ErrorCode::InvalidState));
    let refunded = OrderToInvoice { status: OrderStatus::Refunded, ..order };
    assert_eq!(check_invoiceable(&refunded).map_err(|e| e.code), Err(ErrorCode::InvalidState));
    let bound = OrderToInvoice { status: OrderStatus::Bound, ..order };
    assert!(check_invoiceable(&bound).is_ok(), "the enterprise invoices a bound personal order");
    let away = OrderToInvoice { as_person: true, ..bound };
    assert_eq!(check_invoiceable(&away).map_err(|e| e.code), Err(ErrorCode::AlreadyBound), "not the person any more");

    use InvoiceEvent as E;
    use InvoiceStatus as S;
    assert_eq!(S::Requested.apply(E::Submitted), Ok(S::Issuing));
    assert_eq!(S::Issuing.apply(E::Issued), Ok(S::Issued));
    assert_eq!(S::Issuing.apply(E::Failed), Ok(S::Failed));
    assert_eq!(S::Failed.apply(E::Retried), Ok(S::Requested));
    assert_eq!(S::Issued.apply(E::Reversed), Ok(S::Reversed));
    for (from, event) in
        [(S::Requested, E::Reversed), (S::Reversed, E::Reversed), (S::Issued, E::Failed), (S::Issued, E::Retried)]
    {
        assert_eq!(from.apply(event).map_err(|e| e.code), Err(ErrorCode::InvalidState), "{from:?} {event:?}");
    }
    let holding: Vec<S> = S::ALL.into_iter().filter(|s| s.holds_orders()).collect();
    assert_eq!(holding, [S::Requested, S::Issuing, S::Issued], "reversed and failed let the orders go");
    let labels: Vec<&str> = S::ALL.iter().map(|s| s.label_zh()).collect();
    assert_eq!(labels, ["申请中", "开票中", "已开具", "已红冲", "失败"]);
}

#[test]
fn inv_1_tax_lines_per_product_add_up_to_what_was_paid() {
    let catalog = catalog();
    let buyer = crate::identity::Buyer { vouchers: vec![voucher("V", 500)], ..admin() };
    let mut selection = buy(Edition::Advanced, 1).and(&[(AddOn::ContractPack1k, 1)]);
    selection.voucher = Some("V".into());
    let first = quote(&ctx(&catalog, &buyer, Channel::Web), &selection).expect("quotes");
    let second = quote(&ctx(&catalog, &admin(), Channel::Web), &buy(Edition::Advanced, 1)).expect("quotes");
    let paid = first.payable.checked_add(second.payable).expect("adds");
    let amounts = invoice_amounts(catalog.invoicing(), &[&first, &second], paid).expect("lines");
    assert_eq!(amounts.total, paid, "what was paid: ¥8,480 + ¥6,980");
    assert_eq!(amounts.lines.len(), 2, "one line per product: {:?}", amounts.lines);
    let edition = &amounts.lines[0];
    assert_eq!(edition.name, "*信息技术服务*高级版");
    assert_eq!(edition.tax_code, "3040203000000000000");
    assert_eq!(edition.quantity, 2);
    assert_eq!(edition.rate_label(), "6%");
    for line in &amounts.lines {
        assert_eq!(line.amount.checked_add(line.tax), Ok(line.total), "{line:?}");
        assert_eq!(line.amount, line.amount.round());
    }
    assert_eq!(amounts.amount.checked_add(amounts.tax), Ok(amounts.total));
    // ¥100 at 6 %: 94.3396… → 94.34 and 5.66.
    let one = OrderToInvoice { status: OrderStatus::Paid, held: false, as_person: false, quote: &second };
    assert!(check_invoiceable(&one).is_ok());
    let less = Money::yuan(100);
    assert_eq!(
        invoice_amounts(catalog.invoicing(), &[&second], less).map_err(|e| e.code),
        Err(ErrorCode::InvoiceAmountExceeded),
        "never above what was paid"
    );
}

#[test]
fn inv_1_a_line_of_one_hundred_yuan_at_six_percent_is_94_34_and_5_66() {
    let catalog = catalog();
    let mut q = quote(&ctx(&catalog, &admin(), Channel::Web), &buy(Edition::Advanced, 1)).expect("quotes");
    q.lines[0].payable = Money::yuan(100);
    let amounts = invoice_amounts(catalog.invoicing(), &[&q], Money::yuan(100)).expect("lines");
    assert_eq!((amounts.amount, amounts.tax), (Money::from_fen(9_434), Money::from_fen(566)));
}

#[test]
fn inv_1_amounts_in_chinese_capitals() {
    let cases = [
        (1_278_000, "壹万贰仟柒佰捌拾元整"),
        (848_000, "捌仟肆佰捌拾元整"),
        (0, "零元整"),
        (50, "伍角整"),
        (5, "伍分"),
        (140_950, "壹仟肆佰零玖元伍角整"),
        (600_714, "陆仟零柒元壹角肆分"),
        (32_504, "叁佰贰拾伍元零肆分"),
        (1_000, "壹拾元整"),
        (101_000, "壹仟零壹拾元整"),
        (10_000_000, "壹拾万元整"),
        (10_050_000, "壹拾万零伍佰元整"),
        (10_700_053, "壹拾万柒仟元伍角叁分"),
        (2_000_000_000, "贰仟万元整"),
        (10_000_000_100, "壹亿零壹元整"),
        (10_500_000_000, "壹亿零伍佰万元整"),
        (-1_278_000, "负壹万贰仟柒佰捌拾元整"),
    ];
    for (fen, words) in cases {
        assert_eq!(capital_amount(Money::from_fen(fen)).as_deref(), Ok(words), "{fen} fen");
    }
    assert!(capital_amount(Money::yuan(1_000_000_000_000)).is_err(), "a trillion is a typing slip");
}
