-- Work queues, their items, triggers, where each job came from, and per-bot concurrency.
CREATE TABLE queues (
    name            TEXT PRIMARY KEY,
    description     TEXT NOT NULL DEFAULT '',
    max_retries     INTEGER NOT NULL,      -- system exceptions retried this many times
    retry_backoff_s INTEGER NOT NULL,      -- delay before retry n is backoff * 2^(n-1)
    sla_s           INTEGER,               -- default deadline after an item is added
    created_at      INTEGER NOT NULL
);

CREATE TABLE queue_items (
    id          TEXT PRIMARY KEY,
    seq         INTEGER NOT NULL UNIQUE,   -- arrival order, the tie-break after priority and deadline
    queue       TEXT NOT NULL REFERENCES queues (name),
    reference   TEXT,                      -- unique within the queue when given
    payload     TEXT NOT NULL,
    priority    INTEGER NOT NULL,
    deadline    INTEGER,
    not_before  INTEGER NOT NULL,          -- defer-until, or the retry backoff
    state       TEXT NOT NULL,             -- new | in_progress | done | business_exception | failed
    attempt     INTEGER NOT NULL,
    lease_id    TEXT REFERENCES leases (id),
    job_id      TEXT REFERENCES jobs (id),
    output      TEXT,
    error       TEXT,
    created_at  INTEGER NOT NULL,
    started_at  INTEGER,
    finished_at INTEGER,
    updated_at  INTEGER NOT NULL,
    UNIQUE (queue, reference)
);
CREATE INDEX queue_items_ready ON queue_items (queue, state, priority DESC, seq);
CREATE INDEX queue_items_lease ON queue_items (lease_id);

CREATE TABLE triggers (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    spec        TEXT NOT NULL,             -- NewTrigger as JSON, without the webhook secret
    secret_hash TEXT,                      -- sha256 of a webhook trigger's secret
    enabled     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);

-- One row per firing, keyed so the same file or webhook delivery never starts two jobs.
CREATE TABLE trigger_fires (
    trigger_id TEXT NOT NULL REFERENCES triggers (id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    job_id     TEXT NOT NULL REFERENCES jobs (id),
    fired_at   INTEGER NOT NULL,
    PRIMARY KEY (trigger_id, key)
);

ALTER TABLE jobs ADD COLUMN source TEXT;   -- schedule:<id> | trigger:<id> | NULL (by hand)
CREATE INDEX jobs_source ON jobs (source, state);

ALTER TABLE bots ADD COLUMN max_concurrent INTEGER;  -- NULL: no limit
