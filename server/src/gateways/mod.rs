//! Outside services behind traits, each with a bundled sandbox that behaves
//! like the real one: the payment provider (WeChat Pay v3-like), the tax
//! platform that issues invoices, SMS and the enterprise verification reviewer.

pub mod invoicing;
pub mod payment;
pub mod review;
pub mod sms;
