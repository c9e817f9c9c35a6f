//! Telling the other server processes on one PostgreSQL database that an
//! order changed, so that an order paid on one and delivered by another is
//! followed at once (PostgreSQL's `LISTEN`/`NOTIFY` on the channel
//! `order_changed`). SQLite serves one process: nothing to tell.
//!
//! A process sends what it changed after the change committed, gathered:
//! the ids waiting when the sender is free go in one notification, so a
//! delivery round of many orders costs one statement, and no business
//! transaction waits on the lock PostgreSQL takes to queue a notification.
//! Each payload begins with the sending process's origin, so a listener
//! skips its own (which it has been told of in memory already).

use super::Error;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use std::time::Duration;
use tokio::sync::mpsc;

const CHANNEL: &str = "order_changed";

/// How many ids one notification carries at most (a payload is under 8,000 bytes).
const PER_NOTIFICATION: usize = 400;

/// This process's sender of changes, or none on SQLite.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    outbox: Option<mpsc::UnboundedSender<i64>>,
    origin: String,
}

impl Changes {
    /// The sender for `pool`, with its task sending on it.
    pub(super) fn postgres(pool: PgPool) -> Changes {
        let origin = format!("{:016x}", rand::random::<u64>());
        let (outbox, waiting) = mpsc::unbounded_channel();
        tokio::spawn(send(pool, origin.clone(), waiting));
        Changes { outbox: Some(outbox), origin }
    }

    /// Tells the other processes that `order_id` changed (after it committed).
    pub fn changed(&self, order_id: i64) {
        if let Some(outbox) = &self.outbox {
            let _ = outbox.send(order_id);
        }
    }

    /// Whether other processes are told of changes (and tell this one of theirs).
    pub fn are_shared(&self) -> bool {
        self.outbox.is_some()
    }
}

async fn send(pool: PgPool, origin: String, mut waiting: mpsc::UnboundedReceiver<i64>) {
    while let Some(first) = waiting.recv().await {
        let mut payload = format!("{origin} {first}");
        let mut ids = 1;
        while ids < PER_NOTIFICATION {
            let Ok(next) = waiting.try_recv() else { break };
            payload.push_str(&format!(" {next}"));
            ids += 1;
        }
        super::stats::statement();
        if let Err(e) = sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(&payload).execute(&pool).await {
            // The others' event streams still look on their own, later.
            tracing::warn!(error = %e, "a change was not told to the other processes");
        }
    }
}

/// Listens for the other processes' changes on `pool` and hands each
/// changed order's id to `seen`, for ever (reconnecting after a failure;
/// what was sent meanwhile is found by the followers' own looks).
pub async fn listen(pool: PgPool, changes: Changes, seen: impl Fn(i64)) {
    loop {
        if let Err(e) = listen_once(&pool, &changes.origin, &seen).await {
            tracing::warn!(error = %e, "listening for other processes' changes; again in a second");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn listen_once(pool: &PgPool, own: &str, seen: &impl Fn(i64)) -> Result<(), Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    loop {
        let notification = listener.recv().await?;
        let mut words = notification.payload().split(' ');
        if words.next() == Some(own) {
            continue;
        }
        words.filter_map(|id| id.parse().ok()).for_each(seen);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_has_nothing_to_tell() {
        let changes = Changes::default();
        changes.changed(7);
        assert!(!changes.are_shared());
    }
}
