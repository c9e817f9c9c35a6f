//! The one error type of the API. Every failure answers
//! `{ "code": "...", "message": "..." }` with the domain's stable codes; the
//! status for each code is decided here and nowhere else.

use api_types::ErrorBody;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::{DomainError, ErrorCode, Lang, Quote};

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A rule refused: every reason, the deciding one first.
    #[error("{}", .0.first().map(|e| e.message(Lang::Zh)).unwrap_or_default())]
    Refused(Vec<DomainError>),
    /// The expected total differs from the fresh quote (PRI-2).
    #[error("{}", ErrorCode::QuoteChanged.message(Lang::Zh))]
    QuoteChanged(Box<Quote>),
    /// Malformed input, naming what was wrong.
    #[error("输入内容有误：{0}")]
    InvalidInput(String),
    /// No such route or resource (also another account's ids).
    #[error("{0}")]
    NotFound(String),
    /// An outside service (the payment provider, the tax platform) is unavailable.
    #[error("外部服务暂时不可用，请稍后重试：{0}")]
    Unavailable(String),
    /// A payment notification that does not verify (forged signature, wrong
    /// key, stale timestamp): 401, and nothing changes.
    #[error("支付通知验证失败：{0}")]
    PaymentNotice(String),
    /// Something on our side failed; the client sees an opaque message and
    /// the cause chain is logged once, with the request's id, by
    /// `http::middleware::log_internal_errors`.
    #[error("服务暂时不可用，请稍后重试。")]
    Internal(anyhow::Error),
    /// Refused before any handler ran, by axum or a tower layer (a path
    /// parameter that does not parse, a body over the limit, a timeout):
    /// its status, in our shape.
    #[error("{message}")]
    Http { status: StatusCode, message: String },
}

/// The cause of an internal error, carried by its response to the
/// middleware that logs it (handlers never log and return).
#[derive(Debug, Clone)]
pub struct InternalCause(pub std::sync::Arc<anyhow::Error>);

impl ApiError {
    /// Something that should not happen happened here (an invariant broke).
    pub fn internal(what: impl std::fmt::Display + Send + Sync + 'static) -> Self {
        ApiError::Internal(anyhow::anyhow!("{what}"))
    }

    /// A refusal with one code.
    pub fn code(code: ErrorCode) -> Self {
        ApiError::Refused(vec![DomainError::new(code)])
    }

    /// The deciding error code.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            Self::Refused(errors) => errors.first().map(|e| e.code).unwrap_or(ErrorCode::InvalidInput),
            Self::QuoteChanged(_) => ErrorCode::QuoteChanged,
            Self::InvalidInput(_) => ErrorCode::InvalidInput,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::PaymentNotice(_) => ErrorCode::Unauthenticated,
            Self::Internal(_) | Self::Unavailable(_) => ErrorCode::InvalidState,
            Self::Http { status, .. } if *status == StatusCode::NOT_FOUND => ErrorCode::NotFound,
            Self::Http { status, .. } if status.is_server_error() => ErrorCode::InvalidState,
            Self::Http { .. } => ErrorCode::InvalidInput,
        }
    }

    /// The HTTP status this error answers with.
    pub fn status_code(&self) -> StatusCode {
        match self {
            Self::Internal(_) => return StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unavailable(_) => return StatusCode::SERVICE_UNAVAILABLE,
            Self::Http { status, .. } => return *status,
            _ => {}
        }
        status_of(self.error_code())
    }
}

/// The status of each code: 400 malformed, 401/403/404 access, 409 conflicts
/// with the current state, 422 business refusals, 429 rate limits.
pub fn status_of(code: ErrorCode) -> StatusCode {
    use ErrorCode as C;
    match code {
        C::InvalidInput | C::InvalidDuration => StatusCode::BAD_REQUEST,
        C::Unauthenticated => StatusCode::UNAUTHORIZED,
        C::Forbidden | C::BalanceNotPermitted => StatusCode::FORBIDDEN,
        C::NotFound => StatusCode::NOT_FOUND,
        C::InvalidState
        | C::QuoteChanged
        | C::AlreadyBound
        | C::AlreadyInvoiced
        | C::ContractAlreadySigned
        | C::TrialAlreadyUsed
        | C::TrialNotFirstUse
        | C::VoucherUsed
        | C::NotRefundable
        | C::DeliveryInProgress
        | C::RefundUnderway
        | C::InvoiceOutstanding
        | C::VerificationPending
        | C::EnterpriseAlreadyVerified => StatusCode::CONFLICT,
        C::TooManyAttempts | C::SendTooOften => StatusCode::TOO_MANY_REQUESTS,
        C::IdempotencyKeyReused
        | C::EnterpriseNotVerified
        | C::MiniProgramLimit
        | C::CloudAccountNotLinked
        | C::PersonDetailsRequired
        | C::IntegrationRequiresProfessional
        | C::NoActiveEdition
        | C::IntegrationExceedsEdition
        | C::DowngradeNotAllowed
        | C::UpgradeTooLate
        | C::TermExceedsLimit
        | C::QuoteRequired
        | C::VoucherExpired
        | C::VoucherMinSpend
        | C::VoucherNotApplicable
        | C::InsufficientBalance
        | C::NotAMember
        | C::EnterpriseHasEdition
        | C::QuotaExhausted
        | C::CodeInvalid
        | C::CodeExpired
        | C::PhoneNotVerified
        | C::TitleIncomplete
        | C::InvoiceAmountExceeded
        | C::CreditCodeInvalid => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        ApiError::Refused(vec![error])
    }
}

impl From<Vec<DomainError>> for ApiError {
    fn from(errors: Vec<DomainError>) -> Self {
        ApiError::Refused(errors)
    }
}

impl From<crate::db::Error> for ApiError {
    fn from(error: crate::db::Error) -> Self {
        ApiError::Internal(anyhow::Error::new(error).context("database"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = (self.status_code(), self.error_code(), self.to_string());
        let mut body = ErrorBody { code, message, field: None, reasons: Vec::new(), quote: None };
        let mut cause = None;
        match self {
            Self::Refused(errors) => {
                body.field = errors.first().and_then(|e| e.field.clone());
                body.reasons = errors;
            }
            Self::QuoteChanged(quote) => body.quote = Some(*quote),
            Self::Internal(internal) => cause = Some(internal),
            _ => {}
        }
        let mut response = (status, Json(body)).into_response();
        if let Some(cause) = cause {
            response.extensions_mut().insert(InternalCause(std::sync::Arc::new(cause)));
        }
        response
    }
}

impl From<domain::basis::Changed> for ApiError {
    fn from(changed: domain::basis::Changed) -> Self {
        match changed {
            domain::basis::Changed::Refused(errors) => ApiError::Refused(errors),
            domain::basis::Changed::Repriced(quote) => ApiError::QuoteChanged(quote),
        }
    }
}
