-- Contracts initiated against the quota (QUO-2), and the expiry sweeper's
-- bookkeeping (QUO-4). Instants are milliseconds since the epoch (UTC).

-- A contract draws one contract from the grant that expires first; a
-- withdrawal gives it back to that same grant.
CREATE TABLE contracts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    initiated_by INTEGER NOT NULL REFERENCES persons(id),
    title TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('initiated', 'signed', 'withdrawn')),
    grant_no INTEGER NOT NULL,
    idempotency_key TEXT,
    created_at INTEGER NOT NULL,
    signed_at INTEGER,
    withdrawn_at INTEGER,
    FOREIGN KEY (account_id, grant_no) REFERENCES quota_grants (account_id, grant_no)
);
CREATE INDEX contracts_account ON contracts (account_id, id);
-- NULL keys never collide: only a repeated key finds its contract again.
CREATE UNIQUE INDEX contracts_idempotency ON contracts (account_id, initiated_by, idempotency_key);

-- Set once the sweeper has cleared a grant after its expiry: an expired grant
-- never takes quota again, so the sweeper need not look at it twice.
ALTER TABLE quota_grants ADD COLUMN swept_at INTEGER;
CREATE INDEX quota_grants_unswept ON quota_grants (expires_at) WHERE swept_at IS NULL;
-- A grant's latest move (its current expiry) without scanning the account's ledger.
CREATE INDEX quota_moves_grant ON quota_moves (account_id, grant_no, id);
