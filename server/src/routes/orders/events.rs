//! `GET /api/orders/{id}/events`: an order's progress as server-sent events,
//! from payment to delivery (FUL-1), and for a personal order on to its
//! binding to an enterprise (BND-2).

use super::visible::visible_order;
use crate::repo::sessions::{Acting, Caller};
use crate::{ApiError, AppState};
use api_types::Progress;
use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use domain::order::{OrderEvent, OrderStatus};
use std::convert::Infallible;
use std::time::Duration;

/// How often a follower waiting for a binding (a person's action, minutes
/// or days away) looks at the order besides being woken.
const POLL_BINDING: Duration = Duration::from_secs(2);

/// FUL-1, BND-2: the order's progress, one event per change. It ends after
/// `closed`, after `delivered` for an enterprise's order, and after `bound`
/// for the person's own order, which a delivery leaves bindable (ORD-1).
/// Wakes on this process's changes and, on PostgreSQL, on other processes'
/// (`db::changes`); looks on its own too, for changes nothing told of.
#[utoipa::path(
    get,
    path = "/orders/{id}/events",
    tag = "orders",
    security(("session" = [])),
    params(("id" = i64, Path, description = "The order's id")),
    responses(
        (status = 200, description = "Server-sent events: `event: status` with a `Progress` as `data` at each change; `last` is true on the final one (after `closed`, after `delivered` for an enterprise's order, after `bound` for a personal one)", content_type = "text/event-stream", body = Progress),
        (status = 400, description = "`invalid_input`: the id is not a number", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 404, description = "`not_found`", body = api_types::ErrorBody),
    ),
)]
pub async fn order_events(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Sse<impl futures_core::Stream<Item = Result<Event, Infallible>>>, ApiError> {
    // Subscribed before the first read, so that no change falls between them.
    let mut changes = state.events.subscribe();
    let first = visible_order(&state, &caller, id).await?;
    // Acting as the person, the order is the person's own: it may be bound.
    let personal = matches!(caller.acting, Acting::Person);
    let poll_progress = state.settings.follow_poll(state.db.changes.are_shared());
    let stream = async_stream::stream! {
        let mut last = None;
        let mut read = Some(first);
        loop {
            let order = match read.take() {
                Some(order) => order,
                None => match visible_order(&state, &caller, id).await {
                    Ok(order) => order,
                    Err(_) => break,
                },
            };
            let waits_for_binding = order.status.apply(OrderEvent::Bind, personal).is_ok();
            let ends = match order.status {
                OrderStatus::Closed
                | OrderStatus::Bound
                | OrderStatus::NeedsAttention
                | OrderStatus::Refunded => true,
                OrderStatus::Delivered => !waits_for_binding,
                OrderStatus::AwaitingPayment | OrderStatus::Paid | OrderStatus::Delivering => false,
            };
            if last != Some(order.status) {
                last = Some(order.status);
                let bound = match order.status {
                    OrderStatus::Bound => bound_to(&state, id).await,
                    _ => None,
                };
                let progress = Progress {
                    status: order.status,
                    paid_at: order.paid_at,
                    delivered_at: order.delivered_at,
                    bound_at: bound.as_ref().map(|(at, _)| *at),
                    bound_to: bound.map(|(_, name)| name),
                    last: ends,
                };
                let data = serde_json::to_string(&progress).unwrap_or_default();
                yield Ok(Event::default().event("status").data(data));
            }
            if ends {
                break;
            }
            // A delivery's row is the order as its commit left it: no read.
            let wait = async {
                while let Ok(changed) = changes.recv().await {
                    if changed.order_id == id {
                        return changed.delivered.map(|order| (*order).clone());
                    }
                }
                None
            };
            let poll = if waits_for_binding { POLL_BINDING } else { poll_progress };
            read = tokio::time::timeout(poll, wait).await.ok().flatten();
        }
    };
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// The enterprise a bound order went to, and when (`None` if it cannot be read now: the next event says).
async fn bound_to(state: &AppState, order_id: i64) -> Option<(domain::Instant, String)> {
    let mut conn = state.db.read.acquire().await.ok()?;
    crate::repo::bindings::bound_to(&mut conn, order_id).await.ok().flatten()
}
