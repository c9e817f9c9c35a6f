//! Issuing invoices (INV-1): requested invoices are handed to the tax
//! platform, and those at the platform are asked about until it issues or
//! refuses them. Each step is one guarded change of state, so two workers
//! (or two processes on one PostgreSQL database) never do a step twice.
//!
//! Nothing is half written: the number, the document and `issued` are
//! committed together; a refusal records its reason and lets go of the
//! orders in one transaction, and the request can be asked again
//! (`POST /api/invoices/{id}/retry`). A request whose serial the platform
//! does not know (it never arrived, or the platform restarted) is
//! submitted again under the same serial.

use crate::gateways::invoicing::{IssueRequest, IssueState};
use crate::repo::audit;
use crate::repo::invoices::{self as store, InvoiceRow};
use crate::{ApiError, AppState};
use domain::invoice::{InvoiceEvent, InvoiceStatus};
use std::time::Duration;

/// Invoices moved on per round.
const BATCH: i64 = 16;

/// Runs for ever: a round every `ESIGN_INVOICE_POLL_MS`, or at once when an invoice is requested.
pub async fn run(state: AppState) {
    let every = Duration::from_millis(state.settings.invoice_poll_ms.max(10));
    loop {
        if let Err(e) = run_once(&state).await {
            tracing::warn!(error = %e, "invoicing round failed; will retry");
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            () = state.wake_invoicing.notified() => {}
        }
    }
}

/// One round over the invoices in flight.
pub async fn run_once(state: &AppState) -> Result<(), ApiError> {
    let in_flight = {
        let mut conn = state.db.write.acquire().await?;
        store::in_flight(&mut conn, BATCH).await?
    };
    for invoice in in_flight {
        let id = invoice.view.id;
        if let Err(e) = step(state, invoice).await {
            tracing::warn!(invoice.id = id, error = %e, "invoice step failed; will retry");
        }
    }
    Ok(())
}

fn request(invoice: &InvoiceRow, serial: String) -> IssueRequest {
    IssueRequest {
        serial,
        title: invoice.view.title.clone(),
        amounts: invoice.view.amounts.clone(),
        order_ids: invoice.view.order_ids.clone(),
    }
}

async fn step(state: &AppState, invoice: InvoiceRow) -> Result<(), ApiError> {
    let status = invoice.view.status;
    match status {
        InvoiceStatus::Requested => {
            let next = status.apply(InvoiceEvent::Submitted)?;
            let mut tx = state.db.begin().await?;
            if !store::advance(&mut tx, invoice.view.id, status, next, state.clock.now()).await? {
                return Ok(());
            }
            tx.commit().await?;
            if let Err(unavailable) = state.invoicing.submit(request(&invoice, invoice.next_serial())).await {
                fail(state, &invoice, next, &unavailable.to_string()).await?;
            }
        }
        InvoiceStatus::Issuing => match state.invoicing.query(&invoice.serial()).await {
            Err(e) => tracing::warn!(invoice.id = invoice.view.id, error = %e, "the tax platform did not answer"),
            Ok(IssueState::Pending) => {}
            Ok(IssueState::Unknown) => {
                state.invoicing.submit(request(&invoice, invoice.serial())).await.map_err(ApiError::internal)?;
            }
            Ok(IssueState::Failed { reason }) => fail(state, &invoice, status, &reason).await?,
            Ok(IssueState::Issued { number, issued_at, pdf }) => {
                let next = status.apply(InvoiceEvent::Issued)?;
                let mut tx = state.db.begin().await?;
                if store::issued(&mut tx, invoice.view.id, (status, next), &number, issued_at, &pdf).await? {
                    let detail = serde_json::json!({
                        "invoice": invoice.view.id,
                        "number": number,
                        "orders": invoice.view.order_ids,
                        "total": invoice.view.total,
                    });
                    let account = Some(invoice.account_id);
                    audit::append(&mut tx, issued_at, "invoicing", account, None, "invoice.issued", &detail).await?;
                    tx.commit().await?;
                    tracing::info!(invoice.id = invoice.view.id, invoice.number = %number, "invoice issued");
                }
            }
        },
        InvoiceStatus::Issued | InvoiceStatus::Reversed | InvoiceStatus::Failed => {}
    }
    Ok(())
}

/// Records the platform's refusal and lets go of the orders.
async fn fail(state: &AppState, invoice: &InvoiceRow, from: InvoiceStatus, reason: &str) -> Result<(), ApiError> {
    let next = from.apply(InvoiceEvent::Failed)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if store::failed(&mut tx, invoice.view.id, (from, next), reason, now).await? {
        let detail = serde_json::json!({ "invoice": invoice.view.id, "reason": reason });
        audit::append(&mut tx, now, "invoicing", Some(invoice.account_id), None, "invoice.failed", &detail).await?;
        tx.commit().await?;
        tracing::info!(invoice.id = invoice.view.id, reason, "the tax platform refused an invoice");
    }
    Ok(())
}
