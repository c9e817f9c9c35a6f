//! The notifier: tells the merchant of paid payments and of refunds that
//! ended by signed, encrypted notifications over HTTP, as WeChat does,
//! retried on WeChat's schedule until the merchant answers 2xx. Each round
//! it also returns the money of the refunds taken since the last. Now and
//! then it first sends a signature probe, as WeChat does, and reports a
//! merchant that takes one.

use super::book::{Due, Notifies};
use super::{Sandbox, unavailable};
use crate::clock::to_ms;
use crate::gateways::payment::GatewayError;
use crate::gateways::payment::wechat::{self, Refund, RefundAmount, SignedMessage, Transaction};
use domain::Instant;
use rand::Rng;
use std::sync::Arc;
use std::time::Duration;

/// How often the notifier looks for due notifications.
const NOTIFY_POLL: Duration = Duration::from_millis(50);
/// How long a notifier holds a notification it is sending, so that another
/// server sharing the book does not send it at the same time.
const NOTIFY_LEASE_MS: i64 = 30_000;
impl Sandbox {
    /// The notification of a paid payment, signed and encrypted as of `at`,
    /// under the payment's one notification id (a resend is the same id).
    pub async fn notification_for(
        &self,
        out_trade_no: &str,
        at: Instant,
    ) -> Result<Option<SignedMessage>, GatewayError> {
        let Some(payment) = self.find(out_trade_no).await.map_err(unavailable)? else { return Ok(None) };
        let (Some(id), Some(transaction_id), Some(paid_at)) =
            (&payment.notify_id, &payment.transaction_id, payment.paid_at)
        else {
            return Ok(None);
        };
        let transaction = Transaction {
            out_trade_no: payment.out_trade_no.clone(),
            transaction_id: transaction_id.clone(),
            trade_state: "SUCCESS".into(),
            success_time: Some(wechat::rfc3339_cst(paid_at)),
            amount: wechat::Amount {
                total: payment.amount_fen,
                payer_total: payment.amount_fen,
                currency: "CNY".into(),
            },
        };
        wechat::seal(self.signer(), &self.apiv3_key, id, &transaction, at).map(Some)
    }

    /// The notification of a refund that ended, signed and encrypted as of
    /// `at`, under the refund's one notification id.
    pub async fn refund_notification_for(
        &self,
        out_refund_no: &str,
        at: Instant,
    ) -> Result<Option<SignedMessage>, GatewayError> {
        let Some(refund) = self.find_refund(out_refund_no).await.map_err(unavailable)? else { return Ok(None) };
        let Some(payment) = self.find(&refund.out_trade_no).await.map_err(unavailable)? else { return Ok(None) };
        let refund_status = match refund.status.as_str() {
            super::SUCCESS => "SUCCESS",
            super::ABNORMAL => "ABNORMAL",
            _ => return Ok(None),
        };
        let resource = Refund {
            out_trade_no: refund.out_trade_no.clone(),
            transaction_id: payment.transaction_id.unwrap_or_default(),
            out_refund_no: refund.out_refund_no.clone(),
            refund_id: refund.refund_id.clone(),
            refund_status: refund_status.into(),
            success_time: refund.succeeded_at.map(wechat::rfc3339_cst),
            amount: RefundAmount {
                total: payment.amount_fen,
                refund: refund.amount_fen,
                payer_total: payment.amount_fen,
                payer_refund: refund.amount_fen,
            },
        };
        wechat::seal(self.signer(), &self.apiv3_key, &refund.notify_id, &resource, at).map(Some)
    }

    /// Returns the money of every refund taken so far to its payer; their
    /// notifications become due. The notifier does it each round.
    pub async fn return_refunds(&self) -> Result<u64, crate::db::Error> {
        self.book.settle_refunds(self.clock.now()).await
    }

    /// Returns the refunds taken, then sends every due notification once;
    /// returns how many were delivered.
    pub async fn notify_due(&self) -> Result<usize, crate::db::Error> {
        self.return_refunds().await?;
        let now = to_ms(self.clock.now());
        let mut delivered = 0;
        for kind in [Notifies::Payments, Notifies::Refunds] {
            for due in self.book.due(kind, now).await? {
                if !self.book.claim(&due, now + NOTIFY_LEASE_MS).await? {
                    continue;
                }
                let ok = self.send(&due).await;
                let next_due = if ok {
                    delivered += 1;
                    None
                } else {
                    let wait = self.retries.wait_after(due.attempts + 1);
                    if wait.is_none() {
                        tracing::error!(key = due.key, tries = due.attempts + 1, "sandbox: notification given up");
                    }
                    wait.map(|wait| now + i64::try_from(wait.as_millis()).unwrap_or(i64::MAX))
                };
                self.book.attempted(&due, next_due).await?;
            }
        }
        Ok(delivered)
    }

    /// POSTs one notification; true when the merchant answered 2xx.
    async fn send(&self, due: &Due) -> bool {
        let (key, attempts, now) = (due.key.as_str(), due.attempts, self.clock.now());
        let (built, configured) = match due.kind {
            Notifies::Payments => (self.notification_for(key, now).await, &self.notify_url),
            Notifies::Refunds => (self.refund_notification_for(key, now).await, &self.refund_notify_url),
        };
        let url = due.notify_url.as_ref().unwrap_or(configured);
        let notification = match built {
            Ok(Some(n)) => n,
            Ok(None) => return true, // Nothing to send any more.
            Err(e) => {
                tracing::warn!(key, error = %e, "sandbox: cannot build the notification");
                return false;
            }
        };
        if attempts == 0 && self.probe_rate > 0.0 && rand::thread_rng().gen_bool(self.probe_rate.min(1.0)) {
            self.probe(url, &notification).await;
        }
        let response = self.http.post(url).headers(notification.headers()).body(notification.body).send().await;
        match response {
            Ok(r) if r.status().is_success() => {
                tracing::info!(key, attempt = attempts + 1, "sandbox: notification delivered");
                true
            }
            Ok(r) => {
                tracing::warn!(key, attempt = attempts + 1, status = %r.status(), "sandbox: notification refused; will retry");
                false
            }
            Err(e) => {
                tracing::warn!(key, attempt = attempts + 1, error = %e, "sandbox: notification not delivered; will retry");
                false
            }
        }
    }

    /// Sends `notification` with a probe's signature: a merchant that
    /// answers 2xx believes what it did not verify.
    async fn probe(&self, url: &str, notification: &SignedMessage) {
        let probe = SignedMessage {
            signature: format!("{}{}", wechat::PROBE_PREFIX, wechat::random_nonce(64)),
            ..notification.clone()
        };
        let answer = self.http.post(url).headers(probe.headers()).body(probe.body).send().await;
        let accepted = answer.as_ref().is_ok_and(|a| a.status().is_success());
        self.probes.count(accepted);
        if accepted {
            tracing::error!(url, "sandbox: the merchant took a signature probe: it does not verify signatures");
        }
    }

    /// The probes sent so far, and how many the merchant took.
    pub fn probes(&self) -> (u64, u64) {
        self.probes.counts()
    }

    /// The notifier: polls the book for due notifications, for ever. It
    /// resumes after a restart because everything it needs is in the book.
    pub async fn run_notifier(self: Arc<Self>) {
        let mut tick = tokio::time::interval(NOTIFY_POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = self.notify_due().await {
                tracing::warn!(error = %e, "sandbox: the notifier cannot read its book");
            }
        }
    }
}
