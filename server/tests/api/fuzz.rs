//! A bounded fuzz run over every JSON body the API takes: proptest draws
//! bodies (a valid one with one to three of its values replaced by arbitrary
//! JSON, removed, or joined by unknown fields; or arbitrary JSON outright)
//! for every endpoint the OpenAPI document lists with a body, and each must
//! be answered without a 5xx, a refusal in the API's shape, and nothing
//! stored for a refusal. `FUZZ_CASES` bodies per database (5,000 by
//! default: 10,000 in the test command), from the seed `FUZZ_SEED` (fixed by
//! default, printed on failure to replay). The query parameters the document
//! lists are fuzzed the same way: a fifth as many cases, each a documented
//! GET with its parameters drawn (their enum values, numbers at the edges,
//! arbitrary text) or left out, and joined by unknown ones.

use crate::helpers::TestApp;
use crate::on_both_databases;
use crate::openapi::{concrete, documented_operations, resolve, served_document};
use crate::robustness::{send, valid_body};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use reqwest::Method;
use serde_json::{Map, Value, json};

/// The seed of the runs the test command makes.
const DEFAULT_SEED: u64 = 0x5EED_F022;

/// Field names the API's bodies use, so generated objects reach past the first check.
const FIELDS: [&str; 25] = [
    "selection",
    "edition",
    "years",
    "addons",
    "addon",
    "quantity",
    "voucher",
    "channel",
    "method",
    "title",
    "order_id",
    "enterprise_id",
    "purpose",
    "code",
    "contact_name",
    "phone",
    "company",
    "kind",
    "price",
    "contracts",
    "expires_at",
    "expected_total",
    "sales_quote",
    "body",
    "cloud_account",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter("JSON has no NaN", |f| f.is_finite()).prop_map(Value::from),
        "[a-z_]{0,12}".prop_map(Value::from),
        "\\PC{0,40}".prop_map(Value::from),
        "-?[0-9]{1,22}(\\.[0-9]{1,4})?".prop_map(Value::from),
        Just(json!("9999-12-31T23:59:59Z")),
        Just(json!("flagship")),
        Just(json!("wechat_pay")),
    ]
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(FIELDS.to_vec()), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

/// One change to a body: which value (by its place among the body's values) and what becomes of it.
#[derive(Debug, Clone)]
enum Change {
    Replace(usize, Value),
    Remove(usize),
    Add(String, Value),
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        (any::<usize>(), arbitrary_json()).prop_map(|(at, v)| Change::Replace(at, v)),
        any::<usize>().prop_map(Change::Remove),
        ("[a-z_]{1,10}", arbitrary_json()).prop_map(|(k, v)| Change::Add(k, v)),
    ]
}

/// What to send: a valid body changed, or anything at all.
#[derive(Debug, Clone)]
enum Body {
    Changed(Vec<Change>),
    Anything(Value),
}

fn body() -> impl Strategy<Value = (usize, Body)> {
    let drawn = prop_oneof![
        4 => prop::collection::vec(change(), 1..4).prop_map(Body::Changed),
        1 => arbitrary_json().prop_map(Body::Anything),
    ];
    (any::<usize>(), drawn)
}

/// The places of every value in `body`, depth first, as paths of keys.
fn places(body: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    if let Value::Object(map) = body {
        for (k, v) in map {
            at.push(k.clone());
            out.push(at.clone());
            places(v, at, out);
            at.pop();
        }
    }
}

fn object_at<'a>(root: &'a mut Value, path: &[String]) -> Option<&'a mut Map<String, Value>> {
    let mut node = root;
    for step in path {
        node = node.as_object_mut()?.get_mut(step)?;
    }
    node.as_object_mut()
}

fn apply(mut body: Value, changes: &[Change]) -> Value {
    for change in changes {
        let mut all = Vec::new();
        places(&body, &mut Vec::new(), &mut all);
        match change {
            Change::Add(key, value) => {
                if let Some(map) = body.as_object_mut() {
                    map.insert(key.clone(), value.clone());
                }
            }
            Change::Replace(at, _) | Change::Remove(at) if !all.is_empty() => {
                let path = &all[at % all.len()];
                let (last, parents) = path.split_last().expect("a place has a key");
                if let Some(map) = object_at(&mut body, parents) {
                    match change {
                        Change::Replace(_, value) => {
                            map.insert(last.clone(), value.clone());
                        }
                        _ => {
                            map.remove(last);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    body
}

/// How much is stored: a refusal must leave every count as it was.
async fn stored(app: &TestApp) -> Vec<i64> {
    let db = app.db().await;
    let mut counts = Vec::new();
    for table in [
        "orders",
        "payments",
        "contracts",
        "sales_leads",
        "sales_quotes",
        "invoices",
        "invoice_titles",
        "invoice_orders",
        "refunds",
        "audit_log",
    ] {
        let count: i64 = server::db::query_scalar(server::db::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(&db.read)
            .await
            .expect("counted");
        counts.push(count);
    }
    counts
}

on_both_databases!(fuzzed_bodies_never_cause_a_5xx_and_a_refusal_stores_nothing, |app| {
    let doc = served_document(&app).await;
    app.sign_in("a-admin").await;
    let order = app.place_ok(&json!({ "edition": { "edition": "advanced", "years": 1 } }), "web").await.to_string();
    // The session's own operations change the asking client. The cloud sign-in stays: its valid
    // body signs in as a-admin again, acting for the same enterprise.
    let skipped = ["/api/session", "/api/session/identity"];
    let targets: Vec<(Method, String, String)> = documented_operations(&doc)
        .into_iter()
        .filter(|(method, template)| {
            ["POST", "PUT", "PATCH"].contains(&method.as_str()) && !skipped.contains(&template.as_str())
        })
        .map(|(method, template)| {
            let path = concrete(&doc, &method, &template, &order);
            (Method::from_bytes(method.as_bytes()).expect("a method"), template, path)
        })
        .collect();
    let cases: u32 = std::env::var("FUZZ_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(5_000);
    let seed: u64 = std::env::var("FUZZ_SEED").ok().and_then(|n| n.parse().ok()).unwrap_or(DEFAULT_SEED);
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config { cases, failure_persistence: None, max_shrink_iters: 200, ..Config::default() };
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes));
    let runtime = tokio::runtime::Handle::current();
    let result = tokio::task::block_in_place(|| {
        runner.run(&body(), |(which, drawn)| {
            let (method, template, path) = &targets[which % targets.len()];
            let sent = match &drawn {
                Body::Changed(changes) => apply(valid_body(template), changes),
                Body::Anything(value) => value.clone(),
            };
            let what = format!("{method} {template} with {sent}");
            runtime.block_on(async {
                let before = stored(&app).await;
                let status = send(&app, method, path, sent.to_string().into_bytes(), &what).await;
                if !status.is_success() {
                    assert_eq!(stored(&app).await, before, "{what}: refused with {status}, yet something was stored");
                }
            });
            Ok(())
        })
    });
    if let Err(failure) = result {
        panic!("the fuzz run failed (replay: FUZZ_SEED={seed} FUZZ_CASES={cases}): {failure}");
    }
});

/// One drawn query value: `None` leaves the parameter out; `Some(i)` picks
/// by `i` among the parameter's enum values, numbers at the edges and text.
fn query_value() -> impl Strategy<Value = Option<(usize, String)>> {
    prop_oneof![
        1 => Just(None),
        4 => (any::<usize>(), prop_oneof![
            "\\PC{0,24}",
            "-?[0-9]{1,22}",
            "[0-9]{1,3}\\.[0-9]{1,3}",
            Just(String::new()),
            Just("0".to_owned()),
            Just("18446744073709551616".to_owned()),
        ]).prop_map(Some),
    ]
}

/// A drawn query: which target, a value (or none) per parameter, unknown pairs.
type DrawnQuery = (usize, Vec<Option<(usize, String)>>, Vec<(String, String)>);

/// A documented GET with its query parameters, each with its enum values.
type QueryTarget = (String, Vec<(String, Vec<String>)>);

/// A query's drawn values, one per documented parameter, plus unknown pairs.
fn query() -> impl Strategy<Value = DrawnQuery> {
    (
        any::<usize>(),
        prop::collection::vec(query_value(), 4),
        prop::collection::vec(("[a-z_]{1,8}", "\\PC{0,12}"), 0..3),
    )
}

on_both_databases!(fuzzed_query_parameters_never_cause_a_5xx, |app| {
    let doc = served_document(&app).await;
    app.sign_in("a-admin").await;
    app.buy(&json!({ "edition": { "edition": "advanced", "years": 1 } }), "web").await;
    let order = app.place_ok(&json!({ "edition": { "edition": "advanced", "years": 1 } }), "web").await.to_string();
    // The event stream stays open while the order is open; it is read elsewhere.
    let targets: Vec<QueryTarget> = documented_operations(&doc)
        .into_iter()
        .filter(|(method, template)| method == "GET" && !template.ends_with("/events"))
        .filter_map(|(method, template)| {
            let params = doc["paths"][&template]["get"]["parameters"].as_array().cloned().unwrap_or_default();
            let query: Vec<(String, Vec<String>)> = params
                .iter()
                .filter(|p| p["in"] == "query")
                .map(|p| {
                    let schema = resolve(&doc, &p["schema"]);
                    let named = schema["enum"].as_array().cloned().unwrap_or_default();
                    let named = named.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect();
                    (p["name"].as_str().unwrap_or_default().to_owned(), named)
                })
                .collect();
            (!query.is_empty()).then(|| (concrete(&doc, &method, &template, &order), query))
        })
        .collect();
    assert!(
        targets.iter().any(|(path, _)| path == "/api/billing/quota-moves"),
        "the quota history's parameters are fuzzed: {targets:?}"
    );
    let cases: u32 = std::env::var("FUZZ_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(5_000) / 5;
    let seed: u64 = std::env::var("FUZZ_SEED").ok().and_then(|n| n.parse().ok()).unwrap_or(DEFAULT_SEED);
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config { cases, failure_persistence: None, max_shrink_iters: 200, ..Config::default() };
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes));
    let runtime = tokio::runtime::Handle::current();
    let result = tokio::task::block_in_place(|| {
        runner.run(&query(), |(which, drawn, unknown)| {
            let (path, params) = &targets[which % targets.len()];
            let mut pairs: Vec<(String, String)> = params
                .iter()
                .zip(&drawn)
                .filter_map(|((name, named), value)| {
                    let (pick, text) = value.clone()?;
                    let value =
                        if named.is_empty() || pick % 3 != 0 { text } else { named[pick % named.len()].clone() };
                    Some((name.clone(), value))
                })
                .collect();
            pairs.extend(unknown);
            let what = format!("GET {path} with {pairs:?}");
            runtime.block_on(async {
                let request = app.client.get(format!("{}{path}", app.address)).query(&pairs);
                let (status, answer) = app.send(request, &what).await;
                assert!(!status.is_server_error(), "{what}: a client's query never causes {status}: {answer}");
                if !status.is_success() {
                    assert!(status.is_client_error(), "{what}: refused with a 4xx, not {status}");
                    assert!(answer["code"].as_str().is_some_and(|c| !c.is_empty()), "{what}: a code in {answer}");
                    assert!(answer["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: a message in {answer}");
                }
            });
            Ok(())
        })
    });
    if let Err(failure) = result {
        panic!("the query fuzz run failed (replay: FUZZ_SEED={seed} FUZZ_CASES={}): {failure}", cases * 5);
    }
});
