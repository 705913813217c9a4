//! Settings: code defaults ← `config/default.toml` ← `--config FILE` ← `RAQIB_*`
//! environment variables (`RAQIB_<SECTION>__<KEY>`, e.g. `RAQIB_SERVER__MAX_BODY_BYTES`;
//! top-level keys are `RAQIB_LISTEN`, `RAQIB_DATABASE_URL`, …).
//!
//! Unknown keys anywhere are an error at start-up, so a typo never silently falls back
//! to a default. `config/default.toml` documents every key and must agree with
//! [`Settings::default`]; a test enforces that.

use crate::moderation::Policy;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The shipped defaults file, read relative to the working directory when present.
pub const DEFAULT_CONFIG_FILE: &str = "config/default.toml";

/// All settings. Field docs are the user documentation; keep them in step with
/// `config/default.toml`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Address the HTTP server binds to.
    pub listen: String,
    /// `sqlite://PATH` or `postgres://…`. Empty: SQLite at `<data_dir>/raqib.db`.
    pub database_url: String,
    /// `redis://…` to share rate limits and reload signals across instances. Empty: none.
    pub redis_url: String,
    /// Where the embedded database and other local state live. Created if missing.
    pub data_dir: PathBuf,
    /// The classifier model file. Empty: moderate with rules alone.
    pub model_path: PathBuf,
    /// Rule files or directories of `*.toml` loaded as every site's base rules.
    pub rules_paths: Vec<PathBuf>,
    /// `text` (human-readable) or `json` (one object per line).
    pub log_format: LogFormat,
    /// `tracing` filter directive, e.g. `info` or `raqib=debug,info`.
    pub log_filter: String,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub rules: RulesSettings,
    pub queue: QueueSettings,
    pub webhooks: WebhooksSettings,
    /// Rate limits per scope (see `crate::ratelimit`).
    pub rate_limits: crate::ratelimit::RateLimitSettings,
    pub compat: CompatSettings,
    /// Policy given to newly created sites.
    pub policy: Policy,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: "127.0.0.1:8080".into(),
            database_url: String::new(),
            redis_url: String::new(),
            data_dir: PathBuf::from("data"),
            model_path: PathBuf::from("models/raqib-v1.bin"),
            rules_paths: vec![PathBuf::from("config/rules")],
            log_format: LogFormat::Text,
            log_filter: "info".into(),
            server: ServerSettings::default(),
            database: DatabaseSettings::default(),
            rules: RulesSettings::default(),
            queue: QueueSettings::default(),
            webhooks: WebhooksSettings::default(),
            rate_limits: crate::ratelimit::RateLimitSettings::default(),
            compat: CompatSettings::default(),
            policy: Policy::default(),
        }
    }
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Text,
    Json,
}

/// HTTP server limits.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Longest accepted comment body, in characters.
    pub max_comment_chars: usize,
    /// Longest accepted subject, author name, ids and other short fields, in characters.
    pub max_field_chars: usize,
    /// Requests running longer than this are answered `503`.
    pub request_timeout_ms: u64,
    /// On shutdown, how long in-flight requests get to finish.
    pub shutdown_grace_s: u64,
    /// Proxies whose `X-Forwarded-For` is believed (IP addresses or CIDR ranges).
    pub trusted_proxies: Vec<String>,
    /// How long an API key's site is remembered, in ms (0: look it up every time).
    pub site_cache_ms: u64,
    /// How long `/v1/check` reuses an author's history, in ms (0: read it every
    /// time). A dry run called as the author types needs no fresher history than
    /// this; submits always read it afresh.
    pub check_history_cache_ms: u64,
    /// A client must send a request's headers within this long, in ms, and a
    /// connection receiving nothing for this long is closed (slow and idle clients).
    pub header_read_timeout_ms: u64,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            max_body_bytes: 64 * 1024,
            max_comment_chars: 10_000,
            max_field_chars: 512,
            request_timeout_ms: 10_000,
            shutdown_grace_s: 30,
            trusted_proxies: Vec::new(),
            site_cache_ms: 2_000,
            check_history_cache_ms: 2_000,
            header_read_timeout_ms: 10_000,
        }
    }
}

/// Connection pool settings.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSettings {
    /// Pool size (PostgreSQL; SQLite readers).
    pub max_connections: u32,
    /// How long a request waits for a connection before answering `503`.
    pub acquire_timeout_ms: u64,
    /// SQLite `synchronous`: `normal` (WAL: durable across process crashes) or `full`
    /// (also across power loss, slower).
    pub sqlite_synchronous: String,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        DatabaseSettings {
            max_connections: 16,
            acquire_timeout_ms: 3_000,
            sqlite_synchronous: "normal".into(),
        }
    }
}

/// Rule reloading.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RulesSettings {
    /// How often each instance checks the database for changed rules or model.
    pub reload_interval_ms: u64,
}

impl Default for RulesSettings {
    fn default() -> Self {
        RulesSettings {
            reload_interval_ms: 1_000,
        }
    }
}

/// The review queue.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct QueueSettings {
    /// How long a claimed comment stays leased to its moderator.
    pub lease_s: u64,
    /// Reader reports bring a published comment back to the queue once the weights of
    /// its reports add up to this. A reporter's weight is (upheld + 1) / (decided + 2)
    /// over their earlier reports, so a new reporter counts 0.5.
    pub report_threshold: f64,
}

impl Default for QueueSettings {
    fn default() -> Self {
        QueueSettings {
            lease_s: 300,
            report_threshold: 1.0,
        }
    }
}

/// Verdict delivery to host sites (see the README's "Webhooks" section).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct WebhooksSettings {
    /// Run the delivery worker in this instance. Every instance may run one: they
    /// share the work through the database.
    pub worker: bool,
    /// How often the worker looks for due events, in ms. Automatic verdicts reach the
    /// host within about this long.
    pub poll_interval_ms: u64,
    /// Events claimed per round; they are sent concurrently (one per comment at most).
    pub batch_size: u32,
    /// A delivery not answered within this long is a failure and is retried.
    pub timeout_ms: u64,
    /// The first retry waits up to this long (full jitter: a random delay between 0
    /// and the bound); the bound doubles with every failure…
    pub initial_backoff_ms: u64,
    /// …up to this bound.
    pub max_backoff_ms: u64,
    /// An event still failing this long after its first attempt is marked dead; an
    /// admin can redeliver it.
    pub give_up_after_s: u64,
    /// After a webhook secret rotation the old secret still signs for this long.
    pub secret_overlap_s: u64,
    /// Allow `http://` callback URLs (tests, local development). Off: `https://` only.
    pub allow_insecure: bool,
    /// Allow callback URLs that resolve to loopback, private, link-local, multicast
    /// or unspecified addresses. Off in production: such URLs reach internal services.
    pub allow_private_targets: bool,
}

impl Default for WebhooksSettings {
    fn default() -> Self {
        WebhooksSettings {
            worker: true,
            poll_interval_ms: 500,
            batch_size: 32,
            timeout_ms: 5_000,
            initial_backoff_ms: 10_000,
            max_backoff_ms: 3_600_000,
            give_up_after_s: 259_200,
            secret_overlap_s: 86_400,
            allow_insecure: false,
            allow_private_targets: false,
        }
    }
}

/// The compatibility endpoints (Perspective, Akismet, Coral, OpenAI).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CompatSettings {
    /// raqib's externally visible base URL, ending in `/`. It is the `rootUrl` of the
    /// Perspective discovery document, and Google's client sends every call there, so
    /// it must be what clients reach, not what raqib binds to.
    pub root_url: String,
    /// The site (id or name) for Akismet requests that carry no key at all
    /// (node-akismet sends none). Empty: such requests are answered `invalid`.
    pub akismet_default_site: String,
    /// Host-name suffixes under which the first label of `Host` is an Akismet key
    /// (`<key>.rest.akismet.com`). A first label starting `rk_` counts under any name.
    pub akismet_host_suffixes: Vec<String>,
}

impl Default for CompatSettings {
    fn default() -> Self {
        CompatSettings {
            root_url: "http://127.0.0.1:8080/".into(),
            akismet_default_site: String::new(),
            akismet_host_suffixes: vec!["rest.akismet.com".into()],
        }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Load(Box<figment::Error>),
    #[error("configuration: {key}: {message}")]
    Invalid { key: &'static str, message: String },
}

impl Settings {
    /// Layer the sources and validate. `file` is the `--config` argument.
    pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
        Self::load_from(
            Path::new(DEFAULT_CONFIG_FILE),
            file,
            Env::prefixed("RAQIB_"),
        )
    }

    fn load_from(defaults: &Path, file: Option<&Path>, env: Env) -> Result<Settings, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if defaults.exists() {
            figment = figment.merge(Toml::file_exact(defaults));
        }
        if let Some(file) = file {
            if !file.exists() {
                return Err(ConfigError::Invalid {
                    key: "--config",
                    message: format!("{} does not exist", file.display()),
                });
            }
            figment = figment.merge(Toml::file_exact(file));
        }
        let settings: Settings = figment
            .merge(env.split("__"))
            .extract()
            .map_err(|e| ConfigError::Load(Box::new(e)))?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks that serde cannot express.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.listen_addr()?;
        let url = self.database_url();
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return Err(ConfigError::Invalid {
                key: "database_url",
                message: "must start with sqlite: or postgres://".into(),
            });
        }
        if !self.redis_url.is_empty() && !self.redis_url.starts_with("redis://") {
            return Err(ConfigError::Invalid {
                key: "redis_url",
                message: "must start with redis://".into(),
            });
        }
        if !matches!(self.database.sqlite_synchronous.as_str(), "normal" | "full") {
            return Err(ConfigError::Invalid {
                key: "database.sqlite_synchronous",
                message: "must be normal or full".into(),
            });
        }
        if self.server.max_body_bytes < 1024 || self.server.max_comment_chars == 0 {
            return Err(ConfigError::Invalid {
                key: "server",
                message: "max_body_bytes must be ≥ 1024 and max_comment_chars ≥ 1".into(),
            });
        }
        for proxy in &self.server.trusted_proxies {
            crate::net::IpRange::parse(proxy).map_err(|message| ConfigError::Invalid {
                key: "server.trusted_proxies",
                message,
            })?;
        }
        let w = &self.webhooks;
        if w.poll_interval_ms == 0
            || w.batch_size == 0
            || w.timeout_ms == 0
            || w.initial_backoff_ms == 0
            || w.max_backoff_ms < w.initial_backoff_ms
        {
            return Err(ConfigError::Invalid {
                key: "webhooks",
                message:
                    "poll_interval_ms, batch_size, timeout_ms and initial_backoff_ms must be ≥ 1, \
                          max_backoff_ms ≥ initial_backoff_ms"
                        .into(),
            });
        }
        self.rate_limits
            .validate()
            .map_err(|message| ConfigError::Invalid {
                key: "rate_limits",
                message,
            })?;
        if !(self.compat.root_url.starts_with("http://")
            || self.compat.root_url.starts_with("https://"))
        {
            return Err(ConfigError::Invalid {
                key: "compat.root_url",
                message: "must start with http:// or https://".into(),
            });
        }
        self.policy.validate().map_err(|e| ConfigError::Invalid {
            key: "policy",
            message: e.to_string(),
        })?;
        Ok(())
    }

    pub fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.listen.parse().map_err(|_| ConfigError::Invalid {
            key: "listen",
            message: format!("{:?} is not an address:port", self.listen),
        })
    }

    /// The effective database URL (SQLite under `data_dir` when none is set).
    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!("sqlite://{}", self.data_dir.join("raqib.db").display())
        } else {
            self.database_url.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn manifest_file(rel: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
    }

    #[test]
    fn default_toml_agrees_with_code_defaults() {
        let text = std::fs::read_to_string(manifest_file(DEFAULT_CONFIG_FILE)).unwrap();
        let from_file: Settings = Figment::new().merge(Toml::string(&text)).extract().unwrap();
        assert_eq!(from_file, Settings::default());
    }

    #[test]
    fn unknown_keys_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("extra.toml");
        std::fs::write(&file, "[server]\nmax_body_byte = 10\n").unwrap();
        let err = Settings::load_from(
            &manifest_file(DEFAULT_CONFIG_FILE),
            Some(&file),
            Env::prefixed("RAQIB_TEST_NONE_"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("max_body_byte"), "{err}");
    }

    #[test]
    #[allow(clippy::result_large_err)]
    fn env_overrides_file_and_nests_with_double_underscore() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("RAQIBT_LISTEN", "127.0.0.1:9999");
            jail.set_env("RAQIBT_SERVER__MAX_COMMENT_CHARS", "77");
            jail.set_env("RAQIBT_RATE_LIMITS__AUTHOR__PER_MINUTE", "3");
            let s = Settings::load_from(Path::new("/nonexistent"), None, Env::prefixed("RAQIBT_"))
                .unwrap();
            assert_eq!(s.listen, "127.0.0.1:9999");
            assert_eq!(s.server.max_comment_chars, 77);
            assert_eq!(s.rate_limits.author.per_minute, 3);
            assert_eq!(s.rate_limits.author.burst, 5);
            Ok(())
        });
    }

    #[test]
    fn invalid_values_name_the_key() {
        let s = Settings {
            listen: "nowhere".into(),
            ..Settings::default()
        };
        assert!(s.validate().unwrap_err().to_string().contains("listen"));
        let s = Settings {
            database_url: "mysql://x".into(),
            ..Settings::default()
        };
        assert!(
            s.validate()
                .unwrap_err()
                .to_string()
                .contains("database_url")
        );
    }
}
