//! Storage: one [`Store`] over SQLite (embedded default) or PostgreSQL (production).
//!
//! Queries are runtime-checked `sqlx::query`/`query_as` with `$N` placeholders, which
//! both databases accept, so most SQL is written once and run through [`dispatch!`]
//! against whichever pool is in use. What truly differs per dialect (connection set-up,
//! `FOR UPDATE SKIP LOCKED`) lives in `sqlite.rs` and `postgres.rs`. Integration tests
//! run every query on both databases.
//!
//! Timestamps are Unix milliseconds passed in by the caller, so tests can inject time.

mod comments;
mod compat;
mod models;
mod outbox;
mod postgres;
mod queue;
mod rules;
mod sites;
mod sqlite;
mod ui_queries;
mod ui_sessions;
mod users;

pub use comments::{
    CommentRow, GroupCommit, NewComment, StoredVerdict, SubmitContext, SubmitContextQuery,
};
pub use compat::{CompatSite, FeedbackLabelRow, NewFeedbackLabel};
pub use models::ModelRow;
pub use outbox::{ClaimedEvent, DeliveryFilter, DeliveryRow, DeliveryState};
pub use queue::{
    AuditRow, CampaignCounts, CampaignFilter, CampaignReject, CampaignRow, Decided, DecisionError,
    DecisionInput, QueueFilter, QueueOrder, QueueRow, ReportRow, SiteScope,
};
pub use rules::RuleRow;
pub use sites::{ApiKeyAuth, SiteRow, WebhookTarget};
pub use users::{UserAuth, UserRow};

use crate::config::Settings;
use sha2::{Digest, Sha256};

/// The database behind the service.
#[derive(Clone, Debug)]
pub enum Store {
    /// SQLite allows one writer at a time; writes go through a one-connection pool so
    /// they queue in-process instead of failing with `SQLITE_BUSY`.
    Sqlite {
        read: sqlx::SqlitePool,
        write: sqlx::SqlitePool,
        /// New comments are written through this batching writer (see [`comments`]).
        commits: comments::GroupCommit,
    },
    /// The pool, and the batching writer new comments go through.
    Postgres(sqlx::PgPool, comments::GroupCommit),
}

/// Run the same code against whichever pool the store holds. `write` picks the writer
/// pool on SQLite; on PostgreSQL there is one pool.
macro_rules! dispatch {
    ($store:expr, write, |$pool:ident| $body:expr) => {
        match $store {
            $crate::store::Store::Sqlite { write, .. } => {
                let $pool = write;
                $body
            }
            $crate::store::Store::Postgres(pg, _) => {
                let $pool = pg;
                $body
            }
        }
    };
    ($store:expr, read, |$pool:ident| $body:expr) => {
        match $store {
            $crate::store::Store::Sqlite { read, .. } => {
                let $pool = read;
                $body
            }
            $crate::store::Store::Postgres(pg, _) => {
                let $pool = pg;
                $body
            }
        }
    };
}
pub(crate) use dispatch;

/// What can go wrong in storage, in terms the HTTP layer can map.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached or is overloaded; try again later.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A unique constraint was violated.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("not found")]
    NotFound,
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            // A connection that cannot be made or breaks mid-way (a reset, a peer that
            // closes during the TLS or start-up exchange, a crashed SQLite worker) is
            // the database being unreachable, not a bug: 503, try again.
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::WorkerCrashed => StoreError::Unavailable(e.to_string()),
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(db.message().to_string())
            }
            sqlx::Error::Database(db) if is_unavailable_code(db.code().as_deref()) => {
                StoreError::Unavailable(e.to_string())
            }
            _ => StoreError::Database(e),
        }
    }
}

/// SQLite "database is full / read-only / locked / I/O error" and PostgreSQL
/// connection-class errors mean "try later", not "bug".
fn is_unavailable_code(code: Option<&str>) -> bool {
    matches!(code, Some("5" | "8" | "10" | "13" | "517" | "1032"))
        || code.is_some_and(|c| c.starts_with("08") || c.starts_with("57P") || c == "53300")
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl Store {
    /// Connect to the configured database and bring its schema up to date.
    pub async fn connect(settings: &Settings) -> Result<Store> {
        let url = settings.database_url();
        let store = if url.starts_with("sqlite:") {
            sqlite::connect(&url, settings).await?
        } else {
            postgres::connect(&url, settings).await?
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Apply the embedded migrations of this dialect.
    pub async fn migrate(&self) -> Result<()> {
        match self {
            Store::Sqlite { write, .. } => sqlite::MIGRATOR.run(write).await?,
            Store::Postgres(pg, _) => postgres::MIGRATOR.run(pg).await?,
        }
        self.ensure_pii_key().await?;
        Ok(())
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Store::Sqlite { .. } => "sqlite",
            Store::Postgres(..) => "postgres",
        }
    }

    /// A trivial round trip, for `/readyz`.
    pub async fn ping(&self) -> Result<()> {
        dispatch!(self, read, |pool| {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    pub async fn close(&self) {
        match self {
            Store::Sqlite { read, write, .. } => {
                read.close().await;
                write.close().await;
            }
            Store::Postgres(pg, _) => pg.close().await,
        }
    }

    /// The key for hashing author e-mail addresses and IPs. Kept in the database so
    /// every instance hashes alike; created once, on first migration.
    async fn ensure_pii_key(&self) -> Result<()> {
        let key = random_token(32);
        dispatch!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO meta (key, value) VALUES ('pii_key', $1) ON CONFLICT (key) DO NOTHING",
            )
            .bind(key)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    pub async fn pii_key(&self) -> Result<String> {
        let value: Option<(String,)> = dispatch!(self, read, |pool| {
            sqlx::query_as("SELECT value FROM meta WHERE key = 'pii_key'")
                .fetch_optional(pool)
                .await?
        });
        value
            .map(|(v,)| v)
            .ok_or_else(|| StoreError::Corrupt("pii_key missing".into()))
    }
}

/// Lower-case hex SHA-256, used to store API keys and tokens.
pub fn sha256_hex(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// A random URL-safe token of `bytes` random bytes, hex-encoded.
pub fn random_token(bytes: usize) -> String {
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

/// Current time in Unix milliseconds.
pub fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}
