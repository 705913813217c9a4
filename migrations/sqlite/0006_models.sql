-- Classifier model versions known to the deployment; at most one is active. Instances
-- load the active one (from the same path on every instance) without a restart.
CREATE TABLE models (
    version       TEXT PRIMARY KEY,
    path          TEXT NOT NULL,
    trained_at    TEXT NOT NULL,
    metrics       TEXT NOT NULL,
    registered_at BIGINT NOT NULL,
    active        BIGINT NOT NULL DEFAULT 0
);
