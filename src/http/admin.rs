//! Admin endpoints for rules: per-site rules on top of the shipped packs (a site rule
//! with a shipped rule's id replaces it for that site), testing a text, and
//! backtesting a candidate rule over recent comments before saving it.

use super::error::{ApiError, ApiResult, Problem};
use super::extract::{AdminToken, ApiJson};
use crate::app::AppState;
use crate::app::merge_rule_defs;
use crate::moderation::policy::rule_reason;
use crate::moderation::rules::{RuleDef, RuleSet};
use crate::moderation::{CommentInput, Engine, Reason, prepare_fields};
use crate::store::RuleRow;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Deserialize, Debug, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SiteQuery {
    /// The site whose rules are meant.
    pub site: String,
}

/// A stored site rule.
#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct StoredRule {
    pub site_id: String,
    pub rule: RuleDef,
    /// Whether it replaces a shipped rule of the same id.
    pub overrides_shipped: bool,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct RuleList {
    pub site_id: String,
    pub rules_version: String,
    /// The site's own rules.
    pub rules: Vec<StoredRule>,
    /// Ids of the shipped rules in force for every site.
    pub shipped: Vec<String>,
}

fn to_stored(state: &AppState, row: &RuleRow) -> ApiResult<StoredRule> {
    let rule: RuleDef = serde_json::from_str(&row.definition)
        .map_err(|e| ApiError::Internal(format!("stored rule {} unreadable: {e}", row.id)))?;
    let overrides_shipped = state.engines().base_defs().iter().any(|d| d.id == rule.id);
    Ok(StoredRule {
        site_id: row.site_id.clone(),
        rule,
        overrides_shipped,
        created_at: crate::webhooks::rfc3339(row.created_at),
        updated_at: crate::webhooks::rfc3339(row.updated_at),
    })
}

/// The site must exist; admins see every site.
async fn require_site(state: &AppState, site: &str) -> ApiResult<()> {
    state.store().get_site(site).await?;
    Ok(())
}

async fn site_rule_defs(state: &AppState, site: &str) -> ApiResult<Vec<RuleDef>> {
    let rows = state.store().list_rules(site).await?;
    rows.iter()
        .map(|r| {
            serde_json::from_str::<RuleDef>(&r.definition)
                .map_err(|e| ApiError::Internal(e.to_string()))
        })
        .collect()
}

/// Compile the site's rules with `candidate` in place; a compile error names the rule.
async fn compile_with(
    state: &AppState,
    site: &str,
    candidate: Option<&RuleDef>,
) -> ApiResult<RuleSet> {
    let mut own = site_rule_defs(state, site).await?;
    if let Some(c) = candidate {
        own.retain(|d| d.id != c.id);
        own.push(c.clone());
    }
    let defs = merge_rule_defs(state.engines().base_defs(), own);
    RuleSet::compile(defs, "candidate").map_err(|e| ApiError::validation("rule", e.to_string()))
}

/// List a site's own rules and the shipped rule ids.
#[utoipa::path(get, path = "/v1/admin/rules", tag = "admin", params(SiteQuery),
    responses((status = 200, body = RuleList), (status = 404, body = Problem)), security(("user_token" = [])))]
pub async fn list_rules(
    State(state): State<AppState>,
    AdminToken(_admin): AdminToken,
    Query(q): Query<SiteQuery>,
) -> ApiResult<Json<RuleList>> {
    require_site(&state, &q.site).await?;
    let rows = state.store().list_rules(&q.site).await?;
    let rules = rows
        .iter()
        .map(|r| to_stored(&state, r))
        .collect::<ApiResult<Vec<_>>>()?;
    let engines = state.engines();
    Ok(Json(RuleList {
        site_id: q.site.clone(),
        rules_version: engines.for_site(&q.site).rules_version(),
        rules,
        shipped: engines.base_defs().iter().map(|d| d.id.clone()).collect(),
    }))
}

/// Add a rule to a site. It is compiled first: a malformed rule is a `422` naming it.
#[utoipa::path(post, path = "/v1/admin/rules", tag = "admin", params(SiteQuery), request_body = RuleDef,
    responses((status = 201, body = StoredRule), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("user_token" = [])))]
pub async fn create_rule(
    State(state): State<AppState>,
    AdminToken(admin): AdminToken,
    Query(q): Query<SiteQuery>,
    ApiJson(rule): ApiJson<RuleDef>,
) -> ApiResult<(StatusCode, Json<StoredRule>)> {
    require_site(&state, &q.site).await?;
    compile_with(&state, &q.site, Some(&rule)).await?;
    let json = serde_json::to_string(&rule).map_err(|e| ApiError::Internal(e.to_string()))?;
    let actor = format!("admin:{}", admin.user.id);
    state
        .store()
        .save_rule(
            &q.site,
            &rule.id,
            &json,
            true,
            &actor,
            crate::store::now_ms(),
        )
        .await
        .map_err(|e| match e {
            crate::store::StoreError::Conflict(_) => {
                ApiError::Conflict(format!("rule {} already exists", rule.id))
            }
            other => other.into(),
        })?;
    reload(&state).await;
    let row = state.store().get_rule(&q.site, &rule.id).await?;
    Ok((StatusCode::CREATED, Json(to_stored(&state, &row)?)))
}

/// One of a site's rules.
#[utoipa::path(get, path = "/v1/admin/rules/{id}", tag = "admin", params(("id" = String, Path), SiteQuery),
    responses((status = 200, body = StoredRule), (status = 404, body = Problem)), security(("user_token" = [])))]
pub async fn get_rule(
    State(state): State<AppState>,
    AdminToken(_admin): AdminToken,
    Path(id): Path<String>,
    Query(q): Query<SiteQuery>,
) -> ApiResult<Json<StoredRule>> {
    let row = state.store().get_rule(&q.site, &id).await?;
    Ok(Json(to_stored(&state, &row)?))
}

/// Replace one of a site's rules.
#[utoipa::path(put, path = "/v1/admin/rules/{id}", tag = "admin", params(("id" = String, Path), SiteQuery),
    request_body = RuleDef,
    responses((status = 200, body = StoredRule), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("user_token" = [])))]
pub async fn update_rule(
    State(state): State<AppState>,
    AdminToken(admin): AdminToken,
    Path(id): Path<String>,
    Query(q): Query<SiteQuery>,
    ApiJson(rule): ApiJson<RuleDef>,
) -> ApiResult<Json<StoredRule>> {
    if rule.id != id {
        return Err(ApiError::validation("id", "must match the id in the path"));
    }
    state.store().get_rule(&q.site, &id).await?;
    compile_with(&state, &q.site, Some(&rule)).await?;
    let json = serde_json::to_string(&rule).map_err(|e| ApiError::Internal(e.to_string()))?;
    let actor = format!("admin:{}", admin.user.id);
    state
        .store()
        .save_rule(&q.site, &id, &json, false, &actor, crate::store::now_ms())
        .await?;
    reload(&state).await;
    let row = state.store().get_rule(&q.site, &id).await?;
    Ok(Json(to_stored(&state, &row)?))
}

/// Remove one of a site's rules (a shipped rule it overrode applies again).
#[utoipa::path(delete, path = "/v1/admin/rules/{id}", tag = "admin", params(("id" = String, Path), SiteQuery),
    responses((status = 204), (status = 404, body = Problem)), security(("user_token" = [])))]
pub async fn delete_rule(
    State(state): State<AppState>,
    AdminToken(admin): AdminToken,
    Path(id): Path<String>,
    Query(q): Query<SiteQuery>,
) -> ApiResult<StatusCode> {
    let actor = format!("admin:{}", admin.user.id);
    state
        .store()
        .delete_rule(&q.site, &id, &actor, crate::store::now_ms())
        .await?;
    reload(&state).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Apply a change on this instance at once and notify the others.
async fn reload(state: &AppState) {
    state.changed("rules").await;
}

/// A text to try the rules on.
#[derive(Deserialize, Debug, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleTestRequest {
    /// Whose rules; without it, only the shipped packs (or `rule`) are used.
    #[serde(default)]
    pub site: Option<String>,
    pub text: String,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    /// A candidate rule: only its matches are reported.
    #[serde(default)]
    pub rule: Option<RuleDef>,
}

/// One rule match, as in a verdict's reasons.
#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct RuleTestResponse {
    pub rules_version: String,
    pub matches: Vec<Reason>,
}

/// Which rules match a text, with spans into it.
#[utoipa::path(post, path = "/v1/admin/rules/test", tag = "admin", request_body = RuleTestRequest,
    responses((status = 200, body = RuleTestResponse), (status = 422, body = Problem)), security(("user_token" = [])))]
pub async fn test_rules(
    State(state): State<AppState>,
    AdminToken(_admin): AdminToken,
    ApiJson(req): ApiJson<RuleTestRequest>,
) -> ApiResult<Json<RuleTestResponse>> {
    let rules = match &req.site {
        Some(site) => {
            require_site(&state, site).await?;
            Arc::new(compile_with(&state, site, req.rule.as_ref()).await?)
        }
        None => {
            let mut defs = state.engines().base_defs().to_vec();
            if let Some(c) = &req.rule {
                defs.retain(|d| d.id != c.id);
                defs.push(c.clone());
            }
            Arc::new(
                RuleSet::compile(defs, "candidate")
                    .map_err(|e| ApiError::validation("rule", e.to_string()))?,
            )
        }
    };
    let input = CommentInput {
        body: &req.text,
        subject: req.subject.as_deref(),
        author_name: req.name.as_deref(),
        ..CommentInput::default()
    };
    let fields = prepare_fields(&input);
    let only = req.rule.as_ref().map(|r| r.id.as_str());
    let matches = rules
        .evaluate(&fields, &input)
        .iter()
        .filter(|m| only.is_none_or(|id| m.rule_id == id))
        .map(rule_reason)
        .collect();
    let version = match &req.site {
        Some(site) => state.engines().for_site(site).rules_version(),
        None => state.engines().for_site("").rules_version(),
    };
    Ok(Json(RuleTestResponse {
        rules_version: version,
        matches,
    }))
}

#[derive(Deserialize, Debug, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BacktestRequest {
    pub site: String,
    pub rule: RuleDef,
    /// How many of the site's most recent comments to scan (default 500, at most 5000).
    #[serde(default)]
    pub limit: Option<u32>,
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct BacktestHit {
    pub comment_id: String,
    pub external_id: String,
    pub status: String,
    pub matches: Vec<Reason>,
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct BacktestResponse {
    pub scanned: usize,
    pub matched: usize,
    /// Matched comments by their current status.
    pub matched_by_status: BTreeMap<String, usize>,
    /// Scanned comments by their current status, to compare against.
    pub scanned_by_status: BTreeMap<String, usize>,
    pub hits: Vec<BacktestHit>,
}

/// Which of a site's recent comments a candidate rule would match, before saving it.
#[utoipa::path(post, path = "/v1/admin/rules/backtest", tag = "admin", request_body = BacktestRequest,
    responses((status = 200, body = BacktestResponse), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("user_token" = [])))]
pub async fn backtest_rule(
    State(state): State<AppState>,
    AdminToken(_admin): AdminToken,
    ApiJson(req): ApiJson<BacktestRequest>,
) -> ApiResult<Json<BacktestResponse>> {
    require_site(&state, &req.site).await?;
    let limit = req.limit.unwrap_or(500).clamp(1, 5000);
    let rules = compile_with(&state, &req.site, Some(&req.rule)).await?;
    let engine = Engine {
        rules: Arc::new(rules),
        model: None,
    };
    let rows = state
        .store()
        .recent_comments(&req.site, i64::from(limit))
        .await?;
    let mut response = BacktestResponse {
        scanned: rows.len(),
        matched: 0,
        matched_by_status: BTreeMap::new(),
        scanned_by_status: BTreeMap::new(),
        hits: Vec::new(),
    };
    for row in &rows {
        *response
            .scanned_by_status
            .entry(row.status.clone())
            .or_default() += 1;
        let input = CommentInput {
            body: &row.body,
            subject: row.subject.as_deref(),
            author_name: row.author_name.as_deref(),
            author_id: &row.author_id,
            ..CommentInput::default()
        };
        let fields = prepare_fields(&input);
        let matches: Vec<Reason> = engine
            .rules
            .evaluate(&fields, &input)
            .iter()
            .filter(|m| m.rule_id == req.rule.id)
            .map(rule_reason)
            .collect();
        if !matches.is_empty() {
            response.matched += 1;
            *response
                .matched_by_status
                .entry(row.status.clone())
                .or_default() += 1;
            response.hits.push(BacktestHit {
                comment_id: row.id.clone(),
                external_id: row.external_id.clone(),
                status: row.status.clone(),
                matches,
            });
        }
    }
    Ok(Json(response))
}
