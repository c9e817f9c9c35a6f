-- When each session was last used, for the idle timeout: written at most
-- once a minute per session. NULL for sessions opened before it existed,
-- which count as used at their next request.
ALTER TABLE sessions ADD COLUMN last_seen_at INTEGER;
