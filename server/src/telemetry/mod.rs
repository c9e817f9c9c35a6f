//! What the server tells the people who run it: its metrics (names, and the
//! process's Prometheus recorder) and its logs (the subscriber's format).

pub mod logs;
pub mod metrics;
