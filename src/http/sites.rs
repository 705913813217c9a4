//! Admin endpoints for sites (create, list, keys, policy), users, and moderation
//! statistics.

use super::error::{ApiError, ApiResult, Problem};
use super::extract::{AdminToken, ApiJson};
use crate::app::AppState;
use crate::moderation::Policy;
use crate::store::{SiteRow, UserRow};
use crate::webhooks::rfc3339;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct SiteView {
    pub id: String,
    pub name: String,
    pub callback_url: Option<String>,
    pub created_at: String,
}

impl From<SiteRow> for SiteView {
    fn from(s: SiteRow) -> Self {
        SiteView {
            id: s.id,
            name: s.name,
            callback_url: s.callback_url,
            created_at: rfc3339(s.created_at),
        }
    }
}

/// Every site.
#[utoipa::path(get, path = "/v1/admin/sites", tag = "admin", responses((status = 200, body = Vec<SiteView>)),
    security(("user_token" = [])))]
pub async fn list_sites(
    State(state): State<AppState>,
    AdminToken(_admin): AdminToken,
) -> ApiResult<Json<Vec<SiteView>>> {
    Ok(Json(
        state
            .store()
            .list_sites()
            .await?
            .into_iter()
            .map(SiteView::from)
            .collect(),
    ))
}

#[derive(Deserialize, Debug, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSite {
    pub name: String,
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct CreatedSite {
    pub site_id: String,
    /// Shown only this once.
    pub api_key: String,
    /// Shown only this once.
    pub webhook_secret: String,
}

/// Create a site with the configured default policy; its API key is shown once.
#[utoipa::path(post, path = "/v1/admin/sites", tag = "admin", request_body = NewSite,
    responses((status = 201, body = CreatedSite), (status = 409, body = Problem)), security(("user_token" = [])))]
pub async fn create_site(
    State(state): State<AppState>,
    AdminToken(_admin): AdminToken,
    ApiJson(req): ApiJson<NewSite>,
) -> ApiResult<(StatusCode, Json<CreatedSite>)> {
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::validation("name", "1 to 200 characters"));
    }
    let (site, key) = state
        .store()
        .create_site(name, None, &state.settings().policy, state.now())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedSite {
            site_id: site.id,
            api_key: key,
            webhook_secret: site.webhook_secret,
        }),
    ))
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct RotatedKey {
    /// Shown only this once; the previous keys stop working now.
    pub api_key: String,
}

/// Issue a new API key for a site and revoke the old ones.
#[utoipa::path(post, path = "/v1/admin/sites/{id}/api-key/rotate", tag = "admin", params(("id" = String, Path)),
    responses((status = 200, body = RotatedKey), (status = 404, body = Problem)), security(("user_token" = [])))]
pub async fn rotate_key(
    State(state): State<AppState>,
    AdminToken(_admin): AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<RotatedKey>> {
    let api_key = state.store().rotate_api_key(&id, state.now()).await?;
    state.sites_changed();
    Ok(Json(RotatedKey { api_key }))
}

/// A site's moderation policy.
#[utoipa::path(get, path = "/v1/admin/sites/{id}/policy", tag = "admin", params(("id" = String, Path)),
    responses((status = 200, body = Policy), (status = 404, body = Problem)), security(("user_token" = [])))]
pub async fn get_policy(
    State(state): State<AppState>,
    AdminToken(_admin): AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Policy>> {
    Ok(Json(state.store().get_site(&id).await?.policy()?))
}

/// Replace a site's policy; thresholds must lie in 0..1 with `review_at ≤ reject_at`.
#[utoipa::path(put, path = "/v1/admin/sites/{id}/policy", tag = "admin", params(("id" = String, Path)),
    request_body = Policy,
    responses((status = 200, body = Policy), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("user_token" = [])))]
pub async fn put_policy(
    State(state): State<AppState>,
    AdminToken(_admin): AdminToken,
    Path(id): Path<String>,
    ApiJson(policy): ApiJson<Policy>,
) -> ApiResult<Json<Policy>> {
    policy
        .validate()
        .map_err(|e| ApiError::validation(e.field, e.message))?;
    state.store().update_site_policy(&id, &policy).await?;
    state.sites_changed();
    Ok(Json(policy))
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct UserView {
    #[serde(flatten)]
    pub user: UserRow,
    pub sites: Vec<String>,
}

/// Every user with their site scope.
#[utoipa::path(get, path = "/v1/admin/users", tag = "admin", responses((status = 200, body = Vec<UserView>)),
    security(("user_token" = [])))]
pub async fn list_users(
    State(state): State<AppState>,
    AdminToken(_admin): AdminToken,
) -> ApiResult<Json<Vec<UserView>>> {
    let users = state.store().list_users().await?;
    Ok(Json(
        users
            .into_iter()
            .map(|(user, sites)| UserView { user, sites })
            .collect(),
    ))
}

#[derive(Deserialize, Debug, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub email: String,
    /// `admin` or `moderator`.
    pub role: String,
    /// Sites a moderator works on.
    #[serde(default)]
    pub sites: Vec<String>,
    /// For the web UI (at least 8 characters); without it the user has a token only.
    #[serde(default)]
    pub password: Option<String>,
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct CreatedUser {
    pub user_id: String,
    /// A personal bearer token, shown only this once.
    pub token: String,
}

/// Create a user; the token is shown once.
#[utoipa::path(post, path = "/v1/admin/users", tag = "admin", request_body = NewUser,
    responses((status = 201, body = CreatedUser), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("user_token" = [])))]
pub async fn create_user(
    State(state): State<AppState>,
    AdminToken(_admin): AdminToken,
    ApiJson(req): ApiJson<NewUser>,
) -> ApiResult<(StatusCode, Json<CreatedUser>)> {
    if !req.email.contains('@') || req.email.chars().count() > 254 {
        return Err(ApiError::validation("email", "not an e-mail address"));
    }
    if req.role != "admin" && req.role != "moderator" {
        return Err(ApiError::validation("role", "admin or moderator"));
    }
    let hash = match req.password.as_deref() {
        Some(p) if p.chars().count() < 8 => {
            return Err(ApiError::validation("password", "at least 8 characters"));
        }
        Some(p) => {
            let p = p.to_string();
            // Hashing is deliberately slow; keep it off the async workers.
            let hashed = tokio::task::spawn_blocking(move || crate::auth::hash_password(&p))
                .await
                .map_err(|e| ApiError::Internal(e.to_string()))?
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            Some(hashed)
        }
        None => None,
    };
    for site in &req.sites {
        state
            .store()
            .get_site(site)
            .await
            .map_err(|_| ApiError::validation("sites", format!("no site {site}")))?;
    }
    let (user, token) = state
        .store()
        .create_user(
            &req.email,
            &req.role,
            hash.as_deref(),
            &req.sites,
            state.now(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedUser {
            user_id: user.id,
            token,
        }),
    ))
}

/// Disable a user and revoke their tokens.
#[utoipa::path(delete, path = "/v1/admin/users/{id}", tag = "admin", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = Problem)), security(("user_token" = [])))]
pub async fn disable_user(
    State(state): State<AppState>,
    AdminToken(_admin): AdminToken,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.store().disable_user(&id, state.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Debug, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    pub site: Option<String>,
    /// RFC 3339 or Unix milliseconds; default: the last 30 days.
    pub since: Option<String>,
}

/// Agreement of the model's suggestion with moderators' decisions for one head.
#[derive(Serialize, Debug, Default, utoipa::ToSchema)]
pub struct Agreement {
    /// Moderator decisions that say something about this head.
    pub decisions: u64,
    pub true_positives: u64,
    pub false_positives: u64,
    pub false_negatives: u64,
    pub true_negatives: u64,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct Stats {
    pub since: String,
    /// Comments received, by current status.
    pub volume: BTreeMap<String, u64>,
    /// Decisions by outcome and source (`policy`, `rule`, `moderator`).
    pub decisions: BTreeMap<String, BTreeMap<String, u64>>,
    pub queue_depth: u64,
    pub oldest_pending_age_s: Option<i64>,
    pub median_time_to_decision_s: Option<i64>,
    /// Per head: the model's suggestion (score ≥ the site's `review_at`) against the
    /// moderators' decisions — a live precision/recall estimate.
    pub agreement: BTreeMap<String, Agreement>,
}

/// The moderator reason codes that confirm each head.
fn head_confirmed(head: &str, reason: Option<&str>) -> bool {
    match head {
        "spam" => reason == Some("spam"),
        _ => matches!(reason, Some("abuse" | "hate" | "harassment")),
    }
}

/// Volume, decisions, queue health and model/moderator agreement.
#[utoipa::path(get, path = "/v1/admin/stats", tag = "admin", params(StatsQuery),
    responses((status = 200, body = Stats)), security(("user_token" = [])))]
pub async fn stats(
    State(state): State<AppState>,
    AdminToken(_admin): AdminToken,
    Query(q): Query<StatsQuery>,
) -> ApiResult<Json<Stats>> {
    let now = state.now();
    let since = match q.since.as_deref() {
        Some(s) => super::queue::parse_time(s)
            .ok_or_else(|| ApiError::validation("since", "RFC 3339 or Unix ms"))?,
        None => now - 30 * 86_400_000,
    };
    let rows = state
        .store()
        .comments_since(q.site.as_deref(), since)
        .await?;
    let mut stats = Stats {
        since: rfc3339(since),
        volume: BTreeMap::new(),
        decisions: BTreeMap::new(),
        queue_depth: 0,
        oldest_pending_age_s: None,
        median_time_to_decision_s: None,
        agreement: BTreeMap::new(),
    };
    let mut waits = Vec::new();
    let mut thresholds: BTreeMap<String, Policy> = BTreeMap::new();
    for c in &rows {
        *stats.volume.entry(c.status.clone()).or_default() += 1;
        *stats
            .decisions
            .entry(c.decision.clone())
            .or_default()
            .entry(c.decided_by.clone())
            .or_default() += 1;
        if c.status == "pending" && c.deleted_at.is_none() {
            stats.queue_depth += 1;
            let age = (now - c.created_at) / 1000;
            stats.oldest_pending_age_s =
                Some(stats.oldest_pending_age_s.map_or(age, |a| a.max(age)));
        }
        let Some(decided_at) = c.decided_at.filter(|_| c.decided_by == "moderator") else {
            continue;
        };
        waits.push((decided_at - c.created_at) / 1000);
        if !thresholds.contains_key(&c.site_id) {
            let policy = state.store().get_site(&c.site_id).await?.policy()?;
            thresholds.insert(c.site_id.clone(), policy);
        }
        let policy = &thresholds[&c.site_id];
        let scores: crate::moderation::Scores = serde_json::from_str(&c.scores).unwrap_or_default();
        for (head, score, review_at) in [
            ("spam", scores.spam, policy.thresholds.spam.review_at),
            ("abuse", scores.abuse, policy.thresholds.abuse.review_at),
        ] {
            let confirmed = head_confirmed(head, c.decision_reason.as_deref());
            // An approval says "neither"; a rejection for another reason says nothing here.
            if c.status == "rejected" && !confirmed {
                continue;
            }
            let flagged = score >= review_at;
            let a = stats.agreement.entry(head.to_string()).or_default();
            a.decisions += 1;
            match (flagged, confirmed) {
                (true, true) => a.true_positives += 1,
                (true, false) => a.false_positives += 1,
                (false, true) => a.false_negatives += 1,
                (false, false) => a.true_negatives += 1,
            }
        }
    }
    for a in stats.agreement.values_mut() {
        let ratio = |n: u64, d: u64| (d > 0).then(|| n as f64 / d as f64);
        a.precision = ratio(a.true_positives, a.true_positives + a.false_positives);
        a.recall = ratio(a.true_positives, a.true_positives + a.false_negatives);
    }
    waits.sort_unstable();
    stats.median_time_to_decision_s = waits.get(waits.len() / 2).copied();
    Ok(Json(stats))
}
