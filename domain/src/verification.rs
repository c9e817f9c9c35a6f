//! Phone verification (VER-1): which phone a code goes to, what a code looks
//! like, how long it lives, how often it may be sent and tried, and how long
//! a checked code vouches for the identity. The server draws the code and the
//! salt (randomness is not allowed here) and keeps only the digest.

use crate::error::{DomainError, ErrorCode};
use crate::identity::Identity;
use crate::time::Instant;
use chrono::TimeDelta;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// Digits in a code.
pub const CODE_DIGITS: usize = 6;
/// A code expires this long after it was sent.
pub const CODE_LIFETIME: TimeDelta = TimeDelta::minutes(5);
/// Tries per code.
pub const MAX_ATTEMPTS: u32 = 5;
/// At most one code per phone in this interval.
pub const RESEND_INTERVAL: TimeDelta = TimeDelta::minutes(1);
/// **decision** A checked code vouches for the identity, for its purpose,
/// this long: the next request (an invoice, a first personal purchase) may
/// rely on it without a code of its own.
pub const VERIFIED_FOR: TimeDelta = TimeDelta::minutes(10);

/// What a code is for; a code checked for one purpose proves nothing for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Purpose {
    /// Requesting invoices (INV-1): the enterprise's security phone.
    Invoice,
    /// A first personal purchase in the mini-program (BND-3): the person's phone.
    PersonDetails,
    /// Asking for enterprise verification (VER-2): the requester's phone.
    EnterpriseVerification,
}

impl Purpose {
    /// Every purpose.
    pub const ALL: [Purpose; 3] = [Purpose::Invoice, Purpose::PersonDetails, Purpose::EnterpriseVerification];

    /// The stable snake_case name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Invoice => "invoice",
            Purpose::PersonDetails => "person_details",
            Purpose::EnterpriseVerification => "enterprise_verification",
        }
    }

    /// What the text message says the code is for.
    pub fn label_zh(self) -> &'static str {
        match self {
            Purpose::Invoice => "开具发票",
            Purpose::PersonDetails => "首次购买验证手机",
            Purpose::EnterpriseVerification => "企业认证",
        }
    }
}

/// A mainland mobile number: 11 digits starting with 1.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
pub struct Phone(String);

impl Phone {
    /// Parses a phone number (spaces and dashes are ignored), or `invalid_input` naming `phone`.
    pub fn parse(text: &str) -> Result<Phone, DomainError> {
        let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let valid = digits.len() == 11 && digits.starts_with('1') && digits.chars().all(|c| c.is_ascii_digit());
        if valid { Ok(Phone(digits)) } else { Err(DomainError::invalid("phone")) }
    }

    /// The number.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number as shown back to the user: `138****0001`.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

impl TryFrom<String> for Phone {
    type Error = DomainError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Phone::parse(&text)
    }
}

impl From<Phone> for String {
    fn from(phone: Phone) -> String {
        phone.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// VER-1 **decision**: the code goes to the acting identity's phone: the
/// enterprise's security phone (安全手机), or the person's own.
pub fn target_phone<'a>(identity: &Identity, person_phone: &'a Phone, security_phone: Option<&'a Phone>) -> &'a Phone {
    match identity {
        Identity::Person { .. } => person_phone,
        Identity::Enterprise { .. } => security_phone.unwrap_or(person_phone),
    }
}

/// A code as typed: exactly six digits.
#[derive(Clone, PartialEq, Eq)]
pub struct Code(String);

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A code is a secret: never in logs.
        f.write_str("Code(******)")
    }
}

impl Code {
    /// Parses what the user typed: nothing is `invalid_input` (field
    /// `code`, a message of its own), anything but six digits `code_invalid`.
    pub fn parse(text: &str) -> Result<Code, DomainError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(DomainError::invalid("code"));
        }
        if text.len() == CODE_DIGITS && text.chars().all(|c| c.is_ascii_digit()) {
            Ok(Code(text.to_owned()))
        } else {
            Err(DomainError::with_field(ErrorCode::CodeInvalid, "code"))
        }
    }

    /// The code for a number the server drew at random (any `u32`).
    pub fn from_number(n: u32) -> Code {
        Code(format!("{:06}", n % 1_000_000))
    }

    /// The digits, for the text message only.
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// What is stored instead of the code: SHA-256 of the salt, the phone and the code.
    pub fn digest(&self, salt: &str, phone: &Phone) -> String {
        let hash = Sha256::digest(format!("{salt}:{phone}:{}", self.0).as_bytes());
        hash.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// VER-1: at most one code a minute per phone.
pub fn may_send(last_sent_at: Option<Instant>, now: Instant) -> Result<(), DomainError> {
    match last_sent_at {
        Some(last) if now < last + RESEND_INTERVAL => Err(DomainError::new(ErrorCode::SendTooOften)),
        _ => Ok(()),
    }
}

/// A code that was sent, as stored (its digest, never the code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub phone: Phone,
    pub salt: String,
    pub digest: String,
    pub sent_at: Instant,
    /// Wrong codes tried so far.
    pub attempts: u32,
}

impl Challenge {
    /// When the code stops being accepted.
    pub fn expires_at(&self) -> Instant {
        self.sent_at + CODE_LIFETIME
    }
}

/// VER-1: checks `code` against the challenge at `now`. Expired first
/// (`code_expired`), then out of tries (`too_many_attempts`), then wrong
/// (`code_invalid`, which the caller counts as a try). The right code is
/// accepted again while it lives (a double submit succeeds twice), and
/// vouches for the identity until [`verified_until`].
pub fn check(challenge: &Challenge, code: &Code, now: Instant) -> Result<(), DomainError> {
    if now >= challenge.expires_at() {
        return Err(DomainError::new(ErrorCode::CodeExpired));
    }
    if challenge.attempts >= MAX_ATTEMPTS {
        return Err(DomainError::new(ErrorCode::TooManyAttempts));
    }
    if code.digest(&challenge.salt, &challenge.phone) != challenge.digest {
        return Err(DomainError::with_field(ErrorCode::CodeInvalid, "code"));
    }
    Ok(())
}

/// Until when a code checked at `checked_at` vouches for the identity.
pub fn verified_until(checked_at: Instant) -> Instant {
    checked_at + VERIFIED_FOR
}

/// Whether a verification of `verified_phone` until `until` still vouches
/// for the identity whose phone is now `phone` (a changed phone needs a new code).
pub fn is_verified(verified_phone: &Phone, until: Instant, phone: &Phone, now: Instant) -> bool {
    verified_phone == phone && now < until
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::now;

    fn phone() -> Phone {
        Phone::parse("138 0000 0001").expect("a phone")
    }

    fn challenge(code: &Code) -> Challenge {
        Challenge {
            phone: phone(),
            salt: "s4lt".into(),
            digest: code.digest("s4lt", &phone()),
            sent_at: now(),
            attempts: 0,
        }
    }

    #[test]
    fn ver_1_the_code_goes_to_the_acting_identitys_phone() {
        let own = Phone::parse("13912345678").expect("phone");
        let security = phone();
        let person = Identity::Person { person_id: 7, first_purchase: true };
        assert_eq!(target_phone(&person, &own, Some(&security)), &own);
        let enterprise = Identity::Enterprise {
            person_id: 7,
            enterprise_id: 1,
            verified: true,
            roles: vec![],
            linked_cloud_account: None,
        };
        assert_eq!(target_phone(&enterprise, &own, Some(&security)), &security, "the security phone");
    }

    #[test]
    fn ver_1_codes_are_six_digits_and_only_their_digest_is_kept() {
        assert_eq!(Code::from_number(42).digits(), "000042");
        assert_eq!(Code::from_number(4_123_456).digits(), "123456");
        for bad in ["12345", "1234567", "12a456"] {
            assert_eq!(Code::parse(bad).map_err(|e| e.code), Err(ErrorCode::CodeInvalid), "{bad:?}");
        }
        for empty in ["", "  "] {
            assert_eq!(Code::parse(empty).map_err(|e| e.code), Err(ErrorCode::InvalidInput), "{empty:?}");
        }
        let code = Code::parse(" 123456 ").expect("trimmed");
        let digest = code.digest("salt", &phone());
        assert!(!digest.contains("123456") && digest.len() == 64);
        assert_ne!(digest, code.digest("other salt", &phone()), "salted");
        assert_eq!(format!("{code:?}"), "Code(******)", "never logged");
    }

    #[test]
    fn ver_1_one_send_a_minute_per_phone() {
        assert_eq!(may_send(None, now()), Ok(()));
        let sent = now();
        let err = may_send(Some(sent), sent + TimeDelta::seconds(59)).map_err(|e| e.code);
        assert_eq!(err, Err(ErrorCode::SendTooOften));
        assert_eq!(may_send(Some(sent), sent + TimeDelta::seconds(60)), Ok(()));
    }

    #[test]
    fn ver_1_codes_expire_after_five_minutes() {
        let code = Code::from_number(123_456);
        let c = challenge(&code);
        assert_eq!(check(&c, &code, now() + TimeDelta::seconds(299)), Ok(()));
        let late = check(&c, &code, now() + TimeDelta::minutes(5)).map_err(|e| e.code);
        assert_eq!(late, Err(ErrorCode::CodeExpired));
    }

    #[test]
    fn ver_1_at_most_five_tries_then_even_the_right_code_is_refused() {
        let code = Code::from_number(123_456);
        let wrong = Code::from_number(654_321);
        let mut c = challenge(&code);
        for _ in 0..MAX_ATTEMPTS {
            assert_eq!(check(&c, &wrong, now()).map_err(|e| e.code), Err(ErrorCode::CodeInvalid));
            c.attempts += 1;
        }
        assert_eq!(check(&c, &code, now()).map_err(|e| e.code), Err(ErrorCode::TooManyAttempts));
    }

    #[test]
    fn ver_1_a_checked_code_vouches_for_ten_minutes_and_for_that_phone_only() {
        let until = verified_until(now());
        assert!(is_verified(&phone(), until, &phone(), now() + TimeDelta::minutes(9)));
        assert!(!is_verified(&phone(), until, &phone(), now() + TimeDelta::minutes(10)));
        let changed = Phone::parse("13800000009").expect("phone");
        assert!(!is_verified(&phone(), until, &changed, now()), "a new security phone needs a new code");
    }

    #[test]
    fn phones_are_eleven_digit_mainland_mobiles() {
        assert_eq!(phone().masked(), "138****0001");
        for bad in ["2380000000", "23800000001", "1380000000a", "138000000012"] {
            assert_eq!(Phone::parse(bad).map_err(|e| e.code), Err(ErrorCode::InvalidInput), "{bad}");
        }
        let purposes: Vec<String> = Purpose::ALL.iter().map(|p| serde_json::to_string(p).expect("json")).collect();
        assert_eq!(purposes, ["\"invoice\"", "\"person_details\"", "\"enterprise_verification\""]);
        assert!(Purpose::ALL.iter().all(|p| serde_json::to_string(p).expect("json") == format!("\"{}\"", p.as_str())));
    }
}
