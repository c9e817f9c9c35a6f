//! What every handler can reach.

use crate::Settings;
use crate::clock::Clock;
use crate::db::Db;
use crate::gateways::invoicing::InvoicingGateway;
use crate::gateways::invoicing::sandbox::InvoiceSandbox;
use crate::gateways::payment::PaymentGateway;
use crate::gateways::payment::sandbox::Sandbox;
use crate::gateways::review::Reviewer;
use crate::gateways::sms::SmsGateway;
use crate::repo::orders::OrderRow;
use crate::throttle::Throttle;
use crate::workers::Running;
use domain::Catalog;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{Notify, broadcast};

/// What every handler can reach. Each request clones it: one count on one
/// shared [`Shared`], not one on each of its parts.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> AppState {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] holds.
#[derive(Debug)]
pub struct Shared {
    /// The catalog on sale, loaded once at start-up.
    pub catalog: Arc<Catalog>,
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
    /// The payment provider (the bundled sandbox unless configured otherwise).
    pub gateway: Arc<dyn PaymentGateway>,
    /// Orders whose status changed in this process, for the event streams.
    pub events: broadcast::Sender<OrderChange>,
    /// Wakes the delivery worker when this process marks an order paid.
    pub wake_delivery: Arc<Notify>,
    /// The number of the newest delivery job this process wrote
    /// (`delivery_jobs.seq`), for the worker to tell a wake for a job its
    /// round has taken already from one for a newer job.
    pub newest_job: AtomicI64,
    /// The tax platform that issues invoices (the bundled sandbox unless configured otherwise).
    pub invoicing: Arc<dyn InvoicingGateway>,
    /// The bundled tax platform, when it is the one (tests change its failure rate).
    pub invoice_sandbox: Option<Arc<InvoiceSandbox>>,
    /// Wakes the invoicing worker when an invoice is requested.
    pub wake_invoicing: Arc<Notify>,
    /// The SMS provider for verification codes (the bundled outbox unless configured otherwise).
    pub sms: Arc<dyn SmsGateway>,
    /// The enterprise verification reviewer (the bundled queue unless configured otherwise).
    pub reviewer: Arc<dyn Reviewer>,
    /// The bundled payment sandbox, when it is the provider (its payer pages and tests drive it).
    pub sandbox: Option<Arc<Sandbox>>,
    /// This API's OpenAPI document as JSON, built once at start-up.
    pub openapi: Arc<str>,
    /// The newest Content-Security-Policy violations browsers reported.
    pub csp_reports: Arc<Mutex<VecDeque<String>>>,
    /// Sign-in attempts counted per login and per client address.
    pub sign_in: Arc<Throttle>,
    /// Verification codes texted, counted per person and per client address.
    pub code_sends: Arc<Throttle>,
    /// The background tasks, for readiness.
    pub workers: Arc<Running>,
}

impl Shared {
    /// The bundled payment sandbox, when it is the provider.
    pub fn sandbox(&self) -> Option<&Sandbox> {
        self.sandbox.as_deref()
    }

    /// Tells followers of `order_id` (and the delivery worker) that it
    /// changed, here and in the other processes on the database.
    pub fn order_changed(&self, order_id: i64) {
        self.db.changes.changed(order_id);
        self.changed_elsewhere(order_id);
    }

    /// [`Self::order_changed`] for an order just paid, whose delivery job is `job`.
    pub fn order_paid(&self, order_id: i64, job: i64) {
        self.newest_job.fetch_max(job, Ordering::Relaxed);
        self.order_changed(order_id);
    }

    /// Tells followers that a delivery ended `order` as it is now (its row
    /// as the delivery's commit left it), so that they need not read it.
    pub fn order_delivered(&self, order: OrderRow) {
        self.db.changes.changed(order.id);
        self.tell(OrderChange { order_id: order.id, delivered: Some(Arc::new(order)) });
    }

    /// Tells this process's followers of `order_id` (and its delivery worker) that it changed.
    pub fn changed_elsewhere(&self, order_id: i64) {
        self.tell(OrderChange { order_id, delivered: None });
    }

    fn tell(&self, change: OrderChange) {
        // Nobody listening is fine: followers also look on their own.
        let _ = self.events.send(change);
        self.wake_delivery.notify_one();
    }
}

/// An order that changed in this process, and when a delivery ended it,
/// its row as the delivery left it.
#[derive(Debug, Clone)]
pub struct OrderChange {
    pub order_id: i64,
    pub delivered: Option<Arc<OrderRow>>,
}
