-- Refunds (ORD-3): an operator returns money to be returned through the
-- provider. One row per request at the provider, numbered after the payment
-- (`{out_trade_no}-{n}`), so a request sent again is the same refund there.
-- `requested` is written before the provider is called: a crash between the
-- two leaves a row reconciliation sends again.
CREATE TABLE refunds (
    out_refund_no TEXT PRIMARY KEY,
    out_trade_no TEXT NOT NULL REFERENCES payments(out_trade_no),
    order_id BIGINT NOT NULL REFERENCES orders(id),
    amount_fen BIGINT NOT NULL,
    -- requested, processing, succeeded, failed
    status TEXT NOT NULL,
    refund_id TEXT,
    failure TEXT,
    requested_by TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    settled_at BIGINT
);
CREATE INDEX refunds_payment ON refunds (out_trade_no);
CREATE INDEX refunds_open ON refunds (status, requested_at);

-- The sandbox provider's refunds: processing until it has returned the
-- money (`settle_at`), then a signed notification like a payment's.
CREATE TABLE sandbox_refunds (
    out_refund_no TEXT PRIMARY KEY,
    out_trade_no TEXT NOT NULL,
    refund_id TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    -- processing, success, abnormal
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    settle_at BIGINT NOT NULL,
    succeeded_at BIGINT,
    notify_id TEXT NOT NULL,
    notify_due_at BIGINT,
    notify_attempts BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX sandbox_refunds_trade ON sandbox_refunds (out_trade_no);
CREATE INDEX sandbox_refunds_due ON sandbox_refunds (notify_due_at);
