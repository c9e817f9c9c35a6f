-- Accounts hold what is bought: an enterprise's or a person's. Money is
-- integer fen, instants are milliseconds since the epoch (UTC), flags are 0/1.
CREATE TABLE accounts (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('enterprise', 'person')),
    balance_fen BIGINT NOT NULL DEFAULT 0 CHECK (balance_fen >= 0),
    edition TEXT,
    edition_starts_at BIGINT,
    edition_expires_at BIGINT,
    edition_trial BIGINT NOT NULL DEFAULT 0,
    integration_until BIGINT,
    trial_used BIGINT NOT NULL DEFAULT 0,
    grants_issued BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE persons (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL UNIQUE REFERENCES accounts(id),
    login TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    password_hash TEXT NOT NULL
);

CREATE TABLE enterprises (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL UNIQUE REFERENCES accounts(id),
    name TEXT NOT NULL,
    verified BIGINT NOT NULL,
    security_phone TEXT NOT NULL,
    linked_cloud_account TEXT
);

CREATE TABLE memberships (
    person_id BIGINT NOT NULL REFERENCES persons(id),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    roles TEXT NOT NULL,
    PRIMARY KEY (person_id, enterprise_id)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES persons(id),
    acting_enterprise_id BIGINT REFERENCES enterprises(id),
    expires_at BIGINT NOT NULL
);

CREATE TABLE vouchers (
    id TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    face_fen BIGINT NOT NULL,
    min_spend_fen BIGINT,
    scope TEXT,
    expires_at BIGINT NOT NULL,
    used_by_order BIGINT
);
CREATE INDEX vouchers_account ON vouchers (account_id);

CREATE TABLE orders (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    placed_by BIGINT NOT NULL REFERENCES persons(id),
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    quote TEXT NOT NULL,
    payable_fen BIGINT NOT NULL,
    voucher_id TEXT,
    payment_method TEXT,
    created_at BIGINT NOT NULL,
    pay_by BIGINT NOT NULL,
    paid_at BIGINT,
    delivered_at BIGINT,
    closed_at BIGINT
);
CREATE INDEX orders_account ON orders (account_id, created_at);
CREATE INDEX orders_unpaid ON orders (status, pay_by);

CREATE TABLE idempotency_keys (
    person_id BIGINT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    order_id BIGINT,
    PRIMARY KEY (person_id, idempotency_key)
);

-- One payment attempt through the gateway; the out_trade_no is the provider's key.
CREATE TABLE payments (
    out_trade_no TEXT PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders(id),
    method TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    status TEXT NOT NULL,
    transaction_id TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX payments_order ON payments (order_id);

-- Notification ids already believed, so that a replay changes nothing.
CREATE TABLE payment_notifications (
    id TEXT PRIMARY KEY,
    out_trade_no TEXT NOT NULL,
    received_at BIGINT NOT NULL
);

-- The outbox: written in the same transaction as the change to paid.
CREATE TABLE delivery_jobs (
    order_id BIGINT PRIMARY KEY REFERENCES orders(id),
    created_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT,
    attempts BIGINT NOT NULL DEFAULT 0,
    done_at BIGINT
);
CREATE INDEX delivery_jobs_pending ON delivery_jobs (done_at, lease_until);

CREATE TABLE quota_grants (
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    grant_no BIGINT NOT NULL,
    kind TEXT NOT NULL,
    amount BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    source TEXT NOT NULL,
    order_id BIGINT,
    PRIMARY KEY (account_id, grant_no)
);

CREATE TABLE quota_moves (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    grant_no BIGINT NOT NULL,
    entry TEXT NOT NULL,
    amount BIGINT NOT NULL,
    expires_at BIGINT,
    at BIGINT NOT NULL
);
CREATE INDEX quota_moves_account ON quota_moves (account_id, id);

-- Append-only: payments, deliveries, bindings and quota moves, who and when.
CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    account_id BIGINT,
    order_id BIGINT,
    event TEXT NOT NULL,
    detail TEXT NOT NULL
);

-- The payment sandbox's own book, kept like a provider would, so that
-- reconciliation still works after the server was killed.
CREATE TABLE sandbox_payments (
    out_trade_no TEXT PRIMARY KEY,
    method TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    transaction_id TEXT,
    created_at BIGINT NOT NULL,
    paid_at BIGINT,
    notify_due_at BIGINT,
    notify_attempts BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX sandbox_payments_due ON sandbox_payments (notify_due_at);
