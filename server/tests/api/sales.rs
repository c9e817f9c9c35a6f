//! Flagship through a sales quote (SAL-1, CAT-4) and purchase consultation
//! (CH-4); buying from the cloud console (CH-3) is in `cloud`.

use crate::helpers::{TestApp, uuid_like_pub};
use crate::on_both_databases;
use crate::verification::act_as_person;
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::clock::Clock;

fn code_of(body: &Value) -> Option<&str> {
    body["code"].as_str()
}

fn flagship(quote: &str) -> Value {
    json!({ "edition": { "edition": "flagship", "sales_quote": quote } })
}

fn lead(kind: &str) -> Value {
    json!({ "contact_name": "李娜", "phone": "13800000001", "company": "杭州云签科技有限公司", "message": "旗舰版报价", "kind": kind })
}

/// Places `selection` at its current price; the status and the body.
async fn place_at_price(app: &TestApp, selection: &Value, channel: &str) -> (StatusCode, Value) {
    let (status, quote) = app.post("/api/quote", &json!({ "selection": selection, "channel": channel })).await;
    if status != StatusCode::OK {
        return (status, quote);
    }
    app.place(selection, channel, &uuid_like_pub()).await
}

/// The sales manager, signed in.
async fn sales(app: &TestApp) -> TestApp {
    let sales = app.another_client();
    sales.sign_in("sales").await;
    sales
}

/// A quote from the sales manager for `lead_id`; returns its id.
async fn issue(sales: &TestApp, lead_id: i64, price: &str, days: i64) -> String {
    let offer = json!({
        "years": 1, "price": price, "contracts": 3_000_000,
        "expires_at": sales.clock.now() + chrono::TimeDelta::days(days),
    });
    let (status, quote) = sales.post(&format!("/api/sales/leads/{lead_id}/quotes"), &offer).await;
    assert_eq!(status, StatusCode::CREATED, "issued: {quote}");
    quote["id"].as_str().expect("a quote id").to_owned()
}

on_both_databases!(sal_1_flagship_is_bought_through_a_sales_quote_that_one_order_uses, |app| {
    app.sign_in("a-admin").await;
    let (status, body) = app
        .post("/api/quote", &json!({ "selection": { "edition": { "edition": "flagship" } }, "channel": "web" }))
        .await;
    assert_eq!((status, code_of(&body)), (StatusCode::UNPROCESSABLE_ENTITY, Some("quote_required")), "CAT-4: {body}");

    let (status, left) = app.post("/api/sales/leads", &lead("flagship")).await;
    assert_eq!(status, StatusCode::CREATED, "{left}");
    let lead_id = left["id"].as_i64().expect("a lead id");
    let (status, _) = app.get("/api/sales/leads").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only a sales manager reads leads");

    let sales = sales(&app).await;
    let (status, leads) = sales.get("/api/sales/leads").await;
    assert_eq!(status, StatusCode::OK, "{leads}");
    assert_eq!((leads[0]["id"].as_i64(), leads[0]["kind"].as_str()), (Some(lead_id), Some("flagship")));
    assert_eq!(leads[0]["account_name"], "杭州云签科技有限公司");
    let offer = |years: u8, contracts: u64| json!({ "years": years, "price": "150000.00", "contracts": contracts, "expires_at": sales.clock.now() + chrono::TimeDelta::days(7) });
    let path = format!("/api/sales/leads/{lead_id}/quotes");
    let (status, body) = sales.post(&path, &offer(1, 1_999_999)).await;
    assert_eq!(
        (status, code_of(&body), body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_input"), Some("contracts"))
    );
    let (status, body) = sales.post(&path, &offer(4, 2_000_000)).await;
    assert_eq!((status, code_of(&body)), (StatusCode::BAD_REQUEST, Some("invalid_duration")), "{body}");
    let (status, body) = sales.post("/api/sales/leads/999999/quotes", &offer(1, 2_000_000)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = app.post(&path, &offer(1, 2_000_000)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a buyer cannot quote for themselves: {body}");
    let quote = issue(&sales, lead_id, "150000.00", 7).await;

    let (_, me) = app.get("/api/me").await;
    assert_eq!(me["buyer"]["sales_quotes"][0]["id"], json!(quote), "the buyer sees the open quote: {me}");
    let stranger = app.another_client();
    stranger.sign_in("b-admin").await;
    let (status, body) = place_at_price(&stranger, &flagship(&quote), "web").await;
    assert_eq!((status, code_of(&body)), (StatusCode::UNPROCESSABLE_ENTITY, Some("quote_required")), "not B's quote");

    let (status, first) = place_at_price(&app, &flagship(&quote), "web").await;
    assert_eq!((status, first["payable"].as_str()), (StatusCode::CREATED, Some("150000.00")), "{first}");
    let (status, body) = place_at_price(&app, &flagship(&quote), "web").await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("quote_required")),
        "used once: {body}"
    );
    let (_, me) = app.get("/api/me").await;
    assert_eq!(me["buyer"]["sales_quotes"], json!([]), "no longer open");

    let id = first["id"].as_i64().expect("id");
    app.post(&format!("/api/orders/{id}/cancel"), &json!({})).await;
    let (status, again) = place_at_price(&app, &flagship(&quote), "web").await;
    assert_eq!(status, StatusCode::CREATED, "a closed order gives the quote back: {again}");
    let id = again["id"].as_i64().expect("id");
    let (status, paid) = app.pay(id, "balance").await;
    assert_eq!(status, StatusCode::OK, "paid like any order: {paid}");
    app.wait_for_status(id, "delivered").await;
    let (_, me) = app.get("/api/me").await;
    assert_eq!(me["buyer"]["account"]["edition"]["edition"], "flagship", "{me}");
    let (_, leads) = sales.get("/api/sales/leads").await;
    assert_eq!(leads[0]["quotes"][0]["used_by_order"], json!(id), "the manager sees which order used it");
});

on_both_databases!(sal_1_an_expired_quote_no_longer_buys_flagship, |app| {
    app.sign_in("a-admin").await;
    let (_, left) = app.post("/api/sales/leads", &lead("flagship")).await;
    let sales = sales(&app).await;
    let quote = issue(&sales, left["id"].as_i64().expect("id"), "150000.00", 1).await;
    app.clock.advance(chrono::TimeDelta::days(2));
    let (status, body) = place_at_price(&app, &flagship(&quote), "web").await;
    assert_eq!((status, code_of(&body)), (StatusCode::UNPROCESSABLE_ENTITY, Some("quote_required")), "{body}");
});

on_both_databases!(sal_1_concurrent_orders_with_one_quote_make_one_order, |app| {
    app.sign_in("a-admin").await;
    let (_, left) = app.post("/api/sales/leads", &lead("flagship")).await;
    let sales = sales(&app).await;
    let quote = issue(&sales, left["id"].as_i64().expect("id"), "150000.00", 7).await;
    let body = json!({ "selection": flagship(&quote), "channel": "web", "expected_total": "150000.00" });
    let submits = (0..6).map(|_| {
        let request = app
            .client
            .post(format!("{}/api/orders", app.address))
            .header("Idempotency-Key", uuid_like_pub())
            .json(&body);
        app.send(request, "a Flagship order")
    });
    let answers = futures_util::future::join_all(submits).await;
    let created = answers.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
    let refused = answers.iter().filter(|(_, b)| code_of(b) == Some("quote_required")).count();
    assert_eq!((created, refused), (1, 5), "{answers:?}");
});

on_both_databases!(sal_1_the_buyer_lists_every_quote_with_the_order_that_used_it, |app| {
    app.sign_in("a-admin").await;
    let (status, none) = app.get("/api/sales/quotes").await;
    assert_eq!((status, none), (StatusCode::OK, json!([])), "no quote yet");
    let (_, left) = app.post("/api/sales/leads", &lead("flagship")).await;
    let lead_id = left["id"].as_i64().expect("id");
    let sales = sales(&app).await;
    let short = issue(&sales, lead_id, "120000.00", 1).await;
    app.clock.advance(chrono::TimeDelta::minutes(1));
    let used = issue(&sales, lead_id, "150000.00", 30).await;
    app.clock.advance(chrono::TimeDelta::minutes(1));
    let open = issue(&sales, lead_id, "160000.00", 30).await;

    let (status, first) = place_at_price(&app, &flagship(&used), "web").await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let order = first["id"].as_i64().expect("id");
    app.clock.advance(chrono::TimeDelta::days(2));

    let (status, quotes) = app.get("/api/sales/quotes").await;
    assert_eq!(status, StatusCode::OK, "{quotes}");
    let ids: Vec<&str> = quotes.as_array().expect("a list").iter().filter_map(|q| q["id"].as_str()).collect();
    assert_eq!(ids, [open.as_str(), used.as_str(), short.as_str()], "every quote, newest first");
    let by_id =
        |id: &str| quotes.as_array().and_then(|all| all.iter().find(|q| q["id"] == id)).cloned().expect("listed");
    assert_eq!(by_id(&used)["used_by_order"], json!(order), "the order that holds it");
    assert_eq!(by_id(&open)["used_by_order"], Value::Null);
    assert_eq!(by_id(&open)["price"], "160000.00");
    assert_eq!(by_id(&short)["used_by_order"], Value::Null, "expired, listed with its expiry to say so");
    let (_, me) = app.get("/api/me").await;
    let open_ids: Vec<&str> =
        me["buyer"]["sales_quotes"].as_array().expect("open quotes").iter().filter_map(|q| q["id"].as_str()).collect();
    assert!(!open_ids.contains(&used.as_str()), "the used one is not open: {open_ids:?}");

    app.post(&format!("/api/orders/{order}/cancel"), &json!({})).await;
    let (_, quotes) = app.get("/api/sales/quotes").await;
    let again = quotes.as_array().and_then(|all| all.iter().find(|q| q["id"] == json!(used))).expect("listed");
    assert_eq!(again["used_by_order"], Value::Null, "a closed order gave it back: {again}");

    let stranger = app.another_client();
    stranger.sign_in("b-admin").await;
    let (status, theirs) = stranger.get("/api/sales/quotes").await;
    assert_eq!((status, theirs), (StatusCode::OK, json!([])), "another account sees none of A's quotes");
    let (status, body) = app.another_client().get("/api/sales/quotes").await;
    assert_eq!((status, code_of(&body)), (StatusCode::UNAUTHORIZED, Some("unauthenticated")));
});

on_both_databases!(ch_4_a_person_in_the_mini_program_asks_for_purchase_consultation, |app| {
    app.sign_in("p-chen").await;
    act_as_person(&app).await;
    let request = json!({ "contact_name": "陈静", "phone": "13912345678", "company": "个人", "message": "想买专业版", "kind": "consultation" });
    let (status, left) = app.post("/api/sales/leads", &request).await;
    assert_eq!(status, StatusCode::CREATED, "{left}");
    let mut bad = request.clone();
    bad["phone"] = json!("12345");
    bad["contact_name"] = json!("");
    let (status, body) = app.post("/api/sales/leads", &bad).await;
    assert_eq!(
        (status, code_of(&body), body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_input"), Some("contact_name"))
    );
    assert_eq!(body["reasons"].as_array().map(Vec::len), Some(2), "every wrong field: {body}");

    let sales = sales(&app).await;
    let (_, leads) = sales.get("/api/sales/leads").await;
    assert_eq!(
        (leads[0]["kind"].as_str(), leads[0]["account_name"].as_str()),
        (Some("consultation"), Some("陈静")),
        "{leads}"
    );
    assert_eq!(leads.as_array().map(Vec::len), Some(1));
});

on_both_databases!(sal_1_the_sales_console_keeps_a_lead_s_status_and_notes_and_shows_the_buyer, |app| {
    app.sign_in("a-admin").await;
    app.buy(&json!({ "edition": { "edition": "advanced", "years": 1 } }), "web").await;
    let (_, flagship_lead) = app.post("/api/sales/leads", &lead("flagship")).await;
    let (_, consultation) = app.post("/api/sales/leads", &lead("consultation")).await;
    let (flagship_id, consultation_id) =
        (flagship_lead["id"].as_i64().expect("an id"), consultation["id"].as_i64().expect("an id"));
    assert_eq!(flagship_lead["status"], "new");
    let sales = sales(&app).await;

    let (status, body) = sales
        .post(
            &format!("/api/sales/leads/{flagship_id}/notes"),
            &json!({ "body": "  已电话沟通，客户需要 300 万份。 " }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["notes"][0]["body"], "已电话沟通，客户需要 300 万份。", "kept trimmed: {body}");
    assert_eq!(body["notes"][0]["author"], "黄磊（销售经理）");
    let (status, body) = sales.post(&format!("/api/sales/leads/{flagship_id}/notes"), &json!({ "body": "   " })).await;
    assert_eq!((status, code_of(&body)), (StatusCode::BAD_REQUEST, Some("invalid_input")), "{body}");
    let request = sales
        .client
        .put(format!("{}/api/sales/leads/{consultation_id}/status", sales.address))
        .json(&json!({ "status": "contacted" }));
    let (status, body) = sales.send(request, "PUT status").await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("contacted")), "{body}");
    issue(&sales, flagship_id, "120000.00", 14).await;

    let (_, quoted) = sales.get("/api/sales/leads?status=quoted").await;
    let quoted: Vec<i64> = quoted.as_array().expect("a list").iter().filter_map(|l| l["id"].as_i64()).collect();
    assert_eq!(quoted, vec![flagship_id], "a quote moves the lead to quoted");
    let (_, consultations) = sales.get("/api/sales/leads?kind=consultation").await;
    assert!(consultations.as_array().expect("a list").iter().all(|l| l["kind"] == "consultation"));
    let (status, body) = sales.get("/api/sales/leads?status=maybe").await;
    assert_eq!((status, code_of(&body)), (StatusCode::BAD_REQUEST, Some("invalid_input")), "{body}");
    let (status, detail) = sales.get(&format!("/api/sales/leads/{flagship_id}")).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert_eq!(detail["buyer"]["account"]["edition"]["edition"], "advanced", "the buyer's account as the rules see it");
    assert_eq!(detail["orders"].as_array().map(Vec::len), Some(1), "and its orders");
    assert_eq!(detail["lead"]["quotes"].as_array().map(Vec::len), Some(1));

    for (method, path) in
        [("GET", format!("/api/sales/leads/{flagship_id}")), ("POST", format!("/api/sales/leads/{flagship_id}/notes"))]
    {
        let request = match method {
            "GET" => app.client.get(format!("{}{path}", app.address)),
            _ => app.client.post(format!("{}{path}", app.address)).json(&json!({ "body": "x" })),
        };
        let (status, body) = app.send(request, &path).await;
        assert_eq!((status, code_of(&body)), (StatusCode::FORBIDDEN, Some("forbidden")), "{method} {path}: {body}");
    }
});
