-- Campaign copies: the fingerprint of a comment's words with the parts that
-- copy-paste campaigns vary taken out (`moderation::signals`), NULL for texts too
-- short to have one. Every submit counts the earlier comments of its site with the
-- same fingerprint in the policy's window, so the index covers that count: site,
-- fingerprint and time to find them, author and thread to count the distinct ones,
-- without reading the rows.
ALTER TABLE comments ADD COLUMN fingerprint BIGINT;
CREATE INDEX comments_fingerprint ON comments(site_id, fingerprint, created_at, author_id, thread_id)
    WHERE fingerprint IS NOT NULL;
