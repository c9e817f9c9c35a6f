//! The SMS gateway interface and the bundled outbox gateway, which writes each
//! message to the `sms_outbox` table instead of a phone: development reads it
//! through `GET /api/dev/sms-outbox`. A real provider implements the same trait.

use crate::clock::Clock;
use crate::db::Db;
use crate::gateways::payment::BoxFuture;
use crate::repo::verification;
use domain::verification::Phone;
use std::sync::Arc;

/// A text message to one phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsMessage {
    pub phone: Phone,
    pub text: String,
}

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    #[error("the SMS gateway is unavailable: {0}")]
    Unavailable(String),
}

/// Sends text messages (VER-1).
pub trait SmsGateway: Send + Sync + std::fmt::Debug {
    /// Sends `message`; an error means it was not sent.
    fn send<'a>(&'a self, message: &'a SmsMessage) -> BoxFuture<'a, Result<(), SmsError>>;
}

/// The bundled gateway: a local outbox in the database.
#[derive(Debug, Clone)]
pub struct OutboxSms {
    db: Db,
    clock: Arc<dyn Clock>,
}

impl OutboxSms {
    /// An outbox in `db`, stamped with `clock`.
    pub fn new(db: Db, clock: Arc<dyn Clock>) -> Self {
        Self { db, clock }
    }
}

impl SmsGateway for OutboxSms {
    fn send<'a>(&'a self, message: &'a SmsMessage) -> BoxFuture<'a, Result<(), SmsError>> {
        Box::pin(async move {
            let mut conn = self.db.write.acquire().await.map_err(|e| SmsError::Unavailable(e.to_string()))?;
            verification::write_outbox(&mut conn, message.phone.as_str(), &message.text, self.clock.now())
                .await
                .map_err(|e| SmsError::Unavailable(e.to_string()))?;
            tracing::info!(phone = %message.phone.masked(), "text message written to the outbox");
            Ok(())
        })
    }
}
