//! The domain's quote and eligibility, exported to the browser so a page can
//! time them with `performance.now()` over many calls (the app reruns them
//! on every change of a choice). The workloads are those of the native
//! criterion benchmark (`domain/benches/quote.rs`), so the two compare.
//! It also quotes the carts of the parity run ([`parity`]) in the browser.

#[path = "../../domain/benches/workloads/mod.rs"]
mod workloads;

pub mod parity;

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

/// Parity (PRI-1): carts `first..first + count` of scenario `scenario` of
/// `seed`, quoted for the catalog and buyer as the server sent them (JSON),
/// at the scenario's moment; one hex digest of each answer per line.
#[wasm_bindgen]
pub fn parity_digests(
    catalog: &str,
    buyer: &str,
    seed: u32,
    scenario: u32,
    first: u32,
    count: u32,
) -> Result<String, String> {
    let (catalog, buyer, drawn) = parity_inputs(catalog, buyer, seed, scenario)?;
    let mut out = String::with_capacity(17 * count as usize);
    for index in first..first.saturating_add(count) {
        let cart = drawn.cart(u64::from(seed), u64::from(scenario), u64::from(index), &catalog);
        let digest = parity::digest(&parity::answer(&catalog, &buyer, drawn.now, &cart));
        out.push_str(&format!("{digest:016x}\n"));
    }
    Ok(out)
}

/// Parity: one cart and the domain's whole answer, as JSON, to show beside
/// the server's when their digests differ.
#[wasm_bindgen]
pub fn parity_answer(catalog: &str, buyer: &str, seed: u32, scenario: u32, index: u32) -> Result<String, String> {
    let (catalog, buyer, drawn) = parity_inputs(catalog, buyer, seed, scenario)?;
    let cart = drawn.cart(u64::from(seed), u64::from(scenario), u64::from(index), &catalog);
    let answer = parity::answer(&catalog, &buyer, drawn.now, &cart);
    serde_json::to_string(&answer).map_err(|e| e.to_string())
}

fn parity_inputs(
    catalog: &str,
    buyer: &str,
    seed: u32,
    scenario: u32,
) -> Result<(Catalog, Buyer, parity::Scenario), String> {
    let catalog: Catalog = serde_json::from_str(catalog).map_err(|e| format!("the catalog: {e}"))?;
    let buyer: Buyer = serde_json::from_str(buyer).map_err(|e| format!("the buyer: {e}"))?;
    Ok((catalog, buyer, parity::Scenario::draw(u64::from(seed), u64::from(scenario))))
}
