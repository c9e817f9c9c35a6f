//! Sign-in throttling: each login, and each client address, may try so
//! many times a minute. Password guessing against one account, or across
//! many from one machine, is answered `429 too_many_attempts` with when to
//! come back, before any password is checked (so the answer takes the same
//! time for a login that exists and one that does not).

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

/// The limiters of one server process (attempts are counted in memory: a
/// second process, or a restart, counts afresh).
#[derive(Debug)]
pub struct SignInThrottle {
    per_login: DefaultKeyedRateLimiter<String>,
    per_address: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
}

impl SignInThrottle {
    /// `per_login` and `per_address` attempts a minute, each allowed in a
    /// burst; zero is read as one.
    pub fn new(per_login: u32, per_address: u32) -> Self {
        let quota = |n: u32| Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN));
        SignInThrottle {
            per_login: RateLimiter::keyed(quota(per_login)),
            per_address: RateLimiter::keyed(quota(per_address)),
            clock: DefaultClock::default(),
        }
    }

    /// Counts an attempt for `login` from `address`; `Err` with how long to
    /// wait when either has tried too often. Logins are compared as typed
    /// without surrounding space and case.
    pub fn attempt(&self, login: &str, address: IpAddr) -> Result<(), Duration> {
        let login = login.trim().to_lowercase();
        let now = self.clock.now();
        let by_login = self.per_login.check_key(&login).map_err(|n| n.wait_time_from(now));
        let by_address = self.per_address.check_key(&address).map_err(|n| n.wait_time_from(now));
        match (by_login, by_address) {
            (Ok(()), Ok(())) => Ok(()),
            (Err(a), Err(b)) => Err(a.max(b)),
            (Err(wait), _) | (_, Err(wait)) => Err(wait),
        }
    }

    /// Forgets what was counted for keys that are allowed again, so the
    /// limiters' memory does not grow with every login ever tried.
    pub fn forget_idle(&self) {
        self.per_login.retain_recent();
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
        let throttle = SignInThrottle::new(3, 100);
        for _ in 0..3 {
            assert_eq!(throttle.attempt("a-admin", HOME), Ok(()));
        }
        let wait = throttle.attempt(" A-Admin ", AWAY).expect_err("the fourth try in a minute waits");
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(20), "about a third of a minute: {wait:?}");
        assert_eq!(throttle.attempt("b-admin", HOME), Ok(()), "another login is not held back");
    }

    #[test]
    fn one_address_is_throttled_across_logins() {
        let throttle = SignInThrottle::new(100, 2);
        assert_eq!(throttle.attempt("one", HOME), Ok(()));
        assert_eq!(throttle.attempt("two", HOME), Ok(()));
        assert!(throttle.attempt("three", HOME).is_err(), "a third login from one address in a burst");
        assert_eq!(throttle.attempt("three", AWAY), Ok(()), "the same login from elsewhere");
    }
}
