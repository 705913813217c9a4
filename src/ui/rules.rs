//! The rules admin page: a site's rules, an editor (the rule as JSON, as the API takes
//! it), "test a text" with the matches highlighted, and a backtest over the site's
//! recent comments before saving. One form with three buttons, so all of it works
//! without JavaScript.
//!
//! Testing, backtesting and saving call `http::admin`'s handlers, which compile the
//! rule with the site's others exactly as a save would.

use super::admin::{checked_form, error_text};
use super::comment::field;
use super::i18n::{Texts, describe};
use super::pages::{Choice, Seg, SessionView, highlight};
use super::queue::choice;
use super::session::{self, AdminSession, Session};
use crate::app::AppState;
use crate::http::admin::{self as api, BacktestRequest, RuleTestRequest, SiteQuery};
use crate::http::error::ApiError;
use crate::http::extract::{AdminToken, ApiJson};
use crate::moderation::Field;
use crate::moderation::rules::RuleDef;
use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// How many recent comments a backtest from the page scans.
const BACKTEST_LIMIT: u32 = 500;

/// What a new rule starts from: a valid keyword rule to edit.
const NEW_RULE: &str = r#"{
  "id": "site-keyword",
  "kind": "keyword",
  "lang": "any",
  "terms": ["casino"],
  "label": "spam",
  "action": "review"
}"#;

/// A stored rule in the list.
pub(crate) struct RuleItem {
    pub(crate) id: String,
    pub(crate) summary: String,
    pub(crate) overrides_shipped: bool,
    pub(crate) updated_at: String,
}

/// A backtest hit: a comment the candidate rule matches.
pub(crate) struct HitView {
    pub(crate) comment_id: String,
    pub(crate) status: String,
    pub(crate) matched: String,
}

/// The backtest's answer.
pub(crate) struct BacktestView {
    pub(crate) scanned: usize,
    pub(crate) matched: usize,
    pub(crate) by_status: String,
    pub(crate) hits: Vec<HitView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_rules.html")]
pub(crate) struct RulesPage {
    pub(crate) t: &'static Texts,
    pub(crate) session: Option<SessionView>,
    pub(crate) csrf: String,
    pub(crate) sites: Vec<Choice>,
    pub(crate) site: String,
    pub(crate) rules: Vec<RuleItem>,
    pub(crate) shipped: String,
    /// The rule being edited (`""` for a new one) and the editor's text.
    pub(crate) original: String,
    pub(crate) rule_json: String,
    pub(crate) text: String,
    pub(crate) error: Option<String>,
    pub(crate) notice: Option<&'static str>,
    /// "Test a text": the text with the candidate's matches marked, and the matches.
    pub(crate) tested: Option<(Vec<Seg>, Vec<String>)>,
    pub(crate) backtest: Option<BacktestView>,
}

#[derive(Deserialize, Debug, Default)]
pub(crate) struct RulesQuery {
    #[serde(default)]
    site: String,
    #[serde(default)]
    edit: String,
    #[serde(default)]
    notice: String,
}

/// The page with the site's rules; `site` empty picks the first site.
async fn page(
    state: &AppState,
    session: &Session,
    site: &str,
    edit: &str,
) -> Result<RulesPage, ApiError> {
    let all = state.store().list_sites().await?;
    let site = if site.is_empty() {
        all.first().map(|s| s.id.clone()).unwrap_or_default()
    } else {
        site.to_string()
    };
    let (rules, shipped, rule_json) = if site.is_empty() {
        (Vec::new(), String::new(), NEW_RULE.to_string())
    } else {
        let list = api::list_rules(
            State(state.clone()),
            AdminToken(session.user.clone()),
            Query(SiteQuery { site: site.clone() }),
        )
        .await?
        .0;
        let json = list
            .rules
            .iter()
            .find(|r| r.rule.id == edit)
            .and_then(|r| serde_json::to_string_pretty(&r.rule).ok())
            .unwrap_or_else(|| NEW_RULE.to_string());
        let items = list
            .rules
            .iter()
            .map(|r| RuleItem {
                id: r.rule.id.clone(),
                summary: summary(&r.rule),
                overrides_shipped: r.overrides_shipped,
                updated_at: r.updated_at.clone(),
            })
            .collect();
        (items, list.shipped.join(", "), json)
    };
    let known_edit = rules.iter().any(|r: &RuleItem| r.id == edit);
    Ok(RulesPage {
        t: session.texts(),
        session: session.view(),
        csrf: session.csrf.clone(),
        sites: all.iter().map(|s| choice(&s.id, &s.name, &site)).collect(),
        site,
        rules,
        shipped,
        original: if known_edit {
            edit.to_string()
        } else {
            String::new()
        },
        rule_json,
        text: String::new(),
        error: None,
        notice: None,
        tested: None,
        backtest: None,
    })
}

/// A rule in one line: kind, label, action and what it looks for.
fn summary(r: &RuleDef) -> String {
    let value = |v: serde_json::Result<serde_json::Value>| {
        v.ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    };
    let what = if !r.terms.is_empty() {
        r.terms.join(", ")
    } else if let Some(p) = &r.pattern {
        p.clone()
    } else {
        r.domains.join(", ")
    };
    format!(
        "{} · {} → {}{} · {}",
        value(serde_json::to_value(r.kind)),
        value(serde_json::to_value(r.label)),
        value(serde_json::to_value(r.action)),
        if r.enabled { "" } else { " (off)" },
        what.chars().take(120).collect::<String>()
    )
}

/// `GET /ui/admin/rules?site=…&edit=…`
pub(crate) async fn show(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Query(q): Query<RulesQuery>,
) -> Response {
    match page(&state, &session, &q.site, &q.edit).await {
        Ok(mut p) => {
            p.notice = (q.notice == "saved").then_some(session.texts().saved);
            p.into_response()
        }
        Err(ApiError::NotFound) => session::not_found(&session),
        Err(e) => session::internal(session.lang, "the rules page", &e),
    }
}

/// `POST /ui/admin/rules?site=…`: `action` is `test`, `backtest` or `save`.
pub(crate) async fn submit(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Query(q): Query<RulesQuery>,
    body: Bytes,
) -> Response {
    let Some(fields) = checked_form(&session, &body) else {
        return session::forbidden(session.lang);
    };
    let original = field(&fields, "original").unwrap_or_default();
    let mut p = match page(&state, &session, &q.site, &original).await {
        Ok(p) => p,
        Err(ApiError::NotFound) => return session::not_found(&session),
        Err(e) => return session::internal(session.lang, "the rules page", &e),
    };
    p.rule_json = field(&fields, "rule").unwrap_or_default();
    p.text = field(&fields, "text").unwrap_or_default();
    let rule: RuleDef = match serde_json::from_str(&p.rule_json) {
        Ok(r) => r,
        Err(e) => {
            p.error = Some(format!("rule: {e}"));
            return (StatusCode::UNPROCESSABLE_ENTITY, p).into_response();
        }
    };
    let action = field(&fields, "action").unwrap_or_default();
    let result = match action.as_str() {
        "test" => test(&state, &session, &mut p, rule).await,
        "backtest" => backtest(&state, &session, &mut p, rule).await,
        "save" => match save(&state, &session, &p.site, &original, rule).await {
            Ok(id) => {
                return Redirect::to(&format!(
                    "/ui/admin/rules?site={}&edit={}&notice=saved",
                    form_urlencoded::byte_serialize(p.site.as_bytes()).collect::<String>(),
                    form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>()
                ))
                .into_response();
            }
            Err(e) => Err(e),
        },
        _ => Err(ApiError::validation("action", "test, backtest or save")),
    };
    match result {
        Ok(()) => p.into_response(),
        Err(e @ (ApiError::Unavailable(_) | ApiError::Internal(_))) => {
            session::internal(session.lang, "a rule action", &e)
        }
        Err(e) => {
            p.error = Some(error_text(&e));
            (StatusCode::UNPROCESSABLE_ENTITY, p).into_response()
        }
    }
}

/// `POST /ui/admin/rules/{id}/delete?site=…`: remove one of the site's rules (a
/// shipped rule it replaced applies again).
pub(crate) async fn delete(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Path(id): Path<String>,
    Query(q): Query<RulesQuery>,
    body: Bytes,
) -> Response {
    if checked_form(&session, &body).is_none() {
        return session::forbidden(session.lang);
    }
    let res = api::delete_rule(
        State(state.clone()),
        AdminToken(session.user.clone()),
        Path(id),
        Query(SiteQuery {
            site: q.site.clone(),
        }),
    )
    .await;
    match res {
        Ok(_) => Redirect::to(&format!(
            "/ui/admin/rules?site={}&notice=saved",
            form_urlencoded::byte_serialize(q.site.as_bytes()).collect::<String>()
        ))
        .into_response(),
        Err(ApiError::NotFound) => session::not_found(&session),
        Err(e) => session::internal(session.lang, "deleting a rule", &e),
    }
}

/// Run the candidate on the typed text and mark what it matches.
async fn test(
    state: &AppState,
    session: &Session,
    p: &mut RulesPage,
    rule: RuleDef,
) -> Result<(), ApiError> {
    let req = RuleTestRequest {
        site: Some(p.site.clone()).filter(|s| !s.is_empty()),
        text: p.text.clone(),
        subject: None,
        name: None,
        rule: Some(rule),
    };
    let res = api::test_rules(
        State(state.clone()),
        AdminToken(session.user.clone()),
        ApiJson(req),
    )
    .await?
    .0;
    let spans: Vec<(usize, usize)> = res
        .matches
        .iter()
        .filter_map(|m| m.span)
        .filter(|s| s.field == Field::Body)
        .map(|s| (s.start, s.end))
        .collect();
    p.tested = Some((
        highlight(&p.text, &spans),
        res.matches
            .iter()
            .map(|m| describe(m, session.lang))
            .collect(),
    ));
    Ok(())
}

/// Which of the site's recent comments the candidate would match.
async fn backtest(
    state: &AppState,
    session: &Session,
    p: &mut RulesPage,
    rule: RuleDef,
) -> Result<(), ApiError> {
    let req = BacktestRequest {
        site: p.site.clone(),
        rule,
        limit: Some(BACKTEST_LIMIT),
    };
    let res = api::backtest_rule(
        State(state.clone()),
        AdminToken(session.user.clone()),
        ApiJson(req),
    )
    .await?
    .0;
    p.backtest = Some(BacktestView {
        scanned: res.scanned,
        matched: res.matched,
        by_status: res
            .matched_by_status
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k} {v}/{}",
                    res.scanned_by_status.get(k).copied().unwrap_or(0)
                )
            })
            .collect::<Vec<_>>()
            .join(" · "),
        hits: res
            .hits
            .iter()
            .take(50)
            .map(|h| HitView {
                comment_id: h.comment_id.clone(),
                status: h.status.clone(),
                matched: h
                    .matches
                    .iter()
                    .filter_map(|m| m.matched.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect(),
    });
    Ok(())
}

/// Create the rule, or replace `original` (the id may not change on edit: a new id is
/// a new rule).
async fn save(
    state: &AppState,
    session: &Session,
    site: &str,
    original: &str,
    rule: RuleDef,
) -> Result<String, ApiError> {
    let id = rule.id.clone();
    let admin = AdminToken(session.user.clone());
    let q = Query(SiteQuery {
        site: site.to_string(),
    });
    if original.is_empty() || original != id {
        let _created = api::create_rule(State(state.clone()), admin, q, ApiJson(rule)).await?;
    } else {
        let _updated = api::update_rule(
            State(state.clone()),
            admin,
            Path(id.clone()),
            q,
            ApiJson(rule),
        )
        .await?;
    }
    Ok(id)
}
