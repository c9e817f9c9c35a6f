-- A delivery round takes its jobs in the transaction that delivers them
-- (on PostgreSQL, leaving out those another round holds), so no job is
-- leased to a worker any more: `retry_at` is only when a job that failed
-- is tried again.
ALTER TABLE delivery_jobs DROP COLUMN lease_owner;
ALTER TABLE delivery_jobs RENAME COLUMN lease_until TO retry_at;
