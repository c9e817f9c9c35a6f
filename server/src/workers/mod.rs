//! The loops that run without a request: delivery, issuing invoices, reconciliation with the
//! payment provider, the expiry sweeper, and settling money a provider
//! reports and refunds it returns (shared by the notification routes and
//! reconciliation), and the record of which of this process's tasks still run.

pub mod delivery;
pub mod invoicing;
pub mod reconcile;
pub mod refund;
pub mod settle;
pub mod sweeper;

use std::sync::OnceLock;
use tokio::task::AbortHandle;

/// The background tasks this process started, by name. Each loops for
/// ever, so one that has finished has panicked: the process is not ready.
#[derive(Debug, Default)]
pub struct Running(OnceLock<Vec<(&'static str, AbortHandle)>>);

impl Running {
    /// Records the tasks once they are started (a second call changes nothing).
    pub fn started(&self, tasks: Vec<(&'static str, AbortHandle)>) {
        let _ = self.0.set(tasks);
    }

    /// The tasks that no longer run, or `None` before any was started.
    pub fn stopped(&self) -> Option<Vec<&'static str>> {
        let tasks = self.0.get()?;
        Some(tasks.iter().filter(|(_, task)| task.is_finished()).map(|(name, _)| *name).collect())
    }
}
