//! The use cases behind the host-site API — submit, check, edit, read — shared by the
//! native endpoints and, later, the compatibility endpoints. Each validates nothing
//! (the edge did), applies the rate limits before any scoring, runs the pure core, and
//! stores the outcome in one transaction.

use crate::app::AppState;
use crate::http::error::ApiError;
use crate::moderation::signals::Copies;
use crate::moderation::{AuthorHistory, CommentInput, Reason, Scores, Status, Verdict};
use crate::ratelimit::{self, Scope};
use crate::store::{
    CommentRow, NewComment, SiteRow, StoreError, StoredVerdict, SubmitContext, SubmitContextQuery,
};
use crate::webhooks::{self, EventComment};
use serde::Serialize;
use std::net::IpAddr;

/// A comment checked at the edge: lengths, ids and the IP are valid.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Submission {
    pub external_id: Option<String>,
    pub thread_id: String,
    pub thread_url: Option<String>,
    pub thread_title: Option<String>,
    pub parent_id: Option<String>,
    pub author_id: String,
    pub author_name: Option<String>,
    pub author_email: Option<String>,
    pub author_ip: Option<IpAddr>,
    pub author_user_agent: Option<String>,
    pub subject: Option<String>,
    pub body: String,
    pub language: Option<String>,
}

impl Submission {
    /// A digest of everything the host sent, to tell a retry from a different comment
    /// reusing an external id.
    pub fn content_hash(&self) -> String {
        crate::store::sha256_hex(&serde_json::to_string(self).unwrap_or_default())
    }

    /// The campaign fingerprint of the text (`moderation::signals`).
    pub fn fingerprint(&self) -> Option<i64> {
        crate::moderation::signals::fingerprint(&self.body, self.subject.as_deref())
    }

    fn input(&self, copies: Copies) -> CommentInput<'_> {
        CommentInput {
            body: &self.body,
            subject: self.subject.as_deref(),
            author_name: self.author_name.as_deref(),
            author_id: &self.author_id,
            author_email: self.author_email.as_deref(),
            author_ip: self.author_ip,
            language: self.language.as_deref(),
            copies,
        }
    }
}

/// The verdict as the API returns it.
#[derive(Serialize, Debug, Clone, utoipa::ToSchema)]
pub struct VerdictResponse {
    /// raqib's id; absent for `/v1/check`, where nothing is stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub status: Status,
    pub decision: crate::moderation::Decision,
    pub decided_by: crate::moderation::DecidedBy,
    pub language: String,
    pub scores: Scores,
    pub reasons: Vec<Reason>,
    pub model_version: String,
    pub rules_version: String,
}

impl VerdictResponse {
    fn from_verdict(
        v: Verdict,
        comment_id: Option<String>,
        external_id: Option<String>,
        model: String,
        rules: String,
    ) -> Self {
        VerdictResponse {
            comment_id,
            external_id,
            status: v.decision.status(),
            decision: v.decision,
            decided_by: v.decided_by,
            language: v.language,
            scores: v.scores,
            reasons: v.reasons,
            model_version: model,
            rules_version: rules,
        }
    }

    /// Rebuild the verdict of a stored comment.
    pub fn from_row(row: &CommentRow) -> Result<Self, ApiError> {
        let corrupt =
            |what: &str| ApiError::Internal(format!("comment {} has unreadable {what}", row.id));
        let status = Status::parse(&row.status).ok_or_else(|| corrupt("status"))?;
        Ok(VerdictResponse {
            comment_id: Some(row.id.clone()),
            external_id: Some(row.external_id.clone()),
            status,
            decision: serde_json::from_value(serde_json::Value::String(row.decision.clone()))
                .map_err(|_| corrupt("decision"))?,
            decided_by: crate::moderation::DecidedBy::parse(&row.decided_by)
                .ok_or_else(|| corrupt("decided_by"))?,
            language: row.language.clone(),
            scores: serde_json::from_str(&row.scores).map_err(|_| corrupt("scores"))?,
            reasons: serde_json::from_str(&row.reasons).map_err(|_| corrupt("reasons"))?,
            model_version: row.model_version.clone(),
            rules_version: row.rules_version.clone(),
        })
    }
}

/// Whether a submit created the comment or found the same one already stored.
pub enum Submitted {
    Created(VerdictResponse),
    Existing(VerdictResponse),
}

/// Run the core for a site, with the author's history and the earlier copies of
/// the text, whose `fingerprint` the caller computed (it stores it too).
async fn moderate(
    state: &AppState,
    site: &SiteRow,
    sub: &Submission,
    fingerprint: Option<i64>,
    now: i64,
) -> Result<(Verdict, String, String), ApiError> {
    let policy = site.policy()?;
    let history = author_history(state, site, sub, &policy, now).await?;
    let copies = state
        .store()
        .copies(
            &site.id,
            fingerprint.filter(|_| policy.counts_copies()),
            policy.duplicates_since(now),
            &sub.author_id,
            &sub.thread_id,
        )
        .await?;
    Ok(moderate_with(state, site, sub, &policy, &history, copies))
}

/// The author's history on the site, with rejections counted as recent by `policy`.
async fn author_history(
    state: &AppState,
    site: &SiteRow,
    sub: &Submission,
    policy: &crate::moderation::Policy,
    now: i64,
) -> Result<AuthorHistory, ApiError> {
    Ok(state
        .store()
        .author_history(&site.id, &sub.author_id, policy.recent_since(now))
        .await?)
}

/// Charge a new comment to its author, new-author, IP and thread budgets; refuse it
/// with `429` before any scoring work when one is spent.
async fn rate_limit_comment(
    state: &AppState,
    site: &SiteRow,
    sub: &Submission,
    history: &AuthorHistory,
) -> Result<(), ApiError> {
    let keys = ratelimit::CommentKeys {
        site_id: &site.id,
        author_id: &sub.author_id,
        ip: sub.author_ip,
        thread_id: &sub.thread_id,
        history,
    };
    let limiter = state.limiter();
    let demands = ratelimit::comment_demands(limiter.settings(), &site.limits(), &keys);
    Ok(limiter.check(&demands).await?)
}

fn moderate_with(
    state: &AppState,
    site: &SiteRow,
    sub: &Submission,
    policy: &crate::moderation::Policy,
    history: &AuthorHistory,
    copies: Copies,
) -> (Verdict, String, String) {
    let engine = state.engines().for_site(&site.id);
    let verdict = engine.moderate(&sub.input(copies), policy, history);
    metrics::counter!(
        "raqib_decisions_total",
        "decision" => decision_str(verdict.decision),
        "decided_by" => verdict.decided_by.as_str()
    )
    .increment(1);
    (verdict, engine.model_version(), engine.rules_version())
}

fn decision_str(d: crate::moderation::Decision) -> &'static str {
    match d {
        crate::moderation::Decision::Approve => "approve",
        crate::moderation::Decision::Reject => "reject",
        crate::moderation::Decision::Review => "review",
    }
}

/// Dry run: the verdict, nothing stored or counted.
pub async fn check(
    state: &AppState,
    site: &SiteRow,
    sub: &Submission,
) -> Result<VerdictResponse, ApiError> {
    // Dry runs have their own budget and are never charged as comments.
    let limiter = state.limiter();
    if let Some(d) =
        ratelimit::site_demand(limiter.settings(), &site.limits(), Scope::Check, &site.id)
    {
        limiter.check(&[d]).await?;
    }
    // A check is a preview, often repeated as the author types: the author's
    // history may be up to `check_history_cache_ms` old, which saves a database read
    // per keystroke-driven call. Copies of the text are not counted: a preview of
    // a text being typed has no copies worth a read per keystroke.
    let policy = site.policy()?;
    let key = format!("{}\0{}", site.id, sub.author_id);
    let history = match state.check_history().get(&key) {
        Some(h) => h,
        None => {
            let h = author_history(state, site, sub, &policy, state.now()).await?;
            state.check_history().put(key, h);
            h
        }
    };
    let (verdict, model, rules) =
        moderate_with(state, site, sub, &policy, &history, Copies::default());
    Ok(VerdictResponse::from_verdict(
        verdict,
        None,
        sub.external_id.clone(),
        model,
        rules,
    ))
}

/// Submit a comment: idempotent on `(site, external_id, content)`.
pub async fn submit(
    state: &AppState,
    site: &SiteRow,
    sub: &Submission,
) -> Result<Submitted, ApiError> {
    let external_id = sub
        .external_id
        .clone()
        .ok_or_else(|| ApiError::validation("external_id", "required"))?;
    let hash = sub.content_hash();
    let now = state.now();
    let policy = site.policy()?;
    let fingerprint = sub.fingerprint();
    let SubmitContext {
        exists,
        history,
        copies,
    } = state
        .store()
        .submit_context(&SubmitContextQuery {
            site_id: &site.id,
            external_id: &external_id,
            author_id: &sub.author_id,
            thread_id: &sub.thread_id,
            recent_since: policy.recent_since(now),
            // A site that turned the signal off pays no read for it.
            fingerprint: fingerprint.filter(|_| policy.counts_copies()),
            copies_since: policy.duplicates_since(now),
        })
        .await?;
    if exists {
        match state
            .store()
            .get_comment(&site.id, &external_id, true)
            .await
        {
            Ok(existing) => return same_or_conflict(&existing, &hash),
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    // A retry of a stored comment (above) is not charged again; a new one is, before
    // any scoring.
    rate_limit_comment(state, site, sub, &history).await?;
    let (verdict, model, rules) = moderate_with(state, site, sub, &policy, &history, copies);
    let id = uuid::Uuid::now_v7().to_string();
    let comment = new_comment(
        state,
        site,
        sub,
        &id,
        &external_id,
        hash.clone(),
        fingerprint,
    );
    let stored = stored_verdict(&verdict, &model, &rules)?;
    let response = VerdictResponse::from_verdict(
        verdict,
        Some(id.clone()),
        Some(external_id.clone()),
        model,
        rules,
    );
    let event = verdict_event(site, &comment, &response, false, now);
    match state
        .store()
        .insert_comment(&comment, &stored, &event, now)
        .await
    {
        Ok(()) => Ok(Submitted::Created(response)),
        // A concurrent submit of the same external id won the race.
        Err(StoreError::Conflict(_)) => {
            let existing = state
                .store()
                .get_comment_by_external_fresh(&site.id, &external_id)
                .await?;
            same_or_conflict(&existing, &hash)
        }
        Err(e) => Err(e.into()),
    }
}

fn same_or_conflict(existing: &CommentRow, hash: &str) -> Result<Submitted, ApiError> {
    if existing.content_hash == hash {
        Ok(Submitted::Existing(VerdictResponse::from_row(existing)?))
    } else {
        Err(ApiError::Conflict(format!(
            "external_id {:?} was already submitted with different content",
            existing.external_id
        )))
    }
}

/// The author edited a comment: moderate the new content and replace the verdict.
pub async fn edit(
    state: &AppState,
    site: &SiteRow,
    existing: &CommentRow,
    sub: &Submission,
) -> Result<VerdictResponse, ApiError> {
    if existing.deleted_at.is_some() {
        return Err(ApiError::NotFound);
    }
    if let Some(ext) = &sub.external_id
        && *ext != existing.external_id
    {
        return Err(ApiError::validation(
            "external_id",
            "does not match the comment being edited",
        ));
    }
    let hash = sub.content_hash();
    if hash == existing.content_hash {
        return VerdictResponse::from_row(existing);
    }
    let now = state.now();
    let fingerprint = sub.fingerprint();
    let (verdict, model, rules) = moderate(state, site, sub, fingerprint, now).await?;
    let comment = new_comment(
        state,
        site,
        sub,
        &existing.id,
        &existing.external_id,
        hash,
        fingerprint,
    );
    let stored = stored_verdict(&verdict, &model, &rules)?;
    let response = VerdictResponse::from_verdict(
        verdict,
        Some(existing.id.clone()),
        Some(existing.external_id.clone()),
        model,
        rules,
    );
    let changed = response.status.as_str() != existing.status;
    let event = changed.then(|| verdict_event(site, &comment, &response, true, now));
    state
        .store()
        .update_comment(&comment, &stored, event.as_ref(), now)
        .await?;
    Ok(response)
}

fn new_comment(
    state: &AppState,
    site: &SiteRow,
    sub: &Submission,
    id: &str,
    external_id: &str,
    hash: String,
    fingerprint: Option<i64>,
) -> NewComment {
    NewComment {
        id: id.to_string(),
        site_id: site.id.clone(),
        external_id: external_id.to_string(),
        content_hash: hash,
        thread_id: sub.thread_id.clone(),
        thread_url: sub.thread_url.clone(),
        thread_title: sub.thread_title.clone(),
        parent_id: sub.parent_id.clone(),
        author_id: sub.author_id.clone(),
        author_name: sub.author_name.clone(),
        author_email_hash: sub
            .author_email
            .as_deref()
            .map(|e| state.pii_hash(&e.trim().to_lowercase())),
        author_ip_hash: sub.author_ip.map(|ip| state.pii_hash(&ip.to_string())),
        subject: sub.subject.clone(),
        body: sub.body.clone(),
        fingerprint,
    }
}

fn stored_verdict(v: &Verdict, model: &str, rules: &str) -> Result<StoredVerdict, ApiError> {
    let json = |r: serde_json::Result<String>| r.map_err(|e| ApiError::Internal(e.to_string()));
    let actor = match v.decided_by {
        crate::moderation::DecidedBy::Rule => v
            .reasons
            .iter()
            .find_map(|r| r.rule_id.as_deref().map(|id| format!("rule:{id}")))
            .unwrap_or_else(|| "rule".into()),
        other => other.as_str().to_string(),
    };
    Ok(StoredVerdict {
        language: v.language.clone(),
        status: v.decision.status(),
        decision: decision_str(v.decision).to_string(),
        decided_by: v.decided_by.as_str().to_string(),
        scores: json(serde_json::to_string(&v.scores))?,
        reasons: json(serde_json::to_string(&v.reasons))?,
        model_version: model.to_string(),
        rules_version: rules.to_string(),
        actor,
        risk: f64::from(v.scores.spam.max(v.scores.abuse)),
    })
}

fn verdict_event(
    site: &SiteRow,
    c: &NewComment,
    v: &VerdictResponse,
    update: bool,
    now: i64,
) -> webhooks::OutboxEvent {
    let comment = EventComment {
        comment_id: &c.id,
        external_id: &c.external_id,
        thread_id: &c.thread_id,
        status: v.status.as_str(),
        decided_by: v.decided_by.as_str(),
        reasons: serde_json::to_value(&v.reasons).unwrap_or_default(),
        scores: serde_json::to_value(v.scores).unwrap_or_default(),
    };
    webhooks::comment_event(
        &site.id,
        webhooks::event_type(v.status.as_str(), update),
        &comment,
        now,
    )
}
