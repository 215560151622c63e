-- Cron schedules. next_run_at is advanced in the same transaction that queues the run's job,
-- so a restart can neither skip nor repeat a run.
CREATE TABLE schedules (
    id          TEXT PRIMARY KEY,
    spec        TEXT NOT NULL,              -- NewSchedule as JSON
    next_run_at INTEGER,                    -- NULL: the expression never fires again
    last_run_at INTEGER,
    created_at  INTEGER NOT NULL
);
CREATE INDEX schedules_due ON schedules (next_run_at);
