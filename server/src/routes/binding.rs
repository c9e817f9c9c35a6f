//! Personal purchases and binding them to an enterprise (BND-1..5):
//! `GET /api/me/orders` (the person's paid, unbound orders) and
//! `POST /api/orders/{id}/bind {enterprise_id}`; and the details a first
//! personal purchase in the mini-program needs (BND-3), checked when the
//! order is placed.
//!
//! Binding is done as the person (ID-4: the orders are the person's
//! account's); acting as an enterprise it is `forbidden`. In one transaction
//! the order becomes bound, the person's account loses what the order
//! delivered and the enterprise's receives it, planned by
//! `domain::binding::plan_binding` from the original payment time (BND-1),
//! and the audit log gets `order.bound` (BND-5).

use crate::db::Lock;
use crate::http::extract::ApiJson;
use crate::repo::accounts::{account_state, reserve_grant_numbers, save_grant_numbers, save_state};
use crate::repo::bindings as store;
use crate::repo::ledger::{append_ledger, ledger};
use crate::repo::orders;
use crate::repo::sessions::{Acting, Caller, memberships};
use crate::{ApiError, AppState};
use api_types::OrderView;
use api_types::{BindRequest, Bound};
use axum::Json;
use axum::extract::{Path, State};
use domain::ErrorCode;
use domain::binding::{BindingInput, plan_binding};
use domain::identity::AccountState;
use domain::ledger::history::MoveCause;
use domain::order::OrderStatus;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(my_orders)).routes(routes!(bind_order))
}

fn person_only(caller: &Caller) -> Result<(), ApiError> {
    match caller.acting {
        Acting::Person => Ok(()),
        Acting::Enterprise { .. } => Err(ApiError::code(ErrorCode::Forbidden)),
    }
}

/// My Orders (我的订单): the person's paid orders not bound yet, newest first.
#[utoipa::path(
    get,
    path = "/me/orders",
    tag = "binding",
    security(("session" = [])),
    responses(
        (status = 200, description = "Paid, unbound personal orders (delivered ones can be bound)", body = Vec<OrderView>),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`forbidden`: acting as an enterprise; act as the person", body = api_types::ErrorBody),
    ),
)]
async fn my_orders(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<OrderView>>, ApiError> {
    person_only(&caller)?;
    let mut conn = state.db.read.acquire().await?;
    let mine = orders::list(&mut conn, caller.person_account_id, None).await?;
    let unbound = mine.into_iter().filter(|o| o.status.keeps_payment() && o.status != OrderStatus::Bound);
    Ok(Json(unbound.map(OrderView::from).collect()))
}

/// BND-2: moves a paid, unbound personal order to a verified enterprise the
/// person joined; its validity keeps the start it had at payment (BND-1).
#[utoipa::path(
    post,
    path = "/orders/{id}/bind",
    tag = "binding",
    security(("session" = [])),
    params(("id" = i64, Path, description = "The personal order's id")),
    request_body = BindRequest,
    responses(
        (status = 200, description = "Bound: the purchase now belongs to the enterprise", body = Bound),
        (status = 400, description = "`invalid_input`", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`forbidden`: acting as an enterprise; act as the person", body = api_types::ErrorBody),
        (status = 404, description = "`not_found`: no such order of the person", body = api_types::ErrorBody),
        (status = 409, description = "`already_bound`, `already_invoiced` (invoiced to the person), `invalid_state` (not delivered yet, or an upgrade of the person's own edition)", body = api_types::ErrorBody),
        (status = 422, description = "`not_a_member`, `enterprise_not_verified`, `enterprise_has_edition`, `no_active_edition`, `integration_requires_professional`", body = api_types::ErrorBody),
    ),
)]
async fn bind_order(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<BindRequest>,
) -> Result<Json<Bound>, ApiError> {
    person_only(&caller)?;
    let joined = memberships(&state.db, caller.person_id).await?;
    let now = state.clock.now();
    let person_account = caller.person_account_id;
    let lock = state.db.for_update();
    let mut tx = state.db.begin().await?;
    // Locks in the order every writer uses: the order, then the accounts
    // (the enterprise's before the person's).
    let order = orders::find(&mut tx, id, person_account, lock)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such order".into()))?;
    let invoiced = crate::repo::invoices::holder(&mut tx, id).await?.is_some();
    let enterprise_account = store::enterprise_account(&mut tx, body.enterprise_id).await?;
    let (enterprise_state, enterprise_ledger) = match enterprise_account {
        Some(account) => (account_state(&mut tx, account, lock).await?, ledger(&mut tx, account).await?),
        None => (AccountState::default(), Vec::new()),
    };
    let person_state = account_state(&mut tx, person_account, lock).await?;
    let person_ledger = ledger(&mut tx, person_account).await?;
    let order_grants = store::order_grants(&mut tx, person_account, id).await?;
    let mut issued = match enterprise_account {
        Some(account) => reserve_grant_numbers(&mut tx, account).await?,
        None => 0,
    };
    let input = BindingInput {
        status: order.status,
        quote: &order.quote,
        paid_at: order.paid_at.unwrap_or(now),
        memberships: &joined,
        enterprise_id: body.enterprise_id,
        enterprise_account: &enterprise_state,
        enterprise_ledger: &enterprise_ledger,
        person_account: &person_state,
        person_ledger: &person_ledger,
        order_grants: &order_grants,
        invoiced,
        now,
    };
    let plan = plan_binding(&input, &mut || {
        issued += 1;
        issued
    })?;
    // A member of the enterprise implies the enterprise exists.
    let enterprise_account =
        enterprise_account.ok_or_else(|| ApiError::internal("a joined enterprise without an account"))?;
    if plan.status != OrderStatus::Bound
        || !store::mark_bound(&mut tx, id, caller.person_id, body.enterprise_id, enterprise_account, now).await?
    {
        return Err(ApiError::code(ErrorCode::AlreadyBound));
    }
    save_state(&mut tx, person_account, &plan.person.account).await?;
    append_ledger(&mut tx, person_account, Some(id), &plan.person.entries, (MoveCause::Binding, now)).await?;
    save_state(&mut tx, enterprise_account, &plan.enterprise.account).await?;
    append_ledger(&mut tx, enterprise_account, Some(id), &plan.enterprise.entries, (MoveCause::Binding, now)).await?;
    save_grant_numbers(&mut tx, enterprise_account, issued).await?;
    let detail = serde_json::json!({
        "from_person_id": caller.person_id,
        "from_account_id": person_account,
        "to_enterprise_id": body.enterprise_id,
        "to_account_id": enterprise_account,
        "paid_at": order.paid_at,
        "edition": plan.enterprise.account.edition.as_ref().map(|t| t.edition),
        "grants_moved": order_grants,
    });
    crate::repo::audit::append(
        &mut tx,
        now,
        &format!("person:{}", caller.person_id),
        Some(enterprise_account),
        Some(id),
        "order.bound",
        &detail,
    )
    .await?;
    let order = orders::find(&mut tx, id, person_account, Lock::None)
        .await?
        .ok_or_else(|| ApiError::internal("order vanished"))?;
    tx.commit().await?;
    state.order_changed(id);
    tracing::info!(order.id = id, enterprise.id = body.enterprise_id, "personal order bound");
    Ok(Json(Bound { order: order.into(), enterprise_id: body.enterprise_id, bound_at: now }))
}
