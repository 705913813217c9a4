//! Per-site rules stored on top of the shipped rule packs, and their version log.
//! A site's rules version is the id of its latest change, so every instance can tell
//! cheaply whether it must recompile.

use super::{Result, Store, StoreError, dispatch};

/// A stored rule: the definition is the JSON of [`crate::moderation::rules::RuleDef`].
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RuleRow {
    pub site_id: String,
    pub id: String,
    pub definition: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Store {
    pub async fn list_rules(&self, site_id: &str) -> Result<Vec<RuleRow>> {
        let rows = dispatch!(self, read, |pool| {
            sqlx::query_as::<_, RuleRow>(
                "SELECT site_id, id, definition, created_at, updated_at FROM rules WHERE site_id = $1 ORDER BY id",
            )
            .bind(site_id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Every site's stored rules (start-up and reload).
    pub async fn all_rules(&self) -> Result<Vec<RuleRow>> {
        let rows = dispatch!(self, read, |pool| {
            sqlx::query_as::<_, RuleRow>(
                "SELECT site_id, id, definition, created_at, updated_at FROM rules ORDER BY site_id, id",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    pub async fn get_rule(&self, site_id: &str, id: &str) -> Result<RuleRow> {
        let row = dispatch!(self, read, |pool| {
            sqlx::query_as::<_, RuleRow>(
                "SELECT site_id, id, definition, created_at, updated_at FROM rules WHERE site_id = $1 AND id = $2",
            )
            .bind(site_id)
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// Create (`create = true`, conflict if it exists) or replace (not found if it
    /// does not) a rule, logging the change. Returns the new rules version.
    pub async fn save_rule(
        &self,
        site_id: &str,
        id: &str,
        definition: &str,
        create: bool,
        actor: &str,
        now: i64,
    ) -> Result<i64> {
        let version = dispatch!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            if create {
                sqlx::query(
                    "INSERT INTO rules (site_id, id, definition, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
                )
                .bind(site_id)
                .bind(id)
                .bind(definition)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            } else {
                let n = sqlx::query("UPDATE rules SET definition = $1, updated_at = $2 WHERE site_id = $3 AND id = $4")
                    .bind(definition)
                    .bind(now)
                    .bind(site_id)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if n == 0 {
                    return Err(StoreError::NotFound);
                }
            }
            let (version,): (i64,) = sqlx::query_as(
                "INSERT INTO rule_versions (site_id, rule_id, change, definition, actor, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(site_id)
            .bind(id)
            .bind(if create { "create" } else { "update" })
            .bind(definition)
            .bind(actor)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            version
        });
        Ok(version)
    }

    pub async fn delete_rule(&self, site_id: &str, id: &str, actor: &str, now: i64) -> Result<i64> {
        let version = dispatch!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("DELETE FROM rules WHERE site_id = $1 AND id = $2")
                .bind(site_id)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            let (version,): (i64,) = sqlx::query_as(
                "INSERT INTO rule_versions (site_id, rule_id, change, actor, created_at) \
                 VALUES ($1, $2, 'delete', $3, $4) RETURNING id",
            )
            .bind(site_id)
            .bind(id)
            .bind(actor)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            version
        });
        Ok(version)
    }

    /// The latest rule change across all sites: instances poll this to know when to
    /// recompile.
    pub async fn latest_rules_change(&self) -> Result<i64> {
        let (v,): (Option<i64>,) = dispatch!(self, read, |pool| {
            sqlx::query_as("SELECT MAX(id) FROM rule_versions")
                .fetch_one(pool)
                .await?
        });
        Ok(v.unwrap_or(0))
    }
}
