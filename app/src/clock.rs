//! The clock the app prices with: the server's, as learned from its answers,
//! so a device whose clock is off shows the price the server will charge.
//! The app may read it; `domain` never does: every rule receives `now` as an
//! argument.

use domain::Instant;
use leptos::web_sys::js_sys::Date;
use std::sync::atomic::{AtomicI64, Ordering};

/// The server's clock minus the device's, in milliseconds; 0 until learned.
static OFFSET_MS: AtomicI64 = AtomicI64::new(0);

/// Differences below this are the `Date` header's whole seconds and the
/// trip, not a wrong clock: a device that keeps good time keeps its own
/// millisecond clock.
const NOISE_MS: i64 = 2_000;

/// Now, on the server's clock, as a UTC instant.
pub fn now() -> Instant {
    // `Date.now()` is whole milliseconds since the epoch, held in an f64.
    let millis = Date::now() as i64 + OFFSET_MS.load(Ordering::Relaxed);
    Instant::from_timestamp_millis(millis).unwrap_or_default()
}

/// Learns the server's clock from an answer's `Date` header (RFC 9110, whole
/// seconds): the server's instant lies within that second, so its middle is
/// taken.
pub fn learn(date_header: &str) {
    let server = Date::parse(date_header);
    if server.is_nan() {
        return;
    }
    let offset = (server + 500.0 - Date::now()) as i64;
    OFFSET_MS.store(if offset.abs() < NOISE_MS { 0 } else { offset }, Ordering::Relaxed);
}
