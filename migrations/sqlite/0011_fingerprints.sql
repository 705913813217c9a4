-- Campaign copies: the fingerprint of a comment's words with the parts that
-- copy-paste campaigns vary taken out (`moderation::signals`), NULL for texts too
-- short to have one. Every submit counts the earlier comments of its site with the
-- same fingerprint in the policy's window, and whether a moderator rejected one of
-- them as spam, so the index covers that read: site, fingerprint and time to find
-- them, author and thread to count the distinct ones, and the decision columns,
-- without reading the rows.
ALTER TABLE comments ADD COLUMN fingerprint BIGINT;
CREATE INDEX comments_fingerprint ON comments(site_id, fingerprint, created_at, author_id, thread_id,
    status, decided_by, decision_reason)
    WHERE fingerprint IS NOT NULL;
