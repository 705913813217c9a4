//! Akismet REST 1.1: `POST /1.1/verify-key`, `/1.1/comment-check`, `/1.1/submit-spam`,
//! `/1.1/submit-ham` (docs/compat.md §2 and §6).
//!
//! Real clients put the key in the `api_key` or `key` field, in the first label of the
//! host name (`<key>.rest.akismet.com`, also reached through a proxy with an
//! absolute-form target), in a Basic-auth user name, or nowhere at all (then the
//! configured default site answers). Bodies are forms or JSON. Replies are the exact
//! strings Akismet sends, `text/plain`, no trailing newline, and a normal reply never
//! carries `X-akismet-debug-help` or `X-akismet-alert-code` (`@cedx/akismet` throws on
//! either). Errors are shaped once, in [`AkismetError`].
//!
//! `comment-check` runs the native check (nothing stored) unless the site opted in to
//! storing, then the native submit. `submit-spam` / `submit-ham` become feedback
//! labels, except for test calls.

use super::{BodyError, Profile, read_body, truncate_chars};
use crate::app::AppState;
use crate::http::error::ApiError;
use crate::moderation::Decision;
use crate::service::{self, Submission, Submitted, VerdictResponse};
use crate::store::{NewFeedbackLabel, SiteRow, StoreError};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use std::collections::HashMap;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/1.1/verify-key", post(verify_key))
        .route("/1.1/comment-check", post(comment_check))
        .route("/1.1/submit-spam", post(submit_spam))
        .route("/1.1/submit-ham", post(submit_ham))
        .route(
            "/v1/admin/sites/{id}/integrations/akismet",
            axum::routing::put(put_settings),
        )
}

/// Body of `PUT /v1/admin/sites/{id}/integrations/akismet`.
#[derive(serde::Deserialize, serde::Serialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct AkismetSettings {
    /// Whether `comment-check` stores what it checks (review queue, author history,
    /// audit), as `POST /v1/comments` does. Off by default: Akismet clients keep their
    /// own copy and only ask for an opinion.
    pub store_comments: bool,
}

/// `PUT /v1/admin/sites/{id}/integrations/akismet`
async fn put_settings(
    State(state): State<AppState>,
    crate::http::extract::AdminToken(_admin): crate::http::extract::AdminToken,
    axum::extract::Path(id): axum::extract::Path<String>,
    crate::http::extract::ApiJson(body): crate::http::extract::ApiJson<AkismetSettings>,
) -> crate::http::error::ApiResult<axum::Json<AkismetSettings>> {
    let site = state.store().get_site(&id).await?;
    state
        .store()
        .put_akismet_store(&site.id, body.store_comments, state.now())
        .await?;
    Ok(axum::Json(body))
}

/// Akismet's reply to a submit call, word for word.
pub const THANKS: &str = "Thanks for making the web a better place.";

/// Everything an Akismet call can fail with, shaped as Akismet shapes it.
#[derive(Debug, thiserror::Error)]
pub enum AkismetError {
    /// `200 invalid` with a debug header: the key is wrong or missing.
    #[error("{0}")]
    InvalidKey(&'static str),
    /// 400: the body cannot be read.
    #[error("{0}")]
    Malformed(String),
    /// 413
    #[error("request body too large")]
    TooLarge,
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl From<StoreError> for AkismetError {
    fn from(e: StoreError) -> Self {
        AkismetError::Api(e.into())
    }
}

fn text(status: StatusCode, body: &'static str) -> Response {
    let mut res = (status, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    res
}

fn with_help(mut res: Response, help: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(help) {
        res.headers_mut().insert("x-akismet-debug-help", v);
    }
    res
}

impl IntoResponse for AkismetError {
    fn into_response(self) -> Response {
        match self {
            AkismetError::InvalidKey(why) => with_help(text(StatusCode::OK, "invalid"), why),
            AkismetError::Malformed(why) => {
                with_help(text(StatusCode::BAD_REQUEST, "invalid"), &why)
            }
            AkismetError::TooLarge => with_help(
                text(StatusCode::PAYLOAD_TOO_LARGE, "invalid"),
                "Request body too large.",
            ),
            AkismetError::Api(e) => {
                let status = e.status();
                // 5xx causes go to the log, not to the client.
                let _ = e.problem();
                let mut res = with_help(
                    text(status, "invalid"),
                    if status.is_server_error() {
                        "Temporary server error; retry later."
                    } else {
                        "Request refused."
                    },
                );
                if let ApiError::RateLimited { retry_after_s, .. } = e {
                    res.headers_mut()
                        .insert(header::RETRY_AFTER, retry_after_s.into());
                }
                res
            }
        }
    }
}

/// The fields of a request, by name; `name[0]`, `name[1]` collect under `name`.
#[derive(Debug, Default)]
pub struct Fields(HashMap<String, Vec<String>>);

impl Fields {
    fn push(&mut self, name: &str, value: String) {
        let base = match name.find('[') {
            Some(i) if name.ends_with(']') => &name[..i],
            _ => name,
        };
        self.0.entry(base.to_string()).or_default().push(value);
    }

    /// The first non-blank value of a field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)?
            .iter()
            .map(|v| v.trim())
            .find(|v| !v.is_empty())
    }

    /// Form bodies (any content type but JSON) or a JSON object.
    pub fn parse(content_type: Option<&str>, body: &[u8]) -> Result<Fields, AkismetError> {
        let is_json = content_type.is_some_and(|ct| {
            let mime = ct
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            mime == "application/json" || mime.ends_with("+json")
        });
        let mut fields = Fields::default();
        if !is_json {
            for (k, v) in super::parse_form(body) {
                fields.push(&k, v);
            }
            return Ok(fields);
        }
        let value: serde_json::Value = serde_json::from_slice(body)
            .map_err(|e| AkismetError::Malformed(format!("Invalid JSON body: {e}")))?;
        let serde_json::Value::Object(map) = value else {
            return Err(AkismetError::Malformed(
                "JSON body must be an object.".into(),
            ));
        };
        for (k, v) in map {
            let values = match v {
                serde_json::Value::Array(items) => items,
                other => vec![other],
            };
            for item in values {
                let s = match item {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Bool(b) => b.to_string(),
                    serde_json::Value::Number(n) => n.to_string(),
                    _ => continue,
                };
                fields.push(&k, s);
            }
        }
        Ok(fields)
    }

    /// `is_test` as `true`, `1`, `yes`, `on` in any case (and JSON `true`).
    pub fn is_test(&self) -> bool {
        self.get("is_test")
            .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes" | "on"))
    }
}

/// Where the key was found.
#[derive(Debug, PartialEq, Eq)]
pub enum KeySource {
    Given(String),
    None,
}

/// The host of the request: from an absolute-form target, else the `Host` header;
/// port and a trailing dot removed, lower-cased.
fn request_host(uri: &Uri, headers: &HeaderMap) -> Option<String> {
    let raw = uri.host().map(str::to_string).or_else(|| {
        headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .map(|h| {
                h.rsplit_once(':')
                    .map_or(h, |(host, port)| {
                        if port.chars().all(|c| c.is_ascii_digit()) {
                            host
                        } else {
                            h
                        }
                    })
                    .to_string()
            })
    })?;
    Some(raw.trim_end_matches('.').to_ascii_lowercase())
}

/// Pure: find the key, in the order that is least likely to be accidental.
pub fn find_key(fields: &Fields, uri: &Uri, headers: &HeaderMap, suffixes: &[String]) -> KeySource {
    if let Some(k) = fields.get("api_key").or_else(|| fields.get("key")) {
        return KeySource::Given(k.to_string());
    }
    if let Some(user) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(super::basic_user)
    {
        // akismet-api's `host: "@127.0.0.1:PORT"` trick leaves `<key>.` as the user.
        let user = user.trim_end_matches('.');
        if !user.is_empty() {
            return KeySource::Given(user.to_string());
        }
    }
    if let Some(host) = request_host(uri, headers)
        && host.parse::<std::net::IpAddr>().is_err()
        && let Some((label, rest)) = host.split_once('.')
        && (label.starts_with("rk_")
            || suffixes
                .iter()
                .any(|s| rest.eq_ignore_ascii_case(s.trim_matches('.'))))
    {
        return KeySource::Given(label.to_string());
    }
    KeySource::None
}

/// A parsed, authenticated Akismet request.
struct Call {
    site: SiteRow,
    fields: Fields,
}

async fn site_for(state: &AppState, key: KeySource) -> Result<SiteRow, AkismetError> {
    let site = match key {
        KeySource::Given(key) => {
            state
                .site_for_key(&key)
                .await?
                .ok_or(AkismetError::InvalidKey("Invalid API key."))?
                .site
        }
        KeySource::None => {
            let default = &state.settings().compat.akismet_default_site;
            if default.is_empty() {
                return Err(AkismetError::InvalidKey(
                    "No API key given (api_key field, key field, host name or Basic auth).",
                ));
            }
            match state.store().site_by_id_or_name(default).await {
                Ok(site) => site,
                Err(StoreError::NotFound) => {
                    tracing::warn!(site = %default, "compat.akismet_default_site names no site");
                    return Err(AkismetError::InvalidKey("No API key given."));
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    tracing::Span::current().record("site", site.id.as_str());
    Ok(site)
}

async fn parse_call(
    state: &AppState,
    req: Request,
    allow_default: bool,
) -> Result<Call, AkismetError> {
    let (parts, body) = req.into_parts();
    let bytes = read_body(body, state.settings().server.max_body_bytes)
        .await
        .map_err(|e| match e {
            BodyError::TooLarge => AkismetError::TooLarge,
            BodyError::Unreadable(m) => AkismetError::Malformed(m),
        })?;
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let fields = Fields::parse(content_type, &bytes)?;
    let key = find_key(
        &fields,
        &parts.uri,
        &parts.headers,
        &state.settings().compat.akismet_host_suffixes,
    );
    if key == KeySource::None && !allow_default {
        return Err(AkismetError::InvalidKey("No API key given."));
    }
    let site = site_for(state, key).await?;
    Ok(Call { site, fields })
}

/// Pure: the moderation input for Akismet's fields. Long fields are cut rather than
/// refused, since Akismet clients have no way to act on such an error. The author id
/// is a keyed hash of the e-mail (or name, or IP) so no address is stored in clear.
fn submission(state: &AppState, f: &Fields) -> Submission {
    let limits = &state.settings().server;
    let short = |v: Option<&str>| v.map(|s| truncate_chars(s, limits.max_field_chars));
    let author_key = f
        .get("comment_author_email")
        .map(|e| e.to_lowercase())
        .or_else(|| f.get("comment_author").map(str::to_string))
        .or_else(|| f.get("user_ip").map(str::to_string));
    let author_id = match author_key {
        Some(k) => format!("akismet:{}", truncate_chars(&state.pii_hash(&k), 32)),
        None => "akismet:anonymous".into(),
    };
    let permalink = f
        .get("permalink")
        .map(|p| truncate_chars(p, 4 * limits.max_field_chars));
    let ip = f
        .get("user_ip")
        .and_then(|ip| ip.parse().ok())
        .map(crate::net::canonical);
    // blog_lang lists the site's languages; the first one is the best hint there is.
    let language = f
        .get("blog_lang")
        .and_then(|l| l.split(',').next())
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty());
    let body = truncate_chars(
        &f.get("comment_content").unwrap_or("").replace('\0', ""),
        limits.max_comment_chars,
    );
    Submission {
        external_id: None,
        thread_id: short(f.get("permalink")).unwrap_or_else(|| "akismet".into()),
        thread_url: permalink,
        thread_title: None,
        parent_id: short(f.get("comment_parent")),
        author_id,
        author_name: short(f.get("comment_author")),
        author_email: short(f.get("comment_author_email")),
        author_ip: ip,
        author_user_agent: short(f.get("user_agent")),
        subject: None,
        body,
        language,
    }
}

/// Akismet's documented test triggers, so client test suites behave.
fn test_trigger(f: &Fields) -> Option<bool> {
    if f.get("comment_author") == Some("viagra-test-123")
        || f.get("comment_author_email") == Some("akismet-guaranteed-spam@example.com")
    {
        return Some(true);
    }
    if f.get("user_role") == Some("administrator") {
        return Some(false);
    }
    None
}

/// Pure: Akismet's answer for a verdict. Spam: a rejection, or a hold in which spam
/// is a reason (a hold for abuse alone is not spam; Akismet has no "hold" answer).
/// `discard` for blatant spam.
fn spam_answer(v: &VerdictResponse, profile: &Profile) -> (bool, bool) {
    let spam = match v.decision {
        Decision::Approve => false,
        Decision::Reject => true,
        Decision::Review => profile.spam_decisive(),
    };
    let discard = v.decision == Decision::Reject && profile.spam_certain();
    (spam, discard)
}

/// `POST /1.1/verify-key`: `valid` for a site's key, else `invalid` (with help).
async fn verify_key(State(state): State<AppState>, req: Request) -> Response {
    match parse_call(&state, req, false).await {
        Ok(_) => text(StatusCode::OK, "valid"),
        Err(e) => e.into_response(),
    }
}

/// `POST /1.1/comment-check`: `true` (spam) or `false`.
async fn comment_check(State(state): State<AppState>, req: Request) -> Response {
    match run_check(&state, req).await {
        Ok((spam, discard)) => {
            let mut res = text(StatusCode::OK, if spam { "true" } else { "false" });
            let headers = res.headers_mut();
            if let Ok(guid) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
                headers.insert("x-akismet-guid", guid);
            }
            if discard {
                headers.insert("x-akismet-pro-tip", HeaderValue::from_static("discard"));
            }
            res
        }
        Err(e) => e.into_response(),
    }
}

async fn run_check(state: &AppState, req: Request) -> Result<(bool, bool), AkismetError> {
    let Call { site, fields } = parse_call(state, req, true).await?;
    let mut sub = submission(state, &fields);
    let store = !fields.is_test() && state.store().compat_site(&site.id).await?.akismet_store;
    let verdict = if store && !sub.body.trim().is_empty() {
        // A stable id from what makes the comment itself, so a re-check is idempotent.
        sub.external_id = Some(format!(
            "akismet:{}",
            truncate_chars(&sub.content_hash(), 32)
        ));
        match service::submit(state, &site, &sub).await? {
            Submitted::Created(v) | Submitted::Existing(v) => v,
        }
    } else {
        service::check(state, &site, &sub).await?
    };
    metrics::counter!("raqib_compat_requests_total", "protocol" => "akismet", "call" => "comment-check")
        .increment(1);
    if let Some(forced) = test_trigger(&fields) {
        return Ok((forced, false));
    }
    let profile = Profile::new(&verdict, &site.policy()?);
    Ok(spam_answer(&verdict, &profile))
}

async fn submit_spam(State(state): State<AppState>, req: Request) -> Response {
    feedback(&state, req, true).await
}

async fn submit_ham(State(state): State<AppState>, req: Request) -> Response {
    feedback(&state, req, false).await
}

/// `submit-spam` / `submit-ham`: a feedback label (none for test calls or empty text).
async fn feedback(state: &AppState, req: Request, spam: bool) -> Response {
    let result = async {
        let Call { site, fields } = parse_call(state, req, true).await?;
        let text = fields
            .get("comment_content")
            .unwrap_or("")
            .replace('\0', "");
        if !fields.is_test() && !text.trim().is_empty() {
            let language = crate::moderation::normalize::detect_language(
                &text,
                fields.get("blog_lang").and_then(|l| l.split(',').next()),
            );
            let label = NewFeedbackLabel {
                site_id: site.id.clone(),
                source: "akismet",
                label_raw: if spam { "submit-spam" } else { "submit-ham" }.into(),
                text: truncate_chars(&text, state.settings().server.max_comment_chars),
                language,
                spam: Some(spam),
                abuse: None,
                client_token: None,
            };
            state
                .store()
                .insert_feedback_label(&label, state.now())
                .await?;
        }
        metrics::counter!("raqib_compat_requests_total", "protocol" => "akismet",
            "call" => if spam { "submit-spam" } else { "submit-ham" })
        .increment(1);
        Ok::<_, AkismetError>(())
    }
    .await;
    match result {
        Ok(()) => text(StatusCode::OK, THANKS),
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn fields(body: &str) -> Fields {
        Fields::parse(Some("application/x-www-form-urlencoded"), body.as_bytes()).unwrap()
    }

    #[test]
    fn arrays_collect_under_their_name() {
        let f = fields("comment_context%5B0%5D=politics&comment_context%5B1%5D=economy");
        assert_eq!(f.0["comment_context"], ["politics", "economy"]);
    }

    #[test]
    fn is_test_in_all_spellings() {
        for yes in ["true", "1", "True", "TRUE"] {
            assert!(fields(&format!("is_test={yes}")).is_test());
        }
        for no in ["false", "False", "0", ""] {
            assert!(!fields(&format!("is_test={no}")).is_test());
        }
        let json = Fields::parse(Some("application/json"), br#"{"is_test": false}"#).unwrap();
        assert!(!json.is_test());
        let json = Fields::parse(Some("application/json"), br#"{"is_test": true}"#).unwrap();
        assert!(json.is_test());
    }

    #[test]
    fn key_from_each_place() {
        let suffixes = vec!["rest.akismet.com".to_string()];
        let none = HeaderMap::new();
        let origin: Uri = "/1.1/comment-check".parse().unwrap();
        assert_eq!(
            find_key(&fields("key=k1&blog=x"), &origin, &none, &suffixes),
            KeySource::Given("k1".into())
        );
        let absolute: Uri = "http://rk_abc.akismet.localhost/1.1/comment-check"
            .parse()
            .unwrap();
        assert_eq!(
            find_key(&fields("blog=x"), &absolute, &none, &suffixes),
            KeySource::Given("rk_abc".into())
        );
        let mut host = HeaderMap::new();
        host.insert(header::HOST, "abc.rest.akismet.com".parse().unwrap());
        assert_eq!(
            find_key(&fields(""), &origin, &host, &suffixes),
            KeySource::Given("abc".into())
        );
        let mut basic = HeaderMap::new();
        basic.insert(header::HOST, "127.0.0.1:8080".parse().unwrap());
        basic.insert(
            header::AUTHORIZATION,
            "Basic dGVzdGtleS46dW5kZWZpbmVk".parse().unwrap(),
        );
        assert_eq!(
            find_key(&fields(""), &origin, &basic, &suffixes),
            KeySource::Given("testkey".into())
        );
        let mut plain = HeaderMap::new();
        plain.insert(header::HOST, "raqib.example.org".parse().unwrap());
        assert_eq!(
            find_key(&fields(""), &origin, &plain, &suffixes),
            KeySource::None
        );
    }
}
