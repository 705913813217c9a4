//! The moderators' web UI under `/ui/`: server-rendered pages (askama templates in
//! `templates/`), a stylesheet and a little hand-written JavaScript in `static/`, all
//! served by raqib itself. Every action is a plain form post that works without
//! JavaScript; `queue.js` only adds keyboard shortcuts and decisions without reloads.
//!
//! - `session.rs`: the session cookie, CSRF checks, interface language, login limiter.
//! - `login.rs`: login and logout.
//! - `queue.rs`: the review queue and its decision form.
//! - `comment.rs`: the comment page, claim on open, bulk decisions.
//! - `admin.rs`: admin pages for sites, models, dead deliveries and users.
//! - `rules.rs`: the rules page with "test a text" and backtest.
//! - `stats.rs`: the stats page; `chart.rs`: the pure geometry of its SVG charts.
//! - `pages.rs`: page models and the pure helpers that fill them (highlights, bars).
//! - `i18n.rs`: Arabic and English interface text and reasons in plain words.
//!
//! Data comes from the same `store` calls as the JSON API in `http/`, and admin
//! actions call the API's own handlers; nothing here writes SQL.

mod admin;
mod chart;
mod comment;
mod i18n;
mod login;
mod pages;
mod queue;
mod rules;
mod session;
mod stats;

use crate::app::AppState;
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use std::sync::Arc;

/// Every `/ui/` route with its own layers (security headers, language cookie).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ui", get(|| async { Redirect::to("/ui/queue") }))
        .route("/ui/", get(|| async { Redirect::to("/ui/queue") }))
        .route("/ui/login", get(login::show).post(login::submit))
        .route("/ui/logout", post(login::logout))
        .route("/ui/queue", get(queue::show))
        .route("/ui/comments/{id}/decision", post(queue::decide))
        .route(
            "/ui/campaigns/{fingerprint}/reject",
            post(queue::reject_campaign),
        )
        .route("/ui/comments/{id}", get(comment::show))
        .route("/ui/comments/{id}/claim", post(comment::claim))
        .route("/ui/decisions", post(comment::bulk))
        .route("/ui/stats", get(stats::show))
        .route(
            "/ui/admin/sites",
            get(admin::sites_show).post(admin::sites_create),
        )
        .route("/ui/admin/sites/{id}/rotate-key", post(admin::sites_rotate))
        .route("/ui/admin/sites/{id}/webhook", post(admin::sites_webhook))
        .route(
            "/ui/admin/sites/{id}/rotate-secret",
            post(admin::sites_rotate_secret),
        )
        .route("/ui/admin/sites/{id}/policy", post(admin::sites_policy))
        .route("/ui/admin/rules", get(rules::show).post(rules::submit))
        .route("/ui/admin/rules/{id}/delete", post(rules::delete))
        .route("/ui/admin/models", get(admin::models_show))
        .route(
            "/ui/admin/models/{version}/activate",
            post(admin::models_activate),
        )
        .route("/ui/admin/deliveries", get(admin::deliveries_show))
        .route(
            "/ui/admin/deliveries/{id}/redeliver",
            post(admin::deliveries_redeliver),
        )
        .route(
            "/ui/admin/users",
            get(admin::users_show).post(admin::users_create),
        )
        .route("/ui/admin/users/{id}/disable", post(admin::users_disable))
        .route("/ui/static/ui.css", get(stylesheet))
        .route("/ui/static/queue.js", get(script))
        .layer(middleware::from_fn(remember_lang))
        .layer(middleware::from_fn(page_headers))
        .layer(axum::Extension(Arc::new(session::LoginLimiter::new())))
}

/// The stylesheet, compiled into the binary so a deployment is one file.
async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("static/ui.css"),
    )
        .into_response()
}

/// The keyboard and no-reload enhancements of the queue page.
async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("static/queue.js"),
    )
        .into_response()
}

/// Headers of every UI response: only our own scripts and styles may run, no framing
/// (clickjacking a decision button), and pages holding CSRF tokens are never cached.
async fn page_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// `?lang=ar|en` on any page switches the interface language and remembers it.
async fn remember_lang(req: Request, next: Next) -> Response {
    let chosen = req.uri().query().and_then(|q| {
        q.split('&')
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| *k == "lang")
            .and_then(|(_, v)| i18n::Lang::parse(v))
    });
    let cookie = chosen.map(|lang| {
        session::set_cookie(
            req.headers(),
            session::LANG_COOKIE,
            lang.texts().lang,
            365 * 86_400,
            true,
        )
    });
    let mut res = next.run(req).await;
    if let Some(value) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        res.headers_mut().append(header::SET_COOKIE, value);
    }
    res
}
