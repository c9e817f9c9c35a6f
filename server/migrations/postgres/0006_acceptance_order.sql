-- ORD-1, PRI-2: paid orders are delivered, and enter the basis, in the order
-- their payments were accepted. Two payments can carry the same instant (a
-- provider payment is dated when the money was collected), so the order is
-- a number, not a time. Jobs from before are numbered by their payment time.
ALTER TABLE delivery_jobs ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
UPDATE delivery_jobs SET seq = (SELECT COUNT(*) FROM delivery_jobs AS earlier
    WHERE earlier.created_at < delivery_jobs.created_at
       OR (earlier.created_at = delivery_jobs.created_at AND earlier.order_id <= delivery_jobs.order_id));
CREATE INDEX delivery_jobs_seq ON delivery_jobs (seq);

-- BND-5: the same two append-only triggers as SQLite has, one per statement kind.
DROP TRIGGER audit_log_no_update ON audit_log;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
