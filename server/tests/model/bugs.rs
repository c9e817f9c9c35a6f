//! Bugs the model found, each with a test of its own named after its rule.
//! A test stays `#[ignore]`d until its bug is fixed (the model skips the
//! step that meets it meanwhile, and says so in its log); fixed, it stays
//! as the bug's regression test.

use crate::books::Ed;
use crate::harness::{Backend, Server};
use crate::steps::Opening;
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

/// BND-1, BND-2, QUO-4: P buys Advanced for 2 years while E's Professional
/// still runs (5 hours left, 50 contracts); E's edition ends and the sweeper
/// clears what was left of its contracts; then P binds the order to E.
/// The enterprise receives the edition "from the original payment time",
/// and delivery at that past moment moves every edition grant that was live
/// *then* to the new expiry: E's expired grant comes back. Found by the
/// model (seed 2438857459 on SQLite, shrunk to 18 steps); on both databases
/// E's billing then showed 2,050 contracts in total but 2,000 remaining (the
/// sweeper had cleared the 50), and had the sweeper not run yet, the 50
/// expired contracts would have been usable again. Fixed in
/// `domain::binding::plan_binding`: grants expired before the binding are
/// not moved.
async fn binding_keeps_expired_grants_expired(backend: Backend) {
    let server = Server::start(backend).await;
    let opening = Opening {
        edition: Some((Ed::Professional, 0)),
        balance_yuan: 0,
        person_balance_yuan: 100_000,
        vouchers: vec![],
    };
    let fx = server.fixture(&opening).await;
    let p = &fx.clients[1];
    let selection = json!({ "edition": { "edition": "advanced", "years": 2 } });
    let (status, quote) = p.post("/api/quote", &json!({ "selection": selection, "channel": "web" })).await;
    assert_eq!(status, StatusCode::OK, "{quote}");
    let body = json!({ "selection": selection, "channel": "web", "expected_total": quote["payable"] });
    let (status, order) = p.post_keyed("/api/orders", "bnd-1-revive", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    let id = order["id"].as_i64().expect("an id");
    let (status, paid) = p.post(&format!("/api/orders/{id}/pay"), &json!({ "method": "balance" })).await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    for _ in 0..200 {
        if p.get(&format!("/api/orders/{id}")).await.1["status"] == "delivered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // E's Professional ends; the sweeper clears the 50 contracts it left.
    server.clock.advance(chrono::TimeDelta::hours(6));
    server.keep_sessions(&fx.people).await;
    server::workers::sweeper::run_once(&server.state).await.expect("swept");

    let (status, bound) = p.post(&format!("/api/orders/{id}/bind"), &json!({ "enterprise_id": fx.e })).await;
    assert_eq!(status, StatusCode::OK, "{bound}");
    let (_, billing) = fx.clients[0].get("/api/billing").await;
    let c = &billing["contracts"];
    assert_eq!(
        (c["total"].as_u64(), c["used"].as_u64(), c["remaining"].as_u64()),
        (Some(2_000), Some(0), Some(2_000)),
        "E holds the bound edition's 2,000 contracts only: {billing}"
    );
    let grants = server.grants_of(fx.e_account).await;
    let opening_grant = grants.iter().find(|g| g.no == 1).expect("E's opening grant");
    assert!(opening_grant.expires <= server.now(), "E's expired grant stays expired: {opening_grant:?}");
}

fn on(backend: Backend) {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a runtime");
    runtime.block_on(binding_keeps_expired_grants_expired(backend));
}

#[test]
fn bnd_1_binding_does_not_revive_grants_that_expired_before_it_sqlite() {
    on(Backend::Sqlite);
}

#[test]
fn bnd_1_binding_does_not_revive_grants_that_expired_before_it_postgres() {
    on(Backend::Postgres);
}

/// ORD-1, PRI-2: E's Advanced has lapsed; a signing-reports order placed
/// while it ran and a new Professional order are paid from the balance at
/// one instant. Both are accepted: the reports order is held against the
/// basis, which counts the Professional order paid a moment before. The
/// delivery jobs were taken `ORDER BY created_at`, both created at the same
/// instant: when the reports order was delivered first there was no edition
/// to stand on, so it ended `needs_attention` and its ¥1,960 was flagged to
/// return, for an order the server itself accepted. Found by the soak (seed
/// 1573269448 on SQLite). Fixed by numbering payments as they are accepted
/// (`delivery_jobs.seq`): delivery and the basis both follow that number.
/// Tried on ten fresh accounts here.
async fn same_instant_payments_are_delivered_in_held_order(backend: Backend) {
    let server = Server::start(backend).await;
    let mut failures = Vec::new();
    for _ in 0..10 {
        let opening = Opening {
            edition: Some((Ed::Advanced, 0)),
            balance_yuan: 200_000,
            person_balance_yuan: 0,
            vouchers: vec![],
        };
        let fx = server.fixture(&opening).await;
        let e = &fx.clients[0];
        let place = async |selection: serde_json::Value| -> i64 {
            let (status, quote) = e.post("/api/quote", &json!({ "selection": selection, "channel": "web" })).await;
            assert_eq!(status, StatusCode::OK, "{quote}");
            let body = json!({ "selection": selection, "channel": "web", "expected_total": quote["payable"] });
            let key = format!("ord-1-{}", rand::random::<u64>());
            let (status, order) = e.post_keyed("/api/orders", &key, &body).await;
            assert_eq!(status, StatusCode::CREATED, "{order}");
            order["id"].as_i64().expect("an id")
        };
        let reports = place(json!({ "addons": [{ "addon": "signing_reports", "quantity": 2 }] })).await;
        server.clock.advance(chrono::TimeDelta::hours(6));
        server.keep_sessions(&fx.people).await;
        let professional = place(json!({ "edition": { "edition": "professional", "years": 1 } })).await;
        let pay =
            |id: i64| async move { e.post(&format!("/api/orders/{id}/pay"), &json!({ "method": "balance" })).await };
        let (a, b) = tokio::join!(pay(professional), pay(reports));
        if !(a.0.is_success() && b.0.is_success()) {
            continue;
        }
        for _ in 0..200 {
            let status = e.get(&format!("/api/orders/{reports}")).await.1["status"].clone();
            if status != "paid" && status != "delivering" {
                if status != "delivered" {
                    failures.push(format!("order {reports} accepted, then {status}"));
                }
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    assert!(failures.is_empty(), "an order the server accepted was not delivered: {failures:?}");
}

fn on_two(backend: Backend) {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a runtime");
    runtime.block_on(same_instant_payments_are_delivered_in_held_order(backend));
}

#[test]
fn ord_1_orders_paid_at_one_instant_are_delivered_in_the_order_they_were_held_sqlite() {
    on_two(Backend::Sqlite);
}

#[test]
fn ord_1_orders_paid_at_one_instant_are_delivered_in_the_order_they_were_held_postgres() {
    on_two(Backend::Postgres);
}
