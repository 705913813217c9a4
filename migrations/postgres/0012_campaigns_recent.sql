-- The campaigns under way (`GET /v1/campaigns`, the queue page): every copy in a
-- window, grouped by site and fingerprint. Led by the time, so listing them reads the
-- window's fingerprinted comments only, whatever a site's history, for one site or
-- all; the rest of the columns let it count without reading the rows.
CREATE INDEX comments_recent_fingerprint ON comments(created_at, site_id, fingerprint, author_id, thread_id, status)
    WHERE fingerprint IS NOT NULL;
