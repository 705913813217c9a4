//! Sites and their API keys. Keys are stored as SHA-256 with a short visible prefix;
//! the key itself is shown once, when created or rotated. Also each site's webhook
//! settings: callback URL, signing secrets (kept in clear: raqib must sign with them)
//! and the `comment.pending` opt-out.

use super::{Result, Store, StoreError, dispatch, random_token, sha256_hex};
use crate::moderation::Policy;

/// A host site.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct SiteRow {
    pub id: String,
    pub name: String,
    pub callback_url: Option<String>,
    #[serde(skip)]
    pub webhook_secret: String,
    #[serde(skip)]
    pub policy: String,
    pub created_at: i64,
    /// Per-site rate-limit overrides (JSON of `ratelimit::SiteLimits`); `None`: defaults.
    #[serde(skip)]
    #[sqlx(default)]
    pub limits: Option<String>,
}

impl SiteRow {
    /// The site's rate-limit overrides; unreadable ones are logged and ignored.
    pub fn limits(&self) -> crate::ratelimit::SiteLimits {
        crate::ratelimit::SiteLimits::from_stored(&self.id, self.limits.as_deref())
    }

    /// The stored policy; a corrupt one falls back to nothing rather than guessing.
    pub fn policy(&self) -> Result<Policy> {
        serde_json::from_str(&self.policy)
            .map_err(|e| StoreError::Corrupt(format!("site {} policy: {e}", self.id)))
    }
}

/// A resolved API key: the site it belongs to.
#[derive(Clone, Debug)]
pub struct ApiKeyAuth {
    pub site: SiteRow,
    pub key_id: String,
}

/// Where and how a site's events are pushed.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct WebhookTarget {
    #[sqlx(rename = "id")]
    pub site_id: String,
    pub callback_url: Option<String>,
    #[sqlx(rename = "webhook_secret")]
    pub secret: String,
    /// The secret replaced by the last rotation…
    #[sqlx(rename = "webhook_secret_prev")]
    pub previous_secret: Option<String>,
    /// …and until when it still signs (Unix ms).
    #[sqlx(rename = "webhook_secret_prev_until")]
    pub previous_until: Option<i64>,
    #[sqlx(rename = "webhook_send_pending")]
    send_pending_flag: i64,
}

impl WebhookTarget {
    /// Whether the site wants `comment.pending` events pushed.
    pub fn send_pending(&self) -> bool {
        self.send_pending_flag != 0
    }

    /// The secrets that sign a delivery made at `now`: the current one first, then
    /// the previous one while its overlap lasts.
    pub fn signing_secrets(&self, now: i64) -> Vec<&str> {
        let mut secrets = vec![self.secret.as_str()];
        if let (Some(prev), Some(until)) = (&self.previous_secret, self.previous_until)
            && now < until
        {
            secrets.push(prev);
        }
        secrets
    }
}

fn new_webhook_secret() -> String {
    format!("whsec_{}", random_token(24))
}

/// Create a new API key string. The `rk_` prefix makes leaked keys easy to grep for.
fn new_api_key() -> (String, String) {
    let key = format!("rk_{}", random_token(20));
    let prefix = key.chars().take(11).collect();
    (key, prefix)
}

const SITE_COLUMNS: &str =
    "s.id, s.name, s.callback_url, s.webhook_secret, s.policy, s.created_at, s.limits";

impl Store {
    /// Create a site with a first API key. Returns the site, the API key and the
    /// webhook secret (both shown once).
    pub async fn create_site(
        &self,
        name: &str,
        callback_url: Option<&str>,
        policy: &Policy,
        now: i64,
    ) -> Result<(SiteRow, String)> {
        let site = SiteRow {
            id: uuid::Uuid::now_v7().to_string(),
            name: name.to_string(),
            callback_url: callback_url.map(str::to_string),
            webhook_secret: new_webhook_secret(),
            policy: serde_json::to_string(policy)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            created_at: now,
            limits: None,
        };
        let (key, prefix) = new_api_key();
        dispatch!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO sites (id, name, callback_url, webhook_secret, policy, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&site.id)
            .bind(&site.name)
            .bind(&site.callback_url)
            .bind(&site.webhook_secret)
            .bind(&site.policy)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query("INSERT INTO api_keys (id, site_id, prefix, key_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(uuid::Uuid::now_v7().to_string())
                .bind(&site.id)
                .bind(&prefix)
                .bind(sha256_hex(&key))
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok((site, key))
    }

    pub async fn list_sites(&self) -> Result<Vec<SiteRow>> {
        let rows = dispatch!(self, read, |pool| {
            sqlx::query_as::<_, SiteRow>(
                "SELECT id, name, callback_url, webhook_secret, policy, created_at, limits FROM sites ORDER BY created_at, id",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    pub async fn count_sites(&self) -> Result<i64> {
        let (n,): (i64,) = dispatch!(self, read, |pool| {
            sqlx::query_as("SELECT COUNT(*) FROM sites")
                .fetch_one(pool)
                .await?
        });
        Ok(n)
    }

    pub async fn get_site(&self, id: &str) -> Result<SiteRow> {
        let row = dispatch!(self, read, |pool| {
            sqlx::query_as::<_, SiteRow>(
                "SELECT id, name, callback_url, webhook_secret, policy, created_at, limits FROM sites WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// The site of an API key, if the key exists and is not revoked.
    pub async fn site_for_api_key(&self, key: &str) -> Result<Option<ApiKeyAuth>> {
        let hash = sha256_hex(key);
        let sql = format!(
            "SELECT {SITE_COLUMNS}, k.id AS key_id FROM api_keys k JOIN sites s ON s.id = k.site_id \
             WHERE k.key_hash = $1 AND k.revoked_at IS NULL"
        );
        let row: Option<(String, SiteRowWithKey)> = dispatch!(self, read, |pool| {
            sqlx::query_as::<_, SiteRowWithKey>(sqlx::AssertSqlSafe(sql))
                .bind(hash)
                .fetch_optional(pool)
                .await?
                .map(|r| (r.key_id.clone(), r))
        });
        Ok(row.map(|(key_id, r)| ApiKeyAuth {
            key_id,
            site: SiteRow {
                id: r.id,
                name: r.name,
                callback_url: r.callback_url,
                webhook_secret: r.webhook_secret,
                policy: r.policy,
                created_at: r.created_at,
                limits: r.limits,
            },
        }))
    }

    /// Revoke every active key of a site and issue a new one.
    pub async fn rotate_api_key(&self, site_id: &str, now: i64) -> Result<String> {
        let (key, prefix) = new_api_key();
        dispatch!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let exists: Option<(String,)> = sqlx::query_as("SELECT id FROM sites WHERE id = $1")
                .bind(site_id)
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_none() {
                return Err(StoreError::NotFound);
            }
            sqlx::query(
                "UPDATE api_keys SET revoked_at = $1 WHERE site_id = $2 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(site_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query("INSERT INTO api_keys (id, site_id, prefix, key_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(uuid::Uuid::now_v7().to_string())
                .bind(site_id)
                .bind(&prefix)
                .bind(sha256_hex(&key))
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(key)
    }

    pub async fn update_site_policy(&self, site_id: &str, policy: &Policy) -> Result<()> {
        let json = serde_json::to_string(policy).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let done = dispatch!(self, write, |pool| {
            sqlx::query("UPDATE sites SET policy = $1 WHERE id = $2")
                .bind(json)
                .bind(site_id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}

impl Store {
    /// A site's webhook settings.
    pub async fn webhook_target(&self, site_id: &str) -> Result<WebhookTarget> {
        let row = dispatch!(self, read, |pool| {
            sqlx::query_as::<_, WebhookTarget>(
                "SELECT id, callback_url, webhook_secret, webhook_secret_prev, webhook_secret_prev_until, \
                 webhook_send_pending FROM sites WHERE id = $1",
            )
            .bind(site_id)
            .fetch_optional(pool)
            .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// Set where a site's events go (`None`: pull feed only) and whether
    /// `comment.pending` events are pushed. The URL was checked at the edge.
    pub async fn set_webhook(
        &self,
        site_id: &str,
        callback_url: Option<&str>,
        send_pending: bool,
    ) -> Result<()> {
        let done = dispatch!(self, write, |pool| {
            sqlx::query(
                "UPDATE sites SET callback_url = $1, webhook_send_pending = $2 WHERE id = $3",
            )
            .bind(callback_url)
            .bind(i64::from(send_pending))
            .bind(site_id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Replace a site's rate-limit overrides (`None` clears them).
    pub async fn set_site_limits(&self, site_id: &str, limits: Option<&str>) -> Result<()> {
        let done = dispatch!(self, write, |pool| {
            sqlx::query("UPDATE sites SET limits = $1 WHERE id = $2")
                .bind(limits)
                .bind(site_id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Replace a site's webhook secret. The old one keeps signing until
    /// `previous_until`, so the host can switch without missing a delivery. Returns
    /// the new secret (shown once).
    pub async fn rotate_webhook_secret(
        &self,
        site_id: &str,
        previous_until: i64,
    ) -> Result<String> {
        let secret = new_webhook_secret();
        let done = dispatch!(self, write, |pool| {
            sqlx::query(
                "UPDATE sites SET webhook_secret_prev = webhook_secret, webhook_secret_prev_until = $1, \
                 webhook_secret = $2 WHERE id = $3",
            )
            .bind(previous_until)
            .bind(&secret)
            .bind(site_id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(secret)
    }
}

#[derive(sqlx::FromRow)]
struct SiteRowWithKey {
    id: String,
    name: String,
    callback_url: Option<String>,
    webhook_secret: String,
    policy: String,
    created_at: i64,
    limits: Option<String>,
    key_id: String,
}
