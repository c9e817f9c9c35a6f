//! Billing management's grants and the quota history (份额变动记录):
//! after buying a pack, initiating and withdrawing contracts and moving the
//! clock past expiry, the grants and the history add up to the remaining
//! total billing management shows (QUO-1, QUO-3, QUO-4, QUO-5), on SQLite
//! and PostgreSQL.

use crate::helpers::TestApp;
use crate::on_both_databases;
use crate::quota::{billing, contracts};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn advanced() -> Value {
    json!({ "edition": { "edition": "advanced", "years": 1 } })
}

fn pack() -> Value {
    json!({ "addons": [{ "addon": "contract_pack_1k", "quantity": 1 }] })
}

/// One page of the history for `query` (e.g. `limit=2`), which must answer 200.
async fn page(app: &TestApp, query: &str) -> Value {
    let (status, body) = app.get(&format!("/api/billing/quota-moves?{query}")).await;
    assert_eq!(status, StatusCode::OK, "quota-moves?{query}: {body}");
    body
}

/// The whole history, oldest first, read page by page through the cursor.
async fn whole_history(app: &TestApp, limit: u64) -> Vec<Value> {
    let mut moves = Vec::new();
    let mut query = format!("limit={limit}");
    loop {
        let body = page(app, &query).await;
        let got = body["moves"].as_array().expect("moves").clone();
        assert!(got.len() as u64 <= limit, "a page holds at most {limit}: {body}");
        moves.extend(got);
        match body["next_before"].as_u64() {
            Some(before) => query = format!("limit={limit}&before={before}"),
            None => break,
        }
    }
    moves.reverse();
    moves
}

/// The contract grants of a billing answer.
fn contract_grants(billing: &Value) -> Vec<Value> {
    let grants = billing["grants"].as_array().unwrap_or_else(|| panic!("grants in {billing}"));
    grants.iter().filter(|g| g["kind"] == "contracts").cloned().collect()
}

fn n(value: &Value, key: &str) -> u64 {
    value[key].as_u64().unwrap_or_else(|| panic!("{key} in {value}"))
}

/// Each grant's used + left + cleared is its total; the live ones add up to
/// the contracts billing shows (QUO-1).
fn assert_grants_add_up(billing: &Value) {
    let grants = contract_grants(billing);
    for g in &grants {
        assert_eq!(n(g, "used") + n(g, "left") + n(g, "cleared"), n(g, "total"), "{g}");
    }
    let live: Vec<&Value> = grants.iter().filter(|g| g["state"] == "live").collect();
    let sum = |key: &str| live.iter().map(|g| n(g, key)).sum::<u64>();
    assert_eq!((sum("total"), sum("used"), sum("left")), contracts(billing), "the grants add up: {billing}");
}

/// The history's arithmetic: each move of contracts changes the balance by
/// its change (while no grant expired between), and the newest says the
/// remaining billing shows.
fn assert_history_adds_up(history: &[Value], billing: &Value) {
    let contracts_moves: Vec<&Value> = history.iter().filter(|m| m["quota"] == "contracts").collect();
    let mut balance: i64 = 0;
    for m in &contracts_moves {
        if m["cause"] != "expiry" {
            balance += m["change"].as_i64().expect("a change");
            assert_eq!(m["balance_after"].as_i64(), Some(balance), "{m}");
        }
        balance = m["balance_after"].as_i64().expect("a balance");
    }
    let seqs: Vec<u64> = history.iter().map(|m| n(m, "seq")).collect();
    assert_eq!(seqs, (1..=history.len() as u64).collect::<Vec<_>>(), "every move once, in order");
    assert_eq!(
        contracts_moves.last().map(|m| n(m, "balance_after")),
        Some(contracts(billing).2),
        "the history ends at the remaining (QUO-1)"
    );
}

on_both_databases!(quo_1_grants_and_history_add_up_through_a_pack_contracts_and_expiry, |app| {
    app.sign_in("a-admin").await;
    let edition_order = app.buy(&advanced(), "web").await;
    let pack_order = app.buy(&pack(), "web").await;

    // QUO-3: the pack takes effect at once and expires with the edition.
    let b = billing(&app).await;
    let grants = contract_grants(&b);
    let shown: Vec<(&str, Option<i64>, &str)> = grants
        .iter()
        .map(|g| {
            (g["source"].as_str().unwrap_or_default(), g["order"].as_i64(), g["state"].as_str().unwrap_or_default())
        })
        .collect();
    assert_eq!(
        shown,
        [("edition", edition_order["id"].as_i64(), "live"), ("pack", pack_order["id"].as_i64(), "live")],
        "the edition's allotment and the pack, each with its order: {b}"
    );
    assert!(grants.iter().all(|g| g["expires_at"] == b["edition"]["expires_at"]), "QUO-3: {grants:?}");
    assert_eq!(contracts(&b), (2_000, 0, 2_000));
    assert_grants_add_up(&b);

    let mut ids = Vec::new();
    for title in ["采购合同", "服务协议", "保密协议"] {
        let (status, contract) = app.post("/api/contracts", &json!({ "title": title })).await;
        assert_eq!(status, StatusCode::CREATED, "{contract}");
        ids.push(contract["id"].clone());
    }
    let (status, withdrawn) = app.post(&format!("/api/contracts/{}/withdraw", ids[1]), &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{withdrawn}");

    let b = billing(&app).await;
    assert_eq!(contracts(&b), (2_000, 2, 1_998));
    assert_grants_add_up(&b);
    // QUO-5: both expire together, so the allotment (granted first) is drawn first and drawn next.
    let grants = contract_grants(&b);
    assert_eq!((n(&grants[0], "used"), grants[0]["draws_next"].as_bool()), (2, Some(true)), "{grants:?}");
    assert_eq!((n(&grants[1], "used"), grants[1]["draws_next"].as_bool()), (0, Some(false)), "{grants:?}");

    let history = whole_history(&app, 2).await;
    let told: Vec<(&str, &str, i64)> = history
        .iter()
        .map(|m| {
            (
                m["kind"].as_str().unwrap_or_default(),
                m["cause"].as_str().unwrap_or_default(),
                m["change"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        told,
        [
            ("granted", "delivery", 1_000),
            ("granted", "delivery", 1_000),
            ("drawn", "contract", -1),
            ("drawn", "contract", -1),
            ("drawn", "contract", -1),
            ("returned", "withdrawal", 1),
        ],
        "{history:?}"
    );
    assert_eq!(history[1]["order"].as_i64(), pack_order["id"].as_i64(), "the pack's grant names its order");
    assert_eq!(whole_history(&app, 100).await, history, "one page or many, the same history");
    assert_history_adds_up(&history, &b);

    // QUO-4: past the edition's end, what is left of both grants is cleared.
    use server::clock::Clock;
    let expires: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(b["edition"]["expires_at"].clone()).expect("an expiry");
    app.clock.advance(expires - app.clock.now() + chrono::TimeDelta::hours(1));
    server::workers::sweeper::run_once(&app.state).await.expect("sweeps");
    app.sign_in("a-admin").await;
    let b = billing(&app).await;
    assert_eq!(contracts(&b), (0, 0, 0), "{b}");
    assert_grants_add_up(&b);
    let expired: Vec<(u64, u64, u64)> = contract_grants(&b)
        .iter()
        .filter(|g| g["state"] == "expired")
        .map(|g| (n(g, "used"), n(g, "left"), n(g, "cleared")))
        .collect();
    assert_eq!(expired.len(), 2, "{b}");
    assert!(expired.contains(&(2, 0, 998)) && expired.contains(&(0, 0, 1_000)), "{expired:?}");

    let history = whole_history(&app, 3).await;
    let cleared: Vec<&Value> = history.iter().filter(|m| m["kind"] == "cleared").collect();
    assert_eq!(cleared.len(), 2, "{history:?}");
    assert!(cleared.iter().all(|m| m["cause"] == "expiry"), "{cleared:?}");
    assert_eq!(cleared.iter().map(|m| m["change"].as_i64().unwrap_or(0)).sum::<i64>(), -1_998);
    assert_history_adds_up(&history, &b);

    let reports = page(&app, "kind=signing_reports").await;
    assert_eq!(reports, json!({ "moves": [], "next_before": null }), "no signing reports were ever granted");
});

on_both_databases!(vis_1_the_grants_order_is_named_only_to_who_sees_purchase_records, |app| {
    app.sign_in("a-admin").await;
    let order = app.buy(&advanced(), "web").await;
    let admin = contract_grants(&billing(&app).await);
    assert_eq!(admin[0]["order"].as_i64(), order["id"].as_i64());
    // Named as buyers read it (订单号), the number the order itself carries.
    let number = order["number"].as_str().expect("the order's number");
    assert_eq!(admin[0]["order_number"].as_str(), Some(number), "{admin:?}");
    let told = page(&app, "").await;
    assert_eq!(told["moves"][0]["order_number"].as_str(), Some(number), "{told}");
    let staff = app.another_client();
    staff.sign_in("a-staff").await;
    let seen = contract_grants(&billing(&staff).await);
    assert_eq!((seen.len(), &seen[0]["order"]), (1, &Value::Null), "staff see the grant, not the order: {seen:?}");
    assert_eq!(seen[0]["order_number"], Value::Null, "nor its number: {seen:?}");
    let history = page(&staff, "").await;
    assert_eq!(history["moves"][0]["kind"], "granted", "{history}");
    assert_eq!(history["moves"][0]["order"], Value::Null, "{history}");
    assert_eq!(history["moves"][0]["order_number"], Value::Null, "{history}");
});

on_both_databases!(the_quota_history_refuses_a_bad_cursor_limit_or_kind_with_invalid_input, |app| {
    use crate::openapi::{assert_fits, served_document};
    let doc = served_document(&app).await;
    let (status, body) = app.get("/api/billing/quota-moves").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    app.sign_in("a-admin").await;
    app.buy(&advanced(), "web").await;
    for query in
        ["limit=0", "limit=101", "limit=x", "before=-1", "before=1.5", "kind=nope", "limit=99999999999999999999"]
    {
        let (status, body) = app.get(&format!("/api/billing/quota-moves?{query}")).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_input")),
            "{query}: {body}"
        );
        assert_fits(&doc, "GET", "/api/billing/quota-moves", status, &body);
    }
    let (status, body) = app.get("/api/billing/quota-moves?limit=1&before=2&kind=contracts").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_fits(&doc, "GET", "/api/billing/quota-moves", status, &body);
    assert_eq!(body["moves"][0]["seq"], 1, "{body}");
    let (status, body) = app.get("/api/billing").await;
    assert_fits(&doc, "GET", "/api/billing", status, &body);
});
