//! Contracts against the quota (QUO-2, QUO-5): initiating one draws a
//! contract from the grant that expires first; withdrawing an unsigned one
//! gives it back to that grant (cleared with it when it has expired); a
//! signed one cannot be withdrawn. Each move is in the ledger and the audit log.

use crate::db::Lock;
use crate::http::extract::ApiJson;
use crate::repo::contracts::{self as store, ContractRow, NewContract};
use crate::repo::ledger::{self, draw_one, give_one_back, locked_ledger};
use crate::repo::sessions::Caller;
use crate::{ApiError, AppState};
use api_types::{ContractView, Initiate};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use domain::ledger::ContractStatus;
use domain::ledger::history::MoveCause;
use domain::{DomainError, ErrorCode, Instant, QuotaKind};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(initiate, list))
        .routes(routes!(get_contract))
        .routes(routes!(sign))
        .routes(routes!(withdraw))
}

impl From<ContractRow> for ContractView {
    fn from(c: ContractRow) -> Self {
        ContractView {
            id: c.id,
            title: c.title,
            status: c.status,
            initiated_by: c.initiated_by,
            grant: c.grant,
            created_at: c.created_at,
            signed_at: c.signed_at,
            withdrawn_at: c.withdrawn_at,
        }
    }
}

/// A contract's title: 1–200 characters once trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Title(String);

impl Title {
    const MAX_CHARS: usize = 200;

    fn parse(raw: &str) -> Result<Title, DomainError> {
        let title = raw.trim();
        if title.is_empty() || title.chars().count() > Self::MAX_CHARS {
            return Err(DomainError::invalid("title"));
        }
        Ok(Title(title.to_owned()))
    }
}

fn actor(caller: &Caller) -> String {
    format!("person:{}", caller.person_id)
}

/// The optional `Idempotency-Key` header: the same key initiates one contract.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else { return Ok(None) };
    match value.to_str().map(str::trim) {
        Ok(key) if !key.is_empty() && key.len() <= 128 => Ok(Some(key.to_owned())),
        _ => Err(ApiError::InvalidInput("the Idempotency-Key header must have 1–128 characters".into())),
    }
}

/// Initiates a contract (QUO-2, QUO-5): draws one contract from the grant
/// that expires first, under the account's lock, or refuses and changes nothing.
#[utoipa::path(
    post,
    path = "/contracts",
    tag = "contracts",
    security(("session" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Optional, 1–128 characters: a retry with the same key answers the same contract")),
    request_body = Initiate,
    responses(
        (status = 201, description = "Initiated; one contract drawn", body = ContractView),
        (status = 200, description = "A retry: the contract this key initiated", body = ContractView),
        (status = 400, description = "`invalid_input` (malformed body, a title that is empty or too long, a bad key)", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 422, description = "`quota_exhausted`: no contract left; `idempotency_key_reused`: same key, another title", body = api_types::ErrorBody),
    ),
)]
async fn initiate(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Initiate>,
) -> Result<(StatusCode, Json<ContractView>), ApiError> {
    let title = Title::parse(&body.title)?;
    let key = idempotency_key(&headers)?;
    let now = state.clock.now();
    let account_id = caller.account_id();
    let mut tx = state.db.begin().await?;
    if let Some(key) = &key {
        // Under the account's lock, so two submits with one key cannot both draw.
        locked_ledger(&mut tx, &state.db, account_id).await?;
        if let Some(existing) = store::find_by_key(&mut tx, account_id, caller.person_id, key).await? {
            tx.rollback().await?;
            if existing.title != title.0 {
                return Err(ApiError::code(ErrorCode::IdempotencyKeyReused));
            }
            return Ok((StatusCode::OK, Json(existing.into())));
        }
    }
    let (grant, _) = draw_one(&mut tx, &state.db, account_id, (QuotaKind::Contracts, MoveCause::Contract), now).await?;
    let new = NewContract {
        account_id,
        initiated_by: caller.person_id,
        title: &title.0,
        grant,
        idempotency_key: key.as_deref(),
        created_at: now,
    };
    let id = store::insert(&mut tx, &new).await?;
    let detail = serde_json::json!({ "contract": id, "kind": QuotaKind::Contracts, "grant": grant, "amount": 1 });
    ledger::audit(&mut tx, now, &actor(&caller), account_id, "contract.initiated", &detail).await?;
    let contract = store::find(&mut tx, id, account_id, Lock::None)
        .await?
        .ok_or_else(|| ApiError::internal("contract vanished"))?;
    tx.commit().await?;
    tracing::info!(contract.id = id, account.id = account_id, grant, "contract initiated");
    Ok((StatusCode::CREATED, Json(contract.into())))
}

/// The acting account's contracts, newest first (at most 200).
#[utoipa::path(
    get,
    path = "/contracts",
    tag = "contracts",
    security(("session" = [])),
    responses(
        (status = 200, description = "The contracts", body = Vec<ContractView>),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
    ),
)]
async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<ContractView>>, ApiError> {
    let mut conn = state.db.read.acquire().await?;
    let contracts = store::list(&mut conn, caller.account_id()).await?;
    Ok(Json(contracts.into_iter().map(ContractView::from).collect()))
}

fn not_found() -> ApiError {
    ApiError::NotFound("no such contract".into())
}

/// One of the acting account's contracts.
#[utoipa::path(
    get,
    path = "/contracts/{id}",
    tag = "contracts",
    security(("session" = [])),
    params(("id" = i64, Path, description = "The contract's id")),
    responses(
        (status = 200, description = "The contract", body = ContractView),
        (status = 400, description = "`invalid_input`: the id is not a number", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 404, description = "`not_found`: no such contract for this account", body = api_types::ErrorBody),
    ),
)]
async fn get_contract(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<ContractView>, ApiError> {
    let mut conn = state.db.read.acquire().await?;
    let contract = store::find(&mut conn, id, caller.account_id(), Lock::None).await?.ok_or_else(not_found)?;
    Ok(Json(contract.into()))
}

/// Completes the contract's signing; it can no longer be withdrawn.
#[utoipa::path(
    post,
    path = "/contracts/{id}/sign",
    tag = "contracts",
    security(("session" = [])),
    params(("id" = i64, Path, description = "The contract's id")),
    responses(
        (status = 200, description = "Signed", body = ContractView),
        (status = 400, description = "`invalid_input`: the id is not a number", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 404, description = "`not_found`", body = api_types::ErrorBody),
        (status = 409, description = "`invalid_state`: already signed or withdrawn", body = api_types::ErrorBody),
    ),
)]
async fn sign(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<ContractView>, ApiError> {
    let now = state.clock.now();
    let account_id = caller.account_id();
    let mut tx = state.db.begin().await?;
    let contract = store::find(&mut tx, id, account_id, state.db.for_update()).await?.ok_or_else(not_found)?;
    let step = Step { caller: &caller, contract: &contract, now };
    step.change(&mut tx, contract.status.sign()?).await?;
    let contract = step.record(&mut tx, "contract.signed", serde_json::json!({ "contract": id })).await?;
    tx.commit().await?;
    Ok(Json(contract.into()))
}

/// One change of a contract's status inside its transaction.
struct Step<'a> {
    caller: &'a Caller,
    contract: &'a ContractRow,
    now: Instant,
}

impl Step<'_> {
    /// Moves the contract on to `to` if its status is still the one read.
    async fn change(&self, tx: &mut crate::db::Conn, to: ContractStatus) -> Result<(), ApiError> {
        if store::transition(tx, self.contract.id, self.contract.status, to, self.now).await? {
            Ok(())
        } else {
            Err(ApiError::code(ErrorCode::InvalidState))
        }
    }

    /// Audits the change as `event` and reads the contract as it now is.
    async fn record(
        &self,
        tx: &mut crate::db::Conn,
        event: &str,
        detail: serde_json::Value,
    ) -> Result<ContractRow, ApiError> {
        let account_id = self.contract.account_id;
        ledger::audit(tx, self.now, &actor(self.caller), account_id, event, &detail).await?;
        store::find(tx, self.contract.id, account_id, Lock::None).await?.ok_or_else(not_found)
    }
}

/// Withdraws an unsigned contract (QUO-2): its contract returns to the grant
/// it came from, cleared with that grant when it has expired.
#[utoipa::path(
    post,
    path = "/contracts/{id}/withdraw",
    tag = "contracts",
    security(("session" = [])),
    params(("id" = i64, Path, description = "The contract's id")),
    responses(
        (status = 200, description = "Withdrawn; its contract given back", body = ContractView),
        (status = 400, description = "`invalid_input`: the id is not a number", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 404, description = "`not_found`", body = api_types::ErrorBody),
        (status = 409, description = "`contract_already_signed`; `invalid_state`: already withdrawn", body = api_types::ErrorBody),
    ),
)]
async fn withdraw(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<ContractView>, ApiError> {
    let now = state.clock.now();
    let account_id = caller.account_id();
    let mut tx = state.db.begin().await?;
    // The account first, then the contract: the one lock order of quota moves.
    let entries = locked_ledger(&mut tx, &state.db, account_id).await?;
    let contract = store::find(&mut tx, id, account_id, state.db.for_update()).await?.ok_or_else(not_found)?;
    let step = Step { caller: &caller, contract: &contract, now };
    step.change(&mut tx, contract.status.withdraw()?).await?;
    let cleared = give_one_back(&mut tx, account_id, &entries, contract.grant, now).await?;
    let detail = serde_json::json!({
        "contract": id, "kind": QuotaKind::Contracts, "grant": contract.grant, "amount": 1, "cleared": cleared,
    });
    let contract = step.record(&mut tx, "contract.withdrawn", detail).await?;
    tx.commit().await?;
    tracing::info!(contract.id = id, account.id = account_id, cleared, "contract withdrawn");
    Ok(Json(contract.into()))
}
