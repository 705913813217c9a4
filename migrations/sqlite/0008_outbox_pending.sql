-- The delivery worker's claim asks, for every pending event, whether an older event
-- of the same comment is still pending. This partial index covers exactly that
-- look-up and only undelivered rows, so its cost follows what is pending, not the
-- whole history, and the planner has an index matching the sub-query even while its
-- statistics lag behind a burst of inserts. Measured on PostgreSQL under load with
-- 4,000 events of a site without a callback URL: one claim took 3.4 s (a plan that
-- rescanned every pending row per candidate), 15 ms with this index.
CREATE INDEX outbox_pending_comment ON outbox(comment_id, id)
    WHERE delivered_at IS NULL AND dead_at IS NULL;
