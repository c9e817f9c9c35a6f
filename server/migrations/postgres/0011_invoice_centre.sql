-- INV-1, the invoice centre (发票中心): titles kept per account, one invoice
-- for one or several orders, issued asynchronously by the tax platform,
-- reversed by a red-letter invoice (红冲).

-- 发票抬头: an enterprise's (its verified name, credit code, 专票 details)
-- or a person's (a name), as `domain::invoice::Title` JSON.
CREATE TABLE invoice_titles (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    title TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES persons(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX invoice_titles_account ON invoice_titles (account_id, id);

-- The invoices of 0004 were one per order and issued on the spot; they
-- move here as issued invoices without lines, number or document. (Built
-- beside the old table and renamed: the old one's key names stay taken
-- until it is dropped.)
CREATE TABLE invoices_new (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    -- The title as it was chosen (a later change of titles leaves it as issued).
    title TEXT NOT NULL,
    -- `domain::invoice::InvoiceAmounts` JSON: the lines and their totals.
    amounts TEXT NOT NULL,
    total_fen BIGINT NOT NULL CHECK (total_fen >= 0),
    status TEXT NOT NULL,
    -- Why the platform refused it (status failed).
    failure TEXT,
    -- Requests handed to the platform: each attempt has its own serial.
    attempts BIGINT NOT NULL DEFAULT 0,
    number TEXT UNIQUE,
    issued_at BIGINT,
    red_number TEXT UNIQUE,
    reversed_at BIGINT,
    reversed_by BIGINT REFERENCES persons(id),
    requested_by BIGINT NOT NULL REFERENCES persons(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
INSERT INTO invoices_new (id, account_id, title, amounts, total_fen, status, requested_by, created_at, updated_at, issued_at)
SELECT id, account_id,
    '{"buyer":"enterprise","kind":"ordinary","name":"' || replace(replace(title, '\', '\\'), '"', '\"')
        || '","credit_code":null,"address":null,"phone":null,"bank":null,"bank_account":null,"email":""}',
    '{"lines":[],"amount":"0.00","tax":"0.00","total":"0.00"}',
    amount_fen, 'issued', requested_by, created_at, created_at, created_at
FROM invoices;
SELECT setval(pg_get_serial_sequence('invoices_new', 'id'), COALESCE((SELECT MAX(id) FROM invoices), 0) + 1, false);

CREATE TABLE invoice_orders_0004 AS SELECT id AS invoice_id, order_id, amount_fen FROM invoices;
DROP TABLE invoices;
ALTER TABLE invoices_new RENAME TO invoices;

-- Which orders an invoice covers. `held` while the invoice stands
-- (requested, issuing, issued): an order is held by one invoice at most.
CREATE TABLE invoice_orders (
    invoice_id BIGINT NOT NULL REFERENCES invoices(id),
    order_id BIGINT NOT NULL REFERENCES orders(id),
    amount_fen BIGINT NOT NULL CHECK (amount_fen >= 0),
    held BIGINT NOT NULL,
    PRIMARY KEY (invoice_id, order_id)
);
INSERT INTO invoice_orders (invoice_id, order_id, amount_fen, held)
SELECT invoice_id, order_id, amount_fen, 1 FROM invoice_orders_0004;
DROP TABLE invoice_orders_0004;
CREATE UNIQUE INDEX invoice_orders_held ON invoice_orders (order_id) WHERE held = 1;
CREATE INDEX invoices_account ON invoices (account_id, id);
CREATE INDEX invoices_status ON invoices (status, id);

-- The document the platform issued (PDF), written with the number in one
-- transaction.
CREATE TABLE invoice_documents (
    invoice_id BIGINT PRIMARY KEY REFERENCES invoices(id),
    pdf BYTEA NOT NULL
);
