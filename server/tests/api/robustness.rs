//! Whatever a client sends, the answer is never a 500: every endpoint that
//! takes a body (found in the OpenAPI document, so new ones are included)
//! gets malformed JSON, wrong types, huge and negative numbers, unknown enum
//! values and empty bodies, and must refuse with a 4xx `{code, message}`.

use crate::helpers::{TestApp, uuid_like_pub};
use crate::on_both_databases;
use crate::openapi::{concrete, documented_operations, served_document};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Bodies that are not a valid request to anything.
fn garbage() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("empty", b"".to_vec()),
        ("a lone brace", b"{".to_vec()),
        ("unclosed array", b"[1, 2".to_vec()),
        ("a missing value", br#"{"a":}"#.to_vec()),
        ("trailing comma", br#"{"selection": {},}"#.to_vec()),
        ("plain text", b"hello".to_vec()),
        ("null", b"null".to_vec()),
        ("true", b"true".to_vec()),
        ("a number", b"-1".to_vec()),
        ("a huge number", b"1e400".to_vec()),
        ("a string", br#""text""#.to_vec()),
        ("an array", b"[]".to_vec()),
        ("deep nesting", "[".repeat(10_000).into_bytes()),
        ("invalid UTF-8", vec![b'{', b'"', 0xff, 0xfe, b'"', b':', b'1', b'}']),
        ("a NUL byte", b"{\0}".to_vec()),
    ]
}

/// Values to put where a valid body has a value.
fn wrong_values() -> Vec<Value> {
    vec![
        Value::Null,
        json!(-1),
        json!(-9_223_372_036_854_775_808i64),
        json!(18_446_744_073_709_551_615u64),
        json!(1e300),
        json!(0.5),
        json!(""),
        json!("moon"),
        json!("-1.00"),
        json!("99999999999999999999999.99"),
        json!("x".repeat(5_000)),
        json!([]),
        json!({}),
        json!(true),
    ]
}

/// Every variant of `body` with one value replaced by a wrong one, or removed.
fn mutations(body: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    fn walk(root: &Value, at: &mut Vec<Value>, here: &Value, out: &mut Vec<(String, Value)>) {
        let children: Vec<(Value, &Value)> = match here {
            Value::Object(map) => map.iter().map(|(k, v)| (json!(k), v)).collect(),
            Value::Array(items) => items.iter().enumerate().map(|(i, v)| (json!(i), v)).collect(),
            _ => Vec::new(),
        };
        for (key, child) in children {
            at.push(key.clone());
            for wrong in wrong_values() {
                out.push((format!("{at:?} = {}", short(&wrong)), replaced(root, at, Some(wrong))));
            }
            out.push((format!("{at:?} removed"), replaced(root, at, None)));
            walk(root, at, child, out);
            at.pop();
        }
    }
    walk(body, &mut Vec::new(), body, &mut out);
    out
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.len() > 40 { format!("{}…", &text[..40]) } else { text }
}

/// `root` with the value at `path` replaced (or removed when `with` is None).
fn replaced(root: &Value, path: &[Value], with: Option<Value>) -> Value {
    let mut copy = root.clone();
    let (last, parents) = path.split_last().expect("a path");
    let mut node = &mut copy;
    for step in parents {
        node = match step {
            Value::String(k) => &mut node[k.as_str()],
            _ => &mut node[step.as_u64().unwrap_or(0) as usize],
        };
    }
    match (node, last, with) {
        (Value::Object(map), Value::String(k), Some(v)) => {
            map.insert(k.clone(), v);
        }
        (Value::Object(map), Value::String(k), None) => {
            map.remove(k);
        }
        (Value::Array(items), i, Some(v)) => items[i.as_u64().unwrap_or(0) as usize] = v,
        (Value::Array(items), i, None) => {
            items.remove(i.as_u64().unwrap_or(0) as usize);
        }
        _ => {}
    }
    copy
}

/// A valid body for the endpoints we know, `{}` for the others.
pub fn valid_body(template: &str) -> Value {
    let selection = json!({
        "edition": { "edition": "advanced", "years": 1 },
        "addons": [{ "addon": "contract_pack_1k", "quantity": 1 }],
        "voucher": null,
    });
    match template {
        "/api/session" => json!({ "login": "a-admin", "password": "demo1234" }),
        "/api/session/identity" => json!({ "enterprise_id": 1 }),
        "/api/dev/cloud-session" => json!({ "cloud_account": "cloud-100001" }),
        "/api/quote" => json!({ "selection": selection, "channel": "web" }),
        "/api/orders" => json!({ "selection": selection, "channel": "web", "expected_total": "8980.00" }),
        "/api/orders/{id}/pay" => json!({ "method": "wechat_pay" }),
        "/api/orders/{id}/bind" => json!({ "enterprise_id": 1 }),
        "/api/trial" => json!({ "channel": "web" }),
        "/api/contracts" => json!({ "title": "采购合同" }),
        "/api/verification/send" => json!({ "purpose": "invoice" }),
        "/api/verification/check" => json!({ "purpose": "invoice", "code": "123456" }),
        "/api/invoices" => json!({ "order_ids": [1], "title_id": 1, "channel": "web" }),
        "/api/invoices/titles" => json!({
            "kind": "special", "credit_code": "91110108551385082Q", "email": "finance@example.com",
            "address": "杭州市西湖区文三路1号", "phone": "0571-88888888", "bank": "招商银行", "bank_account": "571900000010101",
        }),
        "/api/invoices/{id}/retry" | "/api/invoices/{id}/reverse" => json!({ "channel": "web" }),
        "/api/sales/leads" => json!({
            "contact_name": "王先生", "phone": "13800000000", "company": "某公司", "message": "旗舰版", "kind": "flagship",
        }),
        "/api/sales/leads/{id}/quotes" => json!({
            "years": 1, "price": "300000.00", "contracts": 2_000_000, "expires_at": "2099-01-01T00:00:00Z",
        }),
        _ => json!({}),
    }
}

/// Sends `body` and asserts the answer is not a 5xx, and that any refusal
/// has the API's shape. Returns the status.
pub async fn send(app: &TestApp, method: &Method, path: &str, body: Vec<u8>, what: &str) -> StatusCode {
    let request = app
        .client
        .request(method.clone(), format!("{}{path}", app.address))
        .header("content-type", "application/json")
        .header("idempotency-key", uuid_like_pub())
        .body(body);
    let (status, answer) = app.send(request, what).await;
    assert!(!status.is_server_error(), "{what}: a client's input never causes {status}: {answer}");
    if !status.is_success() {
        assert!(status.is_client_error(), "{what}: refused with a 4xx, not {status}");
        assert!(answer["code"].as_str().is_some_and(|c| !c.is_empty()), "{what}: a code in {answer}");
        assert!(answer["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: a message in {answer}");
    }
    status
}

on_both_databases!(no_input_makes_any_endpoint_answer_500, |app| {
    let doc = served_document(&app).await;
    app.sign_in("a-admin").await;
    let order = app.place_ok(&json!({ "edition": { "edition": "advanced", "years": 1 } }), "web").await.to_string();
    let with_bodies: Vec<(String, String)> = documented_operations(&doc)
        .into_iter()
        .filter(|(method, _)| ["POST", "PUT", "PATCH"].contains(&method.as_str()))
        .collect();
    assert!(with_bodies.len() >= 6, "the document lists the endpoints that take bodies: {with_bodies:?}");

    for (method_name, template) in &with_bodies {
        let method = Method::from_bytes(method_name.as_bytes()).expect("a method");
        let path = concrete(&doc, method_name, template, &order);
        let reads_json = doc["paths"][template][method_name.to_lowercase()]["requestBody"].is_object();
        for (name, body) in garbage() {
            let what = format!("{method_name} {template} with {name}");
            let status = send(&app, &method, &path, body, &what).await;
            if reads_json {
                assert!(status.is_client_error(), "{what}: refused, not {status}");
            }
        }
        for (name, body) in mutations(&valid_body(template)) {
            let what = format!("{method_name} {template} with {name}");
            send(&app, &method, &path, body.to_string().into_bytes(), &what).await;
        }
    }
});

on_both_databases!(no_header_or_path_makes_the_api_answer_500, |app| {
    app.sign_in("a-admin").await;
    let paths = [
        "/api/orders/0",
        "/api/orders/-1",
        "/api/orders/9223372036854775807",
        "/api/orders/9223372036854775808",
        "/api/orders/1.5",
        "/api/orders/%00",
        "/api/orders/%F0%9F%92%A5",
        "/api/orders/1/events/extra",
        "/api/orders/1%2F2",
    ];
    for path in paths {
        let (status, body) = app.get(path).await;
        assert!(status.is_client_error(), "GET {path}: a 4xx, not {status}: {body}");
        assert!(body["code"].is_string() && body["message"].is_string(), "GET {path}: our shape: {body}");
    }

    let cookies =
        ["esign_session=", "esign_session=nope", "esign_session=%%%", &format!("esign_session={}", "a".repeat(4000))];
    for cookie in cookies {
        let fresh = reqwest::Client::new();
        let request = fresh.get(format!("{}/api/me", app.address)).header("cookie", cookie);
        let (status, body) = app.send(request, cookie).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "cookie {cookie:.40}: {body}");
    }

    let keys = ["".to_owned(), " ".to_owned(), "k".repeat(129), "k".repeat(4000), "ключ-🔑".to_owned()];
    for key in &keys {
        let body = json!({ "selection": { "edition": { "edition": "advanced", "years": 1 } }, "channel": "web", "expected_total": "6980.00" });
        // Raw bytes: a header value may carry non-ASCII octets.
        let value = reqwest::header::HeaderValue::from_bytes(key.as_bytes()).expect("a header value");
        let request =
            app.client.post(format!("{}/api/orders", app.address)).header("idempotency-key", value).json(&body);
        let (status, answer) = app.send(request, "an odd Idempotency-Key").await;
        assert!(!status.is_server_error(), "Idempotency-Key {key:.20}: {status} {answer}");
    }
});
