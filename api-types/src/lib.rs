//! Every JSON body the API sends or accepts, defined once. The server
//! answers with these types, the app decodes them, and with the `openapi`
//! feature they describe themselves in the server's OpenAPI document, so a
//! field cannot drift between the three. Values the rules own (a quote, a
//! selection, a buyer, billing management) are `domain`'s types, used here
//! as they are.

mod billing;
mod binding;
mod contracts;
mod enterprise_verification;
mod error;
mod invoices;
mod meta;
mod ops;
mod orders;
mod sales;
mod session;
mod verification;

pub use billing::QuotaHistory;
pub use binding::{BindRequest, Bound};
pub use contracts::{ContractView, Initiate};
pub use enterprise_verification::{
    EnterpriseVerification, RejectVerification, VerificationApplication, VerificationView,
};
pub use error::ErrorBody;
pub use invoices::{InvoiceAction, InvoiceRequest, InvoiceView, InvoiceableOrder, TitleView};
pub use meta::{DbStats, Environment, Health, Readiness, ReadinessCheck};
pub use ops::{OpsAccount, OpsDelivery, OpsPayment, OpsRefund, TimelineEntry};
pub use orders::{
    MoneyToReturn, OrderView, PayRequest, PayResponse, PaymentPrompt, PersonDetailsRequest, PlaceOrder, Progress,
    QuoteRequest, StartTrial,
};
pub use sales::{LeadDetail, LeadNote, LeadStatusChange, LeadView, NoteRequest, QuoteView};
pub use session::{CloudSignIn, DemoAccount, DemoCloudAccount, Me, PersonView, SignIn, SwitchIdentity};
pub use verification::{CheckRequest, Checked, OutboxMessage, SendRequest, Sent};
