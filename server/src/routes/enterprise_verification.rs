//! Enterprise verification (企业认证, VER-2), so a person who bought before
//! their enterprise was verified can bind the purchase to it (BND-2):
//! `POST /api/enterprises/{id}/verification` asks, `GET` shows the latest
//! request; operators review them under `/api/ops/verifications`.
//!
//! A member asks, acting as the person or as that enterprise, after a
//! phone code for the purpose `enterprise_verification` (VER-1: the acting
//! identity's phone). The form is checked by the domain before anything is
//! stored, so a code whose check character is wrong never reaches the
//! reviewer. The request is stored `submitted`, then handed to the reviewer
//! (`state.reviewer`); the reviewer's verdict is applied in one
//! transaction: on approval the enterprise is verified under the name it
//! was verified with and the requester becomes its super admin. Every
//! request and decision is audited with who and when.

use crate::db::Lock;
use crate::gateways::review::{Submission, Verdict};
use crate::http::extract::ApiJson;
use crate::repo::audit;
use crate::repo::enterprise_verification as store;
use crate::repo::sessions::{self, Acting, Caller, memberships};
use crate::repo::verification::require_verified;
use crate::{ApiError, AppState};
use api_types::{EnterpriseVerification, RejectVerification, VerificationApplication, VerificationView};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::access::check_operator;
use domain::enterprise_verification::{RejectReason, VerificationForm, check_requester, may_submit};
use domain::identity::Role;
use domain::verification::Purpose;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(submit, status))
        .routes(routes!(for_review))
        .routes(routes!(approve))
        .routes(routes!(reject))
}

/// How many requests the operators' list shows.
const REVIEW_LIST: i64 = 500;

/// Refused (403) unless the caller is an operator; the audit log's name for them.
async fn operator(state: &AppState, caller: &Caller) -> Result<String, ApiError> {
    let mut conn = state.db.read.acquire().await?;
    check_operator(sessions::is_operator(&mut conn, caller.person_id).await?)?;
    Ok(format!("person:{}", caller.person_id))
}

/// VER-2: the caller may ask for (and look at) this enterprise's verification.
async fn requester(state: &AppState, caller: &Caller, enterprise_id: i64) -> Result<(), ApiError> {
    let joined = memberships(&state.db, caller.person_id).await?;
    let acting = match &caller.acting {
        Acting::Person => None,
        Acting::Enterprise { enterprise_id, .. } => Some(*enterprise_id),
    };
    Ok(check_requester(&joined, enterprise_id, acting)?)
}

/// Hides who decided from the requester: that is the operators' business.
fn for_requester(mut request: VerificationView) -> VerificationView {
    request.decided_by = None;
    request
}

async fn current(state: &AppState, enterprise_id: i64) -> Result<EnterpriseVerification, ApiError> {
    let mut conn = state.db.read.acquire().await?;
    let (enterprise_name, verified) = store::enterprise(&mut conn, enterprise_id, Lock::None)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no enterprise {enterprise_id}")))?;
    let request = store::latest(&mut conn, enterprise_id).await?.map(for_requester);
    Ok(EnterpriseVerification { enterprise_id, enterprise_name, verified, request })
}

/// VER-2: asks for the enterprise to be verified. Refused when it is
/// verified already or a request of it is under review; after a rejection
/// it may ask again.
#[utoipa::path(
    post,
    path = "/enterprises/{id}/verification",
    tag = "verification",
    security(("session" = [])),
    params(("id" = i64, Path, description = "The enterprise")),
    request_body = VerificationApplication,
    responses(
        (status = 201, description = "Submitted: the request is under review", body = EnterpriseVerification),
        (status = 400, description = "`invalid_input` (name 2–60 characters, legal representative 2–30)", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`forbidden`: acting as another enterprise", body = api_types::ErrorBody),
        (status = 409, description = "`enterprise_already_verified`, `verification_pending`", body = api_types::ErrorBody),
        (status = 422, description = "`not_a_member`, `credit_code_invalid` (GB 32100-2015 check character), \
                                      `phone_not_verified` (a code for `enterprise_verification` first)", body = api_types::ErrorBody),
        (status = 503, description = "The reviewer is unavailable; nothing was submitted", body = api_types::ErrorBody),
    ),
)]
async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<VerificationApplication>,
) -> Result<(StatusCode, Json<EnterpriseVerification>), ApiError> {
    requester(&state, &caller, id).await?;
    let form = VerificationForm::parse(&body.name, &body.credit_code, &body.legal_representative)?;
    let now = state.clock.now();
    let actor = format!("person:{}", caller.person_id);
    let mut tx = state.db.begin().await?;
    require_verified(&mut tx, &caller, Purpose::EnterpriseVerification, now).await?;
    // The enterprise's row is the lock two members asking at once queue on.
    let (_, verified) = store::enterprise(&mut tx, id, state.db.for_update())
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no enterprise {id}")))?;
    let latest = store::latest(&mut tx, id).await?;
    may_submit(verified, latest.map(|r| r.status))?;
    let request_id = store::insert(&mut tx, id, caller.person_id, &form, now).await?;
    let account = store::account_of(&mut tx, id).await?;
    let detail = json!({
        "request_id": request_id,
        "enterprise_id": id,
        "name": form.name,
        "credit_code": form.credit_code,
        "legal_representative": form.legal_representative,
    });
    audit::append(&mut tx, now, &actor, Some(account), None, "enterprise.verification_requested", &detail).await?;
    tx.commit().await?;

    if let Err(e) = state.reviewer.submit(&Submission { request_id, form }).await {
        // Not taken: the request is forgotten, so the member can ask again.
        let mut tx = state.db.begin().await?;
        store::delete(&mut tx, request_id).await?;
        let detail = json!({ "request_id": request_id, "error": e.to_string() });
        audit::append(&mut tx, now, &actor, Some(account), None, "enterprise.verification_not_taken", &detail).await?;
        tx.commit().await?;
        return Err(ApiError::Unavailable(e.to_string()));
    }
    tracing::info!(enterprise.id = id, request.id = request_id, "enterprise verification requested");
    Ok((StatusCode::CREATED, Json(current(&state, id).await?)))
}

/// VER-2: the enterprise, whether it is verified, and its latest request
/// (审核中 / 已认证 / 未通过 with the reason).
#[utoipa::path(
    get,
    path = "/enterprises/{id}/verification",
    tag = "verification",
    security(("session" = [])),
    params(("id" = i64, Path, description = "The enterprise")),
    responses(
        (status = 200, description = "Its verification", body = EnterpriseVerification),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`forbidden`: acting as another enterprise", body = api_types::ErrorBody),
        (status = 422, description = "`not_a_member`", body = api_types::ErrorBody),
    ),
)]
async fn status(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<EnterpriseVerification>, ApiError> {
    requester(&state, &caller, id).await?;
    Ok(Json(current(&state, id).await?))
}

/// Operators: every verification request, those waiting for a decision
/// first (oldest first), then the decided ones (newest first).
#[utoipa::path(
    get,
    path = "/ops/verifications",
    tag = "ops",
    security(("session" = [])),
    responses(
        (status = 200, description = "The requests, pending first", body = Vec<VerificationView>),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`forbidden`: not an operator", body = api_types::ErrorBody),
    ),
)]
async fn for_review(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<VerificationView>>, ApiError> {
    operator(&state, &caller).await?;
    let mut conn = state.db.read.acquire().await?;
    Ok(Json(store::for_review(&mut conn, REVIEW_LIST).await?))
}

/// Gives the operator's verdict to the reviewer and applies the verdict it
/// holds: the first one given, so two operators at once make one decision
/// (the later is `invalid_state`).
async fn decide(state: &AppState, actor: &str, id: i64, verdict: Verdict) -> Result<VerificationView, ApiError> {
    let not_found = || ApiError::NotFound(format!("no verification request {id}"));
    {
        let mut conn = state.db.read.acquire().await?;
        let request = store::find(&mut conn, id, Lock::None).await?.ok_or_else(not_found)?;
        request.status.apply(verdict.event())?;
    }
    let held = state.reviewer.decide(id, &verdict).await.map_err(|e| ApiError::Unavailable(e.to_string()))?;
    if held.event() != verdict.event() {
        return Err(ApiError::code(domain::ErrorCode::InvalidState));
    }
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let lock = state.db.for_update();
    let request = store::find(&mut tx, id, lock).await?.ok_or_else(not_found)?;
    let event = held.event();
    request.status.apply(event)?;
    if !store::decide(&mut tx, id, event, actor, now, held.reason()).await? {
        return Err(ApiError::code(domain::ErrorCode::InvalidState));
    }
    let account = store::account_of(&mut tx, request.enterprise_id).await?;
    let mut detail = json!({
        "request_id": id,
        "enterprise_id": request.enterprise_id,
        "requested_by": request.requested_by,
        "decided_at": now,
    });
    let name = match &held {
        Verdict::Approve => {
            store::enterprise(&mut tx, request.enterprise_id, lock).await?;
            store::mark_verified(&mut tx, request.enterprise_id, &request.name).await?;
            let roles =
                store::grant_role(&mut tx, request.requested_by, request.enterprise_id, Role::SuperAdmin, lock).await?;
            detail["name"] = json!(request.name);
            detail["credit_code"] = json!(request.credit_code);
            detail["requester_roles"] = json!(roles);
            "enterprise.verified"
        }
        Verdict::Reject(reason) => {
            detail["reason"] = json!(reason.as_str());
            "enterprise.verification_rejected"
        }
    };
    audit::append(&mut tx, now, actor, Some(account), None, name, &detail).await?;
    let decided = store::find(&mut tx, id, Lock::None).await?.ok_or_else(not_found)?;
    tx.commit().await?;
    if matches!(held, Verdict::Approve) {
        // Sessions in memory carry the enterprise's verification and the
        // members' roles; after the commit, so no read of before is kept.
        state.db.sessions.forget_all();
    }
    tracing::info!(request.id = id, enterprise.id = request.enterprise_id, event = name, "verification decided");
    Ok(decided)
}

/// Operators: approves a request under review. In one transaction the
/// enterprise is verified, takes the verified name, and the requester
/// becomes its super admin; their personal purchases can then be bound to it.
#[utoipa::path(
    post,
    path = "/ops/verifications/{id}/approve",
    tag = "ops",
    security(("session" = [])),
    params(("id" = i64, Path, description = "The verification request")),
    responses(
        (status = 200, description = "Approved", body = VerificationView),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`forbidden`: not an operator", body = api_types::ErrorBody),
        (status = 404, description = "`not_found`: no such request", body = api_types::ErrorBody),
        (status = 409, description = "`invalid_state`: decided already", body = api_types::ErrorBody),
        (status = 503, description = "The reviewer is unavailable; nothing changed", body = api_types::ErrorBody),
    ),
)]
async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<VerificationView>, ApiError> {
    let actor = operator(&state, &caller).await?;
    Ok(Json(decide(&state, &actor, id, Verdict::Approve).await?))
}

/// Operators: rejects a request under review with a reason the requester
/// sees; the enterprise may then ask again.
#[utoipa::path(
    post,
    path = "/ops/verifications/{id}/reject",
    tag = "ops",
    security(("session" = [])),
    params(("id" = i64, Path, description = "The verification request")),
    request_body = RejectVerification,
    responses(
        (status = 200, description = "Rejected", body = VerificationView),
        (status = 400, description = "`invalid_input`: a reason of 2–200 characters", body = api_types::ErrorBody),
        (status = 401, description = "`unauthenticated`", body = api_types::ErrorBody),
        (status = 403, description = "`forbidden`: not an operator", body = api_types::ErrorBody),
        (status = 404, description = "`not_found`: no such request", body = api_types::ErrorBody),
        (status = 409, description = "`invalid_state`: decided already", body = api_types::ErrorBody),
        (status = 503, description = "The reviewer is unavailable; nothing changed", body = api_types::ErrorBody),
    ),
)]
async fn reject(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<RejectVerification>,
) -> Result<Json<VerificationView>, ApiError> {
    let actor = operator(&state, &caller).await?;
    let reason = RejectReason::parse(&body.reason)?;
    Ok(Json(decide(&state, &actor, id, Verdict::Reject(reason)).await?))
}
