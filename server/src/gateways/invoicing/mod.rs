//! The tax platform (数电票 issuing) behind one gateway interface (INV-1).
//! Issuing is asynchronous, as on the real platforms: the server submits a
//! request under its own serial number, then asks how it went until the
//! platform answers with a 20-digit number and the document, or a refusal.
//! The bundled sandbox behaves like that.

pub mod document;
pub mod sandbox;

use crate::gateways::payment::BoxFuture;
use domain::Instant;
use domain::invoice::{InvoiceAmounts, Title};

/// What the server asks the platform to issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueRequest {
    /// Ours, unique per attempt: the platform takes a serial once.
    pub serial: String,
    pub title: Title,
    pub amounts: InvoiceAmounts,
    /// The orders invoiced, for the remarks.
    pub order_ids: Vec<i64>,
}

/// The platform's word on a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueState {
    /// Still being issued.
    Pending,
    Issued {
        number: String,
        issued_at: Instant,
        pdf: Vec<u8>,
    },
    /// Refused, with the platform's reason.
    Failed {
        reason: String,
    },
    /// The platform has no request under this serial (it never arrived).
    Unknown,
}

/// The platform could not be reached or did not answer.
#[derive(Debug, thiserror::Error)]
#[error("the tax platform is unavailable: {0}")]
pub struct Unavailable(pub String);

/// A tax platform.
pub trait InvoicingGateway: Send + Sync + std::fmt::Debug {
    /// Hands a request over; submitting a serial again changes nothing.
    fn submit(&self, request: IssueRequest) -> BoxFuture<'_, Result<(), Unavailable>>;
    /// How the request under `serial` stands.
    fn query<'a>(&'a self, serial: &'a str) -> BoxFuture<'a, Result<IssueState, Unavailable>>;
    /// Issues the red-letter invoice (红字发票) that cancels the issued
    /// invoice `number`; returns the red invoice's number.
    fn reverse<'a>(&'a self, number: &'a str, serial: &'a str) -> BoxFuture<'a, Result<String, Unavailable>>;
}
