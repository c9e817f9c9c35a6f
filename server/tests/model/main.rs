//! The money model (issue 12): a model-based property test of interleaved
//! orders, payments and time against the real server over HTTP (loopback),
//! on SQLite and on PostgreSQL.
//!
//! Proptest draws sequences of steps ([`steps::Step`]): placing orders of
//! every kind (a new edition for 1–3 years, a renewal, an upgrade, contract
//! packs, signing reports, integration, a bundle; with and without a
//! voucher) as E's super admin or as P buying personally; paying them from
//! the balance, by WeChat Pay or online banking through the sandbox; the
//! payer confirming or failing there; a provider's notification arriving
//! late; reconciliation; cancelling; moving the clock (minutes to years,
//! and to one day, one minute before, exactly at and one minute past the
//! end of the edition, of the integration or of an order's time to pay);
//! binding P's order to E (verified) or U (not); the trial; initiating,
//! signing and withdrawing contracts; and two payments at once
//! (`tokio::join!`). One server per database serves every sequence; each
//! sequence gets fresh accounts of its own ([`harness::Server::fixture`]).
//!
//! The model ([`world`], [`books`]) keeps its own books with its own
//! arithmetic (it never calls `domain` to price or to date): each
//! account's edition and expiry, integration end, balance, quota per grant,
//! vouchers, orders, provider payments on both sides, contracts, and the
//! periods each delivered order paid for. After every step the runner
//! ([`run`]) waits for paid orders to settle and checks that:
//! - the server answered what the model predicts and shows the model's
//!   state: every quote line at the model's price and validity, every
//!   payment accepted or refused as the basis at payment implies (so every
//!   delivered line was paid at the price the basis at payment implies),
//!   editions, expiries, integration ends, balances, every grant, order and
//!   payment record; two payments at once must match one of the two serial
//!   orders, reconciliation's settlements one of their orders;
//! - the edition's rank never drops through a payment;
//! - nobody is charged twice for one period (edition terms, upgrades and
//!   integration terms paid never overlap; no order has two paid payments);
//! - the expiry never passes now + 3 years;
//! - every paid order ends `delivered`, `bound` or `needs_attention` (with
//!   its money `refund_due`) within 10 s;
//! - the balance never goes negative and equals opening − debits (no
//!   return is automatic today: money flagged `refund_due` is not credited);
//! - quota is conserved: no grant below zero, and contracts drawn less
//!   contracts returned equals the contracts held;
//! - at the end, every payment the provider collected belongs to an order
//!   that kept it, or is `refund_due` (or `disputed`).
//!
//! **It can fail.** Remove the re-assessment at payment (the
//! `reassess(&ctx, &order.selection, &order.quote, priced_at)?;` line of
//! `hold` in `server/src/routes/orders/pay.rs`) on a scratch copy, and the
//! test fails within its first sequences. Checked on a scratch copy: it
//! failed after 17 s on SQLite and shrank to "E holds no edition, ¥13,960;
//! (1) place Advanced 1 year; (2) place Advanced 1 year; (3) AT ONCE: pay
//! both from the balance": both were accepted, where the one paid second is
//! a renewal now and the model (either serial order) says `quote_changed`.
//!
//! Bugs it found have tests of their own in [`bugs`].
//!
//! Runs: `PROPTEST_CASES` sequences per database (256 by default, from the
//! fixed seed [`TEST_SEED`] unless `MODEL_RANDOM_SEED` is set), at most
//! `MODEL_STEPS` steps each (24). A failure prints the shrunk sequence as
//! numbered steps, what each step did, and the seed: replay it with
//! `PROPTEST_RNG_SEED=<seed>`; proptest also writes it to
//! `server/tests/model/regressions.txt`, which later runs replay first.
//! `cargo xtask soak` runs 10,000 sequences on each database.

mod books;
mod bugs;
mod harness;
mod run;
mod steps;
mod world;

use harness::{Backend, Server};
use proptest::test_runner::{Config, FileFailurePersistence, RngSeed, TestCaseError, TestError, TestRunner};

/// The sequences `cargo xtask test` runs: the same ones every time, so that
/// the test command stays green or red for a reason in the code (the
/// interleavings of the steps that run at once still vary). New sequences
/// are the soak's: it runs with `MODEL_RANDOM_SEED`, and what it finds is
/// kept in `regressions.txt`, which every run replays first.
const TEST_SEED: u64 = 2_026_120_601;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn model_test(backend: Backend) {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a runtime");
    let server = runtime.block_on(Server::start(backend));
    let cases = env_number("PROPTEST_CASES", 256) as u32;
    let steps = env_number("MODEL_STEPS", 24) as usize;
    let default_seed =
        if std::env::var_os("MODEL_RANDOM_SEED").is_some() { rand::random::<u32>().into() } else { TEST_SEED };
    let seed = env_number("PROPTEST_RNG_SEED", default_seed);
    eprintln!("model test on {backend:?}: {cases} sequences of up to {steps} steps, PROPTEST_RNG_SEED={seed}");
    let config = Config {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct("tests/model/regressions.txt"))),
        max_shrink_iters: env_number("MODEL_SHRINK_ITERS", 400) as u32,
        max_shrink_time: 240_000,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let started = std::time::Instant::now();
    let outcome =
        runner.run(&steps::plan(steps), |plan| runtime.block_on(run::run(&server, &plan)).map_err(TestCaseError::fail));
    let coverage = std::mem::take(&mut *run::COVERAGE.lock().unwrap_or_else(|p| p.into_inner()));
    eprintln!("model test on {backend:?}, what happened:");
    for (what, n) in coverage {
        eprintln!("  {n:>6}  {what}");
    }
    match outcome {
        Ok(()) => eprintln!("model test on {backend:?}: {cases} sequences passed in {:.1?}", started.elapsed()),
        Err(TestError::Fail(why, plan)) => panic!(
            "the model test failed on {backend:?} (replay: PROPTEST_RNG_SEED={seed}; the seed is also in \
             server/tests/model/regressions.txt)\n{why}\n\nthe shrunk sequence, to replay by hand:{plan:?}"
        ),
        Err(e) => panic!("the model test did not run on {backend:?}: {e}"),
    }
}

#[test]
fn money_model_sqlite() {
    model_test(Backend::Sqlite);
}

#[test]
fn money_model_postgres() {
    model_test(Backend::Postgres);
}
