-- Compatibility endpoints (Perspective, Akismet, Coral): feedback labels for the
-- learning loop, and each site's integration settings.

-- A label a client sent back: Perspective `comments:suggestscore`, Akismet
-- `submit-spam` / `submit-ham`. Not a comment: nothing here enters the queue.
CREATE TABLE compat_labels (
    id           TEXT PRIMARY KEY,
    site_id      TEXT NOT NULL REFERENCES sites(id),
    -- perspective | akismet
    source       TEXT NOT NULL,
    -- What the client said, as it said it: `TOXICITY=0`, `submit-spam`, ...
    label_raw    TEXT NOT NULL,
    text         TEXT NOT NULL,
    language     TEXT NOT NULL,
    -- 1 / 0, or NULL when the label says nothing about that head.
    spam         BIGINT,
    abuse        BIGINT,
    client_token TEXT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX compat_labels_site ON compat_labels(site_id, created_at);

-- Per-site integration settings; a site without a row has none configured.
CREATE TABLE compat_sites (
    site_id        TEXT PRIMARY KEY REFERENCES sites(id),
    -- JSON array of Coral signing secrets (`empsec_...`); several during rotation.
    coral_secrets  TEXT NOT NULL DEFAULT '[]',
    -- 1: Akismet comment-check stores the comment (queue, history, audit) like a submit.
    akismet_store  BIGINT NOT NULL DEFAULT 0,
    updated_at     BIGINT NOT NULL
);
