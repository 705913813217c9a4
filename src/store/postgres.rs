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
    // New comments go through a group commit as on SQLite: under load a commit per
    // submit made every submit wait for its own WAL flush.
    let commits =
        super::comments::GroupCommit::start(super::comments::Writer::Postgres(pool.clone()));
    Ok(Store::Postgres(pool, commits))
}
