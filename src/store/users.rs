//! Moderator and admin users, their site scopes and personal bearer tokens (stored
//! as SHA-256; the token is shown once).

use super::{Result, Store, StoreError, dispatch, random_token, sha256_hex};

/// A user account.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub role: String,
    pub created_at: i64,
}

/// A resolved bearer token: the user and the sites a moderator may see.
#[derive(Clone, Debug)]
pub struct UserAuth {
    pub user: UserRow,
    pub sites: Vec<String>,
}

impl UserAuth {
    pub fn is_admin(&self) -> bool {
        self.user.role == "admin"
    }

    /// Admins see every site; moderators the ones they are assigned to.
    pub fn can_see_site(&self, site_id: &str) -> bool {
        self.is_admin() || self.sites.iter().any(|s| s == site_id)
    }
}

impl Store {
    /// Create a user with an optional argon2 password hash, site scope and a first
    /// token. Returns the user and the token.
    pub async fn create_user(
        &self,
        email: &str,
        role: &str,
        password_hash: Option<&str>,
        sites: &[String],
        now: i64,
    ) -> Result<(UserRow, String)> {
        let user = UserRow {
            id: uuid::Uuid::now_v7().to_string(),
            email: email.to_string(),
            role: role.to_string(),
            created_at: now,
        };
        let token = format!("rt_{}", random_token(20));
        let prefix: String = token.chars().take(11).collect();
        dispatch!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("INSERT INTO users (id, email, password_hash, role, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(&user.id)
                .bind(&user.email)
                .bind(password_hash)
                .bind(&user.role)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            for site in sites {
                let found: Option<(String,)> = sqlx::query_as("SELECT id FROM sites WHERE id = $1")
                    .bind(site)
                    .fetch_optional(&mut *tx)
                    .await?;
                if found.is_none() {
                    return Err(StoreError::NotFound);
                }
                sqlx::query("INSERT INTO user_sites (user_id, site_id) VALUES ($1, $2)")
                    .bind(&user.id)
                    .bind(site)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("INSERT INTO user_tokens (id, user_id, prefix, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(uuid::Uuid::now_v7().to_string())
                .bind(&user.id)
                .bind(&prefix)
                .bind(sha256_hex(&token))
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok((user, token))
    }

    /// The user behind a bearer token, if the token is valid and the user enabled.
    pub async fn user_for_token(&self, token: &str) -> Result<Option<UserAuth>> {
        let hash = sha256_hex(token);
        let user: Option<UserRow> = dispatch!(self, read, |pool| {
            sqlx::query_as::<_, UserRow>(
                "SELECT u.id, u.email, u.role, u.created_at FROM user_tokens t JOIN users u ON u.id = t.user_id \
                 WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled_at IS NULL",
            )
            .bind(hash)
            .fetch_optional(pool)
            .await?
        });
        let Some(user) = user else { return Ok(None) };
        let sites: Vec<(String,)> = dispatch!(self, read, |pool| {
            sqlx::query_as("SELECT site_id FROM user_sites WHERE user_id = $1 ORDER BY site_id")
                .bind(&user.id)
                .fetch_all(pool)
                .await?
        });
        Ok(Some(UserAuth {
            user,
            sites: sites.into_iter().map(|(s,)| s).collect(),
        }))
    }

    /// Every enabled user with their sites.
    pub async fn list_users(&self) -> Result<Vec<(UserRow, Vec<String>)>> {
        let users: Vec<UserRow> = dispatch!(self, read, |pool| {
            sqlx::query_as::<_, UserRow>(
                "SELECT id, email, role, created_at FROM users WHERE disabled_at IS NULL ORDER BY created_at, id",
            )
            .fetch_all(pool)
            .await?
        });
        let links: Vec<(String, String)> = dispatch!(self, read, |pool| {
            sqlx::query_as("SELECT user_id, site_id FROM user_sites ORDER BY site_id")
                .fetch_all(pool)
                .await?
        });
        Ok(users
            .into_iter()
            .map(|u| {
                let sites = links
                    .iter()
                    .filter(|(uid, _)| *uid == u.id)
                    .map(|(_, s)| s.clone())
                    .collect();
                (u, sites)
            })
            .collect())
    }

    /// Disable a user and revoke all their tokens.
    pub async fn disable_user(&self, id: &str, now: i64) -> Result<()> {
        dispatch!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(
                "UPDATE users SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query(
                "UPDATE user_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// A user's password hash by e-mail, for web login.
    pub async fn password_hash(&self, email: &str) -> Result<Option<(UserRow, String)>> {
        let row: Option<(String, String, String, i64, Option<String>)> = dispatch!(
            self,
            read,
            |pool| {
                sqlx::query_as(
                "SELECT id, email, role, created_at, password_hash FROM users WHERE email = $1 AND disabled_at IS NULL",
            )
            .bind(email)
            .fetch_optional(pool)
            .await?
            }
        );
        Ok(row.and_then(|(id, email, role, created_at, hash)| {
            hash.map(|h| {
                (
                    UserRow {
                        id,
                        email,
                        role,
                        created_at,
                    },
                    h,
                )
            })
        }))
    }
}
