use super::*;
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
fn vis_1_whoever_placed_an_order_may_follow_it_and_record_roles_see_every_one() {
    let staff = crate::testing::enterprise(&[Role::Staff]);
    let admin = crate::testing::enterprise(&[Role::SuperAdmin]);
    assert!(may_follow_order(&staff.identity, true), "the staff member's own order");
    assert!(!may_follow_order(&staff.identity, false), "another member's order");
    assert!(may_follow_order(&admin.identity, false), "a super admin sees the records");
    assert!(may_follow_order(&crate::testing::person().identity, false), "a person's account is their own");
}

#[test]
fn ord_1_only_an_operator_sees_the_money_to_return() {
    assert_eq!(check_operator(true), Ok(()));
    assert_eq!(check_operator(false).map_err(|e| e.code), Err(ErrorCode::Forbidden));
}
