-- An order keeps its promise (ORD-1, PRI-2, PAY-4): the selection an order
-- was placed with, so that paying re-assesses it against the account as it
-- is then; why a paid order needs a person; one open provider payment per
-- order, answered again with the same prompt; what collected money that is
-- not the order's payment is waiting for; the operator flag.

ALTER TABLE orders ADD COLUMN selection TEXT NOT NULL DEFAULT '{}';
ALTER TABLE orders ADD COLUMN attention TEXT;
ALTER TABLE orders ADD COLUMN attention_at INTEGER;
-- The basis: an account's paid, undelivered orders, read at every quote.
CREATE INDEX orders_account_status ON orders (account_id, status);

ALTER TABLE payments ADD COLUMN prompt TEXT;
ALTER TABLE payments ADD COLUMN refund_reason TEXT;
ALTER TABLE payments ADD COLUMN settled_at INTEGER;
-- At most one payment per order is open at the provider at a time (a
-- database from before this rule keeps the oldest open one of each order).
UPDATE payments SET status = 'closed' WHERE status = 'pending' AND out_trade_no NOT IN
    (SELECT MIN(out_trade_no) FROM payments WHERE status = 'pending' GROUP BY order_id);
CREATE UNIQUE INDEX payments_one_pending ON payments (order_id) WHERE status = 'pending';
CREATE INDEX payments_status ON payments (status, settled_at);

ALTER TABLE persons ADD COLUMN operator INTEGER NOT NULL DEFAULT 0;
