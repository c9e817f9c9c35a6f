//! The unified social credit code (统一社会信用代码) of GB 32100-2015: 18
//! characters from a 31-character set (the digits and the capitals without
//! I, O, Z, S and V), the last one a check character over the first 17.

use crate::error::{DomainError, ErrorCode};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The characters a code is written in, in the order of their values 0..=30.
const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// The weight of each of the first 17 positions: 3^i mod 31.
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// Characters in a code.
pub const LENGTH: usize = 18;

fn value_of(c: u8) -> Option<u32> {
    CHARSET.iter().position(|&x| x == c).and_then(|i| u32::try_from(i).ok())
}

/// The check character for the first 17 characters (each of the charset):
/// 31 − (Σ value × weight mod 31), where 31 is written as 0.
fn check_character(body: &[u8]) -> Option<u8> {
    let mut sum = 0u32;
    for (&c, weight) in body.iter().zip(WEIGHTS) {
        sum += value_of(c)? * weight;
    }
    let check = (31 - sum % 31) % 31;
    CHARSET.get(usize::try_from(check).ok()?).copied()
}

/// A unified social credit code whose check character is right.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
pub struct CreditCode(String);

impl CreditCode {
    /// Parses a code as typed (surrounding spaces ignored, lower case read as
    /// upper): 18 characters of the charset, positions 3–8 the administrative
    /// division's six digits, the 18th the check character. Anything else is
    /// `credit_code_invalid` naming `credit_code`.
    pub fn parse(text: &str) -> Result<CreditCode, DomainError> {
        let code = text.trim().to_ascii_uppercase();
        let bytes = code.as_bytes();
        let invalid = || DomainError::with_field(ErrorCode::CreditCodeInvalid, "credit_code");
        if bytes.len() != LENGTH || !bytes.iter().all(|&c| value_of(c).is_some()) {
            return Err(invalid());
        }
        if !bytes[2..8].iter().all(u8::is_ascii_digit) {
            return Err(invalid());
        }
        if check_character(&bytes[..17]) != Some(bytes[17]) {
            return Err(invalid());
        }
        Ok(CreditCode(code))
    }

    /// The code, upper case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CreditCode {
    type Error = DomainError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        CreditCode::parse(&text)
    }
}

impl From<CreditCode> for String {
    fn from(code: CreditCode) -> String {
        code.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Published codes of real enterprises, each checked by the algorithm.
    const REAL: [&str; 5] =
        ["91350100M000100Y43", "91110000600037341L", "91440300708461136T", "914403001922038216", "91110108551385082Q"];

    #[test]
    fn ver_2_real_codes_pass_their_check_character() {
        for code in REAL {
            assert_eq!(CreditCode::parse(code).map(|c| c.as_str().to_owned()), Ok(code.to_owned()), "{code}");
        }
        let typed = CreditCode::parse("  91110108551385082q ").expect("trimmed and upper-cased");
        assert_eq!(typed.as_str(), "91110108551385082Q");
    }

    #[test]
    fn ver_2_a_wrong_check_character_is_refused() {
        for code in REAL {
            let (body, check) = code.split_at(17);
            for other in CHARSET.iter().map(|&c| char::from(c)).filter(|c| c.to_string() != check) {
                let wrong = format!("{body}{other}");
                assert_eq!(CreditCode::parse(&wrong).map_err(|e| e.code), Err(ErrorCode::CreditCodeInvalid), "{wrong}");
            }
        }
    }

    #[test]
    fn ver_2_length_charset_and_division_digits_are_checked() {
        for bad in [
            "",
            "91350100M000100Y4",
            "91350100M000100Y433",
            "91350100M000100I43", // I is not in the charset
            "91350100M000100O43",
            "91350100M000100Z43",
            "91350100M000100S43",
            "91350100M000100V43",
            "913501A0M000100Y43", // the division code is six digits
            "91350100M000100Y4３",
        ] {
            let err = CreditCode::parse(bad).map_err(|e| (e.code, e.field));
            assert_eq!(err, Err((ErrorCode::CreditCodeInvalid, Some("credit_code".into()))), "{bad:?}");
        }
    }

    #[test]
    fn ver_2_a_transposition_of_two_neighbours_is_caught() {
        let code = REAL[0].as_bytes();
        for i in 0..16 {
            if code[i] == code[i + 1] {
                continue;
            }
            let mut swapped = code.to_vec();
            swapped.swap(i, i + 1);
            let swapped = String::from_utf8(swapped).expect("ascii");
            assert!(CreditCode::parse(&swapped).is_err(), "{swapped}");
        }
    }

    proptest! {
        #[test]
        fn ver_2_every_body_has_exactly_one_check_character(
            head in proptest::collection::vec(0usize..31, 2),
            division in proptest::collection::vec(0usize..10, 6),
            tail in proptest::collection::vec(0usize..31, 9),
        ) {
            let body: Vec<u8> = head.iter().chain(&division).chain(&tail).map(|&i| CHARSET[i]).collect();
            let accepted: Vec<u8> = CHARSET
                .iter()
                .copied()
                .filter(|&c| {
                    let mut code = body.clone();
                    code.push(c);
                    CreditCode::parse(std::str::from_utf8(&code).expect("ascii")).is_ok()
                })
                .collect();
            prop_assert_eq!(accepted.len(), 1);
        }
    }
}
