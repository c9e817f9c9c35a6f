-- Where the merchant asked the payment sandbox to send each notification,
-- when it opened the payment or the refund over the WeChat Pay v3 API.
ALTER TABLE sandbox_payments ADD COLUMN notify_url TEXT;
ALTER TABLE sandbox_refunds ADD COLUMN notify_url TEXT;
