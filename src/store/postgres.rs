//! PostgreSQL specifics: the connection pool.

use super::{Result, Store};
use crate::config::Settings;
use sqlx::postgres::PgPoolOptions;
use std::time::Duration;

pub(super) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

pub(super) async fn connect(url: &str, settings: &Settings) -> Result<Store> {
    let options = || {
        PgPoolOptions::new()
            .acquire_timeout(Duration::from_millis(settings.database.acquire_timeout_ms))
    };
    let pool = options()
        .max_connections(settings.database.max_connections.max(1))
        .connect(url)
        .await?;
    // New comments go through a group commit as on SQLite: under load a commit per
    // submit made every submit wait for its own WAL flush. The writers have their own
    // connections: in the request pool they queued behind every request's reads, and
    // under a submit load a batch spent most of its time waiting for a connection
    // (32 ms per batch, of which PostgreSQL took a few), while the requests whose
    // comments it carried waited for it.
    let writers = options()
        .max_connections(super::comments::GroupCommit::PG_WRITERS)
        .connect(url)
        .await?;
    let commits = super::comments::GroupCommit::start(super::comments::Writer::Postgres(writers));
    Ok(Store::Postgres(pool, commits))
}
