//! Google Perspective (Comment Analyzer v1alpha1): `POST /v1alpha1/comments:analyze`,
//! `POST /v1alpha1/comments:suggestscore` and the discovery document at
//! `GET /$discovery/rest?version=v1alpha1` (docs/compat.md §1).
//!
//! The key comes from `?key=` or `X-Goog-Api-Key` and is a site's API key. Scores come
//! from the same verdict as `POST /v1/check` (nothing is stored, whatever
//! `doNotStore` says), turned into attributes by [`super::Profile`]. Errors use
//! Google's envelope, built in one place: [`PerspectiveError`].
//!
//! Deliberate deviation: `languages` is a hint. When the text is clearly Arabic and
//! the label says otherwise (Coral labels every non-Western locale `en`), the text
//! wins and the response says so in `detectedLanguages`.

use super::{Attribute, BodyError, Profile, read_body};
use crate::app::AppState;
use crate::http::error::ApiError;
use crate::moderation::normalize::detect_language;
use crate::service::{self, Submission};
use crate::store::{NewFeedbackLabel, SiteRow};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The Perspective routes. The paths contain a literal `:`, which axum 0.8 routes as
/// an ordinary character (parameters are `{name}`).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1alpha1/comments:analyze", post(analyze))
        .route("/v1alpha1/comments:suggestscore", post(suggest_score))
        .route("/$discovery/rest", get(discovery))
        // Some HTTP stacks percent-encode the `$`.
        .route("/%24discovery/rest", get(discovery))
}

/// Longest comment Google accepts, in bytes (`limits.md`: 20 KB).
const MAX_TEXT_BYTES: usize = 20 * 1024;

/// Everything a Perspective call can fail with, mapped to Google's envelope once.
#[derive(Debug, thiserror::Error)]
pub enum PerspectiveError {
    /// 400 with a Comment Analyzer `errorType`.
    #[error("{message}")]
    Invalid {
        error_type: &'static str,
        message: String,
    },
    /// 400: raqib does not score this attribute in this language (or at all).
    #[error("Attribute {attribute} does not support request languages: {}", languages.join(", "))]
    LanguageNotSupported {
        attribute: String,
        languages: Vec<String>,
    },
    /// 403: no key given.
    #[error("The request is missing a valid API key.")]
    MissingKey,
    /// 403: the key is not a site's key.
    #[error("API key not valid. Please pass a valid API key.")]
    InvalidKey,
    /// 404 (unknown discovery version).
    #[error("{0}")]
    NotFound(String),
    /// Failures of the shared service layer.
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl PerspectiveError {
    fn invalid(error_type: &'static str, message: impl Into<String>) -> Self {
        PerspectiveError::Invalid {
            error_type,
            message: message.into(),
        }
    }
}

impl IntoResponse for PerspectiveError {
    fn into_response(self) -> Response {
        let detail = |error_type: &str| json!({"@type": "type.googleapis.com/google.commentanalyzer.v1alpha1.Error", "errorType": error_type});
        let (status, grpc, details) = match &self {
            PerspectiveError::Invalid { error_type, .. } => (
                StatusCode::BAD_REQUEST,
                "INVALID_ARGUMENT",
                vec![detail(error_type)],
            ),
            PerspectiveError::LanguageNotSupported {
                attribute,
                languages,
            } => {
                let mut d = detail("LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE");
                d["languageNotSupportedByAttributeError"] =
                    json!({"detectedLanguages": languages, "attribute": attribute});
                (StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", vec![d])
            }
            PerspectiveError::MissingKey | PerspectiveError::InvalidKey => {
                (StatusCode::FORBIDDEN, "PERMISSION_DENIED", vec![])
            }
            PerspectiveError::NotFound(_) => (StatusCode::NOT_FOUND, "NOT_FOUND", vec![]),
            PerspectiveError::Api(e) => match e {
                ApiError::RateLimited { .. } => {
                    (StatusCode::TOO_MANY_REQUESTS, "RESOURCE_EXHAUSTED", vec![])
                }
                ApiError::Unavailable(_) => {
                    (StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE", vec![])
                }
                ApiError::PayloadTooLarge => (
                    StatusCode::BAD_REQUEST,
                    "INVALID_ARGUMENT",
                    vec![detail("COMMENT_TOO_LONG")],
                ),
                ApiError::MalformedRequest(_) | ApiError::Validation { .. } => (
                    StatusCode::BAD_REQUEST,
                    "INVALID_ARGUMENT",
                    vec![detail("INVALID_REQUEST")],
                ),
                _ => (StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", vec![]),
            },
        };
        let message = match &self {
            // Logged inside the request span, never sent (house rule for 5xx).
            PerspectiveError::Api(e) if status.is_server_error() => {
                let _ = e.problem();
                "Internal error encountered.".to_string()
            }
            PerspectiveError::Api(ApiError::PayloadTooLarge) => "Comment text too long.".into(),
            other => other.to_string(),
        };
        let mut error = json!({"code": status.as_u16(), "message": message, "status": grpc});
        if !details.is_empty() {
            error["details"] = Value::Array(details);
        }
        let mut res = (status, axum::Json(json!({ "error": error }))).into_response();
        if let PerspectiveError::Api(ApiError::RateLimited { retry_after_s, .. }) = &self {
            res.headers_mut()
                .insert(header::RETRY_AFTER, (*retry_after_s).into());
        }
        res
    }
}

/// What raqib can say about a Perspective attribute name.
enum Known {
    Scored(Attribute),
    /// A real Perspective attribute raqib has no model for. Answered like an
    /// unsupported language, which published clients handle by dropping the attribute
    /// and retrying.
    Unscored,
}

fn attribute(name: &str) -> Option<Known> {
    use Attribute::*;
    let a = match name {
        "TOXICITY" | "TOXICITY_EXPERIMENTAL" | "TOXICITY_FAST" => Toxicity,
        "SEVERE_TOXICITY" | "SEVERE_TOXICITY_EXPERIMENTAL" => SevereToxicity,
        "IDENTITY_ATTACK" | "IDENTITY_ATTACK_EXPERIMENTAL" => IdentityAttack,
        "INSULT" | "INSULT_EXPERIMENTAL" => Insult,
        "PROFANITY" | "PROFANITY_EXPERIMENTAL" | "OBSCENE" => Profanity,
        "THREAT" | "THREAT_EXPERIMENTAL" => Threat,
        "SPAM" => Spam,
        "SEXUALLY_EXPLICIT"
        | "FLIRTATION"
        | "ATTACK_ON_AUTHOR"
        | "ATTACK_ON_COMMENTER"
        | "ATTACK_ON_PUBLISHER"
        | "INCOHERENT"
        | "INFLAMMATORY"
        | "LIKELY_TO_REJECT"
        | "UNSUBSTANTIAL"
        | "OFF_TOPIC" => return Some(Known::Unscored),
        _ => return None,
    };
    Some(Known::Scored(a))
}

/// Languages raqib scores (primary subtags). Arabizi is Arabic.
const LANGUAGES: [&str; 2] = ["ar", "en"];

#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
struct TextEntry {
    #[serde(default)]
    text: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
struct Context {
    #[serde(default)]
    entries: Option<Vec<TextEntry>>,
    #[serde(default)]
    article_and_parent_comment: Option<Value>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
struct AttributeParameters {
    #[serde(default)]
    score_type: Option<String>,
    #[serde(default)]
    score_threshold: Option<f32>,
}

/// `comments:analyze` body. Google ignores context; so does raqib, after checking it.
#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
struct AnalyzeRequest {
    #[serde(default)]
    comment: Option<TextEntry>,
    #[serde(default)]
    context: Option<Context>,
    #[serde(default)]
    requested_attributes: Option<BTreeMap<String, Option<AttributeParameters>>>,
    #[serde(default)]
    span_annotations: Option<bool>,
    #[serde(default)]
    languages: Option<Vec<String>>,
    #[serde(default)]
    client_token: Option<String>,
}

#[derive(Serialize, Debug)]
struct Score {
    value: f32,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize, Debug)]
struct SpanScore {
    begin: usize,
    end: usize,
    score: Score,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
struct AttributeScores {
    #[serde(skip_serializing_if = "Option::is_none")]
    span_scores: Option<Vec<SpanScore>>,
    summary_score: Score,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
struct AnalyzeResponse {
    attribute_scores: BTreeMap<String, AttributeScores>,
    languages: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detected_languages: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_token: Option<String>,
}

/// `comments:suggestscore` body.
#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
struct SuggestRequest {
    #[serde(default)]
    comment: Option<TextEntry>,
    #[serde(default)]
    attribute_scores: Option<BTreeMap<String, SuggestedScores>>,
    #[serde(default)]
    languages: Option<Vec<String>>,
    #[serde(default)]
    client_token: Option<String>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
struct SuggestedScores {
    #[serde(default)]
    summary_score: Option<SuggestedScore>,
}

#[derive(Deserialize, Debug, Default)]
struct SuggestedScore {
    #[serde(default)]
    value: Option<f32>,
}

/// The language to score in, from the text and the request's labels.
#[derive(Debug)]
struct Languages {
    /// What raqib moderates as: `ar` or `en`.
    effective: String,
    /// The request's labels, as sent (empty when none).
    requested: Vec<String>,
    /// Set when detection ran or overrode the label.
    detected: Option<String>,
}

fn primary(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Pure: decide the language of a request, or why it cannot be scored.
fn languages(
    text: &str,
    requested: Option<Vec<String>>,
    first_attribute: &str,
) -> Result<Languages, PerspectiveError> {
    let requested: Vec<String> = requested
        .unwrap_or_default()
        .into_iter()
        .filter(|l| !l.trim().is_empty())
        .collect();
    let detected = match detect_language(text, None).as_str() {
        "ar" | "arabizi" => Some("ar"),
        "en" => Some("en"),
        _ => None,
    };
    if requested.is_empty() {
        let lang = detected.ok_or_else(|| {
            PerspectiveError::invalid("LANGUAGE_DETECTION_FAILED", "Unable to detect language")
        })?;
        return Ok(Languages {
            effective: lang.into(),
            requested,
            detected: Some(lang.into()),
        });
    }
    // Arabic script outweighs a label: Coral sends Arabic as "en".
    if detected == Some("ar") && !requested.iter().any(|l| primary(l) == "ar") {
        return Ok(Languages {
            effective: "ar".into(),
            requested,
            detected: Some("ar".into()),
        });
    }
    match requested
        .iter()
        .map(|l| primary(l))
        .find(|l| LANGUAGES.contains(&l.as_str()))
    {
        Some(lang) => Ok(Languages {
            effective: lang,
            requested,
            detected: None,
        }),
        None => Err(PerspectiveError::LanguageNotSupported {
            attribute: first_attribute.to_string(),
            languages: requested,
        }),
    }
}

/// The key from `?key=` or `X-Goog-Api-Key`.
fn api_key(query: Option<&str>, headers: &HeaderMap) -> Option<String> {
    let from_query = query.and_then(|q| {
        super::parse_form(q.as_bytes())
            .into_iter()
            .find(|(k, _)| k == "key")
            .map(|(_, v)| v)
    });
    from_query
        .or_else(|| {
            headers
                .get("x-goog-api-key")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        })
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty())
}

async fn site(state: &AppState, key: Option<String>) -> Result<SiteRow, PerspectiveError> {
    let key = key.ok_or(PerspectiveError::MissingKey)?;
    let auth = state
        .site_for_key(&key)
        .await
        .map_err(ApiError::from)?
        .ok_or(PerspectiveError::InvalidKey)?;
    tracing::Span::current().record("site", auth.site.id.as_str());
    Ok(auth.site)
}

/// Authenticate, read and parse a JSON body.
async fn parse_request<T: serde::de::DeserializeOwned>(
    state: &AppState,
    req: Request,
) -> Result<(SiteRow, T), PerspectiveError> {
    let (parts, body) = req.into_parts();
    let site = site(state, api_key(parts.uri.query(), &parts.headers)).await?;
    let bytes = read_body(body, state.settings().server.max_body_bytes)
        .await
        .map_err(|e| match e {
            BodyError::TooLarge => {
                PerspectiveError::invalid("COMMENT_TOO_LONG", "Comment text too long.")
            }
            BodyError::Unreadable(m) => PerspectiveError::invalid("INVALID_REQUEST", m),
        })?;
    let parsed = serde_json::from_slice(&bytes).map_err(|e| {
        PerspectiveError::invalid(
            "INVALID_REQUEST",
            format!("Invalid JSON payload received. {e}"),
        )
    })?;
    Ok((site, parsed))
}

/// The comment text, checked as Google checks it.
fn comment_text(comment: Option<TextEntry>, max_chars: usize) -> Result<String, PerspectiveError> {
    let comment = comment.unwrap_or_default();
    if let Some(kind) = comment.kind.as_deref()
        && !matches!(kind, "PLAIN_TEXT" | "TEXT_TYPE_UNSPECIFIED")
    {
        return Err(PerspectiveError::invalid(
            "INVALID_REQUEST",
            "Currently, only 'PLAIN_TEXT' comments are supported",
        ));
    }
    let text = comment.text.unwrap_or_default();
    if text.trim().is_empty() {
        return Err(PerspectiveError::invalid(
            "COMMENT_EMPTY",
            "Comment must be non-empty.",
        ));
    }
    if text.len() > MAX_TEXT_BYTES || text.chars().count() > max_chars {
        return Err(PerspectiveError::invalid(
            "COMMENT_TOO_LONG",
            "Comment text too long.",
        ));
    }
    if text.contains('\0') {
        return Err(PerspectiveError::invalid(
            "INVALID_REQUEST",
            "Comment text contains a NUL character.",
        ));
    }
    Ok(text)
}

/// A checked analyze request.
struct Analysis {
    text: String,
    attributes: Vec<(String, Attribute, Option<f32>)>,
    spans: bool,
    langs: Languages,
    client_token: Option<String>,
}

/// Pure validation of an analyze request, in Google's order.
fn validate_analyze(r: AnalyzeRequest, max_chars: usize) -> Result<Analysis, PerspectiveError> {
    let text = comment_text(r.comment, max_chars)?;
    if let Some(ctx) = &r.context
        && ctx.entries.is_some()
        && ctx.article_and_parent_comment.is_some()
    {
        return Err(PerspectiveError::invalid(
            "INVALID_REQUEST",
            "Context must have either entries or articleAndParentComment, not both",
        ));
    }
    let requested = r.requested_attributes.unwrap_or_default();
    if requested.is_empty() {
        return Err(PerspectiveError::invalid(
            "NO_REQUESTED_ATTRIBUTES",
            "Missing requested_attributes",
        ));
    }
    let first = requested.keys().next().cloned().unwrap_or_default();
    let langs = languages(&text, r.languages, &first)?;
    let mut attributes = Vec::with_capacity(requested.len());
    for (name, params) in requested {
        let params = params.unwrap_or_default();
        match attribute(&name) {
            None => {
                return Err(PerspectiveError::invalid(
                    "INVALID_REQUEST",
                    format!("Unknown requested attribute: {name}"),
                ));
            }
            Some(Known::Unscored) => {
                return Err(PerspectiveError::LanguageNotSupported {
                    attribute: name,
                    languages: vec![langs.effective.clone()],
                });
            }
            Some(Known::Scored(a)) => {
                if let Some(t) = params.score_type.as_deref()
                    && !matches!(t, "PROBABILITY" | "SCORE_TYPE_UNSPECIFIED")
                {
                    return Err(PerspectiveError::invalid(
                        "INVALID_REQUEST",
                        format!("Requested score type {t} is not supported by attribute {name}"),
                    ));
                }
                attributes.push((name, a, params.score_threshold));
            }
        }
    }
    Ok(Analysis {
        text,
        attributes,
        spans: r.span_annotations.unwrap_or(false),
        langs,
        client_token: r.client_token,
    })
}

/// The moderation input for a scored text. Perspective has no author or thread, so
/// both are fixed; the author id never matches a stored author.
fn submission(text: String, language: &str) -> Submission {
    Submission {
        thread_id: "perspective".into(),
        author_id: "compat:perspective".into(),
        body: text,
        language: Some(language.to_string()),
        ..Submission::default()
    }
}

/// Pure: the response body for a checked request and its profile.
fn analyze_response(a: Analysis, profile: &Profile) -> AnalyzeResponse {
    let mut attribute_scores = BTreeMap::new();
    for (name, attr, threshold) in a.attributes {
        let value = profile.score(attr);
        if threshold.is_some_and(|t| value < t) {
            continue;
        }
        let span_scores = a.spans.then(|| {
            profile
                .span_scores(attr, &a.text)
                .into_iter()
                .map(|(begin, end, value)| SpanScore {
                    begin,
                    end,
                    score: Score {
                        value,
                        kind: "PROBABILITY",
                    },
                })
                .collect()
        });
        attribute_scores.insert(
            name,
            AttributeScores {
                span_scores,
                summary_score: Score {
                    value,
                    kind: "PROBABILITY",
                },
            },
        );
    }
    let languages = if a.langs.requested.is_empty() {
        vec![a.langs.effective.clone()]
    } else {
        a.langs.requested
    };
    AnalyzeResponse {
        attribute_scores,
        languages,
        detected_languages: a.langs.detected.map(|d| vec![d]),
        client_token: a.client_token,
    }
}

/// `POST /v1alpha1/comments:analyze`
async fn analyze(State(state): State<AppState>, req: Request) -> Response {
    run_analyze(&state, req)
        .await
        .map_or_else(IntoResponse::into_response, |r| {
            axum::Json(r).into_response()
        })
}

async fn run_analyze(state: &AppState, req: Request) -> Result<AnalyzeResponse, PerspectiveError> {
    let (site, body) = parse_request::<AnalyzeRequest>(state, req).await?;
    let analysis = validate_analyze(body, state.settings().server.max_comment_chars)?;
    let sub = submission(analysis.text.clone(), &analysis.langs.effective);
    let verdict = service::check(state, &site, &sub).await?;
    let profile = Profile::new(&verdict, &site.policy().map_err(ApiError::from)?);
    metrics::counter!("raqib_compat_requests_total", "protocol" => "perspective", "call" => "analyze")
        .increment(1);
    Ok(analyze_response(analysis, &profile))
}

/// A checked suggestscore request: what it teaches about the text.
struct Suggestion {
    text: String,
    langs: Languages,
    spam: Option<bool>,
    abuse: Option<bool>,
    /// The scores as sent, `NAME=value,…`.
    label_raw: String,
    client_token: Option<String>,
}

/// Pure validation of a suggestscore request. A value ≥ 0.5 on an abuse attribute
/// marks the text abusive, on `SPAM` spam; below, not.
fn validate_suggest(r: SuggestRequest, max_chars: usize) -> Result<Suggestion, PerspectiveError> {
    let text = comment_text(r.comment, max_chars)?;
    let scores = r.attribute_scores.unwrap_or_default();
    if scores.is_empty() {
        return Err(PerspectiveError::invalid(
            "INVALID_REQUEST",
            "attribute_scores must not be empty",
        ));
    }
    let first = scores.keys().next().cloned().unwrap_or_default();
    let langs = languages(&text, r.languages, &first)?;
    let (mut spam, mut abuse): (Option<bool>, Option<bool>) = (None, None);
    let mut raw = Vec::new();
    for (name, s) in &scores {
        let value = s
            .summary_score
            .as_ref()
            .and_then(|v| v.value)
            .ok_or_else(|| {
                PerspectiveError::invalid(
                    "INVALID_REQUEST",
                    format!("Attribute {name}: summaryScore.value is required"),
                )
            })?;
        let a = match attribute(name) {
            Some(Known::Scored(a)) => a,
            _ => {
                return Err(PerspectiveError::invalid(
                    "INVALID_REQUEST",
                    format!("Unknown requested attribute: {name}"),
                ));
            }
        };
        let yes = value >= 0.5;
        let slot = if a == Attribute::Spam {
            &mut spam
        } else {
            &mut abuse
        };
        // Any abusive attribute marked high makes the comment abusive.
        *slot = Some(slot.unwrap_or(false) || yes);
        raw.push(format!("{name}={value}"));
    }
    Ok(Suggestion {
        text,
        langs,
        spam,
        abuse,
        label_raw: raw.join(","),
        client_token: r.client_token,
    })
}

/// `POST /v1alpha1/comments:suggestscore`: stored as a feedback label.
async fn suggest_score(State(state): State<AppState>, req: Request) -> Response {
    match run_suggest(&state, req).await {
        Ok(body) => axum::Json(body).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn run_suggest(state: &AppState, req: Request) -> Result<Value, PerspectiveError> {
    let (site, body) = parse_request::<SuggestRequest>(state, req).await?;
    let Suggestion {
        text,
        langs,
        spam,
        abuse,
        label_raw,
        client_token,
    } = validate_suggest(body, state.settings().server.max_comment_chars)?;
    let label = NewFeedbackLabel {
        site_id: site.id.clone(),
        source: "perspective",
        label_raw,
        text,
        language: langs.effective.clone(),
        spam,
        abuse,
        client_token: client_token.clone(),
    };
    state
        .store()
        .insert_feedback_label(&label, state.now())
        .await
        .map_err(ApiError::from)?;
    metrics::counter!("raqib_compat_requests_total", "protocol" => "perspective", "call" => "suggestscore")
        .increment(1);
    let mut out = json!({
        "detectedLanguages": [langs.detected.unwrap_or_else(|| langs.effective.clone())],
    });
    if !langs.requested.is_empty() {
        out["requestedLanguages"] = json!(langs.requested);
    }
    if let Some(token) = client_token {
        out["clientToken"] = json!(token);
    }
    Ok(out)
}

/// `GET /$discovery/rest?version=v1alpha1`: the document Google's client builds itself
/// from. `rootUrl` comes from configuration, since the client sends every call there.
async fn discovery(State(state): State<AppState>, req: Request) -> Response {
    let version = req.uri().query().and_then(|q| {
        super::parse_form(q.as_bytes())
            .into_iter()
            .find(|(k, _)| k == "version")
            .map(|(_, v)| v)
    });
    if version.as_deref() != Some("v1alpha1") {
        return PerspectiveError::NotFound(format!(
            "Discovery document not found for API service: commentanalyzer.googleapis.com version {}",
            version.unwrap_or_default()
        ))
        .into_response();
    }
    let mut root = state.settings().compat.root_url.clone();
    if !root.ends_with('/') {
        root.push('/');
    }
    axum::Json(discovery_document(&root)).into_response()
}

/// The discovery document, enough for google-api-python-client's `build()`.
pub fn discovery_document(root_url: &str) -> Value {
    let string = |d: &str| json!({"type": "string", "description": d});
    let method = |name: &str, req: &str, res: &str, desc: &str| {
        json!({
            "id": format!("commentanalyzer.comments.{name}"),
            "path": format!("v1alpha1/comments:{name}"),
            "flatPath": format!("v1alpha1/comments:{name}"),
            "httpMethod": "POST",
            "description": desc,
            "parameters": {},
            "parameterOrder": [],
            "request": {"$ref": req},
            "response": {"$ref": res},
        })
    };
    let query = |d: &str| json!({"type": "string", "location": "query", "description": d});
    let mut parameters = serde_json::Map::new();
    for (name, desc) in [
        ("key", "API key: a raqib site key."),
        (
            "fields",
            "Selector specifying which fields to include in a partial response.",
        ),
        ("quotaUser", "Available to use for quota purposes."),
        ("access_token", "OAuth access token (not used by raqib)."),
        ("oauth_token", "OAuth 2.0 token (not used by raqib)."),
        ("callback", "JSONP"),
        ("upload_protocol", "Upload protocol for media."),
        ("uploadType", "Legacy upload protocol for media."),
    ] {
        parameters.insert(name.into(), query(desc));
    }
    parameters.insert(
        "alt".into(),
        json!({"type": "string", "location": "query", "default": "json", "enum": ["json"],
               "enumDescriptions": ["Responses with Content-Type of application/json"],
               "description": "Data format for response."}),
    );
    parameters.insert(
        "prettyPrint".into(),
        json!({"type": "boolean", "location": "query", "default": "true",
               "description": "Returns response with indentations and line breaks."}),
    );
    parameters.insert(
        "$.xgafv".into(),
        json!({"type": "string", "location": "query", "enum": ["1", "2"],
               "enumDescriptions": ["v1 error format", "v2 error format"], "description": "V1 error format."}),
    );
    let methods = json!({
        "analyze": method("analyze", "AnalyzeCommentRequest", "AnalyzeCommentResponse",
            "Analyzes the provided text and returns scores for requested attributes."),
        "suggestscore": method("suggestscore", "SuggestCommentScoreRequest", "SuggestCommentScoreResponse",
            "Suggest comment scores as training data."),
    });
    json!({
        "kind": "discovery#restDescription",
        "discoveryVersion": "v1",
        "id": "commentanalyzer:v1alpha1",
        "name": "commentanalyzer",
        "canonicalName": "Comment Analyzer",
        "version": "v1alpha1",
        "revision": "20190414",
        "title": "Perspective Comment Analyzer API (served by raqib)",
        "description": "Perspective-compatible comment scoring served by raqib.",
        "ownerDomain": "google.com",
        "ownerName": "Google",
        "protocol": "rest",
        "rootUrl": root_url,
        "servicePath": "",
        "baseUrl": root_url,
        "batchPath": "batch",
        "fullyEncodeReservedExpansion": true,
        "parameters": parameters,
        "resources": {"comments": {"methods": methods}},
        "schemas": schemas(string),
    })
}

/// The schemas the two methods refer to (google-api-python-client resolves every
/// `$ref` while building its client).
fn schemas(string: impl Fn(&str) -> Value) -> Value {
    let strings = json!({"type": "array", "items": {"type": "string"}});
    let score_types = json!([
        "SCORE_TYPE_UNSPECIFIED",
        "PROBABILITY",
        "STD_DEV_SCORE",
        "PERCENTILE",
        "RAW"
    ]);
    let object =
        |id: &str, properties: Value| json!({"id": id, "type": "object", "properties": properties});
    let mut m = serde_json::Map::new();
    let mut add = |id: &str, properties: Value| {
        m.insert(id.to_string(), object(id, properties));
    };
    add(
        "TextEntry",
        json!({
        "text": string("UTF-8 encoded text."),
        "type": {"type": "string", "enum": ["TEXT_TYPE_UNSPECIFIED", "PLAIN_TEXT", "HTML"], "description": "Type of the text field."}}),
    );
    add(
        "Context",
        json!({
        "entries": {"type": "array", "items": {"$ref": "TextEntry"}},
        "articleAndParentComment": {"$ref": "ArticleAndParentComment"}}),
    );
    add(
        "ArticleAndParentComment",
        json!({
        "article": {"$ref": "TextEntry"}, "parentComment": {"$ref": "TextEntry"}}),
    );
    add(
        "AttributeParameters",
        json!({
        "scoreType": {"type": "string", "enum": score_types.clone()},
        "scoreThreshold": {"type": "number", "format": "float"}}),
    );
    add(
        "Score",
        json!({
        "value": {"type": "number", "format": "float"},
        "type": {"type": "string", "enum": score_types}}),
    );
    add(
        "SpanScore",
        json!({
        "begin": {"type": "integer", "format": "int32", "description": "Start of the span in UTF-16 code units."},
        "end": {"type": "integer", "format": "int32", "description": "End of the span in UTF-16 code units (exclusive)."},
        "score": {"$ref": "Score"}}),
    );
    add(
        "AttributeScores",
        json!({
        "summaryScore": {"$ref": "Score"},
        "spanScores": {"type": "array", "items": {"$ref": "SpanScore"}}}),
    );
    add(
        "AnalyzeCommentRequest",
        json!({
        "comment": {"$ref": "TextEntry"},
        "context": {"$ref": "Context"},
        "requestedAttributes": {"type": "object", "additionalProperties": {"$ref": "AttributeParameters"}},
        "spanAnnotations": {"type": "boolean"},
        "languages": strings.clone(),
        "doNotStore": {"type": "boolean"},
        "clientToken": {"type": "string"},
        "sessionId": {"type": "string"},
        "communityId": {"type": "string"}}),
    );
    add(
        "AnalyzeCommentResponse",
        json!({
        "attributeScores": {"type": "object", "additionalProperties": {"$ref": "AttributeScores"}},
        "languages": strings.clone(),
        "detectedLanguages": strings.clone(),
        "clientToken": {"type": "string"}}),
    );
    add(
        "SuggestCommentScoreRequest",
        json!({
        "comment": {"$ref": "TextEntry"},
        "context": {"$ref": "Context"},
        "attributeScores": {"type": "object", "additionalProperties": {"$ref": "AttributeScores"}},
        "languages": strings.clone(),
        "communityId": {"type": "string"},
        "clientToken": {"type": "string"},
        "sessionId": {"type": "string"}}),
    );
    add(
        "SuggestCommentScoreResponse",
        json!({
        "detectedLanguages": strings.clone(),
        "requestedLanguages": strings,
        "clientToken": {"type": "string"}}),
    );
    Value::Object(m)
}

/// Fuzzing entry point, not API: parse and validate a body exactly as `:analyze` and
/// `:suggestscore` do, without a site, a database or the network.
#[doc(hidden)]
pub fn fuzz_parse(body: &[u8], max_chars: usize) {
    if let Ok(r) = serde_json::from_slice::<AnalyzeRequest>(body) {
        let _ = validate_analyze(r, max_chars);
    }
    if let Ok(r) = serde_json::from_slice::<SuggestRequest>(body) {
        let _ = validate_suggest(r, max_chars);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn arabic_text_labelled_english_is_scored_as_arabic() {
        let l = languages("أنت غبي جدا", Some(vec!["en".into()]), "TOXICITY").unwrap();
        assert_eq!(l.effective, "ar");
        assert_eq!(l.detected.as_deref(), Some("ar"));
        assert_eq!(l.requested, ["en"]);
    }

    #[test]
    fn unsupported_language_names_the_attribute() {
        let e = languages("hola amigo", Some(vec!["es".into()]), "TOXICITY").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Attribute TOXICITY does not support request languages: es"
        );
    }

    #[test]
    fn no_language_and_no_letters_fails_detection() {
        assert!(matches!(
            languages("👍 123", None, "TOXICITY"),
            Err(PerspectiveError::Invalid {
                error_type: "LANGUAGE_DETECTION_FAILED",
                ..
            })
        ));
    }
}
