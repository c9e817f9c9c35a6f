//! Flagship by sales quote (SAL-1, CAT-4) and purchase consultation (CH-4):
//! the contact request a buyer leaves, and the quote a sales manager issues.

use crate::cart::Years;
use crate::catalog::Catalog;
use crate::error::{DomainError, ErrorCode};
use crate::identity::SalesQuote;
use crate::money::Money;
use crate::time::Instant;
use crate::verification::Phone;
use serde::{Deserialize, Serialize};

/// Why the buyer asks to be contacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum LeadKind {
    /// Flagship: "a sales manager will quote for you" (CAT-4, SAL-1).
    Flagship,
    /// Purchase consultation (购买咨询) from the mini-program (CH-4).
    Consultation,
}

impl LeadKind {
    /// The stable snake_case name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            LeadKind::Flagship => "flagship",
            LeadKind::Consultation => "consultation",
        }
    }
}

/// Where a sales manager's work on a contact request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum LeadStatus {
    /// Nobody has answered it yet.
    New,
    /// A sales manager spoke with the buyer.
    Contacted,
    /// A quote was issued.
    Quoted,
    /// The buyer bought.
    Won,
    /// The buyer will not buy.
    Lost,
}

impl LeadStatus {
    /// Every status, in the order the work goes.
    pub const ALL: [LeadStatus; 5] =
        [LeadStatus::New, LeadStatus::Contacted, LeadStatus::Quoted, LeadStatus::Won, LeadStatus::Lost];

    /// Where issuing a quote moves a lead: an open one is quoted now; a won
    /// or lost one keeps what the manager decided.
    pub fn after_quote(self) -> LeadStatus {
        match self {
            LeadStatus::New | LeadStatus::Contacted => LeadStatus::Quoted,
            other => other,
        }
    }
}

/// The longest note a sales manager keeps on a lead.
pub const NOTE_MAX_CHARS: usize = 2_000;

/// A conversation note: trimmed, not empty, at most [`NOTE_MAX_CHARS`].
pub fn parse_note(text: &str) -> Result<String, DomainError> {
    let note = text.trim();
    if note.is_empty() || note.chars().count() > NOTE_MAX_CHARS {
        return Err(DomainError::invalid("body"));
    }
    Ok(note.to_owned())
}

/// A contact request as the form sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadRequest {
    pub contact_name: String,
    pub phone: String,
    pub company: String,
    #[serde(default)]
    pub message: String,
    pub kind: LeadKind,
}

/// A contact request that was checked: valid by construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lead {
    pub contact_name: String,
    pub phone: Phone,
    pub company: String,
    pub message: String,
    pub kind: LeadKind,
}

/// The longest contact name, company name and message accepted.
pub const NAME_MAX_CHARS: usize = 50;
pub const COMPANY_MAX_CHARS: usize = 100;
pub const MESSAGE_MAX_CHARS: usize = 1_000;

fn text(value: &str, field: &str, min: usize, max: usize) -> Result<String, DomainError> {
    let value = value.trim();
    let chars = value.chars().count();
    if chars < min || chars > max { Err(DomainError::invalid(field)) } else { Ok(value.to_owned()) }
}

impl Lead {
    /// SAL-1, CH-4: a name, a phone and a company to call back; every field
    /// that is wrong is named.
    pub fn parse(request: &LeadRequest) -> Result<Lead, Vec<DomainError>> {
        let name = text(&request.contact_name, "contact_name", 1, NAME_MAX_CHARS);
        let phone = Phone::parse(&request.phone);
        let company = text(&request.company, "company", 1, COMPANY_MAX_CHARS);
        let message = text(&request.message, "message", 0, MESSAGE_MAX_CHARS);
        match (name, phone, company, message) {
            (Ok(contact_name), Ok(phone), Ok(company), Ok(message)) => {
                Ok(Lead { contact_name, phone, company, message, kind: request.kind })
            }
            (name, phone, company, message) => {
                Err([name.err(), phone.err(), company.err(), message.err()].into_iter().flatten().collect())
            }
        }
    }
}

/// What a sales manager offers (SAL-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuoteOffer {
    pub years: u8,
    pub price: Money,
    pub contracts: u64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: Instant,
}

/// **decision** A sanity ceiling on what a quote may grant (Flagship is
/// "use freely"; its default is 2,000,000): a typing slip of a few zeros is
/// refused rather than stored.
pub const MAX_QUOTED_CONTRACTS: u64 = 1_000_000_000;

/// SAL-1: only a sales manager (a person flagged as one, not an enterprise role) handles leads.
pub fn check_sales_manager(is_sales_manager: bool) -> Result<(), DomainError> {
    if is_sales_manager { Ok(()) } else { Err(DomainError::new(ErrorCode::Forbidden)) }
}

/// SAL-1, CAT-3: a quote runs 1–3 years, costs a positive amount in whole
/// fen, grants at least the catalog's Flagship allotment (2,000,000, at most
/// [`MAX_QUOTED_CONTRACTS`]) and expires in the future. `id` is given by whoever stores it.
pub fn issue_quote(
    catalog: &Catalog,
    id: String,
    offer: &QuoteOffer,
    now: Instant,
) -> Result<SalesQuote, Vec<DomainError>> {
    let mut errors = Vec::new();
    if let Err(e) = Years::new(offer.years, catalog) {
        errors.push(e);
    }
    if offer.price <= Money::ZERO || offer.price.to_fen().is_err() {
        errors.push(DomainError::invalid("price"));
    }
    if offer.contracts < catalog.limits().flagship_min_allotment || offer.contracts > MAX_QUOTED_CONTRACTS {
        errors.push(DomainError::invalid("contracts"));
    }
    if offer.expires_at <= now {
        errors.push(DomainError::invalid("expires_at"));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(SalesQuote {
        id,
        years: offer.years,
        price: offer.price,
        contracts: offer.contracts,
        expires_at: offer.expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sal_1_a_quote_moves_an_open_lead_to_quoted_and_leaves_a_decided_one() {
        let moved: Vec<LeadStatus> = LeadStatus::ALL.iter().map(|s| s.after_quote()).collect();
        assert_eq!(
            moved,
            [LeadStatus::Quoted, LeadStatus::Quoted, LeadStatus::Quoted, LeadStatus::Won, LeadStatus::Lost]
        );
    }

    #[test]
    fn sal_1_a_note_is_trimmed_and_neither_empty_nor_too_long() {
        assert_eq!(parse_note("  已电话沟通，下周报价。 ").ok().as_deref(), Some("已电话沟通，下周报价。"));
        assert!(parse_note("   ").is_err());
        assert!(parse_note(&"字".repeat(NOTE_MAX_CHARS)).is_ok());
        assert_eq!(parse_note(&"字".repeat(NOTE_MAX_CHARS + 1)).map_err(|e| e.field), Err(Some("body".to_owned())));
    }
    use crate::testing::{catalog, days, m, now};

    fn offer() -> QuoteOffer {
        QuoteOffer { years: 2, price: m("150000.00"), contracts: 2_000_000, expires_at: days(14) }
    }

    fn codes(result: Result<SalesQuote, Vec<DomainError>>) -> Vec<(ErrorCode, Option<String>)> {
        result.err().unwrap_or_default().into_iter().map(|e| (e.code, e.field)).collect()
    }

    #[test]
    fn sal_1_a_sales_manager_quotes_years_price_and_at_least_two_million_contracts_with_an_expiry() {
        let catalog = catalog();
        let quote = issue_quote(&catalog, "SQ-1".into(), &offer(), now()).expect("a valid offer");
        assert_eq!((quote.years, quote.contracts, quote.price), (2, 2_000_000, m("150000.00")));
        let raised = QuoteOffer { contracts: 5_000_000, ..offer() };
        assert!(issue_quote(&catalog, "SQ-2".into(), &raised, now()).is_ok(), "a quote may raise the allotment");
        let slip = QuoteOffer { contracts: MAX_QUOTED_CONTRACTS + 1, price: Money::yuan(i64::MAX), ..offer() };
        assert_eq!(
            codes(issue_quote(&catalog, "SQ-5".into(), &slip, now())),
            [(ErrorCode::InvalidInput, Some("price".into())), (ErrorCode::InvalidInput, Some("contracts".into()))]
        );

        let bad = QuoteOffer { years: 4, price: Money::ZERO, contracts: 1_999_999, expires_at: now() };
        assert_eq!(
            codes(issue_quote(&catalog, "SQ-3".into(), &bad, now())),
            [
                (ErrorCode::InvalidDuration, Some("years".into())),
                (ErrorCode::InvalidInput, Some("price".into())),
                (ErrorCode::InvalidInput, Some("contracts".into())),
                (ErrorCode::InvalidInput, Some("expires_at".into())),
            ]
        );
    }

    #[test]
    fn sal_1_only_a_sales_manager_handles_leads() {
        assert_eq!(check_sales_manager(true), Ok(()));
        assert_eq!(check_sales_manager(false).map_err(|e| e.code), Err(ErrorCode::Forbidden));
    }

    #[test]
    fn ch_4_a_consultation_request_needs_a_name_a_phone_and_a_company() {
        let request = LeadRequest {
            contact_name: " 陈静 ".into(),
            phone: "139 1234 5678".into(),
            company: "杭州某某科技有限公司".into(),
            message: "想了解专业版".into(),
            kind: LeadKind::Consultation,
        };
        let lead = Lead::parse(&request).expect("valid");
        assert_eq!((lead.contact_name.as_str(), lead.phone.as_str()), ("陈静", "13912345678"));
        let empty = LeadRequest { contact_name: " ".into(), phone: "123".into(), company: String::new(), ..request };
        let fields: Vec<Option<String>> =
            Lead::parse(&empty).expect_err("refused").into_iter().map(|e| e.field).collect();
        assert_eq!(fields, [Some("contact_name".into()), Some("phone".into()), Some("company".into())]);
    }
}
