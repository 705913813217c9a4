//! The model registry: versions found on disk, their metrics, and which one is active.

use super::{Result, Store, StoreError, dispatch};

/// A registered model version.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ModelRow {
    pub version: String,
    pub path: String,
    pub trained_at: String,
    pub metrics: String,
    pub registered_at: i64,
    pub active: i64,
}

impl Store {
    /// Record a model file; an already known version keeps its row.
    pub async fn register_model(
        &self,
        version: &str,
        path: &str,
        trained_at: &str,
        metrics: &str,
        now: i64,
    ) -> Result<()> {
        dispatch!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO models (version, path, trained_at, metrics, registered_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (version) DO UPDATE SET path = $2",
            )
            .bind(version)
            .bind(path)
            .bind(trained_at)
            .bind(metrics)
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    pub async fn list_models(&self) -> Result<Vec<ModelRow>> {
        let rows = dispatch!(self, read, |pool| {
            sqlx::query_as::<_, ModelRow>(
                "SELECT version, path, trained_at, metrics, registered_at, active FROM models ORDER BY registered_at DESC, version",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// The version an admin activated, if any.
    pub async fn active_model(&self) -> Result<Option<ModelRow>> {
        let row = dispatch!(self, read, |pool| {
            sqlx::query_as::<_, ModelRow>(
                "SELECT version, path, trained_at, metrics, registered_at, active FROM models WHERE active = 1",
            )
            .fetch_optional(pool)
            .await?
        });
        Ok(row)
    }

    /// Make one version the active one.
    pub async fn activate_model(&self, version: &str) -> Result<()> {
        dispatch!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let found: Option<(String,)> =
                sqlx::query_as("SELECT version FROM models WHERE version = $1")
                    .bind(version)
                    .fetch_optional(&mut *tx)
                    .await?;
            if found.is_none() {
                return Err(StoreError::NotFound);
            }
            sqlx::query("UPDATE models SET active = CASE WHEN version = $1 THEN 1 ELSE 0 END")
                .bind(version)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }
}
