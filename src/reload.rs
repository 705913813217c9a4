//! Telling other instances that rules (or the active model) changed. With Redis, a
//! change is published on a channel every instance subscribes to, so they reload at
//! once; without it (or while Redis is away) each instance's poller notices the change
//! within `rules.reload_interval_ms`. Either way the database is the source of truth:
//! a message only says "look now".

use crate::app::AppState;
use futures::StreamExt;
use redis::aio::ConnectionManager;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The channel name; shared by every instance on the same Redis.
pub const CHANNEL: &str = "raqib:reload";

/// A publisher of change notices.
#[derive(Clone)]
pub struct ReloadBus {
    conn: ConnectionManager,
}

impl ReloadBus {
    /// Connect; `None` (with a warning) when Redis cannot be reached, so start-up never
    /// depends on it.
    pub async fn connect(url: &str) -> Option<ReloadBus> {
        let client = redis::Client::open(url).ok()?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_millis(500)))
            .set_response_timeout(Some(Duration::from_millis(500)))
            .set_number_of_retries(1);
        match tokio::time::timeout(
            Duration::from_secs(2),
            client.get_connection_manager_with_config(config),
        )
        .await
        {
            Ok(Ok(conn)) => Some(ReloadBus { conn }),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "redis unavailable for reload notices; polling only");
                None
            }
            Err(_) => {
                tracing::warn!("redis connection timed out for reload notices; polling only");
                None
            }
        }
    }

    /// Announce a change; failures are logged, never returned (polling still covers it).
    pub async fn publish(&self, what: &str) {
        let mut conn = self.conn.clone();
        let sent: redis::RedisResult<i64> = redis::cmd("PUBLISH")
            .arg(CHANNEL)
            .arg(what)
            .query_async(&mut conn)
            .await;
        if let Err(e) = sent {
            tracing::warn!(error = %e, "could not publish a reload notice");
        }
    }
}

/// Subscribe and reload on every notice until `stop`; reconnects after failures.
pub async fn subscribe(url: String, state: AppState, stop: CancellationToken) {
    let mut backoff = Duration::from_millis(200);
    loop {
        let session = async {
            let client = redis::Client::open(url.as_str())?;
            let mut pubsub = client.get_async_pubsub().await?;
            pubsub.subscribe(CHANNEL).await?;
            let mut messages = pubsub.on_message();
            while messages.next().await.is_some() {
                if let Err(e) = state.reload_if_changed().await {
                    tracing::warn!(error = %e, "reload after a notice failed");
                }
            }
            Ok::<(), redis::RedisError>(())
        };
        tokio::select! {
            () = stop.cancelled() => return,
            result = session => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "reload subscription lost; retrying");
                }
            }
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}
