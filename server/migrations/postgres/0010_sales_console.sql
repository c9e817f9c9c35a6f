-- SAL-1: the sales manager's work on a contact request: where it stands,
-- and the conversation notes kept on it (append-only, like the audit log).
ALTER TABLE sales_leads ADD COLUMN status TEXT NOT NULL DEFAULT 'new';
CREATE INDEX sales_leads_status ON sales_leads (status, created_at);

CREATE TABLE sales_lead_notes (
    id BIGSERIAL PRIMARY KEY,
    lead_id BIGINT NOT NULL REFERENCES sales_leads(id),
    author_id BIGINT NOT NULL REFERENCES persons(id),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX sales_lead_notes_lead ON sales_lead_notes (lead_id, id);
