//! Wiring: the shared [`AppState`], building the app from settings, the background
//! tasks (rule reload, webhook delivery, rate-limit housekeeping), serving with graceful shutdown.

use crate::cache::TtlCache;
use crate::config::Settings;
use crate::http;
use crate::moderation::Engine;
use crate::moderation::classifier::Model;
use crate::moderation::rules::{self, RuleDef, RuleSet};
use crate::store::{self, ApiKeyAuth, Store};
use crate::webhooks::Deliverer;
use anyhow::Context;
use arc_swap::ArcSwap;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Shared state of one running instance. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    store: Store,
    engines: ArcSwap<Engines>,
    model_error: Option<String>,
    pii_key: String,
    /// Serializes reloads so a slow one never replaces a newer result with an older one.
    reload_lock: tokio::sync::Mutex<()>,
    /// Publishes change notices to other instances when Redis is configured.
    reload_bus: Option<crate::reload::ReloadBus>,
    /// Added to the system clock; only tests move it (lease expiry, retention).
    clock_offset_ms: std::sync::atomic::AtomicI64,
    webhooks: Arc<Deliverer>,
    limiter: Arc<crate::ratelimit::Limiter>,
    /// API key → site, remembered for `server.site_cache_ms` so the host-site API
    /// does not query the database for its key on every call. Only found keys are
    /// kept (a new key works at once). A change made through this instance (key
    /// rotation, policy, limits, webhook) empties it at once; another instance — or
    /// the CLI — may answer with the old key or settings for at most
    /// `site_cache_ms` more.
    site_keys: TtlCache<String, ApiKeyAuth>,
    /// `site \0 author` → history, for `/v1/check` only (see `service::check`).
    check_history: TtlCache<String, crate::moderation::AuthorHistory>,
}

/// Above this many keys a cache starts over; a real deployment has far fewer sites,
/// and far fewer authors checking within one time-to-live.
const CACHE_MAX_ENTRIES: usize = 10_000;

/// The compiled moderation engines: the shipped rule packs for every site, plus each
/// site's own rules on top. Replaced as a whole when rules change.
pub struct Engines {
    base_defs: Vec<RuleDef>,
    base_version: String,
    model: Option<Arc<Model>>,
    default: Arc<Engine>,
    sites: HashMap<String, Arc<Engine>>,
    /// The latest rule change included.
    change_seen: i64,
}

impl Engines {
    fn build(
        base_defs: Vec<RuleDef>,
        base_version: String,
        model: Option<Arc<Model>>,
        site_rules: Vec<store::RuleRow>,
        change_seen: i64,
    ) -> anyhow::Result<Engines> {
        let default = Arc::new(Engine {
            rules: Arc::new(RuleSet::compile(base_defs.clone(), base_version.clone())?),
            model: model.clone(),
        });
        let mut by_site: HashMap<String, Vec<RuleDef>> = HashMap::new();
        for row in site_rules {
            match serde_json::from_str::<RuleDef>(&row.definition) {
                Ok(def) => by_site.entry(row.site_id).or_default().push(def),
                Err(e) => {
                    tracing::error!(site = %row.site_id, rule = %row.id, error = %e, "stored rule unreadable; skipped")
                }
            }
        }
        let mut sites = HashMap::new();
        for (site, defs) in by_site {
            let all = merge_rule_defs(&base_defs, defs);
            let version = format!("{base_version}.{change_seen}");
            match RuleSet::compile(all, version) {
                Ok(rules) => {
                    sites.insert(
                        site,
                        Arc::new(Engine {
                            rules: Arc::new(rules),
                            model: model.clone(),
                        }),
                    );
                }
                Err(e) => {
                    tracing::error!(%site, error = %e, "site rules do not compile; using the base rules")
                }
            }
        }
        Ok(Engines {
            base_defs,
            base_version,
            model,
            default,
            sites,
            change_seen,
        })
    }

    /// The engine for a site: its own rules when it has any, the base rules otherwise.
    pub fn for_site(&self, site_id: &str) -> Arc<Engine> {
        self.sites
            .get(site_id)
            .cloned()
            .unwrap_or_else(|| self.default.clone())
    }

    pub fn base_defs(&self) -> &[RuleDef] {
        &self.base_defs
    }

    pub fn model(&self) -> Option<&Arc<Model>> {
        self.model.as_ref()
    }
}

impl AppState {
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The webhook deliverer (its background loop runs when `[webhooks] worker` is on).
    pub fn webhooks(&self) -> &Arc<Deliverer> {
        &self.inner.webhooks
    }

    pub fn engines(&self) -> Arc<Engines> {
        self.inner.engines.load_full()
    }

    /// The current time in Unix milliseconds, as this instance sees it.
    pub fn now(&self) -> i64 {
        store::now_ms()
            + self
                .inner
                .clock_offset_ms
                .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Move this instance's clock forward. Tests use it to expire leases without
    /// sleeping; nothing in production calls it.
    pub fn advance_clock(&self, ms: i64) {
        self.inner
            .clock_offset_ms
            .fetch_add(ms, std::sync::atomic::Ordering::Relaxed);
    }

    /// Why the configured model is not loaded, if it is not.
    pub fn model_error(&self) -> Option<&str> {
        self.inner.model_error.as_deref()
    }

    /// Keyed hash of personal data (author e-mail, IP) so it is never stored in clear.
    pub fn pii_hash(&self, value: &str) -> String {
        use hmac::{Hmac, KeyInit, Mac};
        let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(self.inner.pii_key.as_bytes())
        else {
            return String::new();
        };
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// The rate limiter of this instance.
    pub fn limiter(&self) -> &crate::ratelimit::Limiter {
        &self.inner.limiter
    }

    /// The site an API key belongs to, from the short-lived cache when it is there.
    pub async fn site_for_key(&self, key: &str) -> Result<Option<ApiKeyAuth>, store::StoreError> {
        let hash = store::sha256_hex(key);
        if let Some(auth) = self.inner.site_keys.get(&hash) {
            return Ok(Some(auth));
        }
        let found = self.inner.store.site_for_api_key(key).await?;
        if let Some(auth) = &found {
            self.inner.site_keys.put(hash, auth.clone());
        }
        Ok(found)
    }

    /// Author histories recently read for `/v1/check`.
    pub(crate) fn check_history(&self) -> &TtlCache<String, crate::moderation::AuthorHistory> {
        &self.inner.check_history
    }

    /// A site's key or settings changed through this instance: forget every cached
    /// key, so the next call reads them afresh.
    pub fn sites_changed(&self) {
        self.inner.site_keys.clear();
    }

    /// Reload whatever changed in the database (rules; the active model).
    pub async fn reload_if_changed(&self) -> anyhow::Result<bool> {
        self.reload_rules_if_changed().await
    }

    /// Register the model files next to the configured model, so admins can list and
    /// activate them.
    pub async fn register_models(&self) -> anyhow::Result<()> {
        let current = self.engines().model.clone();
        for path in model_files(&self.inner.settings) {
            // The configured model is already in memory; load only the others.
            let loaded = match &current {
                Some(m) if path == self.inner.settings.model_path => Ok(m.clone()),
                _ => {
                    let path = path.clone();
                    tokio::task::spawn_blocking(move || Model::load(&path).map(Arc::new)).await?
                }
            };
            match loaded {
                Ok(m) => {
                    let metrics =
                        serde_json::to_string(m.metrics()).unwrap_or_else(|_| "{}".into());
                    self.inner
                        .store
                        .register_model(
                            m.version(),
                            &path.display().to_string(),
                            m.trained_at(),
                            &metrics,
                            self.now(),
                        )
                        .await?;
                }
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "model file not registered")
                }
            }
        }
        Ok(())
    }

    /// After a change on this instance: apply it here at once, and tell the others.
    pub async fn changed(&self, what: &str) {
        if let Err(e) = self.reload_if_changed().await {
            tracing::warn!(error = %e, "reload after a change failed; the poller will retry");
        }
        if let Some(bus) = &self.inner.reload_bus {
            bus.publish(what).await;
        }
    }

    /// Recompile the engines if rules changed, or load the model an admin activated,
    /// since the last look.
    pub async fn reload_rules_if_changed(&self) -> anyhow::Result<bool> {
        let _one_at_a_time = self.inner.reload_lock.lock().await;
        let latest = self.inner.store.latest_rules_change().await?;
        let active = self.inner.store.active_model().await?;
        let current = self.engines();
        let loaded_version = current.model.as_ref().map(|m| m.version().to_string());
        let new_model = match active {
            Some(row) if Some(&row.version) != loaded_version.as_ref() => {
                let path = std::path::PathBuf::from(&row.path);
                match tokio::task::spawn_blocking(move || Model::load(&path)).await? {
                    Ok(m) => Some(Arc::new(m)),
                    Err(e) => {
                        tracing::error!(version = %row.version, error = %e, "activated model does not load here; keeping the current one");
                        None
                    }
                }
            }
            _ => None,
        };
        if latest == current.change_seen && new_model.is_none() {
            return Ok(false);
        }
        let model = new_model.clone().or_else(|| current.model.clone());
        let rows = self.inner.store.all_rules().await?;
        let engines = Engines::build(
            current.base_defs.clone(),
            current.base_version.clone(),
            model,
            rows,
            latest,
        )?;
        self.inner.engines.store(Arc::new(engines));
        match new_model {
            Some(m) => tracing::info!(version = m.version(), "model switched"),
            None => tracing::info!(rules_change = latest, "rules reloaded"),
        }
        Ok(true)
    }
}

/// A built application, bound to its port, ready to run.
pub struct App {
    state: AppState,
    listener: TcpListener,
}

impl App {
    /// Connect and migrate the database, load rules and model, bind the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<App> {
        // Install the metrics recorder before anything records.
        let _ = crate::telemetry::metrics_handle();
        let store = Store::connect(&settings)
            .await
            .context("opening the database")?;
        let base_defs = load_base_rules(&settings)?;
        let base_version = rules_digest(&base_defs);
        let (model, model_error) = load_model(&settings, &store).await;
        let change_seen = store.latest_rules_change().await?;
        let engines = Engines::build(
            base_defs,
            base_version,
            model,
            store.all_rules().await?,
            change_seen,
        )
        .context("compiling the rules")?;
        let pii_key = store.pii_key().await?;
        let reload_bus = if settings.redis_url.is_empty() {
            None
        } else {
            crate::reload::ReloadBus::connect(&settings.redis_url).await
        };
        let webhooks = Arc::new(
            Deliverer::new(store.clone(), &settings.webhooks)
                .context("setting up webhook delivery")?,
        );
        let limiter = crate::ratelimit::Limiter::new(&settings.rate_limits, &settings.redis_url)
            .await
            .context("setting up rate limits")?;
        let listener = TcpListener::bind(settings.listen_addr()?)
            .await
            .with_context(|| format!("binding {}", settings.listen))?;
        let site_cache_ms = settings.server.site_cache_ms;
        let check_history_ms = settings.server.check_history_cache_ms;
        let state = AppState {
            inner: Arc::new(Inner {
                settings,
                store,
                engines: ArcSwap::from_pointee(engines),
                model_error,
                pii_key,
                reload_bus,
                reload_lock: tokio::sync::Mutex::new(()),
                clock_offset_ms: std::sync::atomic::AtomicI64::new(0),
                webhooks,
                limiter: Arc::new(limiter),
                site_keys: TtlCache::new(Duration::from_millis(site_cache_ms), CACHE_MAX_ENTRIES),
                check_history: TtlCache::new(
                    Duration::from_millis(check_history_ms),
                    CACHE_MAX_ENTRIES,
                ),
            }),
        };
        if let Err(e) = state.register_models().await {
            tracing::warn!(error = %e, "model registry not updated");
        }
        Ok(App { state, listener })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serve until `shutdown` is cancelled, then let in-flight requests finish (up to
    /// the configured grace period), stop the background tasks and close the pool.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let state = self.state;
        let router = http::router(state.clone());
        let tasks = CancellationToken::new();
        let reload = tokio::spawn(reload_loop(state.clone(), tasks.clone()));
        let subscriber = (!state.settings().redis_url.is_empty()).then(|| {
            tokio::spawn(crate::reload::subscribe(
                state.settings().redis_url.clone(),
                state.clone(),
                tasks.clone(),
            ))
        });
        let delivery = state.settings().webhooks.worker.then(|| {
            let deliverer = state.webhooks().clone();
            let stop = tasks.clone();
            tokio::spawn(async move { deliverer.run(stop).await })
        });
        let limits = tokio::spawn(crate::ratelimit::housekeeping_loop(
            state.inner.limiter.clone(),
            tasks.clone(),
        ));
        let grace = Duration::from_secs(state.settings().server.shutdown_grace_s);
        let header_timeout = Duration::from_millis(state.settings().server.header_read_timeout_ms);
        let served = serve(self.listener, router, header_timeout, grace, shutdown).await;
        tasks.cancel();
        let _ = reload.await;
        if let Some(subscriber) = subscriber {
            let _ = subscriber.await;
        }
        // The worker finishes the round in flight (bounded by the webhook timeout),
        // so events it sent are recorded as sent before the pool closes.
        if let Some(delivery) = delivery {
            let _ = delivery.await;
        }
        let _ = limits.await;
        state.store().close().await;
        tracing::info!("stopped");
        served
    }
}

/// Accept connections and serve each with hyper until `shutdown`, then stop accepting
/// and let open connections finish their requests for up to `grace`.
///
/// This is `axum::serve` plus what it does not configure, so slow or idle clients
/// cannot hold sockets and tasks forever: a client must send each request's headers
/// within `idle_timeout` (hyper's header-read timeout), a connection that sends
/// nothing at all is dropped after it, and a keep-alive connection idle that long is
/// closed (gracefully: a request still being answered is finished first). A failed
/// `accept` (out of file descriptors) pauses briefly instead of ending the server.
async fn serve(
    listener: TcpListener,
    router: axum::Router,
    idle_timeout: Duration,
    grace: Duration,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto;
    let idle_timeout = idle_timeout.max(Duration::from_millis(10));
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(Some(idle_timeout));
    builder.http2().timer(TokioTimer::new());
    let builder = Arc::new(builder);
    // Every connection task holds a sender; when all are gone, all are done.
    let (open, mut all_closed) = tokio::sync::mpsc::channel::<()>(1);
    loop {
        let (stream, peer) = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed; pausing");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        // What `into_make_service_with_connect_info` would add: the peer address.
        let service = tower::ServiceExt::map_request(
            router.clone(),
            move |mut req: axum::http::Request<hyper::body::Incoming>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                req.map(axum::body::Body::new)
            },
        );
        let service = hyper_util::service::TowerToHyperService::new(service);
        let (builder, open, stop) = (builder.clone(), open.clone(), shutdown.clone());
        tokio::spawn(async move {
            let _open = open;
            // hyper's header timer starts with the first byte; a silent client is ours.
            if tokio::time::timeout(idle_timeout, stream.readable())
                .await
                .is_err()
            {
                return;
            }
            let (io, activity) = ActivityIo::new(stream);
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(io), service);
            let mut conn = std::pin::pin!(conn);
            let mut tick = tokio::time::interval(idle_timeout / 4);
            let mut closing = false;
            loop {
                tokio::select! {
                    ended = conn.as_mut() => {
                        if let Err(e) = ended {
                            tracing::debug!(error = %e, "connection ended with an error");
                        }
                        break;
                    }
                    () = stop.cancelled(), if !closing => {
                        conn.as_mut().graceful_shutdown();
                        closing = true;
                    }
                    _ = tick.tick(), if !closing => {
                        if activity.idle() >= idle_timeout {
                            conn.as_mut().graceful_shutdown();
                            closing = true;
                        }
                    }
                }
            }
        });
    }
    drop(listener);
    drop(open);
    tokio::select! {
        _ = all_closed.recv() => {}
        () = tokio::time::sleep(grace) => {
            tracing::warn!("shutdown grace period over; dropping remaining connections");
        }
    }
    Ok(())
}

/// A TCP stream that remembers when it last received bytes, so a connection's idle
/// time can be checked from outside hyper.
struct ActivityIo {
    inner: tokio::net::TcpStream,
    activity: Activity,
}

/// When a connection last received bytes, as milliseconds since it opened.
#[derive(Clone)]
struct Activity {
    opened: std::time::Instant,
    last_ms: Arc<std::sync::atomic::AtomicU64>,
}

impl Activity {
    fn touch(&self) {
        let ms = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, std::sync::atomic::Ordering::Relaxed);
    }

    fn idle(&self) -> Duration {
        let last = Duration::from_millis(self.last_ms.load(std::sync::atomic::Ordering::Relaxed));
        self.opened.elapsed().saturating_sub(last)
    }
}

impl ActivityIo {
    fn new(inner: tokio::net::TcpStream) -> (ActivityIo, Activity) {
        let activity = Activity {
            opened: std::time::Instant::now(),
            last_ms: Arc::new(std::sync::atomic::AtomicU64::new(0)),
        };
        (
            ActivityIo {
                inner,
                activity: activity.clone(),
            },
            activity,
        )
    }
}

impl tokio::io::AsyncRead for ActivityIo {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = std::pin::Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl tokio::io::AsyncWrite for ActivityIo {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

async fn reload_loop(state: AppState, stop: CancellationToken) {
    let period = Duration::from_millis(state.settings().rules.reload_interval_ms.max(50));
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = tick.tick() => {
                if let Err(e) = state.reload_if_changed().await {
                    tracing::warn!(error = %e, "rule reload check failed");
                }
            }
        }
    }
}

fn load_base_rules(settings: &Settings) -> anyhow::Result<Vec<RuleDef>> {
    let paths: Vec<_> = settings
        .rules_paths
        .iter()
        .filter(|p| p.exists())
        .cloned()
        .collect();
    for missing in settings.rules_paths.iter().filter(|p| !p.exists()) {
        tracing::warn!(path = %missing.display(), "rules path does not exist; skipped");
    }
    rules::load_paths(&paths).context("loading rule files")
}

/// The shipped rules with a site's own rules on top: a site rule replaces the shipped
/// rule of the same id (so a site can disable or retune it) or is added after them.
pub fn merge_rule_defs(base: &[RuleDef], site_rules: Vec<RuleDef>) -> Vec<RuleDef> {
    let mut merged: Vec<RuleDef> = base.to_vec();
    for rule in site_rules {
        match merged.iter_mut().find(|d| d.id == rule.id) {
            Some(slot) => *slot = rule,
            None => merged.push(rule),
        }
    }
    merged
}

/// A short stable digest of the base rules, so verdicts name the rule pack they used.
pub fn rules_digest(defs: &[RuleDef]) -> String {
    let json = serde_json::to_string(defs).unwrap_or_default();
    store::sha256_hex(&json).chars().take(8).collect()
}

/// Model files beside the configured one (`*.bin`, `*.json`).
fn model_files(settings: &Settings) -> Vec<std::path::PathBuf> {
    if settings.model_path.as_os_str().is_empty() {
        return Vec::new();
    }
    let dir = settings
        .model_path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "bin" || x == "json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// The model to start with: the one an admin activated, else the configured one.
async fn load_model(settings: &Settings, store: &Store) -> (Option<Arc<Model>>, Option<String>) {
    if let Ok(Some(active)) = store.active_model().await {
        match Model::load(std::path::Path::new(&active.path)) {
            Ok(m) => return (Some(Arc::new(m)), None),
            Err(e) => {
                tracing::error!(version = %active.version, error = %e, "activated model does not load; trying the configured one")
            }
        }
    }
    if settings.model_path.as_os_str().is_empty() {
        return (None, None);
    }
    match Model::load(&settings.model_path) {
        Ok(m) => {
            tracing::info!(version = m.version(), "model loaded");
            (Some(Arc::new(m)), None)
        }
        Err(e) => {
            tracing::error!(error = %e, "model not loaded; moderating with rules alone");
            (None, Some(e.to_string()))
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown signal received; draining");
}
