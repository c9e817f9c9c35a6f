-- After the purchase: phone verification (VER-1), binding personal orders
-- (BND-2, BND-3, BND-5), invoices (INV-1) and Flagship sales quotes (SAL-1,
-- CH-4). Money is integer fen, instants are milliseconds since the epoch
-- (UTC), flags are 0/1.

-- The bundled SMS gateway's outbox: what a real gateway would deliver to the
-- phone (development reads it through GET /api/dev/sms-outbox).
CREATE TABLE sms_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    phone TEXT NOT NULL,
    text TEXT NOT NULL,
    sent_at INTEGER NOT NULL
);
CREATE INDEX sms_outbox_phone ON sms_outbox (phone, id);

-- VER-1: when each phone was last sent a code (at most one a minute).
CREATE TABLE sms_throttle (
    phone TEXT PRIMARY KEY,
    last_sent_at INTEGER NOT NULL
);

-- The live code of an identity for a purpose: a salted digest, never the code.
-- `subject` is the acting identity (`person:7`, `person:7/enterprise:1`).
CREATE TABLE verification_codes (
    subject TEXT NOT NULL,
    purpose TEXT NOT NULL,
    phone TEXT NOT NULL,
    salt TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    checked_at INTEGER,
    PRIMARY KEY (subject, purpose)
);

-- A checked code vouches for the identity, for its purpose and phone, until `verified_until`.
CREATE TABLE phone_verifications (
    subject TEXT NOT NULL,
    purpose TEXT NOT NULL,
    phone TEXT NOT NULL,
    verified_at INTEGER NOT NULL,
    verified_until INTEGER NOT NULL,
    PRIMARY KEY (subject, purpose)
);

-- BND-3: what a person gave before a first purchase in the mini-program.
CREATE TABLE person_details (
    person_id INTEGER PRIMARY KEY REFERENCES persons(id),
    enterprise_name TEXT NOT NULL,
    phone TEXT NOT NULL,
    given_at INTEGER NOT NULL
);

-- BND-2: a personal order moved to an enterprise, once (the key says so too).
CREATE TABLE order_bindings (
    order_id INTEGER PRIMARY KEY REFERENCES orders(id),
    person_id INTEGER NOT NULL REFERENCES persons(id),
    enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
    enterprise_account_id INTEGER NOT NULL REFERENCES accounts(id),
    bound_at INTEGER NOT NULL
);

-- INV-1: at most one invoice per order, for what was paid.
CREATE TABLE invoices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    order_id INTEGER NOT NULL UNIQUE REFERENCES orders(id),
    amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0),
    title TEXT NOT NULL,
    requested_by INTEGER NOT NULL REFERENCES persons(id),
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX invoices_account ON invoices (account_id, id);

-- SAL-1: a sales manager is a person with this flag (not an enterprise role).
ALTER TABLE persons ADD COLUMN sales_manager INTEGER NOT NULL DEFAULT 0;

-- SAL-1, CH-4: contact requests from the contact-to-buy and consultation forms.
CREATE TABLE sales_leads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    person_id INTEGER NOT NULL REFERENCES persons(id),
    kind TEXT NOT NULL CHECK (kind IN ('flagship', 'consultation')),
    contact_name TEXT NOT NULL,
    phone TEXT NOT NULL,
    company TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX sales_leads_created ON sales_leads (created_at, id);

-- SAL-1: a Flagship quote for the lead's account; used by one order (a
-- closed order gives it back).
CREATE TABLE sales_quotes (
    id TEXT PRIMARY KEY,
    lead_id INTEGER NOT NULL REFERENCES sales_leads(id),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    years INTEGER NOT NULL,
    price_fen INTEGER NOT NULL CHECK (price_fen > 0),
    contracts INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    issued_by INTEGER NOT NULL REFERENCES persons(id),
    issued_at INTEGER NOT NULL,
    used_by_order INTEGER REFERENCES orders(id)
);
CREATE INDEX sales_quotes_account ON sales_quotes (account_id);
CREATE INDEX sales_quotes_lead ON sales_quotes (lead_id);

-- BND-5: the audit log is append-only, and the database says so.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
