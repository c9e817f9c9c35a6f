//! How long the quote and eligibility take: the browser reruns them on every
//! click for the instant preview (PRI-1), so they must stay far below a frame.

mod workloads;

use criterion::{Criterion, criterion_group, criterion_main};
use domain::cart::Context;
use domain::catalog::Catalog;
use domain::eligibility::eligibility;
use domain::identity::{AccountState, Channel};
use domain::quote::quote;
use std::hint::black_box;
use workloads::{advanced_account, full_order, now, super_admin, upgrade_with_integration};

fn benches(c: &mut Criterion) {
    let catalog = Catalog::load_default().expect("the embedded catalog");
    let fresh = super_admin(AccountState::default());
    let advanced = super_admin(advanced_account());
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
