//! `POST /api/payments/notify` and `POST /api/refunds/notify`: the
//! provider's asynchronous notifications of payments and of refunds.
//! Believed only after signature, timestamp and decryption check out
//! (the gateway's `verify_notice`), then settled like reconciliation would.
//!
//! Answers as WeChat Pay expects: 204 when the notification was taken (also
//! a replay, and an authentic notice that was not believed, so the provider
//! stops resending it; the audit log holds the case), 4xx with
//! `{code, message}` when it does not verify (forged, stale, malformed), and
//! 404 for a payment unknown here (the provider retries later).

use crate::gateways::payment::{GatewayError, sandbox};
use crate::workers::refund;
use crate::workers::settle::{Collected, Settled, Source, settle};
use crate::{ApiError, AppState};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The provider's routes under `/api`: `POST /payments/notify`,
/// `POST /refunds/notify`, and the sandbox's confirm action (development only).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(receive))
        .routes(routes!(receive_refund))
        .routes(routes!(sandbox::pages::confirm))
}

/// A notification that did not verify, as the API answers it.
fn refused(error: GatewayError) -> ApiError {
    match error {
        GatewayError::Malformed(_) => ApiError::InvalidInput(error.to_string()),
        _ => ApiError::PaymentNotice(error.to_string()),
    }
}

/// Receives one notification.
#[utoipa::path(
    post,
    path = "/payments/notify",
    tag = "payments",
    description = "The payment provider's asynchronous notification, WeChat Pay API v3 style: \
                   headers `Wechatpay-Timestamp`, `Wechatpay-Nonce`, `Wechatpay-Signature` \
                   (RSA-SHA256 by the platform key), `Wechatpay-Serial`; the body's `resource` \
                   is AES-256-GCM encrypted with the APIv3 key.",
    request_body(content = Object, content_type = "application/json", description = "The provider's signed, encrypted notification"),
    responses(
        (status = 204, description = "Taken (also a replay, or an authentic notice not believed: the audit log holds it)"),
        (status = 400, description = "`invalid_input`: malformed notification", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`: the signature does not verify, or the timestamp is stale", body = api_types::ErrorBody),
        (status = 404, description = "`not_found`: no such payment here (the provider retries later)", body = api_types::ErrorBody),
    ),
)]
pub async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<StatusCode, ApiError> {
    let now = state.clock.now();
    let notice = match state.gateway.verify_notice(&headers, &body, now) {
        Ok(notice) => notice,
        Err(GatewayError::SignatureProbe) => return Err(probe_refused("payment")),
        Err(error) => {
            tracing::warn!(%error, "payment notification refused");
            crate::telemetry::metrics::notification_refused(refusal_reason(&error));
            if matches!(error, GatewayError::Stale) {
                // Signed by the provider, only late: worth a line in the audit log.
                let mut tx = state.db.begin().await?;
                let detail = serde_json::json!({ "reason": "stale" });
                crate::repo::audit::append(
                    &mut tx,
                    now,
                    "payment",
                    None,
                    None,
                    "payment.notification_refused",
                    &detail,
                )
                .await?;
                tx.commit().await?;
            }
            return Err(refused(error));
        }
    };
    crate::telemetry::metrics::notification_verified();
    if !notice.success {
        // WeChat notifies successes only; anything else is settled by asking (reconciliation).
        tracing::info!(out_trade_no = notice.out_trade_no, "payment notification without success: ignored");
        return Ok(StatusCode::NO_CONTENT);
    }
    let collected = Collected {
        out_trade_no: &notice.out_trade_no,
        transaction_id: &notice.transaction_id,
        amount_fen: notice.amount_fen,
        paid_at: notice.paid_at,
    };
    match settle(&state, Source::Notification { id: &notice.id }, &collected).await? {
        Settled::Paid { .. } | Settled::Refused { .. } => Ok(StatusCode::NO_CONTENT),
        Settled::AlreadyKnown => {
            tracing::info!(
                notification.id = notice.id,
                out_trade_no = notice.out_trade_no,
                "payment notification replayed: nothing to do"
            );
            Ok(StatusCode::NO_CONTENT)
        }
        Settled::UnknownPayment => {
            tracing::warn!(out_trade_no = notice.out_trade_no, "payment notification for an unknown payment");
            Err(ApiError::NotFound(format!("no payment {}", notice.out_trade_no)))
        }
    }
}

/// Receives one refund notification: believed after the same checks as a
/// payment's, then the refund ends as the provider says, once.
#[utoipa::path(
    post,
    path = "/refunds/notify",
    tag = "payments",
    description = "The payment provider's asynchronous refund notification (`REFUND.SUCCESS`, \
                   `REFUND.ABNORMAL`, `REFUND.CLOSED`), signed and encrypted as a payment notification is.",
    request_body(content = Object, content_type = "application/json", description = "The provider's signed, encrypted notification"),
    responses(
        (status = 204, description = "Taken (also a replay)"),
        (status = 400, description = "`invalid_input`: malformed notification, or its amount is not the refund's", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`: the signature does not verify, or the timestamp is stale", body = api_types::ErrorBody),
        (status = 404, description = "`not_found`: no such refund here (the provider retries later)", body = api_types::ErrorBody),
    ),
)]
pub async fn receive_refund(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let now = state.clock.now();
    let notice = state.gateway.verify_refund_notice(&headers, &body, now).map_err(|error| match error {
        GatewayError::SignatureProbe => probe_refused("refund"),
        error => {
            tracing::warn!(%error, "refund notification refused");
            refused(error)
        }
    })?;
    let known = {
        let mut conn = state.db.read.acquire().await?;
        crate::repo::refunds::find(&mut conn, &notice.out_refund_no, crate::db::Lock::None).await?
    };
    let Some(known) = known else {
        tracing::warn!(out_refund_no = notice.out_refund_no, "refund notification for an unknown refund");
        return Err(ApiError::NotFound(format!("no refund {}", notice.out_refund_no)));
    };
    if known.amount_fen != notice.amount_fen || known.out_trade_no != notice.out_trade_no {
        tracing::error!(out_refund_no = notice.out_refund_no, "refund notification for another amount or payment");
        return Err(ApiError::InvalidInput("the notification's refund is not the one asked for".into()));
    }
    // A replay needs no notification id kept: each request has its own
    // refund number, and a word on a refund that ended changes nothing.
    refund::record(&state, &notice.out_refund_no, &notice.state, "refund").await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A signature probe is refused like a forgery, and logged as what it is:
/// the provider checking this server, not an attack.
fn probe_refused(kind: &'static str) -> ApiError {
    tracing::info!(kind, "signature probe refused, as the provider expects");
    crate::telemetry::metrics::notification_refused("probe");
    refused(GatewayError::SignatureProbe)
}

/// The metrics' name for why a notification did not verify.
fn refusal_reason(error: &GatewayError) -> &'static str {
    match error {
        GatewayError::BadSignature => "bad_signature",
        GatewayError::SignatureProbe => "probe",
        GatewayError::Stale => "stale",
        GatewayError::Malformed(_) => "malformed",
        // Verifying asks nobody: these come from calls to the provider.
        GatewayError::Unavailable(_) | GatewayError::Rejected(_) => "other",
    }
}
