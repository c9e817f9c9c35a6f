//! Who may do what (VIS-1, INV-1, SAL-1, BND-2, ID-4), written out as a
//! table from SPEC.md rather than computed from the server: each endpoint,
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
    ("GET  /api/invoices?channel=web",      [401, 403, 200, 200, 403, 403, 403]),
    ("GET  /api/sales/leads",               [401, 403, 403, 403, 403, 403, 200]),
    ("GET  /api/sales/quotes",              [401, 200, 200, 200, 200, 200, 200]),
    ("GET  /api/contracts",                 [401, 200, 200, 200, 200, 200, 200]),
    ("POST /api/quote",                     [401, 200, 200, 200, 200, 200, 200]),
    ("GET  /api/demo-accounts",             [200, 200, 200, 200, 200, 200, 200]),
];

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
    if path.ends_with("/pay") {
        json!({ "method": "wechat_pay" })
    } else if path.ends_with("/bind") {
        json!({ "enterprise_id": 1 })
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
    let foreign_name = "上海合同宝";

    let mut wrong = Vec::new();
    for (column, login) in ACTORS.iter().enumerate() {
        let client = actor(&app, login).await;
        for (line, expected) in MATRIX {
            let (method, template) = line.split_once(' ').expect("method and path");
            let path = template
                .trim()
                .replace("{a}", &a.to_string())
                .replace("{b}", &b.to_string())
                .replace("{p}", &p.to_string());
            let url = format!("{}{path}", client.address);
            let request = match method {
                "GET" => client.client.get(url),
                _ => client.client.post(url).json(&body_for(&path)),
            };
            let (status, body) = client.send(request, &path).await;
            if status.as_u16() != expected[column] {
                wrong.push(format!("{login} {method} {path}: {status} (expected {}) {body}", expected[column]));
            }
            // The development sign-in page lists every demo person by design.
            let public = path == "/api/demo-accounts";
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
