//! Operations endpoints: liveness, readiness, Prometheus metrics.

use crate::app::AppState;
use crate::ratelimit::Backend;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Serialize;

/// Liveness: answers as long as the process serves HTTP. No I/O.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = String)))]
pub async fn healthz() -> &'static str {
    "ok"
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Readiness {
    /// `ready`, `degraded` (serving with a fallback) or `unavailable`.
    pub status: &'static str,
    pub database: String,
    pub model: String,
    /// `local` (no Redis configured), `redis`, or `degraded: …` (Redis failing; this
    /// instance limits on its own until it is back).
    pub rate_limits: String,
}

/// Readiness: the database answers and the configured model is loaded. A failing
/// Redis makes the instance `degraded`, still `200`: it keeps serving on local limits.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, body = Readiness), (status = 503, body = Readiness)))]
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let database = match state.store().ping().await {
        Ok(()) => format!("ok ({})", state.store().kind()),
        Err(e) => format!("error: {e}"),
    };
    let engines = state.engines();
    let model = match (engines.model(), state.model_error()) {
        (Some(m), _) => format!("ok ({})", m.version()),
        (None, Some(e)) => format!("error: {e}"),
        (None, None) => "none (rules only)".to_string(),
    };
    let rate_limits = match state.limiter().backend() {
        Backend::Local => "local".to_string(),
        Backend::Redis => "redis".to_string(),
        Backend::Degraded(why) => format!("degraded: {why}"),
    };
    let ok = database.starts_with("ok") && !model.starts_with("error");
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let label = match (ok, rate_limits.starts_with("degraded")) {
        (false, _) => "unavailable",
        (true, true) => "degraded",
        (true, false) => "ready",
    };
    let body = Readiness {
        status: label,
        database,
        model,
        rate_limits,
    };
    (status, Json(body))
}

/// Prometheus text exposition.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, body = String)))]
pub async fn metrics() -> impl IntoResponse {
    let body = crate::telemetry::metrics_handle().map_or_else(
        || "# metrics recorder unavailable\n".to_string(),
        |h| h.render(),
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}
