//! The provider's own book: the `sandbox_payments` and `sandbox_refunds`
//! tables, their rows and the provider's statuses. Kept in the database
//! rather than in memory so that payments, refunds and unsent notifications
//! survive a restart of the server.

use crate::clock::{from_ms, to_ms};
use crate::db::Db;
use crate::gateways::payment::{PayChannel, PaymentRequest};
use domain::Instant;
use rand::Rng;

// The provider's statuses, not the merchant's in `db/codec.rs`: the sandbox
// plays WeChat, whose states are its own. The SQL below spells the same words.
/// Opened, not paid yet.
pub(super) const PENDING: &str = "pending";
/// The payer paid.
pub(super) const PAID: &str = "paid";
/// The payer's payment failed; the merchant may close it.
pub(super) const FAILED: &str = "failed";
/// Closed by the merchant.
pub(super) const CLOSED: &str = "closed";
/// A refund the payer has received.
pub(super) const SUCCESS: &str = "success";
/// A refund the payer's account could not take.
pub(super) const ABNORMAL: &str = "abnormal";

/// A payment in the sandbox's book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxPayment {
    pub out_trade_no: String,
    pub channel: PayChannel,
    pub amount_fen: i64,
    pub description: String,
    /// `pending`, `paid`, `failed` or `closed`.
    pub status: String,
    pub transaction_id: Option<String>,
    pub created_at: Instant,
    pub paid_at: Option<Instant>,
    pub expires_at: Option<Instant>,
    pub notify_id: Option<String>,
    pub notify_due_at: Option<Instant>,
    pub notify_attempts: i64,
}

/// A refund in the sandbox's book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxRefund {
    pub out_refund_no: String,
    pub out_trade_no: String,
    pub refund_id: String,
    pub amount_fen: i64,
    /// `processing`, `success` or `abnormal`.
    pub status: String,
    pub succeeded_at: Option<Instant>,
    pub notify_id: String,
}

/// Why the book did not take a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum RefundRefused {
    /// No paid payment under that number.
    NotPaid,
    /// The refund number is taken by another refund.
    NumberTaken,
    /// More than is left of the payment.
    NotEnough,
}

/// What a notifier sends: a payment's notification or a refund's, each from its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Notifies {
    Payments,
    Refunds,
}

impl Notifies {
    fn table(self) -> &'static str {
        match self {
            Notifies::Payments => "sandbox_payments",
            Notifies::Refunds => "sandbox_refunds",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Notifies::Payments => "out_trade_no",
            Notifies::Refunds => "out_refund_no",
        }
    }
}

/// What happened when the payer pressed a button.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayerOutcome {
    /// The button did what it says.
    Done,
    /// The payment was not pending (already paid, failed or closed).
    NotPending,
    /// The merchant's deadline has passed.
    Expired,
    /// No such payment.
    Unknown,
}

/// A notification whose time has come.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Due {
    pub(super) kind: Notifies,
    /// The payment's or the refund's number.
    pub(super) key: String,
    /// As stored: claiming compares against it, so two notifiers sharing the
    /// book cannot both take the same notification.
    due_at_ms: i64,
    pub(super) attempts: i64,
    /// Where the merchant asked to be told, when it said (over the API).
    pub(super) notify_url: Option<String>,
}

/// The book over the server's database.
#[derive(Debug)]
pub(super) struct Book {
    db: Db,
}

fn channel_name(channel: PayChannel) -> &'static str {
    match channel {
        PayChannel::WechatNative => "wechat_native",
        PayChannel::WechatMiniProgram => "wechat_mini_program",
        PayChannel::OnlineBanking => "online_banking",
    }
}

fn parse_channel(name: &str) -> Result<PayChannel, crate::db::Error> {
    match name {
        "wechat_native" => Ok(PayChannel::WechatNative),
        "wechat_mini_program" => Ok(PayChannel::WechatMiniProgram),
        "online_banking" => Ok(PayChannel::OnlineBanking),
        other => Err(crate::db::Error::Decode(format!("unknown sandbox channel {other}").into())),
    }
}

/// A WeChat-like transaction id: 28 digits.
fn new_transaction_id(at: Instant) -> String {
    let mut rng = rand::thread_rng();
    format!("4200{:06}{}{:010}", rng.gen_range(0..1_000_000), at.format("%Y%m%d"), rng.gen_range(0..10_000_000_000_i64))
}

/// A WeChat-like refund id: 29 digits.
fn new_refund_id(at: Instant) -> String {
    let mut rng = rand::thread_rng();
    format!("5030{}{:017}", at.format("%Y%m%d"), rng.gen_range(0..100_000_000_000_000_000_i64))
}

/// A UUID-shaped notification id.
fn new_notification_id() -> String {
    let hex: String = (0..32).map(|_| char::from(b"0123456789abcdef"[rand::thread_rng().gen_range(0..16)])).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

const COLUMNS: &str = "out_trade_no, method, amount_fen, description, status, transaction_id, created_at, paid_at, \
    expires_at, notify_id, notify_due_at, notify_attempts";

fn payment_row(row: &crate::db::Row) -> Result<SandboxPayment, crate::db::Error> {
    Ok(SandboxPayment {
        out_trade_no: row.try_get(0)?,
        channel: parse_channel(&row.try_get::<String, _>(1)?)?,
        amount_fen: row.try_get(2)?,
        description: row.try_get(3)?,
        status: row.try_get(4)?,
        transaction_id: row.try_get(5)?,
        created_at: from_ms(row.try_get(6)?),
        paid_at: row.try_get::<Option<i64>, _>(7)?.map(from_ms),
        expires_at: row.try_get::<Option<i64>, _>(8)?.map(from_ms),
        notify_id: row.try_get(9)?,
        notify_due_at: row.try_get::<Option<i64>, _>(10)?.map(from_ms),
        notify_attempts: row.try_get(11)?,
    })
}

impl Book {
    pub(super) fn new(db: Db) -> Self {
        Self { db }
    }

    /// One payment of the book.
    pub(super) async fn find(&self, out_trade_no: &str) -> Result<Option<SandboxPayment>, crate::db::Error> {
        let row = crate::db::query(crate::db::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM sandbox_payments WHERE out_trade_no = $1"
        )))
        .bind(out_trade_no)
        .fetch_optional(&self.db.read)
        .await?;
        row.as_ref().map(payment_row).transpose()
    }

    /// Opens a pending payment as of `now`; false when the number is in the
    /// book already (the caller decides whether that is the same request).
    pub(super) async fn open(
        &self,
        request: &PaymentRequest,
        notify_url: Option<&str>,
        now: Instant,
    ) -> Result<bool, crate::db::Error> {
        let inserted = crate::db::query(
            "INSERT INTO sandbox_payments (out_trade_no, method, amount_fen, description, status, created_at, expires_at, \
             notify_url) VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7) ON CONFLICT (out_trade_no) DO NOTHING",
        )
        .bind(&request.out_trade_no)
        .bind(channel_name(request.channel))
        .bind(request.amount_fen)
        .bind(&request.description)
        .bind(to_ms(now))
        .bind(to_ms(request.expires_at))
        .bind(notify_url)
        .execute(&self.db.write)
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }

    /// The payer pays at `now`: the payment becomes paid and its
    /// notification due at once.
    pub(super) async fn pay(&self, out_trade_no: &str, now: Instant) -> Result<PayerOutcome, crate::db::Error> {
        let changed = crate::db::query(
            "UPDATE sandbox_payments SET status = 'paid', transaction_id = $1, paid_at = $2, notify_due_at = $2, \
             notify_id = $3 WHERE out_trade_no = $4 AND status = 'pending' AND (expires_at IS NULL OR expires_at > $2)",
        )
        .bind(new_transaction_id(now))
        .bind(to_ms(now))
        .bind(new_notification_id())
        .bind(out_trade_no)
        .execute(&self.db.write)
        .await?
        .rows_affected();
        if changed == 1 {
            tracing::info!(out_trade_no, "sandbox: the payer paid");
            return Ok(PayerOutcome::Done);
        }
        self.why_not(out_trade_no, now).await
    }

    /// The payer's payment fails at `now`.
    pub(super) async fn fail(&self, out_trade_no: &str, now: Instant) -> Result<PayerOutcome, crate::db::Error> {
        let changed = crate::db::query(
            "UPDATE sandbox_payments SET status = 'failed' WHERE out_trade_no = $1 AND status = 'pending' \
             AND (expires_at IS NULL OR expires_at > $2)",
        )
        .bind(out_trade_no)
        .bind(to_ms(now))
        .execute(&self.db.write)
        .await?
        .rows_affected();
        if changed == 1 {
            tracing::info!(out_trade_no, "sandbox: the payment failed");
            return Ok(PayerOutcome::Done);
        }
        self.why_not(out_trade_no, now).await
    }

    async fn why_not(&self, out_trade_no: &str, now: Instant) -> Result<PayerOutcome, crate::db::Error> {
        Ok(match self.find(out_trade_no).await? {
            None => PayerOutcome::Unknown,
            Some(p) if p.status == PENDING && p.expires_at.is_some_and(|at| at <= now) => PayerOutcome::Expired,
            Some(_) => PayerOutcome::NotPending,
        })
    }

    /// Closes a pending or failed payment; false when nothing changed (the
    /// caller tells a closed one from one that cannot be closed).
    pub(super) async fn close(&self, out_trade_no: &str) -> Result<bool, crate::db::Error> {
        let changed = crate::db::query(
            "UPDATE sandbox_payments SET status = 'closed' WHERE out_trade_no = $1 AND status IN ('pending', 'failed')",
        )
        .bind(out_trade_no)
        .execute(&self.db.write)
        .await?
        .rows_affected();
        Ok(changed == 1)
    }

    /// One refund of the book.
    pub(super) async fn find_refund(&self, out_refund_no: &str) -> Result<Option<SandboxRefund>, crate::db::Error> {
        let row = crate::db::query(
            "SELECT out_refund_no, out_trade_no, refund_id, amount_fen, status, succeeded_at, notify_id \
             FROM sandbox_refunds WHERE out_refund_no = $1",
        )
        .bind(out_refund_no)
        .fetch_optional(&self.db.read)
        .await?;
        row.map(|row| {
            Ok(SandboxRefund {
                out_refund_no: row.try_get("out_refund_no")?,
                out_trade_no: row.try_get("out_trade_no")?,
                refund_id: row.try_get("refund_id")?,
                amount_fen: row.try_get("amount_fen")?,
                status: row.try_get("status")?,
                succeeded_at: row.try_get::<Option<i64>, _>("succeeded_at")?.map(from_ms),
                notify_id: row.try_get("notify_id")?,
            })
        })
        .transpose()
    }

    /// Takes a refund of `amount_fen` from the paid payment `out_trade_no`,
    /// processing from `now`. The same number with the same payment and
    /// amount answers the refund already taken.
    pub(super) async fn take_refund(
        &self,
        out_refund_no: &str,
        out_trade_no: &str,
        amount_fen: i64,
        notify_url: Option<&str>,
        now: Instant,
    ) -> Result<Result<SandboxRefund, RefundRefused>, crate::db::Error> {
        if let Some(existing) = self.find_refund(out_refund_no).await? {
            let same = existing.out_trade_no == out_trade_no && existing.amount_fen == amount_fen;
            return Ok(if same { Ok(existing) } else { Err(RefundRefused::NumberTaken) });
        }
        let mut tx = self.db.begin().await?;
        // The payment's row, written first, orders two refunds of one payment.
        let touched =
            crate::db::query("UPDATE sandbox_payments SET status = status WHERE out_trade_no = $1 AND status = 'paid'")
                .bind(out_trade_no)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if touched != 1 {
            return Ok(Err(RefundRefused::NotPaid));
        }
        let (paid, taken): (i64, i64) = crate::db::query_as(
            // PostgreSQL sums BIGINTs as NUMERIC: back to BIGINT for both dialects.
            "SELECT p.amount_fen, CAST(COALESCE((SELECT SUM(r.amount_fen) FROM sandbox_refunds r \
             WHERE r.out_trade_no = p.out_trade_no AND r.status <> 'abnormal'), 0) AS BIGINT) \
             FROM sandbox_payments p WHERE p.out_trade_no = $1",
        )
        .bind(out_trade_no)
        .fetch_one(&mut *tx)
        .await?;
        if amount_fen <= 0 || taken + amount_fen > paid {
            return Ok(Err(RefundRefused::NotEnough));
        }
        let inserted = crate::db::query(
            "INSERT INTO sandbox_refunds (out_refund_no, out_trade_no, refund_id, amount_fen, status, created_at, \
             settle_at, notify_id, notify_url) VALUES ($1, $2, $3, $4, 'processing', $5, $5, $6, $7) ON CONFLICT DO NOTHING",
        )
        .bind(out_refund_no)
        .bind(out_trade_no)
        .bind(new_refund_id(now))
        .bind(amount_fen)
        .bind(to_ms(now))
        .bind(new_notification_id())
        .bind(notify_url)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        if inserted != 1 {
            // Another request under this number came first: it is the same refund or another.
            return Box::pin(self.take_refund(out_refund_no, out_trade_no, amount_fen, notify_url, now)).await;
        }
        self.find_refund(out_refund_no).await?.map(Ok).ok_or(crate::db::Error::RowNotFound)
    }

    /// Ends the refunds whose time has come at `now`: returned to the payer,
    /// their notifications due.
    pub(super) async fn settle_refunds(&self, now: Instant) -> Result<u64, crate::db::Error> {
        Ok(crate::db::query(
            "UPDATE sandbox_refunds SET status = 'success', succeeded_at = $1, notify_due_at = $1 \
             WHERE status = 'processing' AND settle_at <= $1",
        )
        .bind(to_ms(now))
        .execute(&self.db.write)
        .await?
        .rows_affected())
    }

    /// A processing refund the payer's account cannot take: abnormal, its
    /// notification due at `now`; false when it was not processing.
    pub(super) async fn refund_abnormal(&self, out_refund_no: &str, now: Instant) -> Result<bool, crate::db::Error> {
        let changed = crate::db::query(
            "UPDATE sandbox_refunds SET status = 'abnormal', notify_due_at = $1 \
             WHERE out_refund_no = $2 AND status = 'processing'",
        )
        .bind(to_ms(now))
        .bind(out_refund_no)
        .execute(&self.db.write)
        .await?
        .rows_affected();
        Ok(changed == 1)
    }

    /// Up to 16 notifications of `kind` due at `now_ms`, the oldest first.
    pub(super) async fn due(&self, kind: Notifies, now_ms: i64) -> Result<Vec<Due>, crate::db::Error> {
        let (table, key) = (kind.table(), kind.key());
        let due: Vec<(String, i64, i64, Option<String>)> = crate::db::query_as(crate::db::AssertSqlSafe(format!(
            "SELECT {key}, notify_due_at, notify_attempts, notify_url FROM {table} \
             WHERE notify_due_at IS NOT NULL AND notify_due_at <= $1 ORDER BY notify_due_at LIMIT 16"
        )))
        .bind(now_ms)
        .fetch_all(&self.db.read)
        .await?;
        Ok(due
            .into_iter()
            .map(|(key, due_at_ms, attempts, notify_url)| Due { kind, key, due_at_ms, attempts, notify_url })
            .collect())
    }

    /// Takes `due` for sending until `until_ms`; false when another notifier
    /// took it first.
    pub(super) async fn claim(&self, due: &Due, until_ms: i64) -> Result<bool, crate::db::Error> {
        let (table, key) = (due.kind.table(), due.kind.key());
        let claimed = crate::db::query(crate::db::AssertSqlSafe(format!(
            "UPDATE {table} SET notify_due_at = $1 WHERE {key} = $2 AND notify_due_at = $3"
        )))
        .bind(until_ms)
        .bind(&due.key)
        .bind(due.due_at_ms)
        .execute(&self.db.write)
        .await?
        .rows_affected();
        Ok(claimed == 1)
    }

    /// Counts one attempt, due again at `next_due_ms` (none once delivered).
    pub(super) async fn attempted(&self, due: &Due, next_due_ms: Option<i64>) -> Result<(), crate::db::Error> {
        let (table, key) = (due.kind.table(), due.kind.key());
        crate::db::query(crate::db::AssertSqlSafe(format!(
            "UPDATE {table} SET notify_due_at = $1, notify_attempts = notify_attempts + 1 WHERE {key} = $2"
        )))
        .bind(next_due_ms)
        .bind(&due.key)
        .execute(&self.db.write)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pay_4_transaction_ids_have_28_digits_and_notification_ids_are_uuid_shaped() {
        let id = new_transaction_id(chrono::Utc::now());
        assert_eq!(id.len(), 28, "{id}");
        assert!(id.chars().all(|c| c.is_ascii_digit()));
        let refund = new_refund_id(chrono::Utc::now());
        assert_eq!(refund.len(), 29, "{refund}");
        assert!(refund.chars().all(|c| c.is_ascii_digit()));
        assert_eq!(new_notification_id().len(), 36);
    }
}
