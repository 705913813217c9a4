//! Wiring: the shared [`AppState`], building the app from settings, the background
//! tasks (rule reload, rate-limit housekeeping), serving with graceful shutdown.

use crate::config::Settings;
use crate::http;
use crate::moderation::Engine;
use crate::moderation::classifier::Model;
use crate::moderation::rules::{self, RuleDef, RuleSet};
use crate::store::{self, ApiKeyAuth, Store};
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
    limiter: Arc<crate::ratelimit::Limiter>,
}

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

    pub fn engines(&self) -> Arc<Engines> {
        self.inner.engines.load_full()
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

    pub async fn site_for_key(&self, key: &str) -> Result<Option<ApiKeyAuth>, store::StoreError> {
        self.inner.store.site_for_api_key(key).await
    }

    /// Recompile the engines if rules changed since the last look.
    pub async fn reload_rules_if_changed(&self) -> anyhow::Result<bool> {
        let latest = self.inner.store.latest_rules_change().await?;
        let current = self.engines();
        if latest == current.change_seen {
            return Ok(false);
        }
        let rows = self.inner.store.all_rules().await?;
        let engines = Engines::build(
            current.base_defs.clone(),
            current.base_version.clone(),
            current.model.clone(),
            rows,
            latest,
        )?;
        self.inner.engines.store(Arc::new(engines));
        tracing::info!(rules_change = latest, "rules reloaded");
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
        let (model, model_error) = load_model(&settings);
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
        let limiter = crate::ratelimit::Limiter::new(&settings.rate_limits, &settings.redis_url)
            .await
            .context("setting up rate limits")?;
        let listener = TcpListener::bind(settings.listen_addr()?)
            .await
            .with_context(|| format!("binding {}", settings.listen))?;
        let state = AppState {
            inner: Arc::new(Inner {
                settings,
                store,
                engines: ArcSwap::from_pointee(engines),
                model_error,
                pii_key,
                limiter: Arc::new(limiter),
            }),
        };
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
        let limits = tokio::spawn(crate::ratelimit::housekeeping_loop(
            state.inner.limiter.clone(),
            tasks.clone(),
        ));
        let grace = Duration::from_secs(state.settings().server.shutdown_grace_s);
        let drained = shutdown.clone();
        let server = axum::serve(
            self.listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move { drained.cancelled().await });
        let served = tokio::select! {
            r = server => r.context("serving HTTP"),
            () = async { shutdown.cancelled().await; tokio::time::sleep(grace).await } => {
                tracing::warn!("shutdown grace period over; dropping remaining connections");
                Ok(())
            }
        };
        tasks.cancel();
        let _ = reload.await;
        let _ = limits.await;
        state.store().close().await;
        tracing::info!("stopped");
        served
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
                if let Err(e) = state.reload_rules_if_changed().await {
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

fn load_model(settings: &Settings) -> (Option<Arc<Model>>, Option<String>) {
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
