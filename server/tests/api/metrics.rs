//! What the server tells its operators: `GET /metrics` on its own listener
//! (the counters are the process's, shared by every server a test binary
//! starts, so a test asserts that one rose by at least what it did),
//! `GET /api/ready`, and logs as one JSON object a line.

use crate::helpers::{Backend, TestApp};
use crate::on_both_databases;
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::Settings;
use std::io::BufRead;

fn with_metrics(settings: &mut Settings) {
    settings.metrics_addr = Some("127.0.0.1:0".into());
}

fn edition() -> Value {
    json!({ "edition": { "edition": "advanced", "years": 1 } })
}

/// The metrics listener's answer to `GET /metrics`, which must be 200.
async fn scrape(app: &TestApp) -> String {
    let address = app.metrics.as_deref().expect("the test's settings name a metrics listener");
    let response = reqwest::get(format!("{address}/metrics")).await.expect("the metrics listener answers");
    assert_eq!(response.status(), StatusCode::OK, "GET /metrics");
    response.text().await.expect("a scrape")
}

/// The sum of every series of `name` whose labels include each of `labels`
/// (0 for none), read from a scrape in Prometheus' text format.
fn total(scrape: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    scrape
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (metric, rest) = series.split_once('{').unwrap_or((series, ""));
            let wanted = metric == name && labels.iter().all(|(k, v)| rest.contains(&format!("{k}=\"{v}\"")));
            wanted.then(|| value.parse::<f64>().ok()).flatten()
        })
        .sum()
}

/// Scrapes until `name` (with `labels`) is at least `at_least`, for up to
/// 2 s: the server counts a change just after it commits, so a client may
/// see the change a moment before the count.
async fn scrape_until(app: &TestApp, name: &str, labels: &[(&str, &str)], at_least: f64) -> String {
    let mut scraped = scrape(app).await;
    for _ in 0..40 {
        if total(&scraped, name, labels) >= at_least {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        scraped = scrape(app).await;
    }
    scraped
}

on_both_databases!(a_purchase_raises_the_order_payment_delivery_and_request_counters, settings = with_metrics, |app| {
    let before = scrape(&app).await;
    let created = [("method", "POST"), ("route", "/api/orders"), ("status", "201")];
    let balance_paid = [("method", "balance"), ("outcome", "paid")];

    app.sign_in("a-admin").await;
    app.buy(&edition(), "web").await;
    let wanted = total(&before, "esign_orders_delivered_total", &[]) + 1.0;
    let after = scrape_until(&app, "esign_orders_delivered_total", &[], wanted).await;

    let rose = |name: &str, labels: &[(&str, &str)]| total(&after, name, labels) - total(&before, name, labels);
    assert!(rose("esign_orders_placed_total", &[]) >= 1.0, "placed:\n{after}");
    assert!(rose("esign_orders_paid_total", &[]) >= 1.0, "paid:\n{after}");
    assert!(rose("esign_orders_delivered_total", &[]) >= 1.0, "delivered:\n{after}");
    assert!(rose("esign_delivery_latency_seconds_count", &[]) >= 1.0, "delivery latency:\n{after}");
    assert!(rose("esign_payments_total", &balance_paid) >= 1.0, "paid from the balance:\n{after}");
    assert!(rose("esign_http_requests_total", &created) >= 1.0, "POST /api/orders by its route:\n{after}");
    assert!(
        rose("esign_http_requests_total", &[("route", "/api/orders/{id}"), ("status", "200")]) >= 1.0,
        "GET /api/orders/{{id}} is counted by its template, not its path:\n{after}"
    );
    assert!(total(&after, "esign_db_connections", &[("pool", "read"), ("state", "open")]) >= 1.0, "{after}");
});

on_both_databases!(a_forged_payment_notification_is_counted_as_refused, settings = with_metrics, |app| {
    let before = scrape(&app).await;

    let (status, _) = app.post("/api/payments/notify", &json!({})).await;

    assert!(status.is_client_error(), "a forged notification is refused: {status}");
    let after = scrape(&app).await;
    let refused = "esign_payment_notifications_refused_total";
    assert!(total(&after, refused, &[]) > total(&before, refused, &[]), "{after}");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_served_on_their_own_listener_and_not_on_the_public_port() {
    let app = TestApp::builder(Backend::Sqlite).settings(with_metrics).spawn().await;
    assert!(scrape(&app).await.contains("# TYPE esign_"), "the metrics listener serves the metrics");

    let public = app.client.get(format!("{}/metrics", app.address)).send().await.expect("an answer");
    assert_eq!(public.status(), StatusCode::NOT_FOUND, "the public port has no /metrics");
    assert!(!public.text().await.expect("a body").contains("esign_"), "and shows no metric");

    let metrics = app.metrics.as_deref().expect("a metrics listener");
    let api = reqwest::get(format!("{metrics}/api/health")).await.expect("an answer");
    assert_eq!(api.status(), StatusCode::NOT_FOUND, "the metrics listener serves nothing else");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_metrics_address_no_metrics_listener_starts() {
    let app = TestApp::builder(Backend::Sqlite).spawn().await;
    assert_eq!(app.metrics, None);
}

on_both_databases!(ready_answers_200_when_the_database_migrations_and_workers_are, |app| {
    let (status, body) = app.get("/api/ready").await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["ready"], true, "{body}");
    let names: Vec<&str> =
        body["checks"].as_array().expect("checks").iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(names, ["database", "migrations", "workers"], "{body}");
    assert!(body["checks"].as_array().into_iter().flatten().all(|c| c["ready"] == true), "{body}");
});

on_both_databases!(ready_answers_503_naming_a_migration_the_database_lacks, |app| {
    let db = app.db().await;
    let newest: i64 = server::db::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
        .fetch_one(&db.write)
        .await
        .expect("the applied migrations");
    server::db::query("DELETE FROM _sqlx_migrations WHERE version = $1")
        .bind(newest)
        .execute(&db.write)
        .await
        .expect("forgets the newest migration");

    let (status, body) = app.get("/api/ready").await;

    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["ready"], false, "{body}");
    let migrations = &body["checks"][1];
    assert_eq!((migrations["name"].as_str(), &migrations["ready"]), (Some("migrations"), &json!(false)), "{body}");
    assert_eq!(migrations["detail"], format!("not applied: {newest}"), "{body}");
    assert_eq!(body["checks"][0]["ready"], true, "the database itself answers: {body}");
});

#[test]
fn json_logs_are_one_object_a_line_without_colour_codes() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .env("DATABASE_URL", format!("sqlite://{}/esign.sqlite", dir.path().display()))
        .env("ESIGN_PORT", "0")
        .env("ESIGN_DIST", "no-dist")
        .env("ESIGN_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the server binary starts");
    let stdout = std::io::BufReader::new(child.stdout.take().expect("its stdout"));
    let mut lines = Vec::new();
    // Up to the line that says where it listens: the next may never come.
    for line in stdout.lines().map_while(Result::ok).take(50) {
        let listening = line.contains("listening");
        lines.push(line);
        if listening {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();

    assert!(lines.iter().any(|l| l.contains("listening")), "it says where it listens: {lines:#?}");
    for line in &lines {
        let parsed: Result<Value, _> = serde_json::from_str(line);
        assert!(parsed.is_ok_and(|v| v.is_object()), "a JSON object: {line}");
        assert!(!line.contains('\u{1b}'), "no colour codes: {line}");
    }
}
