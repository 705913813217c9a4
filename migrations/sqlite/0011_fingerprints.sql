-- Campaign copies: the fingerprint of a comment's words with the parts that
-- copy-paste campaigns vary taken out (`moderation::signals`), NULL for texts too
-- short to have one. Every submit counts the earlier comments of its site with the
-- same fingerprint in the policy's window; the first index covers that count (site,
-- fingerprint and time to find them, author and thread to count the distinct ones)
-- without reading the rows. The second holds only the copies a moderator rejected as
-- spam, so asking whether there is one is a single probe, however long the campaign.
ALTER TABLE comments ADD COLUMN fingerprint BIGINT;
CREATE INDEX comments_fingerprint ON comments(site_id, fingerprint, created_at, author_id, thread_id)
    WHERE fingerprint IS NOT NULL;
CREATE INDEX comments_fingerprint_rejected ON comments(site_id, fingerprint, created_at)
    WHERE fingerprint IS NOT NULL AND status = 'rejected' AND decided_by = 'moderator'
      AND decision_reason = 'spam';
