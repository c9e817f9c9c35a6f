//! Time left until a deadline (the payment's, a code's next send), on the
//! server's clock as the app knows it ([`crate::clock::now`]).

use crate::clock;
use domain::Instant;
use leptos::prelude::*;

/// Whole seconds from now until `until` (never below zero), read again
/// every second for as long as the calling view lives.
pub fn seconds_until(until: Signal<Option<Instant>>) -> Signal<i64> {
    let now = RwSignal::new(clock::now());
    if let Ok(handle) = set_interval_with_handle(move || now.set(clock::now()), std::time::Duration::from_secs(1)) {
        on_cleanup(move || handle.clear());
    }
    Signal::derive(move || until.get().map_or(0, |until| (until - now.get()).num_seconds().max(0)))
}

/// "29:41", or "1:02:03" from an hour up.
pub fn clock_face(seconds: i64) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if h > 0 { format!("{h}:{m:02}:{s:02}") } else { format!("{m:02}:{s:02}") }
}

#[cfg(test)]
mod tests {
    use super::clock_face;

    #[test]
    fn a_countdown_reads_minutes_and_seconds_and_hours_when_there_are_any() {
        assert_eq!(clock_face(0), "00:00");
        assert_eq!(clock_face(1781), "29:41");
        assert_eq!(clock_face(3723), "1:02:03");
    }
}
