-- The review queue: moderator decisions, reader reports, appeals, and the columns the
-- queue sorts and filters on.

ALTER TABLE comments ADD COLUMN risk DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE comments ADD COLUMN decided_by_user TEXT;
ALTER TABLE comments ADD COLUMN decided_at BIGINT;
ALTER TABLE comments ADD COLUMN decision_reason TEXT;
-- The final status a comment had before a report or an appeal brought it back.
ALTER TABLE comments ADD COLUMN prior_status TEXT;
ALTER TABLE comments ADD COLUMN is_appeal BIGINT NOT NULL DEFAULT 0;
-- For appeals: the moderator whose rejection is disputed may not decide the appeal.
ALTER TABLE comments ADD COLUMN appeal_excluded_user TEXT;

CREATE INDEX comments_pending_risk ON comments(status, risk);

CREATE TABLE reports (
    id          TEXT PRIMARY KEY,
    site_id     TEXT NOT NULL REFERENCES sites(id),
    comment_id  TEXT NOT NULL REFERENCES comments(id),
    reporter_id TEXT,
    reason      TEXT NOT NULL,
    note        TEXT,
    weight      DOUBLE PRECISION NOT NULL,
    -- upheld | dismissed, once a moderator decided the comment.
    outcome     TEXT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX reports_comment ON reports(comment_id);
CREATE INDEX reports_reporter ON reports(site_id, reporter_id);
