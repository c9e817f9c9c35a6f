//! Every metric the server records, named here once (each `esign_…`), with
//! the functions that record them and the process's Prometheus recorder.
//!
//! A change is counted once it is committed: the code that commits the
//! transaction records it afterwards, so a rolled-back change, or a second
//! process that finds the work done, counts nothing. Label values come from
//! closed sets (stored names, route templates, status codes), never from
//! what a client sends, so the number of series stays bounded.
//!
//! Without `ESIGN_METRICS_ADDR` no recorder is installed and every call here
//! costs next to nothing.

use crate::db::Db;
use crate::db::codec::Stored;
use axum::http::{Method, StatusCode};
use domain::PaymentMethod;
use domain::order::OrderEvent;
use domain::payment::PaymentStatus;
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;

/// Orders placed.
pub const ORDERS_PLACED: &str = "esign_orders_placed_total";
/// Orders marked paid (by the balance, a voucher, or the provider's word).
pub const ORDERS_PAID: &str = "esign_orders_paid_total";
/// Orders delivered.
pub const ORDERS_DELIVERED: &str = "esign_orders_delivered_total";
/// Unpaid orders closed; `reason`: `cancelled` or `timeout`.
pub const ORDERS_CLOSED: &str = "esign_orders_closed_total";
/// Paid orders given up to a person (`needs_attention`).
pub const ORDERS_NEEDS_ATTENTION: &str = "esign_orders_needs_attention_total";
/// Payments by how they ended: `method` and `outcome` (the payment state
/// it reached: `paid`, `failed`, `closed`, `refund_due`, `disputed`).
pub const PAYMENTS: &str = "esign_payments_total";
/// Payment notifications whose signature, timestamp and encryption checked out.
pub const NOTIFICATIONS_VERIFIED: &str = "esign_payment_notifications_verified_total";
/// Payment notifications refused; `reason`: `bad_signature`, `stale`,
/// `malformed` (or `other`).
pub const NOTIFICATIONS_REFUSED: &str = "esign_payment_notifications_refused_total";
/// Seconds from an order's payment to its delivery.
pub const DELIVERY_LATENCY: &str = "esign_delivery_latency_seconds";
/// Deliveries that failed for a passing reason and will be tried again.
pub const DELIVERY_RETRIES: &str = "esign_delivery_retries_total";
/// Reconciliation rounds; `outcome`: `ok` or `error`.
pub const RECONCILIATION_RUNS: &str = "esign_reconciliation_runs_total";
/// Answered HTTP requests; `method`, `route` (the route's template, e.g.
/// `/api/orders/{id}`, or `unmatched`) and `status`.
pub const HTTP_REQUESTS: &str = "esign_http_requests_total";
/// Seconds until an HTTP answer began; `method` and `route` as above.
pub const HTTP_DURATION: &str = "esign_http_request_duration_seconds";
/// The database pools' connections at the scrape; `pool` (`read`, `write`:
/// the same pool on PostgreSQL) and `state` (`open`, `idle`).
pub const DB_CONNECTIONS: &str = "esign_db_connections";

/// A delivery normally follows its payment within a second; retries back
/// off up to 16 s, and a minute is already late.
const LATENCY_BUCKETS: &[f64] = &[0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0];
/// Most answers take milliseconds; the request timeout is 15 s.
const HTTP_BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0];

static RECORDER: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed by the first call: one per process,
/// however many servers it starts (the tests start many).
pub fn recorder() -> &'static PrometheusHandle {
    RECORDER.get_or_init(|| {
        let builder = with_buckets().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "metrics: histograms without their buckets");
            PrometheusBuilder::new()
        });
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if let Err(e) = metrics::set_global_recorder(recorder) {
            tracing::warn!(error = %e, "metrics: another recorder is installed; /metrics stays empty");
        }
        describe();
        handle
    })
}

fn with_buckets() -> Result<PrometheusBuilder, BuildError> {
    PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(DELIVERY_LATENCY.into()), LATENCY_BUCKETS)?
        .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), HTTP_BUCKETS)
}

/// The `# HELP` lines of the scrape.
fn describe() {
    describe_counter!(ORDERS_PLACED, "Orders placed");
    describe_counter!(ORDERS_PAID, "Orders marked paid");
    describe_counter!(ORDERS_DELIVERED, "Orders delivered");
    describe_counter!(ORDERS_CLOSED, "Unpaid orders closed, by reason");
    describe_counter!(ORDERS_NEEDS_ATTENTION, "Paid orders given up to a person");
    describe_counter!(PAYMENTS, "Payments by method and the state they reached");
    describe_counter!(NOTIFICATIONS_VERIFIED, "Payment notifications verified");
    describe_counter!(NOTIFICATIONS_REFUSED, "Payment notifications refused, by reason");
    describe_histogram!(DELIVERY_LATENCY, metrics::Unit::Seconds, "From payment to delivery");
    describe_counter!(DELIVERY_RETRIES, "Deliveries to be tried again");
    describe_counter!(RECONCILIATION_RUNS, "Reconciliation rounds, by outcome");
    describe_counter!(HTTP_REQUESTS, "HTTP requests by method, route and status");
    describe_histogram!(HTTP_DURATION, metrics::Unit::Seconds, "Until the HTTP answer began");
    describe_gauge!(DB_CONNECTIONS, "Database pool connections, by pool and state");
}

pub fn order_placed() {
    counter!(ORDERS_PLACED).increment(1);
}

pub fn order_paid() {
    counter!(ORDERS_PAID).increment(1);
}

/// An order delivered `latency` after it was paid.
pub fn order_delivered(latency: chrono::TimeDelta) {
    counter!(ORDERS_DELIVERED).increment(1);
    // A clock moved back (tests move theirs) is no negative latency.
    histogram!(DELIVERY_LATENCY).record(latency.to_std().unwrap_or_default().as_secs_f64());
}

/// An unpaid order closed by `event` (`Cancel` or `TimeOut`).
pub fn order_closed(event: OrderEvent) {
    let reason = match event {
        OrderEvent::TimeOut => "timeout",
        _ => "cancelled",
    };
    counter!(ORDERS_CLOSED, "reason" => reason).increment(1);
}

pub fn order_needs_attention() {
    counter!(ORDERS_NEEDS_ATTENTION).increment(1);
}

/// A payment by `method` reached `outcome`.
pub fn payment(method: PaymentMethod, outcome: PaymentStatus) {
    counter!(PAYMENTS, "method" => method.name(), "outcome" => outcome.name()).increment(1);
}

pub fn notification_verified() {
    counter!(NOTIFICATIONS_VERIFIED).increment(1);
}

/// A notification refused for `reason` (one of [`NOTIFICATIONS_REFUSED`]'s).
pub fn notification_refused(reason: &'static str) {
    counter!(NOTIFICATIONS_REFUSED, "reason" => reason).increment(1);
}

pub fn delivery_retried() {
    counter!(DELIVERY_RETRIES).increment(1);
}

pub fn reconciliation_ran(ok: bool) {
    counter!(RECONCILIATION_RUNS, "outcome" => if ok { "ok" } else { "error" }).increment(1);
}

/// An answered request: `route` is the matched route's template, or `None`.
pub fn http_request(method: &Method, route: Option<&str>, status: StatusCode, took: Duration) {
    let method = match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        // Any token is a method: the rest would be a label per invention.
        _ => "other",
    };
    let route = route.unwrap_or("unmatched").to_owned();
    histogram!(HTTP_DURATION, "method" => method, "route" => route.clone()).record(took.as_secs_f64());
    counter!(HTTP_REQUESTS, "method" => method, "route" => route, "status" => status.as_str().to_owned()).increment(1);
}

/// The pools' connections now.
pub fn db_connections(db: &Db) {
    for (pool, connections) in [("read", &db.read), ("write", &db.write)] {
        gauge!(DB_CONNECTIONS, "pool" => pool, "state" => "open").set(connections.size() as f64);
        gauge!(DB_CONNECTIONS, "pool" => pool, "state" => "idle").set(connections.idle() as f64);
    }
}
