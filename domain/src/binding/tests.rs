use super::*;
use crate::identity::{EditionTerm, Role};
use crate::product::Edition;
use crate::testing::*;

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
