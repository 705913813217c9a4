//! Benchmarks of the rate-limit check, local (`governor`) and in Redis (the Lua
//! script; needs `TEST_REDIS_URL` or `REDIS_URL`, skipped otherwise), plus a memory
//! measurement of the local limiter under a million distinct keys, printed before the
//! benchmarks run.
//!
//! `cargo bench --bench ratelimit` (add `-- --quick` for a short run).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, criterion_group};
use governor::clock::FakeRelativeClock;
use raqib::moderation::AuthorHistory;
use raqib::ratelimit::local::LocalLimiter;
use raqib::ratelimit::redis::RedisLimiter;
use raqib::ratelimit::{
    CommentKeys, Demand, RateLimitSettings, Scope, ScopeLimit, SiteLimits, comment_demands,
};
use std::hint::black_box;
use std::time::{Duration, Instant};

const GENEROUS: ScopeLimit = ScopeLimit {
    enabled: true,
    per_minute: 60_000_000,
    burst: 1_000_000,
};

fn demand(scope: Scope, key: u64) -> Demand {
    Demand {
        scope,
        key,
        limit: GENEROUS,
        cost: 1,
    }
}

/// The settings a comment check uses, with limits no benchmark loop can reach.
fn generous() -> RateLimitSettings {
    RateLimitSettings {
        author: GENEROUS,
        ip: GENEROUS,
        thread: GENEROUS,
        new_author: GENEROUS,
        ..RateLimitSettings::default()
    }
}

fn comment_plan(settings: &RateLimitSettings, n: u64) -> Vec<Demand> {
    let history = AuthorHistory::default();
    let author = format!("author-{}", n % 1024);
    let ip = std::net::IpAddr::from([10, 0, (n % 256) as u8, (n / 256 % 4) as u8]);
    comment_demands(
        settings,
        &SiteLimits::default(),
        &CommentKeys {
            site_id: "site-1",
            author_id: &author,
            ip: Some(ip),
            thread_id: "thread-1",
            history: &history,
        },
    )
}

fn local(c: &mut Criterion) {
    let mut g = c.benchmark_group("ratelimit_local");
    let lim = LocalLimiter::new();
    let mut n = 0u64;
    g.bench_function("one_key_hot_1024_keys", |b| {
        b.iter(|| {
            n = n.wrapping_add(1);
            black_box(lim.check(&[demand(Scope::Author, n % 1024)])).unwrap();
        });
    });
    let mut fresh = 1u64 << 40;
    g.bench_function("one_key_always_new", |b| {
        b.iter(|| {
            fresh += 1;
            black_box(lim.check(&[demand(Scope::Ip, fresh)])).unwrap();
        });
    });
    let settings = generous();
    g.bench_function("comment_plan_and_check_4_scopes", |b| {
        b.iter(|| {
            n = n.wrapping_add(1);
            let plan = comment_plan(&settings, n);
            black_box(lim.check(&plan)).unwrap();
        });
    });
    g.finish();
}

fn redis(c: &mut Criterion) {
    let Some(url) = std::env::var("TEST_REDIS_URL")
        .or_else(|_| std::env::var("REDIS_URL"))
        .ok()
    else {
        eprintln!("SKIPPED ratelimit_redis benches: TEST_REDIS_URL not set");
        return;
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let settings = RateLimitSettings {
        redis_key_prefix: format!("raqib:bench:{}:", std::process::id()),
        redis_timeout_ms: 1_000,
        ..generous()
    };
    let lim = rt
        .block_on(RedisLimiter::new(&url, &settings))
        .expect("redis limiter");
    assert!(lim.degraded().is_none(), "Redis not reachable at {url}");
    let mut g = c.benchmark_group("ratelimit_redis");
    let mut n = 0u64;
    g.bench_function("one_key_round_trip", |b| {
        b.iter(|| {
            n = n.wrapping_add(1);
            let d = [demand(Scope::Author, n % 1024)];
            rt.block_on(lim.check(&d)).unwrap().unwrap();
        });
    });
    g.bench_function("comment_4_scopes_one_script", |b| {
        b.iter(|| {
            n = n.wrapping_add(1);
            let plan = comment_plan(&settings, n);
            rt.block_on(lim.check(&plan)).unwrap().unwrap();
        });
    });
    // Concurrency: 64 checks in flight on one multiplexed connection.
    let multi = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let shared = std::sync::Arc::new(
        multi
            .block_on(RedisLimiter::new(&url, &settings))
            .expect("redis limiter"),
    );
    g.bench_function("one_key_64_in_flight_per_check", |b| {
        b.iter_custom(|iters| {
            let shared = shared.clone();
            multi.block_on(async move {
                let start = Instant::now();
                let tasks: Vec<_> = (0..64u64)
                    .map(|t| {
                        let shared = shared.clone();
                        tokio::spawn(async move {
                            for i in 0..iters.div_ceil(64) {
                                let d = [demand(Scope::Author, t * 1_000_000 + i % 1024)];
                                shared.check(&d).await.unwrap().unwrap();
                            }
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
                start.elapsed()
            })
        });
    });
    g.finish();
}

/// Resident memory of this process, in bytes (Linux).
fn rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// Insert a million distinct keys (as a flood of one-off IPs would), then let their
/// window pass on a fake clock and run the housekeeping step.
fn memory_report() {
    const KEYS: u64 = 1_000_000;
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    let clock = FakeRelativeClock::default();
    let lim = LocalLimiter::with_clock(clock.clone());
    let limit = ScopeLimit {
        enabled: true,
        per_minute: 60,
        burst: 20,
    };
    let before = rss_bytes().unwrap_or(0);
    let start = Instant::now();
    for key in 0..KEYS {
        let d = Demand {
            scope: Scope::Ip,
            key: key.wrapping_mul(0x9E37_79B9_7F4A_7C15),
            limit,
            cost: 1,
        };
        lim.check(&[d]).unwrap();
    }
    let insert = start.elapsed();
    let full = rss_bytes().unwrap_or(0);
    let kept_now = lim.retain_recent();
    clock.advance(Duration::from_secs(61));
    let start = Instant::now();
    let kept_later = lim.retain_recent();
    let retain = start.elapsed();
    let after = rss_bytes().unwrap_or(0);
    eprintln!(
        "ratelimit memory: {KEYS} distinct keys: {:.0} ns/check to insert, RSS {:.1} → {:.1} MiB \
         (+{:.1} MiB, {:.0} B/key); retain_recent inside the window keeps {kept_now}; after the \
         window it keeps {kept_later} in {:.0} ms, RSS then {:.1} MiB",
        insert.as_nanos() as f64 / KEYS as f64,
        mib(before),
        mib(full),
        mib(full.saturating_sub(before)),
        full.saturating_sub(before) as f64 / KEYS as f64,
        retain.as_secs_f64() * 1000.0,
        mib(after),
    );
}

criterion_group!(benches, local, redis);

fn main() {
    // `--list` and `--test` (smoke runs) skip the million-key measurement.
    if !std::env::args().any(|a| a == "--list" || a == "--test") {
        memory_report();
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
