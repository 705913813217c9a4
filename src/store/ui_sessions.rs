//! Web UI login sessions: created at login, resolved on every page, deleted at logout.
//! Only the SHA-256 of the cookie token is stored; the password check itself lives in
//! `auth.rs` and the cookie handling in `ui/session.rs`.

use super::{Result, Store, UserAuth, UserRow, dispatch, sha256_hex};

impl Store {
    /// Store a new session for `user_id` and drop expired ones, so the table never
    /// grows without bound.
    pub async fn create_ui_session(
        &self,
        user_id: &str,
        token: &str,
        csrf_token: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        dispatch!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM ui_sessions WHERE expires_at < $1")
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO ui_sessions (token_hash, user_id, csrf_token, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(sha256_hex(token))
            .bind(user_id)
            .bind(csrf_token)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The user and CSRF token of a live session; `None` when the token is unknown,
    /// expired, or its user disabled.
    pub async fn ui_session(&self, token: &str, now: i64) -> Result<Option<(UserAuth, String)>> {
        let row: Option<(String, String, String, i64, String)> = dispatch!(self, read, |pool| {
            sqlx::query_as(
                "SELECT u.id, u.email, u.role, u.created_at, s.csrf_token FROM ui_sessions s \
                 JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL",
            )
            .bind(sha256_hex(token))
            .bind(now)
            .fetch_optional(pool)
            .await?
        });
        let Some((id, email, role, created_at, csrf)) = row else {
            return Ok(None);
        };
        let sites: Vec<(String,)> = dispatch!(self, read, |pool| {
            sqlx::query_as("SELECT site_id FROM user_sites WHERE user_id = $1 ORDER BY site_id")
                .bind(&id)
                .fetch_all(pool)
                .await?
        });
        let user = UserRow {
            id,
            email,
            role,
            created_at,
        };
        Ok(Some((
            UserAuth {
                user,
                sites: sites.into_iter().map(|(s,)| s).collect(),
            },
            csrf,
        )))
    }

    /// End a session (logout). Unknown tokens are not an error: logging out twice is fine.
    pub async fn delete_ui_session(&self, token: &str) -> Result<()> {
        dispatch!(self, write, |pool| {
            sqlx::query("DELETE FROM ui_sessions WHERE token_hash = $1")
                .bind(sha256_hex(token))
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
