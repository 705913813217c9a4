-- Sites, their API keys, comments with their verdicts, authors, audit log, outbox,
-- users and per-site rules.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE sites (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    callback_url   TEXT,
    webhook_secret TEXT NOT NULL,
    policy         TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);

CREATE TABLE api_keys (
    id         TEXT PRIMARY KEY,
    site_id    TEXT NOT NULL REFERENCES sites(id),
    prefix     TEXT NOT NULL,
    key_hash   TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX api_keys_site ON api_keys(site_id);

CREATE TABLE comments (
    id                TEXT PRIMARY KEY,
    site_id           TEXT NOT NULL REFERENCES sites(id),
    external_id       TEXT NOT NULL,
    content_hash      TEXT NOT NULL,
    thread_id         TEXT NOT NULL,
    thread_url        TEXT,
    thread_title      TEXT,
    parent_id         TEXT,
    author_id         TEXT NOT NULL,
    author_name       TEXT,
    author_email_hash TEXT,
    author_ip_hash    TEXT,
    subject           TEXT,
    body              TEXT NOT NULL,
    language          TEXT NOT NULL,
    status            TEXT NOT NULL,
    decision          TEXT NOT NULL,
    decided_by        TEXT NOT NULL,
    scores            TEXT NOT NULL,
    reasons           TEXT NOT NULL,
    model_version     TEXT NOT NULL,
    rules_version     TEXT NOT NULL,
    claimed_by        TEXT,
    claim_expires_at  BIGINT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    deleted_at        BIGINT,
    UNIQUE (site_id, external_id)
);
CREATE INDEX comments_queue ON comments(site_id, status, created_at);
CREATE INDEX comments_author ON comments(site_id, author_id);

CREATE TABLE authors (
    site_id          TEXT NOT NULL REFERENCES sites(id),
    author_id        TEXT NOT NULL,
    approved         BIGINT NOT NULL DEFAULT 0,
    rejected         BIGINT NOT NULL DEFAULT 0,
    last_rejected_at BIGINT,
    first_seen       BIGINT NOT NULL,
    PRIMARY KEY (site_id, author_id)
);

CREATE TABLE audit_log (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id       TEXT NOT NULL,
    comment_id    TEXT,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    from_status   TEXT,
    to_status     TEXT,
    reason_code   TEXT,
    note          TEXT,
    model_version TEXT,
    rules_version TEXT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX audit_site ON audit_log(site_id, id);
CREATE INDEX audit_comment ON audit_log(comment_id);

CREATE TABLE outbox (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id        TEXT NOT NULL UNIQUE,
    site_id         TEXT NOT NULL,
    comment_id      TEXT,
    event_type      TEXT NOT NULL,
    payload         TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_status     BIGINT,
    last_error      TEXT,
    delivered_at    BIGINT,
    dead_at         BIGINT
);
CREATE INDEX outbox_site ON outbox(site_id, id);
CREATE INDEX outbox_due ON outbox(delivered_at, dead_at, next_attempt_at);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    role          TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    disabled_at   BIGINT
);

CREATE TABLE user_sites (
    user_id TEXT NOT NULL REFERENCES users(id),
    site_id TEXT NOT NULL REFERENCES sites(id),
    PRIMARY KEY (user_id, site_id)
);

CREATE TABLE user_tokens (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    prefix     TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE rules (
    site_id    TEXT NOT NULL REFERENCES sites(id),
    id         TEXT NOT NULL,
    definition TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (site_id, id)
);

-- Every change to a site's rules; the highest id is the site's rules version.
CREATE TABLE rule_versions (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id    TEXT NOT NULL,
    rule_id    TEXT NOT NULL,
    change     TEXT NOT NULL,
    definition TEXT,
    actor      TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- The audit log is append-only, whatever code runs against the database.
CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
