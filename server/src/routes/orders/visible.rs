//! Which orders the caller may see (VIS-1), shared by the order routes and
//! the order's event stream.

use crate::db::Lock;
use crate::http::views;
use crate::repo::orders::{self as store, OrderRow};
use crate::repo::payments::OrderToPay;
use crate::repo::sessions::Caller;
use crate::{ApiError, AppState};
use api_types::OrderView;
use domain::access::may_follow_order;

/// The caller's view of one order: their acting account's, and for an
/// enterprise either visible to their role (VIS-1) or placed by them.
pub async fn visible_order(state: &AppState, caller: &Caller, id: i64) -> Result<OrderRow, ApiError> {
    let mut conn = state.db.read.acquire().await?;
    let order = store::find(&mut conn, id, caller.account_id(), Lock::None).await?;
    let identity = caller.identity(false);
    order
        .filter(|o| may_follow_order(&identity, o.placed_by == caller.person_id))
        .ok_or_else(|| ApiError::NotFound("no such order".into()))
}

/// What paying reads before the order is held: the order as
/// [`visible_order`] finds it, the account's balance, the order's payment
/// open at the provider and its money to return.
pub async fn visible_for_payment(state: &AppState, caller: &Caller, id: i64) -> Result<OrderToPay, ApiError> {
    let mut conn = state.db.read.acquire().await?;
    let found = crate::repo::payments::order_to_pay(&mut conn, id, caller.account_id()).await?;
    let identity = caller.identity(false);
    found
        .filter(|f| may_follow_order(&identity, f.order.placed_by == caller.person_id))
        .ok_or_else(|| ApiError::NotFound("no such order".into()))
}

/// The order as the caller sees it, with its money to return.
pub async fn order_view(state: &AppState, caller: &Caller, id: i64) -> Result<OrderView, ApiError> {
    view_of(state, visible_order(state, caller, id).await?).await
}

/// The view of an order the caller may see, with its money to return.
pub async fn view_of(state: &AppState, order: OrderRow) -> Result<OrderView, ApiError> {
    let mut conn = state.db.read.acquire().await?;
    let returns = crate::repo::payments::returns_of_account(&mut conn, order.account_id).await?;
    Ok(views::order_with_returns(order, &returns))
}
