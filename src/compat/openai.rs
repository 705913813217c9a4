//! OpenAI-style moderation: `POST /v1/moderations` (docs/compat.md §4), so tools that
//! take an OpenAI base URL (`OPENAI_BASE_URL=<raqib>/v1`) can use raqib. The bearer
//! token is a site's API key.
//!
//! raqib's attributes are mapped onto OpenAI's 13 categories where they mean the same
//! thing (harassment, threats, hate); categories raqib has no model for (self-harm,
//! sexual, illicit, graphic violence) are always 0. A `spam` category is added, and
//! counts towards `flagged`, because spam is half of what raqib is for; the SDKs keep
//! unknown categories. Errors use OpenAI's envelope, built once in [`OpenAiError`].

use super::{Attribute, BodyError, Profile, read_body};
use crate::app::AppState;
use crate::http::error::ApiError;
use crate::service::{self, Submission};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/v1/moderations", post(moderations))
}

/// Most inputs one request may carry (each is moderated separately).
const MAX_INPUTS: usize = 32;

/// A category's flag is set from this calibrated score: the site's review threshold
/// (see [`super::calibrate`]).
const FLAG_AT: f32 = 0.8;

#[derive(Debug, thiserror::Error)]
pub enum OpenAiError {
    #[error("{message}")]
    Invalid {
        message: String,
        param: Option<&'static str>,
    },
    #[error("Incorrect API key provided.")]
    InvalidKey,
    #[error(
        "You didn't provide an API key. Provide it in the Authorization header (Authorization: Bearer YOUR_KEY)."
    )]
    MissingKey,
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl IntoResponse for OpenAiError {
    fn into_response(self) -> Response {
        let (status, kind, code) = match &self {
            OpenAiError::Invalid { .. } => (StatusCode::BAD_REQUEST, "invalid_request_error", None),
            OpenAiError::InvalidKey => (
                StatusCode::UNAUTHORIZED,
                "invalid_request_error",
                Some("invalid_api_key"),
            ),
            OpenAiError::MissingKey => (StatusCode::UNAUTHORIZED, "invalid_request_error", None),
            OpenAiError::Api(e) => match e {
                ApiError::RateLimited { .. } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    "requests",
                    Some("rate_limit_exceeded"),
                ),
                ApiError::PayloadTooLarge => {
                    (StatusCode::PAYLOAD_TOO_LARGE, "invalid_request_error", None)
                }
                other if other.status().is_client_error() => {
                    (other.status(), "invalid_request_error", None)
                }
                other => (other.status(), "server_error", None),
            },
        };
        let message = match &self {
            OpenAiError::Api(e) if status.is_server_error() => {
                // Logged inside the request span, never returned.
                let _ = e.problem();
                "The server had an error while processing your request.".to_string()
            }
            other => other.to_string(),
        };
        let param = match &self {
            OpenAiError::Invalid { param, .. } => *param,
            _ => None,
        };
        let mut res = (
            status,
            Json(
                json!({"error": {"message": message, "type": kind, "param": param, "code": code}}),
            ),
        )
            .into_response();
        if let OpenAiError::Api(ApiError::RateLimited { retry_after_s, .. }) = &self {
            res.headers_mut()
                .insert(header::RETRY_AFTER, (*retry_after_s).into());
        }
        res
    }
}

fn invalid(message: impl Into<String>) -> OpenAiError {
    OpenAiError::Invalid {
        message: message.into(),
        param: Some("input"),
    }
}

#[derive(Deserialize, Debug)]
struct ModerationRequest {
    input: Value,
    #[serde(default)]
    model: Option<String>,
}

/// Pure: the texts to moderate. A string, an array of strings (one result each), or
/// an array of content parts (one input; text parts joined).
fn inputs(input: Value) -> Result<Vec<String>, OpenAiError> {
    match input {
        Value::String(s) => Ok(vec![s]),
        Value::Array(items) if items.iter().all(Value::is_string) => {
            if items.is_empty() || items.len() > MAX_INPUTS {
                return Err(invalid(format!(
                    "input must hold between 1 and {MAX_INPUTS} strings"
                )));
            }
            Ok(items
                .into_iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect())
        }
        Value::Array(parts) if !parts.is_empty() && parts.iter().all(Value::is_object) => {
            let mut texts = Vec::new();
            for part in parts {
                match part.get("type").and_then(Value::as_str) {
                    Some("text") => texts.push(
                        part.get("text")
                            .and_then(Value::as_str)
                            .ok_or_else(|| invalid("text parts need a string `text`"))?
                            .to_string(),
                    ),
                    Some("image_url") => {
                        return Err(invalid("image inputs are not supported by this server"));
                    }
                    _ => return Err(invalid("unknown content part type")),
                }
            }
            Ok(vec![texts.join("\n")])
        }
        _ => Err(invalid(
            "input must be a string, an array of strings or an array of content parts",
        )),
    }
}

/// OpenAI's categories with the raqib attribute each stands for (`None`: never scored).
const CATEGORIES: [(&str, Option<Attribute>); 14] = [
    ("harassment", Some(Attribute::Toxicity)),
    ("harassment/threatening", Some(Attribute::Threat)),
    ("hate", Some(Attribute::IdentityAttack)),
    ("hate/threatening", None),
    ("illicit", None),
    ("illicit/violent", None),
    ("self-harm", None),
    ("self-harm/instructions", None),
    ("self-harm/intent", None),
    ("sexual", None),
    ("sexual/minors", None),
    ("violence", Some(Attribute::Threat)),
    ("violence/graphic", None),
    ("spam", Some(Attribute::Spam)),
];

/// Pure: one result object.
fn result(profile: Option<&Profile>) -> Value {
    let mut categories = Map::new();
    let mut scores = Map::new();
    let mut applied = Map::new();
    let mut flagged = false;
    for (name, attr) in CATEGORIES {
        let score = match (profile, attr) {
            (Some(p), Some(a)) => p.score(a),
            _ => 0.0,
        };
        let hit = score >= FLAG_AT;
        flagged |= hit;
        categories.insert(name.into(), json!(hit));
        scores.insert(name.into(), json!(score));
        applied.insert(name.into(), json!(["text"]));
    }
    json!({
        "flagged": flagged,
        "categories": categories,
        "category_scores": scores,
        "category_applied_input_types": applied,
    })
}

fn bearer(req: &Request) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// `POST /v1/moderations`
async fn moderations(State(state): State<AppState>, req: Request) -> Response {
    match run(&state, req).await {
        Ok(body) => Json(body).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn run(state: &AppState, req: Request) -> Result<Value, OpenAiError> {
    let key = bearer(&req).ok_or(OpenAiError::MissingKey)?;
    let site = state
        .site_for_key(&key)
        .await
        .map_err(ApiError::from)?
        .ok_or(OpenAiError::InvalidKey)?
        .site;
    tracing::Span::current().record("site", site.id.as_str());
    let bytes = read_body(req.into_body(), state.settings().server.max_body_bytes)
        .await
        .map_err(|e| match e {
            BodyError::TooLarge => OpenAiError::Api(ApiError::PayloadTooLarge),
            BodyError::Unreadable(m) => invalid(m),
        })?;
    let request: ModerationRequest =
        serde_json::from_slice(&bytes).map_err(|e| OpenAiError::Invalid {
            message: format!("We could not parse the JSON body of your request. ({e})"),
            param: None,
        })?;
    let texts = inputs(request.input)?;
    let limits = &state.settings().server;
    if texts
        .iter()
        .any(|t| t.chars().count() > limits.max_comment_chars)
    {
        return Err(invalid(format!(
            "each input must be at most {} characters",
            limits.max_comment_chars
        )));
    }
    let policy = site.policy().map_err(ApiError::from)?;
    let mut results = Vec::with_capacity(texts.len());
    for text in texts {
        let text = text.replace('\0', "");
        if text.trim().is_empty() {
            results.push(result(None));
            continue;
        }
        let sub = Submission {
            thread_id: "openai".into(),
            author_id: "compat:openai".into(),
            body: text,
            ..Submission::default()
        };
        let verdict = service::check(state, &site, &sub).await?;
        results.push(result(Some(&Profile::new(&verdict, &policy))));
    }
    metrics::counter!("raqib_compat_requests_total", "protocol" => "openai", "call" => "moderations")
        .increment(1);
    Ok(json!({
        "id": format!("modr-{}", uuid::Uuid::new_v4().simple()),
        "model": request.model.unwrap_or_else(|| "omni-moderation-latest".into()),
        "results": results,
    }))
}

/// Fuzzing entry point, not API: parse a moderation request and extract its inputs as
/// the handler does.
#[doc(hidden)]
pub fn fuzz_parse(body: &[u8]) {
    if let Ok(request) = serde_json::from_slice::<ModerationRequest>(body) {
        let _ = inputs(request.input);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn input_shapes() {
        assert_eq!(inputs(json!("a")).unwrap(), ["a"]);
        assert_eq!(inputs(json!(["a", "b"])).unwrap(), ["a", "b"]);
        assert_eq!(
            inputs(json!([{"type": "text", "text": "a"}, {"type": "text", "text": "b"}])).unwrap(),
            ["a\nb"]
        );
        assert!(inputs(json!([{"type": "image_url", "image_url": {"url": "x"}}])).is_err());
        assert!(inputs(json!(42)).is_err());
        assert!(inputs(json!([])).is_err());
    }

    #[test]
    fn empty_result_has_every_category() {
        let r = result(None);
        assert_eq!(r["flagged"], json!(false));
        assert_eq!(r["categories"].as_object().unwrap().len(), 14);
        assert_eq!(r["category_applied_input_types"]["hate"], json!(["text"]));
    }
}
