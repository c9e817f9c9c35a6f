//! The one retry schedule of every worker: a transient failure (database,
//! I/O, a provider that does not answer) is tried again after 1, 2, 4, 8
//! and 16 s; after the fifth retry the work ends visibly instead of being
//! tried for ever (ORD-1: nothing is ever stuck).

use std::time::Duration;

/// Tries before giving up: the first and five retries.
pub const TRIES: i64 = 6;

/// The wait before the retry after the `attempts`-th try: 1, 2, 4, 8, 16 s.
pub fn backoff(attempts: i64) -> Duration {
    let exponent = u32::try_from(attempts.clamp(1, TRIES - 1) - 1).unwrap_or(0);
    Duration::from_secs(1 << exponent)
}

/// How long the retries take in all (31 s): work still failing this long
/// after it was due is given up.
pub fn give_up_after() -> Duration {
    (1..TRIES).map(backoff).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ord_1_five_retries_doubling_from_one_second() {
        let waits: Vec<u64> = (1..TRIES).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16]);
        assert_eq!(give_up_after(), Duration::from_secs(31));
    }
}
