//! Outside services behind traits, each with a bundled sandbox that behaves
//! like the real one: the payment provider (WeChat Pay v3-like), SMS and
//! the enterprise verification reviewer.

pub mod payment;
pub mod review;
pub mod sms;
