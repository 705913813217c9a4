//! The shared limiter: GCRA in Redis, one atomic Lua script per check covering every
//! key the request is charged to, so N instances spend one budget.
//!
//! The script reads Redis' own clock (`TIME`), so instance clocks never matter. It tests
//! every key first and writes only if all pass: a request refused by one scope charges
//! none. Keys are `<prefix><scope>:<digest>` and expire once their state equals a fresh
//! one (plus a second), so Redis holds only keys in use.
//!
//! Failure handling: a check that errors or takes longer than `redis_timeout_ms`
//! returns `None` and the caller uses the local limiter. The instance is then
//! *degraded*: it stays on the local limiter for `redis_retry_ms` (a dead Redis must
//! not cost every request a timeout), then tries again; the housekeeping task probes it
//! meanwhile, so recovery needs no traffic.

use super::{Demand, Limited, RateLimitSettings, Scope};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

/// GCRA over several keys, all or nothing. `ARGV` holds three numbers per key:
/// emission interval (µs), burst, cost. Returns `{0, 0}` when allowed, else
/// `{index of the refusing key (1-based), µs until it would pass}`.
const GCRA_LUA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tats = {}
for i = 1, #KEYS do
  local interval = tonumber(ARGV[3 * i - 2])
  local burst = tonumber(ARGV[3 * i - 1])
  local cost = tonumber(ARGV[3 * i])
  local tat = tonumber(redis.call('GET', KEYS[i]))
  if (not tat) or tat < now then tat = now end
  local new_tat = tat + interval * cost
  local allow_at = new_tat - interval * burst
  if allow_at > now then return {i, allow_at - now} end
  tats[i] = new_tat
end
for i = 1, #KEYS do
  local ttl_ms = math.ceil((tats[i] - now) / 1000) + 1000
  redis.call('SET', KEYS[i], string.format('%d', tats[i]), 'PX', ttl_ms)
end
return {0, 0}
";

static GCRA: LazyLock<redis::Script> = LazyLock::new(|| redis::Script::new(GCRA_LUA));

/// Why the instance is on its local limiter.
struct Health {
    /// `None` while Redis answers.
    problem: Option<String>,
}

pub struct RedisLimiter {
    client: redis::Client,
    /// Set once connected; `ConnectionManager` reconnects by itself after that.
    conn: arc_swap::ArcSwapOption<ConnectionManager>,
    prefix: String,
    timeout: Duration,
    retry: Duration,
    health: Mutex<Health>,
    /// Mirrors `health.problem.is_some()` so the hot path needs no lock.
    is_degraded: AtomicBool,
    /// Microseconds since `epoch` before which checks skip Redis.
    skip_until_us: AtomicU64,
    epoch: Instant,
}

impl RedisLimiter {
    /// Parse the URL and try to connect once, briefly. A Redis that is down at start-up
    /// is not an error: the instance starts degraded and the housekeeping task connects.
    pub async fn new(url: &str, settings: &RateLimitSettings) -> anyhow::Result<RedisLimiter> {
        let client = redis::Client::open(url)
            .map_err(|e| anyhow::anyhow!("redis_url is not usable: {e}"))?;
        let limiter = RedisLimiter {
            client,
            conn: arc_swap::ArcSwapOption::empty(),
            prefix: settings.redis_key_prefix.clone(),
            timeout: Duration::from_millis(settings.redis_timeout_ms.max(1)),
            retry: Duration::from_millis(settings.redis_retry_ms),
            health: Mutex::new(Health {
                problem: Some("not connected yet".into()),
            }),
            is_degraded: AtomicBool::new(true),
            skip_until_us: AtomicU64::new(0),
            epoch: Instant::now(),
        };
        limiter.connect().await;
        Ok(limiter)
    }

    async fn connect(&self) -> bool {
        // Connection set-up gets more room than a check: a TCP + HELLO round trip.
        let setup = (self.timeout * 10).max(Duration::from_millis(500));
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(setup))
            .set_response_timeout(Some(setup))
            .set_number_of_retries(1)
            .set_max_delay(self.retry.max(Duration::from_millis(100)));
        let attempt = tokio::time::timeout(
            setup,
            self.client.get_connection_manager_with_config(config),
        )
        .await;
        match attempt {
            Ok(Ok(cm)) => {
                self.conn.store(Some(std::sync::Arc::new(cm)));
                tracing::info!("rate limits: connected to Redis");
                self.mark_ok();
                true
            }
            Ok(Err(e)) => {
                self.mark_failed("connect", &e.to_string());
                false
            }
            Err(_) => {
                self.mark_failed("connect", "connection timed out");
                false
            }
        }
    }

    fn now_us(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    fn mark_ok(&self) {
        if !self.is_degraded.load(Ordering::Relaxed) {
            return;
        }
        self.skip_until_us.store(0, Ordering::Relaxed);
        self.is_degraded.store(false, Ordering::Relaxed);
        if let Ok(mut h) = self.health.lock()
            && h.problem.take().is_some()
        {
            tracing::info!("rate limits: Redis is back; budgets are shared again");
            metrics::gauge!("raqib_rate_limit_degraded").set(0.0);
        }
    }

    fn mark_failed(&self, reason: &'static str, detail: &str) {
        let retry_us = u64::try_from(self.retry.as_micros()).unwrap_or(u64::MAX);
        self.skip_until_us
            .store(self.now_us().saturating_add(retry_us), Ordering::Relaxed);
        metrics::gauge!("raqib_rate_limit_degraded").set(1.0);
        self.is_degraded.store(true, Ordering::Relaxed);
        if let Ok(mut h) = self.health.lock() {
            if h.problem.is_none() {
                tracing::warn!(%reason, error = %detail, "rate limits: Redis failing; using the local limiter");
            }
            h.problem = Some(format!("{reason}: {detail}"));
        }
    }

    /// `Some(why)` while this instance is on its local limiter.
    pub fn degraded(&self) -> Option<String> {
        if !self.is_degraded.load(Ordering::Relaxed) {
            return None;
        }
        self.health.lock().ok().and_then(|h| h.problem.clone())
    }

    fn key(&self, d: &Demand) -> String {
        format!("{}{}:{:016x}", self.prefix, d.scope.as_str(), d.key)
    }

    /// Check in Redis. `None`: Redis could not answer in time (or is being skipped
    /// after a failure); the caller falls back, and the fallback is counted here.
    pub async fn check(&self, demands: &[Demand]) -> Option<Result<(), Limited>> {
        let fallback = |reason: &'static str| {
            metrics::counter!("raqib_rate_limit_fallback_total", "reason" => reason).increment(1);
            None
        };
        if self.now_us() < self.skip_until_us.load(Ordering::Relaxed) {
            return fallback("degraded");
        }
        let Some(conn) = self.conn.load_full() else {
            return fallback("not_connected");
        };
        let mut conn = ConnectionManager::clone(&conn);
        let mut invocation = GCRA.prepare_invoke();
        for d in demands {
            invocation
                .key(self.key(d))
                .arg(d.limit.interval_us())
                .arg(d.limit.burst)
                .arg(d.cost.max(1));
        }
        let call = invocation.invoke_async::<(i64, i64)>(&mut conn);
        match tokio::time::timeout(self.timeout, call).await {
            Ok(Ok((0, _))) => {
                self.mark_ok();
                Some(Ok(()))
            }
            Ok(Ok((index, wait_us))) => {
                self.mark_ok();
                let scope = usize::try_from(index - 1)
                    .ok()
                    .and_then(|i| demands.get(i))
                    .map_or(Scope::Site, |d| d.scope);
                Some(Err(Limited {
                    scope,
                    retry_after: Duration::from_micros(u64::try_from(wait_us).unwrap_or(0)),
                }))
            }
            Ok(Err(e)) => {
                self.mark_failed("error", &e.to_string());
                fallback("error")
            }
            Err(_) => {
                self.mark_failed("timeout", &format!("no answer within {:?}", self.timeout));
                fallback("timeout")
            }
        }
    }

    /// While degraded: connect if never connected, else `PING`; success ends the
    /// degraded state. Does nothing while healthy.
    pub async fn probe_if_degraded(&self) {
        if self.degraded().is_none() {
            return;
        }
        let Some(conn) = self.conn.load_full() else {
            self.connect().await;
            return;
        };
        let mut conn = ConnectionManager::clone(&conn);
        let cmd = redis::cmd("PING");
        let ping = cmd.query_async::<String>(&mut conn);
        match tokio::time::timeout(self.timeout * 10, ping).await {
            Ok(Ok(_)) => self.mark_ok(),
            Ok(Err(e)) => self.mark_failed("error", &e.to_string()),
            Err(_) => self.mark_failed("timeout", "PING timed out"),
        }
    }
}
