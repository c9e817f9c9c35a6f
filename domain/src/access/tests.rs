use super::*;
use crate::quote::quote;
use crate::testing::*;

fn identity(roles: &[Role]) -> Identity {
    enterprise(roles).identity
}

#[test]
fn vis_1_purchase_records_are_for_the_super_admin_and_legal_representative() {
    let cases = [
        (vec![Role::SuperAdmin], true),
        (vec![Role::LegalRepresentative], true),
        (vec![Role::BillingStaff], false),
        (vec![Role::Staff], false),
    ];
    for (roles, sees) in cases {
        assert_eq!(can_view_order_records(&identity(&roles)), sees, "{roles:?}");
    }
    assert!(can_view_order_records(&person().identity), "a person sees their own orders");
}

#[test]
fn vis_2_quick_actions_show_only_to_roles_allowed_to_use_them() {
    let admin = quick_actions(&identity(&[Role::SuperAdmin]), Channel::Web);
    assert_eq!(
        admin,
        [QuickAction::Orders, QuickAction::Packages, QuickAction::Invoices, QuickAction::Upgrade, QuickAction::Renew]
    );
    let billing = quick_actions(&identity(&[Role::BillingStaff]), Channel::Web);
    assert_eq!(billing, [QuickAction::Packages, QuickAction::Invoices, QuickAction::Upgrade, QuickAction::Renew]);
    let staff = quick_actions(&identity(&[Role::Staff]), Channel::Web);
    assert_eq!(staff, [QuickAction::Packages, QuickAction::Upgrade, QuickAction::Renew]);
    let legal_in_app = quick_actions(&identity(&[Role::LegalRepresentative]), Channel::MiniProgram);
    assert!(legal_in_app.contains(&QuickAction::Orders) && !legal_in_app.contains(&QuickAction::Invoices));
    assert!(
        may_pay_from_balance(&identity(&[Role::LegalRepresentative]))
            && !may_pay_from_balance(&identity(&[Role::Staff]))
    );
}

#[test]
fn inv_1_invoices_on_the_web_for_billing_roles_once_per_order_for_what_was_paid() {
    assert!(invoice_refusals(&identity(&[Role::SuperAdmin]), Channel::Web).is_empty());
    assert!(invoice_refusals(&identity(&[Role::BillingStaff]), Channel::Web).is_empty());
    assert!(!invoice_refusals(&identity(&[Role::LegalRepresentative]), Channel::Web).is_empty());
    assert!(!invoice_refusals(&identity(&[Role::SuperAdmin]), Channel::MiniProgram).is_empty(), "web console only");

    let catalog = catalog();
    let buyer = crate::identity::Buyer { vouchers: vec![voucher("V", 980)], ..admin() };
    let mut selection = buy(crate::product::Edition::Advanced, 1);
    selection.voucher = Some("V".into());
    let q = quote(&ctx(&catalog, &buyer, Channel::Web), &selection).expect("quotes");
    assert_eq!(invoiceable_amount(&q, true, false), Ok(Money::yuan(6_000)), "not what the voucher covered");
    assert_eq!(invoiceable_amount(&q, true, true).map_err(|e| e.code), Err(ErrorCode::AlreadyInvoiced));
    assert_eq!(invoiceable_amount(&q, false, false).map_err(|e| e.code), Err(ErrorCode::InvalidState));
}
