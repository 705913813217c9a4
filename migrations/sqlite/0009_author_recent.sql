-- Every submit counts its author's recent rejections. With only (site, author)
-- indexed, that count read every comment of the author from the table, so a prolific
-- author's submits grew slower with each comment, and under a submit load on SQLite
-- these row reads were the largest cost after the moderation itself. Covering the
-- status and time as well makes it a range scan inside the index. The old index is a
-- prefix of this one, so it goes.
CREATE INDEX comments_author_recent ON comments(site_id, author_id, status, updated_at);
DROP INDEX comments_author;
