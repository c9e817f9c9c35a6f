//! The loops that run without a request: delivery, reconciliation with the
//! payment provider, the expiry sweeper, and settling money a provider
//! reports and refunds it returns (shared by the notification routes and
//! reconciliation).

pub mod delivery;
pub mod reconcile;
pub mod refund;
pub mod settle;
pub mod sweeper;
