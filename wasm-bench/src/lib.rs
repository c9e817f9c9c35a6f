//! The domain's quote and eligibility, exported to the browser so a page can
//! time them with `performance.now()` over many calls (the app reruns them
//! on every change of a choice). The workloads are those of the native
//! criterion benchmark (`domain/benches/quote.rs`), so the two compare.

#[path = "../../domain/benches/workloads/mod.rs"]
mod workloads;

use domain::cart::{Context, Selection};
use domain::catalog::Catalog;
use domain::eligibility::eligibility;
use domain::identity::{AccountState, Buyer, Channel};
use domain::quote::quote;
use std::hint::black_box;
use wasm_bindgen::prelude::wasm_bindgen;
use workloads::{advanced_account, full_order, now, super_admin, upgrade_with_integration};

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
