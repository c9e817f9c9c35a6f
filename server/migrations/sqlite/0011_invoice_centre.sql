-- INV-1, the invoice centre (发票中心): titles kept per account, one invoice
-- for one or several orders, issued asynchronously by the tax platform,
-- reversed by a red-letter invoice (红冲).

-- 发票抬头: an enterprise's (its verified name, credit code, 专票 details)
-- or a person's (a name), as `domain::invoice::Title` JSON.
CREATE TABLE invoice_titles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    title TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES persons(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX invoice_titles_account ON invoice_titles (account_id, id);

-- The invoices of 0004 were one per order and issued on the spot; they
-- move here as issued invoices without lines, number or document.
ALTER TABLE invoices RENAME TO invoices_0004;
CREATE TABLE invoices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    -- The title as it was chosen (a later change of titles leaves it as issued).
    title TEXT NOT NULL,
    -- `domain::invoice::InvoiceAmounts` JSON: the lines and their totals.
    amounts TEXT NOT NULL,
    total_fen INTEGER NOT NULL CHECK (total_fen >= 0),
    status TEXT NOT NULL,
    -- Why the platform refused it (status failed).
    failure TEXT,
    -- Requests handed to the platform: each attempt has its own serial.
    attempts INTEGER NOT NULL DEFAULT 0,
    number TEXT UNIQUE,
    issued_at INTEGER,
    red_number TEXT UNIQUE,
    reversed_at INTEGER,
    reversed_by INTEGER REFERENCES persons(id),
    requested_by INTEGER NOT NULL REFERENCES persons(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
INSERT INTO invoices (id, account_id, title, amounts, total_fen, status, requested_by, created_at, updated_at, issued_at)
SELECT id, account_id,
    '{"buyer":"enterprise","kind":"ordinary","name":"' || replace(replace(title, '\', '\\'), '"', '\"')
        || '","credit_code":null,"address":null,"phone":null,"bank":null,"bank_account":null,"email":""}',
    '{"lines":[],"amount":"0.00","tax":"0.00","total":"0.00"}',
    amount_fen, 'issued', requested_by, created_at, created_at, created_at
FROM invoices_0004;

-- Which orders an invoice covers. `held` while the invoice stands
-- (requested, issuing, issued): an order is held by one invoice at most.
CREATE TABLE invoice_orders (
    invoice_id INTEGER NOT NULL REFERENCES invoices(id),
    order_id INTEGER NOT NULL REFERENCES orders(id),
    amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0),
    held INTEGER NOT NULL,
    PRIMARY KEY (invoice_id, order_id)
);
INSERT INTO invoice_orders (invoice_id, order_id, amount_fen, held)
SELECT id, order_id, amount_fen, 1 FROM invoices_0004;
DROP TABLE invoices_0004;
CREATE UNIQUE INDEX invoice_orders_held ON invoice_orders (order_id) WHERE held = 1;
CREATE INDEX invoices_account ON invoices (account_id, id);
CREATE INDEX invoices_status ON invoices (status, id);

-- The document the platform issued (PDF), written with the number in one
-- transaction.
CREATE TABLE invoice_documents (
    invoice_id INTEGER PRIMARY KEY REFERENCES invoices(id),
    pdf BLOB NOT NULL
);
