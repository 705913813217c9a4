-- Verdict delivery: webhook secret rotation and the comment.pending opt-out per site;
-- claims, attempt times and the pull-feed sequence per outbox event.

-- The secret replaced by the last rotation keeps signing until prev_until (ms).
ALTER TABLE sites ADD COLUMN webhook_secret_prev TEXT;
ALTER TABLE sites ADD COLUMN webhook_secret_prev_until BIGINT;
-- 1: push comment.pending events; 0: the site opted out of them.
ALTER TABLE sites ADD COLUMN webhook_send_pending BIGINT NOT NULL DEFAULT 1;

-- The claim an attempt runs under; a stale worker cannot record over a newer claim.
ALTER TABLE outbox ADD COLUMN claim_token TEXT;
-- The give-up horizon counts from the first attempt (reset by a redelivery).
ALTER TABLE outbox ADD COLUMN first_attempt_at BIGINT;
ALTER TABLE outbox ADD COLUMN last_attempt_at BIGINT;
-- Not pushed because the site opted out of comment.pending (delivered_at is set too).
ALTER TABLE outbox ADD COLUMN skipped_at BIGINT;
-- Position in the pull feed, assigned after commit in commit order, so a reader's
-- cursor never skips an event that committed late.
ALTER TABLE outbox ADD COLUMN feed_seq BIGINT;

CREATE UNIQUE INDEX outbox_feed_seq ON outbox(feed_seq);
CREATE INDEX outbox_feed ON outbox(site_id, feed_seq);
CREATE INDEX outbox_unsequenced ON outbox(id) WHERE feed_seq IS NULL;
-- The per-comment ordering check looks for earlier undelivered events of a comment.
CREATE INDEX outbox_comment ON outbox(comment_id, id);
