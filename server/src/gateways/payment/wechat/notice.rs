//! What the merchant makes of a WeChat Pay notification once it checked
//! out: the same for the bundled sandbox and for the real provider, since
//! both send the same format.

use super::{ApiV3Key, PlatformKeys, Refund, Transaction, open, parse_time};
use crate::gateways::payment::{GatewayError, Notice, RefundNotice, RefundState};
use axum::http::HeaderMap;
use domain::Instant;

/// Reads notifications signed by one of the platform keys and encrypted
/// under the merchant's APIv3 key.
#[derive(Debug, Clone)]
pub struct NoticeReader {
    keys: PlatformKeys,
    apiv3_key: ApiV3Key,
}

impl NoticeReader {
    /// A reader believing `keys`, decrypting with `apiv3_key`.
    pub fn new(keys: PlatformKeys, apiv3_key: ApiV3Key) -> Self {
        Self { keys, apiv3_key }
    }

    /// The platform keys it believes (answers are checked against them too).
    pub fn keys(&self) -> &PlatformKeys {
        &self.keys
    }

    /// A payment notification.
    pub fn payment(&self, headers: &HeaderMap, body: &[u8], now: Instant) -> Result<Notice, GatewayError> {
        let opened = open::<Transaction>(&self.keys, &self.apiv3_key, headers, body, now)?;
        let transaction = opened.resource;
        if transaction.amount.currency != "CNY" {
            return Err(GatewayError::Malformed(format!("currency {}", transaction.amount.currency)));
        }
        let success = transaction.trade_state == "SUCCESS";
        let paid_at = match &transaction.success_time {
            Some(text) => parse_time(text)?,
            None if success => return Err(GatewayError::Malformed("a success without success_time".into())),
            None => now,
        };
        Ok(Notice {
            id: opened.id,
            out_trade_no: transaction.out_trade_no,
            transaction_id: transaction.transaction_id,
            amount_fen: transaction.amount.total,
            success,
            paid_at,
        })
    }

    /// A refund notification.
    pub fn refund(&self, headers: &HeaderMap, body: &[u8], now: Instant) -> Result<RefundNotice, GatewayError> {
        let opened = open::<Refund>(&self.keys, &self.apiv3_key, headers, body, now)?;
        let refund = opened.resource;
        let state = refund_state(&refund.refund_status, refund.refund_id, refund.success_time.as_deref())?;
        Ok(RefundNotice {
            id: opened.id,
            out_refund_no: refund.out_refund_no,
            out_trade_no: refund.out_trade_no,
            amount_fen: refund.amount.refund,
            state,
        })
    }
}

/// A refund's state from WeChat's `status` (or `refund_status`) and its success time.
pub fn refund_state(status: &str, refund_id: String, success_time: Option<&str>) -> Result<RefundState, GatewayError> {
    Ok(match status {
        "SUCCESS" => {
            let at = success_time.ok_or_else(|| GatewayError::Malformed("a success without success_time".into()))?;
            RefundState::Succeeded { refund_id, at: parse_time(at)? }
        }
        "PROCESSING" => RefundState::Processing { refund_id },
        "ABNORMAL" | "CLOSED" => {
            RefundState::Failed { refund_id, why: format!("the provider reports the refund {status}") }
        }
        other => return Err(GatewayError::Malformed(format!("refund status {other}"))),
    })
}
