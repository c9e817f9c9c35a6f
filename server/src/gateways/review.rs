//! The enterprise verification reviewer (VER-2) behind a trait, and the
//! bundled one. A real reviewer (a business-registry check with people
//! behind it) takes a request, works on it for a while and reaches a
//! verdict of its own; the server applies the verdict the reviewer holds,
//! never one of its own. The bundled reviewer queues each request in the
//! `sandbox_reviews` table and holds it there until its reviewer decides:
//! in development that is an operator, through `POST
//! /api/ops/verifications/{id}/approve` or `/reject`. It never says yes by
//! itself, and it holds the first verdict given: a second one (two
//! operators at once) is answered with the first.

use crate::clock::{Clock, to_ms};
use crate::db::Db;
use crate::gateways::payment::BoxFuture;
use domain::enterprise_verification::{RejectReason, RequestEvent, VerificationForm};
use std::sync::Arc;

/// A request handed to the reviewer: the product's id for it, and what to check.
#[derive(Debug, Clone)]
pub struct Submission {
    pub request_id: i64,
    pub form: VerificationForm,
}

/// A reviewer's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Approve,
    Reject(RejectReason),
}

impl Verdict {
    /// The request's event this verdict is.
    pub fn event(&self) -> RequestEvent {
        match self {
            Verdict::Approve => RequestEvent::Approve,
            Verdict::Reject(_) => RequestEvent::Reject,
        }
    }

    /// The reason given with a rejection.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Verdict::Approve => None,
            Verdict::Reject(reason) => Some(reason.as_str()),
        }
    }
}

/// Why the reviewer did not take a request or a verdict.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("the verification reviewer is unavailable: {0}")]
    Unavailable(String),
    #[error("the verification reviewer does not know request {0}")]
    Unknown(i64),
}

impl From<crate::db::Error> for ReviewError {
    fn from(error: crate::db::Error) -> Self {
        ReviewError::Unavailable(error.to_string())
    }
}

/// Reviews enterprise verification requests (VER-2).
pub trait Reviewer: Send + Sync + std::fmt::Debug {
    /// Takes a request for review; the verdict comes later. Taking the same
    /// request again changes nothing.
    fn submit<'a>(&'a self, submission: &'a Submission) -> BoxFuture<'a, Result<(), ReviewError>>;

    /// Gives the reviewer's verdict on a request it holds, and answers the
    /// verdict it holds now: this one, or the one given first.
    fn decide<'a>(&'a self, request_id: i64, verdict: &'a Verdict) -> BoxFuture<'a, Result<Verdict, ReviewError>>;
}

/// The bundled reviewer: a queue in the database, decided by an operator.
#[derive(Debug, Clone)]
pub struct QueueReviewer {
    db: Db,
    clock: Arc<dyn Clock>,
}

impl QueueReviewer {
    /// A queue in `db`, stamped with `clock`.
    pub fn new(db: Db, clock: Arc<dyn Clock>) -> Self {
        Self { db, clock }
    }
}

const QUEUED: &str = "queued";
const APPROVED: &str = "approved";
const REJECTED: &str = "rejected";

impl Reviewer for QueueReviewer {
    fn submit<'a>(&'a self, submission: &'a Submission) -> BoxFuture<'a, Result<(), ReviewError>> {
        Box::pin(async move {
            let form = &submission.form;
            crate::db::query(
                "INSERT INTO sandbox_reviews (out_request_no, name, credit_code, legal_representative, status, queued_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (out_request_no) DO NOTHING",
            )
            .bind(submission.request_id.to_string())
            .bind(&form.name)
            .bind(form.credit_code.as_str())
            .bind(&form.legal_representative)
            .bind(QUEUED)
            .bind(to_ms(self.clock.now()))
            .execute(&self.db.write)
            .await?;
            tracing::info!(request.id = submission.request_id, "verification request queued for review");
            Ok(())
        })
    }

    fn decide<'a>(&'a self, request_id: i64, verdict: &'a Verdict) -> BoxFuture<'a, Result<Verdict, ReviewError>> {
        Box::pin(async move {
            let status = match verdict {
                Verdict::Approve => APPROVED,
                Verdict::Reject(_) => REJECTED,
            };
            crate::db::query(
                "UPDATE sandbox_reviews SET status = $1, reason = $2, decided_at = $3 \
                 WHERE out_request_no = $4 AND status = $5",
            )
            .bind(status)
            .bind(verdict.reason())
            .bind(to_ms(self.clock.now()))
            .bind(request_id.to_string())
            .bind(QUEUED)
            .execute(&self.db.write)
            .await?;
            let row = crate::db::query("SELECT status, reason FROM sandbox_reviews WHERE out_request_no = $1")
                .bind(request_id.to_string())
                .fetch_optional(&self.db.write)
                .await?
                .ok_or(ReviewError::Unknown(request_id))?;
            let held: String = row.try_get("status")?;
            match held.as_str() {
                APPROVED => Ok(Verdict::Approve),
                REJECTED => {
                    let reason: Option<String> = row.try_get("reason")?;
                    RejectReason::parse(reason.as_deref().unwrap_or_default())
                        .map(Verdict::Reject)
                        .map_err(|e| ReviewError::Unavailable(format!("stored reason of request {request_id}: {e}")))
                }
                other => Err(ReviewError::Unavailable(format!("request {request_id} still {other}"))),
            }
        })
    }
}
