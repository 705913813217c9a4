//! The one error type of the HTTP layer and its one mapping to a response:
//! `application/problem+json` with a stable snake_case `code`.
//!
//! Server-side failures (5xx) carry a generic message; their cause goes to the log
//! inside the request's span, never to the client.

use crate::store::StoreError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the body is not JSON, not UTF-8, or otherwise unreadable.
    #[error("{0}")]
    MalformedRequest(String),
    /// 422: a field is missing, of the wrong type or out of range.
    #[error("{field}: {message}")]
    Validation { field: String, message: String },
    /// 401: no credentials or unknown ones.
    #[error("missing or invalid credentials")]
    Unauthorized,
    /// 403: valid credentials without the right role.
    #[error("{0}")]
    Forbidden(String),
    /// 404: no such route, or no such thing visible to the caller.
    #[error("not found")]
    NotFound,
    /// 405
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 409: the request contradicts stored state.
    #[error("{0}")]
    Conflict(String),
    /// 413
    #[error("request body too large")]
    PayloadTooLarge,
    /// 415
    #[error("expected Content-Type: application/json")]
    UnsupportedMediaType,
    /// 429 with `Retry-After`.
    #[error("rate limited ({scope})")]
    RateLimited { scope: String, retry_after_s: u64 },
    /// 503: a dependency is down or the request took too long.
    #[error("service unavailable")]
    Unavailable(String),
    /// 500: a bug or an unexpected failure.
    #[error("internal error")]
    Internal(String),
}

/// The problem document (RFC 9457) with our extensions.
#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    /// Stable machine-readable code: `validation_failed`, `unauthorized`, …
    pub code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For `validation_failed`: the offending field (`author.id`, `body`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For `rate_limited`: which limit was hit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

impl ApiError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::MalformedRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::MalformedRequest(_) => "malformed_request",
            ApiError::Validation { .. } => "validation_failed",
            ApiError::Unauthorized => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Conflict(_) => "conflict",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    /// The problem document; 5xx causes are logged here, not returned.
    pub fn problem(&self) -> Problem {
        let status = self.status();
        let detail = match self {
            ApiError::Unavailable(cause) => {
                tracing::warn!(%cause, "request failed: unavailable");
                Some("a dependency is unavailable; retry later".to_string())
            }
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "request failed: internal error");
                None
            }
            ApiError::Validation { message, .. } => Some(message.clone()),
            other => Some(other.to_string()),
        };
        Problem {
            type_: format!("urn:raqib:problem:{}", self.code()),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            code: self.code(),
            detail,
            field: match self {
                ApiError::Validation { field, .. } => Some(field.clone()),
                _ => None,
            },
            scope: match self {
                ApiError::RateLimited { scope, .. } => Some(scope.clone()),
                _ => None,
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = self.problem();
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (self.status(), body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        match &self {
            ApiError::Unauthorized => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ApiError::RateLimited { retry_after_s, .. } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_s));
            }
            _ => {}
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Conflict(m) => ApiError::Conflict(m),
            StoreError::Unavailable(m) => ApiError::Unavailable(m),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
