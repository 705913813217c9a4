//! Admin pages: sites (keys and secrets shown once, callback URL, policy thresholds),
//! models, dead webhook deliveries and users. Rules have their own page in `rules.rs`.
//!
//! Each action calls the JSON API's handler for it (`http::sites`, `http::models`,
//! `http::deliveries`) with the admin's identity, so validation, logging and side
//! effects are the API's own; these handlers only turn forms into requests and
//! answers into pages.

use super::comment::{field, parse_form};
use super::i18n::Texts;
use super::pages::{Choice, SessionView};
use super::queue::choice;
use super::session::{self, AdminSession, Session};
use crate::app::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{AdminToken, ApiJson};
use crate::http::{deliveries, models, sites};
use crate::moderation::Policy;
use crate::store::DeliveryState;
use crate::webhooks::rfc3339;
use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The body's fields if its CSRF token is this session's; callers answer `None`
/// with [`session::forbidden`].
pub(super) fn checked_form(session: &Session, body: &[u8]) -> Option<Vec<(String, String)>> {
    let fields = parse_form(body);
    let csrf = field(&fields, "csrf").unwrap_or_default();
    session.csrf_ok(&csrf).then_some(fields)
}

/// An API error as one line for a form: the field and what is wrong with it.
pub(super) fn error_text(e: &ApiError) -> String {
    match e {
        ApiError::Validation { field, message } => format!("{field}: {message}"),
        other => other.to_string(),
    }
}

/// A failure no form can fix (database down, bug) becomes the 500 page.
fn is_server_error(e: &ApiError) -> bool {
    matches!(e, ApiError::Unavailable(_) | ApiError::Internal(_))
}

/// A secret shown once, with what it is.
pub(crate) struct Secret {
    pub(crate) label: &'static str,
    pub(crate) value: String,
}

/// One site with its editable settings (as strings, so a refused form shows back
/// exactly what was typed).
pub(crate) struct SiteItem {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) callback_url: String,
    pub(crate) created_at: String,
    pub(crate) modes: Vec<Choice>,
    pub(crate) spam_review: String,
    pub(crate) spam_reject: String,
    pub(crate) abuse_review: String,
    pub(crate) abuse_reject: String,
    /// Why the last form for this site was refused.
    pub(crate) error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_sites.html")]
pub(crate) struct SitesPage {
    pub(crate) t: &'static Texts,
    pub(crate) session: Option<SessionView>,
    pub(crate) csrf: String,
    pub(crate) sites: Vec<SiteItem>,
    /// Keys and secrets just created, for this one response only.
    pub(crate) secrets: Vec<Secret>,
    pub(crate) secrets_site: String,
    pub(crate) notice: Option<&'static str>,
    pub(crate) create_error: Option<String>,
}

#[derive(Deserialize, Debug, Default)]
pub(crate) struct NoticeQuery {
    #[serde(default)]
    notice: String,
}

/// Policy modes in the order of `Texts::modes`.
const MODES: [&str; 3] = ["auto", "premoderate", "postmoderate"];
/// Roles in the order of `Texts::roles`.
const ROLES: [&str; 2] = ["moderator", "admin"];

/// The mode choices with `current` selected, labelled in the interface language.
fn mode_choices(t: &Texts, current: &str) -> Vec<Choice> {
    MODES
        .iter()
        .zip(t.modes)
        .map(|(m, label)| choice(m, label, current))
        .collect()
}

/// A role in the interface language (an unknown one as stored).
fn role_label(t: &Texts, role: &str) -> String {
    ROLES
        .iter()
        .zip(t.roles)
        .find(|(r, _)| **r == role)
        .map_or_else(|| role.to_string(), |(_, label)| label.to_string())
}

async fn sites_page(state: &AppState, session: &Session) -> Result<SitesPage, ApiError> {
    let rows = state.store().list_sites().await?;
    let mut items = Vec::with_capacity(rows.len());
    for s in rows {
        let policy = s.policy()?;
        let mode = serde_json::to_value(policy.mode)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        items.push(SiteItem {
            modes: mode_choices(session.texts(), &mode),
            spam_review: format!("{:.2}", policy.thresholds.spam.review_at),
            spam_reject: format!("{:.2}", policy.thresholds.spam.reject_at),
            abuse_review: format!("{:.2}", policy.thresholds.abuse.review_at),
            abuse_reject: format!("{:.2}", policy.thresholds.abuse.reject_at),
            callback_url: s.callback_url.clone().unwrap_or_default(),
            created_at: rfc3339(s.created_at),
            id: s.id,
            name: s.name,
            error: None,
        });
    }
    Ok(SitesPage {
        t: session.texts(),
        session: session.view(),
        csrf: session.csrf.clone(),
        sites: items,
        secrets: Vec::new(),
        secrets_site: String::new(),
        notice: None,
        create_error: None,
    })
}

fn render(session: &Session, status: StatusCode, page: Result<SitesPage, ApiError>) -> Response {
    match page {
        Ok(p) => (status, p).into_response(),
        Err(e) => session::internal(session.lang, "the sites page", &e),
    }
}

/// `GET /ui/admin/sites`
pub(crate) async fn sites_show(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let page = sites_page(&state, &session).await.map(|mut p| {
        p.notice = (q.notice == "saved").then_some(session.texts().saved);
        p
    });
    render(&session, StatusCode::OK, page)
}

/// `POST /ui/admin/sites`: create a site; its API key and webhook secret are on this
/// response only.
pub(crate) async fn sites_create(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    body: Bytes,
) -> Response {
    let Some(fields) = checked_form(&session, &body) else {
        return session::forbidden(session.lang);
    };
    let req = sites::NewSite {
        name: field(&fields, "name").unwrap_or_default(),
    };
    let res = sites::create_site(
        State(state.clone()),
        AdminToken(session.user.clone()),
        ApiJson(req),
    )
    .await;
    let t = session.texts();
    match res {
        Ok((_, created)) => {
            let created = created.0;
            let secrets = vec![
                (t.id, created.site_id.clone()),
                (t.api_key, created.api_key),
                (t.webhook_secret, created.webhook_secret),
            ];
            show_once(
                &state,
                &session,
                StatusCode::CREATED,
                created.site_id,
                secrets,
            )
            .await
        }
        Err(e) if is_server_error(&e) => session::internal(session.lang, "creating a site", &e),
        Err(e) => {
            let page = sites_page(&state, &session).await.map(|mut p| {
                p.create_error = Some(error_text(&e));
                p
            });
            render(&session, StatusCode::UNPROCESSABLE_ENTITY, page)
        }
    }
}

/// The sites page with one site's new secrets, labelled, shown on this response only.
async fn show_once(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    site_id: String,
    secrets: Vec<(&'static str, String)>,
) -> Response {
    let page = sites_page(state, session).await.map(|mut p| {
        p.secrets_site = site_id;
        p.secrets = secrets
            .into_iter()
            .map(|(label, value)| Secret { label, value })
            .collect();
        p
    });
    render(session, status, page)
}

/// `POST /ui/admin/sites/{id}/rotate-key`: a new API key, shown on this response only.
pub(crate) async fn sites_rotate(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    if checked_form(&session, &body).is_none() {
        return session::forbidden(session.lang);
    }
    let res = sites::rotate_key(
        State(state.clone()),
        AdminToken(session.user.clone()),
        Path(id.clone()),
    )
    .await;
    match res {
        Ok(key) => {
            let secrets = vec![(session.texts().api_key, key.0.api_key)];
            show_once(&state, &session, StatusCode::OK, id, secrets).await
        }
        Err(ApiError::NotFound) => session::not_found(&session),
        Err(e) => session::internal(session.lang, "rotating a key", &e),
    }
}

/// `POST /ui/admin/sites/{id}/rotate-secret`: a new webhook secret, shown on this
/// response only; the old one keeps signing for the configured overlap.
pub(crate) async fn sites_rotate_secret(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    if checked_form(&session, &body).is_none() {
        return session::forbidden(session.lang);
    }
    let res = deliveries::rotate_webhook_secret(
        State(state.clone()),
        AdminToken(session.user.clone()),
        Path(id.clone()),
    )
    .await;
    match res {
        Ok(rotated) => {
            let secrets = vec![(session.texts().webhook_secret, rotated.0.webhook_secret)];
            show_once(&state, &session, StatusCode::OK, id, secrets).await
        }
        Err(ApiError::NotFound) => session::not_found(&session),
        Err(e) => session::internal(session.lang, "rotating a webhook secret", &e),
    }
}

/// The page again with one site's form refused: the typed values and the reason.
async fn refused(
    state: &AppState,
    session: &Session,
    id: &str,
    fields: &[(String, String)],
    e: &ApiError,
) -> Response {
    let page = sites_page(state, session).await.map(|mut p| {
        if let Some(item) = p.sites.iter_mut().find(|s| s.id == id) {
            let get = |k: &str, old: &String| field(fields, k).unwrap_or_else(|| old.clone());
            item.callback_url = get("callback_url", &item.callback_url);
            item.spam_review = get("spam_review", &item.spam_review);
            item.spam_reject = get("spam_reject", &item.spam_reject);
            item.abuse_review = get("abuse_review", &item.abuse_review);
            item.abuse_reject = get("abuse_reject", &item.abuse_reject);
            if let Some(mode) = field(fields, "mode") {
                item.modes = mode_choices(session.texts(), &mode);
            }
            item.error = Some(error_text(e));
        }
        p
    });
    render(session, StatusCode::UNPROCESSABLE_ENTITY, page)
}

/// `POST /ui/admin/sites/{id}/webhook`: the callback URL (empty stops pushing).
pub(crate) async fn sites_webhook(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let Some(fields) = checked_form(&session, &body) else {
        return session::forbidden(session.lang);
    };
    let send_pending = match state.store().webhook_target(&id).await {
        Ok(t) => t.send_pending(),
        Err(crate::store::StoreError::NotFound) => return session::not_found(&session),
        Err(e) => return session::internal(session.lang, "reading a webhook", &e),
    };
    let url = field(&fields, "callback_url").unwrap_or_default();
    let req = deliveries::WebhookSettingsRequest {
        callback_url: Some(url.trim().to_string()).filter(|u| !u.is_empty()),
        send_pending,
    };
    let res = deliveries::set_webhook(
        State(state.clone()),
        AdminToken(session.user.clone()),
        Path(id.clone()),
        ApiJson(req),
    )
    .await;
    match res {
        Ok(_) => Redirect::to("/ui/admin/sites?notice=saved").into_response(),
        Err(e) if is_server_error(&e) => session::internal(session.lang, "saving a webhook", &e),
        Err(ApiError::NotFound) => session::not_found(&session),
        Err(e) => refused(&state, &session, &id, &fields, &e).await,
    }
}

/// A threshold field as a number; a typo is a validation error naming the field.
fn threshold(fields: &[(String, String)], name: &str) -> Result<f32, ApiError> {
    field(fields, name)
        .and_then(|v| v.trim().replace(',', ".").parse::<f32>().ok())
        .filter(|v| v.is_finite())
        .ok_or_else(|| ApiError::validation(name, "a number between 0 and 1"))
}

/// The submitted mode and thresholds on top of the stored policy.
fn edited_policy(mut policy: Policy, fields: &[(String, String)]) -> Result<Policy, ApiError> {
    let mode = field(fields, "mode").unwrap_or_default();
    policy.mode = serde_json::from_value(serde_json::Value::String(mode))
        .map_err(|_| ApiError::validation("mode", MODES.join(", ")))?;
    policy.thresholds.spam.review_at = threshold(fields, "spam_review")?;
    policy.thresholds.spam.reject_at = threshold(fields, "spam_reject")?;
    policy.thresholds.abuse.review_at = threshold(fields, "abuse_review")?;
    policy.thresholds.abuse.reject_at = threshold(fields, "abuse_reject")?;
    Ok(policy)
}

/// `POST /ui/admin/sites/{id}/policy`: mode and thresholds, validated by the API.
pub(crate) async fn sites_policy(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let Some(fields) = checked_form(&session, &body) else {
        return session::forbidden(session.lang);
    };
    let admin = || AdminToken(session.user.clone());
    let current = match sites::get_policy(State(state.clone()), admin(), Path(id.clone())).await {
        Ok(p) => p.0,
        Err(ApiError::NotFound) => return session::not_found(&session),
        Err(e) => return session::internal(session.lang, "reading a policy", &e),
    };
    let res = match edited_policy(current, &fields) {
        Ok(policy) => sites::put_policy(
            State(state.clone()),
            admin(),
            Path(id.clone()),
            ApiJson(policy),
        )
        .await
        .map(|_| ()),
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Redirect::to("/ui/admin/sites?notice=saved").into_response(),
        Err(e) if is_server_error(&e) => session::internal(session.lang, "saving a policy", &e),
        Err(e) => refused(&state, &session, &id, &fields, &e).await,
    }
}

/// One model version.
pub(crate) struct ModelItem {
    pub(crate) version: String,
    pub(crate) trained_at: String,
    pub(crate) metrics: Vec<(String, String)>,
    pub(crate) active: bool,
    pub(crate) serving: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_models.html")]
pub(crate) struct ModelsPage {
    pub(crate) t: &'static Texts,
    pub(crate) session: Option<SessionView>,
    pub(crate) csrf: String,
    pub(crate) models: Vec<ModelItem>,
    pub(crate) notice: Option<&'static str>,
    pub(crate) error: Option<String>,
}

/// A model's metrics as `key: value` lines: nested objects flattened with dots,
/// numbers rounded, at most 40 lines so a huge report cannot swamp the page.
pub(crate) fn flatten_metrics(v: &serde_json::Value) -> Vec<(String, String)> {
    fn walk(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, v, out);
                }
            }
            serde_json::Value::Number(n) => out.push((
                prefix.to_string(),
                n.as_f64()
                    .filter(|f| f.fract() != 0.0)
                    .map_or_else(|| n.to_string(), |f| format!("{f:.3}")),
            )),
            serde_json::Value::Array(a) => out.push((prefix.to_string(), format!("[{}]", a.len()))),
            other => out.push((prefix.to_string(), other.to_string())),
        }
    }
    let mut out = Vec::new();
    walk("", v, &mut out);
    out.truncate(40);
    out
}

async fn models_page(state: &AppState, session: &Session) -> Result<ModelsPage, ApiError> {
    let list = models::list_models(State(state.clone()), AdminToken(session.user.clone())).await?;
    Ok(ModelsPage {
        t: session.texts(),
        session: session.view(),
        csrf: session.csrf.clone(),
        models: list
            .0
            .into_iter()
            .map(|m| ModelItem {
                metrics: flatten_metrics(&m.metrics),
                version: m.version,
                trained_at: m.trained_at,
                active: m.active,
                serving: m.serving,
            })
            .collect(),
        notice: None,
        error: None,
    })
}

/// `GET /ui/admin/models`
pub(crate) async fn models_show(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Query(q): Query<NoticeQuery>,
) -> Response {
    match models_page(&state, &session).await {
        Ok(mut p) => {
            p.notice = (q.notice == "saved").then_some(session.texts().saved);
            p.into_response()
        }
        Err(e) => session::internal(session.lang, "the models page", &e),
    }
}

/// `POST /ui/admin/models/{version}/activate`
pub(crate) async fn models_activate(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Path(version): Path<String>,
    body: Bytes,
) -> Response {
    if checked_form(&session, &body).is_none() {
        return session::forbidden(session.lang);
    }
    let res = models::activate_model(
        State(state.clone()),
        AdminToken(session.user.clone()),
        Path(version),
    )
    .await;
    match res {
        Ok(_) => Redirect::to("/ui/admin/models?notice=saved").into_response(),
        Err(ApiError::NotFound) => session::not_found(&session),
        Err(e) if is_server_error(&e) => session::internal(session.lang, "activating a model", &e),
        Err(e) => match models_page(&state, &session).await {
            Ok(mut p) => {
                p.error = Some(error_text(&e));
                (StatusCode::UNPROCESSABLE_ENTITY, p).into_response()
            }
            Err(e) => session::internal(session.lang, "the models page", &e),
        },
    }
}

/// One webhook delivery.
pub(crate) struct DeliveryItem {
    pub(crate) event_id: String,
    pub(crate) site_id: String,
    pub(crate) comment_id: Option<String>,
    pub(crate) event_type: String,
    pub(crate) attempts: i64,
    pub(crate) last_status: String,
    pub(crate) last_error: String,
    pub(crate) when: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_deliveries.html")]
pub(crate) struct DeliveriesPage {
    pub(crate) t: &'static Texts,
    pub(crate) session: Option<SessionView>,
    pub(crate) csrf: String,
    pub(crate) deliveries: Vec<DeliveryItem>,
    pub(crate) notice: Option<&'static str>,
}

/// `GET /ui/admin/deliveries`: the dead ones, newest first, each with a redeliver
/// button.
pub(crate) async fn deliveries_show(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let query = deliveries::DeliveryQuery {
        site: None,
        state: Some(DeliveryState::Dead),
        before: None,
        limit: Some(200),
    };
    let res = deliveries::list_deliveries(
        State(state.clone()),
        AdminToken(session.user.clone()),
        Ok(Query(query)),
    )
    .await;
    match res {
        Ok(list) => DeliveriesPage {
            t: session.texts(),
            session: session.view(),
            csrf: session.csrf.clone(),
            deliveries: list
                .0
                .deliveries
                .into_iter()
                .map(|d| DeliveryItem {
                    when: d.dead_at.unwrap_or(d.created_at),
                    last_status: d.last_status.map(|s| s.to_string()).unwrap_or_default(),
                    last_error: d.last_error.unwrap_or_default(),
                    event_id: d.event_id,
                    site_id: d.site_id,
                    comment_id: d.comment_id,
                    event_type: d.event_type,
                    attempts: d.attempts,
                })
                .collect(),
            notice: (q.notice == "saved").then_some(session.texts().saved),
        }
        .into_response(),
        Err(e) => session::internal(session.lang, "the deliveries page", &e),
    }
}

/// `POST /ui/admin/deliveries/{id}/redeliver`
pub(crate) async fn deliveries_redeliver(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    if checked_form(&session, &body).is_none() {
        return session::forbidden(session.lang);
    }
    let res = deliveries::redeliver(
        State(state.clone()),
        AdminToken(session.user.clone()),
        Path(id),
    )
    .await;
    match res {
        Ok(_) => Redirect::to("/ui/admin/deliveries?notice=saved").into_response(),
        Err(ApiError::NotFound) => session::not_found(&session),
        // Already pending again (a second click): nothing left to do here.
        Err(ApiError::Conflict(_)) => Redirect::to("/ui/admin/deliveries").into_response(),
        Err(e) => session::internal(session.lang, "redelivering", &e),
    }
}

/// One user.
pub(crate) struct UserItem {
    pub(crate) id: String,
    pub(crate) email: String,
    pub(crate) role: String,
    pub(crate) sites: String,
    pub(crate) created_at: String,
    /// Admins cannot disable themselves from the page (and lock everyone out).
    pub(crate) is_me: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_users.html")]
pub(crate) struct UsersPage {
    pub(crate) t: &'static Texts,
    pub(crate) session: Option<SessionView>,
    pub(crate) csrf: String,
    pub(crate) users: Vec<UserItem>,
    pub(crate) sites: Vec<Choice>,
    pub(crate) roles: Vec<Choice>,
    pub(crate) token: Option<String>,
    pub(crate) notice: Option<&'static str>,
    pub(crate) error: Option<String>,
    /// The refused form's e-mail, typed again for the admin.
    pub(crate) email: String,
}

async fn users_page(state: &AppState, session: &Session) -> Result<UsersPage, ApiError> {
    let list = sites::list_users(State(state.clone()), AdminToken(session.user.clone())).await?;
    let all_sites = state.store().list_sites().await?;
    Ok(UsersPage {
        t: session.texts(),
        session: session.view(),
        csrf: session.csrf.clone(),
        users: list
            .0
            .into_iter()
            .map(|u| UserItem {
                is_me: u.user.id == session.user.user.id,
                sites: u.sites.join(", "),
                created_at: rfc3339(u.user.created_at),
                id: u.user.id,
                email: u.user.email,
                role: role_label(session.texts(), &u.user.role),
            })
            .collect(),
        sites: all_sites
            .iter()
            .map(|s| choice(&s.id, &s.name, ""))
            .collect(),
        roles: ROLES
            .iter()
            .zip(session.texts().roles)
            .map(|(r, label)| choice(r, label, "moderator"))
            .collect(),
        token: None,
        notice: None,
        error: None,
        email: String::new(),
    })
}

/// `GET /ui/admin/users`
pub(crate) async fn users_show(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Query(q): Query<NoticeQuery>,
) -> Response {
    match users_page(&state, &session).await {
        Ok(mut p) => {
            p.notice = (q.notice == "saved").then_some(session.texts().saved);
            p.into_response()
        }
        Err(e) => session::internal(session.lang, "the users page", &e),
    }
}

/// `POST /ui/admin/users`: create a user; the personal API token is on this response
/// only. The password is never echoed back.
pub(crate) async fn users_create(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    body: Bytes,
) -> Response {
    let Some(fields) = checked_form(&session, &body) else {
        return session::forbidden(session.lang);
    };
    let email = field(&fields, "email")
        .unwrap_or_default()
        .trim()
        .to_string();
    let req = sites::NewUser {
        email: email.clone(),
        role: field(&fields, "role").unwrap_or_default(),
        sites: fields
            .iter()
            .filter(|(k, _)| k == "sites")
            .map(|(_, v)| v.clone())
            .collect(),
        password: field(&fields, "password").filter(|p| !p.is_empty()),
    };
    let res = sites::create_user(
        State(state.clone()),
        AdminToken(session.user.clone()),
        ApiJson(req),
    )
    .await;
    let (status, token, error) = match res {
        Ok((_, created)) => (StatusCode::CREATED, Some(created.0.token.clone()), None),
        Err(e) if is_server_error(&e) => {
            return session::internal(session.lang, "creating a user", &e);
        }
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, None, Some(error_text(&e))),
    };
    match users_page(&state, &session).await {
        Ok(mut p) => {
            if error.is_some() {
                p.email = email;
            }
            p.token = token;
            p.error = error;
            (status, p).into_response()
        }
        Err(e) => session::internal(session.lang, "the users page", &e),
    }
}

/// `POST /ui/admin/users/{id}/disable`: the user's sessions and tokens stop working.
pub(crate) async fn users_disable(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    if checked_form(&session, &body).is_none() {
        return session::forbidden(session.lang);
    }
    if id == session.user.user.id {
        return session::forbidden(session.lang);
    }
    let res = sites::disable_user(
        State(state.clone()),
        AdminToken(session.user.clone()),
        Path(id),
    )
    .await;
    match res {
        Ok(_) => Redirect::to("/ui/admin/users?notice=saved").into_response(),
        Err(ApiError::NotFound) => session::not_found(&session),
        Err(e) => session::internal(session.lang, "disabling a user", &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn policy_form_edits_mode_and_thresholds_and_names_a_typo() {
        let f = form(&[
            ("mode", "premoderate"),
            ("spam_review", "0,4"),
            ("spam_reject", "0.9"),
            ("abuse_review", "0.5"),
            ("abuse_reject", "0.8"),
        ]);
        let p = edited_policy(Policy::default(), &f).unwrap_or_default();
        assert!((p.thresholds.spam.review_at - 0.4).abs() < 1e-6);
        assert_eq!(
            serde_json::to_value(p.mode).ok(),
            Some(serde_json::json!("premoderate"))
        );
        let bad = form(&[("mode", "auto"), ("spam_review", "lots")]);
        match edited_policy(Policy::default(), &bad) {
            Err(ApiError::Validation { field, .. }) => assert_eq!(field, "spam_review"),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn metrics_are_flattened_and_rounded() {
        let m = serde_json::json!({"spam": {"f1": 0.912345, "n": 10}, "note": "x"});
        let flat = flatten_metrics(&m);
        assert!(flat.contains(&("spam.f1".to_string(), "0.912".to_string())));
        assert!(flat.contains(&("spam.n".to_string(), "10".to_string())));
    }
}
