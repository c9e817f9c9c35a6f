//! Throttling of what a guesser or a spammer repeats: each sign-in login,
//! and each client address, may try so many times a minute; each person,
//! and each client address, may have so many verification codes texted an
//! hour (beyond VER-1's one a minute per phone, which one person can dodge
//! by switching identity, and one machine by switching person). Too many is
//! answered `429 too_many_attempts` with `Retry-After`, before any work is
//! done (so a sign-in answer takes the same time for a login that exists
//! and one that does not).

use crate::ApiError;
use axum::http::HeaderValue;
use axum::http::header::RETRY_AFTER;
use axum::response::{IntoResponse, Response};
use domain::ErrorCode;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

/// Two limiters of one server process, per key and per client address
/// (counted in memory: a second process, or a restart, counts afresh).
#[derive(Debug)]
pub struct Throttle {
    per_key: DefaultKeyedRateLimiter<String>,
    per_address: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
}

/// Refused for trying too often: how long to wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled(pub Duration);

impl IntoResponse for Throttled {
    fn into_response(self) -> Response {
        let mut refused = ApiError::code(ErrorCode::TooManyAttempts).into_response();
        let seconds = self.0.as_secs() + u64::from(self.0.subsec_nanos() > 0);
        refused.headers_mut().insert(RETRY_AFTER, HeaderValue::from(seconds.max(1)));
        refused
    }
}

fn quota(per: fn(NonZeroU32) -> Quota, n: u32) -> Quota {
    per(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN))
}

impl Throttle {
    /// `per_key` and `per_address` attempts a minute, each allowed in a
    /// burst; zero is read as one.
    pub fn per_minute(per_key: u32, per_address: u32) -> Self {
        Self::new(quota(Quota::per_minute, per_key), quota(Quota::per_minute, per_address))
    }

    /// `per_key` and `per_address` attempts an hour, each allowed in a burst.
    pub fn per_hour(per_key: u32, per_address: u32) -> Self {
        Self::new(quota(Quota::per_hour, per_key), quota(Quota::per_hour, per_address))
    }

    fn new(per_key: Quota, per_address: Quota) -> Self {
        Throttle {
            per_key: RateLimiter::keyed(per_key),
            per_address: RateLimiter::keyed(per_address),
            clock: DefaultClock::default(),
        }
    }

    /// Counts an attempt for `key` from `address`; refused with how long to
    /// wait when either has tried too often. Keys are compared without
    /// surrounding space and case (a login as typed).
    pub fn attempt(&self, key: &str, address: IpAddr) -> Result<(), Throttled> {
        let key = key.trim().to_lowercase();
        let now = self.clock.now();
        let by_key = self.per_key.check_key(&key).map_err(|n| n.wait_time_from(now));
        let by_address = self.per_address.check_key(&address).map_err(|n| n.wait_time_from(now));
        match (by_key, by_address) {
            (Ok(()), Ok(())) => Ok(()),
            (Err(a), Err(b)) => Err(Throttled(a.max(b))),
            (Err(wait), _) | (_, Err(wait)) => Err(Throttled(wait)),
        }
    }

    /// Forgets what was counted for keys that are allowed again, so the
    /// limiters' memory does not grow with every key ever tried.
    pub fn forget_idle(&self) {
        self.per_key.retain_recent();
        self.per_address.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
    const AWAY: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    #[test]
    fn one_login_is_throttled_from_any_address_and_others_are_not() {
        let throttle = Throttle::per_minute(3, 100);
        for _ in 0..3 {
            assert_eq!(throttle.attempt("a-admin", HOME), Ok(()));
        }
        let Throttled(wait) = throttle.attempt(" A-Admin ", AWAY).expect_err("the fourth try in a minute waits");
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(20), "about a third of a minute: {wait:?}");
        assert_eq!(throttle.attempt("b-admin", HOME), Ok(()), "another login is not held back");
    }

    #[test]
    fn one_address_is_throttled_across_logins() {
        let throttle = Throttle::per_minute(100, 2);
        assert_eq!(throttle.attempt("one", HOME), Ok(()));
        assert_eq!(throttle.attempt("two", HOME), Ok(()));
        assert!(throttle.attempt("three", HOME).is_err(), "a third login from one address in a burst");
        assert_eq!(throttle.attempt("three", AWAY), Ok(()), "the same login from elsewhere");
    }
}
