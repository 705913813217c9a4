//! Faults: what raqib promises when things break around it. `kill -9` in the middle of
//! a load of submissions (the real binary), the database connection cut (through a
//! TCP proxy the test controls), Redis cut, a full or read-only SQLite database, a
//! webhook receiver that never answers, slow and idle clients, abusive input. Each
//! test is bounded in time; `scripts/fault-tests` runs the heavier versions.

use crate::helpers::{Backend, PgDatabase, TestApp, comment, redis_url};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

// ---------------------------------------------------------------------------------
// Tools: a cuttable TCP proxy, a webhook receiver, the real binary.

/// A TCP proxy in front of a server. `cut()` drops every open connection and refuses
/// new ones (accepts and closes them at once) until `restore()`: a network partition
/// or a server restart, as the client sees it.
struct CutProxy {
    addr: SocketAddr,
    up: Arc<AtomicBool>,
    /// Bumped on every cut so running pipes notice and close.
    epoch: Arc<AtomicUsize>,
    /// Pipes still open: a cut is complete only when this is zero, otherwise a request
    /// sent right after `cut()` could still pass on a pipe that has not noticed yet.
    live: Arc<AtomicUsize>,
    accept: tokio::task::JoinHandle<()>,
}

impl CutProxy {
    async fn start(upstream: SocketAddr) -> CutProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let epoch = Arc::new(AtomicUsize::new(0));
        let live = Arc::new(AtomicUsize::new(0));
        let (up2, epoch2, live2) = (up.clone(), epoch.clone(), live.clone());
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let Ok(server) = TcpStream::connect(upstream).await else {
                    continue;
                };
                let born = epoch2.load(Ordering::SeqCst);
                let epoch = epoch2.clone();
                let live = live2.clone();
                live.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let (mut cr, mut cw) = client.into_split();
                    let (mut sr, mut sw) = server.into_split();
                    let cut = async {
                        while epoch.load(Ordering::SeqCst) == born {
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    };
                    tokio::select! {
                        _ = tokio::io::copy(&mut cr, &mut sw) => {}
                        _ = tokio::io::copy(&mut sr, &mut cw) => {}
                        () = cut => {}
                    }
                    live.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        CutProxy {
            addr,
            up,
            epoch,
            live,
            accept,
        }
    }

    async fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.epoch.fetch_add(1, Ordering::SeqCst);
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.live.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

impl Drop for CutProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// `host:port` of a `scheme://user@host:port/db` URL.
fn url_addr(url: &str) -> SocketAddr {
    use std::net::ToSocketAddrs;
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap();
    let host_port = authority.rsplit('@').next().unwrap();
    host_port.to_socket_addrs().unwrap().next().unwrap()
}

/// The same URL pointing at `addr` instead.
fn url_via(url: &str, addr: SocketAddr) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let user = authority
        .rsplit_once('@')
        .map_or(String::new(), |(u, _)| format!("{u}@"));
    format!("{scheme}://{user}{addr}/{path}")
}

/// A webhook receiver recording the event ids it was sent; answers 200, or never
/// answers at all when `hang` is set.
struct Hook {
    url: String,
    events: Arc<Mutex<HashSet<String>>>,
    connections: Arc<AtomicUsize>,
    server: tokio::task::JoinHandle<()>,
}

impl Hook {
    async fn start(hang: bool) -> Hook {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let events = Arc::new(Mutex::new(HashSet::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let (ev, conns) = (events.clone(), connections.clone());
        let server = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                conns.fetch_add(1, Ordering::SeqCst);
                let ev = ev.clone();
                tokio::spawn(async move {
                    if hang {
                        // Read whatever comes and never answer.
                        let mut sink = [0u8; 4096];
                        while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
                        return;
                    }
                    // One request per connection is enough for the deliverer's client.
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 8192];
                    loop {
                        let Ok(n) = stream.read(&mut chunk).await else {
                            return;
                        };
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        let text = String::from_utf8_lossy(&buf);
                        let Some(head_end) = text.find("\r\n\r\n") else {
                            continue;
                        };
                        let length = text[..head_end]
                            .lines()
                            .find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case("content-length")
                                    .then(|| v.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if buf.len() < head_end + 4 + length {
                            continue;
                        }
                        let body = &buf[head_end + 4..head_end + 4 + length];
                        if let Ok(v) = serde_json::from_slice::<Value>(body)
                            && let Some(id) = v["id"].as_str()
                        {
                            ev.lock().unwrap().insert(id.to_string());
                        }
                        let _ = stream
                            .write_all(
                                b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                            )
                            .await;
                        return;
                    }
                });
            }
        });
        Hook {
            url,
            events,
            connections,
            server,
        }
    }

    fn received(&self) -> HashSet<String> {
        self.events.lock().unwrap().clone()
    }
}

impl Drop for Hook {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A free port on 127.0.0.1 (bound and released: the next bind almost surely gets it).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The real binary with the environment of one test deployment.
fn raqib(data_dir: &std::path::Path, database_url: &str, port: u16) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_raqib"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RAQIB_DATA_DIR", data_dir)
        .env("RAQIB_DATABASE_URL", database_url)
        .env("RAQIB_LISTEN", format!("127.0.0.1:{port}"))
        .env("RAQIB_LOG_FILTER", "warn")
        .env("RAQIB_RATE_LIMITS__ENABLED", "false")
        .env("RAQIB_WEBHOOKS__ALLOW_INSECURE", "true")
        .env("RAQIB_WEBHOOKS__ALLOW_PRIVATE_TARGETS", "true")
        .env("RAQIB_WEBHOOKS__POLL_INTERVAL_MS", "100")
        .env("RAQIB_WEBHOOKS__INITIAL_BACKOFF_MS", "200")
        .env("RAQIB_WEBHOOKS__MAX_BACKOFF_MS", "1000")
        .env_remove("RAQIB_REDIS_URL");
    cmd
}

/// A running `raqib serve`, killed when dropped so a failing test leaves no server
/// behind.
struct Server(Child);

impl Server {
    /// SIGKILL, as `kill -9` does, and reap it.
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Start `raqib serve` and wait until it answers `/healthz` (bounded).
async fn serve(mut cmd: Command, port: u16) -> Server {
    let mut child = Server(
        cmd.arg("serve")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let up = client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .timeout(Duration::from_secs(1))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if up {
            return child;
        }
        assert!(
            child.0.try_wait().unwrap().is_none(),
            "raqib exited at start-up"
        );
        assert!(Instant::now() < deadline, "raqib did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn settings_for(data_dir: &std::path::Path, database_url: &str) -> raqib::config::Settings {
    let mut s = crate::helpers::test_settings(data_dir);
    s.database_url = database_url.to_string();
    s
}

// ---------------------------------------------------------------------------------
// kill -9 in the middle of a load of submissions.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_load_loses_nothing_acknowledged_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("raqib.db").display());
    kill_9_mid_load(dir.path(), &url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_load_loses_nothing_acknowledged_postgres() {
    let Some(db) = PgDatabase::create("kill_9_mid_load_postgres").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    kill_9_mid_load(dir.path(), &db.url).await;
}

/// Submit from 8 clients at once, SIGKILL the server in the middle, restart it: every
/// comment that was answered 2xx is stored exactly once with the id and verdict it was
/// answered with, and every event of those comments reaches the webhook receiver.
async fn kill_9_mid_load(dir: &std::path::Path, database_url: &str) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let hook = Hook::start(false).await;
    let port = free_port();
    let out = raqib(dir, database_url, port)
        .args(["site", "create", "--name", "faults", "--callback-url"])
        .arg(&hook.url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let site: Value = serde_json::from_slice(&out.stdout).unwrap();
    let key = site["api_key"].as_str().unwrap().to_string();
    let site_id = site["site_id"].as_str().unwrap().to_string();
    let mut child = serve(raqib(dir, database_url, port), port).await;

    let acked = Arc::new(Mutex::new(Vec::<(String, String, String)>::new()));
    let attempted = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for t in 0..8 {
        let (acked, attempted, key) = (acked.clone(), attempted.clone(), key.clone());
        clients.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            // Bounded: at most 400 submits per client, and the kill ends it sooner.
            for i in 0..400 {
                let ext = format!("k-{t}-{i}");
                attempted.fetch_add(1, Ordering::SeqCst);
                let sent = client
                    .post(format!("http://127.0.0.1:{port}/v1/comments"))
                    .bearer_auth(&key)
                    .timeout(Duration::from_secs(5))
                    .json(&comment(&ext, &format!("تعليق رقم {i} comment number {t}")))
                    .send()
                    .await;
                let Ok(res) = sent else { return };
                if !res.status().is_success() {
                    continue;
                }
                let Ok(v) = res.json::<Value>().await else {
                    return;
                };
                acked.lock().unwrap().push((
                    ext,
                    v["comment_id"].as_str().unwrap().to_string(),
                    v["status"].as_str().unwrap().to_string(),
                ));
            }
        }));
    }
    // Kill once a good number are acknowledged (or after 10 s at most).
    let deadline = Instant::now() + Duration::from_secs(10);
    while acked.lock().unwrap().len() < 150 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.kill(); // SIGKILL
    for c in clients {
        c.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        !acked.is_empty(),
        "nothing was acknowledged before the kill"
    );

    let port = free_port();
    let mut child = serve(raqib(dir, database_url, port), port).await;
    let store = raqib::store::Store::connect(&settings_for(dir, database_url))
        .await
        .unwrap();
    let stored = store.count_comments(&site_id).await.unwrap() as usize;
    assert!(
        stored >= acked.len() && stored <= attempted.load(Ordering::SeqCst),
        "{stored} stored, {} acknowledged",
        acked.len()
    );
    let mut want_events = HashSet::new();
    for (ext, id, status) in &acked {
        let row = store.get_comment(&site_id, ext, true).await.unwrap();
        assert_eq!(&row.id, id, "{ext} stored under another id");
        assert_eq!(&row.status, status, "{ext} stored with another verdict");
        let events = store.outbox_events_of(id).await.unwrap();
        assert!(!events.is_empty(), "{ext} has no outbox event");
        for (_, payload) in events {
            let v: Value = serde_json::from_str(&payload).unwrap();
            want_events.insert(v["id"].as_str().unwrap().to_string());
        }
    }
    // Every event of an acknowledged comment is delivered by the restarted server,
    // except those the killed one had claimed: their lease (the webhook timeout plus a
    // minute) must run out first. Rather than wait, a deliverer runs at that later time.
    let deadline = Instant::now() + Duration::from_secs(10);
    while want_events.difference(&hook.received()).count() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut settings = settings_for(dir, database_url);
    settings.webhooks.allow_insecure = true;
    settings.webhooks.allow_private_targets = true;
    let deliverer = raqib::webhooks::Deliverer::new(store.clone(), &settings.webhooks).unwrap();
    let after_lease = raqib::store::now_ms() + deliverer.lease_ms() + 1_000;
    for _ in 0..5 {
        if want_events.difference(&hook.received()).count() == 0 {
            break;
        }
        deliverer.deliver_due(after_lease).await.unwrap();
    }
    let missing = want_events.difference(&hook.received()).count();
    assert_eq!(
        missing,
        0,
        "{missing} of {} events never delivered",
        want_events.len()
    );
    child.kill();
    store.close().await;
}

// ---------------------------------------------------------------------------------
// The database connection cut.

/// PostgreSQL unreachable mid-run: submits fail fast with `503 unavailable`, nothing
/// answered 2xx is missing, nothing answered 503 is stored, and service resumes by
/// itself when the connection comes back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_connection_cut_gives_503_and_recovers() {
    let test = "postgres_connection_cut_gives_503_and_recovers";
    let Ok(pg_url) = std::env::var("TEST_DATABASE_URL") else {
        // PgDatabase::create fails in CI, skips visibly outside it.
        assert!(PgDatabase::create(test).await.is_none());
        return;
    };
    let proxy = CutProxy::start(url_addr(&pg_url)).await;
    let proxy_addr = proxy.addr;
    let app = TestApp::spawn_with(Backend::Postgres, test, |s| {
        s.database_url = url_via(&s.database_url, proxy_addr);
        s.database.acquire_timeout_ms = 1_000;
    })
    .await
    .unwrap();
    let (status, v) = app.submit(&comment("before", "قبل الانقطاع")).await;
    assert_eq!(status, 201, "{v}");

    proxy.cut().await;
    let mut refused = Vec::new();
    for i in 0..5 {
        let ext = format!("during-{i}");
        let started = Instant::now();
        let (status, v) = app.submit(&comment(&ext, "أثناء الانقطاع")).await;
        assert_eq!(status, 503, "{v}");
        assert_eq!(v["code"], "unavailable", "{v}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "took {:?}",
            started.elapsed()
        );
        refused.push(ext);
    }
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status().as_u16(), 503);

    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut n = 0;
    loop {
        n += 1;
        let (status, v) = app.submit(&comment(&format!("after-{n}"), "بعد")).await;
        if status == 201 {
            break;
        }
        assert_eq!(status, 503, "{v}");
        assert!(Instant::now() < deadline, "never recovered: {v}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        app.store
            .get_comment(&app.site_id, "before", true)
            .await
            .is_ok()
    );
    for ext in &refused {
        assert!(
            app.store
                .get_comment(&app.site_id, ext, true)
                .await
                .is_err(),
            "{ext} was answered 503 but stored"
        );
    }
}

// ---------------------------------------------------------------------------------
// Redis cut.

/// Redis unreachable: rate limiting falls back to the local limiter, every request is
/// still answered promptly, and the shared limiter is used again once Redis is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_cut_falls_back_and_keeps_answering() {
    let test = "redis_cut_falls_back_and_keeps_answering";
    let Some(redis) = redis_url(test) else { return };
    let proxy = CutProxy::start(url_addr(&redis)).await;
    let via = url_via(&redis, proxy.addr);
    let app = TestApp::spawn_with(Backend::Sqlite, test, |s| {
        s.rate_limits.enabled = true;
        s.redis_url = via;
        s.rate_limits.redis_key_prefix =
            format!("raqib:test:faults:{}:", uuid::Uuid::new_v4().simple());
        s.rate_limits.redis_timeout_ms = 250;
        s.rate_limits.redis_retry_ms = 200;
    })
    .await
    .unwrap();
    let body = |ext: &str, author: &str| json!({"external_id": ext, "thread": {"id": "t"}, "author": {"id": author}, "body": "redis fault"});
    assert_eq!(app.submit(&body("r-0", "a0")).await.0, 201);
    proxy.cut().await;
    let started = Instant::now();
    for i in 1..=6 {
        let (status, v) = app.submit(&body(&format!("r-{i}"), &format!("a{i}"))).await;
        assert_eq!(status, 201, "{v}");
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let res = app.client.get(app.url("/readyz")).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200);
        let v: Value = res.json().await.unwrap();
        if v["rate_limits"] == "redis" {
            break;
        }
        assert!(Instant::now() < deadline, "never back on Redis: {v}");
        // Traffic is what makes the limiter try Redis again.
        let _ = app
            .submit(&body(&format!("r-{}", uuid::Uuid::new_v4()), "later"))
            .await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// ---------------------------------------------------------------------------------
// A full or read-only SQLite database.

/// The writer cannot write (read-only, then full): submits get a clear `503
/// unavailable`, nothing half-written remains, reads keep working, and writes resume
/// once the condition clears, with the database intact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_read_only_and_full_give_clear_errors_and_recover() {
    let app = TestApp::spawn(Backend::Sqlite, "sqlite_read_only_and_full")
        .await
        .unwrap();
    let raqib::store::Store::Sqlite { write, .. } = &app.store else {
        unreachable!()
    };
    let (status, v) = app.submit(&comment("ok-1", "first")).await;
    assert_eq!(status, 201, "{v}");

    // Read-only: SQLite answers SQLITE_READONLY to every write on that connection.
    sqlx::query("PRAGMA query_only = ON")
        .execute(write)
        .await
        .unwrap();
    let (status, v) = app.submit(&comment("ro-1", "while read-only")).await;
    assert_eq!(
        (status, v["code"].as_str()),
        (503, Some("unavailable")),
        "{v}"
    );
    let (status, _) = app.get("/v1/comments/ok-1?by=external_id").await;
    assert!(
        status == 200 || status == 404,
        "reads must still be answered"
    );
    sqlx::query("PRAGMA query_only = OFF")
        .execute(write)
        .await
        .unwrap();
    let (status, v) = app.submit(&comment("ok-2", "writable again")).await;
    assert_eq!(status, 201, "{v}");

    // Full: the database may not grow past its current size (SQLITE_FULL, as on a
    // full disk). Big comments need new pages soon.
    let (pages,): (i64,) = sqlx::query_as("PRAGMA page_count")
        .fetch_one(write)
        .await
        .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "PRAGMA max_page_count = {pages}"
    )))
    .execute(write)
    .await
    .unwrap();
    let big = "تعليق طويل جدا ".repeat(600);
    let mut refused = Vec::new();
    for i in 0..50 {
        let ext = format!("full-{i}");
        let (status, v) = app.submit(&comment(&ext, &big)).await;
        if status == 201 {
            continue;
        }
        assert_eq!(
            (status, v["code"].as_str()),
            (503, Some("unavailable")),
            "{v}"
        );
        refused.push(ext);
        if refused.len() == 3 {
            break;
        }
    }
    assert!(!refused.is_empty(), "the database never filled up");
    sqlx::query("PRAGMA max_page_count = 1073741823")
        .execute(write)
        .await
        .unwrap();
    let (status, v) = app.submit(&comment("ok-3", "space again")).await;
    assert_eq!(status, 201, "{v}");
    // Acknowledged means committed: another connection (the readers') sees it.
    for ext in ["ok-1", "ok-2", "ok-3"] {
        assert!(
            app.store.get_comment(&app.site_id, ext, true).await.is_ok(),
            "{ext} was acknowledged but is not stored"
        );
    }
    for ext in &refused {
        assert!(
            app.store
                .get_comment(&app.site_id, ext, true)
                .await
                .is_err()
        );
    }
    let (check,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(write)
        .await
        .unwrap();
    assert_eq!(check, "ok");
}

// ---------------------------------------------------------------------------------
// A webhook receiver that never answers.

/// One site's receiver accepts connections and never answers: the worker stays
/// healthy and another site's events are still delivered promptly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hanging_webhook_receiver_does_not_hold_up_other_sites() {
    let app = TestApp::spawn_with(Backend::Sqlite, "hanging_webhook_receiver", |s| {
        s.webhooks.allow_insecure = true;
        s.webhooks.allow_private_targets = true;
        s.webhooks.poll_interval_ms = 100;
        s.webhooks.timeout_ms = 1_000;
        s.webhooks.initial_backoff_ms = 200;
        s.webhooks.max_backoff_ms = 500;
    })
    .await
    .unwrap();
    let hanging = Hook::start(true).await;
    let healthy = Hook::start(false).await;
    let now = raqib::store::now_ms();
    let policy = &app.settings.policy;
    let (_, stuck_key) = app
        .store
        .create_site("stuck", Some(&hanging.url), policy, now)
        .await
        .unwrap();
    let (_, fine_key) = app
        .store
        .create_site("fine", Some(&healthy.url), policy, now)
        .await
        .unwrap();
    // The stuck site first, and more of them, so they are claimed before the others.
    for i in 0..10 {
        let (status, v) = app
            .post_json_as(
                &stuck_key,
                "/v1/comments",
                &comment(&format!("s-{i}"), "stuck"),
            )
            .await;
        assert_eq!(status, 201, "{v}");
    }
    let mut want = HashSet::new();
    for i in 0..5 {
        let (status, v) = app
            .post_json_as(
                &fine_key,
                "/v1/comments",
                &comment(&format!("f-{i}"), "fine"),
            )
            .await;
        assert_eq!(status, 201, "{v}");
        want.insert(v["comment_id"].as_str().unwrap().to_string());
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if healthy.received().len() >= want.len() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the healthy site got {} of {} events",
            healthy.received().len(),
            want.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(hanging.connections.load(Ordering::SeqCst) > 0);
    // The worker is still working, and the server still answers.
    let (status, _) = app.get("/healthz").await;
    assert_eq!(status, 200);
    let (status, v) = app
        .post_json_as(&fine_key, "/v1/comments", &comment("f-late", "fine"))
        .await;
    assert_eq!(status, 201, "{v}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while healthy.received().len() < want.len() + 1 {
        assert!(Instant::now() < deadline, "a later event was not delivered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// ---------------------------------------------------------------------------------
// Slow and idle clients.

/// Hundreds of idle connections and a few slowloris clients (headers a byte at a
/// time) do not keep others from being answered, and the slow ones are cut off after
/// the header-read timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_idle_clients_do_not_starve_others() {
    let app = TestApp::spawn_with(Backend::Sqlite, "slow_and_idle_clients", |s| {
        s.server.header_read_timeout_ms = 1_000;
    })
    .await
    .unwrap();
    let addr: SocketAddr = app.base.trim_start_matches("http://").parse().unwrap();
    let mut idle = Vec::new();
    for _ in 0..500 {
        idle.push(TcpStream::connect(addr).await.unwrap());
    }
    let mut slow = Vec::new();
    for i in 0..10 {
        slow.push(tokio::spawn(async move {
            let mut s = TcpStream::connect(addr).await.unwrap();
            let head = format!("GET /healthz HTTP/1.1\r\nhost: x\r\nx-slow-{i}: ");
            let started = Instant::now();
            for b in head.bytes().chain(std::iter::repeat(b'a')) {
                if s.write_all(&[b]).await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
                if started.elapsed() > Duration::from_secs(8) {
                    break;
                }
            }
            started.elapsed()
        }));
    }
    // Others are answered, promptly, all along.
    for i in 0..20 {
        let started = Instant::now();
        let (status, v) = app
            .submit(&comment(&format!("busy-{i}"), "still here"))
            .await;
        assert_eq!(status, 201, "{v}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The slow clients were cut off near the header-read timeout, not left hanging.
    for s in slow {
        let held = s.await.unwrap();
        assert!(
            held < Duration::from_secs(6),
            "a slow client held on for {held:?}"
        );
    }
    // Idle connections were closed too.
    let mut closed = 0;
    for mut s in idle.drain(..50) {
        let mut b = [0u8; 1];
        if let Ok(Ok(0) | Err(_)) =
            tokio::time::timeout(Duration::from_secs(3), s.read(&mut b)).await
        {
            closed += 1;
        }
    }
    assert_eq!(closed, 50, "idle connections still open past the timeout");
    let (status, _) = app.get("/healthz").await;
    assert_eq!(status, 200);
}

// ---------------------------------------------------------------------------------
// Abusive input.

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// 1 MB bodies, deep nesting, a 100k-character comment, every Unicode plane, invalid
/// UTF-8 and NUL: each answered with a clear 4xx (or accepted, for valid text), never
/// a 5xx, and memory does not grow with repetition.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abusive_inputs_get_clear_4xx_and_memory_stays_bounded() {
    let app = TestApp::spawn(Backend::Sqlite, "abusive_inputs")
        .await
        .unwrap();
    // A connection per request: after refusing a body unread, the server closes the
    // connection, and a pooled client would race that close.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let raw = |body: Vec<u8>| {
        let (app, client) = (&app, &client);
        async move {
            let res = client
                .post(app.url("/v1/comments"))
                .bearer_auth(&app.api_key)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let v: Value = res.json().await.unwrap_or(Value::Null);
            (status, v)
        }
    };
    let deep = |n: usize| {
        let mut b = br#"{"external_id":"deep","thread":{"id":"t"},"author":{"id":"a"},"body":"x","subject":"#.to_vec();
        b.extend(std::iter::repeat_n(b'[', n));
        b.extend(std::iter::repeat_n(b']', n));
        b.push(b'}');
        b
    };
    let planes: String = (0..=16u32)
        .filter_map(|p| char::from_u32(p * 0x10000 + 0x41))
        .chain([
            '\u{FFFD}',
            '\u{10FFFD}',
            '\u{E0041}',
            '\u{202E}',
            '\u{FEFF}',
        ])
        .collect();
    // serde_json writes the NUL as the escape `\u0000`.
    let with_nul = serde_json::to_vec(&comment("nul", "a\u{0}b")).unwrap();
    let cases: Vec<(&str, Vec<u8>, &[u16])> = vec![
        (
            "1 MB body",
            serde_json::to_vec(&comment("big", &"x".repeat(1 << 20))).unwrap(),
            &[413],
        ),
        ("deeply nested JSON", deep(20_000), &[400]),
        (
            "100k-character comment",
            serde_json::to_vec(&comment("long", &"ك".repeat(100_000))).unwrap(),
            &[413, 422],
        ),
        (
            "every Unicode plane",
            serde_json::to_vec(&comment("planes", &planes)).unwrap(),
            &[201, 422],
        ),
        (
            "invalid UTF-8",
            b"{\"external_id\":\"u\",\"body\":\"\xc3\x28\xed\xa0\x80\"}".to_vec(),
            &[400],
        ),
        (
            "raw NUL byte",
            b"{\"external_id\":\"n\",\0}".to_vec(),
            &[400],
        ),
        ("escaped NUL in the body", with_nul, &[422]),
        (
            "lone surrogate escape",
            br#"{"external_id":"s","thread":{"id":"t"},"author":{"id":"a"},"body":"\ud800"}"#
                .to_vec(),
            &[400, 422],
        ),
    ];
    for (what, body, allowed) in &cases {
        let (status, v) = raw(body.clone()).await;
        assert!(allowed.contains(&status), "{what}: {status} {v}");
        if status >= 400 {
            assert!(v["code"].is_string(), "{what}: no problem document: {v}");
        }
    }
    // Repetition must not grow memory: 40 more rounds of the heavy ones.
    let before = rss_kb();
    for _ in 0..40 {
        for (_, body, allowed) in cases.iter().take(3) {
            let (status, _) = raw(body.clone()).await;
            assert!(allowed.contains(&status));
        }
    }
    let grown_mb = rss_kb().saturating_sub(before) / 1024;
    assert!(grown_mb < 64, "memory grew by {grown_mb} MB");
    let (status, v) = app.submit(&comment("after", "still serving")).await;
    assert_eq!(status, 201, "{v}");
}
