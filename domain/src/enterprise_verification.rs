//! Enterprise verification (企业认证, VER-2): what a member asks with (the
//! enterprise's name, its unified social credit code, its legal
//! representative), the request's life as one table of transitions, and who
//! may ask again. The reviewer's verdict comes from outside; this module only
//! says which verdicts and requests may follow which.

use crate::credit_code::CreditCode;
use crate::error::{DomainError, ErrorCode};
use crate::identity::Membership;
use serde::{Deserialize, Serialize};

/// Characters in an enterprise's name, as registered.
pub const NAME_CHARS: std::ops::RangeInclusive<usize> = 2..=60;
/// Characters in the legal representative's name.
pub const LEGAL_REPRESENTATIVE_CHARS: std::ops::RangeInclusive<usize> = 2..=30;
/// Characters in a reviewer's reason for refusing.
pub const REASON_CHARS: std::ops::RangeInclusive<usize> = 2..=200;

/// `text` trimmed, if its length in characters is in `range` and it holds no control character.
fn text_in(text: &str, range: &std::ops::RangeInclusive<usize>, field: &str) -> Result<String, DomainError> {
    let text = text.trim();
    if range.contains(&text.chars().count()) && !text.chars().any(char::is_control) {
        Ok(text.to_owned())
    } else {
        Err(DomainError::invalid(field))
    }
}

/// What a verification request asks to be checked, valid by construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationForm {
    pub name: String,
    pub credit_code: CreditCode,
    pub legal_representative: String,
}

impl VerificationForm {
    /// Parses the form as typed; every field that is wrong is returned,
    /// in the form's order (`name`, `credit_code`, `legal_representative`).
    pub fn parse(name: &str, credit_code: &str, legal_representative: &str) -> Result<Self, Vec<DomainError>> {
        let name = text_in(name, &NAME_CHARS, "name");
        let credit_code = CreditCode::parse(credit_code);
        let legal_representative = text_in(legal_representative, &LEGAL_REPRESENTATIVE_CHARS, "legal_representative");
        match (name, credit_code, legal_representative) {
            (Ok(name), Ok(credit_code), Ok(legal_representative)) => {
                Ok(VerificationForm { name, credit_code, legal_representative })
            }
            (name, code, legal) => Err([name.err(), code.err(), legal.err()].into_iter().flatten().collect()),
        }
    }
}

/// Why a reviewer refused a request, shown to the requester.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectReason(String);

impl RejectReason {
    /// Parses a reason: 2–200 characters, or `invalid_input` naming `reason`.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        text_in(text, &REASON_CHARS, "reason").map(RejectReason)
    }

    /// The reason.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a verification request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RequestStatus {
    /// Waiting for the reviewer (审核中).
    Submitted,
    /// The enterprise is verified (已认证).
    Approved,
    /// Refused, with a reason (未通过); the enterprise may ask again.
    Rejected,
}

/// What can happen to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestEvent {
    Approve,
    Reject,
}

use RequestStatus as S;

impl RequestStatus {
    /// Every state.
    pub const ALL: [RequestStatus; 3] = [S::Submitted, S::Approved, S::Rejected];

    /// The state after `event`, or `invalid_state`: only a submitted request is decided, once.
    pub fn apply(self, event: RequestEvent) -> Result<RequestStatus, DomainError> {
        let (from, to) = event.transition();
        if from.contains(&self) { Ok(to) } else { Err(DomainError::new(ErrorCode::InvalidState)) }
    }
}

impl RequestEvent {
    /// Every event.
    pub const ALL: [RequestEvent; 2] = [RequestEvent::Approve, RequestEvent::Reject];

    /// VER-2 as a table: the states this event may leave, and the state it reaches.
    pub fn transition(self) -> (&'static [RequestStatus], RequestStatus) {
        match self {
            RequestEvent::Approve => (&[S::Submitted], S::Approved),
            RequestEvent::Reject => (&[S::Submitted], S::Rejected),
        }
    }

    /// The states this event may leave.
    pub fn from(self) -> &'static [RequestStatus] {
        self.transition().0
    }

    /// The state this event reaches.
    pub fn to(self) -> RequestStatus {
        self.transition().1
    }
}

/// VER-2: whether a new request may be submitted for an enterprise, given
/// whether it is verified and its latest request. A verified enterprise is
/// never asked again (`enterprise_already_verified`); one request waits at
/// a time (`verification_pending`); after a refusal, a new one may follow.
pub fn may_submit(enterprise_verified: bool, latest: Option<RequestStatus>) -> Result<(), DomainError> {
    match (enterprise_verified, latest) {
        (true, _) | (false, Some(S::Approved)) => Err(DomainError::new(ErrorCode::EnterpriseAlreadyVerified)),
        (false, Some(S::Submitted)) => Err(DomainError::new(ErrorCode::VerificationPending)),
        (false, Some(S::Rejected) | None) => Ok(()),
    }
}

/// VER-2 **decision**: a member of the enterprise asks, whatever their role,
/// acting as the person (the seeds' path before verification) or as that
/// enterprise; acting as another enterprise is `forbidden`, and anyone who
/// has not joined it is `not_a_member` (an enterprise that does not exist
/// answers the same, so ids reveal nothing).
pub fn check_requester(
    memberships: &[Membership],
    enterprise_id: i64,
    acting_enterprise: Option<i64>,
) -> Result<(), DomainError> {
    if !memberships.iter().any(|m| m.enterprise_id == enterprise_id) {
        return Err(DomainError::new(ErrorCode::NotAMember));
    }
    match acting_enterprise {
        Some(acting) if acting != enterprise_id => Err(DomainError::new(ErrorCode::Forbidden)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RequestEvent as E;

    const CODE: &str = "91350100M000100Y43";

    #[test]
    fn ver_2_the_legal_decisions_and_nothing_else() {
        let legal = [(S::Submitted, E::Approve, S::Approved), (S::Submitted, E::Reject, S::Rejected)];
        for from in S::ALL {
            for event in E::ALL {
                let expected = legal.iter().find(|(f, e, _)| *f == from && *e == event).map(|(_, _, to)| *to);
                assert_eq!(from.apply(event).ok(), expected, "{from:?} --{event:?}-->");
                if expected.is_none() {
                    assert_eq!(from.apply(event).map_err(|e| e.code), Err(ErrorCode::InvalidState));
                }
            }
        }
        for event in E::ALL {
            for from in event.from() {
                assert_eq!(from.apply(event), Ok(event.to()), "the guard the server writes agrees");
            }
        }
    }

    #[test]
    fn ver_2_a_rejected_request_may_be_followed_by_another_and_an_approved_enterprise_by_none() {
        assert_eq!(may_submit(false, None), Ok(()));
        assert_eq!(may_submit(false, Some(S::Rejected)), Ok(()), "asked again after a refusal");
        assert_eq!(may_submit(false, Some(S::Submitted)).map_err(|e| e.code), Err(ErrorCode::VerificationPending));
        for latest in [None, Some(S::Rejected), Some(S::Approved)] {
            let err = may_submit(true, latest).map_err(|e| e.code);
            assert_eq!(err, Err(ErrorCode::EnterpriseAlreadyVerified), "verified, latest {latest:?}");
        }
        let err = may_submit(false, Some(S::Approved)).map_err(|e| e.code);
        assert_eq!(err, Err(ErrorCode::EnterpriseAlreadyVerified));
    }

    #[test]
    fn ver_2_the_form_is_parsed_and_every_wrong_field_named() {
        let form = VerificationForm::parse(" 深圳未来贸易有限公司 ", CODE, "陈静").expect("valid");
        assert_eq!((form.name.as_str(), form.credit_code.as_str()), ("深圳未来贸易有限公司", CODE));
        let errors = VerificationForm::parse("深", "91350100M000100Y44", "").expect_err("three wrong fields");
        let got: Vec<(ErrorCode, Option<&str>)> = errors.iter().map(|e| (e.code, e.field.as_deref())).collect();
        assert_eq!(
            got,
            [
                (ErrorCode::InvalidInput, Some("name")),
                (ErrorCode::CreditCodeInvalid, Some("credit_code")),
                (ErrorCode::InvalidInput, Some("legal_representative")),
            ]
        );
        let long: String = "企".repeat(61);
        assert!(VerificationForm::parse(&long, CODE, "陈静").is_err(), "61 characters");
        assert!(VerificationForm::parse(&"企".repeat(60), CODE, "陈静").is_ok(), "60 characters, not bytes");
        assert!(VerificationForm::parse("深圳\n未来", CODE, "陈静").is_err(), "no control characters");
    }

    #[test]
    fn ver_2_a_member_asks_as_the_person_or_as_that_enterprise() {
        let joined = [Membership { enterprise_id: 3, enterprise_name: "C".into(), verified: false, roles: vec![] }];
        assert_eq!(check_requester(&joined, 3, None), Ok(()));
        assert_eq!(check_requester(&joined, 3, Some(3)), Ok(()));
        assert_eq!(check_requester(&joined, 3, Some(1)).map_err(|e| e.code), Err(ErrorCode::Forbidden));
        assert_eq!(check_requester(&joined, 1, None).map_err(|e| e.code), Err(ErrorCode::NotAMember));
    }

    #[test]
    fn ver_2_a_refusal_gives_its_reason() {
        assert_eq!(
            RejectReason::parse(" 营业执照信息不符 ").map(|r| r.as_str().to_owned()),
            Ok("营业执照信息不符".into())
        );
        for bad in ["", " ", "x", &"长".repeat(201)] {
            assert_eq!(RejectReason::parse(bad).map_err(|e| e.field), Err(Some("reason".into())), "{bad:?}");
        }
    }
}
