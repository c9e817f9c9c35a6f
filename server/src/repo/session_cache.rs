//! Live sessions held in memory in front of the `sessions` table, so a
//! request does not read its session back from the database every time
//! (see `docs/decisions.md`, "Sessions held in memory").
//!
//! An entry is believed for [`FRESH_FOR`] of the server's clock after it was
//! read, and only while the session it holds is still live by its own
//! expiry and idle time; past either, the database is asked again (which
//! also keeps `last_seen_at` touched). What this process changes it drops
//! itself, at once: the token signed out, every token of a person signed out
//! everywhere, the token an identity switch retired, and every entry when
//! an enterprise's verification or a membership's roles change. What
//! another process on the same database changes is seen within
//! [`FRESH_FOR`].

use super::caller::Caller;
use domain::Instant;
use std::collections::HashMap;
use std::sync::Mutex;

/// How long an entry read from the database is believed.
pub const FRESH_FOR: chrono::TimeDelta = chrono::TimeDelta::seconds(2);

/// Beyond this many entries, stale ones are dropped before another is kept.
const MOST_ENTRIES: usize = 10_000;

/// A session as read, with what decides whether it is still live.
#[derive(Debug, Clone)]
pub struct Cached {
    pub caller: Caller,
    pub expires_at: Instant,
    /// The session's `last_seen_at` as read (`None`: never touched).
    pub last_seen_at: Option<Instant>,
    pub read_at: Instant,
}

#[derive(Debug, Default)]
struct Entries {
    by_token_hash: HashMap<String, Cached>,
    /// Bumped by every drop: an entry read before a drop is not kept after it.
    generation: u64,
}

/// The cache: one per `Db`, shared by its clones.
#[derive(Debug, Default)]
pub struct SessionCache {
    entries: Mutex<Entries>,
}

impl SessionCache {
    /// The caller of a live, fresh entry for `token_hash`; `None` when the
    /// database must be asked.
    pub fn get(&self, token_hash: &str, now: Instant, idle: chrono::TimeDelta) -> Option<Caller> {
        let entries = self.entries.lock().ok()?;
        let cached = entries.by_token_hash.get(token_hash)?;
        let fresh = cached.read_at <= now && now < cached.read_at + FRESH_FOR;
        let live = now < cached.expires_at && cached.last_seen_at.is_none_or(|seen| now - idle < seen);
        (fresh && live).then(|| cached.caller.clone())
    }

    /// The generation to pass to [`SessionCache::keep`] for a read begun now.
    pub fn generation(&self) -> u64 {
        self.entries.lock().map_or(0, |e| e.generation)
    }

    /// Keeps what was read, unless something was dropped since the read
    /// began (`generation`): the read may predate that change.
    pub fn keep(&self, token_hash: String, cached: Cached, generation: u64) {
        let Ok(mut entries) = self.entries.lock() else { return };
        if entries.generation != generation {
            return;
        }
        if entries.by_token_hash.len() >= MOST_ENTRIES {
            let now = cached.read_at;
            entries.by_token_hash.retain(|_, c| c.read_at <= now && now < c.read_at + FRESH_FOR);
        }
        entries.by_token_hash.insert(token_hash, cached);
    }

    /// Drops the entry of one token.
    pub fn forget_token(&self, token_hash: &str) {
        self.drop_where(|hash, _| hash == token_hash);
    }

    /// Drops every entry of a person.
    pub fn forget_person(&self, person_id: i64) {
        self.drop_where(|_, c| c.caller.person_id == person_id);
    }

    /// Drops every entry: what a session stands for (an enterprise's
    /// verification, a member's roles) has changed.
    pub fn forget_all(&self) {
        self.drop_where(|_, _| true);
    }

    fn drop_where(&self, doomed: impl Fn(&str, &Cached) -> bool) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.generation += 1;
            entries.by_token_hash.retain(|hash, c| !doomed(hash, c));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repo::caller::Acting;
    use chrono::{TimeDelta, TimeZone, Utc};

    fn at(seconds: i64) -> Instant {
        Utc.timestamp_opt(1_800_000_000 + seconds, 0).single().expect("an instant")
    }

    fn cached(person_id: i64, read_at: Instant) -> Cached {
        Cached {
            caller: Caller { person_id, person_account_id: 1, acting: Acting::Person, cloud_account: None },
            expires_at: at(3600),
            last_seen_at: Some(read_at),
            read_at,
        }
    }

    const IDLE: TimeDelta = TimeDelta::minutes(30);

    #[test]
    fn an_entry_is_believed_only_while_fresh_and_live() {
        let cache = SessionCache::default();
        cache.keep("a".into(), cached(7, at(0)), cache.generation());
        assert_eq!(cache.get("a", at(1), IDLE).map(|c| c.person_id), Some(7), "a second later");
        assert!(cache.get("a", at(2), IDLE).is_none(), "two seconds later the database is asked");
        assert!(cache.get("a", at(-1), IDLE).is_none(), "a clock moved back asks too");
        let mut expiring = cached(7, at(0));
        expiring.expires_at = at(1);
        cache.keep("b".into(), expiring, cache.generation());
        assert!(cache.get("b", at(1), IDLE).is_none(), "an expired session is not accepted");
        let mut idle = cached(7, at(0));
        idle.last_seen_at = Some(at(0) - IDLE);
        cache.keep("c".into(), idle, cache.generation());
        assert!(cache.get("c", at(0), IDLE).is_none(), "a session idle too long is not accepted");
    }

    #[test]
    fn a_sign_out_drops_at_once_and_a_read_from_before_it_is_not_kept() {
        let cache = SessionCache::default();
        cache.keep("a".into(), cached(7, at(0)), cache.generation());
        cache.keep("b".into(), cached(8, at(0)), cache.generation());
        cache.forget_token("a");
        assert!(cache.get("a", at(0), IDLE).is_none());
        assert!(cache.get("b", at(0), IDLE).is_some(), "another session stays");
        let before = cache.generation();
        cache.forget_person(8);
        assert!(cache.get("b", at(0), IDLE).is_none());
        cache.keep("b".into(), cached(8, at(0)), before);
        assert!(cache.get("b", at(0), IDLE).is_none(), "read before the sign-out, so not kept");
    }
}
