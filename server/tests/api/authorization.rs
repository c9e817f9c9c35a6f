//! Who may do what (VIS-1, INV-1 and its invoice centre, SAL-1, BND-2, ID-4, QUO-2, TRI-1, VER-1),
//! written out as a table from SPEC.md rather than computed from the
//! server, with a line for every operation the OpenAPI document lists (a
//! test fails for one without): each endpoint,
//! each role and identity, the acting account's resources and another
//! enterprise's. Another account's resource is never found, and no answer
//! carries another enterprise's data.

use crate::helpers::TestApp;
use crate::on_both_databases;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Who asks: nobody signed in, enterprise A's four roles, a person acting as
/// themselves, and the sales manager.
const ACTORS: [&str; 7] = ["anonymous", "a-legal", "a-admin", "a-billing", "a-staff", "p-chen", "sales"];

/// What each actor gets, in the order of [`ACTORS`]. `{a}` is an order of
/// enterprise A placed by its super admin, `{b}` one of enterprise B, `{p}`
/// p-chen's personal order.
#[rustfmt::skip]
const MATRIX: &[(&str, [u16; 7])] = &[
    //                                     anon  legal admin  bill staff  chen sales
    ("GET  /api/me",                        [401, 200, 200, 200, 200, 200, 200]),
    ("GET  /api/orders/{a}",                [401, 200, 200, 404, 404, 404, 404]),
    ("GET  /api/orders/{b}",                [401, 404, 404, 404, 404, 404, 404]),
    ("GET  /api/orders/{p}",                [401, 404, 404, 404, 404, 200, 404]),
    ("GET  /api/orders/{b}/events",         [401, 404, 404, 404, 404, 404, 404]),
    ("POST /api/orders/{b}/cancel",         [401, 404, 404, 404, 404, 404, 404]),
    ("POST /api/orders/{b}/pay",            [401, 404, 404, 404, 404, 404, 404]),
    ("POST /api/orders/{p}/pay",            [401, 404, 404, 404, 404, 200, 404]),
    ("POST /api/orders/{p}/bind",           [401, 403, 403, 403, 403, 409, 404]),
    ("GET  /api/orders",                    [401, 200, 200, 200, 200, 200, 200]),
    ("GET  /api/me/orders",                 [401, 403, 403, 403, 403, 200, 200]),
    ("GET  /api/invoices?channel=web",      [401, 403, 200, 200, 403, 200, 200]),
    ("GET  /api/invoices/titles",           [401, 403, 200, 200, 403, 200, 200]),
    ("GET  /api/invoices/orders",           [401, 403, 200, 200, 403, 200, 200]),
    ("GET  /api/invoices/999999",           [401, 403, 404, 404, 403, 404, 404]),
    ("GET  /api/invoices/999999/document",  [401, 403, 404, 404, 403, 404, 404]),
    ("GET  /api/sales/leads",               [401, 403, 403, 403, 403, 403, 200]),
    ("GET  /api/sales/quotes",              [401, 200, 200, 200, 200, 200, 200]),
    ("GET  /api/contracts",                 [401, 200, 200, 200, 200, 200, 200]),
    ("POST /api/quote",                     [401, 200, 200, 200, 200, 200, 200]),
    ("GET  /api/demo-accounts",             [200, 200, 200, 200, 200, 200, 200]),
    // Open to all: what the API says about itself.
    ("GET  /api/health",                       [200, 200, 200, 200, 200, 200, 200]),
    ("GET  /api/ready",                        [200, 200, 200, 200, 200, 200, 200]),
    ("GET  /api/catalog",                      [200, 200, 200, 200, 200, 200, 200]),
    ("GET  /api/openapi.json",                 [200, 200, 200, 200, 200, 200, 200]),
    ("GET  /api/environment",                  [200, 200, 200, 200, 200, 200, 200]),
    // The acting account's own things ({ca}: a contract of A, {cb}: of B).
    ("POST /api/orders",                       [401, 400, 400, 400, 400, 400, 400]),
    ("GET  /api/billing?channel=web",          [401, 200, 200, 200, 200, 200, 200]),
    // The quota history is billing management's own: every member (its order numbers only for VIS-1's roles).
    ("GET  /api/billing/quota-moves?limit=5",  [401, 200, 200, 200, 200, 200, 200]),
    ("POST /api/trial",                        [401, 422, 422, 422, 422, 403, 403]),
    ("POST /api/addons/signing_reports/use",   [401, 422, 422, 422, 422, 422, 422]),
    ("POST /api/contracts",                    [401, 201, 201, 201, 201, 422, 422]),
    ("GET  /api/contracts/{ca}",               [401, 200, 200, 200, 200, 404, 404]),
    ("GET  /api/contracts/{cb}",               [401, 404, 404, 404, 404, 404, 404]),
    ("POST /api/contracts/{cb}/sign",          [401, 404, 404, 404, 404, 404, 404]),
    ("POST /api/contracts/{cb}/withdraw",      [401, 404, 404, 404, 404, 404, 404]),
    // INV-1: the super admin and billing staff (a person for their own orders), after the phone;
    // VER-1: one code a minute per phone (A's roles share the enterprise's).
    ("POST /api/invoices",                     [401, 403, 422, 422, 403, 422, 422]),
    ("POST /api/invoices/titles",              [401, 403, 422, 422, 403, 422, 422]),
    ("POST /api/invoices/999999/retry",        [401, 403, 422, 422, 403, 422, 422]),
    ("POST /api/invoices/999999/reverse",      [401, 403, 422, 403, 403, 422, 422]),
    ("POST /api/verification/check",           [401, 422, 422, 422, 422, 422, 422]),
    ("POST /api/verification/send",            [401, 200, 429, 429, 429, 200, 200]),
    // SAL-1: anyone leaves a lead, only the sales manager quotes; no actor here is an operator.
    ("POST /api/sales/leads",                  [401, 201, 201, 201, 201, 201, 201]),
    ("POST /api/sales/leads/{lead}/quotes",    [401, 403, 403, 403, 403, 403, 201]),
    ("GET  /api/sales/leads/{lead}",           [401, 403, 403, 403, 403, 403, 200]),
    ("POST /api/sales/leads/{lead}/notes",     [401, 403, 403, 403, 403, 403, 201]),
    ("PUT  /api/sales/leads/{lead}/status",    [401, 403, 403, 403, 403, 403, 200]),
    ("GET  /api/ops/payments?status=refund_due", [401, 403, 403, 403, 403, 403, 403]),
    ("POST /api/ops/payments/nope/refund",     [401, 403, 403, 403, 403, 403, 403]),
    ("GET  /api/ops/deliveries",               [401, 403, 403, 403, 403, 403, 403]),
    ("POST /api/ops/orders/1/retry-delivery",  [401, 403, 403, 403, 403, 403, 403]),
    ("GET  /api/ops/accounts?q=A",             [401, 403, 403, 403, 403, 403, 403]),
    ("GET  /api/ops/accounts/1/timeline",      [401, 403, 403, 403, 403, 403, 403]),
    ("GET  /api/ops/verifications",            [401, 403, 403, 403, 403, 403, 403]),
    ("POST /api/ops/verifications/1/approve",  [401, 403, 403, 403, 403, 403, 403]),
    ("POST /api/ops/verifications/1/reject",   [401, 403, 403, 403, 403, 403, 403]),
    // VER-2: members of the enterprise ask ({c}: the unverified one p-chen is super admin of;
    // the phone code comes first); A's roles and the sales manager have not joined it.
    ("GET  /api/enterprises/{c}/verification", [401, 422, 422, 422, 422, 200, 422]),
    ("POST /api/enterprises/{c}/verification", [401, 422, 422, 422, 422, 422, 422]),
    // Development's sandboxes, the provider's notification (signed) and the browser's reports.
    ("GET  /api/dev/sms-outbox",               [200, 200, 200, 200, 200, 200, 200]),
    ("POST /api/dev/payments/nope/confirm",    [404, 404, 404, 404, 404, 404, 404]),
    ("POST /api/payments/notify",              [400, 400, 400, 400, 400, 400, 400]),
    ("POST /api/refunds/notify",               [400, 400, 400, 400, 400, 400, 400]),
    ("POST /api/csp-reports",                  [400, 400, 400, 400, 400, 400, 400]),
    ("GET  /api/dev/csp-reports",              [200, 200, 200, 200, 200, 200, 200]),
    ("GET  /api/dev/db-stats",                 [200, 200, 200, 200, 200, 200, 200]),
    // CH-3: development's cloud sign-in, open to all; asked for an account it
    // does not offer, so that the asking client's session stays as it is.
    ("GET  /api/dev/cloud-accounts",           [200, 200, 200, 200, 200, 200, 200]),
    ("POST /api/dev/cloud-session",            [404, 404, 404, 404, 404, 404, 404]),
];

/// Documented operations with no line above, and why: each changes the
/// asking client's own session, which the lines after it need (they are
/// tested in `security.rs` and `basics.rs`).
const NOT_IN_THE_TABLE: [(&str, &str); 4] = [
    ("POST", "/api/session"),
    ("DELETE", "/api/session"),
    ("DELETE", "/api/sessions"),
    ("PUT", "/api/session/identity"),
];

/// Whether the concrete `path` (query cut off) is an instance of `template`.
fn instance_of(path: &str, template: &str) -> bool {
    let path = path.split('?').next().unwrap_or_default();
    let (a, b): (Vec<&str>, Vec<&str>) = (path.split('/').collect(), template.split('/').collect());
    a.len() == b.len() && a.iter().zip(&b).all(|(x, t)| x == t || (t.starts_with('{') && t.ends_with('}')))
}

on_both_databases!(the_table_has_a_line_for_every_documented_operation, |app| {
    let doc = crate::openapi::served_document(&app).await;
    let missing: Vec<String> = crate::openapi::documented_operations(&doc)
        .into_iter()
        .filter(|(method, template)| {
            let exempt = NOT_IN_THE_TABLE.iter().any(|(m, t)| m == method && t == template);
            let lined = MATRIX.iter().any(|(line, _)| {
                let (m, path) = line.split_once(' ').expect("method and path");
                m == method && instance_of(path.trim(), template)
            });
            !exempt && !lined
        })
        .map(|(method, template)| format!("{method} {template}"))
        .collect();
    assert!(missing.is_empty(), "operations the authorization table does not cover: {missing:?}");
});

/// Which order lists show enterprise A's order (VIS-1: its super admin and
/// legal representative see every record; other staff only what they placed).
const LIST_SHOWS_A: [bool; 7] = [false, true, true, false, false, false, false];

fn advanced() -> Value {
    json!({ "edition": { "edition": "advanced", "years": 1 } })
}

/// A signed-in client for `login`, acting as the person for p-chen and the sales manager.
async fn actor(app: &TestApp, login: &str) -> TestApp {
    let client = app.another_client();
    if login != "anonymous" {
        client.sign_in(login).await;
    }
    if matches!(login, "p-chen" | "sales") {
        let request = client
            .client
            .put(format!("{}/api/session/identity", client.address))
            .json(&json!({ "enterprise_id": null }));
        let (status, body) = client.send(request, "PUT /api/session/identity").await;
        assert_eq!(status, StatusCode::OK, "{login} acts as the person: {body}");
    }
    client
}

fn body_for(path: &str) -> Value {
    if path.ends_with("/api/contracts") {
        json!({ "title": "采购合同" })
    } else if path.ends_with("/api/invoices") {
        json!({ "order_ids": [1], "title_id": 1, "channel": "web" })
    } else if path.ends_with("/api/invoices/titles") {
        json!({ "credit_code": "91110108551385082Q", "email": "finance@example.com" })
    } else if path.ends_with("/trial") {
        json!({ "channel": "web" })
    } else if path.ends_with("/verification") {
        json!({ "name": "深圳未来贸易有限公司", "credit_code": "91440300MA5G8Q2K17", "legal_representative": "陈静" })
    } else if path.ends_with("/reject") {
        json!({ "reason": "营业执照信息不符" })
    } else if path.contains("/verification/") {
        json!({ "purpose": "invoice", "code": "000000" })
    } else if path.ends_with("/api/sales/leads") {
        json!({ "contact_name": "王先生", "phone": "13800000000", "company": "某公司", "kind": "consultation" })
    } else if path.ends_with("/notes") {
        json!({ "body": "已电话联系" })
    } else if path.ends_with("/status") {
        json!({ "status": "contacted" })
    } else if path.ends_with("/quotes") {
        json!({ "years": 1, "price": "300000.00", "contracts": 2_000_000, "expires_at": "2099-01-01T00:00:00Z" })
    } else if path.ends_with("/pay") {
        json!({ "method": "wechat_pay" })
    } else if path.ends_with("/bind") {
        json!({ "enterprise_id": 1 })
    } else if path.ends_with("/cloud-session") {
        json!({ "cloud_account": "cloud-999999" })
    } else if path.ends_with("/quote") {
        json!({ "selection": advanced(), "channel": "web" })
    } else {
        json!({})
    }
}

on_both_databases!(vis_1_every_endpoint_answers_each_role_and_identity_as_the_spec_says, |app| {
    let a_admin = actor(&app, "a-admin").await;
    let a = a_admin.place_ok(&advanced(), "web").await;
    let b = actor(&app, "b-admin").await.place_ok(&advanced(), "web").await;
    let chen = actor(&app, "p-chen").await;
    // The mini-program would ask for details first (BND-3); on the web a person buys directly.
    let p = chen.place_ok(&advanced(), "web").await;
    let contract = |client: TestApp| async move {
        let (status, body) = client.post("/api/contracts", &json!({ "title": "采购合同" })).await;
        assert_eq!(status, StatusCode::CREATED, "a contract: {body}");
        body["id"].as_i64().expect("a contract id")
    };
    // Both enterprises hold an edition, so each has contracts to draw.
    a_admin.buy(&advanced(), "web").await;
    let b_admin = actor(&app, "b-admin").await;
    b_admin.buy(&advanced(), "web").await;
    let ca = contract(actor(&app, "a-admin").await).await;
    let cb = contract(b_admin).await;
    let (status, lead) = a_admin
        .post(
            "/api/sales/leads",
            &json!({ "contact_name": "李女士", "phone": "13900000000", "company": "A", "kind": "flagship" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "a lead: {lead}");
    let lead = lead["id"].as_i64().expect("a lead id");
    let foreign_name = "上海合同宝";
    let c: i64 = server::db::query_scalar("SELECT id FROM enterprises WHERE verified = 0")
        .fetch_one(&app.db().await.read)
        .await
        .expect("the unverified enterprise");

    let mut wrong = Vec::new();
    for (column, login) in ACTORS.iter().enumerate() {
        let client = actor(&app, login).await;
        for (line, expected) in MATRIX {
            let (method, template) = line.split_once(' ').expect("method and path");
            let path = template
                .trim()
                .replace("{a}", &a.to_string())
                .replace("{b}", &b.to_string())
                .replace("{p}", &p.to_string())
                .replace("{ca}", &ca.to_string())
                .replace("{cb}", &cb.to_string())
                .replace("{lead}", &lead.to_string())
                .replace("{c}", &c.to_string());
            let url = format!("{}{path}", client.address);
            let request = match method {
                "GET" => client.client.get(url),
                "PUT" => client.client.put(url).json(&body_for(&path)),
                _ => client.client.post(url).json(&body_for(&path)),
            };
            let (status, body) = client.send(request, &path).await;
            if status.as_u16() != expected[column] {
                wrong.push(format!("{login} {method} {path}: {status} (expected {}) {body}", expected[column]));
            }
            // The development sign-in pages list every demo person by design.
            let public =
                ["/api/demo-accounts", "/api/dev/sms-outbox", "/api/dev/cloud-accounts"].contains(&path.as_str());
            if status.is_success() && !public && body.to_string().contains(foreign_name) {
                wrong.push(format!("{login} {method} {path} leaks enterprise B: {body}"));
            }
        }
        let (status, list) = client.get("/api/orders").await;
        if status == StatusCode::OK {
            let ids: Vec<i64> = list.as_array().expect("a list").iter().filter_map(|o| o["id"].as_i64()).collect();
            if ids.contains(&a) != LIST_SHOWS_A[column] {
                wrong.push(format!(
                    "{login} GET /api/orders shows A's order: {} (expected {})",
                    !LIST_SHOWS_A[column], LIST_SHOWS_A[column]
                ));
            }
            if ids.contains(&b) || (ids.contains(&p) && *login != "p-chen") {
                wrong.push(format!("{login} GET /api/orders lists another account's order: {ids:?}"));
            }
        }
    }
    assert!(wrong.is_empty(), "answers that differ from the table:\n{}", wrong.join("\n"));
});
