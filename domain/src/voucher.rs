//! Vouchers (VOU): which ones apply, and how a discount is spread over the
//! lines it covers, rounded per line (PRI-3), never beyond a line's amount.

use crate::error::{DomainError, ErrorCode};
use crate::identity::Voucher;
use crate::money::Money;
use crate::product::Product;
use crate::time::Instant;
use serde::{Deserialize, Serialize};

/// The voucher a quote uses, and what it covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppliedVoucher {
    pub id: String,
    pub face_value: Money,
    pub discount: Money,
    /// What exceeds the lines it covers is lost (VOU-2); the preview warns.
    pub forfeited: Money,
}

impl Voucher {
    /// Whether the voucher covers a line of `product`.
    pub fn covers(&self, product: Product) -> bool {
        self.scope.as_ref().is_none_or(|scope| scope.contains(&product))
    }

    /// Checks the voucher against the line amounts (VOU-2) and spreads its
    /// discount over the lines it covers, in proportion to their amounts.
    /// Returns each line's share.
    pub fn apply(&self, lines: &[(Product, Money)], now: Instant) -> Result<(AppliedVoucher, Vec<Money>), DomainError> {
        let field = |code| DomainError::with_field(code, "voucher");
        if self.used {
            return Err(field(ErrorCode::VoucherUsed));
        }
        if self.expires_at <= now {
            return Err(field(ErrorCode::VoucherExpired));
        }
        let covered: Vec<usize> = (0..lines.len()).filter(|&i| self.covers(lines[i].0)).collect();
        let base = Money::sum(covered.iter().map(|&i| &lines[i].1))?;
        if covered.is_empty() || base == Money::ZERO {
            return Err(field(ErrorCode::VoucherNotApplicable));
        }
        if self.min_spend.is_some_and(|min| base < min) {
            return Err(field(ErrorCode::VoucherMinSpend));
        }
        let discount = self.face_value.min(base);
        let shares = spread(discount, lines, &covered, base)?;
        let applied = AppliedVoucher {
            id: self.id.clone(),
            face_value: self.face_value,
            discount,
            forfeited: self.face_value.checked_sub(discount)?,
        };
        Ok((applied, shares))
    }
}

/// Proportional shares, each rounded; the rounding remainder goes to the
/// largest line (and, in the rare case it cannot absorb it, to the next).
fn spread(
    discount: Money,
    lines: &[(Product, Money)],
    covered: &[usize],
    base: Money,
) -> Result<Vec<Money>, DomainError> {
    let mut shares = vec![Money::ZERO; lines.len()];
    for &i in covered {
        shares[i] = discount.checked_share(lines[i].1, base)?.round();
    }
    let mut remainder = discount.checked_sub(Money::sum(&shares)?)?;
    let mut by_size = covered.to_vec();
    by_size.sort_by(|&a, &b| lines[b].1.cmp(&lines[a].1).then(a.cmp(&b)));
    for i in by_size {
        if remainder == Money::ZERO {
            break;
        }
        let room = lines[i].1.checked_sub(shares[i])?;
        // A negative remainder takes back from the largest share; a positive one fills its room.
        let moved = if remainder.is_negative() {
            remainder.max(Money::ZERO.checked_sub(shares[i])?)
        } else {
            remainder.min(room)
        };
        shares[i] = shares[i].checked_add(moved)?;
        remainder = remainder.checked_sub(moved)?;
    }
    Ok(shares)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::product::{AddOn, Edition};
    use crate::time::at;

    fn voucher(face: i64) -> Voucher {
        Voucher {
            id: "V1".into(),
            face_value: Money::yuan(face),
            expires_at: at("2027-01-01T00:00:00Z"),
            min_spend: None,
            scope: None,
            used: false,
        }
    }

    const NOW: &str = "2026-06-01T00:00:00Z";

    fn lines() -> Vec<(Product, Money)> {
        vec![
            (Product::Edition(Edition::Advanced), Money::yuan(6980)),
            (Product::AddOn(AddOn::ContractPack1k), Money::yuan(2000)),
            (Product::AddOn(AddOn::SigningReports), Money::yuan(980)),
        ]
    }

    #[test]
    fn vou_2_discount_is_spread_in_proportion_and_the_remainder_goes_to_the_largest_line() {
        let (applied, shares) = voucher(100).apply(&lines(), at(NOW)).expect("applies");
        // 100 × 6980/9960 = 70.08…, 100 × 2000/9960 = 20.08…, 100 × 980/9960 = 9.839… → 9.84
        assert_eq!(shares, vec!["70.08".parse().expect("m"), "20.08".parse().expect("m"), "9.84".parse().expect("m")]);
        assert_eq!(Money::sum(&shares), Ok(Money::yuan(100)));
        assert_eq!(applied.forfeited, Money::ZERO);
        let (_, thirds) = voucher(100)
            .apply(
                &[(lines()[1].0, Money::yuan(30)), (lines()[2].0, Money::yuan(30)), (lines()[0].0, Money::yuan(30))],
                at(NOW),
            )
            .expect("applies");
        assert_eq!(Money::sum(&thirds), Ok(Money::yuan(90)), "capped at the base");
        let first_share = thirds[0];
        assert!(thirds.iter().all(|s| *s == first_share));
    }

    #[test]
    fn vou_2_never_makes_the_total_negative_and_warns_of_what_is_forfeited() {
        let (applied, shares) = voucher(20_000).apply(&lines(), at(NOW)).expect("applies");
        assert_eq!(applied.discount, Money::yuan(9960));
        assert_eq!(applied.forfeited, Money::yuan(10_040));
        for (share, (_, amount)) in shares.iter().zip(lines()) {
            assert_eq!(*share, amount, "each line is covered exactly");
        }
    }

    #[test]
    fn vou_2_a_rounding_remainder_is_taken_back_from_the_largest_line() {
        let two = [(lines()[0].0, "0.01".parse().expect("m")), (lines()[1].0, "0.01".parse().expect("m"))];
        let (applied, shares) =
            Voucher { face_value: "0.01".parse().expect("m"), ..voucher(0) }.apply(&two, at(NOW)).expect("applies");
        // Each share rounds 0.005 up to 0.01; the sum must still equal the discount.
        assert_eq!(Money::sum(&shares), Ok(applied.discount));
        assert!(shares.iter().all(|s| !s.is_negative()));
    }

    #[test]
    fn vou_2_refuses_used_expired_out_of_scope_and_below_minimum_spend() {
        let now = at(NOW);
        let cases = [
            (Voucher { used: true, ..voucher(10) }, ErrorCode::VoucherUsed),
            (Voucher { expires_at: now, ..voucher(10) }, ErrorCode::VoucherExpired),
            (
                Voucher { scope: Some(vec![Product::AddOn(AddOn::Integration)]), ..voucher(10) },
                ErrorCode::VoucherNotApplicable,
            ),
            (Voucher { min_spend: Some(Money::yuan(10_000)), ..voucher(10) }, ErrorCode::VoucherMinSpend),
        ];
        for (v, code) in cases {
            assert_eq!(v.apply(&lines(), now).map(|_| ()).map_err(|e| e.code), Err(code), "{code}");
        }
    }

    #[test]
    fn vou_2_a_scoped_voucher_only_discounts_its_products() {
        let scoped = Voucher { scope: Some(vec![Product::AddOn(AddOn::ContractPack1k)]), ..voucher(500) };
        let (_, shares) = scoped.apply(&lines(), at(NOW)).expect("applies");
        assert_eq!(shares, vec![Money::ZERO, Money::yuan(500), Money::ZERO]);
        let min_on_scope = Voucher { min_spend: Some(Money::yuan(3000)), ..scoped };
        assert!(min_on_scope.apply(&lines(), at(NOW)).is_err(), "minimum spend counts covered lines only");
    }
}
