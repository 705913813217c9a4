//! The moderators' API: the review queue, claims, decisions (single and bulk), and
//! the audit log; plus the host-facing reader reports and appeals that feed the queue.

use super::error::{ApiError, ApiResult, Problem};
use super::extract::{ApiJson, SiteAuth, UserToken};
use crate::app::AppState;
use crate::moderation::Reason;
use crate::moderation::signals::{parse_fingerprint, show_fingerprint};
use crate::service::VerdictResponse;
use crate::store::{
    AuditRow, CampaignCounts, CampaignFilter, CampaignReject, CommentRow, DecisionError,
    DecisionInput, QueueFilter, QueueOrder, ReportRow, SiteScope, UserAuth,
};
use crate::webhooks::{self, EventComment, OutboxEvent, rfc3339};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

fn scope(user: &UserAuth) -> SiteScope {
    if user.is_admin() {
        SiteScope::All
    } else {
        SiteScope::Only(user.sites.clone())
    }
}

/// A site filter the caller may not see looks like an empty or missing resource.
fn check_site(user: &UserAuth, site: Option<&str>) -> ApiResult<()> {
    match site {
        Some(s) if !user.can_see_site(s) => Err(ApiError::NotFound),
        _ => Ok(()),
    }
}

/// A moderator's note is kept in the audit log: at most 2,000 characters.
fn check_note(note: Option<&str>) -> ApiResult<()> {
    if note.is_some_and(|n| n.chars().count() > 2000) {
        return Err(ApiError::validation("note", "longer than 2000 characters"));
    }
    Ok(())
}

/// `90`, `90s`, `15m`, `2h`, `1d` → milliseconds.
fn parse_age(s: &str) -> Option<i64> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let n: i64 = num.parse().ok()?;
    let mult = match unit {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return None,
    };
    n.checked_mul(mult)
}

/// RFC 3339 or Unix milliseconds → Unix milliseconds.
pub(crate) fn parse_time(s: &str) -> Option<i64> {
    if let Ok(ms) = s.parse::<i64>() {
        return Some(ms);
    }
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

#[derive(Deserialize, Debug, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    pub site: Option<String>,
    pub lang: Option<String>,
    /// A reason code (`rule.keyword`, `model.abuse`, `policy.new_author`) or a rule id.
    pub reason: Option<String>,
    /// Only comments waiting at least this long: seconds, or `15m`, `2h`, `1d`.
    pub older_than: Option<String>,
    /// Only the copies of one text: a campaign's `fingerprint` from `/v1/campaigns`.
    pub campaign: Option<String>,
    #[param(value_type = Option<String>)]
    pub order: Option<QueueOrder>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// How far back campaigns are listed unless asked otherwise: the default policy's
/// window.
pub(crate) const CAMPAIGN_WINDOW_MS: i64 = 72 * 3_600_000;

/// Texts posted fewer times are not listed unless asked otherwise: the first comment
/// and the default policy's two earlier copies.
pub(crate) const CAMPAIGN_MIN_COPIES: i64 = 3;

/// Count campaign copies rejected with a moderator's decision as the policy's.
fn count_swept(copies: &[String]) {
    if !copies.is_empty() {
        metrics::counter!("raqib_decisions_total", "decision" => "reject", "decided_by" => "policy")
            .increment(copies.len() as u64);
    }
}

#[derive(Deserialize, Debug, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CampaignQuery {
    pub site: Option<String>,
    /// How far back copies count: `72h` (the default), `1d`, seconds; at most 90 days.
    pub within: Option<String>,
    /// Texts posted fewer times are not listed: 3 by default (the first comment and
    /// the default policy's two earlier copies), at least 2.
    pub min_copies: Option<i64>,
    pub limit: Option<i64>,
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct CampaignSample {
    pub comment_id: String,
    /// The first 500 characters.
    pub body: String,
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct Campaign {
    pub site_id: String,
    /// The text's fingerprint; `GET /v1/queue?campaign=` lists its pending copies.
    pub fingerprint: String,
    #[serde(flatten)]
    pub counts: CampaignCounts,
    pub first_at: String,
    pub last_at: String,
    /// One copy, a pending one if any: rejecting it as `spam` rejects the rest.
    pub sample: CampaignSample,
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct CampaignPage {
    pub campaigns: Vec<Campaign>,
}

/// The texts posted most often in a window, per site: the campaigns under way, with
/// how many copies wait, were published or rejected, most copies first. Texts of
/// fewer than six words have no fingerprint and are never listed.
#[utoipa::path(get, path = "/v1/campaigns", tag = "moderation", params(CampaignQuery),
    responses((status = 200, body = CampaignPage), (status = 422, body = Problem)),
    security(("user_token" = [])))]
pub async fn campaigns(
    State(state): State<AppState>,
    UserToken(user): UserToken,
    Query(q): Query<CampaignQuery>,
) -> ApiResult<Json<CampaignPage>> {
    check_site(&user, q.site.as_deref())?;
    let within = match q.within.as_deref() {
        None => CAMPAIGN_WINDOW_MS,
        Some(w) => parse_age(w)
            .filter(|ms| (1..=90 * 86_400_000).contains(ms))
            .ok_or_else(|| ApiError::validation("within", "seconds or 15m, 2h, 1d; at most 90d"))?,
    };
    let min_copies = q.min_copies.unwrap_or(CAMPAIGN_MIN_COPIES);
    if !(2..=100_000).contains(&min_copies) {
        return Err(ApiError::validation("min_copies", "from 2 to 100000"));
    }
    let filter = CampaignFilter {
        scope: scope(&user),
        site: q.site.clone(),
        since: state.now() - within,
        min_copies,
        limit: q.limit.unwrap_or(20).clamp(1, 100),
    };
    let campaigns = state
        .store()
        .campaigns(&filter)
        .await?
        .into_iter()
        .map(|c| Campaign {
            site_id: c.site_id,
            fingerprint: show_fingerprint(c.fingerprint),
            counts: c.counts,
            first_at: rfc3339(c.first_at),
            last_at: rfc3339(c.last_at),
            sample: CampaignSample {
                comment_id: c.sample_id,
                body: crate::compat::truncate_chars(&c.sample_body, 500),
            },
        })
        .collect();
    Ok(Json(CampaignPage { campaigns }))
}

#[derive(Deserialize, Debug, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignRejectRequest {
    /// The site the campaign runs on.
    pub site: String,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct CampaignRejectResponse {
    /// The copy recorded as the moderator's rejection: later copies follow it.
    pub comment_id: String,
    /// The other copies rejected with it.
    pub copies_rejected: Vec<String>,
}

/// Reject a campaign as spam: its newest copy that waits or that raqib published is
/// rejected by the caller, the others in the site's window go with it, and later
/// copies follow (`duplicates.follow_moderators`). For a campaign none of whose copies
/// waits in the queue. `404` when no copy is left to reject.
#[utoipa::path(post, path = "/v1/campaigns/{fingerprint}/reject", tag = "moderation",
    request_body = CampaignRejectRequest,
    params(("fingerprint" = String, Path, description = "as /v1/campaigns shows it")),
    responses((status = 200, body = CampaignRejectResponse), (status = 404, body = Problem),
        (status = 422, body = Problem)),
    security(("user_token" = [])))]
pub async fn reject_campaign(
    State(state): State<AppState>,
    UserToken(user): UserToken,
    Path(fingerprint): Path<String>,
    ApiJson(req): ApiJson<CampaignRejectRequest>,
) -> ApiResult<Json<CampaignRejectResponse>> {
    let decided = reject_campaign_as(&state, &user, &fingerprint, &req).await?;
    Ok(Json(CampaignRejectResponse {
        comment_id: decided.row.id,
        copies_rejected: decided.copies_rejected,
    }))
}

/// Validate and apply a campaign rejection; shared with the web UI's campaign list.
pub(crate) async fn reject_campaign_as(
    state: &AppState,
    user: &UserAuth,
    fingerprint: &str,
    req: &CampaignRejectRequest,
) -> ApiResult<crate::store::Decided> {
    let fingerprint = parse_fingerprint(fingerprint)
        .ok_or_else(|| ApiError::validation("fingerprint", "a fingerprint from /v1/campaigns"))?;
    if !user.can_see_site(&req.site) {
        return Err(ApiError::NotFound);
    }
    check_note(req.note.as_deref())?;
    let policy = state.store().get_site(&req.site).await?.policy()?;
    let now = state.now();
    let decided = state
        .store()
        .reject_campaign(
            &CampaignReject {
                site_id: &req.site,
                fingerprint,
                since: policy.duplicates_since(now),
                user_id: &user.user.id,
                note: req.note.as_deref(),
                now,
            },
            |row| decision_event(row, "rejected", Some("spam"), now),
            |copy, source| campaign_copy(copy, source, now),
        )
        .await?
        .ok_or(ApiError::NotFound)?;
    metrics::counter!("raqib_decisions_total", "decision" => "reject", "decided_by" => "moderator")
        .increment(1);
    count_swept(&decided.copies_rejected);
    Ok(decided)
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct QueueAuthor {
    pub id: String,
    pub name: Option<String>,
    pub approved: i64,
    pub rejected: i64,
    pub first_seen: Option<String>,
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct QueueThread {
    pub id: String,
    pub url: Option<String>,
    pub title: Option<String>,
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct QueueItem {
    pub site_id: String,
    #[serde(flatten)]
    pub verdict: VerdictResponse,
    pub body: String,
    pub subject: Option<String>,
    pub author: QueueAuthor,
    pub thread: QueueThread,
    pub reports: Vec<ReportRow>,
    /// The author disputes a rejection.
    pub appeal: bool,
    /// The final status before a report or appeal brought it back.
    pub prior_status: Option<String>,
    pub claimed_by: Option<String>,
    pub claim_expires_at: Option<String>,
    pub created_at: String,
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct QueuePage {
    pub items: Vec<QueueItem>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

fn sort_key(order: QueueOrder, c: &CommentRow) -> f64 {
    match order {
        QueueOrder::Oldest => c.created_at as f64,
        QueueOrder::Risk => c.risk,
        QueueOrder::Uncertain => (c.risk - 0.5).abs(),
    }
}

fn encode_cursor(key: f64, id: &str) -> String {
    hex::encode(format!("{key:?}~{id}"))
}

fn decode_cursor(s: &str) -> ApiResult<(f64, String)> {
    let bad = || ApiError::validation("cursor", "not a cursor from this API");
    let raw = String::from_utf8(hex::decode(s).map_err(|_| bad())?).map_err(|_| bad())?;
    let (k, id) = raw.split_once('~').ok_or_else(bad)?;
    Ok((k.parse().map_err(|_| bad())?, id.to_string()))
}

/// Pending comments with their verdicts, reasons and spans, author history, reports
/// and thread, for the sites the caller moderates.
#[utoipa::path(get, path = "/v1/queue", tag = "moderation", params(QueueQuery),
    responses((status = 200, body = QueuePage)), security(("user_token" = [])))]
pub async fn list_queue(
    State(state): State<AppState>,
    UserToken(user): UserToken,
    Query(q): Query<QueueQuery>,
) -> ApiResult<Json<QueuePage>> {
    check_site(&user, q.site.as_deref())?;
    let order = q.order.unwrap_or(QueueOrder::Oldest);
    let limit = q.limit.unwrap_or(50).clamp(1, 200);
    let created_before = match &q.older_than {
        Some(age) => Some(
            state.now()
                - parse_age(age).ok_or_else(|| {
                    ApiError::validation("older_than", "use seconds or 15m, 2h, 1d")
                })?,
        ),
        None => None,
    };
    let filter = QueueFilter {
        scope: scope(&user),
        site: q.site.clone(),
        language: q.lang.clone(),
        reason: q.reason.clone(),
        created_before,
        fingerprint: q
            .campaign
            .as_deref()
            .map(|c| {
                parse_fingerprint(c).ok_or_else(|| {
                    ApiError::validation("campaign", "a fingerprint from /v1/campaigns")
                })
            })
            .transpose()?,
        order,
        limit: limit + 1,
        after: q.cursor.as_deref().map(decode_cursor).transpose()?,
    };
    let mut rows = state.store().list_queue(&filter).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let ids: Vec<String> = rows.iter().map(|r| r.comment.id.clone()).collect();
    let reports = state.store().reports_for(&ids).await?;
    let next_cursor = if more {
        rows.last()
            .map(|r| encode_cursor(sort_key(order, &r.comment), &r.comment.id))
    } else {
        None
    };
    let items = rows
        .into_iter()
        .map(|r| {
            let c = r.comment;
            Ok(QueueItem {
                site_id: c.site_id.clone(),
                verdict: VerdictResponse::from_row(&c)?,
                reports: reports
                    .iter()
                    .filter(|x| x.comment_id == c.id)
                    .cloned()
                    .collect(),
                author: QueueAuthor {
                    id: c.author_id.clone(),
                    name: c.author_name.clone(),
                    approved: r.author_approved,
                    rejected: r.author_rejected,
                    first_seen: r.author_first_seen.map(rfc3339),
                },
                thread: QueueThread {
                    id: c.thread_id.clone(),
                    url: c.thread_url.clone(),
                    title: c.thread_title.clone(),
                },
                appeal: c.is_appeal != 0,
                prior_status: c.prior_status.clone(),
                claimed_by: c.claimed_by.clone(),
                claim_expires_at: c.claim_expires_at.map(rfc3339),
                created_at: rfc3339(c.created_at),
                body: c.body,
                subject: c.subject,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Json(QueuePage { items, next_cursor }))
}

#[derive(Deserialize, Debug, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimRequest {
    #[serde(default)]
    pub site: Option<String>,
    #[serde(default)]
    pub limit: Option<i64>,
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct ClaimResponse {
    /// The comments now leased to the caller.
    pub comment_ids: Vec<String>,
    pub lease_expires_at: String,
}

/// Lease up to `limit` pending comments (default 10, at most 100) to the caller.
#[utoipa::path(post, path = "/v1/queue/claim", tag = "moderation", request_body = ClaimRequest,
    responses((status = 200, body = ClaimResponse)), security(("user_token" = [])))]
pub async fn claim(
    State(state): State<AppState>,
    UserToken(user): UserToken,
    ApiJson(req): ApiJson<ClaimRequest>,
) -> ApiResult<Json<ClaimResponse>> {
    check_site(&user, req.site.as_deref())?;
    let limit = req.limit.unwrap_or(10);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::validation("limit", "between 1 and 100"));
    }
    let now = state.now();
    let lease_ms =
        i64::try_from(state.settings().queue.lease_s.saturating_mul(1000)).unwrap_or(i64::MAX / 2);
    let ids = state
        .store()
        .claim(
            &user.user.id,
            &scope(&user),
            req.site.as_deref(),
            limit,
            now,
            lease_ms,
        )
        .await?;
    Ok(Json(ClaimResponse {
        comment_ids: ids,
        lease_expires_at: rfc3339(now + lease_ms),
    }))
}

#[derive(Deserialize, Debug, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseRequest {
    /// The comments to give back; all of the caller's when empty or absent.
    #[serde(default)]
    pub comment_ids: Vec<String>,
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct ReleaseResponse {
    pub released: u64,
}

/// Give leased comments back to the queue.
#[utoipa::path(post, path = "/v1/queue/release", tag = "moderation", request_body = ReleaseRequest,
    responses((status = 200, body = ReleaseResponse)), security(("user_token" = [])))]
pub async fn release(
    State(state): State<AppState>,
    UserToken(user): UserToken,
    ApiJson(req): ApiJson<ReleaseRequest>,
) -> ApiResult<Json<ReleaseResponse>> {
    let released = state
        .store()
        .release(&user.user.id, &req.comment_ids)
        .await?;
    Ok(Json(ReleaseResponse { released }))
}

/// Why a moderator rejects.
pub const REJECT_REASONS: [&str; 7] = [
    "spam",
    "abuse",
    "hate",
    "harassment",
    "off_topic",
    "personal_data",
    "other",
];

#[derive(Deserialize, Debug, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// `approve` or `reject`.
    pub decision: String,
    /// Required to reject: spam, abuse, hate, harassment, off_topic, personal_data, other.
    #[serde(default)]
    pub reason_code: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

fn decision_event(
    row: &CommentRow,
    to_status: &str,
    reason_code: Option<&str>,
    now: i64,
) -> OutboxEvent {
    let mut reasons: Vec<Reason> = serde_json::from_str(&row.reasons).unwrap_or_default();
    reasons.push(Reason {
        code: "moderator.decision".into(),
        detail: reason_code.map(str::to_string),
        ..Reason::default()
    });
    verdict_event(row, to_status, "moderator", &reasons, now)
}

/// The new reasons (JSON) and the event of a campaign copy rejected with a moderator's
/// spam rejection of `source`: its own reasons plus `moderator.campaign`. A copy that
/// was published is announced as updated, so the host site takes it down.
fn campaign_copy(row: &CommentRow, source: &str, now: i64) -> (String, OutboxEvent) {
    let mut reasons: Vec<Reason> = serde_json::from_str(&row.reasons).unwrap_or_default();
    reasons.push(Reason {
        code: "moderator.campaign".into(),
        label: Some(crate::moderation::Label::Spam),
        action: Some(crate::moderation::Action::Reject),
        detail: Some(source.to_string()),
        ..Reason::default()
    });
    let e = verdict_event(row, "rejected", "policy", &reasons, now);
    (
        serde_json::to_string(&reasons).unwrap_or_else(|_| row.reasons.clone()),
        e,
    )
}

fn verdict_event(
    row: &CommentRow,
    to_status: &str,
    decided_by: &str,
    reasons: &[Reason],
    now: i64,
) -> OutboxEvent {
    // A comment that had a final verdict before (published, or reported or appealed)
    // was updated.
    let update = row.status != "pending" || row.prior_status.is_some();
    let comment = EventComment {
        comment_id: &row.id,
        external_id: &row.external_id,
        thread_id: &row.thread_id,
        status: to_status,
        decided_by,
        reasons: serde_json::to_value(reasons).unwrap_or_default(),
        scores: serde_json::from_str(&row.scores).unwrap_or_default(),
    };
    webhooks::comment_event(
        &row.site_id,
        webhooks::event_type(to_status, update),
        &comment,
        now,
    )
}

/// Event for a comment that returns to the queue after a report or an appeal.
fn requeue_event(row: &CommentRow, now: i64) -> OutboxEvent {
    let comment = EventComment {
        comment_id: &row.id,
        external_id: &row.external_id,
        thread_id: &row.thread_id,
        status: "pending",
        decided_by: &row.decided_by,
        reasons: serde_json::from_str(&row.reasons).unwrap_or_default(),
        scores: serde_json::from_str(&row.scores).unwrap_or_default(),
    };
    webhooks::comment_event(
        &row.site_id,
        webhooks::event_type("pending", true),
        &comment,
        now,
    )
}

impl From<DecisionError> for ApiError {
    fn from(e: DecisionError) -> Self {
        match e {
            DecisionError::NotFound => ApiError::NotFound,
            DecisionError::Store(s) => s.into(),
            other => ApiError::Conflict(other.to_string()),
        }
    }
}

/// Validate and apply one moderator decision; shared with the web UI's decision form.
pub(crate) async fn apply_decision(
    state: &AppState,
    user: &UserAuth,
    id: &str,
    req: &DecisionRequest,
) -> ApiResult<DecisionResponse> {
    let to_status = match req.decision.as_str() {
        "approve" => "approved",
        "reject" => "rejected",
        _ => return Err(ApiError::validation("decision", "approve or reject")),
    };
    match (&req.reason_code, to_status) {
        (None, "rejected") => {
            return Err(ApiError::validation("reason_code", "required to reject"));
        }
        (Some(code), _) if !REJECT_REASONS.contains(&code.as_str()) => {
            return Err(ApiError::validation(
                "reason_code",
                format!("one of {}", REJECT_REASONS.join(", ")),
            ));
        }
        _ => {}
    }
    check_note(req.note.as_deref())?;
    let now = state.now();
    let scope = scope(user);
    let input = DecisionInput {
        comment_id: id,
        user_id: &user.user.id,
        scope: &scope,
        to_status,
        reason_code: req.reason_code.as_deref(),
        note: req.note.as_deref(),
        now,
    };
    let decided = state
        .store()
        .decide(
            &input,
            |row| decision_event(row, to_status, input.reason_code, now),
            |copy, source| campaign_copy(copy, source, now),
        )
        .await?;
    metrics::counter!("raqib_decisions_total", "decision" => req.decision.clone(), "decided_by" => "moderator").increment(1);
    count_swept(&decided.copies_rejected);
    Ok(DecisionResponse {
        verdict: VerdictResponse::from_row(&decided.row)?,
        copies_rejected: decided.copies_rejected,
    })
}

/// A moderator's decision as answered: the comment's verdict, and the copies of its
/// text rejected with it.
#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct DecisionResponse {
    #[serde(flatten)]
    pub verdict: VerdictResponse,
    /// Campaign copies (pending, or published by the machine) rejected with a
    /// rejection as `spam` (the site's
    /// `duplicates.follow_moderators`); absent when there were none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub copies_rejected: Vec<String>,
}

/// A moderator's decision: `409` if another moderator holds the lease or the comment
/// is no longer pending.
#[utoipa::path(post, path = "/v1/comments/{id}/decision", tag = "moderation", request_body = DecisionRequest,
    params(("id" = String, Path)),
    responses((status = 200, body = DecisionResponse), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("user_token" = [])))]
pub async fn decide(
    State(state): State<AppState>,
    UserToken(user): UserToken,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<DecisionRequest>,
) -> ApiResult<Json<DecisionResponse>> {
    Ok(Json(apply_decision(&state, &user, &id, &req).await?))
}

#[derive(Deserialize, Debug, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkItem {
    pub comment_id: String,
    #[serde(flatten)]
    pub decision: DecisionRequest,
}

#[derive(Deserialize, Debug, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkRequest {
    pub decisions: Vec<BulkItem>,
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct BulkOutcome {
    pub comment_id: String,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
    /// Campaign copies rejected with this decision.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub copies_rejected: Vec<String>,
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct BulkResponse {
    pub results: Vec<BulkOutcome>,
}

/// Up to 200 decisions; each item succeeds or fails on its own.
#[utoipa::path(post, path = "/v1/decisions", tag = "moderation", request_body = BulkRequest,
    responses((status = 200, body = BulkResponse)), security(("user_token" = [])))]
pub async fn bulk_decide(
    State(state): State<AppState>,
    UserToken(user): UserToken,
    ApiJson(req): ApiJson<BulkRequest>,
) -> ApiResult<Json<BulkResponse>> {
    if req.decisions.len() > 200 {
        return Err(ApiError::validation("decisions", "at most 200 items"));
    }
    let mut results = Vec::with_capacity(req.decisions.len());
    // Copies rejected with an earlier item: listed together, they are done, not
    // refused as no longer pending.
    let mut swept = std::collections::HashSet::new();
    for item in &req.decisions {
        if item.decision.decision == "reject" && swept.contains(&item.comment_id) {
            results.push(BulkOutcome {
                comment_id: item.comment_id.clone(),
                ok: true,
                status: Some("rejected".into()),
                problem: None,
                copies_rejected: Vec::new(),
            });
            continue;
        }
        let outcome = match apply_decision(&state, &user, &item.comment_id, &item.decision).await {
            Ok(d) => {
                swept.extend(d.copies_rejected.iter().cloned());
                BulkOutcome {
                    comment_id: item.comment_id.clone(),
                    ok: true,
                    status: Some(d.verdict.status.as_str().into()),
                    problem: None,
                    copies_rejected: d.copies_rejected,
                }
            }
            Err(e @ (ApiError::Unavailable(_) | ApiError::Internal(_))) => return Err(e),
            Err(e) => BulkOutcome {
                comment_id: item.comment_id.clone(),
                ok: false,
                status: None,
                problem: Some(e.problem()),
                copies_rejected: Vec::new(),
            },
        };
        results.push(outcome);
    }
    Ok(Json(BulkResponse { results }))
}

#[derive(Deserialize, Debug, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    /// Why the reader flagged it (free text or a code such as `spam`, `abuse`).
    pub reason: String,
    #[serde(default)]
    pub note: Option<String>,
    /// The reporting reader's id on the host site; reliable reporters weigh more.
    #[serde(default)]
    pub reporter_id: Option<String>,
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct ReportResponse {
    pub report_id: String,
    pub weight: f64,
    /// The comment's status after the report.
    pub status: String,
}

/// A reader flagged a comment. A published comment returns to the queue once its
/// reports weigh enough; reporters whose earlier reports were upheld weigh more.
#[utoipa::path(post, path = "/v1/comments/{id}/reports", tag = "comments", request_body = ReportRequest,
    params(("id" = String, Path, description = "raqib id or ext:<external_id>")),
    responses((status = 201, body = ReportResponse), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn report(
    State(state): State<AppState>,
    SiteAuth(auth): SiteAuth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ReportRequest>,
) -> ApiResult<(StatusCode, Json<ReportResponse>)> {
    let limits = &state.settings().server;
    if req.reason.trim().is_empty() || req.reason.chars().count() > limits.max_field_chars {
        return Err(ApiError::validation(
            "reason",
            "1 to max_field_chars characters",
        ));
    }
    if req
        .note
        .as_deref()
        .is_some_and(|n| n.chars().count() > limits.max_comment_chars)
    {
        return Err(ApiError::validation("note", "too long"));
    }
    let row = super::comments::load(&state, &auth.site.id, &id).await?;
    let weight = state
        .store()
        .reporter_weight(&auth.site.id, req.reporter_id.as_deref())
        .await?;
    let now = state.now();
    let report = ReportRow {
        id: uuid::Uuid::now_v7().to_string(),
        comment_id: row.id.clone(),
        reporter_id: req.reporter_id,
        reason: req.reason,
        note: req.note,
        weight,
        outcome: None,
        created_at: now,
    };
    let threshold = state.settings().queue.report_threshold;
    let status = state
        .store()
        .add_report(&report, &auth.site.id, threshold, false, now, |r| {
            requeue_event(r, now)
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ReportResponse {
            report_id: report.id,
            weight,
            status,
        }),
    ))
}

#[derive(Deserialize, Debug, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealRequest {
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct AppealResponse {
    pub status: String,
}

/// The author disputes a rejection: the comment returns to the queue as an appeal,
/// for a different moderator than the one who rejected it.
#[utoipa::path(post, path = "/v1/comments/{id}/appeal", tag = "comments", request_body = AppealRequest,
    params(("id" = String, Path, description = "raqib id or ext:<external_id>")),
    responses((status = 200, body = AppealResponse), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("api_key" = [])))]
pub async fn appeal(
    State(state): State<AppState>,
    SiteAuth(auth): SiteAuth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<AppealRequest>,
) -> ApiResult<Json<AppealResponse>> {
    let row = super::comments::load(&state, &auth.site.id, &id).await?;
    let now = state.now();
    state
        .store()
        .appeal(&auth.site.id, &row.id, req.note.as_deref(), now, |r| {
            requeue_event(r, now)
        })
        .await?;
    Ok(Json(AppealResponse {
        status: "pending".into(),
    }))
}

#[derive(Deserialize, Debug, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    pub site: Option<String>,
    pub comment: Option<String>,
    /// `policy`, `rule:<id>`, `moderator:<user id>`, `host`, `author`, `reports`.
    pub actor: Option<String>,
    /// RFC 3339 or Unix milliseconds.
    pub since: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub next_cursor: Option<String>,
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct AuditEntry {
    #[serde(flatten)]
    pub row: AuditRow,
    pub at: String,
}

/// The append-only log of every status change, newest first.
#[utoipa::path(get, path = "/v1/audit", tag = "moderation", params(AuditQuery),
    responses((status = 200, body = AuditPage)), security(("user_token" = [])))]
pub async fn audit(
    State(state): State<AppState>,
    UserToken(user): UserToken,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<AuditPage>> {
    check_site(&user, q.site.as_deref())?;
    let since = q
        .since
        .as_deref()
        .map(|s| parse_time(s).ok_or_else(|| ApiError::validation("since", "RFC 3339 or Unix ms")))
        .transpose()?;
    let before = q
        .cursor
        .as_deref()
        .map(|c| {
            c.parse::<i64>()
                .map_err(|_| ApiError::validation("cursor", "not a cursor"))
        })
        .transpose()?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let rows = state
        .store()
        .audit(
            &scope(&user),
            q.site.as_deref(),
            q.comment.as_deref(),
            q.actor.as_deref(),
            since,
            before,
            limit + 1,
        )
        .await?;
    let more = rows.len() as i64 > limit;
    let entries: Vec<AuditEntry> = rows
        .into_iter()
        .take(limit as usize)
        .map(|row| AuditEntry {
            at: rfc3339(row.created_at),
            row,
        })
        .collect();
    let next_cursor = if more {
        entries.last().map(|e| e.row.id.to_string())
    } else {
        None
    };
    Ok(Json(AuditPage {
        entries,
        next_cursor,
    }))
}
