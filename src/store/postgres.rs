//! PostgreSQL specifics: the connection pool.

use super::{Result, Store};
use crate::config::Settings;
use sqlx::postgres::PgPoolOptions;
use std::time::Duration;

pub(super) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

pub(super) async fn connect(url: &str, settings: &Settings) -> Result<Store> {
    let pool = PgPoolOptions::new()
        .max_connections(settings.database.max_connections.max(1))
        .acquire_timeout(Duration::from_millis(settings.database.acquire_timeout_ms))
        .connect(url)
        .await?;
    Ok(Store::Postgres(pool))
}
