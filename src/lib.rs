//! raqib — self-hosted comment moderation for Arabic and English news sites.
//!
//! # Code tour
//! - [`moderation`]: the pure core — normalize, rules, classifier, policy. No I/O.
//! - [`store`]: SQLite or PostgreSQL behind one `Store`; one transaction per status
//!   change, with its audit entry and outbox event.
//! - [`http`]: the axum API — thin handlers over the core and the store, one error
//!   type mapped to `application/problem+json` in one place.
//! - [`ui`]: the moderators' web pages — server-rendered askama templates over the
//!   same store calls as the API, with session cookies and CSRF tokens.
//! - [`app`]: wiring — state, router, background tasks, graceful shutdown.
//! - [`ratelimit`]: GCRA limits per scope, in process or shared through Redis.
//! - [`compat`]: drop-in Perspective, Akismet, Coral-phase and OpenAI-moderation
//!   endpoints over the same service calls as the native API.
//! - [`webhooks`]: verdict events for the outbox.
//! - [`config`]: layered, validated settings.
//! - [`cli`]: the `raqib` command line.
pub mod app;
pub mod auth;
pub mod cache;
pub mod cli;
pub mod compat;
pub mod config;
pub mod http;
pub mod moderation;
pub mod net;
pub mod ratelimit;
pub mod reload;
pub mod service;
pub mod store;
pub mod telemetry;
pub mod ui;
pub mod webhooks;
