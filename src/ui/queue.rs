//! The review queue page and its decision form. Listing reuses `Store::list_queue`
//! with the session's site scope; decisions go through the same
//! `http::queue::apply_decision` as the JSON API, so webhooks, audit and counters are
//! identical whichever way a moderator decides.

use super::i18n::describe;
use super::pages::{CampaignView, Card, Choice, Queue, ReportView, highlight, score_bar};
use super::session::{self, Session};
use crate::app::AppState;
use crate::http::error::ApiError;
use crate::http::queue::{
    CAMPAIGN_MIN_COPIES, CAMPAIGN_WINDOW_MS, CampaignRejectRequest, DecisionRequest,
    REJECT_REASONS, apply_decision, reject_campaign_as,
};
use crate::moderation::policy::{HeadThresholds, Policy};
use crate::moderation::signals::{parse_fingerprint, show_fingerprint};
use crate::moderation::{Field, Reason};
use crate::service::VerdictResponse;
use crate::store::{
    CampaignFilter, QueueFilter, QueueOrder, QueueRow, ReportRow, SiteRow, SiteScope,
};
use crate::webhooks::rfc3339;
use axum::Json;
use axum::extract::{Form, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// How many cards one page shows: a screenful of work, not the whole backlog.
const PAGE_SIZE: i64 = 50;

/// The queue's GET form. `lang` is the interface language (handled by the session);
/// the comment-language filter is `language`.
#[derive(Deserialize, Debug, Default)]
pub(crate) struct QueueParams {
    #[serde(default)]
    site: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    older_than: String,
    #[serde(default)]
    order: String,
    /// One campaign's copies: a fingerprint as `/v1/campaigns` shows it.
    #[serde(default)]
    campaign: String,
    #[serde(default)]
    notice: String,
}

impl QueueParams {
    /// The filters as a query string, to come back to the same view after a decision.
    fn back(&self) -> String {
        let mut pairs = Vec::new();
        for (k, v) in [
            ("site", &self.site),
            ("language", &self.language),
            ("reason", &self.reason),
            ("older_than", &self.older_than),
            ("order", &self.order),
            ("campaign", &self.campaign),
        ] {
            if !v.is_empty() {
                pairs.push(format!("{k}={}", encode(v)));
            }
        }
        pairs.join("&")
    }
}

/// Percent-encode a query value (everything but unreserved ASCII).
fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The age filter's choices and their length in milliseconds; a select rather than
/// free text, so there is nothing to validate.
const AGES: [(&str, i64); 3] = [("15m", 900_000), ("1h", 3_600_000), ("1d", 86_400_000)];

pub(super) fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

pub(super) fn choice(value: &str, label: &str, current: &str) -> Choice {
    Choice {
        value: value.to_string(),
        label: label.to_string(),
        selected: value == current,
    }
}

/// `GET /ui/queue`
#[tracing::instrument(skip_all)]
pub(crate) async fn show(
    State(state): State<AppState>,
    session: Session,
    Query(params): Query<QueueParams>,
) -> Response {
    match load(&state, &session, &params).await {
        Ok(page) => page.into_response(),
        Err(e) => session::internal(session.lang, "loading the queue", &e),
    }
}

async fn load(
    state: &AppState,
    session: &Session,
    p: &QueueParams,
) -> Result<Queue, crate::store::StoreError> {
    let t = session.texts();
    let user = &session.user;
    let scope = if user.is_admin() {
        SiteScope::All
    } else {
        SiteScope::Only(user.sites.clone())
    };
    let order = match p.order.as_str() {
        "risk" => QueueOrder::Risk,
        "uncertain" => QueueOrder::Uncertain,
        _ => QueueOrder::Oldest,
    };
    let filter = QueueFilter {
        scope,
        site: non_empty(&p.site),
        language: non_empty(&p.language),
        reason: non_empty(&p.reason),
        created_before: AGES
            .iter()
            .find(|(value, _)| *value == p.older_than)
            .map(|(_, ms)| state.now() - ms),
        // A fingerprint that does not parse matches nothing rather than everything.
        fingerprint: non_empty(&p.campaign).map(|c| parse_fingerprint(&c).unwrap_or(0)),
        order,
        limit: PAGE_SIZE,
        after: None,
    };
    let rows = state.store().list_queue(&filter).await?;
    let campaigns = state
        .store()
        .campaigns(&CampaignFilter {
            scope: filter.scope.clone(),
            site: filter.site.clone(),
            since: state.now() - CAMPAIGN_WINDOW_MS,
            min_copies: CAMPAIGN_MIN_COPIES,
            limit: 5,
        })
        .await?
        .into_iter()
        .map(|c| CampaignView {
            site_id: c.site_id,
            fingerprint: show_fingerprint(c.fingerprint),
            counts: c.counts,
            sample: shorten(&c.sample_body, 140),
        })
        .collect();
    let ids: Vec<String> = rows.iter().map(|r| r.comment.id.clone()).collect();
    let reports = state.store().reports_for(&ids).await?;
    let sites: Vec<SiteRow> = state
        .store()
        .list_sites()
        .await?
        .into_iter()
        .filter(|s| user.can_see_site(&s.id))
        .collect();
    let now = state.now();
    let cards = rows
        .iter()
        .filter_map(|r| card(r, &reports, &sites, session, now))
        .collect();
    let mut site_choices = vec![choice("", t.any, &p.site)];
    site_choices.extend(sites.iter().map(|s| choice(&s.id, &s.name, &p.site)));
    Ok(Queue {
        t,
        session: session.view(),
        sites: site_choices,
        languages: vec![
            choice("", t.any, &p.language),
            choice("ar", t.arabic, &p.language),
            choice("en", t.english, &p.language),
        ],
        ages: std::iter::once(choice("", t.ages[0], &p.older_than))
            .chain(
                AGES.iter()
                    .zip(&t.ages[1..])
                    .map(|((value, _), label)| choice(value, label, &p.older_than)),
            )
            .collect(),
        orders: vec![
            choice("oldest", t.oldest, &p.order),
            choice("risk", t.risk, &p.order),
            choice("uncertain", t.uncertain, &p.order),
        ],
        reason: p.reason.clone(),
        notice: match p.notice.as_str() {
            "conflict" => Some(t.notice_conflict),
            "not_found" => Some(t.notice_not_found),
            "invalid" => Some(t.notice_invalid),
            "done" => Some(t.notice_done),
            "partial" => Some(t.notice_partial),
            "none" => Some(t.notice_none),
            "campaign" => Some(t.notice_campaign),
            _ => None,
        },
        cards,
        back: p.back(),
        csrf: session.csrf.clone(),
        reject_reasons: REJECT_REASONS
            .iter()
            .zip(t.reject_reasons)
            .map(|(code, label)| choice(code, label, ""))
            .collect(),
        campaigns,
        campaign: p.campaign.clone(),
    })
}

/// The first `n` characters of a text, with an ellipsis when it was longer.
fn shorten(text: &str, n: usize) -> String {
    let mut out = crate::compat::truncate_chars(text, n);
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

/// The code-point spans of one field, from every reason that carries one.
fn spans(reasons: &[Reason], field: Field) -> Vec<(usize, usize)> {
    reasons
        .iter()
        .filter_map(|r| r.span)
        .filter(|s| s.field == field)
        .map(|s| (s.start, s.end))
        .collect()
}

/// The thresholds a comment was judged against: the site's (per language when set),
/// replaced by what the model reasons recorded, which include author adjustments.
fn thresholds(site: Option<&SiteRow>, language: &str, reasons: &[Reason]) -> HeadThresholds {
    let mut th = site
        .and_then(|s| serde_json::from_str::<Policy>(&s.policy).ok())
        .map(|p| p.languages.get(language).copied().unwrap_or(p.thresholds))
        .unwrap_or_default();
    for r in reasons {
        let head = match r.code.as_str() {
            "model.spam" => &mut th.spam,
            "model.abuse" => &mut th.abuse,
            _ => continue,
        };
        if let (Some(review), Some(reject)) = (r.review_at, r.reject_at) {
            head.review_at = review;
            head.reject_at = reject;
        }
    }
    th
}

/// One card; `None` (logged) when the stored verdict cannot be read, so one corrupt
/// row does not take the whole queue down.
pub(super) fn card(
    r: &QueueRow,
    reports: &[ReportRow],
    sites: &[SiteRow],
    session: &Session,
    now: i64,
) -> Option<Card> {
    let t = session.texts();
    let c = &r.comment;
    let verdict = match VerdictResponse::from_row(c) {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(comment_id = %c.id, error = ?e, "stored verdict unreadable; card skipped");
            return None;
        }
    };
    let site = sites.iter().find(|s| s.id == c.site_id);
    let th = thresholds(site, &c.language, &verdict.reasons);
    Some(Card {
        id: c.id.clone(),
        site: site.map_or_else(|| c.site_id.clone(), |s| s.name.clone()),
        language: c.language.clone(),
        created_at: rfc3339(c.created_at),
        subject: c
            .subject
            .as_deref()
            .map(|s| highlight(s, &spans(&verdict.reasons, Field::Subject)))
            .unwrap_or_default(),
        body: highlight(&c.body, &spans(&verdict.reasons, Field::Body)),
        author_name: c
            .author_name
            .as_deref()
            .map(|s| highlight(s, &spans(&verdict.reasons, Field::AuthorName)))
            .unwrap_or_default(),
        author_id: c.author_id.clone(),
        author_approved: r.author_approved,
        author_rejected: r.author_rejected,
        author_first_seen: r.author_first_seen.map(rfc3339),
        reasons: verdict
            .reasons
            .iter()
            .map(|reason| describe(reason, session.lang))
            .collect(),
        scores: vec![
            score_bar(
                t.spam,
                verdict.scores.spam,
                th.spam.review_at,
                th.spam.reject_at,
            ),
            score_bar(
                t.abuse,
                verdict.scores.abuse,
                th.abuse.review_at,
                th.abuse.reject_at,
            ),
        ],
        reports: reports
            .iter()
            .filter(|x| x.comment_id == c.id)
            .map(|x| ReportView {
                reason: x.reason.clone(),
                note: x.note.clone(),
            })
            .collect(),
        thread_url: c
            .thread_url
            .clone()
            .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
        thread_title: c
            .thread_title
            .clone()
            .unwrap_or_else(|| c.thread_id.clone()),
        appeal: c.is_appeal != 0,
        held_by_other: matches!((&c.claimed_by, c.claim_expires_at),
            (Some(holder), Some(until)) if *holder != session.user.user.id && until >= now),
    })
}

/// The decision form: `approve`, `reject` (with `reason_code`) or `skip`.
#[derive(Deserialize)]
pub(crate) struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason_code: String,
    #[serde(default)]
    back: String,
}

#[derive(Deserialize, Debug)]
pub(crate) struct CampaignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    site: String,
    #[serde(default)]
    back: String,
}

/// `POST /ui/campaigns/{fingerprint}/reject`: every copy of a campaign rejected as
/// spam, from the queue page's campaign list.
#[tracing::instrument(skip_all, fields(fingerprint = %fingerprint))]
pub(crate) async fn reject_campaign(
    State(state): State<AppState>,
    session: Session,
    Path(fingerprint): Path<String>,
    Form(form): Form<CampaignForm>,
) -> Response {
    if !session.csrf_ok(&form.csrf) {
        return session::forbidden(session.lang);
    }
    let req = CampaignRejectRequest {
        site: form.site,
        note: None,
    };
    match reject_campaign_as(&state, &session.user, &fingerprint, &req).await {
        Ok(_) => back_to_queue(&form.back, "campaign"),
        Err(ApiError::NotFound) => back_to_queue(&form.back, "not_found"),
        Err(ApiError::Validation { .. }) => back_to_queue(&form.back, "invalid"),
        Err(other) => {
            session::internal(session.lang, "rejecting a campaign", &format!("{other:?}"))
        }
    }
}

/// `queue.js` asks for JSON so it can drop the card without reloading.
pub(super) fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get("x-requested-with")
        .is_some_and(|v| v.as_bytes() == b"fetch")
}

/// Back to the queue view the form came from, with a notice. `back` is only ever
/// appended after `/ui/queue?`, so it cannot send the browser elsewhere.
pub(super) fn back_to_queue(back: &str, notice: &str) -> Response {
    let back: String = back
        .chars()
        .filter(|c| c.is_ascii_graphic() && *c != '#')
        .take(1000)
        .collect();
    let sep = if back.is_empty() { "" } else { "&" };
    Redirect::to(&format!("/ui/queue?{back}{sep}notice={notice}")).into_response()
}

/// `POST /ui/comments/{id}/decision`
#[tracing::instrument(skip_all, fields(comment_id = %id))]
pub(crate) async fn decide(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<DecisionForm>,
) -> Response {
    let submitted = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or(&form.csrf);
    if !session.csrf_ok(submitted) {
        return session::forbidden(session.lang);
    }
    let json = wants_json(&headers);
    let result = if form.decision == "skip" {
        // Skipping gives back a lease this moderator may hold; nothing else changes.
        state
            .store()
            .release(&session.user.user.id, std::slice::from_ref(&id))
            .await
            .map(|_| 0)
            .map_err(ApiError::from)
    } else {
        let req = DecisionRequest {
            decision: form.decision.clone(),
            reason_code: non_empty(&form.reason_code),
            note: None,
        };
        apply_decision(&state, &session.user, &id, &req)
            .await
            .map(|d| d.copies_rejected.len())
    };
    match (result, json) {
        (Ok(copies), true) => {
            Json(serde_json::json!({"ok": true, "copies_rejected": copies})).into_response()
        }
        (Err(e), true) => e.into_response(),
        (Ok(0), false) => back_to_queue(&form.back, "done"),
        (Ok(_), false) => back_to_queue(&form.back, "campaign"),
        (Err(e), false) => match e {
            ApiError::NotFound => back_to_queue(&form.back, "not_found"),
            ApiError::Conflict(_) => back_to_queue(&form.back, "conflict"),
            ApiError::Validation { .. } => back_to_queue(&form.back, "invalid"),
            other => session::internal(session.lang, "deciding a comment", &format!("{other:?}")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_keeps_filters_encoded() {
        let p = QueueParams {
            site: "s 1".into(),
            reason: "rule.keyword".into(),
            ..QueueParams::default()
        };
        assert_eq!(p.back(), "site=s%201&reason=rule.keyword");
        assert!(super::super::pages::highlight("", &[]).is_empty());
    }
}
