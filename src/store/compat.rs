//! Storage for the compatibility endpoints: feedback labels (Perspective
//! `suggestscore`, Akismet `submit-spam`/`submit-ham`) and each site's integration
//! settings (Coral signing secrets, Akismet store opt-in). Protocol handling lives in
//! `crate::compat`; this file only reads and writes rows.

use super::{Result, SiteRow, Store, StoreError, dispatch};

/// A label a client sent back, ready to insert.
#[derive(Clone, Debug)]
pub struct NewFeedbackLabel {
    pub site_id: String,
    /// `perspective` or `akismet`.
    pub source: &'static str,
    /// The client's own words: `TOXICITY=0`, `submit-spam`, …
    pub label_raw: String,
    pub text: String,
    pub language: String,
    pub spam: Option<bool>,
    pub abuse: Option<bool>,
    pub client_token: Option<String>,
}

/// A stored feedback label, as `raqib export-labels` reads it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FeedbackLabelRow {
    pub id: String,
    pub site_id: String,
    pub source: String,
    pub label_raw: String,
    pub text: String,
    pub language: String,
    pub spam: Option<i64>,
    pub abuse: Option<i64>,
    pub created_at: i64,
}

/// A site's integration settings; the defaults when it has never set any.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompatSite {
    pub coral_secrets: Vec<String>,
    pub akismet_store: bool,
}

fn flag(b: Option<bool>) -> Option<i64> {
    b.map(i64::from)
}

impl Store {
    /// Store a feedback label with its audit entry, in one transaction. Returns its id.
    pub async fn insert_feedback_label(
        &self,
        label: &NewFeedbackLabel,
        now: i64,
    ) -> Result<String> {
        let id = uuid::Uuid::now_v7().to_string();
        dispatch!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO compat_labels (id, site_id, source, label_raw, text, language, spam, abuse, client_token, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(&id)
            .bind(&label.site_id)
            .bind(label.source)
            .bind(&label.label_raw)
            .bind(&label.text)
            .bind(&label.language)
            .bind(flag(label.spam))
            .bind(flag(label.abuse))
            .bind(&label.client_token)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO audit_log (site_id, comment_id, actor, action, reason_code, note, created_at) \
                 VALUES ($1, NULL, $2, 'feedback_label', $3, $4, $5)",
            )
            .bind(&label.site_id)
            .bind(format!("compat:{}", label.source))
            .bind(&label.label_raw)
            .bind(&id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(id)
    }

    /// Feedback labels of one site (all with `None`) created since a time, oldest first.
    pub async fn feedback_labels(
        &self,
        site: Option<&str>,
        since: i64,
    ) -> Result<Vec<FeedbackLabelRow>> {
        const COLUMNS: &str =
            "id, site_id, source, label_raw, text, language, spam, abuse, created_at";
        let rows = dispatch!(self, read, |pool| {
            match site {
                Some(s) => {
                    sqlx::query_as::<_, FeedbackLabelRow>(sqlx::AssertSqlSafe(format!(
                        "SELECT {COLUMNS} FROM compat_labels WHERE created_at >= $1 AND site_id = $2 ORDER BY created_at, id"
                    )))
                    .bind(since)
                    .bind(s)
                    .fetch_all(pool)
                    .await?
                }
                None => {
                    sqlx::query_as::<_, FeedbackLabelRow>(sqlx::AssertSqlSafe(format!(
                        "SELECT {COLUMNS} FROM compat_labels WHERE created_at >= $1 ORDER BY created_at, id"
                    )))
                    .bind(since)
                    .fetch_all(pool)
                    .await?
                }
            }
        });
        Ok(rows)
    }

    /// A site's integration settings (defaults when none are stored).
    pub async fn compat_site(&self, site_id: &str) -> Result<CompatSite> {
        let row: Option<(String, i64)> = dispatch!(self, read, |pool| {
            sqlx::query_as(
                "SELECT coral_secrets, akismet_store FROM compat_sites WHERE site_id = $1",
            )
            .bind(site_id)
            .fetch_optional(pool)
            .await?
        });
        let Some((secrets, store)) = row else {
            return Ok(CompatSite::default());
        };
        Ok(CompatSite {
            coral_secrets: serde_json::from_str(&secrets)
                .map_err(|e| StoreError::Corrupt(format!("site {site_id} coral secrets: {e}")))?,
            akismet_store: store != 0,
        })
    }

    /// Replace a site's Coral signing secrets.
    pub async fn put_coral_secrets(
        &self,
        site_id: &str,
        secrets: &[String],
        now: i64,
    ) -> Result<()> {
        let json =
            serde_json::to_string(secrets).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        dispatch!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO compat_sites (site_id, coral_secrets, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (site_id) DO UPDATE SET coral_secrets = excluded.coral_secrets, updated_at = excluded.updated_at",
            )
            .bind(site_id)
            .bind(json)
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Whether Akismet `comment-check` stores the comments it checks for this site.
    pub async fn put_akismet_store(&self, site_id: &str, store: bool, now: i64) -> Result<()> {
        dispatch!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO compat_sites (site_id, akismet_store, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (site_id) DO UPDATE SET akismet_store = excluded.akismet_store, updated_at = excluded.updated_at",
            )
            .bind(site_id)
            .bind(i64::from(store))
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// A site by id, or else by its unique name (for settings written by people).
    pub async fn site_by_id_or_name(&self, id_or_name: &str) -> Result<SiteRow> {
        match self.get_site(id_or_name).await {
            Err(StoreError::NotFound) => {}
            other => return other,
        }
        let row = dispatch!(self, read, |pool| {
            sqlx::query_as::<_, SiteRow>(
                "SELECT id, name, callback_url, webhook_secret, policy, created_at FROM sites WHERE name = $1",
            )
            .bind(id_or_name)
            .fetch_optional(pool)
            .await?
        });
        row.ok_or(StoreError::NotFound)
    }
}
