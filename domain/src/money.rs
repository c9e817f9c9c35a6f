//! Money in CNY: an exact decimal, rounded in one place (PRI-3), never a float.

use crate::error::{DomainError, ErrorCode};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// An amount of CNY. Arithmetic is exact and checked; only [`Money::round`]
/// rounds, to the fen, half away from zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(Decimal);

fn overflow() -> DomainError {
    DomainError::with_field(ErrorCode::InvalidInput, "amount")
}

impl Money {
    /// Zero yuan.
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Wraps an exact decimal (not rounded).
    pub fn new(amount: Decimal) -> Self {
        Money(amount)
    }

    /// The exact decimal inside.
    pub fn amount(self) -> Decimal {
        self.0
    }

    /// A whole number of yuan.
    pub fn yuan(yuan: i64) -> Self {
        Money(Decimal::from(yuan))
    }

    /// An amount from integer fen, as the database stores it.
    pub fn from_fen(fen: i64) -> Self {
        Money(Decimal::new(fen, 2))
    }

    /// The amount in integer fen; it must already be rounded to the fen.
    pub fn to_fen(self) -> Result<i64, DomainError> {
        let scaled = self.0.checked_mul(Decimal::ONE_HUNDRED).ok_or_else(overflow)?;
        if !scaled.fract().is_zero() {
            return Err(overflow());
        }
        i64::try_from(scaled).map_err(|_| overflow())
    }

    /// PRI-3: the one rounding of the product, to 0.01 CNY, half away from zero.
    /// (`round_dp` alone would round half to even.)
    pub fn round(self) -> Self {
        Money(self.0.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
    }

    /// `self + other`, or an error on overflow.
    pub fn checked_add(self, other: Money) -> Result<Money, DomainError> {
        self.0.checked_add(other.0).map(Money).ok_or_else(overflow)
    }

    /// `self - other`, or an error on overflow.
    pub fn checked_sub(self, other: Money) -> Result<Money, DomainError> {
        self.0.checked_sub(other.0).map(Money).ok_or_else(overflow)
    }

    /// `self × n`, or an error on overflow.
    pub fn checked_mul(self, n: u64) -> Result<Money, DomainError> {
        self.0.checked_mul(Decimal::from(n)).map(Money).ok_or_else(overflow)
    }

    /// `self × numerator / denominator`, exact up to the decimal's precision
    /// (not rounded: callers round the line once). A zero denominator is an error.
    pub fn checked_ratio(self, numerator: u64, denominator: u64) -> Result<Money, DomainError> {
        if denominator == 0 {
            return Err(overflow());
        }
        self.0
            .checked_mul(Decimal::from(numerator))
            .and_then(|x| x.checked_div(Decimal::from(denominator)))
            .map(Money)
            .ok_or_else(overflow)
    }

    /// `self × part / whole` for two amounts (spreading a discount), not rounded.
    pub fn checked_share(self, part: Money, whole: Money) -> Result<Money, DomainError> {
        if whole.0.is_zero() {
            return Ok(Money::ZERO);
        }
        self.0.checked_mul(part.0).and_then(|x| x.checked_div(whole.0)).map(Money).ok_or_else(overflow)
    }

    /// Sums amounts, checked.
    pub fn sum<'a>(amounts: impl IntoIterator<Item = &'a Money>) -> Result<Money, DomainError> {
        amounts.into_iter().try_fold(Money::ZERO, |acc, m| acc.checked_add(*m))
    }

    /// True when the amount is below zero.
    pub fn is_negative(self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = self.round().0;
        shown.rescale(2);
        write!(f, "{shown}")
    }
}

impl FromStr for Money {
    type Err = DomainError;

    /// Parses "1990", "1990.5" or "1990.50"; more than two decimals is refused.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let value = Decimal::from_str_exact(s.trim()).map_err(|_| overflow())?;
        if value.scale() > 2 {
            return Err(overflow());
        }
        Ok(Money(value))
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(|_| serde::de::Error::custom("money must be a string with at most 2 decimals"))
    }
}

/// On the wire an amount is a string with two decimals, never a JSON number.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Money {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(r"^-?\d+\.\d{2}$"))
            .examples([serde_json::json!("1990.00")])
            .description(Some("An exact amount in CNY (yuan) with two decimals, as a string: \"1990.00\"."))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Money {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("Money")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Money {
        s.parse().expect("valid money")
    }

    #[test]
    fn pri_3_rounds_half_away_from_zero_not_to_even() {
        let cases = [
            ("0.005", "0.01"),
            ("0.015", "0.02"),
            ("0.025", "0.03"),
            ("2.675", "2.68"),
            ("-0.005", "-0.01"),
            ("1.004", "1.00"),
            ("1.0049999", "1.00"),
        ];
        for (input, expected) in cases {
            let exact = Money(Decimal::from_str_exact(input).expect("decimal"));
            assert_eq!(exact.round(), m(expected), "round({input})");
        }
    }

    #[test]
    fn serialises_as_a_string_with_two_decimals() {
        assert_eq!(serde_json::to_string(&Money::yuan(1990)).expect("json"), "\"1990.00\"");
        assert_eq!(serde_json::to_string(&m("0.5")).expect("json"), "\"0.50\"");
        let back: Money = serde_json::from_str("\"6980.00\"").expect("parse");
        assert_eq!(back, Money::yuan(6980));
    }

    #[test]
    fn refuses_floats_and_sub_fen_precision_on_the_wire() {
        assert!(serde_json::from_str::<Money>("6980.0").is_err(), "a JSON number is refused");
        assert!(serde_json::from_str::<Money>("\"1.001\"").is_err());
        assert!(serde_json::from_str::<Money>("\"abc\"").is_err());
    }

    #[test]
    fn converts_to_and_from_fen_exactly() {
        assert_eq!(m("1990.07").to_fen(), Ok(199_007));
        assert_eq!(Money::from_fen(199_007), m("1990.07"));
        assert!(Money(Decimal::from_str_exact("0.001").expect("d")).to_fen().is_err());
    }

    #[test]
    fn overflow_is_an_error_not_a_panic() {
        let big = Money(Decimal::MAX);
        assert!(big.checked_add(Money::yuan(1)).is_err());
        assert!(big.checked_mul(2).is_err());
        assert!(Money::yuan(1).checked_ratio(1, 0).is_err());
    }

    #[test]
    fn ratio_stays_exact_until_rounded() {
        let third = Money::yuan(100).checked_ratio(1, 3).expect("ratio");
        assert_eq!(third.round(), m("33.33"));
        assert_eq!(third.checked_mul(3).expect("mul").round(), Money::yuan(100));
    }
}
