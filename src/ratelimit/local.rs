//! The in-process limiter: `governor` keyed GCRA limiters, one per (scope, limit) pair
//! in use, keyed by the 64-bit digest of each key.
//!
//! Memory: a key costs about 36 bytes of RSS while it is remembered (u64 keys; a
//! million keys ≈ 35 MiB, measured by `benches/ratelimit.rs`). `governor` never forgets a key by
//! itself, so [`LocalLimiter::retain_recent`] — run by the housekeeping task — drops
//! every key whose state is indistinguishable from a fresh one and shrinks the maps.
//! The clock is a type parameter so tests drive time with `FakeRelativeClock`.

use super::{Demand, Limited, Scope, ScopeLimit};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, RwLock};

/// A keyed governor limiter on clock `C`. The middleware has to be spelled out: its
/// default names the quanta instant, which a fake clock does not have.
type Keyed<C> = RateLimiter<u64, DashMapStateStore<u64>, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// One limiter per (scope, rate per minute, burst).
type Limiters<C> = HashMap<(Scope, u32, u32), Arc<Keyed<C>>>;

/// Limiters by (scope, rate, burst): per-site overrides get their own limiter, sites on
/// the defaults share one per scope.
pub struct LocalLimiter<C: Clock = DefaultClock> {
    clock: C,
    limiters: RwLock<Limiters<C>>,
}

impl LocalLimiter<DefaultClock> {
    pub fn new() -> Self {
        Self::with_clock(DefaultClock::default())
    }
}

impl Default for LocalLimiter<DefaultClock> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C: Clock + Clone> LocalLimiter<C> {
    /// A limiter on the given clock (tests pass a `FakeRelativeClock`).
    pub fn with_clock(clock: C) -> Self {
        LocalLimiter {
            clock,
            limiters: RwLock::new(HashMap::new()),
        }
    }

    fn limiter(&self, scope: Scope, limit: ScopeLimit) -> Arc<Keyed<C>> {
        let id = (scope, limit.per_minute, limit.burst);
        if let Ok(map) = self.limiters.read()
            && let Some(l) = map.get(&id)
        {
            return l.clone();
        }
        let fresh = || {
            Arc::new(Keyed::<C>::dashmap_with_clock(
                quota(limit),
                self.clock.clone(),
            ))
        };
        match self.limiters.write() {
            Ok(mut map) => map.entry(id).or_insert_with(fresh).clone(),
            // A panic while holding the lock cannot leave the map half-updated (inserts
            // are single calls); carry on with the data as it is.
            Err(poisoned) => poisoned
                .into_inner()
                .entry(id)
                .or_insert_with(fresh)
                .clone(),
        }
    }

    /// Charge each demand in order; stop at the first one over its limit.
    pub fn check(&self, demands: &[Demand]) -> Result<(), Limited> {
        for d in demands {
            let limiter = self.limiter(d.scope, d.limit);
            let cost =
                NonZeroU32::new(d.cost.clamp(1, d.limit.burst.max(1))).unwrap_or(NonZeroU32::MIN);
            match limiter.check_key_n(&d.key, cost) {
                Ok(Ok(())) => {}
                Ok(Err(not_until)) => {
                    return Err(Limited {
                        scope: d.scope,
                        retry_after: not_until.wait_time_from(self.clock.now()),
                    });
                }
                // The cost is capped by the burst, so this only means "never at once";
                // treat it as over the limit for one emission interval.
                Err(_) => {
                    return Err(Limited {
                        scope: d.scope,
                        retry_after: std::time::Duration::from_micros(d.limit.interval_us()),
                    });
                }
            }
        }
        Ok(())
    }

    /// Forget idle keys and give memory back; returns how many keys are left.
    pub fn retain_recent(&self) -> usize {
        let Ok(map) = self.limiters.read() else {
            return 0;
        };
        map.values()
            .map(|l| {
                l.retain_recent();
                l.shrink_to_fit();
                l.len()
            })
            .sum()
    }

    /// Keys currently remembered, over all scopes.
    pub fn len(&self) -> usize {
        self.limiters
            .read()
            .map(|map| map.values().map(|l| l.len()).sum())
            .unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn quota(limit: ScopeLimit) -> Quota {
    let rate = NonZeroU32::new(limit.per_minute).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(limit.burst).unwrap_or(NonZeroU32::MIN);
    Quota::per_minute(rate).allow_burst(burst)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::{CommentKeys, RateLimitSettings, SiteLimits, comment_demands};
    use super::*;
    use crate::moderation::AuthorHistory;
    use governor::clock::FakeRelativeClock;
    use std::time::Duration;

    fn demand(scope: Scope, key: u64, per_minute: u32, burst: u32) -> Demand {
        Demand {
            scope,
            key,
            limit: ScopeLimit {
                enabled: true,
                per_minute,
                burst,
            },
            cost: 1,
        }
    }

    #[test]
    fn burst_then_limited_with_retry_after_then_recovery() {
        let clock = FakeRelativeClock::default();
        let lim = LocalLimiter::with_clock(clock.clone());
        // 6 per minute: one every 10 s, 3 at once.
        let d = [demand(Scope::Author, 1, 6, 3)];
        for _ in 0..3 {
            lim.check(&d).unwrap();
        }
        let limited = lim.check(&d).unwrap_err();
        assert_eq!(limited.scope, Scope::Author);
        assert_eq!(limited.retry_after, Duration::from_secs(10));
        assert_eq!(limited.retry_after_s(), 10);
        clock.advance(Duration::from_secs(4));
        assert_eq!(lim.check(&d).unwrap_err().retry_after_s(), 6);
        clock.advance(Duration::from_secs(6));
        lim.check(&d).unwrap();
        assert!(lim.check(&d).is_err());
        // A long pause refills the whole burst, never more.
        clock.advance(Duration::from_secs(3600));
        for _ in 0..3 {
            lim.check(&d).unwrap();
        }
        assert!(lim.check(&d).is_err());
    }

    #[test]
    fn keys_and_scopes_are_isolated() {
        let lim = LocalLimiter::with_clock(FakeRelativeClock::default());
        lim.check(&[demand(Scope::Author, 1, 1, 1)]).unwrap();
        assert!(lim.check(&[demand(Scope::Author, 1, 1, 1)]).is_err());
        lim.check(&[demand(Scope::Author, 2, 1, 1)]).unwrap();
        lim.check(&[demand(Scope::Ip, 1, 1, 1)]).unwrap();
        // Another site's override (another limit) is another limiter.
        lim.check(&[demand(Scope::Author, 1, 2, 1)]).unwrap();
    }

    #[test]
    fn a_refusal_does_not_charge_the_scopes_after_it() {
        let lim = LocalLimiter::with_clock(FakeRelativeClock::default());
        let author = demand(Scope::Author, 1, 1, 1);
        let thread = demand(Scope::Thread, 9, 1, 2);
        lim.check(&[author.clone(), thread.clone()]).unwrap();
        for _ in 0..5 {
            assert_eq!(
                lim.check(&[author.clone(), thread.clone()])
                    .unwrap_err()
                    .scope,
                Scope::Author
            );
        }
        // The thread still has one unit left for someone else.
        lim.check(&[demand(Scope::Author, 2, 1, 1), thread.clone()])
            .unwrap();
    }

    #[test]
    fn ipv6_addresses_in_one_64_share_a_budget() {
        let lim = LocalLimiter::with_clock(FakeRelativeClock::default());
        let s = RateLimitSettings {
            ip: ScopeLimit {
                enabled: true,
                per_minute: 1,
                burst: 2,
            },
            author: ScopeLimit {
                enabled: false,
                per_minute: 1,
                burst: 1,
            },
            thread: ScopeLimit {
                enabled: false,
                per_minute: 1,
                burst: 1,
            },
            ..RateLimitSettings::default()
        };
        let h = AuthorHistory {
            approved: 1,
            ..AuthorHistory::default()
        };
        let check = |ip: &str| {
            let keys = CommentKeys {
                site_id: "s",
                author_id: "a",
                ip: Some(ip.parse().unwrap()),
                thread_id: "t",
                history: &h,
            };
            lim.check(&comment_demands(&s, &SiteLimits::default(), &keys))
        };
        check("2001:db8:0:1::1").unwrap();
        check("2001:db8:0:1:dead:beef::2").unwrap();
        assert_eq!(check("2001:db8:0:1::3").unwrap_err().scope, Scope::Ip);
        check("2001:db8:0:2::1").unwrap();
    }

    #[test]
    fn adaptive_cost_spends_the_burst_faster() {
        let lim = LocalLimiter::with_clock(FakeRelativeClock::default());
        let mut d = demand(Scope::Author, 1, 6, 4);
        d.cost = 2;
        lim.check(std::slice::from_ref(&d)).unwrap();
        lim.check(std::slice::from_ref(&d)).unwrap();
        assert!(lim.check(&[d]).is_err());
    }

    #[test]
    fn idle_keys_are_forgotten_by_retain_recent() {
        let clock = FakeRelativeClock::default();
        let lim = LocalLimiter::with_clock(clock.clone());
        for key in 0..10_000 {
            lim.check(&[demand(Scope::Ip, key, 60, 5)]).unwrap();
        }
        assert_eq!(lim.len(), 10_000);
        // Still inside their window: remembered.
        assert_eq!(lim.retain_recent(), 10_000);
        clock.advance(Duration::from_secs(5));
        assert_eq!(lim.retain_recent(), 0);
        assert!(lim.is_empty());
    }
}
