-- The cloud account a session was opened through (CH-3): the cloud console
-- sells only to the enterprise linked to it. NULL for a web sign-in.
ALTER TABLE sessions ADD COLUMN cloud_account TEXT;
