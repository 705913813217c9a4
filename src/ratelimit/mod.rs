//! Rate limiting (DESIGN §6): GCRA limits — a rate plus a burst — per scope, checked
//! before any scoring work so floods cost almost nothing.
//!
//! - [`local`]: `governor` keyed limiters in this process, with periodic
//!   `retain_recent` so memory stays bounded under millions of distinct keys.
//! - [`redis`]: one atomic Lua script per check in Redis, so every instance shares one
//!   budget; when Redis is unreachable or slow the [`Limiter`] falls back to the local
//!   limiter, counts it, reports `degraded` and goes back to Redis by itself.
//!
//! This module holds what both share: the scopes, the settings (`[rate_limits]`),
//! per-site overrides, and the plan of which keys a request is charged to. What a
//! limited request looks like over HTTP (`429`, `Retry-After`) lives in `http/error.rs`;
//! where the checks sit in the request flow lives in `service.rs` and `http/extract.rs`.
//!
//! Keys are hashed before they are used, so neither memory nor Redis ever holds an
//! author id or a reader's IP in clear.

pub mod local;
pub mod redis;

use crate::moderation::AuthorHistory;
use serde::{Deserialize, Serialize};
use std::hash::{Hash, Hasher};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// What a limit applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The site's API quota: every host-site call, keyed by site.
    Site,
    /// Dry runs (`POST /v1/check`), keyed by site.
    Check,
    /// Comments per author id.
    Author,
    /// Comments per reader IP (IPv6 grouped by /64).
    Ip,
    /// Comments per thread, to damp pile-ons.
    Thread,
    /// Comments per author who has no approved comment yet (on top of `author`).
    NewAuthor,
}

impl Scope {
    pub const ALL: [Scope; 6] = [
        Scope::Site,
        Scope::Check,
        Scope::Author,
        Scope::Ip,
        Scope::Thread,
        Scope::NewAuthor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Site => "site",
            Scope::Check => "check",
            Scope::Author => "author",
            Scope::Ip => "ip",
            Scope::Thread => "thread",
            Scope::NewAuthor => "new_author",
        }
    }
}

/// One scope's limit: a sustained rate and a burst (GCRA).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopeLimit {
    /// Whether this scope is checked at all.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Sustained rate: requests per minute, per key.
    pub per_minute: u32,
    /// How many requests a fresh key may make at once.
    pub burst: u32,
}

fn yes() -> bool {
    true
}

impl ScopeLimit {
    const fn on(per_minute: u32, burst: u32) -> ScopeLimit {
        ScopeLimit {
            enabled: true,
            per_minute,
            burst,
        }
    }

    const fn off(per_minute: u32, burst: u32) -> ScopeLimit {
        ScopeLimit {
            enabled: false,
            per_minute,
            burst,
        }
    }

    fn validate(&self, scope: &str) -> Result<(), String> {
        if self.per_minute == 0 || self.burst == 0 {
            return Err(format!("{scope}: per_minute and burst must be at least 1"));
        }
        // Beyond this, the emission interval rounds to nothing in microseconds.
        if self.per_minute > 60_000_000 {
            return Err(format!("{scope}: per_minute must be at most 60000000"));
        }
        Ok(())
    }

    /// The time one request "costs": 60 s divided by the rate, in microseconds.
    pub fn interval_us(&self) -> u64 {
        60_000_000 / u64::from(self.per_minute.max(1))
    }
}

/// Adaptive limits (rspamd's idea): each of an author's rejected comments makes their
/// next comments cost one more unit of the `author` budget, each approved one earns a
/// unit back, between 1 and `max_cost`. Off by default.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AdaptiveSettings {
    pub enabled: bool,
    /// The most a comment can cost (1 = no shrinking); capped by the scope's burst.
    pub max_cost: u32,
}

impl Default for AdaptiveSettings {
    fn default() -> Self {
        AdaptiveSettings {
            enabled: false,
            max_cost: 4,
        }
    }
}

/// `[rate_limits]`: defaults per scope, overridable per site through the admin API.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitSettings {
    /// Master switch; `false` turns every scope off.
    pub enabled: bool,
    /// Prefix of every Redis key, so several deployments can share one Redis.
    pub redis_key_prefix: String,
    /// A Redis check slower than this falls back to the local limiter, in ms.
    pub redis_timeout_ms: u64,
    /// After a Redis failure, how long to use the local limiter before trying Redis
    /// again, in ms (so a dead Redis does not cost every request a timeout).
    pub redis_retry_ms: u64,
    /// How often idle keys are dropped from the local limiter, in seconds.
    pub housekeeping_interval_s: u64,
    pub adaptive: AdaptiveSettings,
    pub site: ScopeLimit,
    pub check: ScopeLimit,
    pub author: ScopeLimit,
    pub ip: ScopeLimit,
    pub thread: ScopeLimit,
    pub new_author: ScopeLimit,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        RateLimitSettings {
            enabled: true,
            redis_key_prefix: "raqib:rl:".into(),
            redis_timeout_ms: 50,
            redis_retry_ms: 1_000,
            housekeeping_interval_s: 60,
            adaptive: AdaptiveSettings::default(),
            // Site quotas and dry runs are an operator's choice: off until set.
            site: ScopeLimit::off(60_000, 5_000),
            check: ScopeLimit::off(6_000, 600),
            author: ScopeLimit::on(10, 5),
            // Readers behind carrier-grade NAT share an address: more room than an author.
            ip: ScopeLimit::on(60, 20),
            thread: ScopeLimit::on(600, 100),
            new_author: ScopeLimit::on(3, 2),
        }
    }
}

impl RateLimitSettings {
    pub fn validate(&self) -> Result<(), String> {
        for scope in Scope::ALL {
            self.limit(scope).validate(scope.as_str())?;
        }
        if self.redis_timeout_ms == 0 {
            return Err("redis_timeout_ms must be at least 1".into());
        }
        if self.adaptive.max_cost == 0 {
            return Err("adaptive.max_cost must be at least 1".into());
        }
        Ok(())
    }

    /// The configured default of one scope.
    pub fn limit(&self, scope: Scope) -> ScopeLimit {
        match scope {
            Scope::Site => self.site,
            Scope::Check => self.check,
            Scope::Author => self.author,
            Scope::Ip => self.ip,
            Scope::Thread => self.thread,
            Scope::NewAuthor => self.new_author,
        }
    }
}

/// A site's own limits, replacing the defaults scope by scope (`PUT
/// /v1/admin/sites/{id}/limits`). Stored as JSON in `sites.limits`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteLimits {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<ScopeLimit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<ScopeLimit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<ScopeLimit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<ScopeLimit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<ScopeLimit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_author: Option<ScopeLimit>,
}

impl SiteLimits {
    /// Read the stored JSON; an empty or unreadable value means "no overrides" (logged),
    /// so a bad row can never block a site.
    pub fn from_stored(site_id: &str, json: Option<&str>) -> SiteLimits {
        match json.map(str::trim).filter(|j| !j.is_empty()) {
            None => SiteLimits::default(),
            Some(j) => serde_json::from_str(j).unwrap_or_else(|e| {
                tracing::error!(site = %site_id, error = %e, "stored rate limits unreadable; using defaults");
                SiteLimits::default()
            }),
        }
    }

    pub fn get(&self, scope: Scope) -> Option<ScopeLimit> {
        match scope {
            Scope::Site => self.site,
            Scope::Check => self.check,
            Scope::Author => self.author,
            Scope::Ip => self.ip,
            Scope::Thread => self.thread,
            Scope::NewAuthor => self.new_author,
        }
    }

    pub fn validate(&self) -> Result<(), (Scope, String)> {
        for scope in Scope::ALL {
            if let Some(limit) = self.get(scope) {
                limit
                    .validate(scope.as_str())
                    .map_err(|message| (scope, message))?;
            }
        }
        Ok(())
    }

    /// The limit in force for a scope on this site: the override, else the default.
    pub fn effective(&self, defaults: &RateLimitSettings, scope: Scope) -> ScopeLimit {
        self.get(scope).unwrap_or_else(|| defaults.limit(scope))
    }
}

/// One key charged by a request: which scope, whose budget, under which limit, and
/// how many units (1, more with adaptive limits).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Demand {
    pub scope: Scope,
    /// Stable digest of (scope, site, subject); never the subject in clear.
    pub key: u64,
    pub limit: ScopeLimit,
    pub cost: u32,
}

impl Demand {
    fn new(scope: Scope, site_id: &str, subject: &str, limit: ScopeLimit, cost: u32) -> Demand {
        Demand {
            scope,
            key: key_digest(scope, site_id, subject),
            limit,
            cost: cost.clamp(1, limit.burst.max(1)),
        }
    }
}

/// A 64-bit digest of a key. SipHash with fixed keys: the same on every instance of a
/// build, which is what the Redis keys need; collisions at 64 bits are negligible.
fn key_digest(scope: Scope, site_id: &str, subject: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    scope.as_str().hash(&mut h);
    site_id.hash(&mut h);
    subject.hash(&mut h);
    h.finish()
}

/// The rate-limit identity of a reader's address: IPv4 as is, IPv6 by its /64, since
/// one subscriber usually holds a whole /64 and can rotate through it at will.
pub fn ip_subject(ip: IpAddr) -> String {
    match crate::net::canonical(ip) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) >> 64 << 64;
            format!("{}/64", std::net::Ipv6Addr::from(prefix))
        }
    }
}

/// What a comment is charged to.
pub struct CommentKeys<'a> {
    pub site_id: &'a str,
    pub author_id: &'a str,
    pub ip: Option<IpAddr>,
    pub thread_id: &'a str,
    pub history: &'a AuthorHistory,
}

/// The demands of a comment submission, most specific first: when a request is refused
/// locally, only the scopes before the refusing one were charged, so an author over
/// their limit never eats the thread's budget that other readers share.
pub fn comment_demands(
    settings: &RateLimitSettings,
    overrides: &SiteLimits,
    keys: &CommentKeys<'_>,
) -> Vec<Demand> {
    if !settings.enabled {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(4);
    let mut push = |scope: Scope, subject: &str, cost: u32| {
        let limit = overrides.effective(settings, scope);
        if limit.enabled {
            out.push(Demand::new(scope, keys.site_id, subject, limit, cost));
        }
    };
    let author_cost = adaptive_cost(&settings.adaptive, keys.history);
    push(Scope::Author, keys.author_id, author_cost);
    if keys.history.approved == 0 {
        push(Scope::NewAuthor, keys.author_id, 1);
    }
    if let Some(ip) = keys.ip {
        push(Scope::Ip, &ip_subject(ip), 1);
    }
    push(Scope::Thread, keys.thread_id, 1);
    out
}

/// The demand of a site-wide scope (`site` for every call, `check` for dry runs).
pub fn site_demand(
    settings: &RateLimitSettings,
    overrides: &SiteLimits,
    scope: Scope,
    site_id: &str,
) -> Option<Demand> {
    let limit = overrides.effective(settings, scope);
    (settings.enabled && limit.enabled).then(|| Demand::new(scope, site_id, "", limit, 1))
}

/// Units one comment costs the author: 1 plus rejections not yet earned back by
/// approvals, within `1..=max_cost`.
pub fn adaptive_cost(adaptive: &AdaptiveSettings, history: &AuthorHistory) -> u32 {
    if !adaptive.enabled {
        return 1;
    }
    let penalty = history.rejected.saturating_sub(history.approved);
    penalty.saturating_add(1).min(adaptive.max_cost.max(1))
}

/// A refused request: which scope refused it and when to come back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limited {
    pub scope: Scope,
    pub retry_after: Duration,
}

impl Limited {
    /// Whole seconds for `Retry-After`, rounded up, at least 1.
    pub fn retry_after_s(&self) -> u64 {
        let d = self.retry_after;
        let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
        secs.max(1)
    }
}

impl From<Limited> for crate::http::error::ApiError {
    fn from(l: Limited) -> Self {
        crate::http::error::ApiError::RateLimited {
            scope: l.scope.as_str().to_string(),
            retry_after_s: l.retry_after_s(),
        }
    }
}

/// Where the shared budget stands, for `/readyz`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    /// No `redis_url`: this instance's own limiter.
    Local,
    /// Redis answers; budgets are shared.
    Redis,
    /// Redis is configured but failing; this instance uses its local limiter.
    Degraded(String),
}

/// The limiter of one instance: Redis when configured and healthy, the local limiter
/// otherwise.
pub struct Limiter {
    settings: RateLimitSettings,
    local: local::LocalLimiter,
    redis: Option<redis::RedisLimiter>,
}

impl Limiter {
    /// Build from settings. Never fails on Redis: an unreachable Redis at start-up
    /// means starting degraded and connecting later from [`housekeeping_loop`].
    pub async fn new(settings: &RateLimitSettings, redis_url: &str) -> anyhow::Result<Limiter> {
        let redis = if redis_url.is_empty() {
            None
        } else {
            Some(redis::RedisLimiter::new(redis_url, settings).await?)
        };
        Ok(Limiter {
            settings: settings.clone(),
            local: local::LocalLimiter::new(),
            redis,
        })
    }

    pub fn settings(&self) -> &RateLimitSettings {
        &self.settings
    }

    /// Charge every demand, or refuse with the first scope over its limit.
    pub async fn check(&self, demands: &[Demand]) -> Result<(), Limited> {
        if demands.is_empty() {
            return Ok(());
        }
        let outcome = match &self.redis {
            Some(redis) => match redis.check(demands).await {
                Some(outcome) => outcome,
                None => self.local.check(demands),
            },
            None => self.local.check(demands),
        };
        if let Err(limited) = &outcome {
            metrics::counter!("raqib_rate_limited_total", "scope" => limited.scope.as_str())
                .increment(1);
            // Debug, not info: a flood would otherwise flood the log too.
            tracing::debug!(
                scope = limited.scope.as_str(),
                retry_after_s = limited.retry_after_s(),
                "rate limited"
            );
        }
        outcome
    }

    pub fn backend(&self) -> Backend {
        match &self.redis {
            None => Backend::Local,
            Some(r) => match r.degraded() {
                None => Backend::Redis,
                Some(why) => Backend::Degraded(why),
            },
        }
    }

    /// Drop idle keys from the local limiter; returns how many are left.
    pub fn retain_recent(&self) -> usize {
        let keys = self.local.retain_recent();
        metrics::gauge!("raqib_rate_limit_local_keys").set(keys as f64);
        keys
    }
}

/// Background upkeep until `stop` is cancelled: drop idle local keys every
/// `housekeeping_interval_s`, and while Redis is failing, probe it every
/// `redis_retry_ms` so recovery does not wait for traffic.
pub async fn housekeeping_loop(limiter: Arc<Limiter>, stop: tokio_util::sync::CancellationToken) {
    let retain_every = Duration::from_secs(limiter.settings.housekeeping_interval_s.max(1));
    let period = match &limiter.redis {
        Some(_) => retain_every.min(Duration::from_millis(
            limiter.settings.redis_retry_ms.max(100),
        )),
        None => retain_every,
    };
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_retain = std::time::Instant::now();
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = tick.tick() => {
                if let Some(redis) = &limiter.redis {
                    redis.probe_if_degraded().await;
                }
                if last_retain.elapsed() >= retain_every {
                    last_retain = std::time::Instant::now();
                    limiter.retain_recent();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn history(approved: u32, rejected: u32) -> AuthorHistory {
        AuthorHistory {
            approved,
            rejected,
            recent_rejected: rejected,
            seen: approved + rejected > 0,
        }
    }

    #[test]
    fn ipv6_is_grouped_by_64_and_ipv4_is_not() {
        let a = ip_subject("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = ip_subject("2001:db8:1:2:ffff:ffff:ffff:ffff".parse().unwrap());
        let c = ip_subject("2001:db8:1:3::1".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_ne!(
            ip_subject("203.0.113.7".parse().unwrap()),
            ip_subject("203.0.113.8".parse().unwrap())
        );
        assert_eq!(
            ip_subject("::ffff:203.0.113.7".parse().unwrap()),
            "203.0.113.7"
        );
    }

    #[test]
    fn new_authors_get_the_extra_scope_and_trusted_ones_do_not() {
        let s = RateLimitSettings::default();
        let h = history(0, 0);
        let keys = CommentKeys {
            site_id: "s",
            author_id: "a",
            ip: Some("203.0.113.7".parse().unwrap()),
            thread_id: "t",
            history: &h,
        };
        let scopes: Vec<_> = comment_demands(&s, &SiteLimits::default(), &keys)
            .iter()
            .map(|d| d.scope)
            .collect();
        assert_eq!(
            scopes,
            [Scope::Author, Scope::NewAuthor, Scope::Ip, Scope::Thread]
        );
        let h = history(3, 0);
        let keys = CommentKeys {
            history: &h,
            ip: None,
            ..keys
        };
        let scopes: Vec<_> = comment_demands(&s, &SiteLimits::default(), &keys)
            .iter()
            .map(|d| d.scope)
            .collect();
        assert_eq!(scopes, [Scope::Author, Scope::Thread]);
    }

    #[test]
    fn overrides_replace_defaults_scope_by_scope_and_can_disable() {
        let s = RateLimitSettings::default();
        let o = SiteLimits {
            author: Some(ScopeLimit::on(2, 1)),
            thread: Some(ScopeLimit::off(1, 1)),
            ..SiteLimits::default()
        };
        let h = history(1, 0);
        let keys = CommentKeys {
            site_id: "s",
            author_id: "a",
            ip: None,
            thread_id: "t",
            history: &h,
        };
        let d = comment_demands(&s, &o, &keys);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].limit, ScopeLimit::on(2, 1));
        let off = RateLimitSettings {
            enabled: false,
            ..RateLimitSettings::default()
        };
        assert!(comment_demands(&off, &o, &keys).is_empty());
    }

    #[test]
    fn keys_differ_by_scope_site_and_subject() {
        let l = ScopeLimit::on(1, 1);
        let k = |scope, site, subj| Demand::new(scope, site, subj, l, 1).key;
        assert_eq!(k(Scope::Author, "s", "a"), k(Scope::Author, "s", "a"));
        assert_ne!(k(Scope::Author, "s", "a"), k(Scope::Author, "s", "b"));
        assert_ne!(k(Scope::Author, "s", "a"), k(Scope::Author, "t", "a"));
        assert_ne!(k(Scope::Author, "s", "a"), k(Scope::NewAuthor, "s", "a"));
    }

    #[test]
    fn adaptive_cost_shrinks_with_rejections_and_recovers_within_bounds() {
        let on = AdaptiveSettings {
            enabled: true,
            max_cost: 4,
        };
        assert_eq!(adaptive_cost(&on, &history(0, 0)), 1);
        assert_eq!(adaptive_cost(&on, &history(0, 2)), 3);
        assert_eq!(adaptive_cost(&on, &history(0, 50)), 4);
        assert_eq!(adaptive_cost(&on, &history(2, 3)), 2);
        assert_eq!(adaptive_cost(&on, &history(9, 3)), 1);
        assert_eq!(
            adaptive_cost(&AdaptiveSettings::default(), &history(0, 9)),
            1
        );
    }

    #[test]
    fn a_refusal_is_a_429_problem_with_scope_and_retry_after() {
        use axum::response::IntoResponse;
        let err: crate::http::error::ApiError = Limited {
            scope: Scope::NewAuthor,
            retry_after: Duration::from_millis(29_500),
        }
        .into();
        assert_eq!(err.problem().scope.as_deref(), Some("new_author"));
        assert_eq!(err.code(), "rate_limited");
        let res = err.into_response();
        assert_eq!(res.status().as_u16(), 429);
        assert_eq!(res.headers()["retry-after"], "30");
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let l = |ms| Limited {
            scope: Scope::Author,
            retry_after: Duration::from_millis(ms),
        };
        assert_eq!(l(0).retry_after_s(), 1);
        assert_eq!(l(1).retry_after_s(), 1);
        assert_eq!(l(1000).retry_after_s(), 1);
        assert_eq!(l(1001).retry_after_s(), 2);
        assert_eq!(l(12_000).retry_after_s(), 12);
    }
}
