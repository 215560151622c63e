-- The run log's lines, streamed by the agent in the step-event batches (one row per line), so
-- operators read a run's log while it runs and filter it by level.
CREATE TABLE job_logs (
    lease_id TEXT NOT NULL REFERENCES leases (id),
    seq      INTEGER NOT NULL,             -- the agent's batch number: a retried batch is stored once
    idx      INTEGER NOT NULL,
    job_id   TEXT NOT NULL REFERENCES jobs (id),
    time     INTEGER NOT NULL,             -- Unix milliseconds
    level    TEXT NOT NULL,                -- debug, step, info, warn, error
    message  TEXT NOT NULL,                -- already redacted by the agent
    PRIMARY KEY (lease_id, seq, idx)
);
CREATE INDEX job_logs_job ON job_logs (job_id);
