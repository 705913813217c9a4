//! The `raqib` command line: `serve`, `migrate`, `site …`, `user …`, `check`.
//! Commands that print data print JSON on stdout; logs go to stderr.

use crate::app::{self, App};
use crate::config::Settings;
use crate::moderation::rules::{self, RuleSet};
use crate::moderation::{self, AuthorHistory, CommentInput, Engine, Policy};
use crate::store::{self, Store};
use crate::webhooks::ssrf::{CallbackUrl, TargetPolicy};
use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use serde::Deserialize;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

#[derive(Parser, Debug)]
#[command(
    name = "raqib",
    version,
    about = "Self-hosted comment moderation for Arabic and English news sites"
)]
pub struct Cli {
    /// A settings file layered over config/default.toml.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the HTTP service (creates and migrates the database if needed).
    Serve,
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Manage host sites.
    #[command(subcommand)]
    Site(SiteCommand),
    /// Manage moderator and admin users.
    #[command(subcommand)]
    User(UserCommand),
    /// Moderate JSON Lines from stdin offline: one verdict per line on stdout.
    Check(CheckArgs),
    /// Train the spam and abuse classifier (needs `--features train`).
    // Boxed: the training options outweigh every other command's by far.
    #[cfg(feature = "train")]
    Train(Box<crate::moderation::train::TrainArgs>),
    /// Train the spam and abuse classifier (this build lacks `--features train`).
    #[cfg(not(feature = "train"))]
    Train {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
        args: Vec<String>,
    },
    /// Evaluate a model on labelled JSON Lines: precision, recall, F1, ROC-AUC per head,
    /// dataset and language.
    Eval(crate::moderation::eval::EvalArgs),
    /// Write moderator-decided comments as training data (JSON Lines).
    ExportLabels {
        /// Only this site.
        #[arg(long)]
        site: Option<String>,
        /// Only decisions from this date on (YYYY-MM-DD or RFC 3339).
        #[arg(long)]
        since: Option<String>,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum SiteCommand {
    /// Create a site; prints {"site_id", "api_key", "webhook_secret"}.
    Create {
        #[arg(long)]
        name: String,
        /// Where verdict events are POSTed: https:// and a public address, unless
        /// [webhooks] allow_insecure / allow_private_targets say otherwise.
        #[arg(long)]
        callback_url: Option<String>,
    },
    /// List sites as JSON.
    List,
    /// Issue a new API key for a site; the old one stops working.
    RotateKey {
        #[arg(long)]
        site: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user; prints {"user_id", "token"}.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = ["admin", "moderator"])]
        role: String,
        /// Comma-separated site ids a moderator may work on.
        #[arg(long, value_delimiter = ',')]
        sites: Vec<String>,
        /// Read a password for the web UI from stdin.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Rule files or directories replacing the configured rule packs (repeatable).
    #[arg(long)]
    pub rules: Vec<PathBuf>,
    /// Score with rules alone.
    #[arg(long)]
    pub no_model: bool,
    /// A model file instead of the configured one.
    #[arg(long)]
    pub model: Option<PathBuf>,
}

/// Parse arguments and run; the binary's `main` only calls this.
pub fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load(cli.config.as_deref())?;
    crate::telemetry::init_logging(settings.log_format, &settings.log_filter);
    match &cli.command {
        Command::Check(args) => return check(&settings, args),
        #[cfg(feature = "train")]
        Command::Train(args) => return crate::moderation::train::run(args),
        #[cfg(not(feature = "train"))]
        Command::Train { .. } => {
            bail!(
                "this raqib was built without training; run `cargo run --release --features train -- train …`"
            )
        }
        Command::Eval(args) => return eval(&settings, args),
        _ => {}
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(run(cli.command, settings))
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve => serve(settings).await,
        Command::Migrate => {
            let store = Store::connect(&settings).await?;
            eprintln!("database {} is up to date", store.kind());
            store.close().await;
            Ok(())
        }
        Command::Site(cmd) => site(cmd, &settings).await,
        Command::User(cmd) => user(cmd, &settings).await,
        Command::Check(_) | Command::Train { .. } | Command::Eval(_) => Ok(()),
        Command::ExportLabels { site, since, out } => {
            export_labels(&settings, site.as_deref(), since.as_deref(), &out).await
        }
    }
}

/// The training labels a moderator decision implies: an approval says "neither spam
/// nor abuse"; a rejection names one head; other rejection reasons say nothing (null).
pub fn labels_for(status: &str, reason: Option<&str>) -> (Option<bool>, Option<bool>) {
    match (status, reason) {
        ("approved", _) => (Some(false), Some(false)),
        ("rejected", Some("spam")) => (Some(true), None),
        ("rejected", Some("abuse" | "hate" | "harassment")) => (None, Some(true)),
        _ => (None, None),
    }
}

fn parse_since(s: &str) -> anyhow::Result<i64> {
    let full = if s.len() == 10 {
        format!("{s}T00:00:00Z")
    } else {
        s.to_string()
    };
    let t = time::OffsetDateTime::parse(&full, &time::format_description::well_known::Rfc3339)
        .with_context(|| format!("--since {s:?}: use YYYY-MM-DD or RFC 3339"))?;
    Ok(i64::try_from(t.unix_timestamp_nanos() / 1_000_000)?)
}

async fn export_labels(
    settings: &Settings,
    site: Option<&str>,
    since: Option<&str>,
    out: &std::path::Path,
) -> anyhow::Result<()> {
    let since = since.map(parse_since).transpose()?.unwrap_or(0);
    let store = Store::connect(settings).await?;
    let rows = store.moderated_comments(site, since).await?;
    let mut file = std::io::BufWriter::new(
        std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?,
    );
    let mut written = 0usize;
    for c in rows {
        let (spam, abuse) = labels_for(&c.status, c.decision_reason.as_deref());
        if spam.is_none() && abuse.is_none() {
            continue;
        }
        let line = serde_json::json!({
            "id": format!("moderation:{}:{}", c.site_id, c.id),
            "text": c.body,
            "lang": c.language,
            "spam": spam,
            "abuse": abuse,
            "label_raw": c.decision_reason.clone().unwrap_or_else(|| c.status.clone()),
            "source": format!("moderation:{}", c.site_id),
        });
        serde_json::to_writer(&mut file, &line)?;
        writeln!(file)?;
        written += 1;
    }
    // Feedback sent through the compatibility endpoints (Perspective suggestscore,
    // Akismet submit-spam/ham), in the same format.
    for l in store.feedback_labels(site, since).await? {
        let line = serde_json::json!({
            "id": format!("feedback:{}:{}", l.site_id, l.id),
            "text": l.text,
            "lang": l.language,
            "spam": l.spam.map(|v| v != 0),
            "abuse": l.abuse.map(|v| v != 0),
            "label_raw": l.label_raw,
            "source": format!("{}:{}", l.source, l.site_id),
        });
        serde_json::to_writer(&mut file, &line)?;
        writeln!(file)?;
        written += 1;
    }
    file.flush()?;
    eprintln!("wrote {written} labelled comments to {}", out.display());
    store.close().await;
    Ok(())
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let app = App::build(settings.clone()).await?;
    let addr = app.local_addr()?;
    if app.state().store().count_sites().await? == 0 {
        let (site, key) = app
            .state()
            .store()
            .create_site("demo", None, &settings.policy, store::now_ms())
            .await?;
        println!(
            "Created the site \"demo\" ({}). Its API key, shown only this once:\n\n    {key}\n",
            site.id
        );
        println!("Try it:\n");
        println!(
            "    curl -s http://{addr}/v1/comments -H 'Authorization: Bearer {key}' -H 'Content-Type: application/json' \\\n      -d '{{\"external_id\": \"c1\", \"thread\": {{\"id\": \"article-1\"}}, \"author\": {{\"id\": \"reader-1\"}}, \"body\": \"مقال رائع، شكرا للكاتب\"}}'\n"
        );
        let _ = std::io::stdout().flush();
    }
    tracing::info!(%addr, database = app.state().store().kind(), "raqib listening");
    let shutdown = CancellationToken::new();
    let trigger = shutdown.clone();
    tokio::spawn(async move {
        app::shutdown_signal().await;
        trigger.cancel();
    });
    app.run_until_stopped(shutdown).await
}

fn print_json(value: &serde_json::Value) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

async fn site(cmd: SiteCommand, settings: &Settings) -> anyhow::Result<()> {
    let store = Store::connect(settings).await?;
    match cmd {
        SiteCommand::Create { name, callback_url } => {
            // The same guard as the admin API: no plain http, no internal addresses.
            let callback_url = match callback_url {
                Some(raw) => Some(
                    CallbackUrl::parse(&raw, TargetPolicy::from(&settings.webhooks))
                        .await
                        .with_context(|| format!("--callback-url {raw:?} is refused"))?,
                ),
                None => None,
            };
            let (site, key) = store
                .create_site(
                    &name,
                    callback_url.as_ref().map(CallbackUrl::as_str),
                    &settings.policy,
                    store::now_ms(),
                )
                .await
                .with_context(|| format!("creating site {name:?}"))?;
            print_json(
                &serde_json::json!({"site_id": site.id, "api_key": key, "webhook_secret": site.webhook_secret}),
            )?;
        }
        SiteCommand::List => {
            let sites = store.list_sites().await?;
            print_json(&serde_json::to_value(sites)?)?;
        }
        SiteCommand::RotateKey { site } => {
            let key = store
                .rotate_api_key(&site, store::now_ms())
                .await
                .with_context(|| format!("rotating the key of site {site}"))?;
            println!("{key}");
        }
    }
    store.close().await;
    Ok(())
}

async fn user(cmd: UserCommand, settings: &Settings) -> anyhow::Result<()> {
    let store = Store::connect(settings).await?;
    let UserCommand::Create {
        email,
        role,
        sites,
        password_stdin,
    } = cmd;
    let hash = if password_stdin {
        let mut password = String::new();
        std::io::stdin().read_line(&mut password)?;
        let password = password.trim_end_matches(['\r', '\n']);
        if password.len() < 8 {
            bail!("password must be at least 8 characters");
        }
        Some(crate::auth::hash_password(password)?)
    } else {
        None
    };
    let (user, token) = store
        .create_user(&email, &role, hash.as_deref(), &sites, store::now_ms())
        .await
        .with_context(|| format!("creating user {email}"))?;
    print_json(&serde_json::json!({"user_id": user.id, "token": token}))?;
    store.close().await;
    Ok(())
}

#[derive(Deserialize)]
struct CheckLine {
    text: String,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    id: Option<serde_json::Value>,
    #[serde(default)]
    lang: Option<String>,
}

#[derive(serde::Serialize)]
struct CheckVerdict<'a> {
    id: Option<serde_json::Value>,
    decision: moderation::Decision,
    scores: moderation::Scores,
    reasons: &'a [moderation::Reason],
    language: &'a str,
}

/// The configured rule packs (or `rules` instead), compiled.
fn rule_set(settings: &Settings, rules: &[PathBuf]) -> anyhow::Result<RuleSet> {
    let paths = if rules.is_empty() {
        &settings.rules_paths
    } else {
        rules
    };
    let defs = rules::load_paths(paths)?;
    let version = app::rules_digest(&defs);
    Ok(RuleSet::compile(defs, version)?)
}

/// `raqib eval`: the model alone, or with `--engine` the whole engine under the
/// configured policy, scored as the Perspective endpoint scores a verdict.
fn eval(settings: &Settings, args: &moderation::eval::EvalArgs) -> anyhow::Result<()> {
    if !args.engine {
        return moderation::eval::run(args);
    }
    let model = Arc::new(moderation::eval::load_model(args)?);
    let engine = Engine {
        rules: Arc::new(rule_set(settings, &args.rules)?),
        model: Some(model.clone()),
    };
    let policy: Policy = settings.policy.clone();
    moderation::eval::run_with(args, &model, |text| {
        let input = CommentInput {
            body: text,
            ..CommentInput::default()
        };
        let verdict = engine.moderate(&input, &policy, &AuthorHistory::default());
        let profile = crate::compat::Profile::from_verdict(&verdict, &policy);
        moderation::Scores {
            spam: profile.head_score(moderation::Label::Spam),
            abuse: profile.head_score(moderation::Label::Abuse),
            spam_without_links: None,
        }
    })
}

fn check(settings: &Settings, args: &CheckArgs) -> anyhow::Result<()> {
    let rules = rule_set(settings, &args.rules)?;
    let model = if args.no_model {
        None
    } else {
        let path = args
            .model
            .clone()
            .unwrap_or_else(|| settings.model_path.clone());
        if path.as_os_str().is_empty() {
            None
        } else {
            Some(Arc::new(moderation::classifier::Model::load(&path)?))
        }
    };
    let engine = Engine {
        rules: Arc::new(rules),
        model,
    };
    let policy: Policy = settings.policy.clone();
    let stdin = std::io::stdin().lock();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (n, line) in stdin.lines().enumerate() {
        let line = line.context("reading stdin")?;
        if line.trim().is_empty() {
            continue;
        }
        let value = match serde_json::from_str::<CheckLine>(&line) {
            Err(e) => {
                let id = serde_json::from_str::<serde_json::Value>(&line)
                    .ok()
                    .and_then(|v| v.get("id").cloned())
                    .unwrap_or(serde_json::Value::Null);
                serde_json::json!({"id": id, "line": n + 1, "error": e.to_string()}).to_string()
            }
            Ok(c) => {
                let input = CommentInput {
                    body: &c.text,
                    subject: c.subject.as_deref(),
                    author_name: c.name.as_deref(),
                    language: c.lang.as_deref(),
                    ..CommentInput::default()
                };
                let v = engine.moderate(&input, &policy, &AuthorHistory::default());
                // Serialized from the typed verdict so f32 scores keep their short form.
                serde_json::to_string(&CheckVerdict {
                    id: c.id,
                    decision: v.decision,
                    scores: v.scores,
                    reasons: &v.reasons,
                    language: &v.language,
                })?
            }
        };
        writeln!(out, "{value}")?;
    }
    out.flush()?;
    Ok(())
}
