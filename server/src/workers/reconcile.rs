//! Reconciliation (PAY-4): when no notification arrives, ask the provider
//! before giving up; close unpaid orders after their deadline, closing their
//! provider payments first, so that nobody can pay an order that is closed;
//! send again the refunds the provider never took, and ask about those whose
//! notification has not come.
//!
//! Every step is a conditional update, so two servers (or a test calling
//! [`run_once`] beside the background loop) never do a thing twice.

use super::settle::{Collected, Settled, Source, settle};
use crate::AppState;
use crate::gateways::payment::{GatewayError, ProviderStatus};
use crate::repo::orders as store;
use crate::repo::{payments, refunds};
use domain::order::{OrderEvent, OrderStatus};
use domain::payment::PaymentStatus;
use domain::refund::RefundStatus;
use std::time::Duration;

/// How many payments and orders one round looks at, at most.
const BATCH: i64 = 100;

/// What one round did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Payments the provider had collected and we now believe.
    pub settled: usize,
    /// Provider payments closed or recorded as failed or closed.
    pub payments_closed: usize,
    /// Orders closed because their time to pay ran out.
    pub orders_closed: usize,
    /// Refunds sent again or found ended at the provider.
    pub refunds_followed: usize,
}

/// One round: pending payments older than `reconcile_after_secs` are asked
/// about (paid ones are settled exactly as a notification would be); orders
/// awaiting payment past their `pay_by` are closed, their voucher given back
/// and their provider payments closed; open refunds as old are sent again
/// (never taken) or asked about (taken, no word since).
pub async fn run_once(state: &AppState) -> Result<Report, crate::db::Error> {
    let mut report = Report::default();
    let ran = async {
        ask_about_pending_payments(state, &mut report).await?;
        close_expired_orders(state, &mut report).await?;
        follow_open_refunds(state, &mut report).await
    }
    .await;
    crate::telemetry::metrics::reconciliation_ran(ran.is_ok());
    ran.map(|()| report)
}

/// Runs [`run_once`] every `reconcile_interval_ms`, for ever.
pub async fn run(state: AppState) {
    let every = Duration::from_millis(state.settings.reconcile_interval_ms.max(50));
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match run_once(&state).await {
            Ok(report) if report != Report::default() => tracing::info!(?report, "reconciliation"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "reconciliation failed; will retry"),
        }
    }
}

async fn ask_about_pending_payments(state: &AppState, report: &mut Report) -> Result<(), crate::db::Error> {
    let now = state.clock.now();
    let before = now - chrono::TimeDelta::seconds(i64::from(state.settings.reconcile_after_secs));
    let pending = {
        let mut conn = state.db.read.acquire().await?;
        payments::pending_since(&mut conn, before, BATCH).await?
    };
    for (out_trade_no, order_status) in pending {
        let status = match state.gateway.query(&out_trade_no).await {
            Ok(status) => status,
            Err(e) => {
                tracing::warn!(out_trade_no, error = %e, "reconciliation: the provider did not answer");
                continue;
            }
        };
        match status {
            ProviderStatus::Paid { .. } => {
                if settle_paid(state, &out_trade_no, status).await? {
                    report.settled += 1;
                }
            }
            ProviderStatus::Failed => {
                report.payments_closed += mark(state, &out_trade_no, PaymentStatus::Failed).await?
            }
            ProviderStatus::Closed => {
                report.payments_closed += mark(state, &out_trade_no, PaymentStatus::Closed).await?
            }
            // Still open at the provider, but its order was paid another way,
            // cancelled or closed: close it, so it cannot be paid by mistake.
            ProviderStatus::NotPaid if order_status != OrderStatus::AwaitingPayment => {
                report.payments_closed += close_at_provider(state, &out_trade_no).await?;
            }
            ProviderStatus::NotPaid => {}
        }
    }
    Ok(())
}

async fn close_expired_orders(state: &AppState, report: &mut Report) -> Result<(), crate::db::Error> {
    let now = state.clock.now();
    let expired = {
        let mut conn = state.db.read.acquire().await?;
        store::unpaid_past_deadline(&mut conn, now, BATCH).await?
    };
    'orders: for (order_id, pay_by) in expired {
        // A provider that cannot close the payment is asked again each round
        // for the retries' while; then the order closes anyway, and money
        // arriving later is flagged to be returned (PAY-4), never taken.
        let overdue = now >= pay_by + chrono::TimeDelta::from_std(crate::retry::give_up_after()).unwrap_or_default();
        let pending = {
            let mut conn = state.db.read.acquire().await?;
            payments::pending_of(&mut conn, order_id).await?
        };
        // The provider side first: once closed there, nobody can pay it.
        if let Some(pending) = pending {
            let out_trade_no = pending.out_trade_no;
            match state.gateway.close(&out_trade_no).await {
                Ok(()) => report.payments_closed += mark(state, &out_trade_no, PaymentStatus::Closed).await?,
                Err(GatewayError::Rejected(why)) => {
                    // Paid after all (or unknown there): ask, and believe what it says.
                    match state.gateway.query(&out_trade_no).await {
                        Ok(status @ ProviderStatus::Paid { .. }) => {
                            if settle_paid(state, &out_trade_no, status).await? {
                                report.settled += 1;
                            }
                            continue 'orders;
                        }
                        Ok(ProviderStatus::Failed) => {
                            report.payments_closed += mark(state, &out_trade_no, PaymentStatus::Failed).await?
                        }
                        Ok(ProviderStatus::Closed) => {
                            report.payments_closed += mark(state, &out_trade_no, PaymentStatus::Closed).await?
                        }
                        Ok(ProviderStatus::NotPaid) => {
                            tracing::warn!(
                                order.id = order_id,
                                out_trade_no,
                                why,
                                "reconciliation: the provider refused to close an unpaid payment"
                            );
                            if !overdue {
                                continue 'orders;
                            }
                        }
                        Err(GatewayError::Rejected(_)) => {
                            // The provider never heard of it: nothing there can be paid.
                            report.payments_closed += mark(state, &out_trade_no, PaymentStatus::Closed).await?;
                        }
                        Err(e) => {
                            tracing::warn!(order.id = order_id, out_trade_no, error = %e, "reconciliation: the provider did not answer");
                            if !overdue {
                                continue 'orders;
                            }
                        }
                    }
                }
                Err(e) => {
                    // Keep the order open until the provider confirms: a payment
                    // there might still succeed.
                    tracing::warn!(order.id = order_id, out_trade_no, error = %e, "reconciliation: cannot close the provider payment yet");
                    if !overdue {
                        continue 'orders;
                    }
                }
            }
        }
        let mut tx = state.db.begin().await?;
        let closed = store::close(&mut tx, order_id, OrderEvent::TimeOut, now, "reconciliation").await?;
        tx.commit().await?;
        if closed {
            crate::telemetry::metrics::order_closed(OrderEvent::TimeOut);
            tracing::info!(order.id = order_id, "order closed: the time to pay ran out");
            state.order_changed(order_id);
            report.orders_closed += 1;
        }
    }
    Ok(())
}

async fn follow_open_refunds(state: &AppState, report: &mut Report) -> Result<(), crate::db::Error> {
    let before = state.clock.now() - chrono::TimeDelta::seconds(i64::from(state.settings.reconcile_after_secs));
    let open = {
        let mut conn = state.db.read.acquire().await?;
        refunds::open_since(&mut conn, before, BATCH).await?
    };
    for refund in open {
        let out_refund_no = refund.out_refund_no.clone();
        if refund.status == RefundStatus::Requested {
            if super::refund::send(state, refund).await?.status != RefundStatus::Requested {
                report.refunds_followed += 1;
            }
            continue;
        }
        match state.gateway.query_refund(&out_refund_no).await {
            Ok(answer) => {
                if super::refund::record(state, &out_refund_no, &answer, "reconciliation").await? {
                    report.refunds_followed += 1;
                }
            }
            Err(e) => {
                tracing::warn!(out_refund_no, error = %e, "reconciliation: the provider did not answer about a refund")
            }
        }
    }
    Ok(())
}

/// Settles a payment the provider reports paid; true when the order became paid.
async fn settle_paid(state: &AppState, out_trade_no: &str, status: ProviderStatus) -> Result<bool, crate::db::Error> {
    let ProviderStatus::Paid { transaction_id, amount_fen, paid_at } = status else { return Ok(false) };
    let collected = Collected { out_trade_no, transaction_id: &transaction_id, amount_fen, paid_at };
    Ok(matches!(settle(state, Source::Reconciliation, &collected).await?, Settled::Paid { .. }))
}

/// Closes a payment at the provider and records it; 1 when recorded.
async fn close_at_provider(state: &AppState, out_trade_no: &str) -> Result<usize, crate::db::Error> {
    match state.gateway.close(out_trade_no).await {
        Ok(()) => mark(state, out_trade_no, PaymentStatus::Closed).await,
        Err(e) => {
            tracing::warn!(out_trade_no, error = %e, "reconciliation: cannot close the provider payment yet");
            Ok(0)
        }
    }
}

/// Records what became of a pending payment; 1 when it was still pending.
async fn mark(state: &AppState, out_trade_no: &str, status: PaymentStatus) -> Result<usize, crate::db::Error> {
    let mut conn = state.db.write.acquire().await?;
    Ok(usize::from(payments::end_pending(&mut conn, out_trade_no, status).await?))
}
