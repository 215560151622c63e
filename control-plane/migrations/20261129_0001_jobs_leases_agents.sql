-- Agents, jobs, leases and the step events agents report. Times are UTC milliseconds.
CREATE TABLE agents (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    registration  TEXT NOT NULL,           -- wire::Registration as JSON
    registered_at INTEGER NOT NULL,
    last_seen     INTEGER NOT NULL
);

CREATE TABLE jobs (
    id               TEXT PRIMARY KEY,
    seq              INTEGER NOT NULL UNIQUE,  -- enqueue order, the tie-break after priority
    bot_name         TEXT NOT NULL,
    bot_version      INTEGER NOT NULL,
    inputs           TEXT NOT NULL,
    priority         INTEGER NOT NULL,
    required_labels  TEXT NOT NULL,
    required_caps    TEXT NOT NULL,
    timeout_s        INTEGER NOT NULL,
    attempt          INTEGER NOT NULL,
    max_attempts     INTEGER NOT NULL,
    state            TEXT NOT NULL,
    not_before       INTEGER NOT NULL,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    outputs          TEXT,
    error            TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX jobs_ready ON jobs (state, priority DESC, seq);

CREATE TABLE leases (
    id         TEXT PRIMARY KEY,
    job_id     TEXT NOT NULL REFERENCES jobs (id),
    agent_id   TEXT NOT NULL REFERENCES agents (id),
    attempt    INTEGER NOT NULL,
    state      TEXT NOT NULL,              -- active | completed | expired
    leased_at  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX leases_active ON leases (state, expires_at);
CREATE INDEX leases_job ON leases (job_id);

CREATE TABLE step_events (
    lease_id TEXT NOT NULL REFERENCES leases (id),
    seq      INTEGER NOT NULL,             -- the agent's batch number: a retried batch is stored once
    idx      INTEGER NOT NULL,
    job_id   TEXT NOT NULL REFERENCES jobs (id),
    event    TEXT NOT NULL,
    PRIMARY KEY (lease_id, seq, idx)
);
CREATE INDEX step_events_job ON step_events (job_id);
