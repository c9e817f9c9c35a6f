//! The domain's quote and eligibility, exported to the browser so a page can
//! time them with `performance.now()` over many calls (the app reruns them
//! on every change of a choice). The workloads are those of the native
//! criterion benchmark (`domain/benches/quote.rs`), so the two compare.

use chrono::{DateTime, TimeDelta};
use domain::cart::{AddOnChoice, Context, EditionChoice, Selection};
use domain::catalog::Catalog;
use domain::eligibility::eligibility;
use domain::identity::{AccountState, Buyer, Channel, EditionTerm, Identity, Role, Voucher};
use domain::money::Money;
use domain::product::{AddOn, Edition};
use domain::quote::quote;
use domain::time::Instant;
use std::hint::black_box;
use wasm_bindgen::prelude::wasm_bindgen;

/// 2026-11-22T10:00:00 in Shanghai.
fn now() -> Instant {
    DateTime::from_timestamp(1_795_312_800, 0).unwrap_or_default()
}

fn days(n: i64) -> Instant {
    now() + TimeDelta::days(n)
}

/// A verified enterprise acting through its super admin, with a usable voucher.
fn super_admin(account: AccountState) -> Buyer {
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

fn advanced_account() -> AccountState {
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
fn full_order() -> Selection {
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
fn upgrade_with_integration() -> Selection {
    Selection {
        edition: Some(EditionChoice { edition: Edition::Professional, years: None, sales_quote: None }),
        addons: vec![addon(AddOn::Integration, 1)],
        voucher: None,
    }
}

/// Runs `work` `times` times on `buyer` and returns how many runs succeeded
/// (the page checks it, so a failing workload cannot pass for a fast one).
fn repeat(buyer: &Buyer, selection: &Selection, times: u32, work: impl Fn(&Context<'_>, &Selection) -> bool) -> u32 {
    let Ok(catalog) = Catalog::load_default() else { return 0 };
    let ctx = Context { catalog: &catalog, buyer, channel: Channel::Web, now: now() };
    (0..times).map(|_| u32::from(work(black_box(&ctx), black_box(selection)))).sum()
}

/// Quotes the full order `times` times.
#[wasm_bindgen]
pub fn quote_full_order(times: u32) -> u32 {
    let quoted = |ctx: &Context<'_>, s: &Selection| quote(ctx, s).is_ok_and(|q| q.voucher.is_some());
    repeat(&super_admin(AccountState::default()), &full_order(), times, quoted)
}

/// Quotes the upgrade of a running edition `times` times.
#[wasm_bindgen]
pub fn quote_upgrade(times: u32) -> u32 {
    repeat(&super_admin(advanced_account()), &upgrade_with_integration(), times, |ctx, s| quote(ctx, s).is_ok())
}

/// Judges every option for the full order `times` times.
#[wasm_bindgen]
pub fn eligibility_all_options(times: u32) -> u32 {
    repeat(&super_admin(AccountState::default()), &full_order(), times, |ctx, s| {
        !eligibility(ctx, s).editions.is_empty()
    })
}
