//! Coral's external moderation phase (docs/compat.md §3.1): Coral posts each new or
//! edited comment to `POST /compat/coral/{site_id}/phase`, signed with
//! `X-Coral-Signature: sha256=<hex>[,sha256=<hex>…]` (HMAC-SHA256 of the raw body, one
//! per active signing secret), and waits 200 ms by default.
//!
//! raqib answers with the native check's verdict (Coral stays the system of record, so
//! nothing is stored here): a rejection as `REJECTED` with a `moderationAction`
//! rejection code, a hold as `SYSTEM_WITHHELD` (or `PREMOD` when only the site's policy
//! holds it) with a `FLAG` action, and an approval as `204` — no opinion, so Coral's
//! own settings (pre-moderation of a story, …) still apply.
//!
//! Also here: `PUT /v1/admin/sites/{id}/integrations/coral`, where an admin stores the
//! signing secrets Coral shows (`empsec_…`).

use super::{Attribute, BodyError, Profile, html_to_text, read_body, truncate_chars};
use crate::app::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{AdminToken, ApiJson};
use crate::moderation::Decision;
use crate::service::{self, Submission, VerdictResponse};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};
use axum::{Json, Router};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/compat/coral/{site_id}/phase", post(phase))
        .route("/v1/admin/sites/{id}/integrations/coral", put(put_secrets))
}

/// Most signing secrets a site keeps at once (Coral rotates with a few overlapping).
const MAX_SECRETS: usize = 5;

/// Everything the phase endpoint can fail with. Coral logs and ignores any non-2xx
/// answer and carries on, so these only need to be clear in Coral's log.
#[derive(Debug, thiserror::Error)]
pub enum CoralError {
    /// 401: missing or wrong signature, or a site with no secrets (not told apart, so
    /// site ids cannot be probed).
    #[error("invalid signature")]
    Signature,
    /// 400
    #[error("{0}")]
    Malformed(String),
    /// 413
    #[error("request body too large")]
    TooLarge,
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl IntoResponse for CoralError {
    fn into_response(self) -> Response {
        let status = match &self {
            CoralError::Signature => StatusCode::UNAUTHORIZED,
            CoralError::Malformed(_) => StatusCode::BAD_REQUEST,
            CoralError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            CoralError::Api(e) => e.status(),
        };
        let message = match &self {
            CoralError::Api(e) => {
                // 5xx causes are logged, not returned.
                let _ = e.problem();
                if status.is_server_error() {
                    "internal error".to_string()
                } else {
                    e.to_string()
                }
            }
            other => other.to_string(),
        };
        (status, Json(json!({"error": message}))).into_response()
    }
}

/// Pure: whether any `sha256=` signature in the header is the HMAC of `body` under
/// any secret. Comparison is constant-time (`Mac::verify_slice`).
pub fn signature_valid(header: &str, body: &[u8], secrets: &[String]) -> bool {
    let signatures: Vec<Vec<u8>> = header
        .split(',')
        .filter_map(|part| part.trim().strip_prefix("sha256="))
        .filter_map(|hex_sig| hex::decode(hex_sig.trim()).ok())
        .collect();
    secrets.iter().any(|secret| {
        signatures.iter().any(|sig| {
            Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
                .map(|mut mac| {
                    mac.update(body);
                    mac.verify_slice(sig).is_ok()
                })
                .unwrap_or(false)
        })
    })
}

/// The phase request; fields raqib does not use are ignored.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct PhaseRequest {
    #[serde(default)]
    action: Option<String>,
    comment: PhaseComment,
    #[serde(default)]
    author: Option<PhaseAuthor>,
    #[serde(default)]
    story: Option<PhaseStory>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct PhaseComment {
    body: String,
    #[serde(default, rename = "parentID")]
    parent_id: Option<String>,
}

#[derive(Deserialize, Debug)]
struct PhaseAuthor {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    role: Option<String>,
}

#[derive(Deserialize, Debug)]
struct PhaseStory {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    url: Option<String>,
}

/// Pure: Coral's answer for a verdict, or `None` for "no opinion".
fn phase_response(v: &VerdictResponse, profile: &Profile) -> Option<Value> {
    let spam = profile.spam_decisive();
    let abuse = profile.abuse_decisive();
    let flag = |reason: &str| json!({"actionType": "FLAG", "reason": reason});
    let mut actions = Vec::new();
    if abuse {
        actions.push(flag("COMMENT_DETECTED_TOXIC"));
    }
    if spam {
        actions.push(flag("COMMENT_DETECTED_SPAM"));
    }
    match v.decision {
        Decision::Approve => None,
        Decision::Reject => {
            let code = if spam && !abuse {
                "SPAM"
            } else if profile.has_rule_for(Attribute::Threat) {
                "HARASSMENT_BULLYING"
            } else if profile.has_rule_for(Attribute::IdentityAttack) {
                "HATE_SPEECH"
            } else if profile.has_rule_for(Attribute::Profanity) {
                "OFFENSIVE"
            } else if abuse {
                "ABUSIVE"
            } else if spam {
                "SPAM"
            } else {
                "OTHER"
            };
            // Coral's own test tool sends both `status` and `moderationAction`.
            Some(json!({
                "status": "REJECTED",
                "moderationAction": {"status": "REJECTED", "rejectionReason": {"code": code}},
                "actions": actions,
            }))
        }
        Decision::Review if actions.is_empty() => Some(json!({"status": "PREMOD"})),
        Decision::Review => Some(json!({"status": "SYSTEM_WITHHELD", "actions": actions})),
    }
}

/// `POST /compat/coral/{site_id}/phase`
async fn phase(
    State(state): State<AppState>,
    Path(site_id): Path<String>,
    req: Request,
) -> Response {
    match run_phase(&state, &site_id, req).await {
        Ok(Some(body)) => Json(body).into_response(),
        Ok(None) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.into_response(),
    }
}

async fn run_phase(
    state: &AppState,
    site_id: &str,
    req: Request,
) -> Result<Option<Value>, CoralError> {
    let (parts, body) = req.into_parts();
    let bytes = read_body(body, state.settings().server.max_body_bytes)
        .await
        .map_err(|e| match e {
            BodyError::TooLarge => CoralError::TooLarge,
            BodyError::Unreadable(m) => CoralError::Malformed(m),
        })?;
    verify(state, site_id, &parts.headers, &bytes).await?;
    let site = state.store().get_site(site_id).await.map_err(|e| match e {
        crate::store::StoreError::NotFound => CoralError::Signature,
        other => CoralError::Api(other.into()),
    })?;
    tracing::Span::current().record("site", site.id.as_str());
    let request: PhaseRequest = serde_json::from_slice(&bytes)
        .map_err(|e| CoralError::Malformed(format!("invalid phase request: {e}")))?;
    let limits = &state.settings().server;
    // Coral sends HTML or plain text per the phase's format; tags are never content.
    let body = truncate_chars(
        &html_to_text(&request.comment.body),
        limits.max_comment_chars,
    )
    .replace('\0', "");
    if body.trim().is_empty() {
        return Ok(None);
    }
    let author = request.author.unwrap_or(PhaseAuthor {
        id: None,
        role: None,
    });
    // Coral's staff are not moderated by an external phase either.
    if matches!(
        author.role.as_deref(),
        Some("ADMIN" | "MODERATOR" | "STAFF")
    ) {
        return Ok(None);
    }
    let story = request.story.unwrap_or(PhaseStory {
        id: None,
        url: None,
    });
    let short = |v: Option<String>| v.map(|s| truncate_chars(&s, limits.max_field_chars));
    let sub = Submission {
        thread_id: short(story.id).unwrap_or_else(|| "coral".into()),
        thread_url: story
            .url
            .map(|u| truncate_chars(&u, 4 * limits.max_field_chars)),
        parent_id: short(request.comment.parent_id),
        author_id: format!(
            "coral:{}",
            short(author.id).unwrap_or_else(|| "anonymous".into())
        ),
        body,
        ..Submission::default()
    };
    let verdict = service::check(state, &site, &sub).await?;
    let profile = Profile::new(&verdict, &site.policy().map_err(ApiError::from)?);
    metrics::counter!("raqib_compat_requests_total", "protocol" => "coral",
        "call" => if request.action.as_deref() == Some("EDIT") { "edit" } else { "new" })
    .increment(1);
    Ok(phase_response(&verdict, &profile))
}

async fn verify(
    state: &AppState,
    site_id: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), CoralError> {
    let header = headers
        .get("x-coral-signature")
        .and_then(|v| v.to_str().ok())
        .ok_or(CoralError::Signature)?;
    let secrets = state
        .store()
        .compat_site(site_id)
        .await
        .map_err(ApiError::from)?
        .coral_secrets;
    if signature_valid(header, body, &secrets) {
        Ok(())
    } else {
        Err(CoralError::Signature)
    }
}

/// Body of `PUT /v1/admin/sites/{id}/integrations/coral`.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct CoralSecrets {
    /// The signing secrets Coral shows for the phase (`empsec_…`), current first.
    pub signing_secrets: Vec<String>,
}

/// What the admin route answers: secrets are never echoed.
#[derive(Serialize, Debug)]
pub struct CoralIntegration {
    pub site_id: String,
    pub phase_path: String,
    pub signing_secrets: usize,
}

/// `PUT /v1/admin/sites/{id}/integrations/coral`: replace a site's Coral signing
/// secrets (an empty list turns the phase off).
async fn put_secrets(
    State(state): State<AppState>,
    AdminToken(_admin): AdminToken,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CoralSecrets>,
) -> ApiResult<Json<CoralIntegration>> {
    if body.signing_secrets.len() > MAX_SECRETS {
        return Err(ApiError::validation(
            "signing_secrets",
            format!("at most {MAX_SECRETS} secrets"),
        ));
    }
    for (i, s) in body.signing_secrets.iter().enumerate() {
        if s.trim().len() < 16 || s.len() > 256 || s.trim() != s {
            return Err(ApiError::validation(
                format!("signing_secrets[{i}]"),
                "must be 16 to 256 characters without surrounding spaces",
            ));
        }
    }
    let site = state.store().get_site(&id).await?;
    state
        .store()
        .put_coral_secrets(&site.id, &body.signing_secrets, state.now())
        .await?;
    Ok(Json(CoralIntegration {
        phase_path: format!("/compat/coral/{}/phase", site.id),
        site_id: site.id,
        signing_secrets: body.signing_secrets.len(),
    }))
}

/// Fuzzing entry point, not API: parse a phase request and turn it into plain text as
/// the phase handler does, and check a signature header against the body.
#[doc(hidden)]
pub fn fuzz_parse(body: &[u8], max_chars: usize) {
    let header = String::from_utf8_lossy(body.get(..64).unwrap_or(body));
    let _ = signature_valid(&header, body, &["fuzz-secret".to_string()]);
    if let Ok(request) = serde_json::from_slice::<PhaseRequest>(body) {
        let text = truncate_chars(&html_to_text(&request.comment.body), max_chars);
        assert!(text.chars().count() <= max_chars);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn any_of_several_signatures_under_any_secret() {
        let body = br#"{"a": 1}"#;
        let sign = |secret: &str| {
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
            mac.update(body);
            hex::encode(mac.finalize().into_bytes())
        };
        let secrets = vec!["empsec_new".to_string(), "empsec_old".to_string()];
        let header = format!(
            "sha256={},sha256={}",
            sign("empsec_gone"),
            sign("empsec_old")
        );
        assert!(signature_valid(&header, body, &secrets));
        assert!(!signature_valid(
            &format!("sha256={}", sign("empsec_gone")),
            body,
            &secrets
        ));
        assert!(!signature_valid(
            &format!("sha256={}", sign("empsec_new")),
            b"other",
            &secrets
        ));
        assert!(!signature_valid("sha256=zz", body, &secrets));
        assert!(!signature_valid(
            &format!("sha256={}", sign("x")),
            body,
            &[]
        ));
    }
}
