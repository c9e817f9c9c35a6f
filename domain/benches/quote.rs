//! How long the quote and eligibility take: the browser reruns them on every
//! click for the instant preview (PRI-1), so they must stay far below a frame.

use chrono::{DateTime, TimeDelta};
use criterion::{Criterion, criterion_group, criterion_main};
use domain::cart::{AddOnChoice, Context, EditionChoice, Selection};
use domain::catalog::Catalog;
use domain::eligibility::eligibility;
use domain::identity::{AccountState, Buyer, Channel, EditionTerm, Identity, Role, Voucher};
use domain::money::Money;
use domain::product::{AddOn, Edition};
use domain::quote::quote;
use domain::time::Instant;
use std::hint::black_box;

/// 2026-11-22T10:00:00 in Shanghai.
fn now() -> Instant {
    DateTime::from_timestamp(1_795_312_800, 0).expect("a representable instant")
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

fn benches(c: &mut Criterion) {
    let catalog = Catalog::load_default().expect("the embedded catalog");
    let fresh = super_admin(AccountState::default());
    let advanced = super_admin(AccountState {
        edition: Some(EditionTerm {
            edition: Edition::Advanced,
            starts_at: days(-200),
            expires_at: days(400),
            trial: false,
        }),
        integration_until: None,
        trial_used: true,
    });
    let full_ctx = Context { catalog: &catalog, buyer: &fresh, channel: Channel::Web, now: now() };
    let upgrade_ctx = Context { catalog: &catalog, buyer: &advanced, channel: Channel::Web, now: now() };
    let full = full_order();
    let upgrade = upgrade_with_integration();
    // Benchmark what is meant: both selections quote, with the voucher applied.
    let full_quote = quote(&full_ctx, &full).expect("the full order quotes");
    assert!(full_quote.voucher.is_some() && full_quote.lines.len() == 6, "the full order has six lines and a voucher");
    quote(&upgrade_ctx, &upgrade).expect("the upgrade quotes");

    let mut group = c.benchmark_group("quote");
    group.bench_function("full_order", |b| b.iter(|| quote(black_box(&full_ctx), black_box(&full))));
    group.bench_function("renewal_with_upgrade_account", |b| {
        b.iter(|| quote(black_box(&upgrade_ctx), black_box(&upgrade)))
    });
    group.finish();

    let mut group = c.benchmark_group("eligibility");
    group.bench_function("all_options", |b| b.iter(|| eligibility(black_box(&full_ctx), black_box(&full))));
    group.finish();
}

criterion_group!(quote_benches, benches);
criterion_main!(quote_benches);
