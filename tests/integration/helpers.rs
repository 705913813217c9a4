//! `TestApp`: one running raqib per test with its own database, and typed helpers.

use raqib::app::App;
use raqib::config::Settings;
use raqib::store::Store;
use serde_json::{Value, json};
use std::io::Write;
use std::path::PathBuf;
use tokio_util::sync::CancellationToken;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Write past libtest's output capture so a skip is always visible.
pub fn announce_skip(what: &str, why: &str) {
    let _ = writeln!(std::io::stderr(), "SKIPPED {what}: {why}");
}

/// `TEST_REDIS_URL`, or `None` with a visible skip line (a failure in CI).
pub fn redis_url(test: &str) -> Option<String> {
    match std::env::var("TEST_REDIS_URL") {
        Ok(url) => Some(url),
        Err(_) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("TEST_REDIS_URL must be set in CI");
            }
            announce_skip(&format!("{test} [redis]"), "TEST_REDIS_URL not set");
            None
        }
    }
}

/// A fresh PostgreSQL database for one test, dropped afterwards.
pub struct PgDatabase {
    admin_url: String,
    pub name: String,
    pub url: String,
}

impl PgDatabase {
    /// `None` when `TEST_DATABASE_URL` is not set (outside CI). In CI its absence is a
    /// failure, never a silent skip.
    pub async fn create(test: &str) -> Option<PgDatabase> {
        let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("TEST_DATABASE_URL must be set in CI");
            }
            announce_skip(&format!("{test} [postgres]"), "TEST_DATABASE_URL not set");
            return None;
        };
        let name = format!("raqib_t_{}", uuid::Uuid::new_v4().simple());
        let admin = sqlx::PgPool::connect(&admin_url)
            .await
            .expect("connect to TEST_DATABASE_URL");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await
            .expect("create test database");
        admin.close().await;
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(b, _)| b);
        let url = format!("{base}/{name}");
        Some(PgDatabase {
            admin_url,
            name,
            url,
        })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop runs outside any runtime guarantee; use a private one on a thread.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(admin) = sqlx::PgPool::connect(&admin_url).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&admin)
                    .await;
                    admin.close().await;
                }
            });
        })
        .join();
    }
}

pub fn manifest_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Settings for a test: port 0, the repository's rule packs and model.
pub fn test_settings(dir: &std::path::Path) -> Settings {
    let mut s = Settings::default();
    s.listen = "127.0.0.1:0".into();
    s.data_dir = dir.to_path_buf();
    s.database_url = format!("sqlite://{}", dir.join("raqib.db").display());
    s.rules_paths = vec![manifest_path("config/rules")];
    s.model_path = manifest_path("models/raqib-v1.bin");
    if !s.model_path.exists() {
        s.model_path = PathBuf::new();
    }
    s.rules.reload_interval_ms = 100;
    // Most tests post many comments as one author; rate-limit tests turn this back on.
    s.rate_limits.enabled = false;
    s
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub site_id: String,
    pub api_key: String,
    pub store: Store,
    pub state: raqib::app::AppState,
    pub settings: Settings,
    shutdown: CancellationToken,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _dir: Option<tempfile::TempDir>,
    _pg: Option<PgDatabase>,
}

impl TestApp {
    pub async fn spawn(backend: Backend, test: &str) -> Option<TestApp> {
        Self::spawn_with(backend, test, |_| {}).await
    }

    /// Start an app; `tweak` adjusts the settings first. `None`: backend not available.
    pub async fn spawn_with(
        backend: Backend,
        test: &str,
        tweak: impl FnOnce(&mut Settings),
    ) -> Option<TestApp> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = tempfile::tempdir().unwrap();
        let mut settings = test_settings(dir.path());
        let pg = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => {
                let db = PgDatabase::create(test).await?;
                settings.database_url = db.url.clone();
                Some(db)
            }
        };
        tweak(&mut settings);
        let app = App::build(settings.clone()).await.expect("build app");
        let addr = app.local_addr().unwrap();
        let store = app.state().store().clone();
        let state = app.state().clone();
        let (site, key) = store
            .create_site("test-site", None, &settings.policy, raqib::store::now_ms())
            .await
            .unwrap();
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(app.run_until_stopped(shutdown.clone()));
        Some(TestApp {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            site_id: site.id,
            api_key: key,
            store,
            state,
            settings,
            shutdown,
            server: Some(server),
            _dir: Some(dir),
            _pg: pg,
        })
    }

    /// Another instance on the same database (and site), as in a multi-instance
    /// deployment. It must not outlive `self`, which owns the database.
    pub async fn second_instance(&self) -> TestApp {
        Self::attach(self, self.settings.clone()).await
    }

    /// An instance with other settings on `this` app's database and site.
    pub async fn attach(this: &TestApp, settings: Settings) -> TestApp {
        let app = App::build(settings.clone())
            .await
            .expect("build another app");
        let addr = app.local_addr().unwrap();
        let store = app.state().store().clone();
        let state = app.state().clone();
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(app.run_until_stopped(shutdown.clone()));
        TestApp {
            state,
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            site_id: this.site_id.clone(),
            api_key: this.api_key.clone(),
            store,
            settings,
            shutdown,
            server: Some(server),
            _dir: None,
            _pg: None,
        }
    }

    /// A user with a bearer token: `admin`, or `moderator` of the given sites.
    pub async fn user_token(&self, role: &str, sites: &[String]) -> String {
        let email = format!("{role}-{}@example.com", uuid::Uuid::new_v4().simple());
        self.store
            .create_user(&email, role, None, sites, raqib::store::now_ms())
            .await
            .unwrap()
            .1
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A second site with its own key, for isolation tests.
    pub async fn other_site(&self) -> (String, String) {
        let (site, key) = self
            .store
            .create_site(
                &format!("other-{}", uuid::Uuid::new_v4().simple()),
                None,
                &self.settings.policy,
                raqib::store::now_ms(),
            )
            .await
            .unwrap();
        (site.id, key)
    }

    /// A request with a bearer token and an optional JSON body.
    pub async fn call(
        &self,
        method: reqwest::Method,
        token: &str,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut req = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(b);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn post_json_as(&self, key: &str, path: &str, body: &Value) -> (u16, Value) {
        let res = self
            .client
            .post(self.url(path))
            .bearer_auth(key)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> (u16, Value) {
        self.post_json_as(&self.api_key, path, body).await
    }

    pub async fn get_as(&self, key: &str, path: &str) -> (u16, Value) {
        let res = self
            .client
            .get(self.url(path))
            .bearer_auth(key)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.get_as(&self.api_key, path).await
    }

    pub async fn submit(&self, body: &Value) -> (u16, Value) {
        self.post_json("/v1/comments", body).await
    }

    /// Stop the server gracefully and wait for it.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(server) = self.server.take() {
            server.await.unwrap().unwrap();
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// A minimal valid comment.
pub fn comment(external_id: &str, body: &str) -> Value {
    json!({
        "external_id": external_id,
        "thread": {"id": "article-1", "url": "https://news.example/a/1", "title": "عنوان المقال"},
        "author": {"id": "reader-1", "name": "Reader", "email": "r@example.com", "ip": "203.0.113.7"},
        "body": body,
    })
}

/// Generate a `#[tokio::test]` per backend for each listed `async fn(TestApp)`.
macro_rules! both_backends {
    // `with(tweak)`: the settings are adjusted first, e.g. `crate::helpers::rules_only`.
    (with($tweak:path): $($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let app = crate::helpers::TestApp::spawn_with(crate::helpers::Backend::Sqlite, stringify!($name), $tweak).await.unwrap();
                    super::$name(app).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(app) = crate::helpers::TestApp::spawn_with(crate::helpers::Backend::Postgres, stringify!($name), $tweak).await {
                        super::$name(app).await;
                    }
                }
            }
        )*
    };
    ($($name:ident),* $(,)?) => {
        crate::helpers::both_backends!(with(crate::helpers::as_configured): $($name),*);
    };
}
pub(crate) use both_backends;

/// The settings `test_settings` made, unchanged.
pub fn as_configured(_: &mut Settings) {}

/// No classifier: verdicts come from the rules alone, so a test of rules or wire
/// formats does not move when the shipped model is retrained.
pub fn rules_only(s: &mut Settings) {
    s.model_path = PathBuf::new();
}
