//! The HTTP API: routes of every resource merged into one router, with the layers
//! every request goes through (request id, tracing span, metrics, timeout, body limit,
//! panic catcher) and problem documents for unknown routes and methods.

pub mod admin;
pub mod comments;
pub mod deliveries;
pub mod error;
pub mod extract;
pub mod health;
pub mod limits;
pub mod models;
pub mod queue;
pub mod sites;

use crate::app::AppState;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::HeaderName;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use error::ApiError;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use tracing::Span;
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

#[derive(OpenApi)]
#[openapi(
    info(title = "raqib", description = "Self-hosted comment moderation for Arabic and English news sites."),
    modifiers(&BearerAuth),
    tags((name = "comments", description = "Host-site API (site API key)"),
         (name = "moderation", description = "Review queue (moderator or admin user token)"),
         (name = "admin", description = "Admin API (admin user token)"),
         (name = "operations", description = "Health, readiness, metrics"))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        components.add_security_scheme(
            "user_token",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// Every route with its OpenAPI description.
fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(comments::submit_comment))
        .routes(routes!(comments::submit_batch))
        .routes(routes!(comments::check_comment))
        .routes(routes!(
            comments::get_comment,
            comments::edit_comment,
            comments::delete_comment
        ))
        .routes(routes!(queue::report))
        .routes(routes!(queue::appeal))
        .routes(routes!(queue::list_queue))
        .routes(routes!(queue::campaigns))
        .routes(routes!(queue::reject_campaign))
        .routes(routes!(queue::claim))
        .routes(routes!(queue::release))
        .routes(routes!(queue::decide))
        .routes(routes!(queue::bulk_decide))
        .routes(routes!(queue::audit))
        .routes(routes!(sites::list_sites, sites::create_site))
        .routes(routes!(sites::rotate_key))
        .routes(routes!(sites::get_policy, sites::put_policy))
        .routes(routes!(sites::list_users, sites::create_user))
        .routes(routes!(sites::disable_user))
        .routes(routes!(sites::stats))
        .routes(routes!(models::list_models))
        .routes(routes!(models::activate_model))
        .routes(routes!(admin::list_rules, admin::create_rule))
        .routes(routes!(
            admin::get_rule,
            admin::update_rule,
            admin::delete_rule
        ))
        .routes(routes!(admin::test_rules))
        .routes(routes!(admin::backtest_rule))
        .routes(routes!(deliveries::events_feed))
        .routes(routes!(deliveries::list_deliveries))
        .routes(routes!(deliveries::redeliver))
        .routes(routes!(deliveries::test_webhook))
        .routes(routes!(deliveries::set_webhook))
        .routes(routes!(deliveries::rotate_webhook_secret))
        .routes(routes!(limits::get_limits, limits::put_limits))
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(health::metrics))
}

/// The OpenAPI document of every public route, generated from the handlers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_routes().split_for_parts().1
}

/// The complete router with its layers.
pub fn router(state: AppState) -> Router {
    let (routes, api) = api_routes().split_for_parts();
    let api = Arc::new(api);
    let max_body = state.settings().server.max_body_bytes;
    routes
        // Drop-in protocol endpoints: outside the OpenAPI document, inside every layer.
        .merge(crate::compat::router())
        // The moderators' web pages: HTML, session cookies, outside the OpenAPI document.
        .merge(crate::ui::router())
        .route(
            "/openapi.json",
            axum::routing::get(move || {
                let api = api.clone();
                async move { axum::Json(api.as_ref().clone()) }
            }),
        )
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(middleware::from_fn_with_state(state.clone(), timeout))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(CatchPanicLayer::custom(|_| ApiError::Internal("handler panicked".into()).into_response()))
        .layer(middleware::from_fn(record_metrics))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", |p| p.as_str());
                    let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
                    tracing::info_span!("request", request_id = %id, method = %req.method(), route = %route,
                        site = tracing::field::Empty, user = tracing::field::Empty,
                        status = tracing::field::Empty, latency_ms = tracing::field::Empty)
                })
                .on_request(())
                .on_response(|res: &Response, latency: Duration, span: &Span| {
                    span.record("status", res.status().as_u16());
                    span.record("latency_ms", latency.as_secs_f64() * 1000.0);
                    tracing::info!("request finished");
                })
                .on_failure(()),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}

/// Requests that run too long get `503 unavailable` instead of hanging the client.
async fn timeout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = Duration::from_millis(state.settings().server.request_timeout_ms);
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => ApiError::Unavailable("request timed out".into()).into_response(),
    }
}

/// Request count and latency by route, method and status.
async fn record_metrics(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = req.method().to_string();
    let start = Instant::now();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    let labels = [("route", route), ("method", method), ("status", status)];
    metrics::counter!("raqib_http_requests_total", &labels).increment(1);
    metrics::histogram!("raqib_http_request_duration_seconds", &labels)
        .record(start.elapsed().as_secs_f64());
    res
}
