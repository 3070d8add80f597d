-- 0004: jobs through an outbox. An intent remembers how often its RAPI call was (about to be) sent and
-- when the last attempt started, so that reconciliation after a crash sends a lost intent at most once
-- more, and waits for an attempt in flight to be answered or to time out before concluding anything.

ALTER TABLE jobs
    ADD COLUMN submission_attempts integer NOT NULL DEFAULT 0,
    ADD COLUMN last_attempt_at timestamp with time zone;

ALTER TABLE jobs
    ALTER COLUMN submission_attempts DROP DEFAULT;

-- Reconciliation looks at each cluster's unresolved intents on every job pass: a tiny partial index.
CREATE INDEX ix_jobs_pending_intents ON jobs (cluster_id) WHERE submission = 'Pending';
