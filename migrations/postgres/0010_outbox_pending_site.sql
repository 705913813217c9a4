-- Sites that read the pull feed and set no callback URL never have their events
-- pushed, so those events stay pending for good. The delivery worker's periodic
-- queries (due events, oldest pending event, opted-out `comment.pending` events)
-- used to walk every pending row of every site twice a second: with 61,000 pending
-- rows of such a site on SQLite, about 115 ms per poll, growing with the backlog.
-- They now start from the sites that have a callback URL (or opted out) and read
-- only those sites' pending rows through this index.
CREATE INDEX outbox_pending_site ON outbox(site_id, event_type, id)
    WHERE delivered_at IS NULL AND dead_at IS NULL;
