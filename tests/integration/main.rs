//! Integration tests: the real app on port 0, through its public HTTP API and CLI,
//! against a fresh SQLite file per test and, when `TEST_DATABASE_URL` is set, a fresh
//! PostgreSQL database per test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::field_reassign_with_default,
    clippy::type_complexity,
    unreachable_pub
)]

mod helpers;

/// Submit, read, edit, delete, idempotency, batch, dry run.
mod api;
/// Campaign copies: counted per site across threads and authors, held by policy.
mod campaigns;
/// The `raqib` binary: serve bootstrap, site management, graceful shutdown.
mod cli;
/// Drop-in Perspective, Akismet, Coral-phase and OpenAI endpoints: captured client requests replayed.
mod compat;
/// Concurrent submissions: every acknowledged comment stored exactly once.
mod durability;
/// Problem documents for every kind of bad input; the service keeps serving.
mod errors;
/// Faults: kill -9 mid-load, database and Redis cut, full or read-only SQLite,
/// hanging webhook receivers, slow and idle clients, abusive input.
mod faults;
/// The model registry: list and activate versions across instances.
mod models;
/// Health, readiness, metrics, OpenAPI, request ids.
mod operations;
/// The review queue: listing, claims, leases, decisions, reports, appeals, audit, stats.
mod queue;
/// Rate limits per scope, per-site overrides, trusted proxies, shared Redis budgets.
mod ratelimit;
/// Admin rules API: CRUD, validation, test, backtest, scoping, hot reload.
mod rules;
/// The moderators' web UI: login, CSRF, queue page, decisions, language.
mod ui;
/// The web UI's comment, bulk and admin pages through HTTP: access, CSRF, escaping.
mod ui_admin;
/// The web UI in a real headless Chromium: keyboard, highlights, bulk, rules.
mod ui_e2e;
/// A minimal WebDriver client for `ui_e2e`.
mod webdriver;
/// Verdict delivery: signed webhooks, retries, ordering, takeover, SSRF, pull feed.
mod webhooks;
