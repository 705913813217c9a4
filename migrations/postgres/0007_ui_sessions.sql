-- Web UI sessions. The cookie carries a random token; only its SHA-256 is stored, so
-- a database dump cannot be replayed as a login. Each session has its own CSRF token.
CREATE TABLE ui_sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    csrf_token  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX ui_sessions_expires ON ui_sessions(expires_at);
