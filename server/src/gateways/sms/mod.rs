//! The SMS gateway interface and its two gateways: the bundled outbox, which
//! writes each message to the `sms_outbox` table instead of a phone
//! (development reads it through `GET /api/dev/sms-outbox`), and Tencent
//! Cloud SMS over HTTP, which production uses. Development also serves a
//! sandbox of Tencent's API (`/sandbox/sms`) that the HTTP client is tested
//! against: it checks the request's signature and writes to the outbox.

pub mod sandbox;
pub mod tc3;
pub mod tencent;

use crate::clock::Clock;
use crate::db::Db;
use crate::gateways::payment::BoxFuture;
use crate::repo::verification;
use domain::verification::Phone;
use std::sync::Arc;

/// The signature every message starts with.
pub const SIGN_NAME: &str = "腾讯电子签";

/// A verification code to text to one phone. Providers in China send only
/// approved templates: the message is its parameters, in the template's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsMessage {
    pub phone: Phone,
    pub code: String,
    /// What the code is for, in Chinese.
    pub purpose_zh: String,
    pub minutes: i64,
}

impl SmsMessage {
    /// The template's parameters.
    pub fn params(&self) -> [String; 3] {
        [self.code.clone(), self.purpose_zh.clone(), self.minutes.to_string()]
    }

    /// The text the phone shows.
    pub fn text(&self) -> String {
        render(SIGN_NAME, &self.params())
    }
}

/// The verification template filled in with `params`, after the signature.
pub fn render(sign_name: &str, params: &[String]) -> String {
    let [code, purpose, minutes] = [0, 1, 2].map(|i| params.get(i).map_or("", String::as_str));
    format!("【{sign_name}】您的验证码为 {code}，用于{purpose}，{minutes}分钟内有效。如非本人操作，请忽略本短信。")
}

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    #[error("the SMS gateway is unavailable: {0}")]
    Unavailable(String),
    #[error("the SMS provider refused the message: {0}")]
    Rejected(String),
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
            verification::write_outbox(&mut conn, message.phone.as_str(), &message.text(), self.clock.now())
                .await
                .map_err(|e| SmsError::Unavailable(e.to_string()))?;
            tracing::info!(phone = %message.phone.masked(), "text message written to the outbox");
            Ok(())
        })
    }
}
