//! Host-site endpoints: submit, batch, read, edit, delete, dry-run check.
//! Handlers only parse, call [`crate::service`] and shape the response.

use super::error::{ApiError, ApiResult, Problem};
use super::extract::{ApiJson, SiteAuth};
use crate::app::AppState;
use crate::config::ServerSettings;
use crate::service::{self, Submission, Submitted, VerdictResponse};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

/// A comment as the host site sends it.
#[derive(Deserialize, Serialize, Debug, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentRequest {
    /// The host's id of the comment; required to submit, optional to check.
    #[serde(default)]
    pub external_id: Option<String>,
    pub thread: ThreadRef,
    pub author: AuthorRef,
    #[serde(default)]
    pub subject: Option<String>,
    pub body: String,
    /// The host's language label (a hint; the text decides).
    #[serde(default)]
    pub language: Option<String>,
    /// The external id of the comment this one replies to.
    #[serde(default)]
    pub parent_id: Option<String>,
}

#[derive(Deserialize, Serialize, Debug, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThreadRef {
    pub id: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
}

#[derive(Deserialize, Serialize, Debug, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorRef {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// The reader's IP address (not the host's).
    #[serde(default)]
    pub ip: Option<String>,
    #[serde(default)]
    pub user_agent: Option<String>,
}

impl CommentRequest {
    /// Check lengths and formats; the first problem found is reported with its field.
    pub fn validate(self, limits: &ServerSettings) -> Result<Submission, ApiError> {
        let short = |field: &str, value: &str, required: bool| -> Result<(), ApiError> {
            if required && value.trim().is_empty() {
                return Err(ApiError::validation(field, "must not be empty"));
            }
            if value.chars().count() > limits.max_field_chars {
                return Err(ApiError::validation(
                    field,
                    format!("longer than {} characters", limits.max_field_chars),
                ));
            }
            if value.contains('\0') {
                return Err(ApiError::validation(field, "contains a NUL character"));
            }
            Ok(())
        };
        let optional = |field: &str, value: &Option<String>| {
            value.as_deref().map_or(Ok(()), |v| short(field, v, false))
        };
        if let Some(ext) = &self.external_id {
            short("external_id", ext, true)?;
        }
        short("thread.id", &self.thread.id, true)?;
        // URLs and titles can be long; allow a generous multiple of the short limit.
        if self
            .thread
            .url
            .as_deref()
            .is_some_and(|u| u.chars().count() > 4 * limits.max_field_chars)
        {
            return Err(ApiError::validation("thread.url", "too long"));
        }
        optional("thread.title", &self.thread.title)?;
        short("author.id", &self.author.id, true)?;
        optional("author.name", &self.author.name)?;
        optional("author.email", &self.author.email)?;
        optional("author.user_agent", &self.author.user_agent)?;
        optional("subject", &self.subject)?;
        optional("language", &self.language)?;
        optional("parent_id", &self.parent_id)?;
        if self.body.trim().is_empty() {
            return Err(ApiError::validation("body", "must not be empty"));
        }
        if self.body.contains('\0') {
            return Err(ApiError::validation("body", "contains a NUL character"));
        }
        if self.body.chars().count() > limits.max_comment_chars {
            return Err(ApiError::validation(
                "body",
                format!("longer than {} characters", limits.max_comment_chars),
            ));
        }
        let author_ip = match self
            .author
            .ip
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(ip) => {
                Some(crate::net::canonical(ip.parse().map_err(|_| {
                    ApiError::validation("author.ip", "not an IP address")
                })?))
            }
        };
        Ok(Submission {
            external_id: self.external_id,
            thread_id: self.thread.id,
            thread_url: self.thread.url,
            thread_title: self.thread.title,
            parent_id: self.parent_id,
            author_id: self.author.id,
            author_name: self.author.name,
            author_email: self.author.email,
            author_ip,
            author_user_agent: self.author.user_agent,
            subject: self.subject,
            body: self.body,
            language: self.language,
        })
    }
}

fn submitted_response(s: Submitted) -> Response {
    match s {
        Submitted::Created(v) => (StatusCode::CREATED, Json(v)).into_response(),
        Submitted::Existing(v) => (StatusCode::OK, Json(v)).into_response(),
    }
}

/// Submit a comment and get its verdict.
#[utoipa::path(post, path = "/v1/comments", tag = "comments", request_body = CommentRequest,
    responses((status = 201, body = VerdictResponse, description = "stored"),
              (status = 200, body = VerdictResponse, description = "the same comment was already stored"),
              (status = 409, body = Problem, description = "same external_id, different content"),
              (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn submit_comment(
    State(state): State<AppState>,
    SiteAuth(auth): SiteAuth,
    ApiJson(req): ApiJson<CommentRequest>,
) -> ApiResult<Response> {
    let sub = req.validate(&state.settings().server)?;
    Ok(submitted_response(
        service::submit(&state, &auth.site, &sub).await?,
    ))
}

/// Up to 500 comments at once.
#[derive(Deserialize, Debug, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// Each item is checked on its own: one bad item does not fail the others.
    #[schema(value_type = Vec<CommentRequest>)]
    pub comments: Vec<serde_json::Value>,
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct BatchResponse {
    /// In input order: a verdict, or a problem document for that item.
    #[schema(value_type = Vec<Object>)]
    pub results: Vec<serde_json::Value>,
}

pub const MAX_BATCH: usize = 500;

/// Submit many comments; one verdict or problem per item, in order.
#[utoipa::path(post, path = "/v1/comments/batch", tag = "comments", request_body = BatchRequest,
    responses((status = 200, body = BatchResponse)), security(("api_key" = [])))]
pub async fn submit_batch(
    State(state): State<AppState>,
    SiteAuth(auth): SiteAuth,
    ApiJson(req): ApiJson<BatchRequest>,
) -> ApiResult<Json<BatchResponse>> {
    if req.comments.len() > MAX_BATCH {
        return Err(ApiError::validation(
            "comments",
            format!("at most {MAX_BATCH} items"),
        ));
    }
    let mut results = Vec::with_capacity(req.comments.len());
    for (i, item) in req.comments.into_iter().enumerate() {
        let outcome = async {
            let req: CommentRequest = super::extract::from_value(item, &format!("comments[{i}]"))?;
            let sub = req
                .validate(&state.settings().server)
                .map_err(|e| match e {
                    ApiError::Validation { field, message } => {
                        ApiError::validation(format!("comments[{i}].{field}"), message)
                    }
                    other => other,
                })?;
            service::submit(&state, &auth.site, &sub).await
        }
        .await;
        let value = match outcome {
            Ok(Submitted::Created(v) | Submitted::Existing(v)) => serde_json::to_value(v),
            // A database outage fails the whole batch, so the host retries it.
            Err(e @ (ApiError::Unavailable(_) | ApiError::Internal(_))) => return Err(e),
            Err(e) => serde_json::to_value(e.problem()),
        };
        results.push(value.map_err(|e| ApiError::Internal(e.to_string()))?);
    }
    Ok(Json(BatchResponse { results }))
}

/// Dry run: the verdict the comment would get; nothing stored or counted.
#[utoipa::path(post, path = "/v1/check", tag = "comments", request_body = CommentRequest,
    responses((status = 200, body = VerdictResponse)), security(("api_key" = [])))]
pub async fn check_comment(
    State(state): State<AppState>,
    SiteAuth(auth): SiteAuth,
    ApiJson(req): ApiJson<CommentRequest>,
) -> ApiResult<Json<VerdictResponse>> {
    let sub = req.validate(&state.settings().server)?;
    Ok(Json(service::check(&state, &auth.site, &sub).await?))
}

/// `{id}` is raqib's id, or `ext:<external_id>`.
pub(crate) async fn load(
    state: &AppState,
    site_id: &str,
    id: &str,
) -> ApiResult<crate::store::CommentRow> {
    let row = match id.strip_prefix("ext:") {
        Some(ext) => state.store().get_comment(site_id, ext, true).await?,
        None => state.store().get_comment(site_id, id, false).await?,
    };
    Ok(row)
}

/// The current status and verdict of a comment.
#[utoipa::path(get, path = "/v1/comments/{id}", tag = "comments",
    params(("id" = String, Path, description = "raqib id or ext:<external_id>")),
    responses((status = 200, body = VerdictResponse), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn get_comment(
    State(state): State<AppState>,
    SiteAuth(auth): SiteAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<VerdictResponse>> {
    let row = load(&state, &auth.site.id, &id).await?;
    Ok(Json(VerdictResponse::from_row(&row)?))
}

/// The author edited the comment: moderate it again.
#[utoipa::path(put, path = "/v1/comments/{id}", tag = "comments", request_body = CommentRequest,
    params(("id" = String, Path, description = "raqib id or ext:<external_id>")),
    responses((status = 200, body = VerdictResponse), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn edit_comment(
    State(state): State<AppState>,
    SiteAuth(auth): SiteAuth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<CommentRequest>,
) -> ApiResult<Json<VerdictResponse>> {
    let sub = req.validate(&state.settings().server)?;
    let row = load(&state, &auth.site.id, &id).await?;
    Ok(Json(service::edit(&state, &auth.site, &row, &sub).await?))
}

/// The host removed the comment; it leaves the review queue.
#[utoipa::path(delete, path = "/v1/comments/{id}", tag = "comments",
    params(("id" = String, Path, description = "raqib id or ext:<external_id>")),
    responses((status = 204), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn delete_comment(
    State(state): State<AppState>,
    SiteAuth(auth): SiteAuth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let row = load(&state, &auth.site.id, &id).await?;
    state
        .store()
        .delete_comment(&auth.site.id, &row.id, crate::store::now_ms())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
