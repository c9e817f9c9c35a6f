//! The bundled tax platform: it takes a request, issues it a while later
//! (`ESIGN_INVOICE_SANDBOX_DELAY_MS`) with a 20-digit number and a PDF set
//! in the configured CJK font, or refuses it, as often as
//! `ESIGN_INVOICE_SANDBOX_FAILURE_RATE` says. It keeps its requests in
//! memory: after a restart the server finds its serial unknown and submits
//! again, as it would to a platform that never received it.

use super::document::{FontFile, Seller, Sheet, remarks};
use super::{InvoicingGateway, IssueRequest, IssueState, Unavailable};
use crate::clock::Clock;
use crate::gateways::payment::BoxFuture;
use domain::time::local_date;
use rand::Rng;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the sandbox says when it refuses (the real platforms answer like this
/// when the buyer's taxpayer record cannot be confirmed).
pub const REFUSAL: &str = "税务数字账户暂时无法开具该发票，请稍后重试（沙箱模拟失败）";

#[derive(Debug)]
struct Job {
    request: IssueRequest,
    ready_at: tokio::time::Instant,
    refused: bool,
}

/// The sandbox platform.
#[derive(Debug)]
pub struct InvoiceSandbox {
    /// The font, or why it could not be read (then every request fails with that reason).
    font: Result<Arc<FontFile>, String>,
    seller: Seller,
    clock: Arc<dyn Clock>,
    delay: Duration,
    /// The share of requests refused, in millionths (tests change it while running).
    failure_ppm: AtomicU64,
    jobs: Mutex<HashMap<String, Job>>,
    next_number: AtomicU64,
}

impl InvoiceSandbox {
    /// A sandbox issuing with `font` for `seller`.
    pub fn new(
        font: Result<FontFile, String>,
        seller: Seller,
        clock: Arc<dyn Clock>,
        delay: Duration,
        failure_rate: f64,
    ) -> Self {
        // Numbers start from the wall clock in milliseconds, so a restarted
        // sandbox does not hand out a number twice.
        let start = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(0));
        let sandbox = Self {
            font: font.map(Arc::new),
            seller,
            clock,
            delay,
            failure_ppm: AtomicU64::new(0),
            jobs: Mutex::new(HashMap::new()),
            next_number: AtomicU64::new(start),
        };
        sandbox.set_failure_rate(failure_rate);
        sandbox
    }

    /// Changes the share (0 to 1) of requests refused from now on.
    pub fn set_failure_rate(&self, rate: f64) {
        let ppm = (rate.clamp(0.0, 1.0) * 1_000_000.0).round();
        // In range by the clamp: 0..=1,000,000.
        self.failure_ppm.store(ppm as u64, Ordering::Relaxed);
    }

    fn refuses(&self) -> bool {
        let ppm = self.failure_ppm.load(Ordering::Relaxed);
        ppm > 0 && rand::thread_rng().gen_range(0..1_000_000) < ppm
    }

    /// A 数电票 number: two digits of the year, the region (44), then 16 digits.
    fn number(&self) -> String {
        let year = chrono::Datelike::year(&local_date(self.clock.now())).rem_euclid(100);
        let serial = self.next_number.fetch_add(1, Ordering::Relaxed) % 10_000_000_000_000_000;
        format!("{year:02}44{serial:016}")
    }

    fn jobs(&self) -> std::sync::MutexGuard<'_, HashMap<String, Job>> {
        self.jobs.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    async fn issue(&self, request: IssueRequest) -> IssueState {
        let font = match &self.font {
            Ok(font) => font.clone(),
            Err(why) => return IssueState::Failed { reason: format!("开票字体不可用：{why}") },
        };
        let number = self.number();
        let issued_at = self.clock.now();
        let date = local_date(issued_at).format("%Y年%m月%d日").to_string();
        let seller = self.seller.clone();
        let rendered = {
            let number = number.clone();
            tokio::task::spawn_blocking(move || {
                let remarks = remarks(&request.title, &request.order_ids);
                let sheet = Sheet {
                    number: &number,
                    date: &date,
                    title: &request.title,
                    seller: &seller,
                    amounts: &request.amounts,
                    remarks: &remarks,
                };
                font.typesetter()?.render(&sheet)
            })
            .await
        };
        match rendered.map_err(|e| e.to_string()).and_then(|r| r.map_err(|e| e.to_string())) {
            Ok(pdf) => IssueState::Issued { number, issued_at, pdf },
            Err(why) => IssueState::Failed { reason: format!("版式文件生成失败：{why}") },
        }
    }
}

impl InvoicingGateway for InvoiceSandbox {
    fn submit(&self, request: IssueRequest) -> BoxFuture<'_, Result<(), Unavailable>> {
        Box::pin(async move {
            let refused = self.refuses();
            let ready_at = tokio::time::Instant::now() + self.delay;
            self.jobs().entry(request.serial.clone()).or_insert(Job { request, ready_at, refused });
            Ok(())
        })
    }

    fn query<'a>(&'a self, serial: &'a str) -> BoxFuture<'a, Result<IssueState, Unavailable>> {
        Box::pin(async move {
            let job = {
                let mut jobs = self.jobs();
                match jobs.get(serial) {
                    None => return Ok(IssueState::Unknown),
                    Some(job) if job.ready_at > tokio::time::Instant::now() => return Ok(IssueState::Pending),
                    Some(_) => jobs.remove(serial),
                }
            };
            let Some(job) = job else { return Ok(IssueState::Unknown) };
            if job.refused {
                return Ok(IssueState::Failed { reason: REFUSAL.to_owned() });
            }
            Ok(self.issue(job.request).await)
        })
    }

    fn reverse<'a>(&'a self, _number: &'a str, _serial: &'a str) -> BoxFuture<'a, Result<String, Unavailable>> {
        Box::pin(async move {
            if self.refuses() {
                return Err(Unavailable(REFUSAL.to_owned()));
            }
            Ok(self.number())
        })
    }
}
