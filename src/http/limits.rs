//! Admin endpoints for a site's rate limits: read the overrides with the limits in
//! force, and replace the overrides. The limits themselves live in `ratelimit`; the
//! storage in `store::sites`.

use super::error::{ApiError, ApiResult, Problem};
use super::extract::{AdminToken, ApiJson};
use crate::app::AppState;
use crate::ratelimit::{Scope, ScopeLimit, SiteLimits};
use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use std::collections::BTreeMap;

/// A site's rate limits.
#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct LimitsResponse {
    pub site_id: String,
    /// The site's own limits, replacing the configured defaults scope by scope.
    pub overrides: SiteLimits,
    /// The limit in force for every scope (override or default).
    #[schema(value_type = Object)]
    pub effective: BTreeMap<&'static str, ScopeLimit>,
    /// Whether rate limiting is on at all (`[rate_limits] enabled`).
    pub enabled: bool,
}

fn response(state: &AppState, site_id: String, overrides: SiteLimits) -> LimitsResponse {
    let defaults = state.limiter().settings();
    let effective = Scope::ALL
        .iter()
        .map(|s| (s.as_str(), overrides.effective(defaults, *s)))
        .collect();
    LimitsResponse {
        site_id,
        overrides,
        effective,
        enabled: defaults.enabled,
    }
}

/// A site's rate-limit overrides and the limits in force.
#[utoipa::path(get, path = "/v1/admin/sites/{id}/limits", tag = "admin",
    params(("id" = String, Path, description = "site id")),
    responses((status = 200, body = LimitsResponse), (status = 404, body = Problem)),
    security(("user_token" = [])))]
pub async fn get_limits(
    State(state): State<AppState>,
    AdminToken(_admin): AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<LimitsResponse>> {
    let site = state.store().get_site(&id).await?;
    let overrides = site.limits();
    Ok(Json(response(&state, site.id, overrides)))
}

/// Replace a site's overrides. Scopes left out use the configured defaults; `{}`
/// clears every override. Every instance applies them on the site's next request.
#[utoipa::path(put, path = "/v1/admin/sites/{id}/limits", tag = "admin",
    params(("id" = String, Path, description = "site id")), request_body = SiteLimits,
    responses((status = 200, body = LimitsResponse), (status = 404, body = Problem),
              (status = 422, body = Problem)),
    security(("user_token" = [])))]
pub async fn put_limits(
    State(state): State<AppState>,
    AdminToken(admin): AdminToken,
    Path(id): Path<String>,
    ApiJson(overrides): ApiJson<SiteLimits>,
) -> ApiResult<Json<LimitsResponse>> {
    overrides
        .validate()
        .map_err(|(scope, message)| ApiError::validation(scope.as_str(), message))?;
    let json = (overrides != SiteLimits::default())
        .then(|| serde_json::to_string(&overrides))
        .transpose()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    state.store().set_site_limits(&id, json.as_deref()).await?;
    state.sites_changed();
    tracing::info!(site = %id, admin = %admin.user.id, "site rate limits replaced");
    Ok(Json(response(&state, id, overrides)))
}
