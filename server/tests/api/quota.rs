//! After the purchase: contracts against the quota (QUO-1..5), add-on uses
//! (ADD-2), billing management (VIS-2) and the expiry sweeper (QUO-4), on
//! SQLite and PostgreSQL.

use crate::helpers::TestApp;
use crate::on_both_databases;
use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::clock::to_ms;

/// The account the signed-in caller acts for.
pub async fn acting_account(app: &TestApp) -> i64 {
    let (_, me) = app.get("/api/me").await;
    let enterprise = me["acting_enterprise_id"].as_i64().expect("acting as an enterprise");
    server::db::query_scalar("SELECT account_id FROM enterprises WHERE id = $1")
        .bind(enterprise)
        .fetch_one(&app.db().await.read)
        .await
        .expect("the enterprise's account")
}

/// Arrange: a contract grant of `amount` expiring in `days`, written straight
/// into the account's ledger the way delivery writes one.
pub async fn grant_contracts(app: &TestApp, account_id: i64, amount: i64, days: i64, source: &str) -> i64 {
    use server::clock::Clock;
    let db = app.db().await;
    let mut tx = db.begin().await.expect("tx");
    let grant: i64 = server::db::query_scalar("SELECT grants_issued + 1 FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_one(&mut *tx)
        .await
        .expect("grant number");
    server::db::query(
        "INSERT INTO quota_grants (account_id, grant_no, kind, amount, expires_at, source, cause) \
         VALUES ($1, $2, 'contracts', $3, $4, $5, 'delivery')",
    )
    .bind(account_id)
    .bind(grant)
    .bind(amount)
    .bind(to_ms(app.clock.now() + chrono::TimeDelta::days(days)))
    .bind(source)
    .execute(&mut *tx)
    .await
    .expect("grant");
    server::db::query("UPDATE accounts SET grants_issued = $1 WHERE id = $2")
        .bind(grant)
        .bind(account_id)
        .execute(&mut *tx)
        .await
        .expect("grant number");
    tx.commit().await.expect("commit");
    grant
}

/// The account's ledger moves as (entry, grant, amount), in order.
pub async fn moves(app: &TestApp, account_id: i64) -> Vec<(String, i64, i64)> {
    server::db::query_as("SELECT entry, grant_no, amount FROM quota_moves WHERE account_id = $1 ORDER BY id")
        .bind(account_id)
        .fetch_all(&app.db().await.read)
        .await
        .expect("moves")
}

/// The account's audit events, in order.
pub async fn audit_events(app: &TestApp, account_id: i64) -> Vec<String> {
    server::db::query_scalar("SELECT event FROM audit_log WHERE account_id = $1 ORDER BY id")
        .bind(account_id)
        .fetch_all(&app.db().await.read)
        .await
        .expect("audit")
}

/// `GET /api/billing` for the signed-in caller.
pub async fn billing(app: &TestApp) -> Value {
    let (status, billing) = app.get("/api/billing").await;
    assert_eq!(status, StatusCode::OK, "billing: {billing}");
    billing
}

/// (total, used, remaining) of the contracts.
pub fn contracts(billing: &Value) -> (u64, u64, u64) {
    let c = &billing["contracts"];
    let n = |k: &str| c[k].as_u64().unwrap_or_else(|| panic!("contracts.{k} in {billing}"));
    (n("total"), n("used"), n("remaining"))
}

fn advanced() -> Value {
    json!({ "edition": { "edition": "advanced", "years": 1 } })
}

async fn initiate(app: &TestApp, title: &str) -> (StatusCode, Value) {
    app.post("/api/contracts", &json!({ "title": title })).await
}

fn code(body: &Value) -> Option<&str> {
    body["code"].as_str()
}

on_both_databases!(quo_2_initiating_draws_one_and_withdrawing_an_unsigned_contract_returns_it, |app| {
    app.sign_in("a-admin").await;
    app.buy(&advanced(), "web").await;
    let account = acting_account(&app).await;
    assert_eq!(contracts(&billing(&app).await), (1_000, 0, 1_000));

    let (status, first) = initiate(&app, "采购合同 2026-001").await;
    assert_eq!((status, first["status"].as_str()), (StatusCode::CREATED, Some("initiated")), "{first}");
    assert_eq!(contracts(&billing(&app).await), (1_000, 1, 999), "one contract drawn");

    let (status, withdrawn) = app.post(&format!("/api/contracts/{}/withdraw", first["id"]), &json!({})).await;
    assert_eq!((status, withdrawn["status"].as_str()), (StatusCode::OK, Some("withdrawn")), "{withdrawn}");
    assert_eq!(contracts(&billing(&app).await), (1_000, 0, 1_000), "returned to its grant");
    let (status, again) = app.post(&format!("/api/contracts/{}/withdraw", first["id"]), &json!({})).await;
    assert_eq!((status, code(&again)), (StatusCode::CONFLICT, Some("invalid_state")), "withdrawn once");

    let (_, second) = initiate(&app, "服务协议").await;
    let (status, signed) = app.post(&format!("/api/contracts/{}/sign", second["id"]), &json!({})).await;
    assert_eq!((status, signed["status"].as_str()), (StatusCode::OK, Some("signed")), "{signed}");
    let (status, refused) = app.post(&format!("/api/contracts/{}/withdraw", second["id"]), &json!({})).await;
    assert_eq!((status, code(&refused)), (StatusCode::CONFLICT, Some("contract_already_signed")), "{refused}");
    assert_eq!(contracts(&billing(&app).await), (1_000, 1, 999), "a signed contract keeps its draw");

    let (_, list) = app.get("/api/contracts").await;
    let statuses: Vec<&str> = list.as_array().expect("a list").iter().filter_map(|c| c["status"].as_str()).collect();
    assert_eq!(statuses, ["signed", "withdrawn"], "newest first: {list}");
    let grant = first["grant"].as_i64().expect("the grant it came from");
    let quota_moves: Vec<(String, i64, i64)> =
        moves(&app, account).await.into_iter().filter(|(e, _, _)| e != "move").collect();
    assert_eq!(
        quota_moves,
        [("draw".to_owned(), grant, 1), ("return".to_owned(), grant, 1), ("draw".to_owned(), grant, 1)],
        "every quota move is in the ledger"
    );
    let events = audit_events(&app, account).await;
    for event in ["contract.initiated", "contract.withdrawn", "contract.signed"] {
        assert!(events.iter().any(|e| e == event), "{event} audited: {events:?}");
    }
});

on_both_databases!(quo_2_with_nothing_left_initiating_is_quota_exhausted_and_changes_nothing, |app| {
    app.sign_in("b-admin").await;
    let account = acting_account(&app).await;
    let (status, body) = initiate(&app, "合同").await;
    assert_eq!((status, code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, Some("quota_exhausted")), "{body}");
    let (_, list) = app.get("/api/contracts").await;
    assert_eq!(list, json!([]));
    assert!(moves(&app, account).await.is_empty());
    let (status, body) = initiate(&app, "   ").await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("title")), "{body}");
});

on_both_databases!(quo_2_another_accounts_contract_is_not_found, |app| {
    app.sign_in("a-admin").await;
    let account = acting_account(&app).await;
    grant_contracts(&app, account, 10, 30, "pack").await;
    let (_, contract) = initiate(&app, "合同").await;
    let b = app.another_client();
    b.sign_in("b-admin").await;
    for action in ["sign", "withdraw"] {
        let (status, body) = b.post(&format!("/api/contracts/{}/{action}", contract["id"]), &json!({})).await;
        assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, Some("not_found")), "{action}");
    }
    let (status, _) = b.get(&format!("/api/contracts/{}", contract["id"])).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, mine) = app.get(&format!("/api/contracts/{}", contract["id"])).await;
    assert_eq!(mine["status"], "initiated", "untouched");
});

on_both_databases!(quo_2_the_same_idempotency_key_initiates_one_contract, |app| {
    app.sign_in("a-admin").await;
    let account = acting_account(&app).await;
    grant_contracts(&app, account, 10, 30, "pack").await;
    let submits = (0..8).map(|_| {
        let request = app
            .client
            .post(format!("{}/api/contracts", app.address))
            .header("Idempotency-Key", "contract-1")
            .json(&json!({ "title": "合同" }));
        app.send(request, "initiate with a key")
    });
    let answers = futures_util::future::join_all(submits).await;
    let ids: std::collections::BTreeSet<String> = answers.iter().map(|(_, c)| c["id"].to_string()).collect();
    assert_eq!(ids.len(), 1, "one contract: {answers:?}");
    assert_eq!(answers.iter().filter(|(s, _)| *s == StatusCode::CREATED).count(), 1);
    assert_eq!(contracts(&billing(&app).await), (10, 1, 9), "drawn once");
    let request = app
        .client
        .post(format!("{}/api/contracts", app.address))
        .header("Idempotency-Key", "contract-1")
        .json(&json!({ "title": "另一份合同" }));
    let (status, body) = app.send(request, "same key, other title").await;
    assert_eq!((status, code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, Some("idempotency_key_reused")));
});

on_both_databases!(quo_5_a_contract_is_drawn_from_the_grant_that_expires_first, |app| {
    app.sign_in("a-admin").await;
    app.buy(&advanced(), "web").await;
    let account = acting_account(&app).await;
    let soon = grant_contracts(&app, account, 2, 10, "pack").await;
    let mut drawn_from = Vec::new();
    for i in 0..3 {
        let (status, contract) = initiate(&app, &format!("合同 {i}")).await;
        assert_eq!(status, StatusCode::CREATED, "{contract}");
        drawn_from.push(contract["grant"].as_i64().expect("grant"));
    }
    assert_eq!(&drawn_from[..2], [soon, soon], "the grant ending in 10 days goes first");
    assert_ne!(drawn_from[2], soon, "then the edition's");
});

on_both_databases!(
    quo_5_one_thousand_concurrent_initiations_with_one_hundred_left_succeed_exactly_one_hundred_times,
    |app| {
        app.sign_in("a-admin").await;
        let account = acting_account(&app).await;
        grant_contracts(&app, account, 100, 30, "pack").await;
        assert_eq!(contracts(&billing(&app).await), (100, 0, 100));

        let started = std::time::Instant::now();
        let answers: Vec<(StatusCode, Value)> = futures_util::stream::iter(0..1_000)
            .map(|i| app.post_owned("/api/contracts".to_owned(), json!({ "title": format!("并发合同 {i}") })))
            .buffer_unordered(50)
            .collect()
            .await;
        let created = answers.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
        let exhausted = answers
            .iter()
            .filter(|(s, b)| *s == StatusCode::UNPROCESSABLE_ENTITY && code(b) == Some("quota_exhausted"))
            .count();
        let other: Vec<_> = answers.iter().filter(|(s, _)| !matches!(s.as_u16(), 201 | 422)).take(3).collect();
        assert_eq!((created, exhausted), (100, 900), "exactly 100 succeed, the rest are refused: {other:?}");
        eprintln!("1000 concurrent initiations in {:?}", started.elapsed());

        assert_eq!(contracts(&billing(&app).await), (100, 100, 0), "the balance ends at zero");
        let db = app.db().await;
        let (count, distinct): (i64, i64) =
            server::db::query_as("SELECT COUNT(*), COUNT(DISTINCT id) FROM contracts WHERE account_id = $1")
                .bind(account)
                .fetch_one(&db.read)
                .await
                .expect("contracts");
        assert_eq!((count, distinct), (100, 100), "one contract per success");
        let drawn = moves(&app, account).await.iter().filter(|(e, _, _)| e == "draw").map(|(_, _, n)| *n).sum::<i64>();
        assert_eq!(drawn, 100, "never below zero, never double-counted");
    }
);

on_both_databases!(add_2_each_add_on_use_draws_from_its_packs_and_billing_shows_used_and_remaining, |app| {
    app.sign_in("a-admin").await;
    let account = acting_account(&app).await;
    let selection = json!({
        "edition": { "edition": "advanced", "years": 1 },
        "addons": [{ "addon": "signing_reports", "quantity": 1 }]
    });
    app.buy(&selection, "web").await;
    for used in 1..=3 {
        let (status, usage) = app.post("/api/addons/signing_reports/use", &json!({})).await;
        assert_eq!(status, StatusCode::OK, "{usage}");
        assert_eq!((usage["used"].as_u64(), usage["remaining"].as_u64()), (Some(used), Some(100 - used)));
    }
    let b = billing(&app).await;
    assert_eq!(
        b["addons"],
        json!([
            { "addon": "signing_reports", "total": 100, "used": 3, "remaining": 97 },
            { "addon": "meeting_signing", "total": 0, "used": 0, "remaining": 0 }
        ])
    );
    assert_eq!(contracts(&b), (1_000, 0, 1_000), "reports are not contracts");
    let (status, body) = app.post("/api/addons/meeting_signing/use", &json!({})).await;
    assert_eq!((status, code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, Some("quota_exhausted")));
    for kind in ["integration", "contract_pack_1k", "nonsense"] {
        let (status, body) = app.post(&format!("/api/addons/{kind}/use"), &json!({})).await;
        assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, Some("not_found")), "{kind}");
    }
    let events = audit_events(&app, account).await;
    assert_eq!(events.iter().filter(|e| *e == "addon.used").count(), 3, "{events:?}");
});

on_both_databases!(quo_1_billing_management_shows_the_edition_contracts_balance_and_what_is_open, |app| {
    let (status, body) = app.get("/api/billing").await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, Some("unauthenticated")));
    app.sign_in("a-admin").await;
    let before = billing(&app).await;
    assert_eq!(before["edition"], Value::Null);
    assert_eq!(contracts(&before), (0, 0, 0));
    assert_eq!(before["next"]["renew"]["refusals"][0]["code"], "no_active_edition");
    assert_eq!(before["next"]["upgrade"]["refusals"][0]["code"], "no_active_edition");
    assert_eq!(before["next"]["trial"]["refusals"], json!([]), "the trial is open: {before}");

    let selection = json!({
        "edition": { "edition": "advanced", "years": 1 },
        "addons": [{ "addon": "contract_pack_1k", "quantity": 1 }]
    });
    let order = app.buy(&selection, "web").await;
    let b = billing(&app).await;
    assert_eq!(b["edition"]["edition"], "advanced");
    assert_eq!((b["edition"]["trial"].as_bool(), b["edition"]["active"].as_bool()), (Some(false), Some(true)));
    assert_eq!(b["edition"]["starts_at"], order["paid_at"], "the edition starts at payment");
    assert_eq!(contracts(&b), (2_000, 0, 2_000), "QUO-1: allotment + packs − used");
    assert_eq!(b["balance"], "191020.00", "200000 − 6980 − 2000");
    assert_eq!(b["next"]["renew"]["refusals"], json!([]));
    assert_eq!(b["next"]["upgrade"]["refusals"], json!([]), "Professional is open");
    assert_eq!(b["next"]["trial"]["refusals"][0]["code"], "enterprise_has_edition");

    let (status, mini) = app.get("/api/billing?channel=mini_program").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(mini["channel"], "mini_program");
    assert_eq!(mini["next"]["upgrade"]["refusals"][0]["code"], "mini_program_limit");
    assert_eq!(mini["next"]["upgrade"]["remedy"], "web_console");
    let (status, body) = app.get("/api/billing?channel=fax").await;
    assert_eq!((status, code(&body)), (StatusCode::BAD_REQUEST, Some("invalid_input")), "{body}");
});

on_both_databases!(vis_2_billing_shows_only_the_quick_actions_the_role_may_use, |app| {
    let cases = [
        ("a-legal", json!(["orders", "packages", "upgrade", "renew"])),
        ("a-admin", json!(["orders", "packages", "invoices", "upgrade", "renew"])),
        ("a-billing", json!(["packages", "invoices", "upgrade", "renew"])),
        ("a-staff", json!(["packages", "upgrade", "renew"])),
    ];
    for (login, actions) in cases {
        let member = app.another_client();
        member.sign_in(login).await;
        assert_eq!(billing(&member).await["quick_actions"], actions, "{login}");
    }
});

on_both_databases!(quo_4_at_expiry_what_is_left_is_cleared_and_a_late_withdrawal_gives_nothing_back, |app| {
    app.sign_in("a-admin").await;
    let order = app.buy(&advanced(), "web").await;
    let account = acting_account(&app).await;
    let (_, contract) = initiate(&app, "跨期合同").await;
    let grant = contract["grant"].as_i64().expect("grant");
    assert_eq!(contracts(&billing(&app).await), (1_000, 1, 999));
    let b = billing(&app).await;
    let expires: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(b["edition"]["expires_at"].clone()).expect("an expiry");
    assert!(order["paid_at"].is_string());

    use server::clock::Clock;
    let past = expires - app.clock.now() + chrono::TimeDelta::hours(1);
    app.clock.advance(past);
    server::workers::sweeper::run_once(&app.state).await.expect("sweeps");
    assert_eq!(
        server::workers::sweeper::run_once(&app.state).await.expect("sweeps"),
        0,
        "nothing left the second time"
    );
    app.sign_in("a-admin").await;
    let after = billing(&app).await;
    assert_eq!(contracts(&after), (0, 0, 0), "nothing usable after expiry: {after}");
    assert_eq!(after["edition"]["active"], false);
    let cleared: Vec<(String, i64, i64)> =
        moves(&app, account).await.into_iter().filter(|(e, _, _)| e == "clear").collect();
    assert_eq!(cleared, [("clear".to_owned(), grant, 999)], "the clear is in the ledger");
    assert!(audit_events(&app, account).await.iter().any(|e| e == "quota.cleared"));

    let (status, withdrawn) = app.post(&format!("/api/contracts/{}/withdraw", contract["id"]), &json!({})).await;
    assert_eq!((status, withdrawn["status"].as_str()), (StatusCode::OK, Some("withdrawn")), "{withdrawn}");
    assert_eq!(contracts(&billing(&app).await), (0, 0, 0), "QUO-2: the return is cleared with its grant");
    let tail: Vec<(String, i64, i64)> = moves(&app, account).await.into_iter().rev().take(2).collect();
    assert_eq!(tail, [("clear".to_owned(), grant, 1), ("return".to_owned(), grant, 1)]);
    let (status, body) = initiate(&app, "过期后").await;
    assert_eq!((status, code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, Some("quota_exhausted")));
});

on_both_databases!(billing_trial_contract_and_add_on_answers_fit_their_documented_schemas, |app| {
    use crate::openapi::{assert_fits, served_document};
    let doc = served_document(&app).await;
    let (status, body) = app.get("/api/billing").await;
    assert_fits(&doc, "GET", "/api/billing", status, &body);
    app.sign_in("b-admin").await;
    let (status, body) = app.get("/api/billing").await;
    assert_fits(&doc, "GET", "/api/billing", status, &body);
    let (status, body) = app.get("/api/billing?channel=nowhere").await;
    assert_fits(&doc, "GET", "/api/billing", status, &body);
    let (status, body) = app.post("/api/contracts", &json!({ "title": "合同" })).await;
    assert_fits(&doc, "POST", "/api/contracts", status, &body);
    let (status, body) = app.post("/api/trial", &json!({ "channel": "web" })).await;
    assert_fits(&doc, "POST", "/api/trial", status, &body);
    let (status, body) = app.post("/api/trial", &json!({})).await;
    assert_fits(&doc, "POST", "/api/trial", status, &body);
    let (status, contract) = app.post("/api/contracts", &json!({ "title": "合同" })).await;
    assert_fits(&doc, "POST", "/api/contracts", status, &contract);
    let id = &contract["id"];
    let (status, body) = app.get("/api/contracts").await;
    assert_fits(&doc, "GET", "/api/contracts", status, &body);
    let (status, body) = app.get(&format!("/api/contracts/{id}")).await;
    assert_fits(&doc, "GET", "/api/contracts/{id}", status, &body);
    let (status, body) = app.post(&format!("/api/contracts/{id}/sign"), &json!({})).await;
    assert_fits(&doc, "POST", "/api/contracts/{id}/sign", status, &body);
    let (status, body) = app.post(&format!("/api/contracts/{id}/withdraw"), &json!({})).await;
    assert_fits(&doc, "POST", "/api/contracts/{id}/withdraw", status, &body);
    let (status, body) = app.get("/api/contracts/999999").await;
    assert_fits(&doc, "GET", "/api/contracts/{id}", status, &body);
    let (status, body) = app.post("/api/addons/signing_reports/use", &json!({})).await;
    assert_fits(&doc, "POST", "/api/addons/{kind}/use", status, &body);
    app.sign_in("a-admin").await;
    app.buy(&json!({ "edition": { "edition": "advanced", "years": 1 }, "addons": [{ "addon": "meeting_signing", "quantity": 1 }] }), "web").await;
    let (status, body) = app.post("/api/addons/meeting_signing/use", &json!({})).await;
    assert_fits(&doc, "POST", "/api/addons/{kind}/use", status, &body);
    let (status, body) = app.get("/api/billing").await;
    assert_fits(&doc, "GET", "/api/billing", status, &body);
});
