//! The loops that run without a request: delivery, reconciliation with the
//! payment provider, the expiry sweeper, and settling money a provider
//! reports (shared by the notification route and reconciliation).

pub mod delivery;
pub mod reconcile;
pub mod settle;
pub mod sweeper;
