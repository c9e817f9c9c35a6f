use super::*;
use crate::identity::{EditionTerm, Role};
use crate::product::Edition;
use crate::testing::*;
use crate::time::Instant;

fn joined() -> Vec<Membership> {
    vec![
        Membership { enterprise_id: 1, enterprise_name: "A".into(), verified: true, roles: vec![Role::Staff] },
        Membership { enterprise_id: 3, enterprise_name: "C".into(), verified: false, roles: vec![Role::Staff] },
    ]
}

#[test]
fn bnd_2_a_paid_unbound_order_binds_to_a_verified_enterprise_the_person_joined() {
    let empty = AccountState::default();
    let bind =
        |status, enterprise| check_binding(status, true, &joined(), enterprise, &empty, now()).map_err(|e| e.code);
    assert_eq!(bind(OrderStatus::Delivered, 1), Ok(OrderStatus::Bound));
    assert_eq!(bind(OrderStatus::Delivered, 2), Err(ErrorCode::NotAMember));
    assert_eq!(bind(OrderStatus::Delivered, 3), Err(ErrorCode::EnterpriseNotVerified));
    assert_eq!(bind(OrderStatus::Bound, 1), Err(ErrorCode::AlreadyBound));
    assert_eq!(bind(OrderStatus::AwaitingPayment, 1), Err(ErrorCode::InvalidState), "only paid orders");
}

#[test]
fn bnd_4_an_edition_does_not_bind_to_an_enterprise_that_has_one() {
    let busy = AccountState {
        edition: Some(EditionTerm { edition: Edition::Advanced, starts_at: now(), expires_at: days(10), trial: false }),
        ..AccountState::default()
    };
    let edition = check_binding(OrderStatus::Delivered, true, &joined(), 1, &busy, now());
    assert_eq!(edition.map_err(|e| e.code), Err(ErrorCode::EnterpriseHasEdition));
    let packs_only = check_binding(OrderStatus::Delivered, false, &joined(), 1, &busy, now());
    assert_eq!(packs_only, Ok(OrderStatus::Bound), "add-ons may join the enterprise's edition");
}

mod moving {
    use super::*;
    use crate::identity::{Buyer, Channel};
    use crate::ledger::{GrantId, LedgerEntry, balance};
    use crate::product::{AddOn, QuotaKind};
    use crate::quote::{Quote, quote};
    use crate::time::add_years;

    fn ids(from: GrantId) -> impl FnMut() -> GrantId {
        let mut next = from;
        move || {
            next += 1;
            next
        }
    }

    fn bought(buyer: &Buyer, selection: &crate::cart::Selection) -> Quote {
        quote(&ctx(&catalog(), buyer, Channel::Web), selection).expect("quotes")
    }

    /// The person's account after delivering `q` paid at `paid_at`, with `used` contracts drawn.
    fn delivered(q: &Quote, paid_at: Instant, used: u64) -> (AccountState, Vec<LedgerEntry>, Vec<GrantId>) {
        let d = plan_delivery(q, &AccountState::default(), &[], paid_at, paid_at, &mut ids(0)).expect("delivers");
        let mut ledger = d.entries.clone();
        let order_grants: Vec<GrantId> = ledger
            .iter()
            .filter_map(|e| match e {
                LedgerEntry::Grant { grant, .. } => Some(*grant),
                _ => None,
            })
            .collect();
        if used > 0 {
            ledger.extend(crate::ledger::draw(&ledger, QuotaKind::Contracts, used, paid_at).expect("draws"));
        }
        (d.account, ledger, order_grants)
    }

    struct Case {
        quote: Quote,
        person: AccountState,
        person_ledger: Vec<LedgerEntry>,
        order_grants: Vec<GrantId>,
        enterprise: AccountState,
        memberships: Vec<Membership>,
    }

    impl Case {
        fn input(&self, paid_at: Instant, at: Instant) -> BindingInput<'_> {
            BindingInput {
                status: OrderStatus::Delivered,
                quote: &self.quote,
                paid_at,
                memberships: &self.memberships,
                enterprise_id: 1,
                enterprise_account: &self.enterprise,
                enterprise_ledger: &[],
                person_account: &self.person,
                person_ledger: &self.person_ledger,
                order_grants: &self.order_grants,
                invoiced: false,
                now: at,
            }
        }
    }

    fn case(selection: &crate::cart::Selection, paid_at: Instant, used: u64, enterprise: AccountState) -> Case {
        let q = bought(&person(), selection);
        let (person, person_ledger, order_grants) = delivered(&q, paid_at, used);
        Case { quote: q, person, person_ledger, order_grants, enterprise, memberships: joined() }
    }

    #[test]
    fn bnd_1_a_bound_edition_keeps_the_validity_that_started_at_payment() {
        let paid_at = now();
        let selection = buy(Edition::Advanced, 1).and(&[(AddOn::ContractPack1k, 1)]);
        let c = case(&selection, paid_at, 10, AccountState::default());
        let later = days(30);
        let plan = plan_binding(&c.input(paid_at, later), &mut ids(40)).expect("binds");
        assert_eq!(plan.status, OrderStatus::Bound);
        let term = plan.enterprise.account.edition.as_ref().expect("the enterprise holds the edition");
        let year = add_years(paid_at, 1).expect("date");
        assert_eq!((term.edition, term.starts_at, term.expires_at), (Edition::Advanced, paid_at, year));
        let moved = balance(&plan.enterprise.entries, QuotaKind::Contracts, later);
        assert_eq!(moved.remaining, 1_000 + 1_000 - 10, "what is left moves; used contracts are not given twice");
        assert!(plan.enterprise.entries.iter().all(|e| matches!(e, LedgerEntry::Grant { grant, .. } if *grant > 40)));
    }

    #[test]
    fn inv_1_an_order_invoiced_to_the_person_does_not_bind() {
        let paid_at = now();
        let c = case(&buy(Edition::Advanced, 1), paid_at, 0, AccountState::default());
        let input = BindingInput { invoiced: true, ..c.input(paid_at, days(1)) };
        let refused = plan_binding(&input, &mut ids(40)).map_err(|e| e.code);
        assert_eq!(refused.err(), Some(ErrorCode::AlreadyInvoiced), "the person's invoice stands for this money");
    }

    #[test]
    fn bnd_1_grants_of_the_enterprise_that_expired_before_the_binding_stay_expired() {
        let paid_at = now();
        let ended = paid_at + chrono::TimeDelta::hours(5);
        let enterprise = AccountState {
            edition: Some(EditionTerm {
                edition: Edition::Professional,
                starts_at: paid_at - chrono::TimeDelta::days(300),
                expires_at: ended,
                trial: false,
            }),
            ..AccountState::default()
        };
        let own = LedgerEntry::Grant {
            grant: 1,
            kind: QuotaKind::Contracts,
            amount: 50,
            expires_at: ended,
            source: crate::ledger::GrantSource::Edition,
        };
        let c = case(&buy(Edition::Advanced, 2), paid_at, 0, enterprise);
        let later = days(30);
        let ledger = [own];
        let input = BindingInput { enterprise_ledger: &ledger, ..c.input(paid_at, later) };
        let plan = plan_binding(&input, &mut ids(40)).expect("binds");
        assert!(
            !plan.enterprise.entries.iter().any(|e| matches!(e, LedgerEntry::Move { grant: 1, .. })),
            "the enterprise's expired grant is not moved to the new edition's end: {:?}",
            plan.enterprise.entries
        );
        let mut after = ledger.to_vec();
        after.extend(plan.enterprise.entries.iter().cloned());
        assert_eq!(balance(&after, QuotaKind::Contracts, later).remaining, 2_000);
    }

    #[test]
    fn bnd_2_the_person_loses_what_the_order_delivered() {
        let paid_at = now();
        let selection = buy(Edition::Advanced, 1).and(&[(AddOn::ContractPack1k, 1)]);
        let c = case(&selection, paid_at, 10, AccountState::default());
        let later = days(30);
        let plan = plan_binding(&c.input(paid_at, later), &mut ids(40)).expect("binds");
        assert_eq!(plan.person.account.edition, None, "the edition left with the order");
        let mut after = c.person_ledger.clone();
        after.extend(plan.person.entries.iter().cloned());
        assert_eq!(balance(&after, QuotaKind::Contracts, later).remaining, 0);
        let returned = crate::ledger::give_back(&after, c.order_grants[0], 1, later);
        assert!(
            returned.iter().any(|e| matches!(e, LedgerEntry::Clear { .. })),
            "a contract withdrawn later does not come back to the person"
        );
    }

    #[test]
    fn bnd_2_add_ons_alone_bind_only_beside_a_running_paid_edition_of_the_enterprise() {
        let paid_at = now();
        let person_with_edition = holding(person(), Edition::Professional, 400);
        let packs = bought(&person_with_edition, &addons(&[(AddOn::SigningReports, 1), (AddOn::Integration, 1)]));
        let d =
            plan_delivery(&packs, &person_with_edition.account, &[], paid_at, paid_at, &mut ids(0)).expect("delivers");
        let order_grants: Vec<GrantId> = d
            .entries
            .iter()
            .filter_map(|e| match e {
                LedgerEntry::Grant { grant, .. } => Some(*grant),
                _ => None,
            })
            .collect();
        let mut c = Case {
            quote: packs,
            person: d.account,
            person_ledger: d.entries.clone(),
            order_grants,
            enterprise: AccountState::default(),
            memberships: joined(),
        };
        let later = days(3);
        let refused = plan_binding(&c.input(paid_at, later), &mut ids(40)).map_err(|e| e.code);
        assert_eq!(refused, Err(ErrorCode::NoActiveEdition));

        c.enterprise = holding(admin(), Edition::Advanced, 200).account;
        let refused = plan_binding(&c.input(paid_at, later), &mut ids(40)).map_err(|e| e.code);
        assert_eq!(refused, Err(ErrorCode::IntegrationRequiresProfessional), "SEL-3");

        let mut professional = holding(admin(), Edition::Professional, 400).account;
        if let Some(term) = professional.edition.as_mut() {
            term.starts_at = days(1);
        }
        c.enterprise = professional;
        let plan = plan_binding(&c.input(paid_at, later), &mut ids(40)).expect("binds");
        assert_eq!(plan.enterprise.account.integration_until, add_years(days(1), 1), "starts with the edition");
        assert_eq!(plan.person.account.integration_until, None);
        assert_eq!(plan.person.account.edition, c.person.edition, "the person's own edition stays");
        assert_eq!(balance(&plan.enterprise.entries, QuotaKind::SigningReports, later).remaining, 100);
    }

    #[test]
    fn bnd_2_an_upgrade_of_the_persons_own_edition_does_not_bind() {
        let paid_at = now();
        let person_with_edition = holding(person(), Edition::Advanced, 200);
        let q = bought(&person_with_edition, &upgrade_to(Edition::Professional));
        let d = plan_delivery(&q, &person_with_edition.account, &[], paid_at, paid_at, &mut ids(0)).expect("delivers");
        let c = Case {
            quote: q,
            person: d.account,
            person_ledger: d.entries,
            order_grants: vec![1],
            enterprise: AccountState::default(),
            memberships: joined(),
        };
        let refused = plan_binding(&c.input(paid_at, days(1)), &mut ids(40)).map_err(|e| e.code);
        assert_eq!(refused, Err(ErrorCode::InvalidState));
    }

    #[test]
    fn bnd_4_binding_an_edition_checks_the_enterprise_first() {
        let paid_at = now();
        let c = case(&buy(Edition::Advanced, 1), paid_at, 0, holding(admin(), Edition::Advanced, 10).account);
        let refused = plan_binding(&c.input(paid_at, days(1)), &mut ids(40)).map_err(|e| e.code);
        assert_eq!(refused, Err(ErrorCode::EnterpriseHasEdition));
    }
}

mod outlook {
    use super::*;
    use crate::identity::Channel;

    fn quoted(buyer: &crate::identity::Buyer, selection: &crate::cart::Selection) -> Quote {
        let catalog = catalog();
        crate::quote::quote(&ctx(&catalog, buyer, Channel::Web), selection).expect("quoted")
    }

    #[test]
    fn bnd_2_a_personal_purchase_says_before_payment_which_enterprises_can_take_it() {
        let quote = quoted(&person(), &buy(Edition::Advanced, 1));
        assert_eq!(
            binding_outlook(&quote, &joined()),
            BindingOutlook::Bindable { enterprises: vec!["A".into()], edition: true }
        );
    }

    #[test]
    fn bnd_2_with_no_verified_enterprise_joined_it_could_never_be_bound() {
        let quote = quoted(&person(), &buy(Edition::Advanced, 1));
        let never = |memberships: &[Membership]| match binding_outlook(&quote, memberships) {
            BindingOutlook::Never(e) => Some(e.code),
            BindingOutlook::Bindable { .. } => None,
        };
        assert_eq!(never(&[]), Some(ErrorCode::NotAMember));
        assert_eq!(never(&joined()[1..]), Some(ErrorCode::EnterpriseNotVerified));
    }

    #[test]
    fn bnd_2_an_upgrade_of_the_persons_own_edition_could_never_be_bound() {
        let holder = holding(person(), Edition::Advanced, 100);
        let upgrade = crate::cart::Selection {
            edition: Some(crate::cart::EditionChoice {
                edition: Edition::Professional,
                years: None,
                sales_quote: None,
            }),
            ..crate::cart::Selection::default()
        };
        let quote = quoted(&holder, &upgrade);
        assert!(
            matches!(binding_outlook(&quote, &joined()), BindingOutlook::Never(e) if e.code == ErrorCode::InvalidState)
        );
    }
}
