//! The OpenAPI document (`GET /api/openapi.json`) is true: it parses, every
//! path it names is routed, every route the server registers is in it, and
//! real answers fit the schemas it gives them.

use crate::helpers::{Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The served document, as JSON.
pub async fn served_document(app: &TestApp) -> Value {
    let (status, doc) = app.get("/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK, "the document is served: {doc}");
    doc
}

/// Every (METHOD, path) the document names.
pub fn documented_operations(doc: &Value) -> BTreeSet<(String, String)> {
    let paths = doc["paths"].as_object().expect("the document has paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            let methods = item.as_object().expect("a path item is an object").keys();
            methods
                .filter(|m| ["get", "put", "post", "delete", "options", "head", "patch", "trace"].contains(&m.as_str()))
                .map(|m| (m.to_uppercase(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Every (METHOD, path) that `server::http::router::api()` serves, read from the
/// router axum builds. axum has no API to list routes, so this reads its
/// `Debug` output (route ids to paths, route ids to method routers); the
/// test fails loudly if that format ever changes.
fn registered_operations() -> BTreeSet<(String, String)> {
    let debug = format!("{:?}", server::http::router::api());
    let routes = debug.split("fallback_router:").next().expect("a path router");
    let mut found = BTreeSet::new();
    let (endpoints, paths) = routes.split_once("node: Node").expect("axum's Router Debug shows the node of paths");
    for entry in endpoints.split("RouteId(").skip(1) {
        let (id, rest) = entry.split_once(')').expect("a route id");
        let path_entry = paths
            .split(&format!("RouteId({id}): \""))
            .nth(1)
            .and_then(|p| p.split('"').next())
            .unwrap_or_else(|| panic!("route {id} has a path in {paths}"));
        let path = format!("/api{path_entry}");
        match rest.split_once("MethodRouter {") {
            Some((_, fields)) => {
                let fields = fields.split(", fallback:").next().unwrap_or_default();
                for field in fields.split(", ") {
                    let (method, endpoint) = field.trim().split_once(": ").expect("a method field");
                    if endpoint != "None" && method != "head" {
                        found.insert((method.to_uppercase(), path.clone()));
                    }
                }
            }
            // A service (route_service, nest_service): every method.
            None => {
                found.insert(("*".to_owned(), path));
            }
        }
    }
    assert!(found.len() > 10, "read the routes from axum's Debug output (has its format changed?): {found:?}");
    found
}

/// A concrete path for a template: `{id}` → `id`, other parameters → their
/// schema's first enum value, else "x".
pub fn concrete(doc: &Value, method: &str, template: &str, id: &str) -> String {
    let params = doc["paths"][template][method.to_lowercase()]["parameters"].as_array().cloned().unwrap_or_default();
    let mut path = template.to_owned();
    for param in params.iter().filter(|p| p["in"] == "path") {
        let name = param["name"].as_str().unwrap_or_default();
        let schema = resolve(doc, &param["schema"]);
        let value = match (&schema["type"], schema["enum"].get(0)) {
            (_, Some(first)) => first.as_str().unwrap_or("x").to_owned(),
            (t, None) if t == "integer" => id.to_owned(),
            _ => "x".to_owned(),
        };
        path = path.replace(&format!("{{{name}}}"), &value);
    }
    path
}

pub fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/schemas/")) {
        Some(name) => resolve(doc, &doc["components"]["schemas"][name]),
        None => schema,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_parses_as_openapi_3_1_and_its_references_resolve() {
    let app = TestApp::builder(Backend::Sqlite).spawn().await;

    let doc = served_document(&app).await;

    let parsed: Result<utoipa::openapi::OpenApi, _> = serde_json::from_value(doc.clone());
    assert!(parsed.is_ok(), "parses as an OpenAPI document: {:?}", parsed.err());
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1.")), "OpenAPI 3.1: {}", doc["openapi"]);
    let text = doc.to_string();
    for reference in text.split("\"$ref\":\"").skip(1).filter_map(|r| r.split('"').next()) {
        let name = reference.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("a schema: {reference}"));
        assert!(doc["components"]["schemas"][name].is_object(), "{reference} resolves");
    }
    for (method, path) in documented_operations(&doc) {
        let operation = &doc["paths"][&path][method.to_lowercase()];
        assert!(operation["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path} has responses");
        assert!(operation["tags"].as_array().is_some_and(|t| !t.is_empty()), "{method} {path} has a tag");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_operation_is_routed() {
    let app = TestApp::builder(Backend::Sqlite).spawn().await;
    let doc = served_document(&app).await;

    for (method, template) in documented_operations(&doc) {
        let path = concrete(&doc, &method, &template, "1");
        let method = Method::from_bytes(method.as_bytes()).expect("an HTTP method");
        let request = app.client.request(method.clone(), format!("{}{path}", app.address)).json(&json!({}));
        let (status, body) = app.send(request, &format!("{method} {path}")).await;

        let unrouted =
            status == StatusCode::NOT_FOUND && body["message"].as_str().is_some_and(|m| m.starts_with("no API route"));
        assert!(!unrouted, "{method} {template} is documented but not routed: {body}");
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {template} is documented but takes no {method}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_the_server_registers_is_documented() {
    let app = TestApp::builder(Backend::Sqlite).spawn().await;
    let doc = served_document(&app).await;
    let documented = documented_operations(&doc);
    let documented_paths: BTreeSet<&String> = documented.iter().map(|(_, p)| p).collect();

    let undocumented: Vec<String> = registered_operations()
        .into_iter()
        .filter(|(method, path)| match method.as_str() {
            "*" => !documented_paths.contains(path),
            _ => !documented.contains(&(method.clone(), path.clone())),
        })
        .map(|(method, path)| format!("{method} {path}"))
        .collect();

    assert!(
        undocumented.is_empty(),
        "\n\nThese routes are registered but missing from the OpenAPI document:\n  {}\n\n\
         Register them with `utoipa_axum::routes!` and a `#[utoipa::path]` on the handler \
         (see server/src/api.rs and server/src/orders/handlers.rs), so the same line routes \
         and documents them.\n",
        undocumented.join("\n  ")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_route_list_matches_the_documented_operations_both_ways() {
    let app = TestApp::builder(Backend::Sqlite).spawn().await;
    let doc = served_document(&app).await;

    let registered = registered_operations();
    let not_registered: Vec<_> =
        documented_operations(&doc).into_iter().filter(|op| !registered.contains(op)).collect();

    assert!(not_registered.is_empty(), "documented but not registered: {not_registered:?}");
}

/// Checks `value` against `schema` (the subset of JSON Schema the document
/// uses), collecting every mismatch with where it is.
fn check(doc: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return check(doc, &doc["components"]["schemas"][name], value, at, errors);
    }
    for (keyword, need) in [("oneOf", 1..=usize::MAX), ("anyOf", 1..=usize::MAX)] {
        if let Some(options) = schema[keyword].as_array() {
            let fits = options
                .iter()
                .filter(|option| {
                    let mut inner = Vec::new();
                    check(doc, option, value, at, &mut inner);
                    inner.is_empty()
                })
                .count();
            if !need.contains(&fits) {
                errors.push(format!("{at}: {value} fits none of {keyword} {schema}"));
            }
        }
    }
    if let Some(all) = schema["allOf"].as_array() {
        for part in all {
            check(doc, part, value, at, errors);
        }
    }
    if let Some(values) = schema["enum"].as_array()
        && !values.contains(value)
    {
        errors.push(format!("{at}: {value} is not one of {values:?}"));
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let type_fits = |t: &&str| match *t {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        _ => false,
    };
    if !types.is_empty() && !types.iter().any(type_fits) {
        errors.push(format!("{at}: {value} is not {types:?}"));
        return;
    }
    if let (Some(pattern), Some(text)) = (schema["pattern"].as_str(), value.as_str()) {
        assert_eq!(pattern, r"^-?\d+\.\d{2}$", "the checker knows only the money pattern");
        let digits = text.strip_prefix('-').unwrap_or(text);
        let fits = digits.split_once('.').is_some_and(|(units, cents)| {
            !units.is_empty() && cents.len() == 2 && (units.to_owned() + cents).chars().all(|c| c.is_ascii_digit())
        });
        if !fits {
            errors.push(format!("{at}: {text:?} does not match {pattern}"));
        }
    }
    if let (Some(properties), Some(object)) = (schema["properties"].as_object(), value.as_object()) {
        for required in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if !object.contains_key(required) {
                errors.push(format!("{at}: `{required}` is required but absent"));
            }
        }
        for (key, item) in object {
            match properties.get(key) {
                Some(property) => check(doc, property, item, &format!("{at}.{key}"), errors),
                None if schema["additionalProperties"].is_null() => {
                    errors.push(format!("{at}: `{key}` is not in the schema ({:?})", properties.keys()))
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            check(doc, items, item, &format!("{at}[{i}]"), errors);
        }
    }
}

/// Asserts that `body`, answered with `status` to `method template`, fits
/// the schema the document gives that answer.
pub fn assert_fits(doc: &Value, method: &str, template: &str, status: StatusCode, body: &Value) {
    let response = &doc["paths"][template][method.to_lowercase()]["responses"][status.as_str()];
    assert!(response.is_object(), "{method} {template} documents {status}: {body}");
    let schema = &response["content"]["application/json"]["schema"];
    assert!(schema.is_object(), "{method} {template} {status} documents a JSON body");
    let mut errors = Vec::new();
    check(doc, schema, body, "body", &mut errors);
    assert!(errors.is_empty(), "{method} {template} {status} fits its schema:\n  {}\n{body}", errors.join("\n  "));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_answers_fit_their_documented_schemas() {
    let app = TestApp::builder(Backend::Sqlite).spawn().await;
    let doc = served_document(&app).await;
    let selection = json!({
        "edition": { "edition": "advanced", "years": 1 },
        "addons": [{ "addon": "contract_pack_1k", "quantity": 1 }],
    });

    let (status, body) = app.get("/api/health").await;
    assert_fits(&doc, "GET", "/api/health", status, &body);
    let (status, body) = app.get("/api/ready").await;
    assert_fits(&doc, "GET", "/api/ready", status, &body);
    let (status, body) = app.get("/api/catalog").await;
    assert_fits(&doc, "GET", "/api/catalog", status, &body);
    let (status, body) = app.get("/api/demo-accounts").await;
    assert_fits(&doc, "GET", "/api/demo-accounts", status, &body);
    let (status, body) = app.get("/api/dev/cloud-accounts").await;
    assert_fits(&doc, "GET", "/api/dev/cloud-accounts", status, &body);
    let unknown = json!({ "cloud_account": "cloud-999999" });
    let (status, body) = app.post("/api/dev/cloud-session", &unknown).await;
    assert_fits(&doc, "POST", "/api/dev/cloud-session", status, &body);
    let (status, body) = app.get("/api/me").await;
    assert_fits(&doc, "GET", "/api/me", status, &body);
    let (status, body) = app.post("/api/session", &json!({ "login": "a-admin", "password": "wrong" })).await;
    assert_fits(&doc, "POST", "/api/session", status, &body);

    app.sign_in("a-admin").await;
    let (status, body) = app.get("/api/me").await;
    assert_fits(&doc, "GET", "/api/me", status, &body);
    let (status, body) = app.post("/api/quote", &json!({ "selection": selection, "channel": "web" })).await;
    assert_fits(&doc, "POST", "/api/quote", status, &body);
    let (status, body) = app
        .post(
            "/api/quote",
            &json!({ "selection": { "edition": { "edition": "advanced", "years": 9 } }, "channel": "web" }),
        )
        .await;
    assert_fits(&doc, "POST", "/api/quote", status, &body);
    let (status, body) = app.post("/api/quote", &json!({ "selection": selection, "channel": "nowhere" })).await;
    assert_fits(&doc, "POST", "/api/quote", status, &body);

    let stale = json!({ "selection": selection, "channel": "web", "expected_total": "1.00" });
    let request =
        app.client.post(format!("{}/api/orders", app.address)).header("Idempotency-Key", "stale").json(&stale);
    let (status, body) = app.send(request, "a stale total").await;
    assert_eq!(body["code"], "quote_changed", "{body}");
    assert_fits(&doc, "POST", "/api/orders", status, &body);

    let (status, order) = app.place(&selection, "web", "fits").await;
    assert_fits(&doc, "POST", "/api/orders", status, &order);
    let (status, body) = app.place(&selection, "web", "fits").await;
    assert_fits(&doc, "POST", "/api/orders", status, &body);
    let id = order["id"].as_i64().expect("an order id");
    let (status, body) = app.get("/api/orders").await;
    assert_fits(&doc, "GET", "/api/orders", status, &body);
    let (status, body) = app.get(&format!("/api/orders/{id}")).await;
    assert_fits(&doc, "GET", "/api/orders/{id}", status, &body);
    let (status, body) = app.get("/api/orders/999999").await;
    assert_fits(&doc, "GET", "/api/orders/{id}", status, &body);
    let (status, body) = app.pay(id, "wechat_pay").await;
    assert_fits(&doc, "POST", "/api/orders/{id}/pay", status, &body);
    let (status, body) = app.post(&format!("/api/orders/{id}/cancel"), &json!({})).await;
    assert_fits(&doc, "POST", "/api/orders/{id}/cancel", status, &body);
    let (status, body) = app.post(&format!("/api/orders/{id}/cancel"), &json!({})).await;
    assert_fits(&doc, "POST", "/api/orders/{id}/cancel", status, &body);
    let (status, body) = app.pay(id, "balance").await;
    assert_fits(&doc, "POST", "/api/orders/{id}/pay", status, &body);

    let (status, body) = app.place(&selection, "web", "paid").await;
    let id = body["id"].as_i64().expect("an order id");
    assert_fits(&doc, "POST", "/api/orders", status, &body);
    let (status, body) = app.pay(id, "balance").await;
    assert_fits(&doc, "POST", "/api/orders/{id}/pay", status, &body);
    let request =
        app.client.put(format!("{}/api/session/identity", app.address)).json(&json!({ "enterprise_id": null }));
    let (status, body) = app.send(request, "act as the person").await;
    assert_fits(&doc, "PUT", "/api/session/identity", status, &body);
}
