//! The workloads the quote benchmarks time, natively (`benches/quote.rs`)
//! and in the browser (`wasm-bench`), so that the two figures compare.

use chrono::{DateTime, TimeDelta};
use domain::cart::{AddOnChoice, EditionChoice, Selection};
use domain::identity::{AccountState, Buyer, EditionTerm, Identity, Role, Voucher};
use domain::money::Money;
use domain::product::{AddOn, Edition};
use domain::time::Instant;

/// 2026-11-22T10:00:00 in Shanghai.
pub fn now() -> Instant {
    DateTime::from_timestamp(1_795_312_800, 0).unwrap_or_default()
}

fn days(n: i64) -> Instant {
    now() + TimeDelta::days(n)
}

/// A verified enterprise acting through its super admin, with a usable voucher.
pub fn super_admin(account: AccountState) -> Buyer {
    Buyer {
        identity: Identity::Enterprise {
            person_id: 1,
            enterprise_id: 10,
            verified: true,
            roles: vec![Role::SuperAdmin],
            linked_cloud_account: None,
        },
        account,
        balance: Money::yuan(200_000),
        vouchers: vec![Voucher {
            id: "WELCOME500".to_owned(),
            face_value: Money::yuan(500),
            expires_at: days(30),
            min_spend: Some(Money::yuan(10_000)),
            scope: None,
            used: false,
        }],
        sales_quotes: Vec::new(),
        cloud_account: None,
    }
}

pub fn advanced_account() -> AccountState {
    AccountState {
        edition: Some(EditionTerm {
            edition: Edition::Advanced,
            starts_at: days(-200),
            expires_at: days(400),
            trial: false,
        }),
        integration_until: None,
        trial_used: true,
    }
}

fn addon(addon: AddOn, quantity: u32) -> AddOnChoice {
    AddOnChoice { addon, quantity }
}

/// Professional for 3 years with every add-on and the voucher.
pub fn full_order() -> Selection {
    Selection {
        edition: Some(EditionChoice { edition: Edition::Professional, years: Some(3), sales_quote: None }),
        addons: vec![
            addon(AddOn::ContractPack1k, 2),
            addon(AddOn::ContractPack10k, 1),
            addon(AddOn::Integration, 3),
            addon(AddOn::SigningReports, 1),
            addon(AddOn::MeetingSigning, 1),
        ],
        voucher: Some("WELCOME500".to_owned()),
    }
}

/// Upgrading a running Advanced to Professional (the expiry stays) with a year of integration.
pub fn upgrade_with_integration() -> Selection {
    Selection {
        edition: Some(EditionChoice { edition: Edition::Professional, years: None, sales_quote: None }),
        addons: vec![addon(AddOn::Integration, 1)],
        voucher: None,
    }
}
