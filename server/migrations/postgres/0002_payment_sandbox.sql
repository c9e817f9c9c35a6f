-- The sandbox refuses payment after the merchant's deadline, and resends a
-- notification under the same id (as WeChat does), so a replay is a replay.
ALTER TABLE sandbox_payments ADD COLUMN expires_at BIGINT;
ALTER TABLE sandbox_payments ADD COLUMN notify_id TEXT;

-- Reconciliation looks for payments still pending after a while.
CREATE INDEX payments_pending ON payments (status, created_at);
