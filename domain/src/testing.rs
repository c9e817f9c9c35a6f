//! Fixtures for the unit tests: a fixed `now`, buyers and their accounts.

use crate::cart::{AddOnChoice, Context, EditionChoice, Selection};
use crate::catalog::Catalog;
use crate::error::{DomainError, ErrorCode};
use crate::identity::{AccountState, Buyer, Channel, EditionTerm, Identity, Role, Voucher};
use crate::money::Money;
use crate::product::{AddOn, Edition};
use crate::time::{Instant, add_days, at};

pub(crate) fn now() -> Instant {
    at("2026-11-22T10:00:00+08:00")
}

pub(crate) fn days(n: u32) -> Instant {
    add_days(now(), n).expect("in range")
}

pub(crate) fn catalog() -> Catalog {
    Catalog::load_default().expect("the embedded catalog is valid")
}

pub(crate) fn enterprise(roles: &[Role]) -> Buyer {
    Buyer {
        identity: Identity::Enterprise {
            person_id: 1,
            enterprise_id: 10,
            verified: true,
            roles: roles.to_vec(),
            linked_cloud_account: None,
        },
        account: AccountState::default(),
        balance: Money::yuan(100_000),
        vouchers: Vec::new(),
        sales_quotes: Vec::new(),
        cloud_account: None,
    }
}

pub(crate) fn admin() -> Buyer {
    enterprise(&[Role::SuperAdmin])
}

pub(crate) fn person() -> Buyer {
    Buyer { identity: Identity::Person { person_id: 1, first_purchase: true }, ..admin() }
}

/// The buyer holding `edition` until `days(expires_in)`.
pub(crate) fn holding(mut buyer: Buyer, edition: Edition, expires_in: u32) -> Buyer {
    buyer.account.edition = Some(EditionTerm {
        edition,
        starts_at: at("2025-01-01T00:00:00Z"),
        expires_at: days(expires_in),
        trial: false,
    });
    buyer
}

pub(crate) fn voucher(id: &str, face: i64) -> Voucher {
    Voucher {
        id: id.into(),
        face_value: Money::yuan(face),
        expires_at: days(30),
        min_spend: None,
        scope: None,
        used: false,
    }
}

pub(crate) fn ctx<'a>(catalog: &'a Catalog, buyer: &'a Buyer, channel: Channel) -> Context<'a> {
    Context { catalog, buyer, channel, now: now() }
}

pub(crate) fn buy(edition: Edition, years: u8) -> Selection {
    Selection {
        edition: Some(EditionChoice { edition, years: Some(years), sales_quote: None }),
        ..Selection::default()
    }
}

pub(crate) fn upgrade_to(edition: Edition) -> Selection {
    Selection { edition: Some(EditionChoice { edition, years: None, sales_quote: None }), ..Selection::default() }
}

pub(crate) fn addons(list: &[(AddOn, u32)]) -> Selection {
    Selection::default().and(list)
}

impl Selection {
    pub(crate) fn and(mut self, list: &[(AddOn, u32)]) -> Selection {
        self.addons.extend(list.iter().map(|&(addon, quantity)| AddOnChoice { addon, quantity }));
        self
    }
}

pub(crate) fn codes<T: std::fmt::Debug>(result: Result<T, Vec<DomainError>>) -> Vec<ErrorCode> {
    match result {
        Ok(_) => Vec::new(),
        Err(errors) => errors.into_iter().map(|e| e.code).collect(),
    }
}

pub(crate) fn m(s: &str) -> Money {
    s.parse().expect("money literal")
}
