//! The notifier: tells the merchant of paid payments by signed, encrypted
//! notifications over HTTP, as WeChat does, retried with back-off until the
//! merchant answers 2xx.

use super::{Sandbox, unavailable};
use crate::clock::to_ms;
use crate::gateways::payment::GatewayError;
use crate::gateways::payment::wechat::{self, SignedNotification, Transaction};
use domain::Instant;
use std::sync::Arc;
use std::time::Duration;

/// How often the notifier looks for due notifications.
const NOTIFY_POLL: Duration = Duration::from_millis(50);
/// How long a notifier holds a notification it is sending, so that another
/// server sharing the book does not send it at the same time.
const NOTIFY_LEASE_MS: i64 = 30_000;
/// Retries wait 1 s, 2 s, 4 s … up to this (WeChat waits longer, and gives
/// up after a day; reconciliation covers that case).
const MAX_BACKOFF_MS: i64 = 5 * 60_000;

/// The wait before the next try after `attempts` earlier ones.
fn backoff_ms(attempts: i64) -> i64 {
    1000_i64.saturating_mul(1 << attempts.clamp(0, 20)).min(MAX_BACKOFF_MS)
}

impl Sandbox {
    /// The notification of a paid payment, signed and encrypted as of `at`,
    /// under the payment's one notification id (a resend is the same id).
    pub async fn notification_for(
        &self,
        out_trade_no: &str,
        at: Instant,
    ) -> Result<Option<SignedNotification>, GatewayError> {
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
        wechat::seal(&self.signer, &self.apiv3_key, id, &transaction, at).map(Some)
    }

    /// Sends every due notification once; returns how many were delivered.
    pub async fn notify_due(&self) -> Result<usize, sqlx::Error> {
        let url = &self.notify_url;
        let now = to_ms(self.clock.now());
        let mut delivered = 0;
        for due in self.book.due(now).await? {
            if !self.book.claim(&due, now + NOTIFY_LEASE_MS).await? {
                continue;
            }
            let ok = self.send(url, &due.out_trade_no, due.attempts).await;
            let next_due = if ok {
                delivered += 1;
                None
            } else {
                Some(now + backoff_ms(due.attempts))
            };
            self.book.attempted(&due.out_trade_no, next_due).await?;
        }
        Ok(delivered)
    }

    /// POSTs one notification; true when the merchant answered 2xx.
    async fn send(&self, url: &str, out_trade_no: &str, attempts: i64) -> bool {
        let notification = match self.notification_for(out_trade_no, self.clock.now()).await {
            Ok(Some(n)) => n,
            Ok(None) => return true, // Nothing to send any more.
            Err(e) => {
                tracing::warn!(out_trade_no, error = %e, "sandbox: cannot build the notification");
                return false;
            }
        };
        let response = self.http.post(url).headers(notification.headers()).body(notification.body).send().await;
        match response {
            Ok(r) if r.status().is_success() => {
                tracing::info!(out_trade_no, attempt = attempts + 1, "sandbox: notification delivered");
                true
            }
            Ok(r) => {
                tracing::warn!(out_trade_no, attempt = attempts + 1, status = %r.status(), "sandbox: notification refused; will retry");
                false
            }
            Err(e) => {
                tracing::warn!(out_trade_no, attempt = attempts + 1, error = %e, "sandbox: notification not delivered; will retry");
                false
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pay_4_retries_double_from_one_second_up_to_five_minutes() {
        assert_eq!(backoff_ms(0), 1000);
        assert_eq!(backoff_ms(3), 8000);
        assert_eq!(backoff_ms(9), MAX_BACKOFF_MS);
        assert_eq!(backoff_ms(i64::MAX), MAX_BACKOFF_MS);
    }
}
