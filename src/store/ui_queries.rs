//! Reads and one lease the web UI needs beyond the JSON API: a comment by raqib id
//! (any site; the caller checks the scope), the other comments of its thread, and
//! claiming one particular comment when a moderator opens it.

use super::comments::{COMMENT_COLUMNS, CommentRow};
use super::{Result, Store, StoreError, dispatch};

impl Store {
    /// A comment by its raqib id, whatever its site.
    pub async fn comment_by_id(&self, id: &str) -> Result<CommentRow> {
        let sql = format!("SELECT {COMMENT_COLUMNS} FROM comments WHERE id = $1");
        let row = dispatch!(self, read, |pool| {
            sqlx::query_as::<_, CommentRow>(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// Up to `limit` comments of a thread, oldest first, deleted ones left out.
    pub async fn thread_comments(
        &self,
        site_id: &str,
        thread_id: &str,
        limit: i64,
    ) -> Result<Vec<CommentRow>> {
        let sql = format!(
            "SELECT {COMMENT_COLUMNS} FROM comments WHERE site_id = $1 AND thread_id = $2 \
             AND deleted_at IS NULL ORDER BY created_at, id LIMIT $3"
        );
        let rows = dispatch!(self, read, |pool| {
            sqlx::query_as::<_, CommentRow>(sqlx::AssertSqlSafe(sql))
                .bind(site_id)
                .bind(thread_id)
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        Ok(rows)
    }

    /// Lease one pending comment to `user` until `now + lease_ms`, the way
    /// [`Store::claim`] leases the oldest ones: never over someone else's live lease,
    /// never an appeal to the moderator who rejected it. Renews the caller's own lease.
    /// Returns whether `user` now holds it.
    pub async fn claim_one(&self, user: &str, id: &str, now: i64, lease_ms: i64) -> Result<bool> {
        let n = dispatch!(self, write, |pool| {
            sqlx::query(
                "UPDATE comments SET claimed_by = $1, claim_expires_at = $3 \
                 WHERE id = $4 AND status = 'pending' AND deleted_at IS NULL \
                 AND (claimed_by IS NULL OR claimed_by = $1 OR claim_expires_at < $2) \
                 AND (appeal_excluded_user IS NULL OR appeal_excluded_user <> $1)",
            )
            .bind(user)
            .bind(now)
            .bind(now.saturating_add(lease_ms))
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }
}
