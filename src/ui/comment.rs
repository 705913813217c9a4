//! The comment page (full text, thread, audit trail, verdict history), claiming a
//! comment when a moderator opens it, and bulk decisions from the queue.
//!
//! Claims use the queue's leases (`Store::claim_one`, the per-comment form of
//! `Store::claim`); decisions go through `http::queue::apply_decision` like every
//! other decision, so bulk and single decisions leave the same audit and webhooks.

use super::i18n::describe;
use super::pages::{AuditView, CommentPage, ThreadItem, VerdictView};
use super::queue::{back_to_queue, card, choice, non_empty, wants_json};
use super::session::{self, Session};
use crate::app::AppState;
use crate::http::error::ApiError;
use crate::http::queue::{DecisionRequest, REJECT_REASONS, apply_decision};
use crate::store::{CommentRow, QueueRow, StoreError};
use crate::webhooks::rfc3339;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};

/// How many comments of a thread the page shows around the one it is about.
const THREAD_LIMIT: i64 = 100;
/// Most decisions one bulk form may carry, as `/v1/decisions` allows.
const BULK_MAX: usize = 200;

/// The lease a moderator gets on opening a comment: the queue's configured length.
fn lease_ms(state: &AppState) -> i64 {
    i64::try_from(state.settings().queue.lease_s.saturating_mul(1000)).unwrap_or(i64::MAX / 2)
}

/// The comment, if it exists and the session may see its site; `None` otherwise, so
/// another site's comment looks exactly like a missing one.
async fn visible(
    state: &AppState,
    session: &Session,
    id: &str,
) -> Result<Option<CommentRow>, StoreError> {
    match state.store().comment_by_id(id).await {
        Ok(c) if session.user.can_see_site(&c.site_id) && c.deleted_at.is_none() => Ok(Some(c)),
        Ok(_) | Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `GET /ui/comments/{id}`. Opening a pending comment claims it for the moderator
/// (a lease, renewed on every visit), so two moderators do not work the same comment.
#[tracing::instrument(skip_all, fields(comment_id = %id))]
pub(crate) async fn show(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Response {
    match load(&state, &session, &id).await {
        Ok(Some(page)) => page.into_response(),
        Ok(None) => session::not_found(&session),
        Err(e) => session::internal(session.lang, "loading a comment", &e),
    }
}

async fn load(
    state: &AppState,
    session: &Session,
    id: &str,
) -> Result<Option<CommentPage>, StoreError> {
    let Some(mut c) = visible(state, session, id).await? else {
        return Ok(None);
    };
    let now = state.now();
    let me = &session.user.user.id;
    if c.status == "pending"
        && state
            .store()
            .claim_one(me, id, now, lease_ms(state))
            .await?
    {
        c.claimed_by = Some(me.clone());
        c.claim_expires_at = Some(now + lease_ms(state));
    }
    let store = state.store();
    let history = store.author_history(&c.site_id, &c.author_id, now).await?;
    let reports = store.reports_for(std::slice::from_ref(&c.id)).await?;
    let sites = vec![store.get_site(&c.site_id).await?];
    let thread = store
        .thread_comments(&c.site_id, &c.thread_id, THREAD_LIMIT)
        .await?;
    let audit = store
        .audit(&session.scope(), None, Some(id), None, None, None, 200)
        .await?;
    let events = store.outbox_events_of(id).await?;
    let row = QueueRow {
        comment: c.clone(),
        author_approved: i64::from(history.approved),
        author_rejected: i64::from(history.rejected),
        author_first_seen: None,
    };
    let Some(card) = card(&row, &reports, &sites, session, now) else {
        return Err(StoreError::Corrupt(format!("verdict of {id}")));
    };
    let t = session.texts();
    Ok(Some(CommentPage {
        t,
        session: session.view(),
        card,
        status: c.status.clone(),
        pending: c.status == "pending",
        claimed: c.claimed_by.as_deref() == Some(me.as_str())
            && c.claim_expires_at.is_some_and(|u| u >= now),
        csrf: session.csrf.clone(),
        reject_reasons: REJECT_REASONS
            .iter()
            .zip(t.reject_reasons)
            .map(|(code, label)| choice(code, label, ""))
            .collect(),
        thread: thread
            .iter()
            .map(|o| ThreadItem {
                id: o.id.clone(),
                author: o.author_name.clone().unwrap_or_else(|| o.author_id.clone()),
                status: o.status.clone(),
                created_at: rfc3339(o.created_at),
                body: o.body.clone(),
                current: o.id == c.id,
            })
            .collect(),
        audit: audit
            .iter()
            .map(|a| AuditView {
                at: rfc3339(a.created_at),
                actor: a.actor.clone(),
                action: a.action.clone(),
                change: format!(
                    "{} → {}",
                    a.from_status.as_deref().unwrap_or("—"),
                    a.to_status.as_deref().unwrap_or("—")
                ),
                reason: a.reason_code.clone().unwrap_or_default(),
            })
            .collect(),
        verdicts: events
            .iter()
            .filter_map(|(kind, payload)| verdict_view(kind, payload, session))
            .collect(),
    }))
}

/// One announced verdict from its event payload (the body webhooks carry).
fn verdict_view(kind: &str, payload: &str, session: &Session) -> Option<VerdictView> {
    let v: serde_json::Value = serde_json::from_str(payload).ok()?;
    let c = v.get("comment")?;
    let text = |x: &serde_json::Value| x.as_str().unwrap_or_default().to_string();
    let reasons: Vec<crate::moderation::Reason> =
        serde_json::from_value(c.get("reasons")?.clone()).unwrap_or_default();
    let score = |head: &str| c["scores"][head].as_f64().unwrap_or(0.0);
    Some(VerdictView {
        at: text(&v["created_at"]),
        event: kind.to_string(),
        status: text(&c["status"]),
        decided_by: text(&c["decided_by"]),
        scores: format!("spam {:.2} · abuse {:.2}", score("spam"), score("abuse")),
        reasons: reasons
            .iter()
            .map(|r| describe(r, session.lang))
            .collect::<Vec<_>>()
            .join(" "),
    })
}

/// `POST /ui/comments/{id}/claim`: `queue.js` claims the card a moderator moves to.
/// Answers `{"claimed": bool}`; without JavaScript the comment page claims instead.
#[tracing::instrument(skip_all, fields(comment_id = %id))]
pub(crate) async fn claim(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = parse_form(&body);
    let submitted = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| field(&fields, "csrf"))
        .unwrap_or_default();
    if !session.csrf_ok(&submitted) {
        return session::forbidden(session.lang);
    }
    let claimed = match visible(&state, &session, &id).await {
        Ok(Some(_)) => state
            .store()
            .claim_one(&session.user.user.id, &id, state.now(), lease_ms(&state))
            .await
            .map_err(ApiError::from),
        Ok(None) => Err(ApiError::NotFound),
        Err(e) => Err(e.into()),
    };
    match (claimed, wants_json(&headers)) {
        (Ok(c), true) => Json(serde_json::json!({ "claimed": c })).into_response(),
        (Err(e), true) => e.into_response(),
        (Ok(_), false) => Redirect::to(&format!("/ui/comments/{id}")).into_response(),
        (Err(ApiError::NotFound), false) => session::not_found(&session),
        (Err(e), false) => session::internal(session.lang, "claiming", &format!("{e:?}")),
    }
}

/// A form body as pairs; repeated keys (the bulk form's `ids`) stay separate.
pub(super) fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// The first value of a form field.
pub(super) fn field(fields: &[(String, String)], name: &str) -> Option<String> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

/// `POST /ui/decisions`: the queue's bulk form (`ids` repeated, `decision`,
/// `reason_code`). Each comment succeeds or fails on its own, as in `/v1/decisions`.
#[tracing::instrument(skip_all)]
pub(crate) async fn bulk(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = parse_form(&body);
    let submitted = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| field(&fields, "csrf"))
        .unwrap_or_default();
    if !session.csrf_ok(&submitted) {
        return session::forbidden(session.lang);
    }
    let json = wants_json(&headers);
    let back = field(&fields, "back").unwrap_or_default();
    let ids: Vec<&String> = fields
        .iter()
        .filter(|(k, _)| k == "ids")
        .map(|(_, v)| v)
        .take(BULK_MAX)
        .collect();
    if ids.is_empty() {
        return if json {
            ApiError::validation("ids", "select at least one comment").into_response()
        } else {
            back_to_queue(&back, "none")
        };
    }
    let req = DecisionRequest {
        decision: field(&fields, "decision").unwrap_or_default(),
        reason_code: field(&fields, "reason_code").and_then(|r| non_empty(&r)),
        note: None,
    };
    let mut results = Vec::with_capacity(ids.len());
    // Copies rejected with an earlier item: selected together, they are done, not
    // refused as no longer pending.
    let mut swept = std::collections::HashSet::new();
    for id in ids {
        if swept.contains(id.as_str()) {
            results.push(serde_json::json!({"comment_id": id, "ok": true}));
            continue;
        }
        match apply_decision(&state, &session.user, id, &req).await {
            Ok(d) => {
                swept.extend(d.copies_rejected);
                results.push(serde_json::json!({"comment_id": id, "ok": true}));
            }
            Err(e @ (ApiError::Unavailable(_) | ApiError::Internal(_))) => {
                return session::internal(session.lang, "bulk decision", &format!("{e:?}"));
            }
            Err(ApiError::Validation { .. }) if !json => return back_to_queue(&back, "invalid"),
            Err(e) => results
                .push(serde_json::json!({"comment_id": id, "ok": false, "problem": e.problem()})),
        }
    }
    let all_ok = results.iter().all(|r| r["ok"] == true);
    if json {
        Json(serde_json::json!({ "results": results })).into_response()
    } else if all_ok && !swept.is_empty() {
        back_to_queue(&back, "campaign")
    } else if all_ok {
        back_to_queue(&back, "done")
    } else {
        back_to_queue(&back, "partial")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_form_keys_are_kept() {
        let f = parse_form(b"csrf=x&ids=a&ids=b%20c&decision=approve");
        let ids: Vec<_> = f
            .iter()
            .filter(|(k, _)| k == "ids")
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(ids, ["a", "b c"]);
        assert_eq!(field(&f, "decision").as_deref(), Some("approve"));
        assert_eq!(field(&f, "nothing"), None);
    }
}
