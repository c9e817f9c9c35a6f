use super::*;
use crate::identity::{Buyer, Role, Voucher};
use crate::testing::*;
use crate::trial::start_trial;

fn edition(e: &Eligibility, edition: Edition) -> &EditionOption {
    e.editions.iter().find(|o| o.edition == edition).expect("every edition is listed")
}

fn addon(e: &Eligibility, addon: AddOn) -> &Verdict {
    &e.addons.iter().find(|o| o.addon == addon).expect("every add-on is listed").verdict
}

fn payment(e: &Eligibility, method: PaymentMethod) -> &Verdict {
    &e.payments.iter().find(|o| o.method == method).expect("every method is listed").verdict
}

fn first(v: &Verdict) -> Option<ErrorCode> {
    v.reason().map(|e| e.code)
}

#[test]
fn ch_2_the_mini_program_shows_professional_flagship_and_integration_refused_with_the_web_console() {
    let catalog = catalog();
    let buyer = admin();
    let e = eligibility(&ctx(&catalog, &buyer, Channel::MiniProgram), &buy(Edition::Advanced, 1));
    assert!(edition(&e, Edition::Advanced).verdict.allowed());
    for refused in [Edition::Professional, Edition::Flagship] {
        let v = &edition(&e, refused).verdict;
        assert_eq!(first(v), Some(ErrorCode::MiniProgramLimit), "{refused:?}");
        assert_eq!(v.remedy, Some(Remedy::WebConsole), "{refused:?}");
    }
    assert_eq!(first(addon(&e, AddOn::Integration)), Some(ErrorCode::MiniProgramLimit));
    assert!(addon(&e, AddOn::ContractPack1k).allowed());
}

#[test]
fn ch_4_a_person_in_the_mini_program_is_offered_purchase_consultation_for_other_editions() {
    let catalog = catalog();
    let buyer = person();
    let e = eligibility(&ctx(&catalog, &buyer, Channel::MiniProgram), &Selection::default());
    assert!(edition(&e, Edition::Advanced).verdict.allowed());
    for other in [Edition::Professional, Edition::Flagship] {
        assert_eq!(edition(&e, other).verdict.remedy, Some(Remedy::PurchaseConsultation), "{other:?}");
    }
    assert_eq!(first(addon(&e, AddOn::SigningReports)), Some(ErrorCode::MiniProgramLimit));
    let web = eligibility(&ctx(&catalog, &buyer, Channel::Web), &Selection::default());
    assert!(edition(&web, Edition::Professional).verdict.allowed(), "the web console sells it to a person");
    assert_eq!(edition(&web, Edition::Flagship).verdict.remedy, Some(Remedy::ContactSales));
}

#[test]
fn pay_1_three_methods_are_offered_and_the_voucher_only_when_it_covers_everything() {
    let catalog = catalog();
    let buyer = admin();
    let e = eligibility(&ctx(&catalog, &buyer, Channel::Web), &buy(Edition::Advanced, 1));
    let methods: Vec<PaymentMethod> = e.payments.iter().map(|p| p.method).collect();
    assert_eq!(
        methods,
        [PaymentMethod::Balance, PaymentMethod::WechatPay, PaymentMethod::OnlineBanking, PaymentMethod::Voucher]
    );
    let allowed: Vec<PaymentMethod> = e.payments.iter().filter(|p| p.verdict.allowed()).map(|p| p.method).collect();
    assert_eq!(allowed, [PaymentMethod::Balance, PaymentMethod::WechatPay, PaymentMethod::OnlineBanking]);
}

#[test]
fn pay_2_the_balance_is_for_the_legal_representative_super_admins_and_billing_staff() {
    let catalog = catalog();
    let cases = [
        (vec![Role::LegalRepresentative], None),
        (vec![Role::SuperAdmin], None),
        (vec![Role::BillingStaff], None),
        (vec![Role::Staff], Some(ErrorCode::BalanceNotPermitted)),
        (vec![], Some(ErrorCode::BalanceNotPermitted)),
    ];
    for (roles, expected) in cases {
        let buyer = enterprise(&roles);
        let e = eligibility(&ctx(&catalog, &buyer, Channel::Web), &buy(Edition::Advanced, 1));
        assert_eq!(first(payment(&e, PaymentMethod::Balance)), expected, "{roles:?}");
        assert!(payment(&e, PaymentMethod::WechatPay).allowed() && payment(&e, PaymentMethod::OnlineBanking).allowed());
    }
    let own = person();
    let e = eligibility(&ctx(&catalog, &own, Channel::Web), &buy(Edition::Advanced, 1));
    assert!(payment(&e, PaymentMethod::Balance).allowed(), "a person pays from their own balance");
    let poor = Buyer { balance: Money::yuan(100), ..admin() };
    let e = eligibility(&ctx(&catalog, &poor, Channel::Web), &buy(Edition::Advanced, 1));
    assert_eq!(first(payment(&e, PaymentMethod::Balance)), Some(ErrorCode::InsufficientBalance));
}

#[test]
fn pay_3_the_mini_program_pays_with_wechat_only() {
    let catalog = catalog();
    let buyer = admin();
    let e = eligibility(&ctx(&catalog, &buyer, Channel::MiniProgram), &buy(Edition::Advanced, 1));
    assert!(payment(&e, PaymentMethod::WechatPay).allowed());
    assert_eq!(first(payment(&e, PaymentMethod::Balance)), Some(ErrorCode::MiniProgramLimit));
    assert_eq!(first(payment(&e, PaymentMethod::OnlineBanking)), Some(ErrorCode::MiniProgramLimit));
}

#[test]
fn sel_3_integration_is_greyed_until_professional_is_chosen() {
    let catalog = catalog();
    let buyer = admin();
    let c = ctx(&catalog, &buyer, Channel::Web);
    let advanced = eligibility(&c, &buy(Edition::Advanced, 1));
    assert_eq!(first(addon(&advanced, AddOn::Integration)), Some(ErrorCode::IntegrationRequiresProfessional));
    let nothing = eligibility(&c, &Selection::default());
    assert_eq!(first(addon(&nothing, AddOn::ContractPack1k)), Some(ErrorCode::NoActiveEdition));
    let professional = eligibility(&c, &buy(Edition::Professional, 1));
    assert!(addon(&professional, AddOn::Integration).allowed());
}

#[test]
fn ren_1_renewal_years_past_the_three_year_limit_are_refused() {
    let catalog = catalog();
    let buyer = holding(admin(), Edition::Advanced, 550);
    let e = eligibility(&ctx(&catalog, &buyer, Channel::Web), &Selection::default());
    let advanced = edition(&e, Edition::Advanced);
    assert_eq!(advanced.action, Some(crate::terms::EditionAction::Renewal));
    let verdicts: Vec<Option<ErrorCode>> = advanced.years.iter().map(|y| first(&y.verdict)).collect();
    assert_eq!(verdicts, [None, Some(ErrorCode::TermExceedsLimit), Some(ErrorCode::TermExceedsLimit)]);
    assert!(e.renew.allowed());
    let professional = edition(&e, Edition::Professional);
    assert_eq!(professional.action, Some(crate::terms::EditionAction::Upgrade));
    assert!(professional.verdict.allowed() && professional.years.is_empty(), "an upgrade keeps the expiry");
}

#[test]
fn sel_6_a_lower_edition_stays_visible_but_refused() {
    let catalog = catalog();
    let buyer = holding(admin(), Edition::Professional, 100);
    let e = eligibility(&ctx(&catalog, &buyer, Channel::Web), &Selection::default());
    assert_eq!(first(&edition(&e, Edition::Advanced).verdict), Some(ErrorCode::DowngradeNotAllowed));
}

#[test]
fn tri_1_one_trial_per_enterprise_never_beside_a_paid_edition() {
    let catalog = catalog();
    let fresh = admin();
    let e = eligibility(&ctx(&catalog, &fresh, Channel::Web), &Selection::default());
    assert!(e.trial.allowed());
    let trial = start_trial(&ctx(&catalog, &fresh, Channel::Web)).expect("starts");
    assert_eq!(trial.term.edition, Edition::Advanced);
    assert_eq!(trial.term.expires_at, days(7));
    assert_eq!(trial.contracts, catalog.limits().trial_allotment);
    let mut used = admin();
    used.account.trial_used = true;
    assert_eq!(
        first(&eligibility(&ctx(&catalog, &used, Channel::Web), &Selection::default()).trial),
        Some(ErrorCode::TrialAlreadyUsed)
    );
    let paying = holding(admin(), Edition::Advanced, 100);
    assert_eq!(
        first(&eligibility(&ctx(&catalog, &paying, Channel::Web), &Selection::default()).trial),
        Some(ErrorCode::EnterpriseHasEdition)
    );
    assert!(start_trial(&ctx(&catalog, &person(), Channel::Web)).is_err(), "a person has no enterprise to try for");
    let lapsed = holding(admin(), Edition::Advanced, 0);
    assert_eq!(
        first(&eligibility(&ctx(&catalog, &lapsed, Channel::Web), &Selection::default()).trial),
        Some(ErrorCode::TrialNotFirstUse),
        "an expired paid edition: the enterprise edition is no longer used for the first time"
    );
}

#[test]
fn ren_2_an_upgrade_with_less_than_a_whole_day_left_is_greyed_with_its_reason() {
    let catalog = catalog();
    let hours = |h: i64| {
        let mut buyer = holding(admin(), Edition::Advanced, 0);
        if let Some(t) = buyer.account.edition.as_mut() {
            t.expires_at = now() + chrono::TimeDelta::hours(h);
        }
        buyer
    };
    // (hours left on Advanced, the Professional card's deciding refusal)
    let cases = [(1, Some(ErrorCode::UpgradeTooLate)), (23, Some(ErrorCode::UpgradeTooLate)), (24, None), (200, None)];
    for (left, expected) in cases {
        let buyer = hours(left);
        let c = ctx(&catalog, &buyer, Channel::Web);
        let e = eligibility(&c, &Selection::default());
        let professional = edition(&e, Edition::Professional);
        assert_eq!(professional.action, Some(crate::terms::EditionAction::Upgrade), "{left} h");
        assert_eq!(first(&professional.verdict), expected, "{left} h left");
        assert!(edition(&e, Edition::Advanced).verdict.allowed(), "renewing stays open with {left} h left");
        assert!(e.renew.allowed(), "{left} h");
        let next = crate::billing::overview(&c, &[]).next.upgrade;
        assert_eq!(first(&next), expected, "billing's upgrade action, {left} h left");
    }
}

#[test]
fn vou_2_each_voucher_says_why_it_does_not_apply() {
    let catalog = catalog();
    let buyer = Buyer {
        vouchers: vec![
            voucher("OK", 100),
            Voucher { expires_at: days(0) - chrono::TimeDelta::days(1), ..voucher("OLD", 100) },
            Voucher { min_spend: Some(Money::yuan(50_000)), ..voucher("MIN", 100) },
        ],
        ..admin()
    };
    let e = eligibility(&ctx(&catalog, &buyer, Channel::Web), &buy(Edition::Advanced, 1));
    let verdicts: Vec<(String, Option<ErrorCode>)> =
        e.vouchers.iter().map(|v| (v.id.clone(), first(&v.verdict))).collect();
    assert_eq!(
        verdicts,
        [
            ("OK".to_owned(), None),
            ("OLD".to_owned(), Some(ErrorCode::VoucherExpired)),
            ("MIN".to_owned(), Some(ErrorCode::VoucherMinSpend))
        ]
    );
}
