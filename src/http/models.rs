//! Admin endpoints for classifier models: the versions on disk with their metrics, and
//! activating one — every instance switches without a restart.

use super::error::{ApiError, ApiResult, Problem};
use super::extract::AdminToken;
use crate::app::AppState;
use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct ModelView {
    pub version: String,
    pub path: String,
    pub trained_at: String,
    /// The metrics recorded in the model file at training time.
    #[schema(value_type = Object)]
    pub metrics: serde_json::Value,
    /// Chosen by an admin (stored in the database).
    pub active: bool,
    /// The model this instance is scoring with right now.
    pub serving: bool,
}

/// Model versions known to the deployment.
#[utoipa::path(get, path = "/v1/admin/models", tag = "admin", responses((status = 200, body = Vec<ModelView>)),
    security(("user_token" = [])))]
pub async fn list_models(
    State(state): State<AppState>,
    AdminToken(_admin): AdminToken,
) -> ApiResult<Json<Vec<ModelView>>> {
    let serving = state.engines().model().map(|m| m.version().to_string());
    let rows = state.store().list_models().await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| ModelView {
                serving: serving.as_deref() == Some(r.version.as_str()),
                metrics: serde_json::from_str(&r.metrics).unwrap_or_default(),
                version: r.version,
                path: r.path,
                trained_at: r.trained_at,
                active: r.active != 0,
            })
            .collect(),
    ))
}

/// Activate a model version; this instance switches at once, the others on their next
/// reload (a Redis notice or the poller).
#[utoipa::path(post, path = "/v1/admin/models/{version}/activate", tag = "admin", params(("version" = String, Path)),
    responses((status = 200, body = ModelView), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("user_token" = [])))]
pub async fn activate_model(
    State(state): State<AppState>,
    AdminToken(_admin): AdminToken,
    Path(version): Path<String>,
) -> ApiResult<Json<ModelView>> {
    let row = state
        .store()
        .list_models()
        .await?
        .into_iter()
        .find(|r| r.version == version)
        .ok_or(ApiError::NotFound)?;
    // Refuse a file that does not load here (wrong feature config, corrupt) before
    // telling every instance to use it.
    let path = std::path::PathBuf::from(&row.path);
    tokio::task::spawn_blocking(move || crate::moderation::classifier::Model::load(&path))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::validation("version", e.to_string()))?;
    state.store().activate_model(&version).await?;
    state.changed("model").await;
    let serving = state
        .engines()
        .model()
        .is_some_and(|m| m.version() == version);
    Ok(Json(ModelView {
        metrics: serde_json::from_str(&row.metrics).unwrap_or_default(),
        version: row.version,
        path: row.path,
        trained_at: row.trained_at,
        active: true,
        serving,
    }))
}
