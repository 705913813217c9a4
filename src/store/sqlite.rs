//! SQLite specifics: connection options (WAL, foreign keys, busy timeout) and the
//! single-writer pool layout.

use super::{Result, Store};
use crate::config::Settings;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

pub(super) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

pub(super) async fn connect(url: &str, settings: &Settings) -> Result<Store> {
    let options = SqliteConnectOptions::from_str(url)?;
    if let Some(dir) = options.get_filename().parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(|e| {
            super::StoreError::Unavailable(format!("cannot create {}: {e}", dir.display()))
        })?;
    }
    let synchronous = if settings.database.sqlite_synchronous == "full" {
        SqliteSynchronous::Full
    } else {
        SqliteSynchronous::Normal
    };
    let options = options
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(synchronous)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    let acquire = Duration::from_millis(settings.database.acquire_timeout_ms);
    let write = SqlitePoolOptions::new()
        .max_connections(1)
        .acquire_timeout(acquire)
        .connect_with(options.clone())
        .await?;
    let read = SqlitePoolOptions::new()
        .max_connections(settings.database.max_connections.max(1))
        .acquire_timeout(acquire)
        .connect_with(options.read_only(false))
        .await?;
    let commits =
        super::comments::GroupCommit::start(super::comments::Writer::Sqlite(write.clone()));
    Ok(Store::Sqlite {
        read,
        write,
        commits,
    })
}
