//! Rate limits through the HTTP API: each scope refuses with `429 rate_limited`, its
//! scope and `Retry-After`, stores nothing, and leaves other keys alone; per-site
//! overrides; trusted proxies; and with Redis (`TEST_REDIS_URL`), one budget shared by
//! two instances and a Redis outage that degrades the instance without taking it down.
//!
//! Exact timing (Retry-After values, recovery after time passes) is tested with
//! governor's fake clock in `src/ratelimit/local.rs`; here limits are tiny (a rate of
//! one a minute) so real time never decides an outcome.

use crate::helpers::{Backend, TestApp, announce_skip, comment};
use raqib::config::Settings;
use raqib::ratelimit::{RateLimitSettings, ScopeLimit};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};

/// Run each `async fn(Backend)` on SQLite and, when configured, on PostgreSQL.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name(crate::helpers::Backend::Sqlite).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name(crate::helpers::Backend::Postgres).await;
                }
            }
        )*
    };
}

on_both_backends!(
    author_burst_then_429_with_retry_after_and_nothing_stored,
    ip_scope_groups_ipv6_by_64_and_thread_scope_damps_pile_ons,
    new_authors_have_a_stricter_limit,
    check_has_its_own_scope_and_is_not_counted_as_a_comment,
    site_quota_covers_every_call_and_is_overridden_per_site,
    adaptive_limits_shrink_the_budget_of_rejected_authors,
);

const ON_1: ScopeLimit = ScopeLimit {
    enabled: true,
    per_minute: 1,
    burst: 1,
};

fn limit(per_minute: u32, burst: u32) -> ScopeLimit {
    ScopeLimit {
        enabled: true,
        per_minute,
        burst,
    }
}

/// Every scope off; each test turns on what it tests.
fn only(tweak: impl FnOnce(&mut RateLimitSettings)) -> impl FnOnce(&mut Settings) {
    move |s: &mut Settings| {
        let off = ScopeLimit {
            enabled: false,
            ..ON_1
        };
        s.rate_limits = RateLimitSettings {
            enabled: true,
            site: off,
            check: off,
            author: off,
            ip: off,
            thread: off,
            new_author: off,
            ..RateLimitSettings::default()
        };
        tweak(&mut s.rate_limits);
    }
}

fn by(ext: &str, author: &str, ip: &str, thread: &str) -> Value {
    json!({
        "external_id": ext,
        "thread": {"id": thread},
        "author": {"id": author, "ip": ip},
        "body": format!("a calm remark about the news, number {}", spelled(ext)),
    })
}

/// `ext` spelled in words of two letters or more (`a-12` → `aa one two`): every
/// comment's text differs in its words, not only in digits or single letters, so
/// none of them is a campaign copy of another.
fn spelled(ext: &str) -> String {
    const DIGITS: [&str; 10] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    ext.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => format!(" {}", DIGITS[d as usize]),
            None if c.is_alphabetic() => format!("{c}{c}"),
            None => " ".into(),
        })
        .collect()
}

/// POST a comment and return the status, the `Retry-After` header and the body.
async fn post(app: &TestApp, path: &str, body: &Value) -> (u16, Option<u64>, Value) {
    let res = app
        .client
        .post(app.url(path))
        .bearer_auth(&app.api_key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let retry = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse::<u64>().unwrap());
    (status, retry, res.json().await.unwrap_or(Value::Null))
}

/// A `429 rate_limited` for `scope`; returns its `Retry-After`. With a rate of one a
/// minute, a unit is at most 60 s away (more only when a comment costs several).
fn assert_limited(got: &(u16, Option<u64>, Value), scope: &str) -> u64 {
    let (status, retry, body) = got;
    assert_eq!(*status, 429, "{body}");
    assert_eq!(body["code"], "rate_limited", "{body}");
    assert_eq!(body["scope"], scope, "{body}");
    let retry = retry.expect("Retry-After on a 429");
    assert!((1..=240).contains(&retry), "Retry-After {retry}");
    retry
}

async fn metrics_text(app: &TestApp) -> String {
    app.client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn author_burst_then_429_with_retry_after_and_nothing_stored(backend: Backend) {
    let name = "author_burst";
    let Some(app) = TestApp::spawn_with(backend, name, only(|r| r.author = limit(1, 2))).await
    else {
        return;
    };
    for i in 0..2 {
        let (status, _, v) = post(
            &app,
            "/v1/comments",
            &by(&format!("a-{i}"), "bot", "203.0.113.9", "t"),
        )
        .await;
        assert_eq!(status, 201, "{v}");
    }
    let refused = post(&app, "/v1/comments", &by("a-2", "bot", "203.0.113.9", "t")).await;
    assert_limited(&refused, "author");
    // One a minute, the burst just spent: the next unit is a minute away.
    assert!(refused.1.unwrap() >= 59, "{:?}", refused.1);
    // Nothing stored, nothing counted.
    assert_eq!(app.store.count_comments(&app.site_id).await.unwrap(), 2);
    let (status, _) = app.get("/v1/comments/ext:a-2").await;
    assert_eq!(status, 404);
    // A retry of a stored comment is answered, not charged.
    let (status, _, v) = post(&app, "/v1/comments", &by("a-1", "bot", "203.0.113.9", "t")).await;
    assert_eq!(status, 200, "{v}");
    // Another author from the same IP is not affected.
    let (status, _, v) = post(
        &app,
        "/v1/comments",
        &by("a-3", "reader", "203.0.113.9", "t"),
    )
    .await;
    assert_eq!(status, 201, "{v}");
    // Batch items are refused one by one.
    let (status, v) = app
        .post_json(
            "/v1/comments/batch",
            &json!({"comments": [by("b-1", "bot", "203.0.113.9", "t"), by("b-2", "other", "203.0.113.9", "t")]}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["results"][0]["code"], "rate_limited", "{v}");
    assert_eq!(v["results"][0]["scope"], "author", "{v}");
    assert_eq!(v["results"][1]["status"], "approved", "{v}");
    let text = metrics_text(&app).await;
    assert!(
        text.lines()
            .any(|l| l.starts_with("raqib_rate_limited_total") && l.contains("scope=\"author\"")),
        "{text}"
    );
}

async fn ip_scope_groups_ipv6_by_64_and_thread_scope_damps_pile_ons(backend: Backend) {
    let Some(app) = TestApp::spawn_with(
        backend,
        "ip_thread",
        only(|r| {
            r.ip = limit(1, 2);
            r.thread = limit(1, 3);
        }),
    )
    .await
    else {
        return;
    };
    // Two addresses in one /64 share a budget...
    assert_eq!(
        post(
            &app,
            "/v1/comments",
            &by("i-1", "a1", "2001:db8:0:7::1", "t1")
        )
        .await
        .0,
        201
    );
    assert_eq!(
        post(
            &app,
            "/v1/comments",
            &by("i-2", "a2", "2001:db8:0:7:ffff::2", "t2")
        )
        .await
        .0,
        201
    );
    assert_limited(
        &post(
            &app,
            "/v1/comments",
            &by("i-3", "a3", "2001:db8:0:7::3", "t3"),
        )
        .await,
        "ip",
    );
    // ...the next /64 has its own, and so does an IPv4 address.
    assert_eq!(
        post(
            &app,
            "/v1/comments",
            &by("i-4", "a4", "2001:db8:0:8::1", "t1")
        )
        .await
        .0,
        201
    );
    assert_eq!(
        post(&app, "/v1/comments", &by("i-5", "a5", "198.51.100.1", "t1"))
            .await
            .0,
        201
    );
    // Thread t1 has now taken three comments from three readers: a fourth is damped.
    assert_limited(
        &post(&app, "/v1/comments", &by("i-6", "a6", "198.51.100.2", "t1")).await,
        "thread",
    );
    assert_eq!(
        post(&app, "/v1/comments", &by("i-7", "a7", "198.51.100.3", "t9"))
            .await
            .0,
        201
    );
    assert_eq!(app.store.count_comments(&app.site_id).await.unwrap(), 5);
}

async fn new_authors_have_a_stricter_limit(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, "new_author", |s| {
        only(|r| {
            r.author = limit(1, 5);
            r.new_author = ON_1;
        })(s);
        // Held comments are not approved, so their authors stay new.
        s.policy.mode = raqib::moderation::policy::Mode::Premoderate;
    })
    .await
    else {
        return;
    };
    assert_eq!(
        post(
            &app,
            "/v1/comments",
            &by("n-1", "newbie", "203.0.113.1", "t")
        )
        .await
        .0,
        201
    );
    assert_limited(
        &post(
            &app,
            "/v1/comments",
            &by("n-2", "newbie", "203.0.113.1", "t"),
        )
        .await,
        "new_author",
    );
    assert_eq!(
        post(
            &app,
            "/v1/comments",
            &by("n-3", "other", "203.0.113.1", "t")
        )
        .await
        .0,
        201
    );
}

async fn check_has_its_own_scope_and_is_not_counted_as_a_comment(backend: Backend) {
    let Some(app) = TestApp::spawn_with(
        backend,
        "check_scope",
        only(|r| {
            r.check = limit(1, 2);
            r.author = ON_1;
        }),
    )
    .await
    else {
        return;
    };
    let probe = by("c-1", "reader", "203.0.113.1", "t");
    for _ in 0..2 {
        let (status, _, v) = post(&app, "/v1/check", &probe).await;
        assert_eq!(status, 200, "{v}");
    }
    assert_limited(&post(&app, "/v1/check", &probe).await, "check");
    // The dry runs did not spend the author's one comment.
    assert_eq!(post(&app, "/v1/comments", &probe).await.0, 201);
    assert_limited(
        &post(
            &app,
            "/v1/comments",
            &by("c-2", "reader", "203.0.113.1", "t"),
        )
        .await,
        "author",
    );
}

async fn site_quota_covers_every_call_and_is_overridden_per_site(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, "site_quota", only(|_| {})).await else {
        return;
    };
    let admin = app.user_token("admin", &[]).await;
    let path = format!("/v1/admin/sites/{}/limits", app.site_id);
    let put = |body: Value| {
        let app = &app;
        let admin = admin.clone();
        let path = path.clone();
        async move {
            let res = app
                .client
                .put(app.url(&path))
                .bearer_auth(admin)
                .json(&body)
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        }
    };
    // Invalid limits name the scope.
    let (status, v) = put(json!({"site": {"per_minute": 0, "burst": 1}})).await;
    assert_eq!(status, 422, "{v}");
    assert_eq!(v["field"], "site", "{v}");
    let (status, v) = put(json!({"site": {"per_minute": 1, "burst": 3}})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["overrides"]["site"]["burst"], 3, "{v}");
    assert_eq!(v["effective"]["site"]["enabled"], true, "{v}");
    assert_eq!(v["effective"]["author"]["enabled"], false, "{v}");
    let (status, v) = app.get_as(&admin, &path).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["overrides"]["site"]["per_minute"], 1, "{v}");
    // Every call counts: a submit, a read, a dry run; the fourth call is refused.
    assert_eq!(
        post(&app, "/v1/comments", &by("s-1", "r", "203.0.113.1", "t"))
            .await
            .0,
        201
    );
    assert_eq!(app.get("/v1/comments/ext:s-1").await.0, 200);
    assert_eq!(
        post(&app, "/v1/check", &by("s-2", "r", "203.0.113.1", "t"))
            .await
            .0,
        200
    );
    let res = app
        .client
        .get(app.url("/v1/comments/ext:s-1"))
        .bearer_auth(&app.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 429);
    assert!(res.headers().get("retry-after").is_some());
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["scope"], "site", "{v}");
    // Another site keeps the defaults (off here).
    let (_, other_key) = app.other_site().await;
    for i in 0..5 {
        let (status, v) = app
            .post_json_as(
                &other_key,
                "/v1/comments",
                &by(&format!("o-{i}"), "r", "203.0.113.1", "t"),
            )
            .await;
        assert_eq!(status, 201, "{v}");
    }
    // Clearing the overrides lifts the quota.
    let (status, v) = put(json!({})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["overrides"], json!({}), "{v}");
    assert_eq!(app.get("/v1/comments/ext:s-1").await.0, 200);
    let api: Value = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let documented = &api["paths"]["/v1/admin/sites/{id}/limits"];
    assert!(
        documented.get("get").is_some() && documented.get("put").is_some(),
        "{documented}"
    );
    // Moderators may not change limits.
    let moderator = app
        .user_token("moderator", std::slice::from_ref(&app.site_id))
        .await;
    let (status, _) = app.get_as(&moderator, &path).await;
    assert_eq!(status, 403);
}

async fn adaptive_limits_shrink_the_budget_of_rejected_authors(backend: Backend) {
    let Some(app) = TestApp::spawn_with(
        backend,
        "adaptive",
        only(|r| {
            r.author = limit(1, 4);
            r.adaptive.enabled = true;
            r.adaptive.max_cost = 4;
        }),
    )
    .await
    else {
        return;
    };
    let admin = app.user_token("admin", &[]).await;
    let rule = json!({"id": "no-melons", "kind": "keyword", "lang": "ar", "terms": ["بطيخ"],
                      "label": "abuse", "action": "reject"});
    let res = app
        .client
        .post(app.url(&format!("/v1/admin/rules?site={}", app.site_id)))
        .bearer_auth(&admin)
        .json(&rule)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let troll = |ext: &str| {
        json!({"external_id": ext, "thread": {"id": "t"}, "author": {"id": "troll"},
               "body": "أكلت البطيخ اليوم"})
    };
    // Costs 1, then 2 (one rejection): 3 of the 4 units; the next would cost 3.
    let (status, _, v) = post(&app, "/v1/comments", &troll("ad-1")).await;
    assert_eq!(
        (status, v["status"].as_str()),
        (201, Some("rejected")),
        "{v}"
    );
    let (status, _, v) = post(&app, "/v1/comments", &troll("ad-2")).await;
    assert_eq!(
        (status, v["status"].as_str()),
        (201, Some("rejected")),
        "{v}"
    );
    // Three units needed, one left: two more minutes at one a minute.
    let retry = assert_limited(&post(&app, "/v1/comments", &troll("ad-3")).await, "author");
    assert!((119..=120).contains(&retry), "Retry-After {retry}");
    // An author in good standing gets the whole burst of 4.
    for i in 0..4 {
        let (status, _, v) = post(
            &app,
            "/v1/comments",
            &by(&format!("ok-{i}"), "nice", "203.0.113.1", "t"),
        )
        .await;
        assert_eq!(status, 201, "{v}");
    }
    assert_limited(
        &post(
            &app,
            "/v1/comments",
            &by("ok-4", "nice", "203.0.113.1", "t"),
        )
        .await,
        "author",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_keys_are_limited_per_host_and_forwarded_for_only_from_trusted_proxies() {
    let quota = |trusted: Vec<String>| {
        move |s: &mut Settings| {
            only(|r| r.site = limit(1, 2))(s);
            s.server.trusted_proxies = trusted;
        }
    };
    let bad_key = |app: &TestApp, forwarded: &'static str| {
        app.client
            .get(app.url("/v1/comments/ext:x"))
            .bearer_auth("rk_not_a_key")
            .header("x-forwarded-for", forwarded)
            .send()
    };
    // Behind a trusted proxy (the test client is on loopback): per forwarded host.
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        "xff_trusted",
        quota(vec!["127.0.0.0/8".into()]),
    )
    .await
    .unwrap();
    for _ in 0..2 {
        assert_eq!(
            bad_key(&app, "198.51.100.1")
                .await
                .unwrap()
                .status()
                .as_u16(),
            401
        );
    }
    assert_eq!(
        bad_key(&app, "198.51.100.1")
            .await
            .unwrap()
            .status()
            .as_u16(),
        429
    );
    // A spoofed first hop does not help: the proxy's own entry decides.
    assert_eq!(
        bad_key(&app, "1.2.3.4, 198.51.100.1")
            .await
            .unwrap()
            .status()
            .as_u16(),
        429
    );
    assert_eq!(
        bad_key(&app, "198.51.100.2")
            .await
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    // No trusted proxies: the header is ignored and every caller here is 127.0.0.1.
    let app = TestApp::spawn_with(Backend::Sqlite, "xff_untrusted", quota(Vec::new()))
        .await
        .unwrap();
    assert_eq!(
        bad_key(&app, "198.51.100.1")
            .await
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    assert_eq!(
        bad_key(&app, "198.51.100.2")
            .await
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    let res = bad_key(&app, "198.51.100.3").await.unwrap();
    assert_eq!(res.status().as_u16(), 429);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["scope"], "site", "{v}");
}

// ---- Redis ----

/// `TEST_REDIS_URL`, or a visible skip (a failure in CI).
fn redis_url(test: &str) -> Option<String> {
    match std::env::var("TEST_REDIS_URL") {
        Ok(url) => Some(url),
        Err(_) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("TEST_REDIS_URL must be set in CI");
            }
            announce_skip(test, "TEST_REDIS_URL not set");
            None
        }
    }
}

/// A key prefix of this test's own, so tests never share Redis state.
fn own_prefix(test: &str) -> String {
    format!("raqib:test:{test}:{}:", uuid::Uuid::new_v4().simple())
}

async fn readiness(app: &TestApp) -> (u16, Value) {
    let res = app.client.get(app.url("/readyz")).send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_one_budget_through_redis() {
    let test = "two_instances_share_one_budget_through_redis";
    let Some(url) = redis_url(test) else { return };
    let prefix = own_prefix("shared");
    // 60 a minute (one a second) with a burst of 5, per author.
    let a = TestApp::spawn_with(Backend::Sqlite, test, |s| {
        only(|r| r.author = limit(60, 5))(s);
        s.redis_url = url;
        s.rate_limits.redis_key_prefix = prefix;
        // A loaded CI machine must not turn a slow answer into a local fallback.
        s.rate_limits.redis_timeout_ms = 2_000;
    })
    .await
    .unwrap();
    let b = a.second_instance().await;
    assert_eq!(readiness(&a).await.1["rate_limits"], "redis");
    assert_eq!(readiness(&b).await.1["rate_limits"], "redis");
    let start = Instant::now();
    let mut accepted = 0u64;
    for i in 0..30 {
        let app = if i % 2 == 0 { &a } else { &b };
        let (status, _, v) = post(
            app,
            "/v1/comments",
            &by(&format!("r-{i}"), "flooder", "203.0.113.5", "t"),
        )
        .await;
        match status {
            201 => accepted += 1,
            429 => assert_eq!(v["scope"], "author", "{v}"),
            other => panic!("unexpected {other}: {v}"),
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    // Shared: never more than the burst plus what the rate refilled meanwhile, across
    // both instances (each alone would have allowed the burst again).
    let ceiling = 5 + elapsed.ceil() as u64;
    assert!(accepted >= 5, "accepted {accepted}");
    assert!(
        accepted <= ceiling,
        "accepted {accepted} in {elapsed:.2}s, ceiling {ceiling}"
    );
    assert_eq!(
        a.store.count_comments(&a.site_id).await.unwrap() as u64,
        accepted
    );
    // Another author has a budget of their own on both instances.
    assert_eq!(
        post(&b, "/v1/comments", &by("r-x", "reader", "203.0.113.5", "t"))
            .await
            .0,
        201
    );
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_script_is_all_or_nothing_and_reports_the_refusing_scope() {
    use raqib::ratelimit::{CommentKeys, Scope, SiteLimits, comment_demands, redis::RedisLimiter};
    let test = "redis_script_is_all_or_nothing";
    let Some(url) = redis_url(test) else { return };
    let mut settings = RateLimitSettings {
        redis_key_prefix: own_prefix("script"),
        redis_timeout_ms: 2_000,
        ..RateLimitSettings::default()
    };
    settings.author = limit(1, 3);
    settings.thread = limit(1, 4);
    settings.ip.enabled = false;
    settings.new_author.enabled = false;
    let redis = RedisLimiter::new(&url, &settings).await.unwrap();
    assert!(redis.degraded().is_none());
    let history = raqib::moderation::AuthorHistory::default();
    let demands = |author: &str| {
        comment_demands(
            &settings,
            &SiteLimits::default(),
            &CommentKeys {
                site_id: "s",
                author_id: author,
                ip: None,
                thread_id: "t",
                history: &history,
            },
        )
    };
    for _ in 0..3 {
        redis.check(&demands("a")).await.unwrap().unwrap();
    }
    for _ in 0..3 {
        let limited = redis.check(&demands("a")).await.unwrap().unwrap_err();
        assert_eq!(limited.scope, Scope::Author);
        // One a minute: the next unit is just under a minute away.
        assert!(limited.retry_after > Duration::from_secs(58), "{limited:?}");
        assert!(
            limited.retry_after <= Duration::from_secs(60),
            "{limited:?}"
        );
    }
    // The refusals charged nothing: the thread has exactly one unit left.
    redis.check(&demands("b")).await.unwrap().unwrap();
    let limited = redis.check(&demands("c")).await.unwrap().unwrap_err();
    assert_eq!(limited.scope, Scope::Thread);
}

/// A TCP proxy in front of Redis that can black-hole traffic: while down, open
/// connections are cut and new ones are accepted but never answered (a hung Redis,
/// the worst case for latency).
struct FlakyProxy {
    addr: SocketAddr,
    up: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl FlakyProxy {
    async fn start(target: SocketAddr) -> FlakyProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let conns: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>> = Arc::default();
        let accept = {
            let up = up.clone();
            let conns = conns.clone();
            tokio::spawn(async move {
                while let Ok((mut client, _)) = listener.accept().await {
                    let forward = up.load(Ordering::SeqCst);
                    let task = tokio::spawn(async move {
                        if !forward {
                            // Hold the socket open, say nothing.
                            std::future::pending::<()>().await;
                        }
                        if let Ok(mut upstream) = TcpStream::connect(target).await {
                            let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                        }
                    });
                    conns.lock().unwrap().push(task);
                }
            })
        };
        FlakyProxy {
            addr,
            up,
            conns,
            accept,
        }
    }

    fn url(&self) -> String {
        format!("redis://{}", self.addr)
    }

    /// Cut every open connection (forwarding or held) and switch the mode.
    fn set_up(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
        for task in self.conns.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}

impl Drop for FlakyProxy {
    fn drop(&mut self) {
        self.set_up(false);
        self.accept.abort();
    }
}

fn redis_addr(url: &str) -> SocketAddr {
    use std::net::ToSocketAddrs;
    let rest = url.trim_start_matches("redis://");
    let host_port = rest.split('/').next().unwrap();
    let host_port = host_port.rsplit('@').next().unwrap();
    host_port.to_socket_addrs().unwrap().next().unwrap()
}

/// Poll readiness until `want` (bounded), for background recovery we do not drive.
async fn wait_for_rate_limits(app: &TestApp, want: impl Fn(&str) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, v) = readiness(app).await;
        assert_eq!(status, 200, "{v}");
        if want(v["rate_limits"].as_str().unwrap_or("")) {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "readiness never reached the state: {v}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_outage_falls_back_to_local_limits_and_recovers() {
    let test = "redis_outage_falls_back_to_local_limits_and_recovers";
    let Some(url) = redis_url(test) else { return };
    let proxy = FlakyProxy::start(redis_addr(&url)).await;
    let prefix = own_prefix("outage");
    let app = TestApp::spawn_with(Backend::Sqlite, test, |s| {
        only(|r| r.author = limit(1, 3))(s);
        s.redis_url = proxy.url();
        s.rate_limits.redis_key_prefix = prefix.clone();
        // Above the default 50 ms so a loaded CI machine is not mistaken for an outage;
        // a hung Redis still costs a request at most this.
        s.rate_limits.redis_timeout_ms = 250;
        s.rate_limits.redis_retry_ms = 200;
    })
    .await
    .unwrap();
    let (status, v) = readiness(&app).await;
    assert_eq!((status, v["status"].as_str()), (200, Some("ready")), "{v}");
    assert_eq!(v["rate_limits"], "redis");
    assert_eq!(
        post(&app, "/v1/comments", &by("o-1", "a", "203.0.113.5", "t"))
            .await
            .0,
        201
    );

    // Redis hangs: requests are still answered, promptly, on the local limiter.
    proxy.set_up(false);
    let started = Instant::now();
    for i in 2..=5 {
        let (status, _, v) = post(
            &app,
            "/v1/comments",
            &by(&format!("o-{i}"), "b", "203.0.113.5", "t"),
        )
        .await;
        assert!(status == 201 || status == 429, "{status} {v}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // The local limiter still limits: author b had a burst of 3 locally.
    assert_eq!(app.store.count_comments(&app.site_id).await.unwrap(), 4);
    let v = wait_for_rate_limits(&app, |s| s.starts_with("degraded")).await;
    assert_eq!(v["status"], "degraded", "{v}");
    let text = metrics_text(&app).await;
    assert!(text.contains("raqib_rate_limit_fallback_total"), "{text}");

    // Redis answers again: back to the shared budget without a restart.
    proxy.set_up(true);
    let v = wait_for_rate_limits(&app, |s| s == "redis").await;
    assert_eq!(v["status"], "ready", "{v}");
    // Checks are in Redis again: a new author's comment leaves its key there.
    let before = redis_keys(&url, &prefix).await;
    assert_eq!(
        post(&app, "/v1/comments", &by("o-6", "c", "203.0.113.5", "t"))
            .await
            .0,
        201
    );
    assert_eq!(redis_keys(&url, &prefix).await, before + 1);
}

/// How many keys under `prefix` Redis holds.
async fn redis_keys(url: &str, prefix: &str) -> usize {
    let client = redis::Client::open(url).unwrap();
    let mut conn = redis::aio::ConnectionManager::new(client).await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    keys.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_redis_at_start_degrades_instead_of_failing() {
    // A port nothing listens on: bind one, note it, close it.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, "closed_port", |s| {
        only(|r| r.author = limit(1, 2))(s);
        s.redis_url = format!("redis://{closed}");
        s.rate_limits.redis_key_prefix = own_prefix("closed");
    })
    .await
    .unwrap();
    let (status, v) = readiness(&app).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["status"], "degraded", "{v}");
    assert!(
        v["rate_limits"].as_str().unwrap().starts_with("degraded"),
        "{v}"
    );
    for i in 0..2 {
        assert_eq!(
            post(
                &app,
                "/v1/comments",
                &by(&format!("d-{i}"), "a", "203.0.113.5", "t")
            )
            .await
            .0,
            201
        );
    }
    assert_limited(
        &post(&app, "/v1/comments", &by("d-3", "a", "203.0.113.5", "t")).await,
        "author",
    );
    assert_eq!(
        app.submit(&comment("d-4", "another reader's view")).await.0,
        201
    );
}
