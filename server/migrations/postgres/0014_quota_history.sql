-- The quota history (份额变动记录, QUO-1): what wrote each ledger row, and
-- when a grant was written and where it sits among the account's moves
-- (`after_move`: the account's last quota_moves.id then), so the history
-- keeps the order of writing even when many rows share one instant.
-- An empty cause is refused when read: every writer names its own.
ALTER TABLE quota_moves ADD COLUMN cause TEXT NOT NULL DEFAULT '';
ALTER TABLE quota_grants ADD COLUMN cause TEXT NOT NULL DEFAULT '';
ALTER TABLE quota_grants ADD COLUMN granted_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE quota_grants ADD COLUMN after_move BIGINT NOT NULL DEFAULT 0;

-- Rows written before: the cause each kind of row had unless a trial ended
-- or a binding moved it (those clears read as expiry, those moves as delivery).
UPDATE quota_moves SET cause = CASE entry
    WHEN 'draw' THEN CASE WHEN (SELECT g.kind FROM quota_grants g
                                WHERE g.account_id = quota_moves.account_id AND g.grant_no = quota_moves.grant_no) = 'contracts'
                          THEN 'contract' ELSE 'add_on_use' END
    WHEN 'return' THEN 'withdrawal'
    WHEN 'clear' THEN 'expiry'
    ELSE 'delivery' END;
UPDATE quota_grants SET cause = CASE
    WHEN source = 'trial' THEN 'trial'
    WHEN EXISTS (SELECT 1 FROM orders o WHERE o.id = quota_grants.order_id AND o.account_id <> quota_grants.account_id)
        THEN 'binding'
    ELSE 'delivery' END;
UPDATE quota_grants SET granted_at = COALESCE(
    (SELECT b.bound_at FROM order_bindings b WHERE b.order_id = quota_grants.order_id
        AND b.enterprise_account_id = quota_grants.account_id),
    (SELECT o.delivered_at FROM orders o WHERE o.id = quota_grants.order_id AND o.account_id = quota_grants.account_id),
    (SELECT MIN(m.at) FROM quota_moves m WHERE m.account_id = quota_grants.account_id AND m.grant_no = quota_grants.grant_no),
    0);
UPDATE quota_grants SET after_move = COALESCE(
    (SELECT MAX(m.id) FROM quota_moves m WHERE m.account_id = quota_grants.account_id AND m.at < quota_grants.granted_at),
    0);
