-- Enterprise verification (企业认证, VER-2): a member asks with the
-- enterprise's registered name, its unified social credit code and its legal
-- representative; the reviewer approves or rejects (with a reason). The
-- newest request of an enterprise is its state; a rejected one may be
-- followed by another, so an enterprise keeps every request it made.
CREATE TABLE verification_requests (
    id BIGSERIAL PRIMARY KEY,
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    requested_by BIGINT NOT NULL REFERENCES persons(id),
    name TEXT NOT NULL,
    credit_code TEXT NOT NULL,
    legal_representative TEXT NOT NULL,
    -- submitted, approved, rejected
    status TEXT NOT NULL,
    decided_by TEXT,
    decided_at BIGINT,
    reason TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX verification_requests_enterprise ON verification_requests (enterprise_id, id);
CREATE INDEX verification_requests_status ON verification_requests (status, created_at);
-- One request under review per enterprise, however many members ask at once.
CREATE UNIQUE INDEX verification_requests_one_open ON verification_requests (enterprise_id)
    WHERE status = 'submitted';

-- The bundled review provider's queue: what it was asked, and its verdict
-- once its reviewer (in development, an operator) gave one.
CREATE TABLE sandbox_reviews (
    -- The product's request id, as the provider keeps a merchant's number.
    out_request_no TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    credit_code TEXT NOT NULL,
    legal_representative TEXT NOT NULL,
    -- queued, approved, rejected
    status TEXT NOT NULL,
    reason TEXT,
    queued_at BIGINT NOT NULL,
    decided_at BIGINT
);
