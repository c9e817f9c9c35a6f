//! Outside services behind traits, each with a bundled sandbox that behaves
//! like the real one: the payment provider (WeChat Pay v3-like) and SMS.

pub mod payment;
pub mod sms;
