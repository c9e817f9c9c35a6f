//! Paying an order (PAY-1..4, PRI-2): the order is held against its basis
//! now before any money moves, and it has one provider payment at a time.

use crate::gateways::payment::{PayChannel, PaymentRequest, ProviderStatus};
use crate::repo::accounts::order_buyer;
use crate::repo::orders::{self as store, OrderRow};
use crate::repo::payments;
use crate::repo::sessions::Caller;
use crate::workers::settle::{Collected, Source, settle};
use crate::{ApiError, AppState};
use api_types::PaymentPrompt;
use domain::basis::reassess;
use domain::order::OrderEvent;
use domain::payment::PaymentStatus;
use domain::{Channel, Context, ErrorCode, Instant, PaymentMethod};
use std::time::Duration;

/// Holds the order against its basis under the order's and the account's
/// locks (order first, then account: every writer takes them in that
/// order), inside `tx`. Refuses with `quote_changed` and the fresh quote, or
/// with the rule that now refuses it. `priced_at` is when the price was
/// confirmed: now, or when the provider payment being answered was opened.
///
/// `read` is the order as read before the transaction, when the write that
/// follows changes it only from awaiting payment (`mark_paid`): its status
/// is checked by that write, and nothing else in it changes once placed.
/// It is used where no row lock must be taken (SQLite's one writer orders
/// every write), saving the read.
async fn hold(
    state: &AppState,
    tx: &mut crate::db::Tx,
    order: &OrderRow,
    read: Held,
    now: Instant,
    priced_at: Instant,
) -> Result<OrderRow, ApiError> {
    let lock = state.db.for_update();
    let order = match read {
        Held::StatusCheckedByWrite if !lock.waits() => order.clone(),
        _ => store::find(tx, order.id, order.account_id, lock)
            .await?
            .ok_or_else(|| ApiError::NotFound("no such order".into()))?,
    };
    order.status.apply(OrderEvent::Pay, false)?;
    let buyer = order_buyer(tx, &order, lock).await?;
    let ctx = Context { catalog: &state.catalog, buyer: &buyer, channel: order.channel, now };
    reassess(&ctx, &order.selection, &order.quote, priced_at)?;
    Ok(order)
}

/// Whether the write after [`hold`] checks the order's status itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Held {
    StatusCheckedByWrite,
    ReadAgain,
}

/// Pays from the balance, or completes an order a voucher covers in full:
/// the order is held, the balance debited, the order marked paid and its
/// delivery job written, in one transaction. The order as paid.
pub async fn without_provider(
    state: &AppState,
    caller: &Caller,
    order: &OrderRow,
    open: Option<payments::PaymentRow>,
    method: PaymentMethod,
    now: Instant,
) -> Result<OrderRow, ApiError> {
    // One payment at a time: a payment open at the provider is closed first,
    // so its code cannot take the money as well.
    if let Some(open) = open {
        close(state, &open.out_trade_no).await?;
    }
    let mut tx = state.db.begin().await?;
    let order = hold(state, &mut tx, order, Held::StatusCheckedByWrite, now, now).await?;
    if method == PaymentMethod::Balance
        && !crate::repo::accounts::debit(&mut tx, order.account_id, order.payable_fen).await?
    {
        return Err(ApiError::code(ErrorCode::InsufficientBalance));
    }
    let actor = format!("person:{}", caller.person_id);
    let paid = crate::repo::audit::Line {
        at: now,
        actor: &actor,
        account_id: Some(order.account_id),
        order_id: Some(order.id),
        event: match method {
            PaymentMethod::Voucher => "voucher.covered",
            _ => "balance.debited",
        },
        detail: serde_json::json!({ "amount_fen": order.payable_fen, "voucher": order.voucher_id }),
    };
    let Some(job) = store::mark_paid(&mut tx, order.id, method, now, paid).await? else {
        return Err(ApiError::code(ErrorCode::InvalidState));
    };
    crate::failpoint::crash_point(crate::failpoint::Step::PaymentTransaction);
    tx.commit().await?;
    crate::failpoint::crash_point(crate::failpoint::Step::PaymentCommitted);
    crate::telemetry::metrics::order_paid();
    crate::telemetry::metrics::payment(method, PaymentStatus::Paid);
    tracing::info!(order.id = order.id, amount_fen = order.payable_fen, method = ?method, "paid without a provider");
    state.order_paid(order.id, job);
    Ok(order.paid(method, now))
}

/// Closes the order's payment open at the provider, if any, and records it
/// closed. A provider that cannot close it (it may have been paid) answers
/// 503: the payer tries again once reconciliation has asked.
async fn close_pending(state: &AppState, order_id: i64) -> Result<(), ApiError> {
    let pending = {
        let mut conn = state.db.read.acquire().await?;
        payments::pending_of(&mut conn, order_id).await?
    };
    let Some(pending) = pending else { return Ok(()) };
    close(state, &pending.out_trade_no).await
}

/// Closes the payment `out_trade_no` at the provider and records it closed.
async fn close(state: &AppState, out_trade_no: &str) -> Result<(), ApiError> {
    state.gateway.close(out_trade_no).await.map_err(|e| ApiError::Unavailable(e.to_string()))?;
    let mut conn = state.db.write.acquire().await?;
    payments::end_pending(&mut conn, out_trade_no, PaymentStatus::Closed).await?;
    Ok(())
}

fn pay_channel(method: PaymentMethod, channel: Channel) -> PayChannel {
    match (method, channel) {
        (PaymentMethod::OnlineBanking, _) => PayChannel::OnlineBanking,
        (_, Channel::MiniProgram) => PayChannel::WechatMiniProgram,
        _ => PayChannel::WechatNative,
    }
}

/// How long a second request waits for the prompt of a payment another
/// request is opening at this moment.
const OPENING_WAIT: Duration = Duration::from_secs(3);

/// Opens a payment at the provider, or answers the one already open with
/// the same method (the same code, the same deadline: a reload does not
/// open a second). One open with another method is closed first. The order
/// is held before, and the price it is opened at holds until the deadline.
pub async fn at_provider(
    state: &AppState,
    order: &OrderRow,
    method: PaymentMethod,
    now: Instant,
) -> Result<PaymentPrompt, ApiError> {
    let waited = tokio::time::Instant::now();
    loop {
        let mut tx = state.db.begin().await?;
        let pending = payments::pending_of(&mut tx, order.id).await?;
        let priced_at = pending.as_ref().filter(|p| p.method == method).map_or(now, |p| p.created_at);
        let held = match hold(state, &mut tx, order, Held::ReadAgain, now, priced_at).await {
            Ok(held) => held,
            Err(refused) => {
                tx.rollback().await?;
                // The order no longer holds: a code still open for it must not take money.
                if let Err(e) = close_pending(state, order.id).await {
                    tracing::warn!(order.id = order.id, error = ?e, "provider payment not closed; reconciliation will");
                }
                return Err(refused);
            }
        };
        match pending {
            Some(open) if open.method == method => {
                tx.rollback().await?;
                if let Some(prompt) = open.prompt {
                    if still_payable(state, &open.out_trade_no).await? {
                        return Ok(prompt);
                    }
                    continue;
                }
                // Another request is opening it right now: its prompt comes shortly.
                if waited.elapsed() > OPENING_WAIT {
                    return Err(ApiError::Unavailable("the payment is still being opened".into()));
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Some(other) => {
                tx.rollback().await?;
                // The one this request saw, by its number: what is pending by
                // now may be the payment another request just opened with this method.
                close(state, &other.out_trade_no).await?;
            }
            None => {
                // A random suffix, not an attempt count: two opens at once must not collide.
                let out_trade_no = format!("E{:010}{:08X}", held.id, rand::random::<u32>());
                if !payments::insert_pending(&mut tx, &out_trade_no, held.id, method, held.payable_fen, now).await? {
                    tx.rollback().await?;
                    continue;
                }
                tx.commit().await?;
                return open(state, &held, &out_trade_no, method).await;
            }
        }
    }
}

/// Whether the payment open at the provider can still be paid there. One
/// the payer failed or the provider closed ends here, so that a new one can
/// open; one that was paid meanwhile is settled like a notification.
async fn still_payable(state: &AppState, out_trade_no: &str) -> Result<bool, ApiError> {
    let status = match state.gateway.query(out_trade_no).await {
        Ok(status) => status,
        // The provider cannot tell now: the payer keeps the code they have.
        Err(_) => return Ok(true),
    };
    let ended = match status {
        ProviderStatus::NotPaid => return Ok(true),
        ProviderStatus::Failed => PaymentStatus::Failed,
        ProviderStatus::Closed => PaymentStatus::Closed,
        ProviderStatus::Paid { transaction_id, amount_fen, paid_at } => {
            let collected = Collected { out_trade_no, transaction_id: &transaction_id, amount_fen, paid_at };
            settle(state, Source::Reconciliation, &collected).await?;
            return Ok(false);
        }
    };
    let mut conn = state.db.write.acquire().await?;
    payments::end_pending(&mut conn, out_trade_no, ended).await?;
    Ok(false)
}

async fn open(
    state: &AppState,
    order: &OrderRow,
    out_trade_no: &str,
    method: PaymentMethod,
) -> Result<PaymentPrompt, ApiError> {
    let names: Vec<&str> = order.quote.lines.iter().map(|l| l.name_zh.as_str()).collect();
    let request = PaymentRequest {
        out_trade_no: out_trade_no.to_owned(),
        amount_fen: order.payable_fen,
        description: format!("腾讯电子签 {}", names.join("、")),
        channel: pay_channel(method, order.channel),
        expires_at: order.pay_by,
    };
    // The provider is asked before a connection is taken: SQLite has one writer.
    let created = state.gateway.create(&request).await;
    let mut conn = state.db.write.acquire().await?;
    match created {
        Ok(prompt) => {
            payments::set_prompt(&mut conn, out_trade_no, &prompt).await?;
            Ok(prompt)
        }
        Err(e) => {
            // Nothing was opened there: this attempt ends, another may open.
            payments::end_pending(&mut conn, out_trade_no, PaymentStatus::Failed).await?;
            Err(ApiError::Unavailable(e.to_string()))
        }
    }
}
