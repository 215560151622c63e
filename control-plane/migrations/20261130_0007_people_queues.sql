-- Queues whose items people decide (document validation): bots never take their items.
ALTER TABLE queues ADD COLUMN worked_by TEXT NOT NULL DEFAULT 'bots';  -- bots | people

-- The queue the agent's `request_validation` step adds to, so a person can decide its items on
-- every control plane without setting it up first. Decisions are final: nothing is retried.
INSERT OR IGNORE INTO queues (name, description, max_retries, retry_backoff_s, sla_s, created_at)
VALUES ('invoice-validation', 'documents a bot sent to a person for validation', 0, 0, NULL,
        CAST(strftime('%s', 'now') AS INTEGER) * 1000);
UPDATE queues SET worked_by = 'people' WHERE name = 'invoice-validation';
