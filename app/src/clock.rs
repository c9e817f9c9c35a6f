//! The browser's clock. The app may read it; `domain` never does: every rule
//! receives `now` as an argument.

use domain::Instant;
use leptos::web_sys::js_sys::Date;

/// Now, from the browser clock, as a UTC instant.
pub fn now() -> Instant {
    // `Date.now()` is whole milliseconds since the epoch, held in an f64.
    let millis = Date::now() as i64;
    Instant::from_timestamp_millis(millis).unwrap_or_default()
}
