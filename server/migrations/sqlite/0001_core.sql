-- Accounts hold what is bought: an enterprise's or a person's. Money is
-- integer fen, instants are milliseconds since the epoch (UTC), flags are 0/1.
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('enterprise', 'person')),
    balance_fen INTEGER NOT NULL DEFAULT 0 CHECK (balance_fen >= 0),
    edition TEXT,
    edition_starts_at INTEGER,
    edition_expires_at INTEGER,
    edition_trial INTEGER NOT NULL DEFAULT 0,
    integration_until INTEGER,
    trial_used INTEGER NOT NULL DEFAULT 0,
    grants_issued INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE persons (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL UNIQUE REFERENCES accounts(id),
    login TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    password_hash TEXT NOT NULL
);

CREATE TABLE enterprises (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL UNIQUE REFERENCES accounts(id),
    name TEXT NOT NULL,
    verified INTEGER NOT NULL,
    security_phone TEXT NOT NULL,
    linked_cloud_account TEXT
);

CREATE TABLE memberships (
    person_id INTEGER NOT NULL REFERENCES persons(id),
    enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
    roles TEXT NOT NULL,
    PRIMARY KEY (person_id, enterprise_id)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons(id),
    acting_enterprise_id INTEGER REFERENCES enterprises(id),
    expires_at INTEGER NOT NULL
);

CREATE TABLE vouchers (
    id TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    face_fen INTEGER NOT NULL,
    min_spend_fen INTEGER,
    scope TEXT,
    expires_at INTEGER NOT NULL,
    used_by_order INTEGER
);
CREATE INDEX vouchers_account ON vouchers (account_id);

CREATE TABLE orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    placed_by INTEGER NOT NULL REFERENCES persons(id),
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    quote TEXT NOT NULL,
    payable_fen INTEGER NOT NULL,
    voucher_id TEXT,
    payment_method TEXT,
    created_at INTEGER NOT NULL,
    pay_by INTEGER NOT NULL,
    paid_at INTEGER,
    delivered_at INTEGER,
    closed_at INTEGER
);
CREATE INDEX orders_account ON orders (account_id, created_at);
CREATE INDEX orders_unpaid ON orders (status, pay_by);

CREATE TABLE idempotency_keys (
    person_id INTEGER NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    order_id INTEGER,
    PRIMARY KEY (person_id, idempotency_key)
);

-- One payment attempt through the gateway; the out_trade_no is the provider's key.
CREATE TABLE payments (
    out_trade_no TEXT PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders(id),
    method TEXT NOT NULL,
    amount_fen INTEGER NOT NULL,
    status TEXT NOT NULL,
    transaction_id TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX payments_order ON payments (order_id);

-- Notification ids already believed, so that a replay changes nothing.
CREATE TABLE payment_notifications (
    id TEXT PRIMARY KEY,
    out_trade_no TEXT NOT NULL,
    received_at INTEGER NOT NULL
);

-- The outbox: written in the same transaction as the change to paid.
CREATE TABLE delivery_jobs (
    order_id INTEGER PRIMARY KEY REFERENCES orders(id),
    created_at INTEGER NOT NULL,
    lease_owner TEXT,
    lease_until INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    done_at INTEGER
);
CREATE INDEX delivery_jobs_pending ON delivery_jobs (done_at, lease_until);

CREATE TABLE quota_grants (
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    grant_no INTEGER NOT NULL,
    kind TEXT NOT NULL,
    amount INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    order_id INTEGER,
    PRIMARY KEY (account_id, grant_no)
);

CREATE TABLE quota_moves (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    grant_no INTEGER NOT NULL,
    entry TEXT NOT NULL,
    amount INTEGER NOT NULL,
    expires_at INTEGER,
    at INTEGER NOT NULL
);
CREATE INDEX quota_moves_account ON quota_moves (account_id, id);

-- Append-only: payments, deliveries, bindings and quota moves, who and when.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    account_id INTEGER,
    order_id INTEGER,
    event TEXT NOT NULL,
    detail TEXT NOT NULL
);

-- The payment sandbox's own book, kept like a provider would, so that
-- reconciliation still works after the server was killed.
CREATE TABLE sandbox_payments (
    out_trade_no TEXT PRIMARY KEY,
    method TEXT NOT NULL,
    amount_fen INTEGER NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    transaction_id TEXT,
    created_at INTEGER NOT NULL,
    paid_at INTEGER,
    notify_due_at INTEGER,
    notify_attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sandbox_payments_due ON sandbox_payments (notify_due_at);
