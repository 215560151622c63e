-- Files a run produced (screenshots, reports, its run.log), uploaded by the agent under the
-- run's lease and kept on disk beside the store; this table is their index.
CREATE TABLE artifacts (
    job_id     TEXT NOT NULL REFERENCES jobs (id),
    name       TEXT NOT NULL,              -- relative path inside the run's artifacts
    lease_id   TEXT NOT NULL REFERENCES leases (id),
    bytes      INTEGER NOT NULL,
    sha256     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (job_id, name)
);
